// Private: the individual providers of the default credentials chain.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "athena_runner/aws/credentials.hpp"
#include "athena_runner/aws/http.hpp"

namespace athena_runner::aws {

// What one provider found: credentials; nothing (with a note for the "what was tried" message); or an
// error that ends the chain (it is configured but broken, e.g. a partial key pair or a failing container
// endpoint), so the chain never silently falls through to other credentials.
struct ProviderAttempt {
  std::optional<Credentials> credentials;
  std::optional<Error> error;
  std::string note;  // when neither: why this source gave nothing
};

ProviderAttempt credentials_from_environment(const Environment& environment);
ProviderAttempt credentials_from_profile(const CredentialsContext& context);
// Returns the HTTP client to use, made on first use (short timeouts) when the context has none.
using HttpClientSource = std::function<std::shared_ptr<HttpClient>()>;
ProviderAttempt credentials_from_container(const CredentialsContext& context, const HttpClientSource& http);
ProviderAttempt credentials_from_imds(const CredentialsContext& context, const HttpClientSource& http);

// "2015-08-30T12:36:00Z" (fractional seconds and a "+00:00" offset accepted).
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

// The credentials JSON of the container endpoint, IMDS and credential_process (AccessKeyId,
// SecretAccessKey, Token or SessionToken, Expiration). Errors never quote the body.
Outcome<Credentials> parse_credentials_json(std::string_view body, std::string_view source);

}  // namespace athena_runner::aws
