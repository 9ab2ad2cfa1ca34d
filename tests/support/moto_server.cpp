#include "support/moto_server.hpp"

#include <stdexcept>

namespace athena_runner::testing {

MotoServer::MotoServer() {
  for (int attempt = 0; attempt < 3 && !process_; ++attempt) {
    port_ = free_loopback_port();
    auto log = dir_.path() + "/moto.log";
    auto process = std::make_unique<ChildProcess>(
        std::vector<std::string>{"moto_server", "-H", "127.0.0.1", "-p", std::to_string(port_)},
        std::map<std::string, std::string>{}, log);
    if (wait_for_port(port_, std::chrono::seconds(30))) process_ = std::move(process);
  }
  if (!process_)
    throw std::runtime_error("moto_server did not start (is it on PATH? python3 -m pip install 'moto[server]')");
}

MotoServer::~MotoServer() = default;

std::map<std::string, std::string> MotoServer::client_environment() const {
  return sdk_environment(endpoint(), "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
}

void MotoServer::reset() {
  auto result = run_process({"python3", "-c",
                             "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "
                             "'/moto-api/reset', method='POST'), timeout=10)",
                             endpoint()});
  if (result.exit_code != 0) throw std::runtime_error("moto reset failed: " + result.err);
}

}  // namespace athena_runner::testing
