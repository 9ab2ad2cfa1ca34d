// The SQL front end on its own (no DuckDB): lexer, parser, types, registry resolution, binder.
// Expected values come from Trino's documentation (language/reserved, language/types, functions/decimal,
// functions/conversion) and the SQL standard.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/functions.hpp"
#include "athena_runner/engine/sql/json_path.hpp"
#include "athena_runner/engine/sql/lexer.hpp"
#include "athena_runner/engine/sql/parser.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "athena_runner/engine/sql/types.hpp"

namespace athena_runner::sql {
namespace {

Type type_of(std::string_view text) {
  auto t = parse_type(text);
  EXPECT_TRUE(t) << text << ": " << (t ? "" : t.get_failure().message);
  return t ? *t : Type::of(TypeKind::Unknown);
}

// ---- lexer ----

TEST(Lexer, TokensCarryLineAndColumn) {
  auto tokens = lex("SELECT a,\n  'it''s' -- comment\n  , 1.5e3 /* x */ FROM \"T\"\"q\"");
  ASSERT_TRUE(tokens) << tokens.get_failure().message;
  const auto& t = *tokens;
  ASSERT_EQ(t.size(), 9u);
  EXPECT_EQ(t[0].value, "select");
  EXPECT_EQ(t[1].value, "a");
  EXPECT_EQ(t[1].position.column, 8);
  EXPECT_EQ(t[3].kind, TokenKind::String);
  EXPECT_EQ(t[3].value, "it's");
  EXPECT_EQ(t[3].position.line, 2);
  EXPECT_EQ(t[3].position.column, 3);
  EXPECT_EQ(t[5].kind, TokenKind::Double);
  EXPECT_EQ(t[7].kind, TokenKind::QuotedIdentifier);
  EXPECT_EQ(t[7].value, "T\"q");  // case kept, doubled quote unescaped
  EXPECT_EQ(t[8].kind, TokenKind::End);
}

TEST(Lexer, NumbersStringsAndBinary) {
  auto tokens = lex("1 1.5 .5 1. 1e3 X'0A ff' U&'caf\\00E9' U&'\\+01F600'");
  ASSERT_TRUE(tokens);
  std::vector<TokenKind> kinds;
  for (const auto& t : *tokens) kinds.push_back(t.kind);
  EXPECT_EQ(kinds, (std::vector<TokenKind>{TokenKind::Integer, TokenKind::Decimal, TokenKind::Decimal,
                                           TokenKind::Decimal, TokenKind::Double, TokenKind::BinaryString,
                                           TokenKind::UnicodeString, TokenKind::UnicodeString, TokenKind::End}));
  EXPECT_EQ((*tokens)[5].value, "0Aff");
  EXPECT_EQ((*tokens)[6].value, "caf\xC3\xA9");
  EXPECT_EQ((*tokens)[7].value, "\xF0\x9F\x98\x80");
}

TEST(Lexer, ErrorsSayWhereAndWhat) {
  auto unterminated = lex("SELECT\n  'abc");
  ASSERT_FALSE(unterminated);
  EXPECT_EQ(unterminated.get_failure().code, kSyntaxErrorCode);
  EXPECT_EQ(unterminated.get_failure().message, "line 2:3: unterminated string literal");
  auto backquote = lex("SELECT `a`");
  ASSERT_FALSE(backquote);
  EXPECT_NE(backquote.get_failure().message.find("line 1:8: backquoted identifiers are not supported"),
            std::string::npos);
  auto digits = lex("SELECT 1abc");
  ASSERT_FALSE(digits);
  EXPECT_NE(digits.get_failure().message.find("must not start with a digit"), std::string::npos);
  EXPECT_FALSE(lex("SELECT X'ABC'"));  // odd number of hex digits
  EXPECT_FALSE(lex("SELECT X'GG'"));
  EXPECT_FALSE(lex("SELECT \"\""));  // zero-length delimited identifier
  EXPECT_FALSE(lex("SELECT /* open"));
  EXPECT_FALSE(lex("SELECT 1::int"));  // PostgreSQL casts are not Trino SQL
}

TEST(Lexer, HiveModeReadsAthenasDdl) {
  // Athena's Hive DDL: either quote for strings with backslash escapes (\t \n \\ \' and octal), `backquoted`
  // names with `` for a backquote, names that start with a digit.
  auto tokens = lex("CREATE `My``t` 2024_sales 'a\\'b\\t\\001' \"s3://x/\" 12 -- c\n;", LexMode::Hive);
  ASSERT_TRUE(tokens);
  const auto& t = *tokens;
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[1].kind, TokenKind::QuotedIdentifier);
  EXPECT_EQ(t[1].value, "My`t");
  EXPECT_EQ(t[2].kind, TokenKind::Identifier);
  EXPECT_EQ(t[2].value, "2024_sales");
  EXPECT_EQ(t[3].kind, TokenKind::String);
  EXPECT_EQ(t[3].value, std::string("a'b\t\x01"));
  EXPECT_EQ(t[4].kind, TokenKind::String);
  EXPECT_EQ(t[4].value, "s3://x/");
  EXPECT_EQ(t[5].kind, TokenKind::Integer);
  EXPECT_TRUE(t[6].is_symbol(";"));
  auto open = lex("LOCATION 's3://x/\\'", LexMode::Hive);  // the escaped quote does not end the string
  ASSERT_FALSE(open);
  EXPECT_EQ(open.get_failure().message, "line 1:10: unterminated string literal");
  EXPECT_EQ(lex("SELECT \"x\" FROM t", LexMode::Hive)->at(1).kind, TokenKind::String);  // Hive: a string
  EXPECT_FALSE(lex("SELECT 2024_sales"));                                               // not in Trino's mode
}

TEST(Lexer, ReservedWordsAreTrinos) {
  for (const char* word : {"select", "from", "join", "cube", "rollup", "unnest", "listagg", "json_table", "trim"}) {
    EXPECT_TRUE(is_reserved_word(word)) << word;
  }
  for (const char* word : {"limit", "offset", "date", "timestamp", "year", "first", "rows", "zone", "filter"}) {
    EXPECT_FALSE(is_reserved_word(word)) << word;
  }
}

// ---- parser ----

TEST(Parser, ParsesEveryQueryForm) {
  const char* queries[] = {
      "SELECT 1",
      "SELECT DISTINCT a, b AS c, t.*, * FROM t",
      "WITH x AS (SELECT 1 AS a), y (b) AS (SELECT 2) SELECT * FROM x, y",
      "SELECT a FROM t UNION ALL SELECT b FROM u INTERSECT SELECT c FROM v EXCEPT DISTINCT SELECT d FROM w",
      "(SELECT 1) UNION (SELECT 2) ORDER BY 1 LIMIT 1",
      "VALUES 1, 2, 3",
      "VALUES (1, 'a'), (2, 'b')",
      "TABLE t",
      "SELECT * FROM a JOIN b ON a.x = b.x LEFT JOIN c USING (y) RIGHT OUTER JOIN d ON true FULL JOIN e ON false",
      "SELECT * FROM a CROSS JOIN UNNEST(a.arr, a.other) WITH ORDINALITY AS u (x, y, n)",
      "SELECT * FROM a, LATERAL (SELECT a.x) l",
      "SELECT * FROM (a JOIN b ON a.k = b.k) AS j",
      "SELECT k, count(*) FROM t GROUP BY GROUPING SETS ((k), ()), ROLLUP (a, b), CUBE (c) HAVING count(*) > 1",
      "SELECT k FROM t GROUP BY DISTINCT k, (a, b)",
      "SELECT rank() OVER (PARTITION BY a ORDER BY b DESC NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND 1 "
      "FOLLOWING) FROM t",
      "SELECT sum(x) OVER w FROM t WINDOW w AS (PARTITION BY k RANGE CURRENT ROW)",
      "SELECT a FROM t ORDER BY a OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY",
      "SELECT a FROM t LIMIT ALL",
      "SELECT (SELECT max(x) FROM u), x IN (SELECT y FROM v), EXISTS (SELECT 1), x = ANY (SELECT y FROM v) FROM t",
      "SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, CASE x WHEN 1 THEN 'a' END FROM t",
      "SELECT IF(a, 1), IF(a, 1, 2), TRY(1 / 0), COALESCE(a, b, c), NULLIF(a, b) FROM t",
      "SELECT a BETWEEN 1 AND 2, a NOT BETWEEN 1 AND 2, a LIKE 'x%' ESCAPE '\\', a NOT LIKE 'y' FROM t",
      "SELECT a IS NULL, a IS NOT NULL, a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b FROM t",
      "SELECT transform(a, x -> x + 1), zip_with(a, b, (x, y) -> x * y) FROM t",
      "SELECT a[1], m['k'], r.field, (r).field, ROW(1, 'a'), ARRAY[1, 2], ARRAY[] FROM t",
      "SELECT DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:00.123', DECIMAL '1.50', DOUBLE PRECISION '1', "
      "INTERVAL '1' DAY, INTERVAL -'2' HOUR, INTERVAL '1-2' YEAR TO MONTH, X'00', U&'\\0041'",
      "SELECT ts AT TIME ZONE 'UTC', CAST(a AS varchar(10)), TRY_CAST(a AS ROW(x integer, y array(double))) FROM t",
      "SELECT EXTRACT(YEAR FROM d), current_date, current_timestamp(3), localtimestamp FROM t",
      "SELECT substring(s FROM 2 FOR 3), position('a' IN s), trim(BOTH 'x' FROM s), trim(LEADING FROM s) FROM t",
      "SELECT count(DISTINCT x), array_agg(x ORDER BY y DESC), count(*) FILTER (WHERE x > 1) FROM t",
      "SELECT listagg(x, ',') WITHIN GROUP (ORDER BY x) FROM t",
      "SELECT lag(x) IGNORE NULLS OVER (ORDER BY y) FROM t",
      "SELECT \"awsdatacatalog\".\"db\".\"t\".x FROM \"awsdatacatalog\".\"db\".\"t\"",
      "SELECT ?, ? FROM t WHERE a = ? LIMIT ?",
      "SELECT 1;",
  };
  for (const char* q : queries) {
    auto parsed = parse_statement(q);
    EXPECT_TRUE(parsed) << q << "\n" << (parsed ? "" : parsed.get_failure().message);
    if (parsed) {
      EXPECT_EQ(parsed->kind, StatementKind::Query) << q;
    }
  }
}

TEST(Parser, CountsParametersInOrder) {
  auto parsed = parse_statement("SELECT ? FROM t WHERE a = '?' AND b = ? LIMIT ?");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->parameter_count, 3);
}

TEST(Parser, SyntaxErrorsCarryLineAndColumn) {
  struct Case {
    const char* sql;
    const char* message;
  };
  const Case cases[] = {
      {"SELECT FROM t", "line 1:8: mismatched input 'FROM'. Expecting: <expression>"},
      {"SELECT a,\nFROM t", "line 2:1: mismatched input 'FROM'. Expecting: <expression>"},
      {"SELECT (1", "line 1:10: mismatched input <EOF>. Expecting: ')' or ','"},
      {"SELECT * FROM t WHERE", "line 1:22: mismatched input <EOF>. Expecting: <expression>"},
      {"SELECT * FROM t JOIN u", "line 1:23: mismatched input <EOF>. Expecting: ON or USING"},
      {"SELECT CASE WHEN 1 THEN 2", "line 1:26: mismatched input <EOF>. Expecting: END"},
      {"SELECT 1 2", "line 1:10: mismatched input '2'. Expecting: <EOF>"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_statement(c.sql);
    ASSERT_FALSE(parsed) << c.sql;
    EXPECT_EQ(parsed.get_failure().code, kSyntaxErrorCode) << c.sql;
    EXPECT_EQ(parsed.get_failure().message, c.message) << c.sql;
  }
}

TEST(Parser, OneStatementOnly) {
  auto two = parse_statement("SELECT 1; SELECT 2");
  ASSERT_FALSE(two);
  EXPECT_NE(two.get_failure().message.find("only one SQL statement"), std::string::npos);
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "SELECT " + std::string(100'000, '(') + "1" + std::string(100'000, ')');
  auto parsed = parse_statement(deep);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.get_failure().message.find("nested too deeply"), std::string::npos);
  std::string nots = "SELECT ";
  for (int i = 0; i < 50'000; ++i) nots += "NOT ";
  EXPECT_FALSE(parse_statement(nots + "true"));
  std::string minus = "SELECT " + std::string(50'000, '-') + "1";
  EXPECT_FALSE(parse_statement(minus));
}

// The SQL/JSON path grammar of Trino's functions/json ("JSON path syntax and semantics").
JsonPath path_of(std::string_view text) {
  JsonPathError error;
  auto path = parse_json_path(text, error);
  EXPECT_TRUE(path) << text << ": " << error.message;
  return path ? std::move(*path) : JsonPath{};
}

TEST(JsonPath, AccessorsBindTighterThanArithmeticWithSqlPrecedence) {
  const JsonPath path = path_of("lax $.a[1 to last, 0] + 2 * -@.\"b c\"");
  EXPECT_TRUE(path.lax);
  const PathNode& plus = *path.root;
  ASSERT_EQ(plus.kind, PathKind::Arithmetic);
  EXPECT_EQ(plus.text, "+");
  const PathNode& subscripts = *plus.children[0];
  ASSERT_EQ(subscripts.kind, PathKind::Subscripts);
  ASSERT_EQ(subscripts.subscripts.size(), 2u);
  EXPECT_TRUE(subscripts.subscripts[0].to.has_value());
  EXPECT_FALSE(subscripts.subscripts[1].to.has_value());
  EXPECT_EQ(subscripts.children[*subscripts.subscripts[0].to]->kind, PathKind::Last);
  EXPECT_EQ(subscripts.children[0]->kind, PathKind::Member);
  EXPECT_EQ(subscripts.children[0]->text, "a");
  const PathNode& times = *plus.children[1];
  ASSERT_EQ(times.kind, PathKind::Arithmetic);
  EXPECT_EQ(times.text, "*");
  EXPECT_EQ(times.children[0]->literal, PathLiteral::Integer);
  ASSERT_EQ(times.children[1]->kind, PathKind::Unary);
  EXPECT_EQ(times.children[1]->children[0]->kind, PathKind::Member);
  EXPECT_EQ(times.children[1]->children[0]->text, "b c");
  // -1 is a literal, as the docs list it among the numeric literals.
  const JsonPath negative = path_of("strict -1");
  EXPECT_FALSE(negative.lax);
  EXPECT_EQ(negative.root->kind, PathKind::Literal);
  EXPECT_EQ(negative.root->text, "-1");
}

TEST(JsonPath, PredicatesAndVariables) {
  const JsonPath path = path_of("strict $x.a?((@.b + 1) > $y && !exists(@.c) || (@ starts with $x) is unknown)");
  EXPECT_EQ(path.variables, (std::vector<std::string>{"x", "y"}));
  const PathNode& filter = *path.root;
  ASSERT_EQ(filter.kind, PathKind::Filter);
  const PathNode& disjunction = *filter.children[1];
  ASSERT_EQ(disjunction.kind, PathKind::Or);
  const PathNode& conjunction = *disjunction.children[0];
  ASSERT_EQ(conjunction.kind, PathKind::And);
  ASSERT_EQ(conjunction.children[0]->kind, PathKind::Comparison);  // a parenthesised expression, not a predicate
  EXPECT_EQ(conjunction.children[0]->children[0]->kind, PathKind::Arithmetic);
  EXPECT_EQ(conjunction.children[1]->kind, PathKind::Not);
  EXPECT_EQ(conjunction.children[1]->children[0]->kind, PathKind::Exists);
  ASSERT_EQ(disjunction.children[1]->kind, PathKind::IsUnknown);
  EXPECT_EQ(disjunction.children[1]->children[0]->kind, PathKind::StartsWith);
  EXPECT_EQ(path_of("lax $?(@ <> 1)").root->children[1]->text, "!=");
}

TEST(JsonPath, SyntaxErrorsAndRefusalsSayWhich) {
  const std::pair<const char*, const char*> syntax[] = {
      {"", "lax or strict"},           {"$.a", "lax or strict"},           {"LAX $", "lax or strict"},
      {"lax $.", "end of the path"},   {"lax $ $", "unexpected '$'"},      {"lax $[1", "end of the path"},
      {"lax $?(@)", "unexpected ')'"}, {"lax \"a", "unterminated string"}, {"lax $ # 1", "unexpected character '#'"},
  };
  for (const auto& [text, message] : syntax) {
    JsonPathError error;
    EXPECT_FALSE(parse_json_path(text, error)) << text;
    EXPECT_FALSE(error.not_supported) << text;
    EXPECT_NE(error.message.find(message), std::string::npos) << text << ": " << error.message;
  }
  const std::pair<const char*, const char*> refused[] = {
      {"lax $?(@ like_regex \"a\")", "like_regex"},
      {"lax $.datetime()", "datetime()"},
      {"lax $.bigint()", "bigint()"},
      {"lax $ + 1.5", "decimal literal (1.5)"},
      {"lax 1.5.floor()", "decimal literal"},
      {"lax 1.50", "decimal literal (1.50)"},
  };
  for (const auto& [text, message] : refused) {
    JsonPathError error;
    EXPECT_FALSE(parse_json_path(text, error)) << text;
    EXPECT_TRUE(error.not_supported) << text;
    EXPECT_NE(error.message.find(message), std::string::npos) << text << ": " << error.message;
  }
  JsonPathError deep;
  EXPECT_FALSE(parse_json_path("lax " + std::string(100'000, '(') + "1" + std::string(100'000, ')'), deep));
  EXPECT_NE(deep.message.find("nested too deeply"), std::string::npos);
  std::string chain = "lax $";
  for (int i = 0; i < 100'000; ++i) chain += ".a";
  JsonPathError long_chain;
  EXPECT_FALSE(parse_json_path(chain, long_chain));
  EXPECT_NE(long_chain.message.find("nested too deeply"), std::string::npos);
  JsonPathError compared;
  EXPECT_TRUE(parse_json_path("lax $?(@ > 1.5 && 2.25 <= @)", compared)) << compared.message;
}

TEST(Parser, StatementKindsAndTheirPrinter) {
  const std::pair<const char*, StatementKind> cases[] = {
      {"select 1", StatementKind::Query},
      {"(SELECT 1)", StatementKind::Query},
      {"CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/'", StatementKind::CreateTable},
      {"CREATE TABLE t WITH (format = 'PARQUET') AS SELECT 1", StatementKind::CreateTableAs},
      {"CREATE OR REPLACE VIEW v AS SELECT 1", StatementKind::CreateView},
      {"CREATE DATABASE d", StatementKind::CreateSchema},
      {"INSERT INTO t SELECT 1", StatementKind::Insert},
      {"UNLOAD (SELECT 1) TO 's3://b/' WITH (format = 'PARQUET')", StatementKind::Unload},
      {"DROP TABLE t", StatementKind::Drop},
      {"ALTER TABLE t ADD PARTITION (p = 1)", StatementKind::Alter},
      {"MSCK REPAIR TABLE t", StatementKind::MsckRepair},
      {"SHOW TABLES", StatementKind::Show},
      {"SHOW FUNCTIONS", StatementKind::ShowFunctions},
      {"DESCRIBE t", StatementKind::Describe},
      {"EXPLAIN SELECT 1", StatementKind::Explain},
      {"PREPARE p FROM SELECT ?", StatementKind::Prepare},
      {"EXECUTE p USING 1", StatementKind::Execute},
      {"DELETE FROM t", StatementKind::Delete},
      {"CREATE EXTERNAL TABLE `t` (`a` int) LOCATION 's3://b/'", StatementKind::CreateTable},
      {"CREATE EXTERNAL TABLE t (a string) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\001' LOCATION \"s3://b/\"",
       StatementKind::CreateTable},
      {"DROP TABLE IF EXISTS `t`", StatementKind::Drop},
  };
  for (const auto& [sql, kind] : cases) EXPECT_EQ(classify_statement(sql), kind) << sql;
  EXPECT_EQ(to_string(StatementKind::MsckRepair), "MSCK REPAIR TABLE");
  EXPECT_EQ(athena_statement_type(StatementKind::CreateTable), "DDL");
  EXPECT_EQ(athena_statement_type(StatementKind::CreateTableAs), "DML");
  EXPECT_EQ(athena_statement_type(StatementKind::Show), "DDL");
  EXPECT_EQ(athena_statement_type(StatementKind::Explain), "UTILITY");
  EXPECT_EQ(athena_statement_type(StatementKind::Query), "DML");
}

// ---- types ----

TEST(Types, ParseAndPrintAsTrinoDoes) {
  const std::pair<const char*, const char*> cases[] = {
      {"INT", "integer"},
      {"varchar", "varchar"},
      {"VARCHAR(10)", "varchar(10)"},
      {"char(3)", "char(3)"},
      {"decimal(10, 2)", "decimal(10,2)"},
      {"decimal", "decimal(38,0)"},
      {"double precision", "double"},
      {"timestamp", "timestamp(3)"},
      {"timestamp(6) with time zone", "timestamp(6) with time zone"},
      {"array(array(bigint))", "array(array(bigint))"},
      {"ARRAY<integer>", "array(integer)"},
      {"map(varchar, array(double))", "map(varchar, array(double))"},
      {"row(x integer, y varchar)", "row(x integer, y varchar)"},
      {"row(integer, \"q\" double)", "row(integer, q double)"},
      {"interval day to second", "interval day to second"},
      {"interval year to month", "interval year to month"},
  };
  for (const auto& [text, printed] : cases) EXPECT_EQ(to_string(type_of(text)), printed) << text;
  EXPECT_FALSE(parse_type("decimal(39,0)"));
  EXPECT_FALSE(parse_type("decimal(5,6)"));
  EXPECT_FALSE(parse_type("array(integer"));
  EXPECT_FALSE(parse_type("nosuchtype"));
}

TEST(Types, HiveColumnTypes) {
  const std::pair<const char*, const char*> cases[] = {
      {"string", "varchar"},
      {"int", "integer"},
      {"float", "real"},
      {"binary", "varbinary"},
      {"decimal", "decimal(10,0)"},
      {"struct<a:int,b:array<string>>", "row(a integer, b array(varchar))"},
      {"map<string,decimal(5,1)>", "map(varchar, decimal(5,1))"},
  };
  for (const auto& [text, printed] : cases) {
    auto t = parse_hive_type(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(to_string(*t), printed) << text;
  }
}

TEST(Types, ImplicitCoercionsAreTrinos) {
  EXPECT_TRUE(can_coerce(type_of("tinyint"), type_of("bigint")));
  EXPECT_TRUE(can_coerce(type_of("integer"), type_of("double")));
  EXPECT_TRUE(can_coerce(type_of("integer"), type_of("decimal(10,0)")));
  EXPECT_FALSE(can_coerce(type_of("integer"), type_of("decimal(9,0)")));
  EXPECT_FALSE(can_coerce(type_of("bigint"), type_of("integer")));
  EXPECT_FALSE(can_coerce(type_of("double"), type_of("real")));
  EXPECT_TRUE(can_coerce(type_of("decimal(5,2)"), type_of("decimal(6,3)")));
  EXPECT_FALSE(can_coerce(type_of("decimal(5,2)"), type_of("decimal(5,3)")));
  EXPECT_TRUE(can_coerce(type_of("date"), type_of("timestamp(3)")));
  EXPECT_FALSE(can_coerce(type_of("varchar"), type_of("date")));
  EXPECT_FALSE(can_coerce(type_of("varchar"), type_of("integer")));
  EXPECT_TRUE(can_coerce(type_of("array(integer)"), type_of("array(bigint)")));
  EXPECT_TRUE(can_coerce(Type::of(TypeKind::Unknown), type_of("map(varchar, integer)")));

  Type out;
  ASSERT_TRUE(common_super_type(type_of("integer"), type_of("decimal(5,2)"), out));
  EXPECT_EQ(to_string(out), "decimal(12,2)");  // integer is decimal(10,0)
  ASSERT_TRUE(common_super_type(type_of("bigint"), type_of("real"), out));
  EXPECT_EQ(to_string(out), "real");
  ASSERT_TRUE(common_super_type(type_of("varchar(3)"), type_of("varchar(5)"), out));
  EXPECT_EQ(to_string(out), "varchar(5)");
  ASSERT_TRUE(common_super_type(type_of("date"), type_of("timestamp(3)"), out));
  EXPECT_EQ(to_string(out), "timestamp(3)");
  EXPECT_FALSE(common_super_type(type_of("varchar"), type_of("integer"), out));
  EXPECT_FALSE(common_super_type(type_of("boolean"), type_of("integer"), out));
}

TEST(Types, CastsTrinoAllows) {
  EXPECT_TRUE(can_cast(type_of("varchar"), type_of("integer")));
  EXPECT_TRUE(can_cast(type_of("double"), type_of("bigint")));
  EXPECT_TRUE(can_cast(type_of("boolean"), type_of("integer")));
  EXPECT_TRUE(can_cast(type_of("timestamp(3)"), type_of("date")));
  EXPECT_TRUE(can_cast(type_of("array(integer)"), type_of("array(varchar)")));
  EXPECT_FALSE(can_cast(type_of("date"), type_of("integer")));
  EXPECT_FALSE(can_cast(type_of("varbinary"), type_of("integer")));
  EXPECT_FALSE(can_cast(type_of("array(integer)"), type_of("integer")));
  EXPECT_FALSE(can_cast(type_of("row(x integer)"), type_of("row(x integer, y integer)")));
}

// ---- the registry ----

Type resolved_return(std::string_view name, std::vector<Type> args, FunctionKind kind = FunctionKind::Operator) {
  auto r = resolve_function(name, args, kind);
  EXPECT_TRUE(r) << name << ": " << (r ? "" : r.get_failure().message);
  return r ? r->returns : Type::of(TypeKind::Unknown);
}

TEST(Registry, ArithmeticResultTypesAreTrinos) {
  EXPECT_EQ(to_string(resolved_return("$add", {type_of("integer"), type_of("bigint")})), "bigint");
  EXPECT_EQ(to_string(resolved_return("$add", {type_of("tinyint"), type_of("tinyint")})), "tinyint");
  EXPECT_EQ(to_string(resolved_return("$multiply", {type_of("integer"), type_of("double")})), "double");
  EXPECT_EQ(to_string(resolved_return("$add", {type_of("real"), type_of("bigint")})), "real");
  // functions/decimal: x + y: precision min(38, 1 + max(xs, ys) + max(xp - xs, yp - ys)), scale max(xs, ys)
  EXPECT_EQ(to_string(resolved_return("$add", {type_of("decimal(5,2)"), type_of("decimal(7,4)")})), "decimal(8,4)");
  // x * y: min(38, xp + yp), xs + ys
  EXPECT_EQ(to_string(resolved_return("$multiply", {type_of("decimal(5,2)"), type_of("decimal(7,4)")})),
            "decimal(12,6)");
  EXPECT_EQ(to_string(resolved_return("$multiply", {type_of("decimal(30,2)"), type_of("decimal(30,2)")})),
            "decimal(38,4)");
  // x / y: scale max(xs, ys)
  EXPECT_EQ(to_string(resolved_return("$divide", {type_of("decimal(2,1)"), type_of("integer")})), "decimal(2,1)");
  EXPECT_EQ(to_string(resolved_return("$add", {type_of("integer"), type_of("decimal(3,1)")})), "decimal(12,1)");
}

TEST(Registry, AggregateResultTypesAreTrinos) {
  EXPECT_EQ(to_string(resolved_return("sum", {type_of("integer")}, FunctionKind::Aggregate)), "bigint");
  EXPECT_EQ(to_string(resolved_return("sum", {type_of("decimal(10,2)")}, FunctionKind::Aggregate)), "decimal(38,2)");
  EXPECT_EQ(to_string(resolved_return("sum", {type_of("real")}, FunctionKind::Aggregate)), "real");
  EXPECT_EQ(to_string(resolved_return("avg", {type_of("bigint")}, FunctionKind::Aggregate)), "double");
  EXPECT_EQ(to_string(resolved_return("count", {type_of("varchar")}, FunctionKind::Aggregate)), "bigint");
  EXPECT_EQ(to_string(resolved_return("max_by", {type_of("varchar"), type_of("date")}, FunctionKind::Aggregate)),
            "varchar");
  EXPECT_EQ(to_string(resolved_return("array_agg", {type_of("date")}, FunctionKind::Aggregate)), "array(date)");
}

TEST(Registry, UnknownCallsAreRefusedByNameAndTypes) {
  auto none = resolve_function("no_such_function", {type_of("integer")}, FunctionKind::Scalar);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.get_failure().code, kNotSupportedCode);
  EXPECT_NE(none.get_failure().message.find("no_such_function(integer)"), std::string::npos);
  auto wrong = resolve_function("length", {type_of("integer")}, FunctionKind::Scalar);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.get_failure().message.find("length(integer)"), std::string::npos);
  EXPECT_NE(wrong.get_failure().message.find("not for these argument types"), std::string::npos);
}

TEST(Registry, RegistersOnlyTrinoFunctions) {
  // Every named entry is a function of Trino's reference (functions/list), or a special form the grammar
  // reads as a call (`substring(s FROM i)`, `trim(BOTH FROM s)`): the registry invents no names.
  const auto& documented = trino_function_names();
  const std::set<std::string> names(documented.begin(), documented.end());
  for (const auto& entry : registry()) {
    if (entry.name.front() == '$' || entry.name == "substring" || entry.name == "trim") continue;
    EXPECT_TRUE(names.count(entry.name)) << entry.name;
  }
  for (const char* name : {"abs", "json_parse", "transform", "regexp_replace", "date_format", "sequence"})
    EXPECT_TRUE(names.count(name)) << name;
  for (const auto& name : known_unsupported_functions()) {
    EXPECT_TRUE(names.count(name)) << name;
    EXPECT_FALSE(has_function(name)) << name;
  }
}

TEST(Registry, TemplatesKeepDuckDbBracesAndRefuseMissingArguments) {
  FunctionEntry entry;
  entry.name = "probe";
  entry.params = {"integer", "integer"};
  entry.duck = "{'a': {0}, 'b': {1}, 't': '{T1}', 'c': '{}'}";
  Resolved call;
  call.entry = &entry;
  call.params = {type_of("integer"), type_of("integer")};
  auto sql = emit_call(call, {"x", "y"});
  ASSERT_TRUE(sql) << sql.get_failure().message;
  EXPECT_EQ(*sql, "{'a': x, 'b': y, 't': 'INTEGER', 'c': '{}'}");
  entry.duck = "f({2})";  // no third argument: an error, not a crash
  auto missing = emit_call(call, {"x", "y"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.get_failure().message.find("template names argument 2"), std::string::npos);
  entry.duck = "f({T5}) {";
  EXPECT_FALSE(emit_call(call, {"x", "y"}));
}

TEST(Registry, EveryTemplateNamesOnlyItsArguments) {
  // A template's {n} must be one of the entry's parameters (a variadic one any index).
  for (const auto& entry : registry()) {
    const std::string& t = entry.duck;
    for (std::size_t i = t.find('{'); i != std::string::npos; i = t.find('{', i + 1)) {
      const std::string key = t.substr(i + 1, t.find('}', i) - i - 1);
      if (key.empty() || !std::isdigit(static_cast<unsigned char>(key[0]))) continue;
      if (entry.variadic) continue;
      EXPECT_LT(std::stoul(key), entry.params.size()) << entry.name << ": " << t;
    }
    EXPECT_TRUE(!entry.duck.empty() || entry.emit) << entry.name;
    EXPECT_TRUE(!entry.returns.empty() || entry.rule) << entry.name;
  }
}

// ---- the binder ----

class TestCatalog final : public Catalog {
 public:
  TestCatalog() {
    TableSchema sales;
    sales.database = "shop";
    sales.name = "sales";
    sales.columns = {{"id", type_of("bigint")},           {"amount", type_of("decimal(10,2)")},
                     {"region", type_of("varchar")},      {"day", type_of("date")},
                     {"tags", type_of("array(varchar)")}, {"info", type_of("row(code integer, note varchar)")}};
    tables_["shop.sales"] = sales;
    TableSchema regions;
    regions.database = "shop";
    regions.name = "regions";
    regions.columns = {{"region", type_of("varchar")}, {"name", type_of("varchar")}};
    tables_["shop.regions"] = regions;
  }
  const TableSchema* find_table(const std::string& database, const std::string& table) const override {
    auto found = tables_.find(database + "." + table);
    return found == tables_.end() ? nullptr : &found->second;
  }
  bool has_database(const std::string& database) const override { return database == "shop"; }

 private:
  std::map<std::string, TableSchema> tables_;
};

std::string columns_of(std::string_view sql) {
  TestCatalog catalog;
  TranslateOptions options;
  options.database = "shop";
  auto t = translate(sql, catalog, options);
  if (!t) return "ERROR " + t.get_failure().code + ": " + t.get_failure().message;
  std::string out;
  for (const auto& c : t->columns) out += (out.empty() ? "" : ", ") + c.name + " " + to_string(c.type);
  return out;
}

TEST(Binder, NamesAndTypesOfTheResult) {
  EXPECT_EQ(columns_of("SELECT id, amount * 2, region AS r, sales.day, info.code FROM sales"),
            "id bigint, _col1 decimal(20,2), r varchar, day date, code integer");  // integer is decimal(10,0)
  EXPECT_EQ(columns_of("SELECT \"AMOUNT\", Region FROM \"Shop\".\"Sales\""), "amount decimal(10,2), region varchar");
  EXPECT_EQ(columns_of("SELECT s.id FROM awsdatacatalog.shop.sales s"), "id bigint");
  EXPECT_EQ(columns_of("SELECT count(*), sum(amount), avg(id) FROM sales"),
            "_col0 bigint, _col1 decimal(38,2), _col2 double");
  EXPECT_EQ(columns_of("WITH t (n) AS (SELECT id FROM sales) SELECT n + 1 AS next FROM t"), "next bigint");
  EXPECT_EQ(columns_of("SELECT * FROM regions"), "region varchar, name varchar");
  EXPECT_EQ(columns_of("SELECT 1 UNION SELECT 2.5"), "_col0 decimal(11,1)");
  EXPECT_EQ(columns_of("SELECT x FROM UNNEST(ARRAY[1, 2]) AS t (x)"), "x integer");
  EXPECT_EQ(columns_of("SELECT tag, n FROM sales CROSS JOIN UNNEST(tags) WITH ORDINALITY AS u (tag, n)"),
            "tag varchar, n bigint");
  EXPECT_EQ(columns_of("SELECT r.region FROM sales JOIN regions r USING (region)"), "region varchar");
}

TEST(Binder, WrongQueriesFailAsTrinosAnalyzerDoes) {
  EXPECT_EQ(columns_of("SELECT nope FROM sales"), "ERROR QUERY_FAILED: line 1:8: Column 'nope' cannot be resolved");
  EXPECT_EQ(columns_of("SELECT region FROM sales, regions"),
            "ERROR QUERY_FAILED: line 1:8: Column 'region' is ambiguous");
  EXPECT_EQ(columns_of("SELECT * FROM missing"),
            "ERROR QUERY_FAILED: line 1:15: Table 'awsdatacatalog.shop.missing' does not exist");
  EXPECT_EQ(columns_of("SELECT * FROM other.sales"), "ERROR QUERY_FAILED: line 1:15: Schema 'other' does not exist");
  EXPECT_EQ(columns_of("SELECT * FROM hive.shop.sales"), "ERROR CATALOG_NOT_FOUND: Catalog 'hive' does not exist");
  EXPECT_EQ(columns_of("SELECT count(*) FROM \"AwsDataCatalog\".shop.sales"), "_col0 bigint");
  EXPECT_NE(columns_of("SELECT region + 1 FROM sales")
                .find("NOT_SUPPORTED: line 1:15: function operator +(varchar, integer)"),
            std::string::npos);
  EXPECT_NE(columns_of("SELECT 1 FROM sales WHERE id").find("WHERE clause must evaluate to a boolean"),
            std::string::npos);
  EXPECT_NE(columns_of("SELECT CAST(day AS integer) FROM sales").find("Cannot cast date to integer"),
            std::string::npos);
  EXPECT_NE(columns_of("SELECT id FROM sales WHERE sum(id) > 1").find("cannot contain aggregations"),
            std::string::npos);
  EXPECT_NE(columns_of("SELECT rank() FROM sales").find("requires an OVER clause"), std::string::npos);
  EXPECT_NE(columns_of("SELECT 1 UNION SELECT 1, 2").find("different number of fields"), std::string::npos);
  EXPECT_NE(columns_of("SELECT 2147483648123456789012").find("Invalid numeric literal"), std::string::npos);
}

TEST(Binder, AliasHidesTheTableName) {
  EXPECT_NE(columns_of("SELECT sales.id FROM sales s").find("cannot be resolved"), std::string::npos);
  EXPECT_EQ(columns_of("SELECT s.id FROM sales s"), "id bigint");
}

TEST(Binder, LiteralTypesAreTrinos) {
  EXPECT_EQ(
      columns_of("SELECT 1, 2147483648, 1.50, 1e0, 'abc', DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:00.123456', "
                 "X'00', true, NULL, INTERVAL '1' DAY, INTERVAL '1' MONTH, DECIMAL '007.10'"),
      "_col0 integer, _col1 bigint, _col2 decimal(3,2), _col3 double, _col4 varchar(3), _col5 date, "
      "_col6 timestamp(6), _col7 varbinary, _col8 boolean, _col9 unknown, _col10 interval day to second, "
      "_col11 interval year to month, _col12 decimal(5,2)");
}

TEST(Binder, ParametersAreLiteralsBoundInOrder) {
  TestCatalog catalog;
  TranslateOptions options;
  options.database = "shop";
  options.parameters = {"DATE '2024-01-01'", "5"};
  auto t = translate("SELECT ? AS d, ? + 1 AS n", catalog, options);
  ASSERT_TRUE(t) << t.get_failure().message;
  EXPECT_EQ(to_string(t->columns[0].type), "date");
  EXPECT_EQ(to_string(t->columns[1].type), "integer");
  options.parameters = {"1"};
  auto mismatch = translate("SELECT ?, ?", catalog, options);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.get_failure().code, kInvalidParameterCode);
}

TEST(Binder, TablesReadAreListed) {
  TestCatalog catalog;
  TranslateOptions options;
  options.database = "shop";
  auto t =
      translate("SELECT * FROM sales s JOIN shop.regions r ON s.region = r.region WHERE EXISTS (SELECT 1 FROM sales)",
                catalog, options);
  ASSERT_TRUE(t) << t.get_failure().message;
  EXPECT_EQ(t->tables, (std::vector<std::pair<std::string, std::string>>{{"shop", "regions"}, {"shop", "sales"}}));
}

}  // namespace
}  // namespace athena_runner::sql
