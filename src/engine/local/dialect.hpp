// Athena (Trino) SQL to DuckDB SQL: a token-level translation that renames functions whose
// DuckDB equivalents were checked to agree, rejects the ones that would silently disagree,
// rewrites ARRAY(T) type names, and substitutes validated '?' execution parameters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::engine::local {

struct Token {
  enum class Kind { Space, Comment, String, QuotedIdentifier, Word, Number, Parameter, Symbol };
  Kind kind;
  std::string text;
};

Outcome<std::vector<Token>> tokenize(std::string_view sql);

// Checks that `parameter` is exactly one literal (number, 'string', DATE/TIME/TIMESTAMP/DECIMAL
// 'text', INTERVAL 'n' unit, TRUE/FALSE/NULL); anything else (e.g. "1; DROP TABLE t", "1) OR
// (1=1") is rejected. The engine also probes accepted literals with `SELECT <literal>`.
Status validate_parameter_literal(std::string_view parameter);

struct Translation {
  std::string sql;
  std::string first_keyword;                 // lower case, e.g. "select", "with", "show"
  std::vector<std::string> qualified_names;  // lower-case "a" and "a.b" names that may be tables
};

// `parameters` must have passed validate_parameter_literal.
Outcome<Translation> translate_to_duckdb(std::string_view trino_sql, const std::vector<std::string>& parameters);

// MySQL date_format specifiers (as Trino's date_format/date_parse use them) to strftime/strptime ones.
Outcome<std::string> mysql_to_strftime(std::string_view mysql_format);

// DuckDB macros the translation calls (ar_*), run once per connection.
std::vector<std::string> dialect_macros();

}  // namespace athena_runner::engine::local
