// `athena-runner serve --events-to`: Athena's state-change events, received by the loopback Lambda (the Runtime
// API emulator's Invoke API, read by our runtime loop as the function would). Queries are started by awscli.
// The expected shape is AWS's documented example (docs.aws.amazon.com/athena/latest/ug/athena-events.html),
// copied below; the expected order is Athena's QUEUED -> RUNNING -> final, numbered 1, 2, 3.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "athena_runner/lambda/runtime.hpp"
#include "athena_runner/lambda/runtime_api_emulator.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::testing {
namespace {

using nlohmann::json;
constexpr char kBinary[] = AR_ATHENA_RUNNER_BINARY;

// AWS's example event, as the Athena user guide prints it.
const json kDocumentedExample = json::parse(R"({
  "version":"0", "id":"abcdef00-1234-5678-9abc-def012345678", "detail-type":"Athena Query State Change",
  "source":"aws.athena", "account":"123456789012", "time":"2019-10-06T09:30:10Z", "region":"us-east-1",
  "resources":[ ],
  "detail":{ "versionId":"0", "currentState":"SUCCEEDED", "previousState":"RUNNING", "statementType":"DDL",
             "queryExecutionId":"01234567-0123-0123-0123-012345678901", "workgroupName":"primary",
             "sequenceNumber":"3" } })");

std::vector<std::string> keys_of(const json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The function side: our runtime loop on the emulator, keeping every event it is invoked with.
class Receiver {
 public:
  explicit Receiver(int port = 0) : emulator_(std::make_unique<lambda::RuntimeApiEmulator>(port)) {
    lambda::RuntimeOptions options;
    options.endpoint = emulator_->endpoint();
    options.export_trace_id = false;
    loop_ = std::thread([this, options] {
      (void)lambda::run_handler(
          [this](const lambda::InvocationRequest& request) {
            std::lock_guard lock(mutex_);
            events_.push_back(json::parse(request.payload));
            return lambda::InvocationResponse::success("{}");
          },
          options);
    });
  }
  ~Receiver() {
    emulator_.reset();  // releases the loop's GET /next, which ends it
    loop_.join();
  }
  std::string url() const { return emulator_->invoke_url(); }
  std::vector<json> wait_for(std::size_t count, std::chrono::seconds timeout) {
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < give_up) {
      {
        std::lock_guard lock(mutex_);
        if (events_.size() >= count) return events_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::unique_ptr<lambda::RuntimeApiEmulator> emulator_;
  std::thread loop_;
  std::mutex mutex_;
  std::vector<json> events_;
};

class ServeEvents : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& options) {
    port_ = free_loopback_port();
    std::vector<std::string> argv{
        kBinary, "serve", "--port", std::to_string(port_), "--data-dir", dir_.path() + "/data"};
    argv.insert(argv.end(), options.begin(), options.end());
    serve_ = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{}, log_path());
    ASSERT_TRUE(wait_for_port(port_, std::chrono::seconds(20))) << read_file(log_path());
  }
  std::string log_path() const { return dir_.path() + "/serve.log"; }
  ProcessResult aws(std::vector<std::string> arguments) const {
    arguments.insert(arguments.begin(),
                     {"aws", "--endpoint-url", "http://127.0.0.1:" + std::to_string(port_), "--output", "text"});
    return run_process(arguments, {},
                       {{"AWS_ACCESS_KEY_ID", "test"},
                        {"AWS_SECRET_ACCESS_KEY", "test"},
                        {"AWS_DEFAULT_REGION", "us-east-1"},
                        {"AWS_CONFIG_FILE", dir_.write("aws-config", "")},
                        {"AWS_SHARED_CREDENTIALS_FILE", dir_.write("aws-credentials", "")},
                        {"AWS_PROFILE", "\x01unset"},
                        {"AWS_ENDPOINT_URL", "\x01unset"}},
                       std::chrono::seconds(60));
  }
  std::string start_query(const std::string& sql, const std::string& work_group = "primary") const {
    auto started =
        aws({"athena", "start-query-execution", "--query-string", sql, "--work-group", work_group,
             "--result-configuration", "OutputLocation=s3://athena-results/", "--query", "QueryExecutionId"});
    EXPECT_EQ(started.exit_code, 0) << started.err;
    std::string id = started.out;
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
    return id;
  }
  // The events of one execution, in the order they arrived.
  static std::vector<json> of(const std::vector<json>& events, const std::string& id) {
    std::vector<json> found;
    for (const auto& event : events)
      if (event["detail"].value("queryExecutionId", "") == id) found.push_back(event);
    return found;
  }
  static void expect_three_states(const std::vector<json>& events, const std::string& final_state) {
    ASSERT_EQ(events.size(), 3u);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"QUEUED", ""}, {"RUNNING", "QUEUED"}, {final_state, "RUNNING"}};
    for (std::size_t i = 0; i < 3; ++i) {
      const json& detail = events[i]["detail"];
      EXPECT_EQ(detail["currentState"], expected[i].first) << detail.dump();
      EXPECT_EQ(detail.value("previousState", ""), expected[i].second) << detail.dump();
      EXPECT_EQ(detail["sequenceNumber"], std::to_string(i + 1)) << detail.dump();
      EXPECT_EQ(detail["workgroupName"], "primary");
      EXPECT_EQ(detail["statementType"], "DML");  // a SELECT (Athena's StatementType)
      EXPECT_EQ(detail["versionId"], "0");
    }
  }

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> serve_;
};

TEST_F(ServeEvents, ASucceededAndAFailedQueryEachSendQueuedRunningAndTheirFinalStateInAwsShape) {
  Receiver receiver;
  start({"--events-to", receiver.url(), "--events-work-group", "primary"});
  // A query of another work group comes first: the filter must leave it out.
  ASSERT_EQ(aws({"athena", "create-work-group", "--name", "other", "--configuration",
                 "ResultConfiguration={OutputLocation=s3://athena-results/other/}"})
                .exit_code,
            0);
  const std::string other = start_query("SELECT 2", "other");
  const std::string succeeded = start_query("SELECT 1 AS one");
  const std::string failed = start_query("SELECT * FROM no_such_table");
  ASSERT_FALSE(succeeded.empty());
  ASSERT_FALSE(failed.empty());

  auto events = receiver.wait_for(6, std::chrono::seconds(30));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // anything more would arrive by now
  events = receiver.wait_for(7, std::chrono::seconds(0));
  ASSERT_EQ(events.size(), 6u) << read_file(log_path());
  EXPECT_TRUE(of(events, other).empty());
  expect_three_states(of(events, succeeded), "SUCCEEDED");
  expect_three_states(of(events, failed), "FAILED");

  // The envelope and the detail have exactly the documented keys (QUEUED, the first, has no previousState).
  const std::regex time_format(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  const std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");
  std::vector<std::string> ids;
  for (const auto& event : events) {
    EXPECT_EQ(keys_of(event), keys_of(kDocumentedExample)) << event.dump();
    auto expected_detail = keys_of(kDocumentedExample["detail"]);
    if (event["detail"]["currentState"] == "QUEUED")
      expected_detail.erase(std::find(expected_detail.begin(), expected_detail.end(), "previousState"));
    EXPECT_EQ(keys_of(event["detail"]), expected_detail) << event.dump();
    EXPECT_EQ(event["version"], kDocumentedExample["version"]);
    EXPECT_EQ(event["source"], kDocumentedExample["source"]);
    EXPECT_EQ(event["detail-type"], kDocumentedExample["detail-type"]);
    EXPECT_EQ(event["region"], "us-east-1");
    EXPECT_EQ(event["resources"], json::array());
    EXPECT_TRUE(std::regex_match(event["time"].get<std::string>(), time_format)) << event["time"];
    EXPECT_TRUE(std::regex_match(event["id"].get<std::string>(), uuid)) << event["id"];
    ids.push_back(event["id"]);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end()) << "event ids must differ";

  // The events agree with what GetQueryExecution says afterwards.
  auto state =
      aws({"athena", "get-query-execution", "--query-execution-id", failed, "--query", "QueryExecution.Status.State"});
  EXPECT_EQ(state.out, "FAILED\n");
}

// At least once, bounded: a target that is not listening yet gets the events when it comes up within the retries
// (in order); with one attempt and nobody listening, the event is dropped and the server says so.
TEST_F(ServeEvents, EventsAreRetriedUntilTheTargetListens) {
  const int target_port = free_loopback_port();
  start({"--events-to",
         "http://127.0.0.1:" + std::to_string(target_port) + "/2015-03-31/functions/athena-runner/invocations"});
  const std::string id = start_query("SELECT 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // the first attempts fail: nobody listens
  Receiver receiver(target_port);
  auto events = receiver.wait_for(3, std::chrono::seconds(30));
  expect_three_states(of(events, id), "SUCCEEDED");
  EXPECT_EQ(read_file(log_path()).find("dropped"), std::string::npos) << read_file(log_path());
}

TEST_F(ServeEvents, WithOneAttemptAndNoListenerTheEventIsDroppedAndLogged) {
  const int target_port = free_loopback_port();
  start({"--events-max-attempts", "1", "--events-to",
         "http://127.0.0.1:" + std::to_string(target_port) + "/2015-03-31/functions/athena-runner/invocations"});
  (void)start_query("SELECT 1");
  for (int waited = 0; waited < 100 && read_file(log_path()).find("dropped") == std::string::npos; ++waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(read_file(log_path())
                .find("dropped a state-change event for http://127.0.0.1:" + std::to_string(target_port) +
                      "/2015-03-31/functions/athena-runner/invocations "
                      "after 1 attempt(s)"),
            std::string::npos)
      << read_file(log_path());
}

TEST(ServeEventsOptions, ATargetThatIsNotAUrlIsRefusedBeforeServing) {
  TempDir dir;
  auto result = run_process(
      {kBinary, "serve", "--port", "0", "--data-dir", dir.path() + "/data", "--events-to", "127.0.0.1:9001"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("--events-to must be a Lambda Invoke URL such as "
                            "http://127.0.0.1:9001/2015-03-31/functions/athena-runner/invocations, not "
                            "'127.0.0.1:9001'"),
            std::string::npos)
      << result.err;
}

// The hold knob: a query that finished at once still reads RUNNING, then SUCCEEDED once the hold is over.
TEST_F(ServeEvents, HoldRunningKeepsAFinishedQueryRunningForTheGivenTime) {
  start({"--hold-running", "8s"});  // long enough for two awscli calls on a loaded machine
  const auto started = std::chrono::steady_clock::now();
  const std::string id = start_query("SELECT 1");
  auto state = [&] {
    return aws({"athena", "get-query-execution", "--query-execution-id", id, "--query", "QueryExecution.Status.State"})
        .out;
  };
  EXPECT_EQ(state(), "RUNNING\n");
  auto results = aws({"athena", "get-query-results", "--query-execution-id", id});
  EXPECT_NE(results.err.find("Query has not yet finished. Current state: RUNNING"), std::string::npos) << results.err;
  std::string last;
  while (std::chrono::steady_clock::now() - started < std::chrono::seconds(40) && (last = state()) == "RUNNING\n")
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(last, "SUCCEEDED\n");
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
}

// A query stopped while it runs (held RUNNING, so it is still running when awscli stops it) sends CANCELLED.
TEST_F(ServeEvents, AStoppedQuerySendsCancelledAfterRunning) {
  Receiver receiver;
  start({"--events-to", receiver.url(), "--hold-running", "60s"});
  const std::string id = start_query("SELECT 1");
  auto running = receiver.wait_for(2, std::chrono::seconds(30));
  ASSERT_EQ(running.size(), 2u);
  EXPECT_EQ(running[1]["detail"]["currentState"], "RUNNING");
  ASSERT_EQ(aws({"athena", "stop-query-execution", "--query-execution-id", id}).exit_code, 0);
  auto events = receiver.wait_for(3, std::chrono::seconds(30));
  expect_three_states(of(events, id), "CANCELLED");
  auto state = aws({"athena", "get-query-execution", "--query-execution-id", id, "--query",
                    "[QueryExecution.Status.State, QueryExecution.Status.StateChangeReason]"});
  EXPECT_EQ(state.out, "CANCELLED\tQuery cancelled by user\n");
}

// scripts/local-endpoint.sh --events: the whole flow on one machine with the packaged bootstrap. The tick starts
// daily_revenue; serve's events make the function finish it and start weekly_top_pizzas (`after` it), whose
// events finish that. Each result must equal the same slot run by the CLI directly on the sample folder.
TEST(LocalEndpointScript, EventsModeFinishesTheRunAndItsDependentFromServesEvents) {
#if defined(AR_BOOTSTRAP_PATH)
  namespace fs = std::filesystem;
  const fs::path build = fs::path(kBinary).parent_path().parent_path().parent_path();
  ASSERT_TRUE(fs::exists(build / "examples/generator/generate-sample")) << "generate-sample is not built";
  TempDir dir;
  const std::string zip = dir.path() + "/athena-runner-lambda.zip";
  auto packaged = run_process({"bash", std::string(AR_SOURCE_DIR) + "/scripts/package-lambda.sh", "--bootstrap",
                               AR_BOOTSTRAP_PATH, "--launcher", AR_LAUNCHER_PATH, "--output", zip},
                              {}, {}, std::chrono::seconds(300));
  ASSERT_EQ(packaged.exit_code, 0) << packaged.out << packaged.err;
  const std::string work = dir.path() + "/work";
  auto script = run_process({std::string(AR_SOURCE_DIR) + "/scripts/local-endpoint.sh", "--events"}, {},
                            {{"BUILD", build.string()},
                             {"ZIP", zip},
                             {"WORK_DIR", work},
                             {"SLOT", "2024-01-15T05:00:00Z"},
                             {"TIMEOUT", "120"}},
                            std::chrono::seconds(300));
  ASSERT_EQ(script.exit_code, 0) << script.out << script.err;
  // The tick only starts; the upstream is finished by an event, then the dependent by one of its own.
  const auto tick = script.out.find("queued direct");
  const auto upstream = script.out.find("daily_revenue SUCCEEDED");
  const auto dependent = script.out.find("weekly_top_pizzas SUCCEEDED");
  ASSERT_NE(tick, std::string::npos) << script.out;
  ASSERT_NE(upstream, std::string::npos) << script.out;
  ASSERT_NE(dependent, std::string::npos) << script.out;
  EXPECT_LT(tick, upstream);
  EXPECT_LT(upstream, dependent);
  EXPECT_NE(script.out.rfind("invoke query-state-change", upstream), std::string::npos) << script.out;
  // Every invocation answered: one line per invocation in the function's log of them, none failed.
  const std::string invocations = read_file(work + "/invocations.jsonl");
  EXPECT_EQ(invocations.find("\"succeeded\":false"), std::string::npos) << invocations;

  // Each run's finish delivered its result: a key named by the slot's date, and gzip under a prefix, named
  // <query>_<slot in UTC> (docs/queries-file.md, "Delivery"); the rows below are read back from there.
  EXPECT_NE(script.out.find("delivered to s3://example-reports/daily_revenue/2024-01-15.csv)"), std::string::npos)
      << script.out;
  EXPECT_NE(script.out.find("delivered to s3://example-reports/weekly_top_pizzas/"
                            "weekly_top_pizzas_20240115T050000Z.csv.gz)"),
            std::string::npos)
      << script.out;
  for (const std::string name : {"daily_revenue", "weekly_top_pizzas"}) {
    const auto section = script.out.find("--- " + name + " (");
    ASSERT_NE(section, std::string::npos) << script.out;
    const auto header_end = script.out.find('\n', script.out.find('\n', section) + 1);
    const std::string first_row = script.out.substr(header_end + 1, script.out.find('\n', header_end + 1) - header_end);
    auto direct_run =
        run_process({kBinary, "run", "-q", std::string(AR_SOURCE_DIR) + "/examples/queries.yaml", name, "--at",
                     "2024-01-15T05:00:00Z", "--local", "--data-dir", work + "/sample", "--format", "csv"},
                    {}, {{"AWS_ENDPOINT_URL", "\x01unset"}});
    ASSERT_EQ(direct_run.exit_code, 0) << direct_run.err;
    EXPECT_NE(direct_run.out.find(first_row), std::string::npos) << name << ": endpoint " << first_row << "direct:\n"
                                                                 << direct_run.out;
  }
#else
  GTEST_FAIL() << "this build has no Lambda bootstrap or no local engine: the whole-system test can not run";
#endif
}

}  // namespace
}  // namespace athena_runner::testing
