// A loopback Lambda Runtime API server (for `athena-runner invoke --package`, tests and benchmarks),
// following AWS's documented contract
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html): GET /next blocks until an event is
// queued and answers 200 with the Lambda-Runtime-* headers; POST .../response answers 202 (413 over
// 6 MB, 400 for an unknown or already answered request id); POST .../error and /init/error answer 202.
// On the same port it also serves Lambda's Invoke API (POST /2015-03-31/functions/{FunctionName}/invocations,
// https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html), so another process (`athena-runner serve
// --events-to`, standing in for EventBridge) can invoke the function: `X-Amz-Invocation-Type: Event` queues the
// payload and answers 202, `RequestResponse` (the default) answers 200 with what the function posted
// (`X-Amz-Function-Error: Unhandled` when it failed), `DryRun` answers 204. One function instance takes the
// queue in order, as a function with reserved concurrency 1 would. Signatures are not checked.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace athena_runner::lambda {

struct QueuedEvent {
  std::string payload;
  std::string request_id;  // generated when empty
  std::chrono::system_clock::time_point deadline = std::chrono::system_clock::now() + std::chrono::seconds(60);
  // When set, the deadline is instead counted from when the event is handed out (as Lambda counts a function's
  // timeout); the Invoke API's events get the emulator's function timeout.
  std::optional<std::chrono::milliseconds> timeout;
  std::string function_arn = "arn:aws:lambda:us-east-1:123456789012:function:athena-runner";
  std::string trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
};

struct PostedResult {
  std::string request_id;  // empty for an init error
  std::string source;      // "queued" (enqueue()) or "invoke" (the Invoke API)
  enum class Kind { Response, Error, InitError } kind = Kind::Response;
  std::string body;
  std::string content_type;
  std::string error_type_header;  // Lambda-Runtime-Function-Error-Type
  int status = 0;                 // what this server answered
  // From the /next that handed the event out to this post: the invocation's duration as Lambda measures it.
  std::chrono::nanoseconds duration{0};
  // What Lambda bills for it: the duration rounded up to a whole millisecond (1 ms granularity).
  std::int64_t billed_milliseconds() const;
};

inline constexpr char kInvokeFunctionName[] = "athena-runner";  // the function name the Invoke API answers for

class RuntimeApiEmulator {
 public:
  // Listens on 127.0.0.1:<port>, any free port when 0; throws std::runtime_error when it can not bind.
  explicit RuntimeApiEmulator(int port = 0);
  // The function timeout given to events that come through the Invoke API (default 15 minutes, Lambda's most).
  void set_function_timeout(std::chrono::milliseconds timeout);
  ~RuntimeApiEmulator();  // stops the server, releasing any blocked /next
  RuntimeApiEmulator(const RuntimeApiEmulator&) = delete;
  RuntimeApiEmulator& operator=(const RuntimeApiEmulator&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }  // AWS_LAMBDA_RUNTIME_API
  // The Invoke API's URL for the function (what `serve --events-to` takes).
  std::string invoke_url() const {
    return "http://" + endpoint() + "/2015-03-31/functions/" + kInvokeFunctionName + "/invocations";
  }

  // Queues an event; returns its request id.
  std::string enqueue(QueuedEvent event);
  // The answer posted for a request id (or the init error when request_id is empty), waiting up to timeout.
  std::optional<PostedResult> wait_result(const std::string& request_id, std::chrono::milliseconds timeout);
  std::optional<PostedResult> wait_init_error(std::chrono::milliseconds timeout) { return wait_result({}, timeout); }
  // How many GET /next requests arrived, and when the first one did (steady clock).
  int next_requests() const;
  std::optional<std::chrono::steady_clock::time_point> first_next_at() const;
  // Waits until at least `count` GET /next requests arrived.
  bool wait_next_requests(int count, std::chrono::milliseconds timeout);
  std::vector<PostedResult> results() const;

 private:
  std::string enqueue_from(QueuedEvent event, const char* source);
  struct State;
  std::unique_ptr<State> state_;
  int port_ = 0;
};

}  // namespace athena_runner::lambda
