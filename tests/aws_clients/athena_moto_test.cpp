// AthenaClient against a real moto_server; query results queued through moto's own API
// (POST /moto-api/static/athena/query-results), state cross-checked with boto3.
#include <gtest/gtest.h>

#include "athena_runner/aws/athena.hpp"
#include "client_test_support.hpp"

namespace athena_runner::aws::athena {
namespace {

using nlohmann::json;
using testing::boto3_call;
using testing::MotoServer;

constexpr char kWorkGroup[] = "reports";
constexpr int kMaxPolls = 20;

class AthenaMoto : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new MotoServer();
    context_ = testing::moto_context(*moto_);
    boto3_call(*moto_, "athena", "CreateWorkGroup",
               {{"Name", kWorkGroup},
                {"Description", "nightly reports"},
                {"Configuration",
                 {{"ResultConfiguration", {{"OutputLocation", "s3://wg-results/reports/"}}},
                  {"EnforceWorkGroupConfiguration", true},
                  {"PublishCloudWatchMetricsEnabled", false},
                  {"BytesScannedCutoffPerQuery", 10000000000LL},
                  {"EngineVersion", {{"SelectedEngineVersion", "Athena engine version 3"}}}}}});
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

  static QueryExecution wait_until_done(const AthenaClient& client, const std::string& id) {
    for (int poll = 0; poll < kMaxPolls; ++poll) {
      auto execution = client.get_query_execution(id);
      EXPECT_TRUE(execution) << execution.get_failure().to_string();
      if (!execution || is_terminal(execution->status.state)) return execution ? *execution : QueryExecution{};
    }
    ADD_FAILURE() << "query " << id << " did not finish";
    return {};
  }

  static MotoServer* moto_;
  static std::shared_ptr<ClientContext> context_;
};
MotoServer* AthenaMoto::moto_ = nullptr;
std::shared_ptr<ClientContext> AthenaMoto::context_;

TEST_F(AthenaMoto, StartGetAndResults) {
  AthenaClient client(context_);
  StartQueryExecutionRequest request;
  request.query_string = "SELECT id, name FROM people WHERE day = ?";
  request.client_request_token = std::string(40, 't');
  request.query_execution_context = QueryExecutionContext{"lake", "AwsDataCatalog"};
  request.result_configuration = ResultConfiguration{"s3://results-bucket/athena", std::nullopt, std::nullopt, {}};
  request.work_group = kWorkGroup;
  request.execution_parameters = {"DATE '2024-03-01'"};
  auto id = client.start_query_execution(request);
  ASSERT_TRUE(id) << id.get_failure().to_string();
  ASSERT_FALSE(id->empty());

  auto execution = wait_until_done(client, *id);
  EXPECT_EQ(execution.query_execution_id, *id);
  EXPECT_EQ(execution.status.state, QueryExecutionState::Succeeded);
  EXPECT_EQ(execution.query, request.query_string);
  EXPECT_EQ(execution.statement_type, "DML");
  ASSERT_TRUE(execution.query_execution_context);
  EXPECT_EQ(execution.query_execution_context->database, "lake");
  EXPECT_EQ(execution.query_execution_context->catalog, "AwsDataCatalog");
  ASSERT_TRUE(execution.result_configuration);
  EXPECT_EQ(execution.result_configuration->output_location, "s3://results-bucket/athena/" + *id + ".csv");
  EXPECT_EQ(execution.work_group, kWorkGroup);
  EXPECT_EQ(execution.execution_parameters, request.execution_parameters);
  ASSERT_TRUE(execution.statistics);
  EXPECT_EQ(execution.statistics->data_scanned_in_bytes, 0);

  auto theirs = boto3_call(*moto_, "athena", "GetQueryExecution", {{"QueryExecutionId", *id}});
  EXPECT_EQ(theirs["QueryExecution"]["Status"]["State"], execution.status.state_text);
  ASSERT_TRUE(execution.status.submission_date_time);
  auto their_submission = std::llround(theirs["QueryExecution"]["Status"]["SubmissionDateTime"].get<double>() * 1000);
  EXPECT_EQ(
      std::chrono::duration_cast<std::chrono::milliseconds>(execution.status.submission_date_time->time_since_epoch())
          .count(),
      their_submission);

  json header = {{"Data", {{{"VarCharValue", "id"}}, {{"VarCharValue", "name"}}}}};
  json rows = json::array({header,
                           {{"Data", {{{"VarCharValue", "1"}}, {{"VarCharValue", "Ada"}}}}},
                           {{"Data", {{{"VarCharValue", "2"}}, json::object()}}},
                           {{"Data", {{{"VarCharValue", "3"}}, {{"VarCharValue", "Grace \"G\" Hopper"}}}}}});
  json columns = json::array({{{"Name", "id"},
                               {"Label", "id"},
                               {"Type", "integer"},
                               {"Precision", 10},
                               {"Scale", 0},
                               {"Nullable", "UNKNOWN"},
                               {"CaseSensitive", false}},
                              {{"Name", "name"},
                               {"Label", "name"},
                               {"Type", "varchar"},
                               {"Precision", 2147483647},
                               {"Scale", 0},
                               {"Nullable", "NULLABLE"},
                               {"CaseSensitive", true}}});
  queue_results(rows, columns);

  auto page = client.get_query_results({*id, std::nullopt, kMaxResultsPerPage});
  ASSERT_TRUE(page) << page.get_failure().to_string();
  ASSERT_EQ(page->result_set.rows.size(), 4u);
  EXPECT_EQ(page->result_set.rows[0].data, (std::vector<std::optional<std::string>>{"id", "name"}));

  auto table = client.get_all_query_results(*id, *execution.statement_type);
  ASSERT_TRUE(table) << table.get_failure().to_string();
  EXPECT_EQ(table->pages, 1);
  ASSERT_EQ(table->columns.size(), 2u);
  EXPECT_EQ(table->columns[1].name, "name");
  EXPECT_EQ(table->columns[1].type, "varchar");
  EXPECT_EQ(table->columns[1].precision, 2147483647);
  EXPECT_EQ(table->columns[0].case_sensitive, false);
  ASSERT_EQ(table->rows.size(), 3u);
  EXPECT_EQ(table->rows[0].data, (std::vector<std::optional<std::string>>{"1", "Ada"}));
  EXPECT_EQ(table->rows[1].data, (std::vector<std::optional<std::string>>{"2", std::nullopt}));
  EXPECT_EQ(table->rows[2].data, (std::vector<std::optional<std::string>>{"3", "Grace \"G\" Hopper"}));
}

TEST_F(AthenaMoto, StopQueryExecution) {
  AthenaClient client(context_);
  StartQueryExecutionRequest request;
  request.query_string = "SELECT * FROM big";
  request.result_configuration = ResultConfiguration{"s3://results-bucket/", std::nullopt, std::nullopt, {}};
  auto id = client.start_query_execution(request);
  ASSERT_TRUE(id) << id.get_failure().to_string();
  ASSERT_TRUE(client.stop_query_execution(*id));
  auto theirs = boto3_call(*moto_, "athena", "GetQueryExecution", {{"QueryExecutionId", *id}});
  EXPECT_EQ(theirs["QueryExecution"]["Status"]["State"], "CANCELLED");
}

// Our client reads what boto3 reads from the same server.
TEST_F(AthenaMoto, GetQueryRuntimeStatistics) {
  AthenaClient client(context_);
  StartQueryExecutionRequest request;
  request.query_string = "SELECT 1";
  request.result_configuration = ResultConfiguration{"s3://results-bucket/", std::nullopt, std::nullopt, {}};
  auto id = client.start_query_execution(request);
  ASSERT_TRUE(id) << id.get_failure().to_string();
  auto ours = client.get_query_runtime_statistics(*id);
  ASSERT_TRUE(ours) << ours.get_failure().to_string();
  auto theirs = boto3_call(*moto_, "athena", "GetQueryRuntimeStatistics", {{"QueryExecutionId", *id}});
  const auto& stats = theirs["QueryRuntimeStatistics"];
  ASSERT_TRUE(ours->rows && ours->output_stage && ours->timeline);
  EXPECT_EQ(ours->rows->output_rows, stats["Rows"]["OutputRows"].get<int64_t>());
  EXPECT_EQ(ours->rows->output_bytes, stats["Rows"]["OutputBytes"].get<int64_t>());
  EXPECT_EQ(ours->rows->input_rows, stats["Rows"]["InputRows"].get<int64_t>());
  EXPECT_EQ(ours->output_stage->state, stats["OutputStage"]["State"].get<std::string>());
  EXPECT_EQ(ours->output_stage->stage_id, stats["OutputStage"]["StageId"].get<int64_t>());
  EXPECT_EQ(ours->timeline->total_execution_time_in_millis,
            stats["Timeline"]["TotalExecutionTimeInMillis"].get<int64_t>());
  auto missing = client.get_query_runtime_statistics("no-such-id");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.get_failure().code, "InvalidRequestException");
}

TEST_F(AthenaMoto, GetWorkGroup) {
  AthenaClient client(context_);
  auto work_group = client.get_work_group(kWorkGroup);
  ASSERT_TRUE(work_group) << work_group.get_failure().to_string();
  EXPECT_EQ(work_group->name, kWorkGroup);
  EXPECT_EQ(work_group->state, "ENABLED");
  EXPECT_EQ(work_group->description, "nightly reports");
  ASSERT_TRUE(work_group->configuration);
  EXPECT_EQ(work_group->configuration->result_configuration->output_location, "s3://wg-results/reports/");
  EXPECT_EQ(work_group->configuration->enforce_work_group_configuration, true);
  EXPECT_EQ(work_group->configuration->publish_cloud_watch_metrics_enabled, false);
  EXPECT_EQ(work_group->configuration->bytes_scanned_cutoff_per_query, 10000000000LL);
  EXPECT_EQ(work_group->configuration->engine_version->selected_engine_version, "Athena engine version 3");

  // Athena: InvalidRequestException; moto: {"WorkGroup": null}. Either way an error, never an empty work group.
  auto missing = client.get_work_group("no-such-work-group");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.get_failure().kind, ErrorKind::Service);
  EXPECT_NE(missing.get_failure().message.find("GetWorkGroup"), std::string::npos);
}

TEST_F(AthenaMoto, UnknownExecutionIsAServiceError) {
  auto no_retries = std::make_shared<ClientContext>(*context_);
  no_retries->retry.max_attempts = 1;  // moto answers 500 here: do not spend the test's time on retries
  AthenaClient client(no_retries);
  auto execution = client.get_query_execution("00000000-0000-0000-0000-000000000000");
  ASSERT_FALSE(execution);
  EXPECT_EQ(execution.get_failure().kind, ErrorKind::Service);
  EXPECT_GE(execution.get_failure().http_status, 400);
}

TEST_F(AthenaMoto, BatchGetRefusesMoreIdsThanTheServiceAllows) {
  AthenaClient client(context_);
  auto result = client.batch_get_query_execution(std::vector<std::string>(kMaxBatchGetIds + 1, "id"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.get_failure().kind, ErrorKind::InvalidInput);
}

}  // namespace
}  // namespace athena_runner::aws::athena
