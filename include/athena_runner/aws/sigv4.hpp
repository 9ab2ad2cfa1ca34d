// AWS Signature Version 4.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "athena_runner/aws/credentials.hpp"
#include "athena_runner/aws/http.hpp"

namespace athena_runner::aws {

struct SigningParams {
  std::string region;   // "us-east-1"
  std::string service;  // signing name: "athena", "s3", "glue"
  std::chrono::system_clock::time_point time;
  // S3 rules: the path is neither normalised nor encoded a second time, and
  // x-amz-content-sha256 is sent (with the payload hash, or UNSIGNED-PAYLOAD).
  bool s3_rules = false;
  bool unsigned_payload = false;
};

// Adds Host (if absent), X-Amz-Date, X-Amz-Security-Token (with a session token),
// x-amz-content-sha256 (S3 rules, or any unsigned payload) and Authorization, replacing earlier values
// (a retried request can be signed again). Every other header is signed, except hop-by-hop ones,
// User-Agent, Expect and X-Amzn-Trace-Id (botocore's list), which proxies may change.
void sign_request(HttpRequest& request, const Credentials& credentials, const SigningParams& params);

// The pieces for the request exactly as given (no header is added), exposed so tests can compare them with AWS's
// published examples.
struct SigningParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;
  std::string signature;
  std::string authorization;
};
SigningParts compute_signature(const HttpRequest& request, const Credentials& credentials, const SigningParams& params);

std::string sha256_hex(std::string_view data);

// The derived signing key (kSigning) in hex; `date` is "YYYYMMDD". Exposed for AWS's published examples.
std::string signing_key_hex(std::string_view secret_access_key, std::string_view date, std::string_view region,
                            std::string_view service);

// "YYYYMMDDTHHMMSSZ" (UTC), the X-Amz-Date format.
std::string format_amz_date(std::chrono::system_clock::time_point time);

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

}  // namespace athena_runner::aws
