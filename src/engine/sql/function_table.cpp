// The allow-list's entries. Each was checked against Trino's documentation (functions/*.md, the types
// and conversion pages): a DuckDB template is used only where DuckDB computes the same value, type, NULL
// handling and error; otherwise an ar_* macro (duckdb_macros) raises Trino's error or fixes the value.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "function_table.hpp"

namespace athena_runner::sql {
namespace {

using K = FunctionKind;

constexpr std::array<std::string_view, 4> kIntegral{"tinyint", "smallint", "integer", "bigint"};
constexpr std::array<std::string_view, 2> kFloating{"real", "double"};
// The scalar types comparisons, BETWEEN and IS DISTINCT FROM take (arrays, maps and rows compare NULL
// elements differently in DuckDB and are not in the registry yet).
constexpr std::array<std::string_view, 16> kComparable{
    "boolean", "tinyint",   "smallint", "integer", "bigint",    "real",        "double",      "decimal",
    "varchar", "varbinary", "date",     "time",    "timestamp", "timestamptz", "interval_ds", "interval_ym"};
constexpr std::array<std::string_view, 3> kDateTimes{"date", "timestamp", "timestamptz"};

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
  // The unscaled values are 128-bit integers: a value too large for them fails (DuckDB's overflow error)
  // rather than giving a different answer.
  auto unscaled = [](const std::string& value, const Type& type) {
    return "CAST(" + value + " * CAST(" + power_of_ten(type.scale) + " AS DECIMAL(" + std::to_string(type.scale + 1) +
           ",0)) AS HUGEINT)";
  };
  std::string unit = r.scale == 0
                         ? "CAST(1 AS DECIMAL(1,0))"
                         : "CAST('0." + std::string(static_cast<std::size_t>(r.scale - 1), '0') + "1' AS DECIMAL(" +
                               std::to_string(r.scale) + "," + std::to_string(r.scale) + "))";
  return "CAST(ar_decimal_divide(" + unscaled(args[0], x) + ", " + unscaled(args[1], y) + ", CAST('" + power_of_ten(e) +
         "' AS HUGEINT), " + unit + ") AS DECIMAL(" + std::to_string(r.precision) + "," + std::to_string(r.scale) +
         "))";
}

// MySQL date_format specifiers (as Trino's date_format/date_parse use them) to strftime/strptime ones.
struct Specifier {
  char mysql;
  std::string_view strftime;
};
constexpr std::array kSpecifiers{
    Specifier{'a', "%a"},          Specifier{'b', "%b"}, Specifier{'c', "%-m"}, Specifier{'d', "%d"},
    Specifier{'e', "%-d"},         Specifier{'f', "%f"}, Specifier{'H', "%H"},  Specifier{'h', "%I"},
    Specifier{'I', "%I"},          Specifier{'i', "%M"}, Specifier{'j', "%j"},  Specifier{'k', "%-H"},
    Specifier{'l', "%-I"},         Specifier{'M', "%B"}, Specifier{'m', "%m"},  Specifier{'p', "%p"},
    Specifier{'r', "%I:%M:%S %p"}, Specifier{'S', "%S"}, Specifier{'s', "%S"},  Specifier{'T', "%H:%M:%S"},
    Specifier{'W', "%A"},          Specifier{'Y', "%Y"}, Specifier{'y', "%y"},  Specifier{'%', "%%"},
};

Outcome<std::string> mysql_to_strftime(std::string_view mysql_format) {
  std::string out;
  for (std::size_t i = 0; i < mysql_format.size(); ++i) {
    char c = mysql_format[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (i + 1 >= mysql_format.size()) return not_supported("date format ends with a lone '%'");
    char specifier = mysql_format[++i];
    auto found = std::find_if(kSpecifiers.begin(), kSpecifiers.end(),
                              [&](const Specifier& candidate) { return candidate.mysql == specifier; });
    if (found == kSpecifiers.end()) {
      return not_supported(std::string("date format specifier %") + specifier +
                           " is not supported by the local engine");
    }
    out += found->strftime;
  }
  return out;
}

Emitter date_format_emitter(const char* function, bool parse) {
  return [function, parse](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
    const std::string name = parse ? "date_parse" : "date_format";
    if (call.constants.size() < 2 || !call.constants[1]) {
      return not_supported(name + " is supported by the local engine only with a literal format string");
    }
    auto format = mysql_to_strftime(*call.constants[1]);
    if (!format) return format.get_failure();
    return std::string(function) + "(" + args[0] + ", " + quote_string(*format) + ")";
  };
}

// The number of capturing groups of a (RE2/Java) pattern: '(' not escaped, not in a class, not '(?'.
int capturing_groups(std::string_view pattern) {
  int groups = 0;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      bool named = i + 2 < pattern.size() && pattern[i + 1] == '?' && pattern[i + 2] == '<' && i + 3 < pattern.size() &&
                   pattern[i + 3] != '=' && pattern[i + 3] != '!';
      if (i + 1 >= pattern.size() || pattern[i + 1] != '?' || named) ++groups;
    }
  }
  return groups;
}

// Trino's regexp_replace replacement ($1, \$ for a literal '$') to DuckDB's (\1, with 'g' for every match).
Outcome<std::string> emit_regexp_replace(const std::vector<std::string>& args, const Resolved& call) {
  if (args.size() == 2) return "regexp_replace(" + args[0] + ", " + args[1] + ", '', 'g')";
  if (call.constants.size() < 3 || !call.constants[2]) {
    return not_supported("regexp_replace is supported by the local engine only with a literal replacement");
  }
  const int groups = call.constants[1] ? capturing_groups(*call.constants[1]) : -1;
  const std::string& literal = *call.constants[2];
  std::string replacement;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    char c = literal[i];
    if (c == '\\') {
      if (i + 1 < literal.size() && (literal[i + 1] == '$' || literal[i + 1] == '\\')) {
        replacement += literal[i + 1] == '\\' ? "\\\\" : "$";
        ++i;
        continue;
      }
      return not_supported(
          "regexp_replace: a backslash in the replacement before anything but '$' or '\\' is not supported by the "
          "local engine");
    }
    if (c == '$') {
      if (i + 1 < literal.size() && std::isdigit(static_cast<unsigned char>(literal[i + 1]))) {
        int group = literal[i + 1] - '0';
        if (groups < 0) return not_supported("regexp_replace with group references needs a literal pattern locally");
        if (group > groups) {
          return semantic_error("regexp_replace: no group " + std::to_string(group) + " in the pattern (it has " +
                                std::to_string(groups) + ")");
        }
        replacement += '\\';
        replacement += literal[i + 1];
        ++i;
        continue;
      }
      if (i + 1 < literal.size() && literal[i + 1] == '{') {
        return not_supported("regexp_replace: named group references (${name}) are not supported by the local engine");
      }
      return semantic_error("regexp_replace: '$' in the replacement must be followed by a group number");
    }
    replacement += c;
  }
  return "regexp_replace(" + args[0] + ", " + args[1] + ", " + quote_string(replacement) + ", 'g')";
}

Outcome<std::string> emit_regexp_extract(const std::vector<std::string>& args, const Resolved& call) {
  if (args.size() == 3) {
    if (call.constants.size() > 1 && call.constants[1]) {
      // A literal group number beyond the pattern's groups fails as in Trino.
      const int groups = capturing_groups(*call.constants[1]);
      const std::string& g = args[2];
      return "ar_regexp_extract_group(" + args[0] + ", " + args[1] + ", " + g + ", " + std::to_string(groups) + ")";
    }
    return not_supported("regexp_extract with a group is supported by the local engine only with a literal pattern");
  }
  return "ar_regexp_extract(" + args[0] + ", " + args[1] + ")";
}

// The date units Trino allows for a date (date_add, date_diff, date_trunc); the others need a time.
bool is_date_unit(std::string_view unit) {
  static constexpr std::array<std::string_view, 5> kUnits{"day", "week", "month", "quarter", "year"};
  const std::string lowered = text::lower(unit);
  return std::find(kUnits.begin(), kUnits.end(), lowered) != kUnits.end();
}
bool is_time_unit(std::string_view unit) {
  static constexpr std::array<std::string_view, 9> kUnits{"millisecond", "second", "minute",  "hour", "day",
                                                          "week",        "month",  "quarter", "year"};
  const std::string lowered = text::lower(unit);
  return std::find(kUnits.begin(), kUnits.end(), lowered) != kUnits.end();
}

// With a literal unit the call is checked here and written without the macro that raises Trino's error, so
// DuckDB can fold it (its error() is volatile) and push filters on it into the scans.
Emitter unit_emitter(const std::string& function, bool date, const std::string& macro) {
  return [function, date, macro](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
    const std::optional<std::string>& unit = call.constants.empty() ? std::nullopt : call.constants[0];
    if (!unit) return macro + "(" + args[0] + ", " + args[1] + (args.size() > 2 ? ", " + args[2] : "") + ")";
    if (date ? !is_date_unit(*unit) : !is_time_unit(*unit)) {
      // Trino's message (DateTimeFunctions): '<unit>' is not a valid DATE / TIMESTAMP field.
      return semantic_error(function + ": '" + *unit + "' is not a valid " + (date ? "DATE" : "TIMESTAMP") + " field");
    }
    const std::string u = quote_string(text::lower(*unit));
    if (function == "date_trunc") {
      auto type = duck_type(call.returns);
      if (!type) return type;
      return "CAST(date_trunc(" + u + ", " + args[1] + ") AS " + *type + ")";
    }
    if (function == "date_diff") return "date_sub(" + u + ", " + args[1] + ", " + args[2] + ")";
    // date_add
    static const std::map<std::string, std::string> kConstructors = {{"millisecond", "to_milliseconds"},
                                                                     {"second", "to_seconds"},
                                                                     {"minute", "to_minutes"},
                                                                     {"hour", "to_hours"},
                                                                     {"day", "to_days"},
                                                                     {"week", "to_weeks"},
                                                                     {"month", "to_months"},
                                                                     {"year", "to_years"}};
    const std::string lowered = text::lower(*unit);
    const std::string interval = lowered == "quarter" ? "to_months(3 * CAST(" + args[1] + " AS INTEGER))"
                                                      : kConstructors.at(lowered) + "(CAST(" + args[1] + " AS " +
                                                            (lowered == "millisecond" ? "BIGINT" : "INTEGER") + "))";
    return date ? "CAST(" + args[2] + " + " + interval + " AS DATE)" : "(" + args[2] + " + " + interval + ")";
  };
}

// date +/- interval day to second: a literal interval is checked here (whole days only).
Emitter date_plus_seconds_emitter(bool subtract, std::size_t date_arg) {
  return [subtract, date_arg](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
    const std::size_t interval_arg = 1 - date_arg;
    const auto& millis = call.constants.size() > interval_arg ? call.constants[interval_arg] : std::nullopt;
    if (millis) {
      if (std::stoll(*millis) % 86400000 != 0) return semantic_error("Cannot add hour, minutes or seconds to a date");
      return "CAST(" + args[date_arg] + (subtract ? " - " : " + ") + args[interval_arg] + " AS DATE)";
    }
    return "ar_date_plus_seconds(" + args[date_arg] + ", " + (subtract ? "-" : "") + args[interval_arg] + ")";
  };
}

// Integer / and %: a literal non-zero divisor needs no check.
Emitter integer_division_emitter(const char* op, const char* macro) {
  return [op, macro](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
    const auto& divisor = call.constants.size() > 1 ? call.constants[1] : std::nullopt;
    if (divisor && *divisor != "0") return "(" + args[0] + " " + op + " " + args[1] + ")";
    return std::string(macro) + "(" + args[0] + ", " + args[1] + ")";
  };
}

struct Builder {
  std::vector<FunctionEntry> table;

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

void operators(Builder& b) {
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
  b.add("$negation", {"decimal"}, "decimal", "(-{0})", K::Operator);

  // Date and time arithmetic (docs: functions/datetime, "Date and time operators").
  b.add_emit("$add", {"date", "interval_ds"}, "date", date_plus_seconds_emitter(false, 0), K::Operator);
  b.add_emit("$add", {"interval_ds", "date"}, "date", date_plus_seconds_emitter(false, 1), K::Operator);
  b.add_emit("$subtract", {"date", "interval_ds"}, "date", date_plus_seconds_emitter(true, 0), K::Operator);
  b.add("$add", {"date", "interval_ym"}, "date", "CAST({0} + {1} AS DATE)", K::Operator);
  b.add("$add", {"interval_ym", "date"}, "date", "CAST({1} + {0} AS DATE)", K::Operator);
  b.add("$subtract", {"date", "interval_ym"}, "date", "CAST({0} - {1} AS DATE)", K::Operator);
  for (auto t : {"timestamp", "timestamptz"}) {
    for (auto i : {"interval_ds", "interval_ym"}) {
      b.add("$add", {t, i}, t, "({0} + {1})", K::Operator);
      b.add("$add", {i, t}, t, "({1} + {0})", K::Operator);
      b.add("$subtract", {t, i}, t, "({0} - {1})", K::Operator);
    }
  }
  b.add("$subtract", {"timestamp", "timestamp"}, "interval_ds", "ar_interval_between({1}, {0})", K::Operator);
  b.add("$subtract", {"timestamptz", "timestamptz"}, "interval_ds", "ar_interval_between({1}, {0})", K::Operator);
  for (auto i : {"interval_ds", "interval_ym"}) {
    b.add("$add", {i, i}, i, "({0} + {1})", K::Operator);
    b.add("$subtract", {i, i}, i, "({0} - {1})", K::Operator);
    b.add("$negation", {i}, i, "(-{0})", K::Operator);
  }

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
}

void scalar_functions(Builder& b) {
  // Conditional and comparison functions.
  b.add("greatest", {"T"}, "T", "ar_greatest({*})").variadic = true;
  b.add("least", {"T"}, "T", "ar_least({*})").variadic = true;

  // Math (docs: functions/math).
  for (auto t : kIntegral) b.add("abs", {std::string(t)}, std::string(t), "abs({0})");
  for (auto t : kFloating) b.add("abs", {std::string(t)}, std::string(t), "abs({0})");
  b.add("abs", {"decimal"}, "decimal", "abs({0})");
  for (auto t : kIntegral) {
    b.add("round", {std::string(t)}, std::string(t), "{0}");
    b.add("round", {std::string(t), "integer"}, std::string(t), "CAST(round(CAST({0} AS DECIMAL(38,0)), {1}) AS {R})");
  }
  for (auto t : kFloating) {
    b.add("round", {std::string(t)}, std::string(t), "CAST(round({0}) AS {R})");
    b.add("round", {std::string(t), "integer"}, std::string(t), "CAST(round({0}, {1}) AS {R})");
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
  b.add("cbrt", {"double"}, "double", "cbrt({0})");
  b.add("exp", {"double"}, "double", "exp({0})");
  b.add("ln", {"double"}, "double", "ar_ln({0})");
  b.add("log2", {"double"}, "double", "ar_log2({0})");
  b.add("log10", {"double"}, "double", "ar_log10({0})");
  b.add("log", {"double", "double"}, "double", "(ar_ln({1}) / ar_ln({0}))");
  b.add("power", {"double", "double"}, "double", "pow({0}, {1})");
  b.add("pow", {"double", "double"}, "double", "pow({0}, {1})");
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
  for (auto t : {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "degrees", "radians"}) {
    b.add(t, {"double"}, "double", std::string(t) + "({0})");
  }
  b.add("atan2", {"double", "double"}, "double", "atan2({0}, {1})");
  for (auto t : kFloating) b.add("truncate", {std::string(t)}, std::string(t), "CAST(trunc({0}) AS {R})");

  // Strings (docs: functions/string).
  b.add("length", {"varchar"}, "bigint", "CAST(length({0}) AS BIGINT)");
  b.add("length", {"varbinary"}, "bigint", "CAST(octet_length({0}) AS BIGINT)");
  b.add("lower", {"varchar"}, "varchar", "lower({0})");
  b.add("upper", {"varchar"}, "varchar", "upper({0})");
  b.add("substr", {"varchar", "bigint"}, "varchar", "ar_substr({0}, {1})");
  b.add("substr", {"varchar", "bigint", "bigint"}, "varchar", "ar_substr({0}, {1}, {2})");
  b.add("substring", {"varchar", "bigint"}, "varchar", "ar_substr({0}, {1})");
  b.add("substring", {"varchar", "bigint", "bigint"}, "varchar", "ar_substr({0}, {1}, {2})");
  b.add("strpos", {"varchar", "varchar"}, "bigint", "CAST(strpos({0}, {1}) AS BIGINT)");
  b.add("replace", {"varchar", "varchar"}, "varchar", "ar_replace({0}, {1}, '')");
  b.add("replace", {"varchar", "varchar", "varchar"}, "varchar", "ar_replace({0}, {1}, {2})");
  b.add("trim", {"varchar"}, "varchar", "trim({0}, ar_whitespace())");
  b.add("ltrim", {"varchar"}, "varchar", "ltrim({0}, ar_whitespace())");
  b.add("rtrim", {"varchar"}, "varchar", "rtrim({0}, ar_whitespace())");
  b.add("trim", {"varchar", "varchar"}, "varchar", "trim({0}, {1})");
  b.add("ltrim", {"varchar", "varchar"}, "varchar", "ltrim({0}, {1})");
  b.add("rtrim", {"varchar", "varchar"}, "varchar", "rtrim({0}, {1})");
  b.add("reverse", {"varchar"}, "varchar", "reverse({0})");
  b.add("starts_with", {"varchar", "varchar"}, "boolean", "starts_with({0}, {1})");
  b.add("lpad", {"varchar", "bigint", "varchar"}, "varchar", "ar_lpad({0}, {1}, {2})");
  b.add("rpad", {"varchar", "bigint", "varchar"}, "varchar", "ar_rpad({0}, {1}, {2})");
  b.add("split", {"varchar", "varchar"}, "array(varchar)", "ar_split({0}, {1})");
  b.add("split_part", {"varchar", "varchar", "bigint"}, "varchar", "ar_split_part({0}, {1}, {2})");
  b.add("concat", {"varchar"}, "varchar", "ar_concat({*})").variadic = true;
  b.add("concat_ws", {"varchar", "varchar"}, "varchar", "concat_ws({*})").variadic = true;
  b.add("chr", {"bigint"}, "varchar", "chr(CAST({0} AS INTEGER))");
  // codepoint(varchar(1)) only, as Trino declares it (a longer or unbounded varchar does not match).
  b.add_emit("codepoint", {"varchar"}, "integer",
             [](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
               if (call.params[0].precision != 1) {
                 return not_supported("function codepoint(" + to_string(call.params[0]) +
                                      ") is not supported: codepoint takes a varchar(1)");
               }
               return "CAST(unicode(" + args[0] + ") AS INTEGER)";
             });
  b.add("to_utf8", {"varchar"}, "varbinary", "encode({0})");
  b.add("regexp_like", {"varchar", "varchar"}, "boolean", "regexp_matches({0}, {1})");
  b.add_emit("regexp_extract", {"varchar", "varchar"}, "varchar", emit_regexp_extract);
  b.add_emit("regexp_extract", {"varchar", "varchar", "bigint"}, "varchar", emit_regexp_extract);
  b.add_emit("regexp_replace", {"varchar", "varchar"}, "varchar", emit_regexp_replace);
  b.add_emit("regexp_replace", {"varchar", "varchar", "varchar"}, "varchar", emit_regexp_replace);

  // JSON (docs: functions/json): the two functions over JSON text the local engine runs exactly.
  b.add("json_extract_scalar", {"varchar", "varchar"}, "varchar", "ar_json_extract_scalar({0}, {1})");
  b.add("json_extract", {"varchar", "varchar"}, "json", "json_extract({0}, {1})");

  // Dates and times (docs: functions/datetime).
  for (auto t : kDateTimes) {
    std::string type(t);
    const bool date = type == "date";
    b.add_emit("date_add", {"varchar", "bigint", type}, type,
               unit_emitter("date_add", date, date ? "ar_date_add_date" : "ar_date_add_timestamp"));
    b.add_emit("date_diff", {"varchar", type, type}, "bigint",
               unit_emitter("date_diff", date, date ? "ar_date_diff_date" : "date_sub"));
    b.add_emit("date_trunc", {"varchar", type}, type, unit_emitter("date_trunc", date, "ar_date_trunc"));
    if (type != "date") {
      b.add_emit("date_format", {type, "varchar"}, "varchar", date_format_emitter("strftime", false));
      b.add("to_unixtime", {type}, "double", "epoch({0})");
      b.add("date", {type}, "date", "CAST({0} AS DATE)");
      b.add("hour", {type}, "bigint", "CAST(hour({0}) AS BIGINT)");
      b.add("minute", {type}, "bigint", "CAST(minute({0}) AS BIGINT)");
      b.add("second", {type}, "bigint", "CAST(second({0}) AS BIGINT)");
      b.add("millisecond", {type}, "bigint", "CAST(millisecond({0}) % 1000 AS BIGINT)");
    }
    b.add("year", {type}, "bigint", "CAST(year({0}) AS BIGINT)");
    b.add("quarter", {type}, "bigint", "CAST(quarter({0}) AS BIGINT)");
    b.add("month", {type}, "bigint", "CAST(month({0}) AS BIGINT)");
    b.add("week", {type}, "bigint", "CAST(week({0}) AS BIGINT)");
    b.add("week_of_year", {type}, "bigint", "CAST(week({0}) AS BIGINT)");
    b.add("day", {type}, "bigint", "CAST(day({0}) AS BIGINT)");
    b.add("day_of_month", {type}, "bigint", "CAST(day({0}) AS BIGINT)");
    b.add("day_of_week", {type}, "bigint", "CAST(isodow({0}) AS BIGINT)");
    b.add("dow", {type}, "bigint", "CAST(isodow({0}) AS BIGINT)");
    b.add("day_of_year", {type}, "bigint", "CAST(dayofyear({0}) AS BIGINT)");
    b.add("doy", {type}, "bigint", "CAST(dayofyear({0}) AS BIGINT)");
    b.add("year_of_week", {type}, "bigint", "CAST(isoyear({0}) AS BIGINT)");
    b.add("yow", {type}, "bigint", "CAST(isoyear({0}) AS BIGINT)");
    b.add("last_day_of_month", {type}, "date", "last_day({0})");
  }
  b.add("date", {"date"}, "date", "{0}");
  b.add("date", {"varchar"}, "date", "ar_date_from_varchar({0})");
  b.add_emit("date_parse", {"varchar", "varchar"}, "timestamp(3)", date_format_emitter("strptime", true));
  b.add("from_iso8601_timestamp", {"varchar"}, "timestamptz(3)", "ar_from_iso8601_timestamp({0})");
  b.add("from_iso8601_date", {"varchar"}, "date", "ar_from_iso8601_date({0})");
  b.add("from_unixtime", {"double"}, "timestamptz(3)", "to_timestamp({0})");
  // Interval fields (an interval day to second is one count of milliseconds, as Trino keeps it).
  b.add("day", {"interval_ds"}, "bigint", "(ar_interval_millis({0}) // 86400000)");
  b.add("hour", {"interval_ds"}, "bigint", "((ar_interval_millis({0}) // 3600000) % 24)");
  b.add("minute", {"interval_ds"}, "bigint", "((ar_interval_millis({0}) // 60000) % 60)");
  b.add("second", {"interval_ds"}, "bigint", "((ar_interval_millis({0}) // 1000) % 60)");
  b.add("millisecond", {"interval_ds"}, "bigint", "(ar_interval_millis({0}) % 1000)");
  b.add("year", {"interval_ym"}, "bigint", "(ar_interval_months({0}) // 12)");
  b.add("month", {"interval_ym"}, "bigint", "(ar_interval_months({0}) % 12)");

  // Arrays and maps (docs: functions/array, functions/map).
  b.add("cardinality", {"array(T)"}, "bigint", "CAST(len({0}) AS BIGINT)");
  b.add("cardinality", {"map(K,V)"}, "bigint", "CAST(cardinality({0}) AS BIGINT)");
  b.add("element_at", {"array(T)", "bigint"}, "T", "ar_array_element_at({0}, {1})");
  b.add("element_at", {"map(K,V)", "K"}, "V", "ar_map_element_at({0}, {1})");
  b.add("contains", {"array(T)", "T"}, "boolean", "ar_contains({0}, {1})");
  for (auto t : {"varchar", "tinyint", "smallint", "integer", "bigint", "date", "boolean"}) {
    b.add("array_join", {std::string("array(") + t + ")", "varchar"}, "varchar", "array_to_string({0}, {1})");
    b.add("array_join", {std::string("array(") + t + ")", "varchar", "varchar"}, "varchar",
          "array_to_string(list_transform({0}, lambda ar_e: coalesce(CAST(ar_e AS VARCHAR), {2})), {1})");
  }
  b.add("filter", {"array(T)", "function(T,boolean)"}, "array(T)", "list_filter({0}, {1})");
  b.add("transform", {"array(T)", "function(T,U)"}, "array(U)", "list_transform({0}, {1})");
  b.add("map", {"array(K)", "array(V)"}, "map(K,V)", "ar_map({0}, {1})");
  b.add("map_keys", {"map(K,V)"}, "array(K)", "map_keys({0})");
  b.add("map_values", {"map(K,V)"}, "array(V)", "map_values({0})");
}

void aggregates(Builder& b) {
  b.add("count", {}, "bigint", "count(*)", K::Aggregate);
  b.add("count", {"T"}, "bigint", "count({0})", K::Aggregate);
  b.add("count_if", {"boolean"}, "bigint", "count_if({0})", K::Aggregate);
  for (auto t : kIntegral) b.add("sum", {std::string(t)}, "bigint", "CAST(sum({0}) AS BIGINT)", K::Aggregate);
  b.add("sum", {"real"}, "real", "CAST(sum({0}) AS FLOAT)", K::Aggregate);
  b.add("sum", {"double"}, "double", "sum({0})", K::Aggregate);
  b.add_rule(
      "sum", {"decimal"}, [](const std::vector<Type>& a) -> Outcome<Type> { return Type::decimal(38, a[0].scale); },
      "CAST(sum({0}) AS {R})", K::Aggregate);
  for (auto t : kIntegral) b.add("avg", {std::string(t)}, "double", "avg({0})", K::Aggregate);
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
}

void window_functions(Builder& b) {
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

}  // namespace

// Places {O} (ORDER BY inside the call) and {F} (FILTER / OVER after it) in an aggregate's or window
// function's template: around the first call, or the call inside a leading CAST(.
void place_modifiers(FunctionEntry& entry) {
  std::string& t = entry.duck;
  if (t.empty() || t.find("{F}") != std::string::npos) return;
  std::size_t start = t.rfind("CAST(", 0) == 0 ? 5 : 0;
  std::size_t open = t.find('(', start);
  int depth = 0;
  for (std::size_t i = open; i < t.size(); ++i) {
    if (t[i] == '(') ++depth;
    if (t[i] == ')' && --depth == 0) {
      t = t.substr(0, i) + "{O})" + "{F}" + t.substr(i + 1);
      return;
    }
  }
}

std::vector<FunctionEntry> build_function_table() {
  Builder b;
  operators(b);
  scalar_functions(b);
  aggregates(b);
  window_functions(b);
  for (auto& entry : b.table) {
    if (entry.kind == K::Aggregate || entry.kind == K::Window) place_modifiers(entry);
  }
  return std::move(b.table);
}

std::vector<std::string> duckdb_macros() {
  const std::string interval =
      "CASE lower(unit) WHEN 'millisecond' THEN to_milliseconds(n) WHEN 'second' THEN to_seconds(n) "
      "WHEN 'minute' THEN to_minutes(n) WHEN 'hour' THEN to_hours(n) WHEN 'day' THEN to_days(n) "
      "WHEN 'week' THEN to_weeks(n) WHEN 'month' THEN to_months(n) WHEN 'quarter' THEN to_months(3 * n) "
      "WHEN 'year' THEN to_years(n) ELSE error('''' || unit || ''' is not a valid TIMESTAMP field') END";
  const std::string date_units = "lower(unit) IN ('day', 'week', 'month', 'quarter', 'year')";
  // NOLINTBEGIN(bugprone-suspicious-missing-comma): every element is one long literal written on several lines.
  std::vector<std::string> macros = {
      // Macros used by others come first.
      "CREATE OR REPLACE MACRO ar_interval_millis(i) AS CAST(round(epoch(i) * 1000) AS BIGINT)",
      ("CREATE OR REPLACE MACRO ar_interval_months(i) AS CAST(datepart('year', i) * 12 + datepart('month', i) AS "
       "BIGINT)"),
      "CREATE OR REPLACE MACRO ar_interval_day_to_second_text(i) AS CASE WHEN i IS NULL THEN NULL ELSE (CASE WHEN "
      "ar_interval_millis(i) < 0 THEN '-' ELSE '' END) || CAST(abs(ar_interval_millis(i)) // 86400000 AS VARCHAR) || ' "
      "' || lpad(CAST(abs(ar_interval_millis(i)) // 3600000 % 24 AS VARCHAR), 2, '0') || ':' || "
      "lpad(CAST(abs(ar_interval_millis(i)) // 60000 % 60 AS VARCHAR), 2, '0') || ':' || "
      "lpad(CAST(abs(ar_interval_millis(i)) // 1000 % 60 AS VARCHAR), 2, '0') || '.' || "
      "lpad(CAST(abs(ar_interval_millis(i)) % 1000 AS VARCHAR), 3, '0') END",
      ("CREATE OR REPLACE MACRO ar_interval_year_to_month_text(i) AS CASE WHEN i IS NULL THEN NULL ELSE (CASE WHEN "
       "ar_interval_months(i) < 0 THEN '-' ELSE '' END) || CAST(abs(ar_interval_months(i)) // 12 AS VARCHAR) || '-' || "
       "CAST(abs(ar_interval_months(i)) % 12 AS VARCHAR) END"),
      "CREATE OR REPLACE MACRO ar_integer_divide(a, b) AS CASE WHEN b = 0 THEN error('Division by zero') ELSE a // b "
      "END",
      "CREATE OR REPLACE MACRO ar_integer_modulus(a, b) AS CASE WHEN b = 0 THEN error('Division by zero') ELSE a % b "
      "END",
      // xu, yu: the unscaled operands; e: 10^(result scale - x scale + y scale); unit: 10^-(result scale).
      "CREATE OR REPLACE MACRO ar_decimal_divide(xu, yu, e, unit) AS CASE WHEN yu = 0 THEN error('Division by zero') "
      "ELSE CAST(((xu * e) // yu + CASE WHEN 2 * abs((xu * e) % yu) >= abs(yu) THEN sign(xu) * sign(yu) ELSE 0 END) "
      "AS DECIMAL(38,0)) * unit END",
      "CREATE OR REPLACE MACRO ar_date_plus_seconds(d, i) AS CASE WHEN ar_interval_millis(i) % 86400000 <> 0 THEN "
      "error('Cannot add hour, minutes or seconds to a date') ELSE CAST(d + i AS DATE) END",
      "CREATE OR REPLACE MACRO ar_interval_between(a, b) AS to_milliseconds(CAST(round((epoch(b) - epoch(a)) * 1000) "
      "AS BIGINT))",
      "CREATE OR REPLACE MACRO ar_date_add_date(unit, n, ts) AS CASE WHEN " + date_units + " THEN CAST(ts + " +
          interval + " AS DATE) ELSE error('''' || unit || ''' is not a valid DATE field') END",
      "CREATE OR REPLACE MACRO ar_date_add_timestamp(unit, n, ts) AS ts + " + interval,
      "CREATE OR REPLACE MACRO ar_date_diff_date(unit, a, b) AS CASE WHEN " + date_units +
          " THEN date_sub(unit, a, b) ELSE error('''' || unit || ''' is not a valid DATE field') END",
      // Trino's date_trunc keeps its argument's type. DuckDB's does not: 1.4 returns a DATE for a TIMESTAMP cut
      // to a day or more, 1.5 a TIMESTAMP for a DATE.
      "CREATE OR REPLACE MACRO ar_date_trunc(unit, ts DATE) AS CASE WHEN " + date_units +
          " THEN CAST(date_trunc(unit, ts) AS DATE) ELSE error('date_trunc: unit ' || unit || ' is not valid for a "
          "date') END, (unit, ts TIMESTAMP) AS CAST(date_trunc(unit, ts) AS TIMESTAMP), (unit, ts TIMESTAMPTZ) AS "
          "CAST(date_trunc(unit, ts) AS TIMESTAMPTZ)",
      "CREATE OR REPLACE MACRO ar_date_from_varchar(s) AS CASE WHEN regexp_full_match(s, "
      "'\\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\\s*') THEN CAST(trim(s) AS DATE) ELSE error('Value cannot be cast to date: "
      "' "
      "|| s) END",
      "CREATE OR REPLACE MACRO ar_regexp_extract(s, p) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p) "
      "END",
      "CREATE OR REPLACE MACRO ar_regexp_extract_group(s, p, g, groups) AS CASE WHEN g < 0 OR g > groups THEN "
      "error('Pattern has ' || groups || ' groups. Cannot access group ' || g) WHEN regexp_matches(s, p) THEN "
      "regexp_extract(s, p, CAST(g AS INTEGER)) END",
      "CREATE OR REPLACE MACRO ar_json_extract_scalar(j, p) AS CASE WHEN json_type(json_extract(j, p)) IN "
      "('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, p) END",
      "CREATE OR REPLACE MACRO ar_array_subscript(a, i) AS CASE WHEN a IS NULL OR i IS NULL THEN NULL WHEN i = 0 THEN "
      "error('SQL array indices start at 1') WHEN i < 0 THEN error('Array subscript is negative: ' || i) WHEN i > "
      "len(a) THEN error('Array subscript must be less than or equal to array length: ' || i || ' > ' || len(a)) ELSE "
      "a[i] END",
      "CREATE OR REPLACE MACRO ar_array_element_at(a, i) AS CASE WHEN i = 0 THEN error('SQL array indices start at "
      "1') ELSE list_extract(a, i) END",
      "CREATE OR REPLACE MACRO ar_map_subscript(m, k) AS CASE WHEN m IS NULL OR k IS NULL THEN NULL WHEN NOT "
      "map_contains(m, k) THEN error('Key not present in map: ' || CAST(k AS VARCHAR)) ELSE m[k] END",
      "CREATE OR REPLACE MACRO ar_map_element_at(m, k) AS m[k]",
      "CREATE OR REPLACE MACRO ar_map(k, v) AS CASE WHEN len(k) <> len(v) THEN error('Key and value arrays must be "
      "the same length') WHEN list_contains(list_transform(k, lambda ar_e: ar_e IS NULL), true) THEN error('map key "
      "cannot be null') WHEN len(list_distinct(k)) <> len(k) THEN error('Duplicate map keys are not allowed') ELSE "
      "map(k, v) END",
      "CREATE OR REPLACE MACRO ar_array_equal(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL WHEN len(a) <> "
      "len(b) THEN false WHEN list_contains(list_transform(range(1, len(a) + 1), lambda ar_i: a[ar_i] = b[ar_i]), "
      "false) THEN false WHEN list_contains(list_transform(range(1, len(a) + 1), lambda ar_i: a[ar_i] IS NULL OR "
      "b[ar_i] IS NULL), true) THEN NULL ELSE true END",
      "CREATE OR REPLACE MACRO ar_array_concat(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE "
      "list_concat(a, b) END",
      "CREATE OR REPLACE MACRO ar_array_append(a, x) AS CASE WHEN a IS NULL THEN NULL ELSE list_append(a, x) END",
      "CREATE OR REPLACE MACRO ar_array_prepend(x, a) AS CASE WHEN a IS NULL THEN NULL ELSE list_prepend(x, a) END",
      "CREATE OR REPLACE MACRO ar_contains(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL WHEN list_contains(a, "
      "x) THEN true WHEN list_contains(list_transform(a, lambda ar_e: ar_e IS NULL), true) THEN NULL ELSE false END",
      "CREATE OR REPLACE MACRO ar_split(s, d) AS CASE WHEN d = '' THEN error('The delimiter may not be the empty "
      "string') ELSE string_split(s, d) END",
      "CREATE OR REPLACE MACRO ar_split_part(s, d, i) AS CASE WHEN i <= 0 THEN error('split_part: index must be "
      "greater than zero') WHEN i > len(string_split(s, d)) THEN NULL ELSE split_part(s, d, i) END",
      "CREATE OR REPLACE MACRO ar_substr(s, st) AS CASE WHEN st = 0 OR abs(st) > length(s) THEN '' ELSE substr(s, st) "
      "END, (s, st, n) AS CASE WHEN n < 0 THEN error('Length must be greater than or equal to 0') WHEN st = 0 OR "
      "abs(st) > length(s) THEN '' ELSE substr(s, st, n) END",
      "CREATE OR REPLACE MACRO ar_replace(s, f, r) AS CASE WHEN f = '' THEN error('replace with an empty search "
      "string is not supported by the local engine') ELSE replace(s, f, r) END",
      "CREATE OR REPLACE MACRO ar_whitespace() AS ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || "
      "chr(28) || chr(29) || chr(30) || chr(31)",
      "CREATE OR REPLACE MACRO ar_lpad(s, n, p) AS CASE WHEN n < 0 OR n > 2147483647 THEN error('Target length must "
      "be in the range [0..2147483647]') WHEN p = '' THEN error('Padding string must not be empty') ELSE lpad(s, "
      "CAST(n AS INTEGER), p) END",
      "CREATE OR REPLACE MACRO ar_rpad(s, n, p) AS CASE WHEN n < 0 OR n > 2147483647 THEN error('Target length must "
      "be in the range [0..2147483647]') WHEN p = '' THEN error('Padding string must not be empty') ELSE rpad(s, "
      "CAST(n AS INTEGER), p) END",
      "CREATE OR REPLACE MACRO ar_sqrt(x) AS CASE WHEN x < 0 THEN CAST('NaN' AS DOUBLE) ELSE sqrt(x) END",
      "CREATE OR REPLACE MACRO ar_ln(x) AS CASE WHEN x < 0 THEN CAST('NaN' AS DOUBLE) WHEN x = 0 THEN "
      "CAST('-Infinity' AS DOUBLE) ELSE ln(x) END",
      "CREATE OR REPLACE MACRO ar_log2(x) AS CASE WHEN x < 0 THEN CAST('NaN' AS DOUBLE) WHEN x = 0 THEN "
      "CAST('-Infinity' AS DOUBLE) ELSE log2(x) END",
      "CREATE OR REPLACE MACRO ar_log10(x) AS CASE WHEN x < 0 THEN CAST('NaN' AS DOUBLE) WHEN x = 0 THEN "
      "CAST('-Infinity' AS DOUBLE) ELSE log10(x) END",
      "CREATE OR REPLACE MACRO ar_sign_floating(x) AS CASE WHEN isnan(x) THEN x ELSE CAST(sign(x) AS "
      "DOUBLE) END",
      "CREATE OR REPLACE MACRO ar_from_iso8601_timestamp(s) AS CASE WHEN regexp_matches(s, "
      "'[T ][0-9:.,]+[+-][0-9][0-9](:?[0-9][0-9])?$') THEN error('from_iso8601_timestamp: only UTC (Z) or no "
      "offset is supported by the local engine') ELSE CAST(s AS TIMESTAMPTZ) END",
      "CREATE OR REPLACE MACRO ar_from_iso8601_date(s) AS CASE WHEN regexp_full_match(s, "
      "'[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN CAST(s AS DATE) ELSE error('from_iso8601_date: unsupported value ' || s) END",
      "CREATE OR REPLACE MACRO ar_cast_to_integral(s, lo, hi) AS CASE WHEN NOT regexp_full_match(s, "
      "'\\s*[+-]?[0-9]+\\s*') THEN error('Cannot cast ''' || s || ''' to an integer type') WHEN "
      "TRY_CAST(trim(s) AS HUGEINT) IS NULL OR CAST(trim(s) AS HUGEINT) < lo OR CAST(trim(s) AS HUGEINT) > hi THEN "
      "error('Cannot cast ''' || s || ''': out of range') ELSE CAST(trim(s) AS HUGEINT) END",
  };  // NOLINTEND(bugprone-suspicious-missing-comma)

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
  macros.push_back(concat);
  macros.push_back(greatest);
  macros.push_back(least);
  return macros;
}

const std::vector<std::string>& known_unsupported_functions() {
  // Trino functions (docs: functions/list) that are not in the registry yet; each must be refused by name.
  static const std::vector<std::string> names = {
      "array_distinct",
      "array_sort",
      "array_position",
      "array_intersect",
      "array_union",
      "array_except",
      "arrays_overlap",
      "array_max",
      "array_min",
      "array_remove",
      "slice",
      "flatten",
      "sequence",
      "zip",
      "zip_with",
      "reduce",
      "any_match",
      "all_match",
      "none_match",
      "transform_keys",
      "transform_values",
      "map_filter",
      "map_concat",
      "map_entries",
      "map_from_entries",
      "multimap_from_entries",
      "map_agg",
      "multimap_agg",
      "histogram",
      "md5",
      "sha1",
      "sha256",
      "sha512",
      "xxhash64",
      "crc32",
      "murmur3",
      "to_hex",
      "from_hex",
      "to_base64",
      "from_base64",
      "from_utf8",
      "format",
      "format_datetime",
      "parse_datetime",
      "to_iso8601",
      "typeof",
      "json_parse",
      "json_format",
      "json_array_length",
      "json_array_get",
      "json_array_contains",
      "json_size",
      "is_json_scalar",
      "levenshtein_distance",
      "hamming_distance",
      "translate",
      "word_stem",
      "luhn_check",
      "regexp_extract_all",
      "regexp_split",
      "regexp_count",
      "regexp_position",
      "width_bucket",
      "from_base",
      "to_base",
      "bitwise_and",
      "bitwise_or",
      "bitwise_xor",
      "bitwise_not",
      "stddev",
      "stddev_samp",
      "stddev_pop",
      "variance",
      "var_samp",
      "var_pop",
      "corr",
      "covar_samp",
      "covar_pop",
      "regr_slope",
      "regr_intercept",
      "geometric_mean",
      "checksum",
      "listagg",
      "human_readable_seconds",
      "with_timezone",
      "at_timezone",
      "ngrams",
      "combinations",
      "repeat",
      "array_cum_sum",
      "normalize",
      "soundex",
      "url_extract_host",
      "url_encode",
      "uuid",
  };
  return names;
}

}  // namespace athena_runner::sql
