// The handler: event → rendered queries → runner (deadline-aware) → one summary per query.
#include "athena_runner/lambda/handler.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <utility>

#include "completion.hpp"
#include "delivery.hpp"
#include "json_log.hpp"
#include "notify.hpp"

namespace athena_runner::lambda {
namespace {

using nlohmann::ordered_json;

std::int64_t millis(std::chrono::milliseconds duration) { return duration.count(); }

ordered_json summary_fields(const runner::RunSummary& summary) {
  ordered_json fields;
  fields["query"] = summary.name;
  fields["query_execution_id"] = summary.query_execution_id;
  fields["state"] = std::string(to_string(summary.state));
  if (!summary.reason.empty()) fields["reason"] = summary.reason;
  return fields;
}

// Why a run counts as failed (errorType), or nullopt when it did what was asked.
std::optional<std::string_view> failure_type(const runner::RunSummary& summary, bool waited) {
  if (summary.succeeded()) return std::nullopt;
  if (summary.timed_out) return summary.stopped ? kErrorQueryTimedOut : kErrorQueryStillRunning;
  using runner::RunState;
  if (summary.state == RunState::Failed) return kErrorQueryFailed;
  if (summary.state == RunState::Cancelled) return kErrorQueryCancelled;
  if (summary.state == RunState::Unknown) return kErrorQueryStateUnknown;
  if (summary.state == RunState::NotStarted || summary.query_execution_id.empty()) return kErrorQueryNotStarted;
  if (!waited && (summary.state == RunState::Queued || summary.state == RunState::Running)) return std::nullopt;
  return kErrorQueryFailed;
}

// One query's line in the response, and whether (and why) it failed the invocation.
struct Answer {
  runner::RunSummary summary;
  std::optional<std::string> failure_type;
  std::optional<Completion> completion;  // events mode: what this invocation did with it
};

// The response document, and the failure naming each failed query when any failed.
InvocationResponse respond(const InvocationRequest& request, const Event& event, CompletionMode mode,
                           const std::vector<Answer>& answers, JsonLog& log,
                           std::chrono::system_clock::time_point invocation_start, const Clock& clock) {
  ordered_json response;
  response["request_id"] = request.request_id;
  response["event"] = to_string(event.kind);
  response["completion"] = to_string(mode);
  if (event.kind != EventKind::QueryStateChange && event.kind != EventKind::Sweep)
    response["scheduled_time"] = spec::format_utc(event.scheduled_time);
  response["queries"] = ordered_json::array();
  std::optional<std::string> first_failure;
  std::vector<std::string> failures;
  for (const auto& answer : answers) {
    const auto& summary = answer.summary;
    auto line = ordered_json::parse(runner::summary_json(summary));
    if (answer.completion) {
      line["action"] = std::string(to_string(answer.completion->action));
      if (!answer.completion->note.empty()) line["note"] = answer.completion->note;
      if (!answer.completion->next_query_execution_id.empty())
        line["next_query_execution_id"] = answer.completion->next_query_execution_id;
      if (!answer.completion->running_query_execution_id.empty())
        line["running_query_execution_id"] = answer.completion->running_query_execution_id;
    }
    response["queries"].push_back(std::move(line));
    if (answer.failure_type) {
      if (!first_failure) first_failure = answer.failure_type;
      std::string text = summary.name + ": " + std::string(to_string(summary.state));
      if (!summary.query_execution_id.empty()) text += " (" + summary.query_execution_id + ")";
      if (!summary.reason.empty()) text += ": " + summary.reason;
      failures.push_back(std::move(text));
    }
  }
  response["failed"] = failures.size();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - invocation_start);
  std::string body = response.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  log.write(failures.empty() ? LogLevel::Info : LogLevel::Error, "invocation finished",
            {{"failed", failures.size()},
             {"elapsed_ms", millis(elapsed)},
             {"response", response},
             {"request_id", request.request_id}});
  if (!first_failure) return InvocationResponse::success(std::move(body));

  // The error document is all an on-failure destination receives: name each failed query and why.
  std::string message = std::to_string(failures.size()) + " of " + std::to_string(answers.size()) +
                        (answers.size() == 1 ? " query" : " queries") + " failed: ";
  for (std::size_t i = 0; i < failures.size(); ++i) message += (i ? "; " : "") + failures[i];
  return InvocationResponse::failure(std::move(message), *first_failure);
}

// on_overlap (overlap.cpp) for the queries of an event and, in wait mode, for its dependents: a slot of a skip or
// queue query due while an earlier slot of the same query still runs is answered and not started (skipped;
// queued in events mode; in wait mode started once the earlier one ended, or not started when it still ran at
// the deadline or could not be checked). Wait mode notes in `waiting_specs` the queries whose runs keep a record
// while the invocation waits.
struct OverlapContext {
  CompletionMode mode;
  EventsCompletion& completion;
  const runner::RunOptions& options;
  JsonLog& log;
  const std::string& request_id;
  std::map<std::string, std::string>& waiting_specs;
};

// What on_overlap decided for one slot: start it, an answer (skipped, queued), or not started (and why).
struct OverlapDecision {
  bool start = true;
  std::optional<Completion> decided;
  runner::RunSummary not_started;  // when neither: its reason says why (the invocation fails)
};

OverlapDecision decide_overlap(const OverlapContext& context, const spec::RenderedQuery& query,
                               spec::OnOverlap on_overlap, const std::string& spec_json,
                               const std::string& dependents_json) {
  OverlapDecision decision;
  if (on_overlap == spec::OnOverlap::Allow) return decision;
  EventsCompletion& completion = context.completion;
  if (context.mode == CompletionMode::Wait) context.waiting_specs[query.name] = spec_json;
  auto running = completion.running_earlier_slot(query);
  Outcome<std::optional<Completion>> decided = std::optional<Completion>{};
  std::string not_started;
  if (!running) {
    decided = std::move(running).get_failure();
  } else if (*running && on_overlap == spec::OnOverlap::Skip) {
    decided = std::optional<Completion>{completion.skip_slot(query, **running)};
  } else if (*running && context.mode == CompletionMode::Wait) {
    const auto until = context.options.deadline.value_or(std::chrono::system_clock::time_point::max());
    auto ended = completion.wait_until_ended(**running, until);
    if (!ended) {
      decided = std::move(ended).get_failure();
    } else if (!*ended) {
      not_started = "on_overlap queue: the slot " + spec::format_utc((*running)->scheduled_time) +
                    " was still running as " + (*running)->query_execution_id +
                    " at this invocation's deadline; a retry of the event waits again";
    }
  } else if (*running) {
    auto queued = completion.queue_slot(query, **running, spec_json, dependents_json);
    if (queued)
      decided = std::optional<Completion>{std::move(queued).get_result()};
    else
      decided = std::move(queued).get_failure();
  }
  if (decided && !*decided && not_started.empty()) return decision;  // nothing earlier runs (any more): start it
  decision.start = false;
  if (decided && *decided) {
    decision.decided = std::move(*decided);
    return decision;
  }
  // Still running at the deadline, or reading the records or the execution failed: not started; the invocation
  // fails and Lambda retries it.
  decision.not_started.name = query.name;
  decision.not_started.rendered = query;
  decision.not_started.reason =
      decided ? not_started
              : "on_overlap " + std::string(spec::to_string(on_overlap)) +
                    ": the earlier slot could not be checked: " + decided.get_failure().to_string();
  auto fields = summary_fields(decision.not_started);
  fields["request_id"] = context.request_id;
  context.log.write(LogLevel::Error, "query not started", std::move(fields));
  return decision;
}

// The event's queries that on_overlap answers before they start leave `rendered`; the answers decided here are
// returned by event index (a query not started has its summary in `summaries`).
std::vector<std::optional<Completion>> apply_on_overlap(const OverlapContext& context, const Event& event,
                                                        std::vector<spec::RenderedQuery>& rendered,
                                                        std::vector<std::size_t>& rendered_index,
                                                        std::vector<runner::RunSummary>& summaries) {
  std::vector<std::optional<Completion>> decided(event.queries.size());
  for (std::size_t k = 0; k < rendered.size();) {
    const std::size_t i = rendered_index[k];
    auto decision =
        decide_overlap(context, rendered[k], event.queries[i].on_overlap, event.query_specs[i], event.dependents);
    if (decision.start) {
      ++k;
      continue;
    }
    if (decision.decided)
      decided[i] = std::move(decision.decided);
    else
      summaries[i] = std::move(decision.not_started);
    rendered.erase(rendered.begin() + static_cast<std::ptrdiff_t>(k));
    rendered_index.erase(rendered_index.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return decided;
}

// Wait mode: the notification of a run that ended here, once per execution. A retried invocation (Lambda retries a
// failed one) finds the same execution ended again from its token: the marker written after the publish
// (notified_marker_uri, If-None-Match) tells it the run was notified. Without a store, or when the marker cannot
// be read, it notifies (at least once); a failed publish writes no marker, so the retry publishes.
void notify_once(Notifier& notifier, RunStore* store, const spec::Notify& targets, const runner::RunSummary& summary,
                 std::string_view error_type, JsonLog& log, const std::string& request_id) {
  if (!Notifier::has_target(targets, error_type)) return;
  std::optional<aws::s3::S3Uri> marker;
  if (store != nullptr && !summary.query_execution_id.empty())
    if (auto folder = results_folder(summary.execution))
      marker = notified_marker_uri(*folder, summary.query_execution_id, error_type.empty() ? "succeeded" : error_type);
  if (marker) {
    auto existing = store->read(*marker);
    if (existing && *existing) {
      log.write(LogLevel::Info, "notification already sent",
                {{"query", summary.name},
                 {"query_execution_id", summary.query_execution_id},
                 {"marker", marker->to_string()},
                 {"request_id", request_id}});
      return;
    }
  }
  if (!notifier.notify(targets, summary, error_type) || !marker) return;
  if (auto written = store->create(*marker, ""); !written)
    log.write(LogLevel::Warn, "notification marker not written",
              {{"query_execution_id", summary.query_execution_id},
               {"error", written.get_failure().to_string()},
               {"request_id", request_id}});
}

// A payload's dependents: each spec (with defaults) and its JSON as sent.
struct Dependent {
  spec::ResolvedQuery query;
  std::string spec_json;
};
std::vector<Dependent> dependents_of(const Event& event, const HandlerConfig& config) {
  std::vector<Dependent> out;
  const nlohmann::json specs = nlohmann::json::parse(event.dependents, nullptr, false);
  if (!specs.is_array()) return out;
  for (const auto& one : specs) {
    std::string text = one.dump();
    if (auto query = spec::parse_query_spec_json(text, config.defaults))
      out.push_back({std::move(query).get_result(), std::move(text)});
  }
  return out;
}

// Wait mode: the payload's dependents run in this invocation after their upstream queries succeeded (and were
// delivered) in it, each for the same scheduled time with its own token (the graph events mode follows), each
// under its own on_overlap as a scheduled slot (`overlap`, when the handler has a run record store). Their
// summaries are added, and the on_overlap answers (skipped) to `decided`, parallel to `summaries`.
void run_dependents_waiting(const Event& event, const std::vector<Dependent>& dependents, const HandlerConfig& config,
                            runner::Runner& runner, const runner::RunOptions& options,
                            const std::optional<OverlapContext>& overlap, std::vector<runner::RunSummary>& summaries,
                            std::vector<std::optional<Completion>>& decided, std::vector<spec::Notify>& notify_of,
                            JsonLog& log, const std::string& request_id) {
  if (dependents.empty()) return;
  std::vector<spec::ResolvedQuery> graph;
  graph.reserve(dependents.size());
  for (const auto& one : dependents) graph.push_back(one.query);
  std::vector<runner::SlotOutcome> upstream;
  upstream.reserve(summaries.size());
  for (const auto& summary : summaries) upstream.push_back({summary.name, event.scheduled_time, summary.done()});
  std::map<std::string, Completion> held;  // by name (one slot): the answer on_overlap gave
  runner::HoldCheck hold;
  if (overlap) {
    hold = [&](const spec::RenderedQuery& query) -> std::optional<runner::RunSummary> {
      const auto found = std::find_if(dependents.begin(), dependents.end(),
                                      [&](const Dependent& one) { return one.query.name == query.name; });
      if (found == dependents.end()) return std::nullopt;
      auto decision = decide_overlap(*overlap, query, found->query.on_overlap, found->spec_json, "[]");
      if (decision.start) return std::nullopt;
      if (!decision.decided) return std::move(decision.not_started);
      runner::RunSummary answered = decision.decided->summary;
      held.emplace(query.name, std::move(*decision.decided));
      return answered;
    };
  }
  auto report = runner::run_dependents(runner, graph, upstream, config.concurrency, options, hold);
  for (const auto& why : report.not_started)
    log.write(LogLevel::Warn, "dependent not started", {{"why", why}, {"request_id", request_id}});
  decided.resize(summaries.size());
  for (auto& run : report.runs) {
    // Each dependent notifies as its own spec says (notify_of runs parallel to summaries).
    auto query = std::find_if(graph.begin(), graph.end(), [&](const auto& one) { return one.name == run.name; });
    notify_of.push_back(query == graph.end() ? spec::Notify{} : query->notify);
    auto answer = held.find(run.name);
    decided.push_back(answer == held.end() ? std::nullopt : std::optional<Completion>(answer->second));
    summaries.push_back(std::move(run));
  }
}

}  // namespace

std::string JsonLog::format_time(std::chrono::system_clock::time_point time) {
  auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  std::time_t seconds = static_cast<std::time_t>(std::chrono::floor<std::chrono::seconds>(since_epoch).count());
  int milliseconds = static_cast<int>(since_epoch.count() - static_cast<std::int64_t>(seconds) * 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, milliseconds);
  return text;
}

QueryHandler::QueryHandler(HandlerConfig config, runner::QueryEngine& engine, Clock clock, std::ostream& log,
                           RunStore* store, const aws::sns::SnsClient* sns, runner::ObjectStore* objects)
    : config_(std::move(config)),
      engine_(engine),
      clock_(std::move(clock)),
      log_(log),
      store_(store),
      sns_(sns),
      objects_(objects) {}

InvocationResponse QueryHandler::operator()(const InvocationRequest& request) {
  JsonLog log(log_, config_.log_level, clock_.now);
  const auto invocation_start = clock_.now();
  auto with_request = [&](ordered_json fields) {
    fields["request_id"] = request.request_id;
    return fields;
  };

  auto event = parse_event(request.payload, config_, std::chrono::floor<std::chrono::seconds>(invocation_start));
  if (!event) {
    log.write(LogLevel::Error, "invalid event", with_request({{"error", event.get_failure().message}}));
    return InvocationResponse::failure(event.get_failure().message, std::string(kErrorInvalidEvent));
  }
  const bool by_events = config_.completion == CompletionMode::Events || event->kind == EventKind::QueryStateChange ||
                         event->kind == EventKind::Sweep;
  if (by_events && store_ == nullptr) {
    const std::string message = "completion by events needs the run record store, which this handler lacks";
    log.write(LogLevel::Error, "invalid configuration", with_request({{"error", message}}));
    return InvocationResponse::failure(message, std::string(kErrorInvalidConfiguration));
  }
  log.write(LogLevel::Info, "invocation started",
            with_request({{"event", to_string(event->kind)},
                          {"completion", to_string(config_.completion)},
                          {"scheduled_time", spec::format_utc(event->scheduled_time)},
                          {"queries", event->queries.size()},
                          {"remaining_ms", millis(request.remaining_time(invocation_start))}}));
  const CompletionMode mode = by_events ? CompletionMode::Events : CompletionMode::Wait;
  Notifier notifier(sns_, config_.notify_topic, log, request.request_id);
  std::vector<Answer> answers;
  if (event->kind == EventKind::QueryStateChange || event->kind == EventKind::Sweep) {
    EventsCompletion completion(config_, engine_, *store_, clock_, log, request.request_id, &notifier, objects_);
    Outcome<std::vector<Completion>> done = std::vector<Completion>{};
    if (event->kind == EventKind::QueryStateChange) {
      auto one = completion.on_state_change(*event->state_change);
      if (one)
        done.get_result().push_back(std::move(one).get_result());
      else
        done = std::move(one).get_failure();
    } else {
      auto locations = event->sweep_locations;
      if (config_.defaults.output &&
          std::find(locations.begin(), locations.end(), *config_.defaults.output) == locations.end())
        locations.insert(locations.begin(), *config_.defaults.output);
      done = completion.sweep(locations);
    }
    if (!done) {
      // Reading the execution or the record failed: fail, so Lambda retries the same event.
      log.write(LogLevel::Error, "completion failed", with_request({{"error", done.get_failure().to_string()}}));
      return InvocationResponse::failure(done.get_failure().to_string(), done.get_failure().code);
    }
    for (auto& one : *done) {
      if (one.action == Completion::Action::Ignored)
        log.write(LogLevel::Debug, "event ignored",
                  with_request({{"query_execution_id", one.summary.query_execution_id}, {"note", one.note}}));
      Answer answer{one.summary, one.failure_type, one};
      answers.push_back(std::move(answer));
    }
    return respond(request, *event, mode, answers, log, invocation_start, clock_);
  }

  runner::RunOptions options;
  options.poll = config_.poll;
  options.wait = event->wait && mode == CompletionMode::Wait;
  options.on_give_up = event->on_deadline.value_or(config_.on_deadline);
  if (request.deadline != std::chrono::system_clock::time_point{})
    options.deadline = request.deadline - config_.deadline_margin;
  if (mode == CompletionMode::Wait) {
    // Wait mode: each run that succeeded is delivered as it ends, before its dependents start (events mode
    // delivers when it finishes the run).
    options.after_success = [&](runner::RunSummary& summary) {
      auto delivered = deliver_results(summary, engine_, objects_, clock_, config_.poll, log, request.request_id);
      if (delivered)
        summary.deliveries = std::move(delivered).get_result();
      else
        summary.delivery_failure = std::move(delivered).get_failure();
    };
  }

  // Events mode: every run is recorded. Wait mode: only the runs of skip and queue queries (the event's and its
  // dependents'), so that on_overlap sees them (overlap.cpp); without a store it is not applied.
  const auto dependents =
      mode == CompletionMode::Wait && options.wait ? dependents_of(*event, config_) : std::vector<Dependent>{};
  const bool overlap_checked =
      std::any_of(event->queries.begin(), event->queries.end(),
                  [](const auto& query) { return query.on_overlap != spec::OnOverlap::Allow; }) ||
      std::any_of(dependents.begin(), dependents.end(),
                  [](const Dependent& one) { return one.query.on_overlap != spec::OnOverlap::Allow; });
  std::optional<EventsCompletion> completion;
  if (mode == CompletionMode::Events || (store_ != nullptr && overlap_checked))
    completion.emplace(config_, engine_, *store_, clock_, log, request.request_id, &notifier, objects_);
  std::map<std::string, std::string> waiting_specs;        // wait mode: skip and queue queries by name, their spec
  std::map<std::string, runner::RunSummary> waiting_runs;  // and their runs open now
  std::optional<OverlapContext> overlap;
  if (completion) overlap.emplace(OverlapContext{mode, *completion, options, log, request.request_id, waiting_specs});

  // Render every query first: one with a bad template is reported, the others still run.
  std::vector<runner::RunSummary> summaries(event->queries.size());
  std::vector<spec::RenderedQuery> rendered;
  std::vector<std::size_t> rendered_index;
  for (std::size_t i = 0; i < event->queries.size(); ++i) {
    auto query = spec::render_query(event->queries[i], event->scheduled_time);
    if (!query) {
      summaries[i].name = event->queries[i].name;
      summaries[i].rendered.scheduled_time = event->scheduled_time;
      summaries[i].state = runner::RunState::NotStarted;
      summaries[i].reason = query.get_failure().message;
      log.write(LogLevel::Error, "query not started", with_request(summary_fields(summaries[i])));
      continue;
    }
    rendered.push_back(std::move(query).get_result());
    rendered_index.push_back(i);
  }

  // on_overlap (overlap.cpp): a slot of a skip or queue query due while an earlier slot of the same query still
  // runs is answered here and not started (events mode queues it; wait mode waits for the earlier one first).
  std::vector<std::optional<Completion>> decided(event->queries.size());
  if (overlap) decided = apply_on_overlap(*overlap, *event, rendered, rendered_index, summaries);

  auto open_waiting = [&](const runner::RunSummary& summary) {
    auto spec = waiting_specs.find(summary.name);
    if (spec == waiting_specs.end()) return;
    waiting_runs[summary.name] = summary;
    if (auto opened = completion->open_waiting_run(summary, spec->second); !opened)
      log.write(LogLevel::Warn, "run record not written",
                with_request(
                    {{"query_execution_id", summary.query_execution_id}, {"error", opened.get_failure().to_string()}}));
  };
  runner::Runner runner(engine_, clock_, [&](const runner::RunEvent& run_event) {
    const auto& summary = *run_event.summary;
    auto fields = with_request(summary_fields(summary));
    switch (run_event.kind) {
      case runner::RunEvent::Kind::Started:
        fields["client_request_token"] = summary.rendered.client_request_token;
        fields["attempt"] = summary.attempts;
        log.write(LogLevel::Info, "query started", std::move(fields));
        open_waiting(summary);
        break;
      case runner::RunEvent::Kind::StateChanged:
        fields["wall_time_ms"] = millis(summary.wall_time);
        log.write(LogLevel::Info, "query state changed", std::move(fields));
        break;
      case runner::RunEvent::Kind::Polled: break;  // the state changes are logged, not every poll
      case runner::RunEvent::Kind::Resubmitted:
        fields["attempt"] = summary.attempts;
        log.write(LogLevel::Warn, "query resubmitted", std::move(fields));
        if (auto open = waiting_runs.find(summary.name); open != waiting_runs.end())
          completion->close_waiting_run(open->second, summary.query_execution_id);
        open_waiting(summary);
        break;
      case runner::RunEvent::Kind::GaveUp:
        fields["stopped"] = summary.stopped;
        log.write(LogLevel::Warn, "query gave up", std::move(fields));
        break;
      case runner::RunEvent::Kind::Finished:
        fields["wall_time_ms"] = millis(summary.wall_time);
        fields["engine_execution_time_ms"] = millis(summary.engine_time);
        fields["queue_time_ms"] = millis(summary.queue_time);
        fields["data_scanned_bytes"] = summary.data_scanned_bytes;
        fields["estimated_cost_usd"] = summary.estimated_cost_usd;
        fields["output_location"] = summary.output_location;
        log.write(summary.succeeded() ? LogLevel::Info : LogLevel::Error, "query finished", std::move(fields));
        // A query left running at the deadline stays open: the next slot must still see it.
        if (waiting_runs.count(summary.name) && !(summary.timed_out && !summary.stopped))
          completion->close_waiting_run(summary);
        break;
    }
  });
  auto outcomes = runner.run_many(rendered, config_.concurrency, options);
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    auto& summary = summaries[rendered_index[k]];
    if (outcomes[k]) {
      summary = std::move(outcomes[k]).get_result();
      continue;
    }
    summary.name = rendered[k].name;
    summary.rendered = rendered[k];
    // The runner reports a started query whose state could no longer be read as an error too.
    summary.state = outcomes[k].get_failure().code == runner::kPollFailedCode ? runner::RunState::Unknown
                                                                              : runner::RunState::NotStarted;
    summary.reason = outcomes[k].get_failure().to_string();
    log.write(LogLevel::Error, "query not started", with_request(summary_fields(summary)));
  }

  std::vector<spec::Notify> notify_of;  // per summary: the notify of its query (a dependent's from its own spec)
  for (const auto& query : event->queries) notify_of.push_back(query.notify);
  if (mode == CompletionMode::Wait && options.wait)
    run_dependents_waiting(*event, dependents, config_, runner, options, overlap, summaries, decided, notify_of, log,
                           request.request_id);

  for (std::size_t i = 0; i < summaries.size(); ++i) {
    if (i < decided.size() && decided[i]) {
      answers.push_back(Answer{decided[i]->summary, decided[i]->failure_type, decided[i]});
      continue;
    }
    Answer answer{std::move(summaries[i]), std::nullopt, std::nullopt};
    if (answer.summary.delivery_failure) {
      // Wait mode: delivered as it ended (options.after_success); the query's state stays SUCCEEDED.
      answer.summary.reason = answer.summary.delivery_failure->message;
      answer.failure_type = std::string(kErrorDeliveryFailed);
    }
    if (mode == CompletionMode::Events && !answer.summary.query_execution_id.empty()) {
      // A run finished here (already final at its start) has been notified by its completion.
      auto recorded = completion->record_start(answer.summary, event->query_specs[i], event->dependents);
      answer.summary = recorded.summary;
      answer.failure_type = recorded.failure_type;
      answer.completion = std::move(recorded);
    }
    if (!answer.completion) {
      if (auto type = failure_type(answer.summary, options.wait)) answer.failure_type = std::string(*type);
      // Wait mode: the run ended here, unless it was left running. Events mode: it never started.
      const bool ended = answer.failure_type ? ends_the_run(*answer.failure_type) : answer.summary.succeeded();
      if (ended)
        notify_once(notifier, mode == CompletionMode::Wait ? store_ : nullptr, notify_of[i], answer.summary,
                    answer.failure_type.value_or(""), log, request.request_id);
    }
    answers.push_back(std::move(answer));
  }
  return respond(request, *event, mode, answers, log, invocation_start, clock_);
}

}  // namespace athena_runner::lambda
