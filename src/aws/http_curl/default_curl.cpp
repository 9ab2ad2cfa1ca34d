// The build's default HTTP client is libcurl's (every executable but the Lambda's bootstrap).
#include "athena_runner/aws/http.hpp"

namespace athena_runner::aws {

std::unique_ptr<HttpClient> make_http_client(const HttpOptions& options) { return make_curl_http_client(options); }

std::shared_ptr<HttpClient> make_shared_http_client(const HttpOptions& options) {
  return make_shared_curl_http_client(options);
}

}  // namespace athena_runner::aws
