// ServiceDescriptor against AWS's service models (botocore's metadata, extracted at configure time).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "athena_runner/aws/service_client.hpp"

namespace athena_runner::aws {
namespace {

struct ModelMetadata {
  std::string target_prefix, signing_name, endpoint_prefix, env_id, protocol;
};

std::map<std::string, ModelMetadata> load_metadata() {
  std::map<std::string, ModelMetadata> result;
  std::ifstream file(AR_BOTOCORE_SERVICE_METADATA);
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream fields(line);
    std::string name;
    ModelMetadata metadata;
    fields >> name >> metadata.target_prefix >> metadata.signing_name >> metadata.endpoint_prefix >> metadata.env_id >>
        metadata.protocol;
    result[name] = metadata;
  }
  return result;
}

void expect_matches(const ServiceDescriptor& descriptor, const ModelMetadata& model) {
  EXPECT_EQ(descriptor.signing_name, model.signing_name);
  EXPECT_EQ(descriptor.endpoint_prefix, model.endpoint_prefix);
  EXPECT_EQ(descriptor.env_id, model.env_id);
  EXPECT_EQ(descriptor.json_target_prefix, model.target_prefix == "-" ? "" : model.target_prefix);
  const Protocol protocol = model.protocol == "json"    ? Protocol::Json11
                            : model.protocol == "query" ? Protocol::Query
                                                        : Protocol::RestXml;
  EXPECT_EQ(descriptor.protocol, protocol);
}

TEST(ServiceDescriptorTest, MatchesBotocoreServiceModels) {
  auto metadata = load_metadata();
  ASSERT_EQ(metadata.size(), 4u) << "botocore metadata missing: " << AR_BOTOCORE_SERVICE_METADATA;
  expect_matches(ServiceDescriptor::athena(), metadata["athena"]);
  expect_matches(ServiceDescriptor::glue(), metadata["glue"]);
  expect_matches(ServiceDescriptor::s3(), metadata["s3"]);
  expect_matches(ServiceDescriptor::sns(), metadata["sns"]);
  EXPECT_TRUE(ServiceDescriptor::s3().s3_rules);
  EXPECT_FALSE(ServiceDescriptor::athena().s3_rules);
  EXPECT_EQ(ServiceDescriptor::athena().config_key, "athena");
  EXPECT_EQ(ServiceDescriptor::glue().config_key, "glue");
  EXPECT_EQ(ServiceDescriptor::s3().config_key, "s3");
  EXPECT_EQ(ServiceDescriptor::sns().config_key, "sns");
}

TEST(ClientContextTest, MissingRegionIsAConfigurationErrorSayingWhatToDo) {
  auto context = ClientContext::from_environment_variables(
      Environment::from_map(
          {{"AWS_CONFIG_FILE", "/dev/null"}, {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}, {"HOME", "/nonexistent"}}),
      curl_http_backend());
  ASSERT_FALSE(context);
  EXPECT_EQ(context.get_failure().kind, ErrorKind::Configuration);
  EXPECT_NE(context.get_failure().message.find("AWS_REGION"), std::string::npos) << context.get_failure().message;
  EXPECT_NE(context.get_failure().message.find("--region"), std::string::npos) << context.get_failure().message;
}

TEST(ClientContextTest, RegionAndRetrySettingsComeFromTheEnvironment) {
  auto context =
      ClientContext::from_environment_variables(Environment::from_map({{"AWS_CONFIG_FILE", "/dev/null"},
                                                                       {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
                                                                       {"AWS_REGION", "eu-central-1"},
                                                                       {"AWS_MAX_ATTEMPTS", "6"}}),
                                                curl_http_backend());
  ASSERT_TRUE(context) << context.get_failure().to_string();
  EXPECT_EQ(context->region, "eu-central-1");
  EXPECT_EQ(context->retry.max_attempts, 6);
  EXPECT_TRUE(context->http);
  EXPECT_TRUE(context->credentials);
  auto overridden = ClientContext::from_environment_variables(
      Environment::from_map({{"AWS_CONFIG_FILE", "/dev/null"}, {"AWS_REGION", "eu-central-1"}}), curl_http_backend(),
      {}, "us-west-2");
  ASSERT_TRUE(overridden);
  EXPECT_EQ(overridden->region, "us-west-2");
  auto bad_retry = ClientContext::from_environment_variables(
      Environment::from_map(
          {{"AWS_CONFIG_FILE", "/dev/null"}, {"AWS_REGION", "eu-central-1"}, {"AWS_RETRY_MODE", "x"}}),
      curl_http_backend());
  ASSERT_FALSE(bad_retry);
  EXPECT_EQ(bad_retry.get_failure().kind, ErrorKind::Configuration);
}

TEST(ServiceClientTest, EndpointComesFromTheEnvironmentWithBasePath) {
  auto context = std::make_shared<ClientContext>();
  context->environment = Environment::from_map({{"AWS_ENDPOINT_URL_ATHENA", "http://localhost:9999/prefix"}});
  context->region = "us-east-1";
  ServiceClient athena(context, ServiceDescriptor::athena());
  ASSERT_FALSE(athena.endpoint_error());
  EXPECT_EQ(athena.endpoint().scheme, "http");
  EXPECT_EQ(athena.endpoint().host, "localhost:9999");
  EXPECT_EQ(athena.endpoint().base_path, "/prefix");
  ServiceClient glue(context, ServiceDescriptor::glue());
  EXPECT_EQ(glue.endpoint().host, "glue.us-east-1.amazonaws.com");
}

}  // namespace
}  // namespace athena_runner::aws
