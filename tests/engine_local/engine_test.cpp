// C++-only cases: the CSV writer's bytes and atomicity, cancellation, scanned bytes, catalog errors.
#include <duckdb.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "athena_runner/engine/local_engine.hpp"
#include "athena_runner/engine/sql/functions.hpp"
#include "duckdb_handles.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::engine {
namespace {

namespace fs = std::filesystem;
using athena_runner::testing::read_file;
using athena_runner::testing::TempDir;

QueryResult sample_result() {
  QueryResult result;
  result.columns = {{"id", "integer"}, {"say \"hi\"", "varchar"}, {"note", "varchar"}};
  result.rows = {{"1", "a,b", std::nullopt}, {"2", "she said \"no\"", ""}, {std::nullopt, "line\nbreak", "x"}};
  return result;
}

TEST(AthenaCsv, QuotesEveryValueAndLeavesNullsEmpty) {
  // Written by hand from Athena's output format: all values quoted, quotes doubled, NULL empty.
  const std::string expected =
      "\"id\",\"say \"\"hi\"\"\",\"note\"\n"
      "\"1\",\"a,b\",\n"
      "\"2\",\"she said \"\"no\"\"\",\"\"\n"
      ",\"line\nbreak\",\"x\"\n";
  EXPECT_EQ(to_athena_csv(sample_result()), expected);
}

TEST(AthenaCsv, WritesAtomicallyWithoutLeftovers) {
  TempDir temp;
  const std::string path = temp.path() + "/out/abc.csv";
  fs::create_directories(temp.path() + "/out");
  temp.write("out/abc.csv", "old content");
  ASSERT_TRUE(write_athena_csv(sample_result(), path));
  EXPECT_EQ(read_file(path), to_athena_csv(sample_result()));
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(temp.path() + "/out")) ++entries;
  EXPECT_EQ(entries, 1);  // no temporary file left behind
}

TEST(AthenaCsv, MissingFolderIsAnError) {
  TempDir temp;
  auto status = write_athena_csv(sample_result(), temp.path() + "/missing/x.csv");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.get_failure().code, error_codes::kIo);
}

std::unique_ptr<LocalEngine> open_engine(const TempDir& temp) {
  fs::create_directories(temp.path() + "/data");
  fs::create_directories(temp.path() + "/catalog");
  auto engine = LocalEngine::open(LocalEngineConfig{temp.path() + "/data", temp.path() + "/catalog", "default", 2, ""});
  EXPECT_TRUE(engine) << engine.get_failure().to_string();
  return engine ? std::move(engine).get_result() : nullptr;
}

TEST(LocalEngine, CancellationStopsALongQuery) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  QueryContext context;
  auto started = std::chrono::steady_clock::now();
  context.is_cancelled = [&] { return std::chrono::steady_clock::now() - started > std::chrono::milliseconds(50); };
  auto result = engine->execute(
      "WITH d(x) AS (VALUES 0, 1, 2, 3, 4, 5, 6, 7, 8, 9) SELECT count(*) FROM d a, d b, d c, d e, d f, d g, d h, d i, "
      "d j, d k, d l",
      context);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.get_failure().code, error_codes::kCancelled);
  // The engine stays usable afterwards.
  auto after = engine->execute("SELECT 1");
  ASSERT_TRUE(after) << after.get_failure().to_string();
  EXPECT_EQ(after->rows.at(0).at(0), "1");
}

TEST(LocalEngine, InterruptFromAnotherThread) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    engine->interrupt();
  });
  auto result = engine->execute(
      "WITH d(x) AS (VALUES 0, 1, 2, 3, 4, 5, 6, 7, 8, 9) SELECT count(*) FROM d a, d b, d c, d e, d f, d g, d h, d i, "
      "d j, d k, d l");
  stopper.join();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.get_failure().code, error_codes::kCancelled);
}

TEST(LocalEngine, ScannedBytesAreTheSizesOfTheReferencedTablesFiles) {
  TempDir temp;
  const std::string first = "1,a\n2,b\n";
  const std::string second = "3,c\n";
  temp.write("data/bucket/t/part-0.csv", first);
  temp.write("data/bucket/t/sub/part-1.csv", second);
  temp.write("data/bucket/t/_SUCCESS", "ignored marker");
  temp.write("catalog/default/t.json", R"({"Table": {"Name": "t", "DatabaseName": "default",
    "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "int"}, {"Name": "v", "Type": "string"}],
      "Location": "s3://bucket/t/",
      "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","}}}}})");
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto result = engine->execute("SELECT sum(id) FROM t");
  ASSERT_TRUE(result) << result.get_failure().to_string();
  EXPECT_EQ(result->rows.at(0).at(0), "6");
  EXPECT_EQ(result->data_scanned_bytes, static_cast<std::int64_t>(first.size() + second.size()));
  auto none = engine->execute("SELECT 1");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->data_scanned_bytes, 0);
}

constexpr char kPartitionedTextTable[] = R"({"Table": {"Name": "t", "DatabaseName": "default",
    "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "int"}, {"Name": "v", "Type": "string"}],
      "Location": "s3://bucket/t/",
      "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","}}},
    "PartitionKeys": [{"Name": "dt", "Type": "string"}]}})";

std::int64_t file_bytes(const std::string& path) { return static_cast<std::int64_t>(fs::file_size(path)); }

TEST(LocalEngine, ScannedBytesCountOnlyThePartitionsTheQueryReads) {
  TempDir temp;
  const std::string a = temp.write("data/bucket/t/dt=2024-01-01/a.csv", "1,a\n2,b\n");
  const std::string b = temp.write("data/bucket/t/dt=2024-01-01/b.csv", "3,c\n");
  const std::string c = temp.write("data/bucket/t/dt=2024-01-02/c.csv", "40,dddd\n50,eeeee\n60,f\n");
  temp.write("catalog/default/t.json", kPartitionedTextTable);
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto one = engine->execute("SELECT sum(id) FROM t WHERE dt = '2024-01-01'");
  ASSERT_TRUE(one) << one.get_failure().to_string();
  EXPECT_EQ(one->rows.at(0).at(0), "6");
  // A text file is read whole; the other partition's file is not opened.
  EXPECT_EQ(one->data_scanned_bytes, file_bytes(a) + file_bytes(b));
  auto all = engine->execute("SELECT sum(id) FROM t");
  ASSERT_TRUE(all) << all.get_failure().to_string();
  EXPECT_EQ(all->rows.at(0).at(0), "156");
  EXPECT_EQ(all->data_scanned_bytes, file_bytes(a) + file_bytes(b) + file_bytes(c));
  // The same query again reads the same bytes (no cache hides a re-read).
  auto again = engine->execute("SELECT sum(id) FROM t WHERE dt = '2024-01-01'");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->data_scanned_bytes, one->data_scanned_bytes);
}

TEST(LocalEngine, ParquetScannedBytesAreWithinTheSelectedPartitionsFiles) {
  TempDir temp;
  fs::create_directories(temp.path() + "/data/bucket/p");
  {  // Two partitions written by DuckDB itself.
    duck::Database database;
    duck::Connection connection;
    ASSERT_EQ(duckdb_open(nullptr, database.out()), DuckDBSuccess);
    ASSERT_EQ(duckdb_connect(database.get(), connection.out()), DuckDBSuccess);
    for (const std::string day : {"2024-01-01", "2024-01-02"}) {
      fs::create_directories(temp.path() + "/data/bucket/p/dt=" + day);
      const std::string copy = "COPY (SELECT range AS id, 'value ' || range AS v FROM range(" +
                               std::string(day == "2024-01-01" ? "1000" : "5000") + ")) TO '" + temp.path() +
                               "/data/bucket/p/dt=" + day + "/part-0.parquet' (FORMAT parquet)";
      ASSERT_EQ(duckdb_query(connection.get(), copy.c_str(), nullptr), DuckDBSuccess) << copy;
    }
  }
  temp.write("catalog/default/p.json", R"({"Table": {"Name": "p", "DatabaseName": "default",
    "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "v", "Type": "string"}],
      "Location": "s3://bucket/p/",
      "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}},
    "PartitionKeys": [{"Name": "dt", "Type": "string"}]}})");
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  const std::int64_t first = file_bytes(temp.path() + "/data/bucket/p/dt=2024-01-01/part-0.parquet");
  const std::int64_t second = file_bytes(temp.path() + "/data/bucket/p/dt=2024-01-02/part-0.parquet");
  auto one = engine->execute("SELECT count(*), sum(id) FROM p WHERE dt = '2024-01-01'");
  ASSERT_TRUE(one) << one.get_failure().to_string();
  EXPECT_EQ(one->rows.at(0).at(1), "499500");
  EXPECT_GT(one->data_scanned_bytes, 0);
  EXPECT_LE(one->data_scanned_bytes, first);  // footer and the id column of one file
  auto all = engine->execute("SELECT sum(id), max(v) FROM p");
  ASSERT_TRUE(all) << all.get_failure().to_string();
  EXPECT_GT(all->data_scanned_bytes, first);
  EXPECT_LE(all->data_scanned_bytes, first + second);
}

TEST(LocalEngine, ViewsFollowFilesAddedChangedAndRemovedBetweenQueries) {
  TempDir temp;
  temp.write("data/bucket/t/dt=2024-01-01/a.csv", "1,a\n");
  temp.write("catalog/default/t.json", kPartitionedTextTable);
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto sum = [&] {
    auto result = engine->execute("SELECT sum(id) FROM t");
    EXPECT_TRUE(result) << result.get_failure().to_string();
    return result ? result->rows.at(0).at(0).value_or("NULL") : "failed";
  };
  EXPECT_EQ(sum(), "1");
  EXPECT_EQ(sum(), "1");                                      // kept view
  temp.write("data/bucket/t/dt=2024-01-02/b.csv", "10,b\n");  // a new partition
  EXPECT_EQ(sum(), "11");
  temp.write("data/bucket/t/dt=2024-01-01/a.csv", "2,a\n");  // rewritten in place
  EXPECT_EQ(sum(), "12");
  temp.write("data/bucket/t/dt=2024-01-02/c.csv", "100,c\n");  // a new file in a new folder's listing
  EXPECT_EQ(sum(), "112");
  fs::remove_all(temp.path() + "/data/bucket/t/dt=2024-01-02");
  EXPECT_EQ(sum(), "2");
}

TEST(LocalEngine, MalformedCatalogFileFailsOpenNamingTheFile) {
  TempDir temp;
  temp.write("catalog/db/broken.json", "{not json");
  fs::create_directories(temp.path() + "/data");
  auto engine = LocalEngine::open(LocalEngineConfig{temp.path() + "/data", temp.path() + "/catalog", "default", 1, ""});
  ASSERT_FALSE(engine);
  EXPECT_EQ(engine.get_failure().code, error_codes::kInvalidCatalog);
  EXPECT_NE(engine.get_failure().message.find("broken.json"), std::string::npos);
}

TEST(LocalEngine, QueriesCannotReadOutsideTheDataRoot) {
  TempDir temp;
  temp.write("secret.csv", "a\n1\n");
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto result = engine->execute("SELECT * FROM read_csv('" + temp.path() + "/secret.csv')");
  EXPECT_FALSE(result);
}

// Filters on a partition column with literals, parameters and constant expressions of them (date
// arithmetic, date_trunc, date_add) prune partitions: only the matching partition's file is read.
TEST(LocalEngine, ConstantFiltersOnPartitionColumnsReadOnlyTheirPartitions) {
  TempDir temp;
  const std::string first = "1\n2\n";
  const std::string second = "30\n";
  temp.write("data/bucket/t/dt=2024-01-01/part-0.csv", first);
  temp.write("data/bucket/t/dt=2024-01-02/part-0.csv", second);
  temp.write("catalog/default/t.json", R"({"Table": {"Name": "t", "DatabaseName": "default",
    "PartitionKeys": [{"Name": "dt", "Type": "date"}],
    "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "int"}], "Location": "s3://bucket/t/",
      "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","}}}}})");
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto all = engine->execute("SELECT sum(id) FROM t");
  ASSERT_TRUE(all) << all.get_failure().to_string();
  EXPECT_EQ(all->rows.at(0).at(0), "33");
  EXPECT_EQ(all->data_scanned_bytes, static_cast<std::int64_t>(first.size() + second.size()));
  QueryContext with_parameter;
  with_parameter.execution_parameters = {"DATE '2024-01-02'"};
  for (const auto& [sql, context] : std::vector<std::pair<std::string, QueryContext>>{
           {"SELECT sum(id) FROM t WHERE dt = DATE '2024-01-01'", QueryContext{}},
           {"SELECT sum(id) FROM t WHERE dt >= date_trunc('month', ? - INTERVAL '1' DAY) AND dt < ?",
            [&] {
              QueryContext c;
              c.execution_parameters = {"DATE '2024-01-02'", "DATE '2024-01-02'"};
              return c;
            }()},
           {"SELECT sum(id) FROM t WHERE dt = date_add('day', -1, DATE '2024-01-02')", QueryContext{}}}) {
    auto result = engine->execute(sql, context);
    ASSERT_TRUE(result) << sql << ": " << result.get_failure().to_string();
    EXPECT_EQ(result->rows.at(0).at(0), "3") << sql;
    EXPECT_EQ(result->data_scanned_bytes, static_cast<std::int64_t>(first.size())) << sql;
  }
}

TEST(LocalEngine, ReportsProgressForLongQueries) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  int reports = 0;
  QueryContext context;
  context.on_progress = [&](const QueryProgress&) { ++reports; };
  auto started = std::chrono::steady_clock::now();
  context.is_cancelled = [&] { return std::chrono::steady_clock::now() - started > std::chrono::milliseconds(400); };
  auto result = engine->execute(
      "WITH d(x) AS (VALUES 0, 1, 2, 3, 4, 5, 6, 7, 8, 9) SELECT count(*) FROM d a, d b, d c, d e, d f, d g, d h, d i, "
      "d j, d k, d l",
      context);
  EXPECT_GT(reports, 0);
}

}  // namespace
}  // namespace athena_runner::engine

namespace athena_runner::engine {
namespace {

// The allow-list's other side: each Trino function the registry lacks (sql::known_unsupported_functions)
// is refused by name through the engine, never answered by a DuckDB namesake.
TEST(LocalEngineAllowList, TrinoFunctionsOutsideTheRegistryAreRefusedByName) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  for (const auto& name : sql::known_unsupported_functions()) {
    const std::string query = name == "listagg"
                                  ? "SELECT listagg(x, ',') WITHIN GROUP (ORDER BY x) FROM (VALUES 'a') t(x)"
                                  : "SELECT " + name + "(1)";
    auto result = engine->execute(query);
    ASSERT_FALSE(result) << query;
    EXPECT_EQ(result.get_failure().code, error_codes::kNotSupported) << query << ": " << result.get_failure().message;
    EXPECT_NE(result.get_failure().message.find(name), std::string::npos)
        << query << ": " << result.get_failure().message;
  }
}

TEST(LocalEngineAllowList, ShowFunctionsListsTheRegistry) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto result = engine->execute("SHOW FUNCTIONS");
  ASSERT_TRUE(result) << result.get_failure().to_string();
  ASSERT_EQ(result->columns.size(), 6u);
  EXPECT_EQ(result->columns[0].name, "Function");
  std::set<std::string> kinds_of_sum;
  std::size_t operators = 0;
  for (const auto& row : result->rows) {
    if (*row[0] == "sum") kinds_of_sum.insert(*row[3]);
    if (row[0]->rfind("$", 0) == 0) ++operators;
  }
  EXPECT_EQ(kinds_of_sum, (std::set<std::string>{"aggregate"}));
  EXPECT_EQ(operators, 0u);  // operators are in the registry but not listed, as in Trino
  std::size_t listed = 0;
  for (const auto& entry : sql::registry()) listed += entry.kind != sql::FunctionKind::Operator;
  EXPECT_EQ(result->rows.size(), listed);
  auto row_number =
      std::find_if(result->rows.begin(), result->rows.end(), [](const auto& row) { return *row[0] == "row_number"; });
  ASSERT_NE(row_number, result->rows.end());
  EXPECT_EQ(*(*row_number)[1], "bigint");
  EXPECT_EQ(*(*row_number)[3], "window");
}

}  // namespace
}  // namespace athena_runner::engine
