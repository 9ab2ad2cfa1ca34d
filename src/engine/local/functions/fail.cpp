// ar_fail(VARCHAR) -> NULL: fails the query with the message, as DuckDB's error() does, but not volatile, so
// that TRY(...) can catch it (DuckDB refuses TRY around volatile functions) and DuckDB can fold what does not
// fail. Its NULL result type unifies with the other branch of the CASE the registry's macros write:
// `CASE WHEN <bad> THEN ar_fail('Trino''s message') ELSE <value> END`. A NULL message is a NULL, not an error.
#include <string>

#include "udf.hpp"

namespace athena_runner::engine::udf {
namespace {

void fail_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector messages = duckdb_data_chunk_get_vector(input, 0);
  auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(messages));
  const uint64_t* validity = duckdb_vector_get_validity(messages);
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_validity = duckdb_vector_get_validity(output);
  for (idx_t row = 0; row < rows; ++row) {
    if (row_valid(validity, row)) {
      constexpr std::size_t kMaxMessage = 4096;  // a message quoting a huge value is cut short
      const std::string_view message = string_at(data, row);
      duckdb_scalar_function_set_error(info, std::string(message.substr(0, kMaxMessage)).c_str());
      return;
    }
    duckdb_validity_set_row_invalid(out_validity, row);
  }
}

}  // namespace

void add_error_functions(std::vector<Scalar>& out) {
  out.push_back({"ar_fail", {DUCKDB_TYPE_VARCHAR}, DUCKDB_TYPE_SQLNULL, &fail_function});
}

}  // namespace athena_runner::engine::udf
