#pragma once
// The local engine's own DuckDB scalar functions (C API, vectorised), one file per family: what a
// registry template calls (`ar_<name>(...)`) where neither a DuckDB function nor an ar_* macro has Trino's
// semantics. A family adds its functions in add_<family>_functions; udf.cpp registers them all on each
// connection. Errors: duckdb_scalar_function_set_error(info, "Trino's message") fails the query.
#include <duckdb.h>

#include <string>
#include <string_view>
#include <vector>

namespace athena_runner::engine::udf {

struct Scalar {
  std::string name;                 // ar_<name>, as the registry's templates call it
  std::vector<duckdb_type> params;  // one overload per distinct parameter list
  duckdb_type returns = DUCKDB_TYPE_VARCHAR;
  duckdb_scalar_function_t function = nullptr;
  bool sees_nulls = false;    // false: DuckDB returns NULL for a NULL argument without calling `function`
  bool returns_list = false;  // the result is a LIST of `returns`
  // A return type `returns` cannot name (JSON, JSON[]): a new logical type the registration owns.
  duckdb_logical_type (*make_returns)() = nullptr;
};

// The families (functions/<family>.cpp).
void add_error_functions(std::vector<Scalar>& out);     // fail.cpp: ar_fail
void add_text_functions(std::vector<Scalar>& out);      // text.cpp: ar_java_text
void add_math_functions(std::vector<Scalar>& out);      // math.cpp: ar_bitwise_*, ar_round_*, ar_cbrt, ...
void add_datetime_functions(std::vector<Scalar>& out);  // datetime.cpp: Joda and ISO 8601 formats
void add_regex_functions(std::vector<Scalar>& out);     // regex.cpp: the regexp_* functions on RE2
// What the Scalar spec cannot describe (math.cpp: the statistical aggregates, width_bucket over an array);
// the name of the first that failed to register, or "".
std::string register_math_extras(duckdb_connection connection);
void add_json_functions(std::vector<Scalar>& out);     // json.cpp: ar_json_*
void add_sqljson_functions(std::vector<Scalar>& out);  // sqljson.cpp: ar_json_query, ar_json_value, ar_json_exists
void add_binary_functions(std::vector<Scalar>& out);   // binary.cpp: hashes, codecs, bytes
void add_string_functions(std::vector<Scalar>& out);   // strings.cpp: code points, URLs, format

// Registers every family's functions on the connection; the name of the first that failed, or "".
std::string register_all(duckdb_connection connection);

// Java's Double.toString / Float.toString of a value (what Athena prints): the shortest text that reads
// back as the value, plain in [1e-3, 1e7), else d.dddE[-]n.
std::string java_floating_string(double value);
std::string java_floating_string(float value);

// Row access for function bodies.
inline bool row_valid(const uint64_t* validity, idx_t row) {
  return validity == nullptr || duckdb_validity_row_is_valid(const_cast<uint64_t*>(validity), row);
}
inline std::string_view string_at(duckdb_string_t* strings, idx_t row) {
  return {duckdb_string_t_data(&strings[row]), duckdb_string_t_length(strings[row])};
}
inline void set_string(duckdb_vector output, idx_t row, std::string_view text) {
  duckdb_vector_assign_string_element_len(output, row, text.data(), text.size());
}

}  // namespace athena_runner::engine::udf
