// athena-runner as a user runs it, on the local engine, over a small data lake written by the test.
// Expected values are computed here from the rows the test writes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/moto_server.hpp"
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

  // No AWS configuration at all (unless `extra_env` sets some): the local engine is the only choice.
  ProcessResult cli(std::vector<std::string> args, const std::map<std::string, std::string>& extra_env = {},
                    const std::string& stdin_text = {}) const {
    args.insert(args.begin(), AR_CLI_BINARY);
    return run_process(args, stdin_text, cli_environment(extra_env), std::chrono::seconds(60));
  }

  // `status <id>` on the local engine, asked again until it says `state` (at most 10 s); the last answer.
  ProcessResult status_until(const std::string& id, const std::string& state) const {
    ProcessResult status;
    for (int attempt = 0; attempt < 200; ++attempt) {
      status = cli({"status", id});
      if (status.out.find(state) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status;
  }

  std::map<std::string, std::string> cli_environment(const std::map<std::string, std::string>& extra_env) const {
    std::map<std::string, std::string> env = {{"AWS_CONFIG_FILE", dir_.path() + "/no-config"},
                                              {"AWS_SHARED_CREDENTIALS_FILE", dir_.path() + "/no-credentials"},
                                              {"AWS_REGION", "\x01unset"},
                                              {"AWS_DEFAULT_REGION", "\x01unset"},
                                              {"AWS_PROFILE", "\x01unset"},
                                              {"AWS_ACCESS_KEY_ID", "\x01unset"},
                                              {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
                                              {"AWS_EC2_METADATA_DISABLED", "true"},
                                              {"ATHENA_RUNNER_DATA_DIR", data_dir()}};
    for (const auto& [name, value] : extra_env) env[name] = value;
    return env;
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

// An Athena endpoint on a free loopback port that records each request (X-Amz-Target and body) and answers
// it with the responder's (status, body); by default it refuses everything with InvalidRequestException, so a
// client sends one StartQueryExecution and stops.
struct CapturedRequest {
  std::string target;  // X-Amz-Target
  std::string body;
};
struct CannedResponse {
  int status = 400;
  std::string body = R"({"__type":"InvalidRequestException","Message":"captured by the test"})";
};
inline CannedResponse refuse_everything(const CapturedRequest& /*request*/) { return CannedResponse{}; }

class CapturingServer {
 public:
  using Request = CapturedRequest;
  using Response = CannedResponse;
  using Responder = std::function<Response(const Request&)>;

  explicit CapturingServer(Responder responder = refuse_everything) : responder_(std::move(responder)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listen_fd_, 16) != 0)
      throw std::runtime_error("CapturingServer: cannot listen on 127.0.0.1");
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CapturingServer() {
    stopping_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  CapturingServer(const CapturingServer&) = delete;
  CapturingServer& operator=(const CapturingServer&) = delete;

  std::map<std::string, std::string> client_environment() const {
    return {{"AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(port_)},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ACCESS_KEY_ID", "test"},
            {"AWS_SECRET_ACCESS_KEY", "test"},
            {"AWS_MAX_ATTEMPTS", "1"}};
  }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    while (!stopping_) {
      pollfd waiting{listen_fd_, POLLIN, 0};
      if (::poll(&waiting, 1, 50) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      handle(fd);
      ::close(fd);
    }
  }
  void handle(int fd) {
    std::string data;
    char buffer[4096];
    std::size_t head_end = std::string::npos;
    std::size_t body_length = 0;
    while (true) {
      pollfd readable{fd, POLLIN, 0};
      if (::poll(&readable, 1, 5000) <= 0) return;
      const ssize_t count = ::recv(fd, buffer, sizeof buffer, 0);
      if (count <= 0) return;
      data.append(buffer, static_cast<std::size_t>(count));
      if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
        std::smatch match;
        const std::string head = data.substr(0, head_end);
        static const std::regex length("\r\n[Cc]ontent-[Ll]ength: *([0-9]+)");
        if (std::regex_search(head, match, length)) body_length = std::stoul(match[1].str());
      }
      if (head_end != std::string::npos && data.size() >= head_end + 4 + body_length) break;
    }
    Request request;
    static const std::regex target("\r\n[Xx]-[Aa]mz-[Tt]arget: *([^\r]*)");
    std::smatch match;
    const std::string head = data.substr(0, head_end);
    if (std::regex_search(head, match, target)) request.target = match[1].str();
    request.body = data.substr(head_end + 4, body_length);
    const Response answer = responder_(request);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(std::move(request));
    }
    const std::string response =
        "HTTP/1.1 " + std::to_string(answer.status) + (answer.status == 200 ? " OK" : " Bad Request") +
        "\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: " + std::to_string(answer.body.size()) +
        "\r\nConnection: close\r\n\r\n" + answer.body;
    ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
  }

  Responder responder_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;
};

std::string execution_id_in(const std::string& text) {
  static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  std::smatch match;
  return std::regex_search(text, match, uuid) ? match.str() : std::string();
}

TEST_F(CliTest, HelpListsEveryCommand) {
  auto result = cli({"--help"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* command : {"doctor", "list", "render", "run", "query", "backfill", "status", "results", "stop"})
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
  EXPECT_NE(result.out.find("\"ExecutionParameters\":[\"DATE '2024-02-29'\"]"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\"OutputLocation\":\"s3://results/athena/\""), std::string::npos) << result.out;
  EXPECT_FALSE(fs::exists(data_dir() + "/.athena/executions")) << "render must not run anything";
}

TEST_F(CliTest, RenderPrintsExactlyTheBytesTheAthenaClientSends) {
  // What `run` sends to an Athena endpoint, captured by a loopback server, against what `render` printed.
  CapturingServer athena;
  auto rendered = cli({"render", "-q", queries_, "daily_total", "--at", "2024-03-01T06:00:00Z", "--json"});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  auto run = cli({"run", "-q", queries_, "daily_total", "--at", "2024-03-01T06:00:00Z", "--engine", "athena"},
                 athena.client_environment());
  EXPECT_EQ(run.exit_code, 1) << run.err;  // the server refuses it: the run fails to start
  auto requests = athena.requests();
  ASSERT_FALSE(requests.empty()) << run.err;
  EXPECT_EQ(requests.front().target, "AmazonAthena.StartQueryExecution");
  EXPECT_EQ(requests.front().body + "\n", rendered.out);

  // The human form shows the same bytes.
  auto human = cli({"render", "-q", queries_, "daily_total", "--at", "2024-03-01T06:00:00Z"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find(requests.front().body + "\n"), std::string::npos) << human.out;
}

TEST_F(CliTest, MaxRowsZeroPrintsEveryRow) {
  // One row per sale: more than one, so "all" is told apart from "the first".
  std::string queries = dir_.write("all.yaml", R"(version: 1
defaults: {database: shop, output: "s3://results/athena/"}
queries:
  every_sale:
    sql: SELECT id FROM sales ORDER BY id
)");
  auto result = cli({"run", "-q", queries, "every_sale", "--format", "csv", "--max-rows", "0"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::string expected = "\"id\"\n";
  for (const auto& sale : kSales) expected += "\"" + std::to_string(sale.id) + "\"\n";
  EXPECT_EQ(result.out.substr(0, expected.size()), expected) << result.out;
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

// deliver: on the local engine the data dir stands in for S3 (s3://reports/x is <data>/reports/x).
constexpr const char* kDeliverQueries = R"(defaults:
  database: shop
  output: s3://results/deliver/
queries:
  daily_total:
    sql: SELECT count(*) AS sales, sum(amount) AS total FROM sales WHERE day = ?
    parameters: ["DATE '{{ scheduled_date | add_days(-1) }}'"]
    deliver:
      - to: "s3://reports/daily_total/{{ scheduled_date | add_days(-1) }}.csv"
      - to: s3://reports/gz/
        format: csv.gz
      - to: s3://reports/parquet/
        format: parquet
      - to: s3://reports/json/
        format: json
  blocked:
    sql: SELECT 1 AS one
    deliver:
      - to: s3://reports/blocked/one.csv
)";

// Every file under <data>/reports: relative path → content.
std::map<std::string, std::string> files_under(const std::string& folder) {
  std::map<std::string, std::string> out;
  if (!fs::exists(folder)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.is_regular_file()) out[fs::relative(entry.path(), folder).string()] = read_file(entry.path().string());
  return out;
}

TEST_F(CliTest, RunDeliversToTheDataDirInEveryFormatAndARepeatLeavesTheSameObjects) {
  const std::string queries = dir_.write("deliver.yaml", kDeliverQueries);
  // Scheduled 2024-01-03 06:00 UTC: the previous day, 2024-01-02.
  long long total = 0;
  int count = 0;
  for (const auto& sale : kSales)
    if (sale.day == "2024-01-02") total += sale.amount, ++count;
  const std::string csv = "\"sales\",\"total\"\n\"" + std::to_string(count) + "\",\"" + std::to_string(total) + "\"\n";

  auto result = cli({"run", "-q", queries, "daily_total", "--at", "2024-01-03T06:00:00Z", "--format", "csv"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const std::string reports = data_dir() + "/reports";
  auto delivered = files_under(reports);
  std::set<std::string> names;
  for (const auto& [name, content] : delivered) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"daily_total/2024-01-02.csv", "gz/daily_total_20240103T060000Z.csv.gz",
                                          "parquet/daily_total_20240103T060000Z_00000.parquet",
                                          "json/daily_total_20240103T060000Z_00000.json.gz"}));
  EXPECT_EQ(delivered["daily_total/2024-01-02.csv"], csv);
  auto gunzip = [](const std::string& path) {
    return run_process({"gunzip", "-c", path}, {}, {}, std::chrono::seconds(10)).out;
  };
  EXPECT_EQ(gunzip(reports + "/gz/daily_total_20240103T060000Z.csv.gz"), csv);
  EXPECT_EQ(gunzip(reports + "/json/daily_total_20240103T060000Z_00000.json.gz"),
            "{\"sales\":" + std::to_string(count) + ",\"total\":" + std::to_string(total) + "}\n");
  const std::string& parquet = delivered["parquet/daily_total_20240103T060000Z_00000.parquet"];
  ASSERT_GE(parquet.size(), 8u);
  EXPECT_EQ(parquet.substr(0, 4), "PAR1");  // Parquet's magic number at both ends
  EXPECT_EQ(parquet.substr(parquet.size() - 4), "PAR1");
  EXPECT_NE(result.err.find("delivered:      s3://reports/gz/daily_total_20240103T060000Z.csv.gz"), std::string::npos)
      << result.err;

  // The Parquet file read back as a table.
  dir_.write("data/.glue/shop/delivered.json", R"({"Table": {"Name": "delivered", "DatabaseName": "shop",
      "StorageDescriptor": {"Columns": [{"Name": "sales", "Type": "bigint"}, {"Name": "total", "Type": "bigint"}],
        "Location": "s3://reports/parquet/",
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}})");
  auto read_back = cli({"query", "--database", "shop", "--format", "csv", "SELECT sales, total FROM delivered"});
  EXPECT_EQ(read_back.exit_code, 0) << read_back.err;
  EXPECT_EQ(read_back.out, csv) << read_back.err;

  // The same slot again: the same execution and the same UNLOADs, so the same objects, and no new result.
  const auto results_before = files_under(data_dir() + "/results");
  auto again = cli({"run", "-q", queries, "daily_total", "--at", "2024-01-03T06:00:00Z"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(files_under(reports), delivered);
  EXPECT_EQ(files_under(data_dir() + "/results"), results_before);
}

TEST_F(CliTest, RenderShowsTheDeliveryPlanAfterTheRequestAndJsonStaysTheRequestOnly) {
  const std::string queries = dir_.write("deliver.yaml", kDeliverQueries);
  auto json_only = cli({"render", "-q", queries, "daily_total", "--at", "2024-01-03T06:00:00Z", "--json"});
  ASSERT_EQ(json_only.exit_code, 0) << json_only.err;
  EXPECT_EQ(std::count(json_only.out.begin(), json_only.out.end(), '\n'), 1) << json_only.out;  // the request alone
  auto human = cli({"render", "-q", queries, "daily_total", "--at", "2024-01-03T06:00:00Z"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  // The request's bytes, then (after a separating line) the plan, with the slot's templates rendered: the
  // previous day of 2024-01-03 06:00 UTC, and <query>_<slot in UTC> under a prefix (docs/queries-file.md).
  const auto request_at = human.out.find(json_only.out);
  ASSERT_NE(request_at, std::string::npos) << human.out;
  const std::string plan = human.out.substr(request_at + json_only.out.size());
  EXPECT_EQ(plan.rfind("\n---- delivery plan", 0), 0u) << plan;
  for (const char* expected :
       {"1. s3://reports/daily_total/2024-01-02.csv\n   format:    csv", "overwrite: replace",
        "object:    s3://reports/daily_total/2024-01-02.csv\n", "2. s3://reports/gz/\n   format:    csv.gz",
        "object:    s3://reports/gz/daily_total_20240103T060000Z.csv.gz\n", "3. s3://reports/parquet/\n",
        "objects:   s3://reports/parquet/daily_total_20240103T060000Z_00000.parquet, then _00001",
        "4. s3://reports/json/\n", "objects:   s3://reports/json/daily_total_20240103T060000Z_00000.json.gz",
        "     ) TO 's3://results/deliver/athena-runner/unload/<QueryExecutionId>/parquet/' WITH (format = 'PARQUET')\n",
        "     ) TO 's3://results/deliver/athena-runner/unload/<QueryExecutionId>/json/' WITH (format = 'JSON')\n"})
    EXPECT_NE(plan.find(expected), std::string::npos) << expected << " not in:\n" << plan;
  // The UNLOAD carries the query as rendered (its ? stays a parameter, sent again).
  EXPECT_NE(plan.find("     UNLOAD (\n     SELECT count(*) AS sales, sum(amount) AS total FROM sales WHERE day = ?\n"),
            std::string::npos)
      << plan;
  EXPECT_FALSE(fs::exists(data_dir() + "/reports")) << "render must deliver nothing";

  auto keep = dir_.write("keep.yaml", R"(defaults: {database: shop, output: "s3://results/athena/"}
queries:
  q:
    sql: SELECT 1
    deliver:
      - {to: "s3://reports/{{ scheduled_date }}/q.csv", overwrite: keep}
  plain:
    sql: SELECT 1
)");
  auto kept = cli({"render", "-q", keep, "q", "--at", "2024-01-03T06:00:00Z"});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.out.find("1. s3://reports/2024-01-03/q.csv\n"), std::string::npos) << kept.out;
  EXPECT_NE(kept.out.find("overwrite: keep"), std::string::npos) << kept.out;
  auto plain = cli({"render", "-q", keep, "plain", "--at", "2024-01-03T06:00:00Z"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("---- delivery plan"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("none: the query has no deliver: destinations"), std::string::npos) << plain.out;
}

TEST_F(CliTest, AFailedDeliveryExitsOneNamingTheDestinationAndLeavesNoPartialFile) {
  const std::string queries = dir_.write("deliver.yaml", kDeliverQueries);
  dir_.write("data/reports/blocked", "a file where the destination needs a folder\n");
  auto result = cli({"run", "-q", queries, "blocked"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("athena-runner run: DeliveryFailed: delivery to s3://reports/blocked/one.csv (csv) failed: "
                            "s3://reports/blocked/one.csv: "),
            std::string::npos)
      << result.err;
  EXPECT_EQ(files_under(data_dir() + "/reports"),
            (std::map<std::string, std::string>{{"blocked", "a file where the destination needs a folder\n"}}));
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

// --with-dependents: load → clean → report over one day's sales, and a dependent of a failing query.
constexpr const char* kChain = R"(version: 1
defaults:
  database: shop
  output: s3://results/athena/
queries:
  load:
    schedule: cron(0 6 * * ? *)
    sql: SELECT count(*) AS sales FROM sales WHERE day = DATE '{{ scheduled_date | add_days(-1) }}'
  clean:
    after: [load]
    sql: SELECT sum(amount) AS total FROM sales WHERE day = DATE '{{ scheduled_date | add_days(-1) }}'
  report:
    after: [clean]
    sql: SELECT max(amount) AS top FROM sales WHERE day = DATE '{{ scheduled_date | add_days(-1) }}'
  broken:
    schedule: cron(0 7 * * ? *)
    sql: SELECT count(*) FROM no_such_table
  after_broken:
    after: [broken]
    sql: SELECT 1 AS one
)";

// The three result files one day's chain writes: count, sum and max of that day's sales, computed here.
std::multiset<std::string> chain_results(const std::string& day) {
  long long count = 0, total = 0, top = 0;
  for (const auto& sale : kSales) {
    if (sale.day != day) continue;
    ++count;
    total += sale.amount;
    top = std::max(top, sale.amount);
  }
  return {"\"sales\"\n\"" + std::to_string(count) + "\"\n", "\"total\"\n\"" + std::to_string(total) + "\"\n",
          "\"top\"\n\"" + std::to_string(top) + "\"\n"};
}

TEST_F(CliTest, RunWithDependentsRunsAChainOfThreeForTheSameSlot) {
  const std::string chain = dir_.write("chain.yaml", kChain);
  auto result = cli({"run", "-q", chain, "load", "--at", "2024-01-03T06:00:00Z", "--with-dependents", "--format", "csv",
                     "--json-summary"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  // One summary per query, in the order of the chain, all for the upstream's slot, each with its own token.
  std::vector<std::string> names, tokens;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_search(line, match, std::regex("\"name\":\"([a-z_]+)\""))) names.push_back(match[1]);
    if (std::regex_search(line, match, std::regex("\"client_request_token\":\"([0-9a-f]+)\"")))
      tokens.push_back(match[1]);
    if (line.find("\"name\"") != std::string::npos) {
      EXPECT_NE(line.find("\"scheduled_time\":\"2024-01-03T06:00:00Z\""), std::string::npos) << line;
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"load", "clean", "report"})) << result.out;
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), 3u) << result.out;
  std::multiset<std::string> actual;
  for (const auto& name : result_files()) actual.insert(read_file(results_dir() + "/" + name));
  EXPECT_EQ(actual, chain_results("2024-01-02"));

  // Without the flag only the named query runs (today's behaviour).
  auto alone = cli({"run", "-q", chain, "load", "--at", "2024-01-04T06:00:00Z"});
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_EQ(result_files().size(), 4u);
}

TEST_F(CliTest, RunWithDependentsStartsNothingAfterAFailedUpstream) {
  const std::string chain = dir_.write("chain.yaml", kChain);
  auto result = cli({"run", "-q", chain, "broken", "--at", "2024-01-03T07:00:00Z", "--with-dependents"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("no_such_table"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("athena-runner run: not started: after_broken for 2024-01-03T07:00:00Z: broken did not "
                            "succeed"),
            std::string::npos)
      << result.err;
  EXPECT_TRUE(result_files().empty());

  auto no_wait = cli({"run", "-q", chain, "load", "--with-dependents", "--no-wait"});
  EXPECT_EQ(no_wait.exit_code, 2);
  EXPECT_NE(no_wait.err.find("drop --no-wait"), std::string::npos) << no_wait.err;
}

TEST_F(CliTest, BackfillWithDependentsRunsTheChainForEverySlot) {
  const std::string chain = dir_.write("chain.yaml", kChain);
  std::vector<std::string> args = {"backfill",
                                   "-q",
                                   chain,
                                   "load",
                                   "--from",
                                   "2024-01-02T00:00:00Z",
                                   "--to",
                                   "2024-01-04T00:00:00Z",
                                   "--journal",
                                   dir_.path() + "/j.json",
                                   "--with-dependents"};
  auto first = cli(args);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("slots: 2, skipped (already succeeded): 0, succeeded: 2, failed: 0"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("dependents: 4 run, succeeded: 4, failed: 0"), std::string::npos) << first.out;
  std::multiset<std::string> expected = chain_results("2024-01-01"), actual;
  for (const auto& text : chain_results("2024-01-02")) expected.insert(text);
  for (const auto& name : result_files()) actual.insert(read_file(results_dir() + "/" + name));
  EXPECT_EQ(actual, expected);

  // Again: the slots are skipped, their dependents get their executions back from their tokens.
  auto second = cli(args);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("skipped (already succeeded): 2"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("dependents: 4 run, succeeded: 4"), std::string::npos) << second.out;
  EXPECT_EQ(result_files().size(), 6u);

  auto failing = cli({"backfill", "-q", chain, "broken", "--from", "2024-01-02T00:00:00Z", "--to",
                      "2024-01-03T00:00:00Z", "--journal", dir_.path() + "/b.json", "--with-dependents"});
  EXPECT_EQ(failing.exit_code, 1) << failing.out << failing.err;
  EXPECT_NE(failing.err.find("not started: after_broken for 2024-01-02T07:00:00Z: broken did not succeed"),
            std::string::npos)
      << failing.err;
  EXPECT_EQ(result_files().size(), 6u);
}

// backfill delivers each slot as run does, its dependents too; a failed delivery fails that slot only.
constexpr const char* kBackfillDeliver = R"(version: 1
defaults:
  database: shop
  output: s3://results/athena/
queries:
  daily_total:
    schedule: cron(0 6 * * ? *)
    sql: SELECT count(*) AS sales, sum(amount) AS total FROM sales WHERE day = DATE '{{ scheduled_date | add_days(-1) }}'
    deliver:
      - to: "s3://reports/daily/{{ scheduled_date | add_days(-1) }}.csv"
      - to: s3://reports/gz/
        format: csv.gz
  top_sale:
    after: [daily_total]
    sql: SELECT max(amount) AS top FROM sales WHERE day = DATE '{{ scheduled_date | add_days(-1) }}'
    deliver:
      - to: s3://reports/top/
)";

// One day's rows as Athena's CSV writes them, computed from kSales: count and sum, and the largest sale.
std::string day_totals_csv(const std::string& day) {
  long long total = 0;
  int count = 0;
  for (const auto& sale : kSales)
    if (sale.day == day) total += sale.amount, ++count;
  return "\"sales\",\"total\"\n\"" + std::to_string(count) + "\",\"" + std::to_string(total) + "\"\n";
}
std::string day_top_csv(const std::string& day) {
  long long top = 0;
  for (const auto& sale : kSales)
    if (sale.day == day) top = std::max(top, sale.amount);
  return "\"top\"\n\"" + std::to_string(top) + "\"\n";
}

std::string gunzipped_file(const std::string& path) {
  auto result = run_process({"gunzip", "-c", path}, {}, {}, std::chrono::seconds(10));
  EXPECT_EQ(result.exit_code, 0) << path << ": " << result.err;
  return result.out;
}

// backfill of daily_total's slots 2024-01-02..04 06:00 UTC (the days 2024-01-01..03) with its dependents.
std::vector<std::string> backfill_with_dependents(const std::string& queries, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"backfill",
                                   "-q",
                                   queries,
                                   "daily_total",
                                   "--from",
                                   "2024-01-02T00:00:00Z",
                                   "--to",
                                   "2024-01-05T00:00:00Z",
                                   "--journal",
                                   (fs::path(queries).parent_path() / "j.json").string(),
                                   "--with-dependents"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST_F(CliTest, BackfillDeliversEverySlotAndItsDependentsAsRunDoes) {
  const std::string queries = dir_.write("backfill_deliver.yaml", kBackfillDeliver);
  const auto args = backfill_with_dependents(queries, {"--concurrency", "2"});
  auto first = cli(args);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("slots: 3, skipped (already succeeded): 0, succeeded: 3, failed: 0"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("dependents: 3 run, succeeded: 3, failed: 0"), std::string::npos) << first.out;
  const std::string reports = data_dir() + "/reports";
  std::map<std::string, std::string> expected;
  const std::vector<std::pair<std::string, std::string>> slots = {
      {"2024-01-01", "20240102T060000Z"}, {"2024-01-02", "20240103T060000Z"}, {"2024-01-03", "20240104T060000Z"}};
  for (const auto& [day, stem] : slots) {
    expected["daily/" + day + ".csv"] = day_totals_csv(day);
    expected["top/top_sale_" + stem + ".csv"] = day_top_csv(day);
  }
  auto delivered = files_under(reports);
  std::map<std::string, std::string> plain;  // every object but the gzip ones, which are checked through gunzip
  std::set<std::string> gz;
  for (const auto& [name, content] : delivered) {
    if (name.rfind("gz/", 0) == 0)
      gz.insert(name);
    else
      plain[name] = content;
  }
  EXPECT_EQ(plain, expected);
  EXPECT_EQ(gz,
            (std::set<std::string>{"gz/daily_total_20240102T060000Z.csv.gz", "gz/daily_total_20240103T060000Z.csv.gz",
                                   "gz/daily_total_20240104T060000Z.csv.gz"}));
  for (const auto& [day, stem] : slots)
    EXPECT_EQ(gunzipped_file(reports + "/gz/daily_total_" + stem + ".csv.gz"), day_totals_csv(day)) << day;
  EXPECT_NE(first.err.find("  delivered: s3://reports/daily/2024-01-02.csv"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("  delivered: s3://reports/top/top_sale_20240103T060000Z.csv"), std::string::npos)
      << first.err;

  // Again: every slot skipped, the dependents get their executions back and deliver the same objects.
  auto second = cli(args);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("skipped (already succeeded): 3"), std::string::npos) << second.out;
  EXPECT_EQ(files_under(reports), delivered);

  // run --with-dependents delivers its dependents too, the same way.
  fs::remove_all(reports);
  auto run = cli({"run", "-q", queries, "daily_total", "--at", "2024-01-03T06:00:00Z", "--with-dependents"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto after_run = files_under(reports);
  EXPECT_EQ(after_run["daily/2024-01-02.csv"], day_totals_csv("2024-01-02"));
  EXPECT_EQ(after_run["top/top_sale_20240103T060000Z.csv"], day_top_csv("2024-01-02"));
  EXPECT_EQ(after_run.size(), 3u);  // and the csv.gz
}

TEST_F(CliTest, BackfillFailsOnlyTheSlotWhoseDeliveryFailedAndDeliversItWhenRunAgain) {
  const std::string queries = dir_.write("backfill_deliver.yaml", kBackfillDeliver);
  // A folder where the 2024-01-03 slot's object must go: its file cannot be renamed into place.
  dir_.write("data/reports/daily/2024-01-02.csv/blocker", "x");
  const auto args = backfill_with_dependents(queries);
  auto first = cli(args);
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_NE(first.out.find("slots: 3, skipped (already succeeded): 0, succeeded: 2, failed: 1"), std::string::npos)
      << first.out;
  EXPECT_NE(first.err.find("athena-runner backfill: daily_total for 2024-01-03T06:00:00Z: DeliveryFailed: delivery to "
                           "s3://reports/daily/2024-01-02.csv (csv) failed: "),
            std::string::npos)
      << first.err;
  // Its dependent does not start (as after a failed query); the other slots' do.
  EXPECT_NE(first.err.find("not started: top_sale for 2024-01-03T06:00:00Z: daily_total did not succeed"),
            std::string::npos)
      << first.err;
  EXPECT_NE(first.out.find("dependents: 2 run, succeeded: 2"), std::string::npos) << first.out;
  auto delivered = files_under(data_dir() + "/reports");
  EXPECT_EQ(delivered["daily/2024-01-01.csv"], day_totals_csv("2024-01-01"));
  EXPECT_EQ(delivered["daily/2024-01-03.csv"], day_totals_csv("2024-01-03"));
  EXPECT_EQ(delivered.count("top/top_sale_20240103T060000Z.csv"), 0u);
  std::set<std::string> daily;
  for (const auto& [name, content] : delivered)
    if (name.rfind("daily/", 0) == 0) daily.insert(name);
  // The blocker left as it was, and no partial file beside it.
  EXPECT_EQ(daily,
            (std::set<std::string>{"daily/2024-01-01.csv", "daily/2024-01-02.csv/blocker", "daily/2024-01-03.csv"}));
  EXPECT_EQ(delivered["daily/2024-01-02.csv/blocker"], "x");

  // Not journaled: once the way is clear the next backfill runs that slot (the same execution) and delivers it.
  fs::remove_all(data_dir() + "/reports/daily/2024-01-02.csv");
  auto second = cli(args);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("slots: 3, skipped (already succeeded): 2, succeeded: 1, failed: 0"), std::string::npos)
      << second.out;
  auto now = files_under(data_dir() + "/reports");
  EXPECT_EQ(now["daily/2024-01-02.csv"], day_totals_csv("2024-01-02"));
  EXPECT_EQ(now["top/top_sale_20240103T060000Z.csv"], day_top_csv("2024-01-02"));
  EXPECT_EQ(result_files().size(), 6u);  // three slots and three dependents: nothing ran twice
}

TEST_F(CliTest, NoDeliverRunsWithoutDelivering) {
  const std::string queries = dir_.write("backfill_deliver.yaml", kBackfillDeliver);
  auto run =
      cli({"run", "-q", queries, "daily_total", "--at", "2024-01-03T06:00:00Z", "--with-dependents", "--no-deliver"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto backfill = cli({"backfill", "-q", queries, "daily_total", "--from", "2024-01-02T00:00:00Z", "--to",
                       "2024-01-04T00:00:00Z", "--journal", dir_.path() + "/j.json", "--no-deliver"});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
  EXPECT_TRUE(files_under(data_dir() + "/reports").empty());
  EXPECT_EQ(result_files().size(), 3u);  // the queries ran: run's two, and the backfill's new slot 2024-01-02
  for (const char* command : {"run", "backfill"}) {
    auto help = cli({command, "--help"});
    ASSERT_EQ(help.exit_code, 0) << help.err;
    EXPECT_NE(help.out.find("--no-deliver"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("deliver: destinations"), std::string::npos) << help.out;
  }
}

TEST_F(CliTest, RunAndBackfillHelpDescribeWithDependents) {
  for (const char* command : {"run", "backfill"}) {
    auto help = cli({command, "--help"});
    ASSERT_EQ(help.exit_code, 0) << help.err;
    EXPECT_NE(help.out.find("--with-dependents"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("after:, transitively"), std::string::npos) << help.out;
  }
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

// ---- query ---------------------------------------------------------------------------------------------

// Athena's CSV of `SELECT id, amount FROM sales WHERE day = DATE '<day>' ORDER BY id`, from kSales.
std::string sales_csv_of(const std::string& day) {
  std::string csv = "\"id\",\"amount\"\n";
  for (const auto& sale : kSales)
    if (sale.day == day) csv += "\"" + std::to_string(sale.id) + "\",\"" + std::to_string(sale.amount) + "\"\n";
  return csv;
}

constexpr const char* kSalesOfADay = "SELECT id, amount FROM sales WHERE day = ? ORDER BY id";

TEST_F(CliTest, QueryRunsOneStatementFromAnArgumentAFileOrStandardInput) {
  const std::string expected = sales_csv_of("2024-01-02");
  auto argument = cli({"query", "-d", "shop", kSalesOfADay, "-p", "DATE '2024-01-02'", "--format", "csv"});
  ASSERT_EQ(argument.exit_code, 0) << argument.err;
  EXPECT_EQ(argument.out, expected);
  EXPECT_NE(argument.err.find("engine: local"), std::string::npos) << argument.err;
  EXPECT_NE(argument.err.find("AWS is not configured"), std::string::npos) << argument.err;
  EXPECT_NE(argument.err.find("SUCCEEDED"), std::string::npos) << argument.err;

  // A file with a comment, a line break and the trailing `;` a SQL file usually has.
  std::string file =
      dir_.write("q.sql", "-- the sales of one day\nSELECT id, amount FROM sales\nWHERE day = ? ORDER BY id;\n");
  auto from_file = cli({"query", "-d", "shop", "-f", file, "-p", "DATE '2024-01-02'", "--format", "csv"});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(from_file.out, expected);

  auto from_stdin =
      cli({"query", "-d", "shop", "-p", "DATE '2024-01-02'", "--format", "csv"}, {}, std::string(kSalesOfADay) + ";");
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, expected);

  // Each run is a new query (a fresh token), not the previous execution again.
  EXPECT_NE(execution_id_in(argument.err), execution_id_in(from_file.err));
}

TEST_F(CliTest, QueryPrintsTableCsvJsonAndTsv) {
  const std::vector<std::string> args = {"query", "-d", "shop", "SELECT id, day FROM sales WHERE id <= 2 ORDER BY id"};
  auto with = [&](const std::string& format) {
    auto command = args;
    command.insert(command.end(), {"--format", format});
    auto result = cli(command);
    EXPECT_EQ(result.exit_code, 0) << format << ": " << result.err;
    return result.out;
  };
  EXPECT_EQ(with("csv"), "\"id\",\"day\"\n\"1\",\"2024-01-01\"\n\"2\",\"2024-01-01\"\n");
  EXPECT_EQ(with("tsv"), "id\tday\n1\t2024-01-01\n2\t2024-01-01\n");
  EXPECT_EQ(with("json"), "{\"id\":\"1\",\"day\":\"2024-01-01\"}\n{\"id\":\"2\",\"day\":\"2024-01-01\"}\n");
  EXPECT_EQ(with("table"),
            "id | day\n"
            "---+-----------\n"
            "1  | 2024-01-01\n"
            "2  | 2024-01-01\n"
            "(2 rows)\n");

  auto limited = cli({"query", "-d", "shop", "SELECT id FROM sales ORDER BY id", "--format", "csv", "--max-rows", "2"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(limited.out, "\"id\"\n\"1\"\n\"2\"\n");
  EXPECT_NE(limited.err.find("first 2 rows shown"), std::string::npos) << limited.err;
}

TEST_F(CliTest, QueryOutputIsTheEnginesResultFileByteForByte) {
  std::string target = dir_.path() + "/export/sales.csv";
  fs::create_directories(dir_.path() + "/export");
  auto result = cli({"query", "-d", "shop", "SELECT * FROM sales ORDER BY id", "--output-location",
                     "s3://results/athena/", "--output", target});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "") << "with --output the rows go to the file only";
  std::string id = execution_id_in(result.err);
  ASSERT_FALSE(id.empty()) << result.err;
  const std::string written_by_engine = read_file(results_dir() + "/" + id + ".csv");
  ASSERT_FALSE(written_by_engine.empty());
  EXPECT_EQ(read_file(target), written_by_engine);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_.path() + "/export")) names.push_back(entry.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"sales.csv"}) << "no temporary left beside it";
}

struct BadQuery {
  const char* what;
  std::vector<std::string> args;  // after "query"
  std::string stdin_text;
  const char* message;  // must appear in stderr
};

TEST_F(CliTest, QueryBadInputIsExitTwoWithAClearMessageAndWritesNothing) {
  const std::string output = dir_.path() + "/out.csv";
  const std::vector<BadQuery> cases = {
      {"no statement", {"-d", "shop"}, "", "no statement"},
      {"only a comment", {"-- nothing here\n;"}, "", "no statement"},
      {"two statements", {"SELECT 1; SELECT 2"}, "", "2 statements"},
      {"unterminated literal", {"SELECT 'abc"}, "", "string literal"},
      {"unknown database", {"-d", "no_such_db", "SELECT 1"}, "", "database 'no_such_db' does not exist"},
      {"malformed parameter", {"-d", "shop", kSalesOfADay, "-p", "DATE '2024-01-02"}, "", "--param 1"},
      {"parameter count", {"-d", "shop", kSalesOfADay}, "", "1 `?` placeholder but 0 --param"},
      {"parameter the engine refuses",
       {"-d", "shop", kSalesOfADay, "-p", "DATE 'not a date'"},
       "",
       "INVALID_PARAMETER"},
      {"both argument and file", {"SELECT 1", "-f", queries_}, "", "not both"},
      {"output folder missing", {"SELECT 1", "--output", dir_.path() + "/missing/out.csv"}, "", "does not exist"},
  };
  for (const auto& bad : cases) {
    SCOPED_TRACE(bad.what);
    std::vector<std::string> args = {"query"};
    args.insert(args.end(), bad.args.begin(), bad.args.end());
    args.insert(args.end(), {"--output-location", "s3://results/athena/"});
    if (std::string(bad.what) != "output folder missing") args.insert(args.end(), {"--output", output});
    auto result = cli(args, {}, bad.stdin_text);
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_NE(result.err.find(bad.message), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
    EXPECT_FALSE(fs::exists(output));
    EXPECT_TRUE(result_files().empty()) << result_files().front();
  }
}

// The local engine runs its queries on the threads of the process that started them: --no-wait runs the query
// in a background process, which `status`, `results` and `stop` (other processes) find through its record.
TEST_F(CliTest, QueryNoWaitOnTheLocalEngineRunsInTheBackground) {
  auto started = cli({"query", "-d", "shop", "SELECT count(*) AS sales, sum(amount) AS total FROM sales", "--no-wait"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const std::string id = execution_id_in(started.out);
  ASSERT_FALSE(id.empty()) << started.out;
  EXPECT_EQ(started.out, id + "\n");
  auto occurrences = [](const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
    return count;
  };
  EXPECT_EQ(occurrences(started.err, "engine: local"), 1u) << started.err;  // said once, not again in the background
  EXPECT_EQ(occurrences(started.err, "started " + id), 1u) << started.err;
  const auto status = status_until(id, "SUCCEEDED");
  EXPECT_NE(status.out.find("SUCCEEDED"), std::string::npos) << status.out << status.err;
  long long total = 0;
  for (const auto& sale : kSales) total += sale.amount;
  auto results = cli({"results", id, "--format", "csv"});
  EXPECT_EQ(results.exit_code, 0) << results.err;
  EXPECT_EQ(results.out,
            "\"sales\",\"total\"\n\"" + std::to_string(std::size(kSales)) + "\",\"" + std::to_string(total) + "\"\n");

  // The statement on standard input reaches the background process too.
  auto piped = cli({"query", "--no-wait"}, {}, "SELECT 6 * 7 AS answer\n");
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  const std::string piped_id = execution_id_in(piped.out);
  ASSERT_FALSE(piped_id.empty()) << piped.out;
  ProcessResult answer;
  for (int attempt = 0; attempt < 200; ++attempt) {
    answer = cli({"results", piped_id, "--format", "csv"});
    if (answer.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(answer.out, "\"answer\"\n\"42\"\n") << answer.err;
}

TEST_F(CliTest, QueryNoWaitOnTheLocalEngineIsStoppedFromAnotherProcess) {
  // 6^14 rows: minutes of work, unless stopped.
  std::string sql = "SELECT count(*) FROM sales s0";
  for (int i = 1; i < 14; ++i) sql += " CROSS JOIN sales s" + std::to_string(i);
  sql += " WHERE s0.amount + s13.amount > 0";
  auto started = cli({"query", "-d", "shop", sql, "--no-wait"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const std::string id = execution_id_in(started.out);
  ASSERT_FALSE(id.empty()) << started.out;
  auto running = cli({"status", id});
  EXPECT_TRUE(running.out.find("RUNNING") != std::string::npos || running.out.find("QUEUED") != std::string::npos)
      << running.out << running.err;
  auto stop = cli({"stop", id});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  const auto status = status_until(id, "CANCELLED");
  EXPECT_NE(status.out.find("CANCELLED"), std::string::npos) << status.out << status.err;
  if (status.out.find("CANCELLED") == std::string::npos) {
    // Not stopped: end the background process (its pid is in the execution record) rather than leave it running.
    std::smatch owner;
    const std::string record = read_file(data_dir() + "/.athena/executions/" + id + ".json");
    if (std::regex_search(record, owner, std::regex("\"OwnerPid\":\\s*([0-9]+)")))
      ::kill(static_cast<pid_t>(std::stol(owner[1].str())), SIGKILL);
  }
}

TEST_F(CliTest, RunNoWaitOnTheLocalEngineIsRefusedSayingWhy) {
  auto result = cli({"run", "-q", queries_, "bad_sql", "--no-wait"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("cancelled when it exits"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("athena-runner query --no-wait"), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(data_dir() + "/.athena/executions", ignored))
    EXPECT_NE(entry.path().extension(), ".json") << "nothing started: " << entry.path();
}

// The Athena engine against `athena-runner serve` over the same data directory.
TEST_F(CliTest, QueryOnTheAthenaEngineAgainstServe) {
  const int port = free_loopback_port();
  ChildProcess serve({AR_CLI_BINARY, "serve", "--port", std::to_string(port), "--data-dir", data_dir()}, {},
                     dir_.path() + "/serve.log");
  ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(30))) << read_file(dir_.path() + "/serve.log");
  const std::map<std::string, std::string> athena = {{"AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(port)},
                                                     {"AWS_REGION", "us-east-1"},
                                                     {"AWS_ACCESS_KEY_ID", "test"},
                                                     {"AWS_SECRET_ACCESS_KEY", "test"}};
  auto result = cli({"query", "--engine", "athena", "-d", "shop", "--output-location", "s3://results/athena/",
                     kSalesOfADay, "-p", "DATE '2024-01-01'", "--format", "csv"},
                    athena);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, sales_csv_of("2024-01-01"));
  EXPECT_NE(result.err.find("engine: athena"), std::string::npos) << result.err;

  std::string target = dir_.path() + "/via-serve.csv";
  auto exported = cli({"query", "--engine", "athena", "-d", "shop", "--output-location", "s3://results/athena/",
                       kSalesOfADay, "-p", "DATE '2024-01-01'", "-o", target},
                      athena);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::string id = execution_id_in(exported.err);
  EXPECT_EQ(read_file(target), read_file(results_dir() + "/" + id + ".csv"));
  EXPECT_EQ(read_file(target), sales_csv_of("2024-01-01"));

  // --no-wait: the id at once; the query goes on in the server, and `status` finds it.
  auto started = cli({"query", "--engine", "athena", "-d", "shop", "--output-location", "s3://results/athena/",
                      "SELECT count(*) FROM sales", "--no-wait"},
                     athena);
  ASSERT_EQ(started.exit_code, 0) << started.err;
  std::string started_id = execution_id_in(started.out);
  ASSERT_FALSE(started_id.empty()) << started.out;
  EXPECT_EQ(started.out, started_id + "\n");
  ProcessResult status;
  for (int attempt = 0; attempt < 100; ++attempt) {
    status = cli({"status", "--engine", "athena", started_id}, athena);
    if (status.out.find("SUCCEEDED") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(status.out.find("SUCCEEDED"), std::string::npos) << status.out << status.err;

  auto unknown = cli({"query", "--engine", "athena", "-d", "no_such_db", "SELECT 1"}, athena);
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("does not exist"), std::string::npos) << unknown.err;
}

// The Athena engine against moto_server: moto runs no SQL, it answers with the rows queued through its
// /moto-api/static/athena/query-results API, read back with GetQueryResults (moto writes no result file).
TEST_F(CliTest, QueryOnTheAthenaEngineAgainstMoto) {
  MotoServer moto;
  const std::string queue = R"({"region": "us-east-1", "results": [{"rows": [
      {"Data": [{"VarCharValue": "pizza"}, {"VarCharValue": "sold"}]},
      {"Data": [{"VarCharValue": "margherita"}, {"VarCharValue": "12"}]},
      {"Data": [{"VarCharValue": "hawaiian"}, {}]}],
    "column_info": [{"Name": "pizza", "Type": "varchar"}, {"Name": "sold", "Type": "bigint"}]}]})";
  auto queued = run_process({"python3", "-c",
                             "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "
                             "'/moto-api/static/athena/query-results', data=sys.stdin.buffer.read(), method='POST'), "
                             "timeout=10)",
                             moto.endpoint()},
                            queue);
  ASSERT_EQ(queued.exit_code, 0) << queued.err;
  auto result = cli(
      {"query", "--engine", "athena", "-d", "pizza", "-w", "primary", "--format", "json",
       "SELECT name AS pizza, sum(quantity) AS sold FROM sales WHERE day = ? GROUP BY 1", "-p", "DATE '2024-06-14'"},
      moto.client_environment());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "{\"pizza\":\"margherita\",\"sold\":\"12\"}\n{\"pizza\":\"hawaiian\",\"sold\":null}\n");
  std::string id = execution_id_in(result.err);
  ASSERT_FALSE(id.empty()) << result.err;
  // What moto received, read back with awscli.
  auto described = run_process({"aws", "athena", "get-query-execution", "--query-execution-id", id, "--output", "json"},
                               {}, moto.client_environment());
  ASSERT_EQ(described.exit_code, 0) << described.err;
  EXPECT_NE(described.out.find("\"Database\": \"pizza\""), std::string::npos) << described.out;
  EXPECT_NE(described.out.find("DATE '2024-06-14'"), std::string::npos) << described.out;
}

// --with-dependents on the Athena engine against moto_server (which ends every query SUCCEEDED): the chain's
// three StartQueryExecution calls, read back with awscli.
TEST_F(CliTest, RunWithDependentsOnTheAthenaEngineAgainstMoto) {
  MotoServer moto;
  const std::string chain = dir_.write("chain.yaml", kChain);
  auto result = cli({"run", "-q", chain, "load", "--at", "2024-01-03T06:00:00Z", "--with-dependents", "--engine",
                     "athena", "--no-results", "--json-summary"},
                    moto.client_environment());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  std::vector<std::string> ids;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);)
    if (auto id = execution_id_in(line); !id.empty()) ids.push_back(id);
  ASSERT_EQ(ids.size(), 3u) << result.out;
  const std::vector<std::string> sql = {"SELECT count(*) AS sales", "SELECT sum(amount) AS total",
                                        "SELECT max(amount) AS top"};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto described =
        run_process({"aws", "athena", "get-query-execution", "--query-execution-id", ids[i], "--output", "json"}, {},
                    moto.client_environment());
    ASSERT_EQ(described.exit_code, 0) << described.err;
    EXPECT_NE(described.out.find(sql[i]), std::string::npos) << described.out;
    EXPECT_NE(described.out.find("DATE '2024-01-02'"), std::string::npos) << described.out;  // the same slot
  }
}

// An Athena whose query runs until it is stopped: Ctrl-C and --timeout must send StopQueryExecution.
CapturingServer::Response never_ending_athena(const CapturingServer::Request& request) {
  const std::string running = R"({"QueryExecutionId": "11111111-2222-3333-4444-555555555555",
      "Status": {"State": "RUNNING"}, "StatementType": "DML", "Statistics": {"DataScannedInBytes": 1572864}})";
  if (request.target == "AmazonAthena.StartQueryExecution")
    return {200, R"({"QueryExecutionId": "11111111-2222-3333-4444-555555555555"})"};
  if (request.target == "AmazonAthena.GetQueryExecution") return {200, "{\"QueryExecution\": " + running + "}"};
  if (request.target == "AmazonAthena.BatchGetQueryExecution")
    return {200, "{\"QueryExecutions\": [" + running + "], \"UnprocessedQueryExecutionIds\": []}"};
  if (request.target == "AmazonAthena.StopQueryExecution") return {200, "{}"};
  return refuse_everything(request);
}

int stops_sent(const CapturingServer& athena) {
  int stops = 0;
  for (const auto& request : athena.requests())
    if (request.target == "AmazonAthena.StopQueryExecution" &&
        request.body.find("11111111-2222-3333-4444-555555555555") != std::string::npos)
      ++stops;
  return stops;
}

TEST_F(CliTest, QueryCtrlCStopsTheQuery) {
  CapturingServer athena(never_ending_athena);
  const std::string log = dir_.path() + "/query.log";
  ChildProcess query({AR_CLI_BINARY, "query", "--engine", "athena", "SELECT 1"},
                     cli_environment(athena.client_environment()), log);
  bool started = false;
  for (int i = 0; i < 200 && !started; ++i) {
    started = read_file(log).find("started 11111111") != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(started) << read_file(log);
  ::kill(query.pid(), SIGINT);
  auto exit_code = query.wait_exit(std::chrono::seconds(20));
  ASSERT_TRUE(exit_code.has_value()) << read_file(log);
  EXPECT_EQ(*exit_code, 130) << read_file(log);
  EXPECT_EQ(stops_sent(athena), 1) << read_file(log);
  EXPECT_NE(read_file(log).find("stopped"), std::string::npos) << read_file(log);
}

TEST_F(CliTest, QueryTimeoutStopsTheQueryAndExitsOne) {
  CapturingServer athena(never_ending_athena);
  auto result = cli({"query", "--engine", "athena", "SELECT 1", "--timeout", "1"}, athena.client_environment());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("timed out"), std::string::npos) << result.err;
  EXPECT_EQ(stops_sent(athena), 1) << result.err;
}

TEST_F(CliTest, QueryHelpNamesEveryOption) {
  auto result = cli({"query", "--help"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* option :
       {"--file", "--engine", "--local", "--data-dir", "--database", "--catalog", "--workgroup", "--output-location",
        "--param", "--format", "--max-rows", "--output", "--no-wait", "--timeout", "Exit codes", "Examples"})
    EXPECT_NE(result.out.find(option), std::string::npos) << option << " missing from query --help:\n" << result.out;
}

// The text tmux shows for a pane, and the pane's commands, on a private tmux server stopped at the end.
class TmuxSession {
 public:
  explicit TmuxSession(const TempDir& dir) : socket_(dir.path() + "/tmux.sock") {}
  ~TmuxSession() { run_process({"tmux", "-S", socket_, "kill-server"}); }
  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;

  bool start(const std::string& shell_command) {
    return run_process({"tmux", "-S", socket_, "new-session", "-d", "-x", "160", "-y", "40", shell_command})
               .exit_code == 0;
  }
  // The pane's text, scrollback included, long lines joined.
  std::string screen() const {
    return run_process({"tmux", "-S", socket_, "capture-pane", "-p", "-J", "-S", "-200"}).out;
  }
  void keys(const std::string& keys) const { run_process({"tmux", "-S", socket_, "send-keys", keys}); }
  // Types `text` literally (tmux takes a `;` ending an argument for its command separator: escaped), then Enter.
  void type_line(const std::string& text) const {
    std::string literal = text;
    if (!literal.empty() && literal.back() == ';') literal.insert(literal.size() - 1, "\\");
    run_process({"tmux", "-S", socket_, "send-keys", "-l", literal});
    keys("Enter");
  }
  // Waits until the screen shows `part` (true) or `timeout` passes (false).
  bool wait_for(const std::string& part, std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (screen().find(part) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  std::string socket_;
};

std::vector<std::string> lines_with(const std::string& text, const std::string& part) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(part) != std::string::npos) found.push_back(line);
  return found;
}

std::string shell_command(const std::map<std::string, std::string>& env, const std::vector<std::string>& args) {
  std::string command = "env";
  for (const auto& [name, value] : env)
    if (value != "\x01unset") command.append(" ").append(name).append("='").append(value).append("'");
  for (const auto& arg : args) command += " '" + arg + "'";
  return command;
}

// The live progress line of `command` (run in a tmux pane, against never_ending_athena): read twice 2.5 s apart,
// it must be one line, rewritten (the elapsed time moves on); the later one and the screen around it.
struct LiveLine {
  std::string line, screen;
};
LiveLine live_line_in(TmuxSession& tmux, const std::string& command, const std::string& exit_log) {
  if (!tmux.start(command + "; echo exit=$? > " + exit_log + "; sleep 60")) {
    ADD_FAILURE() << "tmux did not start";
    return {};
  }
  std::string first;
  for (int i = 0; i < 100 && lines_with(first, "RUNNING").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    first = tmux.screen();
  }
  if (lines_with(first, "RUNNING").size() != 1) {
    ADD_FAILURE() << "no live line:\n" << first;
    return {};
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  LiveLine later{"", tmux.screen()};
  const auto running = lines_with(later.screen, "RUNNING");
  if (running.size() != 1) {
    ADD_FAILURE() << "the live line is rewritten, not repeated:\n" << later.screen;
    return {};
  }
  EXPECT_NE(running.front(), lines_with(first, "RUNNING").front()) << "elapsed time moves on:\n" << later.screen;
  later.line = running.front();
  return later;
}

// Ctrl-C in the pane: the command stops its query (StopQueryExecution, once) and exits 130.
void expect_ctrl_c_stops_the_query(TmuxSession& tmux, const std::string& exit_log, const CapturingServer& athena) {
  tmux.keys("C-c");
  for (int i = 0; i < 200 && read_file(exit_log).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(read_file(exit_log), "exit=130\n") << tmux.screen();
  EXPECT_EQ(stops_sent(athena), 1) << tmux.screen();
}

TEST_F(CliTest, QueryProgressIsOneLineUpdatedInPlaceOnATerminal) {
  CapturingServer athena(never_ending_athena);
  TmuxSession tmux(dir_);
  const std::string log = dir_.path() + "/exit.txt";
  const auto live = live_line_in(tmux,
                                 shell_command(cli_environment(athena.client_environment()),
                                               {AR_CLI_BINARY, "query", "--engine", "athena", "SELECT 1"}),
                                 log);
  EXPECT_NE(live.line.find("data scanned 1.5 MiB"), std::string::npos) << live.screen;
  EXPECT_EQ(lines_with(live.screen, "started 11111111").size(), 1u) << live.screen;
  expect_ctrl_c_stops_the_query(tmux, log, athena);
}

TEST_F(CliTest, QueryProgressIsPlainLinesWhenStderrIsNotATerminal) {
  CapturingServer athena(never_ending_athena);
  auto result = cli({"query", "--engine", "athena", "SELECT 1", "--timeout", "2"}, athena.client_environment());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err.find('\r'), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << result.err;
  EXPECT_EQ(lines_with(result.err, "RUNNING after").size(), 1u) << "one line per state change:\n" << result.err;
}

// Two slots one after the other (--concurrency 1), each RUNNING until --timeout gives up on it.
std::vector<std::string> never_ending_backfill(const std::string& queries, const std::string& journal,
                                               const std::string& timeout_seconds) {
  return {"backfill",      "-q",
          queries,         "daily_total",
          "--from",        "2024-01-02T00:00:00Z",
          "--to",          "2024-01-04T00:00:00Z",
          "--engine",      "athena",
          "--concurrency", "1",
          "--timeout",     timeout_seconds,
          "--journal",     journal};
}

TEST_F(CliTest, BackfillProgressIsPlainLinesNamingEachSlotWhenStderrIsNotATerminal) {
  CapturingServer athena(never_ending_athena);
  auto result = cli(never_ending_backfill(queries_, dir_.path() + "/journal.json", "1"), athena.client_environment());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err.find('\r'), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << result.err;
  // The slots are the schedule's fire times (cron 06:00 UTC) in [from, to).
  EXPECT_EQ(lines_with(result.err, "daily_total 2024-01-02T06:00:00Z (slot 1 of 2): RUNNING after").size(), 1u)
      << result.err;
  EXPECT_EQ(lines_with(result.err, "daily_total 2024-01-03T06:00:00Z (slot 2 of 2): RUNNING after").size(), 1u)
      << result.err;
  EXPECT_EQ(lines_with(result.err, "(slot 2 of 2): gave up").size(), 1u) << result.err;
  EXPECT_EQ(lines_with(result.err, "[2/2] 2024-01-03T06:00:00Z").size(), 1u) << result.err;
}

TEST_F(CliTest, BackfillProgressIsOneLineUpdatedInPlaceOnATerminal) {
  CapturingServer athena(never_ending_athena);
  TmuxSession tmux(dir_);
  const std::string log = dir_.path() + "/exit.txt";
  auto args = never_ending_backfill(queries_, dir_.path() + "/journal.json", "60");  // Ctrl-C ends it
  args.insert(args.begin(), AR_CLI_BINARY);
  const auto live = live_line_in(tmux, shell_command(cli_environment(athena.client_environment()), args), log);
  EXPECT_EQ(live.line.find("daily_total 2024-01-02T06:00:00Z (slot 1 of 2): RUNNING "), 0u) << live.screen;
  EXPECT_NE(live.line.find("data scanned 1.5 MiB"), std::string::npos) << live.screen;
  expect_ctrl_c_stops_the_query(tmux, log, athena);
}

TEST_F(CliTest, QueryShellRunsStatementsAsTheTrinoCliDoes) {
  TmuxSession tmux(dir_);
  const std::string history = dir_.path() + "/history";
  const std::string paged = dir_.path() + "/paged.txt";
  auto env = cli_environment({{"ATHENA_RUNNER_HISTORY", history}, {"ATHENA_RUNNER_PAGER", "cat > " + paged}});
  ASSERT_TRUE(tmux.start(shell_command(env, {AR_CLI_BINARY, "query"}) + "; echo shell-exit=$?; sleep 60"));
  ASSERT_TRUE(tmux.wait_for("athena:default> ")) << tmux.screen();

  tmux.type_line("USE shop;");
  ASSERT_TRUE(tmux.wait_for("athena:shop> ")) << tmux.screen();
  // A statement over three lines runs when the `;` comes.
  tmux.type_line("SELECT id, amount");
  tmux.type_line("FROM sales WHERE day = DATE '2024-01-02'");
  EXPECT_FALSE(tmux.wait_for("(3 rows)", std::chrono::milliseconds(300))) << "ran before the `;`";
  tmux.type_line("ORDER BY id;");
  ASSERT_TRUE(tmux.wait_for("(3 rows)")) << tmux.screen();
  std::string screen = tmux.screen();
  for (const auto& sale : kSales) {
    if (sale.day != "2024-01-02") continue;
    const std::string row = std::to_string(sale.id) + "  | " + std::to_string(sale.amount);
    EXPECT_FALSE(lines_with(screen, row).empty()) << row << "\n" << screen;
  }
  EXPECT_FALSE(lines_with(screen, "SUCCEEDED in").empty()) << "time and data scanned after each statement";
  EXPECT_FALSE(lines_with(screen, "data scanned").empty()) << screen;

  // Ctrl-C drops the statement being typed (here inside an open literal) and keeps the shell.
  tmux.keys("S");
  tmux.type_line("ELECT 'never closed");
  tmux.keys("C-c");
  tmux.type_line("SELECT count(*) AS sales_count FROM sales;");
  ASSERT_TRUE(tmux.wait_for("sales_count")) << tmux.screen();
  ASSERT_TRUE(tmux.wait_for("(1 row)")) << tmux.screen();
  EXPECT_FALSE(lines_with(tmux.screen(), std::to_string(kSales.size())).empty()) << tmux.screen();

  tmux.type_line("SHOW TABLES;");
  ASSERT_TRUE(tmux.wait_for("tab_name")) << tmux.screen();
  ASSERT_TRUE(tmux.wait_for("broken")) << tmux.screen();
  tmux.type_line("DESCRIBE sales;");
  ASSERT_TRUE(tmux.wait_for("bigint")) << tmux.screen();

  // Wider than the terminal (160 columns): through the pager.
  const std::string wide(300, 'w');
  tmux.type_line("SELECT '" + wide + "' AS wide_value;");
  for (int i = 0; i < 200 && read_file(paged).find(wide) == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(read_file(paged).find("wide_value"), std::string::npos) << tmux.screen();
  EXPECT_NE(read_file(paged).find(wide), std::string::npos) << tmux.screen();

  tmux.type_line("quit");
  ASSERT_TRUE(tmux.wait_for("shell-exit=0")) << tmux.screen();
  // libedit's history file (spaces written as \040): each statement once, the multi-line one whole.
  const std::string saved = read_file(history);
  EXPECT_NE(saved.find("USE\\040shop;"), std::string::npos) << saved;
  EXPECT_NE(saved.find("ORDER\\040BY\\040id;"), std::string::npos) << saved;
  EXPECT_EQ(saved.find("never\\040closed"), std::string::npos) << "a dropped statement is not kept:\n" << saved;
}

TEST_F(CliTest, QueryShellCtrlCStopsTheRunningQueryAndKeepsTheShell) {
  CapturingServer athena(never_ending_athena);
  TmuxSession tmux(dir_);
  auto env = cli_environment(athena.client_environment());
  env["ATHENA_RUNNER_HISTORY"] = dir_.path() + "/history";
  ASSERT_TRUE(tmux.start(shell_command(env, {AR_CLI_BINARY, "query", "--engine", "athena"}) +
                         "; echo shell-exit=$?; sleep 60"));
  ASSERT_TRUE(tmux.wait_for("athena:default> ")) << tmux.screen();
  tmux.type_line("SELECT 1;");
  ASSERT_TRUE(tmux.wait_for("RUNNING")) << tmux.screen();
  tmux.keys("C-c");
  ASSERT_TRUE(tmux.wait_for("interrupted")) << tmux.screen();
  EXPECT_EQ(stops_sent(athena), 1) << tmux.screen();
  tmux.type_line("quit");
  ASSERT_TRUE(tmux.wait_for("shell-exit=0")) << tmux.screen();
}

}  // namespace
}  // namespace athena_runner::testing
