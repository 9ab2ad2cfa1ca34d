// The runner: render → token → start → wait → summarise, for one query, many (run --all) or a range of
// scheduled slots (backfill). Engine-agnostic (runner/engine.hpp); clock and sleep are injected.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/clock.hpp"
#include "athena_runner/base/outcome.hpp"
#include "athena_runner/runner/engine.hpp"
#include "athena_runner/spec/queries_file.hpp"
#include "athena_runner/spec/render.hpp"

namespace athena_runner::runner {

// Athena's price: USD 5 per TB scanned (TB = 2^40 bytes), bytes rounded up to the next MB (2^20),
// with a 10 MB minimum per query. A query that scanned nothing (DDL, failed before reading, result
// reuse) costs 0.
double estimated_cost_usd(std::int64_t data_scanned_bytes);

// The StartQueryExecution request for a rendered query (every field the queries file can set).
athena::StartQueryExecutionRequest to_start_request(const spec::RenderedQuery& query);

// Adaptive polling: the first poll after `initial`, then each interval multiplied by `factor`, up to
// `max`. With many queries in flight, the runner polls them together with BatchGetQueryExecution.
struct PollPolicy {
  std::chrono::milliseconds initial{200};
  double factor = 1.5;
  std::chrono::milliseconds max{5000};
};

enum class GiveUpAction { Stop, LeaveRunning };

struct RunSummary;

struct RunOptions {
  PollPolicy poll;
  bool wait = true;                                               // false: return right after the start
  std::optional<std::chrono::seconds> timeout;                    // overrides the query's timeout
  std::optional<std::chrono::system_clock::time_point> deadline;  // absolute; the earlier of the two wins
  GiveUpAction on_give_up = GiveUpAction::Stop;                   // on timeout, deadline or interrupt
  int max_attempts = 3;                        // starts per query, counting resubmissions after a Retryable AthenaError
  std::chrono::milliseconds retry_base{1000};  // backoff between resubmissions (full jitter, doubling)
  const std::atomic<bool>* interrupted = nullptr;  // set by a SIGINT handler: stop the running queries
  // Called for each run that succeeded, as it ends and before it is reported finished (the Finished event,
  // run_many's on_finished, a backfill's journal, its dependents): the CLI (deliver.hpp, delivering()) and the
  // Lambda's wait mode deliver there. It may set the summary's deliveries or delivery_failure. The other
  // queries' states are read again after it, before any of their timeouts is judged.
  std::function<void(RunSummary&)> after_success;
};

// A run's state: Athena's QueryExecutionState (same values, printed by athena::to_string), or
// NotStarted for a query the runner never started (bad template, start refused, deadline reached).
// Code decides on this enum; the text is for output only.
enum class RunState {
  Queued = static_cast<int>(athena::QueryExecutionState::Queued),
  Running = static_cast<int>(athena::QueryExecutionState::Running),
  Succeeded = static_cast<int>(athena::QueryExecutionState::Succeeded),
  Failed = static_cast<int>(athena::QueryExecutionState::Failed),
  Cancelled = static_cast<int>(athena::QueryExecutionState::Cancelled),
  Unknown = static_cast<int>(athena::QueryExecutionState::Unknown),  // a state this build does not know
  NotStarted,
};
RunState run_state(athena::QueryExecutionState state);
std::string_view to_string(RunState state);                   // "QUEUED", ... "UNKNOWN" as Athena's, or "NOT_STARTED"
std::ostream& operator<<(std::ostream& out, RunState state);  // to_string (for streams and test messages)

// The Error::code of a run whose query started but whose state could no longer be read.
inline constexpr std::string_view kPollFailedCode = "PollFailed";

// One destination a succeeded run was delivered to (runner/deliver.hpp).
struct Delivered {
  std::string to;  // the destination as rendered
  spec::DeliveryFormat format = spec::DeliveryFormat::Csv;
  std::vector<std::string> objects;  // s3:// URIs of the objects written (or kept)
  bool kept = false;                 // overwrite keep: another run's object was there and was left as it is
};

// What happened to one query run.
struct RunSummary {
  std::string name;
  spec::RenderedQuery rendered;      // what was sent (the last generation's token)
  std::string query_execution_id;    // empty if it never started
  athena::QueryExecution execution;  // the last GetQueryExecution seen
  RunState state = RunState::NotStarted;
  std::string reason;                 // StateChangeReason / error message / why the runner gave up
  std::optional<int> error_category;  // AthenaError
  std::optional<int> error_type;
  bool timed_out = false;  // the runner gave up (timeout, deadline or interrupt)
  bool stopped = false;    // and sent StopQueryExecution
  int attempts = 0;        // starts (1 + resubmissions)
  int polls = 0;           // GetQueryExecution calls (or this query's share of batch calls)
  std::string output_location;
  std::int64_t data_scanned_bytes = 0;
  std::chrono::milliseconds engine_time{0}, queue_time{0}, planning_time{0}, total_time{0};
  std::chrono::milliseconds wall_time{0};  // measured by the runner, start call to final state
  bool reused_previous_result = false;
  double estimated_cost_usd = 0;
  std::vector<Delivered> deliveries;      // after a delivery (runner/deliver.hpp), in the query's deliver order
  std::optional<Error> delivery_failure;  // the delivery failed (DeliveryFailed, its message names the destination)
  bool succeeded() const { return state == RunState::Succeeded; }
  // Succeeded and delivered (when it had destinations and was delivered): what lets its dependents start and a
  // backfill journal its slot.
  bool done() const { return succeeded() && !delivery_failure; }
};

// The summary of an execution looked up by id (`athena-runner status`), not started by this runner: state,
// reason, error, output, statistics and cost as a run would report them; the name is the id.
RunSummary summary_of(const athena::QueryExecution& execution);

// Progress events for a display (CLI) or structured logs (Lambda).
// Polled: a poll found the query still queued or running, in the same state (a live display refreshes its
// elapsed time and data scanned on it). wall_time and the statistics are those of the latest poll.
struct RunEvent {
  enum class Kind { Started, StateChanged, Polled, Resubmitted, GaveUp, Finished } kind;
  const RunSummary* summary;
};
using EventSink = std::function<void(const RunEvent&)>;

class Runner {
 public:
  Runner(QueryEngine& engine, Clock clock, EventSink events = {});

  // One query for one scheduled slot. Errors are for what prevented a run (bad template, the start call
  // failing for a non-retryable reason such as a missing workgroup); a query that ran and failed is a
  // summary with state FAILED.
  Outcome<RunSummary> run(const spec::ResolvedQuery& query, spec::Instant scheduled_time,
                          const RunOptions& options = {});
  // An already rendered query (the Lambda's path).
  Outcome<RunSummary> run_rendered(const spec::RenderedQuery& query, const RunOptions& options = {});

  // Several runs, at most `concurrency` in flight at once, polled together (BatchGetQueryExecution).
  // Results in input order; a failure to start one does not stop the others.
  // `on_finished` (optional) is called as each one ends, with its index (backfill journals with it).
  using FinishedSink = std::function<void(std::size_t index, const Outcome<RunSummary>& outcome)>;
  std::vector<Outcome<RunSummary>> run_many(const std::vector<spec::RenderedQuery>& queries, int concurrency,
                                            const RunOptions& options = {}, const FinishedSink& on_finished = {});

 private:
  QueryEngine& engine_;
  Clock clock_;
  EventSink events_;
};

// Backfill: one run per fire time of the query's schedule in [from, to), each with its own token,
// concurrency-capped. A journal file (JSON, rewritten atomically after each slot) records the slots
// that succeeded; running the same backfill again skips them.
struct BackfillOptions {
  spec::Instant from{}, to{};
  int concurrency = 4;
  std::string journal_path;  // e.g. .athena-runner/backfill/<query>-<from>-<to>.json
  RunOptions run;
  std::function<void(std::size_t done, std::size_t total, const RunSummary& last)> on_progress;
};
struct BackfillReport {
  std::size_t total = 0, skipped = 0, succeeded = 0, failed = 0;
  std::vector<RunSummary> runs;              // this invocation's runs, in slot order
  std::vector<spec::Instant> skipped_slots;  // the slots the journal says succeeded before
};
Outcome<BackfillReport> backfill(Runner& runner, const spec::ResolvedQuery& query, const BackfillOptions& options);

// Dependents (`after`, docs/queries-file.md "Dependencies"): after runs of upstream queries, runs each query of
// `graph` for a slot once every query in its after has succeeded for that slot, round by round (so a chain
// runs in order, and a dependent that succeeds lets its own dependents run), each rendered for the slot with
// its own token, at most `concurrency` at once. `graph` holds the candidates (e.g. the transitive dependents
// of the upstream queries); `upstream` what already ran. Nothing starts after a failed upstream.
struct SlotOutcome {
  std::string name;
  spec::Instant scheduled_time{};
  bool succeeded = false;
};
struct DependentsReport {
  std::vector<RunSummary> runs;          // the dependents that ran (or failed to start, or were held), in start order
  std::vector<std::string> not_started;  // "<name> for <slot>: <upstream> did not succeed", in graph order
  bool all_succeeded() const;            // every dependent reachable ran and is done (succeeded, delivered)
};
// `hold` (optional), asked for each dependent before it starts: a summary to report instead of starting it
// (the Lambda's wait mode applies the dependent's on_overlap there), or nullopt to start it. A held dependent
// counts as not succeeded for its own dependents.
using HoldCheck = std::function<std::optional<RunSummary>(const spec::RenderedQuery& query)>;
DependentsReport run_dependents(Runner& runner, const std::vector<spec::ResolvedQuery>& graph,
                                const std::vector<SlotOutcome>& upstream, int concurrency,
                                const RunOptions& options = {}, const HoldCheck& hold = {});

// Result output. A table of rows as Athena's CSV gives them (header first), parsed from the CSV or
// taken from GetQueryResults.
using ResultRow = std::vector<std::optional<std::string>>;  // nullopt: SQL NULL
struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::string> types;  // Athena type names when known (GetQueryResults), else empty
  std::vector<ResultRow> rows;
  bool truncated = false;  // more rows existed than max_rows
};
enum class OutputFormat { Table, Csv, JsonLines, Tsv };

// Receives a result row by row as it is read, so no caller holds the whole result: the printers below,
// or a table (fetch_results).
class RowSink {
 public:
  virtual ~RowSink() = default;
  // Once, before the first row; `types` are Athena's type names when known (GetQueryResults), else empty.
  virtual void columns(std::vector<std::string> names, std::vector<std::string> types) = 0;
  virtual bool row(ResultRow cells) = 0;  // false: no more rows wanted
  virtual void end(bool truncated) = 0;   // once, after the last row shown
};

// A printer on `out`. CSV (Athena's quoting: every value quoted, NULL empty), TSV (Trino CLI's: header line, tab
// separated, \0 \b \f \t \n \r \\ escaped, NULL empty) and JSON lines (one object per row, NULL null) write each row as
// it arrives; the table buffers the rows it shows to align them (at most --max-rows of them).
std::unique_ptr<RowSink> make_result_printer(OutputFormat format, std::ostream& out);

struct StreamedResult {
  std::size_t rows = 0;    // rows given to the sink
  bool truncated = false;  // more rows existed than max_rows
  std::string via;         // "csv" (the result CSV from the output location) or "GetQueryResults"
};
// Streams up to max_rows (0: all) rows into `sink`: the CSV from the output location when available (parsed
// chunk by chunk as it arrives), else GetQueryResults. A CSV that fails part way is an error, not silently
// replaced by another source.
Outcome<StreamedResult> stream_results(QueryEngine& engine, const athena::QueryExecution& execution,
                                       std::size_t max_rows, RowSink& sink);
// The GetQueryResults part of stream_results: page by page into `sink` (QueryEngine::results_pages), so memory
// holds one page (1,000 rows on Athena), not the result; the table printer alone keeps the rows it shows.
Outcome<StreamedResult> stream_query_results(QueryEngine& engine, std::string_view query_execution_id,
                                             std::size_t max_rows, RowSink& sink);
// The result CSV only (no GetQueryResults fallback), read until max_rows (0: all) rows: what an engine's own
// results() uses, so a few rows cost a few rows' reading, not the whole file's.
Outcome<ResultTable> fetch_result_csv(QueryEngine& engine, const athena::QueryExecution& execution,
                                      std::size_t max_rows);
// A page of the result CSV for GetQueryResults' paging (`serve`): up to max_rows rows (the header line is a
// row like any other here) from byte `from_byte`, which must be a row boundary (0, or an earlier page's
// `next`), so each page costs its own rows' reading whatever the result's size.
struct CsvPage {
  std::vector<ResultRow> rows;
  std::uint64_t next = 0;  // where the row after these starts
  bool more = false;       // another row follows
};
Outcome<CsvPage> read_result_csv_page(QueryEngine& engine, const athena::QueryExecution& execution,
                                      std::uint64_t from_byte, std::size_t max_rows);
// Fetches up to max_rows (0: all) into a table (and says where from on `via`).
Outcome<ResultTable> fetch_results(QueryEngine& engine, const athena::QueryExecution& execution, std::size_t max_rows,
                                   std::string* via = nullptr);
// Parses Athena's result CSV (RFC 4180 quoting; an empty unquoted field is NULL).
Outcome<ResultTable> parse_athena_csv(std::string_view csv, std::size_t max_rows);
void print_results(const ResultTable& table, OutputFormat format, std::ostream& out);
// The summary as aligned "key: value" lines (CLI) and as one JSON object (Lambda response, --json).
void print_summary(const RunSummary& summary, std::ostream& out);
std::string summary_json(const RunSummary& summary);

}  // namespace athena_runner::runner
