// Load on `athena-runner serve` and on moto_server, same machine, same run, same load generator: our own
// C++ AWS clients (S3Client, AthenaClient over libcurl, one client and one kept-alive connection per
// thread), so the generator is not the bottleneck. For each endpoint: PutObject and GetObject of 1 KiB
// objects and Athena GetQueryExecution (closed loop, --threads clients for --seconds each), and `SELECT 1`
// start-to-SUCCEEDED (--queries in a row, polled every 0.2 ms). Prints ops/s, p50 and p99 latency, and
// the ratio serve / moto, and each server's CPU time per operation (user + system, all its threads, from
// /proc/<pid>/stat: what an operation costs whatever else the machine runs). moto's Athena never runs SQL (its
// executions succeed at once): its SELECT 1 is a floor, not a peer.
//
//   build/bench/serve_load [--threads 8] [--seconds 3] [--queries 50] [--binary build/src/cli/athena-runner] [--fsync]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "athena_runner/aws/athena.hpp"
#include "athena_runner/aws/credentials.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/s3.hpp"
#include "athena_runner/aws/service_client.hpp"
#include "support/moto_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace athena_runner;
using Clock = std::chrono::steady_clock;

constexpr char kBinary[] = AR_ATHENA_RUNNER_BINARY;
constexpr char kBucket[] = "bench-bucket";
constexpr std::size_t kObjectSize = 1024;
constexpr int kGetKeys = 64;

std::shared_ptr<aws::ClientContext> context_for(const std::string& endpoint) {
  std::map<std::string, std::string> variables = {{"AWS_ENDPOINT_URL", endpoint},
                                                  {"AWS_REGION", "us-east-1"},
                                                  {"AWS_ACCESS_KEY_ID", "test"},
                                                  {"AWS_SECRET_ACCESS_KEY", "test"},
                                                  {"AWS_MAX_ATTEMPTS", "1"},
                                                  {"AWS_CONFIG_FILE", "/dev/null"},
                                                  {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}};
  auto context = std::make_shared<aws::ClientContext>();
  context->environment = aws::Environment::from_map(variables);
  context->region = "us-east-1";
  aws::Credentials credentials;
  credentials.access_key_id = "test";
  credentials.secret_access_key = "test";
  credentials.source = "bench";
  context->credentials = aws::make_static_credentials(credentials);
  context->http = aws::curl_http_backend().make_shared_client({});
  context->retry.max_attempts = 1;
  return context;
}

struct Measure {
  double ops_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  long long errors = 0;
  double cpu_us_per_op = 0;  // the server's
};

// CPU time (user + system, every thread) process pid has used, in seconds (proc(5): fields 14 and 15 of
// /proc/<pid>/stat, in clock ticks); 0 when /proc can not tell.
double cpu_seconds(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto name_end = text.rfind(')');  // the command name may hold spaces
  if (name_end == std::string::npos || name_end + 2 > text.size()) return 0;
  std::istringstream fields(text.substr(name_end + 2));
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;
  long long user_ticks = 0;
  long long system_ticks = 0;
  if (!(fields >> user_ticks >> system_ticks)) return 0;
  return static_cast<double>(user_ticks + system_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

Measure summarize(std::vector<double> latencies_ms, double seconds, long long errors) {
  Measure measure;
  measure.errors = errors;
  if (latencies_ms.empty()) return measure;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto at = [&](double quantile) {
    auto index = static_cast<std::size_t>(quantile * static_cast<double>(latencies_ms.size() - 1));
    return latencies_ms[index];
  };
  measure.ops_per_second = static_cast<double>(latencies_ms.size()) / seconds;
  measure.p50_ms = at(0.50);
  measure.p99_ms = at(0.99);
  return measure;
}

// `threads` clients, each calling make_call(thread)() in a closed loop for `seconds`; server: the process
// whose CPU time is counted.
Measure closed_loop(pid_t server, int threads, double seconds,
                    const std::function<std::function<bool()>(int)>& make_call) {
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  std::vector<long long> errors(static_cast<std::size_t>(threads), 0);
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  const auto duration = std::chrono::duration<double>(seconds);
  for (int index = 0; index < threads; ++index) {
    workers.emplace_back([&, index] {
      auto call = make_call(index);
      (void)call();  // connect and warm up outside the measurement
      while (!go) std::this_thread::yield();
      const auto end = Clock::now() + duration;
      auto& mine = latencies[static_cast<std::size_t>(index)];
      while (Clock::now() < end) {
        const auto started = Clock::now();
        const bool ok = call();
        const auto took = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        if (ok) {
          mine.push_back(took);
        } else {
          ++errors[static_cast<std::size_t>(index)];
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double cpu_before = cpu_seconds(server);
  go = true;
  for (auto& worker : workers) worker.join();
  const double cpu_used = cpu_seconds(server) - cpu_before;
  std::vector<double> all;
  long long error_count = 0;
  for (std::size_t index = 0; index < latencies.size(); ++index) {
    all.insert(all.end(), latencies[index].begin(), latencies[index].end());
    error_count += errors[index];
  }
  const auto operations = static_cast<double>(all.size());
  Measure measure = summarize(std::move(all), seconds, error_count);
  if (operations > 0) measure.cpu_us_per_op = cpu_used * 1e6 / operations;
  return measure;
}

aws::athena::StartQueryExecutionRequest select_one() {
  aws::athena::StartQueryExecutionRequest request;
  request.query_string = "SELECT 1";
  aws::athena::ResultConfiguration output;
  output.output_location = std::string("s3://") + kBucket + "/results/";
  request.result_configuration = output;
  return request;
}

// Starts SELECT 1 and polls until it leaves QUEUED/RUNNING; the query id when it SUCCEEDED.
std::optional<std::string> run_select_one(const aws::athena::AthenaClient& athena) {
  auto id = athena.start_query_execution(select_one());
  if (!id) return std::nullopt;
  for (int poll = 0; poll < 50000; ++poll) {
    auto execution = athena.get_query_execution(*id);
    if (!execution) return std::nullopt;
    auto state = execution->status.state;
    if (state == aws::athena::QueryExecutionState::Succeeded) return *id;
    if (state != aws::athena::QueryExecutionState::Queued && state != aws::athena::QueryExecutionState::Running)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return std::nullopt;
}

struct Results {
  Measure put;
  Measure get;
  Measure get_query_execution;
  Measure select_one;
};

std::optional<Results> measure_endpoint(const std::string& name, const std::string& endpoint, pid_t server, int threads,
                                        double seconds, int queries) {
  auto setup = context_for(endpoint);
  aws::s3::S3Client s3(setup);
  aws::athena::AthenaClient athena(setup);
  auto create = s3.service().send(s3.make_request("PUT", kBucket, ""));
  if (!create && create.get_failure().code != "BucketAlreadyOwnedByYou") {
    std::cerr << name << ": CreateBucket failed: " << create.get_failure().to_string() << "\n";
    return std::nullopt;
  }
  const std::string object(kObjectSize, 'x');
  for (int index = 0; index < kGetKeys; ++index) {
    if (auto put = s3.put_object({kBucket, "get/" + std::to_string(index), {}, {}}, object); !put) {
      std::cerr << name << ": PutObject failed: " << put.get_failure().to_string() << "\n";
      return std::nullopt;
    }
  }
  auto query_id = run_select_one(athena);
  if (!query_id) {
    std::cerr << name << ": SELECT 1 did not succeed\n";
    return std::nullopt;
  }

  Results results;
  results.put = closed_loop(server, threads, seconds, [&](int thread) {
    auto client = std::make_shared<aws::s3::S3Client>(context_for(endpoint));
    auto counter = std::make_shared<int>(0);
    return [client, counter, thread, &object] {
      std::string key = "put/" + std::to_string(thread) + "/" + std::to_string((*counter)++ % 100);
      return static_cast<bool>(client->put_object({kBucket, key, {}, {}}, object));
    };
  });
  results.get = closed_loop(server, threads, seconds, [&](int thread) {
    auto client = std::make_shared<aws::s3::S3Client>(context_for(endpoint));
    auto counter = std::make_shared<int>(thread);
    return [client, counter] {
      aws::s3::GetObjectRequest request{kBucket, "get/" + std::to_string((*counter)++ % kGetKeys), std::nullopt};
      auto body = client->get_object_text(request);
      return body && body->size() == kObjectSize;
    };
  });
  results.get_query_execution = closed_loop(server, threads, seconds, [&](int) {
    auto client = std::make_shared<aws::athena::AthenaClient>(context_for(endpoint));
    return [client, id = *query_id] {
      auto execution = client->get_query_execution(id);
      return execution && execution->status.state == aws::athena::QueryExecutionState::Succeeded;
    };
  });
  std::vector<double> latencies;
  long long failures = 0;
  const auto started = Clock::now();
  const double cpu_before = cpu_seconds(server);
  for (int index = 0; index < queries; ++index) {
    const auto begin = Clock::now();
    if (run_select_one(athena)) {
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
    } else {
      ++failures;
    }
  }
  const auto succeeded = static_cast<double>(latencies.size());
  results.select_one =
      summarize(std::move(latencies), std::chrono::duration<double>(Clock::now() - started).count(), failures);
  if (succeeded > 0) results.select_one.cpu_us_per_op = (cpu_seconds(server) - cpu_before) * 1e6 / succeeded;
  return results;
}

void print_row(const char* operation, const Measure& serve, const Measure& moto) {
  const double ratio = moto.ops_per_second > 0 ? serve.ops_per_second / moto.ops_per_second : 0;
  std::printf("%-22s %10.0f %8.2f %8.2f %6lld %7.0f | %10.0f %8.2f %8.2f %6lld %7.0f | %7.1fx\n", operation,
              serve.ops_per_second, serve.p50_ms, serve.p99_ms, serve.errors, serve.cpu_us_per_op, moto.ops_per_second,
              moto.p50_ms, moto.p99_ms, moto.errors, moto.cpu_us_per_op, ratio);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 8;
  double seconds = 3;
  int queries = 50;
  std::string binary = kBinary;
  bool fsync = false;
  const char* usage =
      "usage: serve_load [--threads N] [--seconds S] [--queries N] [--binary athena-runner] [--fsync]\n";
  for (int index = 1; index < argc; ++index) {
    std::string option = argv[index];
    if (option == "--fsync") {
      fsync = true;
      continue;
    }
    if (index + 1 >= argc) {
      std::cerr << usage;
      return 2;
    }
    std::string value = argv[++index];
    if (option == "--threads") {
      threads = std::max(1, std::atoi(value.c_str()));
    } else if (option == "--seconds") {
      seconds = std::max(0.5, std::atof(value.c_str()));
    } else if (option == "--binary") {
      binary = value;
    } else if (option == "--queries") {
      queries = std::max(1, std::atoi(value.c_str()));
    } else {
      std::cerr << usage;
      return 2;
    }
  }
  athena_runner::testing::TempDir dir;
  const int port = athena_runner::testing::free_loopback_port();
  std::vector<std::string> serve_command{
      binary, "serve", "--quiet", "--port", std::to_string(port), "--data-dir", dir.path() + "/data"};
  if (fsync) serve_command.emplace_back("--fsync");
  athena_runner::testing::ChildProcess serve(serve_command, {}, dir.path() + "/serve.log");
  if (!athena_runner::testing::wait_for_port(port, std::chrono::seconds(30))) {
    std::cerr << "athena-runner serve did not start (see " << dir.path() << "/serve.log)\n";
    return 1;
  }
  athena_runner::testing::MotoServer moto;
  const std::string serve_endpoint = "http://127.0.0.1:" + std::to_string(port);
  std::cout << "serve_load: " << threads << " threads x " << seconds << " s per operation, " << queries
            << " SELECT 1 in a row; our C++ clients (libcurl, keep-alive); serve" << (fsync ? " --fsync" : "") << "\n";
  auto served = measure_endpoint("serve", serve_endpoint, serve.pid(), threads, seconds, queries);
  auto mocked = measure_endpoint("moto", moto.endpoint(), moto.pid(), threads, seconds, queries);
  if (!served || !mocked) return 1;
  std::printf("%-22s %10s %8s %8s %6s %7s | %10s %8s %8s %6s %7s | %8s\n", "operation", "serve op/s", "p50 ms",
              "p99 ms", "errors", "CPU us", "moto op/s", "p50 ms", "p99 ms", "errors", "CPU us", "ratio");
  print_row("PutObject 1 KiB", served->put, mocked->put);
  print_row("GetObject 1 KiB", served->get, mocked->get);
  print_row("GetQueryExecution", served->get_query_execution, mocked->get_query_execution);
  print_row("SELECT 1 to SUCCEEDED", served->select_one, mocked->select_one);
  std::printf(
      "(SELECT 1: ops/s is queries per second one after another; moto never runs SQL, its time is a floor;\n"
      " CPU us: the server's CPU time per operation, all threads)\n");
  return 0;
}
