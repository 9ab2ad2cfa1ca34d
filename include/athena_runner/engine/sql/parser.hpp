// Athena's (Trino's) SQL parser: one statement to a syntax tree (ast.hpp). Queries are parsed whole;
// for the other statements the parser names the kind (the DDL and write statements' own clauses are
// read by the local engine's DDL and write code, which call parse_query for their query parts).
// Syntax errors are SYNTAX_ERROR with "line L:C: " as Athena prints them.
#pragma once

#include <string_view>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/engine/sql/ast.hpp"

namespace athena_runner::sql {

struct Statement {
  StatementKind kind = StatementKind::Other;
  QueryPtr query;  // Query, and the query an EXPLAIN explains
  int parameter_count = 0;
  std::vector<Token> tokens;  // the statement's tokens (End last), without a trailing ';'
};

// Exactly one statement (a trailing ';' is allowed); several fail.
Outcome<Statement> parse_statement(std::string_view sql);

// The statement's kind from its leading words, without parsing it (never fails: Other).
StatementKind classify_statement(std::string_view sql);

// A query (SELECT, WITH, VALUES, TABLE, set operations, ...), the whole text.
Outcome<QueryPtr> parse_query(std::string_view sql, int* parameter_count = nullptr);

// One expression, the whole text (e.g. an execution parameter's literal).
Outcome<ExprPtr> parse_expression(std::string_view sql);

}  // namespace athena_runner::sql
