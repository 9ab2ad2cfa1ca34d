// The ClientRequestToken of StartQueryExecution, derived so that a retried trigger never starts a second
// query: the same inputs give the same token, any change gives another.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/spec/schedule.hpp"

namespace athena_runner::spec {

// Athena's IdempotencyToken shape (botocore athena/2017-05-18/service-2.json): a string of 32-128 characters.
inline constexpr std::size_t kClientRequestTokenMinLength = 32;
inline constexpr std::size_t kClientRequestTokenMaxLength = 128;
// Our tokens: lower-case hex SHA-256, 64 characters.
inline constexpr std::size_t kClientRequestTokenLength = 64;

struct TokenInput {
  std::string query_name;
  Instant scheduled_time{};
  std::string sql;                      // rendered
  std::vector<std::string> parameters;  // rendered
  int generation = 0;                   // bumped when a query is resubmitted after a retryable failure
};

// Hex SHA-256 over a versioned, length-prefixed encoding of every field, so that no two different inputs
// share an encoding (("ab","c") and ("a","bc") differ).
std::string client_request_token(const TokenInput& input);

// The canonical encoding hashed by client_request_token (exposed for tests and debugging).
std::string canonical_token_encoding(const TokenInput& input);

}  // namespace athena_runner::spec
