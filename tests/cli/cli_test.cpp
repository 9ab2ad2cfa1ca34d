// athena-runner as a user runs it, on the local engine, over a small data lake written by the test.
// Expected values are computed here from the rows the test writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::testing {
namespace {

namespace fs = std::filesystem;

struct Sale {
  int id;
  long long amount;
  std::string day;
};

const std::vector<Sale> kSales = {
    {1, 120, "2024-01-01"}, {2, 75, "2024-01-01"}, {3, 310, "2024-01-02"},
    {4, 42, "2024-01-02"},  {5, 8, "2024-01-02"},  {6, 999, "2024-01-03"},
};

constexpr const char* kQueries = R"(version: 1
defaults:
  database: shop
  output: s3://results/athena/
  timeout: 2m
queries:
  daily_total:
    schedule: cron(0 6 * * ? *)
    sql: SELECT count(*) AS sales, sum(amount) AS total FROM sales WHERE day = ?
    parameters: ["DATE '{{ scheduled_date | add_days(-1) }}'"]
  bad_sql:
    sql: SELEC amount FROM sales
  missing_table:
    sql: SELECT count(*) FROM no_such_table
  broken_data:
    sql: SELECT count(*) FROM broken
)";

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string csv = "id,amount,day\n";
    for (const auto& sale : kSales)
      csv += std::to_string(sale.id) + "," + std::to_string(sale.amount) + "," + sale.day + "\n";
    dir_.write("data/lake/shop/sales/part-0.csv", csv);
    dir_.write("data/.glue/shop/sales.json", R"({"Table": {"Name": "sales", "DatabaseName": "shop",
      "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "int"}, {"Name": "amount", "Type": "bigint"},
                                        {"Name": "day", "Type": "date"}],
        "Location": "s3://lake/shop/sales/",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                      "Parameters": {"field.delim": ","}}},
      "Parameters": {"skip.header.line.count": "1"}}})");
    // A Parquet table whose only file is not Parquet: unreadable data.
    dir_.write("data/lake/shop/broken/part-0.parquet", "this is not a parquet file\n");
    dir_.write("data/.glue/shop/broken.json", R"({"Table": {"Name": "broken", "DatabaseName": "shop",
      "StorageDescriptor": {"Columns": [{"Name": "x", "Type": "int"}], "Location": "s3://lake/shop/broken/",
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}})");
    queries_ = dir_.write("queries.yaml", kQueries);
  }

  std::string data_dir() const { return dir_.path() + "/data"; }
  std::string results_dir() const { return data_dir() + "/results/athena"; }

  // No AWS configuration at all: the local engine is the only choice.
  ProcessResult cli(std::vector<std::string> args) const {
    args.insert(args.begin(), AR_CLI_BINARY);
    std::map<std::string, std::string> env = {{"AWS_CONFIG_FILE", dir_.path() + "/no-config"},
                                              {"AWS_SHARED_CREDENTIALS_FILE", dir_.path() + "/no-credentials"},
                                              {"AWS_REGION", "\x01unset"},
                                              {"AWS_DEFAULT_REGION", "\x01unset"},
                                              {"AWS_PROFILE", "\x01unset"},
                                              {"AWS_ACCESS_KEY_ID", "\x01unset"},
                                              {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
                                              {"AWS_EC2_METADATA_DISABLED", "true"},
                                              {"ATHENA_RUNNER_DATA_DIR", data_dir()}};
    return run_process(args, {}, env, std::chrono::seconds(60));
  }

  // Every file under the results prefix (the folder may not exist yet).
  std::vector<std::string> result_files() const {
    std::vector<std::string> files;
    if (!fs::exists(results_dir())) return files;
    for (const auto& entry : fs::recursive_directory_iterator(results_dir()))
      if (entry.is_regular_file()) files.push_back(entry.path().filename().string());
    return files;
  }

  TempDir dir_;
  std::string queries_;
};

std::string execution_id_in(const std::string& text) {
  static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  std::smatch match;
  return std::regex_search(text, match, uuid) ? match.str() : std::string();
}

TEST_F(CliTest, HelpListsEveryCommand) {
  auto result = cli({"--help"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* command : {"doctor", "list", "render", "run", "backfill", "status", "results", "stop"})
    EXPECT_NE(result.out.find(command), std::string::npos) << command << " missing from --help:\n" << result.out;
}

TEST_F(CliTest, RunsAScheduledSlotLocallyAndWritesTheResultWhereAthenaWould) {
  // Scheduled 2024-01-03 06:00 UTC: the template asks for the previous day, 2024-01-02.
  long long expected_total = 0;
  int expected_count = 0;
  for (const auto& sale : kSales)
    if (sale.day == "2024-01-02") expected_total += sale.amount, ++expected_count;

  auto result = cli({"run", "-q", queries_, "daily_total", "--at", "2024-01-03T06:00:00Z", "--format", "csv"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.err.find("engine: local"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("AWS is not configured"), std::string::npos) << result.err;
  std::string expected_row = std::to_string(expected_count) + "\",\"" + std::to_string(expected_total);
  EXPECT_NE(result.out.find(expected_row), std::string::npos) << "stdout:\n" << result.out;

  std::string id = execution_id_in(result.err);
  ASSERT_FALSE(id.empty()) << result.err;
  std::string csv = read_file(results_dir() + "/" + id + ".csv");
  EXPECT_EQ(csv, "\"sales\",\"total\"\n\"" + std::to_string(expected_count) + "\",\"" + std::to_string(expected_total) +
                     "\"\n");

  // Another process sees the execution: status and results.
  auto status = cli({"status", id});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("SUCCEEDED"), std::string::npos) << status.out;
  auto results = cli({"results", id, "--format", "csv"});
  EXPECT_EQ(results.exit_code, 0) << results.err;
  EXPECT_NE(results.out.find(expected_row), std::string::npos) << results.out;

  // The same slot again: the same token, so the same execution, not a second query.
  auto again = cli({"run", "-q", queries_, "daily_total", "--at", "2024-01-03T06:00:00Z"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(execution_id_in(again.err), id) << again.err;
  EXPECT_EQ(result_files().size(), 1u);
}

TEST_F(CliTest, RenderShowsTheRenderedParametersAndSendsNothing) {
  auto result = cli({"render", "-q", queries_, "daily_total", "--at", "2024-03-01T06:00:00Z", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"ExecutionParameters\": [\"DATE '2024-02-29'\"]"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\"OutputLocation\": \"s3://results/athena/\""), std::string::npos) << result.out;
  EXPECT_FALSE(fs::exists(data_dir() + "/.athena/executions")) << "render must not run anything";
}

TEST_F(CliTest, BadQueriesFileIsAUsageErrorNamingFileLineAndKey) {
  std::string bad = dir_.write("bad.yaml", "version: 1\nqueries:\n  q:\n    sql: SELECT 1\n    timeout: 10 minutes\n");
  auto result = cli({"run", "-q", bad, "q", "--local"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("bad.yaml:5"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("queries.q.timeout"), std::string::npos) << result.err;
  EXPECT_TRUE(result_files().empty());
}

TEST_F(CliTest, UnknownQueryNamesTheKnownOnes) {
  auto result = cli({"run", "-q", queries_, "daily_totl", "--local"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("daily_totl"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("daily_total"), std::string::npos) << result.err;
}

TEST_F(CliTest, BadTemplateIsAUsageErrorAndRunsNothing) {
  // Templates are checked when the file is loaded, so the file is refused as a whole.
  std::string bad = dir_.write("bad_template.yaml", std::string(kQueries) + R"(  bad_template:
    sql: SELECT count(*) FROM sales WHERE day = DATE '{{ no_such_variable }}'
)");
  auto result = cli({"run", "-q", bad, "daily_total", "--local"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("no_such_variable"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("queries.bad_template.sql"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(data_dir() + "/.athena/executions"));
}

struct FailingCase {
  const char* query;
  const char* message;  // must appear in stderr
};

TEST_F(CliTest, FailedQueriesExitOneSayWhyAndLeaveNoResultFile) {
  for (const FailingCase& failing : {FailingCase{"bad_sql", "SELEC"}, FailingCase{"missing_table", "no_such_table"},
                                     FailingCase{"broken_data", "broken"}}) {
    SCOPED_TRACE(failing.query);
    auto result = cli({"run", "-q", queries_, failing.query, "--local"});
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_NE(result.err.find("FAILED"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(failing.message), std::string::npos) << result.err;
    EXPECT_TRUE(result_files().empty()) << "a failed query left " << result_files().front();
  }
}

TEST_F(CliTest, BackfillRunsEverySlotOnceAndSkipsThemWhenRunAgain) {
  // Slots 2024-01-02..04 06:00 UTC report the days 2024-01-01..03.
  std::string journal = dir_.path() + "/journal.json";
  std::vector<std::string> args = {"backfill",      "-q",
                                   queries_,        "daily_total",
                                   "--from",        "2024-01-02T00:00:00Z",
                                   "--to",          "2024-01-05T00:00:00Z",
                                   "--journal",     journal,
                                   "--concurrency", "2"};
  auto first = cli(args);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("slots: 3, skipped (already succeeded): 0, succeeded: 3, failed: 0"), std::string::npos)
      << first.out;
  // One result file per slot, each with that day's totals.
  std::multiset<std::string> expected, actual;
  for (const char* day : {"2024-01-01", "2024-01-02", "2024-01-03"}) {
    long long total = 0;
    int count = 0;
    for (const auto& sale : kSales)
      if (sale.day == day) total += sale.amount, ++count;
    expected.insert("\"sales\",\"total\"\n\"" + std::to_string(count) + "\",\"" + std::to_string(total) + "\"\n");
  }
  for (const auto& name : result_files()) actual.insert(read_file(results_dir() + "/" + name));
  EXPECT_EQ(actual, expected);

  auto second = cli(args);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("slots: 3, skipped (already succeeded): 3, succeeded: 0"), std::string::npos) << second.out;
  EXPECT_EQ(result_files().size(), 3u);
}

TEST_F(CliTest, ResultsOfAnUnknownExecutionIsAnError) {
  auto result = cli({"results", "00000000-0000-0000-0000-000000000000"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("00000000-0000-0000-0000-000000000000"), std::string::npos) << result.err;
}

TEST_F(CliTest, AthenaWithoutRegionIsAConfigurationError) {
  auto result = cli({"run", "-q", queries_, "daily_total", "--engine", "athena"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("region"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace athena_runner::testing
