// The handler through the real Athena engine and the real S3 run store, against two peers: moto_server's Athena
// and S3 APIs, and a real `athena-runner serve` (its local engine runs the SQL for real, over a small Glue table,
// writes real result CSVs, honours tokens, fails a query over a missing table for real, and runs UNLOAD for
// the parquet and json deliveries). Each fixture's tests run against the peers it is instantiated for (at the
// end of the file: Moto/... and Serve/...). Where a peer cannot play Athena, a thin engine decorator
// (lambda/athena_behaviour.hpp) plays exactly that part, as Athena documents it, and says so.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "athena_runner/engine/athena_query_engine.hpp"
#include "athena_runner/lambda/handler.hpp"
#include "aws_clients/client_test_support.hpp"
#include "lambda/athena_behaviour.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::lambda {
namespace {

using nlohmann::json;
using testing::AthenaBehaviour;
using testing::AthenaPeer;
using testing::MotoServer;
using testing::ServeProcess;
using namespace std::chrono_literals;

#ifdef AR_ATHENA_RUNNER_BINARY
constexpr char kBinary[] = AR_ATHENA_RUNNER_BINARY;
const auto kBothPeers = ::testing::Values(AthenaPeer::Moto, AthenaPeer::Serve);
const auto kServe = ::testing::Values(AthenaPeer::Serve);
#else  // a build without the local engine has no `serve`
constexpr char kBinary[] = "";
const auto kBothPeers = ::testing::Values(AthenaPeer::Moto);
const auto kServe = ::testing::ValuesIn(std::vector<AthenaPeer>{});
#endif

// One moto_server for the process (tests keep apart by their names and slots), with the buckets.
MotoServer& shared_moto() {
  static std::unique_ptr<MotoServer> moto = [] {
    auto started = std::make_unique<MotoServer>();
    testing::boto3_call(*started, "s3", "CreateBucket", {{"Bucket", "results-bucket"}});  // the output location's
    testing::boto3_call(*started, "s3", "CreateBucket", {{"Bucket", "reports-bucket"}});  // delivery destinations
    return started;
  }();
  return *moto;
}

// serve's table for the queries that return rows: lake.sales (day date, revenue decimal(10,2)), a CSV in S3.
// Athena's result CSV of kRevenueSql is kResultCsv (a header row, every value quoted: the Athena user guide,
// "Working with query results"), computed from the rows written here, not from what serve answers.
constexpr char kSalesCsv[] = "2024-05-01,1234.50\n2024-05-02,99.00\n";
constexpr char kRevenueSql[] = "SELECT day, revenue FROM sales WHERE day = DATE '2024-05-01'";
constexpr char kResultCsv[] = "\"day\",\"revenue\"\n\"2024-05-01\",\"1234.50\"\n";

std::string peer_name(const ::testing::TestParamInfo<AthenaPeer>& info) {
  return info.param == AthenaPeer::Moto ? "moto" : "serve";
}

class HandlerMoto : public ::testing::TestWithParam<AthenaPeer> {
 protected:
  void SetUp() override {
    if (moto()) {
      environment_ = shared_moto().client_environment();
    } else {
      // A fresh serve per test: its tokens and records never meet another test's.
      serve_ = std::make_unique<ServeProcess>(kBinary, dir_.path() + "/data", dir_.path() + "/serve.log",
                                              std::vector<std::string>{"--quiet"});
      environment_ = serve_->client_environment();
      const json sales = {
          {"Name", "sales"},
          {"TableType", "EXTERNAL_TABLE"},
          {"StorageDescriptor",
           {{"Columns", {{{"Name", "day"}, {"Type", "date"}}, {{"Name", "revenue"}, {"Type", "decimal(10,2)"}}}},
            {"Location", "s3://lake-data/sales/"},
            {"InputFormat", "org.apache.hadoop.mapred.TextInputFormat"},
            {"OutputFormat", "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"},
            {"SerdeInfo",
             {{"SerializationLibrary", "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"},
              {"Parameters", {{"field.delim", ","}}}}}}}};
      batch(json::array(
          {{{"service", "s3"}, {"operation", "CreateBucket"}, {"params", {{"Bucket", "results-bucket"}}}},
           {{"service", "s3"}, {"operation", "CreateBucket"}, {"params", {{"Bucket", "reports-bucket"}}}},
           {{"service", "s3"}, {"operation", "CreateBucket"}, {"params", {{"Bucket", "lake-data"}}}},
           {{"service", "s3"},
            {"operation", "PutObject"},
            {"params", {{"Bucket", "lake-data"}, {"Key", "sales/part-0.csv"}, {"Body", kSalesCsv}}}},
           {{"service", "glue"}, {"operation", "CreateDatabase"}, {"params", {{"DatabaseInput", {{"Name", "lake"}}}}}},
           {{"service", "glue"},
            {"operation", "CreateTable"},
            {"params", {{"DatabaseName", "lake"}, {"TableInput", sales}}}}}));
    }
    context_ = testing::client_context(environment_, aws::lite_http_backend());  // as the bootstrap runs
    engine_ = std::make_unique<AthenaBehaviour>(engine::make_athena_query_engine(context_), GetParam());
    config_.defaults.database = "lake";
    config_.defaults.output = "s3://results-bucket/athena/";
    config_.poll = {10ms, 1.5, 100ms};
    config_.deadline_margin = 500ms;
    store_ = make_s3_run_store(context_);
    objects_ = runner::make_s3_object_store(context_);
  }
  bool moto() const { return GetParam() == AthenaPeer::Moto; }
  bool serve() const { return GetParam() == AthenaPeer::Serve; }

  // boto3 against the peer.
  json call(const std::string& service, const std::string& operation, const json& params = json::object()) const {
    return testing::boto3_call(environment_, service, operation, params);
  }
  json batch(const json& calls) const { return testing::boto3_batch(environment_, calls); }

  // A query whose Athena result is kResultCsv: on moto `moto_sql` with the result played (moto writes none);
  // on serve the real query over lake.sales. `suffix` is appended to the SQL (markers).
  std::string revenue_sql(const std::string& suffix = "", const std::string& moto_sql = "SELECT 1") {
    if (serve()) return kRevenueSql + suffix;
    play_results(kResultCsv);
    return moto_sql + suffix;
  }
  // The reason the peer gives for a failed query over the missing table lake.nope. moto never fails: the
  // decorator plays Athena's text. serve fails it for real: the handler must pass on the reason it gives (read
  // with boto3), which names the table as Athena does.
  std::string missing_table_reason(const std::string& id) const {
    if (moto()) return "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.lake.nope' does not exist";
    std::string reason = call("athena", "GetQueryExecution",
                              {{"QueryExecutionId", id}})["QueryExecution"]["Status"]["StateChangeReason"];
    EXPECT_NE(reason.find("line 1:15: Table 'awsdatacatalog.lake.nope' does not exist"), std::string::npos) << reason;
    return reason;
  }

  InvocationResponse invoke(const std::string& payload,
                            std::chrono::milliseconds remaining = std::chrono::milliseconds(60000)) {
    InvocationRequest request;
    request.request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
    request.payload = payload;
    request.deadline = std::chrono::system_clock::now() + remaining;
    QueryHandler handler(config_, *engine_, clock_, log_, store_.get(), sns_.get(), objects_.get());
    return handler(request);
  }
  // The same from another thread: its own store and log.
  InvocationResponse invoke_aside(const std::string& payload, std::chrono::milliseconds remaining = 60000ms) {
    InvocationRequest request;
    request.request_id = "aside";
    request.payload = payload;
    request.deadline = std::chrono::system_clock::now() + remaining;
    auto store = make_s3_run_store(context_);
    std::ostringstream log;
    QueryHandler handler(config_, *engine_, clock_, log, store.get());
    return handler(request);
  }

  // Athena's result for every succeeded execution (moto writes none), written with boto3.
  void play_results(const std::string& csv) {
    engine_->result_csv = csv;
    engine_->write_result = [this](const std::string& output_location, const std::string& body) {
      auto uri = aws::s3::parse_s3_uri(output_location);
      ASSERT_TRUE(uri);
      call("s3", "PutObject", {{"Bucket", uri->bucket}, {"Key", uri->key}, {"Body", body}});
    };
  }
  // Every object of serve's `bucket` under `prefix`, read from its data directory.
  std::map<std::string, std::string> serve_objects(const std::string& bucket, const std::string& prefix) const {
    namespace fs = std::filesystem;
    std::map<std::string, std::string> texts;
    const fs::path root = fs::path(dir_.path()) / "data" / bucket;
    std::error_code error;
    for (fs::recursive_directory_iterator at(root, error), end; !error && at != end; at.increment(error)) {
      if (!at->is_regular_file()) continue;
      const std::string key = fs::relative(at->path(), root).generic_string();
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      std::ifstream in(at->path(), std::ios::binary);
      texts[key] = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return texts;
  }
  // An object's body and user metadata read with boto3; a null body when there is none.
  struct StoredObject {
    json body;
    json metadata;
  };
  StoredObject stored(const std::string& bucket, const std::string& key) const {
    auto listed = call("s3", "ListObjectsV2", {{"Bucket", bucket}, {"Prefix", key}});
    for (const auto& object : listed.value("Contents", json::array())) {
      if (object["Key"] != key) continue;
      auto got = call("s3", "GetObject", {{"Bucket", bucket}, {"Key", key}});
      return {got["Body"]["text"], got.value("Metadata", json::object())};
    }
    return {nullptr, nullptr};
  }
  // The object's bytes through gunzip (as a user would read a .csv.gz), with boto3 fetching them.
  static constexpr std::string_view kFetchObject =
      "import boto3, sys; sys.stdout.buffer.write(boto3.client('s3').get_object(Bucket=sys.argv[1], "
      "Key=sys.argv[2])['Body'].read())";
  std::string gunzipped(const std::string& bucket, const std::string& key) const {
    auto result = testing::run_process(
        {"sh", "-c", "python3 -c \"$0\" \"$1\" \"$2\" | gunzip -c", std::string(kFetchObject), bucket, key}, {},
        environment_);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
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
    request.host = "127.0.0.1:" + std::to_string(shared_moto().port());
    request.path =
        transition.is_null() ? "/moto-api/state-manager/unset-transition" : "/moto-api/state-manager/set-transition";
    json body = {{"model_name", "athena::execution"}};
    if (!transition.is_null()) body["transition"] = transition;
    request.body = body.dump();
    auto response = http->send(request);
    ASSERT_TRUE(response) << response.get_failure().to_string();
    ASSERT_LT(response->status, 300) << response->body;
  }

  testing::TempDir dir_;
  std::unique_ptr<ServeProcess> serve_;
  std::map<std::string, std::string> environment_;
  std::shared_ptr<aws::ClientContext> context_;
  std::unique_ptr<AthenaBehaviour> engine_;
  std::unique_ptr<RunStore> store_;
  std::unique_ptr<aws::sns::SnsClient> sns_;  // set by the notification tests
  std::unique_ptr<runner::ObjectStore> objects_;
  Clock clock_ = Clock::system();
  HandlerConfig config_;
  std::ostringstream log_;
};

// Wait mode against both peers.
class HandlerWait : public HandlerMoto {};

TEST_P(HandlerMoto, SchedulerPayloadRunsTheRenderedQuery) {
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
  auto theirs = call("athena", "GetQueryExecution", {{"QueryExecutionId", id}});
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

TEST_P(HandlerWait, ClassicScheduledEventRunsTheConfiguredQueries) {
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

TEST_P(HandlerWait, DirectInvocationWithoutWaitingReturnsAfterTheStart) {
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

TEST_P(HandlerWait, FailedQueryFailsTheInvocation) {
  auto response = invoke(R"({"queries": [{"name": "good", "sql": "SELECT 1"},
                                         {"name": "bad", "sql": "SELECT * FROM nope -- fail_me"}]})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "QueryFailed");
  EXPECT_EQ(response.error_message().rfind("1 of 2 queries failed: bad: FAILED (", 0), 0u) << response.error_message();
  ASSERT_EQ(engine_->ids.size(), 2u);
  EXPECT_NE(response.error_message().find(missing_table_reason(engine_->ids[1])), std::string::npos)
      << response.error_message();
  EXPECT_EQ(response.error_message().find("good"), std::string::npos);
  bool logged = false;
  for (const auto& line : log_lines())
    if (line["message"] == "query finished" && line["query"] == "bad") logged = line["level"] == "error";
  EXPECT_TRUE(logged) << log_.str();
}

TEST_P(HandlerMoto, BadTemplateFailsBeforeAnyQueryStarts) {
  auto response = invoke(R"({"queries": [{"name": "ok", "sql": "SELECT 1"},
                                         {"name": "broken", "sql": "SELECT '{{ nope }}'"}]})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "InvalidEvent");
  EXPECT_NE(response.error_message().find("queries[1]"), std::string::npos) << response.error_message();
  EXPECT_TRUE(engine_->tokens.empty());
}

TEST_P(HandlerMoto, InvalidEventFailsWithInvalidEvent) {
  auto response = invoke(R"({"query": {"name": "q"}})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "InvalidEvent");
  EXPECT_TRUE(engine_->tokens.empty());
}

TEST_P(HandlerWait, DuplicateDeliveryOfOneSlotYieldsTheSameExecution) {
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

// Wait mode follows the same after graph: the dependents run in the invocation, in order, for the same slot.
TEST_P(HandlerWait, WaitModeRunsAChainOfDependentsAfterTheUpstreamSucceeded) {
  auto response = invoke(R"({"query": {"name": "load", "sql": "SELECT 'load'"},
    "scheduled_time": "2024-05-03T04:00:00Z",
    "dependents": [{"name": "report", "sql": "SELECT 'report'", "after": ["clean"]},
                   {"name": "clean", "sql": "SELECT 'clean'", "after": ["load"]},
                   {"name": "archive", "sql": "SELECT 'archive'", "after": ["report"]}]})");
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto body = json::parse(response.payload());
  ASSERT_EQ(body["queries"].size(), 4u) << body.dump();
  std::vector<std::string> names;
  for (const auto& query : body["queries"]) {
    names.push_back(query["name"]);
    EXPECT_EQ(query["state"], "SUCCEEDED") << query;
    EXPECT_EQ(query["scheduled_time"], "2024-05-03T04:00:00Z") << query;
  }
  // Each after its upstream: the order of the starts moto saw.
  EXPECT_EQ(names, (std::vector<std::string>{"load", "clean", "report", "archive"}));
  ASSERT_EQ(engine_->ids.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    auto theirs = call("athena", "GetQueryExecution", {{"QueryExecutionId", engine_->ids[i]}});
    EXPECT_EQ(theirs["QueryExecution"]["Query"], "SELECT '" + names[i] + "'");
  }
  // Each with its own token: the one its own spec gives for the slot.
  auto clean =
      spec::parse_query_spec_json(R"({"name": "clean", "sql": "SELECT 'clean'", "after": ["load"]})", config_.defaults);
  ASSERT_TRUE(clean);
  EXPECT_EQ(engine_->tokens[1],
            spec::render_query(*clean, *spec::parse_instant("2024-05-03T04:00:00Z"))->client_request_token);
  EXPECT_EQ(std::set<std::string>(engine_->tokens.begin(), engine_->tokens.end()).size(), 4u);
}

TEST_P(HandlerWait, WaitModeStartsNoDependentAfterAFailedUpstream) {
  auto response = invoke(R"({"query": {"name": "load", "sql": "SELECT * FROM fail_me"},
    "scheduled_time": "2024-05-03T04:00:00Z",
    "dependents": [{"name": "clean", "sql": "SELECT 'clean'", "after": ["load"]},
                   {"name": "report", "sql": "SELECT 'report'", "after": ["clean"]}]})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "QueryFailed");
  EXPECT_EQ(response.error_message().rfind("1 of 1 query failed: load: FAILED (", 0), 0u) << response.error_message();
  EXPECT_EQ(engine_->ids.size(), 1u);  // neither clean nor report
  std::vector<std::string> why;
  for (const auto& line : log_lines())
    if (line["message"] == "dependent not started") why.push_back(line["why"]);
  EXPECT_EQ(why, (std::vector<std::string>{"clean for 2024-05-03T04:00:00Z: load did not succeed",
                                           "report for 2024-05-03T04:00:00Z: clean did not succeed"}));
}

// on_overlap in wait mode: the invocation that waits for a skip or queue query keeps its run record open while
// it waits, and the next slot checks the open records as in events mode. The first slot runs in a thread.
class HandlerWaitOverlap : public HandlerMoto {
 protected:
  // The 04:00 slot is held RUNNING until released; the later ones end at once.
  static std::string payload(int hour, const std::string& on_overlap) {
    char time[32];
    std::snprintf(time, sizeof time, "2024-05-02T%02d:00:00Z", hour);
    const std::string sql = hour == 4 ? "SELECT 1 -- hold_me" : "SELECT 1";
    return json{{"query", {{"name", "waiting"}, {"sql", sql}, {"on_overlap", on_overlap}}}, {"scheduled_time", time}}
        .dump();
  }
  // Starts the 04:00 slot in a thread and returns its execution once it is recorded as open (read from S3, not
  // from the engine the thread uses).
  std::string start_first(const std::string& on_overlap) {
    first_ = std::thread([this, on_overlap] { first_response_ = invoke_aside(payload(4, on_overlap)); });
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(50ms);
      auto listed =
          call("s3", "ListObjectsV2", {{"Bucket", "results-bucket"}, {"Prefix", "athena/athena-runner/open/"}});
      for (const auto& object : listed.value("Contents", json::array())) {
        const std::string id =
            object["Key"].get<std::string>().substr(std::string("athena/athena-runner/open/").size());
        auto got = call("s3", "GetObject",
                        {{"Bucket", "results-bucket"}, {"Key", "athena/athena-runner/runs/" + id + ".json"}});
        auto record = json::parse(got["Body"]["text"].get<std::string>(), nullptr, false);
        if (record.is_object() && record["query"] == "waiting" && record["state"] == "RUNNING") return first_id_ = id;
      }
    }
    ADD_FAILURE() << "the first slot never recorded its run";
    return "";
  }
  void TearDown() override {
    if (!first_id_.empty()) engine_->release(first_id_);
    if (first_.joinable()) first_.join();
  }
  std::string first_id_;
  std::thread first_;
  InvocationResponse first_response_ = InvocationResponse::failure("not run", "NotRun");
};

TEST_P(HandlerWaitOverlap, SkipAnswersSkippedWhileTheEarlierInvocationWaits) {
  engine_->idempotent = true;
  const std::string first = start_first("skip");
  auto second = invoke(payload(5, "skip"));
  ASSERT_TRUE(second.is_success()) << second.error_type() << ": " << second.error_message();
  auto answer = json::parse(second.payload())["queries"][0];
  EXPECT_EQ(answer["action"], "skipped");
  EXPECT_EQ(answer["running_query_execution_id"], first);
  EXPECT_EQ(engine_->started(), 1u);

  engine_->release(first);
  first_.join();
  ASSERT_TRUE(first_response_.is_success()) << first_response_.error_message();
  // Closed when its wait ended: the next slot starts.
  auto third = invoke(payload(6, "skip"));
  ASSERT_TRUE(third.is_success()) << third.error_message();
  EXPECT_EQ(json::parse(third.payload())["queries"][0]["state"], "SUCCEEDED");
  EXPECT_EQ(engine_->ids.size(), 2u);
}

TEST_P(HandlerWaitOverlap, QueueWaitsForTheEarlierSlotThenStarts) {
  engine_->idempotent = true;
  const std::string first = start_first("queue");
  InvocationResponse second = InvocationResponse::failure("not run", "NotRun");
  std::thread waiting([&] { second = invoke(payload(5, "queue")); });
  std::this_thread::sleep_for(800ms);  // many polls of the first (10 ms, then up to 100 ms apart)
  EXPECT_EQ(engine_->started(), 1u);   // not started while the first runs
  engine_->release(first);
  waiting.join();
  first_.join();
  ASSERT_TRUE(second.is_success()) << second.error_type() << ": " << second.error_message();
  auto answer = json::parse(second.payload())["queries"][0];
  EXPECT_EQ(answer["state"], "SUCCEEDED");
  EXPECT_EQ(answer["scheduled_time"], "2024-05-02T05:00:00Z");
  ASSERT_EQ(engine_->ids.size(), 2u);
  auto resolved = spec::parse_query_spec_json(json::parse(payload(5, "queue"))["query"].dump(), config_.defaults);
  EXPECT_EQ(engine_->tokens.back(),
            spec::render_query(*resolved, *spec::parse_instant("2024-05-02T05:00:00Z"))->client_request_token);
}

TEST_P(HandlerWaitOverlap, QueueGivesUpAtTheDeadlineWithoutStarting) {
  const std::string first = start_first("queue");
  auto second = invoke(payload(5, "queue"), 1500ms);
  ASSERT_FALSE(second.is_success());
  EXPECT_EQ(second.error_type(), "QueryNotStarted");
  EXPECT_NE(second.error_message().find("on_overlap queue: the slot 2024-05-02T04:00:00Z was still running as " +
                                        first + " at this invocation's deadline"),
            std::string::npos)
      << second.error_message();
  EXPECT_EQ(engine_->started(), 1u);
}

TEST_P(HandlerMoto, DeadlineStopsTheQueryBeforeTheInvocationEnds) {
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
  const std::string& message = response.error_message();
  const auto open = message.find('(');
  const std::string id = message.substr(open + 1, message.find(')') - open - 1);
  auto theirs = call("athena", "GetQueryExecution", {{"QueryExecutionId", id}});
  EXPECT_EQ(theirs["QueryExecution"]["Status"]["State"], "CANCELLED");  // StopQueryExecution reached moto
}

TEST_P(HandlerMoto, DeadlineCanLeaveTheQueryRunning) {
  set_athena_transition({{"progression", "time"}, {"seconds", 120}});
  auto response = invoke(R"({"query": {"name": "slow", "sql": "SELECT 1"}, "on_deadline": "leave-running"})", 1500ms);
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "QueryStillRunning");
  const std::string& message = response.error_message();
  const auto open = message.find('(');
  const std::string id = message.substr(open + 1, message.find(')') - open - 1);
  auto theirs = call("athena", "GetQueryExecution", {{"QueryExecutionId", id}});
  set_athena_transition(nullptr);
  EXPECT_EQ(theirs["QueryExecution"]["Status"]["State"], "QUEUED");  // not stopped
}

// Delivery (docs/queries-file.md, "Delivery"): Athena's result (played, since moto writes none) copied to
// the destinations; what arrived is read back with boto3 and gunzip.

TEST_P(HandlerWait, WaitModeDeliversCsvAndCsvGzAfterTheQuerySucceeded) {
  auto response =
      invoke(R"({"query": {"name": "daily_revenue", "sql": ")" + revenue_sql() + R"(", "timezone": "Europe/Berlin",
      "deliver": [{"to": "s3://reports-bucket/daily_revenue/{{ scheduled_date | add_days(-1) }}.csv"},
                  {"to": "s3://reports-bucket/gz/", "format": "csv.gz"}]},
    "scheduled_time": "2024-05-01T22:30:00Z",
    "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/daily_revenue"})");
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto body = json::parse(response.payload());
  const auto& query = body["queries"][0];
  const std::string id = query["query_execution_id"];
  // 22:30 UTC on 1 May is 2 May in Berlin: the day before is 1 May. Under the prefix: <query>_<slot in UTC>.
  const std::string csv_key = "daily_revenue/2024-05-01.csv";
  const std::string gz_key = "gz/daily_revenue_20240501T223000Z.csv.gz";
  EXPECT_EQ(query["deliveries"], json::parse(R"([{"to": "s3://reports-bucket/daily_revenue/2024-05-01.csv",
      "format": "csv", "objects": ["s3://reports-bucket/daily_revenue/2024-05-01.csv"], "kept": false},
      {"to": "s3://reports-bucket/gz/", "format": "csv.gz",
       "objects": ["s3://reports-bucket/gz/daily_revenue_20240501T223000Z.csv.gz"], "kept": false}])"));
  auto copied = stored("reports-bucket", csv_key);
  EXPECT_EQ(copied.body, kResultCsv);
  EXPECT_EQ(copied.metadata["athena-runner-run"], "daily_revenue/2024-05-01T22:30:00Z");
  EXPECT_EQ(copied.metadata["athena-runner-query-execution-id"], id);
  EXPECT_EQ(gunzipped("reports-bucket", gz_key), kResultCsv);
  bool logged = false;
  for (const auto& line : log_lines()) logged = logged || line["message"] == "query delivered";
  EXPECT_TRUE(logged) << log_.str();
}

TEST_P(HandlerWait, AFailedDeliveryFailsTheRunNamingTheDestination) {
  auto response = invoke(R"({"query": {"name": "daily", "sql": ")" + revenue_sql() + R"(",
      "deliver": [{"to": "s3://reports-bucket/ok.csv"}, {"to": "s3://no-such-bucket-here/daily.csv"}]},
    "scheduled_time": "2024-05-02T04:00:00Z"})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "DeliveryFailed");
  EXPECT_NE(response.error_message().find("1 of 1 query failed: daily: SUCCEEDED ("), std::string::npos)
      << response.error_message();
  EXPECT_NE(response.error_message().find(
                "delivery to s3://no-such-bucket-here/daily.csv (csv) failed: s3://no-such-bucket-here/daily.csv: "),
            std::string::npos)
      << response.error_message();
  EXPECT_NE(response.error_message().find("NoSuchBucket"), std::string::npos) << response.error_message();
  EXPECT_EQ(stored("reports-bucket", "ok.csv").body, kResultCsv);  // the destination before it was delivered
}

TEST_P(HandlerWait, OverwriteKeepLeavesAnotherRunsObjectAndReplacesItsOwn) {
  call("s3", "PutObject", {{"Bucket", "reports-bucket"}, {"Key", "keep/latest.csv"}, {"Body", "theirs"}});
  std::string payload = R"({"query": {"name": "latest", "sql": ")" + revenue_sql() + R"(",
      "deliver": [{"to": "s3://reports-bucket/keep/latest.csv", "overwrite": "keep"}]}, "scheduled_time": ")";
  // An object no run of ours wrote: kept, and said so.
  auto first = invoke(payload + R"(2024-05-02T04:00:00Z"})");
  ASSERT_TRUE(first.is_success()) << first.error_message();
  EXPECT_EQ(json::parse(first.payload())["queries"][0]["deliveries"][0]["kept"], true);
  EXPECT_EQ(stored("reports-bucket", "keep/latest.csv").body, "theirs");

  // Gone: this slot writes it. Another slot then keeps it; the same slot again writes it again.
  call("s3", "DeleteObject", {{"Bucket", "reports-bucket"}, {"Key", "keep/latest.csv"}});
  auto written = invoke(payload + R"(2024-05-02T04:00:00Z"})");
  ASSERT_TRUE(written.is_success()) << written.error_message();
  EXPECT_EQ(json::parse(written.payload())["queries"][0]["deliveries"][0]["kept"], false);
  EXPECT_EQ(stored("reports-bucket", "keep/latest.csv").metadata["athena-runner-run"], "latest/2024-05-02T04:00:00Z");

  // Another result: played on moto; on serve another query (its own token, so the same slot runs it again).
  // Athena's CSV of SELECT 'other' AS other: the header row, then the row.
  const std::string other_csv = "\"other\"\n\"other\"\n";
  if (moto()) play_results(other_csv);
  const std::string other_sql = moto() ? "SELECT 1" : "SELECT 'other' AS other";
  payload = R"({"query": {"name": "latest", "sql": ")" + other_sql + R"(",
      "deliver": [{"to": "s3://reports-bucket/keep/latest.csv", "overwrite": "keep"}]}, "scheduled_time": ")";
  auto other = invoke(payload + R"(2024-05-03T04:00:00Z"})");
  ASSERT_TRUE(other.is_success()) << other.error_message();
  EXPECT_EQ(json::parse(other.payload())["queries"][0]["deliveries"][0]["kept"], true);
  auto kept = stored("reports-bucket", "keep/latest.csv");
  EXPECT_EQ(kept.body, kResultCsv);
  EXPECT_EQ(kept.metadata["athena-runner-run"], "latest/2024-05-02T04:00:00Z");

  auto again = invoke(payload + R"(2024-05-02T04:00:00Z"})");
  ASSERT_TRUE(again.is_success()) << again.error_message();
  EXPECT_EQ(json::parse(again.payload())["queries"][0]["deliveries"][0]["kept"], false);
  EXPECT_EQ(stored("reports-bucket", "keep/latest.csv").body, other_csv);
}

// Completion by events. The events are built as Athena documents them
// (docs.aws.amazon.com/athena/latest/ug/athena-events.html); the records are read back with boto3 (moto) or from
// serve's data directory. On both peers "-- hold_me" is the decorator's: it keeps an execution RUNNING until the
// test releases it (both peers end these small queries at once); a final failure is the peer's own on serve
// (a query over the missing table lake.nope), the decorator's on moto (fail_me).
class HandlerEvents : public HandlerMoto {
 protected:
  void SetUp() override {
    HandlerMoto::SetUp();
    config_.completion = CompletionMode::Events;
    config_.retry_base = 1ms;
  }

  static std::string state_change(const std::string& id, const std::string& current, const std::string& previous) {
    json event = {{"version", "0"},
                  {"id", "abcdef00-1234-5678-9abc-def012345678"},
                  {"detail-type", "Athena Query State Change"},
                  {"source", "aws.athena"},
                  {"account", "123456789012"},
                  {"time", "2019-10-06T09:30:10Z"},
                  {"region", "us-east-1"},
                  {"resources", json::array()},
                  {"detail",
                   {{"versionId", "0"},
                    {"currentState", current},
                    {"previousState", previous},
                    {"statementType", "DML"},
                    {"queryExecutionId", id},
                    {"workgroupName", "primary"},
                    {"sequenceNumber", "3"}}}};
    return event.dump();
  }

  // Every object of results-bucket under `prefix` (key → text): moto's read with boto3 in two processes, serve's
  // from its data directory (<data dir>/<bucket>/<key>: src/server/README.md), which no client of ours reads.
  std::map<std::string, std::string> objects(const std::string& prefix) const {
    if (serve()) return serve_objects("results-bucket", prefix);
    auto listed = call("s3", "ListObjectsV2", {{"Bucket", "results-bucket"}, {"Prefix", prefix}});
    json calls = json::array();
    std::vector<std::string> keys;
    for (const auto& object : listed.value("Contents", json::array())) {
      keys.push_back(object["Key"]);
      calls.push_back({{"service", "s3"},
                       {"operation", "GetObject"},
                       {"params", {{"Bucket", "results-bucket"}, {"Key", object["Key"]}}}});
    }
    std::map<std::string, std::string> texts;
    if (keys.empty()) return texts;
    auto bodies = batch(calls);
    for (std::size_t i = 0; i < keys.size() && i < bodies.size(); ++i) texts[keys[i]] = bodies[i]["Body"]["text"];
    return texts;
  }
  json record(const std::string& id) const {
    const std::string key = "athena/athena-runner/runs/" + id + ".json";
    auto found = objects(key);
    return found.count(key) ? json::parse(found[key]) : json();
  }
  // Every run record, by query name.
  std::multimap<std::string, json> records_by_query() const {
    std::multimap<std::string, json> out;
    for (const auto& [key, text] : objects("athena/athena-runner/runs/")) {
      auto parsed = json::parse(text);
      out.emplace(parsed["query"].get<std::string>(), parsed);
    }
    return out;
  }
  bool open_marker(const std::string& id) const {
    const std::string key = "athena/athena-runner/open/" + id;
    return objects(key).count(key) > 0;
  }

  // Starts one scheduled slot of `sql` in events mode and returns its execution id.
  std::string start_slot(const std::string& sql, const std::string& extra = "") {
    auto response = invoke(R"({"query": {"name": "daily", "sql": ")" + sql + R"(", "timeout": "10m")" + extra +
                           R"(}, "scheduled_time": "2024-05-02T04:00:00Z",
      "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/daily"})");
    EXPECT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
    if (!response.is_success()) return "";
    return json::parse(response.payload())["queries"][0]["query_execution_id"];
  }
};

TEST_P(HandlerEvents, TheStartWritesARunRecordAndReturnsAtOnce) {
  auto response = invoke(R"({"query": {"name": "daily", "sql": "SELECT 1 -- hold_me", "timeout": "10m"},
    "scheduled_time": "2024-05-02T04:00:00Z",
    "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/daily"})");
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto body = json::parse(response.payload());
  EXPECT_EQ(body["completion"], "events");
  const auto& query = body["queries"][0];
  const std::string id = query["query_execution_id"];
  EXPECT_EQ(query["action"], "recorded");
  EXPECT_EQ(query["state"], "QUEUED");
  EXPECT_EQ(query["polls"], 0);  // no waiting

  // The token is the one wait mode sends for the same slot.
  auto resolved = spec::parse_query_spec_json(R"({"name": "daily", "sql": "SELECT 1 -- hold_me", "timeout": "10m"})",
                                              config_.defaults);
  ASSERT_TRUE(resolved);
  auto rendered = spec::render_query(*resolved, *spec::parse_instant("2024-05-02T04:00:00Z"));
  ASSERT_TRUE(rendered);
  ASSERT_EQ(engine_->tokens.size(), 1u);
  EXPECT_EQ(engine_->tokens[0], rendered->client_request_token);

  auto written = record(id);
  ASSERT_TRUE(written.is_object()) << "no run record for " << id;
  EXPECT_EQ(written["version"], 1);
  EXPECT_EQ(written["state"], "RUNNING");
  EXPECT_EQ(written["query"], "daily");
  EXPECT_EQ(written["query_execution_id"], id);
  EXPECT_EQ(written["client_request_token"], rendered->client_request_token);
  EXPECT_EQ(written["scheduled_time"], "2024-05-02T04:00:00Z");
  EXPECT_EQ(written["generation"], 0);
  EXPECT_EQ(written["attempt"], 1);
  EXPECT_EQ(written["spec"]["sql"], "SELECT 1 -- hold_me");
  const auto started = *spec::parse_instant(written["started_at"].get<std::string>());
  EXPECT_EQ(*spec::parse_instant(written["deadline"].get<std::string>()), started + std::chrono::minutes(10));
  EXPECT_TRUE(open_marker(id));
}

TEST_P(HandlerEvents, SuccessFinishesTheRunOnceAndDuplicatesDoNothing) {
  const std::string id = start_slot("SELECT 1 -- hold_me");
  engine_->release(id);
  auto response = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto body = json::parse(response.payload());
  EXPECT_EQ(body["event"], "query-state-change");
  EXPECT_EQ(body["queries"][0]["action"], "finished");
  EXPECT_EQ(body["queries"][0]["name"], "daily");
  EXPECT_EQ(body["queries"][0]["state"], "SUCCEEDED");
  EXPECT_EQ(body["queries"][0]["output_location"], "s3://results-bucket/athena/" + id + ".csv");
  auto finished = record(id);
  EXPECT_EQ(finished["state"], "SUCCEEDED");
  EXPECT_TRUE(finished.contains("finished_at"));
  EXPECT_FALSE(open_marker(id));

  // EventBridge delivers at least once: the same event again changes nothing.
  auto again = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(again.is_success()) << again.error_message();
  EXPECT_EQ(json::parse(again.payload())["queries"][0]["action"], "already-finished");
  EXPECT_EQ(record(id), finished);
  EXPECT_EQ(engine_->tokens.size(), 1u);  // nothing started again
}

TEST_P(HandlerEvents, EventsOutOfOrderAreIgnored) {
  const std::string id = start_slot("SELECT 1 -- hold_me");
  // A SUCCEEDED event while Athena still says RUNNING (the handler trusts the execution, not the event).
  auto early = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(early.is_success()) << early.error_message();
  EXPECT_EQ(json::parse(early.payload())["queries"][0]["action"], "ignored");
  EXPECT_EQ(record(id)["state"], "RUNNING");

  engine_->release(id);
  ASSERT_TRUE(invoke(state_change(id, "SUCCEEDED", "RUNNING")).is_success());
  // The RUNNING event arriving after the end: answered without a single call to Athena.
  const int gets = engine_->gets;
  auto late = invoke(state_change(id, "RUNNING", "QUEUED"));
  ASSERT_TRUE(late.is_success()) << late.error_message();
  EXPECT_EQ(json::parse(late.payload())["queries"][0]["action"], "ignored");
  EXPECT_EQ(engine_->gets, gets);
  EXPECT_EQ(record(id)["state"], "SUCCEEDED");
}

TEST_P(HandlerEvents, ExecutionsThatAreNotOursAreIgnoredCheaply) {
  auto theirs = call(
      "athena", "StartQueryExecution",
      {{"QueryString", "SELECT 42"}, {"ResultConfiguration", {{"OutputLocation", "s3://results-bucket/athena/"}}}});
  const std::string id = theirs["QueryExecutionId"];
  const int gets = engine_->gets;
  auto response = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(response.is_success()) << response.error_message();
  auto body = json::parse(response.payload());
  EXPECT_EQ(body["queries"][0]["action"], "ignored");
  EXPECT_EQ(body["queries"][0]["note"], "not ours: no run record");
  EXPECT_EQ(body["failed"], 0);
  EXPECT_EQ(engine_->gets, gets + 1);  // one GetQueryExecution, one GetObject, nothing written
  EXPECT_TRUE(record(id).is_null());
  EXPECT_TRUE(engine_->tokens.empty());
}

// The retryable failure is the decorator's on both peers (flaky_me: Athena's INTERNAL_ERROR_QUERY_ENGINE, an
// AthenaError with Retryable true): neither moto nor serve fails a query retryably on demand.
TEST_P(HandlerEvents, RetryableFailureResubmitsWithTheNextGeneration) {
  const std::string first = start_slot("SELECT 1 -- hold_me flaky_me");
  engine_->release(first);
  auto response = invoke(state_change(first, "FAILED", "RUNNING"));
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto query = json::parse(response.payload())["queries"][0];
  EXPECT_EQ(query["action"], "resubmitted");
  ASSERT_EQ(engine_->ids.size(), 2u);
  const std::string second = engine_->ids[1];
  EXPECT_EQ(query["next_query_execution_id"], second);

  auto resolved = spec::parse_query_spec_json(
      R"({"name": "daily", "sql": "SELECT 1 -- hold_me flaky_me", "timeout": "10m"})", config_.defaults);
  ASSERT_TRUE(resolved);
  auto generation1 = spec::render_query(*resolved, *spec::parse_instant("2024-05-02T04:00:00Z"), 1);
  ASSERT_TRUE(generation1);
  EXPECT_EQ(engine_->tokens[1], generation1->client_request_token);
  EXPECT_NE(engine_->tokens[1], engine_->tokens[0]);

  auto old_record = record(first);
  EXPECT_EQ(old_record["state"], "RESUBMITTED");
  EXPECT_EQ(old_record["next_query_execution_id"], second);
  EXPECT_NE(old_record["reason"].get<std::string>().find("INTERNAL_ERROR_QUERY_ENGINE"), std::string::npos);
  auto new_record = record(second);
  EXPECT_EQ(new_record["state"], "RUNNING");
  EXPECT_EQ(new_record["generation"], 1);
  EXPECT_EQ(new_record["attempt"], 2);
  EXPECT_EQ(new_record["client_request_token"], generation1->client_request_token);
  EXPECT_FALSE(open_marker(first));
  EXPECT_TRUE(open_marker(second));

  // A duplicate of the failure event resubmits nothing more.
  auto duplicate = invoke(state_change(first, "FAILED", "RUNNING"));
  ASSERT_TRUE(duplicate.is_success()) << duplicate.error_message();
  EXPECT_EQ(json::parse(duplicate.payload())["queries"][0]["action"], "already-finished");
  EXPECT_EQ(engine_->ids.size(), 2u);

  // The second generation succeeds (only the first start was flaky).
  engine_->release(second);
  auto finished = invoke(state_change(second, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(finished.is_success()) << finished.error_message();
  EXPECT_EQ(json::parse(finished.payload())["queries"][0]["attempts"], 2);
  EXPECT_EQ(record(second)["state"], "SUCCEEDED");
}

TEST_P(HandlerEvents, ResubmissionsAreBounded) {
  config_.max_attempts = 2;
  engine_->flaky_failures = 5;
  const std::string first = start_slot("SELECT 2 -- hold_me flaky_me");
  engine_->release(first);
  ASSERT_TRUE(invoke(state_change(first, "FAILED", "RUNNING")).is_success());
  ASSERT_EQ(engine_->ids.size(), 2u);
  EXPECT_EQ(record(first)["state"], "RESUBMITTED");
  const std::string second = engine_->ids[1];
  engine_->release(second);
  auto response = invoke(state_change(second, "FAILED", "RUNNING"));
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "QueryFailed");
  EXPECT_NE(response.error_message().find("daily: FAILED (" + second + "): INTERNAL_ERROR_QUERY_ENGINE"),
            std::string::npos)
      << response.error_message();
  EXPECT_EQ(engine_->ids.size(), 2u);  // attempt 2 of 2: no third start
  EXPECT_EQ(record(second)["state"], "FAILED");
}

// A final failure: on serve the query over the missing table fails for real.
TEST_P(HandlerEvents, FinalFailureFailsTheInvocationWithTheReason) {
  const std::string id = start_slot("SELECT * FROM nope -- hold_me fail_me");
  engine_->release(id);
  auto response = invoke(state_change(id, "FAILED", "RUNNING"));
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "QueryFailed");
  EXPECT_EQ(response.error_message(), "1 of 1 query failed: daily: FAILED (" + id + "): " + missing_table_reason(id));
  auto failed = record(id);
  EXPECT_EQ(failed["state"], "FAILED");
  EXPECT_EQ(failed["error_type"], "QueryFailed");
  EXPECT_EQ(engine_->ids.size(), 1u);  // a user error is not resubmitted

  // The same event again: the record is final; the answer is the same failure, nothing else happens.
  auto again = invoke(state_change(id, "FAILED", "RUNNING"));
  ASSERT_FALSE(again.is_success());
  EXPECT_EQ(again.error_type(), "QueryFailed");
  EXPECT_EQ(again.error_message(), response.error_message());
  EXPECT_EQ(record(id), failed);
}

// Events mode on moto only: moto ends a query at once, so the start itself reads it finished; serve's local
// engine may still run it then.
class HandlerEventsMoto : public HandlerEvents {};

TEST_P(HandlerEventsMoto, AQueryFinishedBeforeItsRecordIsFinishedByTheStart) {
  const std::string id = start_slot("SELECT 3");  // moto ends it at once
  EXPECT_EQ(record(id)["state"], "SUCCEEDED");
  EXPECT_FALSE(open_marker(id));
  auto late = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(late.is_success());
  EXPECT_EQ(json::parse(late.payload())["queries"][0]["action"], "already-finished");
}

TEST_P(HandlerEvents, ARetriedStartKeepsTheRecord) {
  engine_->idempotent = true;
  const std::string first = start_slot("SELECT 4 -- hold_me");
  auto written = record(first);
  const std::string second = start_slot("SELECT 4 -- hold_me");
  EXPECT_EQ(first, second);
  EXPECT_EQ(record(first), written);
  EXPECT_NE(log_.str().find("run record exists"), std::string::npos);
}

TEST_P(HandlerEvents, TheSweepFinishesRunsWhoseEventWasLost) {
  const std::string id = start_slot("SELECT 5 -- hold_me");
  engine_->release(id);  // SUCCEEDED, and no event ever comes
  auto response = invoke(R"({"sweep": true})");
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto body = json::parse(response.payload());
  EXPECT_EQ(body["event"], "sweep");
  bool finished = false;
  for (const auto& query : body["queries"])
    finished = finished || (query["query_execution_id"] == id && query["action"] == "finished");
  EXPECT_TRUE(finished) << body.dump();
  EXPECT_EQ(record(id)["state"], "SUCCEEDED");
  EXPECT_FALSE(open_marker(id));
}

TEST_P(HandlerEvents, TheSweepStopsARunPastItsDeadline) {
  const std::string id = start_slot("SELECT 6 -- hold_me");
  auto response = invoke(R"({"sweep": {"locations": ["s3://results-bucket/athena/"]}})");
  ASSERT_TRUE(response.is_success()) << response.error_message();  // within its 10 minutes: left alone
  EXPECT_EQ(record(id)["state"], "RUNNING");

  // Eleven minutes later the query is still running: the sweep stops it and fails the run.
  clock_.now = [] { return std::chrono::system_clock::now() + std::chrono::minutes(11); };
  auto late = invoke(R"({"sweep": true})");
  ASSERT_FALSE(late.is_success());
  EXPECT_EQ(late.error_type(), "QueryTimedOut");
  EXPECT_NE(late.error_message().find(id), std::string::npos) << late.error_message();
  EXPECT_NE(late.error_message().find("after its deadline"), std::string::npos) << late.error_message();
  EXPECT_EQ(record(id)["state"], "FAILED");
  EXPECT_EQ(record(id)["error_type"], "QueryTimedOut");
  EXPECT_FALSE(open_marker(id));
  // StopQueryExecution reached moto. serve ran SELECT 6 to its end long ago (the decorator held it): stopping a
  // finished query changes nothing there, as on Athena.
  auto theirs = call("athena", "GetQueryExecution", {{"QueryExecutionId", id}});
  EXPECT_EQ(theirs["QueryExecution"]["Status"]["State"], moto() ? "CANCELLED" : "SUCCEEDED");
}

// load (scheduled) → clean (after load) → report (after clean), plus a join: summary after [clean, audit].
TEST_P(HandlerEvents, AChainOfThreeDependentsRunsForTheSameSlot) {
  engine_->idempotent = true;  // two upstream queries finishing both start the join: Athena's token dedupes
  const std::string dependents = R"([
    {"name": "clean", "sql": "SELECT 'clean' -- hold_me", "after": ["load"]},
    {"name": "report", "sql": "SELECT 'report' -- hold_me", "after": ["clean"]},
    {"name": "summary", "sql": "SELECT 'summary' -- hold_me", "after": ["clean", "audit"]}])";
  auto started = invoke(R"({"queries": [{"name": "load", "sql": "SELECT 'load' -- hold_me"},
                                        {"name": "audit", "sql": "SELECT 'audit' -- hold_me"}],
    "scheduled_time": "2024-05-03T04:00:00Z", "dependents": )" +
                        dependents + "}");
  ASSERT_TRUE(started.is_success()) << started.error_message();
  ASSERT_EQ(engine_->ids.size(), 2u);
  const std::string load = engine_->ids[0], audit = engine_->ids[1];
  EXPECT_EQ(record(load)["dependents"].size(), 3u);

  auto finish = [&](const std::string& id) {
    engine_->release(id);
    auto response = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
    EXPECT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
    EXPECT_EQ(json::parse(response.payload())["queries"][0]["action"], "finished");
  };
  auto started_by_name = [&](const std::string& name) {
    std::vector<std::string> found;
    auto all = records_by_query();
    for (auto [at, end] = all.equal_range(name); at != end; ++at) {
      const std::string id = at->second["query_execution_id"];
      if (std::find(engine_->ids.begin(), engine_->ids.end(), id) != engine_->ids.end()) found.push_back(id);
    }
    return found;
  };

  finish(load);
  ASSERT_EQ(engine_->ids.size(), 3u);  // clean only: summary also waits for audit
  const std::string clean = engine_->ids[2];
  auto clean_record = record(clean);
  EXPECT_EQ(clean_record["query"], "clean");
  EXPECT_EQ(clean_record["scheduled_time"], "2024-05-03T04:00:00Z");  // the upstream's slot
  auto clean_spec =
      spec::parse_query_spec_json(R"({"name": "clean", "sql": "SELECT 'clean' -- hold_me"})", config_.defaults);
  ASSERT_TRUE(clean_spec);
  EXPECT_EQ(clean_record["client_request_token"],
            spec::render_query(*clean_spec, *spec::parse_instant("2024-05-03T04:00:00Z"))->client_request_token);
  EXPECT_NE(clean_record["client_request_token"], record(load)["client_request_token"]);

  // A duplicate of load's event starts nothing again.
  ASSERT_TRUE(invoke(state_change(load, "SUCCEEDED", "RUNNING")).is_success());
  EXPECT_EQ(engine_->ids.size(), 3u);

  finish(clean);  // starts report; summary still waits for audit
  ASSERT_EQ(engine_->ids.size(), 4u);
  const std::string report = engine_->ids[3];
  EXPECT_EQ(record(report)["query"], "report");
  EXPECT_TRUE(started_by_name("summary").empty());

  finish(audit);  // the last upstream of summary
  ASSERT_EQ(started_by_name("summary").size(), 1u);
  const std::string summary = started_by_name("summary")[0];
  finish(report);
  finish(summary);
  EXPECT_EQ(record(report)["state"], "SUCCEEDED");
  EXPECT_EQ(record(summary)["state"], "SUCCEEDED");
  EXPECT_EQ(std::set<std::string>(engine_->ids.begin(), engine_->ids.end()).size(), 5u);  // each query once
}

// on_overlap: slots of one query an hour apart, the first held RUNNING until released.
class HandlerOverlap : public HandlerEvents {
 protected:
  // One slot of `hourly` (SQL "SELECT <hour> -- hold_me"); the answer's only query.
  json slot(int hour, const std::string& on_overlap) {
    char time[32];
    std::snprintf(time, sizeof time, "2024-05-02T%02d:00:00Z", hour);
    json payload = {{"query", {{"name", "hourly"}, {"sql", "SELECT 1 -- hold_me"}, {"timeout", "10m"}}},
                    {"scheduled_time", time},
                    {"schedule_arn", "arn:aws:scheduler:us-east-1:123456789012:schedule/default/hourly"}};
    if (!on_overlap.empty()) payload["query"]["on_overlap"] = on_overlap;
    auto response = invoke(payload.dump());
    EXPECT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
    if (!response.is_success()) return json();
    auto body = json::parse(response.payload());
    EXPECT_EQ(body["failed"], 0);
    return body["queries"][0];
  }
  std::string token_of(int hour, const std::string& on_overlap) const {
    auto resolved = spec::parse_query_spec_json(
        json{{"name", "hourly"}, {"sql", "SELECT 1 -- hold_me"}, {"timeout", "10m"}, {"on_overlap", on_overlap}}.dump(),
        config_.defaults);
    char time[32];
    std::snprintf(time, sizeof time, "2024-05-02T%02d:00:00Z", hour);
    return spec::render_query(*resolved, *spec::parse_instant(time))->client_request_token;
  }
  std::map<std::string, std::string> queued() const { return objects("athena/athena-runner/queued/hourly/"); }
  // The run records of this test's executions (the bucket outlives each test).
  std::vector<json> our_records() const {
    std::vector<json> out;
    for (const auto& [name, run] : records_by_query())
      if (std::find(engine_->ids.begin(), engine_->ids.end(), run["query_execution_id"]) != engine_->ids.end())
        out.push_back(run);
    return out;
  }
};

TEST_P(HandlerOverlap, AllowStartsTheNextSlotWhileThePreviousRuns) {
  const auto first = slot(4, "");
  const auto second = slot(5, "allow");
  EXPECT_EQ(second["action"], "recorded");
  EXPECT_NE(second["query_execution_id"], first["query_execution_id"]);
  EXPECT_EQ(record(first["query_execution_id"])["state"], "RUNNING");  // both run at once
  EXPECT_EQ(engine_->ids.size(), 2u);
}

TEST_P(HandlerOverlap, SkipAnswersSkippedNamingTheRunningExecution) {
  engine_->idempotent = true;  // the retry below gets the same execution, as on Athena
  const std::string first = slot(4, "skip")["query_execution_id"];
  const auto second = slot(5, "skip");
  EXPECT_EQ(second["action"], "skipped");
  EXPECT_EQ(second["state"], "NOT_STARTED");
  EXPECT_EQ(second["running_query_execution_id"], first);
  EXPECT_EQ(second["note"], "on_overlap skip: the slot 2024-05-02T04:00:00Z is still running as " + first);
  EXPECT_EQ(engine_->ids.size(), 1u);  // nothing started, nothing recorded
  EXPECT_EQ(our_records().size(), 1u);

  // A retry of the running slot itself is no overlap: the same token, the same record.
  EXPECT_EQ(slot(4, "skip")["action"], "recorded");
  EXPECT_EQ(engine_->tokens.back(), token_of(4, "skip"));

  // Once it ended (its event finished it), the next slot starts.
  engine_->release(first);
  ASSERT_TRUE(invoke(state_change(first, "SUCCEEDED", "RUNNING")).is_success());
  const auto third = slot(6, "skip");
  EXPECT_EQ(third["action"], "recorded");
  EXPECT_EQ(engine_->tokens.back(), token_of(6, "skip"));
}

TEST_P(HandlerOverlap, AStaleRecordIsCheckedWithAthena) {
  const std::string first = slot(4, "skip")["query_execution_id"];
  engine_->release(first);  // SUCCEEDED in Athena, its event not delivered yet: the record still says RUNNING
  EXPECT_EQ(record(first)["state"], "RUNNING");
  const auto second = slot(5, "skip");
  EXPECT_EQ(second["action"], "recorded");
  EXPECT_EQ(engine_->ids.size(), 2u);
}

TEST_P(HandlerOverlap, QueueStartsEachQueuedSlotOnceWhenTheRunningOneEnds) {
  engine_->idempotent = true;  // two finishers of one run start one execution per token, as on Athena
  const std::string first = slot(4, "queue")["query_execution_id"];
  const auto second = slot(5, "queue");
  EXPECT_EQ(second["action"], "queued");
  EXPECT_EQ(second["running_query_execution_id"], first);
  EXPECT_EQ(slot(5, "queue")["action"], "queued");  // a retried invocation of the same slot queues it once
  EXPECT_EQ(slot(6, "queue")["action"], "queued");
  EXPECT_EQ(engine_->ids.size(), 1u);
  auto waiting = queued();
  ASSERT_EQ(waiting.size(), 2u);
  auto head = json::parse(waiting.begin()->second);
  EXPECT_EQ(waiting.begin()->first, "athena/athena-runner/queued/hourly/2024-05-02T05:00:00Z.json");
  EXPECT_EQ(head["scheduled_time"], "2024-05-02T05:00:00Z");
  EXPECT_EQ(head["behind"], first);
  EXPECT_EQ(head["spec"]["on_overlap"], "queue");

  // The first ends: its finish starts the 05:00 slot (its own token), and only that one.
  engine_->release(first);
  ASSERT_TRUE(invoke(state_change(first, "SUCCEEDED", "RUNNING")).is_success());
  ASSERT_EQ(engine_->ids.size(), 2u);
  const std::string five = engine_->ids[1];
  EXPECT_EQ(engine_->tokens.back(), token_of(5, "queue"));
  auto five_record = record(five);
  EXPECT_EQ(five_record["scheduled_time"], "2024-05-02T05:00:00Z");
  EXPECT_EQ(five_record["state"], "RUNNING");
  EXPECT_TRUE(open_marker(five));
  waiting = queued();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting.begin()->first, "athena/athena-runner/queued/hourly/2024-05-02T06:00:00Z.json");

  // A duplicate of the first one's event starts nothing more.
  ASSERT_TRUE(invoke(state_change(first, "SUCCEEDED", "RUNNING")).is_success());
  EXPECT_EQ(engine_->ids.size(), 2u);

  // A queued slot waits for the one started from the queue, which may fail: the next starts all the same.
  const auto seven = slot(7, "queue");
  EXPECT_EQ(seven["action"], "queued");
  EXPECT_EQ(seven["running_query_execution_id"], five);
  engine_->release(five);
  ASSERT_TRUE(invoke(state_change(five, "SUCCEEDED", "RUNNING")).is_success());
  ASSERT_EQ(engine_->ids.size(), 3u);
  EXPECT_EQ(engine_->tokens.back(), token_of(6, "queue"));
  EXPECT_EQ(record(engine_->ids[2])["scheduled_time"], "2024-05-02T06:00:00Z");
  engine_->release(engine_->ids[2]);
  ASSERT_TRUE(invoke(state_change(engine_->ids[2], "SUCCEEDED", "RUNNING")).is_success());
  ASSERT_EQ(engine_->ids.size(), 4u);
  EXPECT_EQ(record(engine_->ids[3])["scheduled_time"], "2024-05-02T07:00:00Z");
  EXPECT_TRUE(queued().empty());
  // Each slot started once.
  std::set<std::string> slots;
  for (const auto& run : our_records()) slots.insert(run["scheduled_time"].get<std::string>());
  EXPECT_EQ(slots.size(), 4u);
  EXPECT_EQ(our_records().size(), 4u);
}

TEST_P(HandlerOverlap, AQueuedSlotStartsAfterAFailedOne) {
  engine_->idempotent = true;
  auto failing = invoke(R"({"query": {"name": "hourly", "sql": "SELECT * FROM nope -- hold_me fail_me",
      "on_overlap": "queue"}, "scheduled_time": "2024-05-02T04:00:00Z"})");
  ASSERT_TRUE(failing.is_success()) << failing.error_message();
  const std::string first = json::parse(failing.payload())["queries"][0]["query_execution_id"];
  EXPECT_EQ(slot(5, "queue")["action"], "queued");
  engine_->release(first);
  auto finished = invoke(state_change(first, "FAILED", "RUNNING"));
  EXPECT_FALSE(finished.is_success());  // the failed run fails its invocation, as ever
  EXPECT_EQ(finished.error_type(), "QueryFailed");
  ASSERT_EQ(engine_->ids.size(), 2u);  // and the queued slot started
  EXPECT_EQ(engine_->tokens.back(), token_of(5, "queue"));
  EXPECT_TRUE(queued().empty());
}

// A queued slot whose running slot ended without starting it (its finish failed for good) is started by the
// sweep, once no slot of the query runs.
TEST_P(HandlerOverlap, TheSweepStartsAStrandedQueuedSlot) {
  engine_->idempotent = true;
  auto strand = [&](int hour) {
    char time[32];
    std::snprintf(time, sizeof time, "2024-05-02T%02d:00:00Z", hour);
    json slot = {
        {"version", 1},
        {"query", "hourly"},
        {"spec", {{"name", "hourly"}, {"sql", "SELECT 1 -- hold_me"}, {"timeout", "10m"}, {"on_overlap", "queue"}}},
        {"dependents", json::array()},
        {"scheduled_time", time},
        {"behind", "00000000-0000-0000-0000-000000000000"},
        {"queued_at", time}};
    call("s3", "PutObject",
         {{"Bucket", "results-bucket"},
          {"Key", "athena/athena-runner/queued/hourly/" + std::string(time) + ".json"},
          {"Body", slot.dump()}});
  };
  strand(9);
  auto swept = invoke(R"({"sweep": true})");
  ASSERT_TRUE(swept.is_success()) << swept.error_type() << ": " << swept.error_message();
  ASSERT_EQ(engine_->ids.size(), 1u);
  EXPECT_EQ(engine_->tokens.back(), token_of(9, "queue"));
  EXPECT_EQ(record(engine_->ids[0])["scheduled_time"], "2024-05-02T09:00:00Z");
  EXPECT_TRUE(queued().empty());

  // While that one runs, another stranded slot stays queued: the running slot's finish starts it.
  strand(11);
  ASSERT_TRUE(invoke(R"({"sweep": true})").is_success());
  EXPECT_EQ(engine_->ids.size(), 1u);
  EXPECT_EQ(queued().size(), 1u);
  engine_->release(engine_->ids[0]);
  ASSERT_TRUE(invoke(state_change(engine_->ids[0], "SUCCEEDED", "RUNNING")).is_success());
  ASSERT_EQ(engine_->ids.size(), 2u);
  EXPECT_EQ(engine_->tokens.back(), token_of(11, "queue"));
  EXPECT_TRUE(queued().empty());
}

// A dependent's own on_overlap applies when its upstream's finish would start it.
TEST_P(HandlerOverlap, ADependentIsQueuedOrSkippedBehindItsEarlierSlot) {
  engine_->idempotent = true;
  for (const std::string mode : {"queue", "skip"}) {
    SCOPED_TRACE(mode);
    const std::string name = "digest_" + mode;
    const json dependents = json::array({{{"name", name},
                                          {"sql", "SELECT '" + mode + "' -- hold_me"},
                                          {"after", {"feed_" + mode}},
                                          {"on_overlap", mode}}});
    auto run_upstream = [&](const std::string& time) {
      json payload = {{"query", {{"name", "feed_" + mode}, {"sql", "SELECT 'feed' -- hold_me " + time}}},
                      {"scheduled_time", time},
                      {"dependents", dependents}};
      auto started = invoke(payload.dump());
      EXPECT_TRUE(started.is_success()) << started.error_message();
      const std::string id = json::parse(started.payload())["queries"][0]["query_execution_id"];
      engine_->release(id);
      auto finished = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
      EXPECT_TRUE(finished.is_success()) << finished.error_type() << ": " << finished.error_message();
    };
    auto digests = [&] {
      std::vector<json> out;
      for (const auto& run : our_records())
        if (run["query"] == name) out.push_back(run);
      return out;
    };
    run_upstream("2024-05-09T04:00:00Z");
    ASSERT_EQ(digests().size(), 1u);  // the 04:00 digest runs (held)
    const std::string first = digests()[0]["query_execution_id"];
    run_upstream("2024-05-09T05:00:00Z");
    EXPECT_EQ(digests().size(), 1u);  // the 05:00 one is held back while the 04:00 one runs
    const auto waiting = objects("athena/athena-runner/queued/" + name + "/");
    EXPECT_EQ(waiting.size(), mode == "queue" ? 1u : 0u);

    engine_->release(first);
    ASSERT_TRUE(invoke(state_change(first, "SUCCEEDED", "RUNNING")).is_success());
    const auto after = digests();
    if (mode == "queue") {
      ASSERT_EQ(after.size(), 2u);  // started by the 04:00 digest's finish, for its own slot
      std::set<std::string> slots;
      for (const auto& run : after) slots.insert(run["scheduled_time"].get<std::string>());
      EXPECT_EQ(slots, (std::set<std::string>{"2024-05-09T04:00:00Z", "2024-05-09T05:00:00Z"}));
    } else {
      EXPECT_EQ(after.size(), 1u);  // skipped for good
      bool logged = false;
      for (const auto& line : log_lines())
        logged = logged || (line["message"] == "slot skipped" && line["query"] == name &&
                            line["running_query_execution_id"] == first);
      EXPECT_TRUE(logged) << log_.str();
    }
  }
}

TEST_P(HandlerEvents, ADependentWithoutAfterIsRefusedAtTheStart) {
  auto response = invoke(R"({"query": {"name": "load", "sql": "SELECT 1"},
    "dependents": [{"name": "clean", "sql": "SELECT 2"}]})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "InvalidEvent");
  EXPECT_EQ(response.error_message(), "dependents: clean has no \"after\" (a dependent runs after another query)");
  EXPECT_TRUE(engine_->tokens.empty());
}

// The real S3 store, with a hook that runs just before the first conditional replace: another invocation
// finishing the same run between this one's read and its write.
// Notification (docs/queries-file.md, "Notification"): topics created with boto3 in moto, each with an SQS queue
// subscribed; what the handler published is read back from the queues with boto3.
class HandlerNotify : public HandlerEvents {
 protected:
  // The topics and queues, made once per process in moto (SNS has no local peer: notification runs on moto).
  void make_topics() {
    if (!topics_.empty()) return;
    for (const char* name : {"succeeded-runs", "failed-runs", "stack-runs"}) {
      const std::string topic = call("sns", "CreateTopic", {{"Name", name}})["TopicArn"];
      const std::string queue = call("sqs", "CreateQueue", {{"QueueName", name}})["QueueUrl"];
      const std::string queue_arn =
          call("sqs", "GetQueueAttributes",
               {{"QueueUrl", queue}, {"AttributeNames", {"QueueArn"}}})["Attributes"]["QueueArn"];
      call("sns", "Subscribe", {{"TopicArn", topic}, {"Protocol", "sqs"}, {"Endpoint", queue_arn}});
      topics_[name] = topic;
      queues_[name] = queue;
    }
  }
  void SetUp() override {
    HandlerEvents::SetUp();
    make_topics();
    sns_ = std::make_unique<aws::sns::SnsClient>(context_);
    for (const auto& [name, queue] : queues_) call("sqs", "PurgeQueue", {{"QueueUrl", queue}});
  }
  // `, "notify": {...}` for a query spec.
  static std::string notify(const std::string& on_success, const std::string& on_failure) {
    json targets = json::object();
    if (!on_success.empty()) targets["on_success"] = on_success;
    if (!on_failure.empty()) targets["on_failure"] = on_failure;
    return R"(, "notify": )" + targets.dump();
  }
  // The notifications delivered to a topic's queue since the test began (SNS's envelope), removed from it.
  std::vector<json> delivered(const std::string& topic_name) const {
    std::vector<json> notifications;
    while (true) {
      auto received =
          call("sqs", "ReceiveMessage", {{"QueueUrl", queues_.at(topic_name)}, {"MaxNumberOfMessages", 10}});
      if (!received.contains("Messages") || received["Messages"].empty()) return notifications;
      for (const auto& message : received["Messages"]) {
        notifications.push_back(json::parse(message["Body"].get<std::string>()));
        call("sqs", "DeleteMessage",
             {{"QueueUrl", queues_.at(topic_name)}, {"ReceiptHandle", message["ReceiptHandle"]}});
      }
    }
  }
  // The execution as boto3 sees it, and the cost of its bytes by Athena's price (USD 5 per TiB, bytes rounded up
  // to the MiB, 10 MiB minimum; aws.amazon.com/athena/pricing).
  json execution(const std::string& id) const {
    return call("athena", "GetQueryExecution", {{"QueryExecutionId", id}})["QueryExecution"];
  }
  static double athena_price(std::int64_t bytes) {
    if (bytes <= 0) return 0;
    constexpr std::int64_t kMiB = 1 << 20;
    const std::int64_t billed = std::max<std::int64_t>((bytes + kMiB - 1) / kMiB, 10) * kMiB;
    return static_cast<double>(billed) / static_cast<double>(std::int64_t{1} << 40) * 5.0;
  }
  static std::map<std::string, std::string> topics_;
  static std::map<std::string, std::string> queues_;
};
std::map<std::string, std::string> HandlerNotify::topics_;
std::map<std::string, std::string> HandlerNotify::queues_;

TEST_P(HandlerNotify, WaitModeSuccessNotifiesOnceWithTheRunsFacts) {
  config_.completion = CompletionMode::Wait;
  auto response = invoke(R"({"query": {"name": "daily", "sql": "SELECT 1")" +
                         notify(topics_["succeeded-runs"], topics_["failed-runs"]) +
                         R"(}, "scheduled_time": "2024-05-02T04:00:00Z"})");
  ASSERT_TRUE(response.is_success()) << response.error_message();
  const std::string id = json::parse(response.payload())["queries"][0]["query_execution_id"];
  auto notifications = delivered("succeeded-runs");
  ASSERT_EQ(notifications.size(), 1u) << log_.str();
  EXPECT_TRUE(delivered("failed-runs").empty());
  const auto& envelope = notifications[0];
  EXPECT_EQ(envelope["TopicArn"], topics_["succeeded-runs"]);
  EXPECT_EQ(envelope["Subject"], "athena-runner: daily succeeded for 2024-05-02T04:00:00Z");
  EXPECT_EQ(envelope["MessageAttributes"]["query"]["Value"], "daily");
  EXPECT_EQ(envelope["MessageAttributes"]["outcome"]["Value"], "succeeded");
  const json message = json::parse(envelope["Message"].get<std::string>());
  const json seen = execution(id);
  const std::int64_t bytes = seen["Statistics"].value("DataScannedInBytes", std::int64_t{0});
  EXPECT_EQ(message, (json{{"query", "daily"},
                           {"scheduled_time", "2024-05-02T04:00:00Z"},
                           {"state", "SUCCEEDED"},
                           {"outcome", "succeeded"},
                           {"query_execution_id", id},
                           {"data_scanned_bytes", bytes},
                           {"estimated_cost_usd", athena_price(bytes)},
                           {"output_location", seen["ResultConfiguration"]["OutputLocation"]},
                           {"workgroup", "primary"}}));
  EXPECT_EQ(message["output_location"], "s3://results-bucket/athena/" + id + ".csv");
}

// Wait mode runs a payload's dependents in the same invocation: each notifies as its own spec says (the
// upstream asks for nothing here), once.
TEST_P(HandlerNotify, WaitModeDependentsNotifyAsTheirOwnSpecSays) {
  config_.completion = CompletionMode::Wait;
  auto response = invoke(R"({"query": {"name": "load", "sql": "SELECT 1"},
      "dependents": [{"name": "report", "sql": "SELECT 2", "after": ["load"])" +
                         notify(topics_["succeeded-runs"], "") + R"(}],
      "scheduled_time": "2024-05-02T04:00:00Z"})");
  ASSERT_TRUE(response.is_success()) << response.error_message();
  auto notifications = delivered("succeeded-runs");
  ASSERT_EQ(notifications.size(), 1u) << log_.str();
  EXPECT_EQ(notifications[0]["Subject"], "athena-runner: report succeeded for 2024-05-02T04:00:00Z");
  EXPECT_TRUE(delivered("failed-runs").empty());
}

TEST_P(HandlerNotify, WaitModeFailureNotifiesOnceWithTheReason) {
  config_.completion = CompletionMode::Wait;
  auto response = invoke(R"({"queries": [{"name": "bad", "sql": "SELECT * FROM nope -- fail_me")" +
                         notify(topics_["succeeded-runs"], topics_["failed-runs"]) + R"(},
      {"name": "quiet", "sql": "SELECT 2")" +
                         notify("", topics_["failed-runs"]) + R"(}],
      "scheduled_time": "2024-05-02T04:00:00Z"})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "QueryFailed");
  EXPECT_TRUE(delivered("succeeded-runs").empty());  // quiet succeeded but asked for failures only
  auto notifications = delivered("failed-runs");
  ASSERT_EQ(notifications.size(), 1u) << log_.str();
  EXPECT_EQ(notifications[0]["Subject"], "athena-runner: bad failed (QueryFailed) for 2024-05-02T04:00:00Z");
  EXPECT_EQ(notifications[0]["MessageAttributes"]["outcome"]["Value"], "failed");
  const json message = json::parse(notifications[0]["Message"].get<std::string>());
  EXPECT_EQ(message["query"], "bad");
  EXPECT_EQ(message["state"], "FAILED");
  EXPECT_EQ(message["outcome"], "failed");
  EXPECT_EQ(message["error_type"], "QueryFailed");
  EXPECT_EQ(message["reason"], "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.lake.nope' does not exist");
  EXPECT_NE(execution(message["query_execution_id"])["Query"].get<std::string>().find("fail_me"), std::string::npos);
}

TEST_P(HandlerNotify, EventsModeNotifiesOnceAndADuplicateEventDoesNotNotifyAgain) {
  const std::string id = start_slot("SELECT 1 -- hold_me", notify(topics_["succeeded-runs"], ""));
  EXPECT_TRUE(delivered("succeeded-runs").empty());  // started, not finished
  engine_->release(id);
  auto response = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(response.is_success()) << response.error_message();
  auto notifications = delivered("succeeded-runs");
  ASSERT_EQ(notifications.size(), 1u) << log_.str();
  const json message = json::parse(notifications[0]["Message"].get<std::string>());
  EXPECT_EQ(message["query"], "daily");
  EXPECT_EQ(message["scheduled_time"], "2024-05-02T04:00:00Z");
  EXPECT_EQ(message["state"], "SUCCEEDED");
  EXPECT_EQ(message["query_execution_id"], id);
  EXPECT_EQ(message["output_location"], "s3://results-bucket/athena/" + id + ".csv");

  auto again = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(again.is_success());
  EXPECT_EQ(json::parse(again.payload())["queries"][0]["action"], "already-finished");
  EXPECT_TRUE(delivered("succeeded-runs").empty());
}

TEST_P(HandlerNotify, EventsModeFailureNotifiesOnceWithTheReason) {
  const std::string id = start_slot("SELECT * FROM nope -- hold_me fail_me", notify("", topics_["failed-runs"]));
  engine_->release(id);
  auto response = invoke(state_change(id, "FAILED", "RUNNING"));
  ASSERT_FALSE(response.is_success());
  auto notifications = delivered("failed-runs");
  ASSERT_EQ(notifications.size(), 1u) << log_.str();
  const json message = json::parse(notifications[0]["Message"].get<std::string>());
  EXPECT_EQ(message["error_type"], "QueryFailed");
  EXPECT_EQ(message["reason"], "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.lake.nope' does not exist");
  auto again = invoke(state_change(id, "FAILED", "RUNNING"));
  ASSERT_FALSE(again.is_success());
  EXPECT_TRUE(delivered("failed-runs").empty());
}

TEST_P(HandlerNotify, StackNamesTheFunctionsTopic) {
  config_.notify_topic = topics_["stack-runs"];
  const std::string id =
      start_slot("SELECT 3", notify("stack", "stack"));  // moto ends it at once: the start finishes it
  auto notifications = delivered("stack-runs");
  ASSERT_EQ(notifications.size(), 1u) << log_.str();
  EXPECT_EQ(json::parse(notifications[0]["Message"].get<std::string>())["query_execution_id"], id);

  config_.notify_topic.reset();
  start_slot("SELECT 4", notify("stack", ""));
  EXPECT_TRUE(delivered("stack-runs").empty());
  bool logged = false;
  for (const auto& line : log_lines())
    logged = logged || (line["message"] == "notification failed" &&
                        line["error"] == "notify names stack, but ATHENA_RUNNER_NOTIFY_TOPIC is not set");
  EXPECT_TRUE(logged) << log_.str();
}

TEST_P(HandlerNotify, AFailedPublishIsLoggedAndTheRunStillSucceeds) {
  config_.completion = CompletionMode::Wait;
  auto response = invoke(R"({"query": {"name": "daily", "sql": "SELECT 1")" +
                         notify("arn:aws:sns:us-east-1:123456789012:no-such-topic", "") + "}}");
  ASSERT_TRUE(response.is_success()) << response.error_message();
  EXPECT_EQ(json::parse(response.payload())["failed"], 0);
  bool logged = false;
  for (const auto& line : log_lines()) {
    if (line["message"] != "notification failed") continue;
    logged = true;
    EXPECT_EQ(line["level"], "error");
    EXPECT_EQ(line["topic"], "arn:aws:sns:us-east-1:123456789012:no-such-topic");
    EXPECT_NE(line["error"].get<std::string>().find("NotFound"), std::string::npos) << line;
  }
  EXPECT_TRUE(logged) << log_.str();
}

class RacingStore : public RunStore {
 public:
  RacingStore(RunStore& inner, std::function<void()> before_first_replace)
      : inner_(inner), before_(std::move(before_first_replace)) {}
  Outcome<std::optional<Object>> read(const aws::s3::S3Uri& uri) override { return inner_.read(uri); }
  Outcome<bool> create(const aws::s3::S3Uri& uri, std::string_view body) override { return inner_.create(uri, body); }
  Outcome<bool> replace(const aws::s3::S3Uri& uri, std::string_view body, const std::string& etag) override {
    if (before_) std::exchange(before_, nullptr)();
    return inner_.replace(uri, body, etag);
  }
  Status remove(const aws::s3::S3Uri& uri) override { return inner_.remove(uri); }
  Outcome<std::vector<std::string>> list_keys(const aws::s3::S3Uri& prefix) override {
    return inner_.list_keys(prefix);
  }

 private:
  RunStore& inner_;
  std::function<void()> before_;
};

TEST_P(HandlerEvents, TwoInvocationsFinishingOneRunFinishItOnce) {
  engine_->idempotent = true;
  const std::string id = start_slot("SELECT 7 -- hold_me flaky_me");  // a retryable failure: resubmits once
  engine_->release(id);
  const std::string event = state_change(id, "FAILED", "RUNNING");
  InvocationResponse inner = InvocationResponse::failure("not run", "NotRun");
  RacingStore racing(*store_, [&] { inner = invoke(event); });  // the inner one uses the plain store
  InvocationRequest request;
  request.request_id = "outer";
  request.payload = event;
  request.deadline = std::chrono::system_clock::now() + std::chrono::minutes(1);
  QueryHandler outer_handler(config_, *engine_, clock_, log_, &racing);
  auto outer = outer_handler(request);
  ASSERT_TRUE(inner.is_success()) << inner.error_type() << ": " << inner.error_message();
  ASSERT_TRUE(outer.is_success()) << outer.error_type() << ": " << outer.error_message();
  EXPECT_EQ(json::parse(inner.payload())["queries"][0]["action"], "resubmitted");
  auto outer_answer = json::parse(outer.payload())["queries"][0];
  EXPECT_EQ(outer_answer["action"], "already-finished");
  EXPECT_EQ(outer_answer["next_query_execution_id"], record(id)["next_query_execution_id"]);
  // Both resubmitted with the same next-generation token: one execution (Athena's idempotency).
  EXPECT_EQ(std::set<std::string>(engine_->ids.begin(), engine_->ids.end()).size(), 2u);
  EXPECT_EQ(record(id)["state"], "RESUBMITTED");
}

TEST_P(HandlerEvents, WithoutARunStoreEventsModeIsRefused) {
  store_.reset();
  auto response = invoke(R"({"query": {"name": "q", "sql": "SELECT 1"}})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "InvalidConfiguration");
  EXPECT_TRUE(engine_->tokens.empty());
}

TEST_P(HandlerEvents, SuccessDeliversOnceAndADuplicateEventDeliversNothing) {
  const std::string id =
      start_slot(revenue_sql(" -- hold_me"), R"(, "deliver": [{"to": "s3://reports-bucket/events/", "format": "csv.gz"},
                                                      {"to": "s3://reports-bucket/events/{{ scheduled_date }}.csv"}])");
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(stored("reports-bucket", "events/2024-05-02.csv").body.is_null());  // nothing before it succeeded
  engine_->release(id);
  auto response = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto body = json::parse(response.payload());
  EXPECT_EQ(body["queries"][0]["action"], "finished");
  const json expected = json::parse(R"([{"to": "s3://reports-bucket/events/", "format": "csv.gz",
      "objects": ["s3://reports-bucket/events/daily_20240502T040000Z.csv.gz"], "kept": false},
      {"to": "s3://reports-bucket/events/2024-05-02.csv", "format": "csv",
       "objects": ["s3://reports-bucket/events/2024-05-02.csv"], "kept": false}])");
  EXPECT_EQ(body["queries"][0]["deliveries"], expected);
  EXPECT_EQ(gunzipped("reports-bucket", "events/daily_20240502T040000Z.csv.gz"), kResultCsv);
  EXPECT_EQ(stored("reports-bucket", "events/2024-05-02.csv").body, kResultCsv);
  auto finished = record(id);
  EXPECT_EQ(finished["state"], "SUCCEEDED");
  EXPECT_EQ(finished["delivered"], expected);

  // The same event again: the record is final, so nothing is delivered (a removed object stays removed),
  // and the answer still says where the results went.
  call("s3", "DeleteObject", {{"Bucket", "reports-bucket"}, {"Key", "events/2024-05-02.csv"}});
  auto again = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_TRUE(again.is_success()) << again.error_message();
  auto again_body = json::parse(again.payload());
  EXPECT_EQ(again_body["queries"][0]["action"], "already-finished");
  EXPECT_EQ(again_body["queries"][0]["deliveries"], expected);
  EXPECT_TRUE(stored("reports-bucket", "events/2024-05-02.csv").body.is_null());
  EXPECT_EQ(record(id), finished);
}

TEST_P(HandlerEvents, AFailedDeliveryFailsTheRunOnceAndForAll) {
  const std::string id =
      start_slot(revenue_sql(" -- hold_me"), R"(, "deliver": [{"to": "s3://no-such-bucket-here/daily.csv"}])");
  ASSERT_FALSE(id.empty());
  engine_->release(id);
  auto response = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "DeliveryFailed");
  EXPECT_NE(response.error_message().find("delivery to s3://no-such-bucket-here/daily.csv (csv) failed"),
            std::string::npos)
      << response.error_message();
  auto failed = record(id);
  EXPECT_EQ(failed["state"], "FAILED");
  EXPECT_EQ(failed["error_type"], "DeliveryFailed");
  // A duplicate event fails the same way without trying again.
  auto again = invoke(state_change(id, "SUCCEEDED", "RUNNING"));
  ASSERT_FALSE(again.is_success());
  EXPECT_EQ(again.error_type(), "DeliveryFailed");
  EXPECT_EQ(record(id), failed);
}

// deliver: parquet and json go through UNLOAD, which moto cannot run: against serve only, whose local engine runs
// it for real. What arrived is read back by another path than the writer's: the json objects with boto3, gzip
// and Python's json; the parquet objects by a query through serve over a Glue table made on their folder (the
// engine's parquet reader, not its UNLOAD writer). The rows expected are kSalesCsv's.
class HandlerServeDelivery : public HandlerEvents {
 protected:
  // {"json": [rows of every json object], "parquet": [rows of a SELECT over the parquet folder]}.
  json read_back(const json& json_objects, const std::string& parquet_folder) const {
    constexpr char kReader[] = R"py(
import boto3, gzip, json, sys, time
s3, glue, athena = boto3.client("s3"), boto3.client("glue"), boto3.client("athena")
out = {"json": [], "parquet": []}
for uri in json.loads(sys.argv[1]):
    bucket, key = uri[len("s3://"):].split("/", 1)
    for line in gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode().splitlines():
        if line.strip():
            out["json"].append(json.loads(line))
glue.create_table(DatabaseName="lake", TableInput={"Name": "delivered", "TableType": "EXTERNAL_TABLE",
    "StorageDescriptor": {"Columns": [{"Name": "day", "Type": "date"}, {"Name": "revenue", "Type": "decimal(10,2)"}],
        "Location": sys.argv[2],
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {
    "SerializationLibrary" : "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
  }
}
})
qid = athena.start_query_execution(QueryString="SELECT day, revenue FROM delivered ORDER BY day",
    QueryExecutionContext={"Database": "lake"},
    ResultConfiguration={"OutputLocation": "s3://results-bucket/check/"})["QueryExecutionId"]
while True:
    status = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
    if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
        break
    time.sleep(0.05)
if status["State"] != "SUCCEEDED":
    sys.exit("the check query " + json.dumps(status, default=str))
rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"][1:]
out["parquet"] = [[cell.get("VarCharValue") for cell in row["Data"]] for row in rows]
print(json.dumps(out))
)py";
    auto result =
        testing::run_process({"python3", "-c", kReader, json_objects.dump(), parquet_folder}, {}, environment_);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out, nullptr, false);
  }
  // The folder of an s3:// object.
  static std::string folder_of(const std::string& uri) { return uri.substr(0, uri.rfind('/') + 1); }
  void expect_sales_rows(const json& deliveries) const {
    ASSERT_EQ(deliveries.size(), 2u) << deliveries.dump();
    EXPECT_EQ(deliveries[0]["format"], "parquet");
    EXPECT_EQ(deliveries[1]["format"], "json");
    const json parquet = deliveries[0]["objects"];
    const json json_objects = deliveries[1]["objects"];
    ASSERT_FALSE(parquet.empty());
    ASSERT_FALSE(json_objects.empty());
    for (const auto& object : parquet)
      EXPECT_EQ(object.get<std::string>().rfind("s3://reports-bucket/pq/", 0), 0u) << object;
    for (const auto& object : json_objects)
      EXPECT_EQ(object.get<std::string>().rfind("s3://reports-bucket/js/", 0), 0u) << object;
    // Every parquet object sits in one folder (read as one table below); each starts and ends with PAR1.
    for (const auto& object : parquet) {
      EXPECT_EQ(folder_of(object), folder_of(parquet[0])) << parquet.dump();
      const auto uri = aws::s3::parse_s3_uri(object.get<std::string>());
      ASSERT_TRUE(uri);
      const auto path = dir_.path() + "/data/" + uri->bucket + "/" + uri->key;
      std::ifstream in(path, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), {});
      ASSERT_GE(bytes.size(), 8u) << path;
      EXPECT_EQ(bytes.substr(0, 4), "PAR1");
      EXPECT_EQ(bytes.substr(bytes.size() - 4), "PAR1");
    }
    const json read = read_back(json_objects, folder_of(parquet[0]));
    ASSERT_TRUE(read.is_object());
    // kSalesCsv, line by line.
    EXPECT_EQ(read["parquet"], json::parse(R"([["2024-05-01", "1234.50"], ["2024-05-02", "99.00"]])"));
    ASSERT_EQ(read["json"].size(), 2u) << read.dump();
    std::vector<std::pair<std::string, double>> rows;
    for (const auto& row : read["json"]) {
      ASSERT_TRUE(row.contains("day") && row.contains("revenue")) << row;
      const double revenue =
          row["revenue"].is_string() ? std::stod(row["revenue"].get<std::string>()) : row["revenue"].get<double>();
      rows.emplace_back(row["day"].get<std::string>(), revenue);
    }
    std::sort(rows.begin(), rows.end());
    EXPECT_EQ(rows, (std::vector<std::pair<std::string, double>>{{"2024-05-01", 1234.50}, {"2024-05-02", 99.00}}));
  }
  static std::string sales_report(const std::string& marker = "") {
    return R"({"name": "sales_report", "sql": "SELECT day, revenue FROM sales)" + marker + R"(",
        "deliver": [{"to": "s3://reports-bucket/pq/", "format": "parquet"},
                    {"to": "s3://reports-bucket/js/", "format": "json"}]})";
  }
};

TEST_P(HandlerServeDelivery, WaitModeDeliversParquetAndJsonThroughUnload) {
  config_.completion = CompletionMode::Wait;
  auto response = invoke(R"({"query": )" + sales_report() + R"(, "scheduled_time": "2024-05-02T04:00:00Z"})");
  ASSERT_TRUE(response.is_success()) << response.error_type() << ": " << response.error_message();
  auto query = json::parse(response.payload())["queries"][0];
  EXPECT_EQ(query["state"], "SUCCEEDED");
  expect_sales_rows(query["deliveries"]);
}

TEST_P(HandlerServeDelivery, EventsModeDeliversParquetAndJsonOnceThroughUnload) {
  auto started =
      invoke(R"({"query": )" + sales_report(" -- hold_me") + R"(, "scheduled_time": "2024-05-02T04:00:00Z"})");
  ASSERT_TRUE(started.is_success()) << started.error_type() << ": " << started.error_message();
  const std::string id = json::parse(started.payload())["queries"][0]["query_execution_id"];
  engine_->release(id);
  const std::string event = state_change(id, "SUCCEEDED", "RUNNING");
  auto finished = invoke(event);
  ASSERT_TRUE(finished.is_success()) << finished.error_type() << ": " << finished.error_message();
  auto query = json::parse(finished.payload())["queries"][0];
  EXPECT_EQ(query["action"], "finished");
  expect_sales_rows(query["deliveries"]);
  // A duplicate event runs no UNLOAD again: the engine started the query and one UNLOAD per format, no more.
  const auto started_before = engine_->ids.size();
  auto again = invoke(event);
  ASSERT_TRUE(again.is_success()) << again.error_message();
  EXPECT_EQ(json::parse(again.payload())["queries"][0]["action"], "already-finished");
  EXPECT_EQ(engine_->ids.size(), started_before);
}

// Which fixture runs against which peer. SNS has no local peer (notification runs on moto); moto's state manager
// (the deadline tests), SQL over tables serve has not (the rendered query) and a query ended before its start returns
// stay on moto.
INSTANTIATE_TEST_SUITE_P(Peer, HandlerMoto, ::testing::Values(AthenaPeer::Moto), peer_name);
INSTANTIATE_TEST_SUITE_P(Peer, HandlerNotify, ::testing::Values(AthenaPeer::Moto), peer_name);
INSTANTIATE_TEST_SUITE_P(Peer, HandlerWait, kBothPeers, peer_name);
INSTANTIATE_TEST_SUITE_P(Peer, HandlerEvents, kBothPeers, peer_name);
INSTANTIATE_TEST_SUITE_P(Peer, HandlerEventsMoto, ::testing::Values(AthenaPeer::Moto), peer_name);
INSTANTIATE_TEST_SUITE_P(Peer, HandlerOverlap, kBothPeers, peer_name);
INSTANTIATE_TEST_SUITE_P(Peer, HandlerWaitOverlap, kBothPeers, peer_name);
INSTANTIATE_TEST_SUITE_P(Peer, HandlerServeDelivery, kServe, peer_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HandlerServeDelivery);

// Wait mode: a dependent the handler runs after its upstream succeeded applies its own on_overlap, as a scheduled
// slot of it would. The 04:00 invocation (in a thread) holds its `report` RUNNING; the 05:00 one runs `load`,
// then `report` meets that earlier slot.
class HandlerWaitDependentOverlap : public HandlerWaitOverlap {
 protected:
  static std::string chain(int hour, const std::string& on_overlap) {
    char time[32];
    std::snprintf(time, sizeof time, "2024-05-02T%02d:00:00Z", hour);
    json report = {{"name", "report"}, {"sql", hour == 4 ? "SELECT 2 -- hold_me" : "SELECT 2"}, {"after", {"load"}}};
    if (!on_overlap.empty()) report["on_overlap"] = on_overlap;
    return json{{"query", {{"name", "load"}, {"sql", "SELECT 1"}}},
                {"scheduled_time", time},
                {"dependents", {report, {{"name", "archive"}, {"sql", "SELECT 3"}, {"after", {"report"}}}}}}
        .dump();
  }
  // Starts the 04:00 chain in a thread; returns its report's execution (started after load) once its open marker
  // is there (read with boto3).
  std::string start_first_chain(const std::string& on_overlap) {
    first_ = std::thread([this, on_overlap] { first_response_ = invoke_aside(chain(4, on_overlap)); });
    for (int i = 0; i < 250 && engine_->started() < 2; ++i) std::this_thread::sleep_for(20ms);
    if (engine_->started() < 2) {
      ADD_FAILURE() << "the first chain's report never started";
      return "";
    }
    first_id_ = engine_->ids[1];  // the thread waits on it, held: nothing else starts meanwhile
    for (int i = 0; i < 100; ++i) {
      if (!stored("results-bucket", "athena/athena-runner/open/" + first_id_).body.is_null()) return first_id_;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "the first chain's report never recorded its run";
    return "";
  }
  // The response's line of one query.
  static json line_of(const InvocationResponse& response, const std::string& name) {
    const json body = json::parse(response.payload());
    for (const auto& query : body["queries"])
      if (query["name"] == name) return query;
    return nullptr;
  }
  std::vector<std::string> not_started_logged() const {
    std::vector<std::string> why;
    for (const auto& line : log_lines())
      if (line["message"] == "dependent not started") why.push_back(line["why"]);
    return why;
  }
};

TEST_P(HandlerWaitDependentOverlap, SkipAnswersTheDependentSkippedAndStartsNothingAfterIt) {
  engine_->idempotent = true;
  const std::string first = start_first_chain("skip");
  ASSERT_FALSE(first.empty());
  const std::size_t before = engine_->started();  // load and report of 04:00
  auto second = invoke(chain(5, "skip"));
  ASSERT_TRUE(second.is_success()) << second.error_type() << ": " << second.error_message();
  EXPECT_EQ(line_of(second, "load")["state"], "SUCCEEDED");
  const auto report = line_of(second, "report");
  EXPECT_EQ(report["action"], "skipped") << report;
  EXPECT_EQ(report["state"], "NOT_STARTED");
  EXPECT_EQ(report["running_query_execution_id"], first);
  EXPECT_EQ(report["scheduled_time"], "2024-05-02T05:00:00Z");
  EXPECT_EQ(engine_->started(), before + 1);  // only the 05:00 load
  EXPECT_EQ(not_started_logged(),
            (std::vector<std::string>{"archive for 2024-05-02T05:00:00Z: report did not succeed"}));

  engine_->release(first);
  first_.join();
  ASSERT_TRUE(first_response_.is_success()) << first_response_.error_message();
  EXPECT_EQ(line_of(first_response_, "archive")["state"], "SUCCEEDED");
  // The 04:00 report's record was closed when its wait ended: the 06:00 chain runs whole.
  auto third = invoke(chain(6, "skip"));
  ASSERT_TRUE(third.is_success()) << third.error_message();
  EXPECT_EQ(line_of(third, "report")["state"], "SUCCEEDED");
  EXPECT_EQ(line_of(third, "archive")["state"], "SUCCEEDED");
}

TEST_P(HandlerWaitDependentOverlap, QueueWaitsForTheEarlierSlotOfTheDependentThenStartsIt) {
  engine_->idempotent = true;
  const std::string first = start_first_chain("queue");
  ASSERT_FALSE(first.empty());
  const std::size_t before = engine_->started();
  InvocationResponse second = InvocationResponse::failure("not run", "NotRun");
  std::thread waiting([&] { second = invoke(chain(5, "queue")); });
  std::this_thread::sleep_for(800ms);         // many polls of the 04:00 report
  EXPECT_EQ(engine_->started(), before + 1);  // the 05:00 load only: its report waits
  engine_->release(first);
  waiting.join();
  first_.join();
  ASSERT_TRUE(second.is_success()) << second.error_type() << ": " << second.error_message();
  const auto report = line_of(second, "report");
  EXPECT_EQ(report["state"], "SUCCEEDED") << report;
  EXPECT_EQ(report["scheduled_time"], "2024-05-02T05:00:00Z");
  EXPECT_EQ(line_of(second, "archive")["state"], "SUCCEEDED");
  // Its own token, for its own slot.
  auto resolved = spec::parse_query_spec_json(json::parse(chain(5, "queue"))["dependents"][0].dump(), config_.defaults);
  ASSERT_TRUE(resolved);
  EXPECT_EQ(report["client_request_token"],
            spec::render_query(*resolved, *spec::parse_instant("2024-05-02T05:00:00Z"))->client_request_token);
  EXPECT_EQ(engine_->started(), before + 4);  // the 04:00 archive, then load, report and archive of 05:00
}

TEST_P(HandlerWaitDependentOverlap, QueueGivesUpAtTheDeadlineAndFailsWithQueryNotStarted) {
  const std::string first = start_first_chain("queue");
  ASSERT_FALSE(first.empty());
  const std::size_t before = engine_->started();
  auto second = invoke(chain(5, "queue"), 1500ms);
  ASSERT_FALSE(second.is_success());
  EXPECT_EQ(second.error_type(), "QueryNotStarted");
  EXPECT_NE(second.error_message().find("report: NOT_STARTED: on_overlap queue: the slot 2024-05-02T04:00:00Z was "
                                        "still running as " +
                                        first + " at this invocation's deadline"),
            std::string::npos)
      << second.error_message();
  EXPECT_EQ(engine_->started(), before + 1);  // the 05:00 load ran; its report did not start
}

TEST_P(HandlerWaitDependentOverlap, AllowStartsTheDependentWhileItsEarlierSlotRuns) {
  engine_->idempotent = true;
  // Without on_overlap (allow) nothing is recorded in wait mode: wait until the 04:00 report was started.
  first_ = std::thread([this] { first_response_ = invoke_aside(chain(4, "")); });
  for (int i = 0; i < 200 && engine_->started() < 2; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(engine_->started(), 2u);
  first_id_ = engine_->ids[1];
  auto second = invoke(chain(5, ""));
  ASSERT_TRUE(second.is_success()) << second.error_message();
  EXPECT_EQ(line_of(second, "report")["state"], "SUCCEEDED");
  EXPECT_EQ(line_of(second, "archive")["state"], "SUCCEEDED");
  EXPECT_EQ(engine_->started(), 5u);
}

// Wait mode delivers each run as it ends, before its dependents start: a failed delivery starts none (as in
// events mode).
TEST_P(HandlerWaitDependentOverlap, AFailedDeliveryStartsNoDependent) {
  play_results(kResultCsv);
  auto response = invoke(R"({"query": {"name": "load", "sql": "SELECT 1",
      "deliver": [{"to": "s3://no-such-bucket-here/load.csv"}]},
    "scheduled_time": "2024-05-02T04:00:00Z",
    "dependents": [{"name": "report", "sql": "SELECT 2", "after": ["load"],
                    "deliver": [{"to": "s3://reports-bucket/report.csv"}]}]})");
  ASSERT_FALSE(response.is_success());
  EXPECT_EQ(response.error_type(), "DeliveryFailed");
  EXPECT_EQ(engine_->ids.size(), 1u);
  EXPECT_EQ(not_started_logged(), (std::vector<std::string>{"report for 2024-05-02T04:00:00Z: load did not succeed"}));
  EXPECT_TRUE(stored("reports-bucket", "report.csv").body.is_null());
}

// A retried wait-mode invocation (Lambda retries a failed one) finds the same execution ended the same way (its
// token): the marker written next to the results after the publish keeps it from notifying twice.
TEST_P(HandlerNotify, WaitModeARetriedInvocationDoesNotNotifyTheSameEndAgain) {
  config_.completion = CompletionMode::Wait;
  engine_->idempotent = true;
  auto payload = [&](const std::string& time) {
    return R"({"query": {"name": "retried", "sql": "SELECT * FROM fail_me")" +
           notify(topics_["succeeded-runs"], topics_["failed-runs"]) + R"(}, "scheduled_time": ")" + time + "\"}";
  };
  auto first = invoke(payload("2024-05-02T04:00:00Z"));
  ASSERT_FALSE(first.is_success());
  auto retried = invoke(payload("2024-05-02T04:00:00Z"));
  ASSERT_FALSE(retried.is_success());
  EXPECT_EQ(retried.error_type(), "QueryFailed");  // the invocation still fails, as before
  ASSERT_EQ(engine_->ids.size(), 1u);              // the same execution
  EXPECT_EQ(delivered("failed-runs").size(), 1u) << log_.str();
  EXPECT_FALSE(
      stored("results-bucket", "athena/athena-runner/notified/" + engine_->ids[0] + ".QueryFailed").body.is_null());
  // Another slot is another run: notified.
  ASSERT_FALSE(invoke(payload("2024-05-02T05:00:00Z")).is_success());
  EXPECT_EQ(delivered("failed-runs").size(), 1u);

  // A delivery that failed (its bucket did not exist yet), then succeeded on the retry: each end notified once.
  play_results(kResultCsv);
  const std::string delivering =
      R"({"query": {"name": "late", "sql": "SELECT 1", "deliver": [{"to": "s3://late-reports-bucket/late.csv"}])" +
      notify(topics_["succeeded-runs"], topics_["failed-runs"]) + R"(}, "scheduled_time": "2024-05-02T04:00:00Z"})";
  auto undelivered = invoke(delivering);
  ASSERT_FALSE(undelivered.is_success());
  EXPECT_EQ(undelivered.error_type(), "DeliveryFailed");
  call("s3", "CreateBucket", {{"Bucket", "late-reports-bucket"}});
  ASSERT_TRUE(invoke(delivering).is_success()) << log_.str();
  ASSERT_TRUE(invoke(delivering).is_success());
  EXPECT_EQ(delivered("failed-runs").size(), 1u);
  EXPECT_EQ(delivered("succeeded-runs").size(), 1u) << log_.str();
  EXPECT_EQ(stored("late-reports-bucket", "late.csv").body, kResultCsv);
}

INSTANTIATE_TEST_SUITE_P(Peer, HandlerWaitDependentOverlap, ::testing::Values(AthenaPeer::Moto), peer_name);

}  // namespace
}  // namespace athena_runner::lambda
