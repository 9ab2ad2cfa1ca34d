// Text the way Java writes it: ar_java_text(DOUBLE | FLOAT) -> VARCHAR, the front end's CAST(double AS
// varchar) and doubles inside nested values when a result is rendered.
#include <charconv>
#include <cmath>

#include "udf.hpp"

namespace athena_runner::engine::udf {
namespace {

constexpr double kJavaPlainLow = 1e-3;  // Java's Double.toString uses plain notation in [1e-3, 1e7)
constexpr double kJavaPlainHigh = 1e7;

template <class Floating>
std::string java_text(Floating value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  Floating magnitude = std::fabs(value);
  if (value == 0 ||
      (magnitude >= static_cast<Floating>(kJavaPlainLow) && magnitude < static_cast<Floating>(kJavaPlainHigh))) {
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    std::string text(buffer, result.ptr);
    if (text.find('.') == std::string::npos) text += ".0";
    return text;
  }
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string text(buffer, result.ptr);  // e.g. 1.5e+10, 1e-05
  auto e = text.find('e');
  std::string mantissa = text.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  int exponent = std::stoi(text.substr(e + 1));
  return mantissa + "E" + std::to_string(exponent);
}

template <class Floating>
void java_text_function(duckdb_function_info, duckdb_data_chunk input, duckdb_vector output) {
  const idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector values = duckdb_data_chunk_get_vector(input, 0);
  const auto* data = static_cast<const Floating*>(duckdb_vector_get_data(values));
  const uint64_t* validity = duckdb_vector_get_validity(values);
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_validity = duckdb_vector_get_validity(output);
  for (idx_t row = 0; row < rows; ++row) {
    if (!row_valid(validity, row)) {
      duckdb_validity_set_row_invalid(out_validity, row);
      continue;
    }
    set_string(output, row, java_text(data[row]));
  }
}

}  // namespace

std::string java_floating_string(double value) { return java_text(value); }
std::string java_floating_string(float value) { return java_text(value); }

void add_text_functions(std::vector<Scalar>& out) {
  out.push_back({"ar_java_text", {DUCKDB_TYPE_DOUBLE}, DUCKDB_TYPE_VARCHAR, &java_text_function<double>});
  out.push_back({"ar_java_text", {DUCKDB_TYPE_FLOAT}, DUCKDB_TYPE_VARCHAR, &java_text_function<float>});
}

}  // namespace athena_runner::engine::udf
