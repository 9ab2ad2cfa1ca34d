// Shared config/credentials files, region and endpoint resolution, as the AWS SDKs document them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/aws/environment.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws {

// One profile's settings, merged from ~/.aws/config ("[profile x]", "[default]") and
// ~/.aws/credentials ("[x]"; credentials file wins), honouring AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE. Keys are lower-case. Nested sections (e.g. "s3 =\n  addressing_style = path")
// are flattened as "s3.addressing_style". A "services" reference is resolved into
// "services.<service>.<key>" entries (e.g. "services.athena.endpoint_url").
struct Profile {
  std::string name;
  std::map<std::string, std::string> settings;
  std::optional<std::string> get(std::string_view key) const;
};

// Loads the selected profile: `profile` if non-empty, else AWS_PROFILE, else "default".
// A missing file is not an error; an explicitly selected profile that exists in neither file is.
Outcome<Profile> load_profile(const Environment& environment, std::string_view profile = {});

// AWS_REGION, then AWS_DEFAULT_REGION, then the profile's "region". Error (Configuration) when none.
Outcome<std::string> resolve_region(const Environment& environment, const Profile& profile);

// Partition of a region: "aws", "aws-cn" (cn-*), "aws-us-gov" (us-gov-*), "aws-iso" (us-iso-*), "aws-iso-b"
// (us-isob-*).
struct Partition {
  std::string name;        // "aws"
  std::string dns_suffix;  // "amazonaws.com", "amazonaws.com.cn", ...
};
Partition partition_for_region(std::string_view region);

struct ServiceEndpoint {
  std::string scheme = "https";
  std::string host;         // including ":port" when not the scheme's default
  std::string base_path;    // "" or a path prefix from an endpoint URL, without trailing '/'
  bool overridden = false;  // from AWS_ENDPOINT_URL* or config: S3 then uses path-style addressing
};

// The endpoint for a service, in the SDKs' order: AWS_ENDPOINT_URL_<SERVICE_ID> (e.g. ATHENA, S3,
// GLUE), AWS_ENDPOINT_URL, the profile's services section, the profile's endpoint_url, then the
// partition's default "<prefix>.<region>.<dns suffix>". AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
// (or the profile's ignore_configured_endpoint_urls) skips the configured ones.
// `service_env_id` is the service id upper-cased with spaces as '_' ("ATHENA", "S3", "GLUE");
// `config_key` is the services-section key ("athena", "s3", "glue").
Outcome<ServiceEndpoint> resolve_endpoint(const Environment& environment, const Profile& profile,
                                          std::string_view service_env_id, std::string_view config_key,
                                          std::string_view endpoint_prefix, std::string_view region);

}  // namespace athena_runner::aws
