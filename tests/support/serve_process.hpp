// One `athena-runner serve` on a data directory, on a free loopback port, for the lifetime of the object.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace athena_runner::testing {

class ServeProcess {
 public:
  // `binary serve --port <free> --data-dir data_dir options...`, its output in log_path; throws if it does not
  // come up (three ports are tried).
  ServeProcess(const std::string& binary, const std::string& data_dir, const std::string& log_path,
               const std::vector<std::string>& options = {});
  // SIGTERM, then the exit code (nullopt when it did not exit in time).
  std::optional<int> terminate();
  void kill_hard();
  int port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Variables that point an SDK (ours, awscli, boto3) at this server with its default credentials (test/test).
  std::map<std::string, std::string> client_environment() const;

 private:
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace athena_runner::testing
