// Shared pieces of the clients' integration tests: a ClientContext for a moto_server, and boto3 as an
// independent client (aws_helper.py).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "athena_runner/aws/credentials.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/service_client.hpp"
#include "support/moto_server.hpp"
#include "support/process.hpp"

namespace athena_runner::testing {

inline constexpr char kAwsHelper[] = AR_SOURCE_DIR "/tests/aws_clients/aws_helper.py";

// Our clients' context for the endpoint and dummy credentials of `variables` (a peer's client_environment()).
inline std::shared_ptr<aws::ClientContext> client_context(
    const std::map<std::string, std::string>& variables,
    const aws::HttpBackend& http_backend = aws::curl_http_backend()) {
  auto context = std::make_shared<aws::ClientContext>();
  context->environment = aws::Environment::from_map(variables);
  context->region = variables.at("AWS_REGION");
  aws::Credentials credentials;
  credentials.access_key_id = variables.at("AWS_ACCESS_KEY_ID");
  credentials.secret_access_key = variables.at("AWS_SECRET_ACCESS_KEY");
  credentials.source = "test";
  context->credentials = aws::make_static_credentials(credentials);
  context->http = http_backend.make_shared_client({});
  return context;
}

// Our clients' context pointed at `moto` with the same dummy credentials the helper uses.
inline std::shared_ptr<aws::ClientContext> moto_context(
    const MotoServer& moto, const aws::HttpBackend& http_backend = aws::curl_http_backend()) {
  return client_context(moto.client_environment(), http_backend);
}

// One boto3 call against the endpoint of `variables`; the response as JSON (timestamps as epoch seconds).
inline nlohmann::json boto3_call(const std::map<std::string, std::string>& variables, const std::string& service,
                                 const std::string& operation,
                                 const nlohmann::json& params = nlohmann::json::object()) {
  auto result = run_process({"python3", kAwsHelper, "call", service, operation, params.dump()}, {}, variables);
  if (result.exit_code != 0) {
    ADD_FAILURE() << "boto3 " << service << " " << operation << " failed: " << result.err;
    return nullptr;
  }
  return nlohmann::json::parse(result.out);
}

// One boto3 call against `moto`.
inline nlohmann::json boto3_call(const MotoServer& moto, const std::string& service, const std::string& operation,
                                 const nlohmann::json& params = nlohmann::json::object()) {
  return boto3_call(moto.client_environment(), service, operation, params);
}

// Several boto3 calls in one python process: [{"service", "operation", "params"}, ...] -> responses.
inline nlohmann::json boto3_batch(const std::map<std::string, std::string>& variables, const nlohmann::json& calls) {
  auto result = run_process({"python3", kAwsHelper, "batch"}, calls.dump(), variables);
  if (result.exit_code != 0) {
    ADD_FAILURE() << "boto3 batch failed: " << result.err;
    return nlohmann::json::array();
  }
  return nlohmann::json::parse(result.out);
}

inline nlohmann::json boto3_batch(const MotoServer& moto, const nlohmann::json& calls) {
  return boto3_batch(moto.client_environment(), calls);
}

// Queues one result set in moto's Athena (its /moto-api/static/athena/query-results API): the next
// GetQueryResults of a new execution returns these rows.
inline void queue_athena_results(const MotoServer& moto, const nlohmann::json& rows,
                                 const nlohmann::json& column_info) {
  auto http = aws::make_curl_http_client({});
  aws::HttpRequest request;
  request.method = "POST";
  request.scheme = "http";
  request.host = "127.0.0.1:" + std::to_string(moto.port());
  request.path = "/moto-api/static/athena/query-results";
  request.set_header("Content-Type", "application/json");
  request.body =
      nlohmann::json{{"region", "us-east-1"}, {"results", {{{"rows", rows}, {"column_info", column_info}}}}}.dump();
  auto response = http->send(request);
  ASSERT_TRUE(response) << response.get_failure().to_string();
  ASSERT_EQ(response->status, 201) << response->body;
}

}  // namespace athena_runner::testing
