#include "athena_runner/base/text.hpp"

#include <charconv>

namespace athena_runner::text {

std::string_view trim(std::string_view text, std::string_view characters) {
  const auto first = text.find_first_not_of(characters);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(characters) - first + 1);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = upper(c);
  return out;
}

std::optional<std::size_t> parse_index(std::string_view text) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool iequals(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  for (std::size_t index = 0; index < left.size(); ++index)
    if (lower(left[index]) != lower(right[index])) return false;
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

std::size_t first_invalid_utf8(std::string_view text) {
  std::size_t index = 0;
  while (index < text.size()) {
    const auto lead = static_cast<unsigned char>(text[index]);
    std::size_t extra = 0;
    unsigned char low = 0x80;  // the allowed range of the byte after the lead
    unsigned char high = 0xBF;
    if (lead < 0x80) {
      extra = 0;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return index;
    }
    if (text.size() - index - 1 < extra) return index;
    for (std::size_t next = 1; next <= extra; ++next) {
      const auto byte = static_cast<unsigned char>(text[index + next]);
      if (next == 1 ? (byte < low || byte > high) : (byte & 0xC0) != 0x80) return index;
    }
    index += extra + 1;
  }
  return std::string_view::npos;
}

PatternLiteral pattern_literal(std::string_view pattern, std::size_t open) {
  PatternLiteral literal;
  if (open + 1 < pattern.size() && pattern[open + 1] == '\'') {
    literal.text.push_back('\'');  // not = "'": GCC 12's -Wrestrict misreads that assignment when inlined
    literal.end = open + 2;
    literal.closed = true;
    return literal;
  }
  for (std::size_t i = open + 1; i < pattern.size(); ++i) {
    if (pattern[i] != '\'') {
      literal.text += pattern[i];
    } else if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
      literal.text += '\'';
      ++i;
    } else {
      literal.end = i + 1;
      literal.closed = true;
      return literal;
    }
  }
  literal.end = pattern.size();
  return literal;
}

}  // namespace athena_runner::text
