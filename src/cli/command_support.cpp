#include "command_support.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string_view>

namespace athena_runner::cli {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_exit_on_second{true};

extern "C" void on_interrupt(int /*signal*/) {
  if (g_interrupted.exchange(true) && g_exit_on_second) std::_Exit(kExitInterrupted);  // a second Ctrl-C: leave
}

}  // namespace

std::atomic<bool>& interrupted() { return g_interrupted; }

std::vector<std::string>& program_arguments() {
  static std::vector<std::string> arguments;
  return arguments;
}

void set_exit_on_second_interrupt(bool exit) { g_exit_on_second = exit; }

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int fail(std::string_view command, const Error& error, int exit_code) {
  std::cerr << "athena-runner " << command << ": " << error.to_string() << "\n";
  return exit_code;
}

int exit_code_of(const Error& error, int fallback) {
  return error.http_status == kExitUsage || error.http_status == kExitConfiguration ? error.http_status : fallback;
}

std::unique_ptr<runner::QueryEngine> open_engine(std::string_view command, const AwsOptions& aws,
                                                 const EngineOptions& options, int* exit_code,
                                                 std::unique_ptr<runner::ObjectStore>* objects, bool announce_choice) {
  auto selected = select_engine(aws, options);
  if (!selected) {
    *exit_code = fail(command, selected.get_failure(), exit_code_of(selected.get_failure(), kExitConfiguration));
    return nullptr;
  }
  if (announce_choice) announce(*selected);
  if (objects != nullptr) *objects = std::move(selected->objects);
  return std::move(selected->engine);
}

runner::OutputFormat parse_format(const std::string& text, spec::ResultFormat fallback) {
  if (text == "table") return runner::OutputFormat::Table;
  if (text == "csv") return runner::OutputFormat::Csv;
  if (text == "json") return runner::OutputFormat::JsonLines;
  if (text == "tsv") return runner::OutputFormat::Tsv;
  switch (fallback) {
    case spec::ResultFormat::Table: return runner::OutputFormat::Table;
    case spec::ResultFormat::Json: return runner::OutputFormat::JsonLines;
    case spec::ResultFormat::Csv: break;
  }
  return runner::OutputFormat::Csv;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return buffer;
}

std::string bytes_text(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  auto value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return buffer;
}

std::string statistics_text(const aws::athena::QueryRuntimeStatistics& statistics) {
  std::string out;
  if (statistics.rows && statistics.rows->input_rows && *statistics.rows->input_rows > 0) {
    const auto rows = static_cast<double>(*statistics.rows->input_rows);
    char buffer[32];
    if (rows >= 1e9) {
      std::snprintf(buffer, sizeof buffer, "%.1fG", rows / 1e9);
    } else if (rows >= 1e6) {
      std::snprintf(buffer, sizeof buffer, "%.1fM", rows / 1e6);
    } else if (rows >= 1e4) {
      std::snprintf(buffer, sizeof buffer, "%.1fk", rows / 1e3);
    } else {
      std::snprintf(buffer, sizeof buffer, "%.0f", rows);
    }
    out += ", " + std::string(buffer) + " rows read";
  }
  if (statistics.output_stage) {
    const std::size_t stages = aws::athena::stage_count(*statistics.output_stage);
    out += ", " + std::to_string(stages) + (stages == 1 ? " stage" : " stages");
  }
  return out;
}

ProgressDisplay::Style ProgressDisplay::style_for_stderr() {
  const char* term = std::getenv("TERM");
  const bool dumb = term != nullptr && std::string_view(term) == "dumb";
  return ::isatty(STDERR_FILENO) != 0 && !dumb ? Style::Live : Style::Lines;
}

ProgressDisplay::ProgressDisplay(Style style, bool announce_each) : style_(style), announce_each_(announce_each) {}

void ProgressDisplay::print_line(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::cerr << (live_line_open_ ? std::string(kClearLine) : std::string()) << text << "\n" << std::flush;
  live_line_open_ = false;
}

void ProgressDisplay::end_live_line() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (live_line_open_) std::cerr << kClearLine << std::flush;
  live_line_open_ = false;
}

void ProgressDisplay::show_live(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::cerr << kClearLine << text << std::flush;
  live_line_open_ = true;
}

void ProgressDisplay::on_event(const runner::RunEvent& event) {
  const auto& summary = *event.summary;
  const std::string prefix = (label_ ? label_(summary) : summary.name) + ": ";
  const bool in_flight = summary.state == runner::RunState::Queued || summary.state == runner::RunState::Running;
  switch (event.kind) {
    case runner::RunEvent::Kind::Started:
      if (announce_each_)
        print_line(prefix + "started " + summary.query_execution_id + " (attempt " + std::to_string(summary.attempts) +
                   ")");
      return;
    case runner::RunEvent::Kind::StateChanged:
    case runner::RunEvent::Kind::Polled: {
      if (!in_flight) return;  // Finished reports the end
      std::ostringstream line;
      line << prefix << summary.state << " " << seconds_text(summary.wall_time);
      if (style_ == Style::Live) {
        // Athena reports the bytes scanned so far while a query runs.
        line << ", data scanned " << bytes_text(summary.data_scanned_bytes);
        const auto now = std::chrono::steady_clock::now();
        if (statistics_engine_ && !summary.query_execution_id.empty() &&
            now - statistics_asked_ >= kStatisticsInterval) {
          statistics_asked_ = now;
          // Athena answers only for DML and may refuse at first: the line then keeps what it had.
          if (auto statistics = statistics_engine_->runtime_statistics(summary.query_execution_id)) {
            statistics_shown_ = statistics_text(*statistics);
          }
        }
        line << statistics_shown_;
        show_live(line.str());
      } else if (event.kind == runner::RunEvent::Kind::StateChanged) {
        print_line(prefix + std::string(to_string(summary.state)) + " after " + seconds_text(summary.wall_time));
      }
      return;
    }
    case runner::RunEvent::Kind::Resubmitted:
      print_line(prefix + "retryable failure (" + summary.reason + "), resubmitting with a new token");
      return;
    case runner::RunEvent::Kind::GaveUp:
      print_line(prefix + "gave up: " + summary.reason);  // the reason says whether the query was stopped
      return;
    case runner::RunEvent::Kind::Finished:
      if (announce_each_ && !summary.timed_out) {  // a give-up has had its line
        print_line(prefix + std::string(to_string(summary.state)) + " in " + seconds_text(summary.wall_time));
      } else {
        end_live_line();
      }
      return;
  }
}

runner::EventSink ProgressDisplay::sink() {
  return [this](const runner::RunEvent& event) { on_event(event); };
}

}  // namespace athena_runner::cli
