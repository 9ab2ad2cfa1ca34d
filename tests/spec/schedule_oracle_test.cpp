// Cron fire times against an independent oracle: tests/spec/cron_oracle.py walks every UTC minute with
// Python's zoneinfo (see its docstring), across DST transitions in several zones.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "athena_runner/spec/schedule.hpp"
#include "support/process.hpp"

namespace athena_runner::spec {
namespace {

struct Case {
  const char* expression;
  const char* zone;
  const char* from;
  const char* to;
};

// Windows straddle DST changes: Berlin/London (last Sunday of March/October, at 01:00Z), New York (second
// Sunday of March, first of November, at 02:00 local), Lord Howe (30-minute shift, first Sunday of April and
// October), Santiago (at local midnight, so a whole local hour around midnight repeats or vanishes).
const Case kCases[] = {
    {"cron(30 2 * * ? *)", "Europe/Berlin", "2024-03-25T00:00:00Z", "2024-04-05T00:00:00Z"},
    {"cron(30 2 * * ? *)", "Europe/Berlin", "2024-10-20T00:00:00Z", "2024-11-02T00:00:00Z"},
    {"cron(5 11-23 * * ? *)", "Europe/Berlin", "2024-10-20T00:00:00Z", "2024-11-05T00:00:00Z"},
    {"cron(0/15 1-3 ? * SUN *)", "America/New_York", "2024-03-01T00:00:00Z", "2024-03-20T00:00:00Z"},
    {"cron(0/15 1-3 ? * SUN *)", "America/New_York", "2024-10-25T00:00:00Z", "2024-11-12T00:00:00Z"},
    {"cron(0,30 * * * ? *)", "Australia/Lord_Howe", "2024-04-03T00:00:00Z", "2024-04-10T00:00:00Z"},
    {"cron(15,45 1-3 ? * 1 *)", "Australia/Lord_Howe", "2024-09-28T00:00:00Z", "2024-10-14T00:00:00Z"},
    {"cron(*/20 22-1 * * ? *)", "America/Santiago", "2024-04-01T00:00:00Z", "2024-04-12T00:00:00Z"},
    {"cron(0 0 * * ? *)", "America/Santiago", "2024-09-01T00:00:00Z", "2024-09-15T00:00:00Z"},
    {"cron(0 8 ? * 2#1,6L *)", "Europe/London", "2024-02-20T00:00:00Z", "2024-05-10T00:00:00Z"},
    {"cron(15 10 15W,L * ? 2024)", "Asia/Kolkata", "2024-05-01T00:00:00Z", "2024-07-01T00:00:00Z"},
    {"cron(0 23 LW JAN-MAR ? *)", "America/Sao_Paulo", "2024-01-01T00:00:00Z", "2024-04-02T00:00:00Z"},
    {"cron(10 3 1W,16-18 * ? *)", "UTC", "2024-05-25T00:00:00Z", "2024-07-05T00:00:00Z"},
    {"cron(0 6 ? * FRI-MON *)", "Pacific/Auckland", "2024-03-28T00:00:00Z", "2024-04-16T00:00:00Z"},
    {"cron(0 12 L * ? *)", "UTC", "2024-01-15T00:00:00Z", "2024-03-15T00:00:00Z"},
};

TEST(ScheduleOracle, CronFireTimesMatchAMinuteByMinuteZoneinfoWalk) {
  nlohmann::json input = nlohmann::json::array();
  for (const auto& c : kCases)
    input.push_back({{"expression", c.expression}, {"zone", c.zone}, {"from", c.from}, {"to", c.to}});
  const auto result = testing::run_process({"python3", std::string(AR_SOURCE_DIR) + "/tests/spec/cron_oracle.py"},
                                           input.dump(), {}, std::chrono::seconds(120));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto expected = nlohmann::json::parse(result.out);
  ASSERT_EQ(expected.size(), std::size(kCases));
  std::size_t total = 0;
  for (std::size_t i = 0; i < std::size(kCases); ++i) {
    const Case& c = kCases[i];
    auto schedule = parse_schedule(c.expression);
    ASSERT_TRUE(schedule) << schedule.get_failure().message;
    auto times = fire_times(*schedule, c.zone, *parse_instant(c.from), *parse_instant(c.to));
    ASSERT_TRUE(times) << times.get_failure().message;
    std::vector<std::string> actual;
    for (const auto& t : *times) actual.push_back(format_utc(t));
    EXPECT_EQ(actual, expected[i].get<std::vector<std::string>>()) << c.expression << " in " << c.zone;
    EXPECT_FALSE(actual.empty()) << c.expression << " in " << c.zone << ": a window with no fire time tests little";
    total += actual.size();
  }
  EXPECT_GT(total, 500u);  // 828 when written: the windows are not trivially empty
}

}  // namespace
}  // namespace athena_runner::spec
