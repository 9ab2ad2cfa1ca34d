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
      // Trino's message (DateTimeFunctions): '<unit>' is not a valid DATE / Timestamp field.
      return semantic_error(function + ": '" + text::lower(*unit) + "' is not a valid " +
                            (date ? "DATE" : "Timestamp") + " field");
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

// The zone names that are UTC itself, as the AT TIME ZONE operator accepts them too: every timestamp with
// time zone of the local engine is in UTC, so these are the only zones it can give exactly.
bool is_utc_zone(const std::optional<std::string>& zone) {
  return zone && (text::iequals(*zone, "UTC") || *zone == "Z" || *zone == "+00:00");
}

// from_unixtime: Trino rounds the seconds to milliseconds (Math.round: half up).
std::string from_unixtime_sql(const std::string& seconds) {
  return "CAST(epoch_ms(CAST(floor(" + seconds + " * 1000 + 0.5) AS BIGINT)) AS TIMESTAMPTZ)";
}

// with_timezone(timestamp, zone) and at_timezone(timestamp with time zone, zone) with a literal UTC zone.
Emitter utc_zone_emitter(const std::string& function) {
  return [function](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
    if (call.constants.size() < 2 || !is_utc_zone(call.constants[1])) {
      return not_supported(function + " is supported by the local engine only with the time zone 'UTC'");
    }
    return "CAST(" + args[0] + " AS TIMESTAMPTZ)";
  };
}

// Joda works in milliseconds: format_datetime of a timestamp with more digits is refused.
Emitter format_datetime_emitter() {
  return [](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
    if (!call.params.empty() && call.params[0].precision > 3) {
      return not_supported("format_datetime(" + to_string(call.params[0]) +
                           ", varchar) is not supported by the local engine (precision above 3)");
    }
    return "ar_format_datetime(" + args[0] + ", " + args[1] + ")";
  };
}

// to_iso8601: 'T' between date and time, as many fractional digits as the type's precision, 'Z' for UTC.
Emitter to_iso8601_emitter(bool zone) {
  return [zone](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
    const int precision = call.params.empty() ? 3 : call.params[0].precision;
    std::string text = "strftime(" + args[0] + ", '%Y-%m-%dT%H:%M:%S')";
    if (precision > 0)
      text += " || '.' || substr(strftime(" + args[0] + ", '%f'), 1, " + std::to_string(precision) + ")";
    if (zone) text += " || 'Z'";
    return "(" + text + ")";
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
  // time(p) +/- interval day to second wraps around midnight (the interval's milliseconds, checked to fit p).
  auto time_plus = [](std::size_t time_arg, bool subtract) -> Emitter {
    return [time_arg, subtract](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
      return "ar_time_plus(" + args[time_arg] + ", " + (subtract ? "-" : "") + args[1 - time_arg] + ", " +
             std::to_string(call.returns.precision) + ")";
    };
  };
  b.add_emit("$add", {"time", "interval_ds"}, "time", time_plus(0, false), K::Operator);
  b.add_emit("$add", {"interval_ds", "time"}, "time", time_plus(1, false), K::Operator);
  b.add_emit("$subtract", {"time", "interval_ds"}, "time", time_plus(0, true), K::Operator);
  // A time(p) value is a DuckDB TIME with at most p fractional digits: ar_time_round rounds half up to p
  // digits (wrapping at midnight, as Trino does); ar_time_text is Trino's text, always with p digits.
  b.macros.insert(
      b.macros.end(),
      {"CREATE OR REPLACE MACRO ar_time_round(t, p) AS TIME '00:00:00' + to_microseconds((epoch_us(t) + "
       "CAST(10 ** (6 - p) AS BIGINT) // 2) // CAST(10 ** (6 - p) AS BIGINT) * CAST(10 ** (6 - p) AS BIGINT) % "
       "86400000000)",
       "CREATE OR REPLACE MACRO ar_time_text(t, p) AS strftime(DATE '1970-01-01' + t, '%H:%M:%S') || CASE WHEN p > 0 "
       "THEN '.' || substr(strftime(DATE '1970-01-01' + t, '%f'), 1, p) ELSE '' END",
       "CREATE OR REPLACE MACRO ar_time_from_varchar(s, p, try) AS CASE WHEN regexp_full_match(s, "
       "'([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?') THEN ar_time_round(CAST(s AS TIME), p) WHEN "
       "regexp_full_match(s, '([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9][.][0-9]{7,12}') THEN ar_fail('CAST(varchar "
       "AS time) of a value with more than 6 fractional digits is not supported by the local engine') WHEN try THEN "
       "NULL ELSE ar_fail('Value cannot be cast to time: ' || s) END",
       "CREATE OR REPLACE MACRO ar_time_plus(t, i, p) AS CASE WHEN round(epoch(i) * 1000) % CAST(10 ** (3 - least(p, "
       "3)) AS BIGINT) <> 0 THEN ar_fail('time(' || p || ') + an interval finer than its precision is not "
       "supported by the local engine') ELSE TIME '00:00:00' + to_microseconds(((epoch_us(t) + "
       "CAST(round(epoch(i) * 1000) AS BIGINT) * 1000) % 86400000000 + 86400000000) % 86400000000) END"});
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
               unit_emitter("date_diff", date, date ? "ar_date_diff_date" : "ar_date_diff_timestamp"));
    b.add_emit("date_trunc", {"varchar", type}, type, unit_emitter("date_trunc", date, "ar_date_trunc"));
    if (type != "date") {
      b.add("date_format", {type, "varchar"}, "varchar", "ar_date_format({0}, {1})");
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
  b.add("date_parse", {"varchar", "varchar"}, "timestamp(3)", "ar_date_parse({0}, {1})");
  // C++ (functions/datetime.cpp): Joda's ISO 8601 parsers and patterns.
  b.add("from_iso8601_timestamp", {"varchar"}, "timestamptz(3)", "ar_from_iso8601_timestamp({0})");
  b.add("from_iso8601_date", {"varchar"}, "date", "ar_from_iso8601_date({0})");
  b.add("parse_datetime", {"varchar", "varchar"}, "timestamptz(3)", "ar_parse_datetime({0}, {1})");
  b.add_emit("format_datetime", {"timestamp", "varchar"}, "varchar", format_datetime_emitter());
  b.add_emit("format_datetime", {"timestamptz", "varchar"}, "varchar", format_datetime_emitter());
  b.add("to_iso8601", {"date"}, "varchar", "strftime({0}, '%Y-%m-%d')");
  // Teradata's to_char, to_timestamp and to_date (docs: functions/teradata).
  b.add("to_char", {"timestamp", "varchar"}, "varchar", "ar_to_char({0}, {1})");
  b.add("to_char", {"timestamptz", "varchar"}, "varchar", "ar_to_char({0}, {1})");
  b.add("to_timestamp", {"varchar", "varchar"}, "timestamp(3)", "ar_to_timestamp({0}, {1})");
  b.add("to_date", {"varchar", "varchar"}, "date", "ar_to_date({0}, {1})");
  b.add_emit("to_iso8601", {"timestamp"}, "varchar", to_iso8601_emitter(false));
  b.add_emit("to_iso8601", {"timestamptz"}, "varchar", to_iso8601_emitter(true));
  b.add("from_unixtime", {"double"}, "timestamptz(3)", from_unixtime_sql("{0}"));
  // With a zone (or an offset of hours and minutes): only UTC, the zone of every timestamp with time zone here.
  const Emitter from_unixtime_in_utc = [](const std::vector<std::string>& args,
                                          const Resolved& call) -> Outcome<std::string> {
    const bool utc = call.constants.size() == 2
                         ? is_utc_zone(call.constants[1])
                         : call.constants.size() == 3 && call.constants[1] == "0" && call.constants[2] == "0";
    if (!utc) return not_supported("from_unixtime is supported by the local engine only with the time zone 'UTC'");
    return from_unixtime_sql(args[0]);
  };
  b.add_emit("from_unixtime", {"double", "varchar"}, "timestamptz(3)", from_unixtime_in_utc);
  b.add_emit("from_unixtime", {"double", "bigint", "bigint"}, "timestamptz(3)", from_unixtime_in_utc);
  // timestamp(p) -> timestamp(p) with time zone.
  const ReturnRule same_precision = [](const std::vector<Type>& args) -> Outcome<Type> {
    return Type::timestamp_tz(args.empty() ? 3 : args[0].precision);
  };
  b.add_emit("with_timezone", {"timestamp", "varchar"}, "", utc_zone_emitter("with_timezone")).rule = same_precision;
  b.add_emit("at_timezone", {"timestamptz", "varchar"}, "", utc_zone_emitter("at_timezone")).rule = same_precision;
  b.add("current_timezone", {}, "varchar", "'UTC'");
  b.add("now", {}, "timestamptz(3)", "CAST(current_timestamp AS TIMESTAMPTZ)");
  // The zone of every timestamp with time zone here is UTC.
  b.add("timezone_hour", {"timestamptz"}, "bigint", "CAST(CASE WHEN {0} IS NOT NULL THEN 0 END AS BIGINT)");
  b.add("timezone_minute", {"timestamptz"}, "bigint", "CAST(CASE WHEN {0} IS NOT NULL THEN 0 END AS BIGINT)");
  b.add("timezone", {"timestamptz"}, "varchar", "CASE WHEN {0} IS NOT NULL THEN 'UTC' END");
  b.add("to_milliseconds", {"interval_ds"}, "bigint", "ar_interval_millis({0})");
  b.add("human_readable_seconds", {"double"}, "varchar", "ar_human_readable_seconds({0})");
  b.add("parse_duration", {"varchar"}, "interval_ds", "ar_parse_duration({0})");
  b.add("parse_data_size", {"varchar"}, "decimal(38,0)", "ar_parse_data_size({0})");
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
      "WHEN 'year' THEN to_years(n) ELSE ar_fail('''' || lower(unit) || ''' is not a valid Timestamp field') END";
  // A unit that is not a literal is checked by the macros (DuckDB would take 'decade', 'days', ...).
  const std::string date_units = "lower(unit) IN ('day', 'week', 'month', 'quarter', 'year')";
  const std::string time_units =
      "lower(unit) IN ('millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year')";
  const std::string not_date = "ar_fail('''' || lower(unit) || ''' is not a valid DATE field')";
  const std::string not_timestamp = "ar_fail('''' || lower(unit) || ''' is not a valid Timestamp field')";
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
              interval + " AS DATE) ELSE " + not_date + " END",
          "CREATE OR REPLACE MACRO ar_date_add_timestamp(unit, n, ts) AS ts + " + interval,
          "CREATE OR REPLACE MACRO ar_date_diff_date(unit, a, b) AS CASE WHEN " + date_units +
              " THEN date_sub(lower(unit), a, b) ELSE " + not_date + " END",
          "CREATE OR REPLACE MACRO ar_date_diff_timestamp(unit, a, b) AS CASE WHEN " + time_units +
              " THEN date_sub(lower(unit), a, b) ELSE " + not_timestamp + " END",
          // Trino's date_trunc keeps its argument's type. DuckDB's does not: 1.4 returns a DATE for a TIMESTAMP cut
          // to a day or more, 1.5 a TIMESTAMP for a DATE.
          "CREATE OR REPLACE MACRO ar_date_trunc(unit, ts DATE) AS CASE WHEN " + date_units +
              " THEN CAST(date_trunc(lower(unit), ts) AS DATE) ELSE " + not_date +
              " END, (unit, ts TIMESTAMP) AS CASE "
              "WHEN " +
              time_units + " THEN CAST(date_trunc(lower(unit), ts) AS TIMESTAMP) ELSE " + not_timestamp +
              " END, (unit, ts TIMESTAMPTZ) AS CASE WHEN " + time_units +
              " THEN CAST(date_trunc(lower(unit), ts) AS TIMESTAMPTZ) ELSE " + not_timestamp + " END",
          // Trino's human_readable_seconds: the non-zero weeks, days, hours, minutes and seconds; a negative or
          // fractional count (whose rounding the docs leave open) is refused.
          "CREATE OR REPLACE MACRO ar_duration_part(n, unit) AS CASE WHEN n = 0 THEN NULL WHEN n = 1 THEN '1 ' || unit "
          "ELSE CAST(n AS VARCHAR) || ' ' || unit || 's' END",
          "CREATE OR REPLACE MACRO ar_human_readable_text(s) AS CASE WHEN s = 0 THEN '0 seconds' ELSE "
          "array_to_string(list_filter([ar_duration_part(s // 604800, 'week'), ar_duration_part(s % 604800 // 86400, "
          "'day'), ar_duration_part(s % 86400 // 3600, 'hour'), ar_duration_part(s % 3600 // 60, 'minute'), "
          "ar_duration_part(s % 60, 'second')], lambda p: p IS NOT NULL), ', ') END",
          "CREATE OR REPLACE MACRO ar_human_readable_seconds(x) AS CASE WHEN x IS NULL THEN NULL WHEN isnan(x) OR "
          "isinf(x) THEN "
          "ar_fail('Invalid argument found: ' || CAST(x AS VARCHAR)) WHEN x < 0 OR x <> floor(x) OR x > 9.2e18 THEN "
          "ar_fail('human_readable_seconds of a negative, fractional or huge number of seconds is not supported by the "
          "local engine') ELSE ar_human_readable_text(CAST(x AS BIGINT)) END",
          // airlift's Duration.valueOf (value, unit ns us ms s m h d) rounded to milliseconds half up, as Trino.
          "CREATE OR REPLACE MACRO ar_duration_unit_millis(u) AS CASE u WHEN 'ns' THEN 1e-6 WHEN 'us' THEN 1e-3 WHEN "
          "'ms' THEN 1.0 WHEN 's' THEN 1000.0 WHEN 'm' THEN 60000.0 WHEN 'h' THEN 3600000.0 WHEN 'd' THEN 86400000.0 "
          "ELSE ar_fail('Unknown time unit: ' || u) END",
          "CREATE OR REPLACE MACRO ar_parse_duration(s) AS CASE WHEN NOT regexp_full_match(s, "
          "'[ \\t\\n\\x0B\\f\\r]*[0-9]+(\\.[0-9]+)?[ \\t\\n\\x0B\\f\\r]*[a-zA-Z]+[ \\t\\n\\x0B\\f\\r]*') THEN "
          "ar_fail('duration is not "
          "a valid data duration string: ' || s) ELSE to_milliseconds(CAST(floor(CAST(regexp_extract(s, "
          "'[0-9]+(\\.[0-9]+)?') AS DOUBLE) * ar_duration_unit_millis(regexp_extract(s, '[a-zA-Z]+')) + 0.5) AS "
          "BIGINT)) END",
          // Trino's parse_data_size (docs: functions/conversion): value times the unit's power of 1024, the
          // fraction cut off, exactly (on HUGEINT: a fraction that could overflow it is refused).
          "CREATE OR REPLACE MACRO ar_data_size_factor(u) AS CASE u "
          "WHEN 'B' THEN CAST('1' AS HUGEINT) "
          "WHEN 'kB' THEN CAST('1024' AS HUGEINT) "
          "WHEN 'MB' THEN CAST('1048576' AS HUGEINT) "
          "WHEN 'GB' THEN CAST('1073741824' AS HUGEINT) "
          "WHEN 'TB' THEN CAST('1099511627776' AS HUGEINT) "
          "WHEN 'PB' THEN CAST('1125899906842624' AS HUGEINT) "
          "WHEN 'EB' THEN CAST('1152921504606846976' AS HUGEINT) "
          "WHEN 'ZB' THEN CAST('1180591620717411303424' AS HUGEINT) "
          "WHEN 'YB' THEN CAST('1208925819614629174706176' AS HUGEINT) "
          "END",
          "CREATE OR REPLACE MACRO ar_data_size_bytes(whole, fraction, factor) AS CASE WHEN length(fraction) + "
          "length(CAST(factor AS VARCHAR)) > 37 THEN ar_fail('parse_data_size with so many fractional digits is not "
          "supported by the local engine') ELSE CAST(CAST(whole AS HUGEINT) * factor + CASE WHEN fraction = '' THEN 0 "
          "ELSE CAST(fraction AS HUGEINT) * factor // CAST(rpad('1', CAST(length(fraction) + 1 AS INTEGER), '0') AS "
          "HUGEINT) END AS "
          "DECIMAL(38,0)) END",
          "CREATE OR REPLACE MACRO ar_parse_data_size(s) AS CASE WHEN s IS NULL THEN NULL WHEN NOT "
          "regexp_full_match(s, '[ \\t\\n\\x0B\\f\\r]*[0-9]+(\\.[0-9]+)?[ \\t\\n\\x0B\\f\\r]*[a-zA-Z]+[ "
          "\\t\\n\\x0B\\f\\r]*') OR ar_data_size_factor(regexp_extract(s, '[a-zA-Z]+')) IS NULL THEN ar_fail('Invalid "
          "data size: ''' || s || '''') ELSE ar_data_size_bytes(regexp_extract(s, '([0-9]+)(\\.([0-9]+))?', 1), "
          "regexp_extract(s, '([0-9]+)(\\.([0-9]+))?', 3), ar_data_size_factor(regexp_extract(s, '[a-zA-Z]+'))) END",
          "CREATE OR REPLACE MACRO ar_date_from_varchar(s) AS CASE WHEN regexp_full_match(s, "
          "'\\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\\s*') THEN CAST(trim(s) AS DATE) ELSE ar_fail('Value cannot be cast to "
          "date: "
          "' "
          "|| s) END",
      });
  // NOLINTEND(bugprone-suspicious-missing-comma)
}

}  // namespace athena_runner::sql::families
