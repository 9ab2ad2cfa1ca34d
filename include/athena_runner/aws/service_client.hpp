// The request pipeline every service client shares: endpoint → sign → send → classify → retry.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/aws/config.hpp"
#include "athena_runner/aws/credentials.hpp"
#include "athena_runner/aws/environment.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/retry.hpp"
#include "athena_runner/base/clock.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws {

// Query: form-encoded POST of Action=<operation>&Version=<api version>&..., XML responses (SNS).
enum class Protocol { Json11, RestXml, RestJson, Query };

struct ServiceDescriptor {
  std::string signing_name;     // "athena", "s3", "glue", "sns"
  std::string endpoint_prefix;  // "athena", "s3", "glue", "sns"
  std::string env_id;           // "ATHENA", "S3", "GLUE", "SNS" (AWS_ENDPOINT_URL_<env_id>)
  std::string config_key;       // "athena", "s3", "glue", "sns" (services section of the config file)
  Protocol protocol = Protocol::Json11;
  std::string json_target_prefix;  // "AmazonAthena", "AWSGlue" (X-Amz-Target: <prefix>.<Operation>)
  bool s3_rules = false;

  static ServiceDescriptor athena();
  static ServiceDescriptor glue();
  static ServiceDescriptor s3();
  static ServiceDescriptor sns();
};

// Everything the clients of one process share. Build it once with from_environment(), or field by
// field in tests (every part is injectable).
struct ClientContext {
  Environment environment = Environment::process();
  Profile profile;
  std::string region;
  std::shared_ptr<CredentialsProvider> credentials;
  std::shared_ptr<HttpClient> http;
  RetryConfig retry;
  std::shared_ptr<RetryQuota> retry_quota = std::make_shared<RetryQuota>();
  Clock clock = Clock::system();

  // Profile, region, retry settings, default credentials chain and a pooled HTTP client of `http_backend`
  // from the environment. `region_override`/`profile_override` win when non-empty.
  static Outcome<ClientContext> from_environment(const HttpBackend& http_backend,
                                                 std::string_view profile_override = {},
                                                 std::string_view region_override = {}, HttpOptions http_options = {});
  // The same from an injected environment (tests, or a caller with its own variables).
  static Outcome<ClientContext> from_environment_variables(Environment environment, const HttpBackend& http_backend,
                                                           std::string_view profile_override = {},
                                                           std::string_view region_override = {},
                                                           HttpOptions http_options = {});
};

class ServiceClient {
 public:
  ServiceClient(std::shared_ptr<const ClientContext> context, ServiceDescriptor service);

  // Sends a request whose host and scheme are filled in from the resolved endpoint (path is relative
  // to it), signed, with retries; non-2xx responses become a Service error parsed from the body
  // (JSON __type/message, or S3's XML <Error>). With a sink, a 2xx body is streamed to it (a retry
  // after partial delivery is not attempted).
  Outcome<HttpResponse> send(HttpRequest request, const BodySink* sink = nullptr) const;

  // JSON 1.1: POST / with X-Amz-Target "<prefix>.<operation>"; returns the response body.
  Outcome<std::string> call_json(std::string_view operation, std::string body) const;
  // Query protocol: POST / with a form-encoded body (Action, Version and the parameters, already encoded);
  // returns the XML response body.
  Outcome<std::string> call_query(std::string body) const;

  const ServiceEndpoint& endpoint() const { return endpoint_; }
  const ClientContext& context() const { return *context_; }
  const ServiceDescriptor& service() const { return service_; }
  // Endpoint resolution failure, if any (reported by every send()).
  const std::optional<Error>& endpoint_error() const { return endpoint_error_; }

 private:
  std::shared_ptr<const ClientContext> context_;
  ServiceDescriptor service_;
  ServiceEndpoint endpoint_;
  std::optional<Error> endpoint_error_;
  mutable std::atomic<long long> clock_skew_ms_{0};  // server minus local time, learned from skew errors
};

}  // namespace athena_runner::aws
