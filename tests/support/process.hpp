// Child processes for tests: started with an argv, always stopped (SIGTERM, then SIGKILL) on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace athena_runner::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
int free_loopback_port();

// Variables that point an SDK (ours, awscli, boto3) at `endpoint` in us-east-1 with these credentials, and at
// nothing else (no config or credentials file, no instance metadata).
std::map<std::string, std::string> sdk_environment(const std::string& endpoint, const std::string& access_key_id,
                                                   const std::string& secret_access_key);

// True when something accepts TCP connections on 127.0.0.1:port within `timeout`.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  std::string out;     // stdout
  std::string err;     // stderr
  bool timed_out = false;
};

// Runs argv to completion with optional stdin text and extra environment (added to the current one;
// a value of "\x01unset" removes a variable). Kills it after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_text = {},
                          const std::map<std::string, std::string>& extra_env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(120));

class ChildProcess {
 public:
  // Starts argv in its own process group; stdout/stderr go to `log_path` (or /dev/null when empty).
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env = {},
               const std::string& log_path = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void stop();  // SIGTERM to the group, wait up to 5 s, then SIGKILL
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace athena_runner::testing
