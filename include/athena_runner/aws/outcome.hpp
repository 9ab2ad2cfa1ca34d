// Expected failures are values: every AWS-facing call returns an Outcome.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace athena_runner::aws {

// What kind of failure, so callers and the retry policy can decide without parsing text.
enum class ErrorKind {
  Service,        // the service answered with an error (code, message, status, request id)
  Network,        // could not connect, connection reset, TLS failure, DNS
  Timeout,        // connect or request timeout
  Credentials,    // no credentials, unknown profile, provider failure
  Configuration,  // missing region, bad endpoint URL, bad setting
  InvalidInput,   // the caller's input is malformed (e.g. a bad s3:// URI)
  Aborted,        // the caller (e.g. a body sink) asked to stop
  Internal,       // a bug: should never happen
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string code;        // AWS error code ("ThrottlingException") or ours ("NoCredentials")
  std::string message;     // never contains a credential
  int http_status = 0;     // 0 when no HTTP response was received
  std::string request_id;  // x-amzn-RequestId / x-amz-request-id when known
  int attempts = 1;        // how many attempts were made before giving up

  // One line for people: "ThrottlingException (HTTP 400): Rate exceeded [request id ..., 3 attempts]".
  std::string to_string() const;
};

// Outcome<T> holds either a result or an Error. Truthy on success.
template <class T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T result) : value_(std::in_place_index<0>, std::move(result)) {}    // NOLINT: implicit by design
  Outcome(Error error) : value_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool is_success() const { return value_.index() == 0; }
  explicit operator bool() const { return is_success(); }

  const T& get_result() const& { return std::get<0>(value_); }
  T& get_result() & { return std::get<0>(value_); }
  T&& get_result() && { return std::get<0>(std::move(value_)); }
  const Error& get_failure() const& { return std::get<1>(value_); }
  Error&& get_failure() && { return std::get<1>(std::move(value_)); }

  const T* operator->() const { return &get_result(); }
  T* operator->() { return &get_result(); }
  const T& operator*() const& { return get_result(); }
  T& operator*() & { return get_result(); }

 private:
  std::variant<T, Error> value_;
};

struct Ok {};
using Status = Outcome<Ok>;  // success carries nothing

inline Error make_error(ErrorKind kind, std::string code, std::string message) {
  Error error;
  error.kind = kind;
  error.code = std::move(code);
  error.message = std::move(message);
  return error;
}

}  // namespace athena_runner::aws
