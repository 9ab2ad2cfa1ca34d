// HttpRequest / HttpResponse helpers (uri_encode and uri_decode live with the signer).
#include <strings.h>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/text.hpp"

namespace athena_runner::aws {
namespace {

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

}  // namespace athena_runner::aws
