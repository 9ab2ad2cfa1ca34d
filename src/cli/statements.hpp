// Where one SQL statement ends: `;` outside string literals ('...'), quoted identifiers ("...", `...`) and
// comments (-- to the end of the line, /* ... */), as Trino's and Hive's lexers read them. Only this: the
// statement itself is parsed by the engine that runs it (Athena, or the local engine's front end).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace athena_runner::cli {

struct ScannedStatement {
  std::string text;              // trimmed, without its `;`
  std::size_t placeholders = 0;  // `?` outside literals and comments (ExecutionParameters it takes)
};

struct StatementScan {
  std::vector<ScannedStatement> statements;  // the pieces that hold more than whitespace and comments
  std::string unterminated;                  // empty, or what is still open at the end: "a string literal ('...')", ...
  bool ends_with_semicolon = false;          // the last code character is `;` (a shell's statement is complete)
};

StatementScan scan_statements(std::string_view text);

}  // namespace athena_runner::cli
