// DDL through `athena-runner serve` as users send it: awscli's `athena start-query-execution` with
// CREATE DATABASE / CREATE EXTERNAL TABLE / MSCK REPAIR TABLE / SHOW PARTITIONS, then `aws glue` sees the
// tables and partitions, and a SELECT right after sees the new table (values computed from the test's CSV).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::testing {
namespace {

using nlohmann::json;

constexpr char kBinary[] = AR_ATHENA_RUNNER_BINARY;

class ServeDdl : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    empty_config_ = dir_.write("aws-config", "");
    empty_credentials_ = dir_.write("aws-credentials", "");
    for (int attempt = 0; attempt < 3 && !server_; ++attempt) {
      port_ = free_loopback_port();
      auto process =
          std::make_unique<ChildProcess>(std::vector<std::string>{kBinary, "serve", "--port", std::to_string(port_),
                                                                  "--data-dir", data_dir_, "--quiet"},
                                         std::map<std::string, std::string>{}, dir_.path() + "/serve.log");
      if (wait_for_port(port_, std::chrono::seconds(20))) server_ = std::move(process);
    }
    ASSERT_TRUE(server_) << "athena-runner serve did not start; see " << dir_.path() << "/serve.log";
  }

  void TearDown() override {
    if (!server_) return;
    ::kill(server_->pid(), SIGTERM);
    EXPECT_EQ(server_->wait_exit(std::chrono::seconds(10)), 0);
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  ProcessResult aws(std::vector<std::string> arguments) const {
    arguments.insert(arguments.begin(), {"aws", "--endpoint-url", endpoint(), "--output", "json"});
    return run_process(arguments, {},
                       {{"AWS_ACCESS_KEY_ID", "test"},
                        {"AWS_SECRET_ACCESS_KEY", "test"},
                        {"AWS_DEFAULT_REGION", "us-east-1"},
                        {"AWS_CONFIG_FILE", empty_config_},
                        {"AWS_SHARED_CREDENTIALS_FILE", empty_credentials_},
                        {"AWS_EC2_METADATA_DISABLED", "true"},
                        {"AWS_PAGER", ""}},
                       std::chrono::seconds(120));
  }
  json aws_json(std::vector<std::string> arguments) const {
    auto result = aws(arguments);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out.empty() ? json() : json::parse(result.out, nullptr, false);
  }

  // Starts the query with awscli and polls get-query-execution until it ends; returns the QueryExecution.
  json athena(const std::string& sql) const {
    auto started = aws_json({"athena", "start-query-execution", "--query-string", sql});
    const std::string id = started.value("QueryExecutionId", "");
    EXPECT_FALSE(id.empty()) << sql;
    for (int i = 0; i < 120 && !id.empty(); ++i) {
      auto execution = aws_json({"athena", "get-query-execution", "--query-execution-id", id})["QueryExecution"];
      const std::string state = execution["Status"].value("State", "");
      if (state == "SUCCEEDED" || state == "FAILED" || state == "CANCELLED") return execution;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << sql << " did not finish";
    return json::object();
  }

  // The rows of get-query-results, each as its list of values.
  std::vector<std::vector<std::string>> rows(const json& execution) const {
    auto results = aws_json({"athena", "get-query-results", "--query-execution-id", execution["QueryExecutionId"]});
    std::vector<std::vector<std::string>> out;
    for (const auto& row : results["ResultSet"]["Rows"]) {
      std::vector<std::string> values;
      for (const auto& datum : row["Data"]) values.push_back(datum.value("VarCharValue", "<null>"));
      out.push_back(values);
    }
    return out;
  }

  TempDir dir_;
  std::string data_dir_, empty_config_, empty_credentials_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(ServeDdl, AwsCliDdlMakesTablesGlueAndQueriesSee) {
  // Two days of orders: day 1 prices 1.5 + 2.5, day 2 prices 4 + 8 + 16.
  ASSERT_EQ(aws({"s3", "mb", "s3://lake"}).exit_code, 0);
  const std::string day1 = dir_.write("day1.csv", "1,1.5\n2,2.5\n");
  const std::string day2 = dir_.write("day2.csv", "3,4\n4,8\n5,16\n");
  ASSERT_EQ(aws({"s3", "cp", "--only-show-errors", day1, "s3://lake/orders/dt=2024-01-01/part-0.csv"}).exit_code, 0);
  ASSERT_EQ(aws({"s3", "cp", "--only-show-errors", day2, "s3://lake/orders/dt=2024-01-02/part-0.csv"}).exit_code, 0);

  auto created = athena("CREATE DATABASE pizza COMMENT 'made by DDL'");
  ASSERT_EQ(created["Status"]["State"], "SUCCEEDED") << created.dump();
  EXPECT_EQ(created["StatementType"], "DDL");
  const std::string output = created["ResultConfiguration"]["OutputLocation"];
  EXPECT_EQ(output.substr(output.size() - 4), ".txt");
  // The DDL result file is an object like any other.
  EXPECT_EQ(aws({"s3", "ls", output}).exit_code, 0) << output;
  EXPECT_EQ(aws_json({"glue", "get-database", "--name", "pizza"})["Database"]["Description"], "made by DDL");

  auto table = athena(
      "CREATE EXTERNAL TABLE pizza.`Orders` (id int, price double) PARTITIONED BY (dt string) "
      "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://lake/orders/'");
  ASSERT_EQ(table["Status"]["State"], "SUCCEEDED") << table.dump();
  auto glue = aws_json({"glue", "get-table", "--database-name", "pizza", "--name", "orders"})["Table"];
  EXPECT_EQ(glue["Name"], "orders");
  EXPECT_EQ(glue["StorageDescriptor"]["Location"], "s3://lake/orders/");
  EXPECT_EQ(glue["StorageDescriptor"]["Columns"][1], (json{{"Name", "price"}, {"Type", "double"}}));
  EXPECT_EQ(glue["PartitionKeys"], (json::array({json{{"Name", "dt"}, {"Type", "string"}}})));

  auto repaired = athena("MSCK REPAIR TABLE pizza.orders");
  ASSERT_EQ(repaired["Status"]["State"], "SUCCEEDED") << repaired.dump();
  auto partitions = aws_json({"glue", "get-partitions", "--database-name", "pizza", "--table-name", "orders"});
  ASSERT_EQ(partitions["Partitions"].size(), 2u);
  // SHOW PARTITIONS: one row per partition, no header row.
  auto shown = athena("SHOW PARTITIONS pizza.orders");
  ASSERT_EQ(shown["Status"]["State"], "SUCCEEDED") << shown.dump();
  EXPECT_EQ(rows(shown), (std::vector<std::vector<std::string>>{{"dt=2024-01-01"}, {"dt=2024-01-02"}}));

  auto selected = athena("SELECT dt, count(*) AS n, sum(price) AS total FROM pizza.orders GROUP BY dt ORDER BY dt");
  ASSERT_EQ(selected["Status"]["State"], "SUCCEEDED") << selected.dump();
  EXPECT_EQ(rows(selected), (std::vector<std::vector<std::string>>{
                                {"dt", "n", "total"}, {"2024-01-01", "2", "4.0"}, {"2024-01-02", "3", "28.0"}}));

  auto duplicate = athena("CREATE EXTERNAL TABLE pizza.orders (id int) LOCATION 's3://lake/other/'");
  EXPECT_EQ(duplicate["Status"]["State"], "FAILED");
  EXPECT_EQ(duplicate["Status"]["AthenaError"]["ErrorCategory"], 2);
  EXPECT_NE(duplicate["Status"].value("StateChangeReason", "").find("already exists"), std::string::npos);

  auto dropped = athena("DROP TABLE pizza.orders");
  ASSERT_EQ(dropped["Status"]["State"], "SUCCEEDED") << dropped.dump();
  auto missing = aws({"glue", "get-table", "--database-name", "pizza", "--name", "orders"});
  EXPECT_NE(missing.err.find("EntityNotFoundException"), std::string::npos) << missing.err;
}

TEST_F(ServeDdl, AwsCliCtasInsertAndUnloadWriteObjects) {
  // Sales: eu 10 + 30, us 20.
  ASSERT_EQ(aws({"s3", "mb", "s3://lake"}).exit_code, 0);
  const std::string sales = dir_.write("sales.csv", "1,eu,10\n2,us,20\n3,eu,30\n");
  ASSERT_EQ(aws({"s3", "cp", "--only-show-errors", sales, "s3://lake/sales/part-0.csv"}).exit_code, 0);
  auto table = athena(
      "CREATE EXTERNAL TABLE sales (id int, region string, amount int) ROW FORMAT DELIMITED FIELDS TERMINATED BY "
      "',' LOCATION 's3://lake/sales/'");
  ASSERT_EQ(table["Status"]["State"], "SUCCEEDED") << table.dump();

  // CTAS without external_location: Athena puts the table under <output location>tables/<query id>/.
  auto created = athena(
      "CREATE TABLE by_region WITH (format = 'PARQUET', partitioned_by = ARRAY['region']) AS "
      "SELECT id, amount, region FROM sales");
  ASSERT_EQ(created["Status"]["State"], "SUCCEEDED") << created.dump();
  EXPECT_EQ(created["StatementType"], "DML");
  EXPECT_EQ(rows(created), (std::vector<std::vector<std::string>>{{"rows"}, {"3"}}));
  const std::string output = created["ResultConfiguration"]["OutputLocation"];
  const std::string location =
      output.substr(0, output.rfind('/') + 1) + "tables/" + created["QueryExecutionId"].get<std::string>() + "/";
  auto glue = aws_json({"glue", "get-table", "--database-name", "default", "--name", "by_region"})["Table"];
  EXPECT_EQ(glue["StorageDescriptor"]["Location"], location);
  EXPECT_EQ(glue["PartitionKeys"], (json::array({json{{"Name", "region"}, {"Type", "string"}}})));
  auto listed = aws({"s3", "ls", "--recursive", location});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("region=eu/"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("region=us/"), std::string::npos) << listed.out;

  auto selected = athena("SELECT region, sum(amount) AS total FROM by_region GROUP BY region ORDER BY region");
  ASSERT_EQ(selected["Status"]["State"], "SUCCEEDED") << selected.dump();
  EXPECT_EQ(rows(selected), (std::vector<std::vector<std::string>>{{"region", "total"}, {"eu", "40"}, {"us", "20"}}));

  auto inserted = athena("INSERT INTO by_region VALUES (4, 5, 'apac')");
  ASSERT_EQ(inserted["Status"]["State"], "SUCCEEDED") << inserted.dump();
  auto partitions = aws_json({"glue", "get-partitions", "--database-name", "default", "--table-name", "by_region"});
  EXPECT_EQ(partitions["Partitions"].size(), 3u);
  auto counted = athena("SELECT count(*) AS n FROM by_region");
  ASSERT_EQ(counted["Status"]["State"], "SUCCEEDED") << counted.dump();
  EXPECT_EQ(rows(counted), (std::vector<std::vector<std::string>>{{"n"}, {"4"}}));

  auto unloaded = athena(
      "UNLOAD (SELECT id, region FROM sales WHERE amount > 15) TO 's3://lake/unload/' "
      "WITH (format = 'TEXTFILE', field_delimiter = ',', compression = 'NONE')");
  ASSERT_EQ(unloaded["Status"]["State"], "SUCCEEDED") << unloaded.dump();
  auto objects = aws_json({"s3api", "list-objects-v2", "--bucket", "lake", "--prefix", "unload/"});
  ASSERT_EQ(objects["Contents"].size(), 1u) << objects.dump();
  const std::string copy = dir_.path() + "/unloaded.txt";
  ASSERT_EQ(
      aws({"s3", "cp", "--only-show-errors", "s3://lake/" + objects["Contents"][0]["Key"].get<std::string>(), copy})
          .exit_code,
      0);
  std::string content = read_file(copy);
  EXPECT_TRUE(content == "2,us\n3,eu\n" || content == "3,eu\n2,us\n") << content;

  auto orc = athena("UNLOAD (SELECT 1 AS x) TO 's3://lake/orc/' WITH (format = 'ORC')");
  EXPECT_EQ(orc["Status"]["State"], "FAILED");
  EXPECT_NE(orc["Status"].value("StateChangeReason", "").find("'ORC'"), std::string::npos) << orc.dump();
}

}  // namespace
}  // namespace athena_runner::testing
