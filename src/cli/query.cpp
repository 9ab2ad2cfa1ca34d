// `athena-runner query`: one ad-hoc statement (an argument, -f FILE or standard input) on the selected engine,
// as `aws athena start-query-execution --query-string` and the Trino CLI's --execute do: start, wait with
// progress, stream the result rows into the chosen format, exit codes as `run`'s.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "athena_runner/base/files.hpp"
#include "athena_runner/base/random.hpp"
#include "athena_runner/base/text.hpp"
#include "athena_runner/runner/runner.hpp"
#include "command_support.hpp"
#include "commands.hpp"
#include "engine_selection.hpp"
#include "query.hpp"
#include "statements.hpp"

namespace athena_runner::cli {
namespace {

namespace fs = std::filesystem;
namespace athena = aws::athena;

constexpr std::string_view kCommand = "query";
// Athena's QueryString limit (botocore: StartQueryExecutionInput.QueryString, max 262144).
constexpr std::size_t kMaxQueryStringBytes = 262144;

}  // namespace

Error usage(std::string code, std::string message) {
  return make_error(ErrorKind::InvalidInput, std::move(code), std::move(message));
}

namespace {

// The statement text from the argument, -f FILE or standard input (in that order; only one of them).
Outcome<std::string> statement_text(const QueryCommandOptions& options) {
  if (!options.statement.empty() && !options.file.empty())
    return usage("UsageError", "give the statement as an argument or with -f FILE, not both");
  if (!options.statement.empty()) return options.statement;
  if (!options.file.empty()) {
    std::ifstream in(options.file, std::ios::binary);
    if (!in) return usage("UsageError", "cannot read the statement file " + options.file);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (::isatty(STDIN_FILENO) != 0)
    return usage("NoStatement",
                 "no statement: pass one as an argument (athena-runner query \"SELECT 1\"), with -f FILE, or on "
                 "standard input");
  std::ostringstream in;
  in << std::cin.rdbuf();
  return in.str();
}

}  // namespace

// Exactly one statement, with as many --param values as it has `?` placeholders, each a literal.
Outcome<std::string> checked_statement(const std::string& text, const std::vector<std::string>& params) {
  auto scan = scan_statements(text);
  if (!scan.unterminated.empty())
    return usage("UnterminatedStatement", "the statement ends inside " + scan.unterminated + ": close it");
  if (scan.statements.empty())
    return usage("NoStatement", "no statement: the text holds only whitespace, comments or `;`");
  if (scan.statements.size() > 1)
    return usage("MultipleStatements", "found " + std::to_string(scan.statements.size()) +
                                           " statements; query runs exactly one (Athena takes one per "
                                           "StartQueryExecution): run them one at a time");
  auto statement = scan.statements.front();
  if (statement.text.size() > kMaxQueryStringBytes)
    return usage("StatementTooLong", "the statement has " + std::to_string(statement.text.size()) +
                                         " bytes; Athena takes at most " + std::to_string(kMaxQueryStringBytes));
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& param = params[i];
    auto value = scan_statements(param);
    std::string why;
    if (text::trim(param).empty()) {
      why = "it is empty";
    } else if (!value.unterminated.empty()) {
      why = "it ends inside " + value.unterminated;
    } else if (value.statements.size() != 1 || value.ends_with_semicolon) {
      why = "it holds a `;`";
    } else if (value.statements.front().placeholders != 0) {
      why = "it holds a `?`";
    }
    if (!why.empty()) {
      std::string message = "--param " + std::to_string(i + 1) + " (" + param + ") is not a SQL literal: ";
      message += why;
      message += "; write values as SQL literals, e.g. --param 42 --param \"'text'\" --param \"DATE '2024-01-31'\"";
      return usage("InvalidParameter", std::move(message));
    }
  }
  if (statement.placeholders != params.size())
    return usage("ParameterCount", "the statement has " + std::to_string(statement.placeholders) + " `?` placeholder" +
                                       (statement.placeholders == 1 ? "" : "s") + " but " +
                                       std::to_string(params.size()) + " --param value" +
                                       (params.size() == 1 ? " was" : "s were") + " given: give one per `?`");
  return statement.text;
}

namespace {

// --output's folder must exist before the query runs, so a typo costs no query.
Status check_output_file(const std::string& path) {
  if (path.empty()) return Ok{};
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code error;
  if (!fs::is_directory(folder, error))
    return usage("UsageError", "--output " + path + ": the folder " + folder.string() + " does not exist");
  if (fs::is_directory(target, error)) return usage("UsageError", "--output " + path + " is a folder: name a file");
  return Ok{};
}

// Athena (Trino) says SCHEMA_NOT_FOUND; the local engine "database '<name>' does not exist".
bool is_unknown_database(const runner::RunSummary& summary, const std::string& database) {
  const std::string reason = text::lower(summary.reason);
  if (reason.find("schema_not_found") != std::string::npos) return true;
  return !database.empty() &&
         reason.find("database '" + text::lower(database) + "' does not exist") != std::string::npos;
}

// The line after the rows: state, time, data scanned, cost, id (stderr, so stdout holds only the rows).
void print_footer(const runner::RunSummary& summary, std::ostream& out) {
  std::ostringstream cost;
  cost.setf(std::ios::fixed);
  cost.precision(6);
  cost << summary.estimated_cost_usd;
  out << summary.state << " in " << seconds_text(summary.wall_time) << ", data scanned "
      << bytes_text(summary.data_scanned_bytes) << ", estimated cost USD " << cost.str() << ", id "
      << summary.query_execution_id << "\n";
}

// --output: the result CSV exactly as the engine wrote it, published atomically.
int write_output_file(runner::QueryEngine& engine, const runner::RunSummary& summary, const std::string& path) {
  auto writer = files::AtomicFileWriter::open(path, {.durable = true, .create_parents = false});
  if (!writer) return fail(kCommand, writer.get_failure(), kExitFailed);
  std::optional<Error> write_error;
  auto streamed = engine.stream_result_csv(summary.execution, 0, [&](std::string_view chunk) {
    auto written = writer->write(chunk);
    if (!written) write_error = written.get_failure();
    return static_cast<bool>(written);
  });
  if (write_error) return fail(kCommand, *write_error, kExitFailed);
  if (!streamed) {
    auto error = streamed.get_failure();
    error.message = "--output needs the result file of " + summary.query_execution_id + ", which cannot be read (" +
                    error.message + "); " + path +
                    " was not written. Without --output the rows are printed from GetQueryResults";
    return fail(kCommand, error, kExitFailed);
  }
  auto committed = writer->commit();
  if (!committed) return fail(kCommand, committed.get_failure(), kExitFailed);
  std::cerr << "wrote " << writer->bytes_written() << " bytes to " << path << " (the result file of "
            << summary.query_execution_id << ")\n";
  return kExitOk;
}

// The background process's end of its caller: once the id is printed, stdout and stderr go to /dev/null, so
// the caller (and a pipe it is read through) is not kept waiting and the query outlives it.
void leave_caller() {
  std::cout.flush();
  std::cerr.flush();
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  ::dup2(null, STDOUT_FILENO);
  ::dup2(null, STDERR_FILENO);
  ::close(null);
}

// `query --no-wait` on the local engine. Its queries run on threads of the process that started them, and an
// execution record whose process has exited reads as FAILED: so the same command runs again in a process of
// its own session (setsid: Ctrl-C and a closed terminal do not reach it), which starts the query, prints its
// id and waits for it, keeping the record, the result file and a later `stop` (its stop file) working for
// `status`, `results` and `stop` in other processes. This process relays the background one's stderr until
// the id is printed, then prints the id and exits; the statement read from standard input is handed over on
// the background process's standard input.
int start_in_background(const std::string& stdin_statement) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  auto close_all = [&] {
    for (int* pipe_fds : {in, out, err})
      for (int i = 0; i < 2; ++i)
        if (pipe_fds[i] >= 0) ::close(pipe_fds[i]), pipe_fds[i] = -1;
  };
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    close_all();
    return fail(kCommand,
                make_error(ErrorKind::Internal, "BackgroundStartFailed",
                           std::string("cannot start the background process: ") + std::strerror(errno)),
                kExitFailed);
  }
  std::vector<std::string> arguments = program_arguments();
  arguments.emplace_back("--background");
  std::vector<char*> argv;
  argv.reserve(arguments.size() + 1);
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  for (int* end : {&in[0], &out[1], &err[1]}) ::close(*end), *end = -1;
  if (spawned != 0) {
    close_all();
    return fail(kCommand,
                make_error(ErrorKind::Internal, "BackgroundStartFailed",
                           std::string("cannot start the background process: ") + std::strerror(spawned)),
                kExitFailed);
  }
  // The statement first (the background process reads all of it before anything else), then its output.
  for (std::string_view rest = stdin_statement; !rest.empty();) {
    const auto written = ::write(in[1], rest.data(), rest.size());
    if (written <= 0 && errno != EINTR) break;
    if (written > 0) rest.remove_prefix(static_cast<std::size_t>(written));
  }
  ::close(in[1]);
  in[1] = -1;
  std::string id_line;
  std::array<pollfd, 2> watched{pollfd{out[0], POLLIN, 0}, pollfd{err[0], POLLIN, 0}};
  while (watched[0].fd >= 0 || watched[1].fd >= 0) {
    if (::poll(watched.data(), watched.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (auto& watch : watched) {
      if (watch.fd < 0 || watch.revents == 0) continue;
      char buffer[4096];
      const auto got = ::read(watch.fd, buffer, sizeof buffer);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        watch.fd = -1;  // closed by the background process (printed its id, or exited)
        continue;
      }
      if (watch.fd == out[0]) {
        id_line.append(buffer, static_cast<std::size_t>(got));
      } else {
        std::cerr.write(buffer, got).flush();
      }
    }
  }
  close_all();
  if (!id_line.empty()) {
    std::cout << id_line << std::flush;
    return kExitOk;  // the background process goes on; init reaps it
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : kExitFailed;
}

}  // namespace

int execute_statement(runner::QueryEngine& engine, const QueryCommandOptions& options, const std::string& sql,
                      std::ostream& rows, std::ostream& notes) {
  spec::RenderedQuery query;
  query.name = "query";
  query.scheduled_time = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  query.sql = sql;
  query.execution_parameters = options.params;
  // A fresh token per invocation, as the AWS CLI makes one (botocore's idempotencyToken): a retried HTTP
  // call never starts a second query, and running the same statement again runs it again.
  query.client_request_token = Random::system().uuid();
  query.workgroup = options.workgroup;
  query.catalog = options.catalog;
  query.database = options.database;
  if (!options.output_location.empty()) query.output = options.output_location;
  query.timeout = std::chrono::seconds(options.timeout_seconds);

  install_interrupt_handler();
  ProgressDisplay progress(ProgressDisplay::style_for_stderr(), /*announce_each=*/!options.in_shell);
  progress.show_statistics_from(&engine);
  runner::EventSink events = progress.sink();
  if (options.background) {
    events = [show = progress.sink(), &rows, reported = false](const runner::RunEvent& event) mutable {
      show(event);
      if (event.kind != runner::RunEvent::Kind::Started || reported) return;
      reported = true;
      rows << event.summary->query_execution_id << "\n";
      leave_caller();
    };
  }
  runner::Runner runner(engine, Clock::system(), events);
  runner::RunOptions run;
  run.wait = !options.no_wait || options.background;
  if (options.timeout_seconds > 0) run.timeout = std::chrono::seconds(options.timeout_seconds);
  run.interrupted = &interrupted();
  if (engine.name() == "local") run.poll.initial = kLocalFirstPoll;
  auto outcome = runner.run_rendered(query, run);
  if (!outcome) {
    const auto& error = outcome.get_failure();
    // Refused at the start (InvalidRequestException: a bad workgroup, output location, parameter): the input.
    const bool refused = error.kind == ErrorKind::InvalidInput || error.code == "InvalidRequestException";
    return fail(kCommand, error, refused ? kExitUsage : kExitFailed);
  }
  const auto& summary = *outcome;
  if (interrupted()) {
    std::cerr << "interrupted: " << summary.query_execution_id
              << (summary.stopped ? " stopped (StopQueryExecution)" : " left running") << "\n";
    return kExitInterrupted;
  }
  if (options.background) return summary.succeeded() ? kExitOk : kExitFailed;  // its caller has gone
  if (options.no_wait) {
    rows << summary.query_execution_id << "\n";
    return kExitOk;
  }
  if (!summary.succeeded()) {
    if (is_unknown_database(summary, options.database)) {
      std::cerr << "athena-runner query: database '" << (options.database.empty() ? "default" : options.database)
                << "' does not exist" << (options.catalog.empty() ? "" : " in catalog " + options.catalog) << " ("
                << summary.reason << "); list the databases with: athena-runner query \"SHOW DATABASES\"\n";
      return kExitUsage;
    }
    std::cerr << "athena-runner query: " << (summary.timed_out ? "gave up" : to_string(summary.state)) << ": "
              << summary.reason << "\n";
    print_footer(summary, notes);
    // A --param the engine could not read as a literal is bad input, like a malformed one caught above.
    return summary.reason.rfind("INVALID_PARAMETER", 0) == 0 ? kExitUsage : kExitFailed;
  }
  if (!options.output_file.empty()) {
    int written = write_output_file(engine, summary, options.output_file);
    print_footer(summary, notes);
    return written;
  }
  auto printer = runner::make_result_printer(parse_format(options.format, spec::ResultFormat::Table), rows);
  auto streamed = runner::stream_results(engine, summary.execution, options.max_rows, *printer);
  if (!streamed) {
    std::cerr << "athena-runner query: the results of " << summary.query_execution_id
              << " could not be read: " << streamed.get_failure().to_string() << "\n";
    return kExitFailed;
  }
  if (streamed->truncated) notes << "(first " << options.max_rows << " rows shown; --max-rows 0 for all)\n";
  print_footer(summary, notes);
  return kExitOk;
}

namespace {

bool wants_shell(const QueryCommandOptions& options) {
  return options.statement.empty() && options.file.empty() && ::isatty(STDIN_FILENO) != 0;
}

int run_query(const AwsOptions& aws, const QueryCommandOptions& options) {
  const bool shell = wants_shell(options);
  std::string sql, stdin_statement;
  if (!shell) {
    auto text = statement_text(options);
    if (!text) return fail(kCommand, text.get_failure(), kExitUsage);
    if (options.statement.empty() && options.file.empty()) stdin_statement = *text;
    auto checked = checked_statement(*text, options.params);
    if (!checked) return fail(kCommand, checked.get_failure(), kExitUsage);
    sql = std::move(checked).get_result();
  } else if (!options.params.empty() || !options.output_file.empty() || options.no_wait) {
    return fail(kCommand,
                usage("UsageError",
                      "--param, --output and --no-wait go with one statement, not with the shell: "
                      "give the statement as an argument or with -f FILE"),
                kExitUsage);
  }
  if (auto checked = check_output_file(options.output_file); !checked)
    return fail(kCommand, checked.get_failure(), kExitUsage);

  int exit_code = kExitOk;
  auto engine =
      open_engine(kCommand, aws, options.engine, &exit_code, nullptr, /*announce_choice=*/!options.background);
  if (!engine) return exit_code;
  if (shell) return run_shell(*engine, options);
  if (options.no_wait && !options.background && engine->name() == "local") {
    engine.reset();  // the background process opens its own
    return start_in_background(stdin_statement);
  }
  return execute_statement(*engine, options, sql, std::cout, std::cerr);
}

}  // namespace

CommandRunner add_query_command(CLI::App& app, const AwsOptions& aws) {
  auto options = std::make_shared<QueryCommandOptions>();
  auto* command = app.add_subcommand(
      "query",
      "Run one SQL statement now and print its rows: from an argument, -f FILE or standard input, on the "
      "engine chosen as for `run` (said on stderr). With no statement on a terminal: an interactive shell "
      "(statements end with `;`, USE <database>, history in ~/.athena_runner_history, a pager for wide results). "
      "Progress, the summary line and errors go to stderr, the "
      "rows to stdout. Ctrl-C stops the query (StopQueryExecution). Exit codes: 0 succeeded, 1 the query "
      "failed or timed out, 2 bad input (no statement, several, a bad --param, an unknown database), 3 AWS "
      "configuration, 130 interrupted.");
  command->add_option("statement", options->statement, "The SQL statement (one; a trailing `;` is allowed)");
  command->add_option("-f,--file", options->file, "Read the statement from this file")->check(CLI::ExistingFile);
  add_engine_options(*command, options->engine);
  command->add_option("-d,--database", options->database,
                      "QueryExecutionContext.Database (default: Athena's and the local engine's 'default')");
  command->add_option("--catalog", options->catalog, "QueryExecutionContext.Catalog (default: AwsDataCatalog)");
  command->add_option("-w,--workgroup", options->workgroup, "WorkGroup (default: Athena's 'primary')");
  command->add_option("--output-location", options->output_location,
                      "ResultConfiguration.OutputLocation, s3://bucket/prefix/ (default: the workgroup's; "
                      "locally s3://athena-runner-results/)");
  command->add_option("-p,--param", options->params,
                      "A value for the next `?` placeholder (ExecutionParameters), as a SQL literal: 42, "
                      "\"'text'\", \"DATE '2024-01-31'\"; repeat once per `?`");
  command->add_option("--format", options->format, "Rows as table, csv (Athena's quoting), json (JSON lines) or tsv")
      ->check(CLI::IsMember({"table", "csv", "json", "tsv"}))
      ->capture_default_str();
  command->add_option("--max-rows", options->max_rows, "Rows to print (0: all)")->capture_default_str();
  command->add_option("-o,--output", options->output_file,
                      "Write the result file exactly as the engine wrote it (Athena's CSV) to this file, "
                      "atomically, instead of printing rows");
  command->add_flag("--no-wait", options->no_wait,
                    "Print the QueryExecutionId right after the start and exit (on the local engine the query goes "
                    "on in a background process; `status`, `results` and `stop` find it)");
  command->add_flag("--background", options->background)->group("");  // start_in_background's own process
  command->add_option("--timeout", options->timeout_seconds, "Give up and stop the query after this many seconds")
      ->check(CLI::PositiveNumber);
  command->footer(
      "Examples:\n"
      "  athena-runner query \"SELECT count(*) FROM order_details\" -d pizza --data-dir examples/data\n"
      "  athena-runner query -d pizza -p \"DATE '2024-06-14'\" --format csv \\\n"
      "      \"SELECT pizza_id, quantity FROM order_details WHERE order_date = ?\"\n"
      "  echo 'SHOW TABLES' | athena-runner query -d pizza\n"
      "  athena-runner query -f report.sql --engine athena -w analytics -o report.csv");
  return [&aws, options] { return run_query(aws, *options); };
}

}  // namespace athena_runner::cli
