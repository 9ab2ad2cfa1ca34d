// The athena-runner subcommands. Each registers itself on the CLI11 app and runs after parsing;
// main() is the one try/catch boundary.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <string>

namespace athena_runner::cli {

// Options shared by every command that talks to AWS.
struct AwsOptions {
  std::string profile;
  std::string region;
};

// Exit codes, documented in --help.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;         // the work ran and failed (a query failed, a check failed)
inline constexpr int kExitUsage = 2;          // bad command line or input file
inline constexpr int kExitConfiguration = 3;  // credentials, region, endpoint

using CommandRunner = std::function<int()>;

// Adds `doctor`: resolves region, credentials, endpoints, and makes one signed Athena call.
CommandRunner add_doctor_command(CLI::App& app, const AwsOptions& aws);

// Adds `invoke`: the Lambda handler on an event, in-process or as the packaged bootstrap (invoke.cpp).
CommandRunner add_invoke_command(CLI::App& app, const AwsOptions& aws);

// Adds `serve`: the local S3 and Glue endpoint (serve.cpp, on ar_server).
CommandRunner add_serve_command(CLI::App& app);

// Adds `query`: one ad-hoc statement on the selected engine (query.cpp).
CommandRunner add_query_command(CLI::App& app, const AwsOptions& aws);

// Adds list, render, run, backfill, status, results and stop (run.cpp), registering their runners.
void add_run_commands(CLI::App& app, std::map<const CLI::App*, CommandRunner>& runners, const AwsOptions& aws);

}  // namespace athena_runner::cli
