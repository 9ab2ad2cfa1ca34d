// Mathematical functions (docs: functions/math).
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "registry.hpp"

namespace athena_runner::sql::families {

void add_math(Builder& b) {
  for (auto t : kIntegral) b.add("abs", {std::string(t)}, std::string(t), "abs({0})");
  for (auto t : kFloating) b.add("abs", {std::string(t)}, std::string(t), "abs({0})");
  b.add("abs", {"decimal"}, "decimal", "abs({0})");
  // round of integers and floating point as Trino computes it (the local engine's functions/math.cpp).
  constexpr std::array<std::pair<std::string_view, int>, 4> kWidths{
      {{"tinyint", 8}, {"smallint", 16}, {"integer", 32}, {"bigint", 64}}};
  for (const auto& [type, bits] : kWidths) {
    b.add("round", {std::string(type)}, std::string(type), "{0}");
    b.add("round", {std::string(type), "integer"}, std::string(type),
          "CAST(ar_round_integral({0}, {1}, " + std::to_string(bits) + ") AS {R})");
  }
  for (auto t : kFloating) {
    b.add("round", {std::string(t)}, std::string(t), "CAST(ar_round_double({0}, 0) AS {R})");
    b.add("round", {std::string(t), "integer"}, std::string(t), "CAST(ar_round_double({0}, {1}) AS {R})");
  }
  b.add_rule(
      "round", {"decimal"},
      [](const std::vector<Type>& a) -> Outcome<Type> {
        return Type::decimal(std::min(38, a[0].precision - a[0].scale + std::min(a[0].scale, 1)), 0);
      },
      "CAST(round({0}) AS {R})");
  b.add_rule(
      "round", {"decimal", "integer"},
      [](const std::vector<Type>& a) -> Outcome<Type> {
        return Type::decimal(std::min(38, a[0].precision + 1), a[0].scale);
      },
      "CAST(round({0}, {1}) AS {R})");
  // ceiling, floor and truncate of a decimal: decimal(p - s + min(s, 1), 0) (truncate: max(1, p - s)); the
  // decimal overloads come before the floating ones, so that an integer argument resolves to them (the
  // most specific, as Trino picks it: decimal(10,0) coerces to real and double, not back).
  auto integral_part = [](int extra) {
    return [extra](const std::vector<Type>& a) -> Outcome<Type> {
      return Type::decimal(std::max(1, a[0].precision - a[0].scale + std::min(a[0].scale, extra)), 0);
    };
  };
  b.add_rule("ceil", {"decimal"}, integral_part(1), "CAST(ceil({0}) AS {R})");
  b.add_rule("ceiling", {"decimal"}, integral_part(1), "CAST(ceil({0}) AS {R})");
  b.add_rule("floor", {"decimal"}, integral_part(1), "CAST(floor({0}) AS {R})");
  b.add_rule("truncate", {"decimal"}, integral_part(0), "CAST(trunc({0}) AS {R})");
  b.add("truncate", {"decimal", "integer"}, "decimal", "CAST(trunc({0}, {1}) AS {R})");
  b.add("sign", {"decimal"}, "decimal(1,0)", "CAST(sign({0}) AS DECIMAL(1,0))");
  add_decimal_modulus(b, "mod", K::Scalar);
  for (auto t : kFloating) {
    b.add("ceil", {std::string(t)}, std::string(t), "CAST(ceil({0}) AS {R})");
    b.add("ceiling", {std::string(t)}, std::string(t), "CAST(ceil({0}) AS {R})");
    b.add("floor", {std::string(t)}, std::string(t), "CAST(floor({0}) AS {R})");
  }
  for (auto t : kIntegral) {
    b.add("ceil", {std::string(t)}, std::string(t), "{0}");
    b.add("ceiling", {std::string(t)}, std::string(t), "{0}");
    b.add("floor", {std::string(t)}, std::string(t), "{0}");
  }
  b.add("sqrt", {"double"}, "double", "ar_sqrt({0})");
  b.add("cbrt", {"double"}, "double", "ar_cbrt({0})");
  b.add("exp", {"double"}, "double", "exp({0})");
  b.add("ln", {"double"}, "double", "ar_ln({0})");
  b.add("log2", {"double"}, "double", "ar_log2({0})");
  b.add("log10", {"double"}, "double", "ar_log10({0})");
  b.add("log", {"double", "double"}, "double", "(ar_ln({1}) / ar_ln({0}))");
  b.add("power", {"double", "double"}, "double", "ar_power({0}, {1})");
  b.add("pow", {"double", "double"}, "double", "ar_power({0}, {1})");
  for (auto t : kIntegral)
    b.add("mod", {std::string(t), std::string(t)}, std::string(t), "ar_integer_modulus({0}, {1})");
  for (auto t : kFloating) b.add("mod", {std::string(t), std::string(t)}, std::string(t), "({0} % {1})");
  for (auto t : kIntegral) b.add("sign", {std::string(t)}, std::string(t), "CAST(sign({0}) AS {R})");
  for (auto t : kFloating) b.add("sign", {std::string(t)}, std::string(t), "ar_sign_floating({0})");
  b.add("pi", {}, "double", "pi()");
  b.add("e", {}, "double", "exp(1)");
  b.add("infinity", {}, "double", "CAST('Infinity' AS DOUBLE)");
  b.add("nan", {}, "double", "CAST('NaN' AS DOUBLE)");
  b.add("is_nan", {"double"}, "boolean", "isnan({0})");
  b.add("is_finite", {"double"}, "boolean", "isfinite({0})");
  b.add("is_infinite", {"double"}, "boolean", "isinf({0})");
  b.add("random", {}, "double", "random()");
  b.add("rand", {}, "double", "random()");
  // random(n) in [0, n), random(m, n) in [m, n), of the arguments' type, with Trino's errors.
  for (auto t : kIntegral) {
    for (const char* name : {"random", "rand"}) {
      b.add(name, {std::string(t)}, std::string(t), "CAST(ar_random_below({0}) AS {R})");
      b.add(name, {std::string(t), std::string(t)}, std::string(t), "CAST(ar_random_between({0}, {1}) AS {R})");
    }
  }
  for (auto t : {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "degrees", "radians"}) {
    b.add(t, {"double"}, "double", "ar_" + std::string(t) + "({0})");
  }
  b.add("atan2", {"double", "double"}, "double", "atan2({0}, {1})");
  for (auto t : kFloating) b.add("truncate", {std::string(t)}, std::string(t), "CAST(trunc({0}) AS {R})");

  // Bitwise functions (docs: functions/bitwise): two's complement on bigint; the shifts keep their
  // argument's type and shift with Java's rules (functions/math.cpp in the local engine).
  b.add("bitwise_and", {"bigint", "bigint"}, "bigint", "({0} & {1})");
  b.add("bitwise_or", {"bigint", "bigint"}, "bigint", "({0} | {1})");
  b.add("bitwise_xor", {"bigint", "bigint"}, "bigint", "xor({0}, {1})");
  b.add("bitwise_not", {"bigint"}, "bigint", "(~{0})");
  b.add("bit_count", {"bigint", "bigint"}, "bigint", "ar_bit_count({0}, {1})");
  for (const auto& [type, bits] : kWidths) {
    for (const char* shift : {"bitwise_left_shift", "bitwise_right_shift", "bitwise_right_shift_arithmetic"}) {
      b.add(shift, {std::string(type), "integer"}, std::string(type),
            "CAST(ar_" + std::string(shift) + "({0}, {1}, " + std::to_string(bits) + ") AS {R})");
    }
  }
  b.add("to_base", {"bigint", "bigint"}, "varchar(64)", "ar_to_base({0}, {1})");
  b.add("from_base", {"varchar", "bigint"}, "bigint", "ar_from_base({0}, {1})");
  // cosine_similarity of two sparse vectors (maps): the left map's products in its order over the two L2
  // norms, NULL if a value is NULL (Trino's MathFunctions); cosine_distance is 1 - the similarity.
  b.add("cosine_similarity", {"map(varchar,double)", "map(varchar,double)"}, "double",
        "ar_cosine_similarity({0}, {1})");
  b.add("cosine_distance", {"map(varchar,double)", "map(varchar,double)"}, "double",
        "(1.0 - ar_cosine_similarity({0}, {1}))");
  b.add("wilson_interval_lower", {"bigint", "bigint", "double"}, "double", "ar_wilson_interval_lower({0}, {1}, {2})");
  b.add("wilson_interval_upper", {"bigint", "bigint", "double"}, "double", "ar_wilson_interval_upper({0}, {1}, {2})");
  b.add("width_bucket", {"double", "array(double)"}, "bigint", "ar_width_bucket_bins({0}, {1})");
  b.add("width_bucket", {"double", "double", "double", "bigint"}, "bigint", "ar_width_bucket({0}, {1}, {2}, {3})");

  // NOLINTBEGIN(bugprone-suspicious-missing-comma): each element is one literal on several lines.
  b.macros.insert(
      b.macros.end(),
      {
          "CREATE OR REPLACE MACRO ar_sqrt(x) AS CASE WHEN x < 0 THEN CAST('NaN' AS DOUBLE) ELSE sqrt(x) END",
          "CREATE OR REPLACE MACRO ar_ln(x) AS CASE WHEN x < 0 THEN CAST('NaN' AS DOUBLE) WHEN x = 0 THEN "
          "CAST('-Infinity' AS DOUBLE) ELSE ln(x) END",
          // Trino's log2 is Math.log(x) / Math.log(2), which is not always the correctly rounded log2.
          "CREATE OR REPLACE MACRO ar_log2(x) AS ar_ln(x) / ln(2)",
          "CREATE OR REPLACE MACRO ar_log10(x) AS CASE WHEN x < 0 THEN CAST('NaN' AS DOUBLE) WHEN x = 0 THEN "
          "CAST('-Infinity' AS DOUBLE) ELSE log10(x) END",
          "CREATE OR REPLACE MACRO ar_random_below(n) AS CASE WHEN n <= 0 THEN ar_fail('bound must be positive') "
          "ELSE least(CAST(floor(random() * n) AS HUGEINT), CAST(n AS HUGEINT) - 1) END",
          "CREATE OR REPLACE MACRO ar_random_between(m, n) AS CASE WHEN m >= n THEN ar_fail('start value must be less "
          "than stop value') ELSE least(CAST(m AS HUGEINT) + CAST(floor(random() * (CAST(n AS HUGEINT) - m)) AS "
          "HUGEINT), CAST(n AS HUGEINT) - 1) END",
          // A left-to-right sum from 0.0, as Java's `result += ...` loop.
          "CREATE OR REPLACE MACRO ar_sum_in_order(l) AS list_reduce(list_prepend(CAST(0 AS DOUBLE), l), (ar_a, "
          "ar_b) -> ar_a + ar_b)",
          "CREATE OR REPLACE MACRO ar_map_l2_norm(m) AS CASE WHEN list_bool_or(list_transform(map_values(m), ar_v -> "
          "ar_v IS NULL)) THEN NULL ELSE sqrt(ar_sum_in_order(list_transform(map_values(m), ar_v -> ar_v * ar_v))) "
          "END",
          "CREATE OR REPLACE MACRO ar_cosine_similarity(l, r) AS CASE WHEN l IS NULL OR r IS NULL THEN NULL ELSE "
          "ar_sum_in_order(list_transform(list_filter("
          "map_entries(l), ar_e -> map_contains(r, ar_e.key)), ar_e -> ar_e.value * r[ar_e.key])) / "
          "(ar_map_l2_norm(l) * ar_map_l2_norm(r)) END",
          // Java's signum: NaN and both zeros are their own sign.
          "CREATE OR REPLACE MACRO ar_sign_floating(x) AS CASE WHEN isnan(x) OR x = 0 THEN x ELSE CAST(sign(x) "
          "AS DOUBLE) END",
      });
  // NOLINTEND(bugprone-suspicious-missing-comma)
}

}  // namespace athena_runner::sql::families
