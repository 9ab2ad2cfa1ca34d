// Pure translation pieces: Hive type strings, parameter literals, MySQL date formats, rewrites.
#include <gtest/gtest.h>

#include "athena_runner/engine/local_engine.hpp"
#include "dialect.hpp"
#include "hive_types.hpp"

namespace athena_runner::engine::local {
namespace {

std::string duck(std::string_view hive) {
  auto type = hive_to_duckdb_type(hive);
  return type ? type->sql : "ERROR: " + type.get_failure().message;
}

TEST(HiveTypes, AtomicTypes) {
  EXPECT_EQ(duck("string"), "VARCHAR");
  EXPECT_EQ(duck("varchar(20)"), "VARCHAR");
  EXPECT_EQ(duck("char(3)"), "VARCHAR");
  EXPECT_EQ(duck("tinyint"), "TINYINT");
  EXPECT_EQ(duck("smallint"), "SMALLINT");
  EXPECT_EQ(duck("int"), "INTEGER");
  EXPECT_EQ(duck("bigint"), "BIGINT");
  EXPECT_EQ(duck("float"), "FLOAT");
  EXPECT_EQ(duck("double"), "DOUBLE");
  EXPECT_EQ(duck("decimal(10,2)"), "DECIMAL(10,2)");
  EXPECT_EQ(duck("decimal"), "DECIMAL(10,0)");  // Hive's default precision and scale
  EXPECT_EQ(duck("date"), "DATE");
  EXPECT_EQ(duck("timestamp"), "TIMESTAMP");
  EXPECT_EQ(duck("boolean"), "BOOLEAN");
  EXPECT_EQ(duck("binary"), "BLOB");
  EXPECT_EQ(duck("BIGINT"), "BIGINT");
}

TEST(HiveTypes, NestedTypes) {
  EXPECT_EQ(duck("array<int>"), "INTEGER[]");
  EXPECT_EQ(duck("map<string,decimal(5,1)>"), "MAP(VARCHAR, DECIMAL(5,1))");
  EXPECT_EQ(duck("struct<a:int,b:array<string>>"), "STRUCT(\"a\" INTEGER, \"b\" VARCHAR[])");
  EXPECT_EQ(duck("array<struct<x:map<string, array<bigint>>>>"), "STRUCT(\"x\" MAP(VARCHAR, BIGINT[]))[]");
  EXPECT_TRUE(hive_to_duckdb_type("array<int>")->complex);
  EXPECT_FALSE(hive_to_duckdb_type("int")->complex);
}

TEST(HiveTypes, DeepNestingIsAnErrorNotACrash) {
  auto nested = [](int levels) {
    std::string type;
    for (int i = 0; i < levels; ++i) type += "array<";
    return type + "int" + std::string(static_cast<std::size_t>(levels), '>');
  };
  EXPECT_EQ(duck(nested(100)).find("ERROR"), std::string::npos);  // deep, but within the limit
  auto too_deep = hive_to_duckdb_type(nested(101));
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.get_failure().code, error_codes::kInvalidCatalog);
  EXPECT_NE(too_deep.get_failure().message.find("nested more than 100 levels"), std::string::npos);
  EXPECT_LT(too_deep.get_failure().message.size(), 400u);  // the type is quoted cut short
  EXPECT_FALSE(hive_to_duckdb_type(nested(100'000)));
}

TEST(HiveTypes, ErrorsNameTheType) {
  auto union_type = hive_to_duckdb_type("uniontype<int,string>");
  ASSERT_FALSE(union_type);
  EXPECT_NE(union_type.get_failure().message.find("uniontype"), std::string::npos);
  EXPECT_EQ(union_type.get_failure().code, error_codes::kNotSupported);
  auto nested = hive_to_duckdb_type("array<interval>");
  ASSERT_FALSE(nested);
  EXPECT_NE(nested.get_failure().message.find("interval"), std::string::npos);
  EXPECT_FALSE(hive_to_duckdb_type("array<int"));
  EXPECT_FALSE(hive_to_duckdb_type("decimal(2,5)"));
  EXPECT_FALSE(hive_to_duckdb_type("int extra"));
  EXPECT_FALSE(hive_to_duckdb_type("struct<a>"));
}

TEST(ParameterLiterals, AcceptsOneLiteral) {
  for (const char* literal : {"42", "-1.5", "'x'", "'it''s'", "DATE '2024-01-01'", "TIMESTAMP '2024-01-01 10:00:00'",
                              "true", "NULL", "decimal '1.25'", "INTERVAL '3' DAY", "1e3"}) {
    EXPECT_TRUE(validate_parameter_literal(literal)) << literal;
  }
}

TEST(ParameterLiterals, RejectsAnythingElse) {
  for (const char* attempt :
       {"1; DROP TABLE t", "1) OR (1=1", "1 OR 1=1", "'a' || 'b'", "(SELECT 1)", "x", "'x' -- comment", "'unterminated",
        "", "DATE '2024-01-01' + 1", "- - 1", "read_csv('/etc/passwd')", "INTERVAL '1' fortnight"}) {
    auto status = validate_parameter_literal(attempt);
    EXPECT_FALSE(status) << attempt;
    if (!status) {
      EXPECT_EQ(status.get_failure().code, error_codes::kInvalidParameter);
    }
  }
}

TEST(MysqlFormat, TranslatesSpecifiers) {
  EXPECT_EQ(*mysql_to_strftime("%Y-%m-%d %H:%i:%s"), "%Y-%m-%d %H:%M:%S");
  EXPECT_EQ(*mysql_to_strftime("%T %r"), "%H:%M:%S %I:%M:%S %p");
  EXPECT_EQ(*mysql_to_strftime("%e/%c %k %l %h 100%%"), "%-d/%-m %-H %-I %I 100%%");
  EXPECT_EQ(*mysql_to_strftime("%W %a %M %b %j %y %f"), "%A %a %B %b %j %y %f");
  auto week = mysql_to_strftime("%U");
  ASSERT_FALSE(week);
  EXPECT_NE(week.get_failure().message.find("%U"), std::string::npos);
  EXPECT_FALSE(mysql_to_strftime("50%"));
}

std::string translated(std::string_view sql, std::vector<std::string> parameters = {}) {
  auto translation = translate_to_duckdb(sql, parameters);
  return translation ? translation->sql : "ERROR: " + translation.get_failure().message;
}

TEST(Translation, RenamesOnlyCallsOutsideLiterals) {
  EXPECT_EQ(translated("SELECT date_diff('day', a, b), 'date_diff(' FROM t"),
            "SELECT date_sub('day', a, b), 'date_diff(' FROM t");
  EXPECT_EQ(translated("SELECT \"split\"(x), split FROM t"), "SELECT \"split\"(x), split FROM t");
  EXPECT_EQ(translated("SELECT CAST(x AS ARRAY(ARRAY(integer)))"), "SELECT CAST(x AS integer[][])");
  EXPECT_EQ(translated("SELECT regexp_replace(s, '(a)', '<$1>')"), "SELECT regexp_replace(s, '(a)', '<\\1>', 'g')");
  EXPECT_EQ(translated("SELECT extract(dow FROM d)"), "SELECT extract(isodow FROM d)");
}

TEST(Translation, TrinoLambdasUseDuckDBsLambdaKeyword) {
  EXPECT_EQ(translated("SELECT filter(a, x -> x > 1) FROM t"), "SELECT filter(a, lambda x: x > 1) FROM t");
  EXPECT_EQ(translated("SELECT f(a, (k, \"v\")->k + \"v\")"), "SELECT f(a, lambda k, \"v\":k + \"v\")");
  EXPECT_EQ(translated("SELECT filter(a, x -> contains(x, 1))"), "SELECT filter(a, lambda x: ar_contains(x, 1))");
  EXPECT_EQ(translated("SELECT a - b, a > -1, (a) - 1, '->' FROM t -- x -> y"),
            "SELECT a - b, a > -1, (a) - 1, '->' FROM t -- x -> y");
}

TEST(Translation, SubstitutesParametersOutsideStringsAndComments) {
  EXPECT_EQ(translated("SELECT '?', ? -- ?\n", {"42"}), "SELECT '?',  42  -- ?\n");
  auto too_few = translate_to_duckdb("SELECT ?, ?", {"1"});
  ASSERT_FALSE(too_few);
  EXPECT_EQ(too_few.get_failure().code, error_codes::kInvalidParameter);
  EXPECT_FALSE(translate_to_duckdb("SELECT 1", {"1"}));
}

TEST(Translation, RejectsFunctionsThatWouldDiffer) {
  auto rejected = translate_to_duckdb("SELECT array_distinct(ARRAY[1, 1])", {});
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.get_failure().code, error_codes::kNotSupported);
  EXPECT_NE(rejected.get_failure().message.find("array_distinct"), std::string::npos);
  EXPECT_FALSE(translate_to_duckdb("SELECT date_format(ts, fmt) FROM t", {}));
}

}  // namespace
}  // namespace athena_runner::engine::local
