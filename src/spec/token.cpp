#include "athena_runner/spec/token.hpp"

#include "athena_runner/aws/sigv4.hpp"

namespace athena_runner::spec {
namespace {

// Bump when the encoding changes (tokens then change once, for every query).
constexpr std::string_view kEncodingVersion = "athena-runner client request token v1";

// <decimal byte length>:<bytes>; lengths make the encoding prefix-free, so concatenations can not collide.
void append_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out.append(field);
}

}  // namespace

std::string canonical_token_encoding(const TokenInput& input) {
  std::string out;
  append_field(out, kEncodingVersion);
  append_field(out, input.query_name);
  append_field(out, std::to_string(input.scheduled_time.time_since_epoch().count()));
  append_field(out, input.sql);
  append_field(out, std::to_string(input.parameters.size()));
  for (const auto& parameter : input.parameters) append_field(out, parameter);
  append_field(out, std::to_string(input.generation));
  return out;
}

std::string client_request_token(const TokenInput& input) {
  static_assert(kClientRequestTokenLength >= kClientRequestTokenMinLength &&
                kClientRequestTokenLength <= kClientRequestTokenMaxLength);
  return aws::sha256_hex(canonical_token_encoding(input)).substr(0, kClientRequestTokenLength);
}

}  // namespace athena_runner::spec
