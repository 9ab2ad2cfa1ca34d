// The container (ECS, Lambda SnapStart, EKS Pod Identity) and EC2 instance metadata (IMDSv2) providers.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/text.hpp"
#include "config_files.hpp"
#include "credentials_providers.hpp"

namespace athena_runner::aws {
namespace {

constexpr std::string_view kContainerHost = "169.254.170.2";
constexpr std::string_view kRelativeUriVariable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr std::string_view kFullUriVariable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr std::string_view kTokenVariable = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
constexpr std::string_view kTokenFileVariable = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
// Plain http is allowed only to loopback and to the ECS and EKS Pod Identity link-local agents.
constexpr std::string_view kAllowedHttpHosts[] = {"localhost", "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
                                                  "[::1]"};
constexpr int kContainerAttempts = 2;

constexpr std::string_view kImdsDisabledVariable = "AWS_EC2_METADATA_DISABLED";
constexpr std::string_view kImdsEndpointVariable = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
constexpr std::string_view kImdsDefaultEndpoint = "http://169.254.169.254";
constexpr std::string_view kImdsTokenPath = "/latest/api/token";
constexpr std::string_view kImdsRolesPath = "/latest/meta-data/iam/security-credentials/";
constexpr std::string_view kImdsTokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
constexpr std::string_view kImdsTokenHeader = "X-aws-ec2-metadata-token";
constexpr std::string_view kImdsTokenTtlSeconds = "21600";
constexpr int kImdsAttempts = 2;  // only server errors are retried: an absent IMDS costs one timeout
constexpr int kHttpOk = 200;
constexpr int kHttpServerErrors = 500;

constexpr std::string_view kProviderError = "CredentialsProviderError";

Error provider_error(std::string message) {
  return make_error(ErrorKind::Credentials, std::string(kProviderError), std::move(message));
}

ProviderAttempt nothing(std::string note) {
  ProviderAttempt attempt;
  attempt.note = std::move(note);
  return attempt;
}

ProviderAttempt failure(Error error) {
  ProviderAttempt attempt;
  attempt.error = std::move(error);
  return attempt;
}

bool is_loopback_host(std::string_view host_and_port) {
  std::string_view host = host_and_port;
  if (host.starts_with("[")) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.starts_with("127.")) return true;
  return std::find(std::begin(kAllowedHttpHosts), std::end(kAllowedHttpHosts), host) != std::end(kAllowedHttpHosts);
}

// Sends with up to `attempts` tries; only transport errors (when retry_transport) and 5xx are retried.
Outcome<HttpResponse> send_with_retry(HttpClient& http, const HttpRequest& request, int attempts,
                                      bool retry_transport) {
  for (int attempt = 1;; ++attempt) {
    auto response = http.send(request);
    bool retryable = response ? response->status >= kHttpServerErrors : retry_transport;
    if (!retryable || attempt >= attempts) return response;
  }
}

std::string describe_failure(const Outcome<HttpResponse>& response) {
  if (!response) return std::string(to_string(response.get_failure().kind));
  return "HTTP " + std::to_string(response->status);
}

void split_path_and_query(std::string_view path_and_query, HttpRequest& request) {
  auto question = path_and_query.find('?');
  request.path = std::string(path_and_query.substr(0, question));
  if (request.path.empty()) request.path = "/";
  if (question == std::string_view::npos) return;
  std::string_view query = path_and_query.substr(question + 1);
  while (!query.empty()) {
    auto ampersand = query.find('&');
    std::string_view pair = query.substr(0, ampersand);
    auto equals = pair.find('=');
    request.query.emplace_back(uri_decode(pair.substr(0, equals)),
                               equals == std::string_view::npos ? std::string() : uri_decode(pair.substr(equals + 1)));
    if (ampersand == std::string_view::npos) break;
    query.remove_prefix(ampersand + 1);
  }
}

}  // namespace

ProviderAttempt credentials_from_container(const CredentialsContext& context, const HttpClientSource& http) {
  const Environment& environment = context.environment;
  HttpRequest request;
  request.method = "GET";
  if (auto relative = environment.non_empty(kRelativeUriVariable)) {
    request.scheme = "http";
    request.host = std::string(kContainerHost);
    split_path_and_query(*relative, request);
  } else if (auto full = environment.non_empty(kFullUriVariable)) {
    // Split "scheme://authority" from the path ourselves: parse_endpoint_url rejects a query.
    auto scheme_end = full->find("://");
    auto path_start = scheme_end == std::string::npos ? std::string::npos : full->find_first_of("/?", scheme_end + 3);
    auto endpoint = parse_endpoint_url(full->substr(0, path_start), kFullUriVariable);
    if (!endpoint) {
      Error error = endpoint.get_failure();
      error.kind = ErrorKind::Credentials;
      return failure(std::move(error));
    }
    if (endpoint->scheme == "http" && !is_loopback_host(endpoint->host)) {
      return failure(make_error(ErrorKind::Credentials, "InvalidContainerCredentialsUri",
                                std::string(kFullUriVariable) + " must use https, or http to a loopback address or " +
                                    "the ECS/EKS container agent; its host is " + endpoint->host));
    }
    request.scheme = endpoint->scheme;
    request.host = endpoint->host;
    split_path_and_query(
        path_start == std::string::npos ? std::string_view("/") : std::string_view(*full).substr(path_start), request);
  } else {
    return nothing("container credentials (" + std::string(kRelativeUriVariable) + " and " +
                   std::string(kFullUriVariable) + " are not set)");
  }

  std::optional<std::string> token;
  if (auto token_file = environment.non_empty(kTokenFileVariable)) {
    std::ifstream file(*token_file, std::ios::binary);
    if (!file) {
      return failure(provider_error("cannot read the container authorization token file named by " +
                                    std::string(kTokenFileVariable) + ": " + *token_file));
    }
    std::ostringstream content;
    content << file.rdbuf();
    token = text::trim(content.str());
  } else if (auto token_value = environment.non_empty(kTokenVariable)) {
    token = text::trim(*token_value);
  }
  if (token) {
    if (token->find_first_of("\r\n") != std::string::npos) {
      return failure(provider_error("the container authorization token contains a line break"));
    }
    request.headers.emplace_back("Authorization", *token);
  }
  request.headers.emplace_back("Accept", "application/json");

  std::string where = "the container credentials endpoint " + request.scheme + "://" + request.host;
  auto client = http();
  if (!client) return nothing(where + " (no HTTP client configured)");
  auto response = send_with_retry(*client, request, kContainerAttempts, /*retry_transport=*/true);
  if (!response || response->status != kHttpOk) {
    return failure(provider_error("could not get credentials from " + where + " (" + describe_failure(response) + ")"));
  }
  auto credentials = parse_credentials_json(response->body, "container");
  if (!credentials) return failure(credentials.get_failure());
  ProviderAttempt attempt;
  attempt.credentials = std::move(credentials).get_result();
  return attempt;
}

ProviderAttempt credentials_from_imds(const CredentialsContext& context, const HttpClientSource& http) {
  const Environment& environment = context.environment;
  if (auto disabled = environment.non_empty(kImdsDisabledVariable)) {
    const std::string value = text::lower(text::trim(*disabled));
    if (value == "true") return nothing("instance metadata (disabled by " + std::string(kImdsDisabledVariable) + ")");
  }
  std::string endpoint_text = environment.non_empty(kImdsEndpointVariable).value_or(std::string(kImdsDefaultEndpoint));
  auto endpoint = parse_endpoint_url(endpoint_text, kImdsEndpointVariable);
  if (!endpoint) {
    Error error = endpoint.get_failure();
    error.kind = ErrorKind::Credentials;
    return failure(std::move(error));
  }
  std::string where = "instance metadata at " + endpoint->scheme + "://" + endpoint->host;
  auto make_request = [&](std::string method, std::string_view path) {
    HttpRequest request;
    request.method = std::move(method);
    request.scheme = endpoint->scheme;
    request.host = endpoint->host;
    request.path = endpoint->base_path + std::string(path);
    return request;
  };

  HttpRequest token_request = make_request("PUT", kImdsTokenPath);
  token_request.headers.emplace_back(std::string(kImdsTokenTtlHeader), std::string(kImdsTokenTtlSeconds));
  auto client = http();
  if (!client) return nothing(where + " (no HTTP client configured)");
  auto token = send_with_retry(*client, token_request, kImdsAttempts, /*retry_transport=*/false);
  if (!token || token->status != kHttpOk) {
    return nothing(where + " (no session token: " + describe_failure(token) + ")");
  }
  std::string session_token(text::trim(token->body));

  HttpRequest roles_request = make_request("GET", kImdsRolesPath);
  roles_request.headers.emplace_back(std::string(kImdsTokenHeader), session_token);
  auto roles = send_with_retry(*client, roles_request, kImdsAttempts, /*retry_transport=*/false);
  if (!roles || roles->status != kHttpOk) {
    return nothing(where + " (no instance role: " + describe_failure(roles) + ")");
  }
  std::string role(text::trim(std::string_view(roles->body).substr(0, roles->body.find('\n'))));
  if (role.empty()) return nothing(where + " (no instance role attached)");

  HttpRequest credentials_request = make_request("GET", std::string(kImdsRolesPath) + uri_encode(role));
  credentials_request.headers.emplace_back(std::string(kImdsTokenHeader), session_token);
  auto response = send_with_retry(*client, credentials_request, kImdsAttempts, /*retry_transport=*/true);
  if (!response || response->status != kHttpOk) {
    return failure(provider_error("could not get the credentials of instance role '" + role + "' from " + where + " (" +
                                  describe_failure(response) + ")"));
  }
  auto credentials = parse_credentials_json(response->body, "instance metadata (role '" + role + "')");
  if (!credentials) return failure(credentials.get_failure());
  ProviderAttempt attempt;
  attempt.credentials = std::move(credentials).get_result();
  return attempt;
}

}  // namespace athena_runner::aws
