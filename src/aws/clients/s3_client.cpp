// S3Client: S3 operations over the shared ServiceClient pipeline.
#include <algorithm>

#include "athena_runner/aws/protocol/s3.hpp"

namespace athena_runner::aws::s3 {

namespace {

constexpr std::string_view kEndpointVariable = "AWS_ENDPOINT_URL_S3";
constexpr std::string_view kIgnoreEndpointsVariable = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
constexpr std::string_view kRangeHeader = "Range";
constexpr std::string_view kContentTypeHeader = "Content-Type";
constexpr std::string_view kXmlContentType = "application/xml";

std::optional<int64_t> header_integer(const HttpResponse& response, std::string_view name) {
  auto value = response.header(name);
  if (!value) return std::nullopt;
  try {
    return std::stoll(*value);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<Timestamp> header_date(const HttpResponse& response, std::string_view name) {
  auto value = response.header(name);
  return value ? protocol::parse_http_date(*value) : std::nullopt;
}

Error with_operation(Error error, std::string_view operation) {
  error.message = std::string(operation) + ": " + error.message;
  return error;
}

}  // namespace

S3Client::S3Client(std::shared_ptr<const ClientContext> context, S3ClientOptions options)
    : context_(context), service_(std::move(context), ServiceDescriptor::s3()), options_(options) {
  if (options_.addressing_style) {
    configured_style_ = *options_.addressing_style;
  } else if (auto setting = context_->profile.get(protocol::kAddressingStyleSetting)) {
    configured_style_ = protocol::parse_addressing_style(*setting).value_or(AddressingStyle::Auto);
  }
}

AddressingStyle S3Client::effective_addressing_style(std::string_view bucket) const {
  return protocol::choose_addressing_style(configured_style_, service_.endpoint().overridden, bucket);
}

HttpRequest S3Client::make_request(std::string method, std::string_view bucket, std::string_view key) const {
  auto style = effective_addressing_style(bucket);
  HttpRequest request;
  request.method = std::move(method);
  request.scheme = service_.endpoint().scheme;
  request.host = style == AddressingStyle::Virtual ? protocol::virtual_host(bucket, service_.endpoint().host)
                                                   : service_.endpoint().host;
  request.path = protocol::object_path(style, bucket, key);
  return request;
}

const ServiceClient& S3Client::client_for(std::string_view bucket) const {
  if (effective_addressing_style(bucket) == AddressingStyle::Path || service_.endpoint_error()) return service_;
  std::lock_guard lock(virtual_clients_mutex_);
  auto found = virtual_clients_.find(bucket);
  if (found != virtual_clients_.end()) return *found->second;

  const auto& endpoint = service_.endpoint();
  auto bucket_context = std::make_shared<ClientContext>(*context_);
  std::string url = endpoint.scheme + "://" + protocol::virtual_host(bucket, endpoint.host) + endpoint.base_path;
  bucket_context->environment.get = [base = context_->environment, url](std::string_view name) {
    if (name == kEndpointVariable) return std::optional<std::string>(url);
    if (name == kIgnoreEndpointsVariable) return std::optional<std::string>();
    return base.get(name);
  };
  auto client = std::make_unique<ServiceClient>(std::move(bucket_context), ServiceDescriptor::s3());
  return *virtual_clients_.emplace(std::string(bucket), std::move(client)).first->second;
}

Outcome<GetObjectResult> S3Client::get_object(const GetObjectRequest& request, const BodySink& sink) const {
  auto http_request = make_request("GET", request.bucket, request.key);
  if (request.range) http_request.set_header(std::string(kRangeHeader), *request.range);
  auto response = client_for(request.bucket).send(std::move(http_request), &sink);
  if (!response) return with_operation(std::move(response).get_failure(), "GetObject");
  GetObjectResult result;
  result.content_length = header_integer(*response, "Content-Length");
  result.content_range = response->header("Content-Range");
  result.e_tag = response->header("ETag");
  result.content_type = response->header(kContentTypeHeader);
  result.last_modified = header_date(*response, "Last-Modified");
  result.metadata = protocol::metadata_from_headers(response->headers);
  return result;
}

Outcome<std::string> S3Client::get_object_text(const GetObjectRequest& request) const {
  std::string body;
  BodySink sink = [&body](std::string_view chunk) {
    body.append(chunk);
    return true;
  };
  auto result = get_object(request, sink);
  if (!result) return std::move(result).get_failure();
  return body;
}

Outcome<HeadObjectResult> S3Client::head_object(std::string_view bucket, std::string_view key) const {
  auto response = client_for(bucket).send(make_request("HEAD", bucket, key));
  if (!response) return with_operation(std::move(response).get_failure(), "HeadObject");
  HeadObjectResult result;
  result.content_length = header_integer(*response, "Content-Length").value_or(0);
  result.e_tag = response->header("ETag");
  result.last_modified = header_date(*response, "Last-Modified");
  result.content_type = response->header(kContentTypeHeader);
  result.metadata = protocol::metadata_from_headers(response->headers);
  return result;
}

Status S3Client::delete_object(std::string_view bucket, std::string_view key) const {
  auto response = client_for(bucket).send(make_request("DELETE", bucket, key));
  if (!response) return with_operation(std::move(response).get_failure(), "DeleteObject");
  return Ok{};
}

Outcome<PutObjectResult> S3Client::put_object(const PutObjectRequest& request, std::string_view body) const {
  if (static_cast<int64_t>(body.size()) >= options_.multipart_threshold) {
    if (request.if_none_match || request.if_match)
      return make_error(ErrorKind::InvalidInput, "ConditionalMultipartNotSupported",
                        "a conditional PutObject of s3://" + request.bucket + "/" + request.key +
                            " must be smaller than the multipart threshold");
    return put_multipart(request, body);
  }
  return put_single(request, body);
}

Outcome<PutObjectResult> S3Client::put_single(const PutObjectRequest& request, std::string_view body) const {
  auto http_request = make_request("PUT", request.bucket, request.key);
  if (request.content_type) http_request.set_header(std::string(kContentTypeHeader), *request.content_type);
  for (const auto& [name, value] : request.metadata) {
    http_request.set_header(std::string(protocol::kMetadataHeaderPrefix) + name, value);
  }
  if (request.if_none_match) http_request.set_header("If-None-Match", *request.if_none_match);
  if (request.if_match) http_request.set_header("If-Match", *request.if_match);
  http_request.body = std::string(body);
  auto response = client_for(request.bucket).send(std::move(http_request));
  if (!response) return with_operation(std::move(response).get_failure(), "PutObject");
  return PutObjectResult{response->header("ETag"), 0};
}

Outcome<std::optional<std::string>> S3Client::copy_object(const CopyObjectRequest& request) const {
  auto http_request = make_request("PUT", request.bucket, request.key);
  http_request.set_header("x-amz-copy-source", protocol::copy_source(request.source_bucket, request.source_key));
  if (request.content_type || !request.metadata.empty()) {
    http_request.set_header("x-amz-metadata-directive", "REPLACE");
    if (request.content_type) http_request.set_header(std::string(kContentTypeHeader), *request.content_type);
    for (const auto& [name, value] : request.metadata) {
      http_request.set_header(std::string(protocol::kMetadataHeaderPrefix) + name, value);
    }
  }
  auto response = client_for(request.bucket).send(std::move(http_request));
  if (!response) return with_operation(std::move(response).get_failure(), "CopyObject");
  auto etag = protocol::parse_copy_object(response->body);
  if (!etag) return with_operation(std::move(etag).get_failure(), "CopyObject");
  return etag;
}

Outcome<PutObjectResult> S3Client::put_multipart(const PutObjectRequest& request, std::string_view body) const {
  const auto& client = client_for(request.bucket);
  auto create = make_request("POST", request.bucket, request.key);
  create.query = {{"uploads", ""}};
  if (request.content_type) create.set_header(std::string(kContentTypeHeader), *request.content_type);
  for (const auto& [name, value] : request.metadata) {
    create.set_header(std::string(protocol::kMetadataHeaderPrefix) + name, value);
  }
  auto created = client.send(std::move(create));
  if (!created) return with_operation(std::move(created).get_failure(), "CreateMultipartUpload");
  auto upload_id = protocol::parse_initiate_multipart_upload(created->body);
  if (!upload_id) return std::move(upload_id).get_failure();

  auto abort = [&](Error error) -> Outcome<PutObjectResult> {
    auto abort_request = make_request("DELETE", request.bucket, request.key);
    abort_request.query = {{"uploadId", *upload_id}};
    auto aborted = client.send(std::move(abort_request));
    if (!aborted) error.message += " (AbortMultipartUpload also failed: " + aborted.get_failure().to_string() + ")";
    return error;
  };

  const int64_t part_size = protocol::choose_part_size(static_cast<int64_t>(body.size()), options_.part_size);
  std::vector<protocol::CompletedPart> parts;
  for (int64_t offset = 0; offset < static_cast<int64_t>(body.size()); offset += part_size) {
    const int part_number = static_cast<int>(parts.size()) + 1;
    auto part_request = make_request("PUT", request.bucket, request.key);
    part_request.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", *upload_id}};
    part_request.body = std::string(body.substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(part_size)));
    auto uploaded = client.send(std::move(part_request));
    if (!uploaded) return abort(with_operation(std::move(uploaded).get_failure(), "UploadPart"));
    auto etag = uploaded->header("ETag");
    if (!etag) {
      return abort(make_error(ErrorKind::Service, "InvalidResponse", "UploadPart: no ETag in the response"));
    }
    parts.push_back({part_number, *etag});
  }

  auto complete = make_request("POST", request.bucket, request.key);
  complete.query = {{"uploadId", *upload_id}};
  complete.set_header(std::string(kContentTypeHeader), std::string(kXmlContentType));
  complete.body = protocol::serialize_complete_multipart_upload(parts);
  auto completed = client.send(std::move(complete));
  if (!completed) return abort(with_operation(std::move(completed).get_failure(), "CompleteMultipartUpload"));
  auto etag = protocol::parse_complete_multipart_upload(completed->body);
  if (!etag) return abort(with_operation(std::move(etag).get_failure(), "CompleteMultipartUpload"));
  return PutObjectResult{*etag, static_cast<int>(parts.size())};
}

Outcome<ListObjectsV2Result> S3Client::list_objects_v2(const ListObjectsV2Request& request) const {
  auto http_request = make_request("GET", request.bucket, "");
  http_request.query = protocol::list_objects_v2_query(request);
  auto response = client_for(request.bucket).send(std::move(http_request));
  if (!response) return with_operation(std::move(response).get_failure(), "ListObjectsV2");
  return protocol::parse_list_objects_v2(response->body);
}

Outcome<ListObjectsV2Result> S3Client::list_all_objects_v2(ListObjectsV2Request request) const {
  ListObjectsV2Result all;
  while (true) {
    auto page = list_objects_v2(request);
    if (!page) return std::move(page).get_failure();
    auto& result = page.get_result();
    all.contents.insert(all.contents.end(), std::make_move_iterator(result.contents.begin()),
                        std::make_move_iterator(result.contents.end()));
    all.common_prefixes.insert(all.common_prefixes.end(), result.common_prefixes.begin(), result.common_prefixes.end());
    all.key_count += result.key_count;
    if (!result.is_truncated || !result.next_continuation_token || result.next_continuation_token->empty()) break;
    request.continuation_token = std::move(result.next_continuation_token);
  }
  return all;
}

Outcome<std::vector<std::string>> S3Client::list_keys(const S3Uri& prefix) const {
  ListObjectsV2Request request;
  request.bucket = prefix.bucket;
  request.prefix = prefix.key;
  auto listed = list_all_objects_v2(std::move(request));
  if (!listed) return std::move(listed).get_failure();
  std::vector<std::string> keys;
  keys.reserve(listed->contents.size());
  for (auto& object : listed->contents) keys.push_back(std::move(object.key));
  return keys;
}

}  // namespace athena_runner::aws::s3
