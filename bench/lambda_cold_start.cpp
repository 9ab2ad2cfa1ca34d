// lambda_cold_start: our packaged bootstrap vs a Python 3 / boto3 handler (bench/lambda_python_handler.py),
// each started as Lambda starts a function — an empty environment plus Lambda's variables — under the same
// loopback Runtime API and the same Athena endpoint (moto_server), alternating, several times each.
// Measures cold start (process start to its first GET /next), first-invocation latency (event queued to
// response posted) and peak memory (VmHWM of the function's process). Prints medians and ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "athena_runner/lambda/runtime_api_emulator.hpp"
#include "lambda_package.hpp"
#include "support/moto_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace athena_runner;
using Clock = std::chrono::steady_clock;

constexpr char kEvent[] = R"({"query": {"name": "daily_revenue", "sql": "SELECT 1", "workgroup": "primary",
  "catalog": "AwsDataCatalog", "database": "pizza", "output": "s3://results-bucket/athena-runner/",
  "timeout": "10m", "timezone": "UTC"}, "scheduled_time": "2024-05-02T04:00:00Z",
  "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/daily_revenue"})";

struct Sample {
  double cold_start_ms = 0, first_invocation_ms = 0, peak_rss_mb = 0;
};

double peak_rss_mb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  return 0;
}

double ms(Clock::duration duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

std::optional<Sample> run_once(const std::vector<std::string>& command, const testing::MotoServer& moto,
                               const std::string& task_root) {
  lambda::RuntimeApiEmulator api;
  auto client = moto.client_environment();
  std::map<std::string, std::string> variables = {
      {"AWS_LAMBDA_RUNTIME_API", api.endpoint()},
      {"_HANDLER", "bootstrap"},
      {"LAMBDA_TASK_ROOT", task_root},
      {"AWS_REGION", "us-east-1"},
      {"AWS_DEFAULT_REGION", "us-east-1"},
      {"AWS_ACCESS_KEY_ID", client.at("AWS_ACCESS_KEY_ID")},
      {"AWS_SECRET_ACCESS_KEY", client.at("AWS_SECRET_ACCESS_KEY")},
      {"AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"},
      {"AWS_LAMBDA_FUNCTION_NAME", "athena-runner"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"},
      {"LANG", "en_US.UTF-8"},
      {"TZ", ":UTC"},
      {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
      {"ATHENA_RUNNER_LOG_LEVEL", "warn"},
      {"AWS_ENDPOINT_URL", moto.endpoint()},
      {"AWS_CONFIG_FILE", "/dev/null"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
  };
  std::vector<std::string> argv = {"env", "-i"};
  for (const auto& [name, value] : variables) {
    std::string assignment = name;
    assignment += "=";
    assignment += value;
    argv.push_back(std::move(assignment));
  }
  argv.insert(argv.end(), command.begin(), command.end());

  const auto started = Clock::now();
  testing::ChildProcess function(argv);
  if (!api.wait_next_requests(1, std::chrono::seconds(60))) return std::nullopt;
  Sample sample;
  sample.cold_start_ms = ms(*api.first_next_at() - started);
  lambda::QueuedEvent event;
  event.payload = kEvent;
  const auto queued = Clock::now();
  auto id = api.enqueue(event);
  auto result = api.wait_result(id, std::chrono::seconds(60));
  if (!result || result->kind != lambda::PostedResult::Kind::Response ||
      result->body.find("\"SUCCEEDED\"") == std::string::npos) {
    std::cerr << "unexpected answer: " << (result ? result->body : "none") << "\n";
    return std::nullopt;
  }
  sample.first_invocation_ms = ms(Clock::now() - queued);
  api.wait_next_requests(2, std::chrono::seconds(10));  // the function is idle again: its peak is final
  sample.peak_rss_mb = peak_rss_mb(function.pid());
  return sample;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const auto n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string zip = AR_SOURCE_DIR "/dist/athena-runner-lambda.zip";
  int repetitions = 7;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--zip" && i + 1 < argc) {
      zip = argv[++i];
    } else if (arg == "--repetitions" && i + 1 < argc) {
      repetitions = std::max(1, std::atoi(argv[++i]));
    } else {
      std::cerr << "usage: lambda_cold_start [--zip dist/athena-runner-lambda.zip] [--repetitions N]\n";
      return 2;
    }
  }
  testing::TempDir dir;
  const auto unpacked = bench::unpack_lambda_package(zip, dir.path(), "lambda_cold_start");
  if (!unpacked) return 1;
  const std::string& task_root = *unpacked;
  auto python = testing::run_process({"python3", "-c", "import sys, boto3; print(sys.executable)"});
  if (python.exit_code != 0) {
    std::cerr << "lambda_cold_start: needs python3 with boto3\n";
    return 1;
  }
  std::string interpreter = python.out.substr(0, python.out.find('\n'));

  testing::MotoServer moto;
  const std::vector<std::string> ours = {task_root + "/bootstrap"};
  const std::vector<std::string> theirs = {interpreter, AR_SOURCE_DIR "/bench/lambda_python_handler.py"};
  // One warm-up each (page cache, moto's first-request imports), then alternate.
  run_once(ours, moto, task_root);
  run_once(theirs, moto, task_root);
  std::vector<Sample> cpp, py;
  for (int i = 0; i < repetitions; ++i) {
    for (auto [command, samples] : {std::pair{&ours, &cpp}, std::pair{&theirs, &py}}) {
      auto sample = run_once(*command, moto, task_root);
      if (!sample) {
        std::cerr << "lambda_cold_start: a run failed\n";
        return 1;
      }
      samples->push_back(*sample);
    }
  }
  auto column = [](const std::vector<Sample>& samples, double Sample::*field) {
    std::vector<double> values;
    values.reserve(samples.size());
    for (const auto& sample : samples) values.push_back(sample.*field);
    return median(values);
  };
  std::printf("lambda_cold_start: %d runs each, medians (package %s, %.1f MB zipped)\n", repetitions, zip.c_str(),
              static_cast<double>(std::filesystem::file_size(zip)) / 1e6);
  std::printf("%-34s %12s %14s %8s\n", "", "C++ bootstrap", "Python+boto3", "ratio");
  const std::pair<const char*, double Sample::*> rows[] = {
      {"cold start to first /next (ms)", &Sample::cold_start_ms},
      {"first invocation (ms)", &Sample::first_invocation_ms},
      {"peak RSS (MB)", &Sample::peak_rss_mb},
  };
  for (const auto& [label, field] : rows) {
    double a = column(cpp, field), b = column(py, field);
    std::printf("%-34s %12.1f %14.1f %7.1fx\n", label, a, b, b / a);
  }
  return 0;
}
