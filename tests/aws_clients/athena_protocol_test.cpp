// Athena serialisation and parsing on strings. Expected JSON follows the member names and nesting of
// botocore's athena/2017-05-18 model (written here by hand; the botocore validator test checks the same
// requests with botocore itself).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "athena_runner/aws/protocol/athena.hpp"

namespace athena_runner::aws::athena {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::system_clock;

StartQueryExecutionRequest full_request() {
  StartQueryExecutionRequest request;
  request.query_string = "SELECT * FROM t WHERE d = ? AND s = 'x\"y'";
  request.client_request_token = "0123456789abcdef0123456789abcdef";
  request.query_execution_context = QueryExecutionContext{"sales", "AwsDataCatalog"};
  request.result_configuration = ResultConfiguration{
      "s3://results/athena/", EncryptionConfiguration{EncryptionOption::SseKms, "arn:aws:kms:us-east-1:1:key/k"},
      "123456789012", AclConfiguration{}};
  request.work_group = "reports";
  request.execution_parameters = {"DATE '2024-01-01'", "'x'"};
  request.result_reuse_configuration = ResultReuseConfiguration{ResultReuseByAgeConfiguration{true, 60}};
  return request;
}

TEST(AthenaSerialize, StartQueryExecutionCarriesEveryField) {
  auto body = json::parse(protocol::serialize_start_query_execution(full_request()));
  json expected = {
      {"QueryString", "SELECT * FROM t WHERE d = ? AND s = 'x\"y'"},
      {"ClientRequestToken", "0123456789abcdef0123456789abcdef"},
      {"QueryExecutionContext", {{"Database", "sales"}, {"Catalog", "AwsDataCatalog"}}},
      {"ResultConfiguration",
       {{"OutputLocation", "s3://results/athena/"},
        {"EncryptionConfiguration", {{"EncryptionOption", "SSE_KMS"}, {"KmsKey", "arn:aws:kms:us-east-1:1:key/k"}}},
        {"ExpectedBucketOwner", "123456789012"},
        {"AclConfiguration", {{"S3AclOption", "BUCKET_OWNER_FULL_CONTROL"}}}}},
      {"WorkGroup", "reports"},
      {"ExecutionParameters", {"DATE '2024-01-01'", "'x'"}},
      {"ResultReuseConfiguration", {{"ResultReuseByAgeConfiguration", {{"Enabled", true}, {"MaxAgeInMinutes", 60}}}}},
  };
  EXPECT_EQ(body, expected);
}

TEST(AthenaSerialize, StartQueryExecutionOmitsUnsetFields) {
  StartQueryExecutionRequest request;
  request.query_string = "SELECT 1";
  EXPECT_EQ(json::parse(protocol::serialize_start_query_execution(request)), json({{"QueryString", "SELECT 1"}}));
}

TEST(AthenaSerialize, EncryptionOptionNames) {
  EXPECT_EQ(to_string(EncryptionOption::SseS3), "SSE_S3");
  EXPECT_EQ(to_string(EncryptionOption::SseKms), "SSE_KMS");
  EXPECT_EQ(to_string(EncryptionOption::CseKms), "CSE_KMS");
}

TEST(AthenaSerialize, OtherRequests) {
  EXPECT_EQ(json::parse(protocol::serialize_query_execution_id("abc")), json({{"QueryExecutionId", "abc"}}));
  EXPECT_EQ(json::parse(protocol::serialize_get_query_results({"abc", "tok", 1000})),
            json({{"QueryExecutionId", "abc"}, {"NextToken", "tok"}, {"MaxResults", 1000}}));
  EXPECT_EQ(json::parse(protocol::serialize_get_query_results({"abc", std::nullopt, std::nullopt})),
            json({{"QueryExecutionId", "abc"}}));
  EXPECT_EQ(json::parse(protocol::serialize_batch_get_query_execution({"a", "b"})),
            json({{"QueryExecutionIds", {"a", "b"}}}));
  EXPECT_EQ(json::parse(protocol::serialize_get_work_group("primary")), json({{"WorkGroup", "primary"}}));
}

constexpr char kQueryExecutionJson[] = R"({"QueryExecution": {
  "QueryExecutionId": "q-1", "Query": "SELECT 1", "StatementType": "DML", "SubstatementType": "SELECT",
  "ResultConfiguration": {"OutputLocation": "s3://out/q-1.csv",
    "EncryptionConfiguration": {"EncryptionOption": "CSE_KMS", "KmsKey": "k"},
    "ExpectedBucketOwner": "111122223333", "AclConfiguration": {"S3AclOption": "BUCKET_OWNER_FULL_CONTROL"}},
  "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": true, "MaxAgeInMinutes": 10}},
  "QueryExecutionContext": {"Database": "db", "Catalog": "cat"},
  "Status": {"State": "FAILED", "StateChangeReason": "boom", "SubmissionDateTime": 1709294405.123,
    "CompletionDateTime": 1709294410,
    "AthenaError": {"ErrorCategory": 2, "ErrorType": 1006, "Retryable": false, "ErrorMessage": "bad column"}},
  "Statistics": {"EngineExecutionTimeInMillis": 1500, "DataScannedInBytes": 10737418240,
    "DataManifestLocation": "s3://out/m", "TotalExecutionTimeInMillis": 2000, "QueryQueueTimeInMillis": 100,
    "ServicePreProcessingTimeInMillis": 5, "QueryPlanningTimeInMillis": 300, "ServiceProcessingTimeInMillis": 50,
    "ResultReuseInformation": {"ReusedPreviousResult": true}},
  "WorkGroup": "primary", "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
  "ExecutionParameters": ["1", "'a'"], "SomeFutureMember": {"x": 1}}})";

// Member names from botocore's athena model (QueryRuntimeStatistics, QueryStage).
TEST(AthenaParse, GetQueryRuntimeStatisticsReadsTheStageTree) {
  const char* body = R"({"QueryRuntimeStatistics": {
    "Timeline": {"QueryQueueTimeInMillis": 5, "ServicePreProcessingTimeInMillis": 6, "QueryPlanningTimeInMillis": 7,
                 "EngineExecutionTimeInMillis": 8, "ServiceProcessingTimeInMillis": 9, "TotalExecutionTimeInMillis": 35},
    "Rows": {"InputRows": 1000, "InputBytes": 2048, "OutputBytes": 10, "OutputRows": 1},
    "OutputStage": {"StageId": 0, "State": "FINISHED", "OutputRows": 1, "InputRows": 3, "ExecutionTime": 4,
                    "QueryStagePlan": {"Name": "Output", "Identifier": "0"},
                    "SubStages": [{"StageId": 1, "State": "FINISHED", "SubStages": [{"StageId": 2}]}, {"StageId": 3}]}}})";
  auto parsed = protocol::parse_get_query_runtime_statistics(body);
  ASSERT_TRUE(parsed) << parsed.get_failure().to_string();
  EXPECT_EQ(parsed->timeline->query_queue_time_in_millis, 5);
  EXPECT_EQ(parsed->timeline->service_pre_processing_time_in_millis, 6);
  EXPECT_EQ(parsed->timeline->query_planning_time_in_millis, 7);
  EXPECT_EQ(parsed->timeline->engine_execution_time_in_millis, 8);
  EXPECT_EQ(parsed->timeline->service_processing_time_in_millis, 9);
  EXPECT_EQ(parsed->timeline->total_execution_time_in_millis, 35);
  EXPECT_EQ(parsed->rows->input_rows, 1000);
  EXPECT_EQ(parsed->rows->input_bytes, 2048);
  EXPECT_EQ(parsed->rows->output_bytes, 10);
  EXPECT_EQ(parsed->rows->output_rows, 1);
  EXPECT_EQ(parsed->output_stage->state, "FINISHED");
  EXPECT_EQ(parsed->output_stage->input_rows, 3);
  EXPECT_EQ(parsed->output_stage->execution_time, 4);
  EXPECT_FALSE(parsed->output_stage->output_bytes);
  ASSERT_EQ(parsed->output_stage->sub_stages.size(), 2u);
  EXPECT_EQ(parsed->output_stage->sub_stages[0].sub_stages.at(0).stage_id, 2);
  EXPECT_EQ(stage_count(*parsed->output_stage), 4u);
  // What the local endpoint writes reads back the same.
  auto again = protocol::parse_get_query_runtime_statistics(protocol::query_runtime_statistics_json(*parsed));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->rows->input_bytes, 2048);
  EXPECT_EQ(again->timeline->total_execution_time_in_millis, 35);
  EXPECT_EQ(stage_count(*again->output_stage), 4u);
  EXPECT_EQ(again->output_stage->sub_stages[0].state, "FINISHED");
  // A query that has not started yet: no members.
  auto empty = protocol::parse_get_query_runtime_statistics(R"({"QueryRuntimeStatistics": {}})");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->rows || empty->timeline || empty->output_stage);
}

TEST(AthenaParse, GetQueryExecutionReadsEveryField) {
  auto parsed = protocol::parse_get_query_execution(kQueryExecutionJson);
  ASSERT_TRUE(parsed) << parsed.get_failure().to_string();
  const auto& execution = *parsed;
  EXPECT_EQ(execution.query_execution_id, "q-1");
  EXPECT_EQ(execution.query, "SELECT 1");
  EXPECT_EQ(execution.statement_type, "DML");
  EXPECT_EQ(execution.substatement_type, "SELECT");
  ASSERT_TRUE(execution.result_configuration);
  EXPECT_EQ(execution.result_configuration->output_location, "s3://out/q-1.csv");
  ASSERT_TRUE(execution.result_configuration->encryption_configuration);
  EXPECT_EQ(execution.result_configuration->encryption_configuration->encryption_option, EncryptionOption::CseKms);
  EXPECT_EQ(execution.result_configuration->encryption_configuration->kms_key, "k");
  EXPECT_EQ(execution.result_configuration->expected_bucket_owner, "111122223333");
  EXPECT_EQ(execution.result_configuration->acl_configuration->s3_acl_option, "BUCKET_OWNER_FULL_CONTROL");
  EXPECT_TRUE(execution.result_reuse_configuration->result_reuse_by_age_configuration->enabled);
  EXPECT_EQ(execution.result_reuse_configuration->result_reuse_by_age_configuration->max_age_in_minutes, 10);
  EXPECT_EQ(execution.query_execution_context->database, "db");
  EXPECT_EQ(execution.query_execution_context->catalog, "cat");
  EXPECT_EQ(execution.status.state, QueryExecutionState::Failed);
  EXPECT_EQ(execution.status.state_text, "FAILED");
  EXPECT_EQ(execution.status.state_change_reason, "boom");
  // 1709294405 = 2024-03-01T12:00:05Z (python3: calendar.timegm(datetime(2024,3,1,12,0,5).timetuple())).
  EXPECT_EQ(execution.status.submission_date_time, system_clock::time_point(milliseconds(1709294405123)));
  EXPECT_EQ(execution.status.completion_date_time, system_clock::time_point(milliseconds(1709294410000)));
  ASSERT_TRUE(execution.status.athena_error);
  EXPECT_EQ(execution.status.athena_error->error_category, 2);
  EXPECT_EQ(execution.status.athena_error->error_type, 1006);
  EXPECT_EQ(execution.status.athena_error->retryable, false);
  EXPECT_EQ(execution.status.athena_error->error_message, "bad column");
  ASSERT_TRUE(execution.statistics);
  EXPECT_EQ(execution.statistics->engine_execution_time_in_millis, 1500);
  EXPECT_EQ(execution.statistics->data_scanned_in_bytes, 10737418240LL);
  EXPECT_EQ(execution.statistics->data_manifest_location, "s3://out/m");
  EXPECT_EQ(execution.statistics->total_execution_time_in_millis, 2000);
  EXPECT_EQ(execution.statistics->query_queue_time_in_millis, 100);
  EXPECT_EQ(execution.statistics->service_pre_processing_time_in_millis, 5);
  EXPECT_EQ(execution.statistics->query_planning_time_in_millis, 300);
  EXPECT_EQ(execution.statistics->service_processing_time_in_millis, 50);
  EXPECT_TRUE(execution.statistics->result_reuse_information->reused_previous_result);
  EXPECT_EQ(execution.work_group, "primary");
  EXPECT_EQ(execution.engine_version->effective_engine_version, "Athena engine version 3");
  EXPECT_EQ(execution.execution_parameters, (std::vector<std::string>{"1", "'a'"}));
}

TEST(AthenaParse, NullsReadAsAbsent) {
  // moto sends "WorkGroup": null for executions outside a work group.
  auto parsed = protocol::parse_get_query_execution(
      R"({"QueryExecution": {"QueryExecutionId": "q", "WorkGroup": null, "Status": {"State": "RUNNING"}}})");
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->work_group);
  EXPECT_EQ(parsed->status.state, QueryExecutionState::Running);
  EXPECT_FALSE(parsed->statistics);
}

TEST(AthenaParse, MalformedResponsesAreErrors) {
  for (const char* body : {"", "[1]", "{\"QueryExecution\": {\"QueryExecutionId\": 5}}", "{\"QueryExecution\""}) {
    auto parsed = protocol::parse_get_query_execution(body);
    ASSERT_FALSE(parsed) << body;
    EXPECT_EQ(parsed.get_failure().code, "InvalidResponse");
    EXPECT_NE(parsed.get_failure().message.find("GetQueryExecution"), std::string::npos);
  }
  EXPECT_FALSE(protocol::parse_get_query_results("{\"ResultSet\": {\"Rows\": [}"));
  EXPECT_FALSE(protocol::parse_get_query_results("{\"ResultSet\": {\"Rows\": [{\"Data\": [{\"VarCharValue\": 3}]}]}}"));
}

TEST(AthenaParse, MissingTopLevelMemberIsAnError) {
  EXPECT_FALSE(protocol::parse_get_work_group(R"({"WorkGroup": null})"));
  EXPECT_FALSE(protocol::parse_get_query_execution("{}"));
}

TEST(AthenaParse, States) {
  EXPECT_EQ(parse_query_execution_state("QUEUED"), QueryExecutionState::Queued);
  EXPECT_EQ(parse_query_execution_state("SUCCEEDED"), QueryExecutionState::Succeeded);
  EXPECT_EQ(parse_query_execution_state("CANCELLED"), QueryExecutionState::Cancelled);
  EXPECT_EQ(parse_query_execution_state("succeeded"), QueryExecutionState::Unknown);
  EXPECT_TRUE(is_terminal(QueryExecutionState::Failed));
  EXPECT_FALSE(is_terminal(QueryExecutionState::Running));
  EXPECT_EQ(to_string(QueryExecutionState::Running), "RUNNING");
}

constexpr char kResultsJson[] = R"({
  "UpdateCount": 0,
  "ResultSet": {
    "Rows": [
      {"Data": [{"VarCharValue": "id"}, {"VarCharValue": "name"}]},
      {"Data": [{"VarCharValue": "1"}, {}]},
      {"Data": [{"VarCharValue": "2"}, {"VarCharValue": "caf\u00e9 \"quoted\"\nline"}]},
      {"Data": [{"VarCharValue": ""}, {"VarCharValue": null}]}
    ],
    "ResultSetMetadata": {"ColumnInfo": [
      {"CatalogName": "hive", "SchemaName": "s", "TableName": "t", "Name": "id", "Label": "id", "Type": "integer",
       "Precision": 10, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": false},
      {"Name": "name", "Type": "varchar", "Precision": 2147483647, "Scale": 0, "Nullable": "NULLABLE",
       "CaseSensitive": true}
    ]}
  },
  "NextToken": "page-2"
})";

TEST(AthenaParse, GetQueryResultsRowsNullsAndMetadata) {
  auto parsed = protocol::parse_get_query_results(kResultsJson);
  ASSERT_TRUE(parsed) << parsed.get_failure().to_string();
  EXPECT_EQ(parsed->update_count, 0);
  EXPECT_EQ(parsed->next_token, "page-2");
  const auto& rows = parsed->result_set.rows;
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].data, (std::vector<std::optional<std::string>>{"id", "name"}));
  EXPECT_EQ(rows[1].data, (std::vector<std::optional<std::string>>{"1", std::nullopt}));
  EXPECT_EQ(rows[2].data, (std::vector<std::optional<std::string>>{"2", "caf\xC3\xA9 \"quoted\"\nline"}));
  EXPECT_EQ(rows[3].data, (std::vector<std::optional<std::string>>{"", std::nullopt}));
  const auto& columns = parsed->result_set.result_set_metadata.column_info;
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_EQ(columns[0].catalog_name, "hive");
  EXPECT_EQ(columns[0].schema_name, "s");
  EXPECT_EQ(columns[0].table_name, "t");
  EXPECT_EQ(columns[0].name, "id");
  EXPECT_EQ(columns[0].label, "id");
  EXPECT_EQ(columns[0].type, "integer");
  EXPECT_EQ(columns[0].precision, 10);
  EXPECT_EQ(columns[0].scale, 0);
  EXPECT_EQ(columns[0].nullable, "UNKNOWN");
  EXPECT_EQ(columns[0].case_sensitive, false);
  EXPECT_EQ(columns[1].precision, 2147483647);
  EXPECT_FALSE(columns[1].label);
  EXPECT_EQ(columns[1].case_sensitive, true);
}

TEST(AthenaParse, EmptyResultSet) {
  auto parsed = protocol::parse_get_query_results(R"({"UpdateCount": 7, "ResultSet": {"Rows": []}})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->update_count, 7);
  EXPECT_TRUE(parsed->result_set.rows.empty());
  EXPECT_FALSE(parsed->next_token);
}

TEST(AthenaHeaderRow, DroppedOnlyOnFirstPageOfDmlWhenItMatchesTheLabels) {
  auto page = *protocol::parse_get_query_results(kResultsJson);
  EXPECT_TRUE(first_row_is_header(page, true, kStatementTypeDml));
  EXPECT_FALSE(first_row_is_header(page, false, kStatementTypeDml));
  EXPECT_FALSE(first_row_is_header(page, true, kStatementTypeDdl));
  page.result_set.rows.erase(page.result_set.rows.begin());  // a DML page whose first row is data
  EXPECT_FALSE(first_row_is_header(page, true, kStatementTypeDml));
  // Label wins over Name when both exist.
  page.result_set.rows.front().data = {"id", "name"};
  page.result_set.result_set_metadata.column_info[0].label = "ID label";
  EXPECT_FALSE(first_row_is_header(page, true, kStatementTypeDml));
}

TEST(AthenaParse, BatchGetAndUnprocessed) {
  auto parsed = protocol::parse_batch_get_query_execution(R"({
    "QueryExecutions": [{"QueryExecutionId": "a", "Status": {"State": "SUCCEEDED"}},
                        {"QueryExecutionId": "b", "Status": {"State": "QUEUED"}}],
    "UnprocessedQueryExecutionIds": [{"QueryExecutionId": "c", "ErrorCode": "InvalidRequestException",
                                      "ErrorMessage": "not found"}]})");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->query_executions.size(), 2u);
  EXPECT_EQ(parsed->query_executions[1].query_execution_id, "b");
  EXPECT_EQ(parsed->query_executions[1].status.state, QueryExecutionState::Queued);
  ASSERT_EQ(parsed->unprocessed_query_execution_ids.size(), 1u);
  EXPECT_EQ(parsed->unprocessed_query_execution_ids[0].query_execution_id, "c");
  EXPECT_EQ(parsed->unprocessed_query_execution_ids[0].error_code, "InvalidRequestException");
  EXPECT_EQ(parsed->unprocessed_query_execution_ids[0].error_message, "not found");
}

TEST(AthenaParse, WorkGroup) {
  auto parsed = protocol::parse_get_work_group(R"({"WorkGroup": {"Name": "reports", "State": "ENABLED",
    "Description": "d", "CreationTime": 1255369830.5, "Configuration": {
      "ResultConfiguration": {"OutputLocation": "s3://wg/"}, "EnforceWorkGroupConfiguration": true,
      "PublishCloudWatchMetricsEnabled": false, "BytesScannedCutoffPerQuery": 10000000000,
      "RequesterPaysEnabled": false, "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"}}}})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->name, "reports");
  EXPECT_EQ(parsed->state, "ENABLED");
  EXPECT_EQ(parsed->description, "d");
  EXPECT_EQ(parsed->creation_time, system_clock::time_point(milliseconds(1255369830500)));
  ASSERT_TRUE(parsed->configuration);
  EXPECT_EQ(parsed->configuration->result_configuration->output_location, "s3://wg/");
  EXPECT_EQ(parsed->configuration->enforce_work_group_configuration, true);
  EXPECT_EQ(parsed->configuration->publish_cloud_watch_metrics_enabled, false);
  EXPECT_EQ(parsed->configuration->bytes_scanned_cutoff_per_query, 10000000000LL);
  EXPECT_EQ(parsed->configuration->engine_version->selected_engine_version, "Athena engine version 3");
}

}  // namespace
}  // namespace athena_runner::aws::athena
