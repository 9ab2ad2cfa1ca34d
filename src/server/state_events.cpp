#include "state_events.hpp"

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "athena_runner/aws/sigv4.hpp"

namespace athena_runner::server {
namespace {

namespace athena = aws::athena;
using athena::QueryExecutionState;

// Athena's event (docs.aws.amazon.com/athena/latest/ug/athena-events.html): these names and this detail schema.
constexpr char kSource[] = "aws.athena";
constexpr char kDetailType[] = "Athena Query State Change";
constexpr char kDetailVersion[] = "0";
constexpr char kInvocationTypeHeader[] = "X-Amz-Invocation-Type";
constexpr char kLambdaSigningName[] = "lambda";
constexpr std::chrono::milliseconds kSendTimeout{10000};

std::string utc_seconds(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

// Shows a finished execution as running: what Athena's GetQueryExecution answers while a query runs.
void show_running(athena::QueryExecution& execution) {
  execution.status.state = QueryExecutionState::Running;
  execution.status.state_text = std::string(athena::to_string(QueryExecutionState::Running));
  execution.status.completion_date_time.reset();
  execution.status.state_change_reason.reset();
  execution.status.athena_error.reset();
}

class HeldEngine final : public runner::QueryEngine {
 public:
  HeldEngine(std::unique_ptr<runner::QueryEngine> inner, std::chrono::milliseconds hold)
      : inner_(std::move(inner)), hold_(hold) {}
  std::string_view name() const override { return inner_->name(); }
  std::string describe() const override {
    return inner_->describe() + ", queries held RUNNING for " + std::to_string(hold_.count()) + " ms";
  }
  Outcome<std::string> start(const athena::StartQueryExecutionRequest& request) override {
    return inner_->start(request);
  }
  Outcome<athena::QueryExecution> get(std::string_view query_execution_id) override {
    auto execution = inner_->get(query_execution_id);
    if (execution) held(*execution);
    return execution;
  }
  Outcome<athena::BatchGetQueryExecutionResult> batch_get(const std::vector<std::string>& ids) override {
    auto result = inner_->batch_get(ids);
    if (result)
      for (auto& execution : result->query_executions) held(execution);
    return result;
  }
  // A query DuckDB already finished is still RUNNING to the API's callers: stopping it then cancels it, as
  // StopQueryExecution would on Athena.
  Status stop(std::string_view query_execution_id) override {
    auto execution = get(query_execution_id);
    if (execution && execution->status.state == QueryExecutionState::Running) {
      auto real = inner_->get(query_execution_id);
      if (real && athena::is_terminal(real->status.state)) {
        std::lock_guard lock(mutex_);
        stopped_.emplace(query_execution_id, std::chrono::system_clock::now());
        return Ok{};
      }
    }
    return inner_->stop(query_execution_id);
  }
  Outcome<athena::QueryRuntimeStatistics> runtime_statistics(std::string_view query_execution_id) override {
    return inner_->runtime_statistics(query_execution_id);
  }
  std::uint64_t change_count() override { return inner_->change_count(); }
  bool wait_for_change(std::uint64_t seen, const Clock& clock, std::chrono::milliseconds duration) override {
    return inner_->wait_for_change(seen, clock, duration);
  }
  Status stream_result_csv(const athena::QueryExecution& execution, std::uint64_t from_byte,
                           const runner::ByteSink& sink) override {
    return inner_->stream_result_csv(execution, from_byte, sink);
  }
  Outcome<athena::QueryResultsTable> results(std::string_view query_execution_id, std::size_t max_rows) override {
    auto execution = get(query_execution_id);
    if (execution && execution->status.state == QueryExecutionState::Running)
      return make_error(ErrorKind::InvalidInput, "InvalidRequestException",
                        "Query has not yet finished. Current state: RUNNING");
    return inner_->results(query_execution_id, max_rows);
  }

 private:
  void held(athena::QueryExecution& execution) {
    {
      std::lock_guard lock(mutex_);
      if (auto stopped = stopped_.find(execution.query_execution_id); stopped != stopped_.end()) {
        execution.status.state = QueryExecutionState::Cancelled;
        execution.status.state_text = std::string(athena::to_string(QueryExecutionState::Cancelled));
        execution.status.state_change_reason = "Query cancelled by user";
        execution.status.completion_date_time = stopped->second;
        execution.status.athena_error.reset();
        return;
      }
    }
    const auto& submitted = execution.status.submission_date_time;
    if (!submitted || execution.status.state == QueryExecutionState::Queued ||
        execution.status.state == QueryExecutionState::Running)
      return;
    if (std::chrono::system_clock::now() < *submitted + hold_) show_running(execution);
  }

  std::unique_ptr<runner::QueryEngine> inner_;
  std::chrono::milliseconds hold_;
  std::mutex mutex_;
  std::map<std::string, std::chrono::system_clock::time_point, std::less<>> stopped_;  // id -> when stopped
};

bool retryable_status(int status) { return status == 429 || status >= 500; }

}  // namespace

std::unique_ptr<runner::QueryEngine> hold_running(std::unique_ptr<runner::QueryEngine> engine,
                                                  std::chrono::milliseconds hold) {
  if (hold.count() <= 0) return engine;
  return std::make_unique<HeldEngine>(std::move(engine), hold);
}

std::string state_change_event_json(const StateChange& change, const StateChangeEvents& config,
                                    const std::string& event_id, std::chrono::system_clock::time_point time) {
  nlohmann::ordered_json detail = {{"versionId", kDetailVersion}, {"currentState", change.current_state}};
  if (!change.previous_state.empty()) detail["previousState"] = change.previous_state;
  if (!change.statement_type.empty()) detail["statementType"] = change.statement_type;
  detail["queryExecutionId"] = change.query_execution_id;
  detail["workgroupName"] = change.work_group;
  detail["sequenceNumber"] = std::to_string(change.sequence_number);
  nlohmann::ordered_json event = {{"version", "0"},
                                  {"id", event_id},
                                  {"detail-type", kDetailType},
                                  {"source", kSource},
                                  {"account", config.account_id},
                                  {"time", utc_seconds(time)},
                                  {"region", config.region},
                                  {"resources", nlohmann::json::array()},
                                  {"detail", detail}};
  return event.dump();
}

Outcome<std::unique_ptr<StateEventPublisher>> StateEventPublisher::open(const StateChangeEvents& config,
                                                                        runner::QueryEngine& engine,
                                                                        aws::Credentials signing_credentials,
                                                                        Random random, std::ostream& log) {
  Target target;
  const std::string& url = config.target;
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string::npos) target.scheme = url.substr(0, scheme_end);
  const auto host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const auto path_start = url.find('/', host_start);
  target.host = url.substr(host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
  target.path = path_start == std::string::npos ? "/" : url.substr(path_start);
  if ((target.scheme != "http" && target.scheme != "https") || target.host.empty() ||
      target.path.find('?') != std::string::npos)
    return make_error(ErrorKind::Configuration, "InvalidEventsTarget",
                      "--events-to must be a Lambda Invoke URL such as "
                      "http://127.0.0.1:9001/2015-03-31/functions/athena-runner/invocations, not '" +
                          url + "'");
  if (config.max_attempts < 1 || config.first_retry_delay.count() < 0 || config.poll_interval.count() < 1)
    return make_error(
        ErrorKind::Configuration, "InvalidEventsTarget",
        "events need at least one attempt, a retry delay not negative and a poll interval of 1 ms or more");
  return std::unique_ptr<StateEventPublisher>(new StateEventPublisher(
      config, std::move(target), engine, std::move(signing_credentials), std::move(random), log));
}

StateEventPublisher::StateEventPublisher(const StateChangeEvents& config, Target target, runner::QueryEngine& engine,
                                         aws::Credentials signing_credentials, Random random, std::ostream& log)
    : config_(config),
      target_(std::move(target)),
      engine_(engine),
      credentials_(std::move(signing_credentials)),
      random_(std::move(random)),
      log_(log) {
  aws::HttpOptions options;
  options.request_timeout = kSendTimeout;
  http_ = aws::make_lite_http_client(options);
  watcher_ = std::thread([this] { watch(); });
  sender_ = std::thread([this] { send_all(); });
}

StateEventPublisher::~StateEventPublisher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  watcher_.join();
  sender_.join();
}

void StateEventPublisher::started(const std::string& query_execution_id, const std::string& work_group) {
  if (!config_.work_groups.empty() &&
      std::find(config_.work_groups.begin(), config_.work_groups.end(), work_group) == config_.work_groups.end())
    return;
  {
    std::lock_guard lock(mutex_);
    if (!known_.insert(query_execution_id).second) return;
    followed_[query_execution_id] = Followed{work_group, QueryExecutionState::Queued, 1};
  }
  auto execution = engine_.get(query_execution_id);
  queue(StateChange{query_execution_id, work_group, execution ? execution->statement_type.value_or("") : "", "QUEUED",
                    "", 1});
}

void StateEventPublisher::queue(const StateChange& change) {
  std::string body = state_change_event_json(change, config_, random_.uuid(), std::chrono::system_clock::now());
  std::lock_guard lock(mutex_);
  outbox_.push_back(std::move(body));
  changed_.notify_all();
}

// Every query passes through RUNNING, as on Athena: one the watcher first sees finished gets its RUNNING event
// before its final one. Athena may also send a query back to QUEUED (it retries some transient errors).
void StateEventPublisher::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (followed_.empty()) {
      changed_.wait(lock, [this] { return stopping_ || !followed_.empty(); });
      continue;
    }
    changed_.wait_for(lock, config_.poll_interval, [this] { return stopping_; });
    if (stopping_) break;
    std::vector<std::pair<std::string, Followed>> open(followed_.begin(), followed_.end());
    lock.unlock();
    for (auto& [id, followed] : open) {
      auto execution = engine_.get(id);
      if (!execution || execution->status.state == followed.state ||
          execution->status.state == QueryExecutionState::Unknown)
        continue;
      const std::string statement_type = execution->statement_type.value_or("");
      const QueryExecutionState now = execution->status.state;
      std::vector<QueryExecutionState> passed;
      if (followed.state == QueryExecutionState::Queued && athena::is_terminal(now))
        passed.push_back(QueryExecutionState::Running);
      passed.push_back(now);
      for (QueryExecutionState state : passed) {
        queue(StateChange{id, followed.work_group, statement_type, std::string(athena::to_string(state)),
                          std::string(athena::to_string(followed.state)), ++followed.sequence_number});
        followed.state = state;
      }
      std::lock_guard update(mutex_);
      if (athena::is_terminal(now))
        followed_.erase(id);
      else
        followed_[id] = followed;
    }
    lock.lock();
  }
}

void StateEventPublisher::send_all() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || !outbox_.empty(); });
    if (outbox_.empty()) return;  // stopping, nothing left
    std::string body = std::move(outbox_.front());
    outbox_.pop_front();
    const bool last_chance = stopping_;
    lock.unlock();
    deliver(body, last_chance ? 1 : config_.max_attempts);
    lock.lock();
  }
}

// At least once: a request whose answer was lost is sent again. Order holds because one event is delivered
// (or dropped) before the next is tried.
bool StateEventPublisher::deliver(const std::string& body, int attempts) {
  std::chrono::milliseconds delay = config_.first_retry_delay;
  std::string last_problem;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    aws::HttpRequest request;
    request.method = "POST";
    request.scheme = target_.scheme;
    request.host = target_.host;
    request.path = target_.path;
    request.body = body;
    request.set_header("Content-Type", "application/json");
    request.set_header(kInvocationTypeHeader, "Event");
    aws::sign_request(request, credentials_,
                      aws::SigningParams{config_.region, kLambdaSigningName, std::chrono::system_clock::now()});
    auto response = http_->send(request);
    if (response && response->status >= 200 && response->status < 300) return true;
    last_problem = response ? "HTTP " + std::to_string(response->status) : response.get_failure().to_string();
    if (response && !retryable_status(response->status)) break;
    if (attempt == attempts) break;
    std::unique_lock lock(mutex_);
    if (changed_.wait_for(lock, delay, [this] { return stopping_; })) {
      attempts = attempt + 1;  // stopping: one last try now
    }
    delay *= 2;
  }
  log_ << "athena-runner serve: dropped a state-change event for " << target_.scheme << "://" << target_.host
       << target_.path << " after " << attempts << " attempt(s): " << last_problem << "\n"
       << std::flush;
  return false;
}

}  // namespace athena_runner::server
