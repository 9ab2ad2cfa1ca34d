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
    fields >> name >> metadata.target_prefix >> metadata.signing_name >> metadata.endpoint_prefix >>
        metadata.env_id >> metadata.protocol;
    result[name] = metadata;
  }
  return result;
}

void expect_matches(const ServiceDescriptor& descriptor, const ModelMetadata& model) {
  EXPECT_EQ(descriptor.signing_name, model.signing_name);
  EXPECT_EQ(descriptor.endpoint_prefix, model.endpoint_prefix);
  EXPECT_EQ(descriptor.env_id, model.env_id);
  EXPECT_EQ(descriptor.json_target_prefix, model.target_prefix == "-" ? "" : model.target_prefix);
  EXPECT_EQ(descriptor.protocol, model.protocol == "json" ? Protocol::Json11 : Protocol::RestXml);
}

TEST(ServiceDescriptorTest, MatchesBotocoreServiceModels) {
  auto metadata = load_metadata();
  ASSERT_EQ(metadata.size(), 3u) << "botocore metadata missing: " << AR_BOTOCORE_SERVICE_METADATA;
  expect_matches(ServiceDescriptor::athena(), metadata["athena"]);
  expect_matches(ServiceDescriptor::glue(), metadata["glue"]);
  expect_matches(ServiceDescriptor::s3(), metadata["s3"]);
  EXPECT_TRUE(ServiceDescriptor::s3().s3_rules);
  EXPECT_FALSE(ServiceDescriptor::athena().s3_rules);
  EXPECT_EQ(ServiceDescriptor::athena().config_key, "athena");
  EXPECT_EQ(ServiceDescriptor::glue().config_key, "glue");
  EXPECT_EQ(ServiceDescriptor::s3().config_key, "s3");
}

}  // namespace
}  // namespace athena_runner::aws
