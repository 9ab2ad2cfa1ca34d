// The JSON Schema interpreter on small schemas: it refuses keywords it does not implement, and each keyword
// behaves as JSON Schema 2020-12 specifies.
#include "json_schema.hpp"

#include <gtest/gtest.h>

namespace athena_runner::spec::detail {
namespace {

std::vector<std::string> problems(const std::string& schema, const std::string& yaml) {
  auto validator = SchemaValidator::create(schema);
  EXPECT_TRUE(validator) << validator.get_failure().message;
  auto value = parse_yaml(yaml, "t.yaml");
  EXPECT_TRUE(value) << value.get_failure().message;
  std::vector<std::string> out;
  for (const auto& issue : validator->validate(*value)) {
    out.push_back(std::to_string(issue.line) + " " + issue.path + ": " + issue.message);
  }
  return out;
}

TEST(SchemaValidator, RefusesUnknownKeywordsLoudly) {
  auto validator = SchemaValidator::create(R"({"type": "object", "properties": {"a": {"format": "email"}}})");
  ASSERT_FALSE(validator);
  EXPECT_EQ(validator.get_failure().code, "UnsupportedSchemaKeyword");
  EXPECT_EQ(validator.get_failure().message,
            "the queries schema uses the keyword \"format\" at #/properties/a/format, which the validator does not "
            "implement");
}

TEST(SchemaValidator, RefusesDanglingReferencesAndBadPatterns) {
  EXPECT_FALSE(SchemaValidator::create(R"({"$ref": "#/$defs/missing"})"));
  EXPECT_FALSE(SchemaValidator::create(R"({"pattern": "(unclosed"})"));
  EXPECT_FALSE(SchemaValidator::create(R"({"type": "text"})"));
}

TEST(SchemaValidator, PropertyNamesInPropertiesAreNotKeywords) {
  // "format" here is a property name, not the keyword.
  EXPECT_TRUE(SchemaValidator::create(R"({"properties": {"format": {"type": "string"}}})"));
}

TEST(SchemaValidator, TypesFollowYamlCoreSchema) {
  const std::string schema = R"({"type": "object", "properties": {
      "s": {"type": "string"}, "i": {"type": "integer"}, "n": {"type": "number"}, "b": {"type": "boolean"},
      "z": {"type": "null"}}})";
  EXPECT_TRUE(problems(schema, "s: 'true'\ni: 12\nn: 1.5\nb: false\nz: ~\n").empty());
  EXPECT_EQ(problems(schema, "s: true\n"), std::vector<std::string>{"1 s: expected a string, got the boolean true"});
  EXPECT_EQ(problems(schema, "i: 1.5\n"), std::vector<std::string>{"1 i: expected an integer, got the number 1.5"});
  EXPECT_EQ(problems(schema, "i: 2.0\n"), std::vector<std::string>{});  // 2.0 is an integer in JSON Schema
  EXPECT_EQ(problems(schema, "z: 0\n"), std::vector<std::string>{"1 z: expected null, got the integer 0"});
}

TEST(SchemaValidator, AnyOfAllOfAndBounds) {
  const std::string schema = R"({"type": "object", "properties": {
      "a": {"anyOf": [{"type": "integer", "minimum": 10}, {"type": "string", "maxLength": 2}]},
      "b": {"allOf": [{"type": "integer"}, {"maximum": 3}]},
      "c": {"type": "array", "maxItems": 1},
      "d": {"type": "object", "maxProperties": 1}}})";
  EXPECT_TRUE(problems(schema, "a: 11\nb: 3\nc: [1]\nd: {x: 1}\n").empty());
  EXPECT_TRUE(problems(schema, "a: ab\n").empty());
  EXPECT_EQ(problems(schema, "a: 5\n"),
            std::vector<std::string>{"1 a: does not match any of the allowed forms: (1) 5 is below the minimum 10 (2) "
                                     "expected a string, got the integer 5"});
  EXPECT_EQ(problems(schema, "b: 4\n"), std::vector<std::string>{"1 b: 4 is above the maximum 3"});
  EXPECT_EQ(problems(schema, "c: [1, 2]\n"), std::vector<std::string>{"1 c: has 2 items; at most 1 are allowed"});
  EXPECT_EQ(problems(schema, "d: {x: 1, y: 2}\n"),
            std::vector<std::string>{"1 d: has 2 entries; at most 1 are allowed"});
}

TEST(SchemaValidator, OneOfCountsMatches) {
  const std::string schema = R"({"oneOf": [{"type": "integer"}, {"minimum": 5}]})";
  EXPECT_TRUE(problems(schema, "3\n").empty());    // only the first
  EXPECT_TRUE(problems(schema, "5.5\n").empty());  // only the second
  EXPECT_EQ(problems(schema, "7\n"),
            std::vector<std::string>{"1 : matches 2 of the allowed forms; exactly one is allowed"});
}

TEST(SchemaValidator, AdditionalPropertiesAsSchemaAndPropertyNames) {
  const std::string schema = R"({"type": "object", "propertyNames": {"pattern": "^[a-z]+$"},
      "additionalProperties": {"type": "integer"}})";
  EXPECT_TRUE(problems(schema, "a: 1\nb: 2\n").empty());
  EXPECT_EQ(problems(schema, "a: 1\nB: x\n"),
            (std::vector<std::string>{"2 : key \"B\" does not match ^[a-z]+$",
                                      "2 B: expected an integer, got the string \"x\""}));
}

TEST(SchemaValidator, EnumConstAndUnicodeLengths) {
  const std::string schema = R"({"type": "object", "properties": {
      "e": {"enum": ["x", 1]}, "c": {"const": "k"}, "s": {"type": "string", "minLength": 2, "maxLength": 2}}})";
  EXPECT_TRUE(problems(schema, "e: 1\nc: k\ns: \"äö\"\n").empty());  // 2 characters, 4 bytes
  EXPECT_EQ(problems(schema, "e: '1'\n"), std::vector<std::string>{"1 e: \"1\" is not one of x, 1"});
  EXPECT_EQ(problems(schema, "c: K\n"), std::vector<std::string>{"1 c: expected \"k\", got \"K\""});
  EXPECT_EQ(problems(schema, "s: a\n"), std::vector<std::string>{"1 s: is 1 characters long; at least 2 are required"});
}

TEST(SchemaValidator, FalseSchemaAndBooleanAdditionalProperties) {
  EXPECT_EQ(problems(R"({"properties": {"a": false}})", "a: 1\n"),
            std::vector<std::string>{"1 a: no value is allowed here"});
  EXPECT_EQ(problems(R"({"additionalProperties": false})", "a: 1\n"),
            std::vector<std::string>{"1 : unknown key \"a\"; no keys are allowed here"});
}

}  // namespace
}  // namespace athena_runner::spec::detail
