// The HTTP layer: plain value types and an interface; libcurl stays inside src/.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "athena_runner/aws/outcome.hpp"

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
  std::string ca_bundle;  // empty: libcurl's default (ClientContext fills it from AWS_CA_BUNDLE or the profile)
  // Proxies: HTTPS_PROXY/HTTP_PROXY/NO_PROXY are honoured by libcurl from the environment.
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request, no retries. A non-2xx status is a success here (the caller classifies it);
  // failures are transport errors (Network, Timeout, Aborted). With a sink, the body of a 2xx
  // response is streamed to it; error bodies are always buffered into HttpResponse::body.
  virtual Outcome<HttpResponse> send(const HttpRequest& request, const BodySink* sink = nullptr) = 0;
};

// A libcurl client; reuses connections; safe to use from one thread at a time per instance
// (make one per thread, or use the pooled client from make_shared_http_client).
std::unique_ptr<HttpClient> make_curl_http_client(const HttpOptions& options);
// A thread-safe client backed by a pool of curl handles.
std::shared_ptr<HttpClient> make_shared_http_client(const HttpOptions& options);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved A-Z a-z 0-9 - . _ ~ kept;
// '/' kept when encode_slash is false.
std::string uri_encode(std::string_view text, bool encode_slash = true);
std::string uri_decode(std::string_view text);

}  // namespace athena_runner::aws
