// The HTTP layer: plain value types and an interface; libcurl and OpenSSL stay inside src/.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using QueryList = std::vector<std::pair<std::string, std::string>>;  // decoded names and values, in order

struct HttpRequest {
  std::string method = "GET";
  std::string scheme = "https";
  std::string host;        // "athena.us-east-1.amazonaws.com" or "127.0.0.1:4566" (port included if not default)
  std::string path = "/";  // as on the wire: already percent-encoded once
  QueryList query;         // decoded; encoded (RFC 3986) when sent and when signed
  HeaderList headers;      // names as given; lookups are case-insensitive
  std::string body;

  std::string url() const;  // scheme://host/path?encoded-query
  std::optional<std::string> header(std::string_view name) const;
  void set_header(std::string name, std::string value);  // replaces any header of that name
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;
  std::string body;  // empty when the body went to a sink

  std::optional<std::string> header(std::string_view name) const;
};

// Receives a response body in chunks as it arrives. Return false to abort the transfer.
using BodySink = std::function<bool(std::string_view chunk)>;

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{3100};
  std::chrono::milliseconds request_timeout{60000};  // whole request; 0 = none
  bool verify_tls = true;
  std::string ca_bundle;  // empty: the client's default (ClientContext fills it from AWS_CA_BUNDLE or the profile)
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request, no retries. A non-2xx status is a success here (the caller classifies it);
  // failures are transport errors (Network, Timeout, Aborted). With a sink, the body of a 2xx
  // response is streamed to it; error bodies are always buffered into HttpResponse::body.
  virtual Outcome<HttpResponse> send(const HttpRequest& request, const BodySink* sink = nullptr) = 0;
};

// Which HTTP client a program uses: the executable picks one and passes it in (ClientContext::from_environment,
// the credential providers, the Lambda's Runtime API loop); ar_aws_core itself links neither. The CLI and the
// server use libcurl (curl_http_backend(), target ar_http_curl); the Lambda's bootstrap uses ours over OpenSSL
// (lite_http_backend(), target ar_http_lite), which starts faster and needs less memory.
struct HttpBackend {
  std::string_view name;  // "curl", "lite"
  // One connection, one thread at a time per instance; reuses its connection.
  std::unique_ptr<HttpClient> (*make_client)(const HttpOptions& options) = nullptr;
  // Thread-safe: a pool (make_pooled_http_client) of clients of this backend.
  std::shared_ptr<HttpClient> (*make_shared_client)(const HttpOptions& options) = nullptr;
  explicit operator bool() const { return make_client != nullptr && make_shared_client != nullptr; }
};
HttpBackend curl_http_backend();
HttpBackend lite_http_backend();

// The one connection pool, for every backend: a thread-safe client whose send() borrows an idle client (or
// makes one with `make_client`, outside the pool's lock) and gives it back afterwards, keeping at most
// kMaxIdleHttpClients idle ones (each holds one kept-alive connection).
inline constexpr std::size_t kMaxIdleHttpClients = 16;
std::shared_ptr<HttpClient> make_pooled_http_client(std::function<std::unique_ptr<HttpClient>()> make_client);

// A libcurl client (target ar_http_curl); reuses connections; safe to use from one thread at a time per
// instance. Proxies: HTTPS_PROXY/http_proxy/NO_PROXY are honoured by libcurl from the environment.
std::unique_ptr<HttpClient> make_curl_http_client(const HttpOptions& options);
std::shared_ptr<HttpClient> make_shared_curl_http_client(const HttpOptions& options);

// An HTTP/1.1 client over sockets and OpenSSL (target ar_http_lite), for the Lambda: keep-alive,
// Content-Length, chunked and until-close bodies, TLS with SNI and host-name verification against
// HttpOptions::ca_bundle (else AWS_CA_BUNDLE, else OpenSSL's default paths). No proxies: a request that
// HTTPS_PROXY/http_proxy/ALL_PROXY would send through one (loopback and NO_PROXY hosts never are) fails with
// a Configuration error. One thread at a time per instance.
std::unique_ptr<HttpClient> make_lite_http_client(const HttpOptions& options);
std::shared_ptr<HttpClient> make_shared_lite_http_client(const HttpOptions& options);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved A-Z a-z 0-9 - . _ ~ kept;
// '/' kept when encode_slash is false.
std::string uri_encode(std::string_view text, bool encode_slash = true);
std::string uri_decode(std::string_view text);

}  // namespace athena_runner::aws
