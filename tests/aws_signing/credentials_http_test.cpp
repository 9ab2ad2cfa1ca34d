// Container and IMDSv2 providers against real loopback HTTP servers (cpp-httplib) on free ports,
// through the real libcurl client; and credential_process through /bin/sh. Label: integration.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "athena_runner/aws/credentials.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::aws {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// A cpp-httplib server on a free loopback port for the lifetime of the object; always stopped.
class LoopbackServer {
 public:
  explicit LoopbackServer(const std::function<void(httplib::Server&)>& routes) {
    routes(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // cpp-httplib 0.11 has no wait_until_ready().
    for (int tries = 0; tries < 2000 && !server_.is_running(); ++tries) std::this_thread::sleep_for(1ms);
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::string credentials_json(const std::string& key_id, const std::string& expiration) {
  return R"({"AccessKeyId":")" + key_id + R"(","SecretAccessKey":")" + kSecret +
         R"(","Token":"session-token","Expiration":")" + expiration + R"("})";
}

std::chrono::system_clock::time_point t0() { return std::chrono::sys_days{std::chrono::year{2030} / 1 / 1} + 12h; }

struct Context {
  TempDir home;
  std::map<std::string, std::string> variables{{"HOME", home.path()}, {"AWS_EC2_METADATA_DISABLED", "true"}};
  std::shared_ptr<std::atomic<std::chrono::system_clock::time_point>> now =
      std::make_shared<std::atomic<std::chrono::system_clock::time_point>>(t0());

  std::shared_ptr<CredentialsProvider> chain() {
    CredentialsContext context;
    context.environment = Environment::from_map(variables);
    context.clock = Clock::system();
    context.clock.now = [now = now] { return now->load(); };
    context.http_backend = curl_http_backend();  // http null: the chain makes a client of this backend
    return make_default_credentials_chain(std::move(context));
  }
};

TEST(ContainerCredentialsOverHttp, FullUriWithTokenFileAndRefresh) {
  std::mutex mutex;
  std::vector<std::string> authorizations;
  std::atomic<int> generation{0};
  LoopbackServer server([&](httplib::Server& routes) {
    routes.Get("/get-credentials", [&](const httplib::Request& request, httplib::Response& response) {
      {
        std::lock_guard lock(mutex);
        authorizations.push_back(request.get_header_value("Authorization"));
      }
      if (request.get_header_value("Authorization") != "token-from-file") {
        response.status = 401;
        return;
      }
      int current = generation.fetch_add(1);
      response.set_content(credentials_json("AKIDGEN" + std::to_string(current),
                                            current == 0 ? "2030-01-01T12:20:00Z" : "2030-01-01T18:00:00Z"),
                           "application/json");
    });
  });
  Context context;
  context.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.url() + "/get-credentials";
  context.variables["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = context.home.write("token", "token-from-file\n");
  context.variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "the file wins over this";
  auto chain = context.chain();

  auto first = chain->get_credentials();
  ASSERT_TRUE(first) << first.get_failure().to_string();
  EXPECT_EQ(first->access_key_id, "AKIDGEN0");
  EXPECT_EQ(first->secret_access_key, kSecret);
  EXPECT_EQ(first->session_token, "session-token");
  EXPECT_EQ(first->expiration, t0() + 20min);

  *context.now = t0() + 10min;  // 10 min left, margin 5 min: cached
  EXPECT_EQ(chain->get_credentials()->access_key_id, "AKIDGEN0");
  *context.now = t0() + 16min;  // 4 min left: refreshed
  EXPECT_EQ(chain->get_credentials()->access_key_id, "AKIDGEN1");
  std::lock_guard lock(mutex);
  EXPECT_EQ(authorizations, (std::vector<std::string>{"token-from-file", "token-from-file"}));
}

TEST(ContainerCredentialsOverHttp, RejectedTokenIsAnErrorWithoutTheToken) {
  LoopbackServer server([](httplib::Server& routes) {
    routes.Get("/creds", [](const httplib::Request&, httplib::Response& response) { response.status = 403; });
  });
  Context context;
  context.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.url() + "/creds";
  context.variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "very-secret-container-token";
  auto credentials = context.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.get_failure().kind, ErrorKind::Credentials);
  EXPECT_NE(credentials.get_failure().message.find("HTTP 403"), std::string::npos);
  EXPECT_EQ(credentials.get_failure().to_string().find("very-secret"), std::string::npos);
}

TEST(ContainerCredentialsOverHttp, WithoutAnHttpBackendTheProviderIsSkippedAndSaysSo) {
  std::atomic<int> requests{0};
  LoopbackServer server([&](httplib::Server& routes) {
    routes.Get("/creds", [&](const httplib::Request&, httplib::Response& response) {
      ++requests;
      response.set_content(credentials_json("AKIDCONTAINER", "2030-01-01T18:00:00Z"), "application/json");
    });
  });
  Context context;
  context.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.url() + "/creds";
  CredentialsContext without_backend;
  without_backend.environment = Environment::from_map(context.variables);
  auto credentials = make_default_credentials_chain(std::move(without_backend))->get_credentials();
  ASSERT_FALSE(credentials);
  EXPECT_NE(credentials.get_failure().message.find("no HTTP client configured"), std::string::npos)
      << credentials.get_failure().message;
  EXPECT_EQ(requests.load(), 0);
}

TEST(ImdsCredentialsOverHttp, TokenRoleAndCredentials) {
  std::atomic<int> token_requests{0};
  LoopbackServer server([&](httplib::Server& routes) {
    routes.Put("/latest/api/token", [&](const httplib::Request& request, httplib::Response& response) {
      ++token_requests;
      if (request.get_header_value("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
        response.status = 400;
        return;
      }
      response.set_content("imds-token-123", "text/plain");
    });
    auto check = [](const httplib::Request& request, httplib::Response& response) {
      if (request.get_header_value("X-aws-ec2-metadata-token") != "imds-token-123") {
        response.status = 401;
        return false;
      }
      return true;
    };
    routes.Get("/latest/meta-data/iam/security-credentials/",
               [check](const httplib::Request& request, httplib::Response& response) {
                 if (check(request, response)) response.set_content("lambda-role", "text/plain");
               });
    routes.Get("/latest/meta-data/iam/security-credentials/lambda-role",
               [check](const httplib::Request& request, httplib::Response& response) {
                 if (check(request, response)) {
                   response.set_content(credentials_json("AKIDIMDS", "2030-01-01T18:00:00Z"), "application/json");
                 }
               });
  });
  Context context;
  context.variables["AWS_EC2_METADATA_DISABLED"] = "false";
  context.variables["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = server.url();
  auto credentials = context.chain()->get_credentials();
  ASSERT_TRUE(credentials) << credentials.get_failure().to_string();
  EXPECT_EQ(credentials->access_key_id, "AKIDIMDS");
  EXPECT_EQ(credentials->expiration, t0() + 6h);
  EXPECT_EQ(token_requests.load(), 1);
}

TEST(ImdsCredentialsOverHttp, AbsentImdsIsQuickAndNotFatal) {
  Context context;
  context.variables["AWS_EC2_METADATA_DISABLED"] = "false";
  // A port that was free a moment ago: connection refused, like a laptop without IMDS (fast).
  context.variables["AWS_EC2_METADATA_SERVICE_ENDPOINT"] =
      "http://127.0.0.1:" + std::to_string(testing::free_loopback_port());
  auto start = std::chrono::steady_clock::now();
  auto credentials = context.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.get_failure().code, "NoCredentials");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(CredentialProcess, RunsTheCommandAndParsesItsJson) {
  Context context;
  std::string script = context.home.write(
      "creds.sh", "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"" +
                      std::string(kSecret) +
                      "\", \"SessionToken\": \"tok\", \"Expiration\": \"2030-01-01T13:00:00Z\"}'\n");
  context.home.write(".aws/config", "[profile proc]\ncredential_process = /bin/sh " + script + "\n");
  context.home.write(".aws/credentials", "");
  context.variables["AWS_PROFILE"] = "proc";
  auto credentials = context.chain()->get_credentials();
  ASSERT_TRUE(credentials) << credentials.get_failure().to_string();
  EXPECT_EQ(credentials->access_key_id, "AKIDPROC");
  EXPECT_EQ(credentials->session_token, "tok");
  EXPECT_EQ(credentials->expiration, t0() + 1h);
  EXPECT_NE(credentials->source.find("credential_process"), std::string::npos);
}

TEST(CredentialProcess, FailureIsAnErrorWithoutItsOutput) {
  Context context;
  context.home.write(".aws/config",
                     std::string("[default]\ncredential_process = /bin/sh -c 'echo ") + kSecret + "; exit 3'\n");
  auto credentials = context.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  EXPECT_NE(credentials.get_failure().message.find("exit status 3"), std::string::npos);
  EXPECT_EQ(credentials.get_failure().to_string().find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace athena_runner::aws
