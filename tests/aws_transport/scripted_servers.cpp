#include "scripted_servers.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace athena_runner::testing {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

constexpr int kPollIntervalMs = 50;
constexpr std::size_t kReadChunk = 4096;

}  // namespace

std::string RecordedRequest::header(const std::string& lower_case_name) const {
  auto found = headers.find(lower_case_name);
  return found == headers.end() ? std::string() : found->second;
}

struct ScriptedHttpServer::State {
  httplib::Server server;
  std::mutex mutex;
  std::vector<ScriptedResponse> script;
  ScriptedResponse fallback;
  std::vector<RecordedRequest> requests;
};

ScriptedHttpServer::ScriptedHttpServer(std::vector<ScriptedResponse> script, ScriptedResponse fallback)
    : state_(std::make_unique<State>()) {
  state_->script = std::move(script);
  state_->fallback = std::move(fallback);
  auto handler = [state = state_.get()](const httplib::Request& request, httplib::Response& response) {
    ScriptedResponse answer;
    {
      std::lock_guard lock(state->mutex);
      RecordedRequest recorded{request.method, request.path, request.body, {}, request.remote_port};
      for (const auto& [name, value] : request.headers) recorded.headers[lower(name)] = value;
      const std::size_t index = state->requests.size();
      state->requests.push_back(std::move(recorded));
      answer = index < state->script.size() ? state->script[index] : state->fallback;
    }
    if (answer.delay.count() > 0) std::this_thread::sleep_for(answer.delay);
    response.status = answer.status;
    for (const auto& [name, value] : answer.headers) response.set_header(name, value);
    response.set_content(answer.body, answer.content_type.c_str());
  };
  state_->server.Post(".*", handler);
  state_->server.Get(".*", handler);
  state_->server.Put(".*", handler);
  state_->server.Delete(".*", handler);
  port_ = state_->server.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("could not bind a loopback port");
  thread_ = std::thread([this] { state_->server.listen_after_bind(); });
  while (!state_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

ScriptedHttpServer::~ScriptedHttpServer() {
  state_->server.stop();
  if (thread_.joinable()) thread_.join();
}

std::vector<RecordedRequest> ScriptedHttpServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

ResettingServer::ResettingServer(int resets, std::string body) : resets_(resets), body_(std::move(body)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("could not listen on loopback");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ResettingServer::~ResettingServer() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

std::vector<std::string> ResettingServer::request_heads() const {
  std::lock_guard lock(mutex_);
  return heads_;
}

void ResettingServer::serve() {
  int served = 0;
  while (!stopping_) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, kPollIntervalMs) <= 0) continue;
    int connection = ::accept(listen_fd_, nullptr, nullptr);
    if (connection < 0) continue;
    // Read one request: the head, then Content-Length bytes of body.
    std::string data;
    char buffer[kReadChunk];
    std::size_t head_end = std::string::npos;
    std::size_t wanted = 0;
    while (true) {
      pollfd readable{connection, POLLIN, 0};
      if (::poll(&readable, 1, 2000) <= 0) break;
      ssize_t count = ::read(connection, buffer, sizeof(buffer));
      if (count <= 0) break;
      data.append(buffer, static_cast<std::size_t>(count));
      if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
        auto position = lower(data.substr(0, head_end)).find("content-length:");
        wanted = position == std::string::npos ? 0 : std::stoul(data.substr(position + 15));
      }
      if (head_end != std::string::npos && data.size() >= head_end + 4 + wanted) break;
    }
    {
      std::lock_guard lock(mutex_);
      heads_.push_back(head_end == std::string::npos ? data : data.substr(0, head_end));
    }
    if (served++ >= resets_) {
      std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: " +
                           std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
      (void)!::write(connection, answer.data(), answer.size());
    } else {
      // Close without answering; SO_LINGER 0 makes it a reset rather than an orderly close.
      linger reset{1, 0};
      ::setsockopt(connection, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    }
    ::close(connection);
  }
}

}  // namespace athena_runner::testing
