// Engine "athena": each QueryEngine call is the Athena API call of the same name; the result CSV is an
// S3 GetObject of the execution's OutputLocation.
#include "athena_runner/engine/athena_query_engine.hpp"

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
    auto statement_type = statement_type_of(query_execution_id);
    if (!statement_type) return std::move(statement_type).get_failure();
    return athena_.get_all_query_results(query_execution_id, *statement_type, max_rows);
  }

  // One GetQueryResults page (kMaxResultsPerPage rows) at a time; only as many pages as max_rows needs.
  Status results_pages(std::string_view query_execution_id, std::size_t max_rows,
                       const std::function<bool(athena::QueryResultsTable& page)>& sink) override {
    auto statement_type = statement_type_of(query_execution_id);
    if (!statement_type) return std::move(statement_type).get_failure();
    return athena_.for_each_query_results_page(query_execution_id, *statement_type, max_rows, sink);
  }

 private:
  // Whether a SELECT's header row heads the first page: the execution's StatementType.
  Outcome<std::string> statement_type_of(std::string_view query_execution_id) const {
    auto execution = athena_.get_query_execution(query_execution_id);
    if (!execution) return std::move(execution).get_failure();
    return execution->statement_type.value_or(std::string(athena::kStatementTypeDml));
  }

  std::shared_ptr<const aws::ClientContext> context_;
  athena::AthenaClient athena_;
  aws::s3::S3Client s3_;
};

}  // namespace

std::unique_ptr<runner::QueryEngine> make_athena_query_engine(std::shared_ptr<const aws::ClientContext> context) {
  return std::make_unique<AthenaQueryEngine>(std::move(context));
}

}  // namespace athena_runner::engine
