#include "s3_service.hpp"
#include "athena_runner/base/text.hpp"

#include <algorithm>
#include <ctime>
#include <pugixml.hpp>

#include "athena_runner/aws/http.hpp"
#include "checksums.hpp"
#include "file_store.hpp"

namespace athena_runner::server {
namespace {

constexpr const char* kXmlns = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr const char* kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr int kMaxKeys = 1000;
constexpr std::size_t kMaxDeleteObjects = 1000;
constexpr const char* kOwnerId = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";
constexpr const char* kVirtualHostSuffix = ".localhost";
constexpr const char* kRegion = "us-east-1";

// Query parameters that name S3 operations this endpoint does not implement (ACLs, versioning, tagging, ...).
constexpr std::string_view kUnsupportedSubresources[] = {"acl",
                                                         "policy",
                                                         "versioning",
                                                         "tagging",
                                                         "lifecycle",
                                                         "cors",
                                                         "website",
                                                         "logging",
                                                         "notification",
                                                         "replication",
                                                         "encryption",
                                                         "ownershipControls",
                                                         "publicAccessBlock",
                                                         "accelerate",
                                                         "requestPayment",
                                                         "object-lock",
                                                         "retention",
                                                         "legal-hold",
                                                         "torrent",
                                                         "restore",
                                                         "select",
                                                         "analytics",
                                                         "inventory",
                                                         "metrics",
                                                         "intelligent-tiering",
                                                         "attributes",
                                                         "versions",
                                                         "policyStatus",
                                                         "versionId"};

constexpr std::string_view kStoredHeaders[] = {"content-encoding", "content-disposition", "content-language",
                                               "cache-control", "expires"};

std::string tag(std::string_view name, std::string_view value) {
  std::string out;
  out.append("<").append(name).append(">").append(xml_escape(value)).append("</").append(name).append(">");
  return out;
}

Response xml_response(int status, const std::string& body) {
  Response response;
  response.status = status;
  response.body = kXmlDeclaration + body;
  response.set_header("Content-Type", "application/xml");
  return response;
}

Response empty_response(int status) {
  Response response;
  response.status = status;
  return response;
}

// Strips the aws-chunked token S3 never stores from Content-Encoding.
std::string stored_content_encoding(const std::string& value) {
  std::string out;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t end = value.find(',', start);
    std::string token = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
    token.erase(0, token.find_first_not_of(' '));
    token.erase(token.find_last_not_of(' ') + 1);
    if (!token.empty() && !text::iequals(token, "aws-chunked")) {
      if (!out.empty()) out += ",";
      out += token;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

ObjectMeta meta_from_request(const Request& request, const std::string& key) {
  ObjectMeta meta;
  meta.key = key;
  if (auto type = request.header("content-type"); type && !type->empty()) meta.content_type = *type;
  for (std::string_view name : kStoredHeaders) {
    auto value = request.header(name);
    if (!value) continue;
    std::string stored = name == "content-encoding" ? stored_content_encoding(*value) : *value;
    if (!stored.empty()) meta.headers[std::string(name)] = stored;
  }
  for (const auto& [name, value] : request.headers) {
    if (name.rfind("x-amz-meta-", 0) == 0) meta.user_metadata[name.substr(11)] = value;
  }
  if (auto algorithm = request.header("x-amz-checksum-algorithm")) {
    if (auto parsed = checksum_algorithm_from_name(*algorithm)) meta.checksum_algorithm = to_string(*parsed);
  }
  return meta;
}

struct VerifiedChecksum {
  std::string algorithm;  // empty when the request carried none
  std::string value;
};

// Content-MD5 and x-amz-checksum-* of a request body, as S3 validates them.
Outcome<VerifiedChecksum> verify_body_checksums(const Request& request) {
  if (auto content_md5 = request.header("content-md5")) {
    auto digest = base64_decode(*content_md5);
    if (!digest || digest->size() != 16)
      return s3_error("InvalidDigest", "The Content-MD5 you specified was invalid.", 400);
    if (*digest != (request.spooled ? request.spooled->md5_raw : md5_raw(request.body)))
      return s3_error("BadDigest", "The Content-MD5 you specified did not match what we received.", 400);
  }
  VerifiedChecksum verified;
  for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
    auto value = request.header(checksum_header_name(algorithm));
    if (!value) continue;
    if (!verified.algorithm.empty())
      return s3_error("InvalidRequest",
                      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.", 400);
    std::string name(to_string(algorithm));
    auto raw = base64_decode(*value);
    if (!raw)
      return s3_error("InvalidRequest", "Value for " + checksum_header_name(algorithm) + " header is invalid.", 400);
    std::string computed;
    if (request.spooled) {
      auto found = request.spooled->checksums.find(name);
      if (found != request.spooled->checksums.end()) computed = found->second;
    } else {
      computed = checksum_base64(algorithm, request.body);
    }
    if (computed != *value)
      return s3_error("BadDigest", "The " + name + " you specified did not match the calculated checksum.", 400);
    verified.algorithm = name;
    verified.value = *value;
  }
  if (auto sdk_algorithm = request.header("x-amz-sdk-checksum-algorithm"); sdk_algorithm && verified.algorithm.empty())
    return s3_error("InvalidRequest",
                    "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer "
                    "headers were found.",
                    400);
  return verified;
}

void add_object_headers(Response& response, const ObjectMeta& meta) {
  response.set_header("ETag", meta.etag);
  response.set_header("Last-Modified", http_date(meta.mtime_ns));
  response.set_header("Content-Type", meta.content_type);
  response.set_header("Accept-Ranges", "bytes");
  for (const auto& [name, value] : meta.headers) response.set_header(name, value);
  for (const auto& [name, value] : meta.user_metadata) response.set_header("x-amz-meta-" + name, value);
}

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

// nullopt: no usable single range (serve the whole object, as S3 does); Error: unsatisfiable.
std::optional<Outcome<ByteRange>> parse_range(const std::string& header, std::uint64_t size) {
  constexpr std::string_view kPrefix = "bytes=";
  if (header.rfind(kPrefix, 0) != 0 || header.find(',') != std::string::npos) return std::nullopt;
  std::string spec = header.substr(kPrefix.size());
  auto dash = spec.find('-');
  if (dash == std::string::npos) return std::nullopt;
  auto parse_number = [](const std::string& text) -> std::optional<std::uint64_t> {
    if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoull(text);
  };
  auto unsatisfiable = [] {
    return Outcome<ByteRange>(s3_error("InvalidRange", "The requested range is not satisfiable", 416));
  };
  std::string first_text = spec.substr(0, dash);
  std::string last_text = spec.substr(dash + 1);
  if (first_text.empty()) {
    auto suffix = parse_number(last_text);
    if (!suffix) return std::nullopt;
    if (*suffix == 0 || size == 0) return unsatisfiable();
    std::uint64_t length = std::min(*suffix, size);
    return Outcome<ByteRange>(ByteRange{size - length, size - 1});
  }
  auto first = parse_number(first_text);
  if (!first) return std::nullopt;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    auto parsed = parse_number(last_text);
    if (!parsed || *parsed < *first) return std::nullopt;
    last = std::min(*parsed, last);
  }
  if (*first >= size) return unsatisfiable();
  return Outcome<ByteRange>(ByteRange{*first, last});
}

std::string encode_if(bool url_encoding, const std::string& text) {
  return url_encoding ? aws::uri_encode(text, /*encode_slash=*/false) : text;
}

std::optional<std::string> decode_token(const std::string& token) {
  auto raw = base64_decode(token);
  if (!raw || raw->rfind("k:", 0) != 0) return std::nullopt;
  return raw->substr(2);
}

std::string encode_token(const std::string& key) { return base64_encode("k:" + key); }

std::optional<std::int64_t> parse_http_date(const std::string& text) {
  std::tm parsed{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parsed);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(timegm(&parsed));
}

bool etag_matches(const std::string& condition, const std::string& etag) {
  if (condition == "*") return true;
  std::size_t start = 0;
  while (start <= condition.size()) {
    std::size_t end = condition.find(',', start);
    std::string candidate = condition.substr(start, end == std::string::npos ? std::string::npos : end - start);
    candidate.erase(0, candidate.find_first_not_of(' '));
    candidate.erase(candidate.find_last_not_of(' ') + 1);
    if (candidate == etag || "\"" + candidate + "\"" == etag) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

// GET/HEAD preconditions as S3 evaluates them: nullopt to serve, else 304 or 412.
std::optional<int> check_conditions(const Request& request, const ObjectMeta& meta) {
  const std::int64_t modified = meta.mtime_ns / 1000000000;
  auto if_match = request.header("if-match");
  auto if_none_match = request.header("if-none-match");
  if (if_match) {
    if (!etag_matches(*if_match, meta.etag)) return 412;
  } else if (auto since = request.header("if-unmodified-since")) {
    if (auto time = parse_http_date(*since); time && modified > *time) return 412;
  }
  if (if_none_match) {
    if (etag_matches(*if_none_match, meta.etag)) return 304;
  } else if (auto since = request.header("if-modified-since")) {
    if (auto time = parse_http_date(*since); time && modified <= *time) return 304;
  }
  return std::nullopt;
}

// x-amz-copy-source: "[/]bucket/key[?versionId=...]", URL-encoded.
Outcome<std::pair<std::string, std::string>> parse_copy_source(const std::string& header) {
  std::string source = aws::uri_decode(header);
  if (auto question = source.find("?versionId="); question != std::string::npos) source.resize(question);
  if (!source.empty() && source.front() == '/') source.erase(0, 1);
  auto slash = source.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == source.size())
    return s3_error("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
                    400);
  return std::make_pair(source.substr(0, slash), source.substr(slash + 1));
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "&#" + std::to_string(static_cast<int>(c)) + ";";
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

S3Service::S3Service(const std::string& data_dir, Random random, files::AtomicWrite writes, ObjectMetadata metadata)
    : store_(data_dir, std::move(random), writes, metadata), temp_dir_(data_dir + "/.s3tmp") {}

Response S3Service::error_response(const Error& error, const Request& request, std::string_view extra_xml) {
  Response response;
  response.status = error.http_status == 0 ? 500 : error.http_status;
  response.set_header("x-amz-request-id", request.request_id);
  response.set_header("x-amz-id-2", request.request_id);
  if (request.method == "HEAD") return response;  // S3 sends no body for HEAD errors
  std::string body = "<Error>" + tag("Code", error.code) + tag("Message", error.message) + std::string(extra_xml);
  body += tag("RequestId", request.request_id) + tag("HostId", request.request_id) + "</Error>";
  response.body = kXmlDeclaration + body;
  response.set_header("Content-Type", "application/xml");
  if (error.code == "InvalidRange") response.set_header("Content-Range", "bytes */*");
  return response;
}

namespace {
// The bucket and (decoded) key a request names: virtual-hosted (<bucket>.localhost) or path-style.
std::pair<std::string, std::string> bucket_and_key(const Request& request) {
  // Virtual-hosted style: <bucket>.localhost[:port]; anything else is path-style.
  std::string host = text::lower(request.header("host").value_or(""));
  if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos)
    host = host.substr(0, colon);
  std::string bucket;
  std::string raw_key;
  std::string_view path = request.raw_path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const std::string suffix = kVirtualHostSuffix;
  if (host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0 &&
      host != "s3" + suffix) {
    bucket = host.substr(0, host.size() - suffix.size());
    if (bucket.size() > 3 && bucket.compare(bucket.size() - 3, 3, ".s3") == 0) bucket.resize(bucket.size() - 3);
    raw_key = std::string(path);
  } else {
    auto slash = path.find('/');
    bucket = aws::uri_decode(path.substr(0, slash));
    raw_key = slash == std::string_view::npos ? std::string() : std::string(path.substr(slash + 1));
  }
  std::string key = aws::uri_decode(raw_key);
  return {bucket, key};
}
}  // namespace

bool S3Service::streams_body(const Request& request) {
  if (request.method != "PUT" || request.header("x-amz-copy-source")) return false;
  for (const auto& [name, value] : request.query)
    if (name != "uploadId" && name != "partNumber" && name != "x-id" && name.rfind("X-Amz-", 0) != 0) return false;
  auto [bucket, key] = bucket_and_key(request);
  return !bucket.empty() && !key.empty();
}

Response S3Service::handle(const Request& request) {
  auto [bucket, key] = bucket_and_key(request);
  Response response = dispatch(request, bucket, key);
  response.set_header("x-amz-request-id", request.request_id);
  response.set_header("x-amz-id-2", request.request_id);
  response.set_header("Server", "AthenaRunnerS3");
  return response;
}

Response S3Service::list_buckets(const S3Call& /*call*/) {
  std::string body = std::string("<ListAllMyBucketsResult xmlns=\"") + kXmlns + "\"><Owner>" + tag("ID", kOwnerId) +
                     tag("DisplayName", "athena-runner") + "</Owner><Buckets>";
  for (const auto& info : store_.list_buckets())
    body += "<Bucket>" + tag("Name", info.name) + tag("CreationDate", iso8601_time(info.creation_ns)) + "</Bucket>";
  body += "</Buckets></ListAllMyBucketsResult>";
  return xml_response(200, body);
}

Response S3Service::create_bucket(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  if (!S3Store::valid_bucket_name(bucket))
    return fail(s3_error("InvalidBucketName", "The specified bucket is not valid.", 400));
  if (auto status = store_.create_bucket(bucket); !status) return fail(status.get_failure());
  Response response = empty_response(200);
  response.set_header("Location", "/" + bucket);
  return response;
}

Response S3Service::head_bucket(const S3Call& /*call*/) {
  Response response = empty_response(200);
  response.set_header("x-amz-bucket-region", kRegion);
  return response;
}

Response S3Service::delete_bucket(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  if (auto status = store_.delete_bucket(bucket); !status) return fail(status.get_failure());
  return empty_response(204);
}

Response S3Service::get_bucket_location(const S3Call& /*call*/) {
  return xml_response(200, std::string("<LocationConstraint xmlns=\"") + kXmlns + "\"></LocationConstraint>");
}

Response S3Service::list_multipart_uploads(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  auto upload_id = request.query_value("uploadId");
  // ListMultipartUploads (one page: every upload in progress, by key).
  const std::string prefix = request.query_value("prefix").value_or("");
  std::string body = std::string("<ListMultipartUploadsResult xmlns=\"") + kXmlns + "\">" + tag("Bucket", bucket) +
                     tag("KeyMarker", "") + tag("UploadIdMarker", "") + tag("Prefix", prefix) +
                     tag("MaxUploads", "1000") + tag("IsTruncated", "false");
  for (const auto& upload : store_.list_uploads(bucket, prefix)) {
    body += "<Upload>" + tag("Key", upload.key) + tag("UploadId", upload.upload_id) +
            tag("Initiated", iso8601_time(upload.initiated_ns)) + tag("StorageClass", "STANDARD") + "</Upload>";
  }
  body += "</ListMultipartUploadsResult>";
  return xml_response(200, body);
}

Response S3Service::delete_objects(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  auto verified = verify_body_checksums(request);
  if (!verified) return fail(verified.get_failure());
  pugi::xml_document document;
  if (!document.load_buffer(request.body.data(), request.body.size()) || !document.child("Delete"))
    return fail(s3_error("MalformedXML",
                         "The XML you provided was not well-formed or did not validate against our published schema.",
                         400));
  pugi::xml_node root = document.child("Delete");
  bool quiet = std::string(root.child_value("Quiet")) == "true";
  std::vector<std::string> keys;
  for (pugi::xml_node object : root.children("Object")) keys.emplace_back(object.child_value("Key"));
  if (keys.empty() || keys.size() > kMaxDeleteObjects)
    return fail(s3_error("MalformedXML", "DeleteObjects takes 1 to 1000 keys.", 400));
  std::string body = std::string("<DeleteResult xmlns=\"") + kXmlns + "\">";
  for (const auto& object_key : keys) {
    auto status = store_.delete_object(bucket, object_key);
    if (status) {
      if (!quiet) body += "<Deleted>" + tag("Key", object_key) + "</Deleted>";
    } else {
      body += "<Error>" + tag("Key", object_key) + tag("Code", status.get_failure().code) +
              tag("Message", status.get_failure().message) + "</Error>";
    }
  }
  body += "</DeleteResult>";
  return xml_response(200, body);
}

Response S3Service::list_objects(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  // ListObjectsV2 (list-type=2) and ListObjects (v1, marker).
  const bool v2 = request.query_value("list-type").value_or("") == "2";
  const std::string prefix = request.query_value("prefix").value_or("");
  const std::string delimiter = request.query_value("delimiter").value_or("");
  const bool url_encoding = request.query_value("encoding-type").value_or("") == "url";
  if (auto encoding = request.query_value("encoding-type"); encoding && *encoding != "url")
    return fail(s3_error("InvalidArgument", "Invalid Encoding Method specified in Request", 400));
  int max_keys = kMaxKeys;
  if (auto text = request.query_value("max-keys")) {
    if (text->empty() || text->size() > 9 || text->find_first_not_of("0123456789") != std::string::npos)
      return fail(s3_error("InvalidArgument", "Provided max-keys not an integer or within integer range", 400));
    max_keys = std::min(std::stoi(*text), kMaxKeys);
  }
  std::string marker;
  std::optional<std::string> continuation = v2 ? request.query_value("continuation-token") : std::nullopt;
  if (v2) {
    marker = request.query_value("start-after").value_or("");
    if (continuation) {
      auto decoded = decode_token(*continuation);
      if (!decoded) return fail(s3_error("InvalidArgument", "The continuation token provided is incorrect", 400));
      marker = std::max(marker, *decoded);
    }
  } else {
    marker = request.query_value("marker").value_or("");
  }
  auto keys = store_.list_keys(bucket, prefix);
  if (!keys) return fail(keys.get_failure());
  std::string contents;
  std::string prefixes;
  int count = 0;
  bool truncated = false;
  std::string last_returned;
  std::string last_prefix;
  for (const auto& listed : *keys) {
    if (!marker.empty() && listed.key <= marker) continue;
    std::string common;
    if (!delimiter.empty()) {
      auto position = listed.key.find(delimiter, prefix.size());
      if (position != std::string::npos) common = listed.key.substr(0, position + delimiter.size());
    }
    if (!common.empty() && (common == last_prefix || common == marker)) continue;
    if (count >= max_keys) {
      truncated = true;
      break;
    }
    ++count;
    if (!common.empty()) {
      last_prefix = common;
      last_returned = common;
      prefixes += "<CommonPrefixes>" + tag("Prefix", encode_if(url_encoding, common)) + "</CommonPrefixes>";
    } else {
      last_returned = listed.key;
      contents += "<Contents>" + tag("Key", encode_if(url_encoding, listed.key)) +
                  tag("LastModified", iso8601_time(listed.mtime_ns)) + tag("ETag", store_.etag_of(bucket, listed)) +
                  tag("Size", std::to_string(listed.size)) + tag("StorageClass", "STANDARD");
      if (!v2 || request.query_value("fetch-owner").value_or("") == "true")
        contents += "<Owner>" + tag("ID", kOwnerId) + tag("DisplayName", "athena-runner") + "</Owner>";
      contents += "</Contents>";
    }
  }
  std::string body = std::string("<ListBucketResult xmlns=\"") + kXmlns + "\">" + tag("Name", bucket) +
                     tag("Prefix", encode_if(url_encoding, prefix));
  if (v2) {
    if (auto start_after = request.query_value("start-after"))
      body += tag("StartAfter", encode_if(url_encoding, *start_after));
    if (continuation) body += tag("ContinuationToken", *continuation);
    if (truncated) body += tag("NextContinuationToken", encode_token(last_returned));
    body += tag("KeyCount", std::to_string(count));
  } else {
    body += tag("Marker", encode_if(url_encoding, marker));
    if (truncated && !delimiter.empty()) body += tag("NextMarker", encode_if(url_encoding, last_returned));
  }
  body += tag("MaxKeys", std::to_string(max_keys));
  if (!delimiter.empty()) body += tag("Delimiter", encode_if(url_encoding, delimiter));
  if (url_encoding) body += tag("EncodingType", "url");
  body += tag("IsTruncated", truncated ? "true" : "false") + contents + prefixes + "</ListBucketResult>";
  return xml_response(200, body);
}

Response S3Service::upload_part(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  const std::string& key = call.key;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  auto upload_id = request.query_value("uploadId");
  auto upload = store_.find_upload(*upload_id, bucket, key);
  if (!upload) return fail(upload.get_failure());
  auto part_text = request.query_value("partNumber").value_or("");
  if (part_text.empty() || part_text.size() > 5 || part_text.find_first_not_of("0123456789") != std::string::npos)
    return fail(s3_error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400));
  if (auto copy_source = request.header("x-amz-copy-source")) {
    // UploadPartCopy: the part is a byte range of an existing object (aws s3 cp s3://... s3://... for
    // large objects).
    auto source = parse_copy_source(*copy_source);
    if (!source) return fail(source.get_failure());
    auto source_meta = store_.head_object(source->first, source->second);
    if (!source_meta) return fail(source_meta.get_failure());
    std::uint64_t first = 0;
    std::uint64_t length = source_meta->size;
    if (auto range_text = request.header("x-amz-copy-source-range")) {
      auto range = parse_range(*range_text, source_meta->size);
      if (!range || !*range || range_text->find('-') == range_text->size() - 1)
        return fail(s3_error("InvalidArgument",
                             "The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
                             "last are the zero-based offsets of the first and last bytes to copy",
                             400));
      first = (*range)->first;
      length = (*range)->last - first + 1;
    }
    bool read_ok = false;
    std::string data = read_file_range(store_.object_path(source->first, source->second), first, length, &read_ok);
    if (!read_ok || data.size() != length)
      return fail(s3_error("InternalError", "The copy source could not be read.", 500));
    auto part = store_.upload_part(*upload, std::stoi(part_text), data, "");
    if (!part) return fail(part.get_failure());
    return xml_response(200, std::string("<CopyPartResult xmlns=\"") + kXmlns + "\">" +
                                 tag("LastModified", iso8601_time(source_meta->mtime_ns)) + tag("ETag", part->etag) +
                                 "</CopyPartResult>");
  }
  auto verified = verify_body_checksums(request);
  if (!verified) return fail(verified.get_failure());
  auto part = request.spooled ? store_.upload_part(*upload, std::stoi(part_text), *request.spooled, verified->value)
                              : store_.upload_part(*upload, std::stoi(part_text), request.body, verified->value);
  if (!part) return fail(part.get_failure());
  Response response = empty_response(200);
  response.set_header("ETag", part->etag);
  if (!verified->algorithm.empty())
    response.set_header(checksum_header_name(*checksum_algorithm_from_name(verified->algorithm)), verified->value);
  return response;
}

Response S3Service::copy_object(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  const std::string& key = call.key;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  auto source = parse_copy_source(*request.header("x-amz-copy-source"));
  if (!source) return fail(source.get_failure());
  const std::string& source_bucket = source->first;
  const std::string& source_key = source->second;
  bool replace = request.header("x-amz-metadata-directive").value_or("COPY") == "REPLACE";
  if (source_bucket == bucket && source_key == key && !replace)
    return fail(s3_error("InvalidRequest",
                         "This copy request is illegal because it is trying to copy an object to itself without "
                         "changing the object's metadata, storage class, website redirect location or encryption "
                         "attributes.",
                         400));
  if (std::string problem = S3Store::key_problem(source_key); !problem.empty())
    return fail(s3_error("InvalidArgument", "Copy source key cannot be stored: " + problem + ".", 400));
  if (auto status = store_.check_bucket(source_bucket); !status) return fail(status.get_failure());
  auto copied = store_.copy_object(source_bucket, source_key, bucket, meta_from_request(request, key), replace);
  if (!copied) return fail(copied.get_failure());
  return xml_response(200, std::string("<CopyObjectResult xmlns=\"") + kXmlns + "\">" +
                               tag("LastModified", iso8601_time(copied->mtime_ns)) + tag("ETag", copied->etag) +
                               "</CopyObjectResult>");
}

Response S3Service::put_object(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  const std::string& key = call.key;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  auto verified = verify_body_checksums(request);
  if (!verified) return fail(verified.get_failure());
  // Conditional writes: If-None-Match takes only "*" (any other value is not a write condition S3 offers).
  WriteCondition condition;
  if (auto if_none_match = request.header("if-none-match")) {
    if (*if_none_match != "*")
      return fail(s3_error("NotImplemented",
                           "If-None-Match on PutObject accepts only '*' (write only if the key is new).", 501));
    condition.if_none_match = true;
  }
  condition.if_match = request.header("if-match");
  ObjectMeta meta = meta_from_request(request, key);
  meta.checksum_algorithm = verified->algorithm;
  meta.checksum_value = verified->value;
  auto stored = request.spooled ? store_.put_object(bucket, std::move(meta), *request.spooled, condition)
                                : store_.put_object(bucket, std::move(meta), request.body, condition);
  if (!stored) return fail(stored.get_failure());
  Response response = empty_response(200);
  response.set_header("ETag", stored->etag);
  if (!verified->algorithm.empty())
    response.set_header(checksum_header_name(*checksum_algorithm_from_name(verified->algorithm)), verified->value);
  return response;
}

Response S3Service::list_parts(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  const std::string& key = call.key;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  auto upload_id = request.query_value("uploadId");
  // ListParts, paged by part-number-marker / max-parts.
  auto upload = store_.find_upload(*upload_id, bucket, key);
  if (!upload) return fail(upload.get_failure());
  int marker = 0;
  int max_parts = kMaxKeys;
  auto number = [](const std::optional<std::string>& text, int fallback) {
    if (!text || text->empty() || text->size() > 6 || text->find_first_not_of("0123456789") != std::string::npos)
      return fallback;
    return std::stoi(*text);
  };
  marker = number(request.query_value("part-number-marker"), 0);
  max_parts = std::clamp(number(request.query_value("max-parts"), kMaxKeys), 1, kMaxKeys);
  std::string parts_xml;
  int count = 0;
  int last = marker;
  bool truncated = false;
  for (const auto& part : store_.list_parts(*upload)) {
    if (part.part_number <= marker) continue;
    if (count == max_parts) {
      truncated = true;
      break;
    }
    ++count;
    last = part.part_number;
    parts_xml += "<Part>" + tag("PartNumber", std::to_string(part.part_number)) +
                 tag("LastModified", iso8601_time(part.mtime_ns)) + tag("ETag", part.etag) +
                 tag("Size", std::to_string(part.size)) + "</Part>";
  }
  std::string body = std::string("<ListPartsResult xmlns=\"") + kXmlns + "\">" + tag("Bucket", bucket) +
                     tag("Key", key) + tag("UploadId", *upload_id) + tag("PartNumberMarker", std::to_string(marker)) +
                     tag("NextPartNumberMarker", std::to_string(last)) + tag("MaxParts", std::to_string(max_parts)) +
                     tag("IsTruncated", truncated ? "true" : "false") + parts_xml + tag("StorageClass", "STANDARD") +
                     "</ListPartsResult>";
  return xml_response(200, body);
}

Response S3Service::get_object(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  const std::string& key = call.key;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  const std::string& method = request.method;
  auto meta = store_.head_object(bucket, key);
  if (!meta) {
    Error error = meta.get_failure();
    return fail(error);
  }
  if (auto precondition = check_conditions(request, *meta)) {
    if (*precondition == 304) {
      Response not_modified = empty_response(304);
      not_modified.set_header("ETag", meta->etag);
      not_modified.set_header("Last-Modified", http_date(meta->mtime_ns));
      not_modified.head = true;
      return not_modified;
    }
    return fail(s3_error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412));
  }
  Response response = empty_response(200);
  add_object_headers(response, *meta);
  std::uint64_t first = 0;
  std::uint64_t length = meta->size;
  bool whole = true;
  if (auto range_header = request.header("range")) {
    if (auto range = parse_range(*range_header, meta->size)) {
      if (!*range) {
        Response error = fail(range->get_failure());
        error.set_header("Content-Range", "bytes */" + std::to_string(meta->size));
        return error;
      }
      first = (*range)->first;
      length = (*range)->last - first + 1;
      whole = false;
      response.status = 206;
      response.set_header("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string((*range)->last) +
                                               "/" + std::to_string(meta->size));
    }
  }
  if (whole && !meta->checksum_value.empty() &&
      text::iequals(request.header("x-amz-checksum-mode").value_or(""), "enabled")) {
    if (auto algorithm = checksum_algorithm_from_name(meta->checksum_algorithm))
      response.set_header(checksum_header_name(*algorithm), meta->checksum_value);
  }
  // response-* query overrides (presigned download links set the file name and type this way).
  static constexpr std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-type", "Content-Type"},         {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}, {"response-content-language", "Content-Language"},
      {"response-cache-control", "Cache-Control"},       {"response-expires", "Expires"}};
  for (const auto& [parameter, header] : kOverrides) {
    if (auto value = request.query_value(parameter)) {
      for (auto it = response.headers.begin(); it != response.headers.end();) {
        it = text::iequals(it->first, header) ? response.headers.erase(it) : it + 1;
      }
      response.set_header(header, *value);
    }
  }
  response.set_header("Content-Length", std::to_string(length));
  if (method == "HEAD") {
    response.head = true;
  } else if (meta->folder_marker) {
    response.body.clear();
  } else {
    response.file = FileBody{store_.object_path(bucket, key), first, length};
  }
  return response;
}

Response S3Service::abort_multipart_upload(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  const std::string& key = call.key;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  auto upload_id = request.query_value("uploadId");
  auto upload = store_.find_upload(*upload_id, bucket, key);
  if (!upload) return fail(upload.get_failure());
  (void)store_.abort_upload(*upload);
  return empty_response(204);
}

Response S3Service::delete_object(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  const std::string& key = call.key;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  if (auto status = store_.delete_object(bucket, key); !status) return fail(status.get_failure());
  return empty_response(204);
}

Response S3Service::create_multipart_upload(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  const std::string& key = call.key;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  auto upload_id = request.query_value("uploadId");
  auto upload = store_.create_upload(bucket, meta_from_request(request, key));
  if (!upload) return fail(upload.get_failure());
  Response response = xml_response(200, std::string("<InitiateMultipartUploadResult xmlns=\"") + kXmlns + "\">" +
                                            tag("Bucket", bucket) + tag("Key", key) +
                                            tag("UploadId", upload->upload_id) + "</InitiateMultipartUploadResult>");
  if (!upload->meta.checksum_algorithm.empty())
    response.set_header("x-amz-checksum-algorithm", upload->meta.checksum_algorithm);
  return response;
}

Response S3Service::complete_multipart_upload(const S3Call& call) {
  const Request& request = call.request;
  const std::string& bucket = call.bucket;
  const std::string& key = call.key;
  auto fail = [&](const Error& error) { return error_response(error, request); };
  auto upload_id = request.query_value("uploadId");
  auto upload = store_.find_upload(*upload_id, bucket, key);
  if (!upload) return fail(upload.get_failure());
  pugi::xml_document document;
  if (!document.load_buffer(request.body.data(), request.body.size()) || !document.child("CompleteMultipartUpload"))
    return fail(s3_error("MalformedXML",
                         "The XML you provided was not well-formed or did not validate against our published schema.",
                         400));
  std::vector<CompletedPart> parts;
  for (pugi::xml_node part : document.child("CompleteMultipartUpload").children("Part")) {
    CompletedPart completed;
    completed.part_number = part.child("PartNumber").text().as_int(0);
    completed.etag = part.child_value("ETag");
    if (!upload->meta.checksum_algorithm.empty())
      completed.checksum_value = part.child_value(("Checksum" + upload->meta.checksum_algorithm).c_str());
    parts.push_back(std::move(completed));
  }
  auto stored = store_.complete_upload(*upload, parts);
  if (!stored) return fail(stored.get_failure());
  std::string location = "http://" + request.header("host").value_or("localhost") + "/" + bucket + "/" +
                         aws::uri_encode(key, /*encode_slash=*/false);
  std::string body = std::string("<CompleteMultipartUploadResult xmlns=\"") + kXmlns + "\">" +
                     tag("Location", location) + tag("Bucket", bucket) + tag("Key", key) + tag("ETag", stored->etag);
  if (!stored->checksum_value.empty()) body += tag("Checksum" + stored->checksum_algorithm, stored->checksum_value);
  body += "</CompleteMultipartUploadResult>";
  return xml_response(200, body);
}

namespace {
enum class S3Target { Service, Bucket, Object };
// One S3 operation: the method, what the path names, the query parameter (subresource) or header that
// selects it. Routes are tried in order, so the more specific come first.
struct S3Route {
  std::string_view method;
  S3Target target;
  std::string_view subresource;  // "" for none
  std::string_view header;       // "" for none
  std::string_view operation;    // S3's name, for people reading the table
  bool bucket_must_exist;
  Response (S3Service::*handler)(const S3Call&);
};
}  // namespace

Response S3Service::dispatch(const Request& request, const std::string& bucket, const std::string& key) {
  using T = S3Target;
  static constexpr S3Route kRoutes[] = {
      {"GET", T::Service, "", "", "ListBuckets", false, &S3Service::list_buckets},
      {"PUT", T::Bucket, "", "", "CreateBucket", false, &S3Service::create_bucket},
      {"HEAD", T::Bucket, "", "", "HeadBucket", true, &S3Service::head_bucket},
      {"DELETE", T::Bucket, "", "", "DeleteBucket", true, &S3Service::delete_bucket},
      {"GET", T::Bucket, "location", "", "GetBucketLocation", true, &S3Service::get_bucket_location},
      {"GET", T::Bucket, "uploads", "", "ListMultipartUploads", true, &S3Service::list_multipart_uploads},
      {"POST", T::Bucket, "delete", "", "DeleteObjects", true, &S3Service::delete_objects},
      {"GET", T::Bucket, "", "", "ListObjects, ListObjectsV2", true, &S3Service::list_objects},
      {"PUT", T::Object, "uploadId", "", "UploadPart, UploadPartCopy", true, &S3Service::upload_part},
      {"PUT", T::Object, "", "x-amz-copy-source", "CopyObject", true, &S3Service::copy_object},
      {"PUT", T::Object, "", "", "PutObject", true, &S3Service::put_object},
      {"GET", T::Object, "uploadId", "", "ListParts", true, &S3Service::list_parts},
      {"GET", T::Object, "", "", "GetObject", true, &S3Service::get_object},
      {"HEAD", T::Object, "", "", "HeadObject", true, &S3Service::get_object},
      {"DELETE", T::Object, "uploadId", "", "AbortMultipartUpload", true, &S3Service::abort_multipart_upload},
      {"DELETE", T::Object, "", "", "DeleteObject", true, &S3Service::delete_object},
      {"POST", T::Object, "uploads", "", "CreateMultipartUpload", true, &S3Service::create_multipart_upload},
      {"POST", T::Object, "uploadId", "", "CompleteMultipartUpload", true, &S3Service::complete_multipart_upload},
  };
  auto fail = [&](const Error& error) { return error_response(error, request); };
  for (std::string_view name : kUnsupportedSubresources) {
    if (request.has_query(name))
      return fail(s3_error(
          "NotImplemented",
          "A header you provided implies functionality that is not implemented (?" + std::string(name) + ").", 501));
  }
  const S3Target target = bucket.empty() ? T::Service : key.empty() ? T::Bucket : T::Object;
  if (target == T::Object) {
    if (auto status = store_.check_bucket(bucket); !status) return fail(status.get_failure());
    if (std::string problem = S3Store::key_problem(key); !problem.empty()) {
      if (key.size() > 1024) return fail(s3_error("KeyTooLongError", "Your key is too long", 400));
      return fail(s3_error("InvalidArgument", "Object key cannot be stored: " + problem + ".", 400));
    }
  }
  const S3Call call{request, bucket, key};
  for (const S3Route& route : kRoutes) {
    if (route.target != target || route.method != request.method) continue;
    if (!route.subresource.empty() && !request.has_query(route.subresource)) continue;
    if (!route.header.empty() && !request.header(route.header)) continue;
    if (target == T::Bucket && route.bucket_must_exist) {
      if (auto status = store_.check_bucket(bucket); !status) return fail(status.get_failure());
    }
    return (this->*route.handler)(call);
  }
  if (target == T::Bucket) {
    if (auto status = store_.check_bucket(bucket); !status) return fail(status.get_failure());
  }
  return fail(s3_error("MethodNotAllowed", "The specified method is not allowed against this resource.", 405));
}

}  // namespace athena_runner::server
