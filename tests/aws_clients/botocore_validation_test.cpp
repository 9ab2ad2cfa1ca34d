// Our request bodies checked by botocore itself: ParamValidator against the operation's input shape, and
// botocore's rest-xml serializer for the CompleteMultipartUpload body. (Label integration: runs python3.)
#include <gtest/gtest.h>

#include "athena_runner/aws/protocol/athena.hpp"
#include "athena_runner/aws/protocol/glue.hpp"
#include "athena_runner/aws/protocol/s3.hpp"
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

}  // namespace
}  // namespace athena_runner::aws
