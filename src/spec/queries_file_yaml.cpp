// The YAML half of the queries-file loader (target ar_spec): reading a queries file from disk or text.
// Everything else (validation, query specs from JSON, rendering) is in ar_spec_core, which the Lambda links
// without yaml-cpp.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "athena_runner/spec/queries_file.hpp"
#include "queries_file_detail.hpp"
#include "yaml_value.hpp"

namespace athena_runner::spec {
namespace {

constexpr std::string_view kErrorCode = "InvalidQueriesFile";

}  // namespace

Outcome<QueriesFile> parse_queries_yaml(std::string_view text, std::string_view display_name,
                                        const std::string& base_directory) {
  auto parsed = detail::parse_yaml(text, display_name);
  if (!parsed) return std::move(parsed).get_failure();
  return detail::queries_file_from_value(parsed.get_result(), display_name, base_directory);
}

Outcome<QueriesFile> load_queries_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path)) {
    return make_error(ErrorKind::InvalidInput, std::string(kErrorCode),
                      path + ": cannot read the queries file: " +
                          (std::filesystem::is_directory(path) ? std::string("is a directory") : std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return parse_queries_yaml(content.str(), path, std::filesystem::path(path).parent_path().string());
}

}  // namespace athena_runner::spec
