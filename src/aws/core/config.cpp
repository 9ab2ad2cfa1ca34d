// Shared config and credentials files, region and endpoint resolution, following the AWS SDKs and Tools
// reference guide ("Shared config and credentials files", "Service-specific endpoints").
#include "athena_runner/aws/config.hpp"
#include "athena_runner/base/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

#include "config_files.hpp"

namespace athena_runner::aws {
namespace {

constexpr std::string_view kDefaultProfile = "default";
constexpr std::string_view kProfilePrefix = "profile ";
constexpr std::string_view kServicesPrefix = "services ";
constexpr std::string_view kServicesKey = "services";
constexpr std::string_view kEndpointUrlKey = "endpoint_url";
constexpr std::string_view kEndpointUrlVariable = "AWS_ENDPOINT_URL";
constexpr std::string_view kIgnoreEndpointsVariable = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
constexpr std::string_view kIgnoreEndpointsKey = "ignore_configured_endpoint_urls";
constexpr int kHttpsDefaultPort = 443;
constexpr int kHttpDefaultPort = 80;

// A comment starts at '#' or ';' at the start of a line, or preceded by whitespace elsewhere.
std::string_view strip_comment(std::string_view line) {
  for (std::size_t index = 0; index < line.size(); ++index) {
    if ((line[index] == '#' || line[index] == ';') &&
        (index == 0 || std::isspace(static_cast<unsigned char>(line[index - 1])))) {
      return line.substr(0, index);
    }
  }
  return line;
}

bool is_true(std::optional<std::string> value) { return value && text::iequals(text::trim(*value), "true"); }

std::string expand_home(const Environment& environment, std::string path) {
  if (path == "~" || path.starts_with("~/")) return environment.home_directory() + path.substr(1);
  return path;
}

}  // namespace

IniSections parse_ini(std::string_view text) {
  IniSections sections;
  std::map<std::string, std::string>* section = nullptr;
  std::string last_key;             // the last top-level property of the current section
  bool last_key_is_parent = false;  // its value was empty: indented lines below are sub-properties
  std::istringstream stream{std::string(text)};
  std::string raw_line;
  while (std::getline(stream, raw_line)) {
    if (!raw_line.empty() && raw_line.back() == '\r') raw_line.pop_back();
    std::string_view line = raw_line;
    bool indented = !line.empty() && (line.front() == ' ' || line.front() == '\t');
    std::string_view content = text::trim(strip_comment(line));
    if (content.empty()) continue;
    if (!indented && content.front() == '[') {
      auto close = content.find(']');
      section = nullptr;
      last_key.clear();
      if (close == std::string_view::npos) continue;  // malformed: skip its properties too
      section = &sections[std::string(text::trim(content.substr(1, close - 1)))];
      continue;
    }
    if (section == nullptr) continue;
    auto equals = content.find('=');
    if (indented && !last_key.empty()) {
      if (last_key_is_parent) {
        if (equals == std::string_view::npos) continue;
        std::string key = last_key + "." + text::lower(text::trim(content.substr(0, equals)));
        (*section)[key] = std::string(text::trim(content.substr(equals + 1)));
      } else {
        (*section)[last_key] += "\n" + std::string(content);  // continuation line
      }
      continue;
    }
    if (equals == std::string_view::npos) continue;
    last_key = text::lower(text::trim(content.substr(0, equals)));
    std::string value(text::trim(content.substr(equals + 1)));
    last_key_is_parent = value.empty();
    if (last_key.empty()) continue;
    if (!last_key_is_parent) (*section)[last_key] = std::move(value);
  }
  return sections;
}

std::optional<IniSections> read_ini_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream content;
  content << file.rdbuf();
  return parse_ini(content.str());
}

ConfigFilePaths config_file_paths(const Environment& environment) {
  ConfigFilePaths paths;
  std::string home = environment.home_directory();
  paths.config = expand_home(environment, environment.non_empty("AWS_CONFIG_FILE").value_or(home + "/.aws/config"));
  paths.credentials = expand_home(
      environment, environment.non_empty("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials"));
  return paths;
}

std::string selected_profile_name(const Environment& environment, std::string_view profile) {
  if (!profile.empty()) return std::string(profile);
  return environment.non_empty("AWS_PROFILE").value_or(std::string(kDefaultProfile));
}

std::optional<std::string> Profile::get(std::string_view key) const {
  auto found = settings.find(std::string(key));
  if (found == settings.end()) return std::nullopt;
  return found->second;
}

Outcome<Profile> load_profile(const Environment& environment, std::string_view profile_name) {
  Profile profile;
  profile.name = selected_profile_name(environment, profile_name);
  bool explicitly_selected = !profile_name.empty() || environment.non_empty("AWS_PROFILE").has_value();
  ConfigFilePaths paths = config_file_paths(environment);
  bool found = false;

  std::optional<IniSections> config = read_ini_file(paths.config);
  if (config) {
    // "[default]" and "[profile default]" both name the default profile; the latter wins.
    std::vector<std::string> section_names;
    if (profile.name == kDefaultProfile) section_names.emplace_back(kDefaultProfile);
    section_names.push_back(std::string(kProfilePrefix) + profile.name);
    for (const auto& section_name : section_names) {
      auto section = config->find(section_name);
      if (section == config->end()) continue;
      found = true;
      for (const auto& [key, value] : section->second) profile.settings[key] = value;
    }
    // Resolve the "services" reference into services.<service>.<key> entries.
    if (auto services = profile.settings.find(std::string(kServicesKey)); services != profile.settings.end()) {
      auto section = config->find(std::string(kServicesPrefix) + services->second);
      if (section != config->end()) {
        for (const auto& [key, value] : section->second) {
          profile.settings[std::string(kServicesKey) + "." + key] = value;
        }
      }
    }
  }
  if (std::optional<IniSections> credentials = read_ini_file(paths.credentials)) {
    auto section = credentials->find(profile.name);
    if (section != credentials->end()) {
      found = true;
      for (const auto& [key, value] : section->second) profile.settings[key] = value;  // credentials file wins
    }
  }
  if (!found && explicitly_selected) {
    return make_error(ErrorKind::Configuration, "ProfileNotFound",
                      "profile '" + profile.name + "' was not found in " + paths.config + " (as [profile " +
                          profile.name + "]) nor in " + paths.credentials + " (as [" + profile.name +
                          "]); set AWS_PROFILE to an existing profile, or AWS_CONFIG_FILE / "
                          "AWS_SHARED_CREDENTIALS_FILE to the files that hold it");
  }
  return profile;
}

Outcome<std::string> resolve_region(const Environment& environment, const Profile& profile) {
  if (auto region = environment.non_empty("AWS_REGION")) return *region;
  if (auto region = environment.non_empty("AWS_DEFAULT_REGION")) return *region;
  if (auto region = profile.get("region"); region && !region->empty()) return *region;
  return make_error(ErrorKind::Configuration, "NoRegion",
                    "no AWS region is configured: set AWS_REGION (e.g. AWS_REGION=us-east-1), or 'region' in "
                    "profile '" +
                        profile.name + "' of the AWS config file");
}

Partition partition_for_region(std::string_view region) {
  struct Rule {
    std::string_view prefix;
    std::string_view name;
    std::string_view dns_suffix;
  };
  // From the SDKs' partitions.json (botocore/data/partitions.json).
  static constexpr std::array<Rule, 6> kRules = {{
      {"cn-", "aws-cn", "amazonaws.com.cn"},
      {"us-gov-", "aws-us-gov", "amazonaws.com"},
      {"us-iso-", "aws-iso", "c2s.ic.gov"},
      {"us-isob-", "aws-iso-b", "sc2s.sgov.gov"},
      {"eu-isoe-", "aws-iso-e", "cloud.adc-e.uk"},
      {"us-isof-", "aws-iso-f", "csp.hci.ic.gov"},
  }};
  for (const auto& rule : kRules) {
    if (region.starts_with(rule.prefix)) return Partition{std::string(rule.name), std::string(rule.dns_suffix)};
  }
  return Partition{"aws", "amazonaws.com"};
}

Outcome<ServiceEndpoint> parse_endpoint_url(std::string_view url, std::string_view source) {
  auto invalid = [&](std::string_view why) {
    return make_error(ErrorKind::Configuration, "InvalidEndpointUrl",
                      "the endpoint URL from " + std::string(source) + " is not valid: " + std::string(why) +
                          " (expected e.g. https://athena.example.com or http://127.0.0.1:4566)");
  };
  ServiceEndpoint endpoint;
  endpoint.overridden = true;
  url = text::trim(url);
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return invalid("it has no scheme (http:// or https://)");
  endpoint.scheme = text::lower(url.substr(0, scheme_end));
  if (endpoint.scheme != "http" && endpoint.scheme != "https") return invalid("the scheme must be http or https");
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) return invalid("it must not have a query or fragment");
  auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) return invalid("it must not contain user information");
  if (authority.empty()) return invalid("it has no host");
  for (char character : authority) {
    if (std::isspace(static_cast<unsigned char>(character))) return invalid("the host contains whitespace");
  }
  // Split off the port (not inside an IPv6 literal's brackets).
  std::string_view host = authority;
  std::optional<int> port;
  auto colon = authority.rfind(':');
  auto bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    std::string_view port_text = authority.substr(colon + 1);
    if (port_text.empty() || port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        })) {
      return invalid("the port is not a number");
    }
    int value = std::stoi(std::string(port_text));
    if (value < 1 || value > 65535) return invalid("the port is out of range");
    port = value;
  }
  if (host.empty()) return invalid("it has no host");
  int default_port = endpoint.scheme == "https" ? kHttpsDefaultPort : kHttpDefaultPort;
  endpoint.host = std::string(host);
  if (port && *port != default_port) endpoint.host += ":" + std::to_string(*port);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  endpoint.base_path = std::string(path);
  return endpoint;
}

Outcome<ServiceEndpoint> resolve_endpoint(const Environment& environment, const Profile& profile,
                                          std::string_view service_env_id, std::string_view config_key,
                                          std::string_view endpoint_prefix, std::string_view region) {
  bool ignore_configured =
      is_true(environment.get(kIgnoreEndpointsVariable)) ||
      (!environment.non_empty(kIgnoreEndpointsVariable) && is_true(profile.get(kIgnoreEndpointsKey)));
  if (!ignore_configured) {
    std::string service_variable = std::string(kEndpointUrlVariable) + "_" + std::string(service_env_id);
    if (auto url = environment.non_empty(service_variable)) return parse_endpoint_url(*url, service_variable);
    if (auto url = environment.non_empty(kEndpointUrlVariable)) return parse_endpoint_url(*url, kEndpointUrlVariable);
    std::string service_key =
        std::string(kServicesKey) + "." + text::lower(config_key) + "." + std::string(kEndpointUrlKey);
    if (auto url = profile.get(service_key); url && !url->empty()) {
      return parse_endpoint_url(
          *url, "profile '" + profile.name + "' services section (" + std::string(config_key) + " endpoint_url)");
    }
    if (auto url = profile.get(kEndpointUrlKey); url && !url->empty()) {
      return parse_endpoint_url(*url, "profile '" + profile.name + "' endpoint_url");
    }
  }
  if (region.empty()) {
    return make_error(ErrorKind::Configuration, "NoRegion",
                      "no AWS region to build the " + std::string(endpoint_prefix) +
                          " endpoint: set AWS_REGION, or an endpoint URL with AWS_ENDPOINT_URL_" +
                          std::string(service_env_id));
  }
  bool valid_region = std::all_of(region.begin(), region.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
  if (!valid_region) {
    return make_error(ErrorKind::Configuration, "InvalidRegion",
                      "'" + std::string(region) + "' is not a valid AWS region name (expected e.g. us-east-1)");
  }
  ServiceEndpoint endpoint;
  endpoint.host =
      std::string(endpoint_prefix) + "." + std::string(region) + "." + partition_for_region(region).dns_suffix;
  return endpoint;
}

}  // namespace athena_runner::aws
