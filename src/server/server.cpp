// The HTTP front: cpp-httplib in, SigV4 verification, then routing by the credential scope's service
// (s3, or a JSON service by signing name) and X-Amz-Target.
#include "athena_runner/server/server.hpp"
#include "athena_runner/base/text.hpp"

#include <httplib.h>

#include <atomic>
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
#include "json_service.hpp"
#include "s3_service.hpp"

namespace athena_runner::server {
namespace {

constexpr std::size_t kMaxRequestBody = 5ull * 1024 * 1024 * 1024;  // S3's largest single PUT
constexpr std::size_t kFileChunk = 1 << 20;

Request to_request(const httplib::Request& http, const Random& random) {
  Request request;
  request.method = http.method;
  const std::string& target = http.target;
  auto question = target.find('?');
  request.raw_path = target.substr(0, question);
  if (question != std::string::npos) {
    std::string_view query = std::string_view(target).substr(question + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      if (!pair.empty()) {
        auto equals = pair.find('=');
        std::string name = aws::uri_decode(pair.substr(0, equals));
        std::string value = equals == std::string_view::npos ? std::string() : aws::uri_decode(pair.substr(equals + 1));
        request.query.emplace_back(std::move(name), std::move(value));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  for (const auto& [name, value] : http.headers) request.headers.emplace_back(text::lower(name), value);
  request.body = http.body;
  request.request_id = text::upper(random.hex(8));
  return request;
}

// JSON services name signature failures differently from S3.
Error to_json_auth_error(Error error) {
  static const std::map<std::string, std::pair<std::string, std::string>> kNames = {
      {auth_errors::kMalformed, {"IncompleteSignatureException", ""}},
      {auth_errors::kUnknownKey,
       {"UnrecognizedClientException", "The security token included in the request is invalid."}},
      {auth_errors::kMismatch, {"InvalidSignatureException", ""}},
      {auth_errors::kSkewed, {"InvalidSignatureException", "Signature expired: the request time is too far from now."}},
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
  httplib::Server http;
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

  Response serve(Request& request) {
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
    VerifyOptions options{config.access_key_id, config.secret_access_key, std::chrono::system_clock::now(),
                          config.max_clock_skew};
    if (auto status = verify_request(request, info, options); !status) return fail(status.get_failure(), !is_s3);
    if (config.faults.enabled()) {
      if (auto fault = injected_fault(info.service)) return fail(*fault, !is_s3);
    }
    if (is_s3) return s3->handle(request);
    return json_service->second->handle(request);
  }

  void handle(const httplib::Request& http_request, httplib::Response& http_response) {
    // cpp-httplib 0.11 would apply Range to whatever we answer; S3 ranges are served here.
    const_cast<httplib::Request&>(http_request).ranges.clear();
    Request request = to_request(http_request, config.random);
    Response response;
    try {
      response = serve(request);
    } catch (const std::exception& error) {
      Error internal = make_error(ErrorKind::Internal, "InternalError",
                                  std::string("We encountered an internal error: ") + error.what());
      internal.http_status = 500;
      response = request.header("x-amz-target") ? JsonService::error_response(internal, request)
                                                : S3Service::error_response(internal, request);
    }
    http_response.status = response.status;
    std::string content_type = "application/octet-stream";
    for (const auto& [name, value] : response.headers) {
      if (text::iequals(name, "content-type")) content_type = value;
      if (response.file && response.file->length > 0 &&
          (text::iequals(name, "content-length") || text::iequals(name, "content-type")))
        continue;
      http_response.set_header(name, value);
    }
    if (response.file && response.file->length > 0) {
      auto file = std::make_shared<FileBody>(*response.file);
      auto stream = std::make_shared<std::FILE*>(std::fopen(file->path.c_str(), "rb"));
      if (*stream == nullptr) {
        http_response.status = 500;
        return;
      }
      http_response.set_content_provider(
          static_cast<std::size_t>(file->length), content_type,
          [file, stream](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            std::string buffer(std::min(length, kFileChunk), '\0');
            if (fseeko(*stream, static_cast<off_t>(file->offset + offset), SEEK_SET) != 0) return false;
            std::size_t got = std::fread(buffer.data(), 1, buffer.size(), *stream);
            if (got == 0) return false;
            return sink.write(buffer.data(), got);
          },
          [stream](bool) {
            if (*stream != nullptr) std::fclose(*stream);
            *stream = nullptr;
          });
    } else if (!response.head) {
      http_response.body = std::move(response.body);
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
  if (auto status = write_file_atomic(probe, "ok", config.data_dir + "/.s3tmp"); !status)
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
  impl->s3 = std::make_unique<S3Service>(config.data_dir, config.random);
  impl->glue_catalog = std::make_unique<GlueCatalog>(config.data_dir);
  auto glue = std::make_unique<JsonService>("AWSGlue", "glue", "InvalidInputException");
  impl->glue_catalog->register_operations(*glue);
  impl->json_services["glue"] = std::move(glue);
  engine::LocalWorkspace workspace;
  workspace.data_dir = config.data_dir;
  workspace.default_output = kDefaultOutputLocation;
  workspace.workers = 2;
  workspace.random = config.random;
  impl->athena = std::make_unique<AthenaApi>([workspace] { return engine::open_local_query_engine(workspace); },
                                             kDefaultOutputLocation, *impl->glue_catalog, config.data_dir + "/.athena",
                                             config.data_dir + "/.s3tmp", config.random);
  if (auto opened = impl->athena->open(); !opened)
    return make_error(ErrorKind::Configuration, "EngineFailed",
                      "cannot open the local query engine: " + opened.get_failure().message);
  auto athena = std::make_unique<JsonService>("AmazonAthena", "athena", "InvalidRequestException");
  impl->athena->register_operations(*athena);
  impl->json_services["athena"] = std::move(athena);

  Impl* raw = impl.get();
  auto handler = [raw](const httplib::Request& request, httplib::Response& response) {
    raw->handle(request, response);
  };
  // [\s\S] rather than '.': a decoded path may contain a newline.
  const std::string any = R"([\s\S]*)";
  impl->http.Get(any, handler);
  impl->http.Post(any, handler);
  impl->http.Put(any, handler);
  impl->http.Delete(any, handler);
  impl->http.Patch(any, handler);
  impl->http.Options(any, handler);
  impl->http.set_payload_max_length(kMaxRequestBody);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the client's
  // delayed ACK hold every response with a body for ~40 ms.
  impl->http.set_tcp_nodelay(true);
  int threads = std::max(1, config.threads);
  impl->http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  if (config.log_requests) {
    impl->http.set_logger([](const httplib::Request& request, const httplib::Response& response) {
      // The path only: a presigned query carries a signature, and nothing secret belongs in a log.
      std::cerr << request.method << " " << request.target.substr(0, request.target.find('?')) << " " << response.status
                << "\n";
    });
  }

  int port = config.port;
  if (port == 0) {
    port = impl->http.bind_to_any_port(config.host);
    if (port < 0) port = 0;
  } else if (!impl->http.bind_to_port(config.host, port)) {
    port = 0;
  }
  if (port <= 0)
    return make_error(ErrorKind::Configuration, "BindFailed",
                      "cannot listen on " + config.host + ":" + std::to_string(config.port) +
                          " (in use, or not an address of this machine)");
  impl->port = port;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::endpoint() const {
  std::string host = impl_->config.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->port);
}

void Server::run() { impl_->http.listen_after_bind(); }

void Server::stop() {
  if (impl_) impl_->http.stop();
}

}  // namespace athena_runner::server
