// Engine "athena" through the runner against a real moto_server: start/poll/summarise, the result CSV
// streamed from the OutputLocation in S3 (object put there with boto3), and the GetQueryResults
// fallback (rows queued through moto's own API) when there is no object.
#include <gtest/gtest.h>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/engine/athena_query_engine.hpp"
#include "athena_runner/runner/runner.hpp"
#include "client_test_support.hpp"

namespace athena_runner::runner {
namespace {

using nlohmann::json;
using testing::boto3_call;
using testing::MotoServer;

constexpr char kBucket[] = "runner-results";
constexpr char kOutput[] = "s3://runner-results/athena/";

class AthenaEngineMoto : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new MotoServer();
    context_ = testing::moto_context(*moto_);
    boto3_call(*moto_, "s3", "CreateBucket", {{"Bucket", kBucket}});
  }
  static void TearDownTestSuite() {
    context_.reset();
    delete moto_;
    moto_ = nullptr;
  }

  // The next GetQueryResults of a new execution returns these rows (moto's results queue).
  static void queue_results(const json& rows, const json& column_info) {
    testing::queue_athena_results(*moto_, rows, column_info);
  }

  static spec::ResolvedQuery query(const std::string& name) {
    spec::ResolvedQuery query;
    query.name = name;
    query.sql = "SELECT id, name FROM people";
    query.database = "lake";
    query.output = kOutput;
    return query;
  }

  static RunOptions fast_polling() {
    RunOptions options;
    options.poll = PollPolicy{std::chrono::milliseconds(5), 1.5, std::chrono::milliseconds(100)};
    return options;
  }

  static MotoServer* moto_;
  static std::shared_ptr<aws::ClientContext> context_;
};
MotoServer* AthenaEngineMoto::moto_ = nullptr;
std::shared_ptr<aws::ClientContext> AthenaEngineMoto::context_;

const spec::Instant kSlot{std::chrono::seconds(1'714'622'400)};

TEST_F(AthenaEngineMoto, RunsAndStreamsTheResultCsvFromS3) {
  auto engine = engine::make_athena_query_engine(context_);
  EXPECT_EQ(engine->name(), "athena");
  EXPECT_NE(engine->describe().find("us-east-1"), std::string::npos) << engine->describe();
  Runner runner(*engine, Clock::system());
  auto summary = runner.run(query("people_csv"), kSlot, fast_polling());
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  EXPECT_EQ(summary->state, RunState::Succeeded);
  EXPECT_EQ(summary->output_location, std::string(kOutput) + summary->query_execution_id + ".csv");
  EXPECT_EQ(summary->rendered.client_request_token,
            spec::render_query(query("people_csv"), kSlot)->client_request_token);

  // Athena would have written this object; here boto3 puts it (values with a comma, a quote, a NULL).
  const std::string csv = "\"id\",\"name\"\n\"1\",\"Ada, Countess\"\n\"2\",\n\"3\",\"Grace \"\"G\"\" Hopper\"\n";
  boto3_call(*moto_, "s3", "PutObject",
             {{"Bucket", kBucket}, {"Key", "athena/" + summary->query_execution_id + ".csv"}, {"Body", csv}});
  std::string via;
  auto table = fetch_results(*engine, summary->execution, 0, &via);
  ASSERT_TRUE(table) << table.get_failure().to_string();
  EXPECT_EQ(via, "csv");
  EXPECT_EQ(table->columns, (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(table->rows, (std::vector<std::vector<std::optional<std::string>>>{
                             {"1", "Ada, Countess"}, {"2", std::nullopt}, {"3", "Grace \"G\" Hopper"}}));
}

TEST_F(AthenaEngineMoto, FallsBackToGetQueryResultsWithoutAnObject) {
  auto engine = engine::make_athena_query_engine(context_);
  json header = {{"Data", {{{"VarCharValue", "id"}}, {{"VarCharValue", "name"}}}}};
  json rows = json::array({header,
                           {{"Data", {{{"VarCharValue", "7"}}, {{"VarCharValue", "Lin"}}}}},
                           {{"Data", {{{"VarCharValue", "8"}}, json::object()}}}});
  json columns = json::array({{{"Name", "id"}, {"Label", "id"}, {"Type", "integer"}},
                              {{"Name", "name"}, {"Label", "name"}, {"Type", "varchar"}}});
  queue_results(rows, columns);
  Runner runner(*engine, Clock::system());
  auto summary = runner.run(query("people_fallback"), kSlot, fast_polling());
  ASSERT_TRUE(summary && summary->succeeded());
  // moto writes the queued rows as the result CSV at the OutputLocation, as Athena would; removing it
  // (as a lifecycle rule or a user might) leaves only GetQueryResults.
  const std::string key = "athena/" + summary->query_execution_id + ".csv";
  // From a byte on (GetQueryResults paging in serve): a Range GET, the rest of the same object.
  std::string whole, rest;
  ASSERT_TRUE(engine->stream_result_csv(summary->execution, 0, [&](std::string_view chunk) {
    whole.append(chunk);
    return true;
  }));
  ASSERT_GT(whole.size(), 5u);
  ASSERT_TRUE(engine->stream_result_csv(summary->execution, 5, [&](std::string_view chunk) {
    rest.append(chunk);
    return true;
  }));
  EXPECT_EQ(rest, whole.substr(5));
  boto3_call(*moto_, "s3", "DeleteObject", {{"Bucket", kBucket}, {"Key", key}});
  auto streamed = engine->stream_result_csv(summary->execution, 0, [](std::string_view chunk) {
    ADD_FAILURE() << "unexpected bytes: " << chunk;
    return true;
  });
  ASSERT_FALSE(streamed);
  EXPECT_EQ(streamed.get_failure().code, "ResultNotAvailable") << streamed.get_failure().to_string();
  std::string via;
  auto table = fetch_results(*engine, summary->execution, 0, &via);
  ASSERT_TRUE(table) << table.get_failure().to_string();
  EXPECT_EQ(via, "GetQueryResults");
  EXPECT_EQ(table->columns, (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(table->types, (std::vector<std::string>{"integer", "varchar"}));
  EXPECT_EQ(table->rows, (std::vector<std::vector<std::optional<std::string>>>{{"7", "Lin"}, {"8", std::nullopt}}));
}

TEST_F(AthenaEngineMoto, ClientSideEncryptedResultsAreNotStreamed) {
  auto engine = engine::make_athena_query_engine(context_);
  auto encrypted = query("people_cse");
  encrypted.encryption = spec::Encryption{"CSE_KMS", "arn:aws:kms:us-east-1:123456789012:key/test"};
  Runner runner(*engine, Clock::system());
  auto summary = runner.run(encrypted, kSlot, fast_polling());
  ASSERT_TRUE(summary && summary->succeeded());
  ASSERT_TRUE(summary->execution.result_configuration &&
              summary->execution.result_configuration->encryption_configuration);
  auto streamed = engine->stream_result_csv(summary->execution, 0, [](std::string_view) { return true; });
  ASSERT_FALSE(streamed);
  EXPECT_EQ(streamed.get_failure().code, "ResultNotAvailable");
  EXPECT_NE(streamed.get_failure().message.find("CSE_KMS"), std::string::npos);
}

// moto 5 does not implement BatchGetQueryExecution (its server answers 500): run_many falls back to
// GetQueryExecution per query, so running several queries against moto works.
TEST_F(AthenaEngineMoto, RunManyWorksWithoutBatchGet) {
  auto engine = engine::make_athena_query_engine(context_);
  Runner runner(*engine, Clock::system());
  std::vector<spec::RenderedQuery> queries;
  for (int i = 0; i < 3; ++i) {
    auto rendered = spec::render_query(query("many_" + std::to_string(i)), kSlot);
    ASSERT_TRUE(rendered);
    queries.push_back(*rendered);
  }
  auto results = runner.run_many(queries, 3, fast_polling());
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    ASSERT_TRUE(result) << result.get_failure().to_string();
    EXPECT_EQ(result->state, RunState::Succeeded);
  }
}

TEST_F(AthenaEngineMoto, NoWaitStartThenStop) {
  auto engine = engine::make_athena_query_engine(context_);
  Runner runner(*engine, Clock::system());
  RunOptions options = fast_polling();
  options.wait = false;
  auto summary = runner.run(query("people_no_wait"), kSlot, options);
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  ASSERT_FALSE(summary->query_execution_id.empty());
  EXPECT_EQ(summary->polls, 0);
  EXPECT_TRUE(engine->stop(summary->query_execution_id));
  // boto3 confirms the state moto holds after the stop.
  auto theirs = boto3_call(*moto_, "athena", "GetQueryExecution", {{"QueryExecutionId", summary->query_execution_id}});
  EXPECT_EQ(theirs["QueryExecution"]["Status"]["State"], "CANCELLED");
  auto ours = engine->get(summary->query_execution_id);
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours->status.state, aws::athena::QueryExecutionState::Cancelled);
}

}  // namespace
}  // namespace athena_runner::runner
