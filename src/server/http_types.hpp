// The server's view of one HTTP exchange, independent of the HTTP library.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::server {

class TempFile;

// A request body written to a temporary file as it arrived (S3 object and part uploads), decoded
// (aws-chunked) and verified, with the digests the request asked for computed on the way.
struct SpooledBody {
  std::shared_ptr<TempFile> file;                // in the data directory's .s3tmp; removed unless committed
  std::uint64_t size = 0;                        // decoded bytes
  std::string md5_raw;                           // 16 bytes (the ETag, Content-MD5)
  std::map<std::string, std::string> checksums;  // by S3's name ("CRC32"): base64, for those the request names
};

struct Request {
  std::string method;
  std::string raw_path;     // as on the wire (percent-encoded), without the query
  aws::QueryList query;     // decoded, in wire order
  aws::HeaderList headers;  // names lower-cased, values as received
  std::string body;         // for aws-chunked uploads: the decoded payload once verified
  std::string request_id;
  // Set for a body written to a file as it arrived (body is then empty); body_error when that body
  // failed its checks (framing, chunk signatures, payload hash, disk). Either means the signature was
  // verified before the body was read.
  std::shared_ptr<SpooledBody> spooled;
  std::optional<Error> body_error;

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
