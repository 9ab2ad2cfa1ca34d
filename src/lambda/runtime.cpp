// The Runtime API loop: one readable function (run_handler) over the build's default HttpClient.
#include "athena_runner/lambda/runtime.hpp"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "athena_runner/aws/http.hpp"

namespace athena_runner::lambda {
namespace {

using nlohmann::json;

constexpr int kStatusOk = 200;
constexpr int kStatusAccepted = 202;
constexpr int kStatusPayloadTooLarge = 413;
constexpr int kStatusServerError = 500;

std::string api_path(std::string_view suffix) {
  std::string path = "/";
  path += kRuntimeApiVersion;
  path += "/runtime/";
  path += suffix;
  return path;
}

aws::HttpRequest make_request(const std::string& endpoint, std::string method, std::string path) {
  aws::HttpRequest request;
  request.method = std::move(method);
  request.scheme = "http";
  request.host = endpoint;
  request.path = std::move(path);
  return request;
}

// The runtime's own diagnostics: one JSON object per line on stderr (CloudWatch Logs), like the handler's.
void log_runtime(std::string_view level, std::string_view message, std::string_view request_id = {}) {
  json line = {{"level", level}, {"component", "runtime"}, {"message", message}};
  if (!request_id.empty()) line["request_id"] = request_id;
  std::cerr << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush;
}

Error unexpected_status(std::string_view what, const aws::HttpResponse& response) {
  auto error = make_error(ErrorKind::Service, "RuntimeApiError",
                          std::string(what) + ": HTTP " + std::to_string(response.status) + " " + response.body);
  error.http_status = response.status;
  return error;
}

Outcome<InvocationRequest> next_invocation(aws::HttpClient& http, const std::string& endpoint) {
  auto response = http.send(make_request(endpoint, "GET", api_path("invocation/next")));
  if (!response) return std::move(response).get_failure();
  if (response->status != kStatusOk) return unexpected_status("GET invocation/next", *response);
  InvocationRequest request;
  request.request_id = response->header(kRequestIdHeader).value_or("");
  if (request.request_id.empty())
    return make_error(ErrorKind::Service, "RuntimeApiError", "invocation/next: no Lambda-Runtime-Aws-Request-Id");
  request.payload = std::move(response->body);
  request.function_arn = response->header(kFunctionArnHeader).value_or("");
  request.trace_id = response->header(kTraceIdHeader).value_or("");
  request.client_context = response->header(kClientContextHeader).value_or("");
  request.cognito_identity = response->header(kCognitoIdentityHeader).value_or("");
  if (auto deadline = response->header(kDeadlineHeader)) {
    try {
      request.deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(std::stoll(*deadline)));
    } catch (const std::exception&) {
      return make_error(ErrorKind::Service, "RuntimeApiError", "invocation/next: bad deadline \"" + *deadline + "\"");
    }
  }
  return request;
}

Status post(aws::HttpClient& http, aws::HttpRequest request, std::string_view what) {
  auto response = http.send(request);
  if (!response) return std::move(response).get_failure();
  if (response->status == kStatusAccepted) return Ok{};
  return unexpected_status(what, *response);
}

Status post_error(aws::HttpClient& http, const std::string& endpoint, std::string path,
                  const InvocationResponse& failure) {
  auto request = make_request(endpoint, "POST", std::move(path));
  request.set_header(std::string(kErrorTypeHeader), failure.error_type());
  request.set_header("Content-Type", "application/json");
  request.body = failure.error_document();
  return post(http, std::move(request), "POST error");
}

InvocationResponse call_handler(const Handler& handler, const InvocationRequest& request) {
  try {
    return handler(request);
  } catch (const std::exception& exception) {
    return InvocationResponse::failure(exception.what(), std::string(kErrorTypeHandlerException));
  } catch (...) {
    return InvocationResponse::failure("unknown exception", std::string(kErrorTypeHandlerException));
  }
}

}  // namespace

std::chrono::milliseconds InvocationRequest::remaining_time(std::chrono::system_clock::time_point now) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
}

InvocationResponse InvocationResponse::success(std::string payload, std::string content_type) {
  InvocationResponse response;
  response.success_ = true;
  response.payload_ = std::move(payload);
  response.content_type_ = std::move(content_type);
  return response;
}

InvocationResponse InvocationResponse::failure(std::string error_message, std::string error_type) {
  InvocationResponse response;
  response.error_message_ = std::move(error_message);
  response.error_type_ = std::move(error_type);
  response.content_type_ = "application/json";
  return response;
}

std::string InvocationResponse::error_document() const {
  json document = {{"errorMessage", error_message_}, {"errorType", error_type_}, {"stackTrace", json::array()}};
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

Outcome<std::string> runtime_endpoint(const RuntimeOptions& options, const aws::Environment& environment) {
  if (!options.endpoint.empty()) return options.endpoint;
  if (auto endpoint = environment.non_empty(kRuntimeApiVariable)) return *endpoint;
  return make_error(ErrorKind::Configuration, "MissingRuntimeApi",
                    "AWS_LAMBDA_RUNTIME_API is not set: not running inside Lambda (or a Runtime API emulator)");
}

Status report_init_error(std::string_view error_message, std::string_view error_type, const RuntimeOptions& options) {
  auto endpoint = runtime_endpoint(options, aws::Environment::process());
  if (!endpoint) return std::move(endpoint).get_failure();
  aws::HttpOptions http_options;
  http_options.request_timeout = std::chrono::milliseconds(0);
  auto http = options.http_backend.make_client(http_options);
  return post_error(*http, *endpoint, api_path("init/error"),
                    InvocationResponse::failure(std::string(error_message), std::string(error_type)));
}

Status run_handler(const Handler& handler, const RuntimeOptions& options) {
  auto endpoint = runtime_endpoint(options, aws::Environment::process());
  if (!endpoint) return std::move(endpoint).get_failure();
  // The Runtime API holds /next open until an invocation arrives, however long that is: no timeout.
  aws::HttpOptions http_options;
  http_options.request_timeout = std::chrono::milliseconds(0);
  auto http = options.http_backend.make_client(http_options);

  for (int handled = 0; !options.max_invocations || handled < *options.max_invocations; ++handled) {
    auto request = next_invocation(*http, *endpoint);
    if (!request) return std::move(request).get_failure();
    if (options.export_trace_id) {
      if (request->trace_id.empty())
        ::unsetenv(kTraceIdVariable.data());
      else
        ::setenv(kTraceIdVariable.data(), request->trace_id.c_str(), 1);
    }

    auto response = call_handler(handler, *request);
    const std::string invocation_path = api_path("invocation/" + request->request_id + "/");
    if (response.is_success() && response.payload().size() > kMaxResponseBytes) {
      response = InvocationResponse::failure("response of " + std::to_string(response.payload().size()) +
                                                 " bytes exceeds the limit of " + std::to_string(kMaxResponseBytes),
                                             std::string(kErrorTypeResponseTooLarge));
    }

    Status posted = Ok{};
    if (response.is_success()) {
      auto post_request = make_request(*endpoint, "POST", invocation_path + "response");
      post_request.set_header("Content-Type", response.content_type());
      post_request.body = response.payload();
      posted = post(*http, std::move(post_request), "POST response");
      if (!posted && posted.get_failure().http_status == kStatusPayloadTooLarge) {
        posted = post_error(
            *http, *endpoint, invocation_path + "error",
            InvocationResponse::failure(posted.get_failure().message, std::string(kErrorTypeResponseTooLarge)));
      }
    } else {
      posted = post_error(*http, *endpoint, invocation_path + "error", response);
    }
    if (!posted) {
      const auto& error = posted.get_failure();
      // A 500 means the Runtime API is in an unrecoverable state: the runtime must exit.
      if (error.http_status == kStatusServerError || error.kind != ErrorKind::Service) return error;
      log_runtime("error", error.to_string(), request->request_id);
    }
  }
  return Ok{};
}

}  // namespace athena_runner::lambda
