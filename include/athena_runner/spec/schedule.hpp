// EventBridge Scheduler schedule expressions: cron(...), rate(...), at(...), and their fire times in a time
// zone. Syntax: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
//
// Daylight saving time, as EventBridge Scheduler documents it: a cron or at time that does not exist
// (clocks jump forward over it) is skipped, a time that happens twice (clocks go back) fires once, at its
// first occurrence. Rate schedules are absolute: rate(1 day) is every 24 hours, whatever the clocks do.
#pragma once

#include <bitset>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::spec {

using Instant = std::chrono::sys_seconds;

enum class ScheduleKind { Cron, Rate, At };

// The parsed fields of cron(minutes hours day-of-month month day-of-week year). Day-of-week numbers are
// EventBridge's: 1 = Sunday ... 7 = Saturday.
struct CronFields {
  static constexpr int kMinYear = 1970;
  static constexpr int kMaxYear = 2199;

  std::bitset<60> minutes;
  std::bitset<24> hours;
  bool day_of_month_any = false;                      // '?'
  std::bitset<32> days_of_month;                      // index 1-31
  bool last_day_of_month = false;                     // L
  bool last_weekday_of_month = false;                 // LW
  std::vector<int> nearest_weekdays;                  // nW: the weekday (Mon-Fri) nearest to day n, within the month
  std::bitset<13> months;                             // index 1-12
  bool day_of_week_any = false;                       // '?'
  std::bitset<8> days_of_week;                        // index 1-7 (1 = Sunday)
  std::vector<std::pair<int, int>> nth_days_of_week;  // d#n: the n-th weekday d of the month
  std::vector<int> last_days_of_week;                 // dL: the last weekday d of the month
  std::bitset<kMaxYear - kMinYear + 1> years;         // index year - kMinYear
};

struct Schedule {
  ScheduleKind kind = ScheduleKind::Cron;
  std::string expression;             // as written
  CronFields cron;                    // kind == Cron
  std::chrono::seconds rate{0};       // kind == Rate
  std::int64_t at_local_seconds = 0;  // kind == At: the civil time, as seconds since 1970-01-01T00:00:00 (no zone)
};

// Parses an expression; errors (code "InvalidSchedule") name the field and what it allows, e.g.
// `invalid cron expression "cron(0 25 * * ? *)": hours field "25" is not a value, range, list or
// increment within 0-23`.
Outcome<Schedule> parse_schedule(std::string_view expression);

// Cap on how many fire times one call may return, so a typo such as rate(1 minute) over ten years fails
// with a message instead of allocating millions of entries.
inline constexpr std::size_t kMaxFireTimes = 100'000;

// The instants in [from, to) at which the schedule fires, in order, reading the cron/at fields in the IANA
// zone `time_zone`. A rate schedule fires at from, from + rate, ... (EventBridge Scheduler starts a rate
// schedule at its start date; for a backfill the start of the window plays that role). Errors: unknown
// time zone ("UnknownTimeZone"), more than `limit` fire times ("TooManyFireTimes").
Outcome<std::vector<Instant>> fire_times(const Schedule& schedule, std::string_view time_zone, Instant from, Instant to,
                                         std::size_t limit = kMaxFireTimes);

// ISO 8601 text of an instant: "2024-05-02T04:00:00Z"; and its parser, which also accepts an offset
// ("2024-05-02T06:00:00+02:00") and fractional seconds (dropped), as in EventBridge payloads.
std::string format_utc(Instant instant);
Outcome<Instant> parse_instant(std::string_view text);

}  // namespace athena_runner::spec
