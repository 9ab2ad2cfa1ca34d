// The engine-agnostic interface the runner drives: Athena's own API shapes (aws/athena.hpp), served
// either by Athena (engine "athena", src/engine/athena) or by the embedded DuckDB engine (engine
// "local", src/engine/local). The Lambda links only the Athena engine: this header pulls in no DuckDB.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/aws/athena.hpp"
#include "athena_runner/base/clock.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::runner {

namespace athena = aws::athena;

// Receives a result CSV in chunks (as Athena writes <QueryExecutionId>.csv); false stops the transfer.
using ByteSink = std::function<bool(std::string_view chunk)>;

class QueryEngine {
 public:
  virtual ~QueryEngine() = default;

  // "athena" or "local".
  virtual std::string_view name() const = 0;
  // One line for humans: which engine runs and against what, e.g.
  // "athena (region eu-west-1)" or "local (DuckDB 1.5.6, data dir examples/data)".
  virtual std::string describe() const = 0;

  // StartQueryExecution. Same ClientRequestToken and same request → the same QueryExecutionId (as
  // Athena does); the query runs in the background (local: on a worker thread of this process).
  virtual Outcome<std::string> start(const athena::StartQueryExecutionRequest& request) = 0;
  virtual Outcome<athena::QueryExecution> get(std::string_view query_execution_id) = 0;
  // BatchGetQueryExecution (at most athena::kMaxBatchGetIds ids): how many queries are polled under quota.
  virtual Outcome<athena::BatchGetQueryExecutionResult> batch_get(const std::vector<std::string>& ids) = 0;
  virtual Status stop(std::string_view query_execution_id) = 0;
  // GetQueryRuntimeStatistics: rows and bytes read and written (so far, while the query runs), its timeline
  // and its stages. Live progress shows it; Athena answers it for DML statements only.
  virtual Outcome<athena::QueryRuntimeStatistics> runtime_statistics(std::string_view query_execution_id) = 0;

  // Between polls. An engine that knows when its queries change state says so: change_count() grows
  // whenever one of its queries reaches a final state, and wait_for_change returns true as soon as it
  // differs from `seen` (the runner then polls at once), false when `duration` passed. Athena can not
  // tell, so by default this sleeps on the clock and polling alone finds the state. (The local engine
  // knows about the queries of its own process; for others it waits the whole duration.)
  virtual std::uint64_t change_count() { return 0; }
  virtual bool wait_for_change(std::uint64_t seen, const Clock& clock, std::chrono::milliseconds duration) {
    (void)seen;
    clock.sleep_for(duration);
    return false;
  }

  // The result CSV of a succeeded query, streamed from its OutputLocation (S3 GetObject, or the local
  // file), from byte `from_byte` on (0: all of it; else a Range GET, for paging). Error "ResultNotAvailable"
  // when there is no such object (e.g. encrypted with CSE_KMS, or removed): the caller then falls back to
  // results().
  virtual Status stream_result_csv(const athena::QueryExecution& execution, std::uint64_t from_byte,
                                   const ByteSink& sink) = 0;
  // GetQueryResults, all pages (header row of a SELECT dropped), at most max_rows rows (0: all).
  virtual Outcome<athena::QueryResultsTable> results(std::string_view query_execution_id, std::size_t max_rows) = 0;
  // The same rows page by page as they arrive, so a reader holds one page, not the result: `page` gets each
  // page's rows (columns and update_count: those of the first page); returning false stops the paging. By
  // default one call with all of results() (an engine whose results are local files).
  virtual Status results_pages(std::string_view query_execution_id, std::size_t max_rows,
                               const std::function<bool(athena::QueryResultsTable& page)>& page) {
    auto table = results(query_execution_id, max_rows);
    if (!table) return std::move(table).get_failure();
    page(*table);
    return Ok{};
  }
};

}  // namespace athena_runner::runner
