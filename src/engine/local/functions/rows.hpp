#pragma once
// Row-at-a-time bodies for the engine's C API scalar functions (functions/<family>.cpp): a body sees one
// row's arguments (none NULL: DuckDB skips rows with a NULL argument), returns its value or nothing (NULL),
// or throws Failure with Trino's message, which fails the query.
#include <duckdb.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "athena_runner/base/text.hpp"
#include "udf.hpp"

namespace athena_runner::engine::udf {

struct Failure {
  std::string message;
};

// The arguments of one row, as the body sees them.
struct Row {
  std::vector<duckdb_vector> vectors;
  idx_t row = 0;
  std::string_view text(std::size_t i) const {
    return string_at(static_cast<duckdb_string_t*>(duckdb_vector_get_data(vectors[i])), row);
  }
  template <class T>
  T value(std::size_t i) const {
    return static_cast<const T*>(duckdb_vector_get_data(vectors[i]))[row];
  }
};

// Runs `body` on each row and stores its values with `store`.
template <class Out>
void run_rows(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output,
              const std::function<std::optional<Out>(const Row&)>& body,
              const std::function<void(duckdb_vector, idx_t, const Out&)>& store) {
  const idx_t rows = duckdb_data_chunk_get_size(input);
  Row row;
  const idx_t columns = duckdb_data_chunk_get_column_count(input);
  std::vector<const uint64_t*> validity;
  for (idx_t c = 0; c < columns; ++c) {
    row.vectors.push_back(duckdb_data_chunk_get_vector(input, c));
    validity.push_back(duckdb_vector_get_validity(row.vectors.back()));
  }
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_validity = duckdb_vector_get_validity(output);
  for (idx_t r = 0; r < rows; ++r) {
    row.row = r;
    bool any_null = false;
    for (const auto* v : validity) any_null = any_null || !row_valid(v, r);
    std::optional<Out> result;
    if (!any_null) {
      try {
        result = body(row);
      } catch (const Failure& failure) {
        duckdb_scalar_function_set_error(info, failure.message.c_str());
        return;
      }
    }
    if (result)
      store(output, r, *result);
    else
      duckdb_validity_set_row_invalid(out_validity, r);
  }
}

inline void store_text(duckdb_vector out, idx_t row, const std::string& value) { set_string(out, row, value); }
template <class T>
void store_value(duckdb_vector out, idx_t row, const T& value) {
  static_cast<T*>(duckdb_vector_get_data(out))[row] = value;
}

using TextList = std::vector<std::optional<std::string>>;
// Lists are appended in row order (DuckDB's list vectors are filled front to back).
inline void store_list(duckdb_vector out, idx_t row, const TextList& values) {
  const idx_t offset = duckdb_list_vector_get_size(out);
  duckdb_list_vector_reserve(out, offset + values.size());
  duckdb_list_vector_set_size(out, offset + values.size());
  duckdb_vector child = duckdb_list_vector_get_child(out);
  duckdb_vector_ensure_validity_writable(child);
  uint64_t* child_validity = duckdb_vector_get_validity(child);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i])
      set_string(child, offset + i, *values[i]);
    else
      duckdb_validity_set_row_invalid(child_validity, offset + i);
  }
  auto* entries = static_cast<duckdb_list_entry*>(duckdb_vector_get_data(out));
  entries[row] = {offset, values.size()};
}

// The code points of valid UTF-8 text (DuckDB's VARCHAR is always valid) and back.
inline std::vector<uint32_t> code_points(std::string_view s) {
  std::vector<uint32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    uint32_t cp = extra == 3 ? c & 0x07U : extra == 2 ? c & 0x0FU : extra == 1 ? c & 0x1FU : c;
    ++i;
    for (; extra > 0 && i < s.size(); --extra, ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3FU);
    out.push_back(cp);
  }
  return out;
}
inline void append_code_point(std::string& out, uint32_t cp) { text::append_utf8(out, cp); }

// BigDecimal(text).setScale(scale, HALF_UP) as plain text; nullopt when the text is no number, "overflow"
// when the unscaled digits exceed `precision`.
inline std::optional<std::string> rescale(std::string_view text, int64_t precision, int64_t scale) {
  bool negative = false;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;
  int64_t exponent = 0;
  bool dot = false;
  for (; i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !dot)); ++i) {
    if (text[i] == '.') {
      dot = true;
    } else {
      digits += text[i];
      if (dot) --exponent;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t k = i + 1;
    const bool negative_exponent = k < text.size() && text[k] == '-';
    if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
    if (k >= text.size()) return std::nullopt;
    int64_t e = 0;
    for (; k < text.size(); ++k) {
      if (!std::isdigit(static_cast<unsigned char>(text[k])) || e > 1'000'000'000) return std::nullopt;
      e = e * 10 + (text[k] - '0');
    }
    exponent += negative_exponent ? -e : e;
    i = text.size();
  }
  if (i != text.size()) return std::nullopt;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) digits = "0";
  const int64_t shift = exponent + scale;  // unscaled = digits * 10^shift, rounded half up
  if (digits != "0" && shift > 0) {
    if (static_cast<int64_t>(digits.size()) + shift > precision) return std::string("overflow");
    digits.append(static_cast<std::size_t>(shift), '0');
  } else if (shift < 0) {
    const auto drop = static_cast<std::size_t>(-shift);
    bool up = false;
    if (drop <= digits.size()) {
      up = digits[digits.size() - drop] >= '5';
      digits.resize(digits.size() - drop);
    } else {
      digits.clear();
    }
    if (digits.empty()) digits = "0";
    if (up) {
      std::size_t k = digits.size();
      while (k > 0 && digits[k - 1] == '9') digits[--k] = '0';
      if (k == 0)
        digits.insert(digits.begin(), '1');
      else
        ++digits[k - 1];
    }
    digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
  }
  if (static_cast<int64_t>(digits.size()) > precision) return std::string("overflow");
  if (scale > 0) {
    if (static_cast<int64_t>(digits.size()) <= scale)
      digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
    digits.insert(digits.size() - static_cast<std::size_t>(scale), ".");
  }
  return (negative && digits.find_first_not_of("0.") != std::string::npos ? "-" : "") + digits;
}

// The C API function of a body: text_function<body> (VARCHAR or BLOB results), value_function<T, body>
// (numbers, booleans), list_function<body> (VARCHAR[] and JSON[]).
template <std::optional<std::string> (*Body)(const Row&)>
void text_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  run_rows<std::string>(info, input, output, Body, store_text);
}
template <class T, std::optional<T> (*Body)(const Row&)>
void value_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  run_rows<T>(info, input, output, Body, store_value<T>);
}
template <std::optional<TextList> (*Body)(const Row&)>
void list_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  run_rows<TextList>(info, input, output, Body, store_list);
}

}  // namespace athena_runner::engine::udf
