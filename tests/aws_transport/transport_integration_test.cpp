// The HTTP client and the ServiceClient pipeline against real peers on loopback: scripted cpp-httplib
// servers that inject throttling, server errors, resets, clock skew and slowness, and moto_server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "athena_runner/aws/credentials.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/service_client.hpp"
#include "scripted_servers.hpp"
#include "support/moto_server.hpp"
#include "support/process.hpp"

namespace athena_runner::aws {
namespace {

using namespace std::chrono_literals;
using testing::ResettingServer;
using testing::ScriptedHttpServer;
using testing::ScriptedResponse;

constexpr double kJitter = 0.5;
// 2024-01-01T00:00:00Z
constexpr std::chrono::seconds kFixedNow{1704067200};

class TransportTest : public ::testing::Test {
 protected:
  std::vector<std::chrono::milliseconds> sleeps;

  std::shared_ptr<ClientContext> context_for(const std::string& endpoint, int max_attempts = 3,
                                             HttpOptions options = {}) {
    auto context = std::make_shared<ClientContext>();
    context->environment = Environment::from_map({{"AWS_ENDPOINT_URL", endpoint}});
    context->profile.name = "default";
    context->region = "us-east-1";
    Credentials credentials;
    credentials.access_key_id = "AKIDEXAMPLE";
    credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    credentials.source = "test";
    context->credentials = make_static_credentials(credentials);
    context->http = make_shared_curl_http_client(options);
    context->retry.max_attempts = max_attempts;
    context->clock.now = [] { return std::chrono::system_clock::time_point(kFixedNow); };
    context->clock.sleep_for = [this](std::chrono::milliseconds delay) { sleeps.push_back(delay); };
    context->clock.random_unit = [] { return kJitter; };
    return context;
  }

  // The documented backoff for the i-th failed attempt: random * min(1 s * 2^(i-1), 20 s).
  static std::chrono::milliseconds backoff(int attempt) {
    return std::chrono::milliseconds(
        static_cast<long long>(kJitter * std::min(1000.0 * (1 << (attempt - 1)), 20000.0)));
  }
};

ScriptedResponse json_error(int status, const std::string& type, const std::string& message = "") {
  ScriptedResponse response;
  response.status = status;
  response.body = nlohmann::json{{"__type", type}, {"message", message}}.dump();
  return response;
}

ScriptedResponse ok(std::string body) {
  ScriptedResponse response;
  response.body = std::move(body);
  return response;
}

void expect_signed_athena_call(const testing::RecordedRequest& request, const std::string& operation) {
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/");
  EXPECT_EQ(request.header("x-amz-target"), "AmazonAthena." + operation);
  EXPECT_EQ(request.header("content-type"), "application/x-amz-json-1.1");
  EXPECT_TRUE(request.header("authorization")
                  .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/athena/aws4_request"))
      << request.header("authorization");
  EXPECT_FALSE(request.header("x-amz-date").empty());
}

TEST_F(TransportTest, RetriesThrottlingAndServerErrorsWithBackoffThenSucceeds) {
  ScriptedResponse too_many_requests;  // 429 with no body
  too_many_requests.status = 429;
  ScriptedResponse slow_down;
  slow_down.status = 503;
  slow_down.content_type = "application/xml";
  slow_down.body = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
  ScriptedHttpServer server(
      {json_error(400, "TooManyRequestsException", "Rate exceeded"), too_many_requests, slow_down},
      ok(R"({"WorkGroups":[{"Name":"primary"}]})"));
  auto context = context_for(server.endpoint(), 4);
  ServiceClient athena(context, ServiceDescriptor::athena());

  auto body = athena.call_json("ListWorkGroups", "{}");

  ASSERT_TRUE(body) << body.get_failure().to_string();
  EXPECT_EQ(nlohmann::json::parse(*body)["WorkGroups"][0]["Name"], "primary");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (const auto& request : requests) expect_signed_athena_call(request, "ListWorkGroups");
  EXPECT_EQ(requests[0].body, "{}");
  EXPECT_EQ(sleeps, (std::vector<std::chrono::milliseconds>{backoff(1), backoff(2), backoff(3)}));
  // Three retries cost 5 tokens each; the success refunds the last one (botocore's quota).
  EXPECT_EQ(context->retry_quota->available(), 500 - 3 * 5 + 5);
}

TEST_F(TransportTest, NonRetryableErrorSurfacesAtOnceWithCodeMessageStatusAndRequestId) {
  ScriptedResponse invalid = json_error(400, "InvalidRequestException", "line 1:8: mismatched input");
  invalid.headers = {{"x-amzn-RequestId", "11111111-2222-3333-4444-555555555555"}};
  ScriptedHttpServer server({invalid}, ok("{}"));
  ServiceClient athena(context_for(server.endpoint()), ServiceDescriptor::athena());

  auto body = athena.call_json("StartQueryExecution", R"({"QueryString":"SELEC 1"})");

  ASSERT_FALSE(body);
  const Error& error = body.get_failure();
  EXPECT_EQ(error.kind, ErrorKind::Service);
  EXPECT_EQ(error.code, "InvalidRequestException");
  EXPECT_EQ(error.message, "line 1:8: mismatched input");
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.request_id, "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(error.attempts, 1);
  EXPECT_TRUE(sleeps.empty());
  ASSERT_EQ(server.requests().size(), 1u);
  expect_signed_athena_call(server.requests()[0], "StartQueryExecution");
}

TEST_F(TransportTest, ExhaustedRetriesSayHowManyAttemptsWereMade) {
  ScriptedResponse unavailable;
  unavailable.status = 503;
  unavailable.body = "";
  ScriptedHttpServer server({}, unavailable);
  ServiceClient athena(context_for(server.endpoint()), ServiceDescriptor::athena());

  auto body = athena.call_json("ListWorkGroups", "{}");

  ASSERT_FALSE(body);
  EXPECT_EQ(body.get_failure().attempts, 3);
  EXPECT_EQ(body.get_failure().code, "ServiceUnavailable");
  EXPECT_NE(body.get_failure().to_string().find("after 3 attempts"), std::string::npos)
      << body.get_failure().to_string();
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(sleeps, (std::vector<std::chrono::milliseconds>{backoff(1), backoff(2)}));
}

TEST_F(TransportTest, ConnectionResetsAreRetried) {
  ResettingServer server(2, R"({"WorkGroups":[]})");
  ServiceClient athena(context_for(server.endpoint()), ServiceDescriptor::athena());

  auto body = athena.call_json("ListWorkGroups", "{}");

  ASSERT_TRUE(body) << body.get_failure().to_string();
  EXPECT_EQ(*body, R"({"WorkGroups":[]})");
  auto heads = server.request_heads();
  ASSERT_EQ(heads.size(), 3u);
  for (const auto& head : heads) {
    EXPECT_NE(head.find("Authorization: AWS4-HMAC-SHA256 "), std::string::npos) << head;
    EXPECT_NE(head.find("X-Amz-Target: AmazonAthena.ListWorkGroups"), std::string::npos) << head;
  }
  EXPECT_EQ(sleeps, (std::vector<std::chrono::milliseconds>{backoff(1), backoff(2)}));
}

TEST_F(TransportTest, UnreachableEndpointGivesOneNetworkErrorNamingIt) {
  const int port = testing::free_loopback_port();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  ServiceClient athena(context_for(endpoint), ServiceDescriptor::athena());

  auto body = athena.call_json("ListWorkGroups", "{}");

  ASSERT_FALSE(body);
  const Error& error = body.get_failure();
  EXPECT_EQ(error.kind, ErrorKind::Network);
  EXPECT_NE(error.message.find(endpoint), std::string::npos) << error.message;
  EXPECT_EQ(error.attempts, 3);
  EXPECT_EQ(error.http_status, 0);
  EXPECT_EQ(error.message.find("AKIDEXAMPLE"), std::string::npos);
}

TEST_F(TransportTest, ClockSkewIsLearnedFromTheDateHeaderAndTheRequestReSigned) {
  ScriptedResponse skewed = json_error(400, "InvalidSignatureException", "Signature expired");
  skewed.headers = {{"Date", "Mon, 01 Jan 2024 01:00:00 GMT"}};  // an hour ahead of our clock
  ScriptedHttpServer server({skewed}, ok(R"({"WorkGroups":[]})"));
  ServiceClient athena(context_for(server.endpoint()), ServiceDescriptor::athena());

  auto body = athena.call_json("ListWorkGroups", "{}");

  ASSERT_TRUE(body) << body.get_failure().to_string();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("x-amz-date"), "20240101T000000Z");
  EXPECT_EQ(requests[1].header("x-amz-date"), "20240101T010000Z");
  EXPECT_TRUE(sleeps.empty());
  // The offset is remembered for later calls.
  ASSERT_TRUE(athena.call_json("ListWorkGroups", "{}"));
  EXPECT_EQ(server.requests().at(2).header("x-amz-date"), "20240101T010000Z");
}

TEST_F(TransportTest, SuccessfulBodiesStreamToTheSinkAndErrorBodiesAreBuffered) {
  std::string large(1 << 20, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>('a' + i % 26);
  ScriptedResponse object = ok(large);
  object.content_type = "text/csv";
  ScriptedResponse missing;
  missing.status = 404;
  missing.content_type = "application/xml";
  missing.body = "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
  ScriptedHttpServer server({object, missing}, ok(""));
  ServiceClient s3(context_for(server.endpoint()), ServiceDescriptor::s3());

  std::string streamed;
  int chunks = 0;
  BodySink sink = [&](std::string_view chunk) {
    streamed.append(chunk);
    ++chunks;
    return true;
  };
  HttpRequest get;
  get.path = "/results/query.csv";
  auto response = s3.send(get, &sink);
  ASSERT_TRUE(response) << response.get_failure().to_string();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(streamed, large);
  EXPECT_GT(chunks, 1);
  EXPECT_EQ(server.requests()[0].method, "GET");
  EXPECT_EQ(server.requests()[0].path, "/results/query.csv");
  EXPECT_TRUE(server.requests()[0].header("authorization").starts_with("AWS4-HMAC-SHA256 "));
  EXPECT_FALSE(server.requests()[0].header("x-amz-content-sha256").empty());

  streamed.clear();
  auto not_found = s3.send(get, &sink);
  ASSERT_FALSE(not_found);
  EXPECT_EQ(not_found.get_failure().code, "NoSuchKey");
  EXPECT_EQ(not_found.get_failure().http_status, 404);
  EXPECT_TRUE(streamed.empty());
}

TEST_F(TransportTest, SinkReturningFalseAbortsWithoutRetry) {
  ScriptedHttpServer server({}, ok(std::string(1 << 20, 'x')));
  ServiceClient s3(context_for(server.endpoint()), ServiceDescriptor::s3());
  BodySink stop_at_once = [](std::string_view) { return false; };
  HttpRequest get;
  get.path = "/bucket/key";

  auto response = s3.send(get, &stop_at_once);

  ASSERT_FALSE(response);
  EXPECT_EQ(response.get_failure().kind, ErrorKind::Aborted);
  EXPECT_EQ(response.get_failure().attempts, 1);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(sleeps.empty());
}

TEST_F(TransportTest, RequestTimeoutIsATimeoutErrorNamingTheHost) {
  ScriptedResponse slow = ok("{}");
  slow.delay = 1000ms;
  ScriptedHttpServer server({}, slow);
  HttpOptions options;
  options.request_timeout = 200ms;
  ServiceClient athena(context_for(server.endpoint(), 1, options), ServiceDescriptor::athena());

  const auto started = std::chrono::steady_clock::now();
  auto body = athena.call_json("ListWorkGroups", "{}");
  const auto elapsed = std::chrono::steady_clock::now() - started;

  ASSERT_FALSE(body);
  EXPECT_EQ(body.get_failure().kind, ErrorKind::Timeout);
  EXPECT_NE(body.get_failure().message.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos)
      << body.get_failure().message;
  EXPECT_LT(elapsed, 900ms);
}

TEST_F(TransportTest, CurlClientReusesItsConnection) {
  ScriptedHttpServer server({}, ok("{}"));
  auto client = make_curl_http_client(HttpOptions{});
  HttpRequest request;
  request.scheme = "http";
  request.host = "127.0.0.1:" + std::to_string(server.port());
  request.path = "/ping";
  request.query = {{"name", "a b/c"}};
  ASSERT_TRUE(client->send(request));
  auto second = client->send(request);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->header("content-type"), "application/x-amz-json-1.1");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].remote_port, requests[1].remote_port);
}

TEST_F(TransportTest, SharedClientServesManyThreadsAtOnce) {
  constexpr int kThreads = 4;
  constexpr int kRequestsPerThread = 10;
  ScriptedHttpServer server({}, ok(R"({"WorkGroups":[]})"));
  ServiceClient athena(context_for(server.endpoint()), ServiceDescriptor::athena());
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&] {
      for (int request = 0; request < kRequestsPerThread; ++request) {
        if (athena.call_json("ListWorkGroups", "{}")) ++successes;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes.load(), kThreads * kRequestsPerThread);
  EXPECT_EQ(server.requests().size(), static_cast<std::size_t>(kThreads * kRequestsPerThread));
}

// Sets an environment variable for the lifetime of the object, then restores it.
class ScopedVariable {
 public:
  ScopedVariable(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) previous_ = old;
    if (value != nullptr) {
      ::setenv(name_.c_str(), value, 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedVariable() {
    if (previous_) {
      ::setenv(name_.c_str(), previous_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

TEST_F(TransportTest, ProxyEnvironmentVariablesAreHonoured) {
  ScriptedHttpServer proxy({}, ok(R"({"via":"proxy"})"));
  ScopedVariable http_proxy("http_proxy", proxy.endpoint().c_str());
  ScopedVariable no_proxy("no_proxy", nullptr);
  ScopedVariable no_proxy_upper("NO_PROXY", nullptr);
  auto client = make_curl_http_client(HttpOptions{});
  HttpRequest request;
  request.scheme = "http";
  request.host = "athena.example.invalid";  // never resolvable: only the proxy can answer
  request.path = "/";

  auto response = client->send(request);

  ASSERT_TRUE(response) << response.get_failure().to_string();
  EXPECT_EQ(response->body, R"({"via":"proxy"})");
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].header("host"), "athena.example.invalid");
}

TEST(MotoTransportTest, ListWorkGroupsThroughServiceClient) {
  testing::MotoServer moto;
  auto context =
      ClientContext::from_environment_variables(Environment::from_map(moto.client_environment()), curl_http_backend());
  ASSERT_TRUE(context) << context.get_failure().to_string();
  ServiceClient athena(std::make_shared<ClientContext>(std::move(*context)), ServiceDescriptor::athena());
  ASSERT_FALSE(athena.endpoint_error()) << athena.endpoint_error()->to_string();
  EXPECT_EQ(athena.endpoint().host, "127.0.0.1:" + std::to_string(moto.port()));

  auto body = athena.call_json("ListWorkGroups", "{}");

  ASSERT_TRUE(body) << body.get_failure().to_string();
  auto parsed = nlohmann::json::parse(*body);
  EXPECT_TRUE(parsed.contains("WorkGroups")) << *body;

  auto primary = athena.call_json("GetWorkGroup", R"({"WorkGroup":"primary"})");
  ASSERT_TRUE(primary) << primary.get_failure().to_string();
  EXPECT_EQ(nlohmann::json::parse(*primary)["WorkGroup"]["Name"], "primary");

  // A modelled, non-retryable error from a real peer: creating a work group twice.
  const std::string create = R"({"Name":"transport-test"})";
  ASSERT_TRUE(athena.call_json("CreateWorkGroup", create));
  auto duplicate = athena.call_json("CreateWorkGroup", create);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.get_failure().kind, ErrorKind::Service);
  EXPECT_EQ(duplicate.get_failure().code, "InvalidRequestException");
  EXPECT_EQ(duplicate.get_failure().http_status, 400);
  EXPECT_FALSE(duplicate.get_failure().message.empty());
  EXPECT_EQ(duplicate.get_failure().attempts, 1);
}

}  // namespace
}  // namespace athena_runner::aws
