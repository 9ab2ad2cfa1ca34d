// The engine's codes: each printed text parses back to its value, and other text is no code of the engine.
#include <gtest/gtest.h>

#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine {
namespace {

TEST(EngineErrorCode, EveryCodeParsesBackFromItsText) {
  for (auto code : {EngineErrorCode::NotSupported, EngineErrorCode::InvalidParameter, EngineErrorCode::InvalidCatalog,
                    EngineErrorCode::TableData, EngineErrorCode::QueryFailed, EngineErrorCode::Cancelled,
                    EngineErrorCode::Io, EngineErrorCode::SyntaxError, EngineErrorCode::AlreadyExists,
                    EngineErrorCode::NotFound, EngineErrorCode::InvalidOperation}) {
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

}  // namespace
}  // namespace athena_runner::engine
