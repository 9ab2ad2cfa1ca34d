// Amazon Athena client (JSON 1.1, X-Amz-Target AmazonAthena.<Operation>).
// Structs mirror botocore's athena/2017-05-18 service model: same shapes, snake_case member names.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws::athena {

using Timestamp = std::chrono::system_clock::time_point;

// EncryptionOption enum of the model.
enum class EncryptionOption { SseS3, SseKms, CseKms };
std::string_view to_string(EncryptionOption option);  // "SSE_S3", "SSE_KMS", "CSE_KMS"

// QueryExecutionState enum of the model; Unknown for a value this build does not know.
enum class QueryExecutionState { Queued, Running, Succeeded, Failed, Cancelled, Unknown };
std::string_view to_string(QueryExecutionState state);  // "QUEUED", ... ("UNKNOWN" for Unknown)
QueryExecutionState parse_query_execution_state(std::string_view text);
bool is_terminal(QueryExecutionState state);  // SUCCEEDED, FAILED or CANCELLED

inline constexpr std::string_view kStatementTypeDml = "DML";
inline constexpr std::string_view kStatementTypeDdl = "DDL";
inline constexpr std::string_view kStatementTypeUtility = "UTILITY";
inline constexpr std::string_view kS3AclBucketOwnerFullControl = "BUCKET_OWNER_FULL_CONTROL";
inline constexpr int kMaxResultsPerPage = 1000;  // GetQueryResults MaxResults upper bound
inline constexpr std::size_t kMaxBatchGetIds = 50;

struct QueryExecutionContext {
  std::optional<std::string> database;
  std::optional<std::string> catalog;
};

struct EncryptionConfiguration {
  EncryptionOption encryption_option = EncryptionOption::SseS3;
  std::optional<std::string> kms_key;
};

struct AclConfiguration {
  std::string s3_acl_option{kS3AclBucketOwnerFullControl};
};

struct ResultConfiguration {
  std::optional<std::string> output_location;
  std::optional<EncryptionConfiguration> encryption_configuration;
  std::optional<std::string> expected_bucket_owner;
  std::optional<AclConfiguration> acl_configuration;
};

struct ResultReuseByAgeConfiguration {
  bool enabled = false;
  std::optional<int> max_age_in_minutes;
};

struct ResultReuseConfiguration {
  std::optional<ResultReuseByAgeConfiguration> result_reuse_by_age_configuration;
};

struct StartQueryExecutionRequest {
  std::string query_string;
  std::optional<std::string> client_request_token;  // 32-128 characters; makes the call idempotent
  std::optional<QueryExecutionContext> query_execution_context;
  std::optional<ResultConfiguration> result_configuration;
  std::optional<std::string> work_group;
  std::vector<std::string> execution_parameters;  // sent only when non-empty
  std::optional<ResultReuseConfiguration> result_reuse_configuration;
};

struct AthenaError {
  std::optional<int> error_category;  // 1 system, 2 user, 3 other
  std::optional<int> error_type;
  std::optional<bool> retryable;
  std::optional<std::string> error_message;
};

struct QueryExecutionStatus {
  QueryExecutionState state = QueryExecutionState::Unknown;
  std::string state_text;  // the State exactly as received
  std::optional<std::string> state_change_reason;
  std::optional<Timestamp> submission_date_time;
  std::optional<Timestamp> completion_date_time;
  std::optional<AthenaError> athena_error;
};

struct ResultReuseInformation {
  bool reused_previous_result = false;
};

struct QueryExecutionStatistics {
  std::optional<int64_t> engine_execution_time_in_millis;
  std::optional<int64_t> data_scanned_in_bytes;
  std::optional<std::string> data_manifest_location;
  std::optional<int64_t> total_execution_time_in_millis;
  std::optional<int64_t> query_queue_time_in_millis;
  std::optional<int64_t> service_pre_processing_time_in_millis;
  std::optional<int64_t> query_planning_time_in_millis;
  std::optional<int64_t> service_processing_time_in_millis;
  std::optional<ResultReuseInformation> result_reuse_information;
};

struct EngineVersion {
  std::optional<std::string> selected_engine_version;
  std::optional<std::string> effective_engine_version;
};

struct QueryExecution {
  std::string query_execution_id;
  std::optional<std::string> query;
  std::optional<std::string> statement_type;  // "DML", "DDL", "UTILITY"
  std::optional<std::string> substatement_type;
  std::optional<ResultConfiguration> result_configuration;
  std::optional<ResultReuseConfiguration> result_reuse_configuration;
  std::optional<QueryExecutionContext> query_execution_context;
  QueryExecutionStatus status;
  std::optional<QueryExecutionStatistics> statistics;
  std::optional<std::string> work_group;
  std::optional<EngineVersion> engine_version;
  std::vector<std::string> execution_parameters;
};

struct UnprocessedQueryExecutionId {
  std::optional<std::string> query_execution_id;
  std::optional<std::string> error_code;
  std::optional<std::string> error_message;
};

struct BatchGetQueryExecutionResult {
  std::vector<QueryExecution> query_executions;
  std::vector<UnprocessedQueryExecutionId> unprocessed_query_execution_ids;
};

// GetQueryRuntimeStatistics: what a query has read and written (so far, while it runs), its timeline and its
// stages (the stage's QueryStagePlan is not read).
struct QueryStage {
  std::optional<int64_t> stage_id;
  std::optional<std::string> state;
  std::optional<int64_t> output_bytes;
  std::optional<int64_t> output_rows;
  std::optional<int64_t> input_bytes;
  std::optional<int64_t> input_rows;
  std::optional<int64_t> execution_time;
  std::vector<QueryStage> sub_stages;
};

struct QueryRuntimeStatisticsRows {
  std::optional<int64_t> input_rows;
  std::optional<int64_t> input_bytes;
  std::optional<int64_t> output_bytes;
  std::optional<int64_t> output_rows;
};

struct QueryRuntimeStatisticsTimeline {
  std::optional<int64_t> query_queue_time_in_millis;
  std::optional<int64_t> service_pre_processing_time_in_millis;
  std::optional<int64_t> query_planning_time_in_millis;
  std::optional<int64_t> engine_execution_time_in_millis;
  std::optional<int64_t> service_processing_time_in_millis;
  std::optional<int64_t> total_execution_time_in_millis;
};

struct QueryRuntimeStatistics {
  std::optional<QueryRuntimeStatisticsTimeline> timeline;
  std::optional<QueryRuntimeStatisticsRows> rows;
  std::optional<QueryStage> output_stage;
};

// The stages of a stage tree, itself included.
inline std::size_t stage_count(const QueryStage& stage) {
  std::size_t count = 1;
  for (const auto& sub_stage : stage.sub_stages) count += stage_count(sub_stage);
  return count;
}

struct ColumnInfo {
  std::optional<std::string> catalog_name;
  std::optional<std::string> schema_name;
  std::optional<std::string> table_name;
  std::string name;
  std::optional<std::string> label;
  std::string type;
  std::optional<int> precision;
  std::optional<int> scale;
  std::optional<std::string> nullable;  // "NOT_NULL", "NULLABLE", "UNKNOWN"
  std::optional<bool> case_sensitive;
};

// One Datum per column; nullopt where the Datum has no VarCharValue (SQL NULL).
struct Row {
  std::vector<std::optional<std::string>> data;
};

struct ResultSetMetadata {
  std::vector<ColumnInfo> column_info;
};

struct ResultSet {
  std::vector<Row> rows;
  ResultSetMetadata result_set_metadata;
};

struct GetQueryResultsRequest {
  std::string query_execution_id;
  std::optional<std::string> next_token;
  std::optional<int> max_results;  // 1..kMaxResultsPerPage
};

struct GetQueryResultsResult {
  std::optional<int64_t> update_count;
  ResultSet result_set;
  std::optional<std::string> next_token;
};

// Every page of a query's results, with the header row of a SELECT removed.
struct QueryResultsTable {
  std::vector<ColumnInfo> columns;
  std::vector<Row> rows;
  std::optional<int64_t> update_count;
  int pages = 0;
};

// Athena puts the column labels as the first row of the first page of a SELECT (StatementType DML).
// True when `page` is that first page and its first row holds exactly the column labels (Label, else
// Name), as PyAthena checks it: a DML without a header row (e.g. INSERT) keeps its rows.
bool first_row_is_header(const GetQueryResultsResult& page, bool first_page, std::string_view statement_type);

struct WorkGroupConfiguration {
  std::optional<ResultConfiguration> result_configuration;
  std::optional<bool> enforce_work_group_configuration;
  std::optional<bool> publish_cloud_watch_metrics_enabled;
  std::optional<int64_t> bytes_scanned_cutoff_per_query;
  std::optional<bool> requester_pays_enabled;
  std::optional<EngineVersion> engine_version;
};

struct WorkGroup {
  std::string name;
  std::optional<std::string> state;  // "ENABLED", "DISABLED"
  std::optional<WorkGroupConfiguration> configuration;
  std::optional<std::string> description;
  std::optional<Timestamp> creation_time;
};

class AthenaClient {
 public:
  explicit AthenaClient(std::shared_ptr<const ClientContext> context);

  // Returns the QueryExecutionId.
  Outcome<std::string> start_query_execution(const StartQueryExecutionRequest& request) const;
  Outcome<QueryExecution> get_query_execution(std::string_view query_execution_id) const;
  Outcome<GetQueryResultsResult> get_query_results(const GetQueryResultsRequest& request) const;
  // Follows NextToken page by page (kMaxResultsPerPage rows each) and drops a SELECT's header row: `page` gets each
  // page's rows, with the first page's columns and update count and the number of pages read; returning false
  // stops. At most max_rows rows in all (0: every row), and no page read beyond them.
  Status for_each_query_results_page(std::string_view query_execution_id, std::string_view statement_type,
                                     std::size_t max_rows,
                                     const std::function<bool(QueryResultsTable& page)>& page) const;
  // The same pages collected into one table.
  Outcome<QueryResultsTable> get_all_query_results(std::string_view query_execution_id, std::string_view statement_type,
                                                   std::size_t max_rows = 0) const;
  Status stop_query_execution(std::string_view query_execution_id) const;
  // At most kMaxBatchGetIds ids per call (the service's limit).
  Outcome<BatchGetQueryExecutionResult> batch_get_query_execution(
      const std::vector<std::string>& query_execution_ids) const;
  Outcome<WorkGroup> get_work_group(std::string_view work_group) const;
  Outcome<QueryRuntimeStatistics> get_query_runtime_statistics(std::string_view query_execution_id) const;

  const ServiceClient& service() const { return service_; }

 private:
  ServiceClient service_;
};

}  // namespace athena_runner::aws::athena
