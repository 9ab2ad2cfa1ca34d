#include "checksums.hpp"
#include "athena_runner/base/text.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace athena_runner::server {
namespace {

// Reflected CRC tables (least significant bit first), one per polynomial.
template <class T>
struct CrcTable {
  T entries[256];
  constexpr explicit CrcTable(T reflected_polynomial) : entries{} {
    for (unsigned index = 0; index < 256; ++index) {
      T crc = index;
      for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ reflected_polynomial : crc >> 1;
      entries[index] = crc;
    }
  }
};

constexpr CrcTable<std::uint32_t> kCrc32Table(0xEDB88320u);                // ISO-HDLC (zlib)
constexpr CrcTable<std::uint32_t> kCrc32cTable(0x82F63B78u);               // Castagnoli
constexpr CrcTable<std::uint64_t> kCrc64NvmeTable(0x9A6C9329AC4BC9B5ull);  // NVMe

template <class T>
T crc_update(const CrcTable<T>& table, T crc, std::string_view data) {
  for (unsigned char byte : data) crc = table.entries[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return crc;
}

const EVP_MD* digest_for(ChecksumAlgorithm algorithm) {
  return algorithm == ChecksumAlgorithm::Sha1 ? EVP_sha1() : EVP_sha256();
}

std::string big_endian(std::uint64_t value, int bytes) {
  std::string out(static_cast<std::size_t>(bytes), '\0');
  for (int index = bytes - 1; index >= 0; --index) {
    out[static_cast<std::size_t>(index)] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  return out;
}

}  // namespace

std::string_view to_string(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::Crc32: return "CRC32";
    case ChecksumAlgorithm::Crc32c: return "CRC32C";
    case ChecksumAlgorithm::Crc64Nvme: return "CRC64NVME";
    case ChecksumAlgorithm::Sha1: return "SHA1";
    case ChecksumAlgorithm::Sha256: return "SHA256";
  }
  return "CRC32";
}

std::string checksum_header_name(ChecksumAlgorithm algorithm) {
  return "x-amz-checksum-" + text::lower(to_string(algorithm));
}

std::optional<ChecksumAlgorithm> checksum_algorithm_from_name(std::string_view name) {
  for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
    if (text::iequals(to_string(algorithm), name)) return algorithm;
  }
  return std::nullopt;
}

Checksum::Checksum(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::Crc32:
    case ChecksumAlgorithm::Crc32c: crc_ = 0xFFFFFFFFu; break;
    case ChecksumAlgorithm::Crc64Nvme: crc_ = ~0ull; break;
    case ChecksumAlgorithm::Sha1:
    case ChecksumAlgorithm::Sha256: {
      EVP_MD_CTX* context = EVP_MD_CTX_new();
      if (context == nullptr || EVP_DigestInit_ex(context, digest_for(algorithm), nullptr) != 1) {
        EVP_MD_CTX_free(context);
        throw std::runtime_error("OpenSSL digest initialisation failed");
      }
      digest_context_ = context;
      break;
    }
  }
}

Checksum::~Checksum() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(digest_context_)); }

void Checksum::update(std::string_view data) {
  switch (algorithm_) {
    case ChecksumAlgorithm::Crc32: crc_ = crc_update(kCrc32Table, static_cast<std::uint32_t>(crc_), data); break;
    case ChecksumAlgorithm::Crc32c: crc_ = crc_update(kCrc32cTable, static_cast<std::uint32_t>(crc_), data); break;
    case ChecksumAlgorithm::Crc64Nvme: crc_ = crc_update(kCrc64NvmeTable, crc_, data); break;
    case ChecksumAlgorithm::Sha1:
    case ChecksumAlgorithm::Sha256:
      EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(digest_context_), data.data(), data.size());
      break;
  }
}

std::string Checksum::value() {
  switch (algorithm_) {
    case ChecksumAlgorithm::Crc32:
    case ChecksumAlgorithm::Crc32c: return base64_encode(big_endian(crc_ ^ 0xFFFFFFFFu, 4));
    case ChecksumAlgorithm::Crc64Nvme: return base64_encode(big_endian(~crc_, 8));
    case ChecksumAlgorithm::Sha1:
    case ChecksumAlgorithm::Sha256: {
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int size = 0;
      EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(digest_context_), digest, &size);
      return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), size));
    }
  }
  return {};
}

std::string checksum_base64(ChecksumAlgorithm algorithm, std::string_view data) {
  Checksum checksum(algorithm);
  checksum.update(data);
  return checksum.value();
}

Md5::Md5() {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr || EVP_DigestInit_ex(context, EVP_md5(), nullptr) != 1) {
    EVP_MD_CTX_free(context);
    throw std::runtime_error("OpenSSL MD5 initialisation failed");
  }
  context_ = context;
}

Md5::~Md5() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }

void Md5::update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data.data(), data.size());
}

std::string Md5::raw() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string md5_raw(std::string_view data) {
  Md5 md5;
  md5.update(data);
  return md5.raw();
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0F]);
  }
  return out;
}

std::string hex_decode(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return {};
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t index = 0; index < hex.size(); index += 2) {
    int high = nibble(hex[index]);
    int low = nibble(hex[index + 1]);
    if (high < 0 || low < 0) return {};
    out.push_back(static_cast<char>(high * 16 + low));
  }
  return out;
}

namespace {
constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t index = 0;
  for (; index + 2 < bytes.size(); index += 3) {
    unsigned value = (static_cast<unsigned char>(bytes[index]) << 16) |
                     (static_cast<unsigned char>(bytes[index + 1]) << 8) | static_cast<unsigned char>(bytes[index + 2]);
    out.push_back(kBase64Alphabet[(value >> 18) & 63]);
    out.push_back(kBase64Alphabet[(value >> 12) & 63]);
    out.push_back(kBase64Alphabet[(value >> 6) & 63]);
    out.push_back(kBase64Alphabet[value & 63]);
  }
  std::size_t rest = bytes.size() - index;
  if (rest > 0) {
    unsigned value = static_cast<unsigned char>(bytes[index]) << 16;
    if (rest == 2) value |= static_cast<unsigned char>(bytes[index + 1]) << 8;
    out.push_back(kBase64Alphabet[(value >> 18) & 63]);
    out.push_back(kBase64Alphabet[(value >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(value >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  unsigned value = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (std::size_t index = 0; index < text.size(); ++index) {
    char c = text[index];
    int digit = -1;
    if (c == '=') {
      if (index + 2 < text.size()) return std::nullopt;
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;
    for (int position = 0; position < 64; ++position)
      if (kBase64Alphabet[position] == c) digit = position;
    if (digit < 0) return std::nullopt;
    value = (value << 6) | static_cast<unsigned>(digit);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
    }
  }
  if (base64_encode(out) != text) return std::nullopt;  // canonical form only
  return out;
}

std::string hmac_sha256_raw(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

}  // namespace athena_runner::server
