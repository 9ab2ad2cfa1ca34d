// Case folding of identifiers and keywords (SQL, Hive types, catalog names): byte by byte, as
// std::tolower / std::toupper do in the "C" locale the program runs in.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace athena_runner::text {

inline std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

inline std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

}  // namespace athena_runner::text
