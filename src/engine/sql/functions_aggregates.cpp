// Aggregate and window functions (docs: functions/aggregate, functions/window).
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "registry.hpp"

namespace athena_runner::sql::families {

void add_aggregates(Builder& b) {
  b.add("count", {}, "bigint", "count(*)", K::Aggregate);
  b.add("count", {"T"}, "bigint", "count({0})", K::Aggregate);
  // DuckDB's count_if is NULL over no rows (or only NULLs), Trino's 0.
  b.add("count_if", {"boolean"}, "bigint", "coalesce(count_if({0}{O}){F}, 0)", K::Aggregate);
  for (auto t : kIntegral) b.add("sum", {std::string(t)}, "bigint", "CAST(sum({0}) AS BIGINT)", K::Aggregate);
  b.add("sum", {"real"}, "real", "CAST(sum({0}) AS FLOAT)", K::Aggregate);
  b.add("sum", {"double"}, "double", "sum({0})", K::Aggregate);
  b.add_rule(
      "sum", {"decimal"}, [](const std::vector<Type>& a) -> Outcome<Type> { return Type::decimal(38, a[0].scale); },
      "CAST(sum({0}) AS {R})", K::Aggregate);
  for (auto t : kIntegral) b.add("avg", {std::string(t)}, "double", "avg({0})", K::Aggregate);
  // avg(decimal(p, s)) is a decimal(p, s): the exact sum over the count, rounded half up (Trino's
  // DecimalAverageAggregation), where DuckDB's avg is a double.
  b.add_emit(
       "avg", {"decimal"}, "decimal",
       [](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
         auto over = [&](const char* aggregate) {
           return std::string(aggregate) + "(" + args[0] + call.modifiers_order + ")" + call.modifiers_after;
         };
         const Type& type = call.returns;
         return "CAST(ar_decimal_divide(" + decimal_unscaled(over("sum"), Type::decimal(38, type.scale)) +
                ", CAST(NULLIF(" + over("count") + ", 0) AS HUGEINT), CAST(1 AS HUGEINT), " +
                decimal_unit(type.scale) + ") AS DECIMAL(" + std::to_string(type.precision) + "," +
                std::to_string(type.scale) + "))";
       },
       K::Aggregate);
  b.add("avg", {"real"}, "real", "CAST(avg({0}) AS FLOAT)", K::Aggregate);
  b.add("avg", {"double"}, "double", "avg({0})", K::Aggregate);
  b.add("avg", {"interval_ds"}, "interval_ds", "avg({0})", K::Aggregate);
  for (const char* name : {"min", "max"}) {
    for (auto t : kComparable) {
      b.add(name, {std::string(t)}, std::string(t), std::string(name) + "({0})", K::Aggregate);
    }
  }
  b.add("arbitrary", {"T"}, "T", "any_value({0})", K::Aggregate);
  b.add("any_value", {"T"}, "T", "any_value({0})", K::Aggregate);
  b.add("bool_and", {"boolean"}, "boolean", "bool_and({0})", K::Aggregate);
  b.add("bool_or", {"boolean"}, "boolean", "bool_or({0})", K::Aggregate);
  b.add("every", {"boolean"}, "boolean", "bool_and({0})", K::Aggregate);
  b.add("array_agg", {"T"}, "array(T)", "list({0})", K::Aggregate);
  for (const char* name : {"max_by", "min_by"}) {
    for (auto t : kComparable) {
      b.add(name, {"T", std::string(t)}, "T",
            std::string(name == std::string_view("max_by") ? "arg_max_null" : "arg_min_null") + "({0}, {1})",
            K::Aggregate);
    }
  }
  b.add("approx_distinct", {"T"}, "bigint", "count(DISTINCT {0})", K::Aggregate).description =
      "exact count of distinct values (within Trino's stated standard error of 2.3%)";
  b.add("approx_distinct", {"T", "double"}, "bigint", "count(DISTINCT {0})", K::Aggregate);
  for (auto t : kIntegral)
    b.add("approx_percentile", {std::string(t), "double"}, std::string(t), "quantile_disc({0}, {1})", K::Aggregate);
  for (auto t : kFloating)
    b.add("approx_percentile", {std::string(t), "double"}, std::string(t), "quantile_disc({0}, {1})", K::Aggregate);

  // Statistical aggregates (the local engine's functions/math.cpp: Trino's algorithms and NULL cases).
  // Integers and decimals reach the double overloads as Trino coerces them (bigint exactly as (double)).
  for (const auto& [name, duck] : std::initializer_list<std::pair<const char*, const char*>>{
           {"stddev", "ar_stddev_samp"},
           {"stddev_samp", "ar_stddev_samp"},
           {"stddev_pop", "ar_stddev_pop"},
           {"variance", "ar_var_samp"},
           {"var_samp", "ar_var_samp"},
           {"var_pop", "ar_var_pop"},
           {"skewness", "ar_skewness"},
           {"kurtosis", "ar_kurtosis"}}) {
    b.add(name, {"double"}, "double", std::string(duck) + "({0})", K::Aggregate);
  }
  // corr, covar_* and regr_* have real and double overloads; real is the more specific, so integers and
  // decimals resolve to it (Trino's rule), and it comes first here.
  for (const char* name : {"corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept"}) {
    b.add(name, {"real", "real"}, "real", "CAST(ar_" + std::string(name) + "({0}, {1}) AS FLOAT)", K::Aggregate);
    b.add(name, {"double", "double"}, "double", "ar_" + std::string(name) + "({0}, {1})", K::Aggregate);
  }
  b.add("geometric_mean", {"bigint"}, "double", "ar_geometric_mean({0})", K::Aggregate);
  b.add("geometric_mean", {"real"}, "real", "CAST(ar_geometric_mean({0}) AS FLOAT)", K::Aggregate);
  b.add("geometric_mean", {"double"}, "double", "ar_geometric_mean({0})", K::Aggregate);
  // listagg(x[, separator]) WITHIN GROUP (ORDER BY ...): NULL values skipped, NULL without values, and
  // Trino's error past 1048576 bytes (ON OVERFLOW ERROR, the default; the parser refuses TRUNCATE).
  b.add("listagg", {"varchar"}, "varchar", "ar_listagg_checked(string_agg({0}, ''{O}){F})", K::Aggregate);
  b.add("listagg", {"varchar", "varchar"}, "varchar", "ar_listagg_checked(string_agg({0}, {1}{O}){F})",
        K::Aggregate);
  b.macros.push_back(
      "CREATE OR REPLACE MACRO ar_listagg_checked(s) AS CASE WHEN strlen(s) > 1048576 THEN error('Concatenated "
      "string has the length in bytes larger than the maximum output length 1048576') ELSE s END");
  b.add("bitwise_and_agg", {"bigint"}, "bigint", "bit_and({0})", K::Aggregate);
  b.add("bitwise_or_agg", {"bigint"}, "bigint", "bit_or({0})", K::Aggregate);

  b.add("row_number", {}, "bigint", "row_number()", K::Window);
  b.add("rank", {}, "bigint", "rank()", K::Window);
  b.add("dense_rank", {}, "bigint", "dense_rank()", K::Window);
  b.add("percent_rank", {}, "double", "percent_rank()", K::Window);
  b.add("cume_dist", {}, "double", "cume_dist()", K::Window);
  b.add("ntile", {"bigint"}, "bigint", "ntile({0})", K::Window);
  b.add("first_value", {"T"}, "T", "first_value({0})", K::Window);
  b.add("last_value", {"T"}, "T", "last_value({0})", K::Window);
  b.add("nth_value", {"T", "bigint"}, "T", "nth_value({0}, {1})", K::Window);
  b.add("lag", {"T"}, "T", "lag({0})", K::Window);
  b.add("lag", {"T", "bigint"}, "T", "lag({0}, {1})", K::Window);
  b.add("lag", {"T", "bigint", "T"}, "T", "lag({0}, {1}, {2})", K::Window);
  b.add("lead", {"T"}, "T", "lead({0})", K::Window);
  b.add("lead", {"T", "bigint"}, "T", "lead({0}, {1})", K::Window);
  b.add("lead", {"T", "bigint", "T"}, "T", "lead({0}, {1}, {2})", K::Window);
}

}  // namespace athena_runner::sql::families
