#include "athena_runner/spec/schedule.hpp"
#include "athena_runner/base/text.hpp"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <regex>

#include "athena_runner/spec/value_formats.hpp"

namespace athena_runner::spec {
namespace {

constexpr std::string_view kCronShape = "cron(minutes hours day-of-month month day-of-week year)";
constexpr std::size_t kCronFieldCount = 6;
constexpr std::array<std::string_view, kCronFieldCount> kCronFieldNames = {"minutes", "hours",       "day-of-month",
                                                                           "month",   "day-of-week", "year"};
constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
constexpr int kSaturday = 7;
constexpr int kMaxNthWeekday = 5;
constexpr std::int64_t kSecondsPerMinute = 60;

enum Field { kMinutes, kHours, kDayOfMonth, kMonth, kDayOfWeek, kYear };

struct FieldRule {
  int min;
  int max;
  const std::string_view* names;  // nullptr or names for min..max
  bool question;                  // '?' allowed
  bool last;                      // L allowed
  bool weekday;                   // W allowed
  bool hash;                      // # allowed
};

constexpr std::array<FieldRule, kCronFieldCount> kRules = {{
    {0, 59, nullptr, false, false, false, false},
    {0, 23, nullptr, false, false, false, false},
    {1, 31, nullptr, true, true, true, false},
    {1, 12, kMonthNames.data(), false, false, false, false},
    {1, 7, kDayNames.data(), true, true, false, true},
    {CronFields::kMinYear, CronFields::kMaxYear, nullptr, false, false, false, false},
}};

Error schedule_error(std::string message) {
  return make_error(ErrorKind::InvalidInput, "InvalidSchedule", std::move(message));
}

// A number or name within the rule's range, or -1.
int field_value(std::string_view text, const FieldRule& rule) {
  if (rule.names != nullptr) {
    const std::string name = text::upper(text);
    for (int i = 0; i <= rule.max - rule.min; ++i) {
      if (rule.names[i] == name) return rule.min + i;
    }
  }
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return -1;
  return value >= rule.min && value <= rule.max ? value : -1;
}

std::string range_text(const FieldRule& rule) {
  std::string text = std::to_string(rule.min) + "-" + std::to_string(rule.max);
  if (rule.names != nullptr)
    text += " or " + std::string(rule.names[0]) + "-" + std::string(rule.names[rule.max - rule.min]);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

// Parses one field into `set(value)` calls and the special forms; returns a problem or "".
template <class SetValue>
std::string parse_field(std::string_view field, Field which, CronFields& out, SetValue set) {
  const FieldRule& rule = kRules[which];
  if (field == "?") {
    if (!rule.question) return "cannot be \"?\" (only day-of-month and day-of-week can)";
    (which == kDayOfMonth ? out.day_of_month_any : out.day_of_week_any) = true;
    return {};
  }
  for (std::string_view part : split(field, ',')) {
    if (part.empty()) return "has an empty list item";
    if (rule.last && part == "L") {
      if (which == kDayOfMonth) {
        out.last_day_of_month = true;
      } else {
        set(kSaturday);  // L alone in day-of-week: the last day of the week
      }
      continue;
    }
    if (rule.weekday && part == "LW") {
      out.last_weekday_of_month = true;
      continue;
    }
    if (rule.weekday && part.size() > 1 && part.back() == 'W') {
      const int day = field_value(part.substr(0, part.size() - 1), rule);
      if (day < 0) return "is out of range (" + range_text(rule) + ")";
      out.nearest_weekdays.push_back(day);
      continue;
    }
    if (rule.last && which == kDayOfWeek && part.size() > 1 && (part.back() == 'L' || part.back() == 'l')) {
      const int day = field_value(part.substr(0, part.size() - 1), rule);
      if (day < 0) return "is out of range (" + range_text(rule) + ")";
      out.last_days_of_week.push_back(day);
      continue;
    }
    if (rule.hash && part.find('#') != std::string_view::npos) {
      const auto pieces = split(part, '#');
      const int day = field_value(pieces[0], rule);
      int nth = -1;
      if (pieces.size() == 2 && pieces[1].size() == 1 && pieces[1][0] >= '1' && pieces[1][0] <= '0' + kMaxNthWeekday) {
        nth = pieces[1][0] - '0';
      }
      if (day < 0 || nth < 0) return "has an invalid \"#\" item \"" + std::string(part) + "\" (day#1-5)";
      out.nth_days_of_week.emplace_back(day, nth);
      continue;
    }
    const auto slash = split(part, '/');
    if (slash.size() > 2) return "has more than one \"/\" in \"" + std::string(part) + "\"";
    int step = 1;
    if (slash.size() == 2) {
      const std::string_view step_text = slash[1];
      auto [ptr, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (step_text.empty() || step_text[0] == '0' || ec != std::errc() || ptr != step_text.data() + step_text.size() ||
          step < 1) {
        return "has an invalid increment \"/" + std::string(step_text) + "\"";
      }
    }
    const std::string_view base = slash[0];
    int first = rule.min;
    int last = rule.max;
    if (base != "*") {
      const auto bounds = split(base, '-');
      if (bounds.size() > 2) return "is not a value, range, list or increment within " + range_text(rule);
      first = field_value(bounds[0], rule);
      last = bounds.size() == 2 ? field_value(bounds[1], rule) : (slash.size() == 2 ? rule.max : first);
      if (first < 0 || last < 0) return "is not a value, range, list or increment within " + range_text(rule);
    }
    // A range whose end is before its start wraps around (FRI-MON, 22-2), as in Quartz, which
    // EventBridge's cron syntax comes from.
    const int span = rule.max - rule.min + 1;
    const int length = (last - first + span) % span + 1;
    for (int offset = 0; offset < length; offset += step) set(rule.min + (first - rule.min + offset) % span);
  }
  return {};
}

Outcome<Schedule> parse_cron(std::string_view expression, std::string_view body) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    std::size_t start = i;
    while (i < body.size() && !std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    if (i > start) fields.emplace_back(body.substr(start, i - start));
  }
  const std::string prefix = "invalid cron expression \"" + std::string(expression) + "\": ";
  if (fields.size() != kCronFieldCount) {
    return schedule_error(prefix + "expected 6 fields, " + std::string(kCronShape) + ", got " +
                          std::to_string(fields.size()) + "; for example cron(0 6 * * ? *)");
  }
  Schedule schedule;
  schedule.kind = ScheduleKind::Cron;
  schedule.expression = std::string(expression);
  CronFields& cron = schedule.cron;
  for (std::size_t f = 0; f < kCronFieldCount; ++f) {
    const auto which = static_cast<Field>(f);
    const auto set = [&](int value) {
      switch (which) {
        case kMinutes: cron.minutes.set(static_cast<std::size_t>(value)); break;
        case kHours: cron.hours.set(static_cast<std::size_t>(value)); break;
        case kDayOfMonth: cron.days_of_month.set(static_cast<std::size_t>(value)); break;
        case kMonth: cron.months.set(static_cast<std::size_t>(value)); break;
        case kDayOfWeek: cron.days_of_week.set(static_cast<std::size_t>(value)); break;
        case kYear: cron.years.set(static_cast<std::size_t>(value - CronFields::kMinYear)); break;
      }
    };
    const std::string problem = parse_field(fields[f], which, cron, set);
    if (!problem.empty()) {
      return schedule_error(prefix + std::string(kCronFieldNames[f]) + " field \"" + fields[f] + "\" " + problem);
    }
  }
  if (cron.day_of_month_any == cron.day_of_week_any) {
    return schedule_error(prefix + "exactly one of day-of-month (\"" + fields[kDayOfMonth] + "\") and day-of-week (\"" +
                          fields[kDayOfWeek] + "\") must be \"?\"");
  }
  return schedule;
}

Outcome<Schedule> parse_rate(std::string_view expression, std::string_view body) {
  static const std::regex kRate("^([0-9]+) ([a-z]+)$");
  const std::string text(body);
  std::smatch match;
  const std::string prefix = "invalid rate expression \"" + std::string(expression) + "\": ";
  const auto shape_error = [&] {
    return schedule_error(prefix +
                          "expected rate(value unit) with a positive whole value and a unit of minute(s), hour(s) or "
                          "day(s), for example rate(15 minutes)");
  };
  if (!std::regex_match(text, match, kRate)) return shape_error();
  static constexpr std::array<std::pair<std::string_view, std::int64_t>, 3> kUnits = {
      {{"minute", 60}, {"hour", 3600}, {"day", 86400}}};
  const std::string unit = match[2].str();
  const bool plural = unit.size() > 1 && unit.back() == 's';
  const std::string singular = plural ? unit.substr(0, unit.size() - 1) : unit;
  const auto found =
      std::find_if(kUnits.begin(), kUnits.end(), [&](const auto& entry) { return entry.first == singular; });
  std::int64_t value = 0;
  const std::string digits = match[1].str();
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (found == kUnits.end() || ec != std::errc() || ptr != digits.data() + digits.size() || value < 1 ||
      value > std::numeric_limits<std::int64_t>::max() / found->second) {
    return shape_error();
  }
  if (value == 1 && plural) {
    return schedule_error(prefix + "a value of 1 takes the singular unit: rate(1 " + singular + ")");
  }
  if (value > 1 && !plural) {
    return schedule_error(prefix + "a value above 1 takes the plural unit: rate(" + digits + " " + singular + "s)");
  }
  Schedule schedule;
  schedule.kind = ScheduleKind::Rate;
  schedule.expression = std::string(expression);
  schedule.rate = std::chrono::seconds(value * found->second);
  return schedule;
}

const cctz::civil_second kCivilEpoch(1970, 1, 1, 0, 0, 0);

Outcome<Schedule> parse_at(std::string_view expression, std::string_view body) {
  static const std::regex kAt("^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})$");
  const std::string text(body);
  std::smatch match;
  const auto fail = [&] {
    return schedule_error("invalid at expression \"" + std::string(expression) +
                          "\": expected at(yyyy-mm-ddThh:mm:ss), for example at(2030-01-31T06:00:00)");
  };
  if (!std::regex_match(text, match, kAt)) return fail();
  std::array<int, 6> parts{};
  for (std::size_t i = 0; i < parts.size(); ++i) parts[i] = std::stoi(match[i + 1].str());
  const cctz::civil_second civil(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
  if (civil.year() != parts[0] || civil.month() != parts[1] || civil.day() != parts[2] || civil.hour() != parts[3] ||
      civil.minute() != parts[4] || civil.second() != parts[5]) {
    return fail();  // e.g. 2030-02-30: cctz normalises it to another date
  }
  Schedule schedule;
  schedule.kind = ScheduleKind::At;
  schedule.expression = std::string(expression);
  schedule.at_local_seconds = civil - kCivilEpoch;
  return schedule;
}

int eventbridge_weekday(const cctz::civil_day& day) {
  switch (cctz::get_weekday(day)) {
    case cctz::weekday::sunday: return 1;
    case cctz::weekday::monday: return 2;
    case cctz::weekday::tuesday: return 3;
    case cctz::weekday::wednesday: return 4;
    case cctz::weekday::thursday: return 5;
    case cctz::weekday::friday: return 6;
    case cctz::weekday::saturday: return 7;
  }
  return 0;
}

bool is_weekend(int weekday) { return weekday == 1 || weekday == kSaturday; }

int days_in_month(const cctz::civil_day& day) {
  const cctz::civil_month next = cctz::civil_month(day) + 1;
  return (cctz::civil_day(next) - 1).day();
}

// nW: the weekday nearest to day n, without leaving the month; -1 when the month has no day n.
int nearest_weekday(const cctz::civil_month& month, int n, int last_day) {
  if (n > last_day) return -1;
  const cctz::civil_day target(month.year(), month.month(), n);
  const int weekday = eventbridge_weekday(target);
  if (!is_weekend(weekday)) return n;
  if (weekday == kSaturday) return n > 1 ? n - 1 : n + 2;  // Friday, or Monday when the 1st is a Saturday
  return n < last_day ? n + 1 : n - 2;                     // Monday, or Friday when the last day is a Sunday
}

int last_weekday(const cctz::civil_month& month, int last_day) {
  int day = last_day;
  while (is_weekend(eventbridge_weekday(cctz::civil_day(month.year(), month.month(), day)))) --day;
  return day;
}

bool day_matches(const CronFields& cron, const cctz::civil_day& day) {
  const long long year = day.year();
  if (year < CronFields::kMinYear || year > CronFields::kMaxYear) return false;
  if (!cron.years.test(static_cast<std::size_t>(year - CronFields::kMinYear))) return false;
  if (!cron.months.test(static_cast<std::size_t>(day.month()))) return false;
  const int last_day = days_in_month(day);
  const cctz::civil_month month(day);
  if (!cron.day_of_month_any) {
    bool match = cron.days_of_month.test(static_cast<std::size_t>(day.day())) ||
                 (cron.last_day_of_month && day.day() == last_day) ||
                 (cron.last_weekday_of_month && day.day() == last_weekday(month, last_day));
    for (int n : cron.nearest_weekdays) match = match || nearest_weekday(month, n, last_day) == day.day();
    if (!match) return false;
  }
  if (!cron.day_of_week_any) {
    const int weekday = eventbridge_weekday(day);
    bool match = cron.days_of_week.test(static_cast<std::size_t>(weekday));
    for (const auto& [wanted, nth] : cron.nth_days_of_week) {
      match = match || (weekday == wanted && (day.day() - 1) / 7 + 1 == nth);
    }
    for (int wanted : cron.last_days_of_week) match = match || (weekday == wanted && day.day() + 7 > last_day);
    if (!match) return false;
  }
  return true;
}

Error too_many(std::size_t limit) {
  return make_error(
      ErrorKind::InvalidInput, "TooManyFireTimes",
      "the schedule fires more than " + std::to_string(limit) + " times in the requested window; narrow the window");
}

}  // namespace

Outcome<Schedule> parse_schedule(std::string_view expression) {
  const auto body_of = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (expression.size() < prefix.size() + 1 || expression.substr(0, prefix.size()) != prefix ||
        expression.back() != ')') {
      return std::nullopt;
    }
    return expression.substr(prefix.size(), expression.size() - prefix.size() - 1);
  };
  if (auto body = body_of("cron(")) return parse_cron(expression, *body);
  if (auto body = body_of("rate(")) return parse_rate(expression, *body);
  if (auto body = body_of("at(")) return parse_at(expression, *body);
  return schedule_error("invalid schedule \"" + std::string(expression) + "\": expected " + std::string(kCronShape) +
                        ", rate(value unit) or at(yyyy-mm-ddThh:mm:ss)");
}

Outcome<std::vector<Instant>> fire_times(const Schedule& schedule, std::string_view time_zone, Instant from, Instant to,
                                         std::size_t limit) {
  std::vector<Instant> times;
  if (to <= from) return times;
  if (schedule.kind == ScheduleKind::Rate) {
    if (schedule.rate.count() <= 0) return schedule_error("invalid rate schedule");
    const auto count = static_cast<std::size_t>((to - from + schedule.rate - std::chrono::seconds(1)) / schedule.rate);
    if (count > limit) return too_many(limit);
    for (Instant at = from; at < to; at += schedule.rate) times.push_back(at);
    return times;
  }
  cctz::time_zone zone;
  if (!is_known_time_zone(time_zone) || !cctz::load_time_zone(std::string(time_zone), &zone)) {
    return make_error(ErrorKind::InvalidInput, "UnknownTimeZone", *time_zone_error(time_zone));
  }
  // A local time that does not exist is skipped; one that happens twice fires at its first occurrence.
  const auto resolve = [&](const cctz::civil_second& civil) -> std::optional<Instant> {
    const auto lookup = zone.lookup(civil);
    if (lookup.kind == cctz::time_zone::civil_lookup::SKIPPED) return std::nullopt;
    return std::chrono::time_point_cast<std::chrono::seconds>(lookup.pre);
  };
  if (schedule.kind == ScheduleKind::At) {
    const auto at = resolve(kCivilEpoch + schedule.at_local_seconds);
    if (at && *at >= from && *at < to) times.push_back(*at);
    return times;
  }
  const CronFields& cron = schedule.cron;
  // One day of margin on each side: the local dates of [from, to) in any zone lie within it.
  const cctz::civil_day first_day = cctz::civil_day(cctz::convert(from, zone)) - 1;
  const cctz::civil_day last_day = cctz::civil_day(cctz::convert(to, zone)) + 1;
  for (cctz::civil_day day = first_day; day <= last_day; ++day) {
    if (!day_matches(cron, day)) continue;
    for (int hour = 0; hour < 24; ++hour) {
      if (!cron.hours.test(static_cast<std::size_t>(hour))) continue;
      for (int minute = 0; minute < 60; ++minute) {
        if (!cron.minutes.test(static_cast<std::size_t>(minute))) continue;
        const auto at = resolve(cctz::civil_second(day.year(), day.month(), day.day(), hour, minute, 0));
        if (!at || *at < from || *at >= to) continue;
        if (times.size() == limit) return too_many(limit);
        times.push_back(*at);
      }
    }
  }
  // Local order is instant order except around a repeated hour; sort to be certain.
  std::sort(times.begin(), times.end());
  return times;
}

std::string format_utc(Instant instant) { return cctz::format("%Y-%m-%dT%H:%M:%SZ", instant, cctz::utc_time_zone()); }

Outcome<Instant> parse_instant(std::string_view text) {
  static const std::regex kInstant(
      "^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt "
      "]([0-9]{2}):([0-9]{2}):([0-9]{2})(\\.[0-9]+)?(Z|z|([+-])([0-9]{2}):?([0-9]{2}))$");
  const std::string copy(text);
  std::smatch match;
  const auto fail = [&] {
    return make_error(
        ErrorKind::InvalidInput, "InvalidTime",
        "invalid time \"" + copy + "\": expected ISO 8601 such as 2024-05-02T04:00:00Z or 2024-05-02T06:00:00+02:00");
  };
  if (!std::regex_match(copy, match, kInstant)) return fail();
  std::array<int, 6> parts{};
  for (std::size_t i = 0; i < parts.size(); ++i) parts[i] = std::stoi(match[i + 1].str());
  const cctz::civil_second civil(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
  if (civil.year() != parts[0] || civil.month() != parts[1] || civil.day() != parts[2] || civil.hour() != parts[3] ||
      civil.minute() != parts[4] || civil.second() != parts[5]) {
    return fail();
  }
  std::int64_t offset_seconds = 0;
  if (match[9].matched) {
    offset_seconds = (std::stoi(match[10].str()) * 3600 + std::stoi(match[11].str()) * kSecondsPerMinute) *
                     (match[9].str() == "-" ? -1 : 1);
  }
  const Instant local_as_utc = cctz::convert(civil, cctz::utc_time_zone());
  return local_as_utc - std::chrono::seconds(offset_seconds);
}

}  // namespace athena_runner::spec
