// Expected failures are values: every fallible call returns an Outcome (a result or a failure), as
// aws-lambda-cpp's outcome<TResult, TFailure>. Exceptions only end an operation at a boundary (main, the
// Lambda loop, the HTTP handlers, DuckDB's C API); they are never how an expected failure travels.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace athena_runner {

// What kind of failure, so callers and the retry policy can decide without parsing text.
enum class ErrorKind {
  Service,        // the service answered with an error (code, message, status, request id)
  Network,        // could not connect, connection reset, TLS failure, DNS
  Timeout,        // connect or request timeout
  Credentials,    // no credentials, unknown profile, provider failure
  Configuration,  // missing region, bad endpoint URL, bad setting, a file that cannot be written
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

// Outcome<T, E> holds either a result T or a failure E (Error unless said otherwise). Truthy on success.
template <class T, class E = Error>
class [[nodiscard]] Outcome {
  static_assert(!std::is_same_v<T, E>, "a result and a failure of the same type cannot be told apart");

 public:
  Outcome(T result) : value_(std::in_place_index<0>, std::move(result)) {}    // NOLINT: implicit by design
  Outcome(E failure) : value_(std::in_place_index<1>, std::move(failure)) {}  // NOLINT: implicit by design

  bool is_success() const { return value_.index() == 0; }
  explicit operator bool() const { return is_success(); }

  const T& get_result() const& { return std::get<0>(value_); }
  T& get_result() & { return std::get<0>(value_); }
  T&& get_result() && { return std::get<0>(std::move(value_)); }
  const E& get_failure() const& { return std::get<1>(value_); }
  E& get_failure() & { return std::get<1>(value_); }
  E&& get_failure() && { return std::get<1>(std::move(value_)); }

  const T* operator->() const { return &get_result(); }
  T* operator->() { return &get_result(); }
  const T& operator*() const& { return get_result(); }
  T& operator*() & { return get_result(); }

 private:
  std::variant<T, E> value_;
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

}  // namespace athena_runner
