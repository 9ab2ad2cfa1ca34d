#include "athena_runner/aws/protocol/athena.hpp"

#include <simdjson.h>

#include "json_support.hpp"

namespace athena_runner::aws::athena {

using aws::detail::Json;
using aws::detail::member;
using aws::detail::optional_bool;
using aws::detail::optional_integer;
using aws::detail::optional_string;
using aws::detail::optional_timestamp;
using aws::detail::read_json;
using aws::detail::string_list;
using aws::detail::string_or_empty;

namespace {

struct EnumName {
  QueryExecutionState state;
  std::string_view name;
};
constexpr EnumName kStateNames[] = {
    {QueryExecutionState::Queued, "QUEUED"},       {QueryExecutionState::Running, "RUNNING"},
    {QueryExecutionState::Succeeded, "SUCCEEDED"}, {QueryExecutionState::Failed, "FAILED"},
    {QueryExecutionState::Cancelled, "CANCELLED"},
};
constexpr std::string_view kUnknownState = "UNKNOWN";

constexpr std::string_view kSseS3 = "SSE_S3";
constexpr std::string_view kSseKms = "SSE_KMS";
constexpr std::string_view kCseKms = "CSE_KMS";

Json to_json(const QueryExecutionContext& context) {
  Json json = Json::object();
  if (context.database) json["Database"] = *context.database;
  if (context.catalog) json["Catalog"] = *context.catalog;
  return json;
}

Json to_json(const ResultConfiguration& configuration) {
  Json json = Json::object();
  if (configuration.output_location) json["OutputLocation"] = *configuration.output_location;
  if (const auto& encryption = configuration.encryption_configuration) {
    Json encryption_json = {{"EncryptionOption", std::string(to_string(encryption->encryption_option))}};
    if (encryption->kms_key) encryption_json["KmsKey"] = *encryption->kms_key;
    json["EncryptionConfiguration"] = std::move(encryption_json);
  }
  if (configuration.expected_bucket_owner) json["ExpectedBucketOwner"] = *configuration.expected_bucket_owner;
  if (configuration.acl_configuration) {
    json["AclConfiguration"] = {{"S3AclOption", configuration.acl_configuration->s3_acl_option}};
  }
  return json;
}

Json to_json(const ResultReuseConfiguration& configuration) {
  Json json = Json::object();
  if (const auto& by_age = configuration.result_reuse_by_age_configuration) {
    Json by_age_json = {{"Enabled", by_age->enabled}};
    if (by_age->max_age_in_minutes) by_age_json["MaxAgeInMinutes"] = *by_age->max_age_in_minutes;
    json["ResultReuseByAgeConfiguration"] = std::move(by_age_json);
  }
  return json;
}

EncryptionOption parse_encryption_option(std::string_view text) {
  if (text == kSseKms) return EncryptionOption::SseKms;
  if (text == kCseKms) return EncryptionOption::CseKms;
  return EncryptionOption::SseS3;
}

std::optional<QueryExecutionContext> read_context(const Json& parent) {
  const auto* json = member(parent, "QueryExecutionContext");
  if (!json) return std::nullopt;
  return QueryExecutionContext{optional_string(*json, "Database"), optional_string(*json, "Catalog")};
}

std::optional<ResultConfiguration> read_result_configuration(const Json& parent) {
  const auto* json = member(parent, "ResultConfiguration");
  if (!json) return std::nullopt;
  ResultConfiguration configuration;
  configuration.output_location = optional_string(*json, "OutputLocation");
  if (const auto* encryption = member(*json, "EncryptionConfiguration")) {
    configuration.encryption_configuration =
        EncryptionConfiguration{parse_encryption_option(string_or_empty(*encryption, "EncryptionOption")),
                                optional_string(*encryption, "KmsKey")};
  }
  configuration.expected_bucket_owner = optional_string(*json, "ExpectedBucketOwner");
  if (const auto* acl = member(*json, "AclConfiguration")) {
    configuration.acl_configuration = AclConfiguration{string_or_empty(*acl, "S3AclOption")};
  }
  return configuration;
}

std::optional<ResultReuseConfiguration> read_result_reuse(const Json& parent) {
  const auto* json = member(parent, "ResultReuseConfiguration");
  if (!json) return std::nullopt;
  ResultReuseConfiguration configuration;
  if (const auto* by_age = member(*json, "ResultReuseByAgeConfiguration")) {
    configuration.result_reuse_by_age_configuration = ResultReuseByAgeConfiguration{
        optional_bool(*by_age, "Enabled").value_or(false), optional_integer<int>(*by_age, "MaxAgeInMinutes")};
  }
  return configuration;
}

std::optional<EngineVersion> read_engine_version(const Json& parent) {
  const auto* json = member(parent, "EngineVersion");
  if (!json) return std::nullopt;
  return EngineVersion{optional_string(*json, "SelectedEngineVersion"),
                       optional_string(*json, "EffectiveEngineVersion")};
}

QueryExecution read_query_execution(const Json& json) {
  QueryExecution execution;
  execution.query_execution_id = string_or_empty(json, "QueryExecutionId");
  execution.query = optional_string(json, "Query");
  execution.statement_type = optional_string(json, "StatementType");
  execution.substatement_type = optional_string(json, "SubstatementType");
  execution.result_configuration = read_result_configuration(json);
  execution.result_reuse_configuration = read_result_reuse(json);
  execution.query_execution_context = read_context(json);
  if (const auto* status = member(json, "Status")) {
    execution.status.state_text = string_or_empty(*status, "State");
    execution.status.state = parse_query_execution_state(execution.status.state_text);
    execution.status.state_change_reason = optional_string(*status, "StateChangeReason");
    execution.status.submission_date_time = optional_timestamp(*status, "SubmissionDateTime");
    execution.status.completion_date_time = optional_timestamp(*status, "CompletionDateTime");
    if (const auto* error = member(*status, "AthenaError")) {
      execution.status.athena_error =
          AthenaError{optional_integer<int>(*error, "ErrorCategory"), optional_integer<int>(*error, "ErrorType"),
                      optional_bool(*error, "Retryable"), optional_string(*error, "ErrorMessage")};
    }
  }
  if (const auto* statistics_json = member(json, "Statistics")) {
    QueryExecutionStatistics statistics;
    statistics.engine_execution_time_in_millis =
        optional_integer<int64_t>(*statistics_json, "EngineExecutionTimeInMillis");
    statistics.data_scanned_in_bytes = optional_integer<int64_t>(*statistics_json, "DataScannedInBytes");
    statistics.data_manifest_location = optional_string(*statistics_json, "DataManifestLocation");
    statistics.total_execution_time_in_millis =
        optional_integer<int64_t>(*statistics_json, "TotalExecutionTimeInMillis");
    statistics.query_queue_time_in_millis = optional_integer<int64_t>(*statistics_json, "QueryQueueTimeInMillis");
    statistics.service_pre_processing_time_in_millis =
        optional_integer<int64_t>(*statistics_json, "ServicePreProcessingTimeInMillis");
    statistics.query_planning_time_in_millis = optional_integer<int64_t>(*statistics_json, "QueryPlanningTimeInMillis");
    statistics.service_processing_time_in_millis =
        optional_integer<int64_t>(*statistics_json, "ServiceProcessingTimeInMillis");
    if (const auto* reuse = member(*statistics_json, "ResultReuseInformation")) {
      statistics.result_reuse_information =
          ResultReuseInformation{optional_bool(*reuse, "ReusedPreviousResult").value_or(false)};
    }
    execution.statistics = std::move(statistics);
  }
  execution.work_group = optional_string(json, "WorkGroup");
  execution.engine_version = read_engine_version(json);
  execution.execution_parameters = string_list(json, "ExecutionParameters");
  return execution;
}

// --- GetQueryResults with simdjson on-demand -------------------------------------------------------

namespace ondemand = simdjson::ondemand;

std::optional<std::string> read_nullable_string(ondemand::value value) {
  if (value.is_null()) return std::nullopt;
  return std::string(std::string_view(value.get_string()));
}

std::optional<int> read_nullable_int(ondemand::value value) {
  if (value.is_null()) return std::nullopt;
  return static_cast<int>(int64_t(value.get_int64()));
}

Row read_row(ondemand::object row_object) {
  Row row;
  for (auto row_field : row_object) {
    if (std::string_view(row_field.unescaped_key()) != "Data") continue;
    for (auto datum : row_field.value().get_array()) {
      std::optional<std::string> cell;
      for (auto datum_field : datum.get_object()) {
        if (std::string_view(datum_field.unescaped_key()) == "VarCharValue") {
          cell = read_nullable_string(datum_field.value());
        }
      }
      row.data.push_back(std::move(cell));
    }
  }
  return row;
}

ColumnInfo read_column_info(ondemand::object column_object) {
  ColumnInfo column;
  for (auto field : column_object) {
    std::string_view key = field.unescaped_key();
    ondemand::value value = field.value();
    if (key == "Name") {
      column.name = read_nullable_string(value).value_or(std::string());
    } else if (key == "Type") {
      column.type = read_nullable_string(value).value_or(std::string());
    } else if (key == "Label") {
      column.label = read_nullable_string(value);
    } else if (key == "CatalogName") {
      column.catalog_name = read_nullable_string(value);
    } else if (key == "SchemaName") {
      column.schema_name = read_nullable_string(value);
    } else if (key == "TableName") {
      column.table_name = read_nullable_string(value);
    } else if (key == "Precision") {
      column.precision = read_nullable_int(value);
    } else if (key == "Scale") {
      column.scale = read_nullable_int(value);
    } else if (key == "Nullable") {
      column.nullable = read_nullable_string(value);
    } else if (key == "CaseSensitive") {
      if (!value.is_null()) column.case_sensitive = bool(value.get_bool());
    }
  }
  return column;
}

void read_result_set(ondemand::object result_set_object, ResultSet& result_set) {
  for (auto field : result_set_object) {
    std::string_view key = field.unescaped_key();
    if (key == "Rows") {
      ondemand::value rows = field.value();
      if (rows.is_null()) continue;
      for (auto row : rows.get_array()) result_set.rows.push_back(read_row(row.get_object()));
    } else if (key == "ResultSetMetadata") {
      ondemand::value metadata = field.value();
      if (metadata.is_null()) continue;
      for (auto metadata_field : metadata.get_object()) {
        if (std::string_view(metadata_field.unescaped_key()) != "ColumnInfo") continue;
        for (auto column : metadata_field.value().get_array()) {
          result_set.result_set_metadata.column_info.push_back(read_column_info(column.get_object()));
        }
      }
    }
  }
}

}  // namespace

std::string_view to_string(EncryptionOption option) {
  switch (option) {
    case EncryptionOption::SseS3: return kSseS3;
    case EncryptionOption::SseKms: return kSseKms;
    case EncryptionOption::CseKms: return kCseKms;
  }
  return kSseS3;
}

std::string_view to_string(QueryExecutionState state) {
  for (const auto& entry : kStateNames) {
    if (entry.state == state) return entry.name;
  }
  return kUnknownState;
}

QueryExecutionState parse_query_execution_state(std::string_view text) {
  for (const auto& entry : kStateNames) {
    if (entry.name == text) return entry.state;
  }
  return QueryExecutionState::Unknown;
}

bool is_terminal(QueryExecutionState state) {
  return state == QueryExecutionState::Succeeded || state == QueryExecutionState::Failed ||
         state == QueryExecutionState::Cancelled;
}

bool first_row_is_header(const GetQueryResultsResult& page, bool first_page, std::string_view statement_type) {
  if (!first_page || statement_type != kStatementTypeDml) return false;
  const auto& rows = page.result_set.rows;
  const auto& columns = page.result_set.result_set_metadata.column_info;
  if (rows.empty() || columns.empty() || rows.front().data.size() != columns.size()) return false;
  for (std::size_t index = 0; index < columns.size(); ++index) {
    const auto& cell = rows.front().data[index];
    const auto& label = columns[index].label ? *columns[index].label : columns[index].name;
    if (!cell || *cell != label) return false;
  }
  return true;
}

namespace protocol {

std::string serialize_start_query_execution(const StartQueryExecutionRequest& request) {
  Json json = {{"QueryString", request.query_string}};
  if (request.client_request_token) json["ClientRequestToken"] = *request.client_request_token;
  if (request.query_execution_context) json["QueryExecutionContext"] = to_json(*request.query_execution_context);
  if (request.result_configuration) json["ResultConfiguration"] = to_json(*request.result_configuration);
  if (request.work_group) json["WorkGroup"] = *request.work_group;
  if (!request.execution_parameters.empty()) json["ExecutionParameters"] = request.execution_parameters;
  if (request.result_reuse_configuration) {
    json["ResultReuseConfiguration"] = to_json(*request.result_reuse_configuration);
  }
  return json.dump();
}

std::string serialize_query_execution_id(std::string_view query_execution_id) {
  return Json{{"QueryExecutionId", query_execution_id}}.dump();
}

std::string serialize_get_query_results(const GetQueryResultsRequest& request) {
  Json json = {{"QueryExecutionId", request.query_execution_id}};
  if (request.next_token) json["NextToken"] = *request.next_token;
  if (request.max_results) json["MaxResults"] = *request.max_results;
  return json.dump();
}

std::string serialize_batch_get_query_execution(const std::vector<std::string>& query_execution_ids) {
  return Json{{"QueryExecutionIds", query_execution_ids}}.dump();
}

std::string serialize_get_work_group(std::string_view work_group) { return Json{{"WorkGroup", work_group}}.dump(); }

Outcome<std::string> parse_start_query_execution(std::string_view body) {
  return read_json<std::string>(kStartQueryExecution, body,
                                [](const Json& json) { return string_or_empty(json, "QueryExecutionId"); });
}

Outcome<QueryExecution> parse_get_query_execution(std::string_view body) {
  return read_json<QueryExecution>(kGetQueryExecution, body, [](const Json& json) -> Outcome<QueryExecution> {
    const auto* execution = member(json, "QueryExecution");
    if (!execution) return aws::detail::invalid_response(kGetQueryExecution, "no QueryExecution in the response");
    return read_query_execution(*execution);
  });
}

Outcome<BatchGetQueryExecutionResult> parse_batch_get_query_execution(std::string_view body) {
  return read_json<BatchGetQueryExecutionResult>(kBatchGetQueryExecution, body, [](const Json& json) {
    BatchGetQueryExecutionResult result;
    if (const auto* executions = member(json, "QueryExecutions")) {
      for (const auto& execution : *executions) result.query_executions.push_back(read_query_execution(execution));
    }
    if (const auto* unprocessed = member(json, "UnprocessedQueryExecutionIds")) {
      for (const auto& item : *unprocessed) {
        result.unprocessed_query_execution_ids.push_back({optional_string(item, "QueryExecutionId"),
                                                          optional_string(item, "ErrorCode"),
                                                          optional_string(item, "ErrorMessage")});
      }
    }
    return result;
  });
}

namespace {
QueryStage read_query_stage(const Json& json, int depth) {
  QueryStage stage;
  stage.stage_id = optional_integer<int64_t>(json, "StageId");
  stage.state = optional_string(json, "State");
  stage.output_bytes = optional_integer<int64_t>(json, "OutputBytes");
  stage.output_rows = optional_integer<int64_t>(json, "OutputRows");
  stage.input_bytes = optional_integer<int64_t>(json, "InputBytes");
  stage.input_rows = optional_integer<int64_t>(json, "InputRows");
  stage.execution_time = optional_integer<int64_t>(json, "ExecutionTime");
  constexpr int kMaxStageDepth = 100;  // a deeper tree in a response is cut there, not a stack overflow
  if (const auto* sub_stages = member(json, "SubStages"); sub_stages && depth < kMaxStageDepth) {
    for (const auto& sub_stage : *sub_stages) stage.sub_stages.push_back(read_query_stage(sub_stage, depth + 1));
  }
  return stage;
}
}  // namespace

Outcome<QueryRuntimeStatistics> parse_get_query_runtime_statistics(std::string_view body) {
  return read_json<QueryRuntimeStatistics>(kGetQueryRuntimeStatistics, body, [](const Json& json) {
    QueryRuntimeStatistics statistics;
    const auto* root = member(json, "QueryRuntimeStatistics");
    if (!root) return statistics;
    if (const auto* timeline_json = member(*root, "Timeline")) {
      QueryRuntimeStatisticsTimeline timeline;
      timeline.query_queue_time_in_millis = optional_integer<int64_t>(*timeline_json, "QueryQueueTimeInMillis");
      timeline.service_pre_processing_time_in_millis =
          optional_integer<int64_t>(*timeline_json, "ServicePreProcessingTimeInMillis");
      timeline.query_planning_time_in_millis = optional_integer<int64_t>(*timeline_json, "QueryPlanningTimeInMillis");
      timeline.engine_execution_time_in_millis =
          optional_integer<int64_t>(*timeline_json, "EngineExecutionTimeInMillis");
      timeline.service_processing_time_in_millis =
          optional_integer<int64_t>(*timeline_json, "ServiceProcessingTimeInMillis");
      timeline.total_execution_time_in_millis = optional_integer<int64_t>(*timeline_json, "TotalExecutionTimeInMillis");
      statistics.timeline = timeline;
    }
    if (const auto* rows_json = member(*root, "Rows")) {
      statistics.rows = QueryRuntimeStatisticsRows{
          optional_integer<int64_t>(*rows_json, "InputRows"), optional_integer<int64_t>(*rows_json, "InputBytes"),
          optional_integer<int64_t>(*rows_json, "OutputBytes"), optional_integer<int64_t>(*rows_json, "OutputRows")};
    }
    if (const auto* stage_json = member(*root, "OutputStage"))
      statistics.output_stage = read_query_stage(*stage_json, 0);
    return statistics;
  });
}

Outcome<WorkGroup> parse_get_work_group(std::string_view body) {
  return read_json<WorkGroup>(kGetWorkGroup, body, [](const Json& json) -> Outcome<WorkGroup> {
    WorkGroup work_group;
    const auto* work_group_json = member(json, "WorkGroup");
    // moto answers {"WorkGroup": null} for an unknown name where Athena says InvalidRequestException.
    if (!work_group_json) return aws::detail::invalid_response(kGetWorkGroup, "no WorkGroup in the response");
    work_group.name = string_or_empty(*work_group_json, "Name");
    work_group.state = optional_string(*work_group_json, "State");
    work_group.description = optional_string(*work_group_json, "Description");
    work_group.creation_time = optional_timestamp(*work_group_json, "CreationTime");
    if (const auto* configuration_json = member(*work_group_json, "Configuration")) {
      WorkGroupConfiguration configuration;
      configuration.result_configuration = read_result_configuration(*configuration_json);
      configuration.enforce_work_group_configuration =
          optional_bool(*configuration_json, "EnforceWorkGroupConfiguration");
      configuration.publish_cloud_watch_metrics_enabled =
          optional_bool(*configuration_json, "PublishCloudWatchMetricsEnabled");
      configuration.bytes_scanned_cutoff_per_query =
          optional_integer<int64_t>(*configuration_json, "BytesScannedCutoffPerQuery");
      configuration.requester_pays_enabled = optional_bool(*configuration_json, "RequesterPaysEnabled");
      configuration.engine_version = read_engine_version(*configuration_json);
      work_group.configuration = std::move(configuration);
    }
    return work_group;
  });
}

Outcome<GetQueryResultsResult> parse_get_query_results(std::string_view body) {
  // One parser per thread: it keeps its buffers between pages.
  thread_local ondemand::parser parser;
  GetQueryResultsResult result;
  try {
    simdjson::padded_string padded(body);
    ondemand::document document = parser.iterate(padded);
    for (auto field : document.get_object()) {
      std::string_view key = field.unescaped_key();
      ondemand::value value = field.value();
      if (key == "ResultSet") {
        if (!value.is_null()) read_result_set(value.get_object(), result.result_set);
      } else if (key == "NextToken") {
        result.next_token = read_nullable_string(value);
      } else if (key == "UpdateCount") {
        if (!value.is_null()) result.update_count = int64_t(value.get_int64());
      }
    }
  } catch (const simdjson::simdjson_error& error) {
    return aws::detail::invalid_response(kGetQueryResults, error.what());
  }
  return result;
}

}  // namespace protocol
}  // namespace athena_runner::aws::athena
