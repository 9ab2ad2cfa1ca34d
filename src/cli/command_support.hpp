// What the commands that run queries share (run, backfill, status, results, stop in run.cpp; query in
// query.cpp): the interrupt flag, error printing with exit codes, the engine announcement, formats, progress.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/runner/deliver.hpp"
#include "athena_runner/runner/runner.hpp"
#include "athena_runner/spec/queries_file.hpp"
#include "commands.hpp"
#include "engine_selection.hpp"

namespace athena_runner::cli {

// The local engine answers small queries in milliseconds and polling it costs nothing: look sooner.
inline constexpr std::chrono::milliseconds kLocalFirstPoll{20};

// The exit code of a command ended by Ctrl-C (128 + SIGINT, as shells report it).
inline constexpr int kExitInterrupted = 130;

// Set by the SIGINT/SIGTERM handler; the runner stops its queries (StopQueryExecution) when it is set.
std::atomic<bool>& interrupted();
// Ctrl-C stops the running queries before the command exits; a second Ctrl-C leaves at once (unless turned off:
// the shell keeps running whatever is pressed). The handler does not restart system calls, so a blocking read
// (libedit's readline) returns when Ctrl-C is pressed.
void install_interrupt_handler();
void set_exit_on_second_interrupt(bool exit);

// Prints "athena-runner <command>: <error>" on stderr and returns exit_code.
int fail(std::string_view command, const Error& error, int exit_code);
// Exit code carried by select_engine's errors, else `fallback`.
int exit_code_of(const Error& error, int fallback);

// Selects the engine and says which (announce); on failure prints why and sets *exit_code. With `objects`,
// also where the engine's S3 is for deliveries (S3, or the local engine's data dir).
// announce_choice false: says nothing when it succeeds (a background `query --no-wait`, whose caller said it).
std::unique_ptr<runner::QueryEngine> open_engine(std::string_view command, const AwsOptions& aws,
                                                 const EngineOptions& options, int* exit_code,
                                                 std::unique_ptr<runner::ObjectStore>* objects = nullptr,
                                                 bool announce_choice = true);

// The command line main() was given, argv[0] first (a `query --no-wait` on the local engine runs it again in a
// background process).
std::vector<std::string>& program_arguments();

// "table", "csv", "json", "tsv"; anything else: the queries file's result_format.
runner::OutputFormat parse_format(const std::string& text, spec::ResultFormat fallback);

// "12.3 s"
std::string seconds_text(std::chrono::milliseconds duration);

// "512 B", "1.5 MiB"
std::string bytes_text(std::int64_t bytes);

// ", 1.2M rows read, 3 stages": what GetQueryRuntimeStatistics says a running query has done ("" if nothing).
std::string statistics_text(const aws::athena::QueryRuntimeStatistics& statistics);

// Progress on stderr. On a terminal (Live): one line rewritten in place while a query is queued or running
// (state, elapsed time, data scanned so far), refreshed at every poll; starts, resubmissions, give-ups and
// ends as lines that stay. Otherwise (Lines: a pipe, a file, a CI log, TERM=dumb): one plain line per start,
// state change, resubmission, give-up and end, never a carriage return or an escape sequence.
class ProgressDisplay {
 public:
  enum class Style { Live, Lines };
  static Style style_for_stderr();

  // announce_each: a line per start and end (run, query); backfill prints its own line per slot instead.
  explicit ProgressDisplay(Style style = style_for_stderr(), bool announce_each = true);
  runner::EventSink sink();  // for the Runner; valid while this display lives
  // Live: also the rows read and stages of the running query (statistics_text), asked of `engine` at most
  // every kStatisticsInterval (it is an API call on Athena).
  void show_statistics_from(runner::QueryEngine* engine) { statistics_engine_ = engine; }
  // What names a query on its lines (default: its name): backfill adds the slot ("q 2024-03-02T00:00:00Z (slot
  // 2 of 7)"), since several slots of one query run at once.
  void label_with(std::function<std::string(const runner::RunSummary&)> label) { label_ = std::move(label); }
  void print_line(const std::string& text);  // a line that stays (ends the live line first)
  void end_live_line();                      // before other output on stderr

 private:
  static constexpr std::string_view kClearLine = "\r\x1b[K";  // to the line's start, erase to its end
  void on_event(const runner::RunEvent& event);
  void show_live(const std::string& text);
  Style style_;
  bool announce_each_;
  bool live_line_open_ = false;
  static constexpr std::chrono::seconds kStatisticsInterval{2};
  runner::QueryEngine* statistics_engine_ = nullptr;
  std::function<std::string(const runner::RunSummary&)> label_;
  std::chrono::steady_clock::time_point statistics_asked_{};
  std::string statistics_shown_;
  std::mutex mutex_;
};

}  // namespace athena_runner::cli
