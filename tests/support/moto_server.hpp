// A real moto_server on a free loopback port for the lifetime of the object.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::testing {

class MotoServer {
 public:
  MotoServer();  // starts `moto_server -H 127.0.0.1 -p <free port>`; throws if it does not come up
  ~MotoServer();

  int port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Variables that point an SDK (ours, awscli, boto3) at this server with dummy credentials.
  std::map<std::string, std::string> client_environment() const;
  // POST /moto-api/reset: forget every resource.
  void reset();

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace athena_runner::testing
