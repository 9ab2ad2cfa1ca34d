// One side of bench/results_download.py: reads a succeeded query's result from an Athena endpoint (the driver
// points it at `athena-runner serve` with AWS_ENDPOINT_URL) our two ways, and prints one JSON line with rows,
// seconds and peak RSS:
//   results_download stream <QueryExecutionId>   the result CSV streamed from S3 into the CSV printer (query,
//                                                run and results do this)
//   results_download paging <QueryExecutionId>   every GetQueryResults page (1,000 rows each) with our client,
//                                                then the same printer
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
  std::size_t rows = 0;
  if (mode == "stream") {
    auto execution = engine->get(id);
    if (!execution) {
      std::cerr << execution.get_failure().to_string() << "\n";
      return 1;
    }
    auto printer = runner::make_result_printer(runner::OutputFormat::Csv, sink_file);
    auto streamed = runner::stream_results(*engine, *execution, 0, *printer);
    if (!streamed || streamed->via != "csv") {
      std::cerr << (streamed ? "read via " + streamed->via : streamed.get_failure().to_string()) << "\n";
      return 1;
    }
    rows = streamed->rows;
  } else {
    auto table = engine->results(id, 0);
    if (!table) {
      std::cerr << table.get_failure().to_string() << "\n";
      return 1;
    }
    runner::ResultTable printable;
    for (const auto& column : table->columns) printable.columns.push_back(column.label.value_or(column.name));
    printable.rows.reserve(table->rows.size());
    for (auto& row : table->rows) printable.rows.push_back(std::move(row.data));
    runner::print_results(printable, runner::OutputFormat::Csv, sink_file);
    rows = printable.rows.size();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "{\"mode\": \"" << mode << "\", \"rows\": " << rows << ", \"seconds\": " << seconds
            << ", \"peak_rss_kb\": " << peak_rss_kb() << "}\n";
  return 0;
}
