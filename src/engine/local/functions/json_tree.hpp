// JSON values as Trino's Jackson reads and writes them (json.cpp), shared by the JSON functions and the
// SQL/JSON path evaluator (sqljson.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace athena_runner::engine::udf {

enum class Tok { None, StartObject, EndObject, StartArray, EndArray, FieldName, String, Int, Float, True, False, Null };

// A value: scalars keep their text (a string's value, a number's characters); an object's keys are in
// `keys`, its values in `items`.
struct Node {
  Tok kind = Tok::Null;
  std::string text;
  std::vector<std::string> keys;
  std::vector<Node> items;
  bool sql_value = false;  // the SQL/JSON path computed it (sqljson.cpp); false for what JSON text held
};

// One JSON value (a repeated key keeps its place and takes the last value); nothing when the text does not
// start with one, or (`whole`) has more after it. Not whole: Jackson's JsonParser.readValueAsTree, which
// the SQL/JSON functions read their inputs with, stops after the first value.
std::optional<Node> read_json_text(std::string_view text, bool whole = true);
// Jackson's compact text, object keys in their order.
void write_json_text(std::string& out, const Node& node);

// Text to SQL scalars as Trino's casts read it: Double.parseDouble (Java-trimmed; NaN, Infinity), the
// boolean words (true t 1 / false f 0, any case), an optionally signed integer (Java-trimmed).
std::optional<double> java_parse_double(std::string_view text);
std::optional<bool> text_to_boolean(std::string_view text);
std::optional<int64_t> text_to_long(std::string_view text);

}  // namespace athena_runner::engine::udf
