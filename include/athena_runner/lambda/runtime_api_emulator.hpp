// A loopback Lambda Runtime API server (for `athena-runner invoke --package`, tests and benchmarks),
// following AWS's documented contract
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html): GET /next blocks until an event is
// queued and answers 200 with the Lambda-Runtime-* headers; POST .../response answers 202 (413 over
// 6 MB, 400 for an unknown or already answered request id); POST .../error and /init/error answer 202.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace athena_runner::lambda {

struct QueuedEvent {
  std::string payload;
  std::string request_id;  // generated when empty
  std::chrono::system_clock::time_point deadline = std::chrono::system_clock::now() + std::chrono::seconds(60);
  std::string function_arn = "arn:aws:lambda:us-east-1:123456789012:function:athena-runner";
  std::string trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
};

struct PostedResult {
  std::string request_id;  // empty for an init error
  enum class Kind { Response, Error, InitError } kind = Kind::Response;
  std::string body;
  std::string content_type;
  std::string error_type_header;  // Lambda-Runtime-Function-Error-Type
  int status = 0;                 // what this server answered
};

class RuntimeApiEmulator {
 public:
  RuntimeApiEmulator();   // listens on 127.0.0.1:<free port>
  ~RuntimeApiEmulator();  // stops the server, releasing any blocked /next
  RuntimeApiEmulator(const RuntimeApiEmulator&) = delete;
  RuntimeApiEmulator& operator=(const RuntimeApiEmulator&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }  // AWS_LAMBDA_RUNTIME_API

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
  struct State;
  std::unique_ptr<State> state_;
  int port_ = 0;
};

}  // namespace athena_runner::lambda
