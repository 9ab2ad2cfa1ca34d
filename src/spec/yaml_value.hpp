// A JSON-shaped tree read from YAML (or JSON) that keeps the line of every value and key, so that schema
// and semantic errors can name the line. YAML 1.2 core-schema scalar resolution: plain null/~/empty ->
// null, true/false -> boolean, integers, floats; quoted scalars are always strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::spec::detail {

struct Value {
  enum class Kind { Null, Boolean, Integer, Number, String, Array, Object };
  struct Member;

  Kind kind = Kind::Null;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string text;  // the string value, or the scalar as written
  std::vector<Value> items;
  std::vector<Member> members;
  int line = 0;  // 1-based; 0 when unknown

  const Value* get(std::string_view key) const;
  bool is_string() const { return kind == Kind::String; }
};

struct Value::Member {
  std::string key;
  int key_line = 0;
  Value value;
};

// "the string \"abc\"", "the integer 12", "an object", ... for messages.
std::string describe(const Value& value);
// A short JSON-like rendering of a scalar for messages: "\"10 minutes\"", 12, true, null.
std::string quote_scalar(const Value& value);
// JSON string quoting for messages.
std::string json_quote(std::string_view text);

// Parses YAML text; errors (code "InvalidQueriesFile") read "<display_name>:<line>: <problem>".
// In ar_spec (yaml_value.cpp): the only part that needs yaml-cpp.
Outcome<Value> parse_yaml(std::string_view text, std::string_view display_name);
// Parses strict JSON with the line of every value and key; errors as parse_yaml's. In ar_spec_core (value.cpp).
Outcome<Value> parse_json(std::string_view text, std::string_view display_name);

}  // namespace athena_runner::spec::detail
