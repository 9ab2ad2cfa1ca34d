// The part of Athena moto_server cannot play, for the handler's tests: a thin engine decorator over the real
// Athena engine (talking to moto) that says exactly what it plays, as Athena documents it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "athena_runner/runner/engine.hpp"

namespace athena_runner::testing {

inline constexpr char kFailMarker[] = "fail_me";    // FAILED, not retryable (a user error)
inline constexpr char kFlakyMarker[] = "flaky_me";  // FAILED, retryable, for the first `flaky_failures` starts
inline constexpr char kHoldMarker[] = "hold_me";    // RUNNING until release() (moto ends every query at once)

// Passes everything to the real engine (moto), except what moto cannot do:
// * BatchGetQueryExecution (not implemented by moto 5) is answered with GetQueryExecution per id;
// * executions whose SQL contains a marker above report its state, with an AthenaError as Athena would;
// * with `idempotent`, a repeated ClientRequestToken returns the first QueryExecutionId (Athena's
//   documented idempotency; moto starts a new execution every time).
class AthenaBehaviour : public runner::QueryEngine {
 public:
  explicit AthenaBehaviour(std::unique_ptr<runner::QueryEngine> inner) : inner_(std::move(inner)) {}
  bool idempotent = false;
  int flaky_failures = 1;
  std::vector<std::string> tokens;  // every token sent
  std::vector<std::string> ids;     // every execution started, in order
  int gets = 0;                     // GetQueryExecution calls
  // Athena writes its result, <OutputLocation> (<id>.csv), when a query succeeds; moto writes nothing. With
  // `write_result` set, the first GetQueryExecution that reports SUCCEEDED writes `result_csv` there.
  std::string result_csv;
  std::function<void(const std::string& output_location, const std::string& body)> write_result;

  // Executions started so far, safe to read while another thread starts more.
  std::size_t started() {
    std::lock_guard lock(mutex_);
    return ids.size();
  }

  // The held execution reports moto's state from now on (SUCCEEDED, or FAILED for the failure markers).
  void release(const std::string& id) {
    std::lock_guard lock(mutex_);
    held_.erase(id);
  }

  std::string_view name() const override { return inner_->name(); }
  std::string describe() const override { return inner_->describe(); }
  Outcome<std::string> start(const aws::athena::StartQueryExecutionRequest& request) override {
    std::lock_guard lock(mutex_);
    const std::string token = request.client_request_token.value_or("");
    tokens.push_back(token);
    if (idempotent) {
      if (auto found = ids_by_token_.find(token); found != ids_by_token_.end()) return found->second;
    }
    auto id = inner_->start(request);
    if (!id) return id;
    ids.push_back(*id);
    if (idempotent) ids_by_token_[token] = *id;
    const auto& sql = request.query_string;
    if (sql.find(kFailMarker) != std::string::npos) failing_.insert(*id);
    if (sql.find(kFlakyMarker) != std::string::npos && flaky_starts_[sql]++ < flaky_failures) flaky_.insert(*id);
    if (sql.find(kHoldMarker) != std::string::npos) held_.insert(*id);
    return id;
  }
  Outcome<aws::athena::QueryExecution> get(std::string_view id) override {
    {
      std::lock_guard lock(mutex_);
      ++gets;
    }
    auto execution = inner_->get(id);
    if (execution) play(*execution);
    return execution;
  }
  Outcome<aws::athena::BatchGetQueryExecutionResult> batch_get(const std::vector<std::string>& batch) override {
    // moto does not implement BatchGetQueryExecution: answer it with one GetQueryExecution per id.
    aws::athena::BatchGetQueryExecutionResult result;
    for (const auto& id : batch) {
      auto execution = get(id);
      if (!execution) return std::move(execution).get_failure();
      result.query_executions.push_back(std::move(execution).get_result());
    }
    return result;
  }
  Status stop(std::string_view id) override { return inner_->stop(id); }
  Outcome<aws::athena::QueryRuntimeStatistics> runtime_statistics(std::string_view id) override {
    return inner_->runtime_statistics(id);
  }
  Status stream_result_csv(const aws::athena::QueryExecution& execution, std::uint64_t from_byte,
                           const runner::ByteSink& sink) override {
    return inner_->stream_result_csv(execution, from_byte, sink);
  }
  Outcome<aws::athena::QueryResultsTable> results(std::string_view id, std::size_t max_rows) override {
    return inner_->results(id, max_rows);
  }

 private:
  // Only over moto's SUCCEEDED: a stopped execution stays CANCELLED, as on Athena.
  void play(aws::athena::QueryExecution& execution) {
    std::lock_guard lock(mutex_);
    const auto& id = execution.query_execution_id;
    if (execution.status.state != aws::athena::QueryExecutionState::Succeeded) return;
    if (held_.count(id)) {
      execution.status.state = aws::athena::QueryExecutionState::Running;
      execution.status.state_text = "RUNNING";
      return;
    }
    if (!failing_.count(id) && !flaky_.count(id) && write_result && written_.insert(id).second &&
        execution.result_configuration && execution.result_configuration->output_location) {
      write_result(*execution.result_configuration->output_location, result_csv);
    }
    if (failing_.count(id)) {
      fail(execution, "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.lake.nope' does not exist",
           aws::athena::AthenaError{2, 1301, false, std::nullopt});
    } else if (flaky_.count(id)) {
      fail(execution,
           "INTERNAL_ERROR_QUERY_ENGINE: Amazon Athena experienced an internal error while executing this query. "
           "Please try submitting the query again.",
           aws::athena::AthenaError{1, 401, true, std::nullopt});
    }
  }
  static void fail(aws::athena::QueryExecution& execution, const std::string& reason, aws::athena::AthenaError error) {
    execution.status.state = aws::athena::QueryExecutionState::Failed;
    execution.status.state_text = "FAILED";
    execution.status.state_change_reason = reason;
    error.error_message = reason;
    execution.status.athena_error = error;
  }

  std::unique_ptr<runner::QueryEngine> inner_;
  std::mutex mutex_;
  std::map<std::string, std::string> ids_by_token_;
  std::map<std::string, int> flaky_starts_;
  std::set<std::string> failing_, flaky_, held_, written_;
};

}  // namespace athena_runner::testing
