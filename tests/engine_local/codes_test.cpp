// The engine's codes and statement types: each printed text parses back to its value; other text does not parse.
#include <gtest/gtest.h>

#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine {
namespace {

TEST(EngineErrorCode, EveryCodeParsesBackFromItsText) {
  for (auto code : {EngineErrorCode::NotSupported, EngineErrorCode::InvalidParameter, EngineErrorCode::InvalidCatalog,
                    EngineErrorCode::TableData, EngineErrorCode::QueryFailed, EngineErrorCode::Cancelled,
                    EngineErrorCode::Io, EngineErrorCode::SyntaxError, EngineErrorCode::AlreadyExists,
                    EngineErrorCode::NotFound, EngineErrorCode::InvalidOperation, EngineErrorCode::CatalogNotFound}) {
    EXPECT_EQ(parse_engine_error_code(to_string(code)), code) << to_string(code);
  }
}

TEST(EngineErrorCode, TheWireTextIsAthenas) {
  // Error::code and StateChangeReason carry these texts; clients and tests match them.
  EXPECT_EQ(error_codes::kCancelled, "USER_CANCELLED");
  EXPECT_EQ(error_codes::kTableData, "TABLE_DATA_ERROR");
  EXPECT_EQ(to_string(EngineErrorCode::AlreadyExists), "ALREADY_EXISTS");
}

TEST(EngineErrorCode, OtherTextIsNoEngineCode) {
  EXPECT_EQ(parse_engine_error_code("ThrottlingException"), std::nullopt);
  EXPECT_EQ(parse_engine_error_code("user_cancelled"), std::nullopt);  // codes are case-sensitive
  EXPECT_EQ(parse_engine_error_code(""), std::nullopt);
}

TEST(StatementType, PrintsAthenasNamesAndParsesThemBack) {
  EXPECT_EQ(to_string(StatementType::Dml), "DML");
  EXPECT_EQ(to_string(StatementType::Ddl), "DDL");
  EXPECT_EQ(to_string(StatementType::Utility), "UTILITY");
  for (auto type : {StatementType::Dml, StatementType::Ddl, StatementType::Utility}) {
    EXPECT_EQ(parse_statement_type(to_string(type)), type) << to_string(type);
  }
  EXPECT_EQ(parse_statement_type(""), std::nullopt);  // an execution without a StatementType
  EXPECT_EQ(parse_statement_type("ddl"), std::nullopt);
}

}  // namespace
}  // namespace athena_runner::engine
