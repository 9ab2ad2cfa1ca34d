// The DuckDB handle owners: each handle is destroyed once, on success and failure paths alike. A leak or a
// double destroy here shows in the sanitizer build (-DAR_SANITIZE=ON, detect_leaks=1).
#include "duckdb_handles.hpp"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <utility>

namespace athena_runner::engine {
namespace {

static_assert(!std::is_copy_constructible_v<duck::Result> && std::is_nothrow_move_constructible_v<duck::Result>);
static_assert(!std::is_copy_constructible_v<duck::Connection> &&
              std::is_nothrow_move_constructible_v<duck::Connection>);
static_assert(!std::is_copy_constructible_v<duck::String> && std::is_nothrow_move_constructible_v<duck::String>);

class LocalDuckHandles : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(duckdb_open(nullptr, database.out()), DuckDBSuccess);
    ASSERT_EQ(duckdb_connect(database.get(), connection.out()), DuckDBSuccess);
  }
  duck::Database database;
  duck::Connection connection;
};

TEST_F(LocalDuckHandles, AResultNoQueryFilledIsSafeToDestroy) {
  duck::Result never_filled;
  EXPECT_EQ(duckdb_column_count(never_filled.get()), 0u);
  never_filled.reset();
  never_filled.reset();
}

TEST_F(LocalDuckHandles, AFailedQueryKeepsItsErrorUntilTheResultIsDestroyed) {
  duck::Result result;
  ASSERT_EQ(duckdb_query(connection.get(), "SELECT * FROM no_such_table", result.out()), DuckDBError);
  EXPECT_NE(result.error().find("no_such_table"), std::string::npos) << result.error();
}

TEST_F(LocalDuckHandles, OutDestroysThePreviousResultBeforeTheNextQuery) {
  duck::Result result;
  ASSERT_EQ(duckdb_query(connection.get(), "SELECT 1, 2", result.out()), DuckDBSuccess);
  ASSERT_EQ(duckdb_column_count(result.get()), 2u);
  ASSERT_EQ(duckdb_query(connection.get(), "SELECT 1", result.out()), DuckDBSuccess);
  EXPECT_EQ(duckdb_column_count(result.get()), 1u);
}

TEST_F(LocalDuckHandles, AMovedResultIsOwnedOnceAndReadableWhereItWentTo) {
  duck::Result first;
  ASSERT_EQ(duckdb_query(connection.get(), "SELECT 42::VARCHAR", first.out()), DuckDBSuccess);
  duck::Result second(std::move(first));
  EXPECT_EQ(duckdb_column_count(first.get()), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  duck::Result third;
  ASSERT_EQ(duckdb_query(connection.get(), "SELECT 1", third.out()), DuckDBSuccess);
  third = std::move(second);  // what third held is destroyed
  const duck::String value(duckdb_value_varchar(third.get(), 0, 0));
  EXPECT_EQ(value.view(), "42");
}

TEST_F(LocalDuckHandles, AFailedPrepareHoldsItsErrorAndIsDestroyed) {
  duck::PreparedStatement statement;
  ASSERT_EQ(duckdb_prepare(connection.get(), "SELEC 1", statement.out()), DuckDBError);
  ASSERT_TRUE(statement);  // DuckDB allocates the statement to carry the error
  EXPECT_NE(std::string(duck::error_text(duckdb_prepare_error(statement.get()))).find("syntax error"),
            std::string::npos);
}

TEST_F(LocalDuckHandles, PreparedStatementsChunksTypesAndStringsAreEachDestroyedOnce) {
  duck::PreparedStatement statement;
  ASSERT_EQ(duckdb_prepare(connection.get(), "SELECT range AS n FROM range(3000)", statement.out()), DuckDBSuccess);
  const duck::String name(duckdb_prepared_statement_column_name(statement.get(), 0));
  EXPECT_EQ(name.view(), "n");
  const duck::LogicalType type(duckdb_prepared_statement_column_logical_type(statement.get(), 0));
  EXPECT_EQ(duckdb_get_type_id(type.get()), DUCKDB_TYPE_BIGINT);
  duck::Result result;
  ASSERT_EQ(duckdb_execute_prepared(statement.get(), result.out()), DuckDBSuccess);
  idx_t rows = 0;
  while (const duck::DataChunk chunk{duckdb_fetch_chunk(*result.get())})
    rows += duckdb_data_chunk_get_size(chunk.get());
  EXPECT_EQ(rows, 3000u);
  duck::PreparedStatement moved = std::move(statement);
  EXPECT_FALSE(statement);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_TRUE(moved);
}

TEST_F(LocalDuckHandles, AnEmptyStringOwnerReadsAsEmpty) {
  const duck::String none;
  EXPECT_FALSE(none);
  EXPECT_EQ(none.view(), "");
  const duck::Value value(duckdb_create_varchar("text"));
  const duck::String text(duckdb_get_varchar(value.get()));
  EXPECT_EQ(text.view(), "text");
}

}  // namespace
}  // namespace athena_runner::engine
