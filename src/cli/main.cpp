// athena-runner: run Athena SQL on a schedule, on Athena or locally.
#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"athena-runner: run Amazon Athena SQL queries, on Athena or locally on an embedded engine"};
  app.set_version_flag("--version", "athena-runner 0.1.0");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
  }
  return 0;
}
