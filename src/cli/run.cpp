// `athena-runner list | render | run | backfill | status | results | stop`: the queries file, what would be
// sent, and running it on the selected engine.
#include <algorithm>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "athena_runner/aws/protocol/athena.hpp"
#include "athena_runner/runner/deliver.hpp"
#include "athena_runner/runner/runner.hpp"
#include "athena_runner/spec/queries_file.hpp"
#include "athena_runner/spec/render.hpp"
#include "athena_runner/spec/schedule.hpp"
#include "command_support.hpp"
#include "commands.hpp"
#include "engine_selection.hpp"

namespace athena_runner::cli {
namespace {

namespace athena = aws::athena;

struct QueriesOptions {
  std::string queries_file = "queries.yaml";
};

void add_queries_option(CLI::App& command, QueriesOptions& options) {
  command.add_option("-q,--queries", options.queries_file, "The queries file (docs/queries-file.md)")
      ->capture_default_str();
}

Outcome<spec::QueriesFile> load(std::string_view command, const QueriesOptions& options) {
  auto file = spec::load_queries_file(options.queries_file);
  if (!file) fail(command, file.get_failure(), kExitUsage);
  return file;
}

// The queries that run after any of `names` (after:, transitively), with defaults applied, in file order.
std::vector<spec::ResolvedQuery> dependents_of(const spec::QueriesFile& file, const std::vector<std::string>& names) {
  std::vector<std::string> found;
  std::vector<std::string> pending = names;
  while (!pending.empty()) {
    const std::string name = pending.back();
    pending.pop_back();
    for (const auto* query : file.dependents(name)) {
      if (std::find(found.begin(), found.end(), query->name) != found.end()) continue;
      found.push_back(query->name);
      pending.push_back(query->name);
    }
  }
  std::vector<spec::ResolvedQuery> out;
  for (const auto& query : file.queries)
    if (std::find(found.begin(), found.end(), query.name) != found.end())
      out.push_back(spec::resolve_query(query, file.defaults));
  return out;
}

// A run whose delivery failed: its query, slot and the failure (which names the destination); empty otherwise.
std::string delivery_failure_line(std::string_view command, const runner::RunSummary& run) {
  if (!run.delivery_failure) return {};
  return "athena-runner " + std::string(command) + ": " + run.name + " for " +
         spec::format_utc(run.rendered.scheduled_time) + ": " + run.delivery_failure->to_string();
}

// A backfill's lines under a run: each object delivered, and a failed delivery.
std::string delivery_lines(const runner::RunSummary& run) {
  std::string lines;
  for (const auto& delivery : run.deliveries)
    for (const auto& object : delivery.objects)
      lines += "\n  delivered: " + object + (delivery.kept ? " (kept: overwrite keep)" : "");
  if (run.delivery_failure) lines += "\n" + delivery_failure_line("backfill", run);
  return lines;
}

// Each run that succeeded is delivered to its query's deliver destinations as it ends (RunOptions::after_success,
// before its dependents start and before a backfill journals its slot), unless --no-deliver.
void deliver_unless(bool no_deliver, runner::RunOptions& run, runner::QueryEngine& engine,
                    runner::ObjectStore* objects) {
  if (no_deliver || objects == nullptr) return;
  run.after_success = runner::delivering(engine, *objects, Clock::system(), run.poll);
}

constexpr const char* kNoDeliverHelp =
    "Do not deliver the results to the queries' deliver: destinations (by default each run that succeeded is "
    "delivered as it ends, before its dependents start; a failed delivery fails that run)";

// --with-dependents: runs the dependents of `upstream` and prints each as `run` prints a query; false when one
// failed or was left unstarted by a failed upstream (each named on stderr).
template <class Print>
bool follow_dependents(std::string_view command, runner::Runner& runner, const std::vector<spec::ResolvedQuery>& graph,
                       const std::vector<runner::SlotOutcome>& upstream, int concurrency,
                       const runner::RunOptions& options, const Print& print) {
  auto report = runner::run_dependents(runner, graph, upstream, concurrency, options);
  for (const auto& run : report.runs) {
    if (run.query_execution_id.empty())
      std::cerr << "athena-runner " << command << ": " << run.name << " for "
                << spec::format_utc(run.rendered.scheduled_time) << " did not start: " << run.reason << "\n";
    print(run);
  }
  for (const auto& why : report.not_started)
    std::cerr << "athena-runner " << command << ": not started: " << why << "\n";
  return report.all_succeeded();
}

spec::Instant now_minute() { return std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now()); }

// The scheduled time of a manual run: --at, else the latest slot of the query's schedule at or before now
// (so running the same slot twice is recognised), else now to the minute.
Outcome<spec::Instant> scheduled_time_for(const spec::ResolvedQuery& query, const std::string& at, std::string* how) {
  if (!at.empty()) {
    auto instant = spec::parse_instant(at);
    if (!instant) return instant.get_failure();
    *how = "--at";
    return *instant;
  }
  auto now = now_minute();
  if (query.schedule) {
    auto schedule = spec::parse_schedule(*query.schedule);
    if (schedule && schedule->kind == spec::ScheduleKind::Cron) {
      for (auto window : {std::chrono::hours(24 * 8), std::chrono::hours(24 * 400)}) {
        auto times = spec::fire_times(*schedule, query.timezone, now - window, now + std::chrono::minutes(1));
        if (times && !times->empty()) {
          *how = "latest slot of " + *query.schedule + " in " + query.timezone;
          return times->back();
        }
      }
    }
  }
  *how = "now";
  return now;
}

// ---- list -------------------------------------------------------------------------------------------

int run_list(const QueriesOptions& options) {
  auto file = load("list", options);
  if (!file) return kExitUsage;
  auto now = now_minute();
  for (const auto& query : file->resolved_all()) {
    std::cout << query.name << (query.enabled ? "" : "  (disabled)") << "\n";
    if (query.description) std::cout << "  " << *query.description << "\n";
    if (query.schedule) {
      std::cout << "  schedule: " << *query.schedule << " (" << query.timezone << ")";
      auto schedule = spec::parse_schedule(*query.schedule);
      if (schedule) {
        auto next = spec::fire_times(*schedule, query.timezone, now, now + std::chrono::hours(24 * 400), 1);
        if (next && !next->empty()) std::cout << ", next " << spec::format_utc(next->front());
      }
      std::cout << "\n";
    }
    std::cout << "  database: " << query.catalog << "." << query.database << ", workgroup: " << query.workgroup
              << ", output: " << query.output.value_or("(the workgroup's)") << "\n";
    if (!query.tables.empty()) {
      std::cout << "  tables:";
      for (const auto& table : query.tables) std::cout << " " << table;
      std::cout << "\n";
    }
  }
  return kExitOk;
}

// ---- render -----------------------------------------------------------------------------------------

struct RenderOptions {
  QueriesOptions queries;
  std::string name;
  std::string at;
  int generation = 0;
  bool json = false;
};

// What `run` does after the query succeeded (runner::deliver, named as plan_deliveries names them), after a
// separating line. Nothing of it is sent by render.
void print_delivery_plan(const spec::RenderedQuery& rendered, std::ostream& out) {
  out << "\n---- delivery plan (after the query succeeded; skipped with --no-deliver) ----\n";
  if (rendered.deliver.empty()) {
    out << "none: the query has no deliver: destinations (its result stays at <output><QueryExecutionId>.csv)\n";
    return;
  }
  const std::string folder = rendered.output.value_or("<the workgroup's output location>/");
  const auto plan = runner::plan_deliveries(rendered, folder);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto& one = plan[i];
    const auto format = one.destination.format;
    out << i + 1 << ". " << one.destination.to << "\n"
        << "   format:    " << spec::to_string(format)
        << (format == spec::DeliveryFormat::Csv     ? " (the result's bytes, one CopyObject)"
            : format == spec::DeliveryFormat::CsvGz ? " (the result gzip-compressed, one PutObject)"
                                                    : " (through an UNLOAD, then a CopyObject per file it writes)")
        << "\n"
        << "   overwrite: " << spec::to_string(one.destination.overwrite)
        << (one.destination.overwrite == spec::OverwriteRule::Keep
                ? " (an existing object of another run, or not written by athena-runner, is left as it is)"
                : " (written over whatever is there)")
        << "\n"
        << "   " << (one.several ? "objects:   " : "object:    ") << one.first_object
        << (one.several ? ", then _00001, ... (one per file the UNLOAD writes)" : "") << "\n";
    if (!one.unload_sql.empty()) {
      out << "   UNLOAD (a second StartQueryExecution, same parameters, once the query succeeded):\n";
      std::istringstream lines(one.unload_sql);
      for (std::string line; std::getline(lines, line);) out << "     " << line << "\n";
    }
  }
}

int run_render(const RenderOptions& options) {
  auto file = load("render", options.queries);
  if (!file) return kExitUsage;
  auto query = file->resolved(options.name);
  if (!query) return fail("render", query.get_failure(), kExitUsage);
  std::string how;
  auto at = scheduled_time_for(*query, options.at, &how);
  if (!at) return fail("render", at.get_failure(), kExitUsage);
  auto rendered = spec::render_query(*query, *at, options.generation);
  if (!rendered) return fail("render", rendered.get_failure(), kExitUsage);
  auto request = runner::to_start_request(*rendered);
  // The bytes AthenaClient::start_query_execution sends: the client's own serializer.
  const std::string body = athena::protocol::serialize_start_query_execution(request);
  if (options.json) {
    std::cout << body << "\n";
    return kExitOk;
  }
  std::cout << "query:           " << rendered->name << "\n"
            << "scheduled time:  " << spec::format_utc(rendered->scheduled_time) << " (" << how << "; templates in "
            << rendered->time_zone << ")\n"
            << "token:           " << rendered->client_request_token << " (generation " << rendered->generation << ")\n"
            << "timeout:         " << rendered->timeout.count() << " s\n"
            << "StartQueryExecution request body (as sent):\n"
            << body << "\n";
  print_delivery_plan(*rendered, std::cout);
  return kExitOk;
}

// ---- run --------------------------------------------------------------------------------------------

struct RunCommandOptions {
  QueriesOptions queries;
  std::vector<std::string> names;
  bool all = false;
  std::string at;
  EngineOptions engine;
  std::string format;
  std::size_t max_rows = 100;
  bool no_wait = false;
  bool no_results = false;
  int concurrency = 4;
  int timeout_seconds = 0;
  bool leave_running = false;
  bool json_summary = false;
  bool with_dependents = false;
  bool no_deliver = false;
};

runner::RunOptions run_options(const RunCommandOptions& options) {
  runner::RunOptions run;
  run.wait = !options.no_wait;
  if (options.timeout_seconds > 0) run.timeout = std::chrono::seconds(options.timeout_seconds);
  run.on_give_up = options.leave_running ? runner::GiveUpAction::LeaveRunning : runner::GiveUpAction::Stop;
  run.interrupted = &interrupted();
  return run;
}

void print_outcome(runner::QueryEngine& engine, const runner::RunSummary& summary, const RunCommandOptions& options,
                   runner::OutputFormat format) {
  if (summary.succeeded() && !options.no_results) {
    auto printer = runner::make_result_printer(format, std::cout);
    auto streamed = runner::stream_results(engine, summary.execution, options.max_rows, *printer);
    if (streamed) {
      if (streamed->truncated)
        std::cerr << "(first " << options.max_rows << " rows shown; --max-rows N for more, 0 for all)\n";
    } else {
      std::cerr << "athena-runner run: results of " << summary.query_execution_id
                << " could not be read: " << streamed.get_failure().to_string() << "\n";
    }
  }
  if (options.json_summary) {
    std::cout << runner::summary_json(summary) << "\n";
  } else {
    std::cerr << "\n";
    runner::print_summary(summary, std::cerr);
  }
}

int run_run(const AwsOptions& aws, const RunCommandOptions& options) {
  auto file = load("run", options.queries);
  if (!file) return kExitUsage;
  if (options.all == !options.names.empty())
    return fail("run",
                make_error(ErrorKind::InvalidInput, "UsageError",
                           "name the queries to run, or pass --all for every enabled query (see "
                           "`athena-runner list -q " +
                               options.queries.queries_file + "`)"),
                kExitUsage);
  if (options.with_dependents && options.no_wait)
    return fail("run",
                make_error(ErrorKind::InvalidInput, "UsageError",
                           "--with-dependents waits for each query to succeed before its dependents start: drop "
                           "--no-wait"),
                kExitUsage);
  std::vector<spec::ResolvedQuery> queries;
  if (options.all) {
    // With --with-dependents a query with after runs after its upstream queries, not as one of --all.
    for (auto& query : file->resolved_all())
      if (query.enabled && !(options.with_dependents && !query.after.empty())) queries.push_back(std::move(query));
  } else {
    for (const auto& name : options.names) {
      auto query = file->resolved(name);
      if (!query) return fail("run", query.get_failure(), kExitUsage);
      queries.push_back(std::move(query).get_result());
    }
  }
  std::vector<spec::RenderedQuery> rendered;
  for (const auto& query : queries) {
    std::string how;
    auto at = scheduled_time_for(query, options.at, &how);
    if (!at) return fail("run", at.get_failure(), kExitUsage);
    auto one = spec::render_query(query, *at, 0);
    if (!one) return fail("run", one.get_failure(), kExitUsage);
    std::cerr << query.name << ": scheduled time " << spec::format_utc(*at) << " (" << how << ")\n";
    rendered.push_back(std::move(one).get_result());
  }

  int exit_code = kExitOk;
  std::unique_ptr<runner::ObjectStore> objects;
  auto engine = open_engine("run", aws, options.engine, &exit_code, &objects);
  if (!engine) return exit_code;
  if (options.no_wait && engine->name() == "local")
    return fail("run",
                make_error(ErrorKind::InvalidInput, "UsageError",
                           "--no-wait on the local engine would lose the queries: they run on threads of this "
                           "process, so they are cancelled when it exits, and a started query's deliveries happen "
                           "only when `run` waits for it. Drop --no-wait, or start one statement in the background "
                           "with `athena-runner query --no-wait`, or run `athena-runner serve` and use --engine "
                           "athena with AWS_ENDPOINT_URL"),
                kExitUsage);
  install_interrupt_handler();
  ProgressDisplay progress;
  progress.show_statistics_from(engine.get());
  runner::Runner runner(*engine, Clock::system(), progress.sink());
  auto run = run_options(options);
  if (engine->name() == "local") run.poll.initial = kLocalFirstPoll;
  deliver_unless(options.no_deliver, run, *engine, objects.get());

  std::vector<Outcome<runner::RunSummary>> outcomes;
  if (rendered.size() == 1) {
    outcomes.push_back(runner.run_rendered(rendered.front(), run));
  } else {
    outcomes = runner.run_many(rendered, options.concurrency, run);
  }
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i]) {
      fail("run", outcomes[i].get_failure(), kExitFailed);
      exit_code = kExitFailed;
      continue;
    }
    const auto& summary = *outcomes[i];
    if (summary.delivery_failure) fail("run", *summary.delivery_failure, kExitFailed);
    print_outcome(*engine, summary, options, parse_format(options.format, queries[i].result_format));
    bool ok = summary.done() || (options.no_wait && !summary.query_execution_id.empty() && !summary.timed_out);
    if (!ok) exit_code = kExitFailed;
  }
  if (options.with_dependents && !interrupted()) {
    std::vector<std::string> names;
    std::vector<runner::SlotOutcome> upstream;
    names.reserve(rendered.size());
    upstream.reserve(rendered.size());
    for (std::size_t i = 0; i < rendered.size(); ++i) {
      names.push_back(rendered[i].name);
      upstream.push_back({rendered[i].name, rendered[i].scheduled_time, outcomes[i] && outcomes[i]->done()});
    }
    auto graph = dependents_of(*file, names);
    auto print = [&](const runner::RunSummary& summary) {
      if (summary.delivery_failure) std::cerr << delivery_failure_line("run", summary) << "\n";
      const auto* query = file->find(summary.name);
      print_outcome(*engine, summary, options,
                    parse_format(options.format, query ? resolve_query(*query, file->defaults).result_format
                                                       : spec::ResultFormat::Csv));
    };
    if (!follow_dependents("run", runner, graph, upstream, options.concurrency, run, print)) exit_code = kExitFailed;
  }
  if (interrupted()) {
    std::cerr << "interrupted\n";
    return kExitInterrupted;
  }
  return exit_code;
}

// ---- backfill ---------------------------------------------------------------------------------------

struct BackfillCommandOptions {
  QueriesOptions queries;
  std::string name;
  std::string from;
  std::string to;
  int concurrency = 4;
  std::string journal;
  EngineOptions engine;
  int timeout_seconds = 0;
  bool with_dependents = false;
  bool no_deliver = false;
};

std::string journal_name(std::string text) {
  for (char& c : text)
    if (c == ':') c = '-';
  return text;
}

int run_backfill(const AwsOptions& aws, const BackfillCommandOptions& options) {
  auto file = load("backfill", options.queries);
  if (!file) return kExitUsage;
  auto query = file->resolved(options.name);
  if (!query) return fail("backfill", query.get_failure(), kExitUsage);
  if (!query->schedule)
    return fail("backfill",
                make_error(ErrorKind::InvalidInput, "NoSchedule",
                           "query '" + options.name + "' has no schedule, so it has no slots to backfill"),
                kExitUsage);
  auto from = spec::parse_instant(options.from);
  if (!from) return fail("backfill", from.get_failure(), kExitUsage);
  auto to = spec::parse_instant(options.to);
  if (!to) return fail("backfill", to.get_failure(), kExitUsage);
  if (*to <= *from)
    return fail(
        "backfill",
        make_error(ErrorKind::InvalidInput, "EmptyRange", "--to must be after --from (the range is [from, to))"),
        kExitUsage);

  int exit_code = kExitOk;
  std::unique_ptr<runner::ObjectStore> objects;
  auto engine = open_engine("backfill", aws, options.engine, &exit_code, &objects);
  if (!engine) return exit_code;
  install_interrupt_handler();
  ProgressDisplay progress(ProgressDisplay::style_for_stderr(), /*announce_each=*/false);
  progress.show_statistics_from(engine.get());
  // Each line names its slot and where it is in the range: "daily_revenue 2024-03-02T00:00:00Z (slot 2 of 7)".
  std::map<spec::Instant, std::size_t> slot_numbers;
  if (auto schedule = spec::parse_schedule(*query->schedule)) {
    if (auto slots = spec::fire_times(*schedule, query->timezone, *from, *to)) {
      for (std::size_t i = 0; i < slots->size(); ++i) slot_numbers.emplace((*slots)[i], i + 1);
    }
  }
  progress.label_with([&slot_numbers, name = query->name](const runner::RunSummary& summary) {
    const auto slot = summary.rendered.scheduled_time;
    std::string label = summary.name + " " + spec::format_utc(slot);
    if (auto found = slot_numbers.find(slot); found != slot_numbers.end() && summary.name == name)
      label += " (slot " + std::to_string(found->second) + " of " + std::to_string(slot_numbers.size()) + ")";
    return label;
  });
  runner::Runner runner(*engine, Clock::system(), progress.sink());
  runner::BackfillOptions backfill;
  backfill.from = *from;
  backfill.to = *to;
  backfill.concurrency = options.concurrency;
  backfill.journal_path = !options.journal.empty()
                              ? options.journal
                              : ".athena-runner/backfill/" +
                                    journal_name(options.name + "_" + spec::format_utc(*from) + "_" +
                                                 spec::format_utc(*to) + "_" + std::string(engine->name()) + ".json");
  backfill.run.interrupted = &interrupted();
  if (engine->name() == "local") backfill.run.poll.initial = kLocalFirstPoll;
  if (options.timeout_seconds > 0) backfill.run.timeout = std::chrono::seconds(options.timeout_seconds);
  deliver_unless(options.no_deliver, backfill.run, *engine, objects.get());
  backfill.on_progress = [&progress](std::size_t done, std::size_t total, const runner::RunSummary& last) {
    std::ostringstream line;
    line << "[" << done << "/" << total << "] " << spec::format_utc(last.rendered.scheduled_time) << " " << last.state
         << " " << last.query_execution_id << (last.reason.empty() || last.succeeded() ? "" : " — " + last.reason);
    line << delivery_lines(last);
    progress.print_line(line.str());
  };
  std::cerr << "journal: " << backfill.journal_path << " (slots that succeeded are skipped when run again)\n";
  auto report = runner::backfill(runner, *query, backfill);
  if (!report) return fail("backfill", report.get_failure(), kExitFailed);
  std::cout << "slots: " << report->total << ", skipped (already succeeded): " << report->skipped
            << ", succeeded: " << report->succeeded << ", failed: " << report->failed << "\n";
  double cost = 0;
  for (const auto& run : report->runs) cost += run.estimated_cost_usd;
  bool dependents_ok = true;
  if (options.with_dependents && !interrupted()) {
    // Every slot that succeeded, now or before (a dependent that succeeded before gets the same execution back
    // from its token).
    std::vector<runner::SlotOutcome> upstream;
    upstream.reserve(report->skipped_slots.size() + report->runs.size());
    for (auto slot : report->skipped_slots) upstream.push_back({query->name, slot, true});
    for (const auto& run : report->runs) upstream.push_back({query->name, run.rendered.scheduled_time, run.done()});
    std::size_t ran = 0, succeeded = 0;
    auto print = [&](const runner::RunSummary& run) {
      ++ran;
      if (run.done()) ++succeeded;
      cost += run.estimated_cost_usd;
      std::ostringstream line;
      line << run.name << " " << spec::format_utc(run.rendered.scheduled_time) << " " << run.state << " "
           << run.query_execution_id << (run.reason.empty() || run.succeeded() ? "" : " — " + run.reason)
           << delivery_lines(run);
      progress.print_line(line.str());
    };
    auto graph = dependents_of(*file, {query->name});
    dependents_ok = follow_dependents("backfill", runner, graph, upstream, options.concurrency, backfill.run, print);
    std::cout << "dependents: " << ran << " run, succeeded: " << succeeded << ", failed: " << ran - succeeded << "\n";
  }
  std::cout << "estimated cost of this run: USD " << cost << "\n";
  if (interrupted()) return kExitInterrupted;
  return dependents_ok && report->failed == 0 && report->succeeded + report->skipped == report->total ? kExitOk
                                                                                                      : kExitFailed;
}

// ---- status / results / stop --------------------------------------------------------------------------

struct ExecutionOptions {
  std::string id;
  EngineOptions engine;
  std::string format = "table";
  std::size_t max_rows = 100;
  bool json = false;
};

int run_status(const AwsOptions& aws, const ExecutionOptions& options) {
  int exit_code = kExitOk;
  auto engine = open_engine("status", aws, options.engine, &exit_code);
  if (!engine) return exit_code;
  auto execution = engine->get(options.id);
  if (!execution) return fail("status", execution.get_failure(), kExitFailed);
  auto summary = runner::summary_of(*execution);
  if (options.json) {
    std::cout << runner::summary_json(summary) << "\n";
  } else {
    runner::print_summary(summary, std::cout);
  }
  return summary.state == runner::RunState::Failed || summary.state == runner::RunState::Cancelled ? kExitFailed
                                                                                                   : kExitOk;
}

int run_results(const AwsOptions& aws, const ExecutionOptions& options) {
  int exit_code = kExitOk;
  auto engine = open_engine("results", aws, options.engine, &exit_code);
  if (!engine) return exit_code;
  auto execution = engine->get(options.id);
  if (!execution) return fail("results", execution.get_failure(), kExitFailed);
  if (execution->status.state != athena::QueryExecutionState::Succeeded)
    return fail("results",
                make_error(ErrorKind::InvalidInput, "NoResults",
                           "query " + options.id + " is " + std::string(athena::to_string(execution->status.state)) +
                               ": only a SUCCEEDED query has results (see `athena-runner status " + options.id + "`)"),
                kExitFailed);
  auto printer = runner::make_result_printer(parse_format(options.format, spec::ResultFormat::Table), std::cout);
  auto streamed = runner::stream_results(*engine, *execution, options.max_rows, *printer);
  if (!streamed) return fail("results", streamed.get_failure(), kExitFailed);
  if (streamed->truncated) std::cerr << "(first " << options.max_rows << " rows shown; --max-rows 0 for all)\n";
  std::cerr << "(read " << streamed->via << ")\n";
  return kExitOk;
}

int run_stop(const AwsOptions& aws, const ExecutionOptions& options) {
  int exit_code = kExitOk;
  auto engine = open_engine("stop", aws, options.engine, &exit_code);
  if (!engine) return exit_code;
  auto stopped = engine->stop(options.id);
  if (!stopped) return fail("stop", stopped.get_failure(), kExitFailed);
  std::cout << "stop requested for " << options.id << "\n";
  return kExitOk;
}

void add_execution_command(CLI::App& app, std::map<const CLI::App*, CommandRunner>& runners, const AwsOptions& aws,
                           const char* name, const char* description,
                           int (*run)(const AwsOptions&, const ExecutionOptions&), bool with_output) {
  auto options = std::make_shared<ExecutionOptions>();
  auto* command = app.add_subcommand(name, description);
  command->add_option("id", options->id, "QueryExecutionId")->required();
  add_engine_options(*command, options->engine);
  if (with_output) {
    command->add_option("--format", options->format, "Output: table, csv, json (JSON lines) or tsv")
        ->check(CLI::IsMember({"table", "csv", "json", "tsv"}))
        ->capture_default_str();
    command->add_option("--max-rows", options->max_rows, "Rows to print (0: all)")->capture_default_str();
  } else if (std::string_view(name) == "status") {
    command->add_flag("--json", options->json, "Print the summary as one JSON object");
  }
  runners[command] = [&aws, options, run] { return run(aws, *options); };
}

}  // namespace

void add_run_commands(CLI::App& app, std::map<const CLI::App*, CommandRunner>& runners, const AwsOptions& aws) {
  {
    auto options = std::make_shared<QueriesOptions>();
    auto* command = app.add_subcommand("list", "List the queries of a queries file: schedule, next run, tables.");
    add_queries_option(*command, *options);
    runners[command] = [options] { return run_list(*options); };
  }
  {
    auto options = std::make_shared<RenderOptions>();
    auto* command = app.add_subcommand(
        "render",
        "Show exactly what would be sent to Athena for one run of a query: the rendered SQL, the execution "
        "parameters, the idempotency token and the StartQueryExecution request, then the delivery plan (each "
        "deliver: destination rendered for the slot, its format, overwrite rule and objects). Sends nothing.");
    add_queries_option(*command, options->queries);
    command->add_option("name", options->name, "Query name")->required();
    command->add_option("--at", options->at,
                        "Scheduled time, ISO 8601 (e.g. 2024-05-02T06:00:00+02:00; default: the latest slot of "
                        "the query's schedule, else now)");
    command->add_option("--generation", options->generation, "Token generation (bumped on resubmission)")
        ->capture_default_str();
    command->add_flag("--json", options->json, "Print only the StartQueryExecution request JSON");
    runners[command] = [options] { return run_render(*options); };
  }
  {
    auto options = std::make_shared<RunCommandOptions>();
    auto* command = app.add_subcommand(
        "run",
        "Run queries of a queries file now, for one scheduled time: start, wait (polling, with timeout), deliver "
        "to the query's deliver: destinations, print the results and a summary. Running the same slot again returns "
        "the same execution (idempotency token). "
        "Ctrl-C stops the running queries.");
    add_queries_option(*command, options->queries);
    command->add_option("names", options->names, "Query names");
    command->add_flag("--all", options->all, "Run every enabled query");
    command->add_option("--at", options->at,
                        "Scheduled time, ISO 8601 (default: the latest slot of each query's schedule, else now)");
    add_engine_options(*command, options->engine);
    command
        ->add_option("--format", options->format,
                     "Result output: table, csv, json (JSON lines) or tsv (default: the query's result_format)")
        ->check(CLI::IsMember({"table", "csv", "json", "tsv"}));
    command->add_option("--max-rows", options->max_rows, "Result rows to print (0: all)")->capture_default_str();
    command->add_flag("--no-results", options->no_results, "Print only the summary");
    command->add_flag("--no-wait", options->no_wait, "Return right after the start (prints the execution id)");
    command
        ->add_option("--timeout", options->timeout_seconds,
                     "Give up after this many seconds (default: the query's timeout); the query is stopped")
        ->check(CLI::PositiveNumber);
    command->add_flag("--leave-running", options->leave_running,
                      "On timeout or Ctrl-C, leave the query running instead of stopping it");
    command->add_option("--concurrency", options->concurrency, "Queries in flight at once (several queries)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    command->add_flag("--json-summary", options->json_summary, "Print the summary as one JSON object on stdout");
    command->add_flag("--with-dependents", options->with_dependents,
                      "Then run the queries that run after these (after:, transitively), each for the same scheduled "
                      "time with its own token once all its upstream queries succeeded; a failed upstream leaves its "
                      "dependents unstarted (exit 1)");
    command->add_flag("--no-deliver", options->no_deliver, kNoDeliverHelp);
    runners[command] = [&aws, options] { return run_run(aws, *options); };
  }
  {
    auto options = std::make_shared<BackfillCommandOptions>();
    auto* command = app.add_subcommand(
        "backfill",
        "Run a query once per slot of its schedule in [--from, --to), each slot with its own token, a few at a "
        "time, with progress; each slot that succeeded is delivered to the query's deliver: destinations as it "
        "ends. Resumable: slots that already succeeded and were delivered (recorded in a journal) are skipped; a "
        "slot whose delivery failed is not journaled, so running the backfill again delivers it.");
    add_queries_option(*command, options->queries);
    command->add_option("name", options->name, "Query name")->required();
    command->add_option("--from", options->from, "First instant of the range, ISO 8601 (inclusive)")->required();
    command->add_option("--to", options->to, "End of the range, ISO 8601 (exclusive)")->required();
    command->add_option("--concurrency", options->concurrency, "Slots in flight at once")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    command->add_option("--journal", options->journal,
                        "Journal file (default: .athena-runner/backfill/<query>_<from>_<to>_<engine>.json)");
    command->add_option("--timeout", options->timeout_seconds, "Per-slot timeout in seconds")
        ->check(CLI::PositiveNumber);
    command->add_flag("--with-dependents", options->with_dependents,
                      "Then, for each slot that succeeded (now or before), run the queries that run after this one "
                      "(after:, transitively) for that slot, each once all its upstream queries succeeded; a failed "
                      "slot leaves its dependents unstarted (exit 1)");
    command->add_flag("--no-deliver", options->no_deliver, kNoDeliverHelp);
    add_engine_options(*command, options->engine);
    runners[command] = [&aws, options] { return run_backfill(aws, *options); };
  }
  add_execution_command(app, runners, aws, "status", "Show a query execution's state and statistics.", run_status,
                        false);
  add_execution_command(app, runners, aws, "results", "Print a succeeded query execution's results.", run_results,
                        true);
  add_execution_command(app, runners, aws, "stop", "Stop a running query execution (StopQueryExecution).", run_stop,
                        false);
}

}  // namespace athena_runner::cli
