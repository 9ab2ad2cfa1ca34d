// Engine "local" through the runner, on DuckDB over a temporary data directory with a Glue-shaped catalog:
// results where Athena writes them, records another engine instance (another process) can read,
// idempotency tokens, failures and cancellation.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "athena_runner/engine/local_query_engine.hpp"
#include "athena_runner/runner/runner.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::runner {
namespace {

namespace fs = std::filesystem;
using athena_runner::testing::read_file;
using athena_runner::testing::TempDir;
using State = athena::QueryExecutionState;

constexpr char kOutput[] = "s3://local-results/athena/";
// Two pizzas over three rows: margherita 2 + 3, diavola 3.
constexpr char kOrdersCsv[] = "1,margherita,2\n2,diavola,3\n3,margherita,3\n";

class LocalEngineRun : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_.write("data/lake/pizza/orders/part-0.csv", kOrdersCsv);
    temp_.write("data/.glue/pizza/orders.json", R"({"Table": {"Name": "orders", "DatabaseName": "pizza",
      "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "int"}, {"Name": "pizza", "Type": "string"},
                                        {"Name": "quantity", "Type": "int"}],
        "Location": "s3://lake/pizza/orders/",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                      "Parameters": {"field.delim": ","}}}}})");
    engine_ = open_engine();
    ASSERT_TRUE(engine_);
  }

  std::unique_ptr<QueryEngine> open_engine(int workers = 1) {
    engine::LocalWorkspace workspace;
    workspace.workers = workers;
    workspace.data_dir = data_dir();
    workspace.default_database = "pizza";
    workspace.default_output = kOutput;
    workspace.threads_per_query = 1;
    auto opened = engine::open_local_query_engine(workspace);
    EXPECT_TRUE(opened) << opened.get_failure().to_string();
    return opened ? std::move(opened).get_result() : nullptr;
  }

  // Runs for minutes unless stopped.
  static constexpr const char* kLongQuery =
      "WITH d(x) AS (VALUES 0, 1, 2, 3, 4, 5, 6, 7, 8, 9) SELECT count(*) FROM d a, d b, d c, d e, d f, d g, d h, d i, "
      "d j, d k, d l";
  Outcome<std::string> start_long_query() {
    athena::StartQueryExecutionRequest request;
    request.query_string = kLongQuery;
    return engine_->start(request);
  }

  std::string data_dir() const { return temp_.path() + "/data"; }
  std::string result_file(const std::string& id) const { return data_dir() + "/local-results/athena/" + id + ".csv"; }

  static spec::ResolvedQuery query(const std::string& sql) {
    spec::ResolvedQuery query;
    query.name = "pizza_totals";
    query.sql = sql;
    query.database = "pizza";
    query.output = kOutput;
    query.timeout = std::chrono::seconds(60);
    return query;
  }

  static RunOptions fast_polling() {
    RunOptions options;
    options.poll = PollPolicy{std::chrono::milliseconds(5), 1.5, std::chrono::milliseconds(100)};
    return options;
  }

  // Polls `engine` until the query ends (real time, at most 60 s).
  static athena::QueryExecution wait_until_done(QueryEngine& engine, const std::string& id) {
    for (int i = 0; i < 6000; ++i) {
      auto execution = engine.get(id);
      EXPECT_TRUE(execution) << execution.get_failure().to_string();
      if (!execution) return {};
      if (athena::is_terminal(execution->status.state)) return *execution;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << id << " did not finish";
    return {};
  }

  TempDir temp_;
  std::unique_ptr<QueryEngine> engine_;
};

const spec::Instant kSlot{std::chrono::seconds(1'714'622'400)};

TEST_F(LocalEngineRun, RunnerWritesTheResultWhereAthenaWould) {
  Runner runner(*engine_, Clock::system());
  auto summary = runner.run(query("SELECT pizza, sum(quantity) AS total FROM orders GROUP BY pizza ORDER BY pizza"),
                            kSlot, fast_polling());
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  ASSERT_EQ(summary->state, RunState::Succeeded) << summary->reason;
  const std::string& id = summary->query_execution_id;
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(summary->output_location, std::string(kOutput) + id + ".csv");
  // Athena's CSV: header, every value quoted; totals worked out from kOrdersCsv.
  EXPECT_EQ(read_file(result_file(id)), "\"pizza\",\"total\"\n\"diavola\",\"3\"\n\"margherita\",\"5\"\n");
  EXPECT_EQ(summary->data_scanned_bytes, static_cast<std::int64_t>(std::string(kOrdersCsv).size()));
  EXPECT_DOUBLE_EQ(summary->estimated_cost_usd, 10.0 * 1048576.0 / 1099511627776.0 * 5.0);
  ASSERT_TRUE(summary->execution.statistics);
  EXPECT_TRUE(summary->execution.statistics->engine_execution_time_in_millis);
  EXPECT_TRUE(summary->execution.statistics->query_planning_time_in_millis);
  EXPECT_TRUE(summary->execution.statistics->total_execution_time_in_millis);
  EXPECT_EQ(summary->execution.statement_type, "DML");

  std::string via;
  auto table = fetch_results(*engine_, summary->execution, 0, &via);
  ASSERT_TRUE(table) << table.get_failure().to_string();
  EXPECT_EQ(via, "csv");
  EXPECT_EQ(table->columns, (std::vector<std::string>{"pizza", "total"}));
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[1], (std::vector<std::optional<std::string>>{"margherita", "5"}));
}

// SHOW FUNCTIONS reaches the front end's registry, not the Hive DDL path other SHOW statements take.
TEST_F(LocalEngineRun, ShowFunctionsListsWhatRunsLocally) {
  Runner runner(*engine_, Clock::system());
  auto summary = runner.run(query("SHOW FUNCTIONS"), kSlot, fast_polling());
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  ASSERT_EQ(summary->state, RunState::Succeeded) << summary->reason;
  EXPECT_EQ(summary->execution.statement_type, "UTILITY");
  auto table = fetch_results(*engine_, summary->execution, 0, nullptr);
  ASSERT_TRUE(table) << table.get_failure().to_string();
  EXPECT_EQ(table->columns.at(0), "Function");
  bool row_number = false;
  for (const auto& row : table->rows) row_number = row_number || (row.at(0) == "row_number" && row.at(3) == "window");
  EXPECT_TRUE(row_number);
}

TEST_F(LocalEngineRun, TheRunnerLearnsOfTheEndWithoutWaitingForItsNextPoll) {
  Runner runner(*engine_, Clock::system());
  RunOptions options;
  options.poll = PollPolicy{std::chrono::seconds(30), 1.0, std::chrono::seconds(30)};  // a poll would come late
  const auto started = std::chrono::steady_clock::now();
  auto summary = runner.run(query("SELECT count(*) AS n FROM orders"), kSlot, options);
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  ASSERT_EQ(summary->state, RunState::Succeeded) << summary->reason;
  EXPECT_LT(waited, std::chrono::seconds(10));  // woken by the engine, not by the 30 s poll interval
  EXPECT_LE(summary->polls, 2);
}

TEST_F(LocalEngineRun, AnotherInstanceSeesTheRecordAndResults) {
  Runner runner(*engine_, Clock::system());
  auto summary = runner.run(query("SELECT id, pizza FROM orders WHERE id = 2"), kSlot, fast_polling());
  ASSERT_TRUE(summary && summary->succeeded()) << (summary ? summary->reason : summary.get_failure().to_string());
  auto other = open_engine();
  ASSERT_TRUE(other);
  auto seen = other->get(summary->query_execution_id);
  ASSERT_TRUE(seen) << seen.get_failure().to_string();
  EXPECT_EQ(seen->status.state, State::Succeeded);
  EXPECT_EQ(seen->query, "SELECT id, pizza FROM orders WHERE id = 2");
  EXPECT_EQ(seen->result_configuration->output_location, summary->output_location);
  auto results = other->results(summary->query_execution_id, 0);
  ASSERT_TRUE(results) << results.get_failure().to_string();
  ASSERT_EQ(results->columns.size(), 2u);
  EXPECT_EQ(results->columns[0].type, "integer");
  EXPECT_EQ(results->columns[1].type, "varchar");
  ASSERT_EQ(results->rows.size(), 1u);
  EXPECT_EQ(results->rows[0].data, (std::vector<std::optional<std::string>>{"2", "diavola"}));

  // The record is plain JSON in GetQueryExecution's shape, for any other tool (python's json here).
  const std::string record = data_dir() + "/.athena/executions/" + summary->query_execution_id + ".json";
  auto python = testing::run_process(
      {"python3", "-c", "import json,sys; print(json.load(open(sys.argv[1]))['QueryExecution']['Status']['State'])",
       record},
      "", {});
  EXPECT_EQ(python.exit_code, 0) << python.err;
  EXPECT_EQ(python.out, "SUCCEEDED\n");
}

TEST_F(LocalEngineRun, SameTokenSameRequestGivesTheSameId) {
  athena::StartQueryExecutionRequest request;
  request.query_string = "SELECT 1";
  request.client_request_token = std::string(64, 'a');
  auto first = engine_->start(request);
  ASSERT_TRUE(first) << first.get_failure().to_string();
  auto again = engine_->start(request);
  ASSERT_TRUE(again) << again.get_failure().to_string();
  EXPECT_EQ(*again, *first);
  // From another instance too (as a retried process would).
  auto other = open_engine();
  ASSERT_TRUE(other);
  auto from_other = other->start(request);
  ASSERT_TRUE(from_other);
  EXPECT_EQ(*from_other, *first);

  request.query_string = "SELECT 2";
  auto different = engine_->start(request);
  ASSERT_FALSE(different);
  EXPECT_EQ(different.get_failure().code, "InvalidRequestException");
  EXPECT_NE(different.get_failure().message.find("ClientRequestToken"), std::string::npos);
  wait_until_done(*engine_, *first);
}

TEST_F(LocalEngineRun, BadSqlFailsAsAUserErrorWithoutAResultFile) {
  Runner runner(*engine_, Clock::system());
  auto summary = runner.run(query("SELECT no_such_column FROM orders"), kSlot, fast_polling());
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  EXPECT_EQ(summary->state, RunState::Failed);
  EXPECT_EQ(summary->error_category, 2);
  EXPECT_EQ(summary->attempts, 1);
  EXPECT_NE(summary->reason.find("no_such_column"), std::string::npos) << summary->reason;
  EXPECT_FALSE(fs::exists(result_file(summary->query_execution_id)));
  auto missing_table = runner.run(query("SELECT * FROM no_such_table"), kSlot, fast_polling());
  ASSERT_TRUE(missing_table);
  EXPECT_EQ(missing_table->state, RunState::Failed);
  EXPECT_EQ(missing_table->error_category, 2);
  EXPECT_NE(missing_table->reason.find("no_such_table"), std::string::npos) << missing_table->reason;
}

TEST_F(LocalEngineRun, StopCancelsALongQuery) {
  auto id = start_long_query();
  ASSERT_TRUE(id) << id.get_failure().to_string();
  for (int i = 0; i < 500; ++i) {
    auto execution = engine_->get(*id);
    ASSERT_TRUE(execution);
    if (execution->status.state == State::Running) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(engine_->stop(*id));
  auto execution = wait_until_done(*engine_, *id);
  EXPECT_EQ(execution.status.state, State::Cancelled);
  EXPECT_FALSE(fs::exists(result_file(*id)));
}

TEST_F(LocalEngineRun, RunnerTimeoutStopsALongQuery) {
  Runner runner(*engine_, Clock::system());
  auto options = fast_polling();
  options.timeout = std::chrono::seconds(1);
  auto summary = runner.run(query(kLongQuery), kSlot, options);
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  EXPECT_TRUE(summary->timed_out);
  EXPECT_TRUE(summary->stopped);
  auto final_state = wait_until_done(*engine_, summary->query_execution_id);
  EXPECT_EQ(final_state.status.state, State::Cancelled);
}

TEST_F(LocalEngineRun, StopFromAnotherInstanceCancelsTheQuery) {
  auto id = start_long_query();
  ASSERT_TRUE(id);
  auto other = open_engine();
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->stop(*id));
  auto execution = wait_until_done(*other, *id);
  EXPECT_EQ(execution.status.state, State::Cancelled);
}

TEST_F(LocalEngineRun, AnotherInstanceSeesALongQueryRunning) {
  auto id = start_long_query();
  ASSERT_TRUE(id);
  auto other = open_engine();
  ASSERT_TRUE(other);
  // This process knows at once; the record says RUNNING once the query has run a while (about 50 ms).
  athena::QueryExecution seen;
  for (int i = 0; i < 500; ++i) {
    auto execution = other->get(*id);
    ASSERT_TRUE(execution) << execution.get_failure().to_string();
    seen = *execution;
    if (seen.status.state == State::Running) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(seen.status.state, State::Running);
  ASSERT_TRUE(engine_->stop(*id));
  EXPECT_EQ(wait_until_done(*other, *id).status.state, State::Cancelled);
}

TEST_F(LocalEngineRun, ThisProcessAnswersForItsOwnQueriesWithoutReadingTheirRecords) {
  Runner runner(*engine_, Clock::system());
  auto summary = runner.run(query("SELECT count(*) AS n FROM orders"), kSlot, fast_polling());
  ASSERT_TRUE(summary) << summary.get_failure().to_string();
  ASSERT_EQ(summary->state, RunState::Succeeded) << summary->reason;
  const std::string id = summary->query_execution_id;
  const std::string record = data_dir() + "/.athena/executions/" + id + ".json";
  ASSERT_TRUE(fs::exists(record));  // written for other processes
  fs::remove(record);
  auto own = engine_->get(id);
  ASSERT_TRUE(own) << own.get_failure().to_string();
  EXPECT_EQ(own->status.state, State::Succeeded);
  auto other = open_engine();
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->get(id));  // another process has only the record
}

TEST_F(LocalEngineRun, RecordOfAnExitedProcessReadsAsFailed) {
  pid_t child = 0;
  {
    testing::ChildProcess exited({"true"});
    child = exited.pid();
    ASSERT_TRUE(exited.wait_exit(std::chrono::seconds(10)));  // reaped: now a pid with no process
  }
  const std::string id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  temp_.write("data/.athena/executions/" + id + ".json",
              nlohmann::json{{"QueryExecution",
                              {{"QueryExecutionId", id},
                               {"Query", "SELECT 1"},
                               {"Status", {{"State", "RUNNING"}, {"SubmissionDateTime", 1714622400.0}}}}},
                             {"Local", {{"OwnerPid", child}}}}
                  .dump());
  auto execution = engine_->get(id);
  ASSERT_TRUE(execution) << execution.get_failure().to_string();
  EXPECT_EQ(execution->status.state, State::Failed);
  EXPECT_EQ(execution->status.state_change_reason, "the process running it exited");
}

TEST_F(LocalEngineRun, UnknownIdIsAnError) {
  auto missing = engine_->get("0f8fad5b-d9cb-469f-a165-70867728950f");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.get_failure().code, "InvalidRequestException");
  auto traversal = engine_->get("../../etc/passwd");
  ASSERT_FALSE(traversal);
}

TEST_F(LocalEngineRun, RunManyOnTheLocalEngineWithTwoWorkers) {
  auto two_workers = open_engine(2);
  ASSERT_TRUE(two_workers);
  Runner runner(*two_workers, Clock::system());
  std::vector<spec::RenderedQuery> queries;
  for (int i = 1; i <= 3; ++i) {
    auto rendered = spec::render_query(query("SELECT pizza FROM orders WHERE id = " + std::to_string(i)), kSlot);
    ASSERT_TRUE(rendered);
    queries.push_back(*rendered);
  }
  auto results = runner.run_many(queries, 2, fast_polling());
  ASSERT_EQ(results.size(), 3u);
  const std::vector<std::string> expected = {"margherita", "diavola", "margherita"};
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i]) << results[i].get_failure().to_string();
    ASSERT_TRUE(results[i]->succeeded()) << results[i]->reason;
    EXPECT_EQ(read_file(result_file(results[i]->query_execution_id)), "\"pizza\"\n\"" + expected[i] + "\"\n");
  }
}

}  // namespace
}  // namespace athena_runner::runner
