#include "athena_runner/base/outcome.hpp"

namespace athena_runner {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Service: return "service error";
    case ErrorKind::Network: return "network error";
    case ErrorKind::Timeout: return "timeout";
    case ErrorKind::Credentials: return "credentials error";
    case ErrorKind::Configuration: return "configuration error";
    case ErrorKind::InvalidInput: return "invalid input";
    case ErrorKind::Aborted: return "aborted";
    case ErrorKind::Internal: return "internal error";
  }
  return "unknown error";
}

std::string Error::to_string() const {
  std::string text = code.empty() ? std::string(athena_runner::to_string(kind)) : code;
  if (http_status != 0) text += " (HTTP " + std::to_string(http_status) + ")";
  if (!message.empty()) text += ": " + message;
  std::string details;
  if (!request_id.empty()) details += "request id " + request_id;
  if (attempts > 1) {
    if (!details.empty()) details += ", ";
    details += "after " + std::to_string(attempts) + " attempts";
  }
  if (!details.empty()) text += " [" + details + "]";
  return text;
}

}  // namespace athena_runner
