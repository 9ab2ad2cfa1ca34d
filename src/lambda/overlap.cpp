// on_overlap (src/lambda/README.md, "Overlap"): a slot of a query due while an earlier slot of the same query
// still runs. The open run records say which runs may still run; GetQueryExecution says whether they do. A
// queued slot is an object under athena-runner/queued/<query>/, written with If-None-Match (a retried
// invocation queues it once); the finish of the running slot starts the earliest one with its own token
// (Athena's idempotency makes two finishers start one execution) and removes it.
#include <algorithm>
#include <utility>

#include "athena_runner/spec/render.hpp"
#include "completion.hpp"

namespace athena_runner::lambda {

std::optional<aws::s3::S3Uri> EventsCompletion::output_folder(const spec::RenderedQuery& query) const {
  const auto& output = query.output ? query.output : config_.defaults.output;
  if (!output) return std::nullopt;
  auto uri = aws::s3::parse_s3_uri(*output);
  if (!uri) return std::nullopt;
  return *uri;
}

Outcome<std::optional<RunRecord>> EventsCompletion::running_earlier_slot(const spec::RenderedQuery& query,
                                                                         bool any_slot) {
  auto folder = output_folder(query);
  if (!folder) return std::optional<RunRecord>{};
  auto ids = open_run_ids(store_, *folder);
  if (!ids) return std::move(ids).get_failure();
  for (const auto& id : *ids) {
    auto stored = store_.read(record_uri(*folder, id));
    if (!stored) return std::move(stored).get_failure();
    if (!*stored) continue;
    auto record = parse_record((*stored)->body);
    if (!record) return std::move(record).get_failure();
    // The same slot is this slot's own earlier start (a retried invocation): not an overlap.
    if (record->query != query.name || record->state != RecordState::Running ||
        (!any_slot && record->scheduled_time >= query.scheduled_time))
      continue;
    auto execution = engine_.get(id);
    if (!execution) return std::move(execution).get_failure();
    if (aws::athena::is_terminal(execution->status.state)) continue;  // a stale record: its event or the sweep ends it
    return std::optional<RunRecord>{std::move(record).get_result()};
  }
  return std::optional<RunRecord>{};
}

// The answer for a slot not started because an earlier slot of its query still runs (skipped or queued).
Completion EventsCompletion::not_started_behind(Completion::Action action, const spec::RenderedQuery& query,
                                                const RunRecord& running) {
  Completion completion;
  completion.action = action;
  completion.summary.name = query.name;
  completion.summary.rendered = query;
  completion.summary.state = runner::RunState::NotStarted;
  completion.running_query_execution_id = running.query_execution_id;
  return completion;
}

// The log line's fields for such a slot.
nlohmann::ordered_json EventsCompletion::overlap_fields(const Completion& completion) const {
  auto line = fields(completion.summary);
  line["scheduled_time"] = spec::format_utc(completion.summary.rendered.scheduled_time);
  line["running_query_execution_id"] = completion.running_query_execution_id;
  return line;
}

Completion EventsCompletion::skip_slot(const spec::RenderedQuery& query, const RunRecord& running) const {
  Completion completion = not_started_behind(Completion::Action::Skipped, query, running);
  completion.note = "on_overlap skip: the slot " + spec::format_utc(running.scheduled_time) + " is still running as " +
                    running.query_execution_id;
  auto line = overlap_fields(completion);
  log_.write(LogLevel::Info, "slot skipped", std::move(line));
  return completion;
}

Outcome<Completion> EventsCompletion::queue_slot(const spec::RenderedQuery& query, const RunRecord& running,
                                                 const std::string& spec_json, const std::string& dependents_json) {
  auto folder = output_folder(query);
  if (!folder) return make_error(ErrorKind::InvalidInput, "NoOutputLocation", query.name + " has no output location");
  QueuedSlot slot{query.name, spec_json, dependents_json, query.scheduled_time, running.query_execution_id, now()};
  const auto uri = queued_uri(*folder, query.name, query.scheduled_time);
  auto created = store_.create(uri, queued_json(slot));
  if (!created) return std::move(created).get_failure();

  Completion completion = not_started_behind(Completion::Action::Queued, query, running);
  completion.note = "on_overlap queue: waits for the slot " + spec::format_utc(running.scheduled_time) + " (" +
                    running.query_execution_id + ")" + (*created ? "" : "; queued before");
  auto line = overlap_fields(completion);
  line["queued"] = uri.to_string();
  log_.write(LogLevel::Info, "slot queued", std::move(line));

  // The running slot may have ended between the check and the write, its finish then saw no queued slot. Any
  // finish after this check sees it: start the queue's head here only when nothing runs any more.
  auto still = running_earlier_slot(query);
  if (!still) return std::move(still).get_failure();
  if (!*still) {
    if (auto started = start_queued(query.name, *folder); !started) return std::move(started).get_failure();
    completion.note += "; it ended meanwhile, so the queue was started here";
  }
  return completion;
}

Outcome<bool> EventsCompletion::hold_for_overlap(spec::OnOverlap on_overlap, const spec::RenderedQuery& query,
                                                 const std::string& spec_json, const std::string& dependents_json) {
  if (on_overlap == spec::OnOverlap::Allow) return false;
  auto running = running_earlier_slot(query);
  if (!running) return std::move(running).get_failure();
  if (!*running) return false;
  if (on_overlap == spec::OnOverlap::Skip) {
    skip_slot(query, **running);
    return true;
  }
  auto queued = queue_slot(query, **running, spec_json, dependents_json);
  if (!queued) return std::move(queued).get_failure();
  return true;
}

Status EventsCompletion::sweep_queued(const aws::s3::S3Uri& folder) {
  auto root = folder;
  root.key += std::string(kQueuedFolder);
  auto keys = store_.list_keys(root);
  if (!keys) return std::move(keys).get_failure();
  std::vector<std::string> queries;
  for (const auto& key : *keys) {
    const auto slash = key.find('/', root.key.size());
    if (slash == std::string::npos) continue;
    std::string query = key.substr(root.key.size(), slash - root.key.size());
    if (std::find(queries.begin(), queries.end(), query) == queries.end()) queries.push_back(std::move(query));
  }
  for (const auto& query : queries) {
    auto waiting = store_.list_keys(queued_prefix(folder, query));
    if (!waiting) return std::move(waiting).get_failure();
    if (waiting->empty()) continue;
    const aws::s3::S3Uri head{folder.bucket, *std::min_element(waiting->begin(), waiting->end())};
    auto stored = store_.read(head);
    if (!stored) return std::move(stored).get_failure();
    if (!*stored) continue;
    auto slot = parse_queued((*stored)->body);
    if (!slot) return std::move(slot).get_failure();
    auto resolved = spec::parse_query_spec_json(slot->spec, config_.defaults);
    if (!resolved) return std::move(resolved).get_failure();
    auto rendered = spec::render_query(*resolved, slot->scheduled_time);
    if (!rendered) return std::move(rendered).get_failure();
    auto running = running_earlier_slot(*rendered, true);
    if (!running) return std::move(running).get_failure();
    if (*running) continue;  // a slot of the query runs: its finish starts the queue
    log_.write(LogLevel::Warn, "queued slot resumed by the sweep",
               {{"queued", head.to_string()}, {"behind", slot->behind}, {"request_id", request_id_}});
    if (auto started = start_queued(query, folder); !started) return std::move(started).get_failure();
  }
  return Ok{};
}

Status EventsCompletion::start_queued(const std::string& query, const aws::s3::S3Uri& folder) {
  auto keys = store_.list_keys(queued_prefix(folder, query));
  if (!keys) return std::move(keys).get_failure();
  std::sort(keys->begin(), keys->end());  // keys end in the scheduled time (ISO 8601, UTC): the earliest first
  const auto head = std::find_if(keys->begin(), keys->end(), [&](const std::string& key) {
    return std::find(starting_queued_.begin(), starting_queued_.end(), key) == starting_queued_.end();
  });
  if (head == keys->end()) return Ok{};
  const aws::s3::S3Uri uri{folder.bucket, *head};
  auto stored = store_.read(uri);
  if (!stored) return std::move(stored).get_failure();
  if (!*stored) return Ok{};  // another invocation started and removed it
  auto slot = parse_queued((*stored)->body);
  if (!slot) return std::move(slot).get_failure();
  auto resolved = spec::parse_query_spec_json(slot->spec, config_.defaults);
  if (!resolved) return std::move(resolved).get_failure();
  auto rendered = spec::render_query(*resolved, slot->scheduled_time);
  if (!rendered) return std::move(rendered).get_failure();
  // Its own token (its slot): a second finisher, or a retry of its own schedule, gets the same execution.
  auto started = start_rendered(*rendered, 1);
  if (!started) return std::move(started).get_failure();
  auto line = fields(*started);
  line["scheduled_time"] = spec::format_utc(slot->scheduled_time);
  line["client_request_token"] = rendered->client_request_token;
  log_.write(LogLevel::Info, "queued slot started", std::move(line));
  // A query that is final at once is finished inside record_start, whose own start_queued must take the next
  // slot, not this one again.
  starting_queued_.push_back(*head);
  auto recorded = record_start(*started, slot->spec, slot->dependents);
  starting_queued_.erase(std::find(starting_queued_.begin(), starting_queued_.end(), *head));
  if (recorded.failure_type && recorded.action != Completion::Action::Finished)
    return make_error(ErrorKind::Service, std::string(kErrorRunNotRecorded), recorded.summary.reason);
  if (auto removed = store_.remove(uri); !removed) {
    // Left behind, the next finish starts it again with the same token: the same execution.
    log_.write(
        LogLevel::Warn, "queued slot not removed",
        {{"queued", uri.to_string()}, {"error", removed.get_failure().to_string()}, {"request_id", request_id_}});
  }
  return Ok{};
}

Outcome<bool> EventsCompletion::wait_until_ended(const RunRecord& running,
                                                 std::chrono::system_clock::time_point deadline) {
  auto interval = config_.poll.initial;
  while (true) {
    auto execution = engine_.get(running.query_execution_id);
    if (!execution) return std::move(execution).get_failure();
    if (aws::athena::is_terminal(execution->status.state)) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_.now());
    if (left.count() <= 0) return false;
    clock_.sleep_for(std::min(interval, left));
    interval = std::min(config_.poll.max,
                        std::chrono::duration_cast<std::chrono::milliseconds>(interval * config_.poll.factor));
  }
}

Status EventsCompletion::open_waiting_run(const runner::RunSummary& started, const std::string& spec_json) {
  auto folder = output_folder(started.rendered);
  if (!folder) return Ok{};  // nowhere to keep it: the next slot cannot see this one
  const RunRecord record = started_record(started, spec_json, "[]");  // wait mode runs its dependents itself
  auto created = store_.create(record_uri(*folder, record.query_execution_id), record_json(record));
  if (!created) return std::move(created).get_failure();
  if (auto marked = store_.create(open_marker_uri(*folder, record.query_execution_id), ""); !marked)
    return std::move(marked).get_failure();
  return Ok{};
}

void EventsCompletion::close_waiting_run(const runner::RunSummary& finished,
                                         const std::string& next_query_execution_id) {
  auto folder = output_folder(finished.rendered);
  if (!folder || finished.query_execution_id.empty()) return;
  const auto uri = record_uri(*folder, finished.query_execution_id);
  auto closed = [&]() -> Status {
    auto stored = store_.read(uri);
    if (!stored) return std::move(stored).get_failure();
    if (!*stored) return Ok{};
    auto record = parse_record((*stored)->body);
    if (!record) return std::move(record).get_failure();
    if (record->state != RecordState::Running) return Ok{};  // a sweep finished it meanwhile
    if (!next_query_execution_id.empty()) {
      record->state = RecordState::Resubmitted;
      record->next_query_execution_id = next_query_execution_id;
    } else {
      record->state = finished.succeeded() ? RecordState::Succeeded : RecordState::Failed;
    }
    record->reason = finished.reason;
    record->finished_at = now();
    auto replaced = store_.replace(uri, record_json(*record), (*stored)->etag);
    if (!replaced) return std::move(replaced).get_failure();
    return Ok{};
  }();
  if (!closed) {
    // Left RUNNING, the next slot checks the execution itself and finds it ended; the sweep closes the record.
    log_.write(LogLevel::Warn, "run record not closed",
               {{"query_execution_id", finished.query_execution_id},
                {"error", closed.get_failure().to_string()},
                {"request_id", request_id_}});
    return;
  }
  remove_open_marker(*folder, finished.query_execution_id);
}

}  // namespace athena_runner::lambda
