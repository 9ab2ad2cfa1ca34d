// One side of bench/results_download.py: reads a succeeded query's result from an Athena endpoint (the driver
// points it at `athena-runner serve` with AWS_ENDPOINT_URL) our two ways, and prints one JSON line with rows,
// seconds and peak RSS:
//   results_download stream <QueryExecutionId>   the result CSV streamed from S3 into the CSV printer (query,
//                                                run and results do this)
//   results_download paging <QueryExecutionId>   GetQueryResults page by page (1,000 rows each) with our
//                                                client into the same printer (the fallback of query, run
//                                                and results when there is no result CSV)
// Rows are printed to /dev/null, so both pay for formatting. Not a test: it reports, it does not judge.
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/engine/athena_query_engine.hpp"
#include "athena_runner/runner/runner.hpp"

namespace {

using namespace athena_runner;

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

int usage_error() {
  std::cerr << "usage: results_download stream|paging <QueryExecutionId>\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return usage_error();
  const std::string mode = argv[1];
  const std::string id = argv[2];
  if (mode != "stream" && mode != "paging") return usage_error();
  auto context = aws::ClientContext::from_environment(aws::curl_http_backend());
  if (!context) {
    std::cerr << context.get_failure().to_string() << "\n";
    return 3;
  }
  auto engine = engine::make_athena_query_engine(std::make_shared<const aws::ClientContext>(std::move(*context)));
  std::ofstream sink_file("/dev/null");
  const auto started = std::chrono::steady_clock::now();
  auto printer = runner::make_result_printer(runner::OutputFormat::Csv, sink_file);
  Outcome<runner::StreamedResult> streamed = make_error(ErrorKind::Internal, "NotRun", "not run");
  if (mode == "stream") {
    auto execution = engine->get(id);
    if (!execution) {
      std::cerr << execution.get_failure().to_string() << "\n";
      return 1;
    }
    streamed = runner::stream_results(*engine, *execution, 0, *printer);
  } else {
    streamed = runner::stream_query_results(*engine, id, 0, *printer);
  }
  const std::string expected_via = mode == "stream" ? "csv" : "GetQueryResults";
  if (!streamed || streamed->via != expected_via) {
    std::cerr << (streamed ? "read via " + streamed->via : streamed.get_failure().to_string()) << "\n";
    return 1;
  }
  const std::size_t rows = streamed->rows;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "{\"mode\": \"" << mode << "\", \"rows\": " << rows << ", \"seconds\": " << seconds
            << ", \"peak_rss_kb\": " << peak_rss_kb() << "}\n";
  return 0;
}
