// Arithmetic, comparison, LIKE, concatenation and subscript operators (docs: functions/comparison,
// functions/math "Mathematical operators", functions/decimal), and greatest / least over NULLs.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "registry.hpp"

namespace athena_runner::sql::families {
namespace {

Outcome<Type> decimal_result(const std::vector<Type>& args, char op) {
  const Type& x = args.at(0);
  const Type& y = args.at(1);
  int p = 0;
  int s = 0;
  switch (op) {
    case '+':
      s = std::max(x.scale, y.scale);
      p = std::min(38, 1 + s + std::max(x.precision - x.scale, y.precision - y.scale));
      break;
    case '*':
      s = x.scale + y.scale;
      p = std::min(38, x.precision + y.precision);
      if (s > 38) return semantic_error("DECIMAL scale must be in range [0, 38]: " + std::to_string(s));
      break;
    case '/':
      s = std::max(x.scale, y.scale);
      // Trino's DecimalOperators: the dividend's digits plus the divisor's scale (the functions/decimal
      // page's table misprints this as xp + ys - xs + ...: with it 7.0 / 2 would not fit its own type).
      p = std::min(38, x.precision + y.scale + std::max(0, y.scale - x.scale));
      break;
    case '%':
      s = std::max(x.scale, y.scale);
      p = std::min(38, std::min(x.precision - x.scale, y.precision - y.scale) + s);
      break;
    default: break;
  }
  return Type::decimal(p, s);
}

std::string power_of_ten(int n) { return "1" + std::string(static_cast<std::size_t>(n), '0'); }

// Trino's decimal division: the quotient of the unscaled values, scaled to max(xs, ys), rounded half up.
Outcome<std::string> emit_decimal_divide(const std::vector<std::string>& args, const Resolved& call) {
  const Type& x = call.params[0];
  const Type& y = call.params[1];
  const Type& r = call.returns;
  const int e = r.scale - x.scale + y.scale;
  return "CAST(ar_decimal_divide(" + decimal_unscaled(args[0], x) + ", " + decimal_unscaled(args[1], y) + ", CAST('" +
         power_of_ten(e) + "' AS HUGEINT), " + decimal_unit(r.scale) + ") AS DECIMAL(" + std::to_string(r.precision) +
         "," + std::to_string(r.scale) + "))";
}

// Trino's decimal remainder: both unscaled values at the result's scale (max(xs, ys)), the dividend's sign.
Outcome<std::string> emit_decimal_modulus(const std::vector<std::string>& args, const Resolved& call) {
  const Type& r = call.returns;
  auto at_scale = [&r](const std::string& value, const Type& type) {
    return "(" + decimal_unscaled(value, type) + " * CAST('" + power_of_ten(r.scale - type.scale) + "' AS HUGEINT))";
  };
  return "CAST(ar_decimal_modulus(" + at_scale(args[0], call.params[0]) + ", " + at_scale(args[1], call.params[1]) +
         ", " + decimal_unit(r.scale) + ") AS DECIMAL(" + std::to_string(r.precision) + "," + std::to_string(r.scale) +
         "))";
}

// Integer / and %: a literal non-zero divisor needs no check.
Emitter integer_division_emitter(const char* op, const char* macro) {
  return [op, macro](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
    const auto& divisor = call.constants.size() > 1 ? call.constants[1] : std::nullopt;
    if (divisor && *divisor != "0") return "(" + args[0] + " " + op + " " + args[1] + ")";
    return std::string(macro) + "(" + args[0] + ", " + args[1] + ")";
  };
}

}  // namespace

std::string decimal_unscaled(const std::string& value, const Type& type) {
  return "CAST(" + value + " * CAST(" + power_of_ten(type.scale) + " AS DECIMAL(" + std::to_string(type.scale + 1) +
         ",0)) AS HUGEINT)";
}

std::string decimal_unit(int scale) {
  return scale == 0 ? "CAST(1 AS DECIMAL(1,0))"
                    : "CAST('0." + std::string(static_cast<std::size_t>(scale - 1), '0') + "1' AS DECIMAL(" +
                          std::to_string(scale) + "," + std::to_string(scale) + "))";
}

void add_decimal_modulus(Builder& b, const std::string& name, K kind) {
  b.add_rule(
       name, {"decimal", "decimal"}, [](const auto& a) { return decimal_result(a, '%'); }, "", kind)
      .emit = emit_decimal_modulus;
}

void add_operators(Builder& b) {
  for (auto t : kIntegral) {
    std::string type(t);
    b.add("$add", {type, type}, type, "({0} + {1})", K::Operator);
    b.add("$subtract", {type, type}, type, "({0} - {1})", K::Operator);
    b.add("$multiply", {type, type}, type, "({0} * {1})", K::Operator);
    b.add_emit("$divide", {type, type}, type, integer_division_emitter("//", "ar_integer_divide"), K::Operator);
    b.add_emit("$modulus", {type, type}, type, integer_division_emitter("%", "ar_integer_modulus"), K::Operator);
    b.add("$negation", {type}, type, "(-{0})", K::Operator);
  }
  for (auto t : kFloating) {
    std::string type(t);
    b.add("$add", {type, type}, type, "({0} + {1})", K::Operator);
    b.add("$subtract", {type, type}, type, "({0} - {1})", K::Operator);
    b.add("$multiply", {type, type}, type, "({0} * {1})", K::Operator);
    b.add("$divide", {type, type}, type, "({0} / {1})", K::Operator);
    b.add("$modulus", {type, type}, type, "({0} % {1})", K::Operator);
    b.add("$negation", {type}, type, "(-{0})", K::Operator);
  }
  b.add_rule(
      "$add", {"decimal", "decimal"}, [](const auto& a) { return decimal_result(a, '+'); }, "CAST(({0} + {1}) AS {R})",
      K::Operator);
  b.add_rule(
      "$subtract", {"decimal", "decimal"}, [](const auto& a) { return decimal_result(a, '+'); },
      "CAST(({0} - {1}) AS {R})", K::Operator);
  b.add_rule(
      "$multiply", {"decimal", "decimal"}, [](const auto& a) { return decimal_result(a, '*'); },
      "CAST(({0} * {1}) AS {R})", K::Operator);
  b.add_rule(
       "$divide", {"decimal", "decimal"}, [](const auto& a) { return decimal_result(a, '/'); }, "", K::Operator)
      .emit = emit_decimal_divide;
  add_decimal_modulus(b, "$modulus", K::Operator);
  b.add("$negation", {"decimal"}, "decimal", "(-{0})", K::Operator);

  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kComparisons{{
      {"$equal", "="},
      {"$not_equal", "<>"},
      {"$less_than", "<"},
      {"$less_than_or_equal", "<="},
      {"$greater_than", ">"},
      {"$greater_than_or_equal", ">="},
  }};
  for (const auto& [name, op] : kComparisons) {
    for (auto t : kComparable) {
      std::string type(t);
      b.add(std::string(name), {type, type}, "boolean", "({0} " + std::string(op) + " {1})", K::Operator);
    }
  }
  for (auto t : kComparable) {
    std::string type(t);
    b.add("$between", {type, type, type}, "boolean", "({0} BETWEEN {1} AND {2})", K::Operator);
  }
  // Arrays of scalars compare element by element with Trino's NULL rules (functions/comparison): a pair
  // that differs makes them unequal, else a NULL element makes the answer NULL. DuckDB's own list '='
  // treats NULL elements as equal, so it is not used.
  for (auto t : kComparable) {
    const std::string array = "array(" + std::string(t) + ")";
    b.add("$equal", {array, array}, "boolean", "ar_array_equal({0}, {1})", K::Operator);
    b.add("$not_equal", {array, array}, "boolean", "(NOT ar_array_equal({0}, {1}))", K::Operator);
  }
  b.add("$is_distinct_from", {"T", "T"}, "boolean", "({0} IS DISTINCT FROM {1})", K::Operator);
  b.add("$like", {"varchar", "varchar"}, "boolean", "({0} LIKE {1})", K::Operator);
  b.add("$like", {"varchar", "varchar", "varchar"}, "boolean", "({0} LIKE {1} ESCAPE {2})", K::Operator);

  b.add("$concat", {"varchar", "varchar"}, "varchar", "({0} || {1})", K::Operator);
  b.add("$concat", {"varbinary", "varbinary"}, "varbinary", "({0} || {1})", K::Operator);
  b.add("$concat", {"array(T)", "array(T)"}, "array(T)", "ar_array_concat({0}, {1})", K::Operator);
  b.add("$concat", {"array(T)", "T"}, "array(T)", "ar_array_append({0}, {1})", K::Operator);
  b.add("$concat", {"T", "array(T)"}, "array(T)", "ar_array_prepend({0}, {1})", K::Operator);

  b.add("$subscript", {"array(T)", "bigint"}, "T", "ar_array_subscript({0}, {1})", K::Operator);
  b.add("$subscript", {"map(K,V)", "K"}, "V", "ar_map_subscript({0}, {1})", K::Operator);

  // Conditional and comparison functions.
  b.add("greatest", {"T"}, "T", "ar_greatest({*})").variadic = true;
  b.add("least", {"T"}, "T", "ar_least({*})").variadic = true;

  // NOLINTBEGIN(bugprone-suspicious-missing-comma): each element is one literal on several lines.
  b.macros.insert(
      b.macros.end(),
      {
          "CREATE OR REPLACE MACRO ar_integer_divide(a, b) AS CASE WHEN b = 0 THEN ar_fail('Division by zero') ELSE a "
          "// "
          "b "
          "END",
          "CREATE OR REPLACE MACRO ar_integer_modulus(a, b) AS CASE WHEN b = 0 THEN ar_fail('Division by zero') ELSE a "
          "% "
          "b "
          "END",
          // xu, yu: the unscaled operands; e: 10^(result scale - x scale + y scale); unit: 10^-(result scale).
          "CREATE OR REPLACE MACRO ar_decimal_divide(xu, yu, e, unit) AS CASE WHEN yu = 0 THEN ar_fail('Division by "
          "zero') "
          "ELSE CAST(((xu * e) // yu + CASE WHEN 2 * abs((xu * e) % yu) >= abs(yu) THEN sign(xu) * sign(yu) ELSE 0 "
          "END) "
          "AS DECIMAL(38,0)) * unit END",
          "CREATE OR REPLACE MACRO ar_decimal_modulus(xu, yu, unit) AS CASE WHEN yu = 0 THEN ar_fail('Division by "
          "zero') ELSE CAST(xu % yu AS DECIMAL(38,0)) * unit END",
          "CREATE OR REPLACE MACRO ar_array_subscript(a, i) AS CASE WHEN a IS NULL OR i IS NULL THEN NULL WHEN i = 0 "
          "THEN "
          "ar_fail('SQL array indices start at 1') WHEN i < 0 THEN ar_fail('Array subscript is negative: ' || i) WHEN "
          "i > "
          "len(a) THEN ar_fail('Array subscript must be less than or equal to array length: ' || i || ' > ' || len(a)) "
          "ELSE "
          "a[i] END",
          "CREATE OR REPLACE MACRO ar_map_subscript(m, k) AS CASE WHEN m IS NULL OR k IS NULL THEN NULL WHEN NOT "
          "map_contains(m, k) THEN ar_fail('Key not present in map: ' || CAST(k AS VARCHAR)) ELSE m[k] END",
          "CREATE OR REPLACE MACRO ar_array_equal(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL WHEN len(a) <> "
          "len(b) THEN false WHEN list_contains(list_transform(range(1, len(a) + 1), lambda ar_i: a[ar_i] = b[ar_i]), "
          "false) THEN false WHEN list_contains(list_transform(range(1, len(a) + 1), lambda ar_i: a[ar_i] IS NULL OR "
          "b[ar_i] IS NULL), true) THEN NULL ELSE true END",
          "CREATE OR REPLACE MACRO ar_array_concat(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE "
          "list_concat(a, b) END",
          "CREATE OR REPLACE MACRO ar_array_append(a, x) AS CASE WHEN a IS NULL THEN NULL ELSE list_append(a, x) END",
          "CREATE OR REPLACE MACRO ar_array_prepend(x, a) AS CASE WHEN a IS NULL THEN NULL ELSE list_prepend(x, a) END",
          "CREATE OR REPLACE MACRO ar_cast_to_integral(s, lo, hi) AS CASE WHEN NOT regexp_full_match(s, "
          "'\\s*[+-]?[0-9]+\\s*') THEN ar_fail('Cannot cast ''' || s || ''' to an integer type') WHEN "
          "TRY_CAST(trim(s) AS HUGEINT) IS NULL OR CAST(trim(s) AS HUGEINT) < lo OR CAST(trim(s) AS HUGEINT) > hi THEN "
          "ar_fail('Cannot cast ''' || s || ''': out of range') ELSE CAST(trim(s) AS HUGEINT) END",
      });
  // NOLINTEND(bugprone-suspicious-missing-comma)

  // Variadic Trino functions whose DuckDB namesakes skip NULLs: Trino returns NULL.
  constexpr int kMaxVariadicArity = 16;
  std::string concat = "CREATE OR REPLACE MACRO ar_concat(a0) AS a0";
  std::string greatest = "CREATE OR REPLACE MACRO ar_greatest(a0) AS a0";
  std::string least = "CREATE OR REPLACE MACRO ar_least(a0) AS a0";
  for (int arity = 2; arity <= kMaxVariadicArity; ++arity) {
    std::string params;
    std::string joined;
    std::string any_null;
    for (int i = 0; i < arity; ++i) {
      params += (i ? ", a" : "a") + std::to_string(i);
      joined += (i ? " || a" : "a") + std::to_string(i);
      any_null += (i ? " OR a" : "a") + std::to_string(i) + " IS NULL";
    }
    for (auto* macro : {&concat, &greatest, &least}) {
      *macro += ", (";
      *macro += params;
      *macro += ") AS ";
    }
    concat += joined;
    for (auto [macro, name] : {std::pair{&greatest, "greatest("}, std::pair{&least, "least("}}) {
      *macro += "CASE WHEN ";
      *macro += any_null;
      *macro += " THEN NULL ELSE ";
      *macro += name;
      *macro += params;
      *macro += ") END";
    }
  }
  for (auto* macro : {&concat, &greatest, &least}) b.macros.push_back(std::move(*macro));
}

}  // namespace athena_runner::sql::families
