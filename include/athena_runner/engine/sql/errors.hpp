// The error codes the SQL front end raises (the local engine's codes of the same names).
#pragma once

#include <string>
#include <string_view>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::sql {

inline constexpr std::string_view kSyntaxErrorCode = "SYNTAX_ERROR";
inline constexpr std::string_view kNotSupportedCode = "NOT_SUPPORTED";
inline constexpr std::string_view kInvalidParameterCode = "INVALID_PARAMETER";
inline constexpr std::string_view kQueryFailedCode = "QUERY_FAILED";
inline constexpr std::string_view kCatalogNotFoundCode = "CATALOG_NOT_FOUND";  // Trino's, for a catalog name

inline Error syntax_error(std::string message) {
  return make_error(ErrorKind::InvalidInput, std::string(kSyntaxErrorCode), std::move(message));
}
inline Error not_supported(std::string message) {
  return make_error(ErrorKind::InvalidInput, std::string(kNotSupportedCode), std::move(message));
}
// A query that is valid SQL but wrong (unknown column, type mismatch), as Athena's "SEMANTIC_ERROR"s.
inline Error semantic_error(std::string message) {
  return make_error(ErrorKind::InvalidInput, std::string(kQueryFailedCode), std::move(message));
}

}  // namespace athena_runner::sql
