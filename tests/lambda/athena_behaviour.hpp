// The part of Athena its peer cannot play, for the handler's tests: a thin engine decorator over the real Athena
// engine (talking to moto_server or to `athena-runner serve`) that says exactly what it plays, as Athena
// documents it.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "athena_runner/runner/engine.hpp"

namespace athena_runner::testing {

inline constexpr char kFailMarker[] = "fail_me";    // FAILED, not retryable (a user error); moto only
inline constexpr char kFlakyMarker[] = "flaky_me";  // FAILED, retryable, for the first `flaky_failures` starts
inline constexpr char kHoldMarker[] = "hold_me";    // RUNNING until release() (both end a query at once)

// Which peer the inner engine talks to.
enum class AthenaPeer { Moto, Serve };
inline void PrintTo(AthenaPeer peer, std::ostream* out) { *out << (peer == AthenaPeer::Moto ? "moto" : "serve"); }

// Passes everything to the real engine, except what its peer cannot do. For moto:
// * BatchGetQueryExecution (not implemented by moto 5) is answered with GetQueryExecution per id;
// * executions whose SQL contains kFailMarker report FAILED with a user error, as Athena would (moto never
//   fails a query);
// * with `idempotent`, a repeated ClientRequestToken returns the first QueryExecutionId (Athena's
//   documented idempotency; moto starts a new execution every time).
// serve does all three for real (a query over a missing table fails, tokens are honoured), so over serve the
// decorator plays only what neither peer can: a retryable failure (kFlakyMarker: Athena's internal error; no
// local query fails retryably on demand) and a query that runs until the test says it ended (kHoldMarker:
// both peers end a small query at once; the hold covers the real SUCCEEDED or FAILED until release()).
class AthenaBehaviour : public runner::QueryEngine {
 public:
  explicit AthenaBehaviour(std::unique_ptr<runner::QueryEngine> inner, AthenaPeer peer = AthenaPeer::Moto)
      : inner_(std::move(inner)), peer_(peer) {}
  bool idempotent = false;  // played for moto only: serve is idempotent
  int flaky_failures = 1;
  std::vector<std::string> tokens;  // every token sent
  std::vector<std::string> ids;     // every execution started, in order (an execution once, however often its
                                    // token was sent)
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

  // The held execution reports the peer's state from now on (SUCCEEDED, or FAILED for the failure markers).
  // Returns once the peer's own state is final (moto's is at once; serve's local engine may take a moment to
  // run the query), so what the test does next meets the execution ended, as the hold stood for.
  void release(const std::string& id) {
    {
      std::lock_guard lock(mutex_);
      held_.erase(id);
    }
    for (int i = 0; i < 1500; ++i) {
      auto execution = inner_->get(id);
      if (!execution || aws::athena::is_terminal(execution->status.state)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::string_view name() const override { return inner_->name(); }
  std::string describe() const override { return inner_->describe(); }
  Outcome<std::string> start(const aws::athena::StartQueryExecutionRequest& request) override {
    std::lock_guard lock(mutex_);
    const std::string token = request.client_request_token.value_or("");
    tokens.push_back(token);
    if (idempotent && peer_ == AthenaPeer::Moto) {
      if (auto found = ids_by_token_.find(token); found != ids_by_token_.end()) return found->second;
    }
    auto id = inner_->start(request);
    if (!id) return id;
    if (std::find(ids.begin(), ids.end(), *id) != ids.end()) return id;  // serve's answer to a repeated token
    ids.push_back(*id);
    if (idempotent) ids_by_token_[token] = *id;
    // The markers are the test's query's; a delivery's UNLOAD wraps that SQL and is neither held nor failed.
    const std::string sql = request.query_string.rfind("UNLOAD", 0) == 0 ? std::string() : request.query_string;
    if (sql.find(kFailMarker) != std::string::npos && peer_ == AthenaPeer::Moto) failing_.insert(*id);
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
    if (peer_ == AthenaPeer::Serve) {
      {
        std::lock_guard lock(mutex_);
        gets += static_cast<int>(batch.size());
      }
      auto result = inner_->batch_get(batch);
      if (result)
        for (auto& execution : result->query_executions) play(execution);
      return result;
    }
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
  // Only over the peer's SUCCEEDED (and serve's real FAILED, while held): a stopped execution stays CANCELLED,
  // as on Athena.
  void play(aws::athena::QueryExecution& execution) {
    std::lock_guard lock(mutex_);
    const auto& id = execution.query_execution_id;
    const auto state = execution.status.state;
    if (held_.count(id) &&
        (state == aws::athena::QueryExecutionState::Succeeded || state == aws::athena::QueryExecutionState::Failed)) {
      execution.status.state = aws::athena::QueryExecutionState::Running;
      execution.status.state_text = "RUNNING";
      execution.status.state_change_reason.reset();
      execution.status.athena_error.reset();
      return;
    }
    if (state != aws::athena::QueryExecutionState::Succeeded) return;
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
  AthenaPeer peer_;
  std::mutex mutex_;
  std::map<std::string, std::string> ids_by_token_;
  std::map<std::string, int> flaky_starts_;
  std::set<std::string> failing_, flaky_, held_, written_;
};

}  // namespace athena_runner::testing
