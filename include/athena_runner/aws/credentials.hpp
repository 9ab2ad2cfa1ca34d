// Credentials and the SDKs' default provider chain.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "athena_runner/aws/environment.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/clock.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws {

class HttpClient;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // where they came from, e.g. "environment", "profile 'dev'", "container", "imds"

  // Safe to print: key id's last 4 characters and the source; never the secret or the token.
  std::string describe() const;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual Outcome<Credentials> get_credentials() = 0;
};

struct CredentialsContext {
  Environment environment = Environment::process();
  Clock clock = Clock::system();
  std::shared_ptr<HttpClient> http;  // for container and IMDS providers; made with http_backend when null
  HttpBackend http_backend;          // none: the container and IMDS providers are skipped, saying so
  std::string profile;               // empty: AWS_PROFILE, then "default"
  // Refresh temporary credentials this long before they expire.
  std::chrono::seconds refresh_margin{300};
};

// Environment → shared credentials/config files (profile) → container (ECS/Lambda/EKS pod identity)
// → IMDSv2. Caches, and refreshes temporary credentials before they expire. Thread-safe.
// When nothing provides credentials, the error says what was tried and how to fix it.
std::shared_ptr<CredentialsProvider> make_default_credentials_chain(CredentialsContext context);

// Fixed credentials (tests, and the local endpoint's clients).
std::shared_ptr<CredentialsProvider> make_static_credentials(Credentials credentials);

}  // namespace athena_runner::aws
