// The catalog store under concurrent writers (issue 12): Glue API calls from boto3 threads, DDL, MSCK REPAIR and
// INSERT INTO through the server's Athena API and through a second process (`athena-runner run --local` on the
// same data directory). Afterwards every change a writer was told had succeeded is in the catalog. Then kill -9
// of the server in the middle of a stream of calls: the catalog still loads and every answered call is there.
// The clients are boto3 and the CLI (tests/server/serve_catalog_race.py); the expected values are what the
// clients themselves sent.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::testing {
namespace {

using nlohmann::json;

constexpr char kBinary[] = AR_ATHENA_RUNNER_BINARY;
constexpr char kRace[] = AR_SOURCE_DIR "/tests/server/serve_catalog_race.py";

class ServeCatalog : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    empty_config_ = dir_.write("aws-config", "");
    empty_credentials_ = dir_.write("aws-credentials", "");
    start();
  }

  void start() {
    server_.reset();
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

  std::map<std::string, std::string> environment() const {
    return {{"AWS_ACCESS_KEY_ID", "test"},        {"AWS_SECRET_ACCESS_KEY", "test"},
            {"AWS_DEFAULT_REGION", "us-east-1"},  {"AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(port_)},
            {"AWS_CONFIG_FILE", empty_config_},   {"AWS_SHARED_CREDENTIALS_FILE", empty_credentials_},
            {"AWS_EC2_METADATA_DISABLED", "true"}};
  }

  json race(std::vector<std::string> arguments) const {
    arguments.insert(arguments.begin(), {"python3", kRace});
    auto result = run_process(arguments, {}, environment(), std::chrono::seconds(300));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out, nullptr, false);
  }

  TempDir dir_;
  std::string data_dir_, empty_config_, empty_credentials_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(ServeCatalog, ConcurrentGlueSqlAndSecondProcessWritersLoseNothing) {
  constexpr int kRounds = 6;
  auto outcome = race({"race", data_dir_, kBinary, std::to_string(kRounds)});
  ASSERT_TRUE(outcome.is_object()) << outcome.dump();
  EXPECT_EQ(outcome["failures"], json::array()) << outcome.dump(2);
  // What the clients were told had succeeded: 3 Glue threads x 6 rounds x 2 partitions, 2 SQL threads x 6 rounds
  // x 3 partitions (ADD PARTITION, INSERT INTO, MSCK REPAIR), 3 runs of `run --local` x 3 partitions.
  EXPECT_EQ(outcome["answered_partitions"], 3 * kRounds * 2 + 2 * kRounds * 3 + 3 * 3) << outcome.dump(2);
  // 2 UpdateTable threads and 2 ALTER TABLE ADD COLUMNS threads, 6 columns each.
  EXPECT_EQ(outcome["answered_columns"], 4 * kRounds) << outcome.dump(2);
  EXPECT_EQ(outcome["missing_partitions"], json::array()) << outcome.dump(2);
  EXPECT_EQ(outcome["missing_columns"], json::array()) << outcome.dump(2);
  // Every column change made a new table version (0 at creation, then one per change), none lost.
  std::vector<int> versions;
  for (int version = 0; version <= 4 * kRounds; ++version) versions.push_back(version);
  EXPECT_EQ(outcome["version_ids"], json(versions)) << outcome.dump(2);
}

// Athena's partition semantics through the server, with boto3: registered partitions only, each from its own
// location (Hive-style folders and a CloudTrail-style layout), pruning by partition values (DataScannedInBytes is
// the size of the files of the partitions read), and MSCK REPAIR TABLE making an unregistered folder visible. The
// expected rows and byte counts are computed by the script from the files it uploaded.
TEST_F(ServeCatalog, PartitionedTablesReadTheirRegisteredPartitionsFromTheirOwnLocations) {
  auto outcome = race({"partitions"});
  ASSERT_TRUE(outcome.is_object()) << outcome.dump();
  const json& result = outcome["result"];
  const json& expected = outcome["expected"];
  // The unregistered dt=2024-01-03/ folder is not read; dt=2024-01-04 is read from the trail bucket.
  EXPECT_EQ(result["all"]["rows"], expected["all"]) << result.dump(2);
  EXPECT_EQ(result["by_day"]["rows"], expected["by_day"]) << result.dump(2);
  EXPECT_EQ(result["day4"]["rows"], json::array({json::array({"7"})})) << result.dump(2);
  EXPECT_EQ(result["day4"]["scanned"], expected["day4_scanned"]) << result.dump(2);
  EXPECT_EQ(result["day1"]["rows"], json::array({json::array({"2"})})) << result.dump(2);
  EXPECT_EQ(result["day1"]["scanned"], expected["day1_scanned"]) << result.dump(2);
  EXPECT_EQ(result["repaired"]["rows"],
            json::array({json::array({"Partitions not in metastore:\tevents:dt=2024-01-03"}),
                         json::array({"Repair: Added partition to metastore events:dt=2024-01-03"})}))
      << result.dump(2);
  EXPECT_EQ(result["after_repair"]["rows"], expected["after_repair"]) << result.dump(2);
  // Catalog names: awsdatacatalog in any case, in the name and as the query context's catalog; any other
  // fails with Trino's CATALOG_NOT_FOUND message.
  const json count = json::array({json::array({expected["all"][0][0]})});
  for (const char* name : {"catalog_quoted", "catalog_mixed_case", "catalog_context"})
    EXPECT_EQ(result[name]["rows"], count) << name << ": " << result.dump(2);
  for (const char* name : {"other_catalog", "other_context"}) {
    EXPECT_EQ(result[name]["state"], "FAILED") << name << ": " << result.dump(2);
    EXPECT_EQ(result[name]["reason"], "CATALOG_NOT_FOUND: Catalog 'other' does not exist") << result.dump(2);
  }
}

// Partition projection through the server, with boto3 (Athena's partition-projection pages): a date projection
// reads only the days its range holds, and a query lists only the projected folders its WHERE clause leaves (the
// script reads each folder's access time after each query); an injected key takes the query's values, and a query
// without one fails with Athena's CONSTRAINT_VIOLATION. Expected rows and bytes come from the uploaded files.
TEST_F(ServeCatalog, ProjectedPartitionsArePrunedBeforeTheirFoldersAreListed) {
  auto outcome = race({"projection", data_dir_});
  ASSERT_TRUE(outcome.is_object()) << outcome.dump();
  const json& result = outcome["result"];
  const json& expected = outcome["expected"];
  EXPECT_EQ(result["one_day"]["rows"], expected["one_day"]) << result.dump(2);
  EXPECT_EQ(result["one_day"]["scanned"], expected["one_day_scanned"]) << result.dump(2);
  EXPECT_EQ(result["one_day"]["listed"], json::array({"2024-01-02"})) << result.dump(2);
  EXPECT_EQ(result["two_days"]["rows"], expected["two_days"]) << result.dump(2);
  EXPECT_EQ(result["two_days"]["listed"], json::array({"2024-01-01", "2024-01-04"})) << result.dump(2);
  // Without a condition on dt every projected day is listed (and 2023-12-31, outside the range, is not read).
  EXPECT_EQ(result["all_days"]["rows"], expected["all_days"]) << result.dump(2);
  EXPECT_EQ(result["all_days"]["listed"], json::array({"2024-01-01", "2024-01-02", "2024-01-04"})) << result.dump(2);
  EXPECT_EQ(result["device"]["rows"], expected["device"]) << result.dump(2);
  EXPECT_EQ(result["device"]["listed"], json::array({"b2"})) << result.dump(2);
  EXPECT_EQ(result["no_device"]["state"], "FAILED") << result.dump(2);
  EXPECT_EQ(result["no_device"]["reason"],
            "CONSTRAINT_VIOLATION: For the injected projected partition column device, the WHERE clause must "
            "contain only static equality conditions, and at least one such condition must be present.")
      << result.dump(2);
}

// The Glue operations that follow from one store, through boto3; every response member is checked against
// botocore's output shape of its operation (the script walks the service model).
TEST_F(ServeCatalog, GluePartitionAndVersionOperationsAnswerFromTheStore) {
  auto outcome = race({"glue-api"});
  ASSERT_TRUE(outcome.is_object()) << outcome.dump();
  EXPECT_EQ(outcome["shape_problems"], json::array()) << outcome.dump(2);
  EXPECT_EQ(outcome["batch_get"], json({"d1", "d3"}));  // a partition that does not exist is left out
  EXPECT_EQ(outcome["updated"], json({{"checked", "yes"}}));
  EXPECT_EQ(outcome["update_missing"], "EntityNotFoundException");
  EXPECT_EQ(outcome["delete_errors"], json::array({json::array({json({"d9"}), "EntityNotFoundException"})}));
  EXPECT_EQ(outcome["left"], json({"d2", "d3"}));
  EXPECT_EQ(outcome["get_deleted"], "EntityNotFoundException");
  // UpdateTable with a VersionId that is no longer current is refused; the versions list the current first.
  EXPECT_EQ(outcome["stale_update"], "ConcurrentModificationException");
  EXPECT_EQ(outcome["versions"], json::array({json({"1", "1"}), json::array({"0", nullptr})}));
}

TEST_F(ServeCatalog, KillNineMidwayKeepsEveryAnsweredCallAndTheCatalogLoads) {
  const std::string answered = dir_.path() + "/answered.txt";
  std::vector<std::string> writer{"python3", kRace, "answered", answered, "5000"};
  ChildProcess client(writer, environment(), dir_.path() + "/answered.log");
  // Kill the server once some calls were answered, while the client keeps calling.
  int lines = 0;
  for (int i = 0; i < 600 && lines < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(answered);
    lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
  }
  ASSERT_GE(lines, 40) << "the client did not get 40 answers; see " << dir_.path();
  ::kill(server_->pid(), SIGKILL);
  (void)server_->wait_exit(std::chrono::seconds(10));
  EXPECT_EQ(client.wait_exit(std::chrono::seconds(60)), 0);

  start();
  auto verified = race({"verify-answered", answered});
  EXPECT_GE(verified.value("answered", 0), 40) << verified.dump();
  EXPECT_EQ(verified["missing"], json::array()) << verified.dump();
  EXPECT_EQ(verified["table"], "events");
  // The other reader, the local engine in a second process, loads the catalog too.
  const std::string queries = dir_.write("count.yaml",
                                         "version: 1\ndefaults:\n  database: race\n  output: s3://lake/results/\n"
                                         "queries:\n  rows:\n    sql: SELECT count(*) AS n FROM events\n");
  auto counted =
      run_process({kBinary, "run", "-q", queries, "--all", "--local", "--data-dir", data_dir_, "--format", "csv"}, {},
                  {}, std::chrono::seconds(120));
  EXPECT_EQ(counted.exit_code, 0) << counted.out << counted.err;
  // Registered partitions whose folders hold no file: no rows, as in Athena.
  EXPECT_NE(counted.out.find("\"n\"\n\"0\"\n"), std::string::npos) << counted.out;
}

}  // namespace
}  // namespace athena_runner::testing
