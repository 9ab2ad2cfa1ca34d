// Runner logic with a scripted QueryEngine and a fake clock: polling intervals, timeout/deadline/interrupt
// handling, resubmission of retryable failures, batch polling, cost estimate and backfill journals.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "athena_runner/runner/runner.hpp"
#include "athena_runner/spec/render.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::runner {
namespace {

using std::chrono::milliseconds;
using TimePoint = std::chrono::system_clock::time_point;
using State = athena::QueryExecutionState;

// Time moves only when the code under test sleeps.
struct FakeClock {
  TimePoint now = TimePoint(std::chrono::seconds(1'700'000'000));
  std::vector<milliseconds> sleeps;
  double random = 0.5;
  Clock clock() {
    return Clock{[this] { return now; },
                 [this](milliseconds duration) {
                   sleeps.push_back(duration);
                   now += duration;
                 },
                 [this] { return random; }};
  }
};

athena::QueryExecution execution_in(const std::string& id, State state) {
  athena::QueryExecution execution;
  execution.query_execution_id = id;
  execution.status.state = state;
  execution.status.state_text = std::string(athena::to_string(state));
  return execution;
}

athena::QueryExecution failed(const std::string& id, int category, bool retryable) {
  auto execution = execution_in(id, State::Failed);
  execution.status.athena_error = athena::AthenaError{category, 1, retryable, "boom"};
  execution.status.state_change_reason = "boom";
  return execution;
}

// Each start takes the next script: the states its GetQueryExecution calls return, the last one repeating.
// After stop(), a query reads CANCELLED.
class ScriptedEngine : public QueryEngine {
 public:
  explicit ScriptedEngine(FakeClock& clock) : clock_(clock) {}

  std::deque<std::vector<State>> scripts;
  std::vector<State> default_script{State::Succeeded};
  std::map<std::string, athena::QueryExecution> failures;  // id -> execution returned instead of FAILED
  std::deque<std::pair<int, bool>> failure_scripts;        // (category, retryable) per FAILED start
  std::vector<athena::StartQueryExecutionRequest> starts;
  std::vector<std::pair<std::string, TimePoint>> gets;
  std::vector<std::size_t> batch_sizes;
  std::vector<std::pair<std::string, TimePoint>> stops;
  std::function<void()> on_get;
  std::optional<Error> batch_error;  // every BatchGetQueryExecution fails with it
  // Change notification, as the local engine offers it: `changes` is what change_count() says.
  bool notifies = false;
  bool change_at_start = false;  // each started query reports a change at once (it finished quickly)
  std::uint64_t changes = 0;

  std::uint64_t change_count() override { return changes; }
  bool wait_for_change(std::uint64_t seen, const Clock& clock, milliseconds duration) override {
    if (notifies && changes != seen) return true;
    clock.sleep_for(duration);
    return false;
  }

  std::string_view name() const override { return "scripted"; }
  std::string describe() const override { return "scripted"; }

  Outcome<std::string> start(const athena::StartQueryExecutionRequest& request) override {
    starts.push_back(request);
    if (change_at_start) ++changes;
    std::string id = "q-" + std::to_string(starts.size());
    std::vector<State> script = default_script;
    if (!scripts.empty()) {
      script = scripts.front();
      scripts.pop_front();
    }
    states_[id] = {script, 0};
    if (std::find(script.begin(), script.end(), State::Failed) != script.end() && !failure_scripts.empty()) {
      failures[id] = failed(id, failure_scripts.front().first, failure_scripts.front().second);
      failure_scripts.pop_front();
    }
    return id;
  }

  athena::QueryExecution next(const std::string& id) {
    auto& [script, position] = states_.at(id);
    if (stopped_.count(id)) return execution_in(id, State::Cancelled);
    State state = script[std::min(position, script.size() - 1)];
    ++position;
    if (state == State::Failed && failures.count(id)) return failures.at(id);
    return execution_in(id, state);
  }

  Outcome<athena::QueryExecution> get(std::string_view id) override {
    gets.emplace_back(std::string(id), clock_.now);
    if (on_get) on_get();
    return next(std::string(id));
  }

  Outcome<athena::BatchGetQueryExecutionResult> batch_get(const std::vector<std::string>& ids) override {
    batch_sizes.push_back(ids.size());
    if (batch_error) return *batch_error;
    athena::BatchGetQueryExecutionResult result;
    for (const auto& id : ids) result.query_executions.push_back(next(id));
    return result;
  }

  Status stop(std::string_view id) override {
    stops.emplace_back(std::string(id), clock_.now);
    stopped_.insert(std::string(id));
    return Ok{};
  }

  Outcome<athena::QueryRuntimeStatistics> runtime_statistics(std::string_view) override {
    return make_error(ErrorKind::Service, "InvalidRequestException", "not scripted");
  }

  Status stream_result_csv(const athena::QueryExecution&, std::uint64_t from_byte, const ByteSink& sink) override {
    if (csv.empty()) return make_error(ErrorKind::Service, "ResultNotAvailable", "none");
    from_bytes.push_back(from_byte);
    // Small chunks: the reader must carry state across them.
    for (std::size_t i = std::min<std::size_t>(from_byte, csv.size()); i < csv.size(); i += 3) {
      if (on_chunk) on_chunk();
      if (!sink(std::string_view(csv).substr(i, 3))) return make_error(ErrorKind::Aborted, "Aborted", "");
    }
    return Ok{};
  }
  std::vector<std::uint64_t> from_bytes;  // of each stream_result_csv call

  Outcome<athena::QueryResultsTable> results(std::string_view, std::size_t) override {
    ++results_calls;
    return table;
  }

  std::string csv;
  std::function<void()> on_chunk;  // called before each chunk is sent
  athena::QueryResultsTable table;
  int results_calls = 0;

 private:
  FakeClock& clock_;
  std::map<std::string, std::pair<std::vector<State>, std::size_t>> states_;
  std::set<std::string> stopped_;
};

spec::ResolvedQuery sample_query() {
  spec::ResolvedQuery query;
  query.name = "daily_revenue";
  query.sql = "SELECT 1";
  query.database = "pizza";
  query.output = "s3://results/athena/";
  query.schedule = "rate(1 hour)";
  return query;
}

spec::Instant slot_time() { return spec::Instant(std::chrono::seconds(1'714'622'400)); }  // 2024-05-02T04:00:00Z

std::vector<State> running_then(int running, State last) {
  std::vector<State> script(static_cast<std::size_t>(running), State::Running);
  script.push_back(last);
  return script;
}

TEST(Runner, PollIntervalsGrowGeometricallyToTheCap) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = running_then(8, State::Succeeded);
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.poll = PollPolicy{milliseconds(100), 2.0, milliseconds(1000)};
  const TimePoint started = fake.now;
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  EXPECT_EQ(summary->state, RunState::Succeeded);
  ASSERT_EQ(engine.gets.size(), 9u);
  EXPECT_EQ(summary->polls, 9);
  // Worked out by hand: 100, 200, 400, 800, then capped at 1000.
  const std::vector<long> expected_gaps = {100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000};
  TimePoint previous = started;
  for (std::size_t i = 0; i < engine.gets.size(); ++i) {
    EXPECT_EQ(std::chrono::duration_cast<milliseconds>(engine.gets[i].second - previous).count(), expected_gaps[i])
        << "poll " << i;
    previous = engine.gets[i].second;
  }
  EXPECT_EQ(summary->wall_time, milliseconds(6500));
  EXPECT_TRUE(engine.batch_sizes.empty());
}

TEST(Runner, AChangeTheEngineReportsCutsTheWaitShort) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = running_then(1, State::Succeeded);
  engine.notifies = true;
  engine.on_get = [&] { ++engine.changes; };  // the query finishes just after each read of its state
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.poll = PollPolicy{milliseconds(1000), 2.0, milliseconds(5000)};
  const TimePoint started = fake.now;
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  EXPECT_EQ(summary->state, RunState::Succeeded);
  ASSERT_EQ(engine.gets.size(), 2u);
  EXPECT_EQ(engine.gets[0].second, started + milliseconds(1000));  // nothing had changed: the whole interval
  EXPECT_EQ(engine.gets[1].second, engine.gets[0].second);         // polled at once, not 2000 ms later
  EXPECT_EQ(summary->wall_time, milliseconds(1000));
}

TEST(Runner, AQueryThatFinishedBeforeTheFirstPollIsReadAtOnce) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.notifies = true;
  engine.change_at_start = true;
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.poll = PollPolicy{milliseconds(1000), 2.0, milliseconds(5000)};
  const TimePoint started = fake.now;
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  EXPECT_EQ(summary->state, RunState::Succeeded);
  ASSERT_EQ(engine.gets.size(), 1u);
  EXPECT_EQ(engine.gets[0].second, started);
}

TEST(Runner, TimeoutStopsTheQuery) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = {State::Running};
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.timeout = std::chrono::seconds(10);
  const TimePoint started = fake.now;
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary);
  ASSERT_EQ(engine.stops.size(), 1u);
  EXPECT_EQ(engine.stops[0].first, summary->query_execution_id);
  EXPECT_EQ(engine.stops[0].second, started + std::chrono::seconds(10));
  EXPECT_TRUE(summary->timed_out);
  EXPECT_TRUE(summary->stopped);
  EXPECT_EQ(summary->state, RunState::Cancelled);
  EXPECT_NE(summary->reason.find("timed out after 10s"), std::string::npos) << summary->reason;
  for (const auto& [id, when] : engine.gets) EXPECT_LE(when, started + std::chrono::seconds(10));
}

TEST(Runner, QueryTimeoutFromTheSpecAppliesWithoutOverride) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = {State::Running};
  Runner runner(engine, fake.clock());
  auto query = sample_query();
  query.timeout = std::chrono::seconds(30);
  const TimePoint started = fake.now;
  auto summary = runner.run(query, slot_time());
  ASSERT_TRUE(summary);
  ASSERT_EQ(engine.stops.size(), 1u);
  EXPECT_EQ(engine.stops[0].second, started + std::chrono::seconds(30));
}

TEST(Runner, EarlierDeadlineWinsOverTimeout) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = {State::Running};
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.timeout = std::chrono::seconds(10);
  options.deadline = fake.now + std::chrono::seconds(3);
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary);
  ASSERT_EQ(engine.stops.size(), 1u);
  EXPECT_EQ(engine.stops[0].second, *options.deadline);
  EXPECT_TRUE(summary->timed_out);
  EXPECT_NE(summary->reason.find("deadline"), std::string::npos) << summary->reason;
}

TEST(Runner, NothingStartsAfterTheDeadlineOrOnceInterrupted) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.deadline = fake.now;
  auto late = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->state, RunState::NotStarted);
  EXPECT_NE(late->reason.find("deadline"), std::string::npos) << late->reason;

  std::atomic<bool> interrupted{true};
  RunOptions interrupted_options;
  interrupted_options.interrupted = &interrupted;
  std::vector<spec::RenderedQuery> queries(3, *spec::render_query(sample_query(), slot_time()));
  auto results = runner.run_many(queries, 2, interrupted_options);
  for (const auto& result : results) {
    ASSERT_TRUE(result);
    EXPECT_EQ(result->state, RunState::NotStarted);
  }
  EXPECT_TRUE(engine.starts.empty());
}

TEST(Runner, LeaveRunningDoesNotStop) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = {State::Running};
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.timeout = std::chrono::seconds(5);
  options.on_give_up = GiveUpAction::LeaveRunning;
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary);
  EXPECT_TRUE(engine.stops.empty());
  EXPECT_TRUE(summary->timed_out);
  EXPECT_FALSE(summary->stopped);
  EXPECT_EQ(summary->state, RunState::Running);
}

TEST(Runner, InterruptStopsTheRunningQuery) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = {State::Running};
  std::atomic<bool> interrupted{false};
  engine.on_get = [&] {
    if (engine.gets.size() == 3) interrupted = true;
  };
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.interrupted = &interrupted;
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary);
  ASSERT_EQ(engine.stops.size(), 1u);
  EXPECT_EQ(engine.gets.size(), 4u);  // three polls, then the read after the stop
  EXPECT_TRUE(summary->stopped);
  EXPECT_EQ(summary->state, RunState::Cancelled);
  EXPECT_NE(summary->reason.find("interrupted"), std::string::npos);
}

TEST(Runner, RetryableFailureIsResubmittedWithTheNextGenerationToken) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.scripts = {{State::Running, State::Failed}, {State::Succeeded}};
  engine.failure_scripts = {{1, true}};
  std::vector<RunEvent::Kind> events;
  Runner runner(engine, fake.clock(), [&](const RunEvent& event) { events.push_back(event.kind); });
  RunOptions options;
  options.retry_base = milliseconds(1000);
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->state, RunState::Succeeded);
  EXPECT_EQ(summary->attempts, 2);
  ASSERT_EQ(engine.starts.size(), 2u);
  auto first = spec::render_query(sample_query(), slot_time(), 0);
  auto second = spec::render_query(sample_query(), slot_time(), 1);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(engine.starts[0].client_request_token, first->client_request_token);
  EXPECT_EQ(engine.starts[1].client_request_token, second->client_request_token);
  EXPECT_NE(first->client_request_token, second->client_request_token);
  EXPECT_EQ(summary->rendered.generation, 1);
  // Full jitter: random 0.5 of a 1000 ms ceiling on the first resubmission.
  EXPECT_NE(std::find(fake.sleeps.begin(), fake.sleeps.end(), milliseconds(500)), fake.sleeps.end());
  EXPECT_NE(std::find(events.begin(), events.end(), RunEvent::Kind::Resubmitted), events.end());
}

TEST(Runner, RetryableFailureStopsAfterMaxAttempts) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = {State::Failed};
  engine.failure_scripts = {{1, true}, {1, true}, {1, true}, {1, true}};
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.max_attempts = 3;
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary);
  EXPECT_EQ(engine.starts.size(), 3u);
  EXPECT_EQ(summary->state, RunState::Failed);
}

TEST(Runner, UserErrorFailsAtOnce) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = {State::Failed};
  engine.failure_scripts = {{2, false}};
  Runner runner(engine, fake.clock());
  auto summary = runner.run(sample_query(), slot_time());
  ASSERT_TRUE(summary);
  EXPECT_EQ(engine.starts.size(), 1u);
  EXPECT_EQ(summary->state, RunState::Failed);
  EXPECT_EQ(summary->error_category, 2);
  EXPECT_EQ(summary->reason, "boom");
  EXPECT_FALSE(summary->succeeded());
}

TEST(Runner, NoWaitReturnsAfterTheStart) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  Runner runner(engine, fake.clock());
  RunOptions options;
  options.wait = false;
  auto summary = runner.run(sample_query(), slot_time(), options);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->query_execution_id, "q-1");
  EXPECT_TRUE(engine.gets.empty());
}

TEST(Runner, StartRequestCarriesEveryRenderedField) {
  auto query = sample_query();
  query.workgroup = "reports";
  query.result_reuse = std::chrono::minutes(60);
  query.encryption = spec::Encryption{"SSE_KMS", "arn:aws:kms:eu-west-1:111122223333:key/k"};
  query.expected_bucket_owner = "111122223333";
  auto rendered = spec::render_query(query, slot_time(), 0);
  ASSERT_TRUE(rendered);
  auto request = to_start_request(*rendered);
  EXPECT_EQ(request.query_string, "SELECT 1");
  EXPECT_EQ(request.client_request_token, rendered->client_request_token);
  EXPECT_EQ(request.work_group, "reports");
  ASSERT_TRUE(request.query_execution_context);
  EXPECT_EQ(request.query_execution_context->database, "pizza");
  EXPECT_EQ(request.query_execution_context->catalog, "AwsDataCatalog");
  ASSERT_TRUE(request.result_configuration);
  EXPECT_EQ(request.result_configuration->output_location, "s3://results/athena/");
  ASSERT_TRUE(request.result_configuration->encryption_configuration);
  EXPECT_EQ(request.result_configuration->encryption_configuration->encryption_option,
            athena::EncryptionOption::SseKms);
  EXPECT_EQ(request.result_configuration->expected_bucket_owner, "111122223333");
  ASSERT_TRUE(request.result_reuse_configuration &&
              request.result_reuse_configuration->result_reuse_by_age_configuration);
  EXPECT_TRUE(request.result_reuse_configuration->result_reuse_by_age_configuration->enabled);
  EXPECT_EQ(request.result_reuse_configuration->result_reuse_by_age_configuration->max_age_in_minutes, 60);
}

TEST(Runner, RunManyPollsInBatchesOfAtMostFifty) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = running_then(3, State::Succeeded);
  Runner runner(engine, fake.clock());
  std::vector<spec::RenderedQuery> queries;
  for (int i = 0; i < 120; ++i) {
    auto rendered = spec::render_query(sample_query(), slot_time() + std::chrono::hours(i), 0);
    ASSERT_TRUE(rendered);
    queries.push_back(*rendered);
  }
  auto results = runner.run_many(queries, 120);
  ASSERT_EQ(results.size(), 120u);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i]);
    EXPECT_EQ(results[i]->state, RunState::Succeeded);
    EXPECT_EQ(results[i]->rendered.scheduled_time, queries[i].scheduled_time);  // input order
  }
  EXPECT_TRUE(engine.gets.empty());
  ASSERT_FALSE(engine.batch_sizes.empty());
  std::size_t polled = 0;
  for (auto size : engine.batch_sizes) {
    EXPECT_LE(size, 50u);
    polled += size;
  }
  EXPECT_EQ(polled, 120u * 4);                   // four reads per query
  EXPECT_EQ(engine.batch_sizes.size(), 3u * 4);  // 50 + 50 + 20 per round
}

TEST(Runner, RunManyPollsOneByOneWhenBatchGetIsNotOffered) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = running_then(1, State::Succeeded);
  auto error = make_error(ErrorKind::Service, "InternalServerError", "not implemented");
  error.http_status = 500;
  engine.batch_error = error;
  Runner runner(engine, fake.clock());
  std::vector<spec::RenderedQuery> queries;
  queries.reserve(3);
  for (int i = 0; i < 3; ++i)
    queries.push_back(*spec::render_query(sample_query(), slot_time() + std::chrono::hours(i)));
  auto results = runner.run_many(queries, 3);
  for (const auto& result : results) {
    ASSERT_TRUE(result) << result.get_failure().to_string();
    EXPECT_EQ(result->state, RunState::Succeeded);
    EXPECT_EQ(result->polls, 2);
  }
  EXPECT_EQ(engine.batch_sizes.size(), 1u);  // tried once, then GetQueryExecution per query
  EXPECT_EQ(engine.gets.size(), 6u);
}

// Throttling is what the SDKs' retry classification says it is (botocore's list), whatever the status:
// a throttled batch call must not make the runner give up on batching.
void expect_batching_kept_through(const std::string& code, int http_status) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  auto error = make_error(ErrorKind::Service, code, "Rate exceeded");
  error.http_status = http_status;
  engine.batch_error = error;
  engine.default_script = {State::Running};
  Runner runner(engine, fake.clock());
  std::vector<spec::RenderedQuery> queries;
  queries.reserve(2);
  for (int i = 0; i < 2; ++i)
    queries.push_back(*spec::render_query(sample_query(), slot_time() + std::chrono::hours(i)));
  auto results = runner.run_many(queries, 2);
  EXPECT_TRUE(engine.gets.empty()) << code;
  EXPECT_GT(engine.batch_sizes.size(), 1u) << code;
  for (const auto& result : results) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.get_failure().code, kPollFailedCode);
  }
}

TEST(Runner, RunManyKeepsBatchingThroughThrottling) { expect_batching_kept_through("ThrottlingException", 400); }

TEST(Runner, RunManyKeepsBatchingThroughAnyThrottlingCodeTheSdksKnow) {
  expect_batching_kept_through("ProvisionedThroughputExceededException", 500);
}

TEST(Runner, RunManyRespectsConcurrency) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.default_script = running_then(2, State::Succeeded);
  std::size_t most_in_flight = 0;
  std::size_t finished = 0;
  Runner runner(engine, fake.clock());
  std::vector<spec::RenderedQuery> queries;
  queries.reserve(7);
  for (int i = 0; i < 7; ++i)
    queries.push_back(*spec::render_query(sample_query(), slot_time() + std::chrono::hours(i)));
  std::vector<std::size_t> finished_order;
  auto results = runner.run_many(queries, 2, {}, [&](std::size_t index, const Outcome<RunSummary>&) {
    finished_order.push_back(index);
    ++finished;
    most_in_flight = std::max(most_in_flight, engine.starts.size() - finished + 1);
  });
  EXPECT_EQ(finished, 7u);
  EXPECT_LE(most_in_flight, 2u);
  EXPECT_EQ(engine.starts.size(), 7u);
}

// The after graph: b and c after a, d after [b, c] (a join), e after d, x after [a, z] where z never ran.
std::vector<spec::ResolvedQuery> diamond() {
  std::vector<spec::ResolvedQuery> graph;
  for (auto [name, after] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}, {"e", {"d"}}, {"x", {"a", "z"}}}) {
    auto query = sample_query();
    query.name = name;
    query.sql = "SELECT '" + name + "'";
    query.schedule.reset();
    query.after = after;
    graph.push_back(std::move(query));
  }
  return graph;
}

TEST(Dependents, RunRoundByRoundForTheUpstreamSlotWithTheirOwnTokens) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  Runner runner(engine, fake.clock());
  const auto later = slot_time() + std::chrono::hours(1);
  auto report = run_dependents(runner, diamond(), {{"a", slot_time(), true}, {"a", later, false}}, 4);
  std::vector<std::string> started;
  for (const auto& request : engine.starts) started.push_back(request.query_string);
  // b and c together, then the join d, then e; nothing for the slot whose a failed, nor x (z did not run).
  EXPECT_EQ(started, (std::vector<std::string>{"SELECT 'b'", "SELECT 'c'", "SELECT 'd'", "SELECT 'e'"}));
  ASSERT_EQ(report.runs.size(), 4u);
  const auto graph = diamond();
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(report.runs[i].succeeded());
    EXPECT_EQ(report.runs[i].rendered.scheduled_time, slot_time());
    EXPECT_EQ(engine.starts[i].client_request_token, spec::render_query(graph[i], slot_time())->client_request_token);
  }
  EXPECT_EQ(report.not_started, (std::vector<std::string>{
                                    "x for 2024-05-02T04:00:00Z: z did not succeed",
                                    "b for 2024-05-02T05:00:00Z: a did not succeed",
                                    "c for 2024-05-02T05:00:00Z: a did not succeed",
                                    "d for 2024-05-02T05:00:00Z: b did not succeed",
                                    "e for 2024-05-02T05:00:00Z: d did not succeed",
                                    "x for 2024-05-02T05:00:00Z: a did not succeed",
                                }));
  EXPECT_FALSE(report.all_succeeded());
}

TEST(Dependents, AFailedDependentStopsWhatRunsAfterIt) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.scripts = {{State::Succeeded}, {State::Failed}};  // b succeeds, c fails
  engine.failure_scripts = {{2, false}};
  Runner runner(engine, fake.clock());
  auto graph = diamond();
  graph.pop_back();  // without x
  auto report = run_dependents(runner, graph, {{"a", slot_time(), true}}, 4);
  EXPECT_EQ(engine.starts.size(), 2u);
  ASSERT_EQ(report.runs.size(), 2u);
  EXPECT_EQ(report.runs[1].state, RunState::Failed);
  EXPECT_EQ(report.not_started, (std::vector<std::string>{"d for 2024-05-02T04:00:00Z: c did not succeed",
                                                          "e for 2024-05-02T04:00:00Z: d did not succeed"}));
  EXPECT_FALSE(report.all_succeeded());

  FakeClock clean_clock;
  ScriptedEngine clean(clean_clock);
  Runner clean_runner(clean, clean_clock.clock());
  EXPECT_TRUE(run_dependents(clean_runner, graph, {{"a", slot_time(), true}}, 1).all_succeeded());
  EXPECT_EQ(clean.starts.size(), 4u);
}

TEST(Runner, AfterSuccessRunsBeforeTheFinishAndALongOneTimesOutNoOtherQuery) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  // a ends at the second poll; b, polled in the same batch, one poll later.
  engine.scripts = {running_then(1, State::Succeeded), running_then(2, State::Succeeded)};
  std::vector<std::string> events;
  Runner runner(engine, fake.clock(), [&](const RunEvent& event) {
    if (event.kind == RunEvent::Kind::Finished) events.push_back("finished " + event.summary->name);
  });
  RunOptions options;
  options.timeout = std::chrono::seconds(60);
  options.after_success = [&](RunSummary& summary) {
    events.push_back("after_success " + summary.name);
    if (summary.name == "a") fake.now += std::chrono::minutes(10);  // a slow delivery (an UNLOAD waited for)
    summary.deliveries.push_back({"s3://reports/" + summary.name + ".csv", spec::DeliveryFormat::Csv, {}, false});
  };
  auto a = *spec::render_query(sample_query(), slot_time());
  a.name = "a";
  auto b = *spec::render_query(sample_query(), slot_time() + std::chrono::hours(1));
  b.name = "b";
  auto results = runner.run_many({a, b}, 2, options);
  ASSERT_TRUE(results[0] && results[1]);
  // b ended while a was delivered: read again before its timeout was judged, it is not stopped.
  EXPECT_EQ(results[1]->state, RunState::Succeeded);
  EXPECT_FALSE(results[1]->timed_out);
  EXPECT_TRUE(engine.stops.empty());
  EXPECT_EQ(events, (std::vector<std::string>{"after_success a", "finished a", "after_success b", "finished b"}));
  EXPECT_EQ(results[0]->deliveries.size(), 1u);
}

TEST(Backfill, ASlotWhoseDeliveryFailedIsCountedFailedAndNotJournaled) {
  testing::TempDir temp;
  FakeClock fake;
  ScriptedEngine engine(fake);
  Runner runner(engine, fake.clock());
  BackfillOptions options;
  options.from = slot_time();
  options.to = slot_time() + std::chrono::hours(2);
  options.journal_path = temp.path() + "/journal.json";
  bool fail_delivery = true;
  options.run.after_success = [&](RunSummary& summary) {
    if (fail_delivery && summary.rendered.scheduled_time == slot_time())
      summary.delivery_failure = make_error(ErrorKind::Service, "DeliveryFailed", "delivery to s3://r/x.csv failed");
  };
  auto first = backfill(runner, sample_query(), options);
  ASSERT_TRUE(first) << first.get_failure().to_string();
  EXPECT_EQ(first->succeeded, 1u);
  EXPECT_EQ(first->failed, 1u);
  EXPECT_EQ(first->runs[0].state, RunState::Succeeded);  // the query itself succeeded
  EXPECT_FALSE(first->runs[0].done());
  const std::string journal = testing::read_file(options.journal_path);
  EXPECT_EQ(journal.find("\"2024-05-02T04:00:00Z\": {"), std::string::npos) << journal;  // a slot entry
  EXPECT_NE(journal.find("\"2024-05-02T05:00:00Z\": {"), std::string::npos) << journal;

  fail_delivery = false;
  auto second = backfill(runner, sample_query(), options);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->skipped, 1u);
  EXPECT_EQ(second->succeeded, 1u);
  EXPECT_EQ(engine.starts.back().client_request_token, engine.starts.front().client_request_token);  // same slot
}

TEST(Dependents, AFailedDeliveryOrAHeldDependentStartsNothingAfterIt) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  Runner runner(engine, fake.clock());
  auto graph = diamond();
  graph.pop_back();  // without x
  RunOptions options;
  options.after_success = [](RunSummary& summary) {
    if (summary.name == "c") summary.delivery_failure = make_error(ErrorKind::Service, "DeliveryFailed", "no");
  };
  auto report = run_dependents(runner, graph, {{"a", slot_time(), true}}, 4, options);
  EXPECT_EQ(engine.starts.size(), 2u);  // b and c; not d (c was not delivered), nor e
  EXPECT_EQ(report.not_started, (std::vector<std::string>{"d for 2024-05-02T04:00:00Z: c did not succeed",
                                                          "e for 2024-05-02T04:00:00Z: d did not succeed"}));
  EXPECT_FALSE(report.all_succeeded());

  // Held (the Lambda's on_overlap): b is answered as the check says, not started, and d does not start.
  FakeClock held_clock;
  ScriptedEngine held_engine(held_clock);
  Runner held_runner(held_engine, held_clock.clock());
  auto held = run_dependents(held_runner, graph, {{"a", slot_time(), true}}, 4, {},
                             [](const spec::RenderedQuery& query) -> std::optional<RunSummary> {
                               if (query.name != "b") return std::nullopt;
                               RunSummary skipped;
                               skipped.name = query.name;
                               skipped.rendered = query;
                               skipped.reason = "held";
                               return skipped;
                             });
  ASSERT_EQ(held_engine.starts.size(), 1u);
  EXPECT_EQ(held_engine.starts[0].query_string, "SELECT 'c'");
  ASSERT_EQ(held.runs.size(), 2u);
  EXPECT_EQ(held.runs[0].reason, "held");
  EXPECT_EQ(held.not_started, (std::vector<std::string>{"d for 2024-05-02T04:00:00Z: b did not succeed",
                                                        "e for 2024-05-02T04:00:00Z: d did not succeed"}));
}

TEST(Cost, PricingRuleWorkedOutByHand) {
  EXPECT_EQ(estimated_cost_usd(0), 0.0);
  const double ten_mebibytes = 10.0 * 1048576.0 / 1099511627776.0 * 5.0;
  EXPECT_DOUBLE_EQ(estimated_cost_usd(1), ten_mebibytes);
  EXPECT_DOUBLE_EQ(estimated_cost_usd(std::int64_t{10} * 1048576), ten_mebibytes);
  EXPECT_DOUBLE_EQ(estimated_cost_usd(std::int64_t{10} * 1048576 + 1), 11.0 * 1048576.0 / 1099511627776.0 * 5.0);
  EXPECT_DOUBLE_EQ(estimated_cost_usd(1099511627776LL), 5.0);
}

using Rows = std::vector<std::vector<std::optional<std::string>>>;

TEST(AthenaCsv, QuotingCases) {
  // RFC 4180 §2: quoted fields may hold commas, line breaks and doubled quotes. Athena: every value
  // quoted, so "" is the empty string and an empty unquoted field is NULL.
  auto table = parse_athena_csv(
      "\"id\",\"text\",\"note\"\n"
      "\"1\",\"a,b\",\n"
      "\"2\",\"she said \"\"no\"\"\",\"\"\n"
      ",\"line\nbreak\",\"x\"\n",
      0);
  ASSERT_TRUE(table) << table.get_failure().to_string();
  EXPECT_EQ(table->columns, (std::vector<std::string>{"id", "text", "note"}));
  EXPECT_EQ(table->rows,
            (Rows{{"1", "a,b", std::nullopt}, {"2", "she said \"no\"", ""}, {std::nullopt, "line\nbreak", "x"}}));
  EXPECT_FALSE(table->truncated);
}

TEST(AthenaCsv, CrLfUnquotedAndMissingFinalNewline) {
  auto table = parse_athena_csv("a,b\r\n1,\r\n\"x\",2", 0);
  ASSERT_TRUE(table) << table.get_failure().to_string();
  EXPECT_EQ(table->columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(table->rows, (Rows{{"1", std::nullopt}, {"x", "2"}}));
}

TEST(AthenaCsv, SingleColumnNullIsAnEmptyLine) {
  auto table = parse_athena_csv("\"v\"\n\"\"\n\n\"z\"\n", 0);
  ASSERT_TRUE(table);
  EXPECT_EQ(table->rows, (Rows{{""}, {std::nullopt}, {"z"}}));
}

TEST(AthenaCsv, MaxRowsTruncates) {
  auto table = parse_athena_csv("\"n\"\n\"1\"\n\"2\"\n\"3\"\n", 2);
  ASSERT_TRUE(table);
  EXPECT_EQ(table->rows, (Rows{{"1"}, {"2"}}));
  EXPECT_TRUE(table->truncated);
  auto exact = parse_athena_csv("\"n\"\n\"1\"\n\"2\"\n", 2);
  ASSERT_TRUE(exact);
  EXPECT_FALSE(exact->truncated);
}

TEST(AthenaCsv, MalformedInputIsAnError) {
  auto unclosed = parse_athena_csv("\"a\"\n\"open\n", 0);
  ASSERT_FALSE(unclosed);
  EXPECT_EQ(unclosed.get_failure().code, "MalformedResultCsv");
  auto stray = parse_athena_csv("\"a\"\nx\"y\n", 0);
  ASSERT_FALSE(stray);
  auto trailing = parse_athena_csv("\"a\"\n\"x\"y\n", 0);
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.get_failure().message.find("line 2"), std::string::npos) << trailing.get_failure().message;
}

TEST(FetchResults, StreamsTheCsvInChunksElseFallsBackToGetQueryResults) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.csv = "\"id\",\"name\"\n\"1\",\"Ada, \"\"the\"\" first\"\n\"2\",\n";
  std::string via;
  auto table = fetch_results(engine, execution_in("q", State::Succeeded), 0, &via);
  ASSERT_TRUE(table) << table.get_failure().to_string();
  EXPECT_EQ(via, "csv");
  EXPECT_EQ(table->rows, (Rows{{"1", "Ada, \"the\" first"}, {"2", std::nullopt}}));
  EXPECT_EQ(engine.results_calls, 0);

  auto limited = fetch_results(engine, execution_in("q", State::Succeeded), 1, &via);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->rows.size(), 1u);
  EXPECT_TRUE(limited->truncated);

  engine.csv.clear();
  athena::ColumnInfo id_column;
  id_column.name = "id";
  id_column.type = "integer";
  engine.table.columns = {id_column};
  engine.table.rows = {athena::Row{{"7"}}, athena::Row{{std::nullopt}}};
  auto fallback = fetch_results(engine, execution_in("q", State::Succeeded), 0, &via);
  ASSERT_TRUE(fallback);
  EXPECT_EQ(via, "GetQueryResults");
  EXPECT_EQ(fallback->columns, (std::vector<std::string>{"id"}));
  EXPECT_EQ(fallback->types, (std::vector<std::string>{"integer"}));
  EXPECT_EQ(fallback->rows, (Rows{{"7"}, {std::nullopt}}));
}

// GetQueryResults' paging over the CSV (serve): pages of 2 rows, the header line being row 0, each page
// starting where the previous one ended. The offsets are counted by hand from the text below (47 bytes).
TEST(ResultCsvPage, PagesEndAtRowBoundariesWhateverTheQuoting) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.csv = "\"id\",\"note\"\n\"1\",\"two\nlines\"\n\"2\",\n\"3\",\"a,\"\"b\"\"\"\n";
  const auto execution = execution_in("q", State::Succeeded);
  auto first = read_result_csv_page(engine, execution, 0, 2);
  ASSERT_TRUE(first) << first.get_failure().to_string();
  EXPECT_EQ(first->rows, (Rows{{"id", "note"}, {"1", "two\nlines"}}));
  EXPECT_EQ(first->next, 28u);  // the header line is 12 bytes, the next row's 16
  EXPECT_TRUE(first->more);
  auto second = read_result_csv_page(engine, execution, first->next, 2);
  ASSERT_TRUE(second) << second.get_failure().to_string();
  EXPECT_EQ(second->rows, (Rows{{"2", std::nullopt}, {"3", "a,\"b\""}}));
  EXPECT_EQ(second->next, 47u);
  EXPECT_FALSE(second->more);
  EXPECT_EQ(engine.from_bytes, (std::vector<std::uint64_t>{0, 28}));
  // A page that ends exactly at the last row says there is no more; so does a last row without a line end.
  auto all = read_result_csv_page(engine, execution, 0, 4);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->rows.size(), 4u);
  EXPECT_FALSE(all->more);
  engine.csv.pop_back();
  auto unterminated = read_result_csv_page(engine, execution, first->next, 1);
  ASSERT_TRUE(unterminated);
  EXPECT_EQ(unterminated->rows, (Rows{{"2", std::nullopt}}));
  EXPECT_TRUE(unterminated->more);
  auto last = read_result_csv_page(engine, execution, unterminated->next, 5);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->rows, (Rows{{"3", "a,\"b\""}}));
  EXPECT_EQ(last->next, 46u);
  EXPECT_FALSE(last->more);
}

ResultTable print_sample() {
  ResultTable table;
  table.columns = {"id", "name"};
  table.rows = {{"1", "Ada"}, {"22", std::nullopt}, {"3", "a \"q\",b"}};
  return table;
}

TEST(PrintResults, AlignedTable) {
  std::ostringstream out;
  print_results(print_sample(), OutputFormat::Table, out);
  EXPECT_EQ(out.str(),
            "id | name\n"
            "---+--------\n"
            "1  | Ada\n"
            "22 | NULL\n"
            "3  | a \"q\",b\n"
            "(3 rows)\n");
}

TEST(PrintResults, CsvAsAthenaWritesIt) {
  std::ostringstream out;
  print_results(print_sample(), OutputFormat::Csv, out);
  const std::string expected =
      "\"id\",\"name\"\n"
      "\"1\",\"Ada\"\n"
      "\"22\",\n"
      "\"3\",\"a \"\"q\"\",b\"\n";
  EXPECT_EQ(out.str(), expected);
  // Round trip through the reader.
  auto parsed = parse_athena_csv(out.str(), 0);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->rows, print_sample().rows);
}

TEST(PrintResults, JsonLines) {
  std::ostringstream out;
  print_results(print_sample(), OutputFormat::JsonLines, out);
  EXPECT_EQ(out.str(),
            "{\"id\":\"1\",\"name\":\"Ada\"}\n"
            "{\"id\":\"22\",\"name\":null}\n"
            "{\"id\":\"3\",\"name\":\"a \\\"q\\\",b\"}\n");
}

TEST(PrintResults, TsvAsTrinoCliWritesIt) {
  // Trino CLI's TsvPrinter: values unquoted, NULL empty, tab, line breaks and backslash escaped.
  ResultTable table;
  table.columns = {"id", "text"};
  table.rows = {{"1", "a\tb"}, {"2", std::nullopt}, {"3", "line\nbreak\\"}};
  std::ostringstream out;
  print_results(table, OutputFormat::Tsv, out);
  EXPECT_EQ(out.str(), "id\ttext\n1\ta\\tb\n2\t\n3\tline\\nbreak\\\\\n");
}

// Records what reaches it and when: the rows it has seen at the moment the engine sends each chunk.
class CountingSink final : public RowSink {
 public:
  void columns(std::vector<std::string> names, std::vector<std::string> /*types*/) override { names_ = names; }
  bool row(ResultRow cells) override {
    rows.push_back(std::move(cells));
    return true;
  }
  void end(bool truncated) override {
    ended = true;
    was_truncated = truncated;
  }
  std::vector<std::string> names_;
  Rows rows;
  bool ended = false, was_truncated = false;
};

TEST(StreamResults, RowsReachTheSinkWhileTheCsvIsStillArriving) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  std::string csv = "\"n\"\n";
  for (int i = 0; i < 50; ++i) csv += "\"" + std::to_string(i) + "\"\n";
  engine.csv = csv;
  CountingSink sink;
  std::vector<std::size_t> rows_seen_per_chunk;
  engine.on_chunk = [&] { rows_seen_per_chunk.push_back(sink.rows.size()); };
  auto streamed = stream_results(engine, execution_in("q", State::Succeeded), 0, sink);
  ASSERT_TRUE(streamed) << streamed.get_failure().to_string();
  EXPECT_EQ(streamed->via, "csv");
  EXPECT_EQ(streamed->rows, 50u);
  EXPECT_EQ(sink.rows.size(), 50u);
  EXPECT_TRUE(sink.ended);
  // Half-way through the transfer the sink already holds rows: they were not collected first.
  ASSERT_FALSE(rows_seen_per_chunk.empty());
  EXPECT_GT(rows_seen_per_chunk[rows_seen_per_chunk.size() / 2], 10u);
  EXPECT_LT(rows_seen_per_chunk[rows_seen_per_chunk.size() / 2], 40u);

  // max_rows stops the transfer once one more row has started.
  CountingSink limited;
  rows_seen_per_chunk.clear();
  auto first = stream_results(engine, execution_in("q", State::Succeeded), 3, limited);
  ASSERT_TRUE(first);
  EXPECT_EQ(limited.rows, (Rows{{"0"}, {"1"}, {"2"}}));
  EXPECT_TRUE(first->truncated);
  EXPECT_TRUE(limited.was_truncated);
  EXPECT_LT(rows_seen_per_chunk.size(), csv.size() / 3) << "the transfer went on after the rows wanted";
}

// Athena's result CSV is already in the CSV printer's form (every value quoted, quotes doubled, NULL empty), so
// streaming it through the reader and the printer gives back the same bytes, across many of the printer's
// buffered writes and the engine's 3-byte chunks.
TEST(StreamResults, CsvPrinterGivesBackAthenasCsvByteForByte) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  std::string csv = "\"id\",\"text\",\"note\"\n";
  for (int i = 0; csv.size() < 300'000; ++i) {
    csv += "\"" + std::to_string(i) + "\",";
    csv += i % 3 == 0 ? "\"a \"\"quoted\"\", two\nlines\"" : "\"plain text " + std::to_string(i * 7) + "\"";
    csv += i % 5 == 0 ? ",\n" : ",\"\"\n";  // NULL, or the empty string
  }
  engine.csv = csv;
  std::ostringstream out;
  auto printer = make_result_printer(OutputFormat::Csv, out);
  auto streamed = stream_results(engine, execution_in("q", State::Succeeded), 0, *printer);
  ASSERT_TRUE(streamed) << streamed.get_failure().to_string();
  EXPECT_EQ(streamed->via, "csv");
  EXPECT_TRUE(out.str() == csv) << "sizes " << out.str().size() << " and " << csv.size();
}

TEST(StreamResults, DdlResultsComeFromGetQueryResults) {
  // A DDL statement's result file is bare lines (SHOW TABLES), not a CSV with a header.
  FakeClock fake;
  ScriptedEngine engine(fake);
  engine.csv = "orders\npizzas\n";
  athena::ColumnInfo column;
  column.name = "tab_name";
  column.type = "string";
  engine.table.columns = {column};
  engine.table.rows = {athena::Row{{"orders"}}, athena::Row{{"pizzas"}}};
  auto execution = execution_in("q", State::Succeeded);
  execution.statement_type = std::string(athena::kStatementTypeDdl);
  CountingSink sink;
  auto streamed = stream_results(engine, execution, 0, sink);
  ASSERT_TRUE(streamed);
  EXPECT_EQ(streamed->via, "GetQueryResults");
  EXPECT_EQ(sink.names_, (std::vector<std::string>{"tab_name"}));
  EXPECT_EQ(sink.rows, (Rows{{"orders"}, {"pizzas"}}));
}

TEST(Summary, JsonAndLinesCarryTheRun) {
  RunSummary summary;
  summary.name = "daily";
  summary.query_execution_id = "abc";
  summary.state = RunState::Failed;
  summary.reason = "TABLE_NOT_FOUND: line 1:15: Table 'x' does not exist";
  summary.error_category = 2;
  summary.data_scanned_bytes = 2048;
  summary.estimated_cost_usd = estimated_cost_usd(2048);
  auto json = summary_json(summary);
  EXPECT_NE(json.find("\"query_execution_id\":\"abc\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"error_category\":2"), std::string::npos) << json;
  EXPECT_NE(json.find("\"data_scanned_bytes\":2048"), std::string::npos) << json;
  std::ostringstream out;
  print_summary(summary, out);
  EXPECT_NE(out.str().find("state:          FAILED\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("error:          2 (user)\n"), std::string::npos) << out.str();
  summary.reason = "Binder Error: no column \"nope\"\nLINE 1: SELECT nope";
  summary.polls = 1;
  std::ostringstream multi_line;
  print_summary(summary, multi_line);
  EXPECT_NE(multi_line.str().find("reason:         Binder Error: no column \"nope\"\n"
                                  "                LINE 1: SELECT nope\n"),
            std::string::npos)
      << multi_line.str();
  EXPECT_NE(multi_line.str().find("(1 poll)"), std::string::npos) << multi_line.str();
}

TEST(Backfill, JournalSkipsSlotsThatSucceeded) {
  testing::TempDir temp;
  FakeClock fake;
  ScriptedEngine engine(fake);
  Runner runner(engine, fake.clock());
  BackfillOptions options;
  options.from = slot_time();
  options.to = slot_time() + std::chrono::hours(3);
  options.concurrency = 2;
  options.journal_path = temp.path() + "/journal/daily.json";
  std::vector<std::size_t> progress;
  options.on_progress = [&](std::size_t done, std::size_t total, const RunSummary&) {
    EXPECT_EQ(total, 3u);
    progress.push_back(done);
  };
  // The middle slot fails (a user error), the others succeed.
  engine.scripts = {{State::Succeeded}, {State::Failed}, {State::Succeeded}};
  engine.failure_scripts = {{2, false}};
  auto first = backfill(runner, sample_query(), options);
  ASSERT_TRUE(first) << first.get_failure().to_string();
  EXPECT_EQ(first->total, 3u);
  EXPECT_EQ(first->succeeded, 2u);
  EXPECT_EQ(first->failed, 1u);
  EXPECT_EQ(progress, (std::vector<std::size_t>{1, 2, 3}));
  ASSERT_EQ(engine.starts.size(), 3u);
  // Each slot has its own token.
  EXPECT_NE(engine.starts[0].client_request_token, engine.starts[1].client_request_token);
  EXPECT_NE(engine.starts[1].client_request_token, engine.starts[2].client_request_token);

  // Second run: only the failed slot runs again, with the same token as before.
  engine.scripts.clear();
  auto second = backfill(runner, sample_query(), options);
  ASSERT_TRUE(second) << second.get_failure().to_string();
  EXPECT_EQ(second->skipped, 2u);
  EXPECT_EQ(second->succeeded, 1u);
  ASSERT_EQ(engine.starts.size(), 4u);
  EXPECT_EQ(engine.starts[3].client_request_token, engine.starts[1].client_request_token);

  // Third run: everything succeeded, nothing starts.
  auto third = backfill(runner, sample_query(), options);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->skipped, 3u);
  EXPECT_TRUE(third->runs.empty());
  EXPECT_EQ(engine.starts.size(), 4u);
  EXPECT_NE(testing::read_file(options.journal_path).find("2024-05-02T05:00:00Z"), std::string::npos);
}

TEST(Backfill, CorruptJournalIsAnErrorNamingTheFile) {
  testing::TempDir temp;
  FakeClock fake;
  ScriptedEngine engine(fake);
  Runner runner(engine, fake.clock());
  BackfillOptions options;
  options.from = slot_time();
  options.to = slot_time() + std::chrono::hours(2);
  options.journal_path = temp.write("j.json", "{broken");
  auto report = backfill(runner, sample_query(), options);
  ASSERT_FALSE(report);
  EXPECT_NE(report.get_failure().message.find(options.journal_path), std::string::npos);
  EXPECT_TRUE(engine.starts.empty());
}

TEST(Backfill, QueryWithoutScheduleIsRefused) {
  FakeClock fake;
  ScriptedEngine engine(fake);
  Runner runner(engine, fake.clock());
  auto query = sample_query();
  query.schedule.reset();
  auto report = backfill(runner, query, BackfillOptions{});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.get_failure().code, "NoSchedule");
}

}  // namespace
}  // namespace athena_runner::runner
