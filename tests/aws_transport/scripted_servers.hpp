// Loopback peers for the transport tests, started on free ports and always stopped by their destructors.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace athena_runner::testing {

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/x-amz-json-1.1";
  std::chrono::milliseconds delay{0};  // before answering (timeouts)
};

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  int remote_port = 0;                         // the client's port: the same one means a reused connection
  std::string header(const std::string& lower_case_name) const;
};

// A cpp-httplib server that answers the n-th request with script[n] (then with `fallback`) and records
// every request.
class ScriptedHttpServer {
 public:
  ScriptedHttpServer(std::vector<ScriptedResponse> script, ScriptedResponse fallback);
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<RecordedRequest> requests() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  int port_ = 0;
  std::thread thread_;
};

// A raw TCP server: reads each request, then closes the first `resets` connections without answering
// (the client sees the connection drop), and answers later ones with 200 and `body`.
class ResettingServer {
 public:
  ResettingServer(int resets, std::string body);
  ~ResettingServer();
  ResettingServer(const ResettingServer&) = delete;
  ResettingServer& operator=(const ResettingServer&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> request_heads() const;  // the header block of each request received

 private:
  void serve();
  int listen_fd_ = -1;
  int port_ = 0;
  int resets_;
  std::string body_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> heads_;
  std::thread thread_;
};

}  // namespace athena_runner::testing
