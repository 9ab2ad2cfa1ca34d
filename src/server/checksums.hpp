// Checksums S3 validates on upload: Content-MD5 and the x-amz-checksum-* family.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace athena_runner::server {

enum class ChecksumAlgorithm { Crc32, Crc32c, Crc64Nvme, Sha1, Sha256 };

// "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256" (S3's names); header "x-amz-checksum-crc32" etc.
std::string_view to_string(ChecksumAlgorithm algorithm);
std::string checksum_header_name(ChecksumAlgorithm algorithm);
std::optional<ChecksumAlgorithm> checksum_algorithm_from_name(std::string_view name);  // case-insensitive
inline constexpr std::array<ChecksumAlgorithm, 5> kChecksumAlgorithms = {
    ChecksumAlgorithm::Crc32, ChecksumAlgorithm::Crc32c, ChecksumAlgorithm::Crc64Nvme, ChecksumAlgorithm::Sha1,
    ChecksumAlgorithm::Sha256};

// Incremental checksum; value() is base64 of the big-endian digest, as S3 sends it.
class Checksum {
 public:
  explicit Checksum(ChecksumAlgorithm algorithm);
  ~Checksum();
  Checksum(const Checksum&) = delete;
  Checksum& operator=(const Checksum&) = delete;
  void update(std::string_view data);
  std::string value();  // base64; finishes the computation
  ChecksumAlgorithm algorithm() const { return algorithm_; }

 private:
  ChecksumAlgorithm algorithm_;
  std::uint64_t crc_ = 0;
  void* digest_context_ = nullptr;  // EVP_MD_CTX for SHA-1/SHA-256
};

std::string checksum_base64(ChecksumAlgorithm algorithm, std::string_view data);

// MD5 of data: raw 16 bytes, and helpers for ETags ("hex") and Content-MD5 (base64).
std::string md5_raw(std::string_view data);
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void update(std::string_view data);
  std::string raw();  // 16 bytes; finishes the computation

 private:
  void* context_ = nullptr;
};

std::string hex_encode(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);  // nullopt when not canonical base64

// HMAC-SHA256 of message under a raw key (32-byte digest), for aws-chunked chunk signatures.
std::string hmac_sha256_raw(std::string_view key, std::string_view message);
std::string hex_decode(std::string_view hex);  // "" when not valid hex

}  // namespace athena_runner::server
