// The deployment package: scripts/package-lambda.sh zips the bootstrap; the zip is unpacked and run as
// Lambda runs it — an empty environment plus only the variables Lambda (and the CDK stack) set — against
// the loopback Runtime API server, with Athena served by moto_server.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "athena_runner/lambda/runtime_api_emulator.hpp"
#include "aws_clients/client_test_support.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::lambda {
namespace {

using lambda::PostedResult;
using lambda::QueuedEvent;
using nlohmann::json;
using testing::ChildProcess;
using testing::MotoServer;
using testing::run_process;
using RuntimeApiServer = lambda::RuntimeApiEmulator;
using testing::TempDir;
using namespace std::chrono_literals;

constexpr auto kWait = 60s;

class LambdaPackage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    zip_ = dir_->path() + "/athena-runner-lambda.zip";
    task_ = dir_->path() + "/task";
    auto packaged = run_process({"bash", AR_SOURCE_DIR "/scripts/package-lambda.sh", "--bootstrap", AR_BOOTSTRAP_PATH,
                                 "--launcher", AR_LAUNCHER_PATH, "--output", zip_});
    ASSERT_EQ(packaged.exit_code, 0) << packaged.out << packaged.err;
    auto unpacked = run_process({"unzip", "-q", zip_, "-d", task_});
    ASSERT_EQ(unpacked.exit_code, 0) << unpacked.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // argv that runs the package's bootstrap under `env -i` with exactly these variables.
  static std::vector<std::string> lambda_argv(const std::map<std::string, std::string>& variables) {
    std::vector<std::string> argv = {"env", "-i"};
    for (const auto& [name, value] : variables) argv.push_back(name + "=" + value);
    argv.push_back(task_ + "/bootstrap");
    return argv;
  }

  // What Lambda sets for a provided.al2023 function (AWS's "Defined runtime environment variables"),
  // the CDK stack's ATHENA_RUNNER_*, and the one test-only variable pointing the SDK at moto.
  static std::map<std::string, std::string> lambda_environment(const RuntimeApiServer& api, const MotoServer& moto) {
    auto client = moto.client_environment();
    return {{"AWS_LAMBDA_RUNTIME_API", api.endpoint()},
            {"_HANDLER", "bootstrap"},
            {"LAMBDA_TASK_ROOT", task_},
            {"LAMBDA_RUNTIME_DIR", "/var/runtime"},
            {"AWS_REGION", "us-east-1"},
            {"AWS_DEFAULT_REGION", "us-east-1"},
            {"AWS_ACCESS_KEY_ID", client.at("AWS_ACCESS_KEY_ID")},
            {"AWS_SECRET_ACCESS_KEY", client.at("AWS_SECRET_ACCESS_KEY")},
            {"AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"},
            {"AWS_LAMBDA_FUNCTION_NAME", "athena-runner"},
            {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"},
            {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
            {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
            {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/athena-runner"},
            {"AWS_LAMBDA_LOG_STREAM_NAME", "2024/05/02/[$LATEST]0123456789abcdef"},
            {"LANG", "en_US.UTF-8"},
            {"TZ", ":UTC"},
            {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
            {"LD_LIBRARY_PATH",
             "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:"
             "/opt/lib"},
            {"ATHENA_RUNNER_WORKGROUP", "primary"},
            {"ATHENA_RUNNER_CATALOG", "AwsDataCatalog"},
            {"ATHENA_RUNNER_DATABASE", "pizza"},
            {"ATHENA_RUNNER_OUTPUT", "s3://results-bucket/athena-runner/"},
            {"ATHENA_RUNNER_TIMEOUT", "10m"},
            {"ATHENA_RUNNER_LOG_LEVEL", "info"},
            {"AWS_ENDPOINT_URL", moto.endpoint()}};
  }

  static TempDir* dir_;
  static std::string zip_, task_;
};
TempDir* LambdaPackage::dir_ = nullptr;
std::string LambdaPackage::zip_;
std::string LambdaPackage::task_;

TEST_F(LambdaPackage, EveryLibraryResolvesInsideThePackage) {
  struct stat info {};
  ASSERT_EQ(::stat((task_ + "/bootstrap").c_str(), &info), 0);
  EXPECT_TRUE(info.st_mode & S_IXUSR) << "bootstrap must be executable";
  ASSERT_EQ(::stat((task_ + "/share/zoneinfo/Europe/Berlin").c_str(), &info), 0) << "zoneinfo missing";

  // bootstrap itself is static: it needs nothing from the host.
  auto launcher = run_process({"ldd", task_ + "/bootstrap"});
  EXPECT_NE((launcher.out + launcher.err).find("not a dynamic executable"), std::string::npos)
      << launcher.out << launcher.err;

  // The shipped loader lists what it would load, searching only the package's lib/ first.
  auto listed = run_process({"env", "-i", task_ + "/lib/ld-linux-x86-64.so.2", "--list", "--library-path",
                             task_ + "/lib", task_ + "/bin/athena-runner-bootstrap"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::istringstream lines(listed.out);
  int libraries = 0;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.find("not found"), std::string::npos) << line;
    EXPECT_EQ(line.find("duckdb"), std::string::npos) << "the Lambda must not link DuckDB: " << line;
    // Cold start and memory (bench/README.md, lambda_cold_start): our HTTP client, no YAML reader.
    EXPECT_EQ(line.find("libcurl"), std::string::npos) << "the Lambda uses ar_http_lite, not libcurl: " << line;
    EXPECT_EQ(line.find("yaml-cpp"), std::string::npos) << "the Lambda reads no YAML (ar_spec_core): " << line;
    auto arrow = line.find(" => ");
    if (arrow == std::string::npos) continue;
    ++libraries;
    std::string path = line.substr(arrow + 4, line.find(" (") - arrow - 4);
    EXPECT_EQ(path.rfind(task_ + "/lib/", 0), 0u) << "resolved outside the package: " << line;
  }
  EXPECT_GT(libraries, 5) << listed.out;
}

TEST_F(LambdaPackage, RunsWithOnlyTheVariablesLambdaSets) {
  MotoServer moto;
  RuntimeApiServer api;
  ChildProcess function(lambda_argv(lambda_environment(api, moto)), {}, dir_->path() + "/function.log");

  QueuedEvent scheduled;
  scheduled.payload = R"({"query": {"name": "daily_revenue", "sql": "SELECT 1 WHERE ? IS NOT NULL",
      "parameters": ["DATE '{{ scheduled_date | add_days(-1) }}'"], "timezone": "Asia/Tokyo"},
    "scheduled_time": "2024-05-01T16:00:00Z",
    "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/daily_revenue"})";
  auto first = api.enqueue(scheduled);
  QueuedEvent malformed;
  malformed.payload = "{\"query\": ";
  auto second = api.enqueue(malformed);
  auto third = api.enqueue(scheduled);

  auto result = api.wait_result(first, kWait);
  ASSERT_TRUE(result) << testing::read_file(dir_->path() + "/function.log");
  ASSERT_EQ(result->kind, PostedResult::Kind::Response) << result->body;
  auto query = json::parse(result->body)["queries"][0];
  EXPECT_EQ(query["state"], "SUCCEEDED");
  EXPECT_EQ(query["database"], "pizza");  // from ATHENA_RUNNER_DATABASE
  // 16:00 UTC on 1 May is 01:00 on 2 May in Tokyo (UTC+9, no DST): the day before is 1 May.
  auto theirs =
      testing::boto3_call(moto, "athena", "GetQueryExecution", {{"QueryExecutionId", query["query_execution_id"]}});
  EXPECT_EQ(theirs["QueryExecution"]["ExecutionParameters"], json::array({"DATE '2024-05-01'"}));
  EXPECT_EQ(theirs["QueryExecution"]["ResultConfiguration"]["OutputLocation"],
            "s3://results-bucket/athena-runner/" + query["query_execution_id"].get<std::string>() + ".csv");

  auto bad = api.wait_result(second, kWait);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->kind, PostedResult::Kind::Error);
  EXPECT_EQ(bad->error_type_header, "InvalidEvent");
  auto again = api.wait_result(third, kWait);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, PostedResult::Kind::Response);
  EXPECT_TRUE(function.running());

  // env and the bootstrap script exec'd the loader in the same process: its environment shows what the
  // script set. Time zones come from the package (this host also has /usr/share/zoneinfo, so the query
  // above alone cannot tell).
  std::string environ = testing::read_file("/proc/" + std::to_string(function.pid()) + "/environ");
  EXPECT_NE(environ.find(std::string("TZDIR=") + task_ + "/share/zoneinfo" + '\0'), std::string::npos);
  EXPECT_NE(testing::read_file("/proc/" + std::to_string(function.pid()) + "/cmdline")
                .find(task_ + "/lib/ld-linux-x86-64.so.2"),
            std::string::npos);

  const std::string log = testing::read_file(dir_->path() + "/function.log");
  EXPECT_NE(log.find("\"message\":\"query finished\""), std::string::npos) << log;
  EXPECT_EQ(log.find("EXAMPLESESSIONTOKEN"), std::string::npos);
  EXPECT_EQ(log.find(moto.client_environment().at("AWS_SECRET_ACCESS_KEY")), std::string::npos);
}

TEST_F(LambdaPackage, TimeZonesAreReadFromTzdir) {
  // With TZDIR at an empty directory the function knows no zone but UTC: so the zone data it uses is the
  // TZDIR the bootstrap script points at the package's share/zoneinfo (checked above), not the host's.
  MotoServer moto;
  RuntimeApiServer api;
  auto environment = lambda_environment(api, moto);
  environment["TZDIR"] = dir_->path() + "/no-zones";
  ChildProcess function(lambda_argv(environment));
  QueuedEvent event;
  event.payload = R"({"query": {"name": "q", "sql": "SELECT 1", "timezone": "Asia/Tokyo"}})";
  auto id = api.enqueue(event);
  auto result = api.wait_result(id, kWait);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->error_type_header, "InvalidEvent");
  EXPECT_NE(result->body.find("Asia/Tokyo"), std::string::npos) << result->body;
}

TEST_F(LambdaPackage, BadConfigurationIsAnInitError) {
  MotoServer moto;
  RuntimeApiServer api;
  auto environment = lambda_environment(api, moto);
  environment["ATHENA_RUNNER_TIMEOUT"] = "ten minutes";
  ChildProcess function(lambda_argv(environment));
  auto result = api.wait_init_error(kWait);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->error_type_header, "InvalidConfiguration");
  EXPECT_NE(json::parse(result->body)["errorMessage"].get<std::string>().find("ATHENA_RUNNER_TIMEOUT"),
            std::string::npos);
  EXPECT_EQ(function.wait_exit(10s), 1);
  EXPECT_EQ(api.next_requests(), 0);
}

}  // namespace
}  // namespace athena_runner::lambda
