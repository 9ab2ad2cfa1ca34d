// The handler against moto_server's Athena API, through the real Athena engine. Where moto cannot play
// Athena (it never reports FAILED, and ignores ClientRequestToken), a thin engine decorator plays exactly
// that part, as Athena documents it, and says so.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "athena_runner/engine/athena_query_engine.hpp"
#include "athena_runner/lambda/handler.hpp"
#include "aws_clients/client_test_support.hpp"

namespace athena_runner::lambda {
namespace {

using nlohmann::json;
using testing::boto3_call;
using testing::MotoServer;
using namespace std::chrono_literals;

constexpr char kFailMarker[] = "fail_me";

// Passes everything to the real engine (moto), except what moto cannot do:
// * BatchGetQueryExecution (not implemented by moto 5) is answered with GetQueryExecution per id;
// * executions whose SQL contains kFailMarker report FAILED with an AthenaError, as Athena would;
// * with `idempotent`, a repeated ClientRequestToken returns the first QueryExecutionId (Athena's
//   documented idempotency; moto starts a new execution every time).
class AthenaBehaviour : public runner::QueryEngine {
 public:
  explicit AthenaBehaviour(std::unique_ptr<runner::QueryEngine> inner) : inner_(std::move(inner)) {}
  bool idempotent = false;
  std::vector<std::string> tokens;  // every token sent

  std::string_view name() const override { return inner_->name(); }
  std::string describe() const override { return inner_->describe(); }
  Outcome<std::string> start(const aws::athena::StartQueryExecutionRequest& request) override {
    std::lock_guard lock(mutex_);
    const std::string token = request.client_request_token.value_or("");
    tokens.push_back(token);
    if (idempotent) {
      if (auto found = ids_by_token_.find(token); found != ids_by_token_.end()) return found->second;
    }
    auto id = inner_->start(request);
    if (!id) return id;
    if (idempotent) ids_by_token_[token] = *id;
    if (request.query_string.find(kFailMarker) != std::string::npos) failing_.insert(*id);
    return id;
  }
  Outcome<aws::athena::QueryExecution> get(std::string_view id) override {
    auto execution = inner_->get(id);
    if (execution) fail_if_marked(*execution);
    return execution;
  }
  Outcome<aws::athena::BatchGetQueryExecutionResult> batch_get(const std::vector<std::string>& ids) override {
    // moto does not implement BatchGetQueryExecution: answer it with one GetQueryExecution per id.
    aws::athena::BatchGetQueryExecutionResult result;
    for (const auto& id : ids) {
      auto execution = get(id);
      if (!execution) return std::move(execution).get_failure();
      result.query_executions.push_back(std::move(execution).get_result());
    }
    return result;
  }
  Status stop(std::string_view id) override { return inner_->stop(id); }
  Outcome<aws::athena::QueryRuntimeStatistics> runtime_statistics(std::string_view id) override {
    return inner_->runtime_statistics(id);
  }
  Status stream_result_csv(const aws::athena::QueryExecution& execution, const runner::ByteSink& sink) override {
    return inner_->stream_result_csv(execution, sink);
  }
  Outcome<aws::athena::QueryResultsTable> results(std::string_view id, std::size_t max_rows) override {
    return inner_->results(id, max_rows);
  }

 private:
  void fail_if_marked(aws::athena::QueryExecution& execution) {
    std::lock_guard lock(mutex_);
    if (failing_.count(execution.query_execution_id) == 0) return;
    execution.status.state = aws::athena::QueryExecutionState::Failed;
    execution.status.state_text = "FAILED";
    execution.status.state_change_reason =
        "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.lake.nope' does not exist";
    execution.status.athena_error = aws::athena::AthenaError{2, 1301, false, execution.status.state_change_reason};
  }
  std::unique_ptr<runner::QueryEngine> inner_;
  std::mutex mutex_;
  std::map<std::string, std::string> ids_by_token_;
  std::set<std::string> failing_;
};

class HandlerMoto : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new MotoServer();
    context_ = testing::moto_context(*moto_, aws::lite_http_backend());  // as the bootstrap runs
  }
  static void TearDownTestSuite() {
    context_.reset();
    delete moto_;
    moto_ = nullptr;
  }
  void SetUp() override {
    engine_ = std::make_unique<AthenaBehaviour>(engine::make_athena_query_engine(context_));
    config_.defaults.database = "lake";
    config_.defaults.output = "s3://results-bucket/athena/";
    config_.poll = {10ms, 1.5, 100ms};
    config_.deadline_margin = 500ms;
  }

  InvocationResponse invoke(const std::string& payload,
                            std::chrono::milliseconds remaining = std::chrono::milliseconds(60000)) {
    InvocationRequest request;
    request.request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
    request.payload = payload;
    request.deadline = std::chrono::system_clock::now() + remaining;
    QueryHandler handler(config_, *engine_, Clock::system(), log_);
    return handler(request);
  }

  // Every log line is one JSON object; returns them.
  std::vector<json> log_lines() const {
    std::vector<json> lines;
    std::istringstream in(log_.str());
    for (std::string line; std::getline(in, line);) {
      json parsed = json::parse(line, nullptr, false);
      EXPECT_FALSE(parsed.is_discarded()) << line;
      lines.push_back(parsed);
    }
    return lines;
  }

  void set_athena_transition(const json& transition) {
    auto http = aws::make_lite_http_client({});
    aws::HttpRequest request;
    request.method = "POST";
    request.scheme = "http";
    request.host = "127.0.0.1:" + std::to_string(moto_->port());
    request.path =
        transition.is_null() ? "/moto-api/state-manager/unset-transition" : "/moto-api/state-manager/set-transition";
    json body = {{"model_name", "athena::execution"}};
    if (!transition.is_null()) body["transition"] = transition;
    request.body = body.dump();
    auto response = http->send(request);
    ASSERT_TRUE(response) << response.get_failure().to_string();
    ASSERT_LT(response->status, 300) << response->body;
  }

  static MotoServer* moto_;
  static std::shared_ptr<aws::ClientContext> context_;
  std::unique_ptr<AthenaBehaviour> engine_;
  HandlerConfig config_;
  std::ostringstream log_;
};
MotoServer* HandlerMoto::moto_ = nullptr;
std::shared_ptr<aws::ClientContext> HandlerMoto::context_;

TEST_F(HandlerMoto, SchedulerPayloadRunsTheRenderedQuery) {
  auto response = invoke(R"({
    "query": {"name": "daily_revenue", "sql": "SELECT sum(x) FROM t WHERE d = ?",
              "parameters": ["DATE '{{ scheduled_date | add_days(-1) }}'"], "workgroup": "primary",
              "catalog": "AwsDataCatalog", "database": "pizza", "output": "s3://results-bucket/athena/",
              "timeout": "10m", "timezone": "Europe/Berlin"},
    "scheduled_time": "2024-05-01T22:30:00Z",
    "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/daily_revenue"})");
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto body = json::parse(response.payload());
  EXPECT_EQ(body["event"], "scheduler");
  EXPECT_EQ(body["failed"], 0);
  ASSERT_EQ(body["queries"].size(), 1u);
  const auto& query = body["queries"][0];
  const std::string id = query["query_execution_id"];
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(query["name"], "daily_revenue");
  EXPECT_EQ(query["state"], "SUCCEEDED");
  EXPECT_EQ(query["output_location"], "s3://results-bucket/athena/" + id + ".csv");
  EXPECT_EQ(query["data_scanned_bytes"], 0);
  EXPECT_EQ(query["estimated_cost_usd"], 0.0);
  EXPECT_EQ(query["scheduled_time"], "2024-05-01T22:30:00Z");

  // What moto received, read back with boto3: 22:30 UTC on 1 May is 00:30 on 2 May in Berlin (CEST,
  // UTC+2), so the day before the scheduled date is 1 May.
  auto theirs = boto3_call(*moto_, "athena", "GetQueryExecution", {{"QueryExecutionId", id}});
  EXPECT_EQ(theirs["QueryExecution"]["Query"], "SELECT sum(x) FROM t WHERE d = ?");
  EXPECT_EQ(theirs["QueryExecution"]["ExecutionParameters"], json::array({"DATE '2024-05-01'"}));
  EXPECT_EQ(theirs["QueryExecution"]["QueryExecutionContext"]["Database"], "pizza");

  auto lines = log_lines();
  std::vector<std::string> messages;
  for (const auto& line : lines) {
    messages.push_back(line["message"]);
    EXPECT_EQ(line["request_id"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    EXPECT_TRUE(line.contains("time") && line.contains("level"));
  }
  EXPECT_EQ(messages.front(), "invocation started");
  EXPECT_EQ(messages.back(), "invocation finished");
  bool started = false, finished = false;
  for (const auto& line : lines) {
    if (line["message"] == "query started") started = line["query_execution_id"] == id;
    if (line["message"] == "query finished")
      finished = line["query_execution_id"] == id && line["state"] == "SUCCEEDED" && line.contains("wall_time_ms");
  }
  EXPECT_TRUE(started) << log_.str();
  EXPECT_TRUE(finished) << log_.str();
  EXPECT_EQ(log_.str().find("wJalrXUtnFEMI"), std::string::npos);
}

TEST_F(HandlerMoto, ClassicScheduledEventRunsTheConfiguredQueries) {
  config_.scheduled_event_queries = R"([{"name": "a", "sql": "SELECT 1"}, {"name": "b", "sql": "SELECT 2"}])";
  auto response = invoke(R"({"version": "0", "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
    "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
    "time": "2016-12-30T18:44:49Z", "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/SampleRule"], "detail": {}})");
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto body = json::parse(response.payload());
  EXPECT_EQ(body["event"], "scheduled-event");
  EXPECT_EQ(body["scheduled_time"], "2016-12-30T18:44:49Z");
  ASSERT_EQ(body["queries"].size(), 2u);
  EXPECT_EQ(body["queries"][1]["name"], "b");
  EXPECT_EQ(body["queries"][1]["state"], "SUCCEEDED");
  EXPECT_NE(body["queries"][0]["query_execution_id"], body["queries"][1]["query_execution_id"]);
}

TEST_F(HandlerMoto, DirectInvocationWithoutWaitingReturnsAfterTheStart) {
  auto response =
      invoke(R"({"queries": [{"name": "a", "sql": "SELECT 1"}, {"name": "b", "sql": "SELECT 2"}], "wait": false})");
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto body = json::parse(response.payload());
  EXPECT_EQ(body["event"], "direct");
  for (const auto& query : body["queries"]) {
    EXPECT_FALSE(query["query_execution_id"].get<std::string>().empty());
    EXPECT_EQ(query["polls"], 0) << query;
  }
}

TEST_F(HandlerMoto, FailedQueryFailsTheInvocation) {
  auto response = invoke(R"({"queries": [{"name": "good", "sql": "SELECT 1"},
                                         {"name": "bad", "sql": "SELECT * FROM fail_me"}]})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "QueryFailed");
  EXPECT_EQ(response.error_message().rfind("1 of 2 queries failed: bad: FAILED (", 0), 0u) << response.error_message();
  EXPECT_NE(response.error_message().find("TABLE_NOT_FOUND"), std::string::npos);
  EXPECT_EQ(response.error_message().find("good"), std::string::npos);
  bool logged = false;
  for (const auto& line : log_lines())
    if (line["message"] == "query finished" && line["query"] == "bad") logged = line["level"] == "error";
  EXPECT_TRUE(logged) << log_.str();
}

TEST_F(HandlerMoto, BadTemplateFailsBeforeAnyQueryStarts) {
  auto response = invoke(R"({"queries": [{"name": "ok", "sql": "SELECT 1"},
                                         {"name": "broken", "sql": "SELECT '{{ nope }}'"}]})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "InvalidEvent");
  EXPECT_NE(response.error_message().find("queries[1]"), std::string::npos) << response.error_message();
  EXPECT_TRUE(engine_->tokens.empty());
}

TEST_F(HandlerMoto, InvalidEventFailsWithInvalidEvent) {
  auto response = invoke(R"({"query": {"name": "q"}})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "InvalidEvent");
  EXPECT_TRUE(engine_->tokens.empty());
}

TEST_F(HandlerMoto, DuplicateDeliveryOfOneSlotYieldsTheSameExecution) {
  engine_->idempotent = true;
  const std::string payload =
      R"({"query": {"name": "daily", "sql": "SELECT 1"}, "scheduled_time": "2024-05-02T04:00:00Z",
    "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/daily"})";
  auto first = invoke(payload);
  auto second = invoke(payload);
  ASSERT_TRUE(first.is_success()) << first.error_message();
  ASSERT_TRUE(second.is_success()) << second.error_message();
  auto a = json::parse(first.payload())["queries"][0];
  auto b = json::parse(second.payload())["queries"][0];
  ASSERT_EQ(engine_->tokens.size(), 2u);
  EXPECT_EQ(engine_->tokens[0], engine_->tokens[1]);
  EXPECT_EQ(a["client_request_token"], engine_->tokens[0]);
  EXPECT_EQ(a["query_execution_id"], b["query_execution_id"]);

  // The next slot is another run.
  std::string next_slot = payload;
  next_slot.replace(next_slot.find("04:00:00"), 8, "05:00:00");
  auto third = invoke(next_slot);
  ASSERT_TRUE(third.is_success());
  EXPECT_NE(engine_->tokens[2], engine_->tokens[0]);
  EXPECT_NE(json::parse(third.payload())["queries"][0]["query_execution_id"], a["query_execution_id"]);
}

TEST_F(HandlerMoto, DeadlineStopsTheQueryBeforeTheInvocationEnds) {
  set_athena_transition({{"progression", "time"}, {"seconds", 120}});  // stays QUEUED for two minutes
  const auto before = std::chrono::steady_clock::now();
  auto response = invoke(R"({"query": {"name": "slow", "sql": "SELECT 1"}})", 2000ms);
  const auto elapsed = std::chrono::steady_clock::now() - before;
  set_athena_transition(nullptr);
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "QueryTimedOut");
  EXPECT_NE(response.error_message().find("deadline"), std::string::npos) << response.error_message();
  EXPECT_LT(elapsed, 2000ms);  // answered before the invocation's deadline
  EXPECT_GE(elapsed, 1400ms);  // and not before deadline - margin (2000 - 500 ms, less scheduling slack)
  const std::string message = response.error_message();
  const auto open = message.find('(');
  const std::string id = message.substr(open + 1, message.find(')') - open - 1);
  auto theirs = boto3_call(*moto_, "athena", "GetQueryExecution", {{"QueryExecutionId", id}});
  EXPECT_EQ(theirs["QueryExecution"]["Status"]["State"], "CANCELLED");  // StopQueryExecution reached moto
}

TEST_F(HandlerMoto, DeadlineCanLeaveTheQueryRunning) {
  set_athena_transition({{"progression", "time"}, {"seconds", 120}});
  auto response = invoke(R"({"query": {"name": "slow", "sql": "SELECT 1"}, "on_deadline": "leave-running"})", 1500ms);
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "QueryStillRunning");
  const std::string message = response.error_message();
  const auto open = message.find('(');
  const std::string id = message.substr(open + 1, message.find(')') - open - 1);
  auto theirs = boto3_call(*moto_, "athena", "GetQueryExecution", {{"QueryExecutionId", id}});
  set_athena_transition(nullptr);
  EXPECT_EQ(theirs["QueryExecution"]["Status"]["State"], "QUEUED");  // not stopped
}

}  // namespace
}  // namespace athena_runner::lambda
