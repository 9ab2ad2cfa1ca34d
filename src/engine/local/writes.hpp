// Athena's statements that write files: CREATE TABLE ... AS SELECT (CTAS), UNLOAD and INSERT INTO.
// Parsed here; the engine runs the query part through the same translation and views as a SELECT and
// writes the files with DuckDB's COPY.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/engine/sql/ast.hpp"

namespace athena_runner::engine::local {

struct WriteStatement {
  enum class Kind { Ctas, Unload, Insert };
  Kind kind = Kind::Ctas;
  std::string database;                     // CTAS, INSERT: lower case, empty when the name is unqualified
  std::string table;                        // CTAS, INSERT: lower case
  bool if_not_exists = false;               // CTAS
  bool with_data = true;                    // CTAS: false for WITH NO DATA
  std::vector<std::string> insert_columns;  // INSERT INTO t (a, b): lower case
  std::string query;                        // the query part, Athena SQL as written

  // WITH (...) properties (CTAS, UNLOAD) and UNLOAD's TO.
  std::string format;                       // upper case; empty: not given
  std::optional<std::string> location;      // external_location, or UNLOAD's TO
  std::vector<std::string> partitioned_by;  // lower case
  std::optional<std::string> field_delimiter;
  std::optional<std::string> compression;  // write_compression / compression, upper case
};

// True for the statements that write files: CTAS (CREATE TABLE ... AS <query>), UNLOAD and INSERT INTO.
bool is_write_kind(sql::StatementKind kind);
// The same from the SQL text (the front end's classifier).
bool is_write_statement(std::string_view sql);

// The error names the property or clause that is wrong or not supported (NOT_SUPPORTED for Athena
// features the local engine does not have, e.g. bucketed_by, table_type = 'ICEBERG').
Outcome<WriteStatement> parse_write_statement(std::string_view sql);

}  // namespace athena_runner::engine::local
