// Runs tests/engine_local/sql/*.test: declarative cases for the local engine.
//
// A .test file is a sequence of directives, each on its own line starting with '@'; a directive's
// body is every following line up to the next directive ('#' lines outside bodies are comments).
//   @file <path>           the body is written to <data root>/<path> (e.g. bucket/prefix/part-0.csv)
//   @catalog <path>        the body is written to <catalog dir>/<path> (Glue get-table JSON); the
//                          engine is reopened before the next query
//   @setup                 the body is run on a plain DuckDB connection (e.g. COPY ... TO
//                          '${ROOT}/bucket/t/part-0.parquet' to write Parquet); ${ROOT} is the data root
//   @query [database]      the body is the Athena SQL to run (in `database`, default "default")
//   @param <literal>       an execution parameter for the next query (repeatable)
//   @expect                the body is the expected rows, one per line, cells separated by " | ",
//                          NULL for SQL NULL; an empty body means no rows
//   @expect-columns        the body is "name:type" per column, one per line
//   @expect-error <text>   the query must fail with an error whose code or message contains <text>
//   @expect-csv            the body is the exact Athena CSV (to_athena_csv) of the query's result
#include <duckdb.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "athena_runner/engine/local_engine.hpp"
#include "duckdb_handles.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::engine {
namespace {

namespace fs = std::filesystem;
using athena_runner::testing::TempDir;

constexpr std::string_view kRootVariable = "${ROOT}";
constexpr std::string_view kCellSeparator = " | ";
constexpr std::string_view kNullCell = "NULL";

struct Directive {
  std::string name;
  std::string argument;
  std::string body;  // lines joined with '\n', each ending with '\n'
  int line = 0;
};

std::vector<Directive> parse_case_file(const std::string& path) {
  std::ifstream in(path);
  std::vector<Directive> directives;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line[0] == '@') {
      Directive directive;
      auto space = line.find(' ');
      directive.name = line.substr(1, space == std::string::npos ? std::string::npos : space - 1);
      if (space != std::string::npos) directive.argument = line.substr(space + 1);
      directive.line = number;
      directives.push_back(directive);
    } else if (!directives.empty()) {
      directives.back().body += line + "\n";
    }
  }
  // Bodies of data-less directives end at the first blank line or comment (trailing spacing is layout).
  for (auto& directive : directives) {
    if (directive.name == "file" || directive.name == "catalog" || directive.name == "expect-csv") continue;
    std::istringstream lines(directive.body);
    std::string kept;
    while (std::getline(lines, line)) {
      if (line.rfind("#", 0) == 0) continue;
      kept += line + "\n";
    }
    while (kept.size() >= 2 && kept.substr(kept.size() - 2) == "\n\n") kept.pop_back();
    if (kept == "\n") kept.clear();
    directive.body = kept;
  }
  return directives;
}

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// "@file" bodies keep their bytes, except that a final blank line separating directives is dropped.
std::string file_body(std::string body) {
  while (body.size() >= 2 && body.substr(body.size() - 2) == "\n\n") body.pop_back();
  return body;
}

std::string rows_text(const QueryResult& result) {
  std::string out;
  for (const auto& row : result.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out += kCellSeparator;
      out += row[i] ? *row[i] : std::string(kNullCell);
    }
    out += "\n";
  }
  return out;
}

std::string columns_text(const QueryResult& result) {
  std::string out;
  for (const auto& column : result.columns) out += column.name + ":" + column.type + "\n";
  return out;
}

void run_setup(const std::string& sql) {
  duck::Database database;
  duck::Connection connection;
  ASSERT_EQ(duckdb_open(nullptr, database.out()), DuckDBSuccess);
  ASSERT_EQ(duckdb_connect(database.get(), connection.out()), DuckDBSuccess);
  duck::Result result;
  ASSERT_EQ(duckdb_query(connection.get(), sql.c_str(), result.out()), DuckDBSuccess)
      << "setup failed: " << result.error() << "\n"
      << sql;
}

class SqlCase : public ::testing::TestWithParam<std::string> {};

TEST_P(SqlCase, Runs) {
  const std::string path = std::string(AR_ENGINE_SQL_CASES) + "/" + GetParam();
  auto directives = parse_case_file(path);
  ASSERT_FALSE(directives.empty()) << "no directives in " << path;
  TempDir temp;
  const std::string root = temp.path() + "/data";
  const std::string catalog = temp.path() + "/catalog";
  fs::create_directories(root);
  fs::create_directories(catalog);
  std::unique_ptr<LocalEngine> engine;
  std::vector<std::string> parameters;
  std::optional<Outcome<QueryResult>> last;
  std::string last_query;
  int checks = 0;
  for (const auto& directive : directives) {
    SCOPED_TRACE(GetParam() + ":" + std::to_string(directive.line) + " @" + directive.name);
    if (directive.name == "file") {
      temp.write("data/" + directive.argument, replace_all(file_body(directive.body), kRootVariable, root));
    } else if (directive.name == "catalog") {
      temp.write("catalog/" + directive.argument, file_body(directive.body));
      engine.reset();
    } else if (directive.name == "setup") {
      run_setup(replace_all(directive.body, kRootVariable, root));
    } else if (directive.name == "param") {
      parameters.push_back(directive.argument);
    } else if (directive.name == "query") {
      if (!engine) {
        auto opened = LocalEngine::open(LocalEngineConfig{root, catalog, "default", 2, "512MB"});
        ASSERT_TRUE(opened) << opened.get_failure().to_string();
        engine = std::move(opened).get_result();
      }
      QueryContext context;
      context.database = directive.argument;
      context.execution_parameters = parameters;
      parameters.clear();
      last_query = directive.body;
      last.emplace(engine->execute(directive.body, context));
    } else if (directive.name == "expect" || directive.name == "expect-columns" || directive.name == "expect-csv") {
      ASSERT_TRUE(last.has_value()) << "expectation before any @query";
      if (!*last) {  // every case of a file runs, so one run shows every failure
        ADD_FAILURE() << "query failed: " << last->get_failure().to_string() << "\n" << last_query;
        continue;
      }
      const QueryResult& result = last->get_result();
      std::string actual;
      std::string expected = directive.body;
      if (directive.name == "expect") actual = rows_text(result);
      if (directive.name == "expect-columns") actual = columns_text(result);
      if (directive.name == "expect-csv") {
        actual = to_athena_csv(result);
        expected = file_body(directive.body);
      }
      EXPECT_EQ(actual, expected) << last_query;
      ++checks;
    } else if (directive.name == "expect-error") {
      ASSERT_TRUE(last.has_value()) << "expectation before any @query";
      if (*last) {
        ADD_FAILURE() << "query succeeded but should fail with '" << directive.argument << "':\n"
                      << last_query << "rows:\n"
                      << rows_text(last->get_result());
        continue;
      }
      const Error& error = last->get_failure();
      EXPECT_TRUE(error.code.find(directive.argument) != std::string::npos ||
                  error.message.find(directive.argument) != std::string::npos)
          << "expected '" << directive.argument << "' in: " << error.to_string() << "\n"
          << last_query;
      ++checks;
    } else {
      FAIL() << "unknown directive @" << directive.name;
    }
  }
  EXPECT_GT(checks, 0) << "a case file must check something";
}

std::vector<std::string> case_files() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(AR_ENGINE_SQL_CASES)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).stem().string();
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Sql, SqlCase, ::testing::ValuesIn(case_files()), case_name);

}  // namespace
}  // namespace athena_runner::engine
