// SigV4 verification of incoming requests (Authorization header and presigned query), and decoding of
// aws-chunked bodies (signed chunks, unsigned chunks with trailing checksums).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
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

// The same decoding, fed the framed body in pieces of any size as it arrives: the payload goes to `out`
// as soon as it is framed (callers keep it somewhere temporary until finish() says the body is good).
class Checksum;
class AwsChunkedDecoder {
 public:
  using Sink = std::function<Status(std::string_view)>;
  explicit AwsChunkedDecoder(ChunkedContext context);
  ~AwsChunkedDecoder();
  AwsChunkedDecoder(const AwsChunkedDecoder&) = delete;
  AwsChunkedDecoder& operator=(const AwsChunkedDecoder&) = delete;
  Status feed(std::string_view data, const Sink& out);
  // After the last byte: the trailers (their signature verified), or why the body is not whole.
  Outcome<std::vector<std::pair<std::string, std::string>>> finish();
  std::uint64_t decoded_size() const { return decoded_size_; }

 private:
  enum class State { ChunkHeader, ChunkData, ChunkEnd, Trailers, Done };
  Status start_chunk(std::string_view line);
  Status end_of_chunk();
  Status trailer_line(std::string_view line);
  ChunkedContext context_;
  State state_ = State::ChunkHeader;
  std::string line_;  // a header or trailer line being gathered
  std::uint64_t remaining_ = 0;
  std::uint64_t chunk_start_ = 0;
  std::string chunk_signature_;
  std::unique_ptr<Checksum> chunk_hash_;
  std::string previous_signature_;
  std::uint64_t decoded_size_ = 0;
  std::string trailer_signature_;
  std::string canonical_trailers_;
  std::vector<std::pair<std::string, std::string>> trailers_;
};

// S3 requests whose signature can be checked from the header alone (x-amz-content-sha256 declared, or
// presigned): everything verify_request checks except the payload. The payload is then checked by the
// caller (a body written to a file as it arrived; see request_body.hpp).
Status verify_signature_only(const Request& request, const SignatureInfo& info, const VerifyOptions& options);

// The aws-chunked decoding a header-signed S3 request declares (x-amz-content-sha256 STREAMING-*), with
// its signing key and seed signature; nullopt when its body is not aws-chunked.
std::optional<ChunkedContext> chunked_context(const Request& request, const SignatureInfo& info,
                                              const VerifyOptions& options);
// Trailing headers (x-amz-checksum-*) of a decoded body become the request's headers.
void merge_trailers(Request& request, const std::vector<std::pair<std::string, std::string>>& trailers);

}  // namespace athena_runner::server
