// Amazon S3 client (REST/XML, S3 signing rules) and s3:// URIs.
// Structs mirror botocore's s3/2006-03-01 service model: same shapes, snake_case member names.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws::s3 {

using Timestamp = std::chrono::system_clock::time_point;

inline constexpr std::size_t kMinBucketNameLength = 3;
inline constexpr std::size_t kMaxBucketNameLength = 63;
inline constexpr int64_t kMebibyte = int64_t{1024} * 1024;
inline constexpr int64_t kMinPartSize = 5 * kMebibyte;  // S3's minimum for every part but the last
inline constexpr int kMaxParts = 10000;
inline constexpr int kMaxKeysPerPage = 1000;

// s3://bucket/key. The key may be empty ("s3://bucket" or "s3://bucket/") and is kept as written
// (no percent-decoding: S3 keys are literal).
struct S3Uri {
  std::string bucket;
  std::string key;
  std::string to_string() const;  // "s3://bucket/key"
};

// Errors (InvalidInput, code "InvalidS3Uri"/"InvalidBucketName") quote the offending text.
Outcome<S3Uri> parse_s3_uri(std::string_view uri);
// S3's general purpose bucket naming rules: 3-63 characters of a-z 0-9 . -, starting and ending with a
// letter or digit, no "..", not an IPv4 address, none of the reserved prefixes/suffixes
// ("xn--", "sthree-", "-s3alias", "--ol-s3").
Status validate_bucket_name(std::string_view bucket);

// How a bucket appears in the URL. Auto: virtual-hosted (bucket.s3.<region>.amazonaws.com/key)
// unless the endpoint is overridden (AWS_ENDPOINT_URL*, e.g. moto or MinIO) or the bucket name
// contains dots (it would not match the *.s3 TLS certificate), which use path style (endpoint/bucket/key).
// The shared config file's `s3 = \n addressing_style = auto|virtual|path` (as botocore/awscli
// document it) and S3ClientOptions::addressing_style override Auto.
enum class AddressingStyle { Auto, Virtual, Path };

struct S3ClientOptions {
  std::optional<AddressingStyle> addressing_style;  // nullopt: the profile's s3.addressing_style, else Auto
  int64_t multipart_threshold = 8 * kMebibyte;      // bodies of at least this size use multipart upload
  int64_t part_size = 8 * kMebibyte;                // raised when needed to stay within kMaxParts
};

struct GetObjectRequest {
  std::string bucket;
  std::string key;
  std::optional<std::string> range;  // "bytes=first-last" (inclusive), see byte_range()
};
std::string byte_range(int64_t first, int64_t last);  // "bytes=first-last"

struct GetObjectResult {
  std::optional<int64_t> content_length;
  std::optional<std::string> content_range;
  std::optional<std::string> e_tag;
  std::optional<std::string> content_type;
  std::optional<Timestamp> last_modified;
  std::map<std::string, std::string> metadata;  // x-amz-meta-* without the prefix, names lower-case
};

struct HeadObjectResult {
  int64_t content_length = 0;
  std::optional<std::string> e_tag;
  std::optional<Timestamp> last_modified;
  std::optional<std::string> content_type;
  std::map<std::string, std::string> metadata;
};

struct PutObjectRequest {
  std::string bucket;
  std::string key;
  std::optional<std::string> content_type;
  std::map<std::string, std::string> metadata;  // sent as x-amz-meta-<name>
  // Conditional writes (S3 answers 412 PreconditionFailed when the condition does not hold): If-None-Match
  // "*" writes only when no object has the key; If-Match writes only over the object with that ETag. They
  // need a single PUT: a conditional request at or above multipart_threshold is refused.
  std::optional<std::string> if_none_match{};
  std::optional<std::string> if_match{};
};

// CopyObject within S3 (one request, up to 5 GB; the object appears whole or not at all). With metadata or a
// content type the copy's are replaced (x-amz-metadata-directive: REPLACE), else the source's are kept.
struct CopyObjectRequest {
  std::string source_bucket;
  std::string source_key;
  std::string bucket;
  std::string key;
  std::optional<std::string> content_type;
  std::map<std::string, std::string> metadata;
};

struct PutObjectResult {
  std::optional<std::string> e_tag;
  int parts = 0;  // 0 for a single PUT
};

struct ListObjectsV2Request {
  std::string bucket;
  std::optional<std::string> prefix;
  std::optional<std::string> delimiter;
  std::optional<std::string> continuation_token;
  std::optional<std::string> start_after;
  std::optional<int> max_keys;  // up to kMaxKeysPerPage
};

struct Object {
  std::string key;
  std::optional<Timestamp> last_modified;
  std::optional<std::string> e_tag;
  int64_t size = 0;
  std::optional<std::string> storage_class;
};

struct ListObjectsV2Result {
  std::vector<Object> contents;
  std::vector<std::string> common_prefixes;  // CommonPrefixes[].Prefix
  bool is_truncated = false;
  std::optional<std::string> next_continuation_token;
  int key_count = 0;
};

class S3Client {
 public:
  explicit S3Client(std::shared_ptr<const ClientContext> context, S3ClientOptions options = {});

  // Streams the body to `sink` as it arrives.
  Outcome<GetObjectResult> get_object(const GetObjectRequest& request, const BodySink& sink) const;
  // Convenience: the whole body in memory.
  Outcome<std::string> get_object_text(const GetObjectRequest& request) const;
  // A single PUT below options.multipart_threshold; above it a multipart upload, aborted on failure.
  Outcome<PutObjectResult> put_object(const PutObjectRequest& request, std::string_view body) const;
  // The new object's ETag (S3 may answer 200 with an <Error> body: that is an error here).
  Outcome<std::optional<std::string>> copy_object(const CopyObjectRequest& request) const;
  Outcome<HeadObjectResult> head_object(std::string_view bucket, std::string_view key) const;
  Status delete_object(std::string_view bucket, std::string_view key) const;
  Outcome<ListObjectsV2Result> list_objects_v2(const ListObjectsV2Request& request) const;
  // Every page, following NextContinuationToken; contents and common prefixes concatenated.
  Outcome<ListObjectsV2Result> list_all_objects_v2(ListObjectsV2Request request) const;
  // Every key under prefix.key in prefix.bucket (all pages), in S3's order (UTF-8 binary).
  Outcome<std::vector<std::string>> list_keys(const S3Uri& prefix) const;

  // The request for a bucket/key: host "bucket.<endpoint>" and path "/key" (virtual-hosted), or the
  // endpoint's host and "/bucket/key" (path style); the key percent-encoded once with '/' kept.
  HttpRequest make_request(std::string method, std::string_view bucket, std::string_view key) const;
  AddressingStyle effective_addressing_style(std::string_view bucket) const;
  const ServiceClient& service() const { return service_; }

 private:
  Outcome<PutObjectResult> put_single(const PutObjectRequest& request, std::string_view body) const;
  Outcome<PutObjectResult> put_multipart(const PutObjectRequest& request, std::string_view body) const;

  // The pipeline for a bucket: the shared one (path style), or one per bucket whose endpoint is the
  // bucket's virtual host, so that TLS, Host and the signature all name bucket.s3.<region>.amazonaws.com.
  const ServiceClient& client_for(std::string_view bucket) const;

  std::shared_ptr<const ClientContext> context_;
  ServiceClient service_;
  S3ClientOptions options_;
  AddressingStyle configured_style_ = AddressingStyle::Auto;
  mutable std::mutex virtual_clients_mutex_;
  mutable std::map<std::string, std::unique_ptr<ServiceClient>, std::less<>> virtual_clients_;
};

}  // namespace athena_runner::aws::s3
