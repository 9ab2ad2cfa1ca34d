// What `athena-runner query` and its interactive shell (shell.cpp) share.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/runner/engine.hpp"
#include "engine_selection.hpp"

namespace athena_runner::cli {

struct QueryCommandOptions {
  std::string statement;  // the argument
  std::string file;       // -f
  EngineOptions engine;
  std::string database;
  std::string catalog;
  std::string workgroup;
  std::string output_location;
  std::vector<std::string> params;
  std::string format = "table";
  std::size_t max_rows = 0;
  std::string output_file;
  bool no_wait = false;
  int timeout_seconds = 0;
  bool in_shell = false;  // the shell: no start and end lines around each statement's progress
  // The background process of a `--no-wait` on the local engine (hidden --background): waits for the query
  // but, once it has started, prints its id, leaves its caller's stdout and stderr, and prints no rows.
  bool background = false;
};

// An InvalidInput error (exit 2) with this code and message.
Error usage(std::string code, std::string message);

// Exactly one statement (without its `;`), with as many --param values as it has `?`, each a SQL literal.
Outcome<std::string> checked_statement(const std::string& text, const std::vector<std::string>& params);

// Runs one checked statement on `engine` with the request context of `options`: progress and errors on stderr,
// the rows on `rows` (or the result file to options.output_file), the summary line (state, time, data scanned,
// cost, id) on `notes`. Returns the exit code (as `run`'s; 130 when Ctrl-C stopped it).
int execute_statement(runner::QueryEngine& engine, const QueryCommandOptions& options, const std::string& sql,
                      std::ostream& rows, std::ostream& notes);

// The interactive shell on a terminal (shell.cpp): statements ending with `;`, USE, history, paging.
int run_shell(runner::QueryEngine& engine, QueryCommandOptions options);

}  // namespace athena_runner::cli
