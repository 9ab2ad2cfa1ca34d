// A varied set of requests to sign, shared by the botocore cross-check test and bench/sigv4_bench:
// generated from combinations of services, paths, queries, headers, bodies, tokens and regions.
#pragma once

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "athena_runner/aws/credentials.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/sigv4.hpp"

namespace athena_runner::testing {

struct SigningCase {
  aws::HttpRequest request;  // path already encoded once (as on the wire)
  std::string raw_path;      // decoded path, for botocore to encode itself
  aws::Credentials credentials;
  aws::SigningParams params;
  std::array<int, 6> time;  // UTC year, month, day, hour, minute, second
};

inline std::vector<SigningCase> make_signing_cases() {
  struct Service {
    const char* method;
    const char* service;
    const char* host_prefix;
    bool s3;
    bool unsigned_payload;
  };
  const std::vector<Service> services = {
      {"POST", "athena", "athena", false, false}, {"POST", "glue", "glue", false, false},
      {"GET", "s3", "bucket.s3", true, false},    {"PUT", "s3", "bucket.s3", true, false},
      {"PUT", "s3", "bucket.s3", true, true},     {"GET", "execute-api", "api.execute-api", false, false},
      {"POST", "sqs", "sqs", false, true},
  };
  const std::vector<std::string> paths = {
      "/",
      "/my key with spaces.csv",
      "/unicode/ключ/日本語-é.csv",
      "/reserved/a+b=c&d;e,f:g@h$!'()*[]",
      "/dots/./a/../b",
      "/double//slash/",
      "/tilde~under_score-dash.dot/",
      "/percent%41literal%",
      "",
  };
  const std::vector<aws::QueryList> queries = {
      {},
      {{"a", "2"}, {"a", "1"}, {"A", "3"}},
      {{"list-type", "2"}, {"prefix", ""}, {"empty", ""}},
      {{"key with space", "value/with/slash"}, {"plus+sign", "a+b=c&d"}, {"~tilde", "*star*"}},
      {{"uni", "ключ é 日本"}, {"uploads", ""}},
      {{"X-Amz-Expires", "3600"}, {"marker", "s3://bucket/prefix/"}},
  };
  const std::vector<aws::HeaderList> headers = {
      {},
      {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AmazonAthena.StartQueryExecution"}},
      {{"X-Custom", "  padded   value  with\tspaces "}, {"x-custom", "second"}, {"User-Agent", "athena-runner/0.1"}},
      {{"Range", "bytes=0-9"}, {"X-Amz-Meta-Note", "\"quoted  text\""}},
  };
  const std::vector<std::string> bodies = {"", "{}", R"({"QueryString":"SELECT 'é' AS x","WorkGroup":"primary"})",
                                           std::string(1000, 'x')};
  const std::vector<std::string> regions = {"us-east-1", "eu-central-1", "cn-north-1", "us-gov-west-1", "ap-south-2"};
  const std::vector<std::array<int, 6>> times = {
      {{2015, 8, 30, 12, 36, 0}}, {{2024, 2, 29, 23, 59, 59}}, {{2031, 1, 1, 0, 0, 0}}};

  std::vector<SigningCase> cases;
  std::size_t index = 0;
  for (const auto& service : services) {
    for (const auto& path : paths) {
      // An empty path is "/" by the SigV4 specification; botocore's S3 signer would sign it as "", but
      // no S3 request is ever sent with an empty path, so that quirk is not compared.
      if (service.s3 && path.empty()) continue;
      SigningCase signing_case;
      aws::HttpRequest& request = signing_case.request;
      const std::string& region = regions[index % regions.size()];
      request.method = service.method;
      request.scheme = index % 6 == 5 ? "http" : "https";
      request.host = std::string(service.host_prefix) + "." + region + ".amazonaws.com";
      if (index % 11 == 3) request.host = "127.0.0.1:4566";
      signing_case.raw_path = path;
      request.path = aws::uri_encode(path, /*encode_slash=*/false);
      request.query = queries[index % queries.size()];
      request.headers = headers[(index / 2) % headers.size()];
      request.body = service.method == std::string("GET") ? "" : bodies[(index / 3) % bodies.size()];
      signing_case.credentials =
          aws::Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt, "test"};
      if (index % 2 == 1) signing_case.credentials.session_token = "FwoGZXIvYXdzE//token+with/special=chars";
      signing_case.time = times[index % times.size()];
      const auto& [year, month, day, hour, minute, second] = signing_case.time;
      signing_case.params.region = region;
      signing_case.params.service = service.service;
      signing_case.params.time = std::chrono::sys_days{std::chrono::year{year} / month / day} +
                                 std::chrono::hours{hour} + std::chrono::minutes{minute} + std::chrono::seconds{second};
      signing_case.params.s3_rules = service.s3;
      signing_case.params.unsigned_payload = service.unsigned_payload;
      cases.push_back(std::move(signing_case));
      ++index;
    }
  }
  return cases;
}

inline nlohmann::json to_botocore_json(const SigningCase& signing_case) {
  const auto& request = signing_case.request;
  nlohmann::json query = nlohmann::json::array();
  for (const auto& [name, value] : request.query) query.push_back({name, value});
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& [name, value] : request.headers) headers.push_back({name, value});
  return {{"method", request.method},
          {"scheme", request.scheme},
          {"host", request.host},
          {"raw_path", signing_case.raw_path},
          {"query", query},
          {"headers", headers},
          {"body", request.body},
          {"access_key", signing_case.credentials.access_key_id},
          {"secret_key", signing_case.credentials.secret_access_key},
          {"token", signing_case.credentials.session_token},
          {"region", signing_case.params.region},
          {"service", signing_case.params.service},
          {"s3", signing_case.params.s3_rules},
          {"unsigned_payload", signing_case.params.unsigned_payload},
          {"time", signing_case.time}};
}

}  // namespace athena_runner::testing
