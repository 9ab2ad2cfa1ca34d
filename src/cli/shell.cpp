// The interactive shell of `athena-runner query` (no statement, standard input a terminal), as Trino CLI and
// athenacli users know it: statements end with `;` and may span lines, USE changes the database, history is kept
// in a file, wide or long tables go through a pager, and each statement ends with its time and data scanned.
//
// Line editing is libedit's readline interface (Debian's libedit-dev): BSD-licensed, in Debian for decades
// and kept by NetBSD, with the history file format every readline user knows. replxx, the other candidate, is
// not packaged in Debian 12.
#include <editline/readline.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "athena_runner/base/text.hpp"
#include "command_support.hpp"
#include "query.hpp"
#include "statements.hpp"

namespace athena_runner::cli {
namespace {

constexpr std::string_view kShellHelp =
    "Statements end with `;` and may span lines; they run on the engine named above.\n"
    "  USE <database>; or USE <catalog>.<database>;   the context of the next statements\n"
    "  SHOW DATABASES; SHOW TABLES; DESCRIBE <table>; SHOW PARTITIONS <table>;   as Athena runs them\n"
    "  help   this text      quit, exit or Ctrl-D   leave\n"
    "Ctrl-C clears the statement being typed, or stops the running query (StopQueryExecution).\n";

// $ATHENA_RUNNER_HISTORY, else ~/.athena_runner_history (empty: no history file).
std::string history_path() {
  if (const char* path = std::getenv("ATHENA_RUNNER_HISTORY")) return path;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::string(home) + "/.athena_runner_history";
  return {};
}

// The pager for output larger than the terminal: $ATHENA_RUNNER_PAGER, else $PAGER, else less (quit if it
// fits, keep colours, chop long lines, no screen clearing), as the Trino CLI configures it. Empty: no pager.
std::string pager_command() {
  if (const char* pager = std::getenv("ATHENA_RUNNER_PAGER")) return pager;
  if (const char* pager = std::getenv("PAGER")) return pager;
  return "less -FRSX";
}

struct TerminalSize {
  std::size_t columns = 80, rows = 24;
};

TerminalSize terminal_size() {
  TerminalSize size;
  winsize window{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &window) == 0 && window.ws_col > 0 && window.ws_row > 0) {
    size.columns = window.ws_col;
    size.rows = window.ws_row;
  }
  return size;
}

// Writes `text` to the terminal, through the pager when it is wider or taller than the terminal.
void show(const std::string& text) {
  const auto size = terminal_size();
  std::size_t lines = 0, widest = 0, width = 0;
  for (char c : text) {
    if (c == '\n') {
      ++lines;
      widest = std::max(widest, width);
      width = 0;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++width;
    }
  }
  const std::string pager = pager_command();
  if (!pager.empty() && (widest > size.columns || lines + 2 > size.rows)) {
    std::cout.flush();
    if (FILE* pipe = ::popen(pager.c_str(), "w")) {
      std::fwrite(text.data(), 1, text.size(), pipe);
      ::pclose(pipe);
      return;
    }
  }
  std::cout << text << std::flush;
}

// "USE db" or "USE catalog.db" (quotes allowed): the new context, else false.
bool parse_use(const std::string& statement, QueryCommandOptions& options) {
  std::string_view rest = text::trim(statement);
  if (!text::istarts_with(rest, "use") || rest.size() < 4 || text::kWhitespace.find(rest[3]) == std::string::npos)
    return false;
  rest = text::trim(rest.substr(3));
  auto unquote = [](std::string_view name) {
    name = text::trim(name);
    if (name.size() >= 2 && (name.front() == '"' || name.front() == '`') && name.back() == name.front())
      name = name.substr(1, name.size() - 2);
    return std::string(name);
  };
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) {
    options.database = unquote(rest);
  } else {
    options.catalog = unquote(rest.substr(0, dot));
    options.database = unquote(rest.substr(dot + 1));
  }
  return !options.database.empty();
}

}  // namespace

int run_shell(runner::QueryEngine& engine, QueryCommandOptions options) {
  options.in_shell = true;
  install_interrupt_handler();
  set_exit_on_second_interrupt(false);  // Ctrl-C belongs to the shell: it never ends it
  const std::string history = history_path();
  if (!history.empty()) ::read_history(history.c_str());
  std::cerr << "athena-runner query shell on " << engine.describe() << ". Type help for help, quit to leave.\n";

  std::string buffer;
  while (true) {
    const std::string database = options.database.empty() ? "default" : options.database;
    const std::string prompt =
        buffer.empty() ? "athena:" + database + "> " : std::string(database.size() + 6, ' ') + "-> ";
    interrupted() = false;
    char* line = ::readline(prompt.c_str());
    if (line == nullptr) {
      if (interrupted()) {  // Ctrl-C while typing: drop the statement, keep the shell
        buffer.clear();
        std::cout << "\n";
        continue;
      }
      std::cout << "\n";
      break;  // Ctrl-D
    }
    const std::string text(line);
    std::free(line);  // NOLINT(cppcoreguidelines-no-malloc): readline's buffer is malloc'ed
    if (buffer.empty()) {
      const std::string word = text::lower(text::trim(text, std::string(text::kWhitespace) + ";"));
      if (word.empty()) continue;
      if (word == "quit" || word == "exit") break;
      if (word == "help") {
        std::cout << kShellHelp;
        continue;
      }
    }
    buffer += buffer.empty() ? text : "\n" + text;
    auto scan = scan_statements(buffer);
    if (!scan.unterminated.empty() || !scan.ends_with_semicolon) continue;  // the statement goes on
    ::add_history(buffer.c_str());
    if (!history.empty()) ::write_history(history.c_str());
    std::string statements = std::move(buffer);
    buffer.clear();
    for (const auto& statement : scan_statements(statements).statements) {
      if (parse_use(statement.text, options)) {
        std::cout << "using " << (options.catalog.empty() ? "" : options.catalog + ".") << options.database << "\n";
        continue;
      }
      auto checked = checked_statement(statement.text, {});
      if (!checked) {
        std::cerr << "athena-runner query: " << checked.get_failure().message << "\n";
        continue;
      }
      std::ostringstream rows, notes;
      execute_statement(engine, options, *checked, rows, notes);
      show(rows.str());
      std::cerr << notes.str();  // time and data scanned, after the rows and outside the pager
      if (interrupted()) {
        interrupted() = false;
        break;  // the rest of the line's statements are not run
      }
    }
  }
  set_exit_on_second_interrupt(true);
  return kExitOk;
}

}  // namespace athena_runner::cli
