// RFC 3986 percent-encoding, as SigV4 canonicalisation and the wire format need it.
#include "athena_runner/aws/http.hpp"

namespace athena_runner::aws {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string uri_encode(std::string_view text, bool encode_slash) {
  std::string encoded;
  encoded.reserve(text.size() + text.size() / 2);
  for (char character : text) {
    auto byte = static_cast<unsigned char>(character);
    if (is_unreserved(byte) || (byte == '/' && !encode_slash)) {
      encoded.push_back(character);
    } else {
      encoded.push_back('%');
      encoded.push_back(kHexDigits[byte >> 4]);
      encoded.push_back(kHexDigits[byte & 0x0F]);
    }
  }
  return encoded;
}

// '+' is kept as is (it only means space in HTML forms); malformed escapes are kept literally.
std::string uri_decode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t index = 0; index < text.size(); ++index) {
    if (text[index] == '%' && index + 2 < text.size()) {
      int high = hex_value(text[index + 1]);
      int low = hex_value(text[index + 2]);
      if (high >= 0 && low >= 0) {
        decoded.push_back(static_cast<char>(high * 16 + low));
        index += 2;
        continue;
      }
    }
    decoded.push_back(text[index]);
  }
  return decoded;
}

}  // namespace athena_runner::aws
