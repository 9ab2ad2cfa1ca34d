// Boost.Beast (parsing) and Boost.Asio (sockets, threads) behind HttpFront. One Session per connection,
// on its own strand; the handler runs on the thread that read the request.
#include "http_front.hpp"
#include "athena_runner/base/text.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <array>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace athena_runner::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kBodyPiece = std::size_t{256} * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(60);  // waiting for the next request's header
constexpr auto kIoTimeout = std::chrono::seconds(120);   // any one read or write once a request started

std::string reason_phrase(int status) {
  auto reason = http::obsolete_reason(static_cast<http::status>(status));
  if (reason.empty()) return "Unknown";
  return std::string(reason);
}

bool status_has_no_body(int status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

// A serialized response header: status line, the service's headers (minus the ones the front owns),
// Date, Content-Length, Connection.
std::string response_head(const Response& response, std::uint64_t content_length, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  bool has_date = false;
  std::optional<std::string> declared_length;
  for (const auto& [name, value] : response.headers) {
    if (text::iequals(name, "content-length")) {
      declared_length = value;
      continue;
    }
    if (text::iequals(name, "connection") || text::iequals(name, "transfer-encoding")) continue;
    if (text::iequals(name, "date")) has_date = true;
    // Header values never carry CR or LF (a service bug must not split the response).
    std::string clean = value;
    for (char& c : clean)
      if (c == '\r' || c == '\n') c = ' ';
    out.append(name).append(": ").append(clean).append("\r\n");
  }
  if (!has_date) out.append("Date: ").append(http_date_now()).append("\r\n");
  if (!status_has_no_body(response.status)) {
    // HEAD: the length the service declared (the object's size); otherwise the body's own length.
    std::string length = response.head && declared_length ? *declared_length : std::to_string(content_length);
    out.append("Content-Length: ").append(length).append("\r\n");
  }
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  return out;
}

Response plain_error(int status, const std::string& code, const std::string& message) {
  Response response;
  response.status = status;
  response.body = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>") + code + "</Code><Message>" +
                  message + "</Message></Error>";
  response.set_header("Content-Type", "application/xml");
  return response;
}

std::string_view to_view(beast::string_view view) { return {view.data(), view.size()}; }

}  // namespace

std::string http_date_now() {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 40> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kDays.at(static_cast<std::size_t>(utc.tm_wday)), utc.tm_mday,
                kMonths.at(static_cast<std::size_t>(utc.tm_mon)), utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return buffer.data();
}

Request request_from_parts(std::string method, std::string_view target, aws::HeaderList headers) {
  Request request;
  request.method = std::move(method);
  auto question = target.find('?');
  request.raw_path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
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
  request.headers = std::move(headers);
  return request;
}

namespace {

Request request_from_header(const http::request_parser<http::buffer_body>& parser) {
  const auto& message = parser.get();
  aws::HeaderList headers;
  for (const auto& field : message) headers.emplace_back(text::lower(to_view(field.name_string())), field.value());
  return request_from_parts(std::string(to_view(message.method_string())), to_view(message.target()),
                            std::move(headers));
}

}  // namespace

struct HttpFront::Impl {
  HttpFrontOptions options;
  Prepare prepare;
  Handler handler;
  class Session;
  // Declared before io: handlers still queued when io is destroyed destroy Sessions, which unregister here.
  std::mutex sessions_mutex;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<bool> stopping{false};
  asio::io_context io;
  tcp::acceptor acceptor{io};
  int port = 0;

  void accept();
};

class HttpFront::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& front, tcp::socket socket) : front_(front), stream_(std::move(socket)) {}
  ~Session() {
    std::lock_guard lock(front_.sessions_mutex);
    front_.sessions.erase(this);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // From stop(): a connection waiting for its next request is closed now; one in a request finishes it.
  void close_if_idle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        self->stream_.cancel();
      }
    });
  }

 private:
  void read_header() {
    if (front_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(front_.options.max_header_bytes));
    parser_->body_limit(front_.options.max_body);
    idle_ = true;
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code error, std::size_t) {
                              self->idle_ = false;
                              self->on_header(error);
                            });
  }

  void on_header(beast::error_code error) {
    if (error) {
      if (error == http::error::end_of_stream || error == asio::error::operation_aborted ||
          error == beast::error::timeout || error == asio::error::connection_reset || error == asio::error::eof)
        return close();
      return reject(400, "BadRequest", "The HTTP request could not be parsed: " + error.message() + ".");
    }
    request_ = request_from_header(*parser_);
    keep_alive_ = parser_->get().keep_alive();
    sink_.reset();
    if (front_.prepare) {
      BodyPlan plan = front_.prepare(request_);
      if (plan.answer) {
        if (!parser_->is_done()) keep_alive_ = false;  // the body is not read
        return answer(std::move(*plan.answer));
      }
      sink_ = std::move(plan.sink);
    }
    const std::uint64_t limit = sink_ ? front_.options.max_body : front_.options.max_memory_body;
    parser_->body_limit(limit);
    if (auto length = parser_->content_length(); length && *length > limit)
      return reject(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.");
    auto expect = parser_->get()[http::field::expect];
    if (!parser_->is_done() && text::iequals(to_view(expect), "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(kIoTimeout);
      asio::async_write(stream_, asio::buffer(kContinue),
                        [self = shared_from_this()](beast::error_code write_error, std::size_t) {
                          if (write_error) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) {
      if (sink_) sink_->finish(request_, true);
      sink_.reset();
      return respond();
    }
    piece_.resize(kBodyPiece);
    parser_->get().body().data = piece_.data();
    parser_->get().body().size = piece_.size();
    stream_.expires_after(kIoTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code error, std::size_t) {
      if (error == http::error::need_buffer) error = {};
      if (error) {
        self->sink_.reset();  // an unfinished body is dropped (its temporary file removed)
        if (error == http::error::body_limit)
          return self->reject(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.");
        if (error == http::error::end_of_stream || error == beast::error::timeout || error == asio::error::eof)
          return self->close();
        return self->reject(400, "IncompleteBody", "The request body could not be read: " + error.message() + ".");
      }
      std::size_t got = self->piece_.size() - self->parser_->get().body().size;
      if (!self->sink_) {
        self->request_.body.append(self->piece_.data(), got);
      } else if (!self->sink_->write(std::string_view(self->piece_.data(), got))) {
        self->keep_alive_ = false;  // the rest of the body is not read
        self->sink_->finish(self->request_, false);
        self->sink_.reset();
        return self->respond();
      }
      self->read_body();
    });
  }

  void respond() { answer(front_.handler(request_)); }

  void answer(Response response) {
    if (front_.options.log_requests)
      std::cerr << request_.method << " " << request_.raw_path << " " << response.status << "\n";
    send(std::move(response));
  }

  // A request the front can not parse: answered, then the connection is closed (its framing is lost).
  void reject(int status, const std::string& code, const std::string& message) {
    keep_alive_ = false;
    Response response = plain_error(status, code, message);
    if (front_.options.log_requests) std::cerr << "- - " << status << " (" << message << ")\n";
    send(std::move(response));
  }

  void send(Response response) {
    const bool head_request = request_.method == "HEAD";
    if (front_.stopping) keep_alive_ = false;
    file_.reset();
    std::uint64_t length = response.body.size();
    if (response.file) {
      length = response.file->length;
      if (length > 0) {
        int descriptor = ::open(response.file->path.c_str(), O_RDONLY | O_CLOEXEC);
        if (descriptor < 0) {
          response = plain_error(500, "InternalError", "The object's file could not be opened.");
          length = response.body.size();
        } else {
          file_.emplace(OpenFile{descriptor, response.file->offset, length});
        }
      }
      if (file_) response.body.clear();
    }
    const bool no_body = head_request || response.head || status_has_no_body(response.status);
    head_ = response_head(response, length, keep_alive_);
    if (no_body) {
      response.body.clear();
      close_file();
    }
    body_ = std::move(response.body);
    stream_.expires_after(kIoTimeout);
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code error, std::size_t) {
      if (error) return self->close();
      self->send_file();
    });
  }

  void send_file() {
    if (!file_ || file_->remaining == 0) return finish();
    piece_.resize(kBodyPiece);
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(piece_.size(), file_->remaining));
    ssize_t got = ::pread(file_->descriptor, piece_.data(), want, static_cast<off_t>(file_->offset));
    if (got <= 0) return close();  // the file shrank under us: the client sees a short body
    file_->offset += static_cast<std::uint64_t>(got);
    file_->remaining -= static_cast<std::uint64_t>(got);
    stream_.expires_after(kIoTimeout);
    asio::async_write(stream_, asio::buffer(piece_.data(), static_cast<std::size_t>(got)),
                      [self = shared_from_this()](beast::error_code error, std::size_t) {
                        if (error) return self->close();
                        self->send_file();
                      });
  }

  void finish() {
    close_file();
    head_.clear();
    body_.clear();
    body_.shrink_to_fit();
    request_ = Request{};
    if (!keep_alive_) return close();
    read_header();
  }

  void close_file() {
    if (file_) ::close(file_->descriptor);
    file_.reset();
  }

  void close() {
    close_file();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  struct OpenFile {
    int descriptor = -1;
    std::uint64_t offset = 0;
    std::uint64_t remaining = 0;
  };

  Impl& front_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  std::unique_ptr<BodySink> sink_;
  std::vector<char> piece_;
  Request request_;
  bool keep_alive_ = true;
  bool idle_ = false;
  std::string head_;
  std::string body_;
  std::optional<OpenFile> file_;
};

void HttpFront::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
    if (error || stopping) return;  // closed by stop()
    beast::error_code ignored;
    // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
    // client's delayed ACK hold every response with a body for ~40 ms.
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<Session>(*this, std::move(socket));
    {
      std::lock_guard lock(sessions_mutex);
      sessions.emplace(session.get(), session);
    }
    session->start();
    accept();
  });
}

HttpFront::HttpFront(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpFront::~HttpFront() { stop(); }

Outcome<std::unique_ptr<HttpFront>> HttpFront::open(const HttpFrontOptions& options, Prepare prepare, Handler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->prepare = std::move(prepare);
  impl->handler = std::move(handler);
  auto failed = [&](const std::string& why) {
    return make_error(ErrorKind::Configuration, "BindFailed",
                      "cannot listen on " + options.host + ":" + std::to_string(options.port) + " (" + why + ")");
  };
  beast::error_code error;
  tcp::resolver resolver(impl->io);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port), tcp::resolver::passive, error);
  if (error || endpoints.empty()) return failed("not an address of this machine");
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  impl->acceptor.open(endpoint.protocol(), error);
  if (!error) impl->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) impl->acceptor.bind(endpoint, error);
  if (!error) impl->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return failed(error == asio::error::address_in_use ? "in use" : error.message());
  impl->port = impl->acceptor.local_endpoint().port();
  return std::unique_ptr<HttpFront>(new HttpFront(std::move(impl)));
}

int HttpFront::port() const { return impl_->port; }

void HttpFront::run() {
  if (impl_->stopping) return;
  impl_->accept();
  std::vector<std::thread> threads;
  const int count = std::max(1, impl_->options.threads);
  for (int index = 1; index < count; ++index) threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& thread : threads) thread.join();
}

void HttpFront::stop() {
  if (impl_->stopping.exchange(true)) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    std::vector<std::shared_ptr<Impl::Session>> open;
    {
      std::lock_guard lock(impl->sessions_mutex);
      for (auto& [raw, weak] : impl->sessions)
        if (auto session = weak.lock()) open.push_back(std::move(session));
    }
    for (auto& session : open) session->close_if_idle();
  });
}

Outcome<int> HttpFront::parse_for_fuzz(std::string_view bytes, const std::function<void(Request&)>& on_request,
                                       std::uint64_t max_body) {
  int parsed = 0;
  std::string_view rest = bytes;
  std::vector<char> piece(4096);
  auto failed = [](const char* code, const std::string& message) {
    return Outcome<int>(make_error(ErrorKind::Service, code, message));
  };
  while (!rest.empty()) {
    http::request_parser<http::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::size_t{64} * 1024));
    parser.body_limit(max_body);
    Request request;
    bool have_header = false;
    while (!parser.is_done()) {
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      beast::error_code error;
      const std::size_t used = parser.put(asio::buffer(rest.data(), rest.size()), error);
      rest.remove_prefix(used);
      if (parser.is_header_done() && !have_header) {
        request = request_from_header(parser);
        have_header = true;
      }
      request.body.append(piece.data(), piece.size() - parser.get().body().size);
      if (error == http::error::need_buffer) continue;
      if (error == http::error::need_more) {
        if (!rest.empty() && used > 0) continue;
        if (parser.got_some() && parser.need_eof()) {
          parser.put_eof(error);
          if (error) return failed("BadRequest", error.message());
          break;
        }
        return failed("Incomplete", "the request is incomplete");
      }
      if (error) return failed("BadRequest", error.message());
      if (used == 0 && !parser.is_done()) return failed("Incomplete", "the request is incomplete");
    }
    if (!have_header) return failed("Incomplete", "no header");
    on_request(request);
    ++parsed;
  }
  return parsed;
}

}  // namespace athena_runner::server
