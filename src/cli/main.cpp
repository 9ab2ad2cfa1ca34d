// athena-runner: run Athena SQL on a schedule, on Athena or locally.
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <map>

#include "command_support.hpp"
#include "commands.hpp"

namespace {

constexpr const char* kDescription =
    "athena-runner: run Amazon Athena SQL queries, on Athena or locally on an embedded engine.\n\n"
    "AWS settings come from the usual places: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL[_<SERVICE>],\n"
    "~/.aws/config and ~/.aws/credentials, container credentials and IMDSv2.\n\n"
    "Exit codes: 0 success, 1 the work failed, 2 bad command line or input, 3 AWS configuration.";

}  // namespace

int main(int argc, char** argv) {
  using namespace athena_runner::cli;
  program_arguments().assign(argv, argv + argc);
  CLI::App app{kDescription, "athena-runner"};
  app.set_version_flag("--version", "athena-runner 0.1.0");
  app.require_subcommand(0, 1);
  AwsOptions aws;
  app.add_option("--profile", aws.profile, "AWS profile (default: AWS_PROFILE, then 'default')");
  app.add_option("--region", aws.region, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile)");

  std::map<const CLI::App*, CommandRunner> runners;
  auto doctor = add_doctor_command(app, aws);
  runners[app.get_subcommand("doctor")] = doctor;
  auto invoke = add_invoke_command(app, aws);
  runners[app.get_subcommand("invoke")] = invoke;
#ifdef AR_HAVE_LOCAL_ENGINE  // -DAR_LOCAL_ENGINE=OFF builds the CLI without the local engine and endpoint
  runners[app.get_subcommand("serve")] = add_serve_command(app);
#endif
  add_run_commands(app, runners, aws);
  auto query = add_query_command(app, aws);
  runners[app.get_subcommand("query")] = query;

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }
  try {
    auto subcommands = app.get_subcommands();
    if (subcommands.empty()) {
      std::cout << app.help();
      return kExitOk;
    }
    return runners.at(subcommands.front())();
  } catch (const std::exception& error) {
    std::cerr << "athena-runner: internal error: " << error.what() << "\n";
    return kExitFailed;
  }
}
