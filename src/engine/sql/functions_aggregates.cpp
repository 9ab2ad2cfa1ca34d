// Aggregate and window functions (docs: functions/aggregate, functions/window).
#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "registry.hpp"

namespace athena_runner::sql::families {

namespace {

// The n of max(x, n), min(x, n), max_by(x, y, n), min_by(x, y, n): a constant in [1, 10000] (Trino's
// MAX_NUMBER_OF_VALUES), checked here with Trino's messages; `duck` gets the arguments and the modifiers.
Emitter top_n(std::size_t n_index, std::string what,
              std::function<std::string(const std::vector<std::string>&, const Resolved&)> duck) {
  return [n_index, what = std::move(what), duck = std::move(duck)](const std::vector<std::string>& args,
                                                                   const Resolved& call) -> Outcome<std::string> {
    constexpr long long kMaxValues = 10000;
    const auto& n = call.constants.size() > n_index ? call.constants[n_index] : std::nullopt;
    if (!n)
      return not_supported(what + " with an n that is not an integer literal is not supported by the local engine");
    const long long value = std::stoll(*n);
    if (value <= 0) return semantic_error(what + (n_index == 1 ? " must be positive" : " must be a positive integer"));
    if (value > kMaxValues) {
      return semantic_error(what + " must be less than or equal to " + std::to_string(kMaxValues) + "; found " + *n);
    }
    return duck(args, call);
  };
}

// The local engine's C API aggregates (functions/math.cpp): DuckDB crashes sorting the input of one (an ORDER
// BY inside the call), so that is refused; `cast` converts the double result (FLOAT for the real overloads).
Emitter native_aggregate(std::string name, std::string function, std::string cast = "") {
  return [name = std::move(name), function = std::move(function), cast = std::move(cast)](
             const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
    if (!call.modifiers_order.empty()) {
      return not_supported(name + "(... ORDER BY ...) is not supported by the local engine");
    }
    std::string out = function + "(";
    for (std::size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + args[i];
    out += ")" + call.modifiers_after;
    return cast.empty() ? out : "CAST(" + out + " AS " + cast + ")";
  };
}

}  // namespace

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
  // Trino's avg of integers and floating point: a double sum over the count (functions/math.cpp).
  for (auto t : kIntegral)
    b.add_emit("avg", {std::string(t)}, "double", native_aggregate("avg", "ar_avg"), K::Aggregate);
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
               ", CAST(NULLIF(" + over("count") + ", 0) AS HUGEINT), CAST(1 AS HUGEINT), " + decimal_unit(type.scale) +
               ") AS DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + "))";
      },
      K::Aggregate);
  b.add_emit("avg", {"real"}, "real", native_aggregate("avg", "ar_avg", "FLOAT"), K::Aggregate);
  b.add_emit("avg", {"double"}, "double", native_aggregate("avg", "ar_avg"), K::Aggregate);
  b.add("avg", {"interval_ds"}, "interval_ds", "avg({0})", K::Aggregate);
  for (const char* name : {"min", "max"}) {
    for (auto t : kComparable) {
      b.add(name, {std::string(t)}, std::string(t), std::string(name) + "({0})", K::Aggregate);
    }
  }
  // max(x, n) / min(x, n): the n largest / smallest values, NULLs skipped, in that order.
  for (const char* name : {"max", "min"}) {
    for (auto t : kComparable) {
      b.add_emit(name, {std::string(t), "bigint"}, "array(" + std::string(t) + ")",
                 top_n(1, "second argument of " + std::string(name) + "_n",
                       [name](const std::vector<std::string>& args, const Resolved& call) {
                         return std::string(name) + "(" + args[0] + ", " + args[1] + call.modifiers_order + ")" +
                                call.modifiers_after;
                       }),
                 K::Aggregate);
    }
  }
  // max_by(x, y, n) / min_by(x, y, n): x of the n largest / smallest y (rows with a NULL y skipped, a NULL x
  // kept: DuckDB's arg_max skips it, so x travels in a struct).
  for (const char* name : {"max_by", "min_by"}) {
    const std::string duck = name == std::string_view("max_by") ? "arg_max" : "arg_min";
    for (auto t : kComparable) {
      b.add_emit(name, {"T", std::string(t), "bigint"}, "array(T)",
                 top_n(2, "third argument of " + std::string(name),
                       [duck](const std::vector<std::string>& args, const Resolved& call) {
                         return "list_transform(" + duck + "({'v': " + args[0] + "}, " + args[1] + ", " + args[2] +
                                call.modifiers_order + ")" + call.modifiers_after + ", ar_e -> ar_e.v)";
                       }),
                 K::Aggregate);
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
  // Trino's HyperLogLog takes a maximum standard error in [0.0040625, 0.26].
  b.add("approx_distinct", {"T", "double"}, "bigint",
        "CASE WHEN {1} < 0.0040625 OR {1} > 0.26 THEN ar_fail('Max standard error must be in [0.0040625, 0.26]: ' || "
        "ar_java_text({1})) ELSE count(DISTINCT {0}{O}){F} END",
        K::Aggregate);
  // approx_percentile as quantile_disc (a value of the input, within Trino's approximation), with Trino's
  // check of the percentage (DuckDB reads a negative one as counted from the end).
  const std::string bad_percentage = "CASE WHEN {1} < 0 OR {1} > 1 THEN ar_fail('Percentile must be between 0 and 1') ";
  const std::string bad_percentages =
      "CASE WHEN list_bool_or(list_transform({1}, ar_p -> ar_p < 0 OR ar_p > 1)) THEN ar_fail('Percentile must be "
      "between 0 and 1') ";
  std::vector<std::string> percentile_types(kIntegral.begin(), kIntegral.end());
  percentile_types.insert(percentile_types.end(), kFloating.begin(), kFloating.end());
  for (const auto& t : percentile_types) {
    // The percentage inside is kept in [0, 1] so that DuckDB's binder does not fail first with its message.
    b.add("approx_percentile", {t, "double"}, t,
          bad_percentage + "ELSE quantile_disc({0}, CASE WHEN {1} < 0 OR {1} > 1 THEN 0 ELSE {1} END{O}){F} END",
          K::Aggregate);
    b.add("approx_percentile", {t, "array(double)"}, "array(" + t + ")",
          bad_percentages +
              "ELSE quantile_disc({0}, list_transform({1}, ar_p -> CASE WHEN ar_p < 0 OR ar_p > 1 THEN 0 ELSE ar_p "
              "END){O}){F} END",
          K::Aggregate);
  }

  // Statistical aggregates (the local engine's functions/math.cpp: Trino's algorithms and NULL cases).
  // Integers and decimals reach the double overloads as Trino coerces them (bigint exactly as (double)).
  for (const auto& [name, duck] :
       std::initializer_list<std::pair<const char*, const char*>>{{"stddev", "ar_stddev_samp"},
                                                                  {"stddev_samp", "ar_stddev_samp"},
                                                                  {"stddev_pop", "ar_stddev_pop"},
                                                                  {"variance", "ar_var_samp"},
                                                                  {"var_samp", "ar_var_samp"},
                                                                  {"var_pop", "ar_var_pop"},
                                                                  {"skewness", "ar_skewness"},
                                                                  {"kurtosis", "ar_kurtosis"}}) {
    b.add_emit(name, {"double"}, "double", native_aggregate(name, duck), K::Aggregate);
  }
  // corr, covar_* and regr_* have real and double overloads; real is the more specific, so integers and
  // decimals resolve to it (Trino's rule), and it comes first here.
  for (const char* name : {"corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept"}) {
    b.add_emit(name, {"real", "real"}, "real", native_aggregate(name, "ar_" + std::string(name), "FLOAT"),
               K::Aggregate);
    b.add_emit(name, {"double", "double"}, "double", native_aggregate(name, "ar_" + std::string(name)), K::Aggregate);
  }
  b.add_emit("geometric_mean", {"bigint"}, "double", native_aggregate("geometric_mean", "ar_geometric_mean"),
             K::Aggregate);
  b.add_emit("geometric_mean", {"real"}, "real", native_aggregate("geometric_mean", "ar_geometric_mean", "FLOAT"),
             K::Aggregate);
  b.add_emit("geometric_mean", {"double"}, "double", native_aggregate("geometric_mean", "ar_geometric_mean"),
             K::Aggregate);
  // listagg(x[, separator]) WITHIN GROUP (ORDER BY ...): NULL values skipped, NULL without values, and
  // Trino's error past 1048576 bytes (ON OVERFLOW ERROR, the default; the parser refuses TRUNCATE).
  b.add("listagg", {"varchar"}, "varchar", "ar_listagg_checked(string_agg({0}, ''{O}){F})", K::Aggregate);
  b.add("listagg", {"varchar", "varchar"}, "varchar", "ar_listagg_checked(string_agg({0}, {1}{O}){F})", K::Aggregate);
  b.macros.push_back(
      "CREATE OR REPLACE MACRO ar_listagg_checked(s) AS CASE WHEN strlen(s) > 1048576 THEN ar_fail('Concatenated "
      "string has the length in bytes larger than the maximum output length 1048576') ELSE s END");
  // checksum: Trino's for the types whose xxHash64 is known here (functions/math.cpp): the integers, boolean
  // (1 and 0) and date (days since 1970) hash as their long value, varchar and varbinary as their bytes.
  b.add_emit(
      "checksum", {"T"}, "varbinary",
      [](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
        const Type& type = call.params[0];
        // checksum(DISTINCT x): the DISTINCT the binder put before the argument goes before the conversion.
        constexpr std::string_view kDistinct = "DISTINCT ";
        const bool distinct = args[0].rfind(kDistinct, 0) == 0;
        const std::string value = distinct ? args[0].substr(kDistinct.size()) : args[0];
        const std::string open = distinct ? "(DISTINCT " : "(";
        std::string argument;
        if (is_integral(type) || type.kind == TypeKind::Boolean) {
          argument = "ar_checksum_bigint" + open + "CAST(" + value + " AS BIGINT)";
        } else if (type.kind == TypeKind::Date) {
          argument = "ar_checksum_bigint" + open + "date_diff('day', DATE '1970-01-01', " + value + ")";
        } else if (type.kind == TypeKind::Varchar) {
          argument = "ar_checksum_varchar" + open + value;
        } else if (type.kind == TypeKind::Varbinary) {
          argument = "ar_checksum_varbinary" + open + value;
        } else {
          return not_supported("function checksum(" + to_string(type) + ") is not supported by the local engine");
        }
        // The sum does not depend on the order, and DuckDB cannot sort a C API aggregate's input: ORDER BY is
        // dropped.
        return argument + ")" + call.modifiers_after;
      },
      K::Aggregate);
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
