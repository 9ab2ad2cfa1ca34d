// Engine "athena": each QueryEngine call is the Athena API call of the same name; the result CSV is an
// S3 GetObject of the execution's OutputLocation.
#include "athena_runner/engine/athena_query_engine.hpp"

#include <algorithm>
#include <iterator>

#include "athena_runner/aws/athena.hpp"
#include "athena_runner/aws/s3.hpp"

namespace athena_runner::engine {

namespace {

namespace athena = aws::athena;

constexpr std::string_view kResultNotAvailable = "ResultNotAvailable";

Error result_not_available(const std::string& message) {
  return make_error(ErrorKind::Service, std::string(kResultNotAvailable), message);
}

class AthenaQueryEngine final : public runner::QueryEngine {
 public:
  explicit AthenaQueryEngine(std::shared_ptr<const aws::ClientContext> context)
      : context_(std::move(context)), athena_(context_), s3_(context_) {}

  std::string_view name() const override { return "athena"; }
  std::string describe() const override { return "athena (region " + context_->region + ")"; }

  Outcome<std::string> start(const athena::StartQueryExecutionRequest& request) override {
    return athena_.start_query_execution(request);
  }
  Outcome<athena::QueryExecution> get(std::string_view query_execution_id) override {
    return athena_.get_query_execution(query_execution_id);
  }
  Outcome<athena::BatchGetQueryExecutionResult> batch_get(const std::vector<std::string>& ids) override {
    return athena_.batch_get_query_execution(ids);
  }
  Status stop(std::string_view query_execution_id) override { return athena_.stop_query_execution(query_execution_id); }
  Outcome<athena::QueryRuntimeStatistics> runtime_statistics(std::string_view query_execution_id) override {
    return athena_.get_query_runtime_statistics(query_execution_id);
  }

  Status stream_result_csv(const athena::QueryExecution& execution, std::uint64_t from_byte,
                           const runner::ByteSink& sink) override {
    const auto& configuration = execution.result_configuration;
    if (!configuration || !configuration->output_location || configuration->output_location->empty()) {
      return result_not_available("query " + execution.query_execution_id + " has no OutputLocation");
    }
    // Athena encrypts client-side with CSE_KMS: the object is not readable as plain CSV.
    if (configuration->encryption_configuration &&
        configuration->encryption_configuration->encryption_option == athena::EncryptionOption::CseKms) {
      return result_not_available("the result of " + execution.query_execution_id +
                                  " is encrypted client-side (CSE_KMS)");
    }
    auto uri = aws::s3::parse_s3_uri(*configuration->output_location);
    if (!uri) return result_not_available(uri.get_failure().message);
    std::optional<std::string> range;
    if (from_byte > 0) range = "bytes=" + std::to_string(from_byte) + "-";
    auto got = s3_.get_object(aws::s3::GetObjectRequest{uri->bucket, uri->key, std::move(range)}, sink);
    if (!got) {
      auto error = std::move(got).get_failure();
      if (error.code == "NoSuchKey" || error.code == "NoSuchBucket" || error.code == "AccessDenied" ||
          error.http_status == 404 || error.http_status == 403) {
        return result_not_available("cannot read " + *configuration->output_location + ": " + error.to_string());
      }
      return error;
    }
    return Ok{};
  }

  Outcome<athena::QueryResultsTable> results(std::string_view query_execution_id, std::size_t max_rows) override {
    athena::QueryResultsTable table;
    auto paged = results_pages(query_execution_id, max_rows, [&](athena::QueryResultsTable& page) {
      if (page.pages == 1) {
        table.columns = std::move(page.columns);
        table.update_count = page.update_count;
      }
      table.pages = page.pages;
      table.rows.insert(table.rows.end(), std::make_move_iterator(page.rows.begin()),
                        std::make_move_iterator(page.rows.end()));
      return true;
    });
    if (!paged) return std::move(paged).get_failure();
    return table;
  }

  // One GetQueryResults page (kMaxResultsPerPage rows) at a time; only as many pages as max_rows needs.
  Status results_pages(std::string_view query_execution_id, std::size_t max_rows,
                       const std::function<bool(athena::QueryResultsTable& page)>& sink) override {
    auto execution = athena_.get_query_execution(query_execution_id);
    if (!execution) return std::move(execution).get_failure();
    const std::string statement_type = execution->statement_type.value_or(std::string(athena::kStatementTypeDml));
    athena::GetQueryResultsRequest request{std::string(query_execution_id), std::nullopt, athena::kMaxResultsPerPage};
    athena::QueryResultsTable page;  // columns and update_count of the first page, kept for every page
    std::size_t delivered = 0;
    do {
      auto got = athena_.get_query_results(request);
      if (!got) return std::move(got).get_failure();
      const bool first_page = page.pages == 0;
      ++page.pages;
      if (first_page) {
        page.columns = got->result_set.result_set_metadata.column_info;
        page.update_count = got->update_count;
      }
      auto& rows = got->result_set.rows;
      auto begin = rows.begin() + (athena::first_row_is_header(*got, first_page, statement_type) ? 1 : 0);
      auto end = rows.end();
      if (max_rows != 0)
        end = begin + static_cast<std::ptrdiff_t>(
                          std::min<std::size_t>(static_cast<std::size_t>(end - begin), max_rows - delivered));
      page.rows.assign(std::make_move_iterator(begin), std::make_move_iterator(end));
      delivered += page.rows.size();
      if (!sink(page)) break;
      request.next_token = std::move(got->next_token);
    } while (request.next_token && !request.next_token->empty() && (max_rows == 0 || delivered < max_rows));
    return Ok{};
  }

 private:
  std::shared_ptr<const aws::ClientContext> context_;
  athena::AthenaClient athena_;
  aws::s3::S3Client s3_;
};

}  // namespace

std::unique_ptr<runner::QueryEngine> make_athena_query_engine(std::shared_ptr<const aws::ClientContext> context) {
  return std::make_unique<AthenaQueryEngine>(std::move(context));
}

}  // namespace athena_runner::engine
