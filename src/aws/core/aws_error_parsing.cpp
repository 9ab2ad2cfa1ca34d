#include "aws_error_parsing.hpp"
#include "athena_runner/base/text.hpp"

#include <array>
#include <ctime>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <utility>

namespace athena_runner::aws::detail {
namespace {

constexpr std::string_view kAmznRequestIdHeader = "x-amzn-RequestId";
constexpr std::string_view kAmzRequestIdHeader = "x-amz-request-id";
constexpr std::string_view kAmznErrorTypeHeader = "X-Amzn-ErrorType";

struct StatusName {
  int status;
  std::string_view code;
  std::string_view reason;
};

// RFC 9110 section 15 reason phrases; the code is the phrase without spaces (as the SDKs name HEAD errors).
constexpr std::array<StatusName, 22> kStatusNames{{
    {301, "MovedPermanently", "Moved Permanently"},
    {302, "Found", "Found"},
    {304, "NotModified", "Not Modified"},
    {307, "TemporaryRedirect", "Temporary Redirect"},
    {400, "BadRequest", "Bad Request"},
    {401, "Unauthorized", "Unauthorized"},
    {403, "Forbidden", "Forbidden"},
    {404, "NotFound", "Not Found"},
    {405, "MethodNotAllowed", "Method Not Allowed"},
    {408, "RequestTimeout", "Request Timeout"},
    {409, "Conflict", "Conflict"},
    {411, "LengthRequired", "Length Required"},
    {412, "PreconditionFailed", "Precondition Failed"},
    {413, "ContentTooLarge", "Content Too Large"},
    {416, "RangeNotSatisfiable", "Range Not Satisfiable"},
    {429, "TooManyRequests", "Too Many Requests"},
    {500, "InternalServerError", "Internal Server Error"},
    {501, "NotImplemented", "Not Implemented"},
    {502, "BadGateway", "Bad Gateway"},
    {503, "ServiceUnavailable", "Service Unavailable"},
    {504, "GatewayTimeout", "Gateway Timeout"},
    {509, "BandwidthLimitExceeded", "Bandwidth Limit Exceeded"},
}};

std::string json_string(const nlohmann::json& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    auto found = object.find(key);
    if (found != object.end() && found->is_string()) return found->get<std::string>();
  }
  return {};
}

// JSON protocols: true when the body was a JSON object.
bool parse_json_error(std::string_view body, Error& error) {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return false;
  auto type = json_string(parsed, {"__type", "code", "Code"});
  if (!type.empty() && error.code.empty()) error.code = normalise_error_type(type);
  error.message = json_string(parsed, {"message", "Message", "errorMessage"});
  return true;
}

std::string child_text(const pugi::xml_node& node, const char* name) {
  return std::string(text::trim(node.child(name).text().as_string()));
}

// XML protocols: true when the body was an XML error document.
bool parse_xml_error(std::string_view body, Error& error) {
  pugi::xml_document document;
  if (!document.load_buffer(body.data(), body.size())) return false;
  pugi::xml_node root = document.document_element();
  pugi::xml_node error_node;
  std::string body_request_id;
  if (std::string_view(root.name()) == "Error") {  // S3
    error_node = root;
    body_request_id = child_text(root, "RequestId");
  } else if (std::string_view(root.name()) == "ErrorResponse") {  // query and other rest-xml services
    error_node = root.child("Error");
    body_request_id = child_text(root, "RequestId");
  } else if (std::string_view(root.name()) == "Response") {  // EC2 style
    error_node = root.child("Errors").child("Error");
    body_request_id = child_text(root, "RequestID");
  }
  if (!error_node) return false;
  if (error.code.empty()) error.code = child_text(error_node, "Code");
  error.message = child_text(error_node, "Message");
  if (error.request_id.empty()) error.request_id = body_request_id;
  return true;
}

}  // namespace

std::string normalise_error_type(std::string_view type) {
  type = text::trim(type);
  if (auto colon = type.find(':'); colon != std::string_view::npos) type = type.substr(0, colon);
  if (auto hash = type.rfind('#'); hash != std::string_view::npos) type = type.substr(hash + 1);
  return std::string(type);
}

std::string_view reason_phrase(int status) {
  for (const auto& entry : kStatusNames) {
    if (entry.status == status) return entry.reason;
  }
  return {};
}

std::string error_code_for_status(int status) {
  for (const auto& entry : kStatusNames) {
    if (entry.status == status) return std::string(entry.code);
  }
  return "Http" + std::to_string(status);
}

Error parse_service_error(const HttpResponse& response) {
  Error error;
  error.kind = ErrorKind::Service;
  error.http_status = response.status;
  if (auto id = response.header(kAmznRequestIdHeader)) {
    error.request_id = *id;
  } else if (auto s3_id = response.header(kAmzRequestIdHeader)) {
    error.request_id = *s3_id;
  }
  if (auto type = response.header(kAmznErrorTypeHeader); type && !text::trim(*type).empty()) {
    error.code = normalise_error_type(*type);
  }

  std::string_view body = text::trim(response.body);
  if (!body.empty()) {
    if (body.front() == '{') {
      parse_json_error(body, error);
    } else if (body.front() == '<') {
      parse_xml_error(body, error);
    }
  }
  if (error.code.empty()) error.code = error_code_for_status(response.status);
  if (error.message.empty()) error.message = std::string(reason_phrase(response.status));
  return error;
}

std::optional<long long> parse_http_date_epoch_seconds(std::string_view text) {
  std::string copy(text::trim(text));
  std::tm parts{};
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S", &parts);
  if (end == nullptr) return std::nullopt;
  std::string_view zone = text::trim(end);
  if (!zone.empty() && zone != "GMT" && zone != "UTC" && zone != "Z") return std::nullopt;
  return static_cast<long long>(timegm(&parts));
}

}  // namespace athena_runner::aws::detail
