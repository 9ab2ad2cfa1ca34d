// AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html),
// cross-checked against botocore's SigV4Auth / S3SigV4Auth in tests/aws_signing.
#include "athena_runner/aws/sigv4.hpp"
#include "athena_runner/base/text.hpp"

// The one-shot SHA256_* functions skip OpenSSL 3's provider dispatch (EVP_DigestInit_ex2 and friends cost
// more than hashing a short canonical request). OpenSSL 3 marks them deprecated but keeps them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <utility>
#include <vector>

namespace athena_runner::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kSecretPrefix = "AWS4";
constexpr std::string_view kAuthorizationHeader = "Authorization";
constexpr std::string_view kDateHeader = "X-Amz-Date";
constexpr std::string_view kSecurityTokenHeader = "X-Amz-Security-Token";
constexpr std::string_view kContentSha256Header = "x-amz-content-sha256";
constexpr std::string_view kHostHeader = "host";
constexpr std::size_t kDateLength = 8;  // "YYYYMMDD" of "YYYYMMDDTHHMMSSZ"
constexpr std::size_t kDigestSize = 32;
constexpr std::size_t kMaxCachedKeys = 16;  // per thread: a process signs for a handful of scopes

// Headers that proxies and HTTP stacks may add or change (botocore's SIGNED_HEADERS_BLACKLIST), and the
// signature itself.
constexpr std::array<std::string_view, 12> kUnsignedHeaders = {
    "authorization", "connection",        "expect",  "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer",       "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"};

using Digest = std::array<unsigned char, kDigestSize>;

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(size * 2, '0');
  for (std::size_t index = 0; index < size; ++index) {
    text[2 * index] = kHex[data[index] >> 4];
    text[2 * index + 1] = kHex[data[index] & 0x0F];
  }
  return text;
}

constexpr std::size_t kSha256BlockSize = 64;
constexpr unsigned char kInnerPad = 0x36;
constexpr unsigned char kOuterPad = 0x5C;

// SHA-256 through the low-level interface: no algorithm lookup, no context allocation.
class Sha256 {
 public:
  void begin() { SHA256_Init(&context_); }
  void update(const void* data, std::size_t size) { SHA256_Update(&context_, data, size); }
  Digest finish() {
    Digest digest{};
    SHA256_Final(digest.data(), &context_);
    return digest;
  }

  static Sha256& for_this_thread() {
    thread_local Sha256 instance;
    return instance;
  }

 private:
  SHA256_CTX context_{};
};

Digest sha256(std::string_view data) {
  Sha256& hash = Sha256::for_this_thread();
  hash.begin();
  hash.update(data.data(), data.size());
  return hash.finish();
}

// HMAC-SHA256 (RFC 2104) on the fetched digest; checked against RFC 4231 vectors through the signing tests.
Digest hmac_sha256(const void* key, std::size_t key_size, std::string_view message) {
  std::array<unsigned char, kSha256BlockSize> block{};
  if (key_size > kSha256BlockSize) {
    Digest hashed = sha256(std::string_view(static_cast<const char*>(key), key_size));
    std::copy(hashed.begin(), hashed.end(), block.begin());
  } else if (key_size > 0) {
    std::memcpy(block.data(), key, key_size);
  }
  std::array<unsigned char, kSha256BlockSize> pad{};
  Sha256& hash = Sha256::for_this_thread();
  for (std::size_t index = 0; index < kSha256BlockSize; ++index) pad[index] = block[index] ^ kInnerPad;
  hash.begin();
  hash.update(pad.data(), pad.size());
  hash.update(message.data(), message.size());
  Digest inner = hash.finish();
  for (std::size_t index = 0; index < kSha256BlockSize; ++index) pad[index] = block[index] ^ kOuterPad;
  hash.begin();
  hash.update(pad.data(), pad.size());
  hash.update(inner.data(), inner.size());
  return hash.finish();
}

Digest derive_signing_key(std::string_view secret, std::string_view date, std::string_view region,
                          std::string_view service) {
  std::string initial_key;
  initial_key.reserve(kSecretPrefix.size() + secret.size());
  initial_key.append(kSecretPrefix).append(secret);
  Digest key = hmac_sha256(initial_key.data(), initial_key.size(), date);
  key = hmac_sha256(key.data(), key.size(), region);
  key = hmac_sha256(key.data(), key.size(), service);
  return hmac_sha256(key.data(), key.size(), kTerminator);
}

// The key only changes with the date, so it is derived once per (secret, date, region, service) and thread.
struct CachedKey {
  std::string secret, date, region, service;
  Digest key{};
};

Digest cached_signing_key(std::string_view secret, std::string_view date, std::string_view region,
                          std::string_view service) {
  thread_local std::vector<CachedKey> cache;
  for (const auto& entry : cache) {
    if (entry.date == date && entry.region == region && entry.service == service && entry.secret == secret) {
      return entry.key;
    }
  }
  if (cache.size() >= kMaxCachedKeys) cache.erase(cache.begin());
  cache.push_back(CachedKey{std::string(secret), std::string(date), std::string(region), std::string(service),
                            derive_signing_key(secret, date, region, service)});
  return cache.back().key;
}

bool is_space(char character) {
  return character == ' ' || character == '\t' || character == '\n' || character == '\r' || character == '\v' ||
         character == '\f';
}

// Trimall: no leading or trailing whitespace, and each run of whitespace inside becomes one space.
std::string trim_all(std::string_view value) {
  std::string result;
  result.reserve(value.size());
  bool pending_space = false;
  for (char character : value) {
    if (is_space(character)) {
      pending_space = !result.empty();
      continue;
    }
    if (pending_space) result.push_back(' ');
    pending_space = false;
    result.push_back(character);
  }
  return result;
}

const std::string* find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [header_name, value] : headers) {
    if (text::iequals(header_name, name)) return &value;
  }
  return nullptr;
}

void replace_header(HeaderList& headers, std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& header) { return text::iequals(header.first, name); });
  headers.emplace_back(std::string(name), std::move(value));
}

// RFC 3986 section 5.2.4 remove_dot_segments, also dropping empty segments ("//"), as AWS services and
// botocore do; the trailing slash is kept.
std::string normalize_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string normalized;
  normalized.reserve(path.size());
  if (path.front() == '/') normalized.push_back('/');
  for (std::size_t index = 0; index < segments.size(); ++index) {
    if (index > 0) normalized.push_back('/');
    normalized.append(segments[index]);
  }
  if (path.back() == '/' && !segments.empty()) normalized.push_back('/');
  return normalized;
}

std::string canonical_uri(std::string_view path, bool s3_rules) {
  if (s3_rules) return path.empty() ? std::string("/") : std::string(path);
  // The path is already encoded once on the wire; SigV4 encodes each segment again for all services but S3.
  return uri_encode(normalize_path(path), /*encode_slash=*/false);
}

std::string canonical_query(const QueryList& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(uri_encode(name), uri_encode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string result;
  for (const auto& [name, value] : encoded) {
    if (!result.empty()) result.push_back('&');
    result.append(name).append("=").append(value);
  }
  return result;
}

struct CanonicalHeaders {
  std::string text;  // "name:value\n" lines
  std::string signed_names;
};

// Appends `value` trimmed as trim_all() does, without a temporary string.
void append_trimmed(std::string& out, std::string_view value) {
  bool pending_space = false;
  bool any = false;
  for (char character : value) {
    if (is_space(character)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    any = true;
    out.push_back(character);
  }
}

CanonicalHeaders canonical_headers(const HttpRequest& request) {
  // Lower-cased names (short: mostly in the string's own buffer) with views of the values; the text is
  // written once, values trimmed straight into it.
  struct Entry {
    std::string name;
    std::string_view value;
  };
  std::vector<Entry> headers;
  headers.reserve(request.headers.size() + 1);
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    std::string lowered = text::lower(name);
    if (std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), lowered) != kUnsignedHeaders.end()) continue;
    has_host = has_host || lowered == kHostHeader;
    headers.push_back(Entry{std::move(lowered), value});
  }
  std::string host;
  if (!has_host) {
    host = text::lower(request.host);
    headers.push_back(Entry{std::string(kHostHeader), host});
  }
  // Insertion sort: stable (repeated headers keep their order when joined) and allocation-free for the
  // handful of headers a request has.
  for (std::size_t index = 1; index < headers.size(); ++index) {
    for (std::size_t position = index; position > 0 && headers[position].name < headers[position - 1].name;
         --position) {
      std::swap(headers[position], headers[position - 1]);
    }
  }
  CanonicalHeaders result;
  std::size_t size = 0;
  for (const auto& entry : headers) size += entry.name.size() + entry.value.size() + 2;
  result.text.reserve(size);
  result.signed_names.reserve(size);
  for (std::size_t index = 0; index < headers.size(); ++index) {
    const auto& [name, value] = headers[index];
    if (index > 0 && headers[index - 1].name == name) {
      result.text.back() = ',';  // replaces the previous line's '\n'
    } else {
      if (!result.signed_names.empty()) result.signed_names.push_back(';');
      result.signed_names.append(name);
      result.text.append(name).push_back(':');
    }
    append_trimmed(result.text, value);
    result.text.push_back('\n');
  }
  return result;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  Digest digest = sha256(data);
  return to_hex(digest.data(), digest.size());
}

std::string signing_key_hex(std::string_view secret_access_key, std::string_view date, std::string_view region,
                            std::string_view service) {
  Digest key = derive_signing_key(secret_access_key, date, region, service);
  return to_hex(key.data(), key.size());
}

std::string format_amz_date(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[sizeof "YYYYMMDDTHHMMSSZ"];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

SigningParts compute_signature(const HttpRequest& request, const Credentials& credentials,
                               const SigningParams& params) {
  const std::string amz_date = [&] {
    const std::string* header = find_header(request.headers, kDateHeader);
    return header != nullptr ? trim_all(*header) : format_amz_date(params.time);
  }();
  std::string_view date = std::string_view(amz_date).substr(0, kDateLength);

  std::string payload_hash;
  if (const std::string* header = find_header(request.headers, kContentSha256Header)) {
    payload_hash = trim_all(*header);
  } else if (params.unsigned_payload) {
    payload_hash = kUnsignedPayload;
  } else {
    payload_hash = sha256_hex(request.body);
  }

  CanonicalHeaders headers = canonical_headers(request);
  SigningParts parts;
  std::string& canonical = parts.canonical_request;
  canonical.reserve(256 + request.path.size() + headers.text.size());
  canonical.append(request.method).push_back('\n');
  canonical.append(canonical_uri(request.path, params.s3_rules)).push_back('\n');
  canonical.append(canonical_query(request.query)).push_back('\n');
  canonical.append(headers.text).push_back('\n');
  canonical.append(headers.signed_names).push_back('\n');
  canonical.append(payload_hash);

  std::string scope;
  scope.append(date).append("/").append(params.region).append("/").append(params.service).append("/");
  scope.append(kTerminator);

  std::string& to_sign = parts.string_to_sign;
  to_sign.append(kAlgorithm).push_back('\n');
  to_sign.append(amz_date).push_back('\n');
  to_sign.append(scope).push_back('\n');
  to_sign.append(sha256_hex(canonical));

  Digest key = cached_signing_key(credentials.secret_access_key, date, params.region, params.service);
  Digest signature = hmac_sha256(key.data(), key.size(), to_sign);
  parts.signature = to_hex(signature.data(), signature.size());
  parts.signed_headers = std::move(headers.signed_names);
  parts.authorization.append(kAlgorithm)
      .append(" Credential=")
      .append(credentials.access_key_id)
      .append("/")
      .append(scope)
      .append(", SignedHeaders=")
      .append(parts.signed_headers)
      .append(", Signature=")
      .append(parts.signature);
  return parts;
}

void sign_request(HttpRequest& request, const Credentials& credentials, const SigningParams& params) {
  std::erase_if(request.headers, [](const auto& header) { return text::iequals(header.first, kAuthorizationHeader); });
  if (find_header(request.headers, kHostHeader) == nullptr) request.headers.emplace_back("Host", request.host);
  replace_header(request.headers, kDateHeader, format_amz_date(params.time));
  if (!credentials.session_token.empty()) {
    replace_header(request.headers, kSecurityTokenHeader, credentials.session_token);
  }
  if (params.unsigned_payload) {
    replace_header(request.headers, kContentSha256Header, std::string(kUnsignedPayload));
  } else if (params.s3_rules) {
    replace_header(request.headers, kContentSha256Header, sha256_hex(request.body));
  }
  SigningParts parts = compute_signature(request, credentials, params);
  request.headers.emplace_back(std::string(kAuthorizationHeader), std::move(parts.authorization));
}

}  // namespace athena_runner::aws
