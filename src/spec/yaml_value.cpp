#include "yaml_value.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace athena_runner::spec::detail {
namespace {

constexpr std::string_view kErrorCode = "InvalidQueriesFile";
constexpr std::string_view kQuotedTag = "!";
constexpr std::string_view kStringTag = "tag:yaml.org,2002:str";

aws::Error parse_error(std::string_view display_name, int line, const std::string& problem) {
  return aws::make_error(aws::ErrorKind::InvalidInput, std::string(kErrorCode),
                         std::string(display_name) + ":" + std::to_string(line) + ": " + problem);
}

// YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
void resolve_plain_scalar(const std::string& text, Value& out) {
  static const std::set<std::string> kNulls = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string> kTrue = {"true", "True", "TRUE"};
  static const std::set<std::string> kFalse = {"false", "False", "FALSE"};
  static const std::regex kInteger("^[-+]?[0-9]+$");
  static const std::regex kFloat("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");
  out.text = text;
  if (kNulls.count(text)) {
    out.kind = Value::Kind::Null;
  } else if (kTrue.count(text) || kFalse.count(text)) {
    out.kind = Value::Kind::Boolean;
    out.boolean = kTrue.count(text) > 0;
  } else if (std::regex_match(text, kInteger)) {
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), out.integer);
    if (ec == std::errc() && ptr == text.data() + text.size()) {
      out.kind = Value::Kind::Integer;
    } else {
      out.kind = Value::Kind::Number;
      out.number = std::stod(text);
    }
  } else if (std::regex_match(text, kFloat)) {
    out.kind = Value::Kind::Number;
    out.number = std::stod(text);
  } else {
    out.kind = Value::Kind::String;
  }
}

aws::Outcome<Value> convert(const YAML::Node& node, std::string_view display_name) {
  Value out;
  out.line = node.Mark().line + 1;
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: out.kind = Value::Kind::Null; return out;
    case YAML::NodeType::Scalar:
      if (node.Tag() == kQuotedTag || node.Tag() == kStringTag) {
        out.kind = Value::Kind::String;
        out.text = node.Scalar();
      } else {
        resolve_plain_scalar(node.Scalar(), out);
      }
      return out;
    case YAML::NodeType::Sequence:
      out.kind = Value::Kind::Array;
      for (const auto& item : node) {
        auto converted = convert(item, display_name);
        if (!converted) return std::move(converted).get_failure();
        out.items.push_back(std::move(converted).get_result());
      }
      return out;
    case YAML::NodeType::Map:
      out.kind = Value::Kind::Object;
      for (const auto& entry : node) {
        const int key_line = entry.first.Mark().line + 1;
        if (!entry.first.IsScalar()) return parse_error(display_name, key_line, "a key must be a plain string");
        const std::string& key = entry.first.Scalar();
        if (out.get(key) != nullptr) return parse_error(display_name, key_line, "duplicate key " + json_quote(key));
        auto converted = convert(entry.second, display_name);
        if (!converted) return std::move(converted).get_failure();
        Value value = std::move(converted).get_result();
        if (value.kind == Value::Kind::Null && value.line <= 0) value.line = key_line;
        out.members.push_back(Value::Member{key, key_line, std::move(value)});
      }
      return out;
  }
  return out;
}

Value from_json(const nlohmann::json& json) {
  Value out;
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      out.kind = Value::Kind::Boolean;
      out.boolean = json.get<bool>();
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      out.kind = Value::Kind::Integer;
      out.integer = json.get<std::int64_t>();
      break;
    case nlohmann::json::value_t::number_float:
      out.kind = Value::Kind::Number;
      out.number = json.get<double>();
      break;
    case nlohmann::json::value_t::string:
      out.kind = Value::Kind::String;
      out.text = json.get<std::string>();
      break;
    case nlohmann::json::value_t::array:
      out.kind = Value::Kind::Array;
      for (const auto& item : json) out.items.push_back(from_json(item));
      break;
    case nlohmann::json::value_t::object:
      out.kind = Value::Kind::Object;
      for (const auto& [key, item] : json.items()) out.members.push_back(Value::Member{key, 0, from_json(item)});
      break;
    default: out.kind = Value::Kind::Null; break;
  }
  return out;
}

}  // namespace

const Value* Value::get(std::string_view key) const {
  for (const auto& member : members) {
    if (member.key == key) return &member.value;
  }
  return nullptr;
}

std::string json_quote(std::string_view text) { return nlohmann::json(std::string(text)).dump(); }

std::string quote_scalar(const Value& value) {
  switch (value.kind) {
    case Value::Kind::Null: return "null";
    case Value::Kind::Boolean: return value.boolean ? "true" : "false";
    case Value::Kind::Integer: return std::to_string(value.integer);
    case Value::Kind::Number: return value.text.empty() ? nlohmann::json(value.number).dump() : value.text;
    case Value::Kind::String: return json_quote(value.text);
    case Value::Kind::Array: return "a list";
    case Value::Kind::Object: return "an object";
  }
  return "?";
}

std::string describe(const Value& value) {
  switch (value.kind) {
    case Value::Kind::Null: return "nothing (null)";
    case Value::Kind::Boolean: return "the boolean " + quote_scalar(value);
    case Value::Kind::Integer: return "the integer " + quote_scalar(value);
    case Value::Kind::Number: return "the number " + quote_scalar(value);
    case Value::Kind::String: return "the string " + quote_scalar(value);
    case Value::Kind::Array: return "a list";
    case Value::Kind::Object: return "an object";
  }
  return "?";
}

aws::Outcome<Value> parse_yaml(std::string_view text, std::string_view display_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return parse_error(display_name, e.mark.line + 1, "invalid YAML: " + e.msg);
  }
  auto converted = convert(root, display_name);
  if (converted && converted->line <= 0) converted->line = 1;
  return converted;
}

aws::Outcome<Value> parse_json(std::string_view text, std::string_view display_name) {
  auto as_yaml = parse_yaml(text, display_name);
  if (as_yaml) return as_yaml;
  // Valid JSON that yaml-cpp refuses (rare: tabs, some escapes): read it without line numbers.
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return as_yaml;
  Value value = from_json(json);
  value.line = 1;
  return value;
}

}  // namespace athena_runner::spec::detail
