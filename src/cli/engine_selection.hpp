// Which engine a command runs on: Athena when AWS is configured, the embedded local engine otherwise
// (or when asked). Never silent: the choice and the reason are printed.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/runner/deliver.hpp"
#include "athena_runner/runner/engine.hpp"
#include "commands.hpp"

namespace athena_runner::cli {

struct EngineOptions {
  std::string engine = "auto";  // auto | athena | local
  bool local = false;           // --local: same as --engine local
  std::string data_dir;         // local: default $ATHENA_RUNNER_DATA_DIR, then ./athena-runner-data
  int workers = 2;              // local: queries running at once
};

// Adds --engine, --local, --data-dir, --workers to a command.
void add_engine_options(CLI::App& command, EngineOptions& options);

struct SelectedEngine {
  std::unique_ptr<runner::QueryEngine> engine;
  std::unique_ptr<runner::ObjectStore> objects;  // the engine's S3, for deliveries: S3, or the data dir
  std::string reason;                            // why this engine, e.g. "no AWS region configured"
};

// Errors carry the exit code to use in Error::http_status (kExitConfiguration or kExitUsage).
Outcome<SelectedEngine> select_engine(const AwsOptions& aws, const EngineOptions& options);

// Prints "engine: <describe()> — <reason>" on stderr.
void announce(const SelectedEngine& selected);

// The default local data directory.
std::string default_data_dir();

}  // namespace athena_runner::cli
