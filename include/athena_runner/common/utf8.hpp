// Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), for text
// that must be Unicode: queries files, S3 keys, anything later written as JSON.
#pragma once

#include <cstddef>
#include <string_view>

namespace athena_runner::text {

// The offset of the first byte that does not start a well-formed UTF-8 sequence, or npos when the whole
// text is well-formed.
std::size_t first_invalid_utf8(std::string_view text);

inline bool valid_utf8(std::string_view text) { return first_invalid_utf8(text) == std::string_view::npos; }

}  // namespace athena_runner::text
