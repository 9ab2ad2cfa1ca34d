// Event shapes and configuration from the environment (no network).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "athena_runner/lambda/handler.hpp"

namespace athena_runner::lambda {
namespace {

using namespace std::chrono_literals;

// 2024-05-02T04:00:00Z, computed independently: 19845 days after 1970-01-01 (python3 -c
// "import datetime;print(datetime.date(2024,5,2).toordinal()-datetime.date(1970,1,1).toordinal())").
constexpr spec::Instant kScheduled{std::chrono::seconds(19845LL * 86400 + 4 * 3600)};
constexpr spec::Instant kNow{std::chrono::seconds(1'700'000'000)};

constexpr char kSchedulerPayload[] = R"({
  "query": {
    "name": "daily_revenue",
    "sql": "SELECT 1 WHERE ? = ?",
    "parameters": ["DATE '{{ scheduled_date | add_days(-1) }}'", "'x'"],
    "workgroup": "reports",
    "catalog": "AwsDataCatalog",
    "database": "pizza",
    "output": "s3://example-athena-results/athena-runner/",
    "timeout": "10m",
    "timezone": "Europe/Berlin",
    "result_reuse": "60m",
    "encryption": {"type": "SSE_S3"},
    "expected_bucket_owner": "123456789012"
  },
  "scheduled_time": "2024-05-02T04:00:00Z",
  "schedule_arn": "arn:aws:scheduler:eu-central-1:123456789012:schedule/default/daily_revenue"
})";

HandlerConfig config_with_database() {
  HandlerConfig config;
  config.defaults.database = "lake";
  config.defaults.output = "s3://env-results/prefix/";
  return config;
}

TEST(LambdaEvent, SchedulerPayloadAsTheCdkStackSendsIt) {
  auto event = parse_event(kSchedulerPayload, {}, kNow);
  ASSERT_TRUE(event) << event.get_failure().to_string();
  EXPECT_EQ(event->kind, EventKind::SchedulerPayload);
  EXPECT_EQ(event->scheduled_time, kScheduled);
  EXPECT_EQ(event->source_arn, "arn:aws:scheduler:eu-central-1:123456789012:schedule/default/daily_revenue");
  EXPECT_TRUE(event->wait);
  ASSERT_EQ(event->queries.size(), 1u);
  const auto& query = event->queries[0];
  EXPECT_EQ(query.name, "daily_revenue");
  EXPECT_EQ(query.workgroup, "reports");
  EXPECT_EQ(query.database, "pizza");
  EXPECT_EQ(query.timezone, "Europe/Berlin");
  EXPECT_EQ(query.timeout, 600s);
  EXPECT_EQ(query.result_reuse, std::chrono::minutes(60));
  EXPECT_EQ(query.parameters.size(), 2u);
}

TEST(LambdaEvent, SchedulerPayloadNeedsItsScheduledTime) {
  auto event = parse_event(
      R"({"query": {"name": "q", "sql": "SELECT 1", "database": "d"}, "schedule_arn": "arn:aws:scheduler:x"})", {},
      kNow);
  ASSERT_FALSE(event);
  EXPECT_EQ(event.get_failure().code, "InvalidEvent");
  EXPECT_NE(event.get_failure().message.find("scheduled_time"), std::string::npos);
}

TEST(LambdaEvent, ClassicScheduledEventTakesItsTimeAndTheQueriesFromTheEnvironment) {
  // The example event of AWS's "Scheduled Event" documentation.
  constexpr char kScheduledEvent[] = R"({
    "version": "0", "id": "89d1a02d-5ec7-412e-82f5-13505f849b41", "detail-type": "Scheduled Event",
    "source": "aws.events", "account": "123456789012", "time": "2016-12-30T18:44:49Z", "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/SampleRule"], "detail": {}})";
  auto missing = parse_event(kScheduledEvent, config_with_database(), kNow);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.get_failure().message.find("ATHENA_RUNNER_QUERIES"), std::string::npos);

  auto environment = aws::Environment::from_map(
      {{"ATHENA_RUNNER_DATABASE", "lake"},
       {"ATHENA_RUNNER_QUERIES", R"([{"name": "a", "sql": "SELECT 1"}, {"name": "b", "sql": "SELECT 2"}])"}});
  auto config = config_from_environment(environment);
  ASSERT_TRUE(config) << config.get_failure().to_string();
  auto event = parse_event(kScheduledEvent, *config, kNow);
  ASSERT_TRUE(event) << event.get_failure().to_string();
  EXPECT_EQ(event->kind, EventKind::ScheduledEvent);
  // 2016-12-30 is day 17165 since the epoch.
  EXPECT_EQ(event->scheduled_time, spec::Instant(std::chrono::seconds(17165LL * 86400 + 18 * 3600 + 44 * 60 + 49)));
  EXPECT_EQ(event->source_arn, "arn:aws:events:us-east-1:123456789012:rule/SampleRule");
  ASSERT_EQ(event->queries.size(), 2u);
  EXPECT_EQ(event->queries[1].name, "b");
  EXPECT_EQ(event->queries[1].database, "lake");
}

TEST(LambdaEvent, DirectInvocationShapes) {
  auto config = config_with_database();
  auto one = parse_event(
      R"({"query": {"name": "q", "sql": "SELECT 1"}, "wait": false, "on_deadline": "leave-running"})", config, kNow);
  ASSERT_TRUE(one) << one.get_failure().to_string();
  EXPECT_EQ(one->kind, EventKind::Direct);
  EXPECT_EQ(one->scheduled_time, kNow);  // omitted: now
  EXPECT_FALSE(one->wait);
  EXPECT_EQ(one->on_deadline, runner::GiveUpAction::LeaveRunning);
  EXPECT_EQ(one->queries[0].database, "lake");
  EXPECT_EQ(one->queries[0].output, "s3://env-results/prefix/");

  auto list = parse_event(
      R"({"queries": [{"name": "a", "sql": "SELECT 1"}, {"name": "b", "sql": "SELECT 2", "database": "other"}],
          "scheduled_time": "2024-05-02T06:00:00+02:00"})",
      config, kNow);
  ASSERT_TRUE(list) << list.get_failure().to_string();
  EXPECT_EQ(list->scheduled_time, kScheduled);
  ASSERT_EQ(list->queries.size(), 2u);
  EXPECT_EQ(list->queries[1].database, "other");

  auto bare = parse_event(R"({"name": "q", "sql": "SELECT 1"})", config, kNow);
  ASSERT_TRUE(bare) << bare.get_failure().to_string();
  EXPECT_EQ(bare->queries.size(), 1u);
  auto bare_list = parse_event(R"([{"name": "a", "sql": "SELECT 1"}, {"name": "b", "sql": "SELECT 1"}])", config, kNow);
  ASSERT_TRUE(bare_list) << bare_list.get_failure().to_string();
  EXPECT_EQ(bare_list->queries.size(), 2u);
}

TEST(LambdaEvent, MalformedEventsSayWhatIsWrong) {
  auto config = config_with_database();
  const std::pair<const char*, const char*> cases[] = {
      {"{\"query\": ", "not JSON"},
      {"42", "expected a JSON object"},
      {R"({"hello": 1})", "no \"query\" or \"queries\""},
      {R"({"query": {"name": "q", "sql": "SELECT 1"}, "wiat": false})", "unknown key \"wiat\""},
      {R"({"query": {"name": "q", "sql": "SELECT 1"}, "queries": []})", "both"},
      {R"({"queries": []})", "empty list"},
      {R"({"queries": {"name": "q", "sql": "SELECT 1"}})", "expected a list"},
      {R"({"query": {"name": "q", "sql": "SELECT 1"}, "wait": "no"})", "wait: expected true or false"},
      {R"({"query": {"name": "q", "sql": "SELECT 1"}, "scheduled_time": "yesterday"})", "scheduled_time"},
      {R"({"query": {"name": "q", "sql": "SELECT 1"}, "on_deadline": "panic"})", "on_deadline"},
      {R"({"query": {"sql": "SELECT 1"}})", "name"},
      {R"({"queries": [{"name": "a", "sql": "SELECT 1"}, {"name": "b", "sql": "SELECT 1", "timeout": "10 minutes"}]})",
       "queries[1]"},
  };
  for (const auto& [payload, expected] : cases) {
    auto event = parse_event(payload, config, kNow);
    ASSERT_FALSE(event) << payload;
    EXPECT_EQ(event.get_failure().code, "InvalidEvent") << payload;
    EXPECT_NE(event.get_failure().message.find(expected), std::string::npos)
        << payload << " → " << event.get_failure().message;
  }
}

TEST(LambdaConfig, DefaultsComeFromTheCdkVariables) {
  auto config = config_from_environment(aws::Environment::from_map({{"ATHENA_RUNNER_WORKGROUP", "reports"},
                                                                    {"ATHENA_RUNNER_CATALOG", "AwsDataCatalog"},
                                                                    {"ATHENA_RUNNER_DATABASE", "pizza"},
                                                                    {"ATHENA_RUNNER_OUTPUT", "s3://results/runner/"},
                                                                    {"ATHENA_RUNNER_TIMEOUT", "90s"},
                                                                    {"ATHENA_RUNNER_LOG_LEVEL", "debug"},
                                                                    {"ATHENA_RUNNER_DEADLINE_MARGIN", "10s"},
                                                                    {"ATHENA_RUNNER_ON_DEADLINE", "leave-running"},
                                                                    {"ATHENA_RUNNER_CONCURRENCY", "8"}}));
  ASSERT_TRUE(config) << config.get_failure().to_string();
  EXPECT_EQ(config->defaults.workgroup, "reports");
  EXPECT_EQ(config->defaults.database, "pizza");
  EXPECT_EQ(config->defaults.output, "s3://results/runner/");
  EXPECT_EQ(config->defaults.timeout, 90s);
  EXPECT_EQ(config->log_level, LogLevel::Debug);
  EXPECT_EQ(config->deadline_margin, 10s);
  EXPECT_EQ(config->on_deadline, runner::GiveUpAction::LeaveRunning);
  EXPECT_EQ(config->concurrency, 8);

  // A payload's query spec wins over the environment's defaults.
  auto event = parse_event(kSchedulerPayload, *config, kNow);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->queries[0].workgroup, "reports");
  EXPECT_EQ(event->queries[0].database, "pizza");
  EXPECT_EQ(event->queries[0].output, "s3://example-athena-results/athena-runner/");
  EXPECT_EQ(event->queries[0].timeout, 600s);

  auto empty = config_from_environment(aws::Environment::from_map({}));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->log_level, LogLevel::Info);
  EXPECT_EQ(empty->deadline_margin, kDefaultDeadlineMargin);
  EXPECT_EQ(empty->on_deadline, runner::GiveUpAction::Stop);
  EXPECT_EQ(empty->completion, CompletionMode::Wait);
  EXPECT_EQ(empty->max_attempts, 3);

  auto events = config_from_environment(
      aws::Environment::from_map({{"ATHENA_RUNNER_COMPLETION_MODE", "events"}, {"ATHENA_RUNNER_MAX_ATTEMPTS", "5"}}));
  ASSERT_TRUE(events) << events.get_failure().to_string();
  EXPECT_EQ(events->completion, CompletionMode::Events);
  EXPECT_EQ(events->max_attempts, 5);
  EXPECT_FALSE(empty->notify_topic);

  auto topic = config_from_environment(
      aws::Environment::from_map({{"ATHENA_RUNNER_NOTIFY_TOPIC", "arn:aws:sns:eu-central-1:123456789012:runs"}}));
  ASSERT_TRUE(topic) << topic.get_failure().to_string();
  EXPECT_EQ(topic->notify_topic, "arn:aws:sns:eu-central-1:123456789012:runs");
}

TEST(LambdaConfig, BadVariablesAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"ATHENA_RUNNER_TIMEOUT", "ten"},
      {"ATHENA_RUNNER_OUTPUT", "s3://results/no-slash"},
      {"ATHENA_RUNNER_LOG_LEVEL", "verbose"},
      {"ATHENA_RUNNER_ON_DEADLINE", "ignore"},
      {"ATHENA_RUNNER_CONCURRENCY", "0"},
      {"ATHENA_RUNNER_CONCURRENCY", "4x"},
      {"ATHENA_RUNNER_DEADLINE_MARGIN", "-1s"},
      {"ATHENA_RUNNER_QUERIES", "{"},
      {"ATHENA_RUNNER_COMPLETION_MODE", "poll"},
      {"ATHENA_RUNNER_MAX_ATTEMPTS", "0"},
      {"ATHENA_RUNNER_MAX_ATTEMPTS", "11"},
      {"ATHENA_RUNNER_NOTIFY_TOPIC", "stack"},
      {"ATHENA_RUNNER_NOTIFY_TOPIC", "arn:aws:sns:eu-central-1:1:runs"},
  };
  for (const auto& [name, value] : cases) {
    auto config = config_from_environment(aws::Environment::from_map({{name, value}}));
    ASSERT_FALSE(config) << name << "=" << value;
    EXPECT_EQ(config.get_failure().code, "InvalidConfiguration");
    EXPECT_EQ(config.get_failure().message.rfind(std::string(name) + ": ", 0), 0u) << config.get_failure().message;
  }
}

// The FAILED example of docs.aws.amazon.com/athena/latest/ug/athena-events.html (numbers as it writes them).
constexpr char kFailedStateChange[] = R"({"version": "0", "id": "abcdef00-1234-5678-9abc-def012345678",
  "detail-type": "Athena Query State Change", "source": "aws.athena", "account": "123456789012",
  "time": "2019-10-06T09:30:10Z", "region": "us-east-1", "resources": [],
  "detail": {"athenaError": {"errorCategory": 2.0, "errorType": 1306.0, "errorMessage": "Amazon S3 bucket not found",
                             "retryable": false},
             "currentState": "FAILED", "previousState": "RUNNING", "statementType": "DML",
             "queryExecutionId": "01234567-0123-0123-0123-012345678901", "workgroupName": "primary",
             "sequenceNumber": "3", "someFutureField": {"x": 1}}})";

TEST(LambdaEvent, AthenaQueryStateChange) {
  auto event = parse_event(kFailedStateChange, config_with_database(), kNow);
  ASSERT_TRUE(event) << event.get_failure().message;
  EXPECT_EQ(event->kind, EventKind::QueryStateChange);
  EXPECT_EQ(to_string(event->kind), "query-state-change");
  ASSERT_TRUE(event->state_change);
  EXPECT_EQ(event->state_change->query_execution_id, "01234567-0123-0123-0123-012345678901");
  EXPECT_EQ(event->state_change->current_state, "FAILED");
  EXPECT_EQ(event->state_change->previous_state, "RUNNING");
  EXPECT_EQ(event->state_change->workgroup, "primary");
  EXPECT_EQ(event->state_change->sequence_number, "3");
  EXPECT_TRUE(event->queries.empty());

  const std::pair<const char*, const char*> bad[] = {
      {R"({"source": "aws.athena", "detail-type": "Athena Query State Change", "detail": {"currentState": "FAILED"}})",
       "Athena Query State Change without detail.queryExecutionId"},
      {R"({"source": "aws.athena", "detail-type": "Athena Query State Change", "detail": {"queryExecutionId": "q"}})",
       "Athena Query State Change without detail.currentState"},
      {R"({"source": "aws.athena", "detail-type": "Athena Query State Change"})",
       "Athena Query State Change without \"detail\""},
      {R"({"source": "aws.athena", "detail-type": "Athena Engine Version Change", "detail": {}})",
       "an aws.athena event of type \"Athena Engine Version Change\": only \"Athena Query State Change\" is handled"},
  };
  for (const auto& [payload, message] : bad) {
    auto parsed = parse_event(payload, config_with_database(), kNow);
    ASSERT_FALSE(parsed) << payload;
    EXPECT_EQ(parsed.get_failure().code, "InvalidEvent");
    EXPECT_EQ(parsed.get_failure().message, message);
  }
}

TEST(LambdaEvent, Sweep) {
  auto plain = parse_event(R"({"sweep": true})", config_with_database(), kNow);
  ASSERT_TRUE(plain) << plain.get_failure().message;
  EXPECT_EQ(plain->kind, EventKind::Sweep);
  EXPECT_TRUE(plain->sweep_locations.empty());
  auto located =
      parse_event(R"({"sweep": {"locations": ["s3://aaa/results/", "s3://bbb/"]}})", config_with_database(), kNow);
  ASSERT_TRUE(located) << located.get_failure().message;
  EXPECT_EQ(located->sweep_locations, (std::vector<std::string>{"s3://aaa/results/", "s3://bbb/"}));

  const std::pair<const char*, const char*> bad[] = {
      {R"({"sweep": false})", "sweep: expected true or {\"locations\": [...]}"},
      {R"({"sweep": true, "query": {}})", "unknown key \"query\" in a sweep (expected only sweep)"},
      {R"({"sweep": {"where": []}})", "sweep: unknown key \"where\" (expected locations)"},
      {R"({"sweep": {"locations": ["s3://aaa/no-slash"]}})",
       "sweep.locations: \"s3://aaa/no-slash\" is not a folder (end it with /)"},
      {R"({"sweep": {"locations": [1]}})", "sweep.locations: expected s3:// folders, got 1"},
  };
  for (const auto& [payload, message] : bad) {
    auto parsed = parse_event(payload, config_with_database(), kNow);
    ASSERT_FALSE(parsed) << payload;
    EXPECT_EQ(parsed.get_failure().message, message);
  }
}

TEST(LambdaEvent, QuerySpecsAreKeptForTheRunRecords) {
  auto event = parse_event(kSchedulerPayload, config_with_database(), kNow);
  ASSERT_TRUE(event);
  ASSERT_EQ(event->query_specs.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(event->query_specs[0])["name"], "daily_revenue");
}

TEST(RunRecord, RoundTripAndLayout) {
  RunRecord record;
  record.query_execution_id = "01234567-0123-0123-0123-012345678901";
  record.query = "daily";
  record.spec = R"({"name":"daily","sql":"SELECT 1"})";
  record.scheduled_time = kScheduled;
  record.client_request_token = std::string(64, 'a');
  record.generation = 1;
  record.attempt = 2;
  record.started_at = kNow;
  record.deadline = kNow + std::chrono::minutes(10);
  record.state = RecordState::Resubmitted;
  record.reason = "INTERNAL_ERROR_QUERY_ENGINE";
  record.next_query_execution_id = "next";
  record.finished_at = kNow + std::chrono::minutes(1);
  const std::string text = record_json(record);
  auto document = nlohmann::json::parse(text);
  EXPECT_EQ(document["scheduled_time"], "2024-05-02T04:00:00Z");
  EXPECT_EQ(document["started_at"], "2023-11-14T22:13:20Z");  // date -u -d @1700000000
  EXPECT_EQ(document["deadline"], "2023-11-14T22:23:20Z");
  EXPECT_EQ(document["state"], "RESUBMITTED");
  auto parsed = parse_record(text);
  ASSERT_TRUE(parsed) << parsed.get_failure().message;
  EXPECT_EQ(record_json(*parsed), text);

  for (const char* broken : {"[]", R"({"version": 2})", R"({"version": 1, "query": "q"})"}) {
    auto bad = parse_record(broken);
    ASSERT_FALSE(bad) << broken;
    EXPECT_EQ(bad.get_failure().code, "InvalidRunRecord");
  }
  document["state"] = "DONE";
  EXPECT_EQ(parse_record(document.dump()).get_failure().message,
            "run record: state \"DONE\" is not RUNNING, SUCCEEDED, FAILED or RESUBMITTED");

  aws::athena::QueryExecution execution;
  EXPECT_FALSE(results_folder(execution));
  execution.result_configuration = aws::athena::ResultConfiguration{};
  execution.result_configuration->output_location = "s3://results/athena/daily/" + record.query_execution_id + ".csv";
  auto folder = results_folder(execution);
  ASSERT_TRUE(folder);
  EXPECT_EQ(folder->to_string(), "s3://results/athena/daily/");
  EXPECT_EQ(record_uri(*folder, "id").to_string(), "s3://results/athena/daily/athena-runner/runs/id.json");
  EXPECT_EQ(open_marker_uri(*folder, "id").to_string(), "s3://results/athena/daily/athena-runner/open/id");
}

}  // namespace
}  // namespace athena_runner::lambda
