// The engine's codes and statement types: printers, and parsers built from them.
#include <array>

#include "athena_runner/aws/athena.hpp"
#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine {
namespace {

constexpr std::array kEngineErrorCodes{
    EngineErrorCode::NotSupported,
    EngineErrorCode::InvalidParameter,
    EngineErrorCode::InvalidCatalog,
    EngineErrorCode::TableData,
    EngineErrorCode::QueryFailed,
    EngineErrorCode::Cancelled,
    EngineErrorCode::Io,
    EngineErrorCode::SyntaxError,
    EngineErrorCode::AlreadyExists,
    EngineErrorCode::NotFound,
    EngineErrorCode::InvalidOperation,
    EngineErrorCode::CatalogNotFound,
    EngineErrorCode::ConstraintViolation,
};

constexpr std::array kStatementTypes{StatementType::Dml, StatementType::Ddl, StatementType::Utility};

}  // namespace

std::optional<EngineErrorCode> parse_engine_error_code(std::string_view text) {
  for (auto code : kEngineErrorCodes) {
    if (to_string(code) == text) return code;
  }
  return std::nullopt;
}

std::string_view to_string(StatementType type) {
  switch (type) {
    case StatementType::Dml: return aws::athena::kStatementTypeDml;
    case StatementType::Ddl: return aws::athena::kStatementTypeDdl;
    case StatementType::Utility: return aws::athena::kStatementTypeUtility;
  }
  return aws::athena::kStatementTypeDml;
}

std::optional<StatementType> parse_statement_type(std::string_view text) {
  for (auto type : kStatementTypes) {
    if (to_string(type) == text) return type;
  }
  return std::nullopt;
}

}  // namespace athena_runner::engine
