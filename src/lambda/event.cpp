// Event shapes and configuration from the environment (src/lambda/README.md).
#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "athena_runner/lambda/handler.hpp"
#include "athena_runner/spec/value_formats.hpp"

namespace athena_runner::lambda {
namespace {

using nlohmann::json;

constexpr std::string_view kScheduledEventDetailType = "Scheduled Event";
constexpr std::string_view kScheduledEventSource = "aws.events";
constexpr std::string_view kAthenaSource = "aws.athena";
constexpr std::string_view kQueryStateChangeDetailType = "Athena Query State Change";
constexpr std::string_view kSweepKey = "sweep";
constexpr std::string_view kOnDeadlineStop = "stop";
constexpr std::string_view kOnDeadlineLeaveRunning = "leave-running";
// Keys of a Scheduler payload or a direct invocation (docs/queries-file.md, "The schedule payload").
constexpr std::string_view kEventKeys[] = {"query", "queries",     "scheduled_time", "schedule_arn",
                                           "wait",  "on_deadline", "dependents"};

Error invalid_event(std::string message) {
  return make_error(ErrorKind::InvalidInput, std::string(kErrorInvalidEvent), std::move(message));
}

Error invalid_configuration(std::string_view variable, std::string message) {
  return make_error(ErrorKind::Configuration, std::string(kErrorInvalidConfiguration),
                    std::string(variable) + ": " + std::move(message));
}

// A variable holding a whole number in [low, high]; nullopt when it is not set.
Outcome<std::optional<int>> whole_number(const aws::Environment& environment, std::string_view variable, int low,
                                         int high) {
  auto text = environment.non_empty(variable);
  if (!text) return std::optional<int>{};
  int value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < low || value > high)
    return invalid_configuration(variable, "\"" + *text + "\" is not a whole number from " + std::to_string(low) +
                                               " to " + std::to_string(high));
  return std::optional<int>{value};
}

std::optional<runner::GiveUpAction> parse_on_deadline(std::string_view text) {
  if (text == kOnDeadlineStop) return runner::GiveUpAction::Stop;
  if (text == kOnDeadlineLeaveRunning) return runner::GiveUpAction::LeaveRunning;
  return std::nullopt;
}

// One query spec object, or a list of them, into resolved queries; `where` names it in messages.
Status add_queries(const json& specs, std::string_view where, const HandlerConfig& config, Event& event) {
  auto add_one = [&](const json& spec, const std::string& name) -> Status {
    if (!spec.is_object()) return invalid_event(name + ": expected a query spec object, got " + spec.dump());
    auto resolved = spec::parse_query_spec_json(spec.dump(), config.defaults);
    if (!resolved) return invalid_event(name + ": " + resolved.get_failure().message);
    event.queries.push_back(std::move(resolved).get_result());
    event.query_specs.push_back(spec.dump());
    return Ok{};
  };
  if (specs.is_array()) {
    if (specs.empty()) return invalid_event(std::string(where) + ": empty list of queries");
    for (std::size_t i = 0; i < specs.size(); ++i) {
      auto added = add_one(specs[i], std::string(where) + "[" + std::to_string(i) + "]");
      if (!added) return added;
    }
    return Ok{};
  }
  return add_one(specs, std::string(where));
}

Status parse_scheduled_time(const json& value, std::string_view key, Event& event) {
  if (!value.is_string()) return invalid_event(std::string(key) + ": expected an ISO 8601 time, got " + value.dump());
  auto instant = spec::parse_instant(value.get<std::string>());
  if (!instant) return invalid_event(std::string(key) + ": " + instant.get_failure().message);
  event.scheduled_time = *instant;
  return Ok{};
}

Outcome<Event> parse_scheduled_event(const json& document, const HandlerConfig& config) {
  Event event;
  event.kind = EventKind::ScheduledEvent;
  if (!document.contains("time")) return invalid_event("Scheduled Event without \"time\"");
  if (auto parsed = parse_scheduled_time(document["time"], "time", event); !parsed) return parsed.get_failure();
  if (document.contains("resources") && document["resources"].is_array() && !document["resources"].empty() &&
      document["resources"][0].is_string())
    event.source_arn = document["resources"][0].get<std::string>();
  // A rule with an input transformer may put the queries in "detail"; a plain scheduled rule cannot.
  const json detail = document.value("detail", json::object());
  if (detail.is_object() && (detail.contains("query") || detail.contains("queries"))) {
    const char* key = detail.contains("query") ? "query" : "queries";
    if (auto added = add_queries(detail[key], std::string("detail.") + key, config, event); !added)
      return added.get_failure();
    return event;
  }
  if (!config.scheduled_event_queries)
    return invalid_event(
        "a Scheduled Event carries no query: set " + std::string(kScheduledEventQueriesVariable) +
        " to a query spec (or a list), or use an EventBridge Scheduler schedule whose payload carries the query");
  json specs = json::parse(*config.scheduled_event_queries, nullptr, false);
  if (specs.is_discarded()) return invalid_event(std::string(kScheduledEventQueriesVariable) + ": not JSON");
  if (auto added = add_queries(specs, kScheduledEventQueriesVariable, config, event); !added)
    return added.get_failure();
  return event;
}

// An Athena Query State Change event: its detail's strings (docs.aws.amazon.com/athena/latest/ug/athena-events.html).
Outcome<Event> parse_query_state_change(const json& document, spec::Instant now) {
  Event event;
  event.kind = EventKind::QueryStateChange;
  event.scheduled_time = now;
  const json detail = document.value("detail", json());
  if (!detail.is_object()) return invalid_event("Athena Query State Change without \"detail\"");
  auto text = [&](const char* key) {
    return detail.contains(key) && detail[key].is_string() ? detail[key].get<std::string>() : "";
  };
  QueryStateChange change{text("queryExecutionId"), text("currentState"), text("previousState"), text("workgroupName"),
                          text("sequenceNumber")};
  if (change.query_execution_id.empty())
    return invalid_event("Athena Query State Change without detail.queryExecutionId");
  if (change.current_state.empty()) return invalid_event("Athena Query State Change without detail.currentState");
  event.state_change = std::move(change);
  return event;
}

// {"sweep": true} or {"sweep": {"locations": ["s3://bucket/results/", ...]}}: finish the open runs whose
// events were lost, under the default output and the given result folders.
Outcome<Event> parse_sweep(const json& document, spec::Instant now) {
  Event event;
  event.kind = EventKind::Sweep;
  event.scheduled_time = now;
  for (const auto& [key, value] : document.items()) {
    if (key != kSweepKey) return invalid_event("unknown key \"" + key + "\" in a sweep (expected only sweep)");
  }
  const json& sweep = document[std::string(kSweepKey)];
  if (sweep.is_boolean() && sweep.get<bool>()) return event;
  if (!sweep.is_object()) return invalid_event("sweep: expected true or {\"locations\": [...]}");
  for (const auto& [key, value] : sweep.items()) {
    if (key != "locations") return invalid_event("sweep: unknown key \"" + key + "\" (expected locations)");
  }
  const json locations = sweep.value("locations", json::array());
  if (!locations.is_array()) return invalid_event("sweep.locations: expected a list of s3:// folders");
  for (const auto& location : locations) {
    if (!location.is_string()) return invalid_event("sweep.locations: expected s3:// folders, got " + location.dump());
    auto text = location.get<std::string>();
    auto uri = aws::s3::parse_s3_uri(text);
    if (!uri) return invalid_event("sweep.locations: " + uri.get_failure().message);
    if (!uri->key.empty() && uri->key.back() != '/')
      return invalid_event("sweep.locations: \"" + text + "\" is not a folder (end it with /)");
    event.sweep_locations.push_back(std::move(text));
  }
  return event;
}

}  // namespace

std::string_view to_string(CompletionMode mode) { return mode == CompletionMode::Events ? "events" : "wait"; }

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Error: return "error";
    case LogLevel::Warn: return "warn";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
  }
  return "info";
}

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::SchedulerPayload: return "scheduler";
    case EventKind::ScheduledEvent: return "scheduled-event";
    case EventKind::Direct: return "direct";
    case EventKind::QueryStateChange: return "query-state-change";
    case EventKind::Sweep: return "sweep";
  }
  return "direct";
}

Outcome<HandlerConfig> config_from_environment(const aws::Environment& environment) {
  HandlerConfig config;
  config.defaults.workgroup = environment.non_empty(kWorkgroupVariable);
  config.defaults.catalog = environment.non_empty(kCatalogVariable);
  config.defaults.database = environment.non_empty(kDatabaseVariable);
  if (auto output = environment.non_empty(kOutputVariable)) {
    auto location = spec::parse_s3_location(*output);
    if (!location) return invalid_configuration(kOutputVariable, location.get_failure().message);
    config.defaults.output = *output;
  }
  if (auto timeout = environment.non_empty(kTimeoutVariable)) {
    auto parsed = spec::parse_duration(*timeout);
    if (!parsed) return invalid_configuration(kTimeoutVariable, parsed.get_failure().message);
    config.defaults.timeout = *parsed;
  }
  if (auto level = environment.non_empty(kLogLevelVariable)) {
    const LogLevel levels[] = {LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug};
    auto found = std::find_if(std::begin(levels), std::end(levels), [&](LogLevel l) { return to_string(l) == *level; });
    if (found == std::end(levels))
      return invalid_configuration(kLogLevelVariable, "\"" + *level + "\" is not one of error, warn, info, debug");
    config.log_level = *found;
  }
  if (auto margin = environment.non_empty(kDeadlineMarginVariable)) {
    auto parsed = spec::parse_duration(*margin);
    if (!parsed) return invalid_configuration(kDeadlineMarginVariable, parsed.get_failure().message);
    config.deadline_margin = *parsed;
  }
  if (auto action = environment.non_empty(kOnDeadlineVariable)) {
    auto parsed = parse_on_deadline(*action);
    if (!parsed) return invalid_configuration(kOnDeadlineVariable, "\"" + *action + "\" is not stop or leave-running");
    config.on_deadline = *parsed;
  }
  if (auto concurrency = whole_number(environment, kConcurrencyVariable, 1, 64); !concurrency) {
    return concurrency.get_failure();
  } else if (*concurrency) {
    config.concurrency = **concurrency;
  }
  if (auto mode = environment.non_empty(kCompletionModeVariable)) {
    if (*mode != "wait" && *mode != "events")
      return invalid_configuration(kCompletionModeVariable, "\"" + *mode + "\" is not wait or events");
    config.completion = *mode == "events" ? CompletionMode::Events : CompletionMode::Wait;
  }
  if (auto attempts = whole_number(environment, kMaxAttemptsVariable, 1, 10); !attempts) {
    return attempts.get_failure();
  } else if (*attempts) {
    config.max_attempts = **attempts;
  }
  if (auto topic = environment.non_empty(kNotifyTopicVariable)) {
    if (auto problem = spec::sns_topic_arn_error(*topic)) return invalid_configuration(kNotifyTopicVariable, *problem);
    config.notify_topic = *topic;
  }
  if (auto queries = environment.non_empty(kScheduledEventQueriesVariable)) {
    if (!json::accept(*queries)) return invalid_configuration(kScheduledEventQueriesVariable, "not JSON");
    config.scheduled_event_queries = *queries;
  }
  return config;
}

Outcome<Event> parse_event(std::string_view payload, const HandlerConfig& config, spec::Instant now) {
  json document = json::parse(payload, nullptr, false);
  if (document.is_discarded()) return invalid_event("the event is not JSON");

  Event event;
  event.scheduled_time = now;
  if (document.is_array()) {  // a direct invocation with a bare list of query specs
    if (auto added = add_queries(document, "event", config, event); !added) return added.get_failure();
    return event;
  }
  if (!document.is_object()) return invalid_event("expected a JSON object or a list of query specs");
  if (document.value("detail-type", "") == kScheduledEventDetailType &&
      document.value("source", "") == kScheduledEventSource)
    return parse_scheduled_event(document, config);
  if (document.value("source", "") == kAthenaSource) {
    if (document.value("detail-type", "") != kQueryStateChangeDetailType)
      return invalid_event("an aws.athena event of type " + document.value("detail-type", json("")).dump() +
                           ": only \"Athena Query State Change\" is handled");
    return parse_query_state_change(document, now);
  }
  if (document.contains(std::string(kSweepKey))) return parse_sweep(document, now);
  if (!document.contains("query") && !document.contains("queries")) {
    if (document.contains("name")) {  // a direct invocation with one bare query spec
      if (auto added = add_queries(document, "event", config, event); !added) return added.get_failure();
      return event;
    }
    return invalid_event(
        "no \"query\" or \"queries\" in the event: send {\"query\": {...}}, {\"queries\": [...]}, a query spec, "
        "or a list of query specs");
  }

  for (const auto& [key, value] : document.items()) {
    if (std::find(std::begin(kEventKeys), std::end(kEventKeys), key) == std::end(kEventKeys))
      return invalid_event("unknown key \"" + key +
                           "\" (expected query, queries, scheduled_time, schedule_arn, wait, on_deadline, dependents)");
  }
  if (document.contains("query") && document.contains("queries"))
    return invalid_event("both \"query\" and \"queries\": send one of them");
  event.kind = document.contains("schedule_arn") ? EventKind::SchedulerPayload : EventKind::Direct;
  if (event.kind == EventKind::SchedulerPayload) {
    if (!document["schedule_arn"].is_string()) return invalid_event("schedule_arn: expected a string");
    event.source_arn = document["schedule_arn"].get<std::string>();
  }
  if (document.contains("scheduled_time")) {
    if (auto parsed = parse_scheduled_time(document["scheduled_time"], "scheduled_time", event); !parsed)
      return parsed.get_failure();
  } else if (event.kind == EventKind::SchedulerPayload) {
    return invalid_event("a Scheduler payload without \"scheduled_time\" (<aws.scheduler.scheduled-time>)");
  }
  if (document.contains("wait")) {
    if (!document["wait"].is_boolean()) return invalid_event("wait: expected true or false");
    event.wait = document["wait"].get<bool>();
  }
  if (document.contains("on_deadline")) {
    const json& value = document["on_deadline"];
    auto parsed = value.is_string() ? parse_on_deadline(value.get<std::string>()) : std::nullopt;
    if (!parsed) return invalid_event("on_deadline: expected \"stop\" or \"leave-running\"");
    event.on_deadline = parsed;
  }
  if (document.contains("dependents")) {
    // Checked now, so that a bad spec fails the start and not the finish of an upstream run.
    const json& dependents = document["dependents"];
    if (!dependents.is_array()) return invalid_event("dependents: expected a list of query specs");
    Event checked;
    if (!dependents.empty()) {
      if (auto added = add_queries(dependents, "dependents", config, checked); !added) return added.get_failure();
    }
    for (const auto& query : checked.queries) {
      if (query.after.empty())
        return invalid_event("dependents: " + query.name + " has no \"after\" (a dependent runs after another query)");
    }
    event.dependents = dependents.dump();
  }
  const char* key = document.contains("query") ? "query" : "queries";
  if (document.contains("query") && document["query"].is_array())
    return invalid_event("query: expected one query spec object (use \"queries\" for a list)");
  if (document.contains("queries") && !document["queries"].is_array())
    return invalid_event("queries: expected a list of query specs");
  if (auto added = add_queries(document[key], key, config, event); !added) return added.get_failure();
  return event;
}

}  // namespace athena_runner::lambda
