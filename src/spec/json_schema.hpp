// A small JSON Schema (draft 2020-12) interpreter for the keywords schema/queries.schema.json uses. It
// refuses, when created, a schema with any keyword it does not implement, so the schema file and this
// validator cannot drift apart silently.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "yaml_value.hpp"

namespace athena_runner::spec::detail {

struct SchemaIssue {
  int line = 0;
  std::string path;  // key path: queries.daily.parameters[0]
  std::string message;
};

// "queries" + "daily" -> "queries.daily"; keys that are not plain names are quoted: tables["a.b"].
std::string append_key(const std::string& path, std::string_view key);
std::string append_index(const std::string& path, std::size_t index);

class SchemaValidator {
 public:
  // Error "UnsupportedSchemaKeyword" / "InvalidSchema" when the schema cannot be interpreted faithfully.
  static Outcome<SchemaValidator> create(std::string_view schema_text);

  // Validates `value` (at key path `path`) against the subschema at JSON pointer `pointer` ("#" or
  // "#/$defs/query"); returns every problem found, in document order.
  std::vector<SchemaIssue> validate(const Value& value, std::string_view pointer = "#",
                                    const std::string& path = {}) const;

  // The subschema at a JSON pointer, or nullptr.
  const nlohmann::ordered_json* resolve(std::string_view pointer) const;

 private:
  struct Context;
  void check(const nlohmann::ordered_json& schema, const Value& value, const std::string& path, int line,
             const std::string& expectation, std::vector<SchemaIssue>& issues) const;
  bool matches(const nlohmann::ordered_json& schema, const Value& value) const;

  std::shared_ptr<const nlohmann::ordered_json> schema_;
  std::shared_ptr<const std::map<std::string, std::regex>> patterns_;
};

// The validator for the embedded queries schema (created once).
Outcome<const SchemaValidator*> queries_schema_validator();

}  // namespace athena_runner::spec::detail
