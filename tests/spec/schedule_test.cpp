// Schedule expressions: parse errors naming the field, and fire times computed by hand from the AWS
// documentation's examples (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html) and
// its daylight-saving rules (a skipped local time does not fire, a repeated one fires once).
#include "athena_runner/spec/schedule.hpp"

#include <gtest/gtest.h>

namespace athena_runner::spec {
namespace {

Instant at(const char* iso) {
  auto parsed = parse_instant(iso);
  EXPECT_TRUE(parsed) << iso;
  return *parsed;
}

std::vector<std::string> fires(const char* expression, const char* zone, const char* from, const char* to) {
  auto schedule = parse_schedule(expression);
  EXPECT_TRUE(schedule) << schedule.get_failure().message;
  if (!schedule) return {};
  auto times = fire_times(*schedule, zone, at(from), at(to));
  EXPECT_TRUE(times) << times.get_failure().message;
  std::vector<std::string> out;
  if (times) {
    for (const auto& t : *times) out.push_back(format_utc(t));
  }
  return out;
}

std::string parse_error(const char* expression) {
  auto schedule = parse_schedule(expression);
  if (schedule) return "<valid>";
  EXPECT_EQ(schedule.get_failure().code, "InvalidSchedule");
  return schedule.get_failure().message;
}

using Times = std::vector<std::string>;

TEST(ScheduleParse, ErrorsNameTheField) {
  EXPECT_EQ(parse_error("cron(0 25 * * ? *)"),
            "invalid cron expression \"cron(0 25 * * ? *)\": hours field \"25\" is not a value, range, list or "
            "increment within 0-23");
  EXPECT_EQ(parse_error("cron(60 * * * ? *)"),
            "invalid cron expression \"cron(60 * * * ? *)\": minutes field \"60\" is not a value, range, list or "
            "increment within 0-59");
  EXPECT_EQ(parse_error("cron(0 6 * * *)"),
            "invalid cron expression \"cron(0 6 * * *)\": expected 6 fields, cron(minutes hours day-of-month month "
            "day-of-week year), got 5; for example cron(0 6 * * ? *)");
  EXPECT_EQ(parse_error("cron(0 6 * * * *)"),
            "invalid cron expression \"cron(0 6 * * * *)\": exactly one of day-of-month (\"*\") and day-of-week "
            "(\"*\") must be \"?\"");
  EXPECT_EQ(parse_error("cron(0 6 ? * ? *)"),
            "invalid cron expression \"cron(0 6 ? * ? *)\": exactly one of day-of-month (\"?\") and day-of-week "
            "(\"?\") must be \"?\"");
  EXPECT_EQ(parse_error("cron(0 ? * * ? *)"),
            "invalid cron expression \"cron(0 ? * * ? *)\": hours field \"?\" cannot be \"?\" (only day-of-month and "
            "day-of-week can)");
  EXPECT_EQ(parse_error("cron(0 6 ? FOO MON *)"),
            "invalid cron expression \"cron(0 6 ? FOO MON *)\": month field \"FOO\" is not a value, range, list or "
            "increment within 1-12 or JAN-DEC");
  EXPECT_EQ(parse_error("cron(0 6 ? * 8 *)"),
            "invalid cron expression \"cron(0 6 ? * 8 *)\": day-of-week field \"8\" is not a value, range, list or "
            "increment within 1-7 or SUN-SAT");
  EXPECT_EQ(parse_error("cron(0 6 ? * MON#6 *)"),
            "invalid cron expression \"cron(0 6 ? * MON#6 *)\": day-of-week field \"MON#6\" has an invalid \"#\" item "
            "\"MON#6\" (day#1-5)");
  EXPECT_EQ(parse_error("cron(0/0 6 * * ? *)"),
            "invalid cron expression \"cron(0/0 6 * * ? *)\": minutes field \"0/0\" has an invalid increment \"/0\"");
  EXPECT_EQ(parse_error("cron(0 6 1,,2 * ? *)"),
            "invalid cron expression \"cron(0 6 1,,2 * ? *)\": day-of-month field \"1,,2\" has an empty list item");
  EXPECT_EQ(parse_error("cron(0 6 32W * ? *)"),
            "invalid cron expression \"cron(0 6 32W * ? *)\": day-of-month field \"32W\" is out of range (1-31)");
  EXPECT_EQ(parse_error("cron(0 6 * * ? 1969)"),
            "invalid cron expression \"cron(0 6 * * ? 1969)\": year field \"1969\" is not a value, range, list or "
            "increment within 1970-2199");
  EXPECT_EQ(parse_error("cron(0 6 L * ? *)"), "<valid>");
  EXPECT_EQ(parse_error("cron(0 6 ? * 6L *)"), "<valid>");
  EXPECT_EQ(parse_error("cron(0 6 LW * ? *)"), "<valid>");
}

TEST(ScheduleParse, RateAndAt) {
  EXPECT_EQ(parse_error("rate(5 minutes)"), "<valid>");
  EXPECT_EQ(parse_error("rate(1 day)"), "<valid>");
  EXPECT_EQ(parse_error("rate(1 hours)"),
            "invalid rate expression \"rate(1 hours)\": a value of 1 takes the singular unit: rate(1 hour)");
  EXPECT_EQ(parse_error("rate(5 minute)"),
            "invalid rate expression \"rate(5 minute)\": a value above 1 takes the plural unit: rate(5 minutes)");
  const std::string shape =
      "expected rate(value unit) with a positive whole value and a unit of minute(s), hour(s) or day(s), for example "
      "rate(15 minutes)";
  EXPECT_EQ(parse_error("rate(0 minutes)"), "invalid rate expression \"rate(0 minutes)\": " + shape);
  EXPECT_EQ(parse_error("rate(2 weeks)"), "invalid rate expression \"rate(2 weeks)\": " + shape);
  EXPECT_EQ(parse_error("rate(-1 days)"), "invalid rate expression \"rate(-1 days)\": " + shape);
  EXPECT_EQ(parse_error("at(2030-01-31T06:00:00)"), "<valid>");
  EXPECT_EQ(parse_error("at(2030-02-30T06:00:00)"),
            "invalid at expression \"at(2030-02-30T06:00:00)\": expected at(yyyy-mm-ddThh:mm:ss), for example "
            "at(2030-01-31T06:00:00)");
  EXPECT_EQ(parse_error("at(2030-01-31 06:00)"),
            "invalid at expression \"at(2030-01-31 06:00)\": expected at(yyyy-mm-ddThh:mm:ss), for example "
            "at(2030-01-31T06:00:00)");
  EXPECT_EQ(parse_error("every(5 minutes)"),
            "invalid schedule \"every(5 minutes)\": expected cron(minutes hours day-of-month month day-of-week year), "
            "rate(value unit) or at(yyyy-mm-ddThh:mm:ss)");
}

// The AWS documentation's cron examples.
TEST(FireTimes, WeekdaysAtSixPm) {
  // 2024-05-01 is a Wednesday.
  EXPECT_EQ(fires("cron(0 18 ? * MON-FRI *)", "UTC", "2024-05-01T00:00:00Z", "2024-05-08T00:00:00Z"),
            (Times{"2024-05-01T18:00:00Z", "2024-05-02T18:00:00Z", "2024-05-03T18:00:00Z", "2024-05-06T18:00:00Z",
                   "2024-05-07T18:00:00Z"}));
}

TEST(FireTimes, FirstMondayOfEachMonth) {
  EXPECT_EQ(fires("cron(0 9 ? * 2#1 *)", "UTC", "2024-01-01T00:00:00Z", "2024-07-01T00:00:00Z"),
            (Times{"2024-01-01T09:00:00Z", "2024-02-05T09:00:00Z", "2024-03-04T09:00:00Z", "2024-04-01T09:00:00Z",
                   "2024-05-06T09:00:00Z", "2024-06-03T09:00:00Z"}));
}

TEST(FireTimes, EveryFiveMinutesDuringOfficeHours) {
  // Monday 2024-05-06 to Monday 2024-05-13: 5 days x 10 hours x 12.
  const auto times = fires("cron(0/5 8-17 ? * MON-FRI *)", "UTC", "2024-05-06T00:00:00Z", "2024-05-13T00:00:00Z");
  ASSERT_EQ(times.size(), 600u);
  EXPECT_EQ(times.front(), "2024-05-06T08:00:00Z");
  EXPECT_EQ(times[1], "2024-05-06T08:05:00Z");
  EXPECT_EQ(times.back(), "2024-05-10T17:55:00Z");
}

TEST(FireTimes, FirstOfTheMonthAtEight) {
  EXPECT_EQ(fires("cron(0 8 1 * ? *)", "UTC", "2024-01-15T00:00:00Z", "2024-04-01T08:00:00Z"),
            (Times{"2024-02-01T08:00:00Z", "2024-03-01T08:00:00Z"}));  // the window end is exclusive
}

TEST(FireTimes, LastDayLastWeekdayNearestWeekdayLastFriday) {
  EXPECT_EQ(fires("cron(0 12 L * ? *)", "UTC", "2024-01-01T00:00:00Z", "2024-05-01T00:00:00Z"),
            (Times{"2024-01-31T12:00:00Z", "2024-02-29T12:00:00Z", "2024-03-31T12:00:00Z", "2024-04-30T12:00:00Z"}));
  // 2024-06-15 is a Saturday (-> Friday 14th); 2024-09-15 a Sunday (-> Monday 16th).
  EXPECT_EQ(fires("cron(0 12 15W * ? *)", "UTC", "2024-06-01T00:00:00Z", "2024-07-01T00:00:00Z"),
            Times{"2024-06-14T12:00:00Z"});
  EXPECT_EQ(fires("cron(0 12 15W * ? *)", "UTC", "2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z"),
            Times{"2024-09-16T12:00:00Z"});
  // 2024-06-01 is a Saturday: the nearest weekday within June is Monday the 3rd.
  EXPECT_EQ(fires("cron(0 12 1W * ? *)", "UTC", "2024-06-01T00:00:00Z", "2024-07-01T00:00:00Z"),
            Times{"2024-06-03T12:00:00Z"});
  // 2024-08-31 is a Saturday: the last weekday is Friday the 30th.
  EXPECT_EQ(fires("cron(0 12 LW * ? *)", "UTC", "2024-08-01T00:00:00Z", "2024-09-01T00:00:00Z"),
            Times{"2024-08-30T12:00:00Z"});
  // 6L: the last Friday; 2024-05-31 is a Friday.
  EXPECT_EQ(fires("cron(0 12 ? * 6L *)", "UTC", "2024-05-01T00:00:00Z", "2024-06-01T00:00:00Z"),
            Times{"2024-05-31T12:00:00Z"});
}

TEST(FireTimes, WrappingRangesAndYears) {
  EXPECT_EQ(fires("cron(0 22-1 * * ? *)", "UTC", "2024-05-01T12:00:00Z", "2024-05-02T12:00:00Z"),
            (Times{"2024-05-01T22:00:00Z", "2024-05-01T23:00:00Z", "2024-05-02T00:00:00Z", "2024-05-02T01:00:00Z"}));
  EXPECT_EQ(fires("cron(0 0 1 1 ? 2025)", "UTC", "2024-01-01T00:00:00Z", "2028-01-01T00:00:00Z"),
            Times{"2025-01-01T00:00:00Z"});
}

TEST(FireTimes, CronFieldsAreReadInTheTimeZone) {
  // 06:00 in Berlin is 04:00Z in summer (CEST, +2) and 05:00Z in winter (CET, +1).
  EXPECT_EQ(fires("cron(0 6 * * ? *)", "Europe/Berlin", "2024-05-02T00:00:00Z", "2024-05-03T00:00:00Z"),
            Times{"2024-05-02T04:00:00Z"});
  EXPECT_EQ(fires("cron(0 6 * * ? *)", "Europe/Berlin", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z"),
            Times{"2024-01-02T05:00:00Z"});
}

TEST(FireTimes, SpringForwardSkipsTheMissingTime) {
  // Berlin, 2024-03-31: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
  EXPECT_EQ(fires("cron(30 2 * * ? *)", "Europe/Berlin", "2024-03-30T00:00:00Z", "2024-04-02T00:00:00Z"),
            (Times{"2024-03-30T01:30:00Z", "2024-04-01T00:30:00Z"}));
  EXPECT_EQ(fires("at(2024-03-31T02:30:00)", "Europe/Berlin", "2024-03-01T00:00:00Z", "2024-05-01T00:00:00Z"), Times{});
}

TEST(FireTimes, FallBackFiresOnceAtTheFirstOccurrence) {
  // Berlin, 2024-10-27: 03:00 CEST goes back to 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
  EXPECT_EQ(fires("cron(30 2 * * ? *)", "Europe/Berlin", "2024-10-26T00:00:00Z", "2024-10-29T00:00:00Z"),
            (Times{"2024-10-26T00:30:00Z", "2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"}));
  EXPECT_EQ(fires("at(2024-10-27T02:30:00)", "Europe/Berlin", "2024-10-01T00:00:00Z", "2024-11-01T00:00:00Z"),
            Times{"2024-10-27T00:30:00Z"});
}

TEST(FireTimes, RateIsAbsoluteFromTheWindowStart) {
  // 24-hour days, whatever the clocks do (the AWS note on rate schedules and daylight saving time).
  EXPECT_EQ(fires("rate(1 day)", "Europe/Berlin", "2024-03-30T05:00:00Z", "2024-04-02T00:00:00Z"),
            (Times{"2024-03-30T05:00:00Z", "2024-03-31T05:00:00Z", "2024-04-01T05:00:00Z"}));
  EXPECT_EQ(fires("rate(20 minutes)", "UTC", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"),
            (Times{"2024-01-01T00:00:00Z", "2024-01-01T00:20:00Z", "2024-01-01T00:40:00Z"}));
}

TEST(FireTimes, ErrorsAndLimits) {
  auto schedule = parse_schedule("rate(1 minute)");
  ASSERT_TRUE(schedule);
  auto too_many = fire_times(*schedule, "UTC", at("2024-01-01T00:00:00Z"), at("2024-01-02T00:00:00Z"), 100);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.get_failure().code, "TooManyFireTimes");
  auto cron = parse_schedule("cron(* * * * ? *)");
  ASSERT_TRUE(cron);
  EXPECT_FALSE(fire_times(*cron, "UTC", at("2024-01-01T00:00:00Z"), at("2024-01-02T00:00:00Z"), 100));
  auto bad_zone = fire_times(*cron, "Mars/Base", at("2024-01-01T00:00:00Z"), at("2024-01-01T00:10:00Z"));
  ASSERT_FALSE(bad_zone);
  EXPECT_EQ(bad_zone.get_failure().code, "UnknownTimeZone");
  auto empty = fire_times(*cron, "UTC", at("2024-01-02T00:00:00Z"), at("2024-01-01T00:00:00Z"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Instants, ParseAndFormat) {
  EXPECT_EQ(format_utc(at("2024-05-02T04:00:00Z")), "2024-05-02T04:00:00Z");
  EXPECT_EQ(format_utc(at("2024-05-02T06:00:00+02:00")), "2024-05-02T04:00:00Z");
  EXPECT_EQ(format_utc(at("2024-05-02T04:00:00.123Z")), "2024-05-02T04:00:00Z");
  EXPECT_EQ(at("1970-01-01T00:01:00Z").time_since_epoch().count(), 60);
  EXPECT_FALSE(parse_instant("2024-05-02"));
  EXPECT_FALSE(parse_instant("2024-02-30T00:00:00Z"));
}

}  // namespace
}  // namespace athena_runner::spec
