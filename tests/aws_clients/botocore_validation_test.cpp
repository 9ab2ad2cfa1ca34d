// Our request bodies checked by botocore itself: ParamValidator against the operation's input shape, and
// botocore's rest-xml serializer for the CompleteMultipartUpload body. (Label integration: runs python3.)
#include <gtest/gtest.h>

#include "athena_runner/aws/protocol/athena.hpp"
#include "athena_runner/aws/protocol/glue.hpp"
#include "athena_runner/aws/protocol/s3.hpp"
#include "athena_runner/aws/protocol/sns.hpp"
#include "client_test_support.hpp"

namespace athena_runner::aws {
namespace {

using testing::kAwsHelper;
using testing::run_process;

void expect_valid(const std::string& service, const std::string& operation, const std::string& body) {
  auto result = run_process({"python3", kAwsHelper, "validate", service, operation}, body);
  EXPECT_EQ(result.exit_code, 0) << service << " " << operation << " rejected by botocore:\n"
                                 << result.out << result.err << "\nbody: " << body;
}

TEST(BotocoreValidation, HelperRejectsAnInvalidBody) {
  // The check itself can fail: an unknown member and a wrong type are reported.
  auto result = run_process({"python3", kAwsHelper, "validate", "athena", "StartQueryExecution"},
                            R"({"QueryString": 1, "Bogus": true})");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("Bogus"), std::string::npos);
}

TEST(BotocoreValidation, AthenaRequests) {
  athena::StartQueryExecutionRequest start;
  start.query_string = "SELECT * FROM t WHERE d = ?";
  start.client_request_token = std::string(64, 'a');
  start.query_execution_context = athena::QueryExecutionContext{"db", "AwsDataCatalog"};
  start.result_configuration =
      athena::ResultConfiguration{"s3://out/", athena::EncryptionConfiguration{athena::EncryptionOption::SseKms, "key"},
                                  "123456789012", athena::AclConfiguration{}};
  start.work_group = "primary";
  start.execution_parameters = {"DATE '2024-01-01'"};
  start.result_reuse_configuration = athena::ResultReuseConfiguration{athena::ResultReuseByAgeConfiguration{true, 60}};
  expect_valid("athena", "StartQueryExecution", athena::protocol::serialize_start_query_execution(start));
  expect_valid("athena", "GetQueryExecution", athena::protocol::serialize_query_execution_id("id"));
  expect_valid("athena", "StopQueryExecution", athena::protocol::serialize_query_execution_id("id"));
  expect_valid("athena", "GetQueryResults", athena::protocol::serialize_get_query_results({"id", "token", 1000}));
  expect_valid("athena", "BatchGetQueryExecution", athena::protocol::serialize_batch_get_query_execution({"a", "b"}));
  expect_valid("athena", "GetWorkGroup", athena::protocol::serialize_get_work_group("primary"));
}

TEST(BotocoreValidation, GlueRequests) {
  expect_valid("glue", "GetDatabase", glue::protocol::serialize_get_database("db", "123456789012"));
  expect_valid("glue", "GetTable", glue::protocol::serialize_get_table("db", "t", std::nullopt));
  expect_valid("glue", "GetTables", glue::protocol::serialize_get_tables({"db", "1", "t.*", "tok", 100}));
  expect_valid("glue", "GetPartitions",
               glue::protocol::serialize_get_partitions({"db", "t", std::nullopt, "year = '2024'", "tok", 50}));
}

TEST(BotocoreSerializer, CompleteMultipartUploadBodyMatchesBotocore) {
  auto ours = s3::protocol::serialize_complete_multipart_upload({{1, "\"a1\""}, {2, "\"b2\""}});
  auto botocore = run_process({"python3", kAwsHelper, "complete-xml",
                               R"([{"ETag": "\"a1\"", "PartNumber": 1}, {"ETag": "\"b2\"", "PartNumber": 2}])"});
  ASSERT_EQ(botocore.exit_code, 0) << botocore.err;
  constexpr std::string_view kDeclaration = "<?xml version=\"1.0\"?>";
  ASSERT_TRUE(std::string_view(ours).starts_with(kDeclaration));
  EXPECT_EQ(ours.substr(kDeclaration.size()), botocore.out);
}

// Our Publish body, decoded, is the parameter list botocore's query serializer makes for the same request.
TEST(BotocoreSerializer, SnsPublishParametersMatchBotocore) {
  sns::PublishRequest request;
  request.topic_arn = "arn:aws:sns:eu-central-1:123456789012:runs";
  request.message = "{\"query\": \"daily revenue\", \"note\": \"a+b&c=d ü\"}";
  request.subject = "daily_revenue SUCCEEDED 2024-05-02T04:00:00Z";
  request.message_attributes = {{"query", "daily_revenue"}, {"state", "SUCCEEDED"}};
  // In the model's member order (botocore serialises members in the order of the params it is given).
  const nlohmann::ordered_json params = {{"TopicArn", request.topic_arn},
                                         {"Message", request.message},
                                         {"Subject", *request.subject},
                                         {"MessageAttributes",
                                          {{"query", {{"DataType", "String"}, {"StringValue", "daily_revenue"}}},
                                           {"state", {{"DataType", "String"}, {"StringValue", "SUCCEEDED"}}}}}};
  auto botocore = run_process({"python3", kAwsHelper, "query-body", "sns", "Publish", params.dump()});
  ASSERT_EQ(botocore.exit_code, 0) << botocore.err;
  nlohmann::json ours = nlohmann::json::array();
  const std::string body = sns::protocol::serialize_publish(request);
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    const std::string pair = body.substr(start, end - start);
    const std::size_t equals = pair.find('=');
    ASSERT_NE(equals, std::string::npos) << pair;
    ours.push_back({uri_decode(pair.substr(0, equals)), uri_decode(pair.substr(equals + 1))});
    start = end + 1;
  }
  EXPECT_EQ(ours, nlohmann::json::parse(botocore.out));
}

}  // namespace
}  // namespace athena_runner::aws
