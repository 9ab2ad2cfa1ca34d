// A query the front end accepts either runs or fails with a named error: random queries from a small
// grammar (seeded, so a failure reproduces) over a table with every type family, each parsed and, when it
// parses, executed. Every failure must carry one of the engine's codes and a message; none may crash.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "athena_runner/base/random.hpp"
#include "athena_runner/engine/local_engine.hpp"
#include "athena_runner/engine/sql/parser.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::engine {
namespace {

using athena_runner::testing::TempDir;

class QueryGenerator {
 public:
  explicit QueryGenerator(std::uint64_t seed) : random_(Random::seeded(seed)) {}

  std::string query(int depth = 0) {
    std::string q = "SELECT " + select_list(depth) + " FROM " + relation(depth);
    if (chance(2)) q += " WHERE " + boolean(depth + 1);
    if (chance(4)) q += " GROUP BY " + pick({"1", "i", "s", "d"});
    if (chance(3)) q += " ORDER BY 1" + pick({"", " DESC", " NULLS FIRST"});
    if (chance(3)) q += " LIMIT " + std::to_string(random_.next() % 5);
    if (depth == 0 && chance(6)) q += pick({" UNION ", " UNION ALL ", " EXCEPT ", " INTERSECT "}) + query(depth + 1);
    return q;
  }

 private:
  bool chance(int one_in) { return random_.next() % static_cast<std::uint64_t>(one_in) == 0; }
  std::string pick(std::initializer_list<std::string> options) {
    std::vector<std::string> all(options);
    return all[random_.next() % all.size()];
  }
  std::string select_list(int depth) {
    std::string out = value(depth);
    int more = static_cast<int>(random_.next() % 3);
    for (int i = 0; i < more; ++i) out += ", " + value(depth) + (chance(2) ? " AS c" + std::to_string(i) : "");
    return out;
  }
  std::string relation(int depth) {
    if (depth < 2 && chance(5)) return "(" + query(depth + 1) + ") AS sub";
    if (chance(6)) return "t CROSS JOIN UNNEST(t.a) AS u(x)";
    if (chance(6)) return "t JOIN (SELECT i AS j FROM t) AS t2 ON t.i = t2.j";
    return "t";
  }
  std::string literal() {
    return pick({"1",
                 "-7",
                 "2147483647",
                 "0",
                 "1.5",
                 "0.001",
                 "1e3",
                 "'x'",
                 "'2024-01-01'",
                 "NULL",
                 "true",
                 "DATE '2024-02-29'",
                 "TIMESTAMP '2024-01-01 10:00:00.123'",
                 "INTERVAL '1' DAY",
                 "DECIMAL '-12.50'",
                 "BIGINT '9223372036854775807'",
                 "TINYINT '127'",
                 "X'00ff'",
                 "ARRAY[1, 2]",
                 "ROW(1, 'a')"});
  }
  std::string column() {
    return pick({"i", "b", "d", "m", "s", "dt", "ts", "a", "mp", "r", "f", "t.i", "r.x", "a[1]"});
  }
  std::string value(int depth) {
    if (depth > 3) return chance(2) ? literal() : column();
    switch (random_.next() % 12) {
      case 0: return literal();
      case 1: return column();
      case 2: return value(depth + 1) + pick({" + ", " - ", " * ", " / ", " % ", " || "}) + value(depth + 1);
      case 3:
        return pick({"abs", "length", "lower", "round", "year", "cardinality", "sum", "count", "max", "avg", "sqrt",
                     "upper", "array_distinct", "json_parse", "date_trunc"}) +
               "(" + value(depth + 1) + ")";
      case 4:
        return "CAST(" + value(depth + 1) + " AS " +
               pick({"integer", "varchar", "double", "date", "decimal(5,2)", "bigint", "tinyint"}) + ")";
      case 5:
        return "CASE WHEN " + boolean(depth + 1) + " THEN " + value(depth + 1) + " ELSE " + value(depth + 1) + " END";
      case 6: return "coalesce(" + value(depth + 1) + ", " + value(depth + 1) + ")";
      case 7: return "(" + value(depth + 1) + ")";
      case 8: return "row_number() OVER (ORDER BY " + column() + ")";
      case 9:
        return "date_add('" + pick({"day", "hour", "month", "fortnight"}) + "', 1, " +
               pick({"dt", "ts", "DATE '2024-01-31'"}) + ")";
      case 10: return "try_cast(" + value(depth + 1) + " AS integer)";
      default:
        return pick(
            {"element_at(a, 1)", "element_at(a, -1)", "element_at(mp, 'k')", "a[2]", "mp['k']", "element_at(a, i)"});
    }
  }
  std::string boolean(int depth) {
    switch (random_.next() % 6) {
      case 0: return value(depth) + pick({" = ", " <> ", " < ", " >= "}) + value(depth);
      case 1: return value(depth) + " IS NULL";
      case 2: return value(depth) + " IN (" + literal() + ", " + literal() + ")";
      case 3: return value(depth) + " BETWEEN " + literal() + " AND " + literal();
      case 4: return "s LIKE '%x%'";
      default: return "(" + boolean(depth + 1) + pick({" AND ", " OR "}) + boolean(depth + 1) + ")";
    }
  }

  Random random_;
};

TEST(RandomQueries, AcceptedQueriesRunOrFailWithANamedError) {
  TempDir temp;
  temp.write("catalog/default/t.json", R"json({"Table": {"Name": "t", "DatabaseName": "default",
    "StorageDescriptor": {"Columns": [
      {"Name": "i", "Type": "int"}, {"Name": "b", "Type": "bigint"}, {"Name": "d", "Type": "double"},
      {"Name": "m", "Type": "decimal(10,2)"}, {"Name": "s", "Type": "string"}, {"Name": "dt", "Type": "date"},
      {"Name": "ts", "Type": "timestamp"}, {"Name": "a", "Type": "array<int>"}, {"Name": "mp", "Type": "map<string,int>"},
      {"Name": "r", "Type": "struct<x:int,y:string>"}, {"Name": "f", "Type": "boolean"}],
      "Location": "s3://bucket/t/",
      "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"}}}})json");
  temp.write(
      "data/bucket/t/part-0.json",
      R"({"i": 1, "b": 10, "d": 1.5, "m": 3.25, "s": "x", "dt": "2024-01-01", "ts": "2024-01-01 10:00:00", "a": [1, 2], "mp": {"k": 1}, "r": {"x": 1, "y": "a"}, "f": true})"
      "\n"
      R"({"i": null, "b": -3, "d": -0.5, "m": null, "s": "yx", "dt": "2024-02-29", "ts": null, "a": [], "mp": {}, "r": null, "f": false})"
      "\n");
  auto opened =
      LocalEngine::open(LocalEngineConfig{temp.path() + "/data", temp.path() + "/catalog", "default", 2, "256MB"});
  ASSERT_TRUE(opened) << opened.get_failure().to_string();
  auto engine = std::move(opened).get_result();
  const std::set<std::string> named = {"NOT_SUPPORTED", "INVALID_PARAMETER", "QUERY_FAILED", "SYNTAX_ERROR",
                                       "TABLE_DATA_ERROR"};
  QueryGenerator generator(20261202);
  int parsed = 0;
  int ran = 0;
  for (int n = 0; n < 1000; ++n) {
    const std::string sql = generator.query();
    if (!sql::parse_statement(sql)) continue;
    ++parsed;
    auto result = engine->execute(sql);
    if (result) {
      ++ran;
      continue;
    }
    if (std::getenv("AR_SHOW_RANDOM_FAILURES"))
      std::cerr << sql << "\n  -> " << result.get_failure().to_string().substr(0, 200) << "\n";
    EXPECT_TRUE(named.count(result.get_failure().code)) << sql << "\n" << result.get_failure().to_string();
    EXPECT_FALSE(result.get_failure().message.empty()) << sql;
  }
  // The grammar is mostly valid SQL: most queries parse, and a fair share runs.
  EXPECT_GT(parsed, 800);
  EXPECT_GT(ran, 80);
  // The engine is still usable.
  auto after = engine->execute("SELECT count(*) FROM t");
  ASSERT_TRUE(after) << after.get_failure().to_string();
  EXPECT_EQ(after->rows.at(0).at(0), "2");
}

}  // namespace
}  // namespace athena_runner::engine
