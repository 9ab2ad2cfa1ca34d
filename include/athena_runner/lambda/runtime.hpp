// The Lambda Runtime API loop (a custom runtime for provided.al2023): fetch the next invocation, run the
// handler, post its response or error, carry on. AWS's contract:
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/aws/environment.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::lambda {

inline constexpr std::string_view kRuntimeApiVersion = "2018-06-01";
inline constexpr std::string_view kRuntimeApiVariable = "AWS_LAMBDA_RUNTIME_API";
inline constexpr std::string_view kRequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
inline constexpr std::string_view kDeadlineHeader = "Lambda-Runtime-Deadline-Ms";
inline constexpr std::string_view kFunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
inline constexpr std::string_view kTraceIdHeader = "Lambda-Runtime-Trace-Id";
inline constexpr std::string_view kClientContextHeader = "Lambda-Runtime-Client-Context";
inline constexpr std::string_view kCognitoIdentityHeader = "Lambda-Runtime-Cognito-Identity";
inline constexpr std::string_view kErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
inline constexpr std::string_view kTraceIdVariable = "_X_AMZN_TRACE_ID";
// Synchronous invocation response payload limit (Lambda quotas: 6 MB).
inline constexpr std::size_t kMaxResponseBytes = std::size_t{6} * 1024 * 1024;

// Error types the runtime itself reports (the handler chooses its own for what it detects).
inline constexpr std::string_view kErrorTypeHandlerException = "Runtime.HandlerException";
inline constexpr std::string_view kErrorTypeResponseTooLarge = "Function.ResponseSizeTooLarge";

struct InvocationRequest {
  std::string request_id;
  std::string payload;  // the event, as sent
  std::string function_arn;
  std::string trace_id;  // X-Ray header value, "" when absent
  std::string client_context;
  std::string cognito_identity;
  std::chrono::system_clock::time_point deadline{};  // from Lambda-Runtime-Deadline-Ms

  std::chrono::milliseconds remaining_time(std::chrono::system_clock::time_point now) const;
};

// Built only through success() or failure().
class InvocationResponse {
 public:
  static InvocationResponse success(std::string payload, std::string content_type = "application/json");
  // errorMessage / errorType of the error document; stack_trace lines are optional.
  static InvocationResponse failure(std::string error_message, std::string error_type);

  bool is_success() const { return success_; }
  const std::string& payload() const { return payload_; }  // success: the response body
  const std::string& content_type() const { return content_type_; }
  const std::string& error_message() const { return error_message_; }
  const std::string& error_type() const { return error_type_; }
  // The error document {"errorMessage","errorType","stackTrace":[]} posted to .../error.
  std::string error_document() const;

 private:
  InvocationResponse() = default;
  bool success_ = false;
  std::string payload_, content_type_, error_message_, error_type_;
};

using Handler = std::function<InvocationResponse(const InvocationRequest&)>;

struct RuntimeOptions {
  // host:port of the Runtime API; empty: AWS_LAMBDA_RUNTIME_API from the environment.
  std::string endpoint;
  // Stop after this many invocations (tests, `invoke`); Lambda itself never stops the loop.
  std::optional<int> max_invocations;
  // Export Lambda-Runtime-Trace-Id as _X_AMZN_TRACE_ID for each invocation (setenv).
  bool export_trace_id = true;
  // The HTTP client for the Runtime API (the bootstrap passes aws::lite_http_backend()).
  aws::HttpBackend http_backend = aws::lite_http_backend();
  std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
};

// The runtime loop. Returns only when the Runtime API cannot be reached or answers an unexpected status
// (the process should then exit: Lambda starts a new one), or after max_invocations. A handler
// exception, or a response over kMaxResponseBytes, is reported as the invocation's error and the loop
// carries on.
Status run_handler(const Handler& handler, const RuntimeOptions& options = {});

// POST /runtime/init/error: start-up failed (e.g. bad configuration). The process should exit after.
Status report_init_error(std::string_view error_message, std::string_view error_type,
                         const RuntimeOptions& options = {});

// AWS_LAMBDA_RUNTIME_API (or options.endpoint); error "MissingRuntimeApi" when neither is set.
Outcome<std::string> runtime_endpoint(const RuntimeOptions& options, const aws::Environment& environment);

}  // namespace athena_runner::lambda
