// Private helpers shared by config.cpp and the credentials providers: the INI format of the AWS files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/aws/config.hpp"
#include "athena_runner/aws/environment.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws {

// Section name (as written between the brackets, trimmed) → lower-case key → value. Nested properties
// ("s3 =" followed by indented "key = value" lines) become "s3.key".
using IniSections = std::map<std::string, std::map<std::string, std::string>>;

IniSections parse_ini(std::string_view text);
std::optional<IniSections> read_ini_file(const std::string& path);  // nullopt when it cannot be read

struct ConfigFilePaths {
  std::string config;       // AWS_CONFIG_FILE or ~/.aws/config
  std::string credentials;  // AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
};
ConfigFilePaths config_file_paths(const Environment& environment);

// `profile` if non-empty, else AWS_PROFILE, else "default".
std::string selected_profile_name(const Environment& environment, std::string_view profile);

// Parses an endpoint URL; `source` names where it came from, for the error message.
Outcome<ServiceEndpoint> parse_endpoint_url(std::string_view url, std::string_view source);

}  // namespace athena_runner::aws
