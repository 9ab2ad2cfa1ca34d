// Shared config/credentials files, region, partitions and endpoint resolution, as the AWS SDKs and
// Tools reference guide documents them.
#include "athena_runner/aws/config.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace athena_runner::aws {
namespace {

using testing::TempDir;

constexpr char kConfig[] = R"(# a comment
; another comment
[default]
region = eu-west-1
output=json

[profile dev]   ; trailing comment on a section line
region = us-west-2   # trailing comment after whitespace
endpoint_url = http://127.0.0.1:4566/
s3 =
  addressing_style = path
  max_concurrent_requests = 20
services = local-services
retry_mode=standard

[profile services-only]
services = local-services

[services local-services]
athena =
  endpoint_url = https://athena.local.test:8443/base/
glue =
  endpoint_url = http://localhost:5000

[dev]
region = ignored-because-config-sections-need-the-profile-prefix

[profile value#hash]
token_like = abc#def;ghi
)";

constexpr char kCredentials[] = R"([default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secret-default

[dev]
aws_access_key_id=AKIDDEV
aws_secret_access_key=secret-dev
region = ap-southeast-2
)";

struct Files {
  TempDir dir;
  std::string config = dir.write("aws/config", kConfig);
  std::string credentials = dir.write("aws/credentials", kCredentials);

  Environment environment(std::map<std::string, std::string> extra = {}) const {
    extra.emplace("AWS_CONFIG_FILE", config);
    extra.emplace("AWS_SHARED_CREDENTIALS_FILE", credentials);
    extra.emplace("HOME", dir.path());
    return Environment::from_map(std::move(extra));
  }
};

TEST(LoadProfile, DefaultMergesConfigAndCredentials) {
  Files files;
  auto profile = load_profile(files.environment());
  ASSERT_TRUE(profile) << profile.get_failure().to_string();
  EXPECT_EQ(profile->name, "default");
  EXPECT_EQ(profile->get("region"), "eu-west-1");
  EXPECT_EQ(profile->get("output"), "json");
  EXPECT_EQ(profile->get("aws_access_key_id"), "AKIDDEFAULT");
  EXPECT_EQ(profile->get("missing"), std::nullopt);
}

TEST(LoadProfile, NamedProfileCommentsNestedAndServices) {
  Files files;
  auto profile = load_profile(files.environment({{"AWS_PROFILE", "dev"}}));
  ASSERT_TRUE(profile) << profile.get_failure().to_string();
  EXPECT_EQ(profile->name, "dev");
  EXPECT_EQ(profile->get("region"), "ap-southeast-2");  // the credentials file wins
  EXPECT_EQ(profile->get("endpoint_url"), "http://127.0.0.1:4566/");
  EXPECT_EQ(profile->get("s3.addressing_style"), "path");
  EXPECT_EQ(profile->get("s3.max_concurrent_requests"), "20");
  EXPECT_EQ(profile->get("retry_mode"), "standard");
  EXPECT_EQ(profile->get("aws_secret_access_key"), "secret-dev");
  EXPECT_EQ(profile->get("services.athena.endpoint_url"), "https://athena.local.test:8443/base/");
  EXPECT_EQ(profile->get("services.glue.endpoint_url"), "http://localhost:5000");
}

TEST(LoadProfile, ExplicitArgumentWinsOverAwsProfile) {
  Files files;
  auto profile = load_profile(files.environment({{"AWS_PROFILE", "dev"}}), "services-only");
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->name, "services-only");
  EXPECT_EQ(profile->get("region"), std::nullopt);
  EXPECT_EQ(profile->get("services.athena.endpoint_url"), "https://athena.local.test:8443/base/");
}

TEST(LoadProfile, HashWithoutWhitespaceIsPartOfTheValue) {
  Files files;
  auto profile = load_profile(files.environment(), "value#hash");
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->get("token_like"), "abc#def;ghi");
}

TEST(LoadProfile, UnknownSelectedProfileNamesProfileAndFiles) {
  Files files;
  auto profile = load_profile(files.environment({{"AWS_PROFILE", "nope"}}));
  ASSERT_FALSE(profile);
  const Error& error = profile.get_failure();
  EXPECT_EQ(error.kind, ErrorKind::Configuration);
  EXPECT_EQ(error.code, "ProfileNotFound");
  EXPECT_NE(error.message.find("'nope'"), std::string::npos);
  EXPECT_NE(error.message.find(files.config), std::string::npos);
  EXPECT_NE(error.message.find(files.credentials), std::string::npos);
  EXPECT_EQ(error.message.find("secret"), std::string::npos);
}

TEST(LoadProfile, MissingFilesAreNotAnErrorForTheDefaultProfile) {
  TempDir home;
  auto profile = load_profile(Environment::from_map({{"HOME", home.path()}}));
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->name, "default");
  EXPECT_TRUE(profile->settings.empty());
}

TEST(LoadProfile, DefaultFilesUnderHome) {
  TempDir home;
  home.write(".aws/config", "[profile x]\nregion = sa-east-1\n");
  home.write(".aws/credentials", "[x]\r\naws_access_key_id = AKIDX\r\n");  // CRLF line endings
  auto profile = load_profile(Environment::from_map({{"HOME", home.path()}, {"AWS_PROFILE", "x"}}));
  ASSERT_TRUE(profile) << profile.get_failure().to_string();
  EXPECT_EQ(profile->get("region"), "sa-east-1");
  EXPECT_EQ(profile->get("aws_access_key_id"), "AKIDX");
}

TEST(ResolveRegion, Order) {
  Profile profile;
  profile.name = "p";
  profile.settings["region"] = "eu-north-1";
  EXPECT_EQ(*resolve_region(Environment::from_map({{"AWS_REGION", "us-east-2"}, {"AWS_DEFAULT_REGION", "x"}}), profile),
            "us-east-2");
  EXPECT_EQ(
      *resolve_region(Environment::from_map({{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "ca-central-1"}}), profile),
      "ca-central-1");
  EXPECT_EQ(*resolve_region(Environment::from_map({}), profile), "eu-north-1");
  auto missing = resolve_region(Environment::from_map({}), Profile{"p", {}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.get_failure().kind, ErrorKind::Configuration);
  EXPECT_NE(missing.get_failure().message.find("AWS_REGION"), std::string::npos);
}

TEST(Partition, KnownPrefixes) {
  // DNS suffixes from botocore/data/partitions.json.
  EXPECT_EQ(partition_for_region("us-east-1").name, "aws");
  EXPECT_EQ(partition_for_region("us-east-1").dns_suffix, "amazonaws.com");
  EXPECT_EQ(partition_for_region("cn-northwest-1").name, "aws-cn");
  EXPECT_EQ(partition_for_region("cn-northwest-1").dns_suffix, "amazonaws.com.cn");
  EXPECT_EQ(partition_for_region("us-gov-west-1").name, "aws-us-gov");
  EXPECT_EQ(partition_for_region("us-gov-west-1").dns_suffix, "amazonaws.com");
  EXPECT_EQ(partition_for_region("us-iso-east-1").name, "aws-iso");
  EXPECT_EQ(partition_for_region("us-isob-east-1").name, "aws-iso-b");
  EXPECT_EQ(partition_for_region("us-isob-east-1").dns_suffix, "sc2s.sgov.gov");
}

Profile dev_profile() {
  Profile profile;
  profile.name = "dev";
  profile.settings = {{"endpoint_url", "http://profile.test:9000"},
                      {"services.athena.endpoint_url", "https://athena-from-services.test"}};
  return profile;
}

std::string url_of(const Outcome<ServiceEndpoint>& endpoint) {
  if (!endpoint) return "error: " + endpoint.get_failure().to_string();
  return endpoint->scheme + "://" + endpoint->host + endpoint->base_path + (endpoint->overridden ? " (override)" : "");
}

TEST(ResolveEndpoint, SdkOrder) {
  auto resolve = [](std::map<std::string, std::string> variables, const Profile& profile, const char* env_id,
                    const char* key, const char* prefix) {
    return url_of(
        resolve_endpoint(Environment::from_map(std::move(variables)), profile, env_id, key, prefix, "eu-west-1"));
  };
  std::map<std::string, std::string> both = {{"AWS_ENDPOINT_URL_ATHENA", "http://127.0.0.1:1111"},
                                             {"AWS_ENDPOINT_URL", "http://127.0.0.1:2222"}};
  EXPECT_EQ(resolve(both, dev_profile(), "ATHENA", "athena", "athena"), "http://127.0.0.1:1111 (override)");
  EXPECT_EQ(resolve(both, dev_profile(), "GLUE", "glue", "glue"), "http://127.0.0.1:2222 (override)");
  EXPECT_EQ(resolve({}, dev_profile(), "ATHENA", "athena", "athena"), "https://athena-from-services.test (override)");
  EXPECT_EQ(resolve({}, dev_profile(), "S3", "s3", "s3"), "http://profile.test:9000 (override)");
  EXPECT_EQ(resolve({}, Profile{"default", {}}, "ATHENA", "athena", "athena"),
            "https://athena.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve({{"AWS_ENDPOINT_URL_S3", ""}}, Profile{"default", {}}, "S3", "s3", "s3"),
            "https://s3.eu-west-1.amazonaws.com");  // empty means unset
}

TEST(ResolveEndpoint, IgnoreConfiguredEndpoints) {
  auto endpoint = resolve_endpoint(Environment::from_map({{"AWS_ENDPOINT_URL", "http://127.0.0.1:2222"},
                                                          {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}),
                                   dev_profile(), "ATHENA", "athena", "athena", "us-east-1");
  EXPECT_EQ(url_of(endpoint), "https://athena.us-east-1.amazonaws.com");
  Profile profile = dev_profile();
  profile.settings["ignore_configured_endpoint_urls"] = "true";
  EXPECT_EQ(url_of(resolve_endpoint(Environment::from_map({}), profile, "GLUE", "glue", "glue", "us-east-1")),
            "https://glue.us-east-1.amazonaws.com");
}

TEST(ResolveEndpoint, PartitionsAndDefaultPorts) {
  Profile none{"default", {}};
  auto env = Environment::from_map({});
  EXPECT_EQ(url_of(resolve_endpoint(env, none, "ATHENA", "athena", "athena", "cn-north-1")),
            "https://athena.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(url_of(resolve_endpoint(env, none, "GLUE", "glue", "glue", "us-gov-east-1")),
            "https://glue.us-gov-east-1.amazonaws.com");
  auto with_ports = [&](const char* url) {
    return url_of(
        resolve_endpoint(Environment::from_map({{"AWS_ENDPOINT_URL", url}}), none, "S3", "s3", "s3", "us-east-1"));
  };
  EXPECT_EQ(with_ports("https://example.test:443/"), "https://example.test (override)");
  EXPECT_EQ(with_ports("http://example.test:80"), "http://example.test (override)");
  EXPECT_EQ(with_ports("HTTP://example.test:8080/prefix//"), "http://example.test:8080/prefix (override)");
  EXPECT_EQ(with_ports("http://[::1]:4566"), "http://[::1]:4566 (override)");
}

TEST(ResolveEndpoint, BadUrlsAreConfigurationErrors) {
  Profile none{"default", {}};
  for (const char* url : {"localhost:4566", "ftp://example.test", "http://", "http://host:port", "http://host:70000",
                          "http://user:pw@host", "http://host/path?query=1", "http://bad host"}) {
    auto endpoint = resolve_endpoint(Environment::from_map({{"AWS_ENDPOINT_URL_ATHENA", url}}), none, "ATHENA",
                                     "athena", "athena", "us-east-1");
    ASSERT_FALSE(endpoint) << url;
    EXPECT_EQ(endpoint.get_failure().kind, ErrorKind::Configuration) << url;
    EXPECT_EQ(endpoint.get_failure().code, "InvalidEndpointUrl") << url;
    EXPECT_NE(endpoint.get_failure().message.find("AWS_ENDPOINT_URL_ATHENA"), std::string::npos) << url;
    EXPECT_EQ(endpoint.get_failure().message.find("pw"), std::string::npos) << url;
  }
  auto bad_profile = dev_profile();
  bad_profile.settings["services.athena.endpoint_url"] = "not a url";
  auto endpoint = resolve_endpoint(Environment::from_map({}), bad_profile, "ATHENA", "athena", "athena", "us-east-1");
  ASSERT_FALSE(endpoint);
  EXPECT_NE(endpoint.get_failure().message.find("profile 'dev'"), std::string::npos);
}

TEST(ResolveEndpoint, MissingOrInvalidRegion) {
  Profile none{"default", {}};
  auto missing = resolve_endpoint(Environment::from_map({}), none, "ATHENA", "athena", "athena", "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.get_failure().code, "NoRegion");
  auto invalid = resolve_endpoint(Environment::from_map({}), none, "ATHENA", "athena", "athena", "evil.com/x");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.get_failure().code, "InvalidRegion");
}

}  // namespace
}  // namespace athena_runner::aws
