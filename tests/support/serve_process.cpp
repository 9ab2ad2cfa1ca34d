#include "support/serve_process.hpp"

#include <signal.h>

#include <chrono>
#include <stdexcept>

namespace athena_runner::testing {

ServeProcess::ServeProcess(const std::string& binary, const std::string& data_dir, const std::string& log_path,
                           const std::vector<std::string>& options) {
  for (int attempt = 0; attempt < 3 && !process_; ++attempt) {
    port_ = free_loopback_port();
    std::vector<std::string> argv{binary, "serve", "--port", std::to_string(port_), "--data-dir", data_dir};
    argv.insert(argv.end(), options.begin(), options.end());
    auto process = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{}, log_path);
    if (wait_for_port(port_, std::chrono::seconds(20))) process_ = std::move(process);
  }
  if (!process_) throw std::runtime_error("athena-runner serve did not start; see " + log_path);
}

std::optional<int> ServeProcess::terminate() {
  ::kill(process_->pid(), SIGTERM);
  return process_->wait_exit(std::chrono::seconds(10));
}

void ServeProcess::kill_hard() {
  ::kill(process_->pid(), SIGKILL);
  (void)process_->wait_exit(std::chrono::seconds(10));
}

std::map<std::string, std::string> ServeProcess::client_environment() const {
  return sdk_environment(endpoint(), "test", "test");
}

}  // namespace athena_runner::testing
