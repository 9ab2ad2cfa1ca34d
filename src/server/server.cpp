// The server behind the HTTP front (http_front.cpp, Boost.Beast): SigV4 verification, then routing by the credential
// scope's service (s3, or a JSON service by signing name) and X-Amz-Target.
#include "athena_runner/server/server.hpp"
#include "athena_runner/base/text.hpp"

#include <atomic>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "athena_runner/engine/local_query_engine.hpp"
#include "athena_service.hpp"
#include "auth.hpp"
#include "file_store.hpp"
#include "glue_service.hpp"
#include "http_front.hpp"
#include "json_service.hpp"
#include "request_body.hpp"
#include "s3_service.hpp"

namespace athena_runner::server {
namespace {

std::string amz_time(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[20];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string iso_time(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[24];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// JSON services name signature failures differently from S3.
Error to_json_auth_error(Error error) {
  static const std::map<std::string, std::pair<std::string, std::string>> kNames = {
      {auth_errors::kMalformed, {"IncompleteSignatureException", ""}},
      {auth_errors::kUnknownKey,
       {"UnrecognizedClientException", "The security token included in the request is invalid."}},
      {auth_errors::kMismatch, {"InvalidSignatureException", ""}},
      {auth_errors::kSkewed, {"InvalidSignatureException", ""}},
  };
  if (auto found = kNames.find(error.code); found != kNames.end()) {
    error.code = found->second.first;
    if (!found->second.second.empty()) error.message = found->second.second;
  }
  return error;
}

}  // namespace

struct Server::Impl {
  ServerConfig config;
  std::unique_ptr<HttpFront> http;
  int port = 0;
  std::unique_ptr<S3Service> s3;
  std::unique_ptr<GlueCatalog> glue_catalog;
  std::map<std::string, std::unique_ptr<JsonService>> json_services;  // by signing name
  std::unique_ptr<AthenaApi> athena;

  std::optional<Random> fault_random;  // faults.seed, or the server's Random

  // The configured latency, then maybe a throttling or internal error in the service's own words.
  std::optional<Error> injected_fault(const std::string& service) {
    if (config.faults.latency.count() > 0) std::this_thread::sleep_for(config.faults.latency);
    const double throttle_draw = fault_random->unit();
    const double error_draw = fault_random->unit();
    const bool is_s3 = service == "s3";
    if (throttle_draw < config.faults.throttle_rate) {
      return is_s3 ? s3_error("SlowDown", "Please reduce your request rate.", 503)
                   : json_error("ThrottlingException", "Rate exceeded", 400);
    }
    if (error_draw < config.faults.error_rate) {
      if (is_s3) return s3_error("InternalError", "We encountered an internal error. Please try again.", 500);
      return json_error(service == "glue" ? "InternalServiceException" : "InternalServerException",
                        "An internal error occurred (injected by --fault-error-rate).", 500);
    }
    return std::nullopt;
  }

  // RequestTimeTooSkewed with the server's time, as S3 and the JSON services say it, so SDKs that correct
  // their clock (the response's Date header, S3's ServerTime) can retry.
  static Response skewed(const Request& request, const SignatureInfo& info, const VerifyOptions& options, bool is_s3) {
    const auto now = options.now;
    if (is_s3) {
      Error error = make_error(ErrorKind::Service, auth_errors::kSkewed,
                               "The difference between the request time and the current time is too large.");
      error.http_status = 403;
      const auto allowed = std::chrono::duration_cast<std::chrono::milliseconds>(options.max_clock_skew).count();
      std::string extra = "<RequestTime>" + xml_escape(info.amz_date) + "</RequestTime><ServerTime>" + iso_time(now) +
                          "</ServerTime><MaxAllowedSkewMilliseconds>" + std::to_string(allowed) +
                          "</MaxAllowedSkewMilliseconds>";
      return S3Service::error_response(error, request, extra);
    }
    const std::string minutes =
        std::to_string(std::chrono::duration_cast<std::chrono::minutes>(options.max_clock_skew).count());
    std::string message;
    if (info.amz_date < amz_time(now)) {
      message = "Signature expired: " + info.amz_date + " is now earlier than " +
                amz_time(now - options.max_clock_skew) + " (" + amz_time(now) + " - " + minutes + " min.)";
    } else {
      message = "Signature not yet current: " + info.amz_date + " is still later than " +
                amz_time(now + options.max_clock_skew) + " (" + amz_time(now) + " + " + minutes + " min.)";
    }
    return JsonService::error_response(json_error("InvalidSignatureException", message, 403), request);
  }

  VerifyOptions verify_options() const {
    return VerifyOptions{config.access_key_id, config.secret_access_key, std::chrono::system_clock::now(),
                         config.max_clock_skew};
  }

  // Before the body is read: S3 uploads are verified from their header (x-amz-content-sha256 or a
  // presigned query) and their body goes to a temporary file; anything else is read into memory and
  // served by serve(). A request refused now is answered without reading its body.
  BodyPlan prepare(Request& request) {
    if (request.header("x-amz-target") || !S3Service::streams_body(request)) return {};
    request.request_id = text::upper(config.random.hex(8));
    auto signature = read_signature(request);
    if (!signature || !*signature || (**signature).service != "s3") return {handle(request), nullptr};
    const SignatureInfo& info = **signature;
    const VerifyOptions options = verify_options();
    if (auto status = verify_signature_only(request, info, options); !status) {
      if (status.get_failure().code == auth_errors::kSkewed) return {skewed(request, info, options, true), nullptr};
      return {S3Service::error_response(status.get_failure(), request), nullptr};
    }
    auto sink = make_spool_sink(s3->temp_dir(), request, chunked_context(request, info, options));
    if (!sink) {
      Error internal = sink.get_failure();
      internal.http_status = 500;
      internal.code = "InternalError";
      return {S3Service::error_response(internal, request), nullptr};
    }
    return {std::nullopt, std::move(*sink)};
  }

  Response serve(Request& request) {
    if (request.spooled || request.body_error) {
      // Verified by prepare() before the body was read; the body's own checks are in body_error.
      if (request.body_error) return S3Service::error_response(*request.body_error, request);
      if (config.faults.enabled()) {
        if (auto fault = injected_fault("s3")) return S3Service::error_response(*fault, request);
      }
      return s3->handle(request);
    }
    auto signature = read_signature(request);
    const bool json_shaped = request.header("x-amz-target").has_value();
    auto fail = [&](const Error& error, bool json) {
      return json ? JsonService::error_response(to_json_auth_error(error), request)
                  : S3Service::error_response(error, request);
    };
    if (!signature) {
      if (json_shaped)
        return JsonService::error_response(
            json_error("MissingAuthenticationTokenException", "Missing Authentication Token", 403), request);
      return S3Service::error_response(
          s3_error("AccessDenied", "Access Denied: this endpoint requires SigV4-signed requests.", 403), request);
    }
    if (!*signature) return fail(signature->get_failure(), json_shaped);
    const SignatureInfo& info = **signature;
    const bool is_s3 = info.service == "s3";
    auto json_service = json_services.find(info.service);
    if (!is_s3 && json_service == json_services.end()) {
      std::string known = "s3";
      for (const auto& [name, service] : json_services) known += ", " + name;
      return fail(
          json_error("UnknownServiceException",
                     "This endpoint serves " + known + "; the credential scope names '" + info.service + "'.", 400),
          json_shaped);
    }
    const VerifyOptions options = verify_options();
    if (auto status = verify_request(request, info, options); !status) {
      if (status.get_failure().code == auth_errors::kSkewed) return skewed(request, info, options, is_s3);
      return fail(status.get_failure(), !is_s3);
    }
    if (config.faults.enabled()) {
      if (auto fault = injected_fault(info.service)) return fail(*fault, !is_s3);
    }
    if (is_s3) return s3->handle(request);
    return json_service->second->handle(request);
  }

  Response handle(Request& request) {
    if (request.request_id.empty()) request.request_id = text::upper(config.random.hex(8));
    try {
      return serve(request);
    } catch (const std::exception& error) {
      Error internal = make_error(ErrorKind::Internal, "InternalError",
                                  std::string("We encountered an internal error: ") + error.what());
      internal.http_status = 500;
      return request.header("x-amz-target") ? JsonService::error_response(internal, request)
                                            : S3Service::error_response(internal, request);
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { stop(); }

Outcome<std::unique_ptr<Server>> Server::open(const ServerConfig& config) {
  if (config.data_dir.empty())
    return make_error(ErrorKind::Configuration, "InvalidDataDir", "the data directory is not set");
  if (config.access_key_id.empty() || config.secret_access_key.empty())
    return make_error(ErrorKind::Configuration, "InvalidCredentials",
                      "the access key id and secret access key must not be empty");
  std::error_code error;
  std::filesystem::create_directories(config.data_dir, error);
  if (error || !std::filesystem::is_directory(config.data_dir))
    return make_error(ErrorKind::Configuration, "InvalidDataDir",
                      "cannot create the data directory '" + config.data_dir + "': " + error.message());
  std::string probe = config.data_dir + "/.s3tmp/.probe";
  if (auto status = write_file_atomic(probe, "ok"); !status)
    return make_error(ErrorKind::Configuration, "InvalidDataDir",
                      "the data directory '" + config.data_dir + "' is not writable: " + status.get_failure().message);
  std::filesystem::remove(probe, error);

  if (config.faults.throttle_rate < 0 || config.faults.throttle_rate > 1 || config.faults.error_rate < 0 ||
      config.faults.error_rate > 1 || config.faults.latency.count() < 0)
    return make_error(ErrorKind::Configuration, "InvalidFaults",
                      "fault rates must be between 0 and 1, and the latency not negative");
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->fault_random.emplace(config.faults.seed != 0 ? Random::seeded(config.faults.seed) : config.random);
  impl->s3 = std::make_unique<S3Service>(config.data_dir, config.random, files::AtomicWrite{config.fsync_objects});
  impl->glue_catalog = std::make_unique<GlueCatalog>(config.data_dir);
  auto glue = std::make_unique<JsonService>("AWSGlue", "glue", "InvalidInputException");
  impl->glue_catalog->register_operations(*glue);
  impl->json_services["glue"] = std::move(glue);
  engine::LocalWorkspace workspace;
  workspace.data_dir = config.data_dir;
  workspace.default_output = kDefaultOutputLocation;
  workspace.workers = 2;
  workspace.random = config.random;
  if (config.hold_running.count() < 0)
    return make_error(ErrorKind::Configuration, "InvalidHoldRunning", "--hold-running must not be negative");
  const auto hold = config.hold_running;
  auto open_engine = [workspace, hold]() -> Outcome<std::unique_ptr<runner::QueryEngine>> {
    auto opened = engine::open_local_query_engine(workspace);
    if (!opened) return opened;
    return hold_running(std::move(opened).get_result(), hold);
  };
  impl->athena = std::make_unique<AthenaApi>(open_engine, kDefaultOutputLocation, *impl->glue_catalog,
                                             config.data_dir + "/.athena", config.random);
  if (auto opened = impl->athena->open(); !opened)
    return make_error(ErrorKind::Configuration, "EngineFailed",
                      "cannot open the local query engine: " + opened.get_failure().message);
  if (config.events.enabled()) {
    aws::Credentials signer;
    signer.access_key_id = config.access_key_id;
    signer.secret_access_key = config.secret_access_key;
    if (auto sending = impl->athena->send_state_changes(config.events, signer, std::cerr); !sending)
      return std::move(sending).get_failure();
  }
  auto athena = std::make_unique<JsonService>("AmazonAthena", "athena", "InvalidRequestException");
  impl->athena->register_operations(*athena);
  impl->json_services["athena"] = std::move(athena);

  Impl* raw = impl.get();
  HttpFrontOptions front;
  front.host = config.host;
  front.port = config.port;
  front.threads = std::max(1, config.threads);
  front.log_requests = config.log_requests;
  auto http = HttpFront::open(
      front, [raw](Request& request) { return raw->prepare(request); },
      [raw](Request& request) { return raw->handle(request); });
  if (!http) return std::move(http).get_failure();
  impl->http = std::move(*http);
  impl->port = impl->http->port();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::endpoint() const {
  std::string host = impl_->config.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->port);
}

void Server::run() { impl_->http->run(); }

void Server::stop() {
  if (impl_ && impl_->http) impl_->http->stop();
}

}  // namespace athena_runner::server
