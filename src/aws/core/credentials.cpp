// Credentials, the static provider, the environment and profile providers, and the caching default chain.
#include "athena_runner/aws/credentials.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "athena_runner/aws/config.hpp"
#include "athena_runner/aws/http.hpp"
#include "config_files.hpp"
#include "credentials_providers.hpp"

namespace athena_runner::aws {
namespace {

constexpr std::size_t kVisibleKeyIdChars = 4;
constexpr std::string_view kNoCredentials = "NoCredentials";
constexpr std::string_view kPartialCredentials = "PartialCredentials";
constexpr std::string_view kProfileNotFound = "ProfileNotFound";
constexpr std::string_view kUnsupportedProfile = "UnsupportedProfile";
constexpr std::string_view kProviderError = "CredentialsProviderError";
constexpr int kCredentialProcessVersion = 1;
constexpr std::size_t kMaxProcessOutput = 1 << 20;
// The container and IMDS endpoints answer in milliseconds; a laptop without them must not wait long.
constexpr std::chrono::milliseconds kMetadataTimeout{1000};

Error credentials_error(std::string_view code, std::string message) {
  return make_error(ErrorKind::Credentials, std::string(code), std::move(message));
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

ProviderAttempt found(Credentials credentials) {
  ProviderAttempt attempt;
  attempt.credentials = std::move(credentials);
  return attempt;
}

// Runs a profile's credential_process through /bin/sh; the command and its output are never quoted in errors.
ProviderAttempt run_credential_process(const std::string& command, const std::string& profile_name) {
  std::string source = "credential_process of profile '" + profile_name + "'";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return failure(credentials_error(kProviderError, "could not start the " + source));
  std::string output;
  char buffer[4096];
  std::size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0 && output.size() < kMaxProcessOutput) {
    output.append(buffer, read);
  }
  int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
    return failure(
        credentials_error(kProviderError, "the " + source + " failed (exit status " + std::to_string(code) + ")"));
  }
  try {
    auto json = nlohmann::json::parse(output);
    if (!json.is_object() || json.value("Version", 0) != kCredentialProcessVersion) {
      return failure(
          credentials_error(kProviderError, "the " + source + " did not print a JSON object with \"Version\": 1"));
    }
  } catch (const nlohmann::json::exception&) {
    return failure(credentials_error(kProviderError, "the " + source + " did not print valid JSON"));
  }
  auto parsed = parse_credentials_json(output, source);
  if (!parsed) return failure(parsed.get_failure());
  Credentials credentials = std::move(parsed).get_result();
  credentials.source = "profile '" + profile_name + "' (credential_process)";
  return found(std::move(credentials));
}

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials) : credentials_(std::move(credentials)) {}
  Outcome<Credentials> get_credentials() override { return credentials_; }

 private:
  Credentials credentials_;
};

class DefaultCredentialsChain final : public CredentialsProvider {
 public:
  explicit DefaultCredentialsChain(CredentialsContext context) : context_(std::move(context)) {}

  Outcome<Credentials> get_credentials() override {
    std::lock_guard lock(mutex_);
    auto now = context_.clock.now();
    if (cached_ && (!cached_->expiration || now + context_.refresh_margin < *cached_->expiration)) return *cached_;
    auto resolved = resolve();
    if (resolved) {
      cached_ = resolved.get_result();
      return resolved;
    }
    // A failed refresh keeps using credentials that have not expired yet (the SDKs do the same).
    if (cached_ && cached_->expiration && now < *cached_->expiration) return *cached_;
    return resolved;
  }

 private:
  std::shared_ptr<HttpClient> http() {
    if (!http_) {
      if (context_.http) {
        http_ = context_.http;
      } else if (context_.http_backend) {
        HttpOptions options;
        options.connect_timeout = kMetadataTimeout;
        options.request_timeout = kMetadataTimeout;
        http_ = context_.http_backend.make_shared_client(options);
      }
    }
    return http_;
  }

  Outcome<Credentials> resolve() {
    HttpClientSource http_source = [this] { return http(); };
    std::vector<std::string> tried;
    auto consider = [&](ProviderAttempt attempt) -> std::optional<Outcome<Credentials>> {
      if (attempt.error) return Outcome<Credentials>(std::move(*attempt.error));
      if (attempt.credentials) return Outcome<Credentials>(std::move(*attempt.credentials));
      tried.push_back(std::move(attempt.note));
      return std::nullopt;
    };
    if (auto result = consider(credentials_from_environment(context_.environment))) return std::move(*result);
    if (auto result = consider(credentials_from_profile(context_))) return std::move(*result);
    if (auto result = consider(credentials_from_container(context_, http_source))) return std::move(*result);
    if (auto result = consider(credentials_from_imds(context_, http_source))) return std::move(*result);
    std::string message = "no AWS credentials found. Tried: ";
    for (std::size_t index = 0; index < tried.size(); ++index) {
      if (index > 0) message += "; ";
      message += tried[index];
    }
    message +=
        ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or "
        "AWS_PROFILE to a profile with credentials (e.g. after `aws configure`), or run where a container or "
        "instance role provides them";
    return credentials_error(kNoCredentials, std::move(message));
  }

  CredentialsContext context_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
  std::shared_ptr<HttpClient> http_;
};

}  // namespace

std::string Credentials::describe() const {
  std::string key_hint = access_key_id.size() > kVisibleKeyIdChars
                             ? "..." + access_key_id.substr(access_key_id.size() - kVisibleKeyIdChars)
                             : "...";
  std::string text = "access key " + key_hint + " from " + (source.empty() ? std::string("unknown source") : source);
  if (!session_token.empty()) text += " (temporary)";
  return text;
}

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &consumed) !=
      6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(copy).substr(static_cast<std::size_t>(consumed));
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  }
  int offset_seconds = 0;
  if (rest == "Z" || rest == "z" || rest.empty()) {
    offset_seconds = 0;
  } else if ((rest.front() == '+' || rest.front() == '-') && rest.size() == 6 && rest[3] == ':') {
    int offset_hours = std::stoi(std::string(rest.substr(1, 2)));
    int offset_minutes = std::stoi(std::string(rest.substr(4, 2)));
    offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (rest.front() == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::tm utc{};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  std::time_t seconds = timegm(&utc) - offset_seconds;
  return std::chrono::system_clock::from_time_t(seconds);
}

Outcome<Credentials> parse_credentials_json(std::string_view body, std::string_view source) {
  auto invalid = [&](std::string_view why) {
    return credentials_error(kProviderError,
                             "the credentials from " + std::string(source) + " are unusable: " + std::string(why));
  };
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception&) {
    return invalid("the response is not JSON");
  }
  if (!json.is_object()) return invalid("the response is not a JSON object");
  auto text = [&](const char* name) -> std::string {
    auto found = json.find(name);
    return found != json.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  if (auto code = text("Code"); !code.empty() && code != "Success") return invalid("its Code is " + code);
  Credentials credentials;
  credentials.access_key_id = text("AccessKeyId");
  credentials.secret_access_key = text("SecretAccessKey");
  credentials.session_token = text("Token");
  if (credentials.session_token.empty()) credentials.session_token = text("SessionToken");
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return invalid("AccessKeyId or SecretAccessKey is missing");
  }
  if (auto expiration = text("Expiration"); !expiration.empty()) {
    credentials.expiration = parse_iso8601(expiration);
    if (!credentials.expiration) return invalid("Expiration is not an ISO 8601 time");
  }
  credentials.source = std::string(source);
  return credentials;
}

ProviderAttempt credentials_from_environment(const Environment& environment) {
  auto key_id = environment.non_empty("AWS_ACCESS_KEY_ID");
  auto secret = environment.non_empty("AWS_SECRET_ACCESS_KEY");
  if (!key_id && !secret) return nothing("environment (AWS_ACCESS_KEY_ID is not set)");
  if (!key_id || !secret) {
    return failure(credentials_error(kPartialCredentials,
                                     std::string(key_id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                                                        : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not") +
                                         ": set both, or neither to use another source"));
  }
  Credentials credentials;
  credentials.access_key_id = *key_id;
  credentials.secret_access_key = *secret;
  credentials.session_token = environment.non_empty("AWS_SESSION_TOKEN").value_or("");
  credentials.source = "environment";
  return found(std::move(credentials));
}

ProviderAttempt credentials_from_profile(const CredentialsContext& context) {
  ConfigFilePaths paths = config_file_paths(context.environment);
  std::string name = selected_profile_name(context.environment, context.profile);
  auto profile = load_profile(context.environment, context.profile);
  if (!profile) {
    Error error = profile.get_failure();
    error.kind = ErrorKind::Credentials;
    error.code = kProfileNotFound;
    return failure(std::move(error));
  }
  std::string where = "profile '" + name + "' (" + paths.credentials + ", " + paths.config + ")";
  auto key_id = profile->get("aws_access_key_id");
  auto secret = profile->get("aws_secret_access_key");
  if (key_id && !key_id->empty() && secret && !secret->empty()) {
    Credentials credentials;
    credentials.access_key_id = *key_id;
    credentials.secret_access_key = *secret;
    credentials.session_token = profile->get("aws_session_token").value_or("");
    credentials.source = "profile '" + name + "'";
    return found(std::move(credentials));
  }
  if ((key_id && !key_id->empty()) || (secret && !secret->empty())) {
    return failure(credentials_error(kPartialCredentials, where + " has only one of aws_access_key_id and "
                                                                  "aws_secret_access_key: set both"));
  }
  if (auto command = profile->get("credential_process"); command && !command->empty()) {
    return run_credential_process(*command, name);
  }
  for (const char* unsupported : {"role_arn", "sso_session", "sso_start_url", "web_identity_token_file"}) {
    if (profile->get(unsupported)) {
      return failure(credentials_error(kUnsupportedProfile,
                                       where + " uses " + unsupported +
                                           ", which athena-runner does not support; export temporary keys instead "
                                           "(e.g. eval \"$(aws configure export-credentials --format env)\")"));
    }
  }
  return nothing(where + " has no aws_access_key_id");
}

std::shared_ptr<CredentialsProvider> make_default_credentials_chain(CredentialsContext context) {
  return std::make_shared<DefaultCredentialsChain>(std::move(context));
}

std::shared_ptr<CredentialsProvider> make_static_credentials(Credentials credentials) {
  if (credentials.source.empty()) credentials.source = "static";
  return std::make_shared<StaticCredentialsProvider>(std::move(credentials));
}

}  // namespace athena_runner::aws
