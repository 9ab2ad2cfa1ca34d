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
#include "athena_runner/aws/sns.hpp"
#include "athena_runner/base/clock.hpp"
#include "athena_runner/base/outcome.hpp"
#include "athena_runner/lambda/run_record.hpp"
#include "athena_runner/lambda/runtime.hpp"
#include "athena_runner/runner/deliver.hpp"
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
inline constexpr std::string_view kCompletionModeVariable = "ATHENA_RUNNER_COMPLETION_MODE";  // wait | events
inline constexpr std::string_view kMaxAttemptsVariable = "ATHENA_RUNNER_MAX_ATTEMPTS";        // starts per slot, 1-10
// The SNS topic a query's `notify: {on_success|on_failure: stack}` publishes to (set by the CDK stack).
inline constexpr std::string_view kNotifyTopicVariable = "ATHENA_RUNNER_NOTIFY_TOPIC";
// Queries for classic EventBridge Scheduled Events (they carry no payload): a JSON query spec or a list.
inline constexpr std::string_view kScheduledEventQueriesVariable = "ATHENA_RUNNER_QUERIES";

inline constexpr std::chrono::milliseconds kDefaultDeadlineMargin{5000};
inline constexpr int kDefaultConcurrency = 4;
inline constexpr int kDefaultMaxAttempts = 3;

// Error types of a failed invocation (errorType of the error document).
inline constexpr std::string_view kErrorInvalidConfiguration = "InvalidConfiguration";  // init error
inline constexpr std::string_view kErrorInvalidEvent = "InvalidEvent";
inline constexpr std::string_view kErrorQueryNotStarted = "QueryNotStarted";      // bad template, start refused
inline constexpr std::string_view kErrorQueryStateUnknown = "QueryStateUnknown";  // started, state unreadable
inline constexpr std::string_view kErrorQueryFailed = "QueryFailed";              // Athena: FAILED
inline constexpr std::string_view kErrorQueryCancelled = "QueryCancelled";        // Athena: CANCELLED
inline constexpr std::string_view kErrorQueryTimedOut = "QueryTimedOut";          // gave up, stopped it
inline constexpr std::string_view kErrorQueryStillRunning = "QueryStillRunning";  // gave up, left it running
inline constexpr std::string_view kErrorRunNotRecorded = "RunNotRecorded";        // events mode: started, no run record
inline constexpr std::string_view kErrorDeliveryFailed = "DeliveryFailed";        // succeeded, results not delivered

enum class LogLevel { Error, Warn, Info, Debug };
std::string_view to_string(LogLevel level);

// wait: the invocation polls until its queries end (the runner). events: it starts them, writes their run
// records and returns; Athena's state-change events (or the sweep) finish each run (run_record.hpp).
enum class CompletionMode { Wait, Events };
std::string_view to_string(CompletionMode mode);  // "wait", "events"

struct HandlerConfig {
  spec::QuerySettings defaults;  // workgroup, catalog, database, output, timeout from the environment
  LogLevel log_level = LogLevel::Info;
  // Waiting ends this long before the invocation's deadline, leaving time to stop and answer.
  std::chrono::milliseconds deadline_margin = kDefaultDeadlineMargin;
  runner::GiveUpAction on_deadline = runner::GiveUpAction::Stop;
  int concurrency = kDefaultConcurrency;
  std::optional<std::string> scheduled_event_queries;  // JSON text
  runner::PollPolicy poll;
  CompletionMode completion = CompletionMode::Wait;
  int max_attempts = kDefaultMaxAttempts;      // starts per slot, counting resubmissions after retryable errors
  std::chrono::milliseconds retry_base{1000};  // backoff before a resubmission (full jitter, doubling)
  std::optional<std::string> notify_topic;     // the topic `stack` names in a query's notify
};

// From ATHENA_RUNNER_*; error "InvalidConfiguration" naming the variable (reported as the init error).
Outcome<HandlerConfig> config_from_environment(const aws::Environment& environment);

enum class EventKind { SchedulerPayload, ScheduledEvent, Direct, QueryStateChange, Sweep };
// "scheduler", "scheduled-event", "direct", "query-state-change", "sweep"
std::string_view to_string(EventKind kind);

// The detail of an `Athena Query State Change` event (source aws.athena), as Athena documents it
// (docs.aws.amazon.com/athena/latest/ug/athena-events.html). Only the id is trusted: the handler reads the
// execution itself, since events may come twice or out of order.
struct QueryStateChange {
  std::string query_execution_id;
  std::string current_state;  // QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED
  std::string previous_state;
  std::string workgroup;
  std::string sequence_number;
};

struct Event {
  EventKind kind = EventKind::Direct;
  std::vector<spec::ResolvedQuery> queries;
  spec::Instant scheduled_time{};
  bool wait = true;                                 // false: answer right after the queries started
  std::optional<runner::GiveUpAction> on_deadline;  // overrides the configuration
  std::string source_arn;                           // schedule_arn, or the rule in a Scheduled Event's resources
  std::vector<std::string> query_specs;             // each query's spec JSON as sent (kept in run records)
  std::string dependents = "[]";                 // JSON list of the specs of the queries that run after these (`after`)
  std::optional<QueryStateChange> state_change;  // QueryStateChange
  std::vector<std::string> sweep_locations;      // Sweep: result folders to sweep besides the default output
};

// Parses an event; `now` stands for a missing scheduled time. Error "InvalidEvent" with what is wrong.
Outcome<Event> parse_event(std::string_view payload, const HandlerConfig& config, spec::Instant now);

// Runs the queries of each invocation. Logs one JSON object per line to `log`. `store` keeps the run
// records of completion by events; without one, events mode, state-change events and sweeps are refused.
// `sns` publishes the notifications a query's notify asks for; without one they are logged as not sent.
// `objects` is where a succeeded query's `deliver` destinations are written (S3 in the function); without
// one, a query with destinations fails its delivery.
class QueryHandler {
 public:
  QueryHandler(HandlerConfig config, runner::QueryEngine& engine, Clock clock, std::ostream& log,
               RunStore* store = nullptr, const aws::sns::SnsClient* sns = nullptr,
               runner::ObjectStore* objects = nullptr);
  InvocationResponse operator()(const InvocationRequest& request);

 private:
  HandlerConfig config_;
  runner::QueryEngine& engine_;
  Clock clock_;
  std::ostream& log_;
  RunStore* store_;
  const aws::sns::SnsClient* sns_;
  runner::ObjectStore* objects_;
};

}  // namespace athena_runner::lambda
