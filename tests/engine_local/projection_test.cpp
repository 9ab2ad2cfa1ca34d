// Partition projection as Athena documents it (partition-projection-supported-types): the values each type
// projects, their order and combinations, locations, and the errors for a bad configuration. Expected values
// are worked out by hand from the documentation's rules.
#include "projection.hpp"

#include <gtest/gtest.h>

#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine::local {
namespace {

namespace chr = std::chrono;

CatalogTable table_with(const std::vector<std::string>& keys, std::map<std::string, std::string> parameters) {
  CatalogTable table;
  table.database = "logs";
  table.name = "requests";
  table.location = "s3://lake/requests/";
  for (const auto& key : keys) table.partition_keys.push_back({key, "string", {}});
  table.table_parameters = std::move(parameters);
  table.table_parameters["projection.enabled"] = "true";
  return table;
}

// 2026-12-03T07:15:30Z
const chr::system_clock::time_point kNow =
    chr::sys_days{chr::year(2026) / 12 / 3} + chr::hours(7) + chr::minutes(15) + chr::seconds(30);

std::vector<std::string> values_of(const CatalogTable& table, std::size_t key = 0) {
  auto partitions = projected_partitions(table, "/data", kNow);
  EXPECT_TRUE(partitions) << partitions.get_failure().message;
  std::vector<std::string> out;
  if (partitions) {
    for (const auto& p : *partitions) out.push_back(p.values.at(key));
  }
  return out;
}

std::string error_of(const CatalogTable& table) {
  auto partitions = projected_partitions(table, "/data", kNow);
  EXPECT_FALSE(partitions);
  return partitions ? "" : partitions.get_failure().code + ": " + partitions.get_failure().message;
}

TEST(Projection, EnabledOnlyWhenTrue) {
  auto table = table_with({"dt"}, {});
  EXPECT_TRUE(projection_enabled(table));
  table.table_parameters["projection.enabled"] = " TRUE ";
  EXPECT_TRUE(projection_enabled(table));
  table.table_parameters["projection.enabled"] = "false";
  EXPECT_FALSE(projection_enabled(table));
  table.table_parameters.clear();
  EXPECT_FALSE(projection_enabled(table));
}

TEST(Projection, EnumValuesKeepTheirSpaces) {
  auto table = table_with({"region"}, {{"projection.region.type", " Enum "},
                                       {"projection.region.values", "us-east-1,eu-west-1, ap south"}});
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"us-east-1", "eu-west-1", " ap south"}));
}

TEST(Projection, IntegerRangesIntervalsAndDigits) {
  auto table = table_with({"n"}, {{"projection.n.type", "integer"}, {"projection.n.range", " 1 , 3 "}});
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"1", "2", "3"}));
  table.table_parameters["projection.n.interval"] = "2";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"1", "3"}));
  table.table_parameters["projection.n.digits"] = "2";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"01", "03"}));
  table.table_parameters["projection.n.range"] = "-3,0";
  table.table_parameters["projection.n.interval"] = "1";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"-03", "-02", "-01", "00"}));
  // Leading zeros in the range do not pad the values (only digits does).
  table.table_parameters.erase("projection.n.digits");
  table.table_parameters["projection.n.range"] = "0008,0010";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"8", "9", "10"}));
  // The top of a Java long, without overflowing past it.
  table.table_parameters["projection.n.range"] = "9223372036854775806,9223372036854775807";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"9223372036854775806", "9223372036854775807"}));
}

TEST(Projection, DatesFromFixedAndRelativeBounds) {
  auto table = table_with({"dt"}, {{"projection.dt.type", "date"},
                                   {"projection.dt.format", "yyyy-MM-dd"},
                                   {"projection.dt.range", "2024-02-27,2024-03-01"}});
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"}));
  // NOW is the query's time (UTC), at the unit's start: the last three days, today included.
  table.table_parameters["projection.dt.range"] = "NOW-2DAYS,NOW";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"2026-12-01", "2026-12-02", "2026-12-03"}));
  table.table_parameters["projection.dt.range"] = "NOW - 1 YEARS , NOW-364DAYS";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"2025-12-03", "2025-12-04"}));
  // Months keep the start's day of the month, or the month's last day (Java's plusMonths).
  table.table_parameters["projection.dt.range"] = "2024-01-31,2024-04-30";
  table.table_parameters["projection.dt.interval.unit"] = "MONTHS";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"}));
  // A format of a month projects months by default.
  table.table_parameters.erase("projection.dt.interval.unit");
  table.table_parameters["projection.dt.format"] = "yyyy/MM";
  table.table_parameters["projection.dt.range"] = "2023/11,2024/02";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"2023/11", "2023/12", "2024/01", "2024/02"}));
}

TEST(Projection, HoursNeedTheirUnitAndQuotedTextIsLiteral) {
  auto table = table_with({"hour"}, {{"projection.hour.type", "date"},
                                     {"projection.hour.format", "yyyyMMdd'T'HH"},
                                     {"projection.hour.range", "NOW-2HOURS,NOW"}});
  EXPECT_NE(error_of(table).find("interval.unit is required when the format 'yyyyMMdd'T'HH' is finer than a day"),
            std::string::npos);
  table.table_parameters["projection.hour.interval.unit"] = "HOURS";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"20261203T05", "20261203T06", "20261203T07"}));
  table.table_parameters["projection.hour.range"] = "20261202T23,20261203T01";
  EXPECT_EQ(values_of(table), (std::vector<std::string>{"20261202T23", "20261203T00", "20261203T01"}));
}

TEST(Projection, CombinationsAndLocations) {
  auto table = table_with({"region", "dt"}, {{"projection.region.type", "enum"},
                                             {"projection.region.values", "a,b"},
                                             {"projection.dt.type", "integer"},
                                             {"projection.dt.range", "1,2"}});
  auto partitions = projected_partitions(table, "/data", kNow);
  ASSERT_TRUE(partitions) << partitions.get_failure().message;
  ASSERT_EQ(partitions->size(), 4u);
  EXPECT_EQ((*partitions)[1].values, (std::vector<std::string>{"a", "2"}));
  EXPECT_EQ((*partitions)[2].values, (std::vector<std::string>{"b", "1"}));
  EXPECT_EQ((*partitions)[1].location, "s3://lake/requests/region=a/dt=2");
  EXPECT_EQ((*partitions)[1].local_path, "/data/lake/requests/region=a/dt=2");
  table.table_parameters["storage.location.template"] = "s3://logs/AWSLogs/${region}/x/${dt}/";
  partitions = projected_partitions(table, "/data", kNow);
  ASSERT_TRUE(partitions);
  EXPECT_EQ((*partitions)[3].location, "s3://logs/AWSLogs/b/x/2/");
  EXPECT_EQ((*partitions)[3].local_path, "/data/logs/AWSLogs/b/x/2");
  table.table_parameters["storage.location.template"] = "s3://logs/${region}/";
  EXPECT_NE(error_of(table).find("storage.location.template must contain ${dt}"), std::string::npos);
}

TEST(Projection, BadConfigurationsNameTheParameter) {
  auto table = table_with({"n"}, {});
  EXPECT_NE(error_of(table).find("projection.n.type is required"), std::string::npos);
  table.table_parameters["projection.n.type"] = "list";
  EXPECT_NE(error_of(table).find("must be enum, integer, date or injected, not 'list'"), std::string::npos);
  table.table_parameters["projection.n.type"] = "integer";
  EXPECT_NE(error_of(table).find("projection.n.range is required"), std::string::npos);
  table.table_parameters["projection.n.range"] = "5,1";
  EXPECT_NE(error_of(table).find("'low,high' with low <= high, not '5,1'"), std::string::npos);
  table.table_parameters["projection.n.range"] = "1,5";
  table.table_parameters["projection.n.interval"] = "0";
  EXPECT_NE(error_of(table).find("projection.n.interval must be a positive integer"), std::string::npos);
  table.table_parameters.erase("projection.n.interval");
  table.table_parameters["projection.n.type"] = "injected";
  EXPECT_NE(error_of(table).find("CONSTRAINT_VIOLATION: For the injected projected partition column n, the WHERE "
                                 "clause must contain only static equality conditions"),
            std::string::npos);
  {
    const InjectedValues values{{"n", {"7", "x y"}}};
    auto partitions = projected_partitions(table, "/data", kNow, &values);
    ASSERT_TRUE(partitions) << partitions.get_failure().to_string();
    ASSERT_EQ(partitions->size(), 2u);
    EXPECT_EQ((*partitions)[1].values, std::vector<std::string>{"x y"});
  }
  table.table_parameters["projection.n.type"] = "date";
  table.table_parameters["projection.n.format"] = "yyyy-MM-dd";
  table.table_parameters["projection.n.range"] = "2024-13-01,NOW";
  EXPECT_NE(error_of(table).find("range must be two dates in the format 'yyyy-MM-dd'"), std::string::npos);
  table.table_parameters["projection.n.range"] = "NOW-1FORTNIGHT,NOW";
  EXPECT_FALSE(projected_partitions(table, "/data", kNow));
  table.table_parameters["projection.n.format"] = "yyyy-ww";
  EXPECT_NE(error_of(table).find("the pattern letter 'ww'"), std::string::npos);
  // More than Athena's limit of projected partitions.
  table = table_with({"a", "b"}, {{"projection.a.type", "integer"},
                                  {"projection.a.range", "1,2000"},
                                  {"projection.b.type", "integer"},
                                  {"projection.b.range", "1,1000"}});
  EXPECT_NE(error_of(table).find("more than 1000000 partitions"), std::string::npos);
}

TEST(Projection, JavaDateFormats) {
  auto format = parse_date_format("yyyy-MM-dd HH:mm:ss.SSS 'at' MMM");
  ASSERT_TRUE(format);
  const auto time = chr::sys_days{chr::year(2024) / 3 / 9} + chr::hours(4) + chr::minutes(5) + chr::seconds(6) +
                    chr::milliseconds(70);
  EXPECT_EQ(format_date(*format, time), "2024-03-09 04:05:06.070 at Mar");
  auto parsed = parse_date(*format, "2024-03-09 04:05:06.070 at Mar");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, time);
  auto short_year = parse_date_format("yy/M/d");
  ASSERT_TRUE(short_year);
  EXPECT_EQ(format_date(*short_year, time), "24/3/9");
  EXPECT_TRUE(parse_date(*short_year, "24/12/31"));
  EXPECT_FALSE(parse_date(*short_year, "24/13/31"));
  EXPECT_FALSE(parse_date(*short_year, "24/2/30"));
  EXPECT_FALSE(parse_date(*format, "2024-03-09"));
  EXPECT_FALSE(parse_date_format("yyyy-MM-dd'T"));  // unterminated quote
}

}  // namespace
}  // namespace athena_runner::engine::local
