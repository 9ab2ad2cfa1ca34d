// Date and time functions and operators (docs: functions/datetime).
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
// DuckDB can fold it and push filters on it into the scans.
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

}  // namespace

void add_datetime(Builder& b) {
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

  const std::string interval =
      "CASE lower(unit) WHEN 'millisecond' THEN to_milliseconds(n) WHEN 'second' THEN to_seconds(n) "
      "WHEN 'minute' THEN to_minutes(n) WHEN 'hour' THEN to_hours(n) WHEN 'day' THEN to_days(n) "
      "WHEN 'week' THEN to_weeks(n) WHEN 'month' THEN to_months(n) WHEN 'quarter' THEN to_months(3 * n) "
      "WHEN 'year' THEN to_years(n) ELSE ar_fail('''' || unit || ''' is not a valid TIMESTAMP field') END";
  const std::string date_units = "lower(unit) IN ('day', 'week', 'month', 'quarter', 'year')";
  // NOLINTBEGIN(bugprone-suspicious-missing-comma): each element is one literal on several lines.
  b.macros.insert(
      b.macros.end(),
      {
          "CREATE OR REPLACE MACRO ar_interval_millis(i) AS CAST(round(epoch(i) * 1000) AS BIGINT)",
          ("CREATE OR REPLACE MACRO ar_interval_months(i) AS CAST(datepart('year', i) * 12 + datepart('month', i) AS "
           "BIGINT)"),
          "CREATE OR REPLACE MACRO ar_interval_day_to_second_text(i) AS CASE WHEN i IS NULL THEN NULL ELSE (CASE WHEN "
          "ar_interval_millis(i) < 0 THEN '-' ELSE '' END) || CAST(abs(ar_interval_millis(i)) // 86400000 AS VARCHAR) "
          "|| ' "
          "' || lpad(CAST(abs(ar_interval_millis(i)) // 3600000 % 24 AS VARCHAR), 2, '0') || ':' || "
          "lpad(CAST(abs(ar_interval_millis(i)) // 60000 % 60 AS VARCHAR), 2, '0') || ':' || "
          "lpad(CAST(abs(ar_interval_millis(i)) // 1000 % 60 AS VARCHAR), 2, '0') || '.' || "
          "lpad(CAST(abs(ar_interval_millis(i)) % 1000 AS VARCHAR), 3, '0') END",
          ("CREATE OR REPLACE MACRO ar_interval_year_to_month_text(i) AS CASE WHEN i IS NULL THEN NULL ELSE (CASE WHEN "
           "ar_interval_months(i) < 0 THEN '-' ELSE '' END) || CAST(abs(ar_interval_months(i)) // 12 AS VARCHAR) || "
           "'-' || "
           "CAST(abs(ar_interval_months(i)) % 12 AS VARCHAR) END"),
          "CREATE OR REPLACE MACRO ar_date_plus_seconds(d, i) AS CASE WHEN ar_interval_millis(i) % 86400000 <> 0 THEN "
          "ar_fail('Cannot add hour, minutes or seconds to a date') ELSE CAST(d + i AS DATE) END",
          "CREATE OR REPLACE MACRO ar_interval_between(a, b) AS to_milliseconds(CAST(round((epoch(b) - epoch(a)) * "
          "1000) "
          "AS BIGINT))",
          "CREATE OR REPLACE MACRO ar_date_add_date(unit, n, ts) AS CASE WHEN " + date_units + " THEN CAST(ts + " +
              interval + " AS DATE) ELSE ar_fail('''' || unit || ''' is not a valid DATE field') END",
          "CREATE OR REPLACE MACRO ar_date_add_timestamp(unit, n, ts) AS ts + " + interval,
          "CREATE OR REPLACE MACRO ar_date_diff_date(unit, a, b) AS CASE WHEN " + date_units +
              " THEN date_sub(unit, a, b) ELSE ar_fail('''' || unit || ''' is not a valid DATE field') END",
          // Trino's date_trunc keeps its argument's type. DuckDB's does not: 1.4 returns a DATE for a TIMESTAMP cut
          // to a day or more, 1.5 a TIMESTAMP for a DATE.
          "CREATE OR REPLACE MACRO ar_date_trunc(unit, ts DATE) AS CASE WHEN " + date_units +
              " THEN CAST(date_trunc(unit, ts) AS DATE) ELSE ar_fail('date_trunc: unit ' || unit || ' is not valid for "
              "a "
              "date') END, (unit, ts TIMESTAMP) AS CAST(date_trunc(unit, ts) AS TIMESTAMP), (unit, ts TIMESTAMPTZ) AS "
              "CAST(date_trunc(unit, ts) AS TIMESTAMPTZ)",
          "CREATE OR REPLACE MACRO ar_date_from_varchar(s) AS CASE WHEN regexp_full_match(s, "
          "'\\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\\s*') THEN CAST(trim(s) AS DATE) ELSE ar_fail('Value cannot be cast to "
          "date: "
          "' "
          "|| s) END",
          "CREATE OR REPLACE MACRO ar_from_iso8601_timestamp(s) AS CASE WHEN regexp_matches(s, "
          "'[T ][0-9:.,]+[+-][0-9][0-9](:?[0-9][0-9])?$') THEN ar_fail('from_iso8601_timestamp: only UTC (Z) or no "
          "offset is supported by the local engine') ELSE CAST(s AS TIMESTAMPTZ) END",
          "CREATE OR REPLACE MACRO ar_from_iso8601_date(s) AS CASE WHEN regexp_full_match(s, "
          "'[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN CAST(s AS DATE) ELSE ar_fail('from_iso8601_date: unsupported value ' || "
          "s) "
          "END",
      });
  // NOLINTEND(bugprone-suspicious-missing-comma)
}

}  // namespace athena_runner::sql::families
