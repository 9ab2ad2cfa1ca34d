// The default credentials chain with a scripted in-process HttpClient (no network): order, errors,
// caching and refresh with an injected clock, and that no secret reaches a message.
#include "athena_runner/aws/credentials.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "athena_runner/aws/http.hpp"
#include "credentials_providers.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::aws {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kToken[] = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

class ScriptedHttp final : public HttpClient {
 public:
  using Handler = std::function<Outcome<HttpResponse>(const HttpRequest&)>;
  explicit ScriptedHttp(Handler handler) : handler_(std::move(handler)) {}

  Outcome<HttpResponse> send(const HttpRequest& request, const BodySink* /*sink*/) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    return handler_(request);
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  void set_handler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }

 private:
  std::mutex mutex_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

HttpResponse response(int status, std::string body) {
  HttpResponse result;
  result.status = status;
  result.body = std::move(body);
  return result;
}

std::optional<std::string> header_of(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (std::equal(key.begin(), key.end(), name.begin(), name.end(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return std::nullopt;
}

std::chrono::system_clock::time_point t0() { return std::chrono::sys_days{std::chrono::year{2030} / 1 / 1} + 12h; }

// A clock whose 'now' the test moves.
struct ManualClock {
  std::shared_ptr<std::atomic<std::chrono::system_clock::time_point>> now =
      std::make_shared<std::atomic<std::chrono::system_clock::time_point>>(t0());
  Clock clock() const {
    Clock result = Clock::system();
    result.now = [now = now] { return now->load(); };
    return result;
  }
};

struct Fixture {
  TempDir home;
  std::map<std::string, std::string> variables{{"HOME", home.path()}, {"AWS_EC2_METADATA_DISABLED", "true"}};
  std::shared_ptr<ScriptedHttp> http = std::make_shared<ScriptedHttp>(
      [](const HttpRequest&) -> Outcome<HttpResponse> { return make_error(ErrorKind::Network, "", "refused"); });
  ManualClock clock;

  std::shared_ptr<CredentialsProvider> chain() {
    CredentialsContext context;
    context.environment = Environment::from_map(variables);
    context.http = http;
    context.clock = clock.clock();
    return make_default_credentials_chain(std::move(context));
  }
};

void expect_no_secret(const std::string& text) {
  EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
  EXPECT_EQ(text.find(kToken), std::string::npos) << text;
}

TEST(Credentials, DescribeShowsOnlyTheLastFourCharactersAndTheSource) {
  Credentials credentials{"AKIAIOSFODNN7EXAMPLE", kSecret, kToken, std::nullopt, "environment"};
  std::string text = credentials.describe();
  EXPECT_NE(text.find("MPLE"), std::string::npos);
  EXPECT_NE(text.find("environment"), std::string::npos);
  EXPECT_EQ(text.find("AKIAIOSFODNN7"), std::string::npos);
  expect_no_secret(text);
}

TEST(CredentialsChain, EnvironmentFirst) {
  Fixture fixture;
  fixture.home.write(".aws/credentials", "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n");
  fixture.variables["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  fixture.variables["AWS_SECRET_ACCESS_KEY"] = kSecret;
  fixture.variables["AWS_SESSION_TOKEN"] = kToken;
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_TRUE(credentials) << credentials.get_failure().to_string();
  EXPECT_EQ(credentials->access_key_id, "AKIDENV");
  EXPECT_EQ(credentials->secret_access_key, kSecret);
  EXPECT_EQ(credentials->session_token, kToken);
  EXPECT_EQ(credentials->source, "environment");
}

TEST(CredentialsChain, PartialEnvironmentIsAnError) {
  Fixture fixture;
  fixture.variables["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.get_failure().kind, ErrorKind::Credentials);
  EXPECT_EQ(credentials.get_failure().code, "PartialCredentials");
  EXPECT_NE(credentials.get_failure().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(CredentialsChain, ProfileFromAwsProfileAndCustomFiles) {
  Fixture fixture;
  fixture.variables["AWS_SHARED_CREDENTIALS_FILE"] =
      fixture.home.write("custom/creds", std::string("[dev]\naws_access_key_id = AKIDDEV1\naws_secret_access_key = ") +
                                             kSecret + "\naws_session_token = " + kToken + "\n");
  fixture.variables["AWS_PROFILE"] = "dev";
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_TRUE(credentials) << credentials.get_failure().to_string();
  EXPECT_EQ(credentials->access_key_id, "AKIDDEV1");
  EXPECT_EQ(credentials->session_token, kToken);
  EXPECT_EQ(credentials->source, "profile 'dev'");
}

TEST(CredentialsChain, ProfileFromConfigFileAndContextProfile) {
  Fixture fixture;
  fixture.home.write(".aws/config", "[profile ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = x\n");
  CredentialsContext context;
  context.environment = Environment::from_map(fixture.variables);
  context.http = fixture.http;
  context.profile = "ops";
  auto credentials = make_default_credentials_chain(context)->get_credentials();
  ASSERT_TRUE(credentials) << credentials.get_failure().to_string();
  EXPECT_EQ(credentials->access_key_id, "AKIDOPS");
}

TEST(CredentialsChain, UnknownProfileIsAClearError) {
  Fixture fixture;
  fixture.home.write(".aws/credentials", "[default]\naws_access_key_id = A\naws_secret_access_key = B\n");
  fixture.variables["AWS_PROFILE"] = "staging";
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  const Error& error = credentials.get_failure();
  EXPECT_EQ(error.kind, ErrorKind::Credentials);
  EXPECT_EQ(error.code, "ProfileNotFound");
  EXPECT_NE(error.message.find("'staging'"), std::string::npos);
  EXPECT_NE(error.message.find(fixture.home.path() + "/.aws/credentials"), std::string::npos);
  EXPECT_NE(error.message.find(fixture.home.path() + "/.aws/config"), std::string::npos);
}

TEST(CredentialsChain, UnsupportedProfileKindsAreNamed) {
  Fixture fixture;
  fixture.home.write(".aws/config", "[default]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = b\n");
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.get_failure().code, "UnsupportedProfile");
  EXPECT_NE(credentials.get_failure().message.find("role_arn"), std::string::npos);
}

TEST(CredentialsChain, NothingFoundSaysWhatWasTriedAndWhatToSet) {
  Fixture fixture;
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  const Error& error = credentials.get_failure();
  EXPECT_EQ(error.kind, ErrorKind::Credentials);
  EXPECT_EQ(error.code, "NoCredentials");
  for (const char* expected : {"environment", "profile 'default'", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                               "AWS_EC2_METADATA_DISABLED", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"}) {
    EXPECT_NE(error.message.find(expected), std::string::npos) << expected << " in: " << error.message;
  }
  EXPECT_TRUE(fixture.http->requests().empty());  // IMDS disabled: no request at all
}

TEST(ContainerProvider, RelativeUriGoesToTheEcsAgentWithTheToken) {
  Fixture fixture;
  fixture.variables["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc?x=1";
  fixture.variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer container-token";
  fixture.http->set_handler([](const HttpRequest&) -> Outcome<HttpResponse> {
    return response(200, std::string(R"({"AccessKeyId":"AKIDECS","SecretAccessKey":")") + kSecret + R"(","Token":")" +
                             kToken + R"(","Expiration":"2030-01-01T18:00:00Z"})");
  });
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_TRUE(credentials) << credentials.get_failure().to_string();
  EXPECT_EQ(credentials->access_key_id, "AKIDECS");
  EXPECT_EQ(credentials->session_token, kToken);
  EXPECT_EQ(credentials->expiration, t0() + 6h);
  auto requests = fixture.http->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].scheme, "http");
  EXPECT_EQ(requests[0].host, "169.254.170.2");
  EXPECT_EQ(requests[0].path, "/v2/credentials/abc");
  EXPECT_EQ(requests[0].query, (QueryList{{"x", "1"}}));
  EXPECT_EQ(header_of(requests[0], "Authorization"), "Bearer container-token");
}

TEST(ContainerProvider, FullUriOverPlainHttpMustBeLoopback) {
  Fixture fixture;
  fixture.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://credentials.example.com/creds";
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.get_failure().code, "InvalidContainerCredentialsUri");
  EXPECT_TRUE(fixture.http->requests().empty());
}

TEST(ContainerProvider, FailuresNeverQuoteTheTokenOrBody) {
  Fixture fixture;
  fixture.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9/creds";
  fixture.variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = kToken;
  fixture.http->set_handler([](const HttpRequest&) -> Outcome<HttpResponse> {
    return response(200, std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") + kSecret + R"(", broken)");
  });
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  expect_no_secret(credentials.get_failure().to_string());
  fixture.http->set_handler([](const HttpRequest&) -> Outcome<HttpResponse> { return response(500, kSecret); });
  credentials = fixture.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  EXPECT_NE(credentials.get_failure().message.find("HTTP 500"), std::string::npos);
  expect_no_secret(credentials.get_failure().to_string());
  EXPECT_EQ(fixture.http->requests().size(), 3u);  // one, then the 500 retried once
}

// An IMDSv2 script: token, role list, role credentials expiring at `expiration`, with key id `key_id`.
ScriptedHttp::Handler imds(std::string key_id, std::string expiration) {
  return [=](const HttpRequest& request) -> Outcome<HttpResponse> {
    if (request.method == "PUT" && request.path == "/latest/api/token") {
      if (header_of(request, "X-aws-ec2-metadata-token-ttl-seconds") != "21600") return response(400, "");
      return response(200, "imds-session-token");
    }
    if (header_of(request, "X-aws-ec2-metadata-token") != "imds-session-token") return response(401, "");
    if (request.path == "/latest/meta-data/iam/security-credentials/") return response(200, "my-role\n");
    if (request.path == "/latest/meta-data/iam/security-credentials/my-role") {
      return response(200, R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":")" + key_id +
                               R"(","SecretAccessKey":")" + kSecret + R"(","Token":")" + kToken +
                               R"(","Expiration":")" + expiration + R"("})");
    }
    return response(404, "");
  };
}

TEST(ImdsProvider, FetchesCachesAndRefreshesBeforeExpiry) {
  Fixture fixture;
  fixture.variables["AWS_EC2_METADATA_DISABLED"] = "false";
  fixture.variables["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1338/";
  fixture.http->set_handler(imds("AKIDFIRST", "2030-01-01T13:00:00Z"));  // t0 + 1h
  auto chain = fixture.chain();

  auto first = chain->get_credentials();
  ASSERT_TRUE(first) << first.get_failure().to_string();
  EXPECT_EQ(first->access_key_id, "AKIDFIRST");
  EXPECT_NE(first->source.find("my-role"), std::string::npos);
  auto requests = fixture.http->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].host, "127.0.0.1:1338");
  EXPECT_EQ(requests[2].path, "/latest/meta-data/iam/security-credentials/my-role");

  *fixture.clock.now = t0() + 54min;  // 6 min before expiry, margin 5 min: cached
  EXPECT_EQ(chain->get_credentials()->access_key_id, "AKIDFIRST");
  EXPECT_EQ(fixture.http->requests().size(), 3u);

  fixture.http->set_handler(imds("AKIDSECOND", "2030-01-01T19:00:00Z"));
  *fixture.clock.now = t0() + 56min;  // inside the refresh margin
  EXPECT_EQ(chain->get_credentials()->access_key_id, "AKIDSECOND");
  EXPECT_EQ(fixture.http->requests().size(), 6u);
}

TEST(ImdsProvider, FailedRefreshKeepsUnexpiredCredentialsThenFails) {
  Fixture fixture;
  fixture.variables["AWS_EC2_METADATA_DISABLED"] = "false";
  fixture.variables["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1338";
  fixture.http->set_handler(imds("AKIDFIRST", "2030-01-01T13:00:00Z"));
  auto chain = fixture.chain();
  ASSERT_TRUE(chain->get_credentials());
  fixture.http->set_handler([](const HttpRequest& request) -> Outcome<HttpResponse> {
    if (request.method == "PUT") return response(200, "imds-session-token");
    if (request.path.ends_with("/security-credentials/")) return response(200, "my-role");
    return response(503, "");
  });
  *fixture.clock.now = t0() + 58min;
  auto kept = chain->get_credentials();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->access_key_id, "AKIDFIRST");
  *fixture.clock.now = t0() + 61min;
  auto expired = chain->get_credentials();
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.get_failure().kind, ErrorKind::Credentials);
  EXPECT_NE(expired.get_failure().message.find("my-role"), std::string::npos);
}

TEST(ImdsProvider, NoAnswerMeansNothingFound) {
  Fixture fixture;
  fixture.variables.erase("AWS_EC2_METADATA_DISABLED");
  auto credentials = fixture.chain()->get_credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.get_failure().code, "NoCredentials");
  EXPECT_NE(credentials.get_failure().message.find("169.254.169.254"), std::string::npos);
  EXPECT_EQ(fixture.http->requests().size(), 1u);  // a network error on the token is not retried
}

TEST(CredentialsChain, ConcurrentCallersShareOneFetch) {
  Fixture fixture;
  fixture.variables["AWS_EC2_METADATA_DISABLED"] = "false";
  fixture.variables["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1338";
  fixture.http->set_handler(imds("AKIDFIRST", "2030-01-01T13:00:00Z"));
  auto chain = fixture.chain();
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int index = 0; index < 8; ++index) {
    threads.emplace_back([&] {
      for (int call = 0; call < 50; ++call) {
        if (auto credentials = chain->get_credentials(); credentials && credentials->access_key_id == "AKIDFIRST") {
          ++successes;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes.load(), 400);
  EXPECT_EQ(fixture.http->requests().size(), 3u);
}

TEST(StaticCredentials, ReturnsWhatItWasGiven) {
  auto provider = make_static_credentials(Credentials{"AKIDSTATIC", kSecret, "", std::nullopt, ""});
  auto credentials = provider->get_credentials();
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "AKIDSTATIC");
  EXPECT_EQ(credentials->source, "static");
}

TEST(Iso8601, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(parse_iso8601("2030-01-01T12:00:00Z"), t0());
  EXPECT_EQ(parse_iso8601("2030-01-01T12:00:00.123Z"), t0());
  EXPECT_EQ(parse_iso8601("2030-01-01T14:30:00+02:30"), t0());
  EXPECT_EQ(parse_iso8601("2030-01-01T07:00:00-05:00"), t0());
  EXPECT_EQ(parse_iso8601("yesterday"), std::nullopt);
  EXPECT_EQ(parse_iso8601("2030-13-01T12:00:00Z"), std::nullopt);
}

}  // namespace
}  // namespace athena_runner::aws
