// HttpClient over POSIX sockets and OpenSSL: HTTP/1.1 with keep-alive, Content-Length, chunked and
// read-until-close bodies, connect and whole-request timeouts. The Lambda links this instead of libcurl,
// whose Debian build loads GnuTLS, Kerberos, LDAP, SASL, libssh2 and more at every cold start.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/text.hpp"

namespace athena_runner::aws {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSuccessFirst = 200;
constexpr int kSuccessLast = 299;
constexpr int kStatusNoContent = 204;
constexpr int kStatusNotModified = 304;
constexpr int kStatusInformationalFirst = 100;
constexpr int kStatusInformationalLast = 199;
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;
constexpr std::size_t kMaxHeaderBytes = std::size_t{256} * 1024;  // a response head larger than this is refused
constexpr std::string_view kHttpsPort = "443";
constexpr std::string_view kHttpPort = "80";
constexpr std::string_view kCaBundleVariable = "AWS_CA_BUNDLE";
constexpr std::string_view kCrlf = "\r\n";

bool is_success_status(int status) { return status >= kSuccessFirst && status <= kSuccessLast; }

// A failure of one transfer; `before_response` is true while no byte of the response was read, so a
// request on a reused connection the server had already closed can be sent again on a new one.
struct Failure {
  Error error;
  bool stale_connection = false;
};

template <class T>
using Attempt = Outcome<T, Failure>;  // a transfer step's result, or why it failed and whether to send again

std::string openssl_reason() {
  std::string reason;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!reason.empty()) reason += "; ";
    reason += text;
  }
  return reason;
}

// Where the request goes: host name (no brackets), port, and whether the host is an IP literal.
struct Target {
  std::string host;
  std::string port;
  bool tls = false;
  bool ip_literal = false;
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

std::optional<Target> parse_target(const HttpRequest& request) {
  Target target;
  if (text::iequals(request.scheme, "https")) {
    target.tls = true;
  } else if (!text::iequals(request.scheme, "http")) {
    return std::nullopt;
  }
  std::string_view host = request.host;
  std::string_view port;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return std::nullopt;
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return std::nullopt;
  target.host = std::string(host);
  target.port = port.empty() ? std::string(target.tls ? kHttpsPort : kHttpPort) : std::string(port);
  in6_addr address6{};
  in_addr address4{};
  target.ip_literal = inet_pton(AF_INET, target.host.c_str(), &address4) == 1 ||
                      inet_pton(AF_INET6, target.host.c_str(), &address6) == 1;
  return target;
}

std::optional<std::string> environment_value(const char* upper, const char* lower) {
  for (const char* name : {lower, upper}) {
    if (name == nullptr) continue;
    const char* value = std::getenv(name);
    if (value != nullptr && value[0] != '\0') return std::string(value);
  }
  return std::nullopt;
}

bool is_loopback(std::string_view host) { return host == "localhost" || host.starts_with("127.") || host == "::1"; }

// True if NO_PROXY exempts the host: "*", or an entry equal to the host or a domain suffix of it.
bool no_proxy_exempts(std::string_view host) {
  auto no_proxy = environment_value("NO_PROXY", "no_proxy");
  if (!no_proxy) return false;
  std::string_view list = *no_proxy;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view entry = text::trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (entry == "*") return true;
    if (entry.starts_with('.')) entry.remove_prefix(1);
    if (entry.empty()) continue;
    if (host.size() == entry.size() && text::iequals(host, entry)) return true;
    if (host.size() > entry.size() && host[host.size() - entry.size() - 1] == '.' &&
        text::iequals(host.substr(host.size() - entry.size()), entry))
      return true;
  }
  return false;
}

// The proxy variable that would apply to this request, as libcurl reads them (http_proxy only in lower
// case), or nothing. Loopback peers (the Runtime API, local test servers) never go through a proxy.
std::optional<std::string> applicable_proxy(const Target& target) {
  if (is_loopback(target.host) || no_proxy_exempts(target.host)) return std::nullopt;
  if (target.tls) {
    if (environment_value("HTTPS_PROXY", "https_proxy")) return std::string("HTTPS_PROXY");
  } else if (environment_value(nullptr, "http_proxy")) {
    return std::string("http_proxy");
  }
  if (environment_value("ALL_PROXY", "all_proxy")) return std::string("ALL_PROXY");
  return std::nullopt;
}

// OpenSSL writes to the socket with write(), which raises SIGPIPE when the peer has gone: block it on this
// thread for one transfer and discard any it raised, so a dropped connection is an error, not a dead process.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    already_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    if (!already_pending_) {
      const timespec no_wait{};
      while (sigtimedwait(&pipe_, nullptr, &no_wait) > 0) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t previous_{};
  bool already_pending_ = false;
};

struct SslCtxDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

// The TLS settings every connection of a client shares (CA bundle loaded once).
class TlsContext {
 public:
  static Outcome<std::shared_ptr<TlsContext>> create(const HttpOptions& options) {
    auto tls = std::make_shared<TlsContext>();
    tls->context_.reset(SSL_CTX_new(TLS_client_method()));
    if (!tls->context_) {
      return make_error(ErrorKind::Internal, "TlsInitFailed",
                        "OpenSSL could not create a context: " + openssl_reason());
    }
    SSL_CTX* context = tls->context_.get();
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_mode(context, SSL_MODE_AUTO_RETRY | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (options.verify_tls) {
      std::string bundle = options.ca_bundle;
      if (bundle.empty()) {
        if (const char* from_environment = std::getenv(std::string(kCaBundleVariable).c_str()))
          bundle = from_environment;
      }
      const bool loaded = bundle.empty() ? SSL_CTX_set_default_verify_paths(context) == 1
                                         : SSL_CTX_load_verify_locations(context, bundle.c_str(), nullptr) == 1;
      if (!loaded) {
        return make_error(ErrorKind::Configuration, "CaBundleUnreadable",
                          "could not load the CA bundle " +
                              (bundle.empty() ? std::string("(OpenSSL's default)") : bundle) + ": " + openssl_reason());
      }
      SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    } else {
      SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
    }
    return tls;
  }
  SSL_CTX* get() const { return context_.get(); }

 private:
  std::unique_ptr<SSL_CTX, SslCtxDeleter> context_;
};

// One TCP (and maybe TLS) connection with a read buffer.
class Connection {
 public:
  Connection(int fd, std::string key) : fd_(fd), key_(std::move(key)) {}
  ~Connection() {
    if (ssl_) {
      SSL_set_quiet_shutdown(ssl_.get(), 1);
      ssl_.reset();
    }
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  const std::string& key() const { return key_; }
  void attach_tls(std::unique_ptr<SSL, SslDeleter> ssl) { ssl_ = std::move(ssl); }
  SSL* ssl() const { return ssl_.get(); }
  std::string& buffer() { return buffer_; }

  // True while the server has not closed an idle connection (nothing readable, or data we would not expect).
  bool looks_alive() const {
    pollfd entry{fd_, POLLIN, 0};
    const int ready = ::poll(&entry, 1, 0);
    return ready == 0;  // readable on an idle connection means EOF, a reset or junk: do not reuse
  }

 private:
  int fd_;
  std::string key_;
  std::unique_ptr<SSL, SslDeleter> ssl_;
  std::string buffer_;  // bytes read past what has been consumed
};

// One TLS context (and so one loaded CA bundle) for every connection of a pool, made at its first https request.
class SharedTls {
 public:
  explicit SharedTls(const HttpOptions& options) : options_(options) {}
  Outcome<std::shared_ptr<TlsContext>> get() {
    std::lock_guard lock(mutex_);
    if (!tls_) {
      auto created = TlsContext::create(options_);
      if (!created) return std::move(created).get_failure();
      tls_ = std::move(created).get_result();
    }
    return tls_;
  }

 private:
  HttpOptions options_;
  std::mutex mutex_;
  std::shared_ptr<TlsContext> tls_;
};

class LiteHttpClient final : public HttpClient {
 public:
  explicit LiteHttpClient(const HttpOptions& options, std::shared_ptr<SharedTls> shared_tls = nullptr)
      : options_(options), shared_tls_(std::move(shared_tls)) {}

  Outcome<HttpResponse> send(const HttpRequest& request, const BodySink* sink) override {
    auto target = parse_target(request);
    if (!target) {
      return make_error(ErrorKind::Configuration, "InvalidEndpoint",
                        "cannot send to " + request.scheme + "://" + request.host + " (not an http or https URL)");
    }
    if (auto proxy = applicable_proxy(*target)) {
      return make_error(ErrorKind::Configuration, "ProxyNotSupported",
                        *proxy + " is set for " + request.scheme + "://" + request.host +
                            ", but this build's HTTP client (the Lambda's) does not support proxies; unset it or add "
                            "the host to NO_PROXY");
    }
    if (target->tls && !tls_) {
      auto created = shared_tls_ ? shared_tls_->get() : TlsContext::create(options_);
      if (!created) return std::move(created).get_failure();
      tls_ = std::move(created).get_result();
    }
    std::optional<SigpipeBlock> sigpipe_block;
    if (target->tls) sigpipe_block.emplace();
    start_ = Clock::now();
    endpoint_ = request.scheme + "://" + request.host;
    const std::string head = request_head(request);

    // A reused connection may have been closed by the server meanwhile: then send once more on a new one.
    const bool reusing = connection_ && connection_->key() == target->key() && connection_->looks_alive();
    if (!reusing) connection_.reset();
    auto outcome = attempt(*target, request, head, sink);
    if (!outcome && reusing && outcome.get_failure().stale_connection) {
      connection_.reset();
      outcome = attempt(*target, request, head, sink);
    }
    if (!outcome) {
      connection_.reset();
      return std::move(outcome).get_failure().error;
    }
    return std::move(outcome).get_result();
  }

 private:
  static std::string request_target(const HttpRequest& request) {
    const std::string url = request.url();
    const auto scheme_end = url.find("://");
    const auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    return path_start == std::string::npos ? std::string("/") : url.substr(path_start);
  }

  static std::string request_head(const HttpRequest& request) {
    std::string head = request.method + " " + request_target(request) + " HTTP/1.1\r\n";
    if (!request.header("Host")) head += "Host: " + request.host + "\r\n";
    for (const auto& [name, value] : request.headers) {
      if (text::iequals(name, "Content-Length") || text::iequals(name, "Transfer-Encoding")) continue;
      head.append(name).append(": ").append(value).append(kCrlf);
    }
    const bool sends_body =
        !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (sends_body) head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
    head += kCrlf;
    return head;
  }

  Failure failure(ErrorKind kind, std::string code, std::string message, bool stale = false) const {
    return Failure{make_error(kind, std::move(code), std::move(message)), stale};
  }

  Failure request_timeout() const {
    return failure(ErrorKind::Timeout, "RequestTimeout",
                   "no complete response from " + endpoint_ + " within " +
                       std::to_string(options_.request_timeout.count()) + " ms");
  }

  Failure connection_error(const std::string& reason, bool stale = false) const {
    return failure(ErrorKind::Network, "ConnectionError",
                   "connection to " + endpoint_ + " failed before a complete response (" + reason + ")", stale);
  }

  // Milliseconds left of the whole request for poll(), -1 for no limit; 0 when spent.
  int remaining_ms(std::optional<Clock::time_point> extra_deadline = std::nullopt) const {
    std::optional<Clock::time_point> deadline;
    if (options_.request_timeout.count() > 0) deadline = start_ + options_.request_timeout;
    if (extra_deadline && (!deadline || *extra_deadline < *deadline)) deadline = extra_deadline;
    if (!deadline) return -1;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
  }

  // Waits until fd is ready for `events`; false on timeout.
  bool wait_for(int fd, short events, std::optional<Clock::time_point> extra_deadline = std::nullopt) const {
    for (;;) {
      const int timeout = remaining_ms(extra_deadline);
      if (timeout == 0) return false;
      pollfd entry{fd, events, 0};
      const int ready = ::poll(&entry, 1, timeout);
      if (ready > 0) return true;
      if (ready == 0) return false;
      if (errno != EINTR) return true;  // let the following read or write report the error
    }
  }

  Attempt<HttpResponse> attempt(const Target& target, const HttpRequest& request, const std::string& head,
                                const BodySink* sink) {
    const bool reused = static_cast<bool>(connection_);
    if (!connection_) {
      auto connected = connect(target);
      if (!connected) return std::move(connected).get_failure();
      connection_ = std::move(connected).get_result();
    }
    // Small requests go out in one write; bodies follow the head without a copy.
    if (request.body.size() <= kReadChunk) {
      auto sent = write_all(head + request.body, reused);
      if (!sent) return std::move(sent).get_failure();
    } else {
      auto sent = write_all(head, reused);
      if (!sent) return std::move(sent).get_failure();
      sent = write_all(request.body, false);
      if (!sent) return std::move(sent).get_failure();
    }
    return read_response(request, sink, reused);
  }

  Attempt<std::unique_ptr<Connection>> connect(const Target& target) const {
    const auto connect_deadline = Clock::now() + options_.connect_timeout;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int resolved = ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found);
    if (resolved != 0) {
      return failure(ErrorKind::Network, "UnknownHost",
                     "could not resolve " + endpoint_ + " (" + gai_strerror(resolved) + ")");
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);
    std::string last_reason = "no address";
    bool timed_out = false;
    for (const addrinfo* address = addresses.get(); address != nullptr; address = address->ai_next) {
      const int fd =
          ::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, address->ai_protocol);
      if (fd < 0) {
        last_reason = std::strerror(errno);
        continue;
      }
      auto connection = std::make_unique<Connection>(fd, target.key());
      if (::connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
          last_reason = std::strerror(errno);
          continue;
        }
        if (!wait_for(fd, POLLOUT, connect_deadline)) {
          timed_out = true;
          continue;
        }
        int socket_error = 0;
        socklen_t length = sizeof socket_error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length);
        if (socket_error != 0) {
          last_reason = std::strerror(socket_error);
          continue;
        }
      }
      const int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
      if (target.tls) {
        auto secured = handshake(*connection, target, connect_deadline);
        if (!secured) return std::move(secured).get_failure();
      }
      return connection;
    }
    if (timed_out) {
      if (remaining_ms() == 0) return request_timeout();
      return failure(
          ErrorKind::Timeout, "ConnectTimeout",
          "could not connect to " + endpoint_ + " within " + std::to_string(options_.connect_timeout.count()) + " ms");
    }
    return failure(ErrorKind::Network, "ConnectionRefused",
                   "could not connect to " + endpoint_ + " (" + last_reason + ")");
  }

  Attempt<bool> handshake(Connection& connection, const Target& target, Clock::time_point connect_deadline) const {
    ERR_clear_error();
    std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(tls_->get()));
    if (!ssl || SSL_set_fd(ssl.get(), connection.fd()) != 1) {
      return failure(ErrorKind::Internal, "TlsInitFailed",
                     "OpenSSL could not create a connection: " + openssl_reason());
    }
    if (options_.verify_tls) {
      X509_VERIFY_PARAM* parameters = SSL_get0_param(ssl.get());
      const int named = target.ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(parameters, target.host.c_str())
                                          : X509_VERIFY_PARAM_set1_host(parameters, target.host.c_str(), 0);
      if (named != 1) {
        return failure(ErrorKind::Internal, "TlsInitFailed", "OpenSSL could not set the host name to verify");
      }
      X509_VERIFY_PARAM_set_hostflags(parameters, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    if (!target.ip_literal) SSL_set_tlsext_host_name(ssl.get(), target.host.c_str());
    SSL* handle = ssl.get();
    connection.attach_tls(std::move(ssl));
    for (;;) {
      ERR_clear_error();
      const int result = SSL_connect(handle);
      if (result == 1) return true;
      const int reason = SSL_get_error(handle, result);
      if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) {
        if (!wait_for(connection.fd(), reason == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, connect_deadline)) {
          if (remaining_ms() == 0) return request_timeout();
          return failure(ErrorKind::Timeout, "ConnectTimeout",
                         "no TLS handshake with " + endpoint_ + " within " +
                             std::to_string(options_.connect_timeout.count()) + " ms");
        }
        continue;
      }
      std::string detail;
      const long verified = SSL_get_verify_result(handle);
      if (verified != X509_V_OK) {
        detail = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verified);
      } else {
        detail = openssl_reason();
        if (detail.empty())
          detail = reason == SSL_ERROR_SYSCALL ? "connection closed during the handshake" : "handshake failed";
      }
      return failure(ErrorKind::Network, "TlsError", "TLS failure with " + endpoint_ + " (" + detail + ")");
    }
  }

  Attempt<bool> write_all(std::string_view data, bool stale_possible) const {
    Connection& connection = *connection_;
    while (!data.empty()) {
      long written = 0;
      if (SSL* ssl = connection.ssl()) {
        ERR_clear_error();
        const int result = SSL_write(ssl, data.data(), static_cast<int>(std::min<std::size_t>(data.size(), INT32_MAX)));
        if (result <= 0) {
          const int reason = SSL_get_error(ssl, result);
          if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) {
            if (!wait_for(connection.fd(), reason == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT)) return request_timeout();
            continue;
          }
          return connection_error("sending failed: " + describe_ssl_failure(reason), stale_possible);
        }
        written = result;
      } else {
        written = ::send(connection.fd(), data.data(), data.size(), MSG_NOSIGNAL);
        if (written < 0) {
          if (errno == EINTR) continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!wait_for(connection.fd(), POLLOUT)) return request_timeout();
            continue;
          }
          return connection_error(std::string("sending failed: ") + std::strerror(errno), stale_possible);
        }
      }
      data.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
  }

  static std::string describe_ssl_failure(int reason) {
    if (reason == SSL_ERROR_SYSCALL) return errno != 0 ? std::strerror(errno) : "connection closed";
    if (reason == SSL_ERROR_ZERO_RETURN) return "connection closed";
    std::string detail = openssl_reason();
    return detail.empty() ? "TLS error" : detail;
  }

  // Reads more bytes into the connection's buffer. Returns the count, 0 at end of stream.
  Attempt<std::size_t> read_more(bool stale_possible) const {
    Connection& connection = *connection_;
    char chunk[kReadChunk];
    for (;;) {
      if (SSL* ssl = connection.ssl()) {
        ERR_clear_error();
        errno = 0;
        const int result = SSL_read(ssl, chunk, sizeof chunk);
        if (result > 0) {
          connection.buffer().append(chunk, static_cast<std::size_t>(result));
          return static_cast<std::size_t>(result);
        }
        const int reason = SSL_get_error(ssl, result);
        if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) {
          if (!wait_for(connection.fd(), reason == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT)) return request_timeout();
          continue;
        }
        if (reason == SSL_ERROR_ZERO_RETURN) return std::size_t{0};
        if (reason == SSL_ERROR_SYSCALL && errno == 0) return std::size_t{0};  // closed without close_notify
        if (reason == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
          return std::size_t{0};
        }
        return connection_error("receiving failed: " + describe_ssl_failure(reason), stale_possible);
      }
      const long received = ::recv(connection.fd(), chunk, sizeof chunk, 0);
      if (received > 0) {
        connection.buffer().append(chunk, static_cast<std::size_t>(received));
        return static_cast<std::size_t>(received);
      }
      if (received == 0) return std::size_t{0};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(connection.fd(), POLLIN)) return request_timeout();
        continue;
      }
      return connection_error(std::string("receiving failed: ") + std::strerror(errno), stale_possible);
    }
  }

  // Reads one line (without CRLF) from the buffer, reading more as needed.
  Attempt<std::string> read_line(bool stale_possible) const {
    std::string& buffer = connection_->buffer();
    for (;;) {
      const auto end = buffer.find(kCrlf);
      if (end != std::string::npos) {
        std::string line = buffer.substr(0, end);
        buffer.erase(0, end + kCrlf.size());
        return line;
      }
      if (buffer.size() > kMaxHeaderBytes) return connection_error("response line too long");
      auto more = read_more(stale_possible && buffer.empty());
      if (!more) return std::move(more).get_failure();
      if (more.get_result() == 0) {
        return connection_error("the connection closed before a complete response", stale_possible && buffer.empty());
      }
    }
  }

  struct BodyWriter {
    HttpResponse& response;
    const BodySink* sink;
    bool streaming;
    bool stopped = false;
    bool deliver(std::string_view chunk) {
      if (chunk.empty()) return true;
      if (streaming) {
        if (!(*sink)(chunk)) {
          stopped = true;
          return false;
        }
        return true;
      }
      response.body.append(chunk);
      return true;
    }
  };

  Attempt<HttpResponse> read_response(const HttpRequest& request, const BodySink* sink, bool reused) {
    HttpResponse response;
    bool first_line = true;
    // Status line and headers; 1xx interim responses are skipped.
    for (;;) {
      auto status_line = read_line(reused && first_line);
      if (!status_line) return std::move(status_line).get_failure();
      first_line = false;
      auto parsed = parse_status_line(status_line.get_result());
      if (!parsed) return connection_error("malformed status line from the server");
      response.status = *parsed;
      response.headers.clear();
      std::size_t head_bytes = 0;
      for (;;) {
        auto line = read_line(false);
        if (!line) return std::move(line).get_failure();
        const std::string text = std::move(line).get_result();
        if (text.empty()) break;
        head_bytes += text.size();
        if (head_bytes > kMaxHeaderBytes) return connection_error("response headers too large");
        const auto colon = text.find(':');
        if (colon == std::string::npos) continue;
        response.headers.emplace_back(std::string(text::trim(std::string_view(text).substr(0, colon))),
                                      std::string(text::trim(std::string_view(text).substr(colon + 1))));
      }
      if (response.status >= kStatusInformationalFirst && response.status <= kStatusInformationalLast) continue;
      break;
    }

    const bool streaming = sink != nullptr && *sink && is_success_status(response.status);
    BodyWriter writer{response, sink, streaming};
    bool keep_alive = true;
    if (auto connection = response.header("Connection")) {
      if (strcasestr(connection->c_str(), "close") != nullptr) keep_alive = false;
    }

    const bool no_body =
        request.method == "HEAD" || response.status == kStatusNoContent || response.status == kStatusNotModified;
    Attempt<bool> body = true;
    if (no_body) {
      // nothing to read
    } else if (auto encoding = response.header("Transfer-Encoding");
               encoding && strcasestr(encoding->c_str(), "chunked") != nullptr) {
      body = read_chunked(writer);
    } else if (auto length = response.header("Content-Length")) {
      std::uint64_t expected = 0;
      const auto [end, error] = std::from_chars(length->data(), length->data() + length->size(), expected);
      if (error != std::errc() || end != length->data() + length->size()) {
        return connection_error("malformed Content-Length from the server");
      }
      body = read_length(writer, expected);
    } else {
      body = read_until_close(writer);
      keep_alive = false;
    }
    if (writer.stopped) {
      connection_.reset();
      return Failure{make_error(ErrorKind::Aborted, "Aborted", "the body sink stopped the transfer from " + endpoint_),
                     false};
    }
    if (!body) return std::move(body).get_failure();
    if (!keep_alive || !connection_->buffer().empty()) connection_.reset();
    return response;
  }

  static std::optional<int> parse_status_line(const std::string& line) {
    if (!line.starts_with("HTTP/")) return std::nullopt;
    const auto space = line.find(' ');
    if (space == std::string::npos || line.size() < space + 4) return std::nullopt;
    int status = 0;
    const char* first = line.data() + space + 1;
    const auto [end, error] = std::from_chars(first, first + 3, status);
    if (error != std::errc() || end != first + 3) return std::nullopt;
    return status;
  }

  Attempt<bool> read_length(BodyWriter& writer, std::uint64_t expected) const {
    std::string& buffer = connection_->buffer();
    while (expected > 0) {
      if (buffer.empty()) {
        auto more = read_more(false);
        if (!more) return std::move(more).get_failure();
        if (more.get_result() == 0) return connection_error("the connection closed in the middle of the body");
      }
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(expected, buffer.size()));
      if (!writer.deliver(std::string_view(buffer).substr(0, take))) return true;
      buffer.erase(0, take);
      expected -= take;
    }
    return true;
  }

  Attempt<bool> read_chunked(BodyWriter& writer) const {
    for (;;) {
      auto size_line = read_line(false);
      if (!size_line) return std::move(size_line).get_failure();
      const std::string text = std::move(size_line).get_result();
      std::uint64_t size = 0;
      const auto end_of_size = text.find_first_of("; \t");
      const std::string_view digits = std::string_view(text).substr(0, end_of_size);
      const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
      if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
        return connection_error("malformed chunk size from the server");
      }
      if (size == 0) {
        // Trailers, up to the empty line.
        for (;;) {
          auto trailer = read_line(false);
          if (!trailer) return std::move(trailer).get_failure();
          if (trailer.get_result().empty()) return true;
        }
      }
      auto chunk = read_length(writer, size);
      if (!chunk || writer.stopped) return chunk;
      auto terminator = read_line(false);
      if (!terminator) return std::move(terminator).get_failure();
      if (!terminator.get_result().empty()) return connection_error("malformed chunk from the server");
    }
  }

  Attempt<bool> read_until_close(BodyWriter& writer) const {
    std::string& buffer = connection_->buffer();
    for (;;) {
      if (!buffer.empty()) {
        if (!writer.deliver(buffer)) return true;
        buffer.clear();
      }
      auto more = read_more(false);
      if (!more) return std::move(more).get_failure();
      if (more.get_result() == 0) return true;
    }
  }

  HttpOptions options_;
  std::shared_ptr<SharedTls> shared_tls_;
  std::shared_ptr<TlsContext> tls_;
  std::unique_ptr<Connection> connection_;
  Clock::time_point start_;
  std::string endpoint_;  // scheme://host of the current request, for messages (never a path or header)
};

}  // namespace

std::unique_ptr<HttpClient> make_lite_http_client(const HttpOptions& options) {
  return std::make_unique<LiteHttpClient>(options);
}

std::shared_ptr<HttpClient> make_shared_lite_http_client(const HttpOptions& options) {
  return make_pooled_http_client(
      [options, tls = std::make_shared<SharedTls>(options)]() -> std::unique_ptr<HttpClient> {
        return std::make_unique<LiteHttpClient>(options, tls);
      });
}

HttpBackend lite_http_backend() { return {"lite", make_lite_http_client, make_shared_lite_http_client}; }

}  // namespace athena_runner::aws
