// The server's view of one HTTP exchange, independent of the HTTP library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "athena_runner/aws/http.hpp"

namespace athena_runner::server {

struct Request {
  std::string method;
  std::string raw_path;     // as on the wire (percent-encoded), without the query
  aws::QueryList query;     // decoded, in wire order
  aws::HeaderList headers;  // names lower-cased, values as received
  std::string body;         // for aws-chunked uploads: the decoded payload once verified
  std::string request_id;

  std::optional<std::string> header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers)
      if (name == lowercase_name) return value;
    return std::nullopt;
  }
  std::optional<std::string> query_value(std::string_view name) const {
    for (const auto& [key, value] : query)
      if (key == name) return value;
    return std::nullopt;
  }
  bool has_query(std::string_view name) const { return query_value(name).has_value(); }
};

// A byte range of a file sent as the body, so large objects are never held in memory.
struct FileBody {
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct Response {
  int status = 200;
  aws::HeaderList headers;
  std::string body;
  std::optional<FileBody> file;  // when set, the body is this file range (body is ignored)
  // HEAD: headers (Content-Length included) describe the object, no body is sent.
  bool head = false;

  void set_header(std::string name, std::string value) {
    for (auto& [key, existing] : headers) {
      if (key == name) {
        existing = std::move(value);
        return;
      }
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
};

}  // namespace athena_runner::server
