#include "athena_runner/aws/protocol/s3.hpp"
#include "athena_runner/base/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <sstream>

#include <pugixml.hpp>

namespace athena_runner::aws::s3 {

namespace {

constexpr std::string_view kInvalidResponseCode = "InvalidResponse";
constexpr std::string_view kUrlEncoding = "url";
constexpr char kS3Scheme[] = "s3://";
constexpr std::size_t kS3SchemeLength = sizeof(kS3Scheme) - 1;
constexpr std::string_view kReservedPrefixes[] = {"xn--", "sthree-", "amzn-s3-demo-"};
constexpr std::string_view kReservedSuffixes[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"};
constexpr int kIpv4Parts = 4;
constexpr int kMaxIpv4Octet = 255;

Error invalid_response(std::string_view what, std::string_view reason) {
  return make_error(ErrorKind::Service, std::string(kInvalidResponseCode),
                    std::string(what) + ": unreadable response: " + std::string(reason));
}

bool is_ipv4_address(std::string_view text) {
  int parts = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    auto part = text.substr(start, end - start);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), ::isdigit)) return false;
    if (std::stoi(std::string(part)) > kMaxIpv4Octet) return false;
    ++parts;
    start = end + 1;
  }
  return parts == kIpv4Parts;
}

Error invalid_bucket(std::string_view bucket, std::string_view reason) {
  return make_error(ErrorKind::InvalidInput, "InvalidBucketName",
                    "invalid S3 bucket name \"" + std::string(bucket) + "\": " + std::string(reason));
}

// S3's encoding-type=url uses form encoding ('+' for space), as botocore decodes it (unquote_plus).
std::string url_decode_plus(std::string_view text) {
  std::string spaced(text);
  std::replace(spaced.begin(), spaced.end(), '+', ' ');
  return uri_decode(spaced);
}

std::optional<Timestamp> from_tm(std::tm& time, int milliseconds) {
  time_t seconds = timegm(&time);
  if (seconds == static_cast<time_t>(-1)) return std::nullopt;
  return Timestamp(std::chrono::seconds(seconds)) + std::chrono::milliseconds(milliseconds);
}

}  // namespace

std::string S3Uri::to_string() const { return kS3Scheme + bucket + "/" + key; }

Status validate_bucket_name(std::string_view bucket) {
  if (bucket.size() < kMinBucketNameLength || bucket.size() > kMaxBucketNameLength) {
    return invalid_bucket(bucket, "must be " + std::to_string(kMinBucketNameLength) + " to " +
                                      std::to_string(kMaxBucketNameLength) + " characters long");
  }
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '-')) {
      return invalid_bucket(
          bucket, std::string("character '") + c + "' is not allowed (lowercase letters, digits, '.' and '-' only)");
    }
  }
  auto is_alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!is_alnum(bucket.front()) || !is_alnum(bucket.back())) {
    return invalid_bucket(bucket, "must begin and end with a letter or digit");
  }
  if (bucket.find("..") != std::string_view::npos) return invalid_bucket(bucket, "must not contain \"..\"");
  if (is_ipv4_address(bucket)) return invalid_bucket(bucket, "must not be formatted as an IP address");
  for (auto prefix : kReservedPrefixes) {
    if (bucket.starts_with(prefix))
      return invalid_bucket(bucket, "the prefix \"" + std::string(prefix) + "\" is reserved");
  }
  for (auto suffix : kReservedSuffixes) {
    if (bucket.ends_with(suffix))
      return invalid_bucket(bucket, "the suffix \"" + std::string(suffix) + "\" is reserved");
  }
  return Ok{};
}

Outcome<S3Uri> parse_s3_uri(std::string_view uri) {
  if (!text::istarts_with(uri, kS3Scheme)) {
    return make_error(ErrorKind::InvalidInput, "InvalidS3Uri",
                      "not an S3 URI (expected s3://bucket/key): \"" + std::string(uri) + "\"");
  }
  auto rest = uri.substr(kS3SchemeLength);
  auto slash = rest.find('/');
  S3Uri parsed;
  parsed.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) parsed.key = std::string(rest.substr(slash + 1));
  if (parsed.bucket.empty()) {
    return make_error(ErrorKind::InvalidInput, "InvalidS3Uri", "empty bucket in S3 URI \"" + std::string(uri) + "\"");
  }
  if (auto valid = validate_bucket_name(parsed.bucket); !valid) {
    Error error = std::move(valid).get_failure();
    error.message += " (in S3 URI \"" + std::string(uri) + "\")";
    return error;
  }
  return parsed;
}

std::string byte_range(int64_t first, int64_t last) {
  return "bytes=" + std::to_string(first) + "-" + std::to_string(last);
}

namespace protocol {

std::optional<AddressingStyle> parse_addressing_style(std::string_view text) {
  auto value = text::lower(text);
  if (value == "auto") return AddressingStyle::Auto;
  if (value == "virtual") return AddressingStyle::Virtual;
  if (value == "path") return AddressingStyle::Path;
  return std::nullopt;
}

AddressingStyle choose_addressing_style(AddressingStyle configured, bool endpoint_overridden, std::string_view bucket) {
  if (configured != AddressingStyle::Auto) return configured;
  if (endpoint_overridden || bucket.find('.') != std::string_view::npos) return AddressingStyle::Path;
  return AddressingStyle::Virtual;
}

std::string object_path(AddressingStyle style, std::string_view bucket, std::string_view key) {
  std::string path = "/";
  if (style == AddressingStyle::Path) {
    path += bucket;
    if (key.empty()) return path;
    path += '/';
  }
  path += uri_encode(key, false);
  return path;
}

std::string virtual_host(std::string_view bucket, std::string_view endpoint_host) {
  return std::string(bucket) + "." + std::string(endpoint_host);
}

QueryList list_objects_v2_query(const ListObjectsV2Request& request) {
  QueryList query{{"list-type", "2"}, {"encoding-type", std::string(kUrlEncoding)}};
  if (request.prefix) query.emplace_back("prefix", *request.prefix);
  if (request.delimiter) query.emplace_back("delimiter", *request.delimiter);
  if (request.continuation_token) query.emplace_back("continuation-token", *request.continuation_token);
  if (request.start_after) query.emplace_back("start-after", *request.start_after);
  if (request.max_keys) query.emplace_back("max-keys", std::to_string(*request.max_keys));
  return query;
}

Outcome<ListObjectsV2Result> parse_list_objects_v2(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) return invalid_response("ListObjectsV2", "not XML");
  auto root = document.child("ListBucketResult");
  if (!root) return invalid_response("ListObjectsV2", "no ListBucketResult element");
  bool url_encoded = std::string_view(root.child_value("EncodingType")) == kUrlEncoding;
  auto decode = [&](const char* text) { return url_encoded ? url_decode_plus(text) : std::string(text); };

  ListObjectsV2Result result;
  for (auto contents : root.children("Contents")) {
    Object object;
    object.key = decode(contents.child_value("Key"));
    if (auto modified = contents.child("LastModified")) object.last_modified = parse_iso8601(modified.child_value());
    if (auto etag = contents.child("ETag")) object.e_tag = etag.child_value();
    object.size = contents.child("Size").text().as_llong(0);
    if (auto storage = contents.child("StorageClass")) object.storage_class = storage.child_value();
    result.contents.push_back(std::move(object));
  }
  for (auto common : root.children("CommonPrefixes"))
    result.common_prefixes.push_back(decode(common.child_value("Prefix")));
  result.is_truncated = std::string_view(root.child_value("IsTruncated")) == "true";
  if (auto token = root.child("NextContinuationToken")) result.next_continuation_token = token.child_value();
  result.key_count = root.child("KeyCount").text().as_int(static_cast<int>(result.contents.size()));
  return result;
}

Outcome<std::string> parse_initiate_multipart_upload(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) return invalid_response("CreateMultipartUpload", "not XML");
  std::string upload_id = document.document_element().child_value("UploadId");
  if (upload_id.empty()) return invalid_response("CreateMultipartUpload", "no UploadId");
  return upload_id;
}

std::string serialize_complete_multipart_upload(const std::vector<CompletedPart>& parts) {
  pugi::xml_document document;
  auto root = document.append_child("CompleteMultipartUpload");
  root.append_attribute("xmlns") = std::string(kS3XmlNamespace).c_str();
  for (const auto& part : parts) {
    auto element = root.append_child("Part");
    element.append_child("ETag").text() = part.e_tag.c_str();
    element.append_child("PartNumber").text() = part.part_number;
  }
  std::ostringstream out;
  document.save(out, "", pugi::format_raw);
  return out.str();
}

namespace {

// The ETag of a result document S3 may also answer with 200 and an <Error> body (CompleteMultipartUpload,
// CopyObject). Like botocore, the root element's name is not checked: S3 says CompleteMultipartUploadResult,
// moto CompleteMultipartUploadResponse.
Outcome<std::optional<std::string>> parse_etag_result(std::string_view xml, std::string_view operation) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) return invalid_response(operation, "not XML");
  if (auto error = document.child("Error")) {
    Error failure = make_error(ErrorKind::Service, error.child_value("Code"), error.child_value("Message"));
    failure.http_status = 200;
    failure.request_id = error.child_value("RequestId");
    return failure;
  }
  auto result = document.document_element();
  if (!result) return invalid_response(operation, "no root element");
  if (auto etag = result.child("ETag")) return std::optional<std::string>(etag.child_value());
  return std::optional<std::string>();
}

}  // namespace

Outcome<std::optional<std::string>> parse_complete_multipart_upload(std::string_view xml) {
  return parse_etag_result(xml, "CompleteMultipartUpload");
}

Outcome<std::optional<std::string>> parse_copy_object(std::string_view xml) {
  return parse_etag_result(xml, "CopyObject");
}

std::string copy_source(std::string_view bucket, std::string_view key) {
  return std::string(bucket) + "/" + uri_encode(key, false);
}

std::map<std::string, std::string> metadata_from_headers(const HeaderList& headers) {
  std::map<std::string, std::string> metadata;
  for (const auto& [name, value] : headers) {
    auto lowered = text::lower(name);
    if (lowered.starts_with(kMetadataHeaderPrefix)) metadata[lowered.substr(kMetadataHeaderPrefix.size())] = value;
  }
  return metadata;
}

std::optional<Timestamp> parse_iso8601(std::string_view text) {
  std::tm time{};
  int milliseconds = 0;
  std::string copy(text);
  int consumed = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &time.tm_year, &time.tm_mon, &time.tm_mday, &time.tm_hour,
                  &time.tm_min, &time.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  auto rest = std::string_view(copy).substr(static_cast<std::size_t>(consumed));
  if (rest.starts_with('.')) {
    std::size_t digits = 1;
    int scale = 100;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
      milliseconds += (rest[digits] - '0') * scale;
      scale /= 10;
      ++digits;
    }
    rest.remove_prefix(digits);
  }
  if (rest != "Z" && rest != "+00:00") return std::nullopt;
  time.tm_year -= 1900;
  time.tm_mon -= 1;
  return from_tm(time, milliseconds);
}

std::optional<Timestamp> parse_http_date(std::string_view text) {
  std::tm time{};
  std::string copy(text);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &time);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return from_tm(time, 0);
}

int64_t choose_part_size(int64_t body_size, int64_t configured_part_size) {
  int64_t part_size = std::max(configured_part_size, kMinPartSize);
  int64_t needed_for_limit = (body_size + kMaxParts - 1) / kMaxParts;
  return std::max(part_size, needed_for_limit);
}

}  // namespace protocol
}  // namespace athena_runner::aws::s3
