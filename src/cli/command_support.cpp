#include "command_support.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace athena_runner::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int /*signal*/) {
  if (g_interrupted.exchange(true)) std::_Exit(kExitInterrupted);  // a second Ctrl-C: leave at once
}

}  // namespace

std::atomic<bool>& interrupted() { return g_interrupted; }

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
                                                 const EngineOptions& options, int* exit_code) {
  auto selected = select_engine(aws, options);
  if (!selected) {
    *exit_code = fail(command, selected.get_failure(), exit_code_of(selected.get_failure(), kExitConfiguration));
    return nullptr;
  }
  announce(*selected);
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

runner::EventSink progress_printer() {
  return [](const runner::RunEvent& event) {
    const auto& summary = *event.summary;
    std::ostringstream line;
    line << summary.name << ": ";
    switch (event.kind) {
      case runner::RunEvent::Kind::Started:
        line << "started " << summary.query_execution_id << " (attempt " << summary.attempts << ")";
        break;
      case runner::RunEvent::Kind::StateChanged:
        if (summary.state != runner::RunState::Queued && summary.state != runner::RunState::Running) {
          return;  // Finished reports the end
        }
        line << summary.state << " after " << seconds_text(summary.wall_time);
        break;
      case runner::RunEvent::Kind::Resubmitted:
        line << "retryable failure (" << summary.reason << "), resubmitting with a new token";
        break;
      case runner::RunEvent::Kind::GaveUp:
        line << "gave up: " << summary.reason << (summary.stopped ? " (query stopped)" : " (query left running)");
        break;
      case runner::RunEvent::Kind::Finished: line << summary.state << " in " << seconds_text(summary.wall_time); break;
    }
    std::cerr << line.str() << "\n";
  };
}

}  // namespace athena_runner::cli
