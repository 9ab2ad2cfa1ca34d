#include "athena_runner/spec/template.hpp"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <variant>

#include "athena_runner/spec/value_formats.hpp"

namespace athena_runner::spec {
namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";
constexpr std::string_view kUtcFormat = "%Y-%m-%dT%H:%M:%SZ";
constexpr std::string_view kLocalFormat = "%Y-%m-%dT%H:%M:%S%Ez";
constexpr std::string_view kDateFormat = "%Y-%m-%d";
// date_format: conversion specifiers that yield digits, names or offsets, and literal characters that can
// not end a SQL literal or start a comment (no quotes, backslashes, ';').
constexpr std::string_view kAllowedSpecifiers = "YmdHMSyjFTuwVGaAbBzIpe";
constexpr std::string_view kAllowedLiterals = " _:/.,-";

// ---- values ----
struct DateTime {
  Instant instant;
  cctz::time_zone zone;
  bool utc_style;  // render with Z (and in UTC) instead of the zone's offset
};
struct Date {
  cctz::civil_day day;
};
using TemplateValue = std::variant<DateTime, Date, std::int64_t, std::string>;

std::string type_name(const TemplateValue& value) {
  switch (value.index()) {
    case 0: return "a time";
    case 1: return "a date";
    case 2: return "an integer";
    default: return "a name";
  }
}

std::string render(const TemplateValue& value) {
  if (const auto* time = std::get_if<DateTime>(&value)) {
    return time->utc_style ? cctz::format(std::string(kUtcFormat), time->instant, cctz::utc_time_zone())
                           : cctz::format(std::string(kLocalFormat), time->instant, time->zone);
  }
  if (const auto* date = std::get_if<Date>(&value)) {
    const Instant midnight = cctz::convert(cctz::civil_second(date->day), cctz::utc_time_zone());
    return cctz::format(std::string(kDateFormat), midnight, cctz::utc_time_zone());
  }
  if (const auto* number = std::get_if<std::int64_t>(&value)) return std::to_string(*number);
  return std::get<std::string>(value);
}

// A local civil time back to an instant. A time in a gap moves forward by the length of the gap (02:30 in
// a 02:00->03:00 jump becomes 03:30), as java.time and Python do; a repeated time takes its first occurrence.
Instant to_instant(const cctz::civil_second& civil, const cctz::time_zone& zone) { return zone.lookup(civil).pre; }

cctz::civil_day add_months(const cctz::civil_day& day, std::int64_t months) {
  const cctz::civil_month month = cctz::civil_month(day) + months;
  const int last = (cctz::civil_day(month + 1) - 1).day();
  return cctz::civil_day(month.year(), month.month(), std::min(day.day(), last));
}

cctz::civil_day start_of_week(const cctz::civil_day& day) {
  // ISO weeks start on Monday.
  return cctz::prev_weekday(day + 1, cctz::weekday::monday);
}

// ---- parsing ----
struct Token {
  enum class Kind { Identifier, Integer, String, Pipe, Open, Close, Comma, End } kind;
  std::string text;
  std::size_t offset;  // in the whole template
};

struct Argument {
  bool is_integer = false;
  std::int64_t integer = 0;
  std::string text;
  std::size_t offset = 0;
};

struct Position {
  std::size_t line;
  std::size_t column;
};

Position position_of(std::string_view text, std::size_t offset) {
  Position position{1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

class Renderer {
 public:
  Renderer(std::string_view text, const TemplateContext& context, std::string_view name)
      : text_(text), context_(context), name_(name) {}

  Outcome<std::string> run() {
    if (!is_known_time_zone(context_.time_zone) || !cctz::load_time_zone(context_.time_zone, &zone_)) {
      return fail(0, *time_zone_error(context_.time_zone));
    }
    std::string out;
    std::size_t at = 0;
    while (at < text_.size()) {
      const std::size_t open = text_.find(kOpen, at);
      if (open == std::string_view::npos) {
        out.append(text_.substr(at));
        break;
      }
      out.append(text_.substr(at, open - at));
      const std::size_t close = text_.find(kClose, open + kOpen.size());
      if (close == std::string_view::npos) return fail(open, "unterminated \"{{\": no matching \"}}\"");
      auto value = evaluate(open, open + kOpen.size(), close);
      if (!value) return std::move(value).get_failure();
      out += render(value.get_result());
      at = close + kClose.size();
    }
    return out;
  }

 private:
  Error fail(std::size_t offset, const std::string& problem) const {
    const Position position = position_of(text_, offset);
    return make_error(ErrorKind::InvalidInput, "InvalidTemplate",
                      std::string(name_) + ":" + std::to_string(position.line) + ":" + std::to_string(position.column) +
                          ": " + problem);
  }

  Outcome<std::vector<Token>> tokenize(std::size_t begin, std::size_t end) const {
    std::vector<Token> tokens;
    std::size_t i = begin;
    const auto is_identifier_start = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
    const auto is_identifier_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    while (i < end) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (is_identifier_start(c)) {
        std::size_t j = i;
        while (j < end && is_identifier_char(text_[j])) ++j;
        tokens.push_back({Token::Kind::Identifier, std::string(text_.substr(i, j - i)), i});
        i = j;
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '+') && i + 1 < end && std::isdigit(static_cast<unsigned char>(text_[i + 1])))) {
        std::size_t j = i + 1;
        while (j < end && std::isdigit(static_cast<unsigned char>(text_[j]))) ++j;
        tokens.push_back({Token::Kind::Integer, std::string(text_.substr(i, j - i)), i});
        i = j;
      } else if (c == '\'' || c == '"') {
        const std::size_t close = text_.find(c, i + 1);
        if (close == std::string_view::npos || close >= end) return fail(i, "unterminated string argument");
        tokens.push_back({Token::Kind::String, std::string(text_.substr(i + 1, close - i - 1)), i});
        i = close + 1;
      } else if (c == '|' || c == '(' || c == ')' || c == ',') {
        const Token::Kind kind = c == '|'   ? Token::Kind::Pipe
                                 : c == '(' ? Token::Kind::Open
                                 : c == ')' ? Token::Kind::Close
                                            : Token::Kind::Comma;
        tokens.push_back({kind, std::string(1, c), i});
        ++i;
      } else {
        return fail(i, "unexpected character '" + std::string(1, c) +
                           "'; a template is {{ variable | filter(arguments) | ... }}");
      }
    }
    tokens.push_back({Token::Kind::End, "}}", end});
    return tokens;
  }

  Outcome<TemplateValue> evaluate(std::size_t open, std::size_t begin, std::size_t end) {
    auto tokenized = tokenize(begin, end);
    if (!tokenized) return std::move(tokenized).get_failure();
    const auto& tokens = tokenized.get_result();
    std::size_t next = 0;
    if (tokens[next].kind != Token::Kind::Identifier) {
      return fail(tokens[next].kind == Token::Kind::End ? open : tokens[next].offset,
                  "expected a variable; variables: " + join(template_variable_names()));
    }
    auto value = variable(tokens[next]);
    if (!value) return std::move(value).get_failure();
    TemplateValue current = std::move(value).get_result();
    std::string chain = tokens[next].text;
    ++next;
    while (tokens[next].kind != Token::Kind::End) {
      if (tokens[next].kind != Token::Kind::Pipe) {
        return fail(tokens[next].offset,
                    "expected \"|\" or \"}}\" after " + chain + ", got \"" + tokens[next].text + "\"");
      }
      ++next;
      if (tokens[next].kind != Token::Kind::Identifier) {
        return fail(tokens[next].offset,
                    "expected a filter name after \"|\"; filters: " + join(template_filter_names()));
      }
      const Token& filter = tokens[next++];
      std::vector<Argument> arguments;
      if (tokens[next].kind == Token::Kind::Open) {
        ++next;
        while (tokens[next].kind != Token::Kind::Close) {
          const Token& argument = tokens[next];
          if (argument.kind == Token::Kind::Integer) {
            std::int64_t number = 0;
            const char* first = argument.text.data() + (argument.text[0] == '+' ? 1 : 0);
            auto [ptr, ec] = std::from_chars(first, argument.text.data() + argument.text.size(), number);
            if (ec != std::errc()) return fail(argument.offset, "integer argument out of range");
            arguments.push_back(Argument{true, number, {}, argument.offset});
          } else if (argument.kind == Token::Kind::String) {
            arguments.push_back(Argument{false, 0, argument.text, argument.offset});
          } else {
            return fail(argument.offset, "expected an integer or a quoted string as an argument of " + filter.text);
          }
          ++next;
          if (tokens[next].kind == Token::Kind::Comma) {
            ++next;
          } else if (tokens[next].kind != Token::Kind::Close) {
            return fail(tokens[next].offset, "expected \",\" or \")\" in the arguments of " + filter.text);
          }
        }
        ++next;
      }
      auto applied = apply(filter, arguments, current, chain);
      if (!applied) return std::move(applied).get_failure();
      current = std::move(applied).get_result();
      chain += " | " + filter.text;
    }
    return current;
  }

  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
  }

  Outcome<TemplateValue> variable(const Token& token) const {
    const Instant at = context_.scheduled_time;
    const cctz::civil_second local = cctz::convert(at, zone_);
    const std::string& name = token.text;
    if (name == "scheduled_time" || name == "scheduled_time_utc") return TemplateValue(DateTime{at, zone_, true});
    if (name == "scheduled_time_local") return TemplateValue(DateTime{at, zone_, false});
    if (name == "scheduled_date") return TemplateValue(Date{cctz::civil_day(local)});
    if (name == "scheduled_year") return TemplateValue(std::int64_t{local.year()});
    if (name == "scheduled_month") return TemplateValue(std::int64_t{local.month()});
    if (name == "scheduled_day") return TemplateValue(std::int64_t{local.day()});
    if (name == "scheduled_hour") return TemplateValue(std::int64_t{local.hour()});
    if (name == "scheduled_minute") return TemplateValue(std::int64_t{local.minute()});
    if (name == "scheduled_epoch") return TemplateValue(std::int64_t{at.time_since_epoch().count()});
    if (name == "query_name") return TemplateValue(context_.query_name);
    return fail(token.offset, "unknown variable \"" + name + "\"; variables: " + join(template_variable_names()));
  }

  Outcome<TemplateValue> apply(const Token& filter, const std::vector<Argument>& arguments, const TemplateValue& value,
                               const std::string& chain) const {
    struct Signature {
      std::vector<bool> integer_arguments;  // true: integer, false: string
      std::string usage;
      bool on_time;
      bool on_date;
    };
    static const std::map<std::string, Signature> kFilters = {
        {"add_days", {{true}, "add_days(n)", true, true}},
        {"add_months", {{true}, "add_months(n)", true, true}},
        {"add_hours", {{true}, "add_hours(n)", true, false}},
        {"add_minutes", {{true}, "add_minutes(n)", true, false}},
        {"start_of_day", {{}, "start_of_day", true, true}},
        {"start_of_hour", {{}, "start_of_hour", true, false}},
        {"start_of_week", {{}, "start_of_week", true, true}},
        {"start_of_month", {{}, "start_of_month", true, true}},
        {"date", {{}, "date", true, true}},
        {"utc", {{}, "utc", true, false}},
        {"local", {{}, "local", true, false}},
        {"epoch_seconds", {{}, "epoch_seconds", true, false}},
        {"date_format", {{false}, "date_format('%Y-%m-%d')", true, true}},
    };
    const auto found = kFilters.find(filter.text);
    if (found == kFilters.end()) {
      return fail(filter.offset, "unknown filter \"" + filter.text + "\"; filters: " + join(template_filter_names()));
    }
    const Signature& signature = found->second;
    const auto bad_arguments = [&](std::size_t offset) {
      const std::size_t count = signature.integer_arguments.size();
      std::string wanted = count == 0
                               ? "no arguments"
                               : std::to_string(count) + (signature.integer_arguments[0] ? " integer" : " string") +
                                     " argument" + (count == 1 ? "" : "s");
      return fail(offset, "filter " + filter.text + " takes " + wanted + ": " + signature.usage);
    };
    if (arguments.size() != signature.integer_arguments.size()) return bad_arguments(filter.offset);
    for (std::size_t i = 0; i < arguments.size(); ++i) {
      if (arguments[i].is_integer != signature.integer_arguments[i]) {
        return bad_arguments(arguments[i].offset);
      }
    }
    const bool is_time = std::holds_alternative<DateTime>(value);
    const bool is_date = std::holds_alternative<Date>(value);
    if (!((is_time && signature.on_time) || (is_date && signature.on_date))) {
      std::string applies = signature.on_date ? "times and dates" : "times (e.g. scheduled_time_local)";
      return fail(filter.offset, "filter " + filter.text + " does not apply to " + type_name(value) + " (" + chain +
                                     "); it applies to " + applies);
    }
    const std::int64_t n = arguments.empty() ? 0 : arguments[0].integer;
    const std::string& name = filter.text;
    if (is_date) {
      const cctz::civil_day day = std::get<Date>(value).day;
      if (name == "add_days") return TemplateValue(Date{day + n});
      if (name == "add_months") return TemplateValue(Date{add_months(day, n)});
      if (name == "start_of_week") return TemplateValue(Date{start_of_week(day)});
      if (name == "start_of_month") return TemplateValue(Date{cctz::civil_day(cctz::civil_month(day))});
      if (name == "start_of_day" || name == "date") return value;
      // date_format on a date: the date at midnight.
      const DateTime midnight{cctz::convert(cctz::civil_second(day), cctz::utc_time_zone()), cctz::utc_time_zone(),
                              true};
      return format(midnight, arguments[0].text, arguments[0].offset);
    }
    const DateTime& time = std::get<DateTime>(value);
    // Calendar filters work on the local clock of the value's zone (UTC for a UTC-style time).
    const cctz::time_zone& zone = time.utc_style ? cctz::utc_time_zone() : time.zone;
    const cctz::civil_second local = cctz::convert(time.instant, zone);
    const auto with_local = [&](const cctz::civil_second& civil) {
      return TemplateValue(DateTime{to_instant(civil, zone), time.zone, time.utc_style});
    };
    const auto on_day = [&](const cctz::civil_day& day) {
      return cctz::civil_second(day.year(), day.month(), day.day(), local.hour(), local.minute(), local.second());
    };
    if (name == "add_days") return with_local(on_day(cctz::civil_day(local) + n));
    if (name == "add_months") return with_local(on_day(add_months(cctz::civil_day(local), n)));
    if (name == "add_hours")
      return TemplateValue(DateTime{time.instant + std::chrono::hours(n), time.zone, time.utc_style});
    if (name == "add_minutes") {
      return TemplateValue(DateTime{time.instant + std::chrono::minutes(n), time.zone, time.utc_style});
    }
    if (name == "start_of_day") return with_local(cctz::civil_second(cctz::civil_day(local)));
    if (name == "start_of_hour") return with_local(cctz::civil_second(cctz::civil_hour(local)));
    if (name == "start_of_week") return with_local(cctz::civil_second(start_of_week(cctz::civil_day(local))));
    if (name == "start_of_month") return with_local(cctz::civil_second(cctz::civil_month(local)));
    if (name == "date") return TemplateValue(Date{cctz::civil_day(local)});
    if (name == "utc") return TemplateValue(DateTime{time.instant, time.zone, true});
    if (name == "local") return TemplateValue(DateTime{time.instant, time.zone, false});
    if (name == "epoch_seconds") return TemplateValue(std::int64_t{time.instant.time_since_epoch().count()});
    return format(time, arguments[0].text, arguments[0].offset);
  }

  Outcome<TemplateValue> format(const DateTime& time, const std::string& pattern, std::size_t offset) const {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const char c = pattern[i];
      if (c == '%') {
        std::size_t length = 1;
        if (i + 1 < pattern.size() && pattern[i + 1] == 'E' && i + 2 < pattern.size() && pattern[i + 2] == 'z') {
          length = 2;  // %Ez: +hh:mm
        } else if (i + 1 >= pattern.size() || kAllowedSpecifiers.find(pattern[i + 1]) == std::string_view::npos) {
          return fail(offset, "date_format: unsupported conversion \"" + pattern.substr(i, 2) + "\"; allowed: %" +
                                  std::string(kAllowedSpecifiers.substr(0, 1)) +
                                  " ... (%Y %m %d %H %M %S %y %j %F %T %u "
                                  "%w %V %G %a %A %b %B %z %Ez %I %p %e)");
        }
        i += length;
      } else if (!std::isalnum(static_cast<unsigned char>(c)) && kAllowedLiterals.find(c) == std::string_view::npos) {
        return fail(offset, "date_format: character '" + std::string(1, c) +
                                "' is not allowed; besides conversions use letters, digits and \" _:/.,-\"");
      }
    }
    const cctz::time_zone& zone = time.utc_style ? cctz::utc_time_zone() : time.zone;
    return TemplateValue(cctz::format(pattern, time.instant, zone));
  }

  std::string_view text_;
  const TemplateContext& context_;
  std::string_view name_;
  cctz::time_zone zone_;
};

}  // namespace

const std::vector<std::string>& template_variable_names() {
  static const std::vector<std::string> kNames = {"scheduled_time",  "scheduled_time_utc", "scheduled_time_local",
                                                  "scheduled_date",  "scheduled_year",     "scheduled_month",
                                                  "scheduled_day",   "scheduled_hour",     "scheduled_minute",
                                                  "scheduled_epoch", "query_name"};
  return kNames;
}

const std::vector<std::string>& template_filter_names() {
  static const std::vector<std::string> kNames = {
      "add_days(n)",   "add_months(n)", "add_hours(n)",           "add_minutes(n)", "start_of_day",
      "start_of_hour", "start_of_week", "start_of_month",         "date",           "utc",
      "local",         "epoch_seconds", "date_format('%Y-%m-%d')"};
  return kNames;
}

Outcome<std::string> render_template(std::string_view text, const TemplateContext& context,
                                     std::string_view template_name) {
  return Renderer(text, context, template_name).run();
}

}  // namespace athena_runner::spec
