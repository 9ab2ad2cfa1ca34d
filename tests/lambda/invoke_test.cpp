// `athena-runner invoke`: the handler in-process, and the packaged bootstrap under a loopback Runtime API,
// against moto_server.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/moto_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::lambda {
namespace {

using nlohmann::json;
using testing::MotoServer;
using testing::run_process;
using testing::TempDir;

constexpr char kEvent[] = R"({"query": {"name": "daily", "sql": "SELECT 1", "output": "s3://results/invoke/"},
  "scheduled_time": "2024-05-02T04:00:00Z"})";

class Invoke : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { moto_ = new MotoServer(); }
  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }
  std::map<std::string, std::string> environment() const {
    auto variables = moto_->client_environment();
    variables["ATHENA_RUNNER_DATABASE"] = "pizza";
    return variables;
  }
  static MotoServer* moto_;
  TempDir dir_;
};
MotoServer* Invoke::moto_ = nullptr;

TEST_F(Invoke, InProcessPrintsTheResponse) {
  auto event = dir_.write("event.json", kEvent);
  auto result = run_process({AR_CLI_PATH, "invoke", "--event", event}, {}, environment());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto response = json::parse(result.out);
  ASSERT_EQ(response["queries"].size(), 1u);
  EXPECT_EQ(response["queries"][0]["state"], "SUCCEEDED");
  EXPECT_EQ(response["queries"][0]["database"], "pizza");
  EXPECT_NE(result.err.find("\"message\":\"query finished\""), std::string::npos);  // logs on stderr
}

TEST_F(Invoke, FailedInvocationExitsOneWithTheErrorDocument) {
  auto result = run_process({AR_CLI_PATH, "invoke", "--event", "-"}, R"({"query": {"name": "q"}})", environment());
  EXPECT_EQ(result.exit_code, 1);
  auto document = json::parse(result.out);
  EXPECT_EQ(document["errorType"], "InvalidEvent");
  EXPECT_TRUE(document["stackTrace"].is_array());
}

TEST_F(Invoke, PackageRunsTheBootstrapAsLambdaWould) {
  const std::string zip = dir_.path() + "/athena-runner-lambda.zip";
  auto packaged = run_process({"bash", std::string(AR_SOURCE_DIR) + "/scripts/package-lambda.sh", "--bootstrap",
                               AR_BOOTSTRAP_PATH, "--launcher", AR_LAUNCHER_PATH, "--output", zip});
  ASSERT_EQ(packaged.exit_code, 0) << packaged.err;
  auto event = dir_.write("event.json", kEvent);
  auto result = run_process({AR_CLI_PATH, "invoke", "--event", event, "--package", "--zip", zip}, {}, environment());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto response = json::parse(result.out);
  EXPECT_EQ(response["queries"][0]["state"], "SUCCEEDED");
  EXPECT_EQ(response["request_id"], "00000000-0000-4000-8000-000000000001");
  // The credentials reached the function through its environment, never its logs.
  EXPECT_EQ(result.err.find(moto_->client_environment().at("AWS_SECRET_ACCESS_KEY")), std::string::npos);

  auto bad = run_process({AR_CLI_PATH, "invoke", "--event", event, "--package", "--zip", zip}, {}, [&] {
    auto variables = environment();
    variables["ATHENA_RUNNER_LOG_LEVEL"] = "loud";
    return variables;
  }());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(json::parse(bad.out)["errorType"], "InvalidConfiguration");
  EXPECT_NE(bad.err.find("init error"), std::string::npos) << bad.err;
}

// --invoke-port: after its event the function keeps running behind Lambda's Invoke API (here invoked by boto3),
// one JSON line per answered invocation, until SIGTERM; exit 0 when every invocation succeeded.
TEST_F(Invoke, InvokePortKeepsTheFunctionRunningBehindLambdasInvokeApi) {
  const std::string zip = dir_.path() + "/athena-runner-lambda.zip";
  auto packaged = run_process({"bash", std::string(AR_SOURCE_DIR) + "/scripts/package-lambda.sh", "--bootstrap",
                               AR_BOOTSTRAP_PATH, "--launcher", AR_LAUNCHER_PATH, "--output", zip});
  ASSERT_EQ(packaged.exit_code, 0) << packaged.err;
  const std::string event = dir_.write("event.json", kEvent);
  const int port = testing::free_loopback_port();
  const std::string log = dir_.path() + "/invoke.log";
  testing::ChildProcess function(
      {AR_CLI_PATH, "invoke", "--event", event, "--package", "--zip", zip, "--invoke-port", std::to_string(port)},
      environment(), log);
  ASSERT_TRUE(testing::wait_for_port(port, std::chrono::seconds(30)));
  const std::string script = R"(
import json, sys, boto3
client = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1")
answer = client.invoke(FunctionName="athena-runner", Payload=json.dumps(json.loads(sys.argv[2]) |
                       {"scheduled_time": "2024-05-03T04:00:00Z"}))
print(json.loads(answer["Payload"].read())["queries"][0]["state"])
)";
  auto invoked = run_process({"python3", "-c", script, "http://127.0.0.1:" + std::to_string(port), kEvent}, {},
                             environment(), std::chrono::seconds(60));
  EXPECT_EQ(invoked.out, "SUCCEEDED\n") << invoked.err;
  ::kill(function.pid(), SIGTERM);
  EXPECT_EQ(function.wait_exit(std::chrono::seconds(20)), 0);

  std::vector<json> lines;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("{\"request_id\"", 0) == 0) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["source"], "queued");
  EXPECT_EQ(lines[1]["source"], "invoke");
  for (const auto& line : lines) {
    EXPECT_EQ(line["succeeded"], true) << line.dump();
    EXPECT_GE(line["billed_duration_ms"].get<int>(), 1);
    EXPECT_EQ(line["response"]["queries"][0]["state"], "SUCCEEDED");
  }
  EXPECT_EQ(lines[1]["response"]["scheduled_time"], "2024-05-03T04:00:00Z");
}

TEST_F(Invoke, InvokePortWithoutPackageIsAUsageError) {
  auto result = run_process({AR_CLI_PATH, "invoke", "--event", dir_.write("event.json", kEvent), "--invoke-port", "0"},
                            {}, environment());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--invoke-port needs --package"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace athena_runner::lambda
