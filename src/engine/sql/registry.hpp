// The registry's families (functions_<family>.cpp): each adds its entries and the DuckDB macros their
// templates call. function_table.cpp puts them together in one order (operators first: the first of
// equally good matches wins).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "athena_runner/engine/sql/functions.hpp"

namespace athena_runner::sql {

std::vector<FunctionEntry> build_function_table();

namespace families {

using K = FunctionKind;

inline constexpr std::array<std::string_view, 4> kIntegral{"tinyint", "smallint", "integer", "bigint"};
inline constexpr std::array<std::string_view, 2> kFloating{"real", "double"};
// The scalar types comparisons, BETWEEN and IS DISTINCT FROM take (arrays, maps and rows compare NULL
// elements differently in DuckDB and are not in the registry yet).
inline constexpr std::array<std::string_view, 16> kComparable{
    "boolean", "tinyint",   "smallint", "integer", "bigint",    "real",        "double",      "decimal",
    "varchar", "varbinary", "date",     "time",    "timestamp", "timestamptz", "interval_ds", "interval_ym"};
inline constexpr std::array<std::string_view, 3> kDateTimes{"date", "timestamp", "timestamptz"};

struct Builder {
  std::vector<FunctionEntry> table;
  // CREATE MACRO statements, run in this order (a macro another one calls comes first).
  std::vector<std::string> macros;

  FunctionEntry& add(std::string name, std::vector<std::string> params, std::string returns, std::string duck,
                     K kind = K::Scalar) {
    FunctionEntry e;
    e.name = std::move(name);
    e.params = std::move(params);
    e.returns = std::move(returns);
    e.duck = std::move(duck);
    e.kind = kind;
    table.push_back(std::move(e));
    return table.back();
  }
  FunctionEntry& add_emit(std::string name, std::vector<std::string> params, std::string returns, Emitter emit,
                          K kind = K::Scalar) {
    auto& e = add(std::move(name), std::move(params), std::move(returns), "", kind);
    e.emit = std::move(emit);
    return e;
  }
  FunctionEntry& add_rule(std::string name, std::vector<std::string> params, ReturnRule rule, std::string duck,
                          K kind = K::Scalar) {
    auto& e = add(std::move(name), std::move(params), "", std::move(duck), kind);
    e.rule = std::move(rule);
    return e;
  }
};

void add_operators(Builder& b);  // functions_operators.cpp
// Decimal helpers of functions_operators.cpp: Trino's decimal remainder (the % operator and mod); a
// decimal's unscaled value as a HUGEINT (DuckDB's overflow error past 128 bits); 10^-scale as a decimal.
// The macro ar_decimal_divide(xu, yu, e, unit) divides unscaled values rounding half up.
void add_decimal_modulus(Builder& b, const std::string& name, K kind);
std::string decimal_unscaled(const std::string& value, const Type& type);
std::string decimal_unit(int scale);
void add_datetime(Builder& b);  // functions_datetime.cpp
void add_math(Builder& b);      // functions_math.cpp
void add_strings(Builder& b);   // functions_strings.cpp
void add_regex(Builder& b);     // functions_regex.cpp
void add_json(Builder& b);      // functions_json.cpp
// The DuckDB SQL of CAST(expr AS to) when `from` or `to` is JSON (functions_json.cpp); NOT_SUPPORTED
// naming the cast where Trino's semantics are not implemented.
Outcome<std::string> json_cast(const std::string& expr, const Type& from, const Type& to);
void add_collections(Builder& b);  // functions_collections.cpp
void add_aggregates(Builder& b);   // functions_aggregates.cpp (and window functions)

}  // namespace families
}  // namespace athena_runner::sql
