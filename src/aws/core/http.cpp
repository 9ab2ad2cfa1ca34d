// HttpRequest / HttpResponse helpers (uri_encode and uri_decode live with the signer).
#include <mutex>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/text.hpp"

namespace athena_runner::aws {
namespace {

class PooledHttpClient final : public HttpClient {
 public:
  explicit PooledHttpClient(std::function<std::unique_ptr<HttpClient>()> make_client)
      : make_client_(std::move(make_client)) {}

  Outcome<HttpResponse> send(const HttpRequest& request, const BodySink* sink) override {
    std::unique_ptr<HttpClient> client;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        client = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!client) client = make_client_();
    auto outcome = client->send(request, sink);
    {
      std::lock_guard lock(mutex_);
      if (idle_.size() < kMaxIdleHttpClients) idle_.push_back(std::move(client));
    }
    return outcome;
  }

 private:
  std::function<std::unique_ptr<HttpClient>()> make_client_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<HttpClient>> idle_;
};

std::optional<std::string> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [header_name, value] : headers) {
    if (text::iequals(header_name, name)) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string HttpRequest::url() const {
  std::string text = scheme + "://" + host;
  if (path.empty() || path.front() != '/') text += '/';
  text += path;
  char separator = '?';
  for (const auto& [name, value] : query) {
    text += separator;
    text += uri_encode(name);
    text += '=';
    text += uri_encode(value);
    separator = '&';
  }
  return text;
}

std::optional<std::string> HttpRequest::header(std::string_view name) const { return find_header(headers, name); }

void HttpRequest::set_header(std::string name, std::string value) {
  std::erase_if(headers, [&](const auto& header) { return text::iequals(header.first, name); });
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> HttpResponse::header(std::string_view name) const { return find_header(headers, name); }

std::shared_ptr<HttpClient> make_pooled_http_client(std::function<std::unique_ptr<HttpClient>()> make_client) {
  return std::make_shared<PooledHttpClient>(std::move(make_client));
}

}  // namespace athena_runner::aws
