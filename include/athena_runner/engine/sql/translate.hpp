// The binder and the DuckDB SQL it writes: every name resolved against the catalog (Trino's case rules,
// db.table and awsdatacatalog.db.table, CTE and alias scopes), every expression typed as Trino types it,
// every call resolved in the registry (functions.hpp). What the registry lacks fails with NOT_SUPPORTED
// naming it; a query that is wrong fails as Athena's analyzer would (unknown column, type mismatch).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/engine/sql/ast.hpp"

namespace athena_runner::sql {

struct TableColumn {
  std::string name;  // lower case
  Type type;
};

struct TableSchema {
  std::string database;              // lower case
  std::string name;                  // lower case
  std::vector<TableColumn> columns;  // data columns, then partition keys
  std::size_t partition_keys = 0;    // how many of the last columns are partition keys
  std::string problem;               // non-empty: the table cannot be read (the message says why)
};

class Catalog {
 public:
  virtual ~Catalog() = default;
  virtual const TableSchema* find_table(const std::string& database, const std::string& table) const = 0;
  virtual bool has_database(const std::string& database) const = 0;
};

struct TranslateOptions {
  std::string catalog = "awsdatacatalog";  // the query context's catalog
  std::string database = "default";        // the query context's database (lower case)
  std::vector<std::string> parameters;     // execution parameters, one literal each, for the '?'s in order
};

struct OutputColumn {
  std::string name;
  Type type;
};

// A reference to a partitioned table. The query reads it as temp.main."<view>", which the engine creates for this query
// from the partitions that can hold rows the query keeps, before it lists any file: `conjuncts` are the WHERE
// conjuncts over the table's partition keys alone (DuckDB SQL; a key is `alias`."<key>"), each false or NULL for
// a partition whose rows the query drops; `equalities` holds, per key, the constant values of each conjunct
// `key = constant` or `key IN (constants)` (DuckDB SQL of each value), which injected projection reads.
struct PartitionedReference {
  std::string database;  // lower case
  std::string table;     // lower case
  std::string view;      // the temporary view the translated SQL reads it from ("ar_p<n>", unquoted)
  std::string alias;     // the alias that qualifies the keys in `conjuncts`
  std::vector<std::string> conjuncts;
  std::map<std::string, std::vector<std::vector<std::string>>> equalities;
};

struct Translation {
  std::string sql;  // DuckDB SQL over views named "<database>"."<table>" and the `partitioned` relations
  std::vector<OutputColumn> columns;
  std::vector<std::pair<std::string, std::string>> tables;  // (database, table) of every table read
  std::vector<PartitionedReference> partitioned;            // the partitioned tables among them, per reference
  int parameter_count = 0;
};

// Binds and translates a parsed query.
Outcome<Translation> translate_query(const Query& query, const Catalog& catalog, const TranslateOptions& options,
                                     int parameter_count);

// Parses and translates one query statement (SELECT, WITH, VALUES, TABLE, ...).
Outcome<Translation> translate(std::string_view sql, const Catalog& catalog, const TranslateOptions& options);

// Checks that an execution parameter is exactly one literal (number, 'string', typed literal, interval,
// TRUE/FALSE/NULL, optionally negated) as Athena's EXECUTE ... USING accepts.
Status validate_parameter_literal(std::string_view parameter);

// Quoting for DuckDB SQL.
std::string quote_identifier(std::string_view name);
std::string quote_string(std::string_view text);

// DuckDB SQL of a value of DuckDB type `duck_type` that fails with `message` when a row evaluates it: for an
// error Trino raises at evaluation (an invalid argument, a value that cannot be cast) that the binder already
// sees in constant arguments. Raised per row, it fails only a query that evaluates it, and TRY catches it.
std::string failing_value(std::string_view message, std::string_view duck_type);

}  // namespace athena_runner::sql
