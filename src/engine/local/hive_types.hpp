// Hive column type strings (as Glue stores them) to DuckDB type SQL.
#pragma once

#include <string>
#include <string_view>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::engine::local {

struct DuckType {
  std::string sql;       // e.g. "DECIMAL(10,2)", "STRUCT(\"a\" INTEGER, \"b\" VARCHAR[])"
  bool complex = false;  // array, map or struct
};

// Parses e.g. "array<struct<a:int,b:map<string,decimal(10,2)>>>"; the error names the unsupported type.
Outcome<DuckType> hive_to_duckdb_type(std::string_view hive_type);

// "name" with embedded double quotes doubled.
std::string quote_identifier(std::string_view name);
// 'text' with embedded single quotes doubled.
std::string quote_literal(std::string_view text);

}  // namespace athena_runner::engine::local
