// `athena-runner invoke`: the handler in-process, and the packaged bootstrap under a loopback Runtime API,
// against moto_server.
#include <gtest/gtest.h>

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
  auto packaged = run_process({"bash", AR_SOURCE_DIR "/scripts/package-lambda.sh", "--bootstrap", AR_BOOTSTRAP_PATH,
                               "--launcher", AR_LAUNCHER_PATH, "--output", zip});
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

}  // namespace
}  // namespace athena_runner::lambda
