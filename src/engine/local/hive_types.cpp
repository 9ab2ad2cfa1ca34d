#include "hive_types.hpp"

#include <array>
#include <cctype>
#include <utility>

#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine::local {
namespace {

constexpr int kDefaultDecimalPrecision = 10;  // Hive's "decimal" without arguments
constexpr int kDefaultDecimalScale = 0;

struct Simple {
  std::string_view hive;
  std::string_view duck;
};
constexpr std::array kSimpleTypes{
    Simple{"string", "VARCHAR"},      Simple{"tinyint", "TINYINT"}, Simple{"smallint", "SMALLINT"},
    Simple{"int", "INTEGER"},         Simple{"integer", "INTEGER"}, Simple{"bigint", "BIGINT"},
    Simple{"float", "FLOAT"},         Simple{"double", "DOUBLE"},   Simple{"date", "DATE"},
    Simple{"timestamp", "TIMESTAMP"}, Simple{"boolean", "BOOLEAN"}, Simple{"binary", "BLOB"},
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Outcome<DuckType> parse_all() {
    auto type = parse();
    if (!type) return type;
    skip_spaces();
    if (pos_ != text_.size()) return fail("unexpected text after the type");
    return type;
  }

 private:
  // Glue allows long type strings; Hive and Athena nest types only a few levels deep.
  static constexpr int kMaxDepth = 100;

  Outcome<DuckType> parse(int depth = 0) {
    if (depth > kMaxDepth) return fail("types nested more than " + std::to_string(kMaxDepth) + " levels deep");
    skip_spaces();
    std::string word = read_word();
    if (word.empty()) return fail("a type name was expected");
    for (const auto& simple : kSimpleTypes) {
      if (word == simple.hive) return DuckType{std::string(simple.duck), false};
    }
    if (word == "varchar" || word == "char") {
      if (!consume('(')) return fail(word + " needs a length");
      if (read_number() < 0) return fail(word + " needs a length");
      if (!consume(')')) return fail("')' expected");
      return DuckType{"VARCHAR", false};
    }
    if (word == "decimal") {
      int precision = kDefaultDecimalPrecision;
      int scale = kDefaultDecimalScale;
      if (consume('(')) {
        precision = read_number();
        if (consume(',')) scale = read_number();
        if (precision < 1 || scale < 0 || scale > precision || !consume(')')) {
          return fail("decimal(precision, scale) expected");
        }
      }
      return DuckType{"DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")", false};
    }
    if (word == "array") {
      if (!consume('<')) return fail("array<...> expected");
      auto element = parse(depth + 1);
      if (!element) return element;
      if (!consume('>')) return fail("'>' expected");
      return DuckType{element->sql + "[]", true};
    }
    if (word == "map") {
      if (!consume('<')) return fail("map<...> expected");
      auto key = parse(depth + 1);
      if (!key) return key;
      if (!consume(',')) return fail("',' expected in map<key,value>");
      auto value = parse(depth + 1);
      if (!value) return value;
      if (!consume('>')) return fail("'>' expected");
      return DuckType{"MAP(" + key->sql + ", " + value->sql + ")", true};
    }
    if (word == "struct") {
      if (!consume('<')) return fail("struct<...> expected");
      std::string fields;
      do {
        skip_spaces();
        std::string name = read_field_name();
        if (name.empty() || !consume(':')) return fail("struct field 'name:type' expected");
        auto field_type = parse(depth + 1);
        if (!field_type) return field_type;
        if (!fields.empty()) fields += ", ";
        fields += quote_identifier(name) + " " + field_type->sql;
      } while (consume(','));
      if (!consume('>')) return fail("'>' expected");
      return DuckType{"STRUCT(" + fields + ")", true};
    }
    return make_error(ErrorKind::InvalidInput, std::string(error_codes::kNotSupported),
                      "unsupported Hive column type '" + word + "' in '" + shown() + "'");
  }

  Error fail(const std::string& what) const {
    return make_error(ErrorKind::InvalidInput, std::string(error_codes::kInvalidCatalog),
                      "cannot parse Hive type '" + shown() + "': " + what + " at offset " + std::to_string(pos_));
  }
  // The type as messages quote it: long ones cut short.
  std::string shown() const {
    constexpr std::size_t kShown = 200;
    return text_.size() <= kShown ? std::string(text_) : std::string(text_.substr(0, kShown)) + "...";
  }
  void skip_spaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool consume(char expected) {
    skip_spaces();
    if (pos_ < text_.size() && text_[pos_] == expected) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string read_word() {
    std::string word;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_++])));
    }
    return word;
  }
  std::string read_field_name() {
    std::string name;
    while (pos_ < text_.size() && text_[pos_] != ':' && text_[pos_] != ',' && text_[pos_] != '>' &&
           !std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      name += text_[pos_++];
    }
    return name;
  }
  int read_number() {
    skip_spaces();
    int value = -1;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      value = (value < 0 ? 0 : value * 10) + (text_[pos_++] - '0');
      if (value > 1'000'000) return -1;
    }
    return value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Outcome<DuckType> hive_to_duckdb_type(std::string_view hive_type) { return Parser(hive_type).parse_all(); }

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace athena_runner::engine::local
