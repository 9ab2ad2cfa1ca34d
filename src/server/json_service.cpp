#include "json_service.hpp"

namespace athena_runner::server {

namespace {
constexpr const char* kContentType = "application/x-amz-json-1.1";
}

Error json_error(std::string code, std::string message, int http_status) {
  Error error = make_error(ErrorKind::Service, std::move(code), std::move(message));
  error.http_status = http_status;
  return error;
}

JsonService::JsonService(std::string target_prefix, std::string signing_name, std::string invalid_input_code)
    : target_prefix_(std::move(target_prefix)),
      signing_name_(std::move(signing_name)),
      invalid_input_code_(std::move(invalid_input_code)) {}

void JsonService::add(const std::string& operation, JsonHandler handler) {
  operations_[operation] = std::move(handler);
}

Response JsonService::error_response(const Error& error, const Request& request) {
  Response response;
  response.status = error.http_status == 0 ? 500 : error.http_status;
  response.body = nlohmann::json{{"__type", error.code}, {"message", error.message}}.dump();
  response.set_header("Content-Type", kContentType);
  response.set_header("x-amzn-ErrorType", error.code);
  response.set_header("x-amzn-RequestId", request.request_id);
  return response;
}

Response JsonService::handle(const Request& request) const {
  auto fail = [&](const Error& error) { return error_response(error, request); };
  if (request.method != "POST")
    return fail(json_error(invalid_input_code_, "JSON 1.1 operations are POST requests to /.", 400));
  std::string target = request.header("x-amz-target").value_or("");
  std::string prefix = target_prefix_ + ".";
  if (target.rfind(prefix, 0) != 0)
    return fail(json_error("UnknownOperationException", "X-Amz-Target must be " + prefix + "<Operation>.", 400));
  auto operation = operations_.find(target.substr(prefix.size()));
  if (operation == operations_.end())
    return fail(json_error("UnknownOperationException",
                           "The operation " + target.substr(prefix.size()) + " is not supported by this endpoint.",
                           400));
  nlohmann::json input = request.body.empty()
                             ? nlohmann::json::object()
                             : nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded() || !input.is_object())
    return fail(json_error("SerializationException", "The request body is not a JSON object.", 400));
  Outcome<nlohmann::json> result = [&]() -> Outcome<nlohmann::json> {
    try {
      return operation->second(input);
    } catch (const nlohmann::json::exception& error) {
      // A member of the wrong JSON type (a number where a string belongs, ...).
      return json_error(invalid_input_code_, std::string("Malformed input: ") + error.what(), 400);
    }
  }();
  if (!result) return fail(result.get_failure());
  Response response;
  response.status = 200;
  response.body = result->dump();
  response.set_header("Content-Type", kContentType);
  response.set_header("x-amzn-RequestId", request.request_id);
  return response;
}

}  // namespace athena_runner::server
