// parse_yaml (target ar_spec, with yaml-cpp); the Value helpers and parse_json are in value.cpp (ar_spec_core).
#include "yaml_value.hpp"

#include "athena_runner/base/text.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <set>

namespace athena_runner::spec::detail {
namespace {

constexpr std::string_view kErrorCode = "InvalidQueriesFile";
constexpr std::string_view kQuotedTag = "!";
constexpr std::string_view kStringTag = "tag:yaml.org,2002:str";

Error parse_error(std::string_view display_name, int line, const std::string& problem) {
  return make_error(ErrorKind::InvalidInput, std::string(kErrorCode),
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
      out.number = std::strtod(text.c_str(), nullptr);  // out of range: ±inf or 0, no exception
    }
  } else if (std::regex_match(text, kFloat)) {
    out.kind = Value::Kind::Number;
    out.number = std::strtod(text.c_str(), nullptr);  // out of range: ±inf or 0, no exception
  } else {
    out.kind = Value::Kind::String;
  }
}

// A queries file is a few levels deep and a few thousand values long. Aliases (*name) can make a node
// contain itself or expand exponentially ("billion laughs"): both limits turn that into an error.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxValues = 100'000;

struct Budget {
  std::size_t values = 0;
};

Outcome<Value> convert(const YAML::Node& node, std::string_view display_name, int depth, Budget& budget) {
  Value out;
  out.line = node.Mark().line + 1;
  if (depth > kMaxDepth) {
    return parse_error(display_name, out.line,
                       "nested more than " + std::to_string(kMaxDepth) +
                           " levels deep (is there a YAML alias, *name, inside the node its anchor &name names?)");
  }
  if (++budget.values > kMaxValues) {
    return parse_error(display_name, out.line,
                       "more than " + std::to_string(kMaxValues) +
                           " values once YAML aliases (*name) are expanded; write the values out or use fewer aliases");
  }
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
        auto converted = convert(item, display_name, depth + 1, budget);
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
        auto converted = convert(entry.second, display_name, depth + 1, budget);
        if (!converted) return std::move(converted).get_failure();
        Value value = std::move(converted).get_result();
        if (value.kind == Value::Kind::Null && value.line <= 0) value.line = key_line;
        out.members.push_back(Value::Member{key, key_line, std::move(value)});
      }
      return out;
  }
  return out;
}

}  // namespace

Outcome<Value> parse_yaml(std::string_view text, std::string_view display_name) {
  // YAML is Unicode text; a queries file must be UTF-8 (what every later message and JSON output assumes).
  if (const std::size_t bad = text::first_invalid_utf8(text); bad != std::string_view::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[bad])));
    return parse_error(display_name, static_cast<int>(line),
                       std::string("not UTF-8 text (byte ") + hex + "); save the file as UTF-8");
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return parse_error(display_name, e.mark.line + 1, "invalid YAML: " + e.msg);
  }
  Budget budget;
  auto converted = convert(root, display_name, 0, budget);
  if (converted && converted->line <= 0) converted->line = 1;
  return converted;
}

}  // namespace athena_runner::spec::detail
