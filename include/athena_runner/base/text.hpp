// Text helpers every layer shares. Case folding is ASCII only (identifiers, keywords, header names,
// catalog names), byte by byte, as std::tolower / std::toupper in the "C" locale the program runs in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace athena_runner::text {

inline constexpr std::string_view kWhitespace = " \t\r\n\f\v";  // std::isspace in the "C" locale
inline constexpr std::string_view kHttpWhitespace = " \t";      // RFC 9110's OWS: space and horizontal tab

// `text` without leading and trailing characters of `characters`.
std::string_view trim(std::string_view text, std::string_view characters = kWhitespace);

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
std::string lower(std::string_view text);
std::string upper(std::string_view text);

// A whole string of decimal digits (no sign, no spaces, nothing after) that fits a std::size_t, else nullopt.
std::optional<std::size_t> parse_index(std::string_view text);

// ASCII case-insensitive equality and prefix.
bool iequals(std::string_view left, std::string_view right);
bool istarts_with(std::string_view text, std::string_view prefix);

// Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), for text
// that must be Unicode: queries files, S3 keys, anything later written as JSON. The offset of the first
// byte that does not start a well-formed UTF-8 sequence, or npos when the whole text is well-formed.
std::size_t first_invalid_utf8(std::string_view text);
inline bool valid_utf8(std::string_view text) { return first_invalid_utf8(text) == std::string_view::npos; }
// Appends the UTF-8 bytes of a code point (at most U+10FFFF; the caller checks).
void append_utf8(std::string& out, std::uint32_t code_point);

// A quoted literal of a date-time pattern (Java's DateTimeFormatter, Joda's DateTimeFormat), from the quote at
// `open`: the text up to the closing quote, in which '' is one quote; '' right at `open` is one quote by itself.
// `end` is the index after the closing quote, or pattern.size() when there is none (`closed` false).
struct PatternLiteral {
  std::string text;
  std::size_t end = 0;
  bool closed = false;
};
PatternLiteral pattern_literal(std::string_view pattern, std::size_t open);

}  // namespace athena_runner::text
