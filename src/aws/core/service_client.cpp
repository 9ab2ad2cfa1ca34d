// The request pipeline every service client shares: endpoint → credentials → sign → send → classify → retry.
#include "athena_runner/aws/service_client.hpp"

#include <cstdlib>

#include "athena_runner/aws/sigv4.hpp"
#include "aws_error_parsing.hpp"

namespace athena_runner::aws {
namespace {

constexpr std::string_view kJson11ContentType = "application/x-amz-json-1.1";
constexpr std::string_view kQueryContentType = "application/x-www-form-urlencoded; charset=utf-8";  // as botocore
constexpr std::string_view kContentTypeHeader = "Content-Type";
constexpr std::string_view kTargetHeader = "X-Amz-Target";
constexpr std::string_view kUserAgentHeader = "User-Agent";
constexpr std::string_view kUserAgent = "athena-runner/0.1.0";
constexpr std::string_view kDateHeader = "Date";
constexpr std::string_view kCaBundleVariable = "AWS_CA_BUNDLE";
constexpr std::string_view kCaBundleKey = "ca_bundle";
// Like aws-sdk-java-v2's ClockSkew: correct only when the server's clock is this far from ours.
constexpr std::chrono::minutes kClockSkewThreshold{4};
constexpr int kSuccessFirst = 200;
constexpr int kSuccessLast = 299;

bool is_success_status(int status) { return status >= kSuccessFirst && status <= kSuccessLast; }

std::string join_path(const std::string& base_path, const std::string& path) {
  if (path.empty()) return base_path.empty() ? "/" : base_path + "/";
  if (path.front() != '/') return base_path + "/" + path;
  return base_path + path;
}

ServiceDescriptor json_service(const std::string& name, std::string env_id, std::string target_prefix) {
  ServiceDescriptor descriptor;
  descriptor.signing_name = name;
  descriptor.endpoint_prefix = name;
  descriptor.config_key = name;
  descriptor.env_id = std::move(env_id);
  descriptor.protocol = Protocol::Json11;
  descriptor.json_target_prefix = std::move(target_prefix);
  return descriptor;
}

}  // namespace

ServiceDescriptor ServiceDescriptor::athena() { return json_service("athena", "ATHENA", "AmazonAthena"); }
ServiceDescriptor ServiceDescriptor::glue() { return json_service("glue", "GLUE", "AWSGlue"); }
ServiceDescriptor ServiceDescriptor::s3() {
  ServiceDescriptor descriptor;
  descriptor.signing_name = "s3";
  descriptor.endpoint_prefix = "s3";
  descriptor.env_id = "S3";
  descriptor.config_key = "s3";
  descriptor.protocol = Protocol::RestXml;
  descriptor.s3_rules = true;
  return descriptor;
}
ServiceDescriptor ServiceDescriptor::sns() {
  ServiceDescriptor descriptor;
  descriptor.signing_name = "sns";
  descriptor.endpoint_prefix = "sns";
  descriptor.env_id = "SNS";
  descriptor.config_key = "sns";
  descriptor.protocol = Protocol::Query;
  return descriptor;
}

Outcome<ClientContext> ClientContext::from_environment(const HttpBackend& http_backend,
                                                       std::string_view profile_override,
                                                       std::string_view region_override, HttpOptions http_options) {
  return from_environment_variables(Environment::process(), http_backend, profile_override, region_override,
                                    std::move(http_options));
}

Outcome<ClientContext> ClientContext::from_environment_variables(Environment environment,
                                                                 const HttpBackend& http_backend,
                                                                 std::string_view profile_override,
                                                                 std::string_view region_override,
                                                                 HttpOptions http_options) {
  ClientContext context;
  context.environment = std::move(environment);
  auto profile = load_profile(context.environment, profile_override);
  if (!profile) return profile.get_failure();
  context.profile = std::move(*profile);

  if (!region_override.empty()) {
    context.region = std::string(region_override);
  } else {
    auto region = resolve_region(context.environment, context.profile);
    if (!region) {
      return make_error(ErrorKind::Configuration, "NoRegion",
                        "no AWS region is configured: set AWS_REGION (or region in profile '" + context.profile.name +
                            "') or pass --region");
    }
    context.region = std::move(*region);
  }

  auto retry = load_retry_config(context.environment, context.profile);
  if (!retry) return retry.get_failure();
  context.retry = *retry;

  if (http_options.ca_bundle.empty()) {
    if (auto bundle = context.environment.non_empty(kCaBundleVariable)) {
      http_options.ca_bundle = *bundle;
    } else if (auto setting = context.profile.get(kCaBundleKey)) {
      http_options.ca_bundle = *setting;
    }
  }
  if (!http_backend)
    return make_error(ErrorKind::Internal, "NoHttpBackend", "ClientContext::from_environment needs an HTTP backend");
  context.http = http_backend.make_shared_client(http_options);

  CredentialsContext credentials_context;
  credentials_context.environment = context.environment;
  credentials_context.clock = context.clock;
  credentials_context.http = context.http;
  credentials_context.http_backend = http_backend;
  credentials_context.profile = context.profile.name;
  context.credentials = make_default_credentials_chain(std::move(credentials_context));
  return context;
}

ServiceClient::ServiceClient(std::shared_ptr<const ClientContext> context, ServiceDescriptor service)
    : context_(std::move(context)), service_(std::move(service)) {
  auto endpoint = resolve_endpoint(context_->environment, context_->profile, service_.env_id, service_.config_key,
                                   service_.endpoint_prefix, context_->region);
  if (endpoint) {
    endpoint_ = std::move(*endpoint);
  } else {
    endpoint_error_ = std::move(endpoint).get_failure();
  }
}

Outcome<HttpResponse> ServiceClient::send(HttpRequest request, const BodySink* sink) const {
  if (endpoint_error_) return *endpoint_error_;
  if (!context_->credentials) {
    return make_error(ErrorKind::Credentials, "NoCredentialsProvider",
                      "the client context has no credentials provider");
  }
  if (!context_->http) return make_error(ErrorKind::Internal, "NoHttpClient", "the client context has no HTTP client");

  request.scheme = endpoint_.scheme;
  request.host = endpoint_.host;
  request.path = join_path(endpoint_.base_path, request.path);
  if (!request.header(kUserAgentHeader)) request.set_header(std::string(kUserAgentHeader), std::string(kUserAgent));

  // Remember whether the sink has seen any bytes: a retry would hand it the body a second time.
  bool delivered_to_sink = false;
  BodySink tracking_sink;
  if (sink != nullptr) {
    tracking_sink = [&](std::string_view chunk) {
      delivered_to_sink = true;
      return (*sink)(chunk);
    };
  }

  RetryStrategy strategy(context_->retry, context_->retry_quota, context_->clock);
  int attempts = 0;
  int retry_attempt = 1;  // the strategy's attempt number: a clock-skew correction does not count
  bool skew_corrected = false;
  while (true) {
    ++attempts;
    auto credentials = context_->credentials->get_credentials();
    if (!credentials) {
      Error error = std::move(credentials).get_failure();
      error.attempts = attempts;
      return error;
    }

    HttpRequest signed_request = request;
    SigningParams params;
    params.region = context_->region;
    params.service = service_.signing_name;
    params.time = context_->clock.now() + std::chrono::milliseconds(clock_skew_ms_.load());
    params.s3_rules = service_.s3_rules;
    sign_request(signed_request, *credentials, params);

    auto sent = context_->http->send(signed_request, sink != nullptr ? &tracking_sink : nullptr);
    if (sent && is_success_status(sent->status)) {
      strategy.on_success();
      return std::move(sent).get_result();
    }

    Error error = sent ? detail::parse_service_error(*sent) : sent.get_failure();
    error.attempts = attempts;

    if (sent && !skew_corrected && is_clock_skew_error(error)) {
      if (auto date = sent->header(kDateHeader)) {
        if (auto server_seconds = detail::parse_http_date_epoch_seconds(*date)) {
          const auto server_time = std::chrono::system_clock::time_point(std::chrono::seconds(*server_seconds));
          const auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(server_time - context_->clock.now());
          const auto current = std::chrono::milliseconds(clock_skew_ms_.load());
          if (std::chrono::abs(skew - current) > kClockSkewThreshold) {
            clock_skew_ms_.store(skew.count());
            skew_corrected = true;
            continue;  // re-sign with the server's time, at once
          }
        }
      }
    }

    if (delivered_to_sink) return error;
    auto delay = strategy.retry_delay(error, retry_attempt);
    if (!delay) return error;
    ++retry_attempt;
    context_->clock.sleep_for(*delay);
  }
}

Outcome<std::string> ServiceClient::call_json(std::string_view operation, std::string body) const {
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.body = body.empty() ? std::string("{}") : std::move(body);
  request.set_header(std::string(kContentTypeHeader), std::string(kJson11ContentType));
  request.set_header(std::string(kTargetHeader), service_.json_target_prefix + "." + std::string(operation));
  auto response = send(std::move(request));
  if (!response) return std::move(response).get_failure();
  return std::move(response->body);
}

Outcome<std::string> ServiceClient::call_query(std::string body) const {
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.body = std::move(body);
  request.set_header(std::string(kContentTypeHeader), std::string(kQueryContentType));
  auto response = send(std::move(request));
  if (!response) return std::move(response).get_failure();
  return std::move(response->body);
}

}  // namespace athena_runner::aws
