#include "athena_runner/lambda/runtime_api_emulator.hpp"

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace athena_runner::lambda {
namespace {

constexpr std::size_t kMaxResponseBytes = 6 * 1024 * 1024;  // Lambda's synchronous payload quota
constexpr char kPrefix[] = "/2018-06-01/runtime";

void json_reply(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

}  // namespace

struct RuntimeApiEmulator::State {
  httplib::Server server;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  std::deque<QueuedEvent> queue;
  std::set<std::string> in_flight;
  std::vector<PostedResult> results;
  int next_requests = 0;
  std::optional<std::chrono::steady_clock::time_point> first_next_at;
  std::uint64_t counter = 0;
};

RuntimeApiEmulator::RuntimeApiEmulator() : state_(std::make_unique<State>()) {
  State& s = *state_;
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
    s.in_flight.insert(event.request_id);
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
    if (kind != PostedResult::Kind::InitError && s.in_flight.count(result.request_id) == 0) {
      json_reply(res, 400,
                 {{"errorMessage", "unknown or already answered request id " + result.request_id},
                  {"errorType", "InvalidRequestID"}});
      return;
    }
    if (kind == PostedResult::Kind::Response && req.body.size() > kMaxResponseBytes) {
      json_reply(res, 413, {{"errorMessage", "payload too large"}, {"errorType", "RequestEntityTooLarge"}});
      return;
    }
    s.in_flight.erase(result.request_id);
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

  port_ = s.server.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("RuntimeApiEmulator: cannot bind a loopback port");
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

std::string RuntimeApiEmulator::enqueue(QueuedEvent event) {
  std::lock_guard lock(state_->mutex);
  if (event.request_id.empty())
    event.request_id = "8476a536-e9f4-11e8-9739-" + std::to_string(100000000000 + ++state_->counter);
  std::string id = event.request_id;
  state_->queue.push_back(std::move(event));
  state_->changed.notify_all();
  return id;
}

std::optional<PostedResult> RuntimeApiEmulator::wait_result(const std::string& request_id,
                                                            std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  std::optional<PostedResult> found;
  state_->changed.wait_for(lock, timeout, [&] {
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
