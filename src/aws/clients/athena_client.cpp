// AthenaClient: the protocol functions of athena_protocol.hpp over the shared ServiceClient.
#include <algorithm>
#include <iterator>

#include "athena_runner/aws/protocol/athena.hpp"

namespace athena_runner::aws::athena {

namespace {

template <class T, class Parser>
Outcome<T> call(const ServiceClient& service, std::string_view operation, std::string body, Parser parse) {
  auto response = service.call_json(operation, std::move(body));
  if (!response) return std::move(response).get_failure();
  return parse(response.get_result());
}

}  // namespace

AthenaClient::AthenaClient(std::shared_ptr<const ClientContext> context)
    : service_(std::move(context), ServiceDescriptor::athena()) {}

Outcome<std::string> AthenaClient::start_query_execution(const StartQueryExecutionRequest& request) const {
  return call<std::string>(service_, protocol::kStartQueryExecution, protocol::serialize_start_query_execution(request),
                           protocol::parse_start_query_execution);
}

Outcome<QueryExecution> AthenaClient::get_query_execution(std::string_view query_execution_id) const {
  return call<QueryExecution>(service_, protocol::kGetQueryExecution,
                              protocol::serialize_query_execution_id(query_execution_id),
                              protocol::parse_get_query_execution);
}

Outcome<GetQueryResultsResult> AthenaClient::get_query_results(const GetQueryResultsRequest& request) const {
  return call<GetQueryResultsResult>(service_, protocol::kGetQueryResults,
                                     protocol::serialize_get_query_results(request), protocol::parse_get_query_results);
}

Status AthenaClient::for_each_query_results_page(std::string_view query_execution_id, std::string_view statement_type,
                                                 std::size_t max_rows,
                                                 const std::function<bool(QueryResultsTable& page)>& page) const {
  GetQueryResultsRequest request{std::string(query_execution_id), std::nullopt, kMaxResultsPerPage};
  QueryResultsTable table;  // columns and update_count of the first page, kept for every page
  std::size_t delivered = 0;
  do {
    auto got = get_query_results(request);
    if (!got) return std::move(got).get_failure();
    const bool first_page = table.pages == 0;
    ++table.pages;
    // The header row is known by the page's columns: read before they are taken.
    const bool header = first_row_is_header(*got, first_page, statement_type);
    if (first_page) {
      table.columns = std::move(got->result_set.result_set_metadata.column_info);
      table.update_count = got->update_count;
    }
    auto& rows = got->result_set.rows;
    auto begin = rows.begin() + (header ? 1 : 0);
    auto end = rows.end();
    if (max_rows != 0)
      end = begin + static_cast<std::ptrdiff_t>(
                        std::min<std::size_t>(static_cast<std::size_t>(end - begin), max_rows - delivered));
    table.rows.assign(std::make_move_iterator(begin), std::make_move_iterator(end));
    delivered += table.rows.size();
    if (!page(table)) break;
    request.next_token = std::move(got->next_token);
  } while (request.next_token && !request.next_token->empty() && (max_rows == 0 || delivered < max_rows));
  return Ok{};
}

Outcome<QueryResultsTable> AthenaClient::get_all_query_results(std::string_view query_execution_id,
                                                               std::string_view statement_type,
                                                               std::size_t max_rows) const {
  QueryResultsTable table;
  auto walked = for_each_query_results_page(query_execution_id, statement_type, max_rows, [&](QueryResultsTable& page) {
    if (page.pages == 1) {
      table.columns = page.columns;
      table.update_count = page.update_count;
    }
    table.pages = page.pages;
    table.rows.insert(table.rows.end(), std::make_move_iterator(page.rows.begin()),
                      std::make_move_iterator(page.rows.end()));
    return true;
  });
  if (!walked) return std::move(walked).get_failure();
  return table;
}

Status AthenaClient::stop_query_execution(std::string_view query_execution_id) const {
  auto response =
      service_.call_json(protocol::kStopQueryExecution, protocol::serialize_query_execution_id(query_execution_id));
  if (!response) return std::move(response).get_failure();
  return Ok{};
}

Outcome<BatchGetQueryExecutionResult> AthenaClient::batch_get_query_execution(
    const std::vector<std::string>& query_execution_ids) const {
  if (query_execution_ids.size() > kMaxBatchGetIds) {
    return make_error(ErrorKind::InvalidInput, "TooManyQueryExecutionIds",
                      "BatchGetQueryExecution takes at most " + std::to_string(kMaxBatchGetIds) + " ids, got " +
                          std::to_string(query_execution_ids.size()));
  }
  return call<BatchGetQueryExecutionResult>(service_, protocol::kBatchGetQueryExecution,
                                            protocol::serialize_batch_get_query_execution(query_execution_ids),
                                            protocol::parse_batch_get_query_execution);
}

Outcome<WorkGroup> AthenaClient::get_work_group(std::string_view work_group) const {
  return call<WorkGroup>(service_, protocol::kGetWorkGroup, protocol::serialize_get_work_group(work_group),
                         protocol::parse_get_work_group);
}

Outcome<QueryRuntimeStatistics> AthenaClient::get_query_runtime_statistics(std::string_view query_execution_id) const {
  return call<QueryRuntimeStatistics>(service_, protocol::kGetQueryRuntimeStatistics,
                                      protocol::serialize_query_execution_id(query_execution_id),
                                      protocol::parse_get_query_runtime_statistics);
}

}  // namespace athena_runner::aws::athena
