// Completion by events: record a started run, finish it from its execution's final state (once), sweep the
// open runs whose event was lost. Private to ar_lambda_handler; the key layout is in run_record.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "athena_runner/lambda/handler.hpp"
#include "athena_runner/lambda/run_record.hpp"
#include "json_log.hpp"
#include "notify.hpp"

namespace athena_runner::lambda {

// What an invocation did with one execution.
struct Completion {
  enum class Action {
    Recorded,         // started and recorded; an event will finish it
    Ignored,          // not ours (no run record), or not a final state
    Finished,         // this invocation moved the record to its final state
    Resubmitted,      // a retryable failure: the next generation started
    AlreadyFinished,  // a duplicate or late event: the record was final already
    StillRunning,     // sweep: not final, within its deadline
    Skipped,          // on_overlap skip: not started, an earlier slot of the query still runs
    Queued,           // on_overlap queue: waits for the earlier slot still running; its finish starts it
  };
  Action action = Action::Ignored;
  runner::RunSummary summary;
  std::string note;                         // why it was ignored, or what was done
  std::optional<std::string> failure_type;  // the run failed for good: the invocation's errorType
  std::string next_query_execution_id;      // Resubmitted
  std::string running_query_execution_id;   // Skipped, Queued: the earlier slot's execution still running
};
std::string_view to_string(Completion::Action action);

class EventsCompletion {
 public:
  EventsCompletion(const HandlerConfig& config, runner::QueryEngine& engine, RunStore& store, const Clock& clock,
                   JsonLog& log, std::string request_id, Notifier* notifier = nullptr,
                   runner::ObjectStore* objects = nullptr);

  // After the start of an events-mode run: writes its record and open marker; finishes it at once if it is
  // already final (a fast query whose event may come before the record exists).
  // `dependents_json`: the specs of the queries after it (a JSON list), started when it succeeds.
  Completion record_start(const runner::RunSummary& started, const std::string& spec_json,
                          const std::string& dependents_json);
  // An Athena Query State Change event: reads the execution, finds its record, finishes the run once.
  Outcome<Completion> on_state_change(const QueryStateChange& change);
  // The open runs under each folder: finished if final, stopped and failed if past their deadline.
  Outcome<std::vector<Completion>> sweep(const std::vector<std::string>& locations);

  // on_overlap (overlap.cpp). The record of an earlier slot of the query that still runs, found among the open
  // run records under its output folder, each checked with GetQueryExecution (a record may be stale); nullopt
  // when none runs (or the query has no output location to keep records in).
  // `any_slot`: a running slot of the query for any scheduled time counts, not only an earlier one.
  Outcome<std::optional<RunRecord>> running_earlier_slot(const spec::RenderedQuery& query, bool any_slot = false);
  // A slot of a `skip` query due while `running` runs: not started, not a failure.
  Completion skip_slot(const spec::RenderedQuery& query, const RunRecord& running) const;
  // A slot of a `queue` query due while `running` runs: written as queued; the finish of the running slot
  // starts it. Started here when the running slot ended before the queued slot was written.
  Outcome<Completion> queue_slot(const spec::RenderedQuery& query, const RunRecord& running,
                                 const std::string& spec_json, const std::string& dependents_json);
  // Events mode, a dependent its upstream's finish would start: true when on_overlap skipped or queued it.
  Outcome<bool> hold_for_overlap(spec::OnOverlap on_overlap, const spec::RenderedQuery& query,
                                 const std::string& spec_json, const std::string& dependents_json);
  // Wait mode: polls `running` until it ends (true) or `deadline` comes (false).
  Outcome<bool> wait_until_ended(const RunRecord& running, std::chrono::system_clock::time_point deadline);
  // Wait mode, a skip or queue query: its run record and open marker while this invocation waits for it, so the
  // next slot sees it; closed with its final state (`next_query_execution_id`: resubmitted as that one).
  Status open_waiting_run(const runner::RunSummary& started, const std::string& spec_json);
  void close_waiting_run(const runner::RunSummary& finished, const std::string& next_query_execution_id = {});

 private:
  Outcome<Completion> finish(const aws::athena::QueryExecution& execution, bool sweeping);
  Outcome<Completion> finish_record(const aws::athena::QueryExecution& execution, const aws::s3::S3Uri& folder,
                                    const RunStore::Object& stored, RunRecord record, bool sweeping);
  Outcome<std::string> resubmit(const RunRecord& record);
  // StartQueryExecution; the summary of the started run (its `attempt`-th start).
  Outcome<runner::RunSummary> start_rendered(const spec::RenderedQuery& rendered, int attempt);
  // After `record` succeeded: marks its slot, and starts each dependent whose upstream queries all succeeded.
  Status start_dependents(const RunRecord& record, const aws::s3::S3Uri& folder);
  // After `record` succeeded: delivers its results (delivery.hpp) with its query rendered from the record.
  Outcome<std::vector<runner::Delivered>> deliver(const RunRecord& record, runner::RunSummary summary);
  // After a run of `query` ended for good: starts the earliest slot queued behind it (overlap.cpp).
  Status start_queued(const std::string& query, const aws::s3::S3Uri& folder);
  // Sweep: the head of each queue under `folder` whose earlier slots all ended without starting it (their
  // finish failed for good, or a start crashed before removing it) is started (overlap.cpp).
  Status sweep_queued(const aws::s3::S3Uri& folder);
  std::optional<aws::s3::S3Uri> output_folder(const spec::RenderedQuery& query) const;
  Completion already_finished(const RunRecord& record, runner::RunSummary summary) const;
  void remove_open_marker(const aws::s3::S3Uri& folder, const std::string& query_execution_id);
  // The run's notification, once: called only by the invocation whose write made the record final.
  void notify_finished(const RunRecord& record, const Completion& completion);
  spec::Instant now() const;
  nlohmann::ordered_json fields(const runner::RunSummary& summary) const;
  // A record for a run just started (attempt, start time and deadline from now).
  RunRecord started_record(const runner::RunSummary& started, const std::string& spec_json,
                           const std::string& dependents_json) const;
  // on_overlap (overlap.cpp): the answer for a slot skipped or queued behind `running`, and its log fields.
  static Completion not_started_behind(Completion::Action action, const spec::RenderedQuery& query,
                                       const RunRecord& running);
  nlohmann::ordered_json overlap_fields(const Completion& completion) const;

  const HandlerConfig& config_;
  runner::QueryEngine& engine_;
  RunStore& store_;
  const Clock& clock_;
  JsonLog& log_;
  std::string request_id_;
  Notifier* notifier_;
  runner::ObjectStore* objects_;
  std::vector<std::string> starting_queued_;  // queued slots being started by this invocation (their keys)
};

}  // namespace athena_runner::lambda
