// The function's handler: reads an event (EventBridge Scheduler payload, classic EventBridge Scheduled
// Event, or a direct invocation), runs its queries through the runner, and answers with one summary per
// query. Event shapes and configuration: src/lambda/README.md.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/aws/environment.hpp"
#include "athena_runner/base/clock.hpp"
#include "athena_runner/base/outcome.hpp"
#include "athena_runner/lambda/runtime.hpp"
#include "athena_runner/runner/runner.hpp"
#include "athena_runner/spec/queries_file.hpp"
#include "athena_runner/spec/schedule.hpp"

namespace athena_runner::lambda {

// Environment variables the CDK stack sets (docs/queries-file.md), and the handler's own settings.
inline constexpr std::string_view kWorkgroupVariable = "ATHENA_RUNNER_WORKGROUP";
inline constexpr std::string_view kCatalogVariable = "ATHENA_RUNNER_CATALOG";
inline constexpr std::string_view kDatabaseVariable = "ATHENA_RUNNER_DATABASE";
inline constexpr std::string_view kOutputVariable = "ATHENA_RUNNER_OUTPUT";
inline constexpr std::string_view kTimeoutVariable = "ATHENA_RUNNER_TIMEOUT";
inline constexpr std::string_view kLogLevelVariable = "ATHENA_RUNNER_LOG_LEVEL";
inline constexpr std::string_view kDeadlineMarginVariable = "ATHENA_RUNNER_DEADLINE_MARGIN";  // duration, "5s"
inline constexpr std::string_view kOnDeadlineVariable = "ATHENA_RUNNER_ON_DEADLINE";          // stop | leave-running
inline constexpr std::string_view kConcurrencyVariable = "ATHENA_RUNNER_CONCURRENCY";
// Queries for classic EventBridge Scheduled Events (they carry no payload): a JSON query spec or a list.
inline constexpr std::string_view kScheduledEventQueriesVariable = "ATHENA_RUNNER_QUERIES";

inline constexpr std::chrono::milliseconds kDefaultDeadlineMargin{5000};
inline constexpr int kDefaultConcurrency = 4;

// Error types of a failed invocation (errorType of the error document).
inline constexpr std::string_view kErrorInvalidConfiguration = "InvalidConfiguration";  // init error
inline constexpr std::string_view kErrorInvalidEvent = "InvalidEvent";
inline constexpr std::string_view kErrorQueryNotStarted = "QueryNotStarted";      // bad template, start refused
inline constexpr std::string_view kErrorQueryStateUnknown = "QueryStateUnknown";  // started, state unreadable
inline constexpr std::string_view kErrorQueryFailed = "QueryFailed";              // Athena: FAILED
inline constexpr std::string_view kErrorQueryCancelled = "QueryCancelled";        // Athena: CANCELLED
inline constexpr std::string_view kErrorQueryTimedOut = "QueryTimedOut";          // gave up, stopped it
inline constexpr std::string_view kErrorQueryStillRunning = "QueryStillRunning";  // gave up, left it running

enum class LogLevel { Error, Warn, Info, Debug };
std::string_view to_string(LogLevel level);

struct HandlerConfig {
  spec::QuerySettings defaults;  // workgroup, catalog, database, output, timeout from the environment
  LogLevel log_level = LogLevel::Info;
  // Waiting ends this long before the invocation's deadline, leaving time to stop and answer.
  std::chrono::milliseconds deadline_margin = kDefaultDeadlineMargin;
  runner::GiveUpAction on_deadline = runner::GiveUpAction::Stop;
  int concurrency = kDefaultConcurrency;
  std::optional<std::string> scheduled_event_queries;  // JSON text
  runner::PollPolicy poll;
};

// From ATHENA_RUNNER_*; error "InvalidConfiguration" naming the variable (reported as the init error).
Outcome<HandlerConfig> config_from_environment(const aws::Environment& environment);

enum class EventKind { SchedulerPayload, ScheduledEvent, Direct };
std::string_view to_string(EventKind kind);  // "scheduler", "scheduled-event", "direct"

struct Event {
  EventKind kind = EventKind::Direct;
  std::vector<spec::ResolvedQuery> queries;
  spec::Instant scheduled_time{};
  bool wait = true;                                 // false: answer right after the queries started
  std::optional<runner::GiveUpAction> on_deadline;  // overrides the configuration
  std::string source_arn;                           // schedule_arn, or the rule in a Scheduled Event's resources
};

// Parses an event; `now` stands for a missing scheduled time. Error "InvalidEvent" with what is wrong.
Outcome<Event> parse_event(std::string_view payload, const HandlerConfig& config, spec::Instant now);

// Runs the queries of each invocation. Logs one JSON object per line to `log`.
class QueryHandler {
 public:
  QueryHandler(HandlerConfig config, runner::QueryEngine& engine, Clock clock, std::ostream& log);
  InvocationResponse operator()(const InvocationRequest& request);

 private:
  HandlerConfig config_;
  runner::QueryEngine& engine_;
  Clock clock_;
  std::ostream& log_;
};

}  // namespace athena_runner::lambda
