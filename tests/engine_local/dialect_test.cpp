// Hive type strings (the views' DuckDB types) and execution parameter literals.
#include <gtest/gtest.h>

#include "athena_runner/engine/local_engine.hpp"
#include "athena_runner/engine/sql/translate.hpp"
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
    EXPECT_TRUE(sql::validate_parameter_literal(literal)) << literal;
  }
}

TEST(ParameterLiterals, RejectsAnythingElse) {
  for (const char* attempt :
       {"1; DROP TABLE t", "1) OR (1=1", "1 OR 1=1", "'a' || 'b'", "(SELECT 1)", "x", "'x' -- comment", "'unterminated",
        "", "DATE '2024-01-01' + 1", "- - 1", "read_csv('/etc/passwd')", "INTERVAL '1' fortnight"}) {
    auto status = sql::validate_parameter_literal(attempt);
    EXPECT_FALSE(status) << attempt;
    if (!status) {
      EXPECT_EQ(status.get_failure().code, error_codes::kInvalidParameter);
    }
  }
}

}  // namespace
}  // namespace athena_runner::engine::local
