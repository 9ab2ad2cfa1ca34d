// The pizza-sales sample (examples/generator): generate-sample runs as a child process into a temporary
// folder; expected.py re-implements the order model in Python and computes the expected aggregates;
// the same aggregates, and every query of examples/queries.yaml, run as SQL through the local engine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "athena_runner/engine/local_engine.hpp"
#include "athena_runner/spec/queries_file.hpp"
#include "athena_runner/spec/render.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using athena_runner::testing::read_file;
using athena_runner::testing::run_process;
using athena_runner::testing::TempDir;
using json = nlohmann::json;
namespace engine = athena_runner::engine;
namespace spec = athena_runner::spec;

namespace {

constexpr const char* kGenerator = AR_GENERATE_SAMPLE;
const std::string kExpectedScript = std::string(AR_SOURCE_DIR) + "/tests/sample/expected.py";
const std::string kQueriesFile = std::string(AR_SOURCE_DIR) + "/examples/queries.yaml";

// A small sample: 14 days from Thursday 2024-01-25 cover a whole Monday-Sunday week and the end of January.
constexpr const char* kStart = "2024-01-25";
constexpr const char* kDays = "14";
constexpr const char* kSeed = "7";

athena_runner::testing::ProcessResult generate(const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{kGenerator, "--out", out, "--start", kStart, "--days", kDays, "--seed", kSeed};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_process(argv);
}

std::map<std::string, fs::file_time_type> modification_times(const fs::path& root) {
  std::map<std::string, fs::file_time_type> times;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    times[entry.path().string()] = entry.last_write_time();
  return times;
}

std::vector<std::string> entries_of(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string cell(const engine::Cell& value) { return value ? *value : "NULL"; }

class SampleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_ = new TempDir();
    lake_ = temp_->path() + "/lake";
    const auto generated = generate(lake_);
    ASSERT_EQ(generated.exit_code, 0) << generated.out << generated.err;
    generator_output_ = generated.out;
    const auto reference =
        run_process({"python3", kExpectedScript, "--sample", lake_, "--start", kStart, "--days", kDays, "--seed", kSeed,
                     "--week", "2024-01-29", "2024-02-04", "--month", "2024-01-01", "2024-02-01"});
    ASSERT_EQ(reference.exit_code, 0) << reference.err;
    expected_ = new json(json::parse(reference.out));
  }
  static void TearDownTestSuite() {
    delete expected_;
    delete temp_;
  }

  void SetUp() override {
    ASSERT_NE(expected_, nullptr) << "set-up failed";
    engine::LocalEngineConfig config;
    config.data_root = lake_;
    config.catalog_dir = lake_ + "/.glue";
    config.default_database = "pizza";
    config.threads = 1;
    auto opened = engine::LocalEngine::open(config);
    ASSERT_TRUE(opened) << opened.get_failure().to_string();
    engine_ = std::move(opened.get_result());
  }

  engine::QueryResult query(const std::string& sql, std::vector<std::string> parameters = {}) {
    engine::QueryContext context;
    context.execution_parameters = std::move(parameters);
    auto result = engine_->execute(sql, context);
    EXPECT_TRUE(result) << result.get_failure().to_string() << "\n" << sql;
    return result ? result.get_result() : engine::QueryResult{};
  }

  // Renders a query of examples/queries.yaml for a scheduled time and runs it.
  engine::QueryResult run_example(const std::string& name, const std::string& scheduled_time) {
    auto file = spec::load_queries_file(kQueriesFile);
    EXPECT_TRUE(file) << file.get_failure().to_string();
    if (!file) return {};
    auto resolved = file->resolved(name);
    EXPECT_TRUE(resolved) << resolved.get_failure().to_string();
    auto instant = spec::parse_instant(scheduled_time);
    EXPECT_TRUE(instant);
    if (!resolved || !instant) return {};
    auto rendered = spec::render_query(*resolved, *instant);
    EXPECT_TRUE(rendered) << rendered.get_failure().to_string();
    if (!rendered) return {};
    return query(rendered->sql, rendered->execution_parameters);
  }

  static TempDir* temp_;
  static std::string lake_;
  static std::string generator_output_;
  static json* expected_;
  std::unique_ptr<engine::LocalEngine> engine_;
};

TempDir* SampleTest::temp_ = nullptr;
std::string SampleTest::lake_;
std::string SampleTest::generator_output_;
json* SampleTest::expected_ = nullptr;

TEST_F(SampleTest, WritesTheDocumentedLayoutAndSummary) {
  const fs::path pizza = fs::path(lake_) / "example-data-lake/pizza";
  std::vector<std::string> partitions = entries_of(pizza / "order_details");
  ASSERT_EQ(partitions.size(), 14u);
  EXPECT_EQ(partitions.front(), "order_date=2024-01-25");
  EXPECT_EQ(partitions.back(), "order_date=2024-02-07");
  for (const auto& partition : partitions) {
    for (const auto& file : entries_of(pizza / "order_details" / partition)) {
      EXPECT_EQ(fs::path(file).extension(), ".parquet") << partition << "/" << file;
    }
  }
  EXPECT_TRUE(fs::is_regular_file(pizza / "pizzas/pizzas.csv"));
  EXPECT_TRUE(fs::is_regular_file(pizza / "pizza_types/pizza_types.csv"));
  EXPECT_EQ(entries_of(fs::path(lake_) / ".glue/pizza"),
            (std::vector<std::string>{"order_details.json", "pizza_types.json", "pizzas.json"}));
  const json marker = json::parse(read_file(lake_ + "/.sample.json"));
  EXPECT_EQ(marker["parameters"]["seed"], 7);
  EXPECT_EQ(marker["order_details_rows"], (*expected_)["rows"]);
  // The final line reports rows, files, bytes and seconds.
  const std::string rows = std::to_string((*expected_)["rows"].get<long long>());
  EXPECT_NE(generator_output_.find("generate-sample: " + rows + " rows, 16 files, "), std::string::npos)
      << generator_output_;
  EXPECT_NE(generator_output_.find(" bytes, "), std::string::npos);
}

TEST_F(SampleTest, CatalogHasTheQueriesFileLocationsAndColumns) {
  const json table = json::parse(read_file(lake_ + "/.glue/pizza/order_details.json"))["Table"];
  EXPECT_EQ(table["DatabaseName"], "pizza");
  EXPECT_EQ(table["TableType"], "EXTERNAL_TABLE");
  EXPECT_EQ(table["StorageDescriptor"]["Location"], "s3://example-data-lake/pizza/order_details/");
  EXPECT_EQ(table["PartitionKeys"][0]["Name"], "order_date");
  auto file = spec::load_queries_file(kQueriesFile);
  ASSERT_TRUE(file) << file.get_failure().to_string();
  for (const auto& location : file->tables) {
    const json glue = json::parse(read_file(lake_ + "/.glue/pizza/" + location.name + ".json"));
    EXPECT_EQ(glue["Table"]["StorageDescriptor"]["Location"], location.location) << location.name;
  }
  const auto columns = query("SELECT * FROM order_details LIMIT 1").columns;
  std::vector<std::string> names;
  for (const auto& column : columns) names.push_back(column.name + ":" + column.type);
  EXPECT_EQ(names, (std::vector<std::string>{"order_details_id:bigint", "order_id:bigint", "pizza_id:varchar",
                                             "quantity:integer", "order_time:timestamp", "order_date:date"}));
}

TEST_F(SampleTest, DailyAggregatesMatchTheIndependentReference) {
  const auto result = query(
      "SELECT od.order_date, count(DISTINCT od.order_id), count(*), sum(od.quantity), sum(od.quantity * p.price) "
      "FROM order_details od JOIN pizzas p ON p.pizza_id = od.pizza_id GROUP BY 1 ORDER BY 1");
  const json& daily = (*expected_)["daily"];
  ASSERT_EQ(result.rows.size(), daily.size());
  for (const auto& row : result.rows) {
    const std::string date = cell(row[0]);
    ASSERT_TRUE(daily.contains(date)) << date;
    const json& day = daily[date];
    EXPECT_EQ(cell(row[1]), std::to_string(day["orders"].get<long long>())) << date;
    EXPECT_EQ(cell(row[2]), std::to_string(day["lines"].get<long long>())) << date;
    EXPECT_EQ(cell(row[3]), std::to_string(day["pizzas_sold"].get<long long>())) << date;
    EXPECT_EQ(cell(row[4]), day["revenue"].get<std::string>()) << date;
  }
  const auto ids = query(
      "SELECT count(*), max(order_id), max(order_details_id), count(DISTINCT order_details_id) "
      "FROM order_details");
  ASSERT_EQ(ids.rows.size(), 1u);
  EXPECT_EQ(cell(ids.rows[0][0]), std::to_string((*expected_)["rows"].get<long long>()));
  EXPECT_EQ(cell(ids.rows[0][1]), std::to_string((*expected_)["last_order_id"].get<long long>()));
  EXPECT_EQ(cell(ids.rows[0][2]), std::to_string((*expected_)["last_order_details_id"].get<long long>()));
  EXPECT_EQ(cell(ids.rows[0][3]), cell(ids.rows[0][0]));
}

TEST_F(SampleTest, TopPizzaByQuantityMatchesTheReference) {
  const auto result =
      query("SELECT pizza_id, sum(quantity) AS q FROM order_details GROUP BY 1 ORDER BY q DESC, pizza_id LIMIT 1");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(cell(result.rows[0][0]), (*expected_)["top_pizza"]["pizza_id"].get<std::string>());
  EXPECT_EQ(cell(result.rows[0][1]), std::to_string((*expected_)["top_pizza"]["quantity"].get<long long>()));
}

TEST_F(SampleTest, OrdersAreWithinOpeningHoursWithOneToThreePizzasPerLine) {
  const auto result = query(
      "SELECT min(hour(order_time)), max(hour(order_time)), min(quantity), max(quantity), "
      "count(*) FILTER (WHERE CAST(order_time AS DATE) <> order_date) FROM order_details");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(cell(result.rows[0][0]), "11");
  EXPECT_EQ(cell(result.rows[0][1]), "22");
  EXPECT_EQ(cell(result.rows[0][2]), "1");
  EXPECT_EQ(cell(result.rows[0][3]), "3");
  EXPECT_EQ(cell(result.rows[0][4]), "0");
}

TEST_F(SampleTest, DailyRevenueQueryOfTheQueriesFile) {
  // Scheduled 2024-02-03 06:00 Berlin: reports the previous day, 2024-02-02.
  const auto result = run_example("daily_revenue", "2024-02-03T05:00:00Z");
  ASSERT_EQ(result.rows.size(), 1u);
  const json& day = (*expected_)["daily"]["2024-02-02"];
  EXPECT_EQ(cell(result.rows[0][0]), "2024-02-02");
  EXPECT_EQ(cell(result.rows[0][1]), std::to_string(day["orders"].get<long long>()));
  EXPECT_EQ(cell(result.rows[0][2]), std::to_string(day["pizzas_sold"].get<long long>()));
  EXPECT_EQ(cell(result.rows[0][3]), day["revenue"].get<std::string>());
}

TEST_F(SampleTest, WeeklyTopPizzasQueryOfTheQueriesFile) {
  // Monday 2024-02-05: the week 2024-01-29 .. 2024-02-04.
  const auto result = run_example("weekly_top_pizzas", "2024-02-05T06:30:00Z");
  const json& week = (*expected_)["week"];
  std::vector<long long> expected_revenues;
  for (const auto& [name, totals] : week.items()) {
    const std::string revenue = totals["revenue"];
    expected_revenues.push_back(std::llround(std::stod(revenue) * 100));
  }
  std::sort(expected_revenues.rbegin(), expected_revenues.rend());
  expected_revenues.resize(10);
  ASSERT_EQ(result.rows.size(), 10u);
  std::vector<long long> revenues;
  for (const auto& row : result.rows) {
    const std::string name = cell(row[0]);
    ASSERT_TRUE(week.contains(name)) << name;
    EXPECT_EQ(cell(row[1]), week[name]["category"].get<std::string>()) << name;
    EXPECT_EQ(cell(row[2]), std::to_string(week[name]["pizzas_sold"].get<long long>())) << name;
    EXPECT_EQ(cell(row[3]), week[name]["revenue"].get<std::string>()) << name;
    revenues.push_back(std::llround(std::stod(cell(row[3])) * 100));
  }
  EXPECT_EQ(revenues, expected_revenues);  // the ten largest, in descending order (ties in any order)
}

TEST_F(SampleTest, HourlyOrderVolumeQueryOfTheQueriesFile) {
  const auto result = run_example("hourly_order_volume", "2024-02-02T12:05:00Z");
  const json& hours = (*expected_)["hourly"]["2024-02-02"];
  ASSERT_EQ(result.rows.size(), hours.size());
  int previous_hour = -1;
  for (const auto& row : result.rows) {
    const std::string hour = cell(row[0]);
    ASSERT_TRUE(hours.contains(hour)) << hour;
    EXPECT_EQ(cell(row[1]), std::to_string(hours[hour].get<long long>())) << hour;
    EXPECT_GT(std::stoi(hour), previous_hour);
    previous_hour = std::stoi(hour);
  }
}

TEST_F(SampleTest, CategoryShareMonthlyQueryOfTheQueriesFile) {
  // 2024-02-01 UTC: January; the sample holds 2024-01-25 .. 2024-01-31 of it.
  const auto result = run_example("category_share_monthly", "2024-02-01T05:00:00Z");
  const json& month = (*expected_)["month"];
  ASSERT_EQ(result.rows.size(), 4u);
  for (const auto& row : result.rows) {
    const std::string category = cell(row[0]);
    ASSERT_TRUE(month.contains(category)) << category;
    EXPECT_EQ(cell(row[1]), month[category]["revenue"].get<std::string>()) << category;
    EXPECT_NEAR(std::stod(cell(row[2])), month[category]["share_pct"].get<double>(), 0.0051) << category;
  }
}

TEST_F(SampleTest, PizzaMenuQueryOfTheQueriesFile) {
  const auto result = run_example("pizza_menu", "2024-02-01T05:00:00Z");
  const json& menu = (*expected_)["menu"];
  ASSERT_EQ(menu.size(), 96u);  // 32 types x 3 sizes
  ASSERT_EQ(result.rows.size(), menu.size());
  for (std::size_t i = 0; i < menu.size(); ++i) {
    for (std::size_t column = 0; column < 4; ++column) {
      EXPECT_EQ(cell(result.rows[i][column]), menu[i][column].get<std::string>()) << "row " << i;
    }
  }
  const auto categories = query("SELECT count(DISTINCT category), count(*) FROM pizza_types");
  EXPECT_EQ(cell(categories.rows.at(0)[0]), "4");
  EXPECT_EQ(cell(categories.rows.at(0)[1]), "32");
}

// Each test below generates its own sample: they change the folder.

TEST(SampleGenerator, RerunWithoutForceChangesNothing) {
  TempDir temp;
  const std::string out = temp.path() + "/lake";
  ASSERT_EQ(generate(out).exit_code, 0);
  const auto before = modification_times(out);
  const auto again = generate(out);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("already holds this sample"), std::string::npos) << again.out;
  EXPECT_EQ(modification_times(out), before);
  EXPECT_EQ(entries_of(temp.path()), (std::vector<std::string>{"lake"}));  // no temporary folder left
}

TEST(SampleGenerator, ForceReplacesOnlyTheSampleAndGivesTheSameData) {
  TempDir temp;
  const std::string out = temp.path() + "/lake";
  ASSERT_EQ(generate(out).exit_code, 0);
  const std::string parquet = out + "/example-data-lake/pizza/order_details/order_date=2024-01-30/part-0.parquet";
  const std::string first = read_file(parquet);
  ASSERT_FALSE(first.empty());
  temp.write("lake/.athena/executions/keep.json", "{}");
  temp.write("lake/example-data-lake/other/keep.csv", "a\n");
  temp.write("lake/example-data-lake/pizza/order_details/order_date=1999-01-01/stale.parquet", "stale");
  const auto forced = generate(out, {"--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(read_file(parquet), first);  // deterministic Parquet too (one writer thread)
  EXPECT_EQ(read_file(out + "/.athena/executions/keep.json"), "{}");
  EXPECT_EQ(read_file(out + "/example-data-lake/other/keep.csv"), "a\n");
  EXPECT_FALSE(fs::exists(out + "/example-data-lake/pizza/order_details/order_date=1999-01-01"));
  EXPECT_EQ(entries_of(temp.path()), (std::vector<std::string>{"lake"}));
}

TEST(SampleGenerator, DifferentParametersNeedForce) {
  TempDir temp;
  const std::string out = temp.path() + "/lake";
  ASSERT_EQ(generate(out).exit_code, 0);
  const auto before = modification_times(out);
  const auto other = run_process({kGenerator, "--out", out, "--days", "3"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("already holds a different sample (start 2024-01-25, 14 days, seed 7); pass --force"),
            std::string::npos)
      << other.err;
  EXPECT_EQ(modification_times(out), before);
  EXPECT_EQ(entries_of(temp.path()), (std::vector<std::string>{"lake"}));
}

TEST(SampleGenerator, SameSeedGivesByteIdenticalFilesAndAnotherSeedOtherOrders) {
  TempDir temp;
  ASSERT_EQ(generate(temp.path() + "/a").exit_code, 0);
  ASSERT_EQ(generate(temp.path() + "/b").exit_code, 0);
  ASSERT_EQ(run_process({kGenerator, "--out", temp.path() + "/c", "--start", kStart, "--days", kDays, "--seed", "8"})
                .exit_code,
            0);
  for (const std::string relative :
       {"example-data-lake/pizza/pizzas/pizzas.csv", "example-data-lake/pizza/pizza_types/pizza_types.csv",
        ".glue/pizza/order_details.json", ".glue/pizza/pizzas.json", ".glue/pizza/pizza_types.json"}) {
    const std::string a = read_file(temp.path() + "/a/" + relative);
    ASSERT_FALSE(a.empty()) << relative;
    EXPECT_EQ(a, read_file(temp.path() + "/b/" + relative)) << relative;
    EXPECT_EQ(a, read_file(temp.path() + "/c/" + relative)) << relative;  // the menu does not depend on the seed
  }
  const std::string day = "/example-data-lake/pizza/order_details/order_date=2024-02-01/part-0.parquet";
  EXPECT_EQ(read_file(temp.path() + "/a" + day), read_file(temp.path() + "/b" + day));
  EXPECT_NE(read_file(temp.path() + "/a" + day), read_file(temp.path() + "/c" + day));
}

TEST(SampleGenerator, OutThatIsAFileFailsAndChangesNothing) {
  TempDir temp;
  const std::string file = temp.write("not-a-folder", "keep");
  const auto result = run_process({kGenerator, "--out", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("--out " + file + " exists and is not a directory"), std::string::npos) << result.err;
  EXPECT_EQ(read_file(file), "keep");
  EXPECT_EQ(entries_of(temp.path()), (std::vector<std::string>{"not-a-folder"}));
}

TEST(SampleGenerator, MissingParentFailsAndCreatesNothing) {
  TempDir temp;
  const auto result = run_process({kGenerator, "--out", temp.path() + "/missing/lake"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("does not exist or is not a folder; create it first"), std::string::npos) << result.err;
  EXPECT_TRUE(entries_of(temp.path()).empty());
}

TEST(SampleGenerator, UnwritableParentFailsAndCreatesNothing) {
  TempDir temp;
  const fs::path parent = fs::path(temp.path()) / "read-only";
  fs::create_directory(parent);
  fs::permissions(parent, fs::perms::owner_read | fs::perms::owner_exec);
  // root ignores permission bits: /proc refuses new entries to everyone.
  const fs::path out = ::geteuid() == 0 ? fs::path("/proc/athena-runner-sample") : parent / "lake";
  const auto result = run_process({kGenerator, "--out", out.string()});
  fs::permissions(parent, fs::perms::owner_all);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("cannot create a temporary folder in " + out.parent_path().string()), std::string::npos)
      << result.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(entries_of(parent).empty());
}

TEST(SampleGenerator, BadArgumentsAreUsageErrors) {
  TempDir temp;
  const std::string out = temp.path() + "/lake";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--days", "0"}, "--days must be a whole number from 1 to 36600, got \"0\""},
      {{"--start", "2024-02-30"}, "--start must be a date YYYY-MM-DD, got \"2024-02-30\""},
      {{"--seed", "-1"}, "--seed must be a whole number from 0 to 18446744073709551615, got \"-1\""},
      {{"--colour", "red"}, "unknown argument \"--colour\""},
  };
  for (const auto& [arguments, message] : cases) {
    std::vector<std::string> argv{kGenerator, "--out", out};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    const auto result = run_process(argv);
    EXPECT_EQ(result.exit_code, 2) << message;
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
  }
  const auto no_out = run_process({kGenerator});
  EXPECT_EQ(no_out.exit_code, 2);
  EXPECT_NE(no_out.err.find("--out DIR is required"), std::string::npos);
  EXPECT_TRUE(entries_of(temp.path()).empty());
}

}  // namespace
