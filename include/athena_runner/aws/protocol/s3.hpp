// S3 addressing, XML bodies, headers and dates on strings (private; tested without a network).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/aws/config.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/s3.hpp"

namespace athena_runner::aws::s3::protocol {

inline constexpr std::string_view kAddressingStyleSetting = "s3.addressing_style";
inline constexpr std::string_view kMetadataHeaderPrefix = "x-amz-meta-";
inline constexpr std::string_view kS3XmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// "auto"/"virtual"/"path" (case-insensitive); nullopt for anything else.
std::optional<AddressingStyle> parse_addressing_style(std::string_view text);

// The style actually used for `bucket`: an explicit Virtual/Path wins; Auto means path style when the
// endpoint is overridden or the bucket has a dot, virtual-hosted otherwise.
AddressingStyle choose_addressing_style(AddressingStyle configured, bool endpoint_overridden, std::string_view bucket);

// The path relative to the endpoint: "/bucket/key" (path style) or "/key" (virtual-hosted), the key
// percent-encoded once with '/' kept.
std::string object_path(AddressingStyle style, std::string_view bucket, std::string_view key);
// "bucket.<endpoint host>".
std::string virtual_host(std::string_view bucket, std::string_view endpoint_host);

// Query parameters of ListObjectsV2 (list-type=2, encoding-type=url so any key survives XML).
QueryList list_objects_v2_query(const ListObjectsV2Request& request);
Outcome<ListObjectsV2Result> parse_list_objects_v2(std::string_view xml);

Outcome<std::string> parse_initiate_multipart_upload(std::string_view xml);  // the UploadId

struct CompletedPart {
  int part_number = 0;
  std::string e_tag;
};
std::string serialize_complete_multipart_upload(const std::vector<CompletedPart>& parts);
// S3 may answer 200 with an <Error> body: that is an error. Returns the ETag.
Outcome<std::optional<std::string>> parse_complete_multipart_upload(std::string_view xml);
// CopyObject's CopyObjectResult, which may also be a 200 with an <Error> body. Returns the ETag.
Outcome<std::optional<std::string>> parse_copy_object(std::string_view xml);
// x-amz-copy-source: "bucket/key", the key percent-encoded with '/' kept (as botocore sends it).
std::string copy_source(std::string_view bucket, std::string_view key);

// x-amz-meta-* headers, names lower-cased, prefix removed.
std::map<std::string, std::string> metadata_from_headers(const HeaderList& headers);

// "2009-10-12T17:50:30.000Z" (XML timestamps).
std::optional<Timestamp> parse_iso8601(std::string_view text);
// "Wed, 12 Oct 2009 17:50:00 GMT" (Last-Modified header).
std::optional<Timestamp> parse_http_date(std::string_view text);

// Multipart plan: part size given the body size, the configured part size and S3's limits.
int64_t choose_part_size(int64_t body_size, int64_t configured_part_size);

}  // namespace athena_runner::aws::s3::protocol
