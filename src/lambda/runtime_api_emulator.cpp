#include "athena_runner/lambda/runtime_api_emulator.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace athena_runner::lambda {
namespace {

constexpr std::size_t kMaxResponseBytes = std::size_t{6} * 1024 * 1024;  // Lambda's synchronous payload quota
constexpr char kPrefix[] = "/2018-06-01/runtime";
constexpr char kInvokePath[] = R"(/2015-03-31/functions/([^/]+)/invocations)";
constexpr char kInvocationTypeHeader[] = "X-Amz-Invocation-Type";
constexpr char kFunctionErrorHeader[] = "X-Amz-Function-Error";
constexpr std::chrono::milliseconds kRequestResponseTimeout = std::chrono::minutes(15);  // Lambda's longest timeout

void json_reply(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

// Lambda's REST-JSON error: the code in x-amzn-ErrorType, {"Type", "Message"} in the body.
void lambda_error(httplib::Response& response, int status, const std::string& code, const std::string& message) {
  response.set_header("x-amzn-ErrorType", code);
  json_reply(response, status, {{"Type", "User"}, {"Message", message}});
}

// The function's name, its ARN, or either with a qualifier (":$LATEST") names our one function.
bool names_our_function(std::string name) {
  if (auto arn_function = name.find(":function:"); arn_function != std::string::npos)
    name = name.substr(arn_function + 10);
  if (auto qualifier = name.find(':'); qualifier != std::string::npos) name.resize(qualifier);
  return name == kInvokeFunctionName;
}

}  // namespace

struct RuntimeApiEmulator::State {
  httplib::Server server;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  std::deque<QueuedEvent> queue;
  std::map<std::string, std::chrono::steady_clock::time_point> in_flight;  // request id -> handed out at
  std::map<std::string, std::string> sources;                              // request id -> "queued", "invoke"
  std::vector<PostedResult> results;
  int next_requests = 0;
  std::optional<std::chrono::steady_clock::time_point> first_next_at;
  std::uint64_t counter = 0;
  std::chrono::milliseconds function_timeout = kRequestResponseTimeout;
};

std::int64_t PostedResult::billed_milliseconds() const {
  return std::chrono::ceil<std::chrono::milliseconds>(duration).count();
}

RuntimeApiEmulator::RuntimeApiEmulator(int port) : state_(std::make_unique<State>()) {
  State& s = *state_;
  // httplib writes a response's headers and body separately: without this, Nagle's algorithm holds the body
  // until the function's delayed ACK (about 40 ms), and every invocation would seem 40 ms longer.
  s.server.set_tcp_nodelay(true);
  // httplib's default is SO_REUSEPORT, which lets a second server bind the same port and take half its
  // connections: a port given to --invoke-port must be ours alone. SO_REUSEADDR only (a restart can rebind).
  s.server.set_socket_options([](int socket) {
    int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.server.Get(std::string(kPrefix) + "/invocation/next", [&s](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(s.mutex);
    ++s.next_requests;
    if (!s.first_next_at) s.first_next_at = std::chrono::steady_clock::now();
    s.changed.notify_all();
    s.changed.wait(lock, [&s] { return s.stopping || !s.queue.empty(); });
    if (s.stopping) {
      json_reply(res, 500, {{"errorMessage", "shutting down"}, {"errorType", "ServiceException"}});
      return;
    }
    QueuedEvent event = std::move(s.queue.front());
    s.queue.pop_front();
    s.in_flight[event.request_id] = std::chrono::steady_clock::now();
    if (event.timeout) event.deadline = std::chrono::system_clock::now() + *event.timeout;
    auto deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(event.deadline.time_since_epoch()).count();
    res.status = 200;
    res.set_header("Lambda-Runtime-Aws-Request-Id", event.request_id);
    res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ms));
    res.set_header("Lambda-Runtime-Invoked-Function-Arn", event.function_arn);
    if (!event.trace_id.empty()) res.set_header("Lambda-Runtime-Trace-Id", event.trace_id);
    res.set_content(event.payload, "application/json");
  });

  auto record = [&s](const httplib::Request& req, httplib::Response& res, PostedResult::Kind kind) {
    PostedResult result;
    result.kind = kind;
    result.body = req.body;
    result.content_type = req.get_header_value("Content-Type");
    result.error_type_header = req.get_header_value("Lambda-Runtime-Function-Error-Type");
    if (kind != PostedResult::Kind::InitError) result.request_id = req.matches[1];
    std::lock_guard lock(s.mutex);
    const auto handed_out = s.in_flight.find(result.request_id);
    if (kind != PostedResult::Kind::InitError && handed_out == s.in_flight.end()) {
      json_reply(res, 400,
                 {{"errorMessage", "unknown or already answered request id " + result.request_id},
                  {"errorType", "InvalidRequestID"}});
      return;
    }
    if (kind == PostedResult::Kind::Response && req.body.size() > kMaxResponseBytes) {
      json_reply(res, 413, {{"errorMessage", "payload too large"}, {"errorType", "RequestEntityTooLarge"}});
      return;
    }
    if (handed_out != s.in_flight.end()) {
      result.duration = std::chrono::steady_clock::now() - handed_out->second;
      s.in_flight.erase(handed_out);
    }
    if (auto source = s.sources.find(result.request_id); source != s.sources.end()) result.source = source->second;
    result.status = 202;
    s.results.push_back(result);
    s.changed.notify_all();
    json_reply(res, 202, {{"status", "OK"}});
  };
  s.server.Post(std::string(kPrefix) + R"(/invocation/([^/]+)/response)",
                [record](const httplib::Request& req, httplib::Response& res) {
                  record(req, res, PostedResult::Kind::Response);
                });
  s.server.Post(
      std::string(kPrefix) + R"(/invocation/([^/]+)/error)",
      [record](const httplib::Request& req, httplib::Response& res) { record(req, res, PostedResult::Kind::Error); });
  s.server.Post(std::string(kPrefix) + "/init/error", [record](const httplib::Request& req, httplib::Response& res) {
    record(req, res, PostedResult::Kind::InitError);
  });

  // Lambda's Invoke: the payload becomes an event of the one function instance.
  s.server.Post(kInvokePath, [this](const httplib::Request& req, httplib::Response& res) {
    const std::string function_name = req.matches[1];
    if (!names_our_function(function_name)) {
      lambda_error(res, 404, "ResourceNotFoundException",
                   "Function not found: " + function_name + " (this emulator runs only " + kInvokeFunctionName + ")");
      return;
    }
    const std::string type = req.has_header(kInvocationTypeHeader) ? req.get_header_value(kInvocationTypeHeader)
                                                                   : std::string("RequestResponse");
    if (type != "Event" && type != "RequestResponse" && type != "DryRun") {
      lambda_error(res, 400, "InvalidParameterValueException",
                   "X-Amz-Invocation-Type must be Event, RequestResponse or DryRun, not " + type);
      return;
    }
    if (type == "DryRun") {
      res.status = 204;
      return;
    }
    QueuedEvent event;
    event.payload = req.body.empty() ? std::string("{}") : req.body;
    {
      std::lock_guard lock(state_->mutex);
      event.timeout = state_->function_timeout;
    }
    const std::string request_id = enqueue_from(std::move(event), "invoke");
    res.set_header("x-amzn-RequestId", request_id);
    if (type == "Event") {
      res.status = 202;
      return;
    }
    auto result = wait_result(request_id, kRequestResponseTimeout);  // empty when the emulator stops
    if (!result) {
      lambda_error(res, 500, "ServiceException", "the function did not answer " + request_id);
      return;
    }
    res.status = 200;
    res.set_header("X-Amz-Executed-Version", "$LATEST");
    if (result->kind != PostedResult::Kind::Response) res.set_header(kFunctionErrorHeader, "Unhandled");
    res.set_content(result->body, "application/json");
  });

  if (port == 0) {
    port_ = s.server.bind_to_any_port("127.0.0.1");
  } else if (s.server.bind_to_port("127.0.0.1", port)) {
    port_ = port;
  }
  if (port_ <= 0)
    throw std::runtime_error("RuntimeApiEmulator: cannot bind 127.0.0.1:" + std::to_string(port) +
                             (port == 0 ? std::string(" (any free port)") : std::string(" (is it in use?)")));
  s.thread = std::thread([&s] { s.server.listen_after_bind(); });
  while (!s.server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

RuntimeApiEmulator::~RuntimeApiEmulator() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  state_->server.stop();
  if (state_->thread.joinable()) state_->thread.join();
}

std::string RuntimeApiEmulator::enqueue(QueuedEvent event) { return enqueue_from(std::move(event), "queued"); }

std::string RuntimeApiEmulator::enqueue_from(QueuedEvent event, const char* source) {
  std::lock_guard lock(state_->mutex);
  if (event.request_id.empty())
    event.request_id = "8476a536-e9f4-11e8-9739-" + std::to_string(100000000000 + ++state_->counter);
  std::string id = event.request_id;
  state_->sources[id] = source;
  state_->queue.push_back(std::move(event));
  state_->changed.notify_all();
  return id;
}

std::optional<PostedResult> RuntimeApiEmulator::wait_result(const std::string& request_id,
                                                            std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  std::optional<PostedResult> found;
  state_->changed.wait_for(lock, timeout, [&] {
    if (state_->stopping) return true;
    for (const auto& result : state_->results) {
      bool init = result.kind == PostedResult::Kind::InitError;
      if ((request_id.empty() && init) || (!request_id.empty() && !init && result.request_id == request_id)) {
        found = result;
        return true;
      }
    }
    return false;
  });
  return found;
}

void RuntimeApiEmulator::set_function_timeout(std::chrono::milliseconds timeout) {
  std::lock_guard lock(state_->mutex);
  state_->function_timeout = timeout;
}

int RuntimeApiEmulator::next_requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->next_requests;
}

std::optional<std::chrono::steady_clock::time_point> RuntimeApiEmulator::first_next_at() const {
  std::lock_guard lock(state_->mutex);
  return state_->first_next_at;
}

bool RuntimeApiEmulator::wait_next_requests(int count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->next_requests >= count; });
}

std::vector<PostedResult> RuntimeApiEmulator::results() const {
  std::lock_guard lock(state_->mutex);
  return state_->results;
}

}  // namespace athena_runner::lambda
