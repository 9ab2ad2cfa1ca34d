// Completion by events (src/lambda/README.md, "Completion by events"). Every step is safe to repeat: a start
// of the same slot reuses its token (the same execution) and keeps an existing record; a record leaves
// RUNNING by one conditional write (If-Match on the ETag read), so a duplicate, late or concurrent event
// finds it final and does nothing; a resubmission's token is the slot's next generation, so two invocations
// resubmitting the same failure start one execution.
#include "completion.hpp"

#include <algorithm>
#include <utility>

#include "athena_runner/spec/render.hpp"
#include "delivery.hpp"

namespace athena_runner::lambda {
namespace {

using nlohmann::ordered_json;
using std::chrono::milliseconds;
namespace athena = aws::athena;

constexpr milliseconds kMaxRetryBackoff{60'000};

bool retryable_failure(const aws::athena::QueryExecution& execution) {
  if (execution.status.state != athena::QueryExecutionState::Failed) return false;
  const auto& error = execution.status.athena_error;
  return error && error->retryable.value_or(false);
}

// The run's summary: the execution's state and statistics under the record's name, slot and token.
runner::RunSummary summary_for(const aws::athena::QueryExecution& execution, const RunRecord& record) {
  runner::RunSummary summary = runner::summary_of(execution);
  summary.name = record.query;
  summary.rendered.name = record.query;
  summary.rendered.scheduled_time = record.scheduled_time;
  summary.rendered.client_request_token = record.client_request_token;
  summary.rendered.generation = record.generation;
  summary.rendered.workgroup = execution.work_group.value_or("");
  if (const auto& context = execution.query_execution_context) {
    summary.rendered.catalog = context->catalog.value_or("");
    summary.rendered.database = context->database.value_or("");
  }
  summary.attempts = record.attempt;
  return summary;
}

}  // namespace

std::string_view to_string(Completion::Action action) {
  switch (action) {
    case Completion::Action::Recorded: return "recorded";
    case Completion::Action::Ignored: return "ignored";
    case Completion::Action::Finished: return "finished";
    case Completion::Action::Resubmitted: return "resubmitted";
    case Completion::Action::AlreadyFinished: return "already-finished";
    case Completion::Action::StillRunning: return "still-running";
    case Completion::Action::Skipped: return "skipped";
    case Completion::Action::Queued: return "queued";
  }
  return "ignored";
}

EventsCompletion::EventsCompletion(const HandlerConfig& config, runner::QueryEngine& engine, RunStore& store,
                                   const Clock& clock, JsonLog& log, std::string request_id, Notifier* notifier,
                                   runner::ObjectStore* objects)
    : config_(config),
      engine_(engine),
      store_(store),
      clock_(clock),
      log_(log),
      request_id_(std::move(request_id)),
      notifier_(notifier),
      objects_(objects) {}

RunRecord EventsCompletion::started_record(const runner::RunSummary& started, const std::string& spec_json,
                                           const std::string& dependents_json) const {
  RunRecord record;
  record.query_execution_id = started.query_execution_id;
  record.query = started.name;
  record.spec = spec_json;
  record.dependents = dependents_json;
  record.scheduled_time = started.rendered.scheduled_time;
  record.client_request_token = started.rendered.client_request_token;
  record.generation = started.rendered.generation;
  record.attempt = std::max(1, started.attempts);
  record.started_at = now();
  if (started.rendered.timeout.count() > 0) record.deadline = record.started_at + started.rendered.timeout;
  return record;
}

spec::Instant EventsCompletion::now() const { return std::chrono::floor<std::chrono::seconds>(clock_.now()); }

ordered_json EventsCompletion::fields(const runner::RunSummary& summary) const {
  ordered_json fields;
  fields["query"] = summary.name;
  fields["query_execution_id"] = summary.query_execution_id;
  fields["state"] = std::string(to_string(summary.state));
  if (!summary.reason.empty()) fields["reason"] = summary.reason;
  fields["request_id"] = request_id_;
  return fields;
}

Completion EventsCompletion::record_start(const runner::RunSummary& started, const std::string& spec_json,
                                          const std::string& dependents_json) {
  Completion completion;
  completion.summary = started;
  auto not_recorded = [&](std::string why) {
    completion.failure_type = std::string(kErrorRunNotRecorded);
    completion.summary.reason = "started, but its run record was not written: " + std::move(why);
    log_.write(LogLevel::Error, "run not recorded", fields(completion.summary));
    return completion;
  };
  auto execution = engine_.get(started.query_execution_id);
  if (!execution) return not_recorded(execution.get_failure().to_string());
  auto folder = results_folder(*execution);
  if (!folder) return not_recorded("the execution has no S3 output location");

  RunRecord record = started_record(started, spec_json, dependents_json);
  const auto uri = record_uri(*folder, record.query_execution_id);
  auto created = store_.create(uri, record_json(record));
  if (!created) return not_recorded(created.get_failure().to_string());
  if (*created) {
    if (auto marked = store_.create(open_marker_uri(*folder, record.query_execution_id), ""); !marked)
      return not_recorded(marked.get_failure().to_string());
  }
  completion.action = Completion::Action::Recorded;
  completion.note = *created ? "run record written" : "run record exists (the same slot started before)";
  auto line = fields(completion.summary);
  line["run_record"] = uri.to_string();
  line["created"] = *created;
  log_.write(LogLevel::Info, "run recorded", std::move(line));
  if (!athena::is_terminal(execution->status.state)) return completion;

  // Already final (a short query): finish here, since its event may have come before the record existed.
  auto finished = finish(*execution, false);
  if (!finished) return not_recorded(finished.get_failure().to_string());
  return std::move(finished).get_result();
}

Outcome<Completion> EventsCompletion::on_state_change(const QueryStateChange& change) {
  Completion completion;
  completion.summary.name = change.query_execution_id;
  completion.summary.query_execution_id = change.query_execution_id;
  if (change.current_state != "SUCCEEDED" && change.current_state != "FAILED" && change.current_state != "CANCELLED") {
    // Nothing to do before a final state: answered without a single call.
    completion.note = "state " + change.current_state + " is not final";
    return completion;
  }
  auto execution = engine_.get(change.query_execution_id);
  if (!execution) return std::move(execution).get_failure();
  return finish(*execution, false);
}

Outcome<Completion> EventsCompletion::finish(const aws::athena::QueryExecution& execution, bool sweeping) {
  Completion completion;
  completion.summary = runner::summary_of(execution);
  auto folder = results_folder(execution);
  if (!folder) {
    completion.note = "not ours: no S3 output location";
    return completion;
  }
  auto stored = store_.read(record_uri(*folder, execution.query_execution_id));
  if (!stored) return std::move(stored).get_failure();
  if (!*stored) {
    completion.note = "not ours: no run record";
    return completion;
  }
  auto record = parse_record((*stored)->body);
  if (!record) return std::move(record).get_failure();
  return finish_record(execution, *folder, **stored, std::move(record).get_result(), sweeping);
}

Completion EventsCompletion::already_finished(const RunRecord& record, runner::RunSummary summary) const {
  Completion completion;
  completion.action = Completion::Action::AlreadyFinished;
  completion.note = "the run was " + std::string(to_string(record.state)) + " already";
  if (record.state == RecordState::Failed) {
    completion.failure_type = record.error_type.empty() ? std::string(kErrorQueryFailed) : record.error_type;
    summary.reason = record.reason;
  }
  // What the finish delivered, answered again without delivering.
  if (auto delivered = runner::parse_deliveries_json(record.delivered)) summary.deliveries = std::move(*delivered);
  completion.next_query_execution_id = record.next_query_execution_id;
  completion.summary = std::move(summary);
  return completion;
}

Outcome<Completion> EventsCompletion::finish_record(const aws::athena::QueryExecution& execution,
                                                    const aws::s3::S3Uri& folder, const RunStore::Object& stored,
                                                    RunRecord record, bool sweeping) {
  auto summary = summary_for(execution, record);
  if (record.state != RecordState::Running) {
    auto completion = already_finished(record, std::move(summary));
    log_.write(LogLevel::Info, "run already finished", fields(completion.summary));
    if (record.state != RecordState::Running) remove_open_marker(folder, record.query_execution_id);
    return completion;
  }
  Completion completion;
  if (!athena::is_terminal(execution.status.state)) {
    if (!sweeping || !record.deadline || now() < *record.deadline) {
      completion.action = sweeping ? Completion::Action::StillRunning : Completion::Action::Ignored;
      completion.note = "not final yet";
      completion.summary = std::move(summary);
      return completion;
    }
    // The sweep's deadline check: past the query's timeout and still not final: stop it and fail the run.
    auto stopped = engine_.stop(record.query_execution_id);
    summary.timed_out = true;
    summary.stopped = stopped.is_success();
    record.state = RecordState::Failed;
    record.error_type = std::string(kErrorQueryTimedOut);
    record.reason = "still " + std::string(to_string(summary.state)) + " after its deadline " +
                    spec::format_utc(*record.deadline) +
                    (stopped ? "; query stopped" : "; StopQueryExecution failed: " + stopped.get_failure().message);
  } else if (execution.status.state == athena::QueryExecutionState::Succeeded) {
    // Delivered before the record is final, and recorded in it: a duplicate event then finds it final and
    // delivers nothing. A failed delivery fails the run (DeliveryFailed) and starts no dependent.
    auto delivered = deliver(record, summary);
    if (!delivered) {
      record.state = RecordState::Failed;
      record.error_type = std::string(kErrorDeliveryFailed);
      record.reason = delivered.get_failure().message;
    } else {
      // Before the record is final: a failure here fails the invocation, and its retry finds the record RUNNING.
      if (auto started = start_dependents(record, folder); !started) return std::move(started).get_failure();
      record.state = RecordState::Succeeded;
      record.reason.clear();
      record.delivered = runner::deliveries_json(*delivered);
      summary.deliveries = std::move(delivered).get_result();
    }
  } else if (retryable_failure(execution) && record.attempt < config_.max_attempts) {
    auto next = resubmit(record);
    if (!next) return std::move(next).get_failure();
    record.state = RecordState::Resubmitted;
    record.reason = summary.reason;
    record.next_query_execution_id = *next;
  } else {
    record.state = RecordState::Failed;
    record.error_type = std::string(
        execution.status.state == athena::QueryExecutionState::Cancelled ? kErrorQueryCancelled : kErrorQueryFailed);
    record.reason = summary.reason;
  }
  // Before the record is final, as for dependents: a retry of a failed invocation finds it RUNNING again.
  if (record.state != RecordState::Resubmitted) {
    if (auto queued = start_queued(record.query, folder); !queued) return std::move(queued).get_failure();
  }
  record.finished_at = now();
  const auto uri = record_uri(folder, record.query_execution_id);
  auto replaced = store_.replace(uri, record_json(record), stored.etag);
  if (!replaced) return std::move(replaced).get_failure();
  if (!*replaced) {
    // Another invocation finished it between our read and our write: answer with what it wrote.
    auto current = store_.read(uri);
    if (!current) return std::move(current).get_failure();
    if (!*current) return make_error(ErrorKind::Internal, "RunRecordRemoved", uri.to_string() + " disappeared");
    auto theirs = parse_record((*current)->body);
    if (!theirs) return std::move(theirs).get_failure();
    return already_finished(*theirs, std::move(summary));
  }
  remove_open_marker(folder, record.query_execution_id);

  if (record.state == RecordState::Failed) summary.reason = record.reason;
  completion.summary = std::move(summary);
  completion.next_query_execution_id = record.next_query_execution_id;
  if (record.state == RecordState::Resubmitted) {
    completion.action = Completion::Action::Resubmitted;
    completion.note = "resubmitted as " + record.next_query_execution_id;
    auto line = fields(completion.summary);
    line["next_query_execution_id"] = record.next_query_execution_id;
    line["attempt"] = record.attempt + 1;
    log_.write(LogLevel::Warn, "query resubmitted", std::move(line));
    return completion;
  }
  completion.action = Completion::Action::Finished;
  if (record.state == RecordState::Failed) completion.failure_type = record.error_type;
  auto line = fields(completion.summary);
  line["data_scanned_bytes"] = completion.summary.data_scanned_bytes;
  line["estimated_cost_usd"] = completion.summary.estimated_cost_usd;
  line["output_location"] = completion.summary.output_location;
  log_.write(record.state == RecordState::Succeeded ? LogLevel::Info : LogLevel::Error, "query finished",
             std::move(line));
  notify_finished(record, completion);
  return completion;
}

void EventsCompletion::notify_finished(const RunRecord& record, const Completion& completion) {
  if (notifier_ == nullptr) return;
  // The record keeps the spec as the payload carried it, notify included.
  auto query = spec::parse_query_spec_json(record.spec, config_.defaults);
  if (!query) {
    auto line = fields(completion.summary);
    line["error"] = query.get_failure().to_string();
    log_.write(LogLevel::Error, "notification failed", std::move(line));
    return;
  }
  notifier_->notify(query->notify, completion.summary, completion.failure_type.value_or(""));
}

Outcome<std::vector<runner::Delivered>> EventsCompletion::deliver(const RunRecord& record, runner::RunSummary summary) {
  auto query = spec::parse_query_spec_json(record.spec, config_.defaults);
  if (!query) return std::move(query).get_failure();
  if (query->deliver.empty()) return std::vector<runner::Delivered>{};
  auto rendered = spec::render_query(*query, record.scheduled_time, record.generation);
  if (!rendered) return std::move(rendered).get_failure();
  summary.rendered = std::move(rendered).get_result();
  return deliver_results(summary, engine_, objects_, clock_, config_.poll, log_, request_id_);
}

Outcome<runner::RunSummary> EventsCompletion::start_rendered(const spec::RenderedQuery& rendered, int attempt) {
  auto started = engine_.start(runner::to_start_request(rendered));
  if (!started) return std::move(started).get_failure();
  runner::RunSummary summary;
  summary.name = rendered.name;
  summary.rendered = rendered;
  summary.query_execution_id = *started;
  summary.state = runner::RunState::Queued;
  summary.attempts = attempt;
  return summary;
}

Outcome<std::string> EventsCompletion::resubmit(const RunRecord& record) {
  auto query = spec::parse_query_spec_json(record.spec, config_.defaults);
  if (!query) return std::move(query).get_failure();
  auto rendered = spec::render_query(*query, record.scheduled_time, record.generation + 1);
  if (!rendered) return std::move(rendered).get_failure();
  // Full jitter over a doubling ceiling, as the runner waits between resubmissions (runner.cpp).
  const auto exponent = std::min(record.attempt - 1, 16);
  const auto ceiling = std::min(kMaxRetryBackoff, config_.retry_base * (std::int64_t{1} << exponent));
  const double unit = clock_.random_unit ? clock_.random_unit() : 0.5;
  clock_.sleep_for(milliseconds(static_cast<std::int64_t>(unit * static_cast<double>(ceiling.count()))));
  auto next = start_rendered(*rendered, record.attempt + 1);
  if (!next) return std::move(next).get_failure();
  auto recorded = record_start(*next, record.spec, record.dependents);
  if (recorded.failure_type && recorded.action != Completion::Action::Finished)
    return make_error(ErrorKind::Service, std::string(kErrorRunNotRecorded), recorded.summary.reason);
  return next->query_execution_id;
}

Status EventsCompletion::start_dependents(const RunRecord& record, const aws::s3::S3Uri& folder) {
  const nlohmann::json dependents = nlohmann::json::parse(record.dependents, nullptr, false);
  if (!dependents.is_array() || dependents.empty()) return Ok{};
  // Slot markers live under the function's default output, so the upstream queries of a join find each other
  // even when they write their results to different places.
  aws::s3::S3Uri slots = folder;
  if (config_.defaults.output) {
    if (auto uri = aws::s3::parse_s3_uri(*config_.defaults.output)) slots = *uri;
  }
  if (auto marked = store_.create(slot_marker_uri(slots, record.scheduled_time, record.query), ""); !marked)
    return std::move(marked).get_failure();
  for (const auto& dependent : dependents) {
    auto query = spec::parse_query_spec_json(dependent.dump(), config_.defaults);
    if (!query) return std::move(query).get_failure();
    if (std::find(query->after.begin(), query->after.end(), record.query) == query->after.end()) continue;
    bool ready = true;
    for (const auto& upstream : query->after) {
      if (upstream == record.query) continue;
      auto marker = store_.read(slot_marker_uri(slots, record.scheduled_time, upstream));
      if (!marker) return std::move(marker).get_failure();
      ready = ready && marker->has_value();
    }
    if (!ready) continue;  // the last upstream query to succeed starts it
    auto rendered = spec::render_query(*query, record.scheduled_time);
    if (!rendered) return std::move(rendered).get_failure();
    // Its own on_overlap, as for a scheduled slot: skipped or queued while its earlier slot still runs.
    auto held = hold_for_overlap(query->on_overlap, *rendered, dependent.dump(), record.dependents);
    if (!held) return std::move(held).get_failure();
    if (*held) continue;
    // Its own token (its name and SQL), so a second upstream finishing at the same time starts the same execution.
    auto started = start_rendered(*rendered, 1);
    if (!started) return std::move(started).get_failure();
    const runner::RunSummary& summary = *started;
    auto line = fields(summary);
    line["after"] = record.query;
    line["client_request_token"] = rendered->client_request_token;
    log_.write(LogLevel::Info, "dependent started", std::move(line));
    auto recorded = record_start(summary, dependent.dump(), record.dependents);
    if (recorded.failure_type && recorded.action != Completion::Action::Finished)
      return make_error(ErrorKind::Service, std::string(kErrorRunNotRecorded), recorded.summary.reason);
  }
  return Ok{};
}

void EventsCompletion::remove_open_marker(const aws::s3::S3Uri& folder, const std::string& query_execution_id) {
  // A marker left behind costs one record read in the next sweep, which removes it then.
  if (auto removed = store_.remove(open_marker_uri(folder, query_execution_id)); !removed) {
    log_.write(LogLevel::Warn, "open marker not removed",
               {{"query_execution_id", query_execution_id},
                {"error", removed.get_failure().to_string()},
                {"request_id", request_id_}});
  }
}

Outcome<std::vector<Completion>> EventsCompletion::sweep(const std::vector<std::string>& locations) {
  std::vector<Completion> completions;
  for (const auto& location : locations) {
    auto folder = aws::s3::parse_s3_uri(location);
    if (!folder) return std::move(folder).get_failure();
    auto ids = open_run_ids(store_, *folder);
    if (!ids) return std::move(ids).get_failure();
    for (const auto& id : *ids) {
      auto stored = store_.read(record_uri(*folder, id));
      if (!stored) return std::move(stored).get_failure();
      if (!*stored) {  // a marker without a record: nothing to finish
        remove_open_marker(*folder, id);
        continue;
      }
      auto record = parse_record((*stored)->body);
      if (!record) return std::move(record).get_failure();
      auto execution = engine_.get(id);
      if (!execution) return std::move(execution).get_failure();
      auto finished = finish_record(*execution, *folder, **stored, std::move(record).get_result(), true);
      if (!finished) return std::move(finished).get_failure();
      completions.push_back(std::move(finished).get_result());
    }
    if (auto resumed = sweep_queued(*folder); !resumed) return std::move(resumed).get_failure();
  }
  return completions;
}

}  // namespace athena_runner::lambda
