// The HTTP/1.1 front of the local endpoint, on Boost.Beast and Boost.Asio (no Beast or Asio type in this
// header): accepts connections, parses each request with the exact bytes of its request line and header
// values (nothing is URL-decoded), answers `Expect: 100-continue`, keeps connections alive, reads chunked
// and Content-Length bodies, and writes each Response with `Date` and `Content-Length` (a file range is
// sent in pieces, never read whole). Every request goes to one handler, on one of `threads` threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "athena_runner/base/outcome.hpp"
#include "http_types.hpp"

namespace athena_runner::server {

// The request line and headers of one parsed request: its target as sent, its headers as sent (names
// lower-cased, values byte for byte), and the query split and decoded.
Request request_from_parts(std::string method, std::string_view target, aws::HeaderList headers);

// IMF-fixdate, as HTTP's Date header: "Wed, 02 Dec 2026 15:54:18 GMT".
std::string http_date_now();

// Where a request's body goes as it arrives, when not into Request::body: write() gets every piece
// (false: stop reading, the connection is closed after the answer), finish() once the body is whole
// (complete) or reading stopped, before the handler sees the request.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual bool write(std::string_view data) = 0;
  virtual void finish(Request& request, bool complete) = 0;
};

// Decided from the request line and headers, before the body is read: an answer now (the body is not
// read: no 100 Continue is sent, and the connection closes), or a sink for the body (none: in memory).
struct BodyPlan {
  std::optional<Response> answer;
  std::unique_ptr<BodySink> sink;
};

struct HttpFrontOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  int threads = 8;
  bool log_requests = false;  // "METHOD /path status" on stderr (never the query)
  std::uint64_t max_body = 5ull * 1024 * 1024 * 1024 + (64ull << 20);  // a body going to a BodySink (framing included)
  std::uint64_t max_memory_body = 64ull << 20;                         // a body read into Request::body
  std::size_t max_header_bytes = std::size_t{64} * 1024;
};

class HttpFront {
 public:
  using Handler = std::function<Response(Request&)>;
  using Prepare = std::function<BodyPlan(Request&)>;
  // Binds and listens; fails with a message naming the address when it cannot. prepare may be empty.
  static Outcome<std::unique_ptr<HttpFront>> open(const HttpFrontOptions& options, Prepare prepare, Handler handler);
  ~HttpFront();
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  int port() const;
  // Serves until stop(); returns once the requests in flight are answered.
  void run();
  // Safe from any thread: stops accepting, closes idle connections, lets requests in flight finish.
  void stop();

  // For the fuzz target: parses `bytes` as one or more requests the way a connection does (limits
  // included), calling `on_request` with each; returns how many parsed, or the parse error's message.
  static Outcome<int> parse_for_fuzz(std::string_view bytes, const std::function<void(Request&)>& on_request,
                                     std::uint64_t max_body = 1 << 20);

  struct Impl;

 private:
  explicit HttpFront(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace athena_runner::server
