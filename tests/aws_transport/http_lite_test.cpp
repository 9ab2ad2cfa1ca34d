// The Lambda's HTTP client (src/aws/http_lite) against real peers: moto_server through AthenaClient, a
// TLS server (python3's ssl module with a certificate made by the openssl CLI here), and a raw loopback
// server that answers with exact bytes (chunked bodies, resets, silence, closed keep-alive connections).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "athena_runner/aws/athena.hpp"
#include "athena_runner/aws/http.hpp"
#include "aws_clients/client_test_support.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::aws {
namespace {

using testing::ChildProcess;
using testing::TempDir;

// Sets an environment variable for one test and restores it afterwards.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) previous_ = old;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~ScopedVariable() {
    if (previous_) {
      ::setenv(name_.c_str(), previous_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

int listen_on_loopback(int backlog, int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, backlog) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto written = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (written <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

// A loopback server that reads each request (head and Content-Length body) and lets `answer` write raw
// bytes. `answer` returns false to close the connection; `reset` in the reply closes it with a TCP reset.
struct RawRequest {
  std::string head;
  std::string body;
  int connection = 0;  // 1-based index of the connection it came on
};
class RawServer {
 public:
  using Answer = std::function<bool(int fd, const RawRequest& request)>;

  explicit RawServer(Answer answer) : answer_(std::move(answer)) {
    listen_fd_ = listen_on_loopback(16, port_);
    if (listen_fd_ < 0) throw std::runtime_error("cannot listen on loopback");
    thread_ = std::thread([this] { serve(); });
  }
  ~RawServer() {
    stopping_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }
  std::vector<RawRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  static void reset(int fd) {
    linger option{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
  }

 private:
  void serve() {
    std::vector<std::thread> handlers;
    while (!stopping_) {
      pollfd entry{listen_fd_, POLLIN, 0};
      if (::poll(&entry, 1, 50) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      const int index = ++connections_;
      handlers.emplace_back([this, fd, index] { handle(fd, index); });
    }
    for (auto& handler : handlers) handler.join();
  }

  void handle(int fd, int index) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      auto head_end = buffer.find("\r\n\r\n");
      while (head_end == std::string::npos) {
        pollfd entry{fd, POLLIN, 0};
        if (stopping_) break;
        if (::poll(&entry, 1, 50) <= 0) continue;
        const auto received = ::recv(fd, chunk, sizeof chunk, 0);
        if (received <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(received));
        head_end = buffer.find("\r\n\r\n");
      }
      if (head_end == std::string::npos) break;
      RawRequest request;
      request.head = buffer.substr(0, head_end + 4);
      request.connection = index;
      buffer.erase(0, head_end + 4);
      std::size_t length = 0;
      if (auto at = request.head.find("Content-Length: "); at != std::string::npos) {
        length = std::stoul(request.head.substr(at + 16));
      }
      while (buffer.size() < length) {
        const auto received = ::recv(fd, chunk, sizeof chunk, 0);
        if (received <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(received));
      }
      request.body = buffer.substr(0, length);
      buffer.erase(0, std::min(length, buffer.size()));
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      if (!answer_(fd, request)) break;
    }
    ::close(fd);
  }

  Answer answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<RawRequest> requests_;
  std::thread thread_;
};

std::string ok_response(std::string_view body, std::string_view extra_headers = {}) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra_headers) +
         "\r\n" + std::string(body);
}

HttpRequest get(const std::string& host, std::string path = "/", std::string scheme = "http") {
  HttpRequest request;
  request.scheme = std::move(scheme);
  request.host = host;
  request.path = std::move(path);
  return request;
}

TEST(HttpLite, ContentLengthBodyAndRequestOnTheWire) {
  RawServer server([](int fd, const RawRequest&) {
    write_all(fd, ok_response("{\"ok\":true}", "Content-Type: application/json\r\n"));
    return true;
  });
  auto client = make_lite_http_client({});
  HttpRequest request = get(server.host(), "/a%20b/c");
  request.method = "POST";
  request.query = {{"x", "1 2"}, {"y", "/"}};
  request.set_header("X-Amz-Target", "AmazonAthena.GetWorkGroup");
  request.body = "{\"WorkGroup\":\"primary\"}";
  auto response = client->send(request);
  ASSERT_TRUE(response) << response.get_failure().to_string();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{\"ok\":true}");
  EXPECT_EQ(response->header("content-type").value_or(""), "application/json");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_TRUE(requests[0].head.starts_with("POST /a%20b/c?x=1%202&y=%2F HTTP/1.1\r\n")) << requests[0].head;
  EXPECT_NE(requests[0].head.find("\r\nHost: " + server.host() + "\r\n"), std::string::npos) << requests[0].head;
  EXPECT_NE(requests[0].head.find("\r\nX-Amz-Target: AmazonAthena.GetWorkGroup\r\n"), std::string::npos);
  EXPECT_NE(requests[0].head.find("\r\nContent-Length: 23\r\n"), std::string::npos);
  EXPECT_EQ(requests[0].body, "{\"WorkGroup\":\"primary\"}");
}

TEST(HttpLite, ChunkedBodyBufferedAndStreamed) {
  RawServer server([](int fd, const RawRequest&) {
    write_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the rest arrives in a later packet
    write_all(fd, "7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n");
    return true;
  });
  auto client = make_lite_http_client({});
  auto buffered = client->send(get(server.host()));
  ASSERT_TRUE(buffered) << buffered.get_failure().to_string();
  EXPECT_EQ(buffered->body, "hello, world");

  std::string streamed;
  int chunks = 0;
  BodySink sink = [&](std::string_view chunk) {
    streamed += chunk;
    ++chunks;
    return true;
  };
  auto response = client->send(get(server.host()), &sink);
  ASSERT_TRUE(response) << response.get_failure().to_string();
  EXPECT_EQ(streamed, "hello, world");
  EXPECT_TRUE(response->body.empty());
  EXPECT_GE(chunks, 2);
  EXPECT_EQ(server.connections(), 1) << "the second request reuses the connection";
}

TEST(HttpLite, ErrorBodiesAreBufferedEvenWithASink) {
  RawServer server([](int fd, const RawRequest&) {
    const std::string body = "{\"__type\":\"InvalidRequestException\"}";
    write_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return true;
  });
  std::string streamed;
  BodySink sink = [&](std::string_view chunk) {
    streamed += chunk;
    return true;
  };
  auto response = make_lite_http_client({})->send(get(server.host()), &sink);
  ASSERT_TRUE(response) << response.get_failure().to_string();
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body, "{\"__type\":\"InvalidRequestException\"}");
  EXPECT_TRUE(streamed.empty());
}

TEST(HttpLite, SinkThatStopsAbortsTheTransfer) {
  RawServer server([](int fd, const RawRequest&) {
    write_all(fd, ok_response(std::string(100000, 'x')));
    return true;
  });
  BodySink sink = [](std::string_view) { return false; };
  auto response = make_lite_http_client({})->send(get(server.host()), &sink);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().kind, ErrorKind::Aborted);
}

TEST(HttpLite, BodyUntilCloseAndNoBodyResponses) {
  RawServer server([](int fd, const RawRequest& request) {
    if (request.head.starts_with("HEAD")) {
      write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");
      return true;
    }
    if (request.head.starts_with("DELETE")) {
      write_all(fd, "HTTP/1.1 204 No Content\r\n\r\n");
      return true;
    }
    write_all(fd, "HTTP/1.1 200 OK\r\n\r\nuntil the end");
    return false;
  });
  auto client = make_lite_http_client({});
  HttpRequest head = get(server.host());
  head.method = "HEAD";
  auto headed = client->send(head);
  ASSERT_TRUE(headed) << headed.get_failure().to_string();
  EXPECT_EQ(headed->header("Content-Length").value_or(""), "42");
  HttpRequest removal = get(server.host());
  removal.method = "DELETE";
  auto removed = client->send(removal);
  ASSERT_TRUE(removed) << removed.get_failure().to_string();
  EXPECT_EQ(removed->status, 204);
  auto until_close = client->send(get(server.host()));
  ASSERT_TRUE(until_close) << until_close.get_failure().to_string();
  EXPECT_EQ(until_close->body, "until the end");
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpLite, InterimContinueIsSkipped) {
  RawServer server([](int fd, const RawRequest&) {
    write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n" + ok_response("done"));
    return true;
  });
  auto response = make_lite_http_client({})->send(get(server.host()));
  ASSERT_TRUE(response) << response.get_failure().to_string();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "done");
}

TEST(HttpLite, KeepAliveReusesOneConnection) {
  RawServer server([](int fd, const RawRequest&) {
    write_all(fd, ok_response("pong"));
    return true;
  });
  auto client = make_lite_http_client({});
  for (int call = 0; call < 5; ++call) {
    auto response = client->send(get(server.host()));
    ASSERT_TRUE(response) << response.get_failure().to_string();
    EXPECT_EQ(response->body, "pong");
  }
  EXPECT_EQ(server.connections(), 1);
  for (const auto& request : server.requests()) EXPECT_EQ(request.connection, 1);
}

TEST(HttpLite, ConnectionCloseAndServerClosedIdleConnectionsOpenANewOne) {
  std::atomic<int> answered{0};
  RawServer server([&](int fd, const RawRequest&) {
    const int index = ++answered;
    if (index == 1) {
      write_all(fd, ok_response("first", "Connection: close\r\n"));
      return false;
    }
    write_all(fd, ok_response("again"));
    return false;  // closes without saying so: the client finds out on its next request
  });
  auto client = make_lite_http_client({});
  for (int call = 0; call < 3; ++call) {
    auto response = client->send(get(server.host()));
    ASSERT_TRUE(response) << "call " << call << ": " << response.get_failure().to_string();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpLite, ResetInTheMiddleOfTheBodyIsANetworkError) {
  RawServer server([](int fd, const RawRequest&) {
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a part");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    RawServer::reset(fd);
    return false;
  });
  auto response = make_lite_http_client({})->send(get(server.host()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().kind, ErrorKind::Network);
  EXPECT_EQ(response.get_failure().code, "ConnectionError");
  EXPECT_NE(response.get_failure().message.find("http://" + server.host()), std::string::npos);
}

TEST(HttpLite, CloseBeforeAnyResponseIsANetworkError) {
  RawServer server([](int fd, const RawRequest&) {
    RawServer::reset(fd);
    return false;
  });
  auto response = make_lite_http_client({})->send(get(server.host()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().kind, ErrorKind::Network);
}

TEST(HttpLite, RefusedConnectionIsANetworkError) {
  const int port = testing::free_loopback_port();
  auto response = make_lite_http_client({})->send(get("127.0.0.1:" + std::to_string(port)));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().kind, ErrorKind::Network);
  EXPECT_EQ(response.get_failure().code, "ConnectionRefused");
}

TEST(HttpLite, SilentServerIsARequestTimeout) {
  RawServer server([](int fd, const RawRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    write_all(fd, ok_response("late"));
    return false;
  });
  HttpOptions options;
  options.request_timeout = std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  auto response = make_lite_http_client(options)->send(get(server.host()));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().kind, ErrorKind::Timeout);
  EXPECT_EQ(response.get_failure().code, "RequestTimeout");
  EXPECT_LT(took, std::chrono::milliseconds(1200));
}

TEST(HttpLite, UnansweredConnectIsAConnectTimeout) {
  // A listener whose accept queue is full: the kernel drops further SYNs, so connect() never completes.
  int port = 0;
  const int listener = listen_on_loopback(0, port);
  ASSERT_GE(listener, 0);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  HttpOptions options;
  options.connect_timeout = std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  auto response = make_lite_http_client(options)->send(get("127.0.0.1:" + std::to_string(port)));
  const auto took = std::chrono::steady_clock::now() - started;
  for (int fd : fillers) ::close(fd);
  ::close(listener);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().kind, ErrorKind::Timeout) << response.get_failure().to_string();
  EXPECT_EQ(response.get_failure().code, "ConnectTimeout");
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(HttpLite, ProxiesAreRefusedWithAClearConfigurationError) {
  ScopedVariable https_proxy("HTTPS_PROXY", "http://proxy.internal:3128");
  ScopedVariable no_proxy("NO_PROXY", "example.invalid");
  auto client = make_lite_http_client({});
  auto proxied = client->send(get("athena.us-east-1.amazonaws.com", "/", "https"));
  ASSERT_FALSE(proxied);
  EXPECT_EQ(proxied.get_failure().kind, ErrorKind::Configuration);
  EXPECT_EQ(proxied.get_failure().code, "ProxyNotSupported");
  EXPECT_NE(proxied.get_failure().message.find("does not support proxies"), std::string::npos);

  // NO_PROXY hosts and loopback peers go direct.
  auto exempt = client->send(get("host.example.invalid", "/", "https"));
  ASSERT_FALSE(exempt);
  EXPECT_EQ(exempt.get_failure().kind, ErrorKind::Network) << exempt.get_failure().to_string();
  RawServer server([](int fd, const RawRequest&) {
    write_all(fd, ok_response("direct"));
    return true;
  });
  ScopedVariable http_proxy("http_proxy", "http://proxy.internal:3128");
  auto loopback = client->send(get(server.host()));
  ASSERT_TRUE(loopback) << loopback.get_failure().to_string();
  EXPECT_EQ(loopback->body, "direct");
}

TEST(HttpLite, SharedClientServesThreadsAtOnce) {
  RawServer server([](int fd, const RawRequest& request) {
    write_all(fd, ok_response(request.head.substr(4, request.head.find(' ', 4) - 4)));
    return true;
  });
  auto client = make_shared_lite_http_client({});
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&, thread] {
      for (int call = 0; call < 5; ++call) {
        const std::string path = "/t" + std::to_string(thread) + "c" + std::to_string(call);
        auto response = client->send(get(server.host(), path));
        if (response && response->body == path) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good, 20);
  EXPECT_LE(server.connections(), 4);
}

// A TLS peer: python3's http.server wrapped by ssl, with a self-signed certificate for "localhost" only.
class TlsPeer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    cert_ = dir_->path() + "/cert.pem";
    const std::string key = dir_->path() + "/key.pem";
    auto made = testing::run_process({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                      "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert_, "-days",
                                      "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    const std::string script = dir_->write("tls_server.py", R"(import http.server, ssl, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = ("hello over tls " + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
)");
    port_ = testing::free_loopback_port();
    server_ = new ChildProcess({"python3", script, std::to_string(port_), cert_, key});
    ASSERT_TRUE(testing::wait_for_port(port_, std::chrono::seconds(10))) << "the TLS server did not start";
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  static std::string host(const std::string& name = "localhost") { return name + ":" + std::to_string(port_); }

  static TempDir* dir_;
  static ChildProcess* server_;
  static std::string cert_;
  static int port_;
};
TempDir* TlsPeer::dir_ = nullptr;
ChildProcess* TlsPeer::server_ = nullptr;
std::string TlsPeer::cert_;
int TlsPeer::port_ = 0;

TEST_F(TlsPeer, UnknownIssuerFailsVerification) {
  ScopedVariable bundle("AWS_CA_BUNDLE", nullptr);
  auto response = make_lite_http_client({})->send(get(host(), "/", "https"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().kind, ErrorKind::Network);
  EXPECT_EQ(response.get_failure().code, "TlsError");
  EXPECT_NE(response.get_failure().message.find("certificate verify failed"), std::string::npos)
      << response.get_failure().message;
}

TEST_F(TlsPeer, CaBundleOptionMakesItTrustedAndConnectionsAreReused) {
  HttpOptions options;
  options.ca_bundle = cert_;
  auto client = make_lite_http_client(options);
  for (const std::string path : {"/one", "/two"}) {
    auto response = client->send(get(host(), path, "https"));
    ASSERT_TRUE(response) << response.get_failure().to_string();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "hello over tls " + path);
  }
}

TEST_F(TlsPeer, AwsCaBundleVariableIsHonoured) {
  ScopedVariable bundle("AWS_CA_BUNDLE", cert_.c_str());
  auto response = make_lite_http_client({})->send(get(host(), "/env", "https"));
  ASSERT_TRUE(response) << response.get_failure().to_string();
  EXPECT_EQ(response->body, "hello over tls /env");
}

TEST_F(TlsPeer, WrongHostNameFails) {
  HttpOptions options;
  options.ca_bundle = cert_;
  // The certificate names localhost only; 127.0.0.1 is the same server under a name it does not carry.
  auto response = make_lite_http_client(options)->send(get(host("127.0.0.1"), "/", "https"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().code, "TlsError");
  EXPECT_NE(response.get_failure().message.find("mismatch"), std::string::npos) << response.get_failure().message;
}

TEST_F(TlsPeer, VerificationCanBeTurnedOff) {
  HttpOptions options;
  options.verify_tls = false;
  auto response = make_lite_http_client(options)->send(get(host("127.0.0.1"), "/", "https"));
  ASSERT_TRUE(response) << response.get_failure().to_string();
  EXPECT_EQ(response->status, 200);
}

TEST_F(TlsPeer, UnreadableCaBundleIsAConfigurationError) {
  HttpOptions options;
  options.ca_bundle = dir_->path() + "/missing.pem";
  auto response = make_lite_http_client(options)->send(get(host(), "/", "https"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().kind, ErrorKind::Configuration);
}

TEST(HttpLiteMoto, GetWorkGroupThroughAthenaClient) {
  testing::MotoServer moto;
  testing::boto3_call(moto, "athena", "CreateWorkGroup",
                      {{"Name", "reports"},
                       {"Description", "nightly reports"},
                       {"Configuration", {{"ResultConfiguration", {{"OutputLocation", "s3://wg-results/reports/"}}}}}});
  auto context = testing::moto_context(moto);
  context->http = make_shared_lite_http_client({});
  athena::AthenaClient client(context);
  auto work_group = client.get_work_group("reports");
  ASSERT_TRUE(work_group) << work_group.get_failure().to_string();
  EXPECT_EQ(work_group->name, "reports");
  EXPECT_EQ(work_group->description.value_or(""), "nightly reports");

  // moto answers 200 without a WorkGroup for an unknown one: whatever the outcome, it is libcurl's too.
  auto missing = client.get_work_group("nope");
  auto curl_context = std::make_shared<ClientContext>(*context);
  curl_context->http = make_shared_curl_http_client({});
  auto missing_over_curl = athena::AthenaClient(curl_context).get_work_group("nope");
  ASSERT_EQ(static_cast<bool>(missing), static_cast<bool>(missing_over_curl));
  if (!missing) {
    EXPECT_EQ(missing.get_failure().to_string(), missing_over_curl.get_failure().to_string());
  }
}

}  // namespace
}  // namespace athena_runner::aws
