// AWS Signature Version 4.
#pragma once

#include <chrono>
#include <string>

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
// x-amz-content-sha256 (S3 rules) and Authorization.
void sign_request(HttpRequest& request, const Credentials& credentials, const SigningParams& params);

// The pieces, exposed so tests can compare them with AWS's published examples.
struct SigningParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;
  std::string signature;
  std::string authorization;
};
SigningParts compute_signature(const HttpRequest& request, const Credentials& credentials, const SigningParams& params);

std::string sha256_hex(std::string_view data);

}  // namespace athena_runner::aws
