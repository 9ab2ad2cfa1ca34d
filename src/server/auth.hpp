// SigV4 verification of incoming requests (Authorization header and presigned query), and decoding of
// aws-chunked bodies (signed chunks, unsigned chunks with trailing checksums).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "http_types.hpp"

namespace athena_runner::server {

// Error codes carried in Error::code: S3's names; JSON services map them (see json_error_code()).
namespace auth_errors {
inline constexpr const char* kMissing = "AccessDenied";                    // no signature at all
inline constexpr const char* kMalformed = "AuthorizationHeaderMalformed";  // unparsable Authorization/query
inline constexpr const char* kUnknownKey = "InvalidAccessKeyId";           // access key not ours
inline constexpr const char* kMismatch = "SignatureDoesNotMatch";          // signature differs
inline constexpr const char* kSkewed = "RequestTimeTooSkewed";             // X-Amz-Date too far from now
inline constexpr const char* kExpired = "AccessDenied";                    // presigned URL expired
inline constexpr const char* kContentSha256Mismatch = "XAmzContentSHA256Mismatch";
inline constexpr const char* kIncompleteBody = "IncompleteBody";  // aws-chunked framing
inline constexpr const char* kBadDigest = "BadDigest";            // a trailing checksum differs
}  // namespace auth_errors

// What the signature says about the request, read before it is verified (to route and shape errors).
struct SignatureInfo {
  bool presigned = false;
  std::string access_key_id;
  std::string date;  // YYYYMMDD of the scope
  std::string region;
  std::string service;  // signing name: "s3", "glue", "athena"
  std::vector<std::string> signed_headers;
  std::string signature;
  std::string amz_date;           // YYYYMMDDTHHMMSSZ
  long long expires_seconds = 0;  // presigned only
};

// nullopt when the request carries no SigV4 signature at all; an Error when it carries a malformed one.
std::optional<Outcome<SignatureInfo>> read_signature(const Request& request);

struct VerifyOptions {
  std::string access_key_id;
  std::string secret_access_key;
  std::chrono::system_clock::time_point now;
  std::chrono::seconds max_clock_skew{900};
};

// Verifies the signature (and, for S3, that the body matches x-amz-content-sha256). For aws-chunked
// uploads, decodes request.body in place, verifying every chunk signature and trailing checksum, and
// records the trailing checksum as a header (x-amz-checksum-*) so object handlers see one place.
Status verify_request(Request& request, const SignatureInfo& info, const VerifyOptions& options);

// Decodes an aws-chunked body. signing_key/seed_signature/scope/amz_date are empty for unsigned chunks.
struct ChunkedContext {
  bool signed_chunks = false;
  std::string signing_key;  // raw 32 bytes
  std::string seed_signature;
  std::string amz_date;
  std::string scope;                            // date/region/service/aws4_request
  std::optional<std::string> expected_trailer;  // the x-amz-trailer header, lower-cased
};
struct DecodedChunks {
  std::string payload;
  std::vector<std::pair<std::string, std::string>> trailers;  // lower-cased names
};
Outcome<DecodedChunks> decode_aws_chunked(std::string_view body, const ChunkedContext& context);

}  // namespace athena_runner::server
