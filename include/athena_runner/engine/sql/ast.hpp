// The typed syntax tree of Athena's (Trino's) SQL: what the parser produces and the binder annotates.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "athena_runner/engine/sql/lexer.hpp"
#include "athena_runner/engine/sql/types.hpp"

namespace athena_runner::sql {

struct Expr;
struct Query;
struct Relation;
using ExprPtr = std::unique_ptr<Expr>;
using QueryPtr = std::unique_ptr<Query>;
using RelationPtr = std::unique_ptr<Relation>;

// A name as written: each part with its case-folded value (unquoted: lower case; quoted: as written, which
// Trino then also matches case-insensitively against the catalog).
struct Identifier {
  std::string value;  // lower case for unquoted, as written for "quoted"
  bool quoted = false;
  Position position;
  // The name Trino resolves (identifiers are not case sensitive): lower case.
  std::string folded() const;
};
using QualifiedName = std::vector<Identifier>;
std::string to_string(const QualifiedName& name);  // folded parts joined with '.'

enum class ExprKind {
  Literal,         // literal: kind below; `text` holds its value
  Parameter,       // ?  (`index` is its position, 0-based)
  Column,          // name (one or more parts, resolved by the binder)
  Dereference,     // args[0].field  (`name`: the field)
  Subscript,       // args[0][args[1]]
  Call,            // function call: `name`, args, distinct, filter, order_by, window, ignore_nulls
  Cast,            // CAST / TRY_CAST (`flag` true for TRY_CAST) args[0] AS `type`
  Unary,           // `op` in {"-", "+"} args[0]
  Binary,          // args[0] `op` args[1]: + - * / % ||
  Comparison,      // args[0] `op` args[1]: = <> < <= > >=
  Quantified,      // args[0] `op` ANY|SOME|ALL(`subquery`); `text` the quantifier
  And,             // args (two or more)
  Or,              // args (two or more)
  Not,             // NOT args[0]
  IsNull,          // args[0] IS [NOT] NULL (`negated`)
  IsDistinctFrom,  // args[0] IS [NOT] DISTINCT FROM args[1] (`negated`)
  Between,         // args[0] [NOT] BETWEEN args[1] AND args[2]
  InList,          // args[0] [NOT] IN (args[1..])
  InSubquery,      // args[0] [NOT] IN (subquery)
  Exists,          // EXISTS (subquery)
  ScalarSubquery,  // (subquery)
  Like,            // args[0] [NOT] LIKE args[1] [ESCAPE args[2]]
  Case,            // CASE [operand] WHEN .. THEN .. [ELSE ..] END: args = [operand?] when,then... [else]
  If,              // IF(cond, then[, else])
  Coalesce,        // COALESCE(args)
  NullIf,          // NULLIF(a, b)
  Try,             // TRY(args[0])
  Array,           // ARRAY[args]
  Row,             // ROW(args) or (a, b, ...)
  Lambda,          // (params) -> args[0]; params in `lambda_parameters`
  AtTimeZone,      // args[0] AT TIME ZONE args[1] (or AT LOCAL: args.size()==1)
  Extract,         // EXTRACT(`text` FROM args[0])
  CurrentTime,     // current_date, current_time, current_timestamp, localtime, localtimestamp (`text`)
  Star,            // * in count(*) only
  JsonFunction,    // json_query / json_value / json_exists / json_array / json_object (`json`)
};

enum class LiteralKind { Null, Boolean, Integer, Decimal, Double, String, Binary, Typed, Interval };

struct SortItem {
  ExprPtr expr;
  bool descending = false;
  std::optional<bool> nulls_first;  // unset: Trino's default (NULLS LAST)
};

struct FrameBound {
  enum class Kind { UnboundedPreceding, Preceding, CurrentRow, Following, UnboundedFollowing } kind = Kind::CurrentRow;
  ExprPtr offset;
};
struct WindowFrame {
  std::string unit;  // rows, range, groups
  FrameBound start;
  std::optional<FrameBound> end;
};
struct Window {
  std::optional<Identifier> base;  // OVER name, or OVER (name ...)
  std::vector<ExprPtr> partition_by;
  std::vector<SortItem> order_by;
  std::optional<WindowFrame> frame;
};

// The clauses of a SQL/JSON function call (docs: functions/json); its expressions are in the Expr's args
// (json_array: the elements; json_object: key, value, key, value, ...).
struct JsonFunctionSpec {
  enum class Function { Query, Value, Exists, Array, Object } function = Function::Query;
  enum class Behavior { Null, Error, EmptyArray, EmptyObject, Default, True, False, Unknown };
  enum class Wrapper { Without, Conditional, Unconditional } wrapper = Wrapper::Without;
  std::string path;  // the path literal's text
  Position path_position;
  bool input_format_json = false;
  std::vector<std::string> passing_names;  // as Trino names them: unquoted upper-cased, quoted as written
  std::vector<bool> passing_format_json;   // args[1 + i] FORMAT JSON
  std::optional<Type> returning;
  bool omit_quotes = false;
  std::optional<Behavior> on_empty;
  std::optional<Behavior> on_error;
  std::optional<std::size_t> empty_default;  // index into args of DEFAULT ... ON EMPTY
  std::optional<std::size_t> error_default;  // index into args of DEFAULT ... ON ERROR
  // json_array, json_object
  std::vector<bool> value_format_json;  // per element / value: FORMAT JSON
  bool absent_on_null = false;
  bool unique_keys = false;
};

struct Expr {
  ExprKind kind = ExprKind::Literal;
  Position position;
  std::string text;  // literal value; operator; extract field; current_* name; quantifier
  std::string op;    // Unary/Binary/Comparison/Quantified operator
  LiteralKind literal = LiteralKind::Null;
  std::string literal_type;  // Typed: the type name as written (lower case), Interval: "day", "year to month", ...
  bool negative_interval = false;
  QualifiedName name;  // Column: the parts; Call: the function name; Dereference: one part (the field)
  std::vector<ExprPtr> args;
  QueryPtr subquery;
  Type type;             // Cast target
  bool flag = false;     // Cast: TRY_CAST; Call: DISTINCT
  bool negated = false;  // NOT BETWEEN / NOT IN / NOT LIKE / IS NOT ...
  int index = 0;         // Parameter
  // Calls
  ExprPtr filter;
  std::vector<SortItem> order_by;  // array_agg(x ORDER BY y), listagg ... WITHIN GROUP (ORDER BY ...)
  std::unique_ptr<Window> window;
  bool ignore_nulls = false;
  bool respect_nulls = false;
  std::vector<Identifier> lambda_parameters;
  std::shared_ptr<const JsonFunctionSpec> json;  // JsonFunction
};

struct SelectItem {
  ExprPtr expr;  // null for * and t.*
  std::optional<Identifier> alias;
  bool all_columns = false;              // * or prefix.*
  QualifiedName star_prefix;             // t.* (parts of the relation name)
  std::vector<Identifier> star_aliases;  // t.* AS (a, b)
  Position position;
};

enum class JoinKind { Cross, Inner, Left, Right, Full, Implicit /* FROM a, b */ };

struct Relation {
  enum class Kind { Table, Subquery, Unnest, Lateral, Join } kind = Kind::Table;
  Position position;
  QualifiedName table;           // Table
  QueryPtr query;                // Subquery, Lateral
  std::vector<ExprPtr> unnest;   // Unnest
  bool with_ordinality = false;  // Unnest
  std::optional<Identifier> alias;
  std::vector<Identifier> column_aliases;
  // Join
  JoinKind join = JoinKind::Cross;
  bool natural = false;
  RelationPtr left;
  RelationPtr right;
  ExprPtr on;
  std::vector<Identifier> using_columns;
};

struct GroupingElement {
  enum class Kind { Simple, Rollup, Cube, Sets } kind = Kind::Simple;
  std::vector<ExprPtr> exprs;              // Simple (one, or a parenthesised list), Rollup, Cube
  std::vector<std::vector<ExprPtr>> sets;  // Sets
};

struct QuerySpec {
  bool distinct = false;
  std::vector<SelectItem> items;
  std::vector<RelationPtr> from;  // joined implicitly (cross) when several
  ExprPtr where;
  bool group_distinct = false;
  std::vector<GroupingElement> group_by;
  ExprPtr having;
  std::vector<std::pair<Identifier, std::unique_ptr<Window>>> windows;  // WINDOW w AS (...)
};

struct With {
  Identifier name;
  std::vector<Identifier> columns;
  QueryPtr query;
};

// A query: WITH, then a body (a SELECT, a set operation, VALUES, TABLE t or a parenthesised query), then
// ORDER BY / OFFSET / LIMIT / FETCH.
struct Query {
  enum class Kind { Select, SetOperation, Values, Table, Nested } kind = Kind::Select;
  Position position;
  bool recursive = false;
  std::vector<With> with;
  std::unique_ptr<QuerySpec> select;  // Select
  // SetOperation: left op right
  std::string set_op;  // union, intersect, except
  bool set_distinct = true;
  QueryPtr left;
  QueryPtr right;
  std::vector<ExprPtr> values;  // Values: one expression per row (a Row for several columns)
  QualifiedName table;          // Table
  QueryPtr nested;              // Nested: ( query )
  std::vector<SortItem> order_by;
  ExprPtr offset;
  ExprPtr limit;             // LIMIT n / FETCH FIRST n ROWS ONLY; null: no limit (LIMIT ALL)
  bool fetch_first = false;  // the limit is FETCH's (its count must be positive), not LIMIT's
  bool with_ties = false;
};

// The statements the local engine reads, with one printer.
enum class StatementKind {
  Query,
  Explain,
  CreateTableAs,
  CreateTable,
  CreateView,
  CreateSchema,
  Insert,
  Unload,
  Drop,
  Alter,
  MsckRepair,
  Show,
  ShowFunctions,
  Describe,
  Use,
  Prepare,
  Execute,
  Deallocate,
  Delete,
  Update,
  Merge,
  Other,
};
std::string_view to_string(StatementKind kind);
// DDL / DML / UTILITY as Athena's QueryExecution.StatementType reports it.
std::string_view athena_statement_type(StatementKind kind);

}  // namespace athena_runner::sql
