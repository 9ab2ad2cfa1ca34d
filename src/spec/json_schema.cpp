#include "json_schema.hpp"

#include <algorithm>
#include <set>

#include "embedded_schema.hpp"

namespace athena_runner::spec::detail {
namespace {

using json = nlohmann::ordered_json;

// Every keyword schema/queries.schema.json may use. Anything else makes create() fail.
const std::set<std::string>& annotation_keywords() {
  static const std::set<std::string> k = {"$schema",  "$id",     "title",    "description",
                                          "$comment", "default", "examples", "deprecated"};
  return k;
}
const std::set<std::string>& subschema_keywords() {
  static const std::set<std::string> k = {"not",          "if", "then", "else", "items", "additionalProperties",
                                          "propertyNames"};
  return k;
}
const std::set<std::string>& subschema_array_keywords() {
  static const std::set<std::string> k = {"oneOf", "anyOf", "allOf"};
  return k;
}
const std::set<std::string>& subschema_map_keywords() {
  static const std::set<std::string> k = {"properties", "$defs"};
  return k;
}
const std::set<std::string>& value_keywords() {
  static const std::set<std::string> k = {"type",          "enum",          "const",    "required", "pattern",
                                          "minLength",     "maxLength",     "minItems", "maxItems", "uniqueItems",
                                          "minProperties", "maxProperties", "minimum",  "maximum",  "$ref"};
  return k;
}
const std::set<std::string>& type_names() {
  static const std::set<std::string> k = {"null", "boolean", "integer", "number", "string", "array", "object"};
  return k;
}

Error schema_error(std::string code, std::string message) {
  return make_error(ErrorKind::Internal, std::move(code), std::move(message));
}

struct Walker {
  const json& root;
  std::map<std::string, std::regex>& patterns;

  const json* resolve(const std::string& pointer) const {
    if (pointer == "#") return &root;
    if (pointer.rfind("#/", 0) != 0) return nullptr;
    try {
      const auto& target = root.at(json::json_pointer(pointer.substr(1)));
      return &target;
    } catch (const std::exception&) {
      return nullptr;
    }
  }

  Status walk(const json& schema, const std::string& at) {
    if (schema.is_boolean()) return Ok{};
    if (!schema.is_object()) return schema_error("InvalidSchema", "schema at " + at + " is not an object or boolean");
    for (const auto& [keyword, argument] : schema.items()) {
      const std::string here = at + "/" + keyword;
      if (annotation_keywords().count(keyword)) continue;
      if (subschema_keywords().count(keyword)) {
        if (auto status = walk(argument, here); !status) return status;
      } else if (subschema_array_keywords().count(keyword)) {
        if (!argument.is_array() || argument.empty()) return schema_error("InvalidSchema", here + " must be a list");
        for (std::size_t i = 0; i < argument.size(); ++i) {
          if (auto status = walk(argument[i], here + "/" + std::to_string(i)); !status) return status;
        }
      } else if (subschema_map_keywords().count(keyword)) {
        if (!argument.is_object()) return schema_error("InvalidSchema", here + " must be an object");
        for (const auto& [name, sub] : argument.items()) {
          if (auto status = walk(sub, here + "/" + name); !status) return status;
        }
      } else if (value_keywords().count(keyword)) {
        if (auto status = check_argument(keyword, argument, here); !status) return status;
      } else {
        return schema_error("UnsupportedSchemaKeyword", "the queries schema uses the keyword \"" + keyword + "\" at " +
                                                            here + ", which the validator does not implement");
      }
    }
    return Ok{};
  }

  Status check_argument(const std::string& keyword, const json& argument, const std::string& here) {
    if (keyword == "$ref") {
      if (!argument.is_string() || resolve(argument.get<std::string>()) == nullptr) {
        return schema_error("InvalidSchema", here + ": $ref " + argument.dump() + " does not resolve in this schema");
      }
    } else if (keyword == "type") {
      const auto valid = [](const json& t) { return t.is_string() && type_names().count(t.get<std::string>()); };
      const bool ok = argument.is_array() ? std::all_of(argument.begin(), argument.end(), valid) : valid(argument);
      if (!ok) return schema_error("InvalidSchema", here + ": unknown type " + argument.dump());
    } else if (keyword == "pattern") {
      if (!argument.is_string()) return schema_error("InvalidSchema", here + " must be a string");
      try {
        patterns.emplace(argument.get<std::string>(), std::regex(argument.get<std::string>(), std::regex::ECMAScript));
      } catch (const std::regex_error& e) {
        return schema_error("InvalidSchema", here + ": pattern does not compile: " + e.what());
      }
    } else if (keyword == "enum" || keyword == "required") {
      if (!argument.is_array()) return schema_error("InvalidSchema", here + " must be a list");
    } else if (keyword == "uniqueItems") {
      if (!argument.is_boolean()) return schema_error("InvalidSchema", here + " must be a boolean");
    } else if (keyword != "const") {
      if (!argument.is_number()) return schema_error("InvalidSchema", here + " must be a number");
    }
    return Ok{};
  }
};

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool type_matches(const std::string& type, const Value& value) {
  using K = Value::Kind;
  if (type == "null") return value.kind == K::Null;
  if (type == "boolean") return value.kind == K::Boolean;
  if (type == "integer") {
    return value.kind == K::Integer ||
           (value.kind == K::Number && value.number == static_cast<double>(static_cast<long long>(value.number)));
  }
  if (type == "number") return value.kind == K::Integer || value.kind == K::Number;
  if (type == "string") return value.kind == K::String;
  if (type == "array") return value.kind == K::Array;
  if (type == "object") return value.kind == K::Object;
  return false;
}

std::string type_phrase(const std::string& type) {
  if (type == "null") return "null";
  if (type == "boolean") return "a boolean (true or false)";
  if (type == "integer") return "an integer";
  if (type == "number") return "a number";
  if (type == "string") return "a string";
  if (type == "array") return "a list";
  return "an object";
}

bool equals(const Value& value, const json& expected) {
  using K = Value::Kind;
  switch (value.kind) {
    case K::Null: return expected.is_null();
    case K::Boolean: return expected.is_boolean() && expected.get<bool>() == value.boolean;
    case K::Integer: return expected.is_number() && expected.get<double>() == static_cast<double>(value.integer);
    case K::Number: return expected.is_number() && expected.get<double>() == value.number;
    case K::String: return expected.is_string() && expected.get<std::string>() == value.text;
    case K::Array:
      if (!expected.is_array() || expected.size() != value.items.size()) return false;
      for (std::size_t i = 0; i < value.items.size(); ++i) {
        if (!equals(value.items[i], expected[i])) return false;
      }
      return true;
    case K::Object:
      if (!expected.is_object() || expected.size() != value.members.size()) return false;
      for (const auto& member : value.members) {
        if (!expected.contains(member.key) || !equals(member.value, expected[member.key])) return false;
      }
      return true;
  }
  return false;
}

bool same_value(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  using K = Value::Kind;
  switch (a.kind) {
    case K::Null: return true;
    case K::Boolean: return a.boolean == b.boolean;
    case K::Integer: return a.integer == b.integer;
    case K::Number: return a.number == b.number;
    case K::String: return a.text == b.text;
    case K::Array:
      if (a.items.size() != b.items.size()) return false;
      for (std::size_t i = 0; i < a.items.size(); ++i) {
        if (!same_value(a.items[i], b.items[i])) return false;
      }
      return true;
    case K::Object:
      if (a.members.size() != b.members.size()) return false;
      for (const auto& member : a.members) {
        const Value* other = b.get(member.key);
        if (other == nullptr || !same_value(member.value, *other)) return false;
      }
      return true;
  }
  return false;
}

std::string join_json_list(const json& list, std::string_view separator) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += separator;
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out;
}

// A schema's description as what is expected: "A duration: ..." -> "expected a duration: ...".
std::string expectation_from(const std::string& description) {
  if (description.rfind("A ", 0) == 0 || description.rfind("An ", 0) == 0) {
    return "expected " + std::string(1, 'a') + description.substr(1);
  }
  return description;
}

std::string with_expectation(std::string message, const std::string& expectation) {
  if (!expectation.empty()) message += " — " + expectation;
  return message;
}

// The keys a schema made only of "required" asks for, or empty when it has other keywords.
std::vector<std::string> only_required(const json& schema) {
  std::vector<std::string> keys;
  if (!schema.is_object() || schema.size() != 1 || !schema.contains("required")) return keys;
  for (const auto& key : schema["required"]) keys.push_back(key.get<std::string>());
  return keys;
}

std::string quoted_keys(const std::vector<std::string>& keys, std::string_view conjunction) {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += (i + 1 == keys.size()) ? std::string(" ") + std::string(conjunction) + " " : std::string(", ");
    out += json_quote(keys[i]);
  }
  return out;
}

}  // namespace

std::string append_key(const std::string& path, std::string_view key) {
  static const std::regex kPlain("^[A-Za-z0-9_$-]+$");
  if (std::regex_match(key.begin(), key.end(), kPlain))
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  return path + "[" + json_quote(key) + "]";
}

std::string append_index(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

Outcome<SchemaValidator> SchemaValidator::create(std::string_view schema_text) {
  auto parsed = json::parse(schema_text, nullptr, false);
  if (parsed.is_discarded()) return schema_error("InvalidSchema", "the queries schema is not valid JSON");
  auto patterns = std::make_shared<std::map<std::string, std::regex>>();
  Walker walker{parsed, *patterns};
  if (auto status = walker.walk(parsed, "#"); !status) return std::move(status).get_failure();
  SchemaValidator validator;
  validator.schema_ = std::make_shared<const json>(std::move(parsed));
  validator.patterns_ = std::move(patterns);
  return validator;
}

const json* SchemaValidator::resolve(std::string_view pointer) const {
  std::map<std::string, std::regex> unused;
  Walker walker{*schema_, unused};
  return walker.resolve(std::string(pointer));
}

std::vector<SchemaIssue> SchemaValidator::validate(const Value& value, std::string_view pointer,
                                                   const std::string& path) const {
  std::vector<SchemaIssue> issues;
  const json* schema = resolve(pointer);
  if (schema == nullptr) {
    issues.push_back(SchemaIssue{value.line, path, "internal error: no schema at " + std::string(pointer)});
    return issues;
  }
  check(*schema, value, path, value.line, {}, issues);
  std::stable_sort(issues.begin(), issues.end(),
                   [](const SchemaIssue& a, const SchemaIssue& b) { return a.line < b.line; });
  return issues;
}

bool SchemaValidator::matches(const json& schema, const Value& value) const {
  std::vector<SchemaIssue> issues;
  check(schema, value, {}, value.line, {}, issues);
  return issues.empty();
}

void SchemaValidator::check(const json& schema, const Value& value, const std::string& path, int parent_line,
                            const std::string& inherited_expectation, std::vector<SchemaIssue>& issues) const {
  const int line = value.line > 0 ? value.line : parent_line;
  const auto add = [&](std::string message, int at_line = 0, const std::string* at_path = nullptr) {
    issues.push_back(SchemaIssue{at_line > 0 ? at_line : line, at_path ? *at_path : path, std::move(message)});
  };
  if (schema.is_boolean()) {
    if (!schema.get<bool>()) add("no value is allowed here");
    return;
  }
  // The root's description is about the whole file, not about what a value should look like.
  const bool is_root = &schema == schema_.get();
  const std::string expectation = schema.contains("description") && !is_root
                                      ? expectation_from(schema["description"].get<std::string>())
                                      : inherited_expectation;

  if (schema.contains("$ref")) {
    check(*resolve(schema["$ref"].get<std::string>()), value, path, line, expectation, issues);
  }
  if (schema.contains("type")) {
    const json& type = schema["type"];
    std::vector<std::string> types;
    if (type.is_array()) {
      for (const auto& t : type) types.push_back(t.get<std::string>());
    } else {
      types.push_back(type.get<std::string>());
    }
    if (std::none_of(types.begin(), types.end(), [&](const std::string& t) { return type_matches(t, value); })) {
      std::string wanted;
      for (const auto& t : types) wanted += (wanted.empty() ? "" : " or ") + type_phrase(t);
      add(with_expectation("expected " + wanted + ", got " + describe(value), expectation));
      return;  // the other keywords would only repeat the problem
    }
  }
  if (schema.contains("enum") && std::none_of(schema["enum"].begin(), schema["enum"].end(),
                                              [&](const json& option) { return equals(value, option); })) {
    add(quote_scalar(value) + " is not one of " + join_json_list(schema["enum"], ", "));
  }
  if (schema.contains("const") && !equals(value, schema["const"])) {
    add(with_expectation("expected " + schema["const"].dump() + ", got " + quote_scalar(value), expectation));
  }

  if (value.kind == Value::Kind::String) {
    const std::size_t length = code_points(value.text);
    if (schema.contains("minLength") && length < schema["minLength"].get<std::size_t>()) {
      add(with_expectation(length == 0 ? std::string("must not be empty")
                                       : "is " + std::to_string(length) + " characters long; at least " +
                                             schema["minLength"].dump() + " are required",
                           expectation));
    }
    if (schema.contains("maxLength") && length > schema["maxLength"].get<std::size_t>()) {
      add("is " + std::to_string(length) + " characters long; at most " + schema["maxLength"].dump() + " are allowed");
    }
    if (schema.contains("pattern")) {
      const auto& pattern = schema["pattern"].get_ref<const std::string&>();
      if (!std::regex_search(value.text, patterns_->at(pattern))) {
        add(with_expectation(quote_scalar(value) + " does not match " + pattern, expectation));
      }
    }
  }
  if (value.kind == Value::Kind::Integer || value.kind == Value::Kind::Number) {
    const double number = value.kind == Value::Kind::Integer ? static_cast<double>(value.integer) : value.number;
    if (schema.contains("minimum") && number < schema["minimum"].get<double>()) {
      add(quote_scalar(value) + " is below the minimum " + schema["minimum"].dump());
    }
    if (schema.contains("maximum") && number > schema["maximum"].get<double>()) {
      add(quote_scalar(value) + " is above the maximum " + schema["maximum"].dump());
    }
  }

  if (value.kind == Value::Kind::Array) {
    const auto count = value.items.size();
    if (schema.contains("minItems") && count < schema["minItems"].get<std::size_t>()) {
      add(count == 0
              ? std::string("must not be an empty list")
              : "has " + std::to_string(count) + " items; at least " + schema["minItems"].dump() + " are required");
    }
    if (schema.contains("maxItems") && count > schema["maxItems"].get<std::size_t>()) {
      add("has " + std::to_string(count) + " items; at most " + schema["maxItems"].dump() + " are allowed");
    }
    if (schema.contains("uniqueItems") && schema["uniqueItems"].get<bool>()) {
      for (std::size_t i = 1; i < count; ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (same_value(value.items[i], value.items[j])) {
            const std::string item_path = append_index(path, i);
            add("duplicate item " + quote_scalar(value.items[i]) + " (the same as " + append_index(path, j) + ")",
                value.items[i].line, &item_path);
            break;
          }
        }
      }
    }
    if (schema.contains("items")) {
      for (std::size_t i = 0; i < count; ++i) {
        check(schema["items"], value.items[i], append_index(path, i), line, expectation, issues);
      }
    }
  }

  if (value.kind == Value::Kind::Object) {
    if (schema.contains("required")) {
      for (const auto& key : schema["required"]) {
        if (value.get(key.get<std::string>()) == nullptr)
          add("missing required key " + json_quote(key.get<std::string>()));
      }
    }
    const json* properties = schema.contains("properties") ? &schema["properties"] : nullptr;
    for (const auto& member : value.members) {
      const int key_line = member.key_line > 0 ? member.key_line : line;
      const std::string member_path = append_key(path, member.key);
      if (schema.contains("propertyNames")) {
        Value key;
        key.kind = Value::Kind::String;
        key.text = member.key;
        key.line = key_line;
        std::vector<SchemaIssue> key_issues;
        check(schema["propertyNames"], key, path, key_line, expectation, key_issues);
        for (auto& issue : key_issues) add("key " + issue.message, key_line);
      }
      if (properties != nullptr && properties->contains(member.key)) {
        check((*properties)[member.key], member.value, member_path, key_line, {}, issues);
      } else if (schema.contains("additionalProperties")) {
        const json& additional = schema["additionalProperties"];
        if (additional.is_boolean() && !additional.get<bool>()) {
          std::vector<std::string> allowed;
          if (properties != nullptr) {
            for (const auto& [name, unused] : properties->items()) allowed.push_back(name);
          }
          add("unknown key " + json_quote(member.key) +
                  (allowed.empty() ? std::string("; no keys are allowed here")
                                   : "; allowed keys: " + join_json_list(json(allowed), ", ")),
              key_line);
        } else {
          check(additional, member.value, member_path, key_line, {}, issues);
        }
      }
    }
    const auto count = value.members.size();
    if (schema.contains("minProperties") && count < schema["minProperties"].get<std::size_t>()) {
      add(count == 0 ? std::string("must have at least ") + schema["minProperties"].dump() + " entry"
                     : "has " + std::to_string(count) + " entries; at least " + schema["minProperties"].dump() +
                           " are required");
    }
    if (schema.contains("maxProperties") && count > schema["maxProperties"].get<std::size_t>()) {
      add("has " + std::to_string(count) + " entries; at most " + schema["maxProperties"].dump() + " are allowed");
    }
  }

  if (schema.contains("allOf")) {
    for (const auto& sub : schema["allOf"]) check(sub, value, path, line, expectation, issues);
  }
  for (const char* keyword : {"oneOf", "anyOf"}) {
    if (!schema.contains(keyword)) continue;
    const bool exactly_one = std::string_view(keyword) == "oneOf";
    const json& branches = schema[keyword];
    std::vector<std::vector<SchemaIssue>> branch_issues;
    std::vector<std::string> simple_keys;  // when every branch is {"required": [one key]}
    bool all_simple = true;
    std::size_t matched = 0;
    for (const auto& branch : branches) {
      std::vector<SchemaIssue> found;
      check(branch, value, path, line, expectation, found);
      if (found.empty()) ++matched;
      branch_issues.push_back(std::move(found));
      const auto keys = only_required(branch);
      if (keys.size() == 1) {
        simple_keys.push_back(keys[0]);
      } else {
        all_simple = false;
      }
    }
    if (matched == 0) {
      if (all_simple) {
        add(std::string(exactly_one ? "needs exactly one of " : "needs at least one of ") +
            quoted_keys(simple_keys, "or"));
      } else {
        std::string message = "does not match any of the allowed forms:";
        for (std::size_t i = 0; i < branch_issues.size(); ++i) {
          message += " (" + std::to_string(i + 1) + ") " +
                     (branch_issues[i].empty() ? std::string("?") : branch_issues[i].front().message);
        }
        add(message);
      }
    } else if (exactly_one && matched > 1) {
      if (all_simple) {
        std::vector<std::string> present;
        for (const auto& key : simple_keys) {
          if (value.get(key) != nullptr) present.push_back(key);
        }
        add("has " + quoted_keys(present, "and") + "; exactly one of them is allowed");
      } else {
        add("matches " + std::to_string(matched) + " of the allowed forms; exactly one is allowed");
      }
    }
  }
  if (schema.contains("not") && matches(schema["not"], value)) {
    const auto keys = only_required(schema["not"]);
    add(keys.empty() ? std::string("has a form that is not allowed here")
                     : (keys.size() == 1 ? "key " + json_quote(keys[0]) + " is not allowed here"
                                         : "keys " + quoted_keys(keys, "and") + " are not allowed together here"));
  }
  if (schema.contains("if")) {
    const bool condition = matches(schema["if"], value);
    const char* branch = condition ? "then" : "else";
    if (schema.contains(branch)) {
      std::vector<SchemaIssue> found;
      check(schema[branch], value, path, line, expectation, found);
      // Say which values made the condition apply: " (with type \"SSE_S3\")".
      std::string because;
      if (schema["if"].is_object() && schema["if"].contains("properties") && value.kind == Value::Kind::Object) {
        for (const auto& [name, unused] : schema["if"]["properties"].items()) {
          if (const Value* member = value.get(name)) {
            because += (because.empty() ? " (with " : ", ") + name + " " + quote_scalar(*member);
          }
        }
        if (!because.empty()) because += ")";
      }
      for (auto& issue : found) {
        issue.message += because;
        issues.push_back(std::move(issue));
      }
    }
  }
}

Outcome<const SchemaValidator*> queries_schema_validator() {
  static const Outcome<SchemaValidator> validator = SchemaValidator::create(embedded_queries_schema());
  if (!validator) return validator.get_failure();
  return &validator.get_result();
}

}  // namespace athena_runner::spec::detail
