// Shared by the two halves of the queries-file loader (queries_file.cpp in ar_spec_core,
// queries_file_yaml.cpp in ar_spec).
#pragma once

#include <string>
#include <string_view>

#include "athena_runner/spec/queries_file.hpp"
#include "yaml_value.hpp"

namespace athena_runner::spec::detail {

// Validates a parsed queries file against the schema and reads it; errors name "<display_name>:<line>".
Outcome<QueriesFile> queries_file_from_value(const Value& root, std::string_view display_name,
                                             const std::string& base_directory);

}  // namespace athena_runner::spec::detail
