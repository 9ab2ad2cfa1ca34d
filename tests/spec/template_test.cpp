// Templates: values computed by hand (calendar facts noted beside them), and errors that name the template,
// the position and what is allowed.
#include "athena_runner/spec/template.hpp"

#include <gtest/gtest.h>

namespace athena_runner::spec {
namespace {

Instant at(const char* iso) { return *parse_instant(iso); }

std::string render(const char* text, const char* when = "2024-05-02T04:00:00Z", const char* zone = "Europe/Berlin") {
  auto rendered = render_template(text, TemplateContext{at(when), zone, "daily_revenue"}, "t");
  if (!rendered) return "error: " + rendered.get_failure().message;
  return *rendered;
}

TEST(Templates, Variables) {
  // 2024-05-02T04:00:00Z is 06:00 in Berlin (CEST, +02:00).
  EXPECT_EQ(render("{{ scheduled_time }}"), "2024-05-02T04:00:00Z");
  EXPECT_EQ(render("{{scheduled_time_utc}}"), "2024-05-02T04:00:00Z");
  EXPECT_EQ(render("{{ scheduled_time_local }}"), "2024-05-02T06:00:00+02:00");
  EXPECT_EQ(render("DATE '{{ scheduled_date }}'"), "DATE '2024-05-02'");
  EXPECT_EQ(
      render(
          "{{ scheduled_year }}-{{ scheduled_month }}-{{ scheduled_day }} {{ scheduled_hour }}:{{ scheduled_minute }}"),
      "2024-5-2 6:0");
  EXPECT_EQ(render("{{ scheduled_epoch }}"), "1714622400");
  EXPECT_EQ(render("{{ query_name }}"), "daily_revenue");
  EXPECT_EQ(render("no templates, } and { alone"), "no templates, } and { alone");
}

TEST(Templates, TheDateIsTheDateInTheQueryTimeZone) {
  // 23:30Z on May 1st is already 01:30 on May 2nd in Berlin, and still May 1st in New York.
  EXPECT_EQ(render("{{ scheduled_date }}", "2024-05-01T23:30:00Z", "Europe/Berlin"), "2024-05-02");
  EXPECT_EQ(render("{{ scheduled_date }}", "2024-05-01T23:30:00Z", "America/New_York"), "2024-05-01");
  EXPECT_EQ(render("{{ scheduled_date }}", "2024-05-01T23:30:00Z", "UTC"), "2024-05-01");
}

TEST(Templates, DateFilters) {
  EXPECT_EQ(render("{{ scheduled_date | add_days(-1) }}"), "2024-05-01");
  EXPECT_EQ(render("{{ scheduled_date | add_days(+30) }}"), "2024-06-01");
  EXPECT_EQ(render("{{ scheduled_date | add_days(-1) | add_days(-1) }}"), "2024-04-30");
  // 2024-05-02 is a Thursday; ISO weeks start on Monday (2024-04-29). 2024-05-05 is a Sunday.
  EXPECT_EQ(render("{{ scheduled_date | start_of_week }}"), "2024-04-29");
  EXPECT_EQ(render("{{ scheduled_date | start_of_week }}", "2024-05-05T12:00:00Z"), "2024-04-29");
  EXPECT_EQ(render("{{ scheduled_date | start_of_week }}", "2024-05-06T12:00:00Z"), "2024-05-06");
  EXPECT_EQ(render("{{ scheduled_date | start_of_month }}"), "2024-05-01");
  EXPECT_EQ(render("{{ scheduled_date | start_of_month | add_days(-1) }}"), "2024-04-30");
  EXPECT_EQ(render("{{ scheduled_date | date_format('%Y/%m/%d') }}"), "2024/05/02");
  EXPECT_EQ(render("{{ scheduled_date | date_format('%Y%m%d') }}"), "20240502");
}

TEST(Templates, AddMonthsClampsToTheEndOfTheMonth) {
  // 2024 is a leap year, 2023 is not.
  EXPECT_EQ(render("{{ scheduled_date | add_months(1) }}", "2024-01-31T12:00:00Z", "UTC"), "2024-02-29");
  EXPECT_EQ(render("{{ scheduled_date | add_months(-1) }}", "2024-03-31T12:00:00Z", "UTC"), "2024-02-29");
  EXPECT_EQ(render("{{ scheduled_date | add_months(-1) }}", "2023-03-31T12:00:00Z", "UTC"), "2023-02-28");
  EXPECT_EQ(render("{{ scheduled_date | add_months(-13) }}", "2024-05-02T12:00:00Z", "UTC"), "2023-04-02");
  EXPECT_EQ(render("{{ scheduled_date | add_months(12) }}", "2024-02-29T12:00:00Z", "UTC"), "2025-02-28");
}

TEST(Templates, TimeFilters) {
  EXPECT_EQ(render("{{ scheduled_time | add_hours(-1) }}"), "2024-05-02T03:00:00Z");
  EXPECT_EQ(render("{{ scheduled_time | add_minutes(90) }}"), "2024-05-02T05:30:00Z");
  EXPECT_EQ(render("{{ scheduled_time_local | start_of_day }}"), "2024-05-02T00:00:00+02:00");
  EXPECT_EQ(render("{{ scheduled_time_local | start_of_day | utc }}"), "2024-05-01T22:00:00Z");
  EXPECT_EQ(render("{{ scheduled_time | start_of_day }}"), "2024-05-02T00:00:00Z");  // in UTC
  EXPECT_EQ(render("{{ scheduled_time | local }}"), "2024-05-02T06:00:00+02:00");
  EXPECT_EQ(render("{{ scheduled_time_local | start_of_hour | add_minutes(-1) }}"), "2024-05-02T05:59:00+02:00");
  EXPECT_EQ(render("{{ scheduled_time_local | start_of_month }}"), "2024-05-01T00:00:00+02:00");
  EXPECT_EQ(render("{{ scheduled_time_local | date }}"), "2024-05-02");
  EXPECT_EQ(render("{{ scheduled_time_local | date_format('%H:%M') }}"), "06:00");
  EXPECT_EQ(render("{{ scheduled_time_local | date_format('%Y-%m-%dT%H:%M:%S%Ez') }}"), "2024-05-02T06:00:00+02:00");
  EXPECT_EQ(render("{{ scheduled_time | add_hours(1) | epoch_seconds }}"), "1714626000");
}

TEST(Templates, DaylightSavingTime) {
  // Berlin 2024-03-31 02:00 CET -> 03:00 CEST. Hours are absolute; days keep the local clock time, and a
  // local time that does not exist moves forward by the gap.
  EXPECT_EQ(render("{{ scheduled_time_local | add_hours(2) }}", "2024-03-30T23:30:00Z"), "2024-03-31T03:30:00+02:00");
  EXPECT_EQ(render("{{ scheduled_time_local | add_days(1) }}", "2024-03-30T11:00:00Z"), "2024-03-31T12:00:00+02:00");
  EXPECT_EQ(render("{{ scheduled_time_local | add_days(1) }}", "2024-03-30T01:30:00Z"), "2024-03-31T03:30:00+02:00");
}

TEST(Templates, ErrorsNameTemplatePositionAndWhatIsAllowed) {
  EXPECT_EQ(render("SELECT 1\nWHERE d = '{{ scheduled_dat }}'"),
            "error: t:2:15: unknown variable \"scheduled_dat\"; variables: scheduled_time, scheduled_time_utc, "
            "scheduled_time_local, scheduled_date, scheduled_year, scheduled_month, scheduled_day, scheduled_hour, "
            "scheduled_minute, scheduled_epoch, query_name");
  EXPECT_EQ(render("{{ scheduled_date | add_day(1) }}"),
            "error: t:1:21: unknown filter \"add_day\"; filters: add_days(n), add_months(n), add_hours(n), "
            "add_minutes(n), start_of_day, start_of_hour, start_of_week, start_of_month, date, utc, local, "
            "epoch_seconds, date_format('%Y-%m-%d')");
  EXPECT_EQ(render("{{ scheduled_date | add_days }}"),
            "error: t:1:21: filter add_days takes 1 integer argument: add_days(n)");
  EXPECT_EQ(render("{{ scheduled_date | add_days(1, 2) }}"),
            "error: t:1:21: filter add_days takes 1 integer argument: add_days(n)");
  EXPECT_EQ(render("{{ scheduled_date | add_days('1') }}"),
            "error: t:1:30: filter add_days takes 1 integer argument: add_days(n)");
  EXPECT_EQ(render("{{ scheduled_date | start_of_month(1) }}"),
            "error: t:1:21: filter start_of_month takes no arguments: start_of_month");
  EXPECT_EQ(render("{{ scheduled_date | add_hours(1) }}"),
            "error: t:1:21: filter add_hours does not apply to a date (scheduled_date); it applies to times (e.g. "
            "scheduled_time_local)");
  EXPECT_EQ(render("{{ scheduled_hour | add_days(1) }}"),
            "error: t:1:21: filter add_days does not apply to an integer (scheduled_hour); it applies to times and "
            "dates");
  EXPECT_EQ(render("x {{ scheduled_date"), "error: t:1:3: unterminated \"{{\": no matching \"}}\"");
  EXPECT_EQ(render("{{ }}"),
            "error: t:1:1: expected a variable; variables: scheduled_time, scheduled_time_utc, scheduled_time_local, "
            "scheduled_date, scheduled_year, scheduled_month, scheduled_day, scheduled_hour, scheduled_minute, "
            "scheduled_epoch, query_name");
  EXPECT_EQ(render("{{ scheduled_date add_days(1) }}"),
            "error: t:1:19: expected \"|\" or \"}}\" after scheduled_date, got \"add_days\"");
  EXPECT_EQ(render("{{ scheduled_date | date_format('%Y'';DROP') }}"),
            "error: t:1:37: expected \",\" or \")\" in the arguments of date_format");
  EXPECT_EQ(render("{{ scheduled_date | date_format('%Y) }}"), "error: t:1:33: unterminated string argument");
  EXPECT_EQ(render("{{ scheduled_date | date_format(\"%Y';\") }}"),
            "error: t:1:33: date_format: character ''' is not allowed; besides conversions use letters, digits and \" "
            "_:/.,-\"");
  EXPECT_EQ(render("{{ scheduled_date | date_format('%c') }}")
                .rfind("error: t:1:33: date_format: unsupported conversion \"%c\"", 0),
            0u);
  EXPECT_EQ(
      render("{{ scheduled_date }}", "2024-05-02T04:00:00Z", "Nowhere/Land"),
      "error: t:1:1: unknown time zone \"Nowhere/Land\": use an IANA name such as Europe/Berlin, America/New_York "
      "or UTC");
}

}  // namespace
}  // namespace athena_runner::spec
