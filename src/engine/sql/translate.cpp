#include "athena_runner/engine/sql/translate.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/functions.hpp"
#include "athena_runner/engine/sql/json_path.hpp"
#include "athena_runner/engine/sql/parser.hpp"
#include "registry.hpp"

namespace athena_runner::sql {
namespace {

constexpr int kMaxDecimalPrecision = 38;

// A column a relation makes visible.
struct Field {
  Field() = default;
  Field(std::string name_, Type type_, std::string sql_, int key_of_ = -1, std::string key_ = {})
      : name(std::move(name_)), type(std::move(type_)), sql(std::move(sql_)), key_of(key_of_), key(std::move(key_)) {}
  std::string name;  // lower case; empty for an unnamed column (not referable by name)
  Type type;
  std::string sql;  // how the column is referenced in DuckDB SQL
  // A partition key of partitioned reference `key_of` (an index into Translation::partitioned), read where a
  // partition the query's WHERE drops has no row the query keeps (not the NULL-padded side of an outer join).
  int key_of = -1;
  std::string key;  // that key's name in the catalog (an alias may rename the field)
};

struct RelationScope {
  std::string alias;     // lower case; empty: not referable by a qualifier
  std::string database;  // a catalog table's database (for db.table and catalog.db.table qualifiers)
  std::vector<Field> fields;
  std::set<std::string> using_columns;  // JOIN ... USING: referenced by bare name
};

struct Scope {
  std::vector<RelationScope> relations;
  const Scope* outer = nullptr;
};

struct Cte {
  std::vector<Field> fields;  // names and types (sql: the bare quoted name)
  std::string sql_name;
  std::string refused;        // a reference fails with this message (a recursive query's base)
  int* references = nullptr;  // counts references (a recursive query's step)
};

struct Bound {
  std::string sql;
  Type type;
  std::optional<std::string> constant;  // a string literal's value
  bool is_literal = false;
};

// Where an expression is bound: the name scope, lambda parameters, whether aggregates may appear.
struct Context {
  const Scope* scope = nullptr;
  struct LambdaParameter {
    std::string name;
    Type type;
    std::string sql;
  };
  std::vector<LambdaParameter> lambdas;
  bool allow_aggregates = false;
  bool allow_windows = false;
  // When set, every column the binding resolves: the field, and whether it came from an enclosing query.
  std::vector<std::pair<const Field*, bool>>* columns_seen = nullptr;
};

std::string fold(const Identifier& id) { return id.folded(); }

struct Blocker {
  Position position;
  std::string text;
};
// The string literal an argument is, if it is one.
const std::string* literal_text(const Expr& e) {
  return e.kind == ExprKind::Literal && e.literal == LiteralKind::String ? &e.text : nullptr;
}

// A call whose local implementation may refuse some inputs at run time (a Java regular expression feature
// RE2 reads otherwise, a time zone other than UTC, a Joda letter not implemented): under DuckDB's TRY that
// refusal would silently be a NULL, so such calls are held out of TRY unless their literal pattern or format
// rules every refusal out (functions/datetime.cpp, functions/regex.cpp).
bool may_refuse_at_run_time(const std::string& name, const Expr& e) {
  const auto literal = [&](std::size_t i) { return i < e.args.size() ? literal_text(*e.args[i]) : nullptr; };
  const auto free_of = [](const std::string* text, std::initializer_list<std::string_view> parts) {
    if (text == nullptr) return false;
    return std::none_of(parts.begin(), parts.end(),
                        [&](std::string_view part) { return text->find(part) != std::string::npos; });
  };
  if (name.rfind("regexp_", 0) == 0) {
    // Only patterns of plain characters, classes, groups, alternatives and quantifiers.
    const std::string* pattern = literal(1);
    if (pattern == nullptr || (e.args.size() > 2 && e.args[2]->kind == ExprKind::Lambda)) return true;
    return pattern->find_first_of("\\.^$") != std::string::npos ||
           !free_of(pattern, {"(?", "[[", "&&", "++", "*+", "?+", "}+", "{,", "[]", "[^]"});
  }
  if (name == "parse_datetime") {
    const std::string* format = literal(1);
    return !free_of(format, {"E", "e", "w", "x", "G", "C", "z", "Z"}) ||
           (format->find("yy") != std::string::npos && format->find("yyy") == std::string::npos);
  }
  if (name == "format_datetime") return !free_of(literal(1), {"C", "z"});
  if (name == "date_parse") return !free_of(literal(1), {"%a", "%W", "%v", "%x"});
  if (name == "to_char" || name == "to_timestamp" || name == "to_date") {
    const std::string* format = literal(1);
    if (format == nullptr) return true;
    std::string rest = *format;
    for (const char* allowed : {"hh24", "yyyy"}) {
      for (std::size_t at = rest.find(allowed); at != std::string::npos; at = rest.find(allowed)) rest.erase(at, 4);
    }
    return rest.find("hh") != std::string::npos || rest.find("yy") != std::string::npos;
  }
  return name == "from_iso8601_timestamp" || name == "from_iso8601_date" || name == "human_readable_seconds" ||
         name == "parse_data_size" || name == "soundex";  // soundex: non-ASCII letters (functions/strings.cpp)
}

// What in an expression DuckDB's TRY cannot hold: subqueries, aggregates, window and volatile functions, and
// calls that may refuse at run time.
std::optional<Blocker> try_blocker(const Expr& e) {
  switch (e.kind) {
    case ExprKind::InSubquery:
    case ExprKind::Exists:
    case ExprKind::ScalarSubquery:
    case ExprKind::Quantified: return Blocker{e.position, "a subquery"};
    case ExprKind::JsonFunction: {
      // Trino's TRY does not catch the SQL/JSON errors (path evaluation, input and output conversion) nor
      // json_object's key errors: where these functions can fail, TRY is refused.
      using Spec = JsonFunctionSpec;
      const Spec& spec = *e.json;
      const bool constructor = spec.function == Spec::Function::Array || spec.function == Spec::Function::Object;
      const bool may_fail = constructor
                                ? spec.function == Spec::Function::Object ||
                                      std::find(spec.value_format_json.begin(), spec.value_format_json.end(), true) !=
                                          spec.value_format_json.end() ||
                                      (spec.returning && spec.returning->kind == TypeKind::Varchar &&
                                       spec.returning->precision != Type::kUnbounded)
                                : spec.on_empty == Spec::Behavior::Error || spec.on_error == Spec::Behavior::Error;
      if (may_fail) return Blocker{e.position, "a SQL/JSON function that may fail"};
      break;
    }
    case ExprKind::Call: {
      const std::string name = to_string(e.name);
      if (e.window) return Blocker{e.position, "the window function " + name};
      if (has_function(name, FunctionKind::Aggregate)) return Blocker{e.position, "the aggregate " + name};
      for (const char* volatile_function : {"rand", "random", "shuffle", "uuid"}) {
        if (name == volatile_function) return Blocker{e.position, name + "()"};
      }
      if (may_refuse_at_run_time(name, e)) {
        return Blocker{e.position, name + "(...) with this pattern, format or argument (it refuses some inputs)"};
      }
      break;
    }
    default: break;
  }
  for (const auto& arg : e.args) {
    if (arg) {
      if (auto found = try_blocker(*arg)) return found;
    }
  }
  return std::nullopt;
}

// "a.b" without the temporaries of a + "." + b.
std::string dotted(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(a.size() + 1 + b.size());
  out += a;
  out += '.';
  out += b;
  return out;
}

// Trino's date text: [+-]YYYY-M-D, surrounding spaces allowed (DuckDB's CAST then checks the calendar).
bool is_date_text(std::string_view text) {
  std::string_view t = text::trim(text);
  std::size_t i = 0;
  auto digits = [&](std::size_t min, std::size_t max) {
    std::size_t start = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) && i - start < max) ++i;
    return i - start >= min;
  };
  if (!digits(4, 4)) return false;
  if (i >= t.size() || t[i++] != '-' || !digits(1, 2)) return false;
  if (i >= t.size() || t[i++] != '-' || !digits(1, 2)) return false;
  return i == t.size();
}

}  // namespace

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string quote_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string failing_value(std::string_view message, std::string_view duck_type) {
  return "CAST(ar_fail(" + quote_string(message) + ") AS " + std::string(duck_type) + ")";
}

namespace {

class Translator {
 public:
  Translator(const Catalog& catalog, const TranslateOptions& options) : catalog_(catalog), options_(options) {}

  std::vector<std::pair<std::string, std::string>> tables() const { return {tables_.begin(), tables_.end()}; }
  std::vector<PartitionedReference> partitioned() && { return std::move(partitioned_); }

  struct QueryResult {
    std::string sql;
    std::vector<Field> fields;  // output columns (name, type)
  };

  Outcome<QueryResult> query(const Query& q, const Scope* outer) {
    if (++depth_ > 300) return semantic_error(at(q.position, "the query is nested too deeply"));
    auto out = query_inner(q, outer);
    --depth_;
    return out;
  }

 private:
  // ---- queries ----

  Outcome<QueryResult> query_inner(const Query& q, const Scope* outer) {
    std::string with_sql;
    const std::size_t ctes_before = ctes_.size();
    if (!q.with.empty()) {
      for (const auto& item : q.with) {
        if (q.recursive) {
          auto expanded = recursive_with(item, outer);
          if (!expanded) return expanded.get_failure();
          if (*expanded) {
            with_sql += std::string(with_sql.empty() ? "WITH " : ", ") + (*expanded)->second;
            ctes_.emplace_back(fold(item.name), std::move((*expanded)->first));
            continue;
          }
        }
        auto body = query(*item.query, outer);
        if (!body) return body;
        Cte cte;
        cte.sql_name = quote_identifier("ar_cte_" + std::to_string(++cte_counter_) + "_" + fold(item.name));
        if (!item.columns.empty() && item.columns.size() != body->fields.size()) {
          return semantic_error(at(item.name.position, "WITH query name " + fold(item.name) + " has " +
                                                           std::to_string(body->fields.size()) + " columns but " +
                                                           std::to_string(item.columns.size()) + " column names"));
        }
        std::string columns;
        for (std::size_t i = 0; i < body->fields.size(); ++i) {
          Field field = body->fields[i];
          if (!item.columns.empty()) field.name = fold(item.columns[i]);
          columns += (i ? ", " : "") + quote_identifier("c" + std::to_string(i));
          field.sql = quote_identifier("c" + std::to_string(i));
          cte.fields.push_back(std::move(field));
        }
        with_sql +=
            std::string(with_sql.empty() ? "WITH " : ", ") + cte.sql_name + "(" + columns + ") AS (" + body->sql + ")";
        ctes_.emplace_back(fold(item.name), std::move(cte));
      }
    }
    auto body = query_body(q, outer);
    ctes_.resize(ctes_before);
    if (!body) return body;
    if (!with_sql.empty()) body->sql = with_sql + " " + body->sql;
    return body;
  }

  // One query of a WITH RECURSIVE list, as Trino plans it (sql/select.md "WITH RECURSIVE clause"): a UNION ALL
  // of a base and a step naming the query once in its FROM is unrolled max_recursion_depth (10, Trino's
  // default) times, each step over the previous step's rows with the base's types, and rows from one step
  // more fail the query with Trino's message (a count over that step, cross joined to the union, so that no
  // filter of the outer query can skip the check). Returns the query's Cte and its WITH items, or
  // nullopt for a query of another shape (an ordinary WITH query).
  Outcome<std::optional<std::pair<Cte, std::string>>> recursive_with(const With& item, const Scope* outer) {
    constexpr int kMaxRecursionDepth = 10;
    if (item.columns.empty()) {
      return semantic_error(at(item.name.position, "missing column aliases in recursive WITH query"));
    }
    const Query* body = item.query.get();
    const bool immediate = body->kind == Query::Kind::Nested && body->nested &&
                           body->nested->kind == Query::Kind::SetOperation && body->nested->with.empty() &&
                           (!body->order_by.empty() || body->offset || body->limit);
    if (immediate) body = body->nested.get();
    if (body->kind != Query::Kind::SetOperation || body->set_op != "union" || !body->left || !body->right) {
      return std::optional<std::pair<Cte, std::string>>();
    }
    const std::string name = fold(item.name);
    // The base: a reference to the query is Trino's error.
    Cte refused;
    refused.refused = "WITH table name is referenced in the base relation of recursion";
    ctes_.emplace_back(name, refused);
    auto base = query(*body->left, outer);
    ctes_.pop_back();
    if (!base) return base.get_failure();
    if (base->fields.size() != item.columns.size()) {
      return semantic_error(at(item.name.position, "WITH query name " + name + " has " +
                                                       std::to_string(base->fields.size()) + " columns but " +
                                                       std::to_string(item.columns.size()) + " column names"));
    }
    const std::string prefix = "ar_cte_" + std::to_string(++cte_counter_) + "_" + name;
    std::string columns;
    Cte level;
    for (std::size_t i = 0; i < base->fields.size(); ++i) {
      const std::string column = quote_identifier("c" + std::to_string(i));
      columns += (i ? ", " : "") + column;
      level.fields.push_back(Field{fold(item.columns[i]), base->fields[i].type, column});
    }
    level.sql_name = quote_identifier(prefix + "_0");
    std::string sql = level.sql_name + "(" + columns + ") AS (" + base->sql + ")";
    std::string all = "SELECT " + columns + " FROM " + level.sql_name;
    for (int depth = 1; depth <= kMaxRecursionDepth + 1; ++depth) {
      int references = 0;
      Cte previous = level;
      previous.references = &references;
      ctes_.emplace_back(name, previous);
      auto step = query(*body->right, outer);
      ctes_.pop_back();
      if (!step) return step.get_failure();
      if (references == 0) return std::optional<std::pair<Cte, std::string>>();  // not recursive
      if (references > 1) {
        return semantic_error(
            at(body->right->position, "multiple recursive references in the step relation of recursion"));
      }
      if (depth == 1) {
        if (!item.query->with.empty()) {
          return semantic_error(at(item.query->position, "immediate WITH clause in recursive query"));
        }
        if (immediate) {
          const Query& outer_query = *item.query;
          const std::string clause = !outer_query.order_by.empty() ? "ORDER BY"
                                     : outer_query.offset          ? "OFFSET"
                                                                   : "FETCH FIRST / LIMIT";
          return semantic_error(at(outer_query.position, "immediate " + clause + " clause in recursive query"));
        }
        if (body->set_distinct) {
          return not_supported(
              at(body->position, "WITH RECURSIVE with UNION DISTINCT is not supported by the local engine"));
        }
        if (step->fields.size() != base->fields.size()) {
          return semantic_error(
              at(body->right->position, "base and step relations of recursion have different number of fields: " +
                                            std::to_string(base->fields.size()) + ", " +
                                            std::to_string(step->fields.size())));
        }
      }
      // The step's rows with the base's types.
      const std::string alias = quote_identifier("ar_s" + std::to_string(++relation_counter_));
      std::string items;
      for (std::size_t i = 0; i < step->fields.size(); ++i) {
        const Type& from = step->fields[i].type;
        const Type& to = base->fields[i].type;
        if (!(from == to) && !can_coerce(from, to)) {
          return semantic_error(
              at(body->right->position, "recursion step relation output type (" + to_string(from) +
                                            ") is not coercible to recursion base relation output type (" +
                                            to_string(to) + ") at column " + std::to_string(i + 1)));
        }
        auto cast = coerce(alias + "." + quote_identifier("c" + std::to_string(i)), from, to);
        if (!cast) return cast.get_failure();
        items += (i ? ", " : "") + *cast;
      }
      level.sql_name = quote_identifier(prefix + "_" + std::to_string(depth));
      sql += ", ";
      sql += level.sql_name;
      sql += "(" + columns;
      sql += ") AS (SELECT " + items;
      sql += " FROM (" + step->sql;
      sql += ") AS " + alias;
      sql += "(" + columns;
      sql += "))";
      if (depth <= kMaxRecursionDepth) all += " UNION ALL SELECT " + columns + " FROM " + level.sql_name;
    }
    const std::string message = "Recursion depth limit exceeded (" + std::to_string(kMaxRecursionDepth) +
                                "). Use 'max_recursion_depth' session property to modify the limit.";
    all = "SELECT ar_u.* FROM (" + all + ") AS ar_u CROSS JOIN (SELECT count(*) FROM " + level.sql_name +
          ") AS ar_check(n) WHERE ar_fail(CASE WHEN ar_check.n > 0 THEN " + quote_string(message) + " END) IS NULL";
    Cte cte;
    cte.sql_name = quote_identifier(prefix);
    cte.fields = level.fields;
    sql += ", " + cte.sql_name + "(" + columns + ") AS (" + all + ")";
    return std::optional<std::pair<Cte, std::string>>(std::make_pair(std::move(cte), std::move(sql)));
  }

  // The body with its ORDER BY / LIMIT / OFFSET.
  Outcome<QueryResult> query_body(const Query& q, const Scope* outer) {
    if (q.kind == Query::Kind::Select && q.select) return select(*q.select, q, outer);
    Outcome<QueryResult> body = semantic_error("empty query");
    switch (q.kind) {
      case Query::Kind::Nested: body = query(*q.nested, outer); break;
      case Query::Kind::SetOperation: body = set_operation(q, outer); break;
      case Query::Kind::Values: body = values(q, outer); break;
      case Query::Kind::Table: {
        auto table = table_reference(q.table, q.position);
        if (!table) return table.get_failure();
        std::string items;
        QueryResult r;
        for (std::size_t i = 0; i < table->fields.size(); ++i) {
          items += (i ? ", " : "") + table->fields[i].sql + " AS " + quote_identifier(table->fields[i].name);
          Field f = table->fields[i];
          r.fields.push_back(f);
        }
        r.sql = "SELECT " + items + " FROM " + table->from_sql;
        body = std::move(r);
        break;
      }
      case Query::Kind::Select: break;
    }
    if (!body) return body;
    if (q.order_by.empty() && !q.limit && !q.offset) return body;
    // ORDER BY over a set operation, VALUES or a nested query: output columns by name or position.
    QueryResult r = std::move(body).get_result();
    const std::string alias = quote_identifier("ar_q" + std::to_string(++relation_counter_));
    std::string items;
    Scope scope;
    RelationScope rel;
    for (std::size_t i = 0; i < r.fields.size(); ++i) {
      Field f = r.fields[i];
      f.sql = alias + "." + quote_identifier("c" + std::to_string(i));
      items += (i ? ", " : "") + f.sql + " AS " +
               quote_identifier(r.fields[i].name.empty() ? "c" + std::to_string(i) : r.fields[i].name);
      rel.fields.push_back(std::move(f));
    }
    scope.relations.push_back(std::move(rel));
    scope.outer = outer;
    std::string columns;
    for (std::size_t i = 0; i < r.fields.size(); ++i)
      columns += (i ? ", " : "") + quote_identifier("c" + std::to_string(i));
    std::string sql = "SELECT " + items + " FROM (" + r.sql + ") AS " + alias + "(" + columns + ")";
    std::vector<std::string> output_sql;
    for (const auto& f : scope.relations.back().fields) output_sql.push_back(f.sql);
    auto tail = order_limit(q, scope, r.fields, q.with_ties ? output_sql : std::vector<std::string>{});
    if (!tail) return tail.get_failure();
    r.sql = sql + *tail;
    return r;
  }

  // ORDER BY / OFFSET / LIMIT for `scope` with `outputs` (the select items, for names and ordinals).
  Outcome<std::string> order_limit(const Query& q, const Scope& scope, const std::vector<Field>& outputs,
                                   const std::vector<std::string>& output_sql) {
    std::string out;
    if (!q.order_by.empty()) {
      out += " ORDER BY ";
      for (std::size_t i = 0; i < q.order_by.size(); ++i) {
        const SortItem& item = q.order_by[i];
        auto key = sort_key(*item.expr, scope, outputs, output_sql);
        if (!key) return key.get_failure();
        out += (i ? ", " : "") + *key + (item.descending ? " DESC" : " ASC") +
               (item.nulls_first.value_or(false) ? " NULLS FIRST" : " NULLS LAST");
      }
    }
    if (q.with_ties) return ties_tail(q, scope, outputs, output_sql);
    if (q.limit) {
      if (auto positive = fetch_count_positive(q); !positive) return positive.get_failure();
      auto n = row_count(*q.limit);
      if (!n) return n.get_failure();
      out += " LIMIT " + *n;
    }
    if (q.offset) {
      auto n = row_count(*q.offset);
      if (!n) return n.get_failure();
      out += " OFFSET " + *n;
    }
    return out;
  }

  // Trino's analyzer: a FETCH FIRST count (a literal, or the parameter's value) must be at least 1; LIMIT 0 is fine.
  Status fetch_count_positive(const Query& q) {
    if (!q.fetch_first || !q.limit) return Ok{};
    const Expr& count = *q.limit;
    const std::string* digits = count.kind == ExprKind::Literal && count.literal == LiteralKind::Integer ? &count.text
                                : count.kind == ExprKind::Parameter && count.index >= 0 &&
                                        static_cast<std::size_t>(count.index) < options_.parameters.size()
                                    ? &options_.parameters[static_cast<std::size_t>(count.index)]
                                    : nullptr;
    if (digits && !digits->empty() && digits->find_first_not_of('0') == std::string::npos) {
      return semantic_error(at(count.position, "FETCH FIRST row count must be positive (actual value: 0)"));
    }
    return Ok{};
  }

  Outcome<std::string> row_count(const Expr& e) {
    if (e.kind == ExprKind::Literal && e.literal == LiteralKind::Integer) return e.text;
    if (e.kind == ExprKind::Parameter) {
      auto bound = parameter(e);
      if (!bound) return bound.get_failure();
      if (!is_integral(bound->type)) return semantic_error(at(e.position, "LIMIT and OFFSET take an integer"));
      return bound->sql;
    }
    return semantic_error(at(e.position, "LIMIT and OFFSET take an integer"));
  }

  // FETCH FIRST n ROWS WITH TIES (DuckDB has none): after OFFSET m, the rows up to the (m + n)-th in ORDER BY
  // order and that row's peers, kept by QUALIFY on rank() and row_number() over the same keys (a row sorts
  // no later than the (m + n)-th's peers exactly when its rank is at most m + n). An ordinal key (an output
  // by position or name) is that output's SQL.
  Outcome<std::string> ties_tail(const Query& q, const Scope& scope, const std::vector<Field>& outputs,
                                 const std::vector<std::string>& output_sql) {
    if (q.order_by.empty() || !q.limit) {
      return semantic_error(at(q.position, "FETCH FIRST WITH TIES clause requires ORDER BY"));
    }
    std::vector<std::string> keys;
    for (const SortItem& item : q.order_by) {
      auto key = sort_key(*item.expr, scope, outputs, output_sql);
      if (!key) return key.get_failure();
      keys.push_back(is_ordinal(*key) ? output_sql.at(std::stoul(*key) - 1) : *key);
    }
    return ties_clause(q, keys);
  }

  static bool is_ordinal(const std::string& key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  // " QUALIFY ... ORDER BY ..." over the key expressions `keys` (one per ORDER BY item of `q`).
  Outcome<std::string> ties_clause(const Query& q, const std::vector<std::string>& keys) {
    std::string order;
    for (std::size_t i = 0; i < q.order_by.size(); ++i) {
      const SortItem& item = q.order_by[i];
      order += (i ? ", " : "") + keys[i] + (item.descending ? " DESC" : " ASC") +
               (item.nulls_first.value_or(false) ? " NULLS FIRST" : " NULLS LAST");
    }
    const Expr& count = *q.limit;
    if (count.kind != ExprKind::Literal || count.literal != LiteralKind::Integer) {
      return not_supported(
          at(count.position, "FETCH FIRST ? ROWS WITH TIES (a parameter) is not supported by the local engine"));
    }
    if (auto positive = fetch_count_positive(q); !positive) return positive.get_failure();
    auto n = row_count(count);
    if (!n) return n.get_failure();
    std::string last = "(" + *n + ")";
    std::string skip;
    if (q.offset) {
      auto m = row_count(*q.offset);
      if (!m) return m.get_failure();
      last = "(" + *m + ") + " + last;
      skip = " AND row_number() OVER (ORDER BY " + order + ") > (" + *m + ")";
    }
    return " QUALIFY rank() OVER (ORDER BY " + order + ") <= " + last + skip + " ORDER BY " + order;
  }

  // A SELECT with FETCH ... WITH TIES: the select (without its ORDER BY) with each sort key that is not an
  // output as a hidden column, under an outer SELECT whose QUALIFY keeps the rows (ties_tail), so that
  // DISTINCT, aggregates and windows are computed before the ranking.
  Outcome<QueryResult> select_with_ties(const Query& q, const QuerySpec& spec, const Scope& scope,
                                        const std::string& sql, std::size_t items_end, std::vector<Field> outputs,
                                        const std::vector<std::string>& output_sql) {
    if (q.order_by.empty() || !q.limit) {
      return semantic_error(at(q.position, "FETCH FIRST WITH TIES clause requires ORDER BY"));
    }
    const std::string alias = quote_identifier("ar_t" + std::to_string(++relation_counter_));
    auto column = [&](std::size_t i) { return alias + "." + quote_identifier("c" + std::to_string(i)); };
    std::string hidden;
    std::string items;
    std::string columns;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      items += (i ? ", " : "") + column(i) + " AS " + quote_identifier("c" + std::to_string(i));
      columns += (i ? ", " : "") + quote_identifier("c" + std::to_string(i));
    }
    // Each key: an output (by ordinal, name or the same SQL) or a hidden column.
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < q.order_by.size(); ++i) {
      const SortItem& item = q.order_by[i];
      auto key = sort_key(*item.expr, scope, outputs, output_sql);
      if (!key) return key.get_failure();
      std::string ref;
      if (is_ordinal(*key)) {
        ref = column(std::stoul(*key) - 1);
      } else {
        for (std::size_t j = 0; j < output_sql.size() && ref.empty(); ++j) {
          if (output_sql[j] == *key) ref = column(j);
        }
      }
      if (ref.empty()) {
        if (spec.distinct) {
          return semantic_error(
              at(item.expr->position, "For SELECT DISTINCT, ORDER BY expressions must appear in select list"));
        }
        const std::string name = quote_identifier("k" + std::to_string(i));
        hidden += ", " + *key + " AS " + name;
        columns += ", " + name;
        ref = alias;
        ref += "." + name;
      }
      keys.push_back(std::move(ref));
    }
    auto tail = ties_clause(q, keys);
    if (!tail) return tail.get_failure();
    QueryResult out;
    out.sql = "SELECT " + items + " FROM (" + sql.substr(0, items_end) + hidden + sql.substr(items_end) + ") AS " +
              alias + "(" + columns + ")" + *tail;
    out.fields = std::move(outputs);
    return out;
  }

  // An ORDER BY key: an output column (by position or name, Trino's precedence) or an expression.
  Outcome<std::string> sort_key(const Expr& e, const Scope& scope, const std::vector<Field>& outputs,
                                const std::vector<std::string>& output_sql) {
    if (e.kind == ExprKind::Literal && e.literal == LiteralKind::Integer) {
      long long n = std::stoll(e.text.size() > 18 ? "0" : e.text);
      if (n < 1 || n > static_cast<long long>(outputs.size())) {
        return semantic_error(at(e.position, "ORDER BY position " + e.text + " is not in select list"));
      }
      return std::to_string(n);
    }
    if (e.kind == ExprKind::Column && e.name.size() == 1) {
      const std::string name = fold(e.name[0]);
      int found = -1;
      for (std::size_t i = 0; i < outputs.size(); ++i) {
        if (outputs[i].name == name) {
          if (found >= 0 && !(output_sql.size() > i && output_sql[i] == output_sql[static_cast<std::size_t>(found)])) {
            return semantic_error(at(e.position, "Column '" + name + "' is ambiguous"));
          }
          if (found < 0) found = static_cast<int>(i);
        }
      }
      if (found >= 0) return std::to_string(found + 1);
    }
    Context context;
    context.scope = &scope;
    context.allow_aggregates = true;
    context.allow_windows = true;
    auto bound = bind(e, context);
    if (!bound) return bound.get_failure();
    if (!is_orderable(bound->type)) {
      return semantic_error(at(e.position, "Type " + to_string(bound->type) + " is not orderable"));
    }
    return bound->sql;
  }

  Outcome<QueryResult> set_operation(const Query& q, const Scope* outer) {
    auto left = query(*q.left, outer);
    if (!left) return left;
    auto right = query(*q.right, outer);
    if (!right) return right;
    if (left->fields.size() != right->fields.size()) {
      return semantic_error(at(q.position, text::upper(q.set_op) + " query has different number of fields: " +
                                               std::to_string(left->fields.size()) + ", " +
                                               std::to_string(right->fields.size())));
    }
    std::vector<Type> types;
    for (std::size_t i = 0; i < left->fields.size(); ++i) {
      Type t;
      if (!common_super_type(left->fields[i].type, right->fields[i].type, t)) {
        return semantic_error(at(q.position, "column " + std::to_string(i + 1) + " in " + text::upper(q.set_op) +
                                                 " query has incompatible types: " + to_string(left->fields[i].type) +
                                                 ", " + to_string(right->fields[i].type)));
      }
      if ((q.set_op != "union" || q.set_distinct) && !is_comparable(t)) {
        return semantic_error(at(q.position, "Type " + to_string(t) + " is not comparable"));
      }
      types.push_back(t);
    }
    auto side = [&](QueryResult& r) -> Outcome<std::string> {
      bool same = true;
      for (std::size_t i = 0; i < types.size(); ++i) same = same && r.fields[i].type == types[i];
      if (same) return "(" + r.sql + ")";
      const std::string alias = quote_identifier("ar_s" + std::to_string(++relation_counter_));
      std::string items;
      std::string columns;
      for (std::size_t i = 0; i < types.size(); ++i) {
        const std::string column = alias + "." + quote_identifier("c" + std::to_string(i));
        auto cast = coerce(column, r.fields[i].type, types[i]);
        if (!cast) return cast;
        items += (i ? ", " : "") + *cast;
        columns += (i ? ", " : "") + quote_identifier("c" + std::to_string(i));
      }
      return "(SELECT " + items + " FROM (" + r.sql + ") AS " + alias + "(" + columns + "))";
    };
    auto l = side(*left);
    if (!l) return l.get_failure();
    auto r = side(*right);
    if (!r) return r.get_failure();
    QueryResult out;
    out.sql = *l + " " + text::upper(q.set_op) + (q.set_distinct ? "" : " ALL") + " " + *r;
    for (std::size_t i = 0; i < types.size(); ++i) out.fields.push_back(Field{left->fields[i].name, types[i], ""});
    return out;
  }

  Outcome<QueryResult> values(const Query& q, const Scope* outer) {
    Context context;
    Scope empty;
    empty.outer = outer;
    context.scope = &empty;
    std::vector<std::vector<Bound>> rows;
    std::size_t width = 0;
    for (const auto& row : q.values) {
      std::vector<Bound> cells;
      if (row->kind == ExprKind::Row) {
        for (const auto& cell : row->args) {
          auto b = bind(*cell, context);
          if (!b) return b.get_failure();
          cells.push_back(std::move(b).get_result());
        }
      } else {
        auto b = bind(*row, context);
        if (!b) return b.get_failure();
        cells.push_back(std::move(b).get_result());
      }
      if (!rows.empty() && cells.size() != width) {
        return semantic_error(at(row->position, "Values rows have mismatched sizes: " + std::to_string(width) + " vs " +
                                                    std::to_string(cells.size())));
      }
      width = cells.size();
      rows.push_back(std::move(cells));
    }
    std::vector<Type> types(width, Type::of(TypeKind::Unknown));
    for (const auto& row : rows) {
      for (std::size_t i = 0; i < width; ++i) {
        Type t;
        if (!common_super_type(types[i], row[i].type, t)) {
          return semantic_error(at(q.position, "Values rows have mismatched types: " + to_string(types[i]) + " vs " +
                                                   to_string(row[i].type)));
        }
        types[i] = t;
      }
    }
    QueryResult out;
    std::string sql = "VALUES ";
    for (std::size_t r = 0; r < rows.size(); ++r) {
      sql += r ? ", (" : "(";
      for (std::size_t i = 0; i < width; ++i) {
        auto cast = coerce(rows[r][i].sql, rows[r][i].type, types[i], true);
        if (!cast) return cast.get_failure();
        sql += (i ? ", " : "") + *cast;
      }
      sql += ")";
    }
    out.sql = sql;
    for (std::size_t i = 0; i < width; ++i) out.fields.push_back(Field{"_col" + std::to_string(i), types[i], ""});
    return out;
  }

  struct FromItem {
    std::string from_sql;
    std::vector<RelationScope> relations;
    std::vector<Field> fields;  // for TABLE t
  };

  Outcome<FromItem> table_reference(const QualifiedName& name, const Position& position) {
    std::string database = options_.database;
    std::string table;
    if (name.size() == 1) {  // a WITH query of that name hides tables
      for (auto it = ctes_.rbegin(); it != ctes_.rend(); ++it) {
        if (it->first == fold(name[0])) {
          if (!it->second.refused.empty()) return semantic_error(at(position, it->second.refused));
          if (it->second.references) ++*it->second.references;
          FromItem item;
          const std::string alias = quote_identifier("ar_r" + std::to_string(++relation_counter_));
          item.from_sql = it->second.sql_name + " AS " + alias;
          RelationScope rel;
          rel.alias = it->first;
          for (const auto& f : it->second.fields) {
            rel.fields.push_back(Field{f.name, f.type, alias + "." + f.sql});
          }
          item.fields = rel.fields;
          item.relations.push_back(std::move(rel));
          return item;
        }
      }
      table = fold(name[0]);
    } else if (name.size() == 2) {
      database = fold(name[0]);
      table = fold(name[1]);
    } else if (name.size() == 3) {
      const std::string catalog = fold(name[0]);
      if (catalog != "awsdatacatalog") {  // Trino's words (MetadataUtil), as the catalog store gives them
        return make_error(ErrorKind::InvalidInput, std::string(kCatalogNotFoundCode),
                          "Catalog '" + catalog + "' does not exist");
      }
      database = fold(name[1]);
      table = fold(name[2]);
    } else {
      return semantic_error(at(position, "Too many dots in table name: " + to_string(name)));
    }
    const TableSchema* schema = catalog_.find_table(database, table);
    if (!schema) {
      if (!catalog_.has_database(database)) {
        return semantic_error(at(position, "Schema '" + database + "' does not exist"));
      }
      return semantic_error(at(position, "Table 'awsdatacatalog." + database + "." + table + "' does not exist"));
    }
    if (!schema->problem.empty()) {
      return not_supported(at(position, "table " + database + "." + table + ": " + schema->problem));
    }
    tables_.insert({database, table});
    FromItem item;
    const std::string alias = quote_identifier("ar_r" + std::to_string(++relation_counter_));
    item.from_sql = quote_identifier(database) + "." + quote_identifier(table) + " AS " + alias;
    int key_of = -1;
    if (schema->partition_keys > 0) {  // read through the relation the engine makes of the partitions it needs
      key_of = static_cast<int>(partitioned_.size());
      PartitionedReference reference;
      reference.database = database;
      reference.table = table;
      reference.view = "ar_p" + std::to_string(partitioned_.size() + 1);
      reference.alias = alias;
      item.from_sql = "temp.main." + quote_identifier(reference.view) + " AS " + alias;
      partitioned_.push_back(std::move(reference));
    }
    RelationScope rel;
    rel.alias = table;
    rel.database = database;
    const std::size_t first_key = schema->columns.size() - schema->partition_keys;
    for (std::size_t i = 0; i < schema->columns.size(); ++i) {
      const auto& column = schema->columns[i];
      const bool is_key = i >= first_key && key_of >= 0;
      rel.fields.push_back(Field{column.name, column.type, alias + "." + quote_identifier(column.name),
                                 is_key ? key_of : -1, is_key ? column.name : std::string()});
    }
    item.fields = rel.fields;
    item.relations.push_back(std::move(rel));
    return item;
  }

  // Applies `AS alias (columns)` to a relation's single scope.
  Status apply_alias(const Relation& r, FromItem& item) {
    if (!r.alias) return Ok{};
    if (item.relations.size() != 1) {
      return semantic_error(at(r.position, "an aliased join must be a subquery"));
    }
    RelationScope& rel = item.relations[0];
    rel.alias = fold(*r.alias);
    rel.database.clear();
    if (!r.column_aliases.empty()) {
      if (r.column_aliases.size() != rel.fields.size()) {
        return semantic_error(at(r.position, "Column alias list has " + std::to_string(r.column_aliases.size()) +
                                                 " entries but '" + rel.alias + "' has " +
                                                 std::to_string(rel.fields.size()) + " columns available"));
      }
      for (std::size_t i = 0; i < rel.fields.size(); ++i) rel.fields[i].name = fold(r.column_aliases[i]);
    }
    return Ok{};
  }

  Outcome<FromItem> relation(const Relation& r, const Scope* outer, const Scope* lateral) {
    switch (r.kind) {
      case Relation::Kind::Table: {
        auto item = table_reference(r.table, r.position);
        if (!item) return item;
        if (auto aliased = apply_alias(r, *item); !aliased) return aliased.get_failure();
        return item;
      }
      case Relation::Kind::Lateral:
      case Relation::Kind::Subquery: {
        const Scope* visible = r.kind == Relation::Kind::Lateral ? lateral : outer;
        auto body = query(*r.query, visible);
        if (!body) return body.get_failure();
        FromItem item;
        const std::string alias = quote_identifier("ar_r" + std::to_string(++relation_counter_));
        std::string columns;
        RelationScope rel;
        for (std::size_t i = 0; i < body->fields.size(); ++i) {
          const std::string column = quote_identifier("c" + std::to_string(i));
          columns += (i ? ", " : "") + column;
          rel.fields.push_back(Field{body->fields[i].name, body->fields[i].type, dotted(alias, column)});
        }
        item.from_sql = std::string(r.kind == Relation::Kind::Lateral ? "LATERAL " : "") + "(" + body->sql + ") AS " +
                        alias + "(" + columns + ")";
        item.relations.push_back(std::move(rel));
        if (auto aliased = apply_alias(r, item); !aliased) return aliased.get_failure();
        return item;
      }
      case Relation::Kind::Unnest: return unnest(r, lateral);
      case Relation::Kind::Join: return join(r, outer);
    }
    return semantic_error("unknown relation");
  }

  Outcome<FromItem> unnest(const Relation& r, const Scope* lateral) {
    Context context;
    Scope empty;
    context.scope = lateral ? lateral : &empty;
    std::vector<std::string> items;
    std::vector<Field> fields;
    std::string lengths;
    for (const auto& e : r.unnest) {
      auto b = bind(*e, context);
      if (!b) return b.get_failure();
      if (b->type.kind == TypeKind::Array) {
        const Type& element = b->type.children[0];
        if (element.kind == TypeKind::Row) {
          // One column per field (a NULL row gives NULL fields); the unnests of one SELECT stay aligned.
          for (std::size_t i = 0; i < element.children.size(); ++i) {
            items.push_back("unnest(list_transform(" + b->sql + ", lambda ar_e: struct_extract_at(ar_e, " +
                            std::to_string(i + 1) + ")))");
            fields.push_back(
                Field{i < element.field_names.size() ? element.field_names[i] : "", element.children[i], ""});
          }
        } else {
          items.push_back("unnest(" + b->sql + ")");
          fields.push_back(Field{"", element, ""});
        }
        lengths += std::string(lengths.empty() ? "" : ", ") + "coalesce(len(" + b->sql + "), 0)";
      } else if (b->type.kind == TypeKind::Map) {
        items.push_back("unnest(map_keys(" + b->sql + "))");
        items.push_back("unnest(map_values(" + b->sql + "))");
        fields.push_back(Field{"", b->type.children[0], ""});
        fields.push_back(Field{"", b->type.children[1], ""});
        lengths += std::string(lengths.empty() ? "" : ", ") + "coalesce(cardinality(" + b->sql + "), 0)";
      } else {
        return semantic_error(at(e->position, "Cannot unnest type: " + to_string(b->type)));
      }
    }
    if (r.with_ordinality) {
      items.push_back("unnest(range(1, CAST(greatest(" + lengths + (r.unnest.size() == 1 ? ", 0" : "") +
                      ") AS BIGINT) + 1))");
      fields.push_back(Field{"", Type::of(TypeKind::Bigint), ""});
    }
    FromItem item;
    const std::string alias = quote_identifier("ar_r" + std::to_string(++relation_counter_));
    std::string select;
    std::string columns;
    RelationScope rel;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string column = quote_identifier("c" + std::to_string(i));
      select += (i ? ", " : "") + items[i];
      columns += (i ? ", " : "") + column;
      fields[i].sql = dotted(alias, column);
      rel.fields.push_back(fields[i]);
    }
    item.from_sql =
        std::string(lateral ? "LATERAL " : "") + "(SELECT " + select + ") AS " + alias + "(" + columns + ")";
    item.relations.push_back(std::move(rel));
    if (auto aliased = apply_alias(r, item); !aliased) return aliased.get_failure();
    return item;
  }

  Outcome<FromItem> join(const Relation& r, const Scope* outer) {
    if (r.natural) return not_supported(at(r.position, "NATURAL JOIN is not supported by the local engine"));
    auto left = relation(*r.left, outer, nullptr);
    if (!left) return left;
    // The right side of a join may refer to the left (UNNEST, LATERAL), as in Trino.
    Scope lateral;
    lateral.relations = left->relations;
    lateral.outer = outer;
    auto right = relation(*r.right, outer, &lateral);
    if (!right) return right;
    FromItem item;
    item.relations = left->relations;
    for (auto& rel : right->relations) item.relations.push_back(rel);
    static const std::map<JoinKind, std::string> kJoin = {
        {JoinKind::Cross, "CROSS JOIN"}, {JoinKind::Inner, "JOIN"},     {JoinKind::Left, "LEFT JOIN"},
        {JoinKind::Right, "RIGHT JOIN"}, {JoinKind::Full, "FULL JOIN"}, {JoinKind::Implicit, ","}};
    std::string sql = left->from_sql + " " + kJoin.at(r.join) + " " + right->from_sql;
    if (r.on) {
      Scope scope;
      scope.relations = item.relations;
      scope.outer = outer;
      Context context;
      context.scope = &scope;
      auto on = bind(*r.on, context);
      if (!on) return on.get_failure();
      if (on->type.kind != TypeKind::Boolean && on->type.kind != TypeKind::Unknown) {
        return semantic_error(
            at(r.on->position, "JOIN ON clause must evaluate to a boolean: actual type " + to_string(on->type)));
      }
      sql += " ON " + on->sql;
    } else if (!r.using_columns.empty()) {
      std::string conditions;
      for (const auto& column : r.using_columns) {
        const std::string name = fold(column);
        const Field* l = nullptr;
        const Field* rf = nullptr;
        for (const auto& rel : left->relations) {
          for (const auto& f : rel.fields) {
            if (f.name == name) l = &f;
          }
        }
        for (const auto& rel : right->relations) {
          for (const auto& f : rel.fields) {
            if (f.name == name) rf = &f;
          }
        }
        if (!l || !rf)
          return semantic_error(at(column.position, "Column '" + name + "' is missing from a side of the join"));
        conditions += std::string(conditions.empty() ? "" : " AND ") + l->sql + " = " + rf->sql;
        // The bare name is the coalesced column (what Trino's USING produces).
        Type t;
        if (!common_super_type(l->type, rf->type, t)) {
          return semantic_error(at(column.position, "Column '" + name + "' has incompatible types in the join"));
        }
        RelationScope merged;
        merged.fields.push_back(Field{name, t,
                                      r.join == JoinKind::Right  ? rf->sql
                                      : r.join == JoinKind::Full ? "coalesce(" + l->sql + ", " + rf->sql + ")"
                                                                 : l->sql});
        merged.using_columns.insert(name);
        item.relations.insert(item.relations.begin(), std::move(merged));
      }
      sql += " ON " + conditions;
    } else if (r.join != JoinKind::Cross && r.join != JoinKind::Implicit) {
      return semantic_error(at(r.position, "JOIN needs ON or USING"));
    }
    // A side an outer join pads with NULLs keeps rows whose partition the WHERE drops (as NULLs): no pruning.
    const std::size_t left_count = left->relations.size();
    const std::size_t using_count = item.relations.size() - left_count - right->relations.size();
    for (std::size_t i = using_count; i < item.relations.size(); ++i) {
      const bool left_side = i < using_count + left_count;
      const bool padded = r.join == JoinKind::Full || (r.join == JoinKind::Left && !left_side) ||
                          (r.join == JoinKind::Right && left_side);
      if (padded) {
        for (auto& f : item.relations[i].fields) f.key_of = -1;
      }
    }
    item.from_sql = "(" + sql + ")";
    return item;
  }

  // The partitioned references' WHERE conjuncts: each top-level conjunct that reads partition keys of one
  // reference and nothing else (no other column, no enclosing query's column, no subquery, aggregate, window or
  // volatile call) goes to that reference, bound again exactly as in the WHERE (the same SQL).
  void collect_partition_conjuncts(const Expr& where, const Context& context) {
    std::vector<const Expr*> conjuncts;
    std::vector<const Expr*> pending{&where};
    while (!pending.empty()) {
      const Expr* e = pending.back();
      pending.pop_back();
      if (e->kind == ExprKind::And) {
        for (auto it = e->args.rbegin(); it != e->args.rend(); ++it) pending.push_back(it->get());
      } else {
        conjuncts.push_back(e);
      }
    }
    // An expression bound as in the WHERE, with the columns it resolved.
    struct Probed {
      std::string sql;
      std::vector<std::pair<const Field*, bool>> seen;
    };
    auto probe = [&](const Expr& e) -> std::optional<Probed> {
      Probed probed;
      Context c = context;
      c.columns_seen = &probed.seen;
      auto bound = bind(e, c);
      if (!bound) return std::nullopt;
      probed.sql = std::move(bound->sql);
      return probed;
    };
    // The reference and key name of the partition keys a probed expression reads, when it reads only keys of one.
    auto key_of = [](const Probed& probed) -> std::optional<std::pair<int, std::string>> {
      if (probed.seen.empty()) return std::nullopt;
      const int reference = probed.seen.front().first->key_of;
      for (const auto& [field, from_outer] : probed.seen) {
        if (from_outer || field->key_of < 0 || field->key_of != reference) return std::nullopt;
      }
      return std::make_pair(reference, probed.seen.front().first->key);
    };
    for (const Expr* conjunct : conjuncts) {
      if (try_blocker(*conjunct)) continue;
      auto bound = probe(*conjunct);
      if (!bound) continue;
      auto read = key_of(*bound);
      if (!read) continue;
      PartitionedReference& reference = partitioned_[static_cast<std::size_t>(read->first)];
      reference.conjuncts.push_back(std::move(bound->sql));
      // key = constant, constant = key, key IN (constants): the values injected projection reads.
      auto constant = [&](const Expr& e) -> std::optional<std::string> {
        auto value = probe(e);
        if (!value || !value->seen.empty()) return std::nullopt;
        return std::move(value->sql);
      };
      auto single_key = [&](const Expr& e) -> std::optional<std::string> {
        if (e.kind != ExprKind::Column) return std::nullopt;
        auto column = probe(e);
        auto k = column ? key_of(*column) : std::nullopt;
        return k && k->first == read->first ? std::optional<std::string>(k->second) : std::nullopt;
      };
      std::optional<std::string> column;
      std::vector<std::string> values;
      if (conjunct->kind == ExprKind::Comparison && conjunct->op == "=" && conjunct->args.size() == 2) {
        for (int side = 0; side < 2 && !column; ++side) {
          auto name = single_key(*conjunct->args[static_cast<std::size_t>(side)]);
          auto value = name ? constant(*conjunct->args[static_cast<std::size_t>(1 - side)]) : std::nullopt;
          if (name && value) {
            column = name;
            values.push_back(*value);
          }
        }
      } else if (conjunct->kind == ExprKind::InList && !conjunct->negated && conjunct->args.size() >= 2) {
        column = single_key(*conjunct->args[0]);
        for (std::size_t i = 1; column && i < conjunct->args.size(); ++i) {
          auto value = constant(*conjunct->args[i]);
          if (!value) column.reset();
          if (value) values.push_back(*value);
        }
      }
      if (column) reference.equalities[*column].push_back(std::move(values));
    }
  }

  Outcome<QueryResult> select(const QuerySpec& spec, const Query& q, const Scope* outer) {
    Scope scope;
    scope.outer = outer;
    std::string from_sql;
    for (const auto& r : spec.from) {
      Scope lateral;
      lateral.relations = scope.relations;
      lateral.outer = outer;
      auto item = relation(*r, outer, &lateral);
      if (!item) return item.get_failure();
      from_sql += std::string(from_sql.empty() ? "" : (r->kind == Relation::Kind::Unnest ? " CROSS JOIN " : ", ")) +
                  item->from_sql;
      for (auto& rel : item->relations) scope.relations.push_back(std::move(rel));
    }
    Context context;
    context.scope = &scope;

    // Select items.
    std::vector<Field> outputs;
    std::vector<std::string> output_sql;
    context.allow_aggregates = true;
    context.allow_windows = true;
    for (const auto& item : spec.items) {
      if (item.all_columns) {
        if (item.expr) {
          auto b = bind(*item.expr, context);
          if (!b) return b.get_failure();
          if (b->type.kind != TypeKind::Row) {
            return semantic_error(at(item.position, "expression.* needs a row, not " + to_string(b->type)));
          }
          for (std::size_t i = 0; i < b->type.children.size(); ++i) {
            std::string name = i < b->type.field_names.size() ? b->type.field_names[i] : "";
            if (name.empty())
              return not_supported(at(item.position, "row.* of an anonymous row is not supported locally"));
            outputs.push_back(Field{name, b->type.children[i], ""});
            output_sql.push_back("(" + b->sql + ")." + quote_identifier(name));
          }
          continue;
        }
        // SELECT *: a JOIN ... USING column once (its merged scope comes first), then the other columns;
        // t.*: t's own columns, the USING ones included.
        std::set<std::string> merged;
        for (const auto& rel : scope.relations) merged.insert(rel.using_columns.begin(), rel.using_columns.end());
        bool any = false;
        for (const auto& rel : scope.relations) {
          if (!item.star_prefix.empty() && (!rel.using_columns.empty() || !matches_qualifier(rel, item.star_prefix))) {
            continue;
          }
          for (const auto& f : rel.fields) {
            if (item.star_prefix.empty() && rel.using_columns.empty() && merged.count(f.name)) continue;
            // A column without a name (UNNEST without aliases) is _colN by its output position, as in Trino.
            outputs.push_back(Field{f.name.empty() ? "_col" + std::to_string(outputs.size()) : f.name, f.type, ""});
            output_sql.push_back(f.sql);
            any = true;
          }
        }
        if (!spec.from.empty() && !any && !item.star_prefix.empty()) {
          return semantic_error(at(item.position, "Table '" + to_string(item.star_prefix) + "' not found"));
        }
        if (spec.from.empty())
          return semantic_error(at(item.position, "SELECT * not allowed in queries without FROM clause"));
        if (!item.star_aliases.empty())
          return not_supported(at(item.position, "t.* AS (...) is not supported locally"));
        continue;
      }
      auto b = bind(*item.expr, context);
      if (!b) return b.get_failure();
      if (b->type.kind == TypeKind::Function) return semantic_error(at(item.position, "a lambda is not a value"));
      std::string name;
      if (item.alias) {
        name = fold(*item.alias);
      } else if (item.expr->kind == ExprKind::Column) {
        name = fold(item.expr->name.back());
      } else if (item.expr->kind == ExprKind::Dereference) {
        name = fold(item.expr->name[0]);
      } else {
        name = "_col" + std::to_string(outputs.size());
      }
      outputs.push_back(Field{name, b->type, ""});
      output_sql.push_back(b->sql);
    }

    std::string sql = std::string("SELECT ") + (spec.distinct ? "DISTINCT " : "");
    std::set<std::string> used;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      std::string alias = outputs[i].name;
      for (int n = 1; used.count(alias); ++n) alias = outputs[i].name + "_" + std::to_string(n);
      used.insert(alias);
      sql += (i ? ", " : "") + output_sql[i] + " AS " + quote_identifier(alias);
    }
    const std::size_t items_end = sql.size();
    if (spec.distinct) {
      for (const auto& f : outputs) {
        if (!is_comparable(f.type))
          return semantic_error(
              at(q.position, "DISTINCT can only be applied to comparable types (actual: " + to_string(f.type) + ")"));
      }
    }
    if (!from_sql.empty()) sql += " FROM " + from_sql;
    context.allow_aggregates = false;
    context.allow_windows = false;
    if (spec.where) {
      auto where = bind(*spec.where, context);
      if (!where) return where.get_failure();
      if (where->type.kind != TypeKind::Boolean && where->type.kind != TypeKind::Unknown) {
        return semantic_error(
            at(spec.where->position, "WHERE clause must evaluate to a boolean: actual type " + to_string(where->type)));
      }
      sql += " WHERE " + where->sql;
      collect_partition_conjuncts(*spec.where, context);
    }
    if (!spec.group_by.empty()) {
      sql += std::string(" GROUP BY ") + (spec.group_distinct ? "DISTINCT " : "");
      for (std::size_t g = 0; g < spec.group_by.size(); ++g) {
        const GroupingElement& element = spec.group_by[g];
        auto list = [&](const std::vector<ExprPtr>& exprs) -> Outcome<std::string> {
          std::string out;
          for (std::size_t i = 0; i < exprs.size(); ++i) {
            auto key = group_key(*exprs[i], context, outputs, output_sql);
            if (!key) return key;
            out += (i ? ", " : "") + *key;
          }
          return out;
        };
        sql += g ? ", " : "";
        switch (element.kind) {
          case GroupingElement::Kind::Simple: {
            auto keys = list(element.exprs);
            if (!keys) return keys.get_failure();
            sql += element.exprs.size() == 1 ? *keys : "GROUPING SETS ((" + *keys + "))";
            break;
          }
          case GroupingElement::Kind::Rollup:
          case GroupingElement::Kind::Cube: {
            auto keys = list(element.exprs);
            if (!keys) return keys.get_failure();
            sql += std::string(element.kind == GroupingElement::Kind::Rollup ? "ROLLUP (" : "CUBE (") + *keys + ")";
            break;
          }
          case GroupingElement::Kind::Sets: {
            sql += "GROUPING SETS (";
            for (std::size_t s = 0; s < element.sets.size(); ++s) {
              auto keys = list(element.sets[s]);
              if (!keys) return keys.get_failure();
              sql += std::string(s ? ", " : "") + "(" + *keys + ")";
            }
            sql += ")";
            break;
          }
        }
      }
    }
    if (spec.having) {
      context.allow_aggregates = true;
      auto having = bind(*spec.having, context);
      if (!having) return having.get_failure();
      if (having->type.kind != TypeKind::Boolean && having->type.kind != TypeKind::Unknown) {
        return semantic_error(at(spec.having->position, "HAVING clause must evaluate to a boolean"));
      }
      sql += " HAVING " + having->sql;
    }
    if (!spec.windows.empty()) {
      sql += " WINDOW ";
      context.allow_aggregates = true;
      for (std::size_t i = 0; i < spec.windows.size(); ++i) {
        auto w = window_sql(*spec.windows[i].second, context);
        if (!w) return w.get_failure();
        sql += (i ? ", " : "") + quote_identifier(fold(spec.windows[i].first)) + " AS (" + *w + ")";
      }
    }
    if (q.with_ties) return select_with_ties(q, spec, scope, sql, items_end, std::move(outputs), output_sql);
    auto tail = order_limit(q, scope, outputs, output_sql);
    if (!tail) return tail.get_failure();
    sql += *tail;
    QueryResult out;
    out.sql = std::move(sql);
    out.fields = std::move(outputs);
    return out;
  }

  Outcome<std::string> group_key(const Expr& e, const Context& context, const std::vector<Field>& outputs,
                                 const std::vector<std::string>& output_sql) {
    if (e.kind == ExprKind::Literal && e.literal == LiteralKind::Integer) {
      long long n = std::stoll(e.text.size() > 18 ? "0" : e.text);
      if (n < 1 || n > static_cast<long long>(outputs.size())) {
        return semantic_error(at(e.position, "GROUP BY position " + e.text + " is not in select list"));
      }
      return output_sql[static_cast<std::size_t>(n - 1)];
    }
    auto b = bind(e, context);
    if (!b) return b.get_failure();
    if (!is_comparable(b->type)) return semantic_error(at(e.position, to_string(b->type) + " is not comparable"));
    return b->sql;
  }

  static bool matches_qualifier(const RelationScope& rel, const QualifiedName& qualifier) {
    if (qualifier.size() == 1) return !rel.alias.empty() && rel.alias == fold(qualifier[0]);
    if (qualifier.size() == 2)
      return !rel.database.empty() && rel.database == fold(qualifier[0]) && rel.alias == fold(qualifier[1]);
    if (qualifier.size() == 3) {
      return fold(qualifier[0]) == "awsdatacatalog" && !rel.database.empty() && rel.database == fold(qualifier[1]) &&
             rel.alias == fold(qualifier[2]);
    }
    return false;
  }

  // ---- expressions ----

  Outcome<Bound> bind(const Expr& e, const Context& context) {
    if (++depth_ > 400) return semantic_error(at(e.position, "the expression is nested too deeply"));
    auto b = bind_inner(e, context);
    --depth_;
    return b;
  }

  Outcome<std::string> coerce(const std::string& sql, const Type& from, const Type& to, bool force = false) {
    if (from == to && !force) return sql;
    if (from == to) {
      if (to.kind == TypeKind::Unknown) return sql;
    }
    if (to.kind == TypeKind::Unknown) return sql;
    if (from.kind == TypeKind::Varchar && to.kind == TypeKind::Varchar && !force) return sql;
    auto t = duck_type(to);
    if (!t) return t.get_failure();
    return "CAST(" + sql + " AS " + *t + ")";
  }

  // An operator over the expression's arguments (bound in order) from the registry; NOT when `negated`.
  Outcome<Bound> operator_call(std::string_view name, const Expr& e, const Context& context, bool negated = false) {
    std::vector<Bound> args;
    for (const auto& a : e.args) {
      auto b = bind(*a, context);
      if (!b) return b;
      args.push_back(std::move(b).get_result());
    }
    auto b = call_registry(name, e.position, std::move(args));
    if (b && negated) b->sql = "(NOT " + b->sql + ")";
    return b;
  }

  Outcome<Bound> call_registry(std::string_view name, const Position& position, std::vector<Bound> args,
                               FunctionKind kind = FunctionKind::Operator) {
    std::vector<Type> types;
    types.reserve(args.size());
    for (const auto& a : args) types.push_back(a.type);
    auto resolved = resolve_function(name, types, kind);
    if (!resolved) return Outcome<Bound>(not_supported(at(position, resolved.get_failure().message)));
    return finish_call(*resolved, args);
  }

  Outcome<Bound> finish_call(Resolved& resolved, std::vector<Bound>& args, const std::string& distinct = "") {
    std::vector<std::string> sql;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i].type.kind == TypeKind::Function) {
        sql.push_back(args[i].sql);
        resolved.constants.push_back(std::nullopt);
        continue;
      }
      auto c = coerce(args[i].sql, args[i].type, resolved.params[i], args[i].type.kind == TypeKind::Unknown);
      if (!c) return c.get_failure();
      sql.push_back(i == 0 ? distinct + *c : *c);
      resolved.constants.push_back(args[i].constant);
    }
    auto out = emit_call(resolved, sql);
    if (!out) return out.get_failure();
    Bound b;
    b.sql = *out;
    b.type = resolved.returns;
    return b;
  }

  Outcome<Bound> parameter(const Expr& e) {
    if (static_cast<std::size_t>(e.index) >= options_.parameters.size()) {
      return make_error(
          ErrorKind::InvalidInput, std::string(kInvalidParameterCode),
          at(e.position, "the query has more '?' placeholders than the " + std::to_string(options_.parameters.size()) +
                             " execution parameter(s) given"));
    }
    auto parsed = parse_expression(options_.parameters[static_cast<std::size_t>(e.index)]);
    if (!parsed) {
      return make_error(ErrorKind::InvalidInput, std::string(kInvalidParameterCode),
                        "execution parameter " + std::to_string(e.index + 1) + ": " + parsed.get_failure().message);
    }
    Context context;
    Scope empty;
    context.scope = &empty;
    auto b = bind(**parsed, context);
    if (!b) {
      return make_error(
          ErrorKind::InvalidInput, std::string(kInvalidParameterCode),
          "execution parameter " + std::to_string(e.index + 1) + " is not a valid literal: " + b.get_failure().message);
    }
    return b;
  }

  Outcome<Bound> literal(const Expr& e) {
    Bound b;
    b.is_literal = true;
    switch (e.literal) {
      case LiteralKind::Null:
        b.sql = "NULL";
        b.type = Type::of(TypeKind::Unknown);
        return b;
      case LiteralKind::Boolean:
        b.sql = e.text == "true" ? "true" : "false";
        b.type = Type::of(TypeKind::Boolean);
        return b;
      case LiteralKind::Integer: {
        std::string digits = e.text;
        digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
        if (digits.size() > 19 || (digits.size() == 19 && digits > "9223372036854775807")) {
          return semantic_error(at(e.position, "Invalid numeric literal: " + e.text));
        }
        const bool fits_int = digits.size() < 10 || (digits.size() == 10 && digits <= "2147483647");
        b.type = Type::of(fits_int ? TypeKind::Integer : TypeKind::Bigint);
        b.sql = "CAST(" + digits + " AS " + (fits_int ? "INTEGER" : "BIGINT") + ")";
        b.constant = digits;  // emitters fold constant arguments
        return b;
      }
      case LiteralKind::Decimal: return decimal_literal(e.text, e.position);
      case LiteralKind::Double:
        b.type = Type::of(TypeKind::Double);
        b.sql = "CAST(" + quote_string(e.text) + " AS DOUBLE)";
        return b;
      case LiteralKind::String: {
        if (!text::valid_utf8(e.text)) return semantic_error(at(e.position, "string literal is not valid UTF-8"));
        b.type = Type::varchar(static_cast<int>(utf8_length(e.text)));
        b.sql = "CAST(" + quote_string(e.text) + " AS VARCHAR)";
        b.constant = e.text;
        return b;
      }
      case LiteralKind::Binary: {
        std::string escaped;
        for (std::size_t i = 0; i + 1 < e.text.size(); i += 2) escaped += "\\x" + e.text.substr(i, 2);
        b.type = Type::of(TypeKind::Varbinary);
        b.sql = "CAST(" + quote_string(escaped) + " AS BLOB)";
        return b;
      }
      case LiteralKind::Typed: return typed_literal(e);
      case LiteralKind::Interval: return interval_literal(e);
    }
    return semantic_error("unknown literal");
  }

  static std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }

  Outcome<Bound> decimal_literal(const std::string& text, const Position& position) {
    std::string digits;
    int scale = 0;
    bool dot = false;
    std::size_t i = 0;
    std::string sign;
    std::string trimmed(text::trim(text));
    if (!trimmed.empty() && (trimmed[0] == '+' || trimmed[0] == '-')) {
      if (trimmed[0] == '-') sign = "-";
      i = 1;
    }
    for (; i < trimmed.size(); ++i) {
      char c = trimmed[i];
      if (c == '.' && !dot) {
        dot = true;
      } else if (c >= '0' && c <= '9') {
        digits += c;
        if (dot) ++scale;
      } else {
        return semantic_error(at(position, "'" + text + "' is not a valid decimal literal"));
      }
    }
    if (digits.empty()) return semantic_error(at(position, "'" + text + "' is not a valid decimal literal"));
    // Trino (functions/decimal): the precision is the number of digits written, leading and trailing zeros
    // included; the scale the number of digits after the point.
    const std::string integer = digits.substr(0, digits.size() - static_cast<std::size_t>(scale));
    const int precision = std::max(1, static_cast<int>(digits.size()));
    if (precision > kMaxDecimalPrecision) {
      return semantic_error(at(position, "Decimal overflow: '" + text + "' has more than 38 digits"));
    }
    Bound b;
    b.type = Type::decimal(precision, scale);
    b.sql = "CAST(" +
            quote_string(sign + (integer.empty() ? "0" : integer) +
                         (scale ? "." + digits.substr(digits.size() - static_cast<std::size_t>(scale)) : "")) +
            " AS DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + "))";
    b.is_literal = true;
    return b;
  }

  Outcome<Bound> typed_literal(const Expr& e) {
    const std::string& type_name = e.literal_type;
    Bound b;
    b.is_literal = true;
    if (type_name == "decimal" || type_name == "numeric") return decimal_literal(e.text, e.position);
    if (type_name == "json") {  // JSON '...' is json_parse('...')
      b.type = Type::of(TypeKind::Json);
      b.sql = "ar_json_parse(" + quote_string(e.text) + ")";
      return b;
    }
    if (type_name == "date") {
      b.type = Type::of(TypeKind::Date);
      // Checked here, so the literal stays a constant DuckDB folds and pushes into scans (a macro raising
      // Trino's error would be volatile).
      if (!is_date_text(e.text)) {
        return semantic_error(at(e.position, "Value cannot be cast to date: " + e.text));
      }
      b.sql = "CAST(" + quote_string(std::string(text::trim(e.text))) + " AS DATE)";
      return b;
    }
    if (type_name == "timestamp") {
      // timestamp(p): p is the number of fractional digits written; a zone makes it with time zone.
      std::string value(text::trim(e.text));
      auto dot = value.find('.');
      int precision = 0;
      if (dot != std::string::npos) {
        std::size_t k = dot + 1;
        while (k < value.size() && std::isdigit(static_cast<unsigned char>(value[k]))) ++k;
        precision = static_cast<int>(k - dot - 1);
      }
      // The zone is what follows the time (Trino: date, optional time, optional spaces, zone).
      std::string zone;
      if (std::size_t space = value.find(' '); space != std::string::npos) {
        const std::size_t zone_start = value.find_first_not_of("0123456789:.", space + 1);
        if (zone_start != std::string::npos) {
          zone = std::string(text::trim(value.substr(zone_start)));
          value = std::string(text::trim(value.substr(0, zone_start)));
        }
      }
      if (precision > 6) {
        return not_supported(at(
            e.position, "timestamp(" + std::to_string(precision) + ") literals are not supported by the local engine"));
      }
      if (!zone.empty()) {
        // Every timestamp with time zone of the local engine is in UTC (the session zone).
        if (!text::iequals(zone, "UTC") && zone != "Z" && zone != "+00:00") {
          return not_supported(at(e.position,
                                  "TIMESTAMP literals with a time zone other than UTC are not supported by the local "
                                  "engine"));
        }
        b.type = Type::timestamp_tz(std::max(precision, 3));
        b.sql = "CAST(CAST(" + quote_string(value) + " AS TIMESTAMP) AS TIMESTAMPTZ)";
        return b;
      }
      // Athena prints timestamps with millisecond precision at least.
      b.type = Type::timestamp(std::max(precision, 3));
      b.sql = "CAST(" + quote_string(value) + " AS TIMESTAMP)";
      return b;
    }
    if (type_name == "time") return time_literal(e);
    auto type = parse_type(type_name);
    if (!type) return semantic_error(at(e.position, "Unknown type: " + type_name));
    Bound value;
    value.type = Type::varchar(static_cast<int>(utf8_length(e.text)));
    value.sql = "CAST(" + quote_string(e.text) + " AS VARCHAR)";
    return cast(value, *type, false, e.position);
  }

  Outcome<Bound> interval_literal(const Expr& e) {
    const std::string unit = e.literal_type;
    std::string value(text::trim(e.text));
    bool negative = e.negative_interval;
    if (!value.empty() && (value[0] == '-' || value[0] == '+')) {
      if (value[0] == '-') negative = !negative;
      value = value.substr(1);
    }
    Bound b;
    b.is_literal = true;
    const std::string sign = negative ? "-" : "";
    auto number = [&](const std::string& text, bool fraction) {
      if (text.empty()) return false;
      bool dot = false;
      for (char c : text) {
        if (c == '.' && fraction && !dot) {
          dot = true;
        } else if (!std::isdigit(static_cast<unsigned char>(c))) {
          return false;
        }
      }
      return true;
    };
    auto invalid = [&] {
      return semantic_error(at(e.position, "Invalid INTERVAL " + text::upper(unit) + " value: " + e.text));
    };
    if (unit == "year" || unit == "month" || unit == "year to month") {
      b.type = Type::of(TypeKind::IntervalYearToMonth);
      long long months = 0;
      if (unit == "year to month") {
        auto dash = value.find('-');
        if (dash == std::string::npos || !number(value.substr(0, dash), false) ||
            !number(value.substr(dash + 1), false)) {
          return invalid();
        }
        months = std::stoll(value.substr(0, dash)) * 12 + std::stoll(value.substr(dash + 1));
      } else {
        if (!number(value, false) || value.size() > 9) return invalid();
        months = std::stoll(value) * (unit == "year" ? 12 : 1);
      }
      b.sql = "to_months(CAST(" + sign + std::to_string(months) + " AS INTEGER))";
      return b;
    }
    b.type = Type::of(TypeKind::IntervalDayToSecond);
    // Day to second: a count of milliseconds.
    long double millis = 0;
    if (unit == "day" || unit == "hour" || unit == "minute" || unit == "second") {
      if (!number(value, unit == "second") || value.size() > 15) return invalid();
      const long double factor = unit == "day"      ? 86400000.0L
                                 : unit == "hour"   ? 3600000.0L
                                 : unit == "minute" ? 60000.0L
                                                    : 1000.0L;
      millis = std::stold(value) * factor;
    } else if (unit == "day to second" || unit == "day to minute" || unit == "day to hour" ||
               unit == "hour to second" || unit == "hour to minute" || unit == "minute to second") {
      // 'd hh:mm:ss.fff' forms: split on space and ':'.
      std::vector<std::string> parts;
      std::string current;
      for (char c : value) {
        if (c == ' ' || c == ':') {
          parts.push_back(current);
          current.clear();
        } else {
          current += c;
        }
      }
      parts.push_back(current);
      std::vector<long double> factors;
      std::string first = unit.substr(0, unit.find(' '));
      std::string last = unit.substr(unit.rfind(' ') + 1);
      const std::array<std::pair<std::string, long double>, 4> all{
          {{"day", 86400000.0L}, {"hour", 3600000.0L}, {"minute", 60000.0L}, {"second", 1000.0L}}};
      bool on = false;
      for (const auto& [name, factor] : all) {
        if (name == first) on = true;
        if (on) factors.push_back(factor);
        if (name == last) break;
      }
      if (parts.size() != factors.size()) return invalid();
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (!number(parts[i], i + 1 == parts.size() && last == "second")) return invalid();
        millis += std::stold(parts[i]) * factors[i];
      }
    } else {
      return not_supported(
          at(e.position, "INTERVAL ... " + text::upper(unit) + " is not supported by the local engine"));
    }
    const long long ms = static_cast<long long>(millis + 0.5L);
    b.sql = "to_milliseconds(CAST(" + sign + std::to_string(ms) + " AS BIGINT))";
    b.constant = sign + std::to_string(ms);
    return b;
  }

  // x AT TIME ZONE 'zone' with a named zone (Area/Location) or an offset (+hh:mm): the wall clock of x there
  // (a timestamp), the instant (a TIMESTAMPTZ) and the zone. Every timestamp with time zone of the local
  // engine is in UTC, so a value in another zone exists only where its consumer needs no zone in its result:
  // CAST(... AS timestamp | date), date(...), format_datetime(...) and date_format(...).
  struct WallClock {
    Bound local;
    std::string instant;
    std::string zone;
  };
  // at_timezone(x, 'zone') is x AT TIME ZONE 'zone'; with_timezone(t, 'zone') is the timestamp t as a wall clock
  // in the zone.
  std::optional<Outcome<WallClock>> wall_clock(const Expr& value, const Context& context) {
    const bool call = value.kind == ExprKind::Call && value.name.size() == 1 && value.window == nullptr;
    const std::string function = call ? fold(value.name[0]) : "";
    const bool with_timezone = function == "with_timezone";
    if ((value.kind != ExprKind::AtTimeZone && function != "at_timezone" && !with_timezone) || value.args.size() != 2 ||
        value.args[1]->kind != ExprKind::Literal || value.args[1]->literal != LiteralKind::String) {
      return std::nullopt;
    }
    const std::string& zone = value.args[1]->text;
    static const std::regex kOffset("([+-])([0-9]{2}):([0-9]{2})");
    static const std::regex kName("[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)+");
    std::smatch offset;
    const bool is_offset = std::regex_match(zone, offset, kOffset);
    if (!is_offset && !std::regex_match(zone, kName)) return std::nullopt;
    auto instant = bind(*value.args[0], context);
    if (!instant) return Outcome<WallClock>(instant.get_failure());
    if (instant->type.kind != TypeKind::Timestamp && instant->type.kind != TypeKind::TimestampTz) return std::nullopt;
    WallClock clock;
    clock.zone = zone;
    clock.local.type = Type::timestamp(instant->type.precision);
    if (with_timezone) {
      if (instant->type.kind != TypeKind::Timestamp) return std::nullopt;
      clock.local.sql = "CAST(" + instant->sql + " AS TIMESTAMP)";
      if (is_offset) {
        const int minutes = std::stoi(offset[2].str()) * 60 + std::stoi(offset[3].str());
        if (minutes > 14 * 60) return std::nullopt;
        clock.instant = "CAST(" + clock.local.sql + " - to_minutes(" + offset[1].str() + std::to_string(minutes) +
                        ") AS TIMESTAMPTZ)";
      } else {
        clock.instant = "timezone(" + quote_string(zone) + ", " + clock.local.sql + ")";
      }
      return clock;
    }
    clock.instant = "CAST(" + instant->sql + " AS TIMESTAMPTZ)";
    if (is_offset) {
      const int minutes = std::stoi(offset[2].str()) * 60 + std::stoi(offset[3].str());
      if (minutes > 14 * 60) return std::nullopt;
      clock.local.sql =
          "(CAST(" + clock.instant + " AS TIMESTAMP) + to_minutes(" + offset[1].str() + std::to_string(minutes) + "))";
    } else {
      clock.local.sql = "timezone(" + quote_string(zone) + ", " + clock.instant + ")";
    }
    return clock;
  }

  std::optional<Outcome<Bound>> cast_wall_clock(const Expr& value, const Type& target, bool try_cast,
                                                const Position& position, const Context& context) {
    const bool text = target.kind == TypeKind::Varchar && target.precision == Type::kUnbounded;
    if (target.kind != TypeKind::Timestamp && target.kind != TypeKind::Date && !text) return std::nullopt;
    auto clock = wall_clock(value, context);
    if (!clock) return std::nullopt;
    if (!*clock) return Outcome<Bound>(clock->get_failure());
    auto converted = cast((*clock)->local, target, try_cast, position);
    // The text of a timestamp with time zone: the wall clock, then the zone (2012-10-30 18:00:00.000 America/...).
    if (text && converted) converted->sql = "(" + converted->sql + " || ' ' || " + quote_string((*clock)->zone) + ")";
    return converted;
  }

  // format_datetime(x AT TIME ZONE 'zone', format) and date_format(...): the wall clock there, printed with the
  // zone's offset and id (functions/datetime.cpp).
  std::optional<Outcome<Bound>> format_wall_clock(const std::string& name, const Expr& e, const Context& context) {
    const bool iso = name == "to_iso8601" && e.args.size() == 1;
    if ((name != "format_datetime" && name != "date_format" && !iso) || (!iso && e.args.size() != 2) ||
        e.window != nullptr) {
      return std::nullopt;
    }
    auto clock = wall_clock(*e.args[0], context);
    if (!clock) return std::nullopt;
    if (!*clock) return Outcome<Bound>(clock->get_failure());
    if (iso) {
      // ISO 8601 with the offset, Z for a zero one (as for UTC).
      const std::string& local = (*clock)->local.sql;
      const int precision = (*clock)->local.type.precision;
      const std::string minutes =
          "CAST(round((epoch(" + local + ") - epoch(" + (*clock)->instant + ")) / 60) AS BIGINT)";
      Bound b;
      b.type = Type::varchar();
      b.sql = "(strftime(" + local + ", '%Y-%m-%dT%H:%M:%S')" +
              (precision > 0 ? " || '.' || substr(strftime(" + local + ", '%f'), 1, " + std::to_string(precision) + ")"
                             : std::string()) +
              " || CASE WHEN " + minutes + " = 0 THEN 'Z' ELSE (CASE WHEN " + minutes +
              " < 0 THEN '-' ELSE '+' END) || lpad(CAST(abs(" + minutes +
              ") // 60 AS VARCHAR), 2, '0') || ':' || lpad(CAST(abs(" + minutes + ") % 60 AS VARCHAR), 2, '0') END)";
      return b;
    }
    if (name == "format_datetime" && (*clock)->local.type.precision > 3) return std::nullopt;
    auto format = bind(*e.args[1], context);
    if (!format) return format;
    if (!is_string(format->type) && format->type.kind != TypeKind::Unknown) return std::nullopt;
    Bound b;
    b.type = Type::varchar();
    b.sql = "ar_" + name + "_zoned(" + (*clock)->local.sql + ", CAST(" + format->sql +
            " AS VARCHAR), CAST(round(epoch(" + (*clock)->local.sql + ") - epoch(" + (*clock)->instant +
            ")) AS BIGINT), " + quote_string((*clock)->zone) + ")";
    return b;
  }

  // A field of x AT TIME ZONE another zone (hour(...), EXTRACT(DAY FROM ...), ...): the field of the wall clock
  // there; timezone_hour and timezone_minute: the zone's offset at that instant.
  std::optional<Outcome<Bound>> field_of_wall_clock(const std::string& name, const Expr& value,
                                                    const Position& position, const Context& context) {
    static const std::set<std::string> kFields = {
        "year",          "quarter",        "month",  "week",        "week_of_year", "day",
        "day_of_month",  "day_of_week",    "dow",    "day_of_year", "doy",          "year_of_week",
        "yow",           "hour",           "minute", "second",      "millisecond",  "last_day_of_month",
        "timezone_hour", "timezone_minute"};
    if (kFields.count(name) == 0) return std::nullopt;
    auto clock = wall_clock(value, context);
    if (!clock) return std::nullopt;
    if (!*clock) return Outcome<Bound>(clock->get_failure());
    if (name == "timezone_hour" || name == "timezone_minute") {
      // Trino: the offset's hours and minutes, both with its sign (-05:30 is -5 and -30).
      const std::string offset_minutes =
          "CAST(round((epoch(" + (*clock)->local.sql + ") - epoch(" + (*clock)->instant + ")) / 60) AS BIGINT)";
      Bound b;
      b.type = Type::of(TypeKind::Bigint);
      b.sql = name == "timezone_hour"
                  ? "CAST(trunc(" + offset_minutes + " / 60) AS BIGINT)"
                  : "CAST(" + offset_minutes + " - trunc(" + offset_minutes + " / 60) * 60 AS BIGINT)";
      return b;
    }
    std::vector<Bound> args;
    args.push_back((*clock)->local);
    return call_registry(name, position, std::move(args), FunctionKind::Scalar);
  }

  // TIME 'hh:mm[:ss[.fraction]]' (language/types.md): time(p), p the number of fractional digits.
  Outcome<Bound> time_literal(const Expr& e) {
    static const std::regex kTime(R"((\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)");
    std::smatch m;
    const std::string value = e.text;
    if (!std::regex_match(value, m, kTime)) {
      if (std::regex_search(value, std::regex(R"(^\s*\d{1,2}:\d{1,2})"))) {  // a zone, one digit, spaces
        return not_supported(
            at(e.position,
               "TIME '" + value + "' (with a time zone or in this form) is not supported by the local engine"));
      }
      return semantic_error(at(e.position, "'" + value + "' is not a valid TIME literal"));
    }
    const int hour = std::stoi(m[1]);
    const int minute = std::stoi(m[2]);
    const int second = m[3].matched ? std::stoi(m[3]) : 0;
    if (hour > 23 || minute > 59 || second > 59) {
      return semantic_error(at(e.position, "'" + value + "' is not a valid TIME literal"));
    }
    const std::string fraction = m[4].matched ? m[4].str() : "";
    if (fraction.size() > 6) {
      return not_supported(at(
          e.position, "time(" + std::to_string(fraction.size()) + ") literals are not supported by the local engine"));
    }
    char text[48];  // room for three ints as GCC counts them (-Wformat-truncation at -O1)
    std::snprintf(text, sizeof text, "%02d:%02d:%02d", hour, minute, second);
    Bound b;
    b.type = Type::time(static_cast<int>(fraction.size()));
    b.sql = "TIME " + quote_string(std::string(text) + (fraction.empty() ? "" : "." + fraction));
    return b;
  }

  // Casts to and from time(p) (functions/conversion.md): from varchar (hh:mm[:ss[.fraction]]), from timestamp(p)
  // and time(p) rounded half up to the target's digits, to varchar with exactly p digits. nullopt: not one.
  std::optional<Outcome<Bound>> time_cast(const Bound& value, const Type& target, bool try_cast) {
    const Type& from = value.type;
    Bound b;
    b.type = target;
    if (from.kind == TypeKind::Time && target.kind == TypeKind::Varchar && target.precision == Type::kUnbounded) {
      b.sql = "ar_time_text(" + value.sql + ", " + std::to_string(from.precision) + ")";
      return b;
    }
    if (from.kind == TypeKind::Time && (target.kind == TypeKind::Timestamp || target.kind == TypeKind::TimestampTz)) {
      return Outcome<Bound>(not_supported("CAST(" + to_string(from) + " AS " + to_string(target) +
                                          ") (the current date) is not supported by the local engine"));
    }
    if (target.kind != TypeKind::Time) return std::nullopt;
    const std::string p = std::to_string(target.precision);
    if (is_string(from) && from.kind == TypeKind::Varchar) {
      b.sql = "ar_time_from_varchar(" + value.sql + ", " + p + ", " + (try_cast ? "true" : "false") + ")";
      return b;
    }
    if (from.kind == TypeKind::Time || from.kind == TypeKind::Timestamp) {
      const std::string time = from.kind == TypeKind::Time ? value.sql : "CAST(" + value.sql + " AS TIME)";
      b.sql = from.precision <= target.precision ? time : "ar_time_round(" + time + ", " + p + ")";
      return b;
    }
    return std::nullopt;
  }

  Outcome<Bound> cast(const Bound& value, const Type& target, bool try_cast, const Position& position) {
    const Type& from = value.type;
    if (!can_cast(from, target)) {
      return semantic_error(at(position, "Cannot cast " + to_string(from) + " to " + to_string(target)));
    }
    auto duck = duck_type(target);
    if (!duck) return Outcome<Bound>(not_supported(at(position, duck.get_failure().message)));
    Bound b;
    b.type = target;
    const std::string fn = try_cast ? "TRY_CAST" : "CAST";
    if (from.kind == TypeKind::Unknown) {
      b.sql = "CAST(NULL AS " + *duck + ")";
      return b;
    }
    auto unsupported = [&](const std::string& what) {
      return Outcome<Bound>(
          not_supported(at(position, "CAST(" + to_string(from) + " AS " + to_string(target) + ")" +
                                         (what.empty() ? "" : ": " + what) + " is not supported by the local engine")));
    };
    if (from == target) {
      b.sql = value.sql;
      return b;
    }
    if (is_string(from) && is_integral(target) && value.constant && value.is_literal) {
      // A literal is checked here, so the cast stays a constant.
      std::string_view digits = text::trim(*value.constant);
      bool valid = !digits.empty();
      std::size_t start = !digits.empty() && (digits[0] == '+' || digits[0] == '-') ? 1 : 0;
      valid = valid && digits.size() > start && digits.size() - start <= 19;
      for (std::size_t i = start; valid && i < digits.size(); ++i)
        valid = std::isdigit(static_cast<unsigned char>(digits[i]));
      if (valid) {
        const long double v = std::stold(std::string(digits));
        if (v >= static_cast<long double>(integral_min(target.kind)) &&
            v <= static_cast<long double>(integral_max(target.kind))) {
          b.sql = "CAST(" + quote_string(std::string(digits)) + " AS " + *duck + ")";
          return b;
        }
      }
      if (try_cast) {
        b.sql = "CAST(NULL AS " + *duck + ")";
        return b;
      }
      b.sql = failing_value("Cannot cast '" + *value.constant + "' to " + to_string(target), *duck);
      return b;
    }
    if (is_string(from) && is_integral(target)) {
      const std::string lo = std::to_string(integral_min(target.kind));
      const std::string hi = std::to_string(integral_max(target.kind));
      std::string checked = "CAST(ar_cast_to_integral(" + value.sql + ", " + lo + ", " + hi + ") AS " + *duck + ")";
      if (try_cast) {
        checked = "CASE WHEN regexp_full_match(" + value.sql + ", '\\s*[+-]?[0-9]+\\s*') AND TRY_CAST(trim(" +
                  value.sql + ") AS HUGEINT) BETWEEN " + lo + " AND " + hi + " THEN CAST(trim(" + value.sql + ") AS " +
                  *duck + ") END";
      }
      b.sql = checked;
      return b;
    }
    if ((from.kind == TypeKind::Double || from.kind == TypeKind::Real) && is_integral(target)) {
      b.sql = fn + "(round(" + value.sql + ") AS " + *duck + ")";
      return b;
    }
    if ((from.kind == TypeKind::Double || from.kind == TypeKind::Real) && target.kind == TypeKind::Varchar &&
        target.precision == Type::kUnbounded) {
      // Java's Double.toString / Float.toString (the engine's ar_java_text), as Trino casts them.
      b.sql = "ar_java_text(" + value.sql + ")";
      return b;
    }
    if ((from.kind == TypeKind::Timestamp || from.kind == TypeKind::TimestampTz) && is_string(target)) {
      // A timestamp with time zone here is in UTC, whose text Trino writes after the time.
      b.sql = "strftime(" + value.sql + ", '%Y-%m-%d %H:%M:%S" +
              (from.precision == 0   ? std::string()
               : from.precision <= 3 ? ".%g"
                                     : ".%f") +
              (from.kind == TypeKind::TimestampTz ? " UTC" : "") + "')";
      return b;
    }
    if (auto time = time_cast(value, target, try_cast)) return *time;
    if (from.kind == TypeKind::Time && is_string(target)) return unsupported("");
    if (is_string(from) && (target.kind == TypeKind::Date)) {
      b.sql = try_cast ? "TRY_CAST(" + value.sql + " AS DATE)" : "ar_date_from_varchar(" + value.sql + ")";
      return b;
    }
    if (target.kind == TypeKind::Varchar && target.precision != Type::kUnbounded) {
      auto inner = cast(value, Type::varchar(), try_cast, position);
      if (!inner) return inner;
      const std::string n = std::to_string(target.precision);
      if (is_string(from)) {  // Trino truncates text to the length
        b.sql = "substr(" + inner->sql + ", 1, " + n + ")";
      } else {  // and refuses a value whose text does not fit
        b.sql = "CASE WHEN length(" + inner->sql + ") > " + n + " THEN " +
                (try_cast ? std::string("NULL")
                          : "ar_fail('Value ' || " + inner->sql + " || ' cannot be represented as " +
                                to_string(target) + "')") +
                " ELSE " + inner->sql + " END";
      }
      return b;
    }
    if (target.kind == TypeKind::Json || from.kind == TypeKind::Json) {
      auto sql = families::json_cast(value.sql, from, target);
      if (!sql) return Outcome<Bound>(not_supported(at(position, sql.get_failure().message)));
      b.sql = try_cast ? "TRY(" + *sql + ")" : *sql;  // the JSON functions' errors become NULL
      return b;
    }
    if (target.kind == TypeKind::IntervalDayToSecond || target.kind == TypeKind::IntervalYearToMonth ||
        from.kind == TypeKind::IntervalDayToSecond || from.kind == TypeKind::IntervalYearToMonth) {
      return unsupported("");
    }
    if (is_string(from) &&
        (target.kind == TypeKind::Boolean || target.kind == TypeKind::Timestamp ||
         target.kind == TypeKind::TimestampTz || target.kind == TypeKind::Real || target.kind == TypeKind::Double ||
         target.kind == TypeKind::Decimal || target.kind == TypeKind::Varbinary)) {
      if (target.kind == TypeKind::Varbinary) {  // the text's UTF-8 bytes (DuckDB's CAST reads \x escapes)
        b.sql = "encode(" + value.sql + ")";
        return b;
      }
      if (target.kind == TypeKind::Timestamp && !try_cast) {
        // Trino's timestamp text: date, then optionally hh:mm[:ss[.fraction]] after one space (DuckDB's CAST
        // also takes 'T', offsets and more).
        b.sql =
            "CASE WHEN regexp_full_match(trim(" + value.sql +
            "), '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,12})?)?)?') THEN CAST(trim(" +
            value.sql + ") AS TIMESTAMP) ELSE ar_fail('Value cannot be cast to timestamp: ' || " + value.sql + ") END";
        return b;
      }
      if (target.kind == TypeKind::TimestampTz) return unsupported("");
      b.sql = fn + "(" + value.sql + " AS " + *duck + ")";
      return b;
    }
    if ((from.kind == TypeKind::Array || from.kind == TypeKind::Map || from.kind == TypeKind::Row) &&
        !can_coerce(from, target)) {
      // Element casts go through DuckDB's own rules: only widening ones are known to agree.
      bool widening = true;
      std::vector<std::pair<Type, Type>> pairs{{from, target}};
      while (!pairs.empty() && widening) {
        auto [f, t] = pairs.back();
        pairs.pop_back();
        if (f.kind != t.kind && !(is_numeric(f) && is_numeric(t)) && !(is_string(t))) widening = false;
        if (is_string(t) && !(is_string(f) || is_integral(f) || f.kind == TypeKind::Boolean ||
                              f.kind == TypeKind::Date || f.kind == TypeKind::Decimal)) {
          widening = false;
        }
        if (is_integral(t) && !is_integral(f)) widening = false;
        for (std::size_t i = 0; i < f.children.size() && i < t.children.size(); ++i)
          pairs.emplace_back(f.children[i], t.children[i]);
      }
      if (!widening) return unsupported("these element types");
    }
    b.sql = fn + "(" + value.sql + " AS " + *duck + ")";
    return b;
  }

  Outcome<Bound> column(const Expr& e, const Context& context) {
    const QualifiedName& parts = e.name;
    // Lambda parameters (innermost first).
    for (auto it = context.lambdas.rbegin(); it != context.lambdas.rend(); ++it) {
      if (it->name == fold(parts[0])) {
        Bound b;
        b.sql = it->sql;
        b.type = it->type;
        return dereference_rest(b, parts, 1, e.position);
      }
    }
    for (const Scope* scope = context.scope; scope; scope = scope->outer) {
      // A qualified name: the longest qualifier naming a relation.
      for (std::size_t qualifier = std::min<std::size_t>(3, parts.size() - 1); qualifier >= 1; --qualifier) {
        QualifiedName prefix(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(qualifier));
        const Field* found = nullptr;
        for (const auto& rel : scope->relations) {
          if (!rel.using_columns.empty() || !matches_qualifier(rel, prefix)) continue;
          for (const auto& f : rel.fields) {
            if (f.name == fold(parts[qualifier])) {
              if (found) return semantic_error(at(e.position, "Column '" + to_string(parts) + "' is ambiguous"));
              found = &f;
            }
          }
        }
        if (found) {
          if (context.columns_seen) context.columns_seen->emplace_back(found, scope != context.scope);
          Bound b;
          b.sql = found->sql;
          b.type = found->type;
          return dereference_rest(b, parts, qualifier + 1, e.position);
        }
      }
      // A bare column name, then fields of a row.
      const Field* found = nullptr;
      const std::string name = fold(parts[0]);
      bool from_using = false;
      for (const auto& rel : scope->relations) {
        for (const auto& f : rel.fields) {
          if (f.name != name) continue;
          if (!rel.using_columns.empty()) {
            found = &f;
            from_using = true;
          } else if (from_using) {
            continue;  // a USING column hides the sides' columns of that name
          } else {
            if (found) return semantic_error(at(e.position, "Column '" + name + "' is ambiguous"));
            found = &f;
          }
        }
        if (from_using) break;
      }
      if (found) {
        if (context.columns_seen) context.columns_seen->emplace_back(found, scope != context.scope);
        Bound b;
        b.sql = found->sql;
        b.type = found->type;
        return dereference_rest(b, parts, 1, e.position);
      }
    }
    return semantic_error(at(e.position, "Column '" + to_string(parts) + "' cannot be resolved"));
  }

  Outcome<Bound> dereference_rest(Bound b, const QualifiedName& parts, std::size_t from, const Position& position) {
    for (std::size_t i = from; i < parts.size(); ++i) {
      auto next = field_of(b, fold(parts[i]), position);
      if (!next) return next;
      b = std::move(next).get_result();
    }
    return b;
  }

  Outcome<Bound> field_of(const Bound& base, const std::string& field, const Position& position) {
    if (base.type.kind != TypeKind::Row) {
      return semantic_error(at(position, "Expression is not of type ROW (it is " + to_string(base.type) +
                                             "): cannot dereference '" + field + "'"));
    }
    for (std::size_t i = 0; i < base.type.children.size(); ++i) {
      if (i < base.type.field_names.size() && base.type.field_names[i] == field) {
        Bound b;
        b.sql = "struct_extract(" + base.sql + ", " + quote_string(field) + ")";
        b.type = base.type.children[i];
        return b;
      }
    }
    return semantic_error(at(position, "Column '" + field + "' cannot be resolved in " + to_string(base.type)));
  }

  Outcome<Bound> bind_inner(const Expr& e, const Context& context) {
    switch (e.kind) {
      case ExprKind::Literal: return literal(e);
      case ExprKind::Parameter: return parameter(e);
      case ExprKind::Column: return column(e, context);
      case ExprKind::Dereference: {
        auto base = bind(*e.args[0], context);
        if (!base) return base;
        return field_of(*base, fold(e.name[0]), e.position);
      }
      case ExprKind::Subscript: return operator_call("$subscript", e, context);  // rows: refused by the registry
      case ExprKind::Call: return call(e, context);
      case ExprKind::Cast: {
        if (auto local = cast_wall_clock(*e.args[0], e.type, e.flag, e.position, context)) return std::move(*local);
        auto value = bind(*e.args[0], context);
        if (!value) return value;
        return cast(*value, e.type, e.flag, e.position);
      }
      case ExprKind::Unary: {
        auto value = bind(*e.args[0], context);
        if (!value) return value;
        if (e.op == "+") {
          if (!is_numeric(value->type) && value->type.kind != TypeKind::Unknown) {
            return semantic_error(at(e.position, "Cannot apply operator: +" + to_string(value->type)));
          }
          return value;
        }
        // -<literal> folds into the literal, so that -128 is a valid tinyint and -2147483648 an integer.
        if (e.args[0]->kind == ExprKind::Literal && e.args[0]->literal == LiteralKind::Integer) {
          Expr negative = Expr();
          negative.kind = ExprKind::Literal;
          negative.literal = LiteralKind::Integer;
          negative.position = e.position;
          std::string digits = e.args[0]->text;
          digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
          if (digits == "2147483648") {
            Bound b;
            b.type = Type::of(TypeKind::Integer);
            b.sql = "CAST(-2147483648 AS INTEGER)";
            return b;
          }
          if (digits == "9223372036854775808") {
            Bound b;
            b.type = Type::of(TypeKind::Bigint);
            b.sql = "CAST(-9223372036854775808 AS BIGINT)";
            return b;
          }
        }
        std::vector<Bound> args;
        args.push_back(std::move(value).get_result());
        return call_registry("$negation", e.position, std::move(args));
      }
      case ExprKind::Binary:
      case ExprKind::Comparison: return operator_call(operator_name(e.op), e, context);
      case ExprKind::Quantified:
        return subquery_comparison(e, context, " " + e.op + " " + text::upper(e.text) + " (", "Cannot apply operator");
      case ExprKind::And:
      case ExprKind::Or: {
        std::string sql;
        for (std::size_t i = 0; i < e.args.size(); ++i) {
          auto arg = boolean(*e.args[i], context, e.kind == ExprKind::And ? "AND" : "OR");
          if (!arg) return arg;
          sql += (i ? (e.kind == ExprKind::And ? " AND " : " OR ") : "") + arg->sql;
        }
        Bound b;
        b.type = Type::of(TypeKind::Boolean);
        b.sql = "(" + sql + ")";
        return b;
      }
      case ExprKind::Not: {
        auto arg = boolean(*e.args[0], context, "NOT");
        if (!arg) return arg;
        Bound b;
        b.type = Type::of(TypeKind::Boolean);
        b.sql = "(NOT " + arg->sql + ")";
        return b;
      }
      case ExprKind::IsNull: {
        auto arg = bind(*e.args[0], context);
        if (!arg) return arg;
        Bound b;
        b.type = Type::of(TypeKind::Boolean);
        b.sql = "(" + arg->sql + (e.negated ? " IS NOT NULL)" : " IS NULL)");
        return b;
      }
      case ExprKind::IsDistinctFrom: return operator_call("$is_distinct_from", e, context, e.negated);
      case ExprKind::Between: return operator_call("$between", e, context, e.negated);
      case ExprKind::InList: {
        auto unified = bind_unified(e.args, context, "IN value and list items");
        if (!unified) return unified.get_failure();
        const Type& t = unified->type;
        if (!is_comparable(t) || t.kind == TypeKind::Array || t.kind == TypeKind::Map || t.kind == TypeKind::Row) {
          return not_supported(at(e.position, "IN over " + to_string(t) + " is not supported by the local engine"));
        }
        std::string sql = unified->sql[0] + (e.negated ? " NOT IN (" : " IN (");
        for (std::size_t i = 1; i < unified->sql.size(); ++i) sql += (i > 1 ? ", " : "") + unified->sql[i];
        Bound b;
        b.type = Type::of(TypeKind::Boolean);
        b.sql = "(" + sql + "))";
        return b;
      }
      case ExprKind::InSubquery:
        return subquery_comparison(e, context, e.negated ? " NOT IN (" : " IN (",
                                   "IN value and subquery must be the same type");
      case ExprKind::Exists: {
        auto q = query(*e.subquery, context.scope);
        if (!q) return q.get_failure();
        Bound b;
        b.type = Type::of(TypeKind::Boolean);
        b.sql = "(EXISTS (" + q->sql + "))";
        return b;
      }
      case ExprKind::ScalarSubquery: {
        auto sub = subquery(*e.subquery, context, e.position);
        if (!sub) return sub.get_failure();
        Bound b;
        b.type = sub->type;
        b.sql = "(" + sub->sql + ")";
        return b;
      }
      case ExprKind::Like: return operator_call("$like", e, context, e.negated);
      case ExprKind::Case: return case_expression(e, context);
      case ExprKind::If: {
        auto condition = boolean(*e.args[0], context, "IF");
        if (!condition) return condition;
        std::vector<const Expr*> results{e.args[1].get()};
        if (e.args.size() == 3) results.push_back(e.args[2].get());
        return conditional({condition->sql}, results, context, e.args.size() == 3);
      }
      case ExprKind::Coalesce: {
        auto unified = bind_unified(e.args, context, "All COALESCE operands");
        if (!unified) return unified.get_failure();
        std::string sql;
        for (std::size_t i = 0; i < unified->sql.size(); ++i) sql += (i ? ", " : "") + unified->sql[i];
        Bound b;
        b.type = unified->type;
        b.sql = "COALESCE(" + sql + ")";
        return b;
      }
      case ExprKind::NullIf: {
        auto left = bind(*e.args[0], context);
        if (!left) return left;
        auto right = bind(*e.args[1], context);
        if (!right) return right;
        Type t;
        if (!common_super_type(left->type, right->type, t) || !is_comparable(t)) {
          return semantic_error(at(e.position, "Types are not comparable with NULLIF: " + to_string(left->type) +
                                                   " vs " + to_string(right->type)));
        }
        auto l = coerce(left->sql, left->type, t);
        auto r = coerce(right->sql, right->type, t);
        if (!l) return l.get_failure();
        if (!r) return r.get_failure();
        Bound b;
        b.type = left->type;
        b.sql = "CASE WHEN " + *l + " = " + *r + " THEN NULL ELSE " + left->sql + " END";
        return b;
      }
      case ExprKind::Try: {
        // Trino's TRY turns the errors of its expression's rows into NULL (division by zero, invalid casts and
        // function arguments, out-of-range values, JSON errors: what the registry raises with ar_fail), as
        // DuckDB's TRY does; DuckDB's cannot hold aggregates, subqueries or volatile functions.
        if (auto blocked = try_blocker(*e.args[0])) {
          return not_supported(
              at(blocked->position, "TRY around " + blocked->text + " is not supported by the local engine"));
        }
        auto value = bind(*e.args[0], context);
        if (!value) return value;
        Bound b = *value;
        b.sql = "TRY(" + value->sql + ")";
        b.constant.reset();
        b.is_literal = false;
        return b;
      }
      case ExprKind::Array: {
        auto unified = bind_unified(e.args, context, "All ARRAY elements");
        if (!unified) return unified.get_failure();
        std::string sql;
        for (std::size_t i = 0; i < unified->sql.size(); ++i) sql += (i ? ", " : "") + unified->sql[i];
        Bound b;
        b.type = Type::array(unified->type);
        b.sql = "[" + sql + "]";
        return b;
      }
      case ExprKind::Row: {
        std::vector<Type> types;
        std::string sql;
        for (std::size_t i = 0; i < e.args.size(); ++i) {
          auto b = bind(*e.args[i], context);
          if (!b) return b;
          sql += (i ? ", " : "") + b->sql;
          types.push_back(b->type);
        }
        Bound b;
        b.type = Type::row(types, std::vector<std::string>(types.size()));
        b.sql = "row(" + sql + ")";
        return b;
      }
      case ExprKind::Lambda:
        return semantic_error(at(e.position, "a lambda expression is only allowed as a function argument"));
      case ExprKind::AtTimeZone: {
        auto value = bind(*e.args[0], context);
        if (!value) return value;
        if (e.args.size() == 2 && e.args[1]->kind == ExprKind::Literal && e.args[1]->literal == LiteralKind::String &&
            (text::iequals(e.args[1]->text, "UTC") || e.args[1]->text == "Z" || e.args[1]->text == "+00:00")) {
          if (value->type.kind == TypeKind::Timestamp || value->type.kind == TypeKind::TimestampTz) {
            Bound b;
            b.type = Type::timestamp_tz(value->type.precision);
            b.sql = "CAST(" + value->sql + " AS TIMESTAMPTZ)";
            return b;
          }
        }
        return not_supported(
            at(e.position,
               "AT TIME ZONE is supported by the local engine only with 'UTC', or with another zone "
               "inside CAST(... AS timestamp | date), date(...), format_datetime(...), date_format(...) "
               "and the field functions (hour(...), EXTRACT(...), ...)"));
      }
      case ExprKind::Extract: {
        static const std::map<std::string, std::string> kFields = {
            {"year", "year"},
            {"quarter", "quarter"},
            {"month", "month"},
            {"week", "week"},
            {"day", "day"},
            {"day_of_month", "day"},
            {"day_of_week", "day_of_week"},
            {"dow", "day_of_week"},
            {"day_of_year", "day_of_year"},
            {"doy", "day_of_year"},
            {"year_of_week", "year_of_week"},
            {"yow", "year_of_week"},
            {"timezone_hour", "timezone_hour"},
            {"timezone_minute", "timezone_minute"},
            {"hour", "hour"},
            {"minute", "minute"},
            {"second", "second"},
        };
        auto found = kFields.find(e.text);
        if (found == kFields.end()) {
          return not_supported(
              at(e.position, "EXTRACT(" + text::upper(e.text) + " FROM ...) is not supported by the local engine"));
        }
        if (auto field = field_of_wall_clock(found->second, *e.args[0], e.position, context)) return std::move(*field);
        auto value = bind(*e.args[0], context);
        if (!value) return value;
        std::vector<Bound> args;
        args.push_back(std::move(value).get_result());
        return call_registry(found->second, e.position, std::move(args), FunctionKind::Scalar);
      }
      case ExprKind::CurrentTime: {
        Bound b;
        if (e.text == "current_date") {
          b.type = Type::of(TypeKind::Date);
          b.sql = "current_date";
          return b;
        }
        const int precision = e.index < 0 ? 3 : e.index;
        if (precision > 6)
          return not_supported(at(e.position, e.text + " with precision above 6 is not supported locally"));
        if (e.text == "current_timestamp") {
          b.type = Type::timestamp_tz(precision);
          b.sql = "CAST(current_timestamp AS TIMESTAMPTZ)";
          return b;
        }
        if (e.text == "localtimestamp") {
          b.type = Type::timestamp(precision);
          b.sql = "CAST(current_timestamp AS TIMESTAMP)";
          return b;
        }
        return not_supported(at(e.position, e.text + " is not supported by the local engine"));
      }
      case ExprKind::JsonFunction: return json_function(e, context);
      case ExprKind::Star: return semantic_error(at(e.position, "'*' is only allowed in count(*) and SELECT *"));
    }
    return semantic_error(at(e.position, "unknown expression"));
  }

  // Binds expressions and coerces each to their common super type (COALESCE, ARRAY[...], IN lists);
  // `what` names them in the error.
  struct Unified {
    std::vector<std::string> sql;
    Type type = Type::of(TypeKind::Unknown);
  };
  Outcome<Unified> bind_unified(const std::vector<ExprPtr>& exprs, const Context& context, const std::string& what) {
    std::vector<Bound> bound;
    Unified out;
    for (const auto& a : exprs) {
      auto b = bind(*a, context);
      if (!b) return b.get_failure();
      Type next;
      if (!common_super_type(out.type, b->type, next)) {
        return semantic_error(
            at(a->position, what + " must be the same type: " + to_string(out.type) + " and " + to_string(b->type)));
      }
      out.type = next;
      bound.push_back(std::move(b).get_result());
    }
    for (const auto& b : bound) {
      auto c = coerce(b.sql, b.type, out.type, b.type.kind == TypeKind::Unknown && out.type.kind != TypeKind::Unknown);
      if (!c) return c.get_failure();
      out.sql.push_back(std::move(c).get_result());
    }
    return out;
  }

  Outcome<Bound> boolean(const Expr& e, const Context& context, const std::string& where) {
    auto b = bind(e, context);
    if (!b) return b;
    if (b->type.kind != TypeKind::Boolean && b->type.kind != TypeKind::Unknown) {
      return semantic_error(at(e.position, where + " needs a boolean, not " + to_string(b->type)));
    }
    return b;
  }

  // x IN (subquery), x op ANY|ALL (subquery): x and the subquery's column coerced to their common type.
  Outcome<Bound> subquery_comparison(const Expr& e, const Context& context, const std::string& infix,
                                     const std::string& mismatch) {
    auto left = bind(*e.args[0], context);
    if (!left) return left;
    auto sub = subquery(*e.subquery, context, e.position);
    if (!sub) return sub.get_failure();
    Type t;
    if (!common_super_type(left->type, sub->type, t) || !is_comparable(t)) {
      return semantic_error(at(e.position, mismatch + ": " + to_string(left->type) + " and " + to_string(sub->type)));
    }
    auto l = coerce(left->sql, left->type, t);
    if (!l) return l.get_failure();
    Bound b;
    b.type = Type::of(TypeKind::Boolean);
    b.sql = "(" + *l + infix + sub->sql + "))";
    return b;
  }

  struct Sub {
    std::string sql;
    Type type;
  };
  Outcome<Sub> subquery(const Query& q, const Context& context, const Position& position) {
    auto r = query(q, context.scope);
    if (!r) return r.get_failure();
    if (r->fields.size() != 1) {
      return semantic_error(at(position, "Multiple columns returned by subquery are not yet supported. Found " +
                                             std::to_string(r->fields.size())));
    }
    return Sub{r->sql, r->fields[0].type};
  }

  // CASE / IF: the results' common type; `conditions` already bound (SQL).
  Outcome<Bound> conditional(const std::vector<std::string>& conditions, const std::vector<const Expr*>& results,
                             const Context& context, bool has_else) {
    std::vector<Bound> bound;
    Type t = Type::of(TypeKind::Unknown);
    for (const Expr* r : results) {
      auto b = bind(*r, context);
      if (!b) return b;
      Type next;
      if (!common_super_type(t, b->type, next)) {
        return semantic_error(
            at(r->position, "All CASE results must be the same type: " + to_string(t) + " and " + to_string(b->type)));
      }
      t = next;
      bound.push_back(std::move(b).get_result());
    }
    std::string sql = "CASE";
    for (std::size_t i = 0; i < conditions.size(); ++i) {
      auto c = coerce(bound[i].sql, bound[i].type, t);
      if (!c) return c.get_failure();
      sql += " WHEN " + conditions[i] + " THEN " + *c;
    }
    if (has_else) {
      auto c = coerce(bound.back().sql, bound.back().type, t);
      if (!c) return c.get_failure();
      sql += " ELSE " + *c;
    }
    Bound b;
    b.type = t;
    b.sql = sql + " END";
    return b;
  }

  // json_query / json_value / json_exists: the path is parsed here (a syntax error fails the query before
  // it runs) and evaluated by the engine's ar_json_query / ar_json_value / ar_json_exists
  // (functions/sqljson.cpp), which take the input's text, the path, the PASSING values as one JSON object
  // and the clauses as option letters.
  // The JSON text of a json_array element or json_object value (docs: "Argument types"): booleans, numbers
  // and strings as JSON literals, FORMAT JSON values (and nested json_query, json_array, json_object calls)
  // as the JSON they hold, other scalars as their varchar text; NULL stays NULL.
  Outcome<std::string> json_member(const Expr& arg, bool format_json, const Context& context) {
    auto value = bind(arg, context);
    if (!value) return value.get_failure();
    const TypeKind kind = value->type.kind;
    using F = JsonFunctionSpec::Function;
    const bool produces_json =
        arg.kind == ExprKind::JsonFunction &&
        (arg.json->function == F::Query || arg.json->function == F::Array || arg.json->function == F::Object);
    if (kind == TypeKind::Unknown) return std::string("CAST(NULL AS VARCHAR)");
    if (format_json || produces_json) {
      if (kind != TypeKind::Varchar && kind != TypeKind::Json) {
        return not_supported(at(
            arg.position, "a " + to_string(value->type) + " FORMAT JSON value is not supported by the local engine"));
      }
      return "ar_json_compact(CAST(" + value->sql + " AS VARCHAR))";
    }
    switch (kind) {
      case TypeKind::Boolean:
      case TypeKind::Tinyint:
      case TypeKind::Smallint:
      case TypeKind::Integer:
      case TypeKind::Bigint:
      case TypeKind::Real:
      case TypeKind::Double:
      case TypeKind::Decimal:
      case TypeKind::Varchar: {
        auto text = families::json_cast(value->sql, value->type, Type::of(TypeKind::Json));
        if (!text) return not_supported(at(arg.position, text.get_failure().message));
        return "CAST(" + *text + " AS VARCHAR)";
      }
      case TypeKind::Date:
      case TypeKind::Time:
      case TypeKind::Timestamp:
      case TypeKind::TimestampTz:
      case TypeKind::Uuid: {
        auto text = cast(*value, Type::varchar(), false, arg.position);
        if (!text) return text.get_failure();
        return "ar_json_quote(" + text->sql + ")";
      }
      default:
        return not_supported(at(arg.position, "a " + to_string(value->type) +
                                                  " value in json_array or json_object is not supported by the "
                                                  "local engine (without FORMAT JSON)"));
    }
  }

  // json_array and json_object: the JSON text put together in SQL.
  Outcome<Bound> json_constructor(const Expr& e, const Context& context) {
    using Spec = JsonFunctionSpec;
    const Spec& spec = *e.json;
    const bool object = spec.function == Spec::Function::Object;
    const char* function = object ? "json_object" : "json_array";
    std::vector<std::string> members;
    std::vector<std::string> keys;
    const std::size_t step = object ? 2 : 1;
    for (std::size_t i = 0; i < e.args.size(); i += step) {
      auto value = json_member(*e.args[i + step - 1], spec.value_format_json[i / step], context);
      if (!value) return value.get_failure();
      if (!object) {
        members.push_back(spec.absent_on_null ? *value : "coalesce(" + *value + ", 'null')");
        continue;
      }
      auto key = bind(*e.args[i], context);
      if (!key) return key;
      if (key->type.kind != TypeKind::Varchar && key->type.kind != TypeKind::Unknown) {
        return semantic_error(
            at(e.args[i]->position, "json_object key must be a character string (it is " + to_string(key->type) + ")"));
      }
      const std::string k = key->type.kind == TypeKind::Unknown ? "CAST(NULL AS VARCHAR)" : key->sql;
      keys.push_back(k);
      const std::string entry =
          "ar_json_quote(" + k + ") || ':' || " + (spec.absent_on_null ? *value : "coalesce(" + *value + ", 'null')");
      std::string member = "CASE WHEN " + k;
      member += " IS NULL THEN ar_fail('null value passed for JSON object key to JSON_OBJECT function') ELSE ";
      member += entry;
      member += " END";
      members.push_back(std::move(member));
    }
    std::string sql = object ? "'{}'" : "'[]'";
    if (!members.empty()) {
      sql = std::string(object ? "'{'" : "'['") + " || concat_ws(','";
      for (const auto& member : members) sql += ", " + member;
      sql += std::string(") || ") + (object ? "'}'" : "']'");
    }
    if (spec.unique_keys && !keys.empty()) {
      if (std::find(spec.value_format_json.begin(), spec.value_format_json.end(), true) !=
          spec.value_format_json.end()) {
        return semantic_error(
            at(e.position, "json_object: WITH UNIQUE KEYS is not supported with a FORMAT JSON argument"));
      }
      std::string list;
      for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
      sql = "CASE WHEN len(list_distinct([" + list + "])) < len(list_filter([" + list +
            "], lambda ar_key: ar_key IS NOT NULL)) THEN ar_fail('duplicate key passed to JSON_OBJECT function') "
            "ELSE " +
            sql + " END";
    }
    Bound b;
    b.type = spec.returning.value_or(Type::varchar());
    switch (b.type.kind) {
      case TypeKind::Varchar:
        if (b.type.precision != Type::kUnbounded) {
          const std::string n = std::to_string(b.type.precision);
          const std::string message = std::string(function) + " result does not fit varchar(" + n + ")";
          sql = "CASE WHEN length(" + sql + ") > " + n + " THEN ar_fail(" + quote_string(message) + ") ELSE " + sql +
                " END";
        }
        break;
      case TypeKind::Varbinary: sql = "encode(" + sql + ")"; break;
      default:
        return not_supported(at(e.position, std::string(function) + " RETURNING " + to_string(b.type) +
                                                " is not supported by the local engine (varchar and varbinary are)"));
    }
    b.sql = std::move(sql);
    return b;
  }

  Outcome<Bound> json_function(const Expr& e, const Context& context) {
    using Spec = JsonFunctionSpec;
    const Spec& spec = *e.json;
    if (spec.function == Spec::Function::Array || spec.function == Spec::Function::Object) {
      return json_constructor(e, context);
    }
    const char* function = spec.function == Spec::Function::Query   ? "json_query"
                           : spec.function == Spec::Function::Value ? "json_value"
                                                                    : "json_exists";
    JsonPathError path_error;
    auto path = parse_json_path(spec.path, path_error);
    if (!path) {
      if (path_error.not_supported) return not_supported(at(spec.path_position, path_error.message));
      return syntax_error(at(spec.path_position, "Invalid JSON path '" + spec.path + "': " + path_error.message));
    }
    for (std::size_t i = 0; i < spec.passing_names.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (spec.passing_names[i] == spec.passing_names[j]) {
          return semantic_error(at(e.args[1 + i]->position,
                                   std::string(function) + " parameter " + spec.passing_names[i] + " passed twice"));
        }
      }
    }
    for (const auto& variable : path->variables) {
      if (std::find(spec.passing_names.begin(), spec.passing_names.end(), variable) == spec.passing_names.end()) {
        return semantic_error(at(spec.path_position, "no value passed for parameter " + variable));
      }
    }
    auto input = bind(*e.args[0], context);
    if (!input) return input;
    const TypeKind input_kind = input->type.kind;
    if (input_kind == TypeKind::Varbinary) {
      return not_supported(
          at(e.args[0]->position, std::string(function) + " of varbinary input is not supported by the local engine"));
    }
    if (input_kind != TypeKind::Varchar && input_kind != TypeKind::Json && input_kind != TypeKind::Unknown) {
      return semantic_error(at(e.args[0]->position, std::string(function) +
                                                        " input must be a JSON value or a character string (it is " +
                                                        to_string(input->type) + ")"));
    }
    // PASSING values as one JSON object text, {"NAME": {"value": <the SQL value as a JSON item>}} or
    // {"NAME": {"json": "<the text of a FORMAT JSON or JSON value>"}}; SQL NULL is JSON null.
    std::string params = "'{'";
    for (std::size_t i = 0; i < spec.passing_names.size(); ++i) {
      const Expr& arg = *e.args[1 + i];
      auto value = bind(arg, context);
      if (!value) return value;
      const TypeKind kind = value->type.kind;
      std::string item;
      if (kind == TypeKind::Json && !spec.passing_format_json[i]) {
        return not_supported(at(arg.position,
                                "a json value in PASSING without FORMAT JSON is not supported by the "
                                "local engine (write json_format(v) FORMAT JSON)"));
      }
      if (spec.passing_format_json[i]) {
        if (kind != TypeKind::Varchar && kind != TypeKind::Json && kind != TypeKind::Unknown) {
          return not_supported(
              at(arg.position,
                 "a " + to_string(value->type) + " FORMAT JSON value in PASSING is not supported by the local engine"));
        }
        // {"json": "<its text>"}: parsed by the evaluator (malformed JSON is an input conversion error).
        item = kind == TypeKind::Unknown ? "NULL"
                                         : "'{\"json\":' || ar_json_quote(CAST(" + value->sql + " AS VARCHAR)) || '}'";
      } else if (kind == TypeKind::Unknown) {
        item = "NULL";
      } else if (kind == TypeKind::Boolean || kind == TypeKind::Tinyint || kind == TypeKind::Smallint ||
                 kind == TypeKind::Integer || kind == TypeKind::Bigint || kind == TypeKind::Double ||
                 kind == TypeKind::Varchar) {
        // (real and decimal values would become doubles here: their arithmetic and text differ, so they
        // are refused below)
        auto text = families::json_cast(value->sql, value->type, Type::of(TypeKind::Json));
        if (!text) return not_supported(at(arg.position, text.get_failure().message));
        item = "'{\"value\":' || CAST(" + *text + " AS VARCHAR) || '}'";
      } else {
        return not_supported(
            at(arg.position, "a " + to_string(value->type) + " value in PASSING is not supported by the local engine"));
      }
      params += std::string(" || '") + (i ? "," : "") + "' || ar_json_quote(" + quote_string(spec.passing_names[i]) +
                ") || ':' || coalesce(" + item + ", '{\"value\":null}')";
    }
    params += " || '}'";
    auto behavior = [](std::optional<Spec::Behavior> b, Spec::Behavior otherwise) {
      switch (b.value_or(otherwise)) {
        case Spec::Behavior::Null: return 'n';
        case Spec::Behavior::Error: return 'e';
        case Spec::Behavior::EmptyArray: return 'a';
        case Spec::Behavior::EmptyObject: return 'o';
        case Spec::Behavior::Default: return 'd';
        case Spec::Behavior::True: return 't';
        case Spec::Behavior::False: return 'f';
        case Spec::Behavior::Unknown: return 'u';
      }
      return 'n';
    };
    const std::string input_sql = input_kind == TypeKind::Unknown ? "CAST(NULL AS VARCHAR)" : input->sql;
    const std::string call_args = input_sql + ", " + quote_string(spec.path) + ", " + params + ", ";
    Bound b;
    if (spec.function == Spec::Function::Exists) {
      b.type = Type::of(TypeKind::Boolean);
      b.sql = "ar_json_exists(" + call_args + "'" + behavior(spec.on_error, Spec::Behavior::False) + "')";
      return b;
    }
    if (spec.function == Spec::Function::Query) {
      Type returns = input_kind == TypeKind::Json ? Type::of(TypeKind::Json) : Type::varchar();
      if (spec.returning) {
        const Type& r = *spec.returning;
        if (!(r.kind == TypeKind::Json || (r.kind == TypeKind::Varchar && r.precision == Type::kUnbounded))) {
          return not_supported(at(
              spec.path_position,
              "json_query RETURNING " + to_string(r) + " is not supported by the local engine (varchar and json are)"));
        }
        returns = r;
      }
      if (spec.omit_quotes && spec.wrapper != Spec::Wrapper::Without) {
        return semantic_error(at(spec.path_position, "json_query: OMIT QUOTES cannot be used with WITH ARRAY WRAPPER"));
      }
      const char wrapper = spec.wrapper == Spec::Wrapper::Without       ? 'w'
                           : spec.wrapper == Spec::Wrapper::Conditional ? 'c'
                                                                        : 'u';
      std::string options{wrapper, spec.omit_quotes ? 'o' : 'k', behavior(spec.on_empty, Spec::Behavior::Null),
                          behavior(spec.on_error, Spec::Behavior::Null)};
      b.type = returns;
      b.sql = "ar_json_query(" + call_args + "'" + options + "')";
      if (returns.kind == TypeKind::Json) b.sql = "ar_as_json(" + b.sql + ")";
      return b;
    }
    // json_value: the value's text ('v' + text), or for a DEFAULT behavior 'e' (empty) / 'x' (error).
    Type returns = spec.returning.value_or(Type::varchar());
    char target = 0;
    switch (returns.kind) {
      case TypeKind::Varchar: target = returns.precision == Type::kUnbounded ? 's' : 0; break;
      case TypeKind::Boolean: target = 'b'; break;
      case TypeKind::Tinyint: target = '1'; break;
      case TypeKind::Smallint: target = '2'; break;
      case TypeKind::Integer: target = '4'; break;
      case TypeKind::Bigint: target = '8'; break;
      case TypeKind::Double: target = 'd'; break;
      default: break;
    }
    if (target == 0) {
      return not_supported(at(spec.path_position,
                              "json_value RETURNING " + to_string(returns) +
                                  " is not supported by the local engine (varchar, boolean, integers and double are)"));
    }
    auto duck = duck_type(returns);
    if (!duck) return not_supported(at(spec.path_position, duck.get_failure().message));
    std::string options{target, behavior(spec.on_empty, Spec::Behavior::Null),
                        behavior(spec.on_error, Spec::Behavior::Null)};
    const std::string result = "ar_json_value(" + call_args + "'" + options + "')";
    std::string sql = "CASE left(" + result + ", 1) WHEN 'v' THEN CAST(substr(" + result + ", 2) AS " + *duck + ")";
    for (auto [index, status] : {std::pair{spec.empty_default, "e"}, std::pair{spec.error_default, "x"}}) {
      if (!index) continue;
      if (auto blocked = try_blocker(*e.args[*index]); blocked && blocked->text == "a subquery") {
        return semantic_error(at(blocked->position, "json_value: subqueries are not supported in DEFAULT expressions"));
      }
      auto fallback = bind(*e.args[*index], context);
      if (!fallback) return fallback;
      // Trino's analyzer coerces DEFAULT to the returned type; only implicit coercions are taken here.
      if (!can_coerce(fallback->type, returns)) {
        return semantic_error(
            at(e.args[*index]->position, "json_value: the DEFAULT value's type " + to_string(fallback->type) +
                                             " does not coerce to the returned type " + to_string(returns)));
      }
      auto converted = cast(*fallback, returns, false, e.args[*index]->position);
      if (!converted) return converted;
      sql += std::string(" WHEN '") + status + "' THEN " + converted->sql;
    }
    b.type = returns;
    b.sql = sql + " END";
    return b;
  }

  Outcome<Bound> case_expression(const Expr& e, const Context& context) {
    const bool simple = e.flag;
    const bool has_else = e.negated;
    std::size_t first = simple ? 1 : 0;
    std::size_t end = e.args.size() - (has_else ? 1 : 0);
    std::vector<std::string> conditions;
    std::vector<const Expr*> results;
    std::optional<Bound> operand;
    if (simple) {
      auto b = bind(*e.args[0], context);
      if (!b) return b;
      operand = std::move(b).get_result();
    }
    for (std::size_t i = first; i + 1 < end + 1 && i < end; i += 2) {
      if (simple) {
        auto value = bind(*e.args[i], context);
        if (!value) return value;
        std::vector<Bound> args{*operand, std::move(value).get_result()};
        auto eq = call_registry("$equal", e.args[i]->position, std::move(args));
        if (!eq) return eq;
        conditions.push_back(eq->sql);
      } else {
        auto c = boolean(*e.args[i], context, "CASE WHEN");
        if (!c) return c;
        conditions.push_back(c->sql);
      }
      results.push_back(e.args[i + 1].get());
    }
    if (has_else) results.push_back(e.args.back().get());
    return conditional(conditions, results, context, has_else);
  }

  Outcome<std::string> window_sql(const Window& w, const Context& context) {
    std::string sql;
    if (w.base) sql += quote_identifier(fold(*w.base)) + " ";
    if (!w.partition_by.empty()) {
      sql += "PARTITION BY ";
      for (std::size_t i = 0; i < w.partition_by.size(); ++i) {
        auto b = bind(*w.partition_by[i], context);
        if (!b) return b.get_failure();
        sql += (i ? ", " : "") + b->sql;
      }
      sql += " ";
    }
    if (!w.order_by.empty()) {
      sql += "ORDER BY ";
      for (std::size_t i = 0; i < w.order_by.size(); ++i) {
        auto b = bind(*w.order_by[i].expr, context);
        if (!b) return b.get_failure();
        sql += (i ? ", " : "") + b->sql + (w.order_by[i].descending ? " DESC" : " ASC") +
               (w.order_by[i].nulls_first.value_or(false) ? " NULLS FIRST" : " NULLS LAST");
      }
      sql += " ";
    }
    if (w.frame) {
      if (w.frame->unit == "groups") return not_supported("GROUPS window frames are not supported by the local engine");
      auto bound = [&](const FrameBound& f) -> Outcome<std::string> {
        switch (f.kind) {
          case FrameBound::Kind::UnboundedPreceding: return std::string("UNBOUNDED PRECEDING");
          case FrameBound::Kind::UnboundedFollowing: return std::string("UNBOUNDED FOLLOWING");
          case FrameBound::Kind::CurrentRow: return std::string("CURRENT ROW");
          case FrameBound::Kind::Preceding:
          case FrameBound::Kind::Following: {
            auto b = bind(*f.offset, context);
            if (!b) return b.get_failure();
            return b->sql + (f.kind == FrameBound::Kind::Preceding ? " PRECEDING" : " FOLLOWING");
          }
        }
        return std::string("CURRENT ROW");
      };
      auto start = bound(w.frame->start);
      if (!start) return start;
      sql += text::upper(w.frame->unit) + " ";
      if (w.frame->end) {
        auto end = bound(*w.frame->end);
        if (!end) return end;
        sql += "BETWEEN " + *start + " AND " + *end;
      } else {
        sql += *start;
      }
    }
    return sql;
  }

  Outcome<Bound> call(const Expr& e, const Context& context) {
    if (e.name.size() != 1) {
      return not_supported(at(e.position, "function " + to_string(e.name) + " is not supported by the local engine"));
    }
    const std::string name = fold(e.name[0]);
    if (name == "date" && e.args.size() == 1 && e.window == nullptr) {
      if (auto local = cast_wall_clock(*e.args[0], Type::of(TypeKind::Date), false, e.position, context)) {
        return std::move(*local);
      }
    }
    if (auto formatted = format_wall_clock(name, e, context)) return std::move(*formatted);
    if (e.args.size() == 1 && e.window == nullptr) {
      if (auto field = field_of_wall_clock(name, *e.args[0], e.position, context)) return std::move(*field);
    }
    const bool window = e.window != nullptr;
    FunctionKind kind = window ? FunctionKind::Window : FunctionKind::Scalar;
    const bool aggregate_name = has_function(name, FunctionKind::Aggregate);
    if (!window && aggregate_name) kind = FunctionKind::Aggregate;
    if (!window && has_function(name, FunctionKind::Window) && !aggregate_name) {
      return semantic_error(at(e.position, "Window function " + name + " requires an OVER clause"));
    }
    if (kind == FunctionKind::Aggregate && !context.allow_aggregates) {
      return semantic_error(at(e.position, "WHERE, GROUP BY and JOIN clauses cannot contain aggregations: " + name));
    }
    if (window && !context.allow_windows) {
      return semantic_error(
          at(e.position, "WHERE, GROUP BY and JOIN clauses cannot contain window functions: " + name));
    }
    if (name == "grouping") {
      std::string sql;
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        auto b = bind(*e.args[i], context);
        if (!b) return b;
        sql += (i ? ", " : "") + b->sql;
      }
      Bound b;
      b.type = Type::of(TypeKind::Bigint);
      b.sql = "CAST(GROUPING(" + sql + ") AS BIGINT)";
      return b;
    }
    if ((e.flag || e.filter || !e.order_by.empty()) && kind == FunctionKind::Scalar && has_function(name)) {
      return semantic_error(
          at(e.position, "DISTINCT, FILTER and ORDER BY are only allowed in aggregate functions: " + name));
    }
    // IGNORE NULLS (functions/window): the value functions skip NULLs; DuckDB takes it inside the call.
    static const std::set<std::string> kValueFunctions = {"lag", "lead", "first_value", "last_value", "nth_value"};
    if (e.ignore_nulls && (!window || !kValueFunctions.count(name))) {
      return semantic_error(at(e.position,
                               "IGNORE NULLS is only allowed with lag, lead, first_value, last_value and "
                               "nth_value over a window"));
    }
    // Arguments: an inner aggregate is not allowed inside an aggregate.
    Context inner = context;
    if (kind != FunctionKind::Scalar) {
      inner.allow_aggregates = window;  // sum(sum(x)) OVER (): the argument may aggregate
      inner.allow_windows = false;
    }
    std::vector<Bound> args;
    std::vector<const Expr*> lambdas;
    for (const auto& a : e.args) {
      if (a->kind == ExprKind::Star) {
        if (name != "count") return semantic_error(at(a->position, "'*' is only allowed in count(*)"));
        continue;
      }
      if (a->kind == ExprKind::Lambda) {
        Bound placeholder;
        placeholder.type = Type::of(TypeKind::Function);
        placeholder.type.children.resize(a->lambda_parameters.size());
        args.push_back(std::move(placeholder));
        lambdas.push_back(a.get());
        continue;
      }
      auto b = bind(*a, inner);
      if (!b) return b;
      args.push_back(std::move(b).get_result());
      lambdas.push_back(nullptr);
    }
    std::vector<Type> types;
    types.reserve(args.size());
    for (const auto& a : args) types.push_back(a.type);
    LambdaBinder lambda_binder = [&](std::size_t index, const std::vector<Type>& params, bool packed) -> Outcome<Type> {
      const Expr* l = lambdas[index];
      Context body_context = inner;
      std::string names;
      for (const auto& p : l->lambda_parameters) names += "_" + fold(p);
      // Packed: one struct parameter whose i-th field is the i-th parameter (see FunctionEntry).
      const std::string packed_name = quote_identifier("ar_p" + names);
      names.clear();
      for (std::size_t i = 0; i < params.size(); ++i) {
        const std::string parameter = fold(l->lambda_parameters[i]);
        const std::string sql = packed ? "struct_extract_at(" + packed_name + ", " + std::to_string(i + 1) + ")"
                                       : quote_identifier("ar_l_" + parameter);
        body_context.lambdas.push_back(Context::LambdaParameter{parameter, params[i], sql});
        names += (i ? ", " : "") + sql;
      }
      auto body = bind(*l->args[0], body_context);
      if (!body) return body.get_failure();
      args[index].sql = "lambda " + (packed ? packed_name : names) + ": " + body->sql;
      return body->type;
    };
    auto resolved = resolve_function(name, types, kind, lambda_binder);
    if (!resolved) {
      if (resolved.get_failure().code == kNotSupportedCode) {
        return Outcome<Bound>(not_supported(at(e.position, resolved.get_failure().message)));
      }
      return Outcome<Bound>(resolved.get_failure());
    }
    // ORDER BY inside the aggregate, FILTER and OVER after it.
    std::string order;
    if (!e.order_by.empty()) {
      order = " ORDER BY ";
      for (std::size_t i = 0; i < e.order_by.size(); ++i) {
        auto b = bind(*e.order_by[i].expr, inner);
        if (!b) return b;
        order += (i ? ", " : "") + b->sql + (e.order_by[i].descending ? " DESC" : " ASC") +
                 (e.order_by[i].nulls_first.value_or(false) ? " NULLS FIRST" : " NULLS LAST");
      }
    }
    std::string after;
    if (e.filter) {
      Context filter_context = inner;
      filter_context.allow_aggregates = false;
      auto f = boolean(*e.filter, filter_context, "FILTER");
      if (!f) return f;
      after += " FILTER (WHERE " + f->sql + ")";
    }
    if (window) {
      Context window_context = context;
      window_context.allow_windows = false;
      auto w = window_sql(*e.window, window_context);
      if (!w) return w.get_failure();
      after += " OVER (" + *w + ")";
    }
    if (e.ignore_nulls) order += " IGNORE NULLS";
    resolved->modifiers_order = order;
    resolved->modifiers_after = after;
    if (args.empty() && (e.flag || !order.empty())) {
      return semantic_error(at(e.position, name + "(*) takes no DISTINCT or ORDER BY"));
    }
    return finish_call(*resolved, args, e.flag ? "DISTINCT " : "");
  }

  const Catalog& catalog_;
  const TranslateOptions& options_;
  std::vector<std::pair<std::string, Cte>> ctes_;
  std::set<std::pair<std::string, std::string>> tables_;
  std::vector<PartitionedReference> partitioned_;
  int relation_counter_ = 0;
  int cte_counter_ = 0;
  int depth_ = 0;
};

// Whether a time(p) is (inside) the type.
bool contains_time(const Type& type) {
  if (type.kind == TypeKind::Time) return true;
  return std::any_of(type.children.begin(), type.children.end(), [](const Type& c) { return contains_time(c); });
}

}  // namespace

Outcome<Translation> translate_query(const Query& query, const Catalog& catalog, const TranslateOptions& options,
                                     int parameter_count) {
  if (static_cast<std::size_t>(parameter_count) != options.parameters.size()) {
    return make_error(ErrorKind::InvalidInput, std::string(kInvalidParameterCode),
                      "the query has " + std::to_string(parameter_count) + " parameter placeholder(s) but " +
                          std::to_string(options.parameters.size()) + " execution parameter(s) were given");
  }
  Translator translator(catalog, options);
  auto result = translator.query(query, nullptr);
  if (!result) return result.get_failure();
  Translation t;
  // The result columns as DuckDB values of exactly the Trino types (a NULL DuckDB folded to a constant has
  // DuckDB's NULL type otherwise; a decimal its own precision).
  std::string items;
  std::string columns;
  bool cast_any = false;
  for (std::size_t i = 0; i < result->fields.size(); ++i) {
    const Type& type = result->fields[i].type;
    const std::string column = quote_identifier("c" + std::to_string(i));
    columns += (i ? ", " : "") + column;
    const bool scalar = type.kind != TypeKind::Unknown && type.kind != TypeKind::Array && type.kind != TypeKind::Map &&
                        type.kind != TypeKind::Row && type.kind != TypeKind::Json;
    auto duck = scalar ? duck_type(type) : Outcome<std::string>(std::string());
    std::string item = "ar_out." + column;
    if (!scalar && contains_time(type)) {  // DuckDB's text of a nested TIME drops a zero fraction
      return not_supported("column " + result->fields[i].name + ": a " + to_string(type) +
                           " result is not supported by the local engine (time inside a structured value)");
    }
    if (type.kind == TypeKind::Time) {  // Trino's text of a time(p): p fractional digits
      item.insert(0, "ar_time_text(");
      item += ", " + std::to_string(type.precision) + ")";
      cast_any = true;
    } else if (type.kind == TypeKind::IntervalDayToSecond || type.kind == TypeKind::IntervalYearToMonth) {
      // Trino's text of an interval (DuckDB keeps one kind of interval): "1 01:01:01.234", "1-2".
      const char* text = type.kind == TypeKind::IntervalDayToSecond ? "ar_interval_day_to_second_text("
                                                                    : "ar_interval_year_to_month_text(";
      item.insert(0, text);
      item += ')';
      cast_any = true;
    } else if (scalar && duck) {
      item.insert(0, "CAST(");
      item += " AS ";
      item += *duck;
      item += ')';
      cast_any = true;
    }
    items += (i ? ", " : "") + item + " AS " + quote_identifier(result->fields[i].name);
  }
  t.sql =
      cast_any ? "SELECT " + items + " FROM (" + result->sql + ") AS ar_out(" + columns + ")" : std::move(result->sql);
  for (auto& f : result->fields) t.columns.push_back(OutputColumn{f.name, f.type});
  t.tables = translator.tables();
  t.partitioned = std::move(translator).partitioned();
  t.parameter_count = parameter_count;
  return t;
}

Outcome<Translation> translate(std::string_view sql, const Catalog& catalog, const TranslateOptions& options) {
  auto statement = parse_statement(sql);
  if (!statement) return statement.get_failure();
  if (statement->kind != StatementKind::Query) {
    return not_supported(std::string(to_string(statement->kind)) + " is not a query");
  }
  return translate_query(*statement->query, catalog, options, statement->parameter_count);
}

Status validate_parameter_literal(std::string_view parameter) {
  auto reject = [&] {
    return make_error(ErrorKind::InvalidInput, std::string(kInvalidParameterCode),
                      "execution parameter must be exactly one literal (number, 'string', DATE '...', "
                      "TIMESTAMP '...', TRUE, FALSE or NULL): " +
                          std::string(parameter));
  };
  auto tokens = lex(parameter);
  if (!tokens) return reject();
  // Comments are skipped by the lexer: a parameter with one has text outside its tokens.
  std::size_t significant = 0;
  for (char c : parameter) significant += !std::isspace(static_cast<unsigned char>(c));
  std::size_t token_significant = 0;
  for (const auto& t : *tokens) {
    for (char c : t.text) token_significant += !std::isspace(static_cast<unsigned char>(c));
  }
  if (token_significant != significant) {
    return make_error(ErrorKind::InvalidInput, std::string(kInvalidParameterCode),
                      "execution parameter must not contain comments");
  }
  auto e = parse_expression(parameter);
  if (!e) return reject();
  const Expr* value = e->get();
  if (value->kind == ExprKind::Unary) value = value->args[0].get();
  if (value->kind != ExprKind::Literal) return reject();
  if ((*e)->kind == ExprKind::Unary &&
      !(value->literal == LiteralKind::Integer || value->literal == LiteralKind::Decimal ||
        value->literal == LiteralKind::Double)) {
    return reject();
  }
  if (value->literal == LiteralKind::Typed) {
    static const std::set<std::string> kTyped = {"date",    "time",     "timestamp", "decimal", "real",    "double",
                                                 "tinyint", "smallint", "integer",   "bigint",  "varchar", "char"};
    if (!kTyped.count(value->literal_type)) return reject();
  }
  return Ok{};
}

}  // namespace athena_runner::sql
