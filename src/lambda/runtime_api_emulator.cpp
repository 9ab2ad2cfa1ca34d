#include "runtime_api_server.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace athena_runner::testing {
namespace {

constexpr std::size_t kMaxResponseBytes = 6 * 1024 * 1024;  // Lambda's synchronous payload quota
constexpr char kPrefix[] = "/2018-06-01/runtime";

void json_reply(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

}  // namespace

RuntimeApiServer::RuntimeApiServer() : server_(std::make_unique<httplib::Server>()) {
  server_->Get(std::string(kPrefix) + "/invocation/next", [this](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(mutex_);
    ++next_requests_;
    if (!first_next_at_) first_next_at_ = std::chrono::steady_clock::now();
    changed_.notify_all();
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      json_reply(res, 500, {{"errorMessage", "shutting down"}, {"errorType", "ServiceException"}});
      return;
    }
    QueuedEvent event = std::move(queue_.front());
    queue_.pop_front();
    in_flight_.insert(event.request_id);
    auto deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(event.deadline.time_since_epoch()).count();
    res.status = 200;
    res.set_header("Lambda-Runtime-Aws-Request-Id", event.request_id);
    res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ms));
    res.set_header("Lambda-Runtime-Invoked-Function-Arn", event.function_arn);
    if (!event.trace_id.empty()) res.set_header("Lambda-Runtime-Trace-Id", event.trace_id);
    res.set_content(event.payload, "application/json");
  });

  auto record = [this](const httplib::Request& req, httplib::Response& res, PostedResult::Kind kind) {
    PostedResult result;
    result.kind = kind;
    result.body = req.body;
    result.content_type = req.get_header_value("Content-Type");
    result.error_type_header = req.get_header_value("Lambda-Runtime-Function-Error-Type");
    if (kind != PostedResult::Kind::InitError) result.request_id = req.matches[1];
    std::lock_guard lock(mutex_);
    if (kind != PostedResult::Kind::InitError && in_flight_.count(result.request_id) == 0) {
      json_reply(res, 400,
                 {{"errorMessage", "unknown or already answered request id " + result.request_id},
                  {"errorType", "InvalidRequestID"}});
      return;
    }
    if (kind == PostedResult::Kind::Response && req.body.size() > kMaxResponseBytes) {
      json_reply(res, 413, {{"errorMessage", "payload too large"}, {"errorType", "RequestEntityTooLarge"}});
      return;
    }
    in_flight_.erase(result.request_id);
    result.status = 202;
    results_.push_back(result);
    changed_.notify_all();
    json_reply(res, 202, {{"status", "OK"}});
  };
  server_->Post(std::string(kPrefix) + R"(/invocation/([^/]+)/response)",
                [record](const httplib::Request& req, httplib::Response& res) {
                  record(req, res, PostedResult::Kind::Response);
                });
  server_->Post(
      std::string(kPrefix) + R"(/invocation/([^/]+)/error)",
      [record](const httplib::Request& req, httplib::Response& res) { record(req, res, PostedResult::Kind::Error); });
  server_->Post(std::string(kPrefix) + "/init/error", [record](const httplib::Request& req, httplib::Response& res) {
    record(req, res, PostedResult::Kind::InitError);
  });

  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("RuntimeApiServer: cannot bind a loopback port");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

RuntimeApiServer::~RuntimeApiServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string RuntimeApiServer::enqueue(QueuedEvent event) {
  std::lock_guard lock(mutex_);
  if (event.request_id.empty())
    event.request_id = "8476a536-e9f4-11e8-9739-" + std::to_string(100000000000 + ++counter_);
  std::string id = event.request_id;
  queue_.push_back(std::move(event));
  changed_.notify_all();
  return id;
}

std::optional<PostedResult> RuntimeApiServer::wait_result(const std::string& request_id,
                                                          std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<PostedResult> found;
  changed_.wait_for(lock, timeout, [&] {
    for (const auto& result : results_) {
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

int RuntimeApiServer::next_requests() const {
  std::lock_guard lock(mutex_);
  return next_requests_;
}

std::optional<std::chrono::steady_clock::time_point> RuntimeApiServer::first_next_at() const {
  std::lock_guard lock(mutex_);
  return first_next_at_;
}

bool RuntimeApiServer::wait_next_requests(int count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return next_requests_ >= count; });
}

std::vector<PostedResult> RuntimeApiServer::results() const {
  std::lock_guard lock(mutex_);
  return results_;
}

}  // namespace athena_runner::testing
