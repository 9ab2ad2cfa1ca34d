// The writer of a QueryExecution as GetQueryExecution prints it; athena_protocol.cpp has its reader.
#include <nlohmann/json.hpp>

#include "athena_runner/aws/protocol/athena.hpp"

namespace athena_runner::aws::athena::protocol {

namespace {

using Json = nlohmann::ordered_json;

double epoch_seconds(Timestamp time) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count()) /
         1000.0;
}

template <class T>
void put(Json& json, const char* key, const std::optional<T>& value) {
  if (value) json[key] = *value;
}

Json result_configuration(const ResultConfiguration& configuration) {
  Json json = Json::object();
  put(json, "OutputLocation", configuration.output_location);
  if (const auto& encryption = configuration.encryption_configuration) {
    Json enc{{"EncryptionOption", std::string(to_string(encryption->encryption_option))}};
    put(enc, "KmsKey", encryption->kms_key);
    json["EncryptionConfiguration"] = enc;
  }
  put(json, "ExpectedBucketOwner", configuration.expected_bucket_owner);
  if (configuration.acl_configuration) {
    json["AclConfiguration"] = Json{{"S3AclOption", configuration.acl_configuration->s3_acl_option}};
  }
  return json;
}

}  // namespace

std::string query_execution_json(const QueryExecution& execution) {
  Json json;
  json["QueryExecutionId"] = execution.query_execution_id;
  put(json, "Query", execution.query);
  put(json, "StatementType", execution.statement_type);
  put(json, "SubstatementType", execution.substatement_type);
  if (execution.result_configuration)
    json["ResultConfiguration"] = result_configuration(*execution.result_configuration);
  if (const auto& reuse = execution.result_reuse_configuration; reuse && reuse->result_reuse_by_age_configuration) {
    Json by_age{{"Enabled", reuse->result_reuse_by_age_configuration->enabled}};
    put(by_age, "MaxAgeInMinutes", reuse->result_reuse_by_age_configuration->max_age_in_minutes);
    json["ResultReuseConfiguration"] = Json{{"ResultReuseByAgeConfiguration", by_age}};
  }
  if (const auto& context = execution.query_execution_context) {
    Json context_json = Json::object();
    put(context_json, "Database", context->database);
    put(context_json, "Catalog", context->catalog);
    json["QueryExecutionContext"] = context_json;
  }
  Json status;
  status["State"] = execution.status.state_text.empty() ? std::string(to_string(execution.status.state))
                                                        : execution.status.state_text;
  put(status, "StateChangeReason", execution.status.state_change_reason);
  if (execution.status.submission_date_time) {
    status["SubmissionDateTime"] = epoch_seconds(*execution.status.submission_date_time);
  }
  if (execution.status.completion_date_time) {
    status["CompletionDateTime"] = epoch_seconds(*execution.status.completion_date_time);
  }
  if (const auto& error = execution.status.athena_error) {
    Json error_json = Json::object();
    put(error_json, "ErrorCategory", error->error_category);
    put(error_json, "ErrorType", error->error_type);
    put(error_json, "Retryable", error->retryable);
    put(error_json, "ErrorMessage", error->error_message);
    status["AthenaError"] = error_json;
  }
  json["Status"] = status;
  if (const auto& stats = execution.statistics) {
    Json stats_json = Json::object();
    put(stats_json, "EngineExecutionTimeInMillis", stats->engine_execution_time_in_millis);
    put(stats_json, "DataScannedInBytes", stats->data_scanned_in_bytes);
    put(stats_json, "DataManifestLocation", stats->data_manifest_location);
    put(stats_json, "TotalExecutionTimeInMillis", stats->total_execution_time_in_millis);
    put(stats_json, "QueryQueueTimeInMillis", stats->query_queue_time_in_millis);
    put(stats_json, "ServicePreProcessingTimeInMillis", stats->service_pre_processing_time_in_millis);
    put(stats_json, "QueryPlanningTimeInMillis", stats->query_planning_time_in_millis);
    put(stats_json, "ServiceProcessingTimeInMillis", stats->service_processing_time_in_millis);
    if (stats->result_reuse_information) {
      stats_json["ResultReuseInformation"] =
          Json{{"ReusedPreviousResult", stats->result_reuse_information->reused_previous_result}};
    }
    json["Statistics"] = stats_json;
  }
  put(json, "WorkGroup", execution.work_group);
  if (const auto& version = execution.engine_version) {
    Json version_json = Json::object();
    put(version_json, "SelectedEngineVersion", version->selected_engine_version);
    put(version_json, "EffectiveEngineVersion", version->effective_engine_version);
    json["EngineVersion"] = version_json;
  }
  if (!execution.execution_parameters.empty()) json["ExecutionParameters"] = execution.execution_parameters;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {
Json query_stage_json(const QueryStage& stage) {
  Json json = Json::object();
  put(json, "StageId", stage.stage_id);
  put(json, "State", stage.state);
  put(json, "OutputBytes", stage.output_bytes);
  put(json, "OutputRows", stage.output_rows);
  put(json, "InputBytes", stage.input_bytes);
  put(json, "InputRows", stage.input_rows);
  put(json, "ExecutionTime", stage.execution_time);
  if (!stage.sub_stages.empty()) {
    Json sub_stages = Json::array();
    for (const auto& sub_stage : stage.sub_stages) sub_stages.push_back(query_stage_json(sub_stage));
    json["SubStages"] = sub_stages;
  }
  return json;
}
}  // namespace

std::string query_runtime_statistics_json(const QueryRuntimeStatistics& statistics) {
  Json root = Json::object();
  if (const auto& timeline = statistics.timeline) {
    Json json = Json::object();
    put(json, "QueryQueueTimeInMillis", timeline->query_queue_time_in_millis);
    put(json, "ServicePreProcessingTimeInMillis", timeline->service_pre_processing_time_in_millis);
    put(json, "QueryPlanningTimeInMillis", timeline->query_planning_time_in_millis);
    put(json, "EngineExecutionTimeInMillis", timeline->engine_execution_time_in_millis);
    put(json, "ServiceProcessingTimeInMillis", timeline->service_processing_time_in_millis);
    put(json, "TotalExecutionTimeInMillis", timeline->total_execution_time_in_millis);
    root["Timeline"] = json;
  }
  if (const auto& rows = statistics.rows) {
    Json json = Json::object();
    put(json, "InputRows", rows->input_rows);
    put(json, "InputBytes", rows->input_bytes);
    put(json, "OutputBytes", rows->output_bytes);
    put(json, "OutputRows", rows->output_rows);
    root["Rows"] = json;
  }
  if (statistics.output_stage) root["OutputStage"] = query_stage_json(*statistics.output_stage);
  return Json{{"QueryRuntimeStatistics", root}}.dump();
}

}  // namespace athena_runner::aws::athena::protocol
