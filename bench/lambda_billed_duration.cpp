// lambda_billed_duration: what Lambda bills per scheduled run of a 60-second query, completion mode `wait`
// against `events`. The packaged bootstrap runs under the loopback Runtime API (ar_lambda_emulator) against
// `athena-runner serve`, which holds the query RUNNING for the given time (--hold-running, so the query lasts
// a minute without a minute of DuckDB work on a shared machine). In `wait` mode the tick's one invocation polls
// until the query ends; in `events` mode the tick starts the query and returns, and serve's state-change
// events (--events-to, the emulator's Invoke API, standing in for the EventBridge rule) invoke the function
// again: QUEUED and RUNNING are answered at once, SUCCEEDED finishes the run. Each invocation's duration is
// measured as Lambda measures it (from the event handed out by GET /next to the response posted) and billed
// rounded up to 1 ms; a run's billed duration is the sum over its invocations.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "athena_runner/lambda/runtime_api_emulator.hpp"
#include "lambda_package.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace athena_runner;
constexpr char kResults[] = "s3://bench-results/athena-runner/";

std::string tick_event(int run) {
  // A new scheduled time per run: its own token, so nothing is reused between modes.
  return std::string(R"({"query": {"name": "minute_long", "sql": "SELECT 1 AS one", "workgroup": "primary",
    "catalog": "AwsDataCatalog", "database": "default", "output": ")") +
         kResults + R"(", "timeout": "10m", "timezone": "UTC"}, "scheduled_time": "2024-05-02T0)" +
         std::to_string(run) + R"(:00:00Z"})";
}

struct Run {
  std::vector<lambda::PostedResult> invocations;
  std::int64_t billed_ms = 0;
  double wall_seconds = 0;
};

std::optional<Run> run_mode(const std::string& mode, int run, std::chrono::seconds hold, const std::string& binary,
                            const std::string& task_root, const std::string& work) {
  lambda::RuntimeApiEmulator api;
  const int port = testing::free_loopback_port();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> serve = {binary,
                                    "serve",
                                    "--port",
                                    std::to_string(port),
                                    "--data-dir",
                                    work + "/data-" + mode,
                                    "--quiet",
                                    "--hold-running",
                                    std::to_string(hold.count()) + "s"};
  if (mode == "events") serve.insert(serve.end(), {"--events-to", api.invoke_url()});
  testing::ChildProcess server(serve, {}, work + "/serve-" + mode + ".log");
  if (!testing::wait_for_port(port, std::chrono::seconds(30))) {
    std::cerr << "lambda_billed_duration: serve did not start (" << work << "/serve-" << mode << ".log)\n";
    return std::nullopt;
  }
  auto bucket = testing::run_process({"aws", "--endpoint-url", endpoint, "s3", "mb", "s3://bench-results"}, {},
                                     {{"AWS_ACCESS_KEY_ID", "test"},
                                      {"AWS_SECRET_ACCESS_KEY", "test"},
                                      {"AWS_DEFAULT_REGION", "us-east-1"},
                                      {"AWS_CONFIG_FILE", "/dev/null"},
                                      {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}});
  if (bucket.exit_code != 0) {
    std::cerr << "lambda_billed_duration: aws s3 mb failed: " << bucket.err << "\n";
    return std::nullopt;
  }
  std::map<std::string, std::string> variables = {
      {"AWS_LAMBDA_RUNTIME_API", api.endpoint()},
      {"_HANDLER", "bootstrap"},
      {"LAMBDA_TASK_ROOT", task_root},
      {"AWS_REGION", "us-east-1"},
      {"AWS_DEFAULT_REGION", "us-east-1"},
      {"AWS_ACCESS_KEY_ID", "test"},
      {"AWS_SECRET_ACCESS_KEY", "test"},
      {"AWS_LAMBDA_FUNCTION_NAME", "athena-runner"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"},
      {"LANG", "en_US.UTF-8"},
      {"TZ", ":UTC"},
      {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
      {"ATHENA_RUNNER_LOG_LEVEL", "warn"},
      {"ATHENA_RUNNER_COMPLETION_MODE", mode},
      {"ATHENA_RUNNER_OUTPUT", kResults},
      {"AWS_ENDPOINT_URL", endpoint},
      {"AWS_CONFIG_FILE", "/dev/null"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
  };
  std::vector<std::string> argv = {"env", "-i"};
  for (const auto& [name, value] : variables) argv.push_back(std::string(name).append("=").append(value));
  argv.push_back(task_root + "/bootstrap");
  testing::ChildProcess function(argv, {}, work + "/function-" + mode + ".log");

  const auto started = std::chrono::steady_clock::now();
  lambda::QueuedEvent tick;
  tick.payload = tick_event(run);
  tick.timeout = std::chrono::minutes(15);
  const std::string tick_id = api.enqueue(tick);
  const auto give_up = started + hold + std::chrono::seconds(120);
  // Done when an answer says the run finished (wait mode: the tick's own answer).
  auto finished = [&] {
    for (const auto& result : api.results())
      if (result.kind != lambda::PostedResult::Kind::Response ||
          (mode == "wait" ? result.request_id == tick_id : result.body.find("\"finished\"") != std::string::npos))
        return true;
    return false;
  };
  while (!finished() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Run outcome;
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a late event would be billed too
  outcome.invocations = api.results();
  for (const auto& result : outcome.invocations) {
    if (result.kind != lambda::PostedResult::Kind::Response) {
      std::cerr << "lambda_billed_duration: " << mode << ": an invocation failed: " << result.body << "\n";
      return std::nullopt;
    }
    outcome.billed_ms += result.billed_milliseconds();
  }
  if (!finished()) {
    std::cerr << "lambda_billed_duration: " << mode << ": the run did not finish (logs in " << work << ")\n";
    return std::nullopt;
  }
  return outcome;
}

}  // namespace

int main(int argc, char** argv) {
  std::string zip = AR_SOURCE_DIR "/dist/athena-runner-lambda.zip";
  std::string binary = AR_ATHENA_RUNNER_BINARY;
  int seconds = 60;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--zip" && i + 1 < argc) {
      zip = argv[++i];
    } else if (arg == "--binary" && i + 1 < argc) {
      binary = argv[++i];
    } else if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::max(1, std::atoi(argv[++i]));
    } else {
      std::cerr << "usage: lambda_billed_duration [--zip dist/athena-runner-lambda.zip] [--binary athena-runner] "
                   "[--seconds 60]\n";
      return 2;
    }
  }
  testing::TempDir dir;
  const auto unpacked = bench::unpack_lambda_package(zip, dir.path(), "lambda_billed_duration");
  if (!unpacked) return 1;
  const std::string& task_root = *unpacked;
  const auto hold = std::chrono::seconds(seconds);
  std::map<std::string, Run> runs;
  int run = 1;
  for (const std::string mode : {"wait", "events"}) {
    auto outcome = run_mode(mode, run++, hold, binary, task_root, dir.path());
    if (!outcome) return 1;
    runs[mode] = *outcome;
  }
  std::printf("lambda_billed_duration: one scheduled run of a query held RUNNING %d s by serve (package %s)\n", seconds,
              zip.c_str());
  for (const std::string mode : {"wait", "events"}) {
    const Run& outcome = runs[mode];
    std::printf("%-7s %3zu invocation(s), billed %8lld ms (run finished after %.1f s):", mode.c_str(),
                outcome.invocations.size(), static_cast<long long>(outcome.billed_ms), outcome.wall_seconds);
    for (const auto& result : outcome.invocations)
      std::printf(" %lld", static_cast<long long>(result.billed_milliseconds()));
    std::printf("\n");
  }
  const double ratio = static_cast<double>(runs["events"].billed_ms) / static_cast<double>(runs["wait"].billed_ms);
  std::printf("events / wait: %.3f%% (target: under 1%%)\n", 100.0 * ratio);
  return 0;
}
