// Trino's binary functions (docs: functions/binary): hashes (OpenSSL for MD5/SHA/HMAC; CRC-32, xxHash64 and
// MurmurHash3 x64 128 from their published algorithms), hex / base64 / base32 codecs with the decoders'
// errors (Java's Base64 decoder, Guava's base32), big-endian integers and IEEE 754 bits.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "rows.hpp"

namespace athena_runner::engine::udf {
namespace {

std::string bytes(const unsigned char* data, std::size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// ---- digests ----

std::string digest(const EVP_MD* md, std::string_view input) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned size = 0;
  if (EVP_Digest(input.data(), input.size(), out.data(), &size, md, nullptr) != 1) throw Failure{"digest failed"};
  return bytes(out.data(), size);
}
std::string hmac(const EVP_MD* md, std::string_view input, std::string_view key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned size = 0;
  if (HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(input.data()),
           input.size(), out.data(), &size) == nullptr) {
    throw Failure{"HMAC failed"};
  }
  return bytes(out.data(), size);
}

std::optional<std::string> md5_body(const Row& r) { return digest(EVP_md5(), r.text(0)); }
std::optional<std::string> sha1_body(const Row& r) { return digest(EVP_sha1(), r.text(0)); }
std::optional<std::string> sha256_body(const Row& r) { return digest(EVP_sha256(), r.text(0)); }
std::optional<std::string> sha512_body(const Row& r) { return digest(EVP_sha512(), r.text(0)); }
std::optional<std::string> hmac_md5_body(const Row& r) { return hmac(EVP_md5(), r.text(0), r.text(1)); }
std::optional<std::string> hmac_sha1_body(const Row& r) { return hmac(EVP_sha1(), r.text(0), r.text(1)); }
std::optional<std::string> hmac_sha256_body(const Row& r) { return hmac(EVP_sha256(), r.text(0), r.text(1)); }
std::optional<std::string> hmac_sha512_body(const Row& r) { return hmac(EVP_sha512(), r.text(0), r.text(1)); }

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as java.util.zip.CRC32.
std::optional<int64_t> crc32_body(const Row& r) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFU;
  for (char ch : r.text(0)) crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (crc >> 8);
  return static_cast<int64_t>(crc ^ 0xFFFFFFFFU);
}

uint64_t load64(const char* p) {
  uint64_t v = 0;
  std::memcpy(&v, p, 8);  // little-endian host (x86-64, arm64)
  return v;
}
uint32_t load32(const char* p) {
  uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

std::string big_endian(uint64_t v, int size) {
  std::string out(static_cast<std::size_t>(size), '\0');
  for (int i = size - 1; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFF);
  return out;
}
std::string little_endian(uint64_t v) {
  std::string out(8, '\0');
  for (std::size_t i = 0; i < 8; ++i, v >>= 8) out[i] = static_cast<char>(v & 0xFF);
  return out;
}

// xxHash64, seed 0 (Yann Collet's specification); Trino returns the value's 8 bytes big-endian.
std::optional<std::string> xxhash64_body(const Row& r) {
  constexpr uint64_t P1 = 0x9E3779B185EBCA87ULL;
  constexpr uint64_t P2 = 0xC2B2AE3D27D4EB4FULL;
  constexpr uint64_t P3 = 0x165667B19E3779F9ULL;
  constexpr uint64_t P4 = 0x85EBCA77C2B2AE63ULL;
  constexpr uint64_t P5 = 0x27D4EB2F165667C5ULL;
  const std::string_view in = r.text(0);
  const char* p = in.data();
  const char* end = p + in.size();
  auto round = [&](uint64_t acc, uint64_t lane) { return rotl(acc + lane * P2, 31) * P1; };
  auto merge = [&](uint64_t acc, uint64_t v) { return (acc ^ round(0, v)) * P1 + P4; };
  uint64_t h = 0;
  if (in.size() >= 32) {
    uint64_t v1 = P1 + P2;
    uint64_t v2 = P2;
    uint64_t v3 = 0;
    uint64_t v4 = 0 - P1;
    for (; p + 32 <= end; p += 32) {
      v1 = round(v1, load64(p));
      v2 = round(v2, load64(p + 8));
      v3 = round(v3, load64(p + 16));
      v4 = round(v4, load64(p + 24));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h += in.size();
  for (; p + 8 <= end; p += 8) h = rotl(h ^ round(0, load64(p)), 27) * P1 + P4;
  if (p + 4 <= end) {
    h = rotl(h ^ (static_cast<uint64_t>(load32(p)) * P1), 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; ++p) h = rotl(h ^ (static_cast<unsigned char>(*p) * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return big_endian(h, 8);
}

// MurmurHash3_x64_128, seed 0 (Austin Appleby's reference); h1 then h2, each little-endian, as Trino's slice.
std::optional<std::string> murmur3_body(const Row& r) {
  constexpr uint64_t C1 = 0x87C37B91114253D5ULL;
  constexpr uint64_t C2 = 0x4CF5AD432745937FULL;
  const std::string_view in = r.text(0);
  const std::size_t blocks = in.size() / 16;
  uint64_t h1 = 0;
  uint64_t h2 = 0;
  auto fmix = [](uint64_t k) {
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDULL;
    k ^= k >> 33;
    k *= 0xC4CEB9FE1A85EC53ULL;
    k ^= k >> 33;
    return k;
  };
  for (std::size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = load64(in.data() + i * 16);
    uint64_t k2 = load64(in.data() + i * 16 + 8);
    k1 = rotl(k1 * C1, 31) * C2;
    h1 ^= k1;
    h1 = (rotl(h1, 27) + h2) * 5 + 0x52DCE729;
    k2 = rotl(k2 * C2, 33) * C1;
    h2 ^= k2;
    h2 = (rotl(h2, 31) + h1) * 5 + 0x38495AB5;
  }
  const auto* tail = reinterpret_cast<const unsigned char*>(in.data() + blocks * 16);
  const std::size_t rest = in.size() & 15;
  uint64_t k1 = 0;
  uint64_t k2 = 0;
  for (std::size_t i = rest; i > 8; --i) k2 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 9) * 8);
  for (std::size_t i = std::min<std::size_t>(rest, 8); i > 0; --i)
    k1 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 1) * 8);
  if (rest > 8) h2 ^= rotl(k2 * C2, 33) * C1;
  if (rest > 0) h1 ^= rotl(k1 * C1, 31) * C2;
  h1 ^= in.size();
  h2 ^= in.size();
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;
  h2 += h1;
  return little_endian(h1) + little_endian(h2);
}

// ---- hex, base64 (java.util.Base64), base32 (Guava's BaseEncoding.base32()) ----

constexpr std::string_view kHexDigits = "0123456789ABCDEF";
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::optional<std::string> to_hex_body(const Row& r) {
  std::string out;
  for (char c : r.text(0)) {
    const auto u = static_cast<unsigned char>(c);
    out += kHexDigits[u >> 4];
    out += kHexDigits[u & 0xF];
  }
  return out;
}

std::optional<std::string> from_hex_body(const Row& r) {
  const std::string_view in = r.text(0);
  if (in.size() % 2 != 0) throw Failure{"invalid input length " + std::to_string(in.size())};
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw Failure{std::string("invalid hex character: ") + c};
  };
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 2) out += static_cast<char>(digit(in[i]) * 16 + digit(in[i + 1]));
  return out;
}

// Base-2^bits text of the bytes, padded with '=' to whole groups of `group` characters.
std::string encode(std::string_view in, std::string_view alphabet, int bits, std::size_t group) {
  std::string out;
  uint32_t buffer = 0;
  int held = 0;
  for (char c : in) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    held += 8;
    while (held >= bits) {
      held -= bits;
      out += alphabet[(buffer >> held) & ((1U << bits) - 1)];
    }
  }
  if (held > 0) out += alphabet[(buffer << (bits - held)) & ((1U << bits) - 1)];
  while (out.size() % group != 0) out += '=';
  return out;
}

std::optional<std::string> to_base64_body(const Row& r) { return encode(r.text(0), kBase64, 6, 4); }
std::optional<std::string> to_base64url_body(const Row& r) { return encode(r.text(0), kBase64Url, 6, 4); }
std::optional<std::string> to_base32_body(const Row& r) { return encode(r.text(0), kBase32, 5, 8); }

// java.util.Base64's decoder: padding optional but exact when present, nothing after it, no whitespace.
std::string decode_base64(std::string_view in, std::string_view alphabet) {
  std::string out;
  uint32_t buffer = 0;
  int count = 0;  // characters of the current 4-character unit
  std::size_t i = 0;
  for (; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '=') {
      if (count < 2 || (count == 2 && (i + 1 >= in.size() || in[i + 1] != '='))) {
        throw Failure{"Input byte array has wrong 4-byte ending unit"};
      }
      i += count == 2 ? 2 : 1;
      break;
    }
    const auto position = alphabet.find(c);
    if (position == std::string_view::npos) {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto u = static_cast<unsigned char>(c);
      std::string code;
      if (u >= 16) code += kHex[u >> 4];
      code += kHex[u & 0xF];
      throw Failure{"Illegal base64 character " + code};
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(position);
    if (++count == 4) {
      out += static_cast<char>((buffer >> 16) & 0xFF);
      out += static_cast<char>((buffer >> 8) & 0xFF);
      out += static_cast<char>(buffer & 0xFF);
      buffer = 0;
      count = 0;
    }
  }
  if (i < in.size()) throw Failure{"Input byte array has incorrect ending byte at " + std::to_string(i)};
  if (count == 1) throw Failure{"Last unit does not have enough valid bits"};
  if (count == 2) out += static_cast<char>((buffer >> 4) & 0xFF);
  if (count == 3) {
    out += static_cast<char>((buffer >> 10) & 0xFF);
    out += static_cast<char>((buffer >> 2) & 0xFF);
  }
  return out;
}

std::optional<std::string> from_base64_body(const Row& r) { return decode_base64(r.text(0), kBase64); }
std::optional<std::string> from_base64url_body(const Row& r) { return decode_base64(r.text(0), kBase64Url); }

// Guava's base32 decoder: trailing '=' dropped, then a length a group can end at, upper-case letters only.
std::optional<std::string> from_base32_body(const Row& r) {
  std::string_view in = r.text(0);
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  const std::size_t tail = in.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) throw Failure{"Invalid input length " + std::to_string(in.size())};
  std::string out;
  uint64_t buffer = 0;
  int held = 0;
  for (char c : in) {
    const auto position = kBase32.find(c);
    if (position == std::string_view::npos) throw Failure{std::string("Unrecognized character: ") + c};
    buffer = (buffer << 5) | position;
    held += 5;
    if (held >= 8) {
      held -= 8;
      out += static_cast<char>((buffer >> held) & 0xFF);
    }
  }
  return out;
}

// ---- integers and IEEE 754 ----

std::optional<std::string> to_big_endian_32_body(const Row& r) {
  return big_endian(static_cast<uint32_t>(r.value<int32_t>(0)), 4);
}
std::optional<std::string> to_big_endian_64_body(const Row& r) {
  return big_endian(static_cast<uint64_t>(r.value<int64_t>(0)), 8);
}
uint64_t read_big_endian(std::string_view in) {
  uint64_t v = 0;
  for (char c : in) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}
std::string_view exactly(std::string_view in, std::size_t size, const std::string& message) {
  if (in.size() != size) throw Failure{message};
  return in;
}
std::optional<int32_t> from_big_endian_32_body(const Row& r) {
  const auto in = r.text(0);
  exactly(in, 4, "expected 4-byte input, but got instead: " + std::to_string(in.size()));
  return static_cast<int32_t>(static_cast<uint32_t>(read_big_endian(in)));
}
std::optional<int64_t> from_big_endian_64_body(const Row& r) {
  const auto in = r.text(0);
  exactly(in, 8, "expected 8-byte input, but got instead: " + std::to_string(in.size()));
  return static_cast<int64_t>(read_big_endian(in));
}
// Float.floatToIntBits / Double.doubleToLongBits: every NaN as the canonical one.
std::optional<std::string> to_ieee754_32_body(const Row& r) {
  const float value = r.value<float>(0);
  uint32_t bits = 0x7FC00000U;
  if (value == value) std::memcpy(&bits, &value, 4);
  return big_endian(bits, 4);
}
std::optional<std::string> to_ieee754_64_body(const Row& r) {
  const double value = r.value<double>(0);
  uint64_t bits = 0x7FF8000000000000ULL;
  if (value == value) std::memcpy(&bits, &value, 8);
  return big_endian(bits, 8);
}
std::optional<float> from_ieee754_32_body(const Row& r) {
  const auto bits = static_cast<uint32_t>(
      read_big_endian(exactly(r.text(0), 4, "Input floating-point value must be exactly 4 bytes long")));
  float value = 0;
  std::memcpy(&value, &bits, 4);
  return value;
}
std::optional<double> from_ieee754_64_body(const Row& r) {
  const uint64_t bits =
      read_big_endian(exactly(r.text(0), 8, "Input floating-point value must be exactly 8 bytes long"));
  double value = 0;
  std::memcpy(&value, &bits, 8);
  return value;
}

// ---- varbinary substr, lpad, rpad, reverse: the string functions' rules over bytes ----

// substr(binary, start[, length]): positions from 1, a negative start counts from the end, a length of
// zero or less (or a start out of range) gives the empty value.
std::string byte_substr(std::string_view in, int64_t start, int64_t length) {
  const auto size = static_cast<int64_t>(in.size());
  if (start == 0 || length <= 0 || size == 0) return {};
  int64_t from = start > 0 ? start - 1 : size + start;
  if (from < 0 || from >= size) return {};
  return std::string(
      in.substr(static_cast<std::size_t>(from), static_cast<std::size_t>(std::min(length, size - from))));
}
std::optional<std::string> substr_body(const Row& r) { return byte_substr(r.text(0), r.value<int64_t>(1), INT64_MAX); }
std::optional<std::string> substr_length_body(const Row& r) {
  return byte_substr(r.text(0), r.value<int64_t>(1), r.value<int64_t>(2));
}

std::string byte_pad(std::string_view in, int64_t size, std::string_view pad, bool left) {
  if (size < 0 || size > INT32_MAX) throw Failure{"Target length must be in the range [0..2147483647]"};
  if (pad.empty()) throw Failure{"Padding string must not be empty"};
  const auto target = static_cast<std::size_t>(size);
  if (in.size() >= target) return std::string(in.substr(0, target));
  std::string padding;
  while (padding.size() < target - in.size()) padding += pad;
  padding.resize(target - in.size());
  return left ? padding + std::string(in) : std::string(in) + padding;
}
std::optional<std::string> lpad_body(const Row& r) { return byte_pad(r.text(0), r.value<int64_t>(1), r.text(2), true); }
std::optional<std::string> rpad_body(const Row& r) {
  return byte_pad(r.text(0), r.value<int64_t>(1), r.text(2), false);
}
std::optional<std::string> reverse_body(const Row& r) {
  std::string out(r.text(0));
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

void add_binary_functions(std::vector<Scalar>& out) {
  constexpr auto X = DUCKDB_TYPE_BLOB;
  constexpr auto V = DUCKDB_TYPE_VARCHAR;
  out.push_back({"ar_md5", {X}, X, &text_function<md5_body>});
  out.push_back({"ar_sha1", {X}, X, &text_function<sha1_body>});
  out.push_back({"ar_sha256", {X}, X, &text_function<sha256_body>});
  out.push_back({"ar_sha512", {X}, X, &text_function<sha512_body>});
  out.push_back({"ar_hmac_md5", {X, X}, X, &text_function<hmac_md5_body>});
  out.push_back({"ar_hmac_sha1", {X, X}, X, &text_function<hmac_sha1_body>});
  out.push_back({"ar_hmac_sha256", {X, X}, X, &text_function<hmac_sha256_body>});
  out.push_back({"ar_hmac_sha512", {X, X}, X, &text_function<hmac_sha512_body>});
  out.push_back({"ar_crc32", {X}, DUCKDB_TYPE_BIGINT, &value_function<int64_t, crc32_body>});
  out.push_back({"ar_xxhash64", {X}, X, &text_function<xxhash64_body>});
  out.push_back({"ar_murmur3", {X}, X, &text_function<murmur3_body>});
  out.push_back({"ar_to_hex", {X}, V, &text_function<to_hex_body>});
  out.push_back({"ar_from_hex", {V}, X, &text_function<from_hex_body>});
  out.push_back({"ar_to_base64", {X}, V, &text_function<to_base64_body>});
  out.push_back({"ar_to_base64url", {X}, V, &text_function<to_base64url_body>});
  out.push_back({"ar_to_base32", {X}, V, &text_function<to_base32_body>});
  for (duckdb_type input : {V, X}) {
    out.push_back({"ar_from_base64", {input}, X, &text_function<from_base64_body>});
    out.push_back({"ar_from_base64url", {input}, X, &text_function<from_base64url_body>});
    out.push_back({"ar_from_base32", {input}, X, &text_function<from_base32_body>});
  }
  out.push_back({"ar_to_big_endian_32", {DUCKDB_TYPE_INTEGER}, X, &text_function<to_big_endian_32_body>});
  out.push_back({"ar_to_big_endian_64", {DUCKDB_TYPE_BIGINT}, X, &text_function<to_big_endian_64_body>});
  out.push_back({"ar_from_big_endian_32", {X}, DUCKDB_TYPE_INTEGER, &value_function<int32_t, from_big_endian_32_body>});
  out.push_back({"ar_from_big_endian_64", {X}, DUCKDB_TYPE_BIGINT, &value_function<int64_t, from_big_endian_64_body>});
  out.push_back({"ar_to_ieee754_32", {DUCKDB_TYPE_FLOAT}, X, &text_function<to_ieee754_32_body>});
  out.push_back({"ar_to_ieee754_64", {DUCKDB_TYPE_DOUBLE}, X, &text_function<to_ieee754_64_body>});
  out.push_back({"ar_from_ieee754_32", {X}, DUCKDB_TYPE_FLOAT, &value_function<float, from_ieee754_32_body>});
  out.push_back({"ar_varbinary_substr", {X, DUCKDB_TYPE_BIGINT}, X, &text_function<substr_body>});
  out.push_back(
      {"ar_varbinary_substr", {X, DUCKDB_TYPE_BIGINT, DUCKDB_TYPE_BIGINT}, X, &text_function<substr_length_body>});
  out.push_back({"ar_varbinary_lpad", {X, DUCKDB_TYPE_BIGINT, X}, X, &text_function<lpad_body>});
  out.push_back({"ar_varbinary_rpad", {X, DUCKDB_TYPE_BIGINT, X}, X, &text_function<rpad_body>});
  out.push_back({"ar_varbinary_reverse", {X}, X, &text_function<reverse_body>});
  out.push_back({"ar_from_ieee754_64", {X}, DUCKDB_TYPE_DOUBLE, &value_function<double, from_ieee754_64_body>});
}

}  // namespace athena_runner::engine::udf
