// CTAS, UNLOAD and INSERT INTO on the local engine: the files they write, the catalog they change, and
// what a later SELECT reads back. Expected values are computed here from the input rows the test writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "athena_runner/engine/local_engine.hpp"
#include "support/temp_dir.hpp"
#include "writes.hpp"

namespace athena_runner::engine {
namespace {

namespace fs = std::filesystem;
using athena_runner::testing::read_file;
using athena_runner::testing::TempDir;
using Json = nlohmann::json;

struct Sale {
  int id;
  std::string region;
  int amount;
};
const std::vector<Sale> kSales = {{1, "eu", 10}, {2, "us", 20}, {3, "eu", 30}, {4, "apac", 5}, {5, "us", 7}};

constexpr char kSalesTable[] = R"({"Table": {"Name": "sales", "DatabaseName": "default",
    "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "int"}, {"Name": "region", "Type": "string"},
                                      {"Name": "amount", "Type": "int"}],
      "Location": "s3://bucket/sales/",
      "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","}}}}})";

std::unique_ptr<LocalEngine> open_engine(const TempDir& temp) {
  std::string csv;
  for (const auto& sale : kSales)
    csv += std::to_string(sale.id) + "," + sale.region + "," + std::to_string(sale.amount) + "\n";
  temp.write("data/bucket/sales/part-0.csv", csv);
  temp.write("catalog/default/sales.json", kSalesTable);
  auto engine = LocalEngine::open(LocalEngineConfig{temp.path() + "/data", temp.path() + "/catalog", "default", 2, ""});
  EXPECT_TRUE(engine) << engine.get_failure().to_string();
  return engine ? std::move(engine).get_result() : nullptr;
}

// Every file under `root` (relative paths), hidden ones included, with its content.
std::map<std::string, std::string> files_under(const std::string& root) {
  std::map<std::string, std::string> files;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_regular_file()) files[fs::relative(it->path(), root).string()] = read_file(it->path().string());
  }
  return files;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::vector<std::string>> rows_of(const QueryResult& result) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : result.rows) {
    std::vector<std::string> out;
    for (const auto& cell : row) out.push_back(cell.value_or("NULL"));
    rows.push_back(out);
  }
  return rows;
}

TEST(LocalWrites, CtasParquetPartitionedCreatesTheTableItsFilesAndPartitions) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto created = engine->execute(
      "CREATE TABLE by_region WITH (format = 'PARQUET', external_location = 's3://bucket/out/by_region/', "
      "partitioned_by = ARRAY['region']) AS SELECT id, amount * 2 AS doubled, region FROM sales");
  ASSERT_TRUE(created) << created.get_failure().to_string();
  EXPECT_EQ(created->statement_type, StatementType::Dml);
  ASSERT_EQ(created->columns.size(), 1u);
  EXPECT_EQ(created->columns[0].name, "rows");
  EXPECT_EQ(created->rows.at(0).at(0), std::to_string(kSales.size()));
  EXPECT_GT(created->data_scanned_bytes, 0);

  // One folder per region, no temporary left behind.
  std::set<std::string> regions;
  for (const auto& sale : kSales) regions.insert(sale.region);
  const std::string out = temp.path() + "/data/bucket/out/by_region";
  std::set<std::string> folders;
  for (const auto& entry : fs::directory_iterator(out)) folders.insert(entry.path().filename().string());
  std::set<std::string> expected_folders;
  for (const auto& region : regions) expected_folders.insert("region=" + region);
  EXPECT_EQ(folders, expected_folders);

  // The Glue table: columns with Hive types, the partition key, Parquet's SerDe, the location.
  const Json table = Json::parse(read_file(temp.path() + "/catalog/default/by_region.json"))["Table"];
  EXPECT_EQ(table["StorageDescriptor"]["Columns"],
            Json::parse(R"([{"Name": "id", "Type": "int"}, {"Name": "doubled", "Type": "int"}])"));
  EXPECT_EQ(table["PartitionKeys"], Json::parse(R"([{"Name": "region", "Type": "string"}])"));
  EXPECT_EQ(table["StorageDescriptor"]["Location"], "s3://bucket/out/by_region/");
  EXPECT_EQ(table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"],
            "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
  const Json partitions = Json::parse(read_file(temp.path() + "/catalog/default/by_region.partitions"))["Partitions"];
  std::set<std::string> registered;
  for (const auto& partition : partitions) {
    registered.insert(partition["Values"][0].get<std::string>());
    EXPECT_EQ(partition["StorageDescriptor"]["Location"],
              "s3://bucket/out/by_region/region=" + partition["Values"][0].get<std::string>() + "/");
  }
  EXPECT_EQ(registered, regions);

  // Read back through the new table.
  auto read = engine->execute("SELECT id, doubled, region FROM by_region ORDER BY id");
  ASSERT_TRUE(read) << read.get_failure().to_string();
  std::vector<std::vector<std::string>> expected;
  for (const auto& sale : kSales)
    expected.push_back({std::to_string(sale.id), std::to_string(sale.amount * 2), sale.region});
  EXPECT_EQ(rows_of(*read), expected);
  auto typed = engine->execute("SELECT doubled FROM by_region WHERE id = 1");
  ASSERT_TRUE(typed);
  EXPECT_EQ(typed->columns.at(0).type, "integer");
}

TEST(LocalWrites, InsertIntoAppendsNewFilesAndRegistersNewPartitions) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto created = engine->execute(
      "CREATE TABLE t WITH (external_location = 's3://bucket/t/', partitioned_by = ARRAY['region']) "
      "AS SELECT id, amount, region FROM sales WHERE region = 'eu'");
  ASSERT_TRUE(created) << created.get_failure().to_string();
  const std::string location = temp.path() + "/data/bucket/t";
  const auto before = files_under(location);
  ASSERT_FALSE(before.empty());

  auto inserted = engine->execute("INSERT INTO t SELECT id, amount, region FROM sales WHERE region <> 'eu'");
  ASSERT_TRUE(inserted) << inserted.get_failure().to_string();
  EXPECT_EQ(inserted->statement_type, StatementType::Dml);
  const auto not_eu = std::count_if(kSales.begin(), kSales.end(), [](const Sale& sale) { return sale.region != "eu"; });
  EXPECT_EQ(inserted->rows.at(0).at(0), std::to_string(not_eu));
  auto values = engine->execute("INSERT INTO t (region, id) VALUES ('eu', 100)");
  ASSERT_TRUE(values) << values.get_failure().to_string();

  // The files written before are untouched; new ones were added.
  const auto after = files_under(location);
  for (const auto& [path, content] : before) {
    ASSERT_TRUE(after.count(path)) << path;
    EXPECT_EQ(after.at(path), content) << path;
  }
  EXPECT_GT(after.size(), before.size());
  for (const auto& [path, content] : after) EXPECT_NE(fs::path(path).filename().string()[0], '.') << path;

  auto count = engine->execute("SELECT count(*), sum(amount), count(amount) FROM t");
  ASSERT_TRUE(count) << count.get_failure().to_string();
  int total = 0;
  for (const auto& sale : kSales) total += sale.amount;
  EXPECT_EQ(rows_of(*count),
            (std::vector<std::vector<std::string>>{
                {std::to_string(kSales.size() + 1), std::to_string(total), std::to_string(kSales.size())}}));
  const Json partitions = Json::parse(read_file(temp.path() + "/catalog/default/t.partitions"))["Partitions"];
  std::set<std::string> registered;
  for (const auto& partition : partitions) registered.insert(partition["Values"][0].get<std::string>());
  EXPECT_EQ(registered, (std::set<std::string>{"apac", "eu", "us"}));
}

TEST(LocalWrites, CtasIntoANonEmptyLocationFailsAndChangesNothing) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  temp.write("data/bucket/taken/existing.txt", "keep me\n");
  const auto data_before = files_under(temp.path() + "/data");
  const auto catalog_before = files_under(temp.path() + "/catalog");
  auto created = engine->execute(
      "CREATE TABLE taken WITH (format = 'TEXTFILE', external_location = 's3://bucket/taken/') AS SELECT * FROM sales");
  ASSERT_FALSE(created);
  EXPECT_NE(created.get_failure().message.find("HIVE_PATH_ALREADY_EXISTS"), std::string::npos)
      << created.get_failure().message;
  EXPECT_EQ(files_under(temp.path() + "/data"), data_before);
  EXPECT_EQ(files_under(temp.path() + "/catalog"), catalog_before);

  // An existing table: ALREADY_EXISTS, nothing written.
  auto again =
      engine->execute("CREATE TABLE sales WITH (external_location = 's3://bucket/elsewhere/') AS SELECT * FROM sales");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.get_failure().code, "ALREADY_EXISTS");
  EXPECT_FALSE(fs::exists(temp.path() + "/data/bucket/elsewhere"));
  // A failing query leaves no folder and no table.
  auto failing = engine->execute(
      "CREATE TABLE broken WITH (external_location = 's3://bucket/broken/') AS SELECT CAST('x' AS integer) AS v FROM "
      "sales");
  ASSERT_FALSE(failing);
  EXPECT_FALSE(fs::exists(temp.path() + "/data/bucket/broken"));
  EXPECT_FALSE(fs::exists(temp.path() + "/catalog/default/broken.json"));
}

TEST(LocalWrites, UnloadTextfileAndJsonWriteFilesWithTheRows) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  QueryContext with_parameter;
  with_parameter.execution_parameters = {"6"};
  auto text = engine->execute(
      "UNLOAD (SELECT id, region, amount FROM sales WHERE amount > ?) TO 's3://bucket/unload/text/' "
      "WITH (format = 'TEXTFILE', field_delimiter = '|', compression = 'NONE')",
      with_parameter);
  ASSERT_TRUE(text) << text.get_failure().to_string();
  std::vector<std::string> expected;
  for (const auto& sale : kSales) {
    if (sale.amount > 6)
      expected.push_back(std::to_string(sale.id) + "|" + sale.region + "|" + std::to_string(sale.amount));
  }
  EXPECT_EQ(text->rows.at(0).at(0), std::to_string(expected.size()));
  std::vector<std::string> lines;
  for (const auto& [path, content] : files_under(temp.path() + "/data/bucket/unload/text")) {
    EXPECT_NE(path[0], '.') << path;
    for (auto& line : lines_of(content)) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(lines, expected);
  EXPECT_FALSE(fs::exists(temp.path() + "/catalog/default/text.json"));

  auto json = engine->execute(
      "UNLOAD (SELECT id, upper(region) AS region FROM sales) TO 's3://bucket/unload/json/' "
      "WITH (format = 'JSON', compression = 'NONE', partitioned_by = ARRAY['region'])");
  ASSERT_TRUE(json) << json.get_failure().to_string();
  std::multiset<std::pair<std::string, int>> got;
  for (const auto& [path, content] : files_under(temp.path() + "/data/bucket/unload/json")) {
    const std::string folder = fs::path(path).parent_path().string();
    ASSERT_EQ(folder.rfind("region=", 0), 0u) << path;
    for (const auto& line : lines_of(content)) {
      Json row = Json::parse(line);
      EXPECT_FALSE(row.contains("region"));  // the partition column is in the folder name only
      got.emplace(folder.substr(7), row["id"].get<int>());
    }
  }
  std::multiset<std::pair<std::string, int>> want;
  for (const auto& sale : kSales) {
    std::string region = sale.region;
    std::transform(region.begin(), region.end(), region.begin(), ::toupper);
    want.emplace(region, sale.id);
  }
  EXPECT_EQ(got, want);

  // The location must be empty.
  auto again = engine->execute("UNLOAD (SELECT 1) TO 's3://bucket/unload/text/' WITH (format = 'TEXTFILE')");
  ASSERT_FALSE(again);
  EXPECT_NE(again.get_failure().message.find("HIVE_PATH_ALREADY_EXISTS"), std::string::npos);
}

TEST(LocalWrites, UnsupportedFormatsFailNamingTheFormat) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  for (const std::string format : {"ORC", "AVRO", "ION"}) {
    auto unload = engine->execute("UNLOAD (SELECT * FROM sales) TO 's3://bucket/x/' WITH (format = '" +
                                  std::string(format == "ION" ? "ion" : format) + "')");
    ASSERT_FALSE(unload) << format;
    EXPECT_EQ(unload.get_failure().code, error_codes::kNotSupported);
    EXPECT_NE(unload.get_failure().message.find("'" + format + "'"), std::string::npos) << unload.get_failure().message;
  }
  auto ctas = engine->execute(
      "CREATE TABLE o WITH (format = 'ORC', external_location = 's3://bucket/o/') AS SELECT * FROM sales");
  ASSERT_FALSE(ctas);
  EXPECT_EQ(ctas.get_failure().code, error_codes::kNotSupported);
  EXPECT_FALSE(fs::exists(temp.path() + "/data/bucket/x"));
  EXPECT_FALSE(fs::exists(temp.path() + "/data/bucket/o"));
  EXPECT_FALSE(fs::exists(temp.path() + "/catalog/default/o.json"));
}

TEST(LocalWrites, CtasTextfileDefaultsRoundTripThroughGzip) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto created = engine->execute(
      "CREATE TABLE totals WITH (format = 'TEXTFILE', external_location = 's3://bucket/totals/') AS "
      "SELECT region, sum(amount) AS total, CAST(NULL AS varchar) AS note FROM sales GROUP BY region");
  ASSERT_TRUE(created) << created.get_failure().to_string();
  for (const auto& [path, content] : files_under(temp.path() + "/data/bucket/totals")) {
    EXPECT_EQ(fs::path(path).extension(), ".gz") << path;  // Athena's default compression is GZIP
  }
  std::map<std::string, int> totals;
  for (const auto& sale : kSales) totals[sale.region] += sale.amount;
  std::vector<std::vector<std::string>> expected;
  for (const auto& [region, total] : totals) expected.push_back({region, std::to_string(total), "NULL"});
  auto read = engine->execute("SELECT region, total, note FROM totals ORDER BY region");
  ASSERT_TRUE(read) << read.get_failure().to_string();
  EXPECT_EQ(rows_of(*read), expected);
  const Json table = Json::parse(read_file(temp.path() + "/catalog/default/totals.json"))["Table"];
  EXPECT_EQ(table["StorageDescriptor"]["Columns"][1]["Type"], "bigint");  // Athena's type of sum(integer)
}

TEST(LocalWrites, CtasPartitionColumnsMustComeLast) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto created = engine->execute(
      "CREATE TABLE p WITH (external_location = 's3://bucket/p/', partitioned_by = ARRAY['region']) AS "
      "SELECT region, id FROM sales");
  ASSERT_FALSE(created);
  EXPECT_NE(created.get_failure().message.find("HIVE_COLUMN_ORDER_MISMATCH"), std::string::npos);
  EXPECT_FALSE(fs::exists(temp.path() + "/data/bucket/p"));
  EXPECT_FALSE(fs::exists(temp.path() + "/catalog/default/p.json"));
}

TEST(LocalWrites, PartitionValuesWithSpecialCharactersAndNullsRoundTrip) {
  TempDir temp;
  // Region values: a space, a slash, empty, NULL (\N in Hive text), a percent sign.
  const std::vector<std::pair<int, std::optional<std::string>>> input = {
      {1, "a b"}, {2, "x/y"}, {3, ""}, {4, std::nullopt}, {5, "100%"}};
  std::string csv;
  for (const auto& [id, region] : input) csv += std::to_string(id) + "," + region.value_or("\\N") + ",1\n";
  temp.write("data/bucket/sales/part-0.csv", csv);
  temp.write("catalog/default/sales.json", kSalesTable);
  auto opened = LocalEngine::open(LocalEngineConfig{temp.path() + "/data", temp.path() + "/catalog", "default", 2, ""});
  ASSERT_TRUE(opened) << opened.get_failure().to_string();
  auto engine = std::move(opened).get_result();
  std::vector<std::vector<std::string>> expected;
  for (const auto& [id, region] : input) expected.push_back({std::to_string(id), region.value_or("NULL")});
  for (const std::string format : {"parquet", "json", "textfile"}) {
    auto created = engine->execute("CREATE TABLE s_" + format + " WITH (format = '" + format +
                                   "', external_location = 's3://bucket/s_" + format +
                                   "/', partitioned_by = ARRAY['region']) AS SELECT id, region FROM sales");
    ASSERT_TRUE(created) << format << ": " << created.get_failure().to_string();
    EXPECT_EQ(created->rows.at(0).at(0), std::to_string(input.size())) << format;
    auto read = engine->execute("SELECT id, region FROM s_" + format + " ORDER BY id");
    ASSERT_TRUE(read) << format << ": " << read.get_failure().to_string();
    EXPECT_EQ(rows_of(*read), expected) << format;
  }
}

TEST(LocalWrites, CtasKeepsEveryColumnTypeThroughParquet) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  const std::string select =
      "SELECT ARRAY[1, 2] AS a, MAP(ARRAY['k'], ARRAY[1]) AS m, CAST(ROW(1, 'x') AS ROW(n integer, s varchar)) AS r, "
      "DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 03:04:05.123' AS ts, 1.5e0 AS dbl, "
      "CAST(2.25 AS decimal(10,2)) AS dec, true AS b, CAST(1 AS tinyint) AS ti, CAST(2 AS bigint) AS bi, "
      "REAL '1.5' AS re, X'AB' AS bin";
  auto created = engine->execute("CREATE TABLE typed WITH (external_location = 's3://bucket/typed/') AS " + select);
  ASSERT_TRUE(created) << created.get_failure().to_string();
  const Json columns =
      Json::parse(read_file(temp.path() + "/catalog/default/typed.json"))["Table"]["StorageDescriptor"]["Columns"];
  std::vector<std::string> types;
  for (const auto& column : columns) types.push_back(column["Type"]);
  EXPECT_EQ(types,
            (std::vector<std::string>{"array<int>", "map<string,int>", "struct<n:int,s:string>", "date", "timestamp",
                                      "double", "decimal(10,2)", "boolean", "tinyint", "bigint", "float", "binary"}));
  auto read = engine->execute("SELECT * FROM typed");
  ASSERT_TRUE(read) << read.get_failure().to_string();
  // As Athena prints these values.
  EXPECT_EQ(rows_of(*read), (std::vector<std::vector<std::string>>{{"[1, 2]", "{k=1}", "{n=1, s=x}", "2024-01-02",
                                                                    "2024-01-02 03:04:05.123", "1.5", "2.25", "true",
                                                                    "1", "2", "1.5", "ab"}}));
}

TEST(LocalWrites, CancelledOrFailingWritesLeaveNothingBehind) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  const auto data_before = files_under(temp.path() + "/data");
  const auto catalog_before = files_under(temp.path() + "/catalog");
  QueryContext context;
  const auto started = std::chrono::steady_clock::now();
  context.is_cancelled = [&] { return std::chrono::steady_clock::now() - started > std::chrono::milliseconds(50); };
  auto cancelled = engine->execute(
      "CREATE TABLE big WITH (external_location = 's3://bucket/big/', partitioned_by = ARRAY['k']) AS "
      "WITH d(x) AS (VALUES 0, 1, 2, 3, 4, 5, 6, 7, 8, 9) SELECT a.x + 10 * b.x AS v, c.x % 3 AS k "
      "FROM d a, d b, d c, d e, d f, d g, d h, d i, d j, d k, d l",
      context);
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.get_failure().code, error_codes::kCancelled);
  // Mismatched INSERT column counts fail before writing.
  auto mismatched = engine->execute("INSERT INTO sales SELECT 1, 'eu'");
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.get_failure().message.find("mismatched column count"), std::string::npos);
  // A value that fails to convert fails the INSERT while its COPY runs.
  auto failing = engine->execute("INSERT INTO sales (id) SELECT CAST(region AS integer) FROM sales");
  ASSERT_FALSE(failing);
  EXPECT_EQ(files_under(temp.path() + "/data"), data_before);
  EXPECT_EQ(files_under(temp.path() + "/catalog"), catalog_before);
  EXPECT_FALSE(fs::exists(temp.path() + "/data/bucket/big"));
  // The engine is still usable, and the table still has its rows only.
  auto count = engine->execute("SELECT count(*) FROM sales");
  ASSERT_TRUE(count) << count.get_failure().to_string();
  EXPECT_EQ(count->rows.at(0).at(0), std::to_string(kSales.size()));
}

TEST(LocalWrites, CtasWithNoDataAndIfNotExists) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  auto empty = engine->execute(
      "CREATE TABLE shape WITH (format = 'JSON', external_location = 's3://bucket/shape/') AS "
      "SELECT id, region FROM sales WITH NO DATA");
  ASSERT_TRUE(empty) << empty.get_failure().to_string();
  EXPECT_EQ(empty->rows.at(0).at(0), "0");
  EXPECT_TRUE(files_under(temp.path() + "/data/bucket/shape").empty());
  const Json table = Json::parse(read_file(temp.path() + "/catalog/default/shape.json"))["Table"];
  EXPECT_EQ(table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"], "org.apache.hive.hcatalog.data.JsonSerDe");
  auto inserted = engine->execute("INSERT INTO shape SELECT id, region FROM sales WHERE id <= 2");
  ASSERT_TRUE(inserted) << inserted.get_failure().to_string();
  auto read = engine->execute("SELECT id, region FROM shape ORDER BY id");
  ASSERT_TRUE(read) << read.get_failure().to_string();
  EXPECT_EQ(rows_of(*read), (std::vector<std::vector<std::string>>{{"1", kSales[0].region}, {"2", kSales[1].region}}));

  // IF NOT EXISTS on an existing table: nothing is written.
  auto again = engine->execute(
      "CREATE TABLE IF NOT EXISTS shape WITH (external_location = 's3://bucket/other/') AS SELECT 1 AS x");
  ASSERT_TRUE(again) << again.get_failure().to_string();
  EXPECT_FALSE(fs::exists(temp.path() + "/data/bucket/other"));
  EXPECT_EQ(Json::parse(read_file(temp.path() + "/catalog/default/shape.json"))["Table"], table);
}

TEST(LocalWrites, ScannedBytesAreTheBytesTheQueryRead) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  const auto input = static_cast<std::int64_t>(fs::file_size(temp.path() + "/data/bucket/sales/part-0.csv"));
  auto unloaded = engine->execute(
      "UNLOAD (SELECT * FROM sales) TO 's3://bucket/u/' WITH (format = 'PARQUET', partitioned_by = ARRAY['amount'])");
  ASSERT_TRUE(unloaded) << unloaded.get_failure().to_string();
  EXPECT_EQ(unloaded->data_scanned_bytes, input);  // a text file is read whole, once
  auto values = engine->execute("UNLOAD (SELECT 1 AS x) TO 's3://bucket/v/' WITH (format = 'PARQUET')");
  ASSERT_TRUE(values) << values.get_failure().to_string();
  EXPECT_EQ(values->data_scanned_bytes, 0);
}

TEST(LocalWrites, LocationsInDotNamedFoldersAreRefused) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  for (const std::string location : {"s3://.glue/default/", "s3://bucket/.hidden/"}) {
    auto unloaded = engine->execute("UNLOAD (SELECT 1 AS x) TO '" + location + "' WITH (format = 'JSON')");
    ASSERT_FALSE(unloaded) << location;
    EXPECT_NE(unloaded.get_failure().message.find("starts with '.'"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(temp.path() + "/data/.glue"));
  EXPECT_FALSE(fs::exists(temp.path() + "/data/bucket/.hidden"));
}

TEST(WriteStatements, RecognisedByTheirFirstKeywords) {
  EXPECT_TRUE(local::is_write_statement("CREATE TABLE t AS SELECT 1"));
  EXPECT_TRUE(local::is_write_statement("  /* c */ create table t with (format = 'JSON') as (select 1)"));
  EXPECT_TRUE(local::is_write_statement("-- x\ninsert into t values (1)"));
  EXPECT_TRUE(local::is_write_statement("UNLOAD (SELECT 1) TO 's3://b/' WITH (format = 'JSON')"));
  EXPECT_FALSE(local::is_write_statement("CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/'"));
  EXPECT_FALSE(local::is_write_statement("CREATE TABLE t (a int)"));
  EXPECT_FALSE(local::is_write_statement("SELECT 'INSERT INTO t'"));
  EXPECT_FALSE(local::is_write_statement("INSERTS"));
}

TEST(WriteStatements, ParsesPropertiesAndKeepsTheQueryAsWritten) {
  auto ctas = local::parse_write_statement(
      "CREATE TABLE IF NOT EXISTS db.\"T\" WITH (format = 'textfile', external_location = 's3://b/p/', "
      "partitioned_by = ARRAY['dt', 'h'], field_delimiter = '|', write_compression = 'none') AS\n"
      "  SELECT a, -- c\n b FROM x WITH NO DATA;");
  ASSERT_TRUE(ctas) << ctas.get_failure().to_string();
  EXPECT_EQ(ctas->kind, local::WriteStatement::Kind::Ctas);
  EXPECT_EQ(ctas->database, "db");
  EXPECT_EQ(ctas->table, "t");
  EXPECT_TRUE(ctas->if_not_exists);
  EXPECT_FALSE(ctas->with_data);
  EXPECT_EQ(ctas->format, "TEXTFILE");
  EXPECT_EQ(ctas->location, "s3://b/p/");
  EXPECT_EQ(ctas->partitioned_by, (std::vector<std::string>{"dt", "h"}));
  EXPECT_EQ(ctas->field_delimiter, "|");
  EXPECT_EQ(ctas->compression, "NONE");
  EXPECT_EQ(ctas->query, "SELECT a, -- c\n b FROM x");

  auto unload = local::parse_write_statement(
      "UNLOAD (SELECT (1 + 2) AS x FROM t WHERE y IN (1, 2)) TO 's3://b/u/' WITH (format = 'JSON')");
  ASSERT_TRUE(unload) << unload.get_failure().to_string();
  EXPECT_EQ(unload->query, "SELECT (1 + 2) AS x FROM t WHERE y IN (1, 2)");
  EXPECT_EQ(unload->location, "s3://b/u/");

  auto listed = local::parse_write_statement("INSERT INTO t (a, B) SELECT 1, 2");
  ASSERT_TRUE(listed) << listed.get_failure().to_string();
  EXPECT_EQ(listed->insert_columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(listed->query, "SELECT 1, 2");
  auto parenthesised = local::parse_write_statement("INSERT INTO t (SELECT 1)");
  ASSERT_TRUE(parenthesised) << parenthesised.get_failure().to_string();
  EXPECT_TRUE(parenthesised->insert_columns.empty());
  EXPECT_EQ(parenthesised->query, "(SELECT 1)");

  for (const std::string property : {"bucketed_by = ARRAY['a']", "table_type = 'ICEBERG'", "vacuum_max = '1'"}) {
    auto rejected = local::parse_write_statement("CREATE TABLE t WITH (" + property + ") AS SELECT 1 AS a");
    ASSERT_FALSE(rejected) << property;
    EXPECT_EQ(rejected.get_failure().code, error_codes::kNotSupported) << property;
  }
  EXPECT_FALSE(local::parse_write_statement("UNLOAD (SELECT 1 TO 's3://b/' WITH (format = 'JSON')"));
}

TEST(LocalWrites, InsertIntoAcceptsTrinosImplicitCoercionsOnly) {
  TempDir temp;
  auto engine = open_engine(temp);
  ASSERT_TRUE(engine);
  // sales: id int, region string, amount int.
  for (const std::string accepted : {"INSERT INTO sales VALUES (CAST(6 AS tinyint), NULL, CAST(1 AS smallint))",
                                     "INSERT INTO sales SELECT id, region, amount FROM sales WHERE id = 1"}) {
    auto inserted = engine->execute(accepted);
    EXPECT_TRUE(inserted) << accepted << ": " << inserted.get_failure().to_string();
  }
  const auto data_before = files_under(temp.path() + "/data");
  for (const std::string rejected :
       {"INSERT INTO sales VALUES ('7', 'eu', 1)", "INSERT INTO sales VALUES (7, 'eu', 1.5e0)",
        "INSERT INTO sales VALUES (CAST(7 AS bigint), 'eu', 1)", "INSERT INTO sales (id, region) VALUES (7, 8)"}) {
    auto inserted = engine->execute(rejected);
    ASSERT_FALSE(inserted) << rejected;
    EXPECT_NE(inserted.get_failure().message.find("mismatched column types"), std::string::npos)
        << inserted.get_failure().message;
  }
  EXPECT_EQ(files_under(temp.path() + "/data"), data_before);
  auto read = engine->execute("SELECT id, region, amount FROM sales WHERE id IN (1, 6) ORDER BY id, region");
  ASSERT_TRUE(read) << read.get_failure().to_string();
  const std::string one = std::to_string(kSales[0].amount);
  EXPECT_EQ(rows_of(*read), (std::vector<std::vector<std::string>>{
                                {"1", kSales[0].region, one}, {"1", kSales[0].region, one}, {"6", "NULL", "1"}}));
}

}  // namespace
}  // namespace athena_runner::engine
