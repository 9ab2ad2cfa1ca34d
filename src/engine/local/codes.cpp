// Parsers of the engine's codes, from their one printer (to_string) in local_engine.hpp.
#include <array>

#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine {
namespace {

constexpr std::array kEngineErrorCodes{
    EngineErrorCode::NotSupported, EngineErrorCode::InvalidParameter, EngineErrorCode::InvalidCatalog,
    EngineErrorCode::TableData,    EngineErrorCode::QueryFailed,      EngineErrorCode::Cancelled,
    EngineErrorCode::Io,           EngineErrorCode::SyntaxError,      EngineErrorCode::AlreadyExists,
    EngineErrorCode::NotFound,     EngineErrorCode::InvalidOperation,
};

}  // namespace

std::optional<EngineErrorCode> parse_engine_error_code(std::string_view text) {
  for (auto code : kEngineErrorCodes) {
    if (to_string(code) == text) return code;
  }
  return std::nullopt;
}

}  // namespace athena_runner::engine
