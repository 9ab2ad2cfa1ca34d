// The Runtime API loop against a loopback Runtime API server that follows AWS's documented contract.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "athena_runner/lambda/runtime.hpp"
#include "athena_runner/lambda/runtime_api_emulator.hpp"
#include "support/process.hpp"

namespace athena_runner::lambda {
namespace {

using lambda::PostedResult;
using lambda::QueuedEvent;
using nlohmann::json;
using RuntimeApiServer = lambda::RuntimeApiEmulator;
using namespace std::chrono_literals;

constexpr auto kWait = 10s;

QueuedEvent event_with(std::string payload) {
  QueuedEvent event;
  event.payload = std::move(payload);
  return event;
}

RuntimeOptions options_for(const RuntimeApiServer& server, int invocations) {
  RuntimeOptions options;
  options.endpoint = server.endpoint();
  options.max_invocations = invocations;
  return options;
}

InvocationResponse echo(const InvocationRequest& request) {
  json parsed = json::parse(request.payload);  // throws on a malformed event
  const char* trace = std::getenv("_X_AMZN_TRACE_ID");
  return InvocationResponse::success(json{{"event", parsed},
                                          {"request_id", request.request_id},
                                          {"function_arn", request.function_arn},
                                          {"trace_env", trace ? json(trace) : json(nullptr)}}
                                         .dump());
}

TEST(LambdaRuntime, SuccessPostsTheHandlersResponse) {
  RuntimeApiServer server;
  QueuedEvent event;
  event.payload = R"({"query": {"name": "daily"}})";
  auto id = server.enqueue(event);
  auto status = run_handler(echo, options_for(server, 1));
  ASSERT_TRUE(status) << status.get_failure().to_string();

  auto result = server.wait_result(id, kWait);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->kind, PostedResult::Kind::Response);
  EXPECT_EQ(result->status, 202);
  EXPECT_EQ(result->content_type, "application/json");
  auto body = json::parse(result->body);
  EXPECT_EQ(body["event"], json::parse(event.payload));
  EXPECT_EQ(body["request_id"], id);
  EXPECT_EQ(body["function_arn"], event.function_arn);
  EXPECT_EQ(body["trace_env"], event.trace_id);
}

TEST(LambdaRuntime, HandlerExceptionBecomesAnErrorResponse) {
  RuntimeApiServer server;
  auto id = server.enqueue(event_with("{}"));
  auto status = run_handler([](const InvocationRequest&) -> InvocationResponse { throw std::runtime_error("boom"); },
                            options_for(server, 1));
  ASSERT_TRUE(status) << status.get_failure().to_string();
  auto result = server.wait_result(id, kWait);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->kind, PostedResult::Kind::Error);
  EXPECT_EQ(result->error_type_header, "Runtime.HandlerException");
  auto body = json::parse(result->body);
  EXPECT_EQ(body,
            (json{{"errorMessage", "boom"}, {"errorType", "Runtime.HandlerException"}, {"stackTrace", json::array()}}));
}

TEST(LambdaRuntime, HandlerFailureCarriesItsErrorType) {
  RuntimeApiServer server;
  auto id = server.enqueue(event_with("{}"));
  auto status = run_handler(
      [](const InvocationRequest&) { return InvocationResponse::failure("query daily FAILED", "QueryFailed"); },
      options_for(server, 1));
  ASSERT_TRUE(status) << status.get_failure().to_string();
  auto result = server.wait_result(id, kWait);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->kind, PostedResult::Kind::Error);
  EXPECT_EQ(result->error_type_header, "QueryFailed");
  EXPECT_EQ(json::parse(result->body)["errorMessage"], "query daily FAILED");
}

TEST(LambdaRuntime, MalformedEventIsAnErrorAndTheLoopCarriesOn) {
  RuntimeApiServer server;
  auto bad = server.enqueue(event_with("{\"query\": "));
  auto good = server.enqueue(event_with("[1, 2]"));
  auto status = run_handler(echo, options_for(server, 2));
  ASSERT_TRUE(status) << status.get_failure().to_string();
  auto first = server.wait_result(bad, kWait);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, PostedResult::Kind::Error);
  EXPECT_NE(json::parse(first->body)["errorMessage"].get<std::string>().find("parse error"), std::string::npos);
  auto second = server.wait_result(good, kWait);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->kind, PostedResult::Kind::Response);
  EXPECT_EQ(json::parse(second->body)["event"], json::array({1, 2}));
}

TEST(LambdaRuntime, InitErrorIsPostedWithItsType) {
  RuntimeApiServer server;
  RuntimeOptions options;
  options.endpoint = server.endpoint();
  auto status = report_init_error("ATHENA_RUNNER_TIMEOUT: \"ten\" is not a duration", "InvalidConfiguration", options);
  ASSERT_TRUE(status) << status.get_failure().to_string();
  auto result = server.wait_init_error(kWait);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->error_type_header, "InvalidConfiguration");
  auto body = json::parse(result->body);
  EXPECT_EQ(body["errorType"], "InvalidConfiguration");
  EXPECT_EQ(body["errorMessage"], "ATHENA_RUNNER_TIMEOUT: \"ten\" is not a duration");
  EXPECT_TRUE(body["stackTrace"].is_array());
}

TEST(LambdaRuntime, DeadlineComesFromTheHeader) {
  RuntimeApiServer server;
  QueuedEvent event = event_with("{}");
  // A deadline on a whole millisecond, as the header carries it.
  event.deadline = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() + 800ms);
  auto id = server.enqueue(event);
  std::chrono::system_clock::time_point seen{};
  std::chrono::milliseconds remaining{};
  auto status = run_handler(
      [&](const InvocationRequest& request) {
        seen = request.deadline;
        remaining = request.remaining_time(std::chrono::system_clock::now());
        // A deadline-aware handler: stop 200 ms before the deadline and say so.
        std::this_thread::sleep_for(request.remaining_time(std::chrono::system_clock::now()) - 200ms);
        if (request.remaining_time(std::chrono::system_clock::now()) <= 200ms)
          return InvocationResponse::failure("deadline reached", "DeadlineReached");
        return InvocationResponse::success("{}");
      },
      options_for(server, 1));
  ASSERT_TRUE(status) << status.get_failure().to_string();
  EXPECT_EQ(seen, event.deadline);
  EXPECT_GT(remaining, 0ms);
  EXPECT_LE(remaining, 800ms);
  auto result = server.wait_result(id, kWait);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->error_type_header, "DeadlineReached");
}

TEST(LambdaRuntime, SeveralInvocationsOnOneProcess) {
  RuntimeApiServer server;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    QueuedEvent event = event_with(json{{"n", i}}.dump());
    if (i == 3) event.trace_id.clear();  // no trace header: the variable must not keep the previous value
    ids.push_back(server.enqueue(event));
  }
  auto status = run_handler(
      [](const InvocationRequest& request) {
        if (json::parse(request.payload)["n"] == 2) throw std::runtime_error("third fails");
        return echo(request);
      },
      options_for(server, 5));
  ASSERT_TRUE(status) << status.get_failure().to_string();
  EXPECT_EQ(server.next_requests(), 5);
  for (int i = 0; i < 5; ++i) {
    auto result = server.wait_result(ids[i], kWait);
    ASSERT_TRUE(result) << i;
    if (i == 2) {
      EXPECT_EQ(result->kind, PostedResult::Kind::Error);
      continue;
    }
    ASSERT_EQ(result->kind, PostedResult::Kind::Response) << i;
    auto body = json::parse(result->body);
    EXPECT_EQ(body["event"]["n"], i);
    EXPECT_EQ(body["request_id"], ids[i]);
    if (i == 3)
      EXPECT_TRUE(body["trace_env"].is_null());
    else
      EXPECT_FALSE(body["trace_env"].is_null());
  }
}

TEST(LambdaRuntime, OversizedResponseBecomesAnErrorAtTheLimit) {
  RuntimeApiServer server;
  auto at_limit = server.enqueue(event_with("6291456"));
  auto over = server.enqueue(event_with("6291457"));
  auto after = server.enqueue(event_with("1"));
  auto status = run_handler(
      [](const InvocationRequest& request) {
        return InvocationResponse::success(std::string(std::stoul(request.payload), 'x'), "text/plain");
      },
      options_for(server, 3));
  ASSERT_TRUE(status) << status.get_failure().to_string();
  auto first = server.wait_result(at_limit, kWait);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, PostedResult::Kind::Response);
  EXPECT_EQ(first->body.size(), 6u * 1024 * 1024);
  auto second = server.wait_result(over, kWait);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->kind, PostedResult::Kind::Error);
  EXPECT_EQ(second->error_type_header, "Function.ResponseSizeTooLarge");
  auto third = server.wait_result(after, kWait);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->body, "x");
}

TEST(LambdaRuntime, UnreachableRuntimeApiEndsTheLoopWithAnError) {
  RuntimeOptions options;
  options.endpoint = "127.0.0.1:" + std::to_string(testing::free_loopback_port());
  auto status = run_handler(echo, options);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.get_failure().kind, ErrorKind::Network);
}

TEST(LambdaRuntime, EndpointComesFromTheEnvironment) {
  auto missing = runtime_endpoint({}, aws::Environment::from_map({}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.get_failure().code, "MissingRuntimeApi");
  auto found = runtime_endpoint({}, aws::Environment::from_map({{"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"}}));
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, "127.0.0.1:9001");
}

// Lambda's Invoke API on the emulator, called by boto3 (botocore's lambda model decides the request and reads
// the answer): RequestResponse returns the function's answer, Event queues and answers 202, DryRun 204, an
// error is flagged Unhandled, another function is ResourceNotFoundException.
TEST(LambdaInvokeApi, Boto3InvokesTheFunctionThroughTheEmulator) {
  auto server = std::make_unique<RuntimeApiServer>();
  RuntimeOptions options;
  options.endpoint = server->endpoint();
  std::thread loop([&] {
    (void)run_handler(
        [](const InvocationRequest& request) {
          if (request.payload.find("fail") != std::string::npos)
            return InvocationResponse::failure("asked to fail", "Asked");
          return InvocationResponse::success(json{{"echo", json::parse(request.payload)}}.dump());
        },
        options);
  });
  const std::string script = R"(
import json, sys, boto3
client = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
out = {}
answer = client.invoke(FunctionName="athena-runner", Payload=json.dumps({"n": 1}))
out["sync"] = [answer["StatusCode"], json.loads(answer["Payload"].read()), answer.get("FunctionError")]
answer = client.invoke(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:athena-runner:$LATEST",
                       Payload=json.dumps({"fail": True}))
out["failed"] = [answer["StatusCode"], json.loads(answer["Payload"].read())["errorType"], answer.get("FunctionError")]
answer = client.invoke(FunctionName="athena-runner", InvocationType="Event", Payload=json.dumps({"n": 2}))
out["event"] = answer["StatusCode"]
out["dry_run"] = client.invoke(FunctionName="athena-runner", InvocationType="DryRun")["StatusCode"]
try:
    client.invoke(FunctionName="someone-else", Payload=b"{}")
    out["other"] = "invoked"
except client.exceptions.ResourceNotFoundException as error:
    out["other"] = error.response["Error"]["Code"]
print(json.dumps(out))
)";
  auto result = testing::run_process({"python3", "-c", script, "http://" + server->endpoint()}, {},
                                     {{"AWS_CONFIG_FILE", "/dev/null"}, {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}},
                                     std::chrono::seconds(60));
  // The Event invocation is answered before it runs: wait for its answer before stopping the loop.
  for (int waited = 0; waited < 200 && server->results().size() < 3; ++waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto results = server->results();
  server.reset();  // releases the loop's GET /next, which ends it
  loop.join();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json out = json::parse(result.out);
  EXPECT_EQ(out["sync"], json::parse(R"([200, {"echo": {"n": 1}}, null])"));
  EXPECT_EQ(out["failed"], json::parse(R"([200, "Asked", "Unhandled"])"));
  EXPECT_EQ(out["event"], 202);
  EXPECT_EQ(out["dry_run"], 204);
  EXPECT_EQ(out["other"], "ResourceNotFoundException");
  ASSERT_EQ(results.size(), 3u);
  for (const auto& posted : results) {
    EXPECT_EQ(posted.source, "invoke");
    EXPECT_GT(posted.duration.count(), 0);
  }
  EXPECT_NE(results[2].body.find("\"n\":2"), std::string::npos) << results[2].body;
}

TEST(LambdaInvokeApi, BilledDurationIsRoundedUpToAWholeMillisecond) {
  PostedResult result;
  result.duration = std::chrono::microseconds(1200);
  EXPECT_EQ(result.billed_milliseconds(), 2);
  result.duration = std::chrono::milliseconds(3);
  EXPECT_EQ(result.billed_milliseconds(), 3);
  result.duration = std::chrono::nanoseconds(1);
  EXPECT_EQ(result.billed_milliseconds(), 1);
}

TEST(LambdaInvokeApi, ABusyPortIsAClearError) {
  RuntimeApiServer first;
  try {
    RuntimeApiServer second(first.port());
    FAIL() << "bound a port already in use";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()),
              "RuntimeApiEmulator: cannot bind 127.0.0.1:" + std::to_string(first.port()) + " (is it in use?)");
  }
}

}  // namespace
}  // namespace athena_runner::lambda
