// Parses the same 1,000-row x 10-column GetQueryResults page with our parser (simdjson on-demand) and
// with botocore's JSONParser (python3, timed inside python with time.perf_counter, so interpreter start-up
// is excluded) in one run, and prints the ratio. Not a test: it reports, it does not pass or fail on timing.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "athena_runner/aws/protocol/athena.hpp"

namespace {

constexpr int kRows = 1000;
constexpr int kColumns = 10;
constexpr int kOurIterations = 500;
constexpr int kBotocoreIterations = 20;
constexpr char kScript[] = AR_SOURCE_DIR "/bench/results_parse_botocore.py";

// A page shaped like Athena's: header row, mixed types, some NULLs (Datum without VarCharValue), escapes.
std::string make_page() {
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json header = nlohmann::json::array();
  nlohmann::json columns = nlohmann::json::array();
  for (int column = 0; column < kColumns; ++column) {
    std::string name = "column_" + std::to_string(column);
    header.push_back({{"VarCharValue", name}});
    columns.push_back({{"CatalogName", "hive"},
                       {"SchemaName", ""},
                       {"TableName", ""},
                       {"Name", name},
                       {"Label", name},
                       {"Type", column % 2 ? "varchar" : "bigint"},
                       {"Precision", 19},
                       {"Scale", 0},
                       {"Nullable", "UNKNOWN"},
                       {"CaseSensitive", column % 2 == 1}});
  }
  rows.push_back({{"Data", header}});
  for (int row = 0; row < kRows - 1; ++row) {
    nlohmann::json data = nlohmann::json::array();
    for (int column = 0; column < kColumns; ++column) {
      if ((row + column) % 17 == 0) {
        data.push_back(nlohmann::json::object());
      } else if (column % 2) {
        data.push_back({{"VarCharValue", "text \"" + std::to_string(row * column) + "\" caf\xC3\xA9"}});
      } else {
        data.push_back({{"VarCharValue", std::to_string(row * 1000003LL + column)}});
      }
    }
    rows.push_back({{"Data", data}});
  }
  return nlohmann::json{{"UpdateCount", 0},
                        {"ResultSet", {{"Rows", rows}, {"ResultSetMetadata", {{"ColumnInfo", columns}}}}},
                        {"NextToken", "AbCdEf0123456789"}}
      .dump();
}

}  // namespace

int main() {
  using athena_runner::aws::athena::protocol::parse_get_query_results;
  const std::string page = make_page();

  std::size_t rows = 0;
  auto start = std::chrono::steady_clock::now();
  for (int iteration = 0; iteration < kOurIterations; ++iteration) {
    auto parsed = parse_get_query_results(page);
    if (!parsed) {
      std::cerr << "our parser failed: " << parsed.get_failure().to_string() << "\n";
      return 1;
    }
    rows = parsed->result_set.rows.size();
  }
  double ours = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / kOurIterations;

  char path[] = "/tmp/results_parse_page_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  close(fd);
  std::ofstream(path, std::ios::binary) << page;
  std::string command = std::string("python3 ") + kScript + " " + path + " " + std::to_string(kBotocoreIterations);
  double botocore = 0;
  std::size_t botocore_rows = 0;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    if (std::fscanf(pipe, "%lf %zu", &botocore, &botocore_rows) != 2) botocore = 0;
    pclose(pipe);
  }
  std::remove(path);
  if (botocore <= 0 || botocore_rows != rows) {
    std::cerr << "botocore run failed (is python3 with botocore installed?)\n";
    return 1;
  }
  std::printf("GetQueryResults page: %d rows x %d columns, %zu bytes\n", kRows, kColumns, page.size());
  std::printf("ours (simdjson on-demand): %10.1f us per page\n", ours * 1e6);
  std::printf("botocore JSONParser:       %10.1f us per page\n", botocore * 1e6);
  std::printf("ratio: ours is %.1fx faster (target >= 20x)\n", botocore / ours);
  return 0;
}
