// Athena's JSON 1.1 wire format on strings, both directions, tested without a network: the client serialises
// requests and parses responses; the local engine and the local endpoint write the responses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/aws/athena.hpp"

namespace athena_runner::aws::athena::protocol {

inline constexpr std::string_view kStartQueryExecution = "StartQueryExecution";
inline constexpr std::string_view kGetQueryExecution = "GetQueryExecution";
inline constexpr std::string_view kGetQueryResults = "GetQueryResults";
inline constexpr std::string_view kStopQueryExecution = "StopQueryExecution";
inline constexpr std::string_view kBatchGetQueryExecution = "BatchGetQueryExecution";
inline constexpr std::string_view kGetWorkGroup = "GetWorkGroup";
inline constexpr std::string_view kGetQueryRuntimeStatistics = "GetQueryRuntimeStatistics";

std::string serialize_start_query_execution(const StartQueryExecutionRequest& request);
std::string serialize_query_execution_id(std::string_view query_execution_id);  // Get/StopQueryExecution
std::string serialize_get_query_results(const GetQueryResultsRequest& request);
std::string serialize_batch_get_query_execution(const std::vector<std::string>& query_execution_ids);
std::string serialize_get_work_group(std::string_view work_group);

Outcome<std::string> parse_start_query_execution(std::string_view body);
Outcome<QueryExecution> parse_get_query_execution(std::string_view body);
// The hot path (pages of 1,000 rows): simdjson on-demand.
Outcome<GetQueryResultsResult> parse_get_query_results(std::string_view body);
Outcome<BatchGetQueryExecutionResult> parse_batch_get_query_execution(std::string_view body);
Outcome<WorkGroup> parse_get_work_group(std::string_view body);
Outcome<QueryRuntimeStatistics> parse_get_query_runtime_statistics(std::string_view body);

// The QueryExecution member's object of GetQueryExecution (without the {"QueryExecution": ...} wrapper), as
// JSON text that parse_get_query_execution reads back: the local engine's execution records and the local
// endpoint's answers.
std::string query_execution_json(const QueryExecution& execution);
// The whole GetQueryRuntimeStatistics response ({"QueryRuntimeStatistics": ...}).
std::string query_runtime_statistics_json(const QueryRuntimeStatistics& statistics);

}  // namespace athena_runner::aws::athena::protocol
