// Runner: start → wait → summarise. One scheduler drives one query (GetQueryExecution) or many
// (BatchGetQueryExecution, up to kMaxBatchGetIds ids per call), on the injected clock.
#include "athena_runner/runner/runner.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "athena_runner/aws/retry.hpp"
#include "athena_runner/spec/token.hpp"

namespace athena_runner::runner {

namespace {

using SystemClock = std::chrono::system_clock;
using std::chrono::milliseconds;

constexpr std::int64_t kMebibyte = std::int64_t{1} << 20;
constexpr double kTebibyte = 1099511627776.0;  // 2^40
constexpr double kUsdPerTebibyte = 5.0;
constexpr std::int64_t kMinimumBilledBytes = 10 * kMebibyte;
// A poll that fails this many times in a row (after the client's own retries) ends the wait.
constexpr int kMaxConsecutivePollErrors = 5;
// While an interrupt flag is watched, sleeps are cut into slices this long so Ctrl-C acts promptly.
constexpr milliseconds kInterruptSlice{100};
// After StopQueryExecution, how many times the state is read (poll.initial apart) to see it end.
constexpr int kReadsAfterStop = 10;
// The backoff between resubmissions doubles up to this cap.
constexpr milliseconds kMaxRetryBackoff{60'000};

std::string format_duration(std::chrono::seconds seconds) {
  auto count = seconds.count();
  if (count % 3600 == 0 && count >= 3600) return std::to_string(count / 3600) + "h";
  if (count % 60 == 0 && count >= 60) return std::to_string(count / 60) + "m";
  return std::to_string(count) + "s";
}

std::optional<athena::EncryptionOption> parse_encryption_option(std::string_view text) {
  if (text == "SSE_S3") return athena::EncryptionOption::SseS3;
  if (text == "SSE_KMS") return athena::EncryptionOption::SseKms;
  if (text == "CSE_KMS") return athena::EncryptionOption::CseKms;
  return std::nullopt;
}

// The request for the next generation: same query, token derived with generation + 1 (as render_query does).
spec::RenderedQuery next_generation(const spec::RenderedQuery& query) {
  spec::RenderedQuery next = query;
  next.generation = query.generation + 1;
  next.client_request_token = spec::client_request_token(
      spec::TokenInput{query.name, query.scheduled_time, query.sql, query.execution_parameters, next.generation});
  return next;
}

void apply_execution(RunSummary& summary, const athena::QueryExecution& execution) {
  summary.execution = execution;
  summary.state = run_state(execution.status.state);
  if (execution.status.state_change_reason) summary.reason = *execution.status.state_change_reason;
  if (const auto& error = execution.status.athena_error) {
    summary.error_category = error->error_category;
    summary.error_type = error->error_type;
    if (summary.reason.empty() && error->error_message) summary.reason = *error->error_message;
  } else {
    summary.error_category.reset();
    summary.error_type.reset();
  }
  if (execution.result_configuration && execution.result_configuration->output_location) {
    summary.output_location = *execution.result_configuration->output_location;
  }
  if (const auto& stats = execution.statistics) {
    summary.data_scanned_bytes = stats->data_scanned_in_bytes.value_or(0);
    summary.engine_time = milliseconds(stats->engine_execution_time_in_millis.value_or(0));
    summary.queue_time = milliseconds(stats->query_queue_time_in_millis.value_or(0));
    summary.planning_time = milliseconds(stats->query_planning_time_in_millis.value_or(0));
    summary.total_time = milliseconds(stats->total_execution_time_in_millis.value_or(0));
    summary.reused_previous_result =
        stats->result_reuse_information && stats->result_reuse_information->reused_previous_result;
  }
  summary.estimated_cost_usd = summary.reused_previous_result ? 0.0 : estimated_cost_usd(summary.data_scanned_bytes);
}

bool retryable_failure(const athena::QueryExecution& execution) {
  if (execution.status.state != athena::QueryExecutionState::Failed) return false;
  const auto& error = execution.status.athena_error;
  return error && error->retryable.value_or(false);
}

// One query as the scheduler sees it.
struct Slot {
  enum class Phase { Pending, Polling, Backoff, Done };
  spec::RenderedQuery rendered;
  RunSummary summary;
  Phase phase = Phase::Pending;
  SystemClock::time_point next_at{};
  SystemClock::time_point started_at{};
  std::optional<SystemClock::time_point> give_up_at;
  std::string give_up_reason;
  milliseconds interval{0};
  int consecutive_poll_errors = 0;
  std::optional<Outcome<RunSummary>> outcome;
};

class Scheduler {
 public:
  Scheduler(QueryEngine& engine, const Clock& clock, const EventSink& events, const RunOptions& options,
            const Runner::FinishedSink& on_finished)
      : engine_(engine), clock_(clock), events_(events), options_(options), on_finished_(on_finished) {}

  std::vector<Outcome<RunSummary>> run(const std::vector<spec::RenderedQuery>& queries, int concurrency) {
    slots_.resize(queries.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
      slots_[i].rendered = queries[i];
      slots_[i].summary.name = queries[i].name;
      slots_[i].summary.rendered = queries[i];
      slots_[i].summary.state = RunState::NotStarted;
    }
    single_ = queries.size() == 1;
    changes_seen_ = engine_.change_count();
    const std::size_t cap = concurrency < 1 ? 1 : static_cast<std::size_t>(concurrency);
    std::size_t next_pending = 0;
    for (;;) {
      if (!interrupted()) {
        while (next_pending < slots_.size() && in_flight() < cap) start(next_pending++);
      }
      if (next_pending >= slots_.size() && in_flight() == 0) break;
      if (interrupted()) {
        for (std::size_t i = 0; i < slots_.size(); ++i) {
          if (active(slots_[i])) give_up(i, "interrupted");
        }
        // Queries not yet started are not started.
        for (; next_pending < slots_.size(); ++next_pending) {
          slots_[next_pending].summary.reason = "interrupted before it started";
          finish(next_pending);
        }
        continue;
      }
      if (refresh_) {
        refresh_ = false;
        poll_due(clock_.now(), /*every_slot=*/true);
        continue;
      }
      auto now = clock_.now();
      bool gave_up = false;
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (active(slots_[i]) && slots_[i].give_up_at && now >= *slots_[i].give_up_at) {
          give_up(i, slots_[i].give_up_reason);
          gave_up = true;
        }
      }
      if (gave_up) continue;
      // Sleep until the earliest due slot (or its give-up time).
      SystemClock::time_point wake = SystemClock::time_point::max();
      for (const auto& slot : slots_) {
        if (!active(slot)) continue;
        wake = std::min(wake, slot.next_at);
        if (slot.give_up_at) wake = std::min(wake, *slot.give_up_at);
      }
      if (wake == SystemClock::time_point::max()) continue;
      if (wake > now) sleep(std::chrono::ceil<milliseconds>(wake - now));
      if (interrupted()) continue;
      now = clock_.now();
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        auto& slot = slots_[i];
        if (slot.phase == Slot::Phase::Backoff && now >= slot.next_at &&
            !(slot.give_up_at && now >= *slot.give_up_at)) {
          resubmit(i);
        }
      }
      poll_due(now);
    }
    std::vector<Outcome<RunSummary>> results;
    results.reserve(slots_.size());
    for (auto& slot : slots_) results.push_back(std::move(*slot.outcome));
    return results;
  }

 private:
  static bool active(const Slot& slot) {
    return slot.phase == Slot::Phase::Polling || slot.phase == Slot::Phase::Backoff;
  }
  std::size_t in_flight() const {
    return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), active));
  }
  bool interrupted() const { return options_.interrupted && options_.interrupted->load(); }

  // Sleeps until `duration` passed, the engine reports a change (a query of it finished: poll now), or
  // Ctrl-C.
  void sleep(milliseconds duration) {
    while (duration > milliseconds(0) && !interrupted()) {
      auto slice = options_.interrupted ? std::min(duration, kInterruptSlice) : duration;
      if (engine_.wait_for_change(changes_seen_, clock_, slice)) return;
      duration -= slice;
    }
  }

  void emit(RunEvent::Kind kind, const Slot& slot) {
    if (events_) events_(RunEvent{kind, &slot.summary});
  }

  void set_give_up_time(Slot& slot) {
    std::chrono::seconds timeout = options_.timeout ? *options_.timeout : slot.rendered.timeout;
    slot.give_up_at.reset();
    if (timeout > std::chrono::seconds(0)) {
      slot.give_up_at = slot.started_at + timeout;
      slot.give_up_reason = "timed out after " + format_duration(timeout);
    }
    if (options_.deadline && (!slot.give_up_at || *options_.deadline < *slot.give_up_at)) {
      slot.give_up_at = *options_.deadline;
      slot.give_up_reason =
          "reached the deadline " + spec::format_utc(std::chrono::floor<std::chrono::seconds>(*options_.deadline));
    }
  }

  // Sends StartQueryExecution for the slot's current generation.
  bool submit(std::size_t index) {
    auto& slot = slots_[index];
    auto started = engine_.start(to_start_request(slot.rendered));
    slot.summary.rendered = slot.rendered;
    if (!started) {
      slot.summary.reason = started.get_failure().message;
      slot.outcome = Outcome<RunSummary>(started.get_failure());
      slot.phase = Slot::Phase::Done;
      if (on_finished_) on_finished_(index, *slot.outcome);
      return false;
    }
    ++slot.summary.attempts;
    slot.summary.query_execution_id = *started;
    slot.summary.execution = {};
    slot.summary.execution.query_execution_id = *started;
    slot.summary.state = RunState::Queued;
    slot.summary.reason.clear();
    slot.summary.error_category.reset();
    slot.summary.error_type.reset();
    slot.interval = options_.poll.initial;
    slot.next_at = clock_.now() + slot.interval;
    slot.consecutive_poll_errors = 0;
    return true;
  }

  void start(std::size_t index) {
    auto& slot = slots_[index];
    slot.started_at = clock_.now();
    set_give_up_time(slot);
    if (options_.deadline && slot.started_at >= *options_.deadline) {
      // Starting now would only mean stopping it at once (e.g. the Lambda's time is up).
      slot.summary.reason = "not started: " + slot.give_up_reason;
      finish(index);
      return;
    }
    if (!submit(index)) return;
    emit(RunEvent::Kind::Started, slot);
    if (!options_.wait) {
      finish(index);
      return;
    }
    slot.phase = Slot::Phase::Polling;
  }

  void resubmit(std::size_t index) {
    auto& slot = slots_[index];
    slot.rendered = next_generation(slot.rendered);
    if (!submit(index)) return;
    slot.phase = Slot::Phase::Polling;
    emit(RunEvent::Kind::Resubmitted, slot);
  }

  void finish(std::size_t index) {
    auto& slot = slots_[index];
    slot.phase = Slot::Phase::Done;
    if (slot.summary.attempts > 0) {
      slot.summary.wall_time = std::chrono::duration_cast<milliseconds>(clock_.now() - slot.started_at);
    }
    if (slot.summary.succeeded() && options_.after_success) {
      options_.after_success(slot.summary);
      // Time passed (a delivery may wait for an UNLOAD): read the other queries' states again before their
      // timeouts are judged, so that one that ended meanwhile is not given up.
      refresh_ = true;
    }
    slot.outcome = Outcome<RunSummary>(slot.summary);
    emit(RunEvent::Kind::Finished, slot);
    if (on_finished_) on_finished_(index, *slot.outcome);
  }

  void give_up(std::size_t index, const std::string& why) {
    auto& slot = slots_[index];
    slot.summary.timed_out = true;
    const bool was_polling = slot.phase == Slot::Phase::Polling;
    if (was_polling && options_.on_give_up == GiveUpAction::Stop) {
      auto stopped = engine_.stop(slot.summary.query_execution_id);
      slot.summary.stopped = stopped.is_success();
      // StopQueryExecution is asynchronous: read the state a few times, briefly, to report CANCELLED.
      for (int read = 0; stopped && read < kReadsAfterStop; ++read) {
        if (read > 0) clock_.sleep_for(options_.poll.initial);
        auto execution = engine_.get(slot.summary.query_execution_id);
        ++slot.summary.polls;
        if (!execution) break;
        apply_execution(slot.summary, *execution);
        if (athena::is_terminal(execution->status.state)) break;
      }
      slot.summary.reason =
          why + (stopped ? "; query stopped" : "; StopQueryExecution failed: " + stopped.get_failure().message);
    } else if (was_polling) {
      slot.summary.reason = why + "; query left running";
    } else {
      slot.summary.reason = why + " waiting to resubmit; last failure: " + slot.summary.reason;
    }
    emit(RunEvent::Kind::GaveUp, slot);
    finish(index);
  }

  void update(std::size_t index, const athena::QueryExecution& execution) {
    auto& slot = slots_[index];
    slot.consecutive_poll_errors = 0;
    const RunState previous = slot.summary.state;
    apply_execution(slot.summary, execution);
    slot.summary.wall_time = std::chrono::duration_cast<milliseconds>(clock_.now() - slot.started_at);  // so far
    if (slot.summary.state != previous) {
      emit(RunEvent::Kind::StateChanged, slot);
    } else if (!athena::is_terminal(execution.status.state)) {
      emit(RunEvent::Kind::Polled, slot);
    }
    if (!athena::is_terminal(execution.status.state)) {
      schedule_next_poll(slot);
      return;
    }
    if (retryable_failure(execution) && slot.summary.attempts < options_.max_attempts) {
      const auto exponent = std::min(slot.summary.attempts - 1, 16);
      const auto ceiling = std::min(kMaxRetryBackoff, options_.retry_base * (std::int64_t{1} << exponent));
      const double unit = clock_.random_unit ? clock_.random_unit() : 0.5;
      slot.phase = Slot::Phase::Backoff;
      slot.next_at =
          clock_.now() + milliseconds(static_cast<std::int64_t>(unit * static_cast<double>(ceiling.count())));
      return;
    }
    finish(index);
  }

  void schedule_next_poll(Slot& slot) {
    auto grown = std::chrono::duration<double, std::milli>(slot.interval) * options_.poll.factor;
    slot.interval = std::min(options_.poll.max, std::chrono::duration_cast<milliseconds>(grown));
    if (slot.interval < milliseconds(1)) slot.interval = milliseconds(1);
    slot.next_at = clock_.now() + slot.interval;
  }

  void poll_failed(std::size_t index, const std::string& message) {
    auto& slot = slots_[index];
    ++slot.consecutive_poll_errors;
    if (slot.consecutive_poll_errors >= kMaxConsecutivePollErrors) {
      slot.phase = Slot::Phase::Done;
      slot.outcome = Outcome<RunSummary>(
          make_error(ErrorKind::Service, std::string(kPollFailedCode),
                     "could not read the state of query " + slot.summary.query_execution_id + " (" +
                         std::to_string(slot.consecutive_poll_errors) + " tries in a row): " + message +
                         "; it may still be running: check it with `athena-runner status " +
                         slot.summary.query_execution_id + "`"));
      if (on_finished_) on_finished_(index, *slot.outcome);
      return;
    }
    schedule_next_poll(slot);
  }

  void poll_due(SystemClock::time_point now, bool every_slot = false) {
    // Read before the states are: a query that finishes after this is reported by the next wait.
    const std::uint64_t changes = engine_.change_count();
    const bool changed = changes != changes_seen_;
    changes_seen_ = changes;
    std::vector<std::size_t> due;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      const auto& slot = slots_[i];
      if (slot.phase != Slot::Phase::Polling) continue;
      // In batch mode, slots due soon ride along with the one due now: fewer calls, same latency.
      const auto slack = single_ ? milliseconds(0) : options_.poll.initial;
      if (every_slot || changed || slot.next_at <= now + slack) due.push_back(i);
    }
    if (due.empty()) return;
    if (single_ || !batch_available_) {
      for (auto index : due) poll_one(index);
      return;
    }
    for (std::size_t begin = 0; begin < due.size(); begin += athena::kMaxBatchGetIds) {
      const std::size_t end = std::min(due.size(), begin + athena::kMaxBatchGetIds);
      std::vector<std::string> ids;
      for (std::size_t k = begin; k < end; ++k) {
        ids.push_back(slots_[due[k]].summary.query_execution_id);
      }
      auto batch = engine_.batch_get(ids);
      if (!batch && batch_unavailable(batch.get_failure())) {
        // Not offered (moto), or not allowed by the caller's IAM policy: poll one by one from now on.
        batch_available_ = false;
        for (std::size_t k = begin; k < due.size(); ++k) poll_one(due[k]);
        return;
      }
      for (std::size_t k = begin; k < end; ++k) {
        const std::size_t index = due[k];
        ++slots_[index].summary.polls;
        if (!batch) {
          poll_failed(index, batch.get_failure().to_string());
          continue;
        }
        const auto& id = slots_[index].summary.query_execution_id;
        auto found = std::find_if(batch->query_executions.begin(), batch->query_executions.end(),
                                  [&](const athena::QueryExecution& e) { return e.query_execution_id == id; });
        if (found != batch->query_executions.end()) {
          update(index, *found);
          continue;
        }
        std::string message = "BatchGetQueryExecution did not return " + id;
        for (const auto& unprocessed : batch->unprocessed_query_execution_ids) {
          if (unprocessed.query_execution_id == id) {
            message += ": " + unprocessed.error_code.value_or("") + " " + unprocessed.error_message.value_or("");
          }
        }
        poll_failed(index, message);
      }
    }
  }

  void poll_one(std::size_t index) {
    auto& slot = slots_[index];
    ++slot.summary.polls;
    auto execution = engine_.get(slot.summary.query_execution_id);
    if (execution) {
      update(index, *execution);
    } else {
      poll_failed(index, execution.get_failure().to_string());
    }
  }

  // Errors that say BatchGetQueryExecution itself is unusable here, as opposed to throttling or a
  // network failure (which the per-query polls would hit as well).
  static bool batch_unavailable(const Error& error) {
    if (error.kind != ErrorKind::Service) return false;
    if (aws::is_throttling_error(error)) return false;  // the clients' own classification (botocore's codes)
    return error.code == "AccessDeniedException" || error.code == "UnknownOperationException" ||
           error.code == "InternalServerError" || error.code == "NotImplemented" || error.http_status == 501 ||
           error.http_status == 500 || error.http_status == 403 || error.http_status == 404;
  }

  QueryEngine& engine_;
  const Clock& clock_;
  const EventSink& events_;
  const RunOptions& options_;
  const Runner::FinishedSink& on_finished_;
  std::vector<Slot> slots_;
  bool single_ = false;
  bool batch_available_ = true;
  std::uint64_t changes_seen_ = 0;  // the engine's change_count() when the states were last read
  bool refresh_ = false;            // after_success ran: poll every running slot before judging timeouts
};

}  // namespace

RunState run_state(athena::QueryExecutionState state) { return static_cast<RunState>(state); }

std::string_view to_string(RunState state) {
  if (state == RunState::NotStarted) return "NOT_STARTED";
  return athena::to_string(static_cast<athena::QueryExecutionState>(state));
}

std::ostream& operator<<(std::ostream& out, RunState state) { return out << to_string(state); }

RunSummary summary_of(const athena::QueryExecution& execution) {
  RunSummary summary;
  summary.name = execution.query_execution_id;
  summary.query_execution_id = execution.query_execution_id;
  apply_execution(summary, execution);
  return summary;
}

double estimated_cost_usd(std::int64_t data_scanned_bytes) {
  if (data_scanned_bytes <= 0) return 0.0;
  std::int64_t billed = (data_scanned_bytes + kMebibyte - 1) / kMebibyte * kMebibyte;
  billed = std::max(billed, kMinimumBilledBytes);
  return static_cast<double>(billed) / kTebibyte * kUsdPerTebibyte;
}

athena::StartQueryExecutionRequest to_start_request(const spec::RenderedQuery& query) {
  athena::StartQueryExecutionRequest request;
  request.query_string = query.sql;
  if (!query.client_request_token.empty()) request.client_request_token = query.client_request_token;
  athena::QueryExecutionContext context;
  if (!query.database.empty()) context.database = query.database;
  if (!query.catalog.empty()) context.catalog = query.catalog;
  if (context.database || context.catalog) request.query_execution_context = context;
  if (query.output || query.encryption || query.expected_bucket_owner) {
    athena::ResultConfiguration result;
    result.output_location = query.output;
    if (query.encryption) {
      athena::EncryptionConfiguration encryption;
      encryption.encryption_option =
          parse_encryption_option(query.encryption->type).value_or(athena::EncryptionOption::SseS3);
      encryption.kms_key = query.encryption->kms_key;
      result.encryption_configuration = encryption;
    }
    result.expected_bucket_owner = query.expected_bucket_owner;
    request.result_configuration = result;
  }
  if (!query.workgroup.empty()) request.work_group = query.workgroup;
  request.execution_parameters = query.execution_parameters;
  if (query.result_reuse) {
    athena::ResultReuseByAgeConfiguration by_age;
    by_age.enabled = true;
    by_age.max_age_in_minutes = static_cast<int>(query.result_reuse->count());
    request.result_reuse_configuration = athena::ResultReuseConfiguration{by_age};
  }
  return request;
}

Runner::Runner(QueryEngine& engine, Clock clock, EventSink events)
    : engine_(engine), clock_(std::move(clock)), events_(std::move(events)) {}

Outcome<RunSummary> Runner::run(const spec::ResolvedQuery& query, spec::Instant scheduled_time,
                                const RunOptions& options) {
  auto rendered = spec::render_query(query, scheduled_time, 0);
  if (!rendered) return std::move(rendered).get_failure();
  return run_rendered(*rendered, options);
}

Outcome<RunSummary> Runner::run_rendered(const spec::RenderedQuery& query, const RunOptions& options) {
  auto results = run_many({query}, 1, options);
  return std::move(results.front());
}

std::vector<Outcome<RunSummary>> Runner::run_many(const std::vector<spec::RenderedQuery>& queries, int concurrency,
                                                  const RunOptions& options, const FinishedSink& on_finished) {
  Scheduler scheduler(engine_, clock_, events_, options, on_finished);
  return scheduler.run(queries, concurrency);
}

}  // namespace athena_runner::runner
