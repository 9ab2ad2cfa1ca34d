// Trino's string functions where DuckDB's namesakes differ (docs: functions/string, functions/url):
// everything counts Unicode code points (DuckDB's reverse works on grapheme clusters), with Trino's errors.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rows.hpp"

namespace athena_runner::engine::udf {
namespace {

// The code points of valid UTF-8 text (DuckDB's VARCHAR is always valid) and back.
std::vector<uint32_t> code_points(std::string_view s) {
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
void append_code_point(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}
std::string text_of(const std::vector<uint32_t>& points) {
  std::string out;
  for (uint32_t cp : points) append_code_point(out, cp);
  return out;
}
int64_t count_code_points(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::optional<std::string> reverse_body(const Row& r) {
  auto points = code_points(r.text(0));
  std::reverse(points.begin(), points.end());
  return text_of(points);
}

// replace(string, search, replace): an empty search puts `replace` before every code point and at the end.
std::optional<std::string> replace_body(const Row& r) {
  const std::string_view s = r.text(0);
  const std::string_view search = r.text(1);
  const std::string_view with = r.text(2);
  std::string out;
  if (search.empty()) {
    out += with;
    for (uint32_t cp : code_points(s)) {
      append_code_point(out, cp);
      out += with;
    }
    return out;
  }
  std::size_t index = 0;
  while (true) {
    const std::size_t match = s.find(search, index);
    if (match == std::string_view::npos) break;
    out += s.substr(index, match - index);
    out += with;
    index = match + search.size();
  }
  out += s.substr(index);
  return out;
}

std::optional<int64_t> hamming_body(const Row& r) {
  const auto left = code_points(r.text(0));
  const auto right = code_points(r.text(1));
  if (left.size() != right.size()) {
    throw Failure{"The input strings to hamming_distance function must have the same length"};
  }
  int64_t distance = 0;
  for (std::size_t i = 0; i < left.size(); ++i) distance += left[i] != right[i];
  return distance;
}

std::optional<int64_t> levenshtein_body(const Row& r) {
  auto left = code_points(r.text(0));
  auto right = code_points(r.text(1));
  if (left.size() < right.size()) std::swap(left, right);
  if (right.empty()) return static_cast<int64_t>(left.size());
  if (static_cast<int64_t>(left.size()) * static_cast<int64_t>(right.size() - 1) > 1'000'000) {
    throw Failure{"The combined inputs for Levenshtein distance are too large"};
  }
  std::vector<int64_t> previous(right.size() + 1);
  std::vector<int64_t> current(right.size() + 1);
  for (std::size_t j = 0; j <= right.size(); ++j) previous[j] = static_cast<int64_t>(j);
  for (std::size_t i = 1; i <= left.size(); ++i) {
    current[0] = static_cast<int64_t>(i);
    for (std::size_t j = 1; j <= right.size(); ++j) {
      const int64_t substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[right.size()];
}

// translate(source, from, to): the first occurrence in `from` wins; past the end of `to` deletes.
std::optional<std::string> translate_body(const Row& r) {
  const auto from = code_points(r.text(1));
  const auto to = code_points(r.text(2));
  std::unordered_map<uint32_t, int64_t> map;
  for (std::size_t i = 0; i < from.size(); ++i) {
    map.emplace(from[i], i < to.size() ? static_cast<int64_t>(to[i]) : -1);
  }
  std::string out;
  for (uint32_t cp : code_points(r.text(0))) {
    auto found = map.find(cp);
    if (found == map.end()) {
      append_code_point(out, cp);
    } else if (found->second >= 0) {
      append_code_point(out, static_cast<uint32_t>(found->second));
    }
  }
  return out;
}

// Apache commons-codec's Soundex.US_ENGLISH, which Trino calls: letters only, upper-cased; H and W are
// skipped without separating equal codes; vowels separate them; padded with '0' to four characters.
std::optional<std::string> soundex_body(const Row& r) {
  static constexpr std::string_view kMapping = "01230120022455012623010202";
  std::string letters;
  for (char c : r.text(0)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) throw Failure{"soundex of non-ASCII text is not supported by the local engine"};
    if (std::isalpha(u)) letters += static_cast<char>(std::toupper(u));
  }
  if (letters.empty()) return letters;
  std::string out(4, '0');
  out[0] = letters[0];
  std::size_t count = 1;
  char last = kMapping[static_cast<std::size_t>(letters[0] - 'A')];
  for (std::size_t i = 1; i < letters.size() && count < out.size(); ++i) {
    const char c = letters[i];
    if (c == 'H' || c == 'W') continue;
    const char digit = kMapping[static_cast<std::size_t>(c - 'A')];
    if (digit != '0' && digit != last) out[count++] = digit;
    last = digit;
  }
  return out;
}

std::optional<bool> luhn_body(const Row& r) {
  const std::string_view s = r.text(0);
  if (s.empty()) return false;
  int sum = 0;
  bool second = false;
  for (std::size_t i = s.size(); i-- > 0;) {
    if (s[i] < '0' || s[i] > '9') throw Failure{"Input contains non-digit character"};
    int n = s[i] - '0';
    if (second) n *= 2;
    if (n > 9) n -= 9;
    sum += n;
    second = !second;
  }
  return sum % 10 == 0;
}

// strpos(string, substring, instance): the instance-th match from the start, or from the end when negative.
std::optional<int64_t> strpos_instance_body(const Row& r) {
  const std::string_view s = r.text(0);
  const std::string_view sub = r.text(1);
  const auto instance = r.value<int64_t>(2);
  if (instance == 0) throw Failure{"'instance' must be a positive or negative number."};
  if (sub.empty()) return 1;
  int64_t found = 0;
  if (instance > 0) {
    std::size_t index = 0;
    while ((index = s.find(sub, index)) != std::string_view::npos) {
      if (++found == instance) return count_code_points(s.substr(0, index)) + 1;
      ++index;
    }
    return 0;
  }
  std::size_t end = s.size();
  while (true) {
    if (end == 0) return 0;
    const std::size_t index = s.rfind(sub, end - 1);
    if (index == std::string_view::npos) return 0;
    if (++found == -instance) return count_code_points(s.substr(0, index)) + 1;
    end = index;
  }
}

// split(string, delimiter, limit): at most `limit` parts, the last one the rest of the string.
std::optional<TextList> split_limit_body(const Row& r) {
  const std::string_view s = r.text(0);
  const std::string_view delimiter = r.text(1);
  const auto limit = r.value<int64_t>(2);
  if (limit <= 0) throw Failure{"Limit must be positive"};
  if (limit > INT32_MAX) throw Failure{"Limit is too large"};
  if (delimiter.empty()) throw Failure{"The delimiter may not be the empty string"};
  TextList parts;
  std::size_t index = 0;
  while (limit > 1 && index < s.size()) {
    const std::size_t split = s.find(delimiter, index);
    if (split == std::string_view::npos) break;
    parts.emplace_back(std::string(s.substr(index, split - index)));
    index = split + delimiter.size();
    if (static_cast<int64_t>(parts.size()) == limit - 1) break;
  }
  parts.emplace_back(std::string(s.substr(std::min(index, s.size()))));
  return parts;
}

// from_utf8: airlift's fixInvalidUtf8 (what Trino calls): each invalid sequence, as far as its lead byte
// promised and its bytes were continuation bytes, becomes one replacement (or nothing).
std::string fix_utf8(std::string_view in, std::optional<uint32_t> replacement) {
  std::string out;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  auto continuation = [&](std::size_t k) { return k < in.size() && (byte(k) & 0xC0) == 0x80; };
  while (i < in.size()) {
    const unsigned char c = byte(i);
    const int length = c < 0x80   ? 1
                       : c < 0xC0 ? -1
                       : c < 0xE0 ? 2
                       : c < 0xF0 ? 3
                       : c < 0xF8 ? 4
                       : c < 0xFC ? 5
                       : c < 0xFE ? 6
                                  : -1;
    std::size_t invalid = 0;  // the bytes of an invalid sequence, 0 when valid
    if (length == 1) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (length < 0) {
      invalid = 1;
    } else {
      int have = 1;
      while (have < length && continuation(i + static_cast<std::size_t>(have))) ++have;
      if (have < length) {
        invalid = static_cast<std::size_t>(std::max(have, 1));
      } else if (length > 4) {
        invalid = static_cast<std::size_t>(length);
      } else {
        uint32_t cp = length == 2 ? c & 0x1FU : length == 3 ? c & 0x0FU : c & 0x07U;
        for (int k = 1; k < length; ++k) cp = (cp << 6) | (byte(i + static_cast<std::size_t>(k)) & 0x3FU);
        const bool overlong = (length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
        if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
          invalid = static_cast<std::size_t>(length);
        } else {
          out += in.substr(i, static_cast<std::size_t>(length));
          i += static_cast<std::size_t>(length);
          continue;
        }
      }
    }
    if (replacement) append_code_point(out, *replacement);
    i += invalid;
  }
  return out;
}

std::optional<std::string> from_utf8_body(const Row& r) { return fix_utf8(r.text(0), 0xFFFD); }
std::optional<std::string> from_utf8_text_body(const Row& r) {
  const auto replacement = code_points(r.text(1));
  if (replacement.size() > 1) throw Failure{"Replacement character string must empty or a single character"};
  return fix_utf8(r.text(0), replacement.empty() ? std::nullopt : std::optional<uint32_t>(replacement[0]));
}
std::optional<std::string> from_utf8_code_body(const Row& r) {
  const auto code = r.value<int64_t>(1);
  if (code < 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) throw Failure{"Invalid replacement character"};
  return fix_utf8(r.text(0), static_cast<uint32_t>(code));
}

// url_encode: application/x-www-form-urlencoded (Guava's urlFormParameterEscaper): letters, digits and
// "-_.*" stay, space is '+', every other byte of the UTF-8 text is %XX.
std::optional<std::string> url_encode_body(const Row& r) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : r.text(0)) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 && u < 0x80) {
      out += c;
    } else if (c == '-' || c == '_' || c == '.' || c == '*') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

// url_decode: java.net.URLDecoder.decode(value, UTF_8): '+' is a space, %XX a byte.
std::optional<std::string> url_decode_body(const Row& r) {
  const std::string_view s = r.text(0);
  std::string bytes;
  std::string out;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '%') {
      bytes.clear();
      while (i + 2 < s.size() && s[i] == '%') {
        const int hi = hex(s[i + 1]);
        const int lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) throw Failure{"URLDecoder: Illegal hex characters in escape (%) pattern"};
        bytes += static_cast<char>(hi * 16 + lo);
        i += 3;
      }
      if (i < s.size() && s[i] == '%') throw Failure{"URLDecoder: Incomplete trailing escape (%) pattern"};
      out += fix_utf8(bytes, 0xFFFD);
      continue;
    }
    out += s[i] == '+' ? ' ' : s[i];
    ++i;
  }
  return out;
}

AR_TEXT_FUNCTION(reverse_function, reverse_body)
AR_TEXT_FUNCTION(replace_function, replace_body)
AR_VALUE_FUNCTION(hamming_function, int64_t, hamming_body)
AR_VALUE_FUNCTION(levenshtein_function, int64_t, levenshtein_body)
AR_TEXT_FUNCTION(translate_function, translate_body)
AR_TEXT_FUNCTION(soundex_function, soundex_body)
AR_VALUE_FUNCTION(luhn_function, bool, luhn_body)
AR_VALUE_FUNCTION(strpos_instance_function, int64_t, strpos_instance_body)
AR_LIST_FUNCTION(split_limit_function, split_limit_body)
AR_TEXT_FUNCTION(from_utf8_function, from_utf8_body)
AR_TEXT_FUNCTION(from_utf8_text_function, from_utf8_text_body)
AR_TEXT_FUNCTION(from_utf8_code_function, from_utf8_code_body)
AR_TEXT_FUNCTION(url_encode_function, url_encode_body)
AR_TEXT_FUNCTION(url_decode_function, url_decode_body)

}  // namespace

void add_string_functions(std::vector<Scalar>& out) {
  constexpr auto V = DUCKDB_TYPE_VARCHAR;
  constexpr auto B = DUCKDB_TYPE_BIGINT;
  out.push_back({"ar_reverse", {V}, V, &reverse_function});
  out.push_back({"ar_replace_all", {V, V, V}, V, &replace_function});
  out.push_back({"ar_hamming_distance", {V, V}, B, &hamming_function});
  out.push_back({"ar_levenshtein_distance", {V, V}, B, &levenshtein_function});
  out.push_back({"ar_translate", {V, V, V}, V, &translate_function});
  out.push_back({"ar_soundex", {V}, V, &soundex_function});
  out.push_back({"ar_luhn_check", {V}, DUCKDB_TYPE_BOOLEAN, &luhn_function});
  out.push_back({"ar_strpos", {V, V, B}, B, &strpos_instance_function});
  Scalar split{"ar_split_limit", {V, V, B}, V, &split_limit_function};
  split.make_returns = varchar_list_type;
  out.push_back(std::move(split));
  out.push_back({"ar_from_utf8", {DUCKDB_TYPE_BLOB}, V, &from_utf8_function});
  out.push_back({"ar_from_utf8", {DUCKDB_TYPE_BLOB, V}, V, &from_utf8_text_function});
  out.push_back({"ar_from_utf8", {DUCKDB_TYPE_BLOB, B}, V, &from_utf8_code_function});
  out.push_back({"ar_url_encode", {V}, V, &url_encode_function});
  out.push_back({"ar_url_decode", {V}, V, &url_decode_function});
}

}  // namespace athena_runner::engine::udf
