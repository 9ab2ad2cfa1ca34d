// The runner's local engine vs raw DuckDB on the pizza sample, same SQL, same files, one run.
//
// A: engine::open_local_query_engine + runner::Runner: render, token, start, the worker thread runs the
//    query on DuckDB (catalog views, dialect translation, rendering values), result CSV and execution
//    records written atomically, the runner woken by the engine when the query ends.
// B: DuckDB's C API: views written by hand (a glob) over the same files, the same SQL with the parameters
//    in place, the result materialised (duckdb_query).
// Also LocalEngine::execute alone, and B over the local engine's own views (the floor: what is left
// above it is the engine's and the runner's own work).
// Prints the median of each query each way and the ratio A / B (target: within 5%), plus one query's
// end-to-end time (run + fetch the result). Not a test: it reports, it does not pass or fail.
//
//   runner_overhead [--sample DIR] [--repetitions N]
// Without --sample it generates the default sample (generate-sample) into $TMPDIR/athena-runner-bench-sample
// (kept; a second run finds it already there).
#include <duckdb.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "athena_runner/engine/local_engine.hpp"
#include "athena_runner/engine/local_query_engine.hpp"
#include "athena_runner/runner/runner.hpp"
#include "athena_runner/spec/queries_file.hpp"
#include "athena_runner/spec/render.hpp"
#include "catalog.hpp"  // the local engine's views, for the fourth measurement
#include "support/process.hpp"

namespace fs = std::filesystem;
namespace ar = athena_runner;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kQueriesFile[] = AR_SOURCE_DIR "/examples/queries.yaml";
constexpr char kGenerator[] = AR_GENERATE_SAMPLE;
constexpr int kDefaultRepetitions = 7;

struct BenchQuery {
  const char* name;
  const char* scheduled_time;  // inside the default sample (2024)
};
constexpr BenchQuery kQueries[] = {
    {"daily_revenue", "2024-03-02T05:00:00Z"},       {"weekly_top_pizzas", "2024-03-11T06:30:00Z"},
    {"hourly_order_volume", "2024-03-01T12:05:00Z"}, {"category_share_monthly", "2024-03-01T05:00:00Z"},
    {"pizza_menu", "2024-03-01T05:00:00Z"},
};

[[noreturn]] void die(const std::string& message) {
  std::cerr << "runner_overhead: " << message << "\n";
  std::exit(1);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Athena's '?' parameters are literal SQL text: put them in place (the example queries have no '?' elsewhere).
std::string with_parameters(const std::string& sql, const std::vector<std::string>& parameters) {
  std::string out;
  std::size_t next = 0;
  for (const char c : sql) {
    if (c == '?' && next < parameters.size()) {
      out += parameters[next++];
    } else {
      out += c;
    }
  }
  return out;
}

class RawDuckDb {
 public:
  // Views as one would write them by hand: a glob with hive_partitioning, CSVs with declared types.
  explicit RawDuckDb(const fs::path& lake) {
    open();
    const std::string root = (lake / "example-data-lake/pizza").string();
    run("CREATE VIEW order_details AS SELECT * FROM read_parquet('" + root +
        "/order_details/*/*.parquet', hive_partitioning = true)");
    run("CREATE VIEW pizzas AS SELECT * FROM read_csv('" + root +
        "/pizzas/pizzas.csv', header = true, columns = {'pizza_id': 'VARCHAR', 'pizza_type_id': 'VARCHAR', "
        "'size': 'VARCHAR', 'price': 'DECIMAL(5,2)'})");
    run("CREATE VIEW pizza_types AS SELECT * FROM read_csv('" + root +
        "/pizza_types/pizza_types.csv', header = true, quote = '\"', columns = {'pizza_type_id': 'VARCHAR', "
        "'name': 'VARCHAR', 'category': 'VARCHAR', 'ingredients': 'VARCHAR'})");
  }
  // The local engine's own views over the same catalog (the file list, casts and SerDe options it uses).
  RawDuckDb(const fs::path& lake, const std::string& database) {
    open();
    auto tables = ar::engine::local::load_catalog((lake / ".glue").string(), lake.string());
    if (!tables) die(tables.get_failure().to_string());
    run("CREATE SCHEMA " + database);
    run("SET search_path = '" + database + ",main'");
    for (const auto& table : *tables) {
      auto files = ar::engine::local::list_table_files(table, [](const std::string&) {});
      if (!files) die(files.get_failure().to_string());
      auto view = ar::engine::local::view_sql(table, *files);
      if (!view) die(view.get_failure().to_string());
      run(*view);
    }
  }
  ~RawDuckDb() {
    duckdb_disconnect(&connection_);
    duckdb_close(&database_);
  }
  RawDuckDb(const RawDuckDb&) = delete;
  RawDuckDb& operator=(const RawDuckDb&) = delete;

  // Returns the row count.
  idx_t run(const std::string& sql) {
    duckdb_result result;
    if (duckdb_query(connection_, sql.c_str(), &result) != DuckDBSuccess) {
      const std::string error = duckdb_result_error(&result);
      duckdb_destroy_result(&result);
      die("DuckDB: " + error + "\n" + sql);
    }
    const idx_t rows = duckdb_row_count(&result);
    duckdb_destroy_result(&result);
    return rows;
  }

 private:
  void open() {
    if (duckdb_open(nullptr, &database_) != DuckDBSuccess || duckdb_connect(database_, &connection_) != DuckDBSuccess) {
      die("could not open DuckDB");
    }
  }
  duckdb_database database_ = nullptr;
  duckdb_connection connection_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  fs::path sample = fs::temp_directory_path() / "athena-runner-bench-sample";
  bool generate = true;
  int repetitions = kDefaultRepetitions;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--sample" && i + 1 < argc) {
      sample = argv[++i];
      generate = false;
    } else if (argument == "--repetitions" && i + 1 < argc) {
      repetitions = std::max(1, std::atoi(argv[++i]));
    } else {
      die("usage: runner_overhead [--sample DIR] [--repetitions N]");
    }
  }
  if (generate) {
    const auto generated = ar::testing::run_process({kGenerator, "--out", sample.string()});
    if (generated.exit_code != 0) die("generate-sample failed: " + generated.err);
    std::cout << generated.out;
  }

  auto file = ar::spec::load_queries_file(kQueriesFile);
  if (!file) die(file.get_failure().to_string());

  ar::engine::LocalWorkspace workspace;
  workspace.data_dir = sample.string();
  workspace.default_database = "pizza";
  auto opened = ar::engine::open_local_query_engine(workspace);
  if (!opened) die(opened.get_failure().to_string());
  ar::runner::QueryEngine& local = *opened.get_result();
  ar::runner::Runner runner(local, ar::Clock::system());
  // As `athena-runner run --local` polls: the local engine tells the runner when its query finished.
  ar::runner::RunOptions options;
  options.poll.initial = std::chrono::milliseconds(20);
  RawDuckDb raw(sample);
  RawDuckDb raw_engine_views(sample, "pizza");
  // The engine layer alone (no runner, records, result file or polling), to show where the time goes.
  ar::engine::LocalEngineConfig engine_config;
  engine_config.data_root = sample.string();
  engine_config.catalog_dir = (sample / ".glue").string();
  engine_config.default_database = "pizza";
  auto engine_only = ar::engine::LocalEngine::open(engine_config);
  if (!engine_only) die(engine_only.get_failure().to_string());
  auto run_engine = [&](const ar::spec::RenderedQuery& rendered) {
    ar::engine::QueryContext context;
    context.execution_parameters = rendered.execution_parameters;
    auto result = engine_only.get_result()->execute(rendered.sql, context);
    if (!result) die(result.get_failure().to_string());
    return static_cast<double>(result->planning_time.count());
  };

  // Tokens are kept in the data directory across runs: start each run at a fresh generation.
  int generation = static_cast<int>(std::random_device{}() % 1'000'000'000);
  auto run_local = [&](const ar::spec::ResolvedQuery& query, ar::spec::Instant at) {
    auto rendered = ar::spec::render_query(query, at, ++generation);  // a new token: a new execution
    if (!rendered) die(rendered.get_failure().to_string());
    rendered->result_reuse.reset();  // measure the query, not Athena's result reuse
    auto summary = runner.run_rendered(*rendered, options);
    if (!summary) die(summary.get_failure().to_string());
    if (!summary->succeeded())
      die(std::string(query.name) + ": " + std::string(to_string(summary->state)) + " " + summary->reason);
    return *summary;
  };

  std::printf("%-24s %8s %12s %9s %11s %7s %13s %7s\n", "query (median ms)", "runner", "LocalEngine", "planning",
              "raw DuckDB", "ratio", "raw, engine's", "ratio");
  std::printf("%-24s %8s %12s %9s %11s %7s %13s %7s\n", "", "", "", "", "", "", "views", "");
  double total_local = 0, total_engine = 0, total_raw = 0, total_raw_views = 0;
  for (const auto& bench : kQueries) {
    auto query = file->resolved(bench.name);
    if (!query) die(query.get_failure().to_string());
    auto at = ar::spec::parse_instant(bench.scheduled_time);
    if (!at) die(at.get_failure().to_string());
    auto rendered = ar::spec::render_query(*query, *at);
    if (!rendered) die(rendered.get_failure().to_string());
    const std::string raw_sql = with_parameters(rendered->sql, rendered->execution_parameters);

    run_local(*query, *at);  // warm-up: file system cache, DuckDB's first-use costs
    raw.run(raw_sql);
    raw_engine_views.run(raw_sql);
    run_engine(*rendered);
    std::vector<double> local_ms, engine_ms, planning_ms, raw_ms, raw_views_ms;
    for (int repetition = 0; repetition < repetitions; ++repetition) {  // interleaved: same machine load
      auto start = Clock::now();
      run_local(*query, *at);
      local_ms.push_back(ms_since(start));
      start = Clock::now();
      planning_ms.push_back(run_engine(*rendered));
      engine_ms.push_back(ms_since(start));
      start = Clock::now();
      raw.run(raw_sql);
      raw_ms.push_back(ms_since(start));
      start = Clock::now();
      raw_engine_views.run(raw_sql);
      raw_views_ms.push_back(ms_since(start));
    }
    const double local_median = median(local_ms), engine_median = median(engine_ms), raw_median = median(raw_ms),
                 raw_views_median = median(raw_views_ms);
    total_local += local_median;
    total_engine += engine_median;
    total_raw += raw_median;
    total_raw_views += raw_views_median;
    std::printf("%-24s %8.2f %12.2f %9.0f %11.2f %7.3f %13.2f %7.3f\n", bench.name, local_median, engine_median,
                median(planning_ms), raw_median, local_median / raw_median, raw_views_median,
                local_median / raw_views_median);
  }
  std::printf("%-24s %8.2f %12.2f %9s %11.2f %7.3f %13.2f %7.3f\n", "all", total_local, total_engine, "", total_raw,
              total_local / total_raw, total_raw_views, total_local / total_raw_views);
  std::printf("(ratio: runner / raw DuckDB; target: within 1.05)\n");

  // End to end, as `athena-runner run daily_revenue --local` does it in-process: run, then read the result.
  auto query = file->resolved("daily_revenue");
  auto at = ar::spec::parse_instant("2024-03-02T05:00:00Z");
  const auto start = Clock::now();
  const auto summary = run_local(*query, *at);
  auto table = ar::runner::fetch_results(local, summary.execution, 0);
  const double end_to_end = ms_since(start);
  if (!table) die(table.get_failure().to_string());
  std::printf("daily_revenue end to end (run + fetch %zu row): %.2f ms\n", table->rows.size(), end_to_end);
  return 0;
}
