// HttpClient over libcurl: one easy handle per client (its connection cache gives keep-alive), and a
// pool of them behind a mutex for the thread-safe shared client.
#include <curl/curl.h>

#include <cctype>
#include <memory>
#include <mutex>
#include <vector>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/text.hpp"

namespace athena_runner::aws {
namespace {

constexpr int kSuccessFirst = 200;
constexpr int kSuccessLast = 299;
constexpr std::string_view kStatusLinePrefix = "HTTP/";
constexpr long kStreamBufferSize = 256L * 1024;

bool is_success_status(int status) { return status >= kSuccessFirst && status <= kSuccessLast; }

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// State of one transfer, reached from curl's callbacks.
struct Transfer {
  HttpResponse response;
  const BodySink* sink = nullptr;
  bool sink_stopped = false;

  static size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with(kStatusLinePrefix)) {
      // A new response (after 100 Continue or a proxy's CONNECT): start over.
      transfer->response.headers.clear();
      auto space = line.find(' ');
      transfer->response.status =
          space == std::string_view::npos ? 0 : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
      return size * count;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      transfer->response.headers.emplace_back(std::string(text::trim(line.substr(0, colon))),
                                              std::string(text::trim(line.substr(colon + 1))));
    }
    return size * count;
  }

  static size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    std::string_view chunk(data, size * count);
    if (transfer->sink != nullptr && *transfer->sink && is_success_status(transfer->response.status)) {
      if (!(*transfer->sink)(chunk)) {
        transfer->sink_stopped = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
      }
      return chunk.size();
    }
    transfer->response.body.append(chunk);
    return chunk.size();
  }
};

bool is_tls_failure(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED: return true;
    default: return false;
  }
}

// Names the endpoint (scheme and host) only: never the path, query or a header value.
Error transport_error(CURLcode code, const char* detail, const HttpRequest& request, const HttpOptions& options,
                      CURL* handle) {
  const std::string endpoint = request.scheme + "://" + request.host;
  std::string reason = detail != nullptr && detail[0] != '\0' ? detail : curl_easy_strerror(code);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    curl_off_t connected_after = 0;
    curl_easy_getinfo(handle, CURLINFO_CONNECT_TIME_T, &connected_after);
    if (connected_after == 0) {
      return make_error(ErrorKind::Timeout, "ConnectTimeout",
                        "could not connect to " + endpoint + " within " +
                            std::to_string(options.connect_timeout.count()) + " ms (" + reason + ")");
    }
    return make_error(ErrorKind::Timeout, "RequestTimeout",
                      "no complete response from " + endpoint + " within " +
                          std::to_string(options.request_timeout.count()) + " ms (" + reason + ")");
  }
  if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY) {
    return make_error(ErrorKind::Network, "UnknownHost", "could not resolve " + endpoint + " (" + reason + ")");
  }
  if (code == CURLE_COULDNT_CONNECT) {
    return make_error(ErrorKind::Network, "ConnectionRefused",
                      "could not connect to " + endpoint + " (" + reason + ")");
  }
  if (is_tls_failure(code)) {
    return make_error(ErrorKind::Network, "TlsError", "TLS failure with " + endpoint + " (" + reason + ")");
  }
  return make_error(ErrorKind::Network, "ConnectionError",
                    "connection to " + endpoint + " failed before a complete response (" + reason + ")");
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const HttpOptions& options) : options_(options) {
    ensure_curl_initialised();
    handle_.reset(curl_easy_init());
  }

  Outcome<HttpResponse> send(const HttpRequest& request, const BodySink* sink) override {
    if (!handle_) return make_error(ErrorKind::Internal, "CurlInitFailed", "libcurl could not create a handle");
    CURL* handle = handle_.get();
    // Reset clears options set for the previous request but keeps the connection, DNS and TLS session caches.
    curl_easy_reset(handle);

    Transfer transfer;
    transfer.sink = sink;
    char error_buffer[CURL_ERROR_SIZE] = {};
    const std::string url = request.url();

    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (!options_.ca_bundle.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    // No CURLOPT_PROXY: libcurl then honours http_proxy/HTTPS_PROXY/NO_PROXY from the environment.
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    // A streamed body (a result CSV, an object) arrives in pieces of up to this size: fewer reads and sink
    // calls than curl's default 16 KiB. Other responses are small and keep the default.
    if (sink != nullptr) curl_easy_setopt(handle, CURLOPT_BUFFERSIZE, kStreamBufferSize);

    const bool sends_body =
        !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (request.method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (request.method == "GET" && !sends_body) {
      curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (sends_body) {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }

    std::unique_ptr<curl_slist, HeaderListDeleter> header_list;
    auto append = [&](const std::string& line) {
      curl_slist* extended = curl_slist_append(header_list.get(), line.c_str());
      if (extended != nullptr) {
        (void)header_list.release();
        header_list.reset(extended);
      }
    };
    for (const auto& [name, value] : request.headers) {
      std::string line = name;
      line += value.empty() ? ";" : ": ";  // "Name;" is curl's way to send an empty value
      line += value;
      append(line);
    }
    // Headers curl would add on its own and that would change what the server sees.
    if (!request.header("Expect")) append("Expect:");
    if (sends_body && !request.header("Content-Type")) append("Content-Type:");
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());

    const CURLcode code = curl_easy_perform(handle);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    if (code == CURLE_WRITE_ERROR && transfer.sink_stopped) {
      return make_error(ErrorKind::Aborted, "Aborted",
                        "the body sink stopped the transfer from " + request.scheme + "://" + request.host);
    }
    if (code != CURLE_OK) return transport_error(code, error_buffer, request, options_, handle);
    if (transfer.response.status == 0) {
      long status = 0;
      curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
      transfer.response.status = static_cast<int>(status);
    }
    return std::move(transfer.response);
  }

 private:
  HttpOptions options_;
  std::unique_ptr<CURL, CurlDeleter> handle_;
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_http_client(const HttpOptions& options) {
  return std::make_unique<CurlHttpClient>(options);
}

std::shared_ptr<HttpClient> make_shared_curl_http_client(const HttpOptions& options) {
  return make_pooled_http_client([options] { return make_curl_http_client(options); });
}

HttpBackend curl_http_backend() { return {"curl", make_curl_http_client, make_shared_curl_http_client}; }

}  // namespace athena_runner::aws
