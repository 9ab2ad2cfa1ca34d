// Value helpers and parse_json (target ar_spec_core, no yaml-cpp: the Lambda reads query specs from JSON
// only). JSON is read with nlohmann's SAX parser over an iterator that counts lines, so that errors in a
// multi-line payload name the line, as the YAML reader (yaml_value.cpp) does for queries files.
#include <cstddef>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "yaml_value.hpp"

namespace athena_runner::spec::detail {
namespace {

constexpr std::string_view kErrorCode = "InvalidQueriesFile";

Error parse_error(std::string_view display_name, int line, const std::string& problem) {
  return make_error(ErrorKind::InvalidInput, std::string(kErrorCode),
                    std::string(display_name) + ":" + std::to_string(line) + ": " + problem);
}

// What the JSON lexer has consumed so far: the current line, and whether the last character was a newline
// (the lexer reads one character past a number before reporting it).
struct LinePosition {
  int line = 1;
  bool last_was_newline = false;
};

// An input iterator over text that advances LinePosition as the lexer consumes characters.
class LineCountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  LineCountingIterator(const char* at, LinePosition* position) : at_(at), position_(position) {}
  reference operator*() const { return *at_; }
  LineCountingIterator& operator++() {
    position_->last_was_newline = *at_ == '\n';
    if (position_->last_was_newline) ++position_->line;
    ++at_;
    return *this;
  }
  LineCountingIterator operator++(int) {
    LineCountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const LineCountingIterator& other) const { return at_ == other.at_; }
  bool operator!=(const LineCountingIterator& other) const { return at_ != other.at_; }

 private:
  const char* at_;
  LinePosition* position_;
};

// Builds a Value tree from SAX events, each value and key with the line of its token.
class ValueBuilder {
 public:
  using json = nlohmann::json;

  explicit ValueBuilder(const LinePosition& position) : position_(position) {}

  bool null() { return add(scalar(Value::Kind::Null, "null")); }
  bool boolean(bool value) {
    Value out = scalar(Value::Kind::Boolean, value ? "true" : "false");
    out.boolean = value;
    return add(std::move(out));
  }
  bool number_integer(json::number_integer_t value) {
    Value out = scalar(Value::Kind::Integer, std::to_string(value), number_line());
    out.integer = value;
    return add(std::move(out));
  }
  bool number_unsigned(json::number_unsigned_t value) {
    if (value <= static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
      return number_integer(static_cast<json::number_integer_t>(value));
    }
    Value out = scalar(Value::Kind::Number, std::to_string(value), number_line());
    out.number = static_cast<double>(value);
    return add(std::move(out));
  }
  bool number_float(json::number_float_t value, const json::string_t& text) {
    Value out = scalar(Value::Kind::Number, text, number_line());
    out.number = value;
    return add(std::move(out));
  }
  bool string(json::string_t& text) { return add(scalar(Value::Kind::String, std::move(text))); }
  bool binary(json::binary_t&) { return fail(position_.line, "binary values are not JSON"); }
  bool start_object(std::size_t) { return open(Value::Kind::Object); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(Value::Kind::Array); }
  bool end_array() { return close(); }
  bool key(json::string_t& key) {
    Open& object = open_.back();
    if (object.value.get(key) != nullptr) return fail(position_.line, "duplicate key " + json_quote(key));
    object.key = std::move(key);
    object.key_line = position_.line;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& exception) {
    return fail(position_.line, std::string("invalid JSON: ") + exception.what());
  }

  Value& root() { return root_; }
  const std::optional<std::pair<int, std::string>>& error() const { return error_; }

 private:
  struct Open {
    Value value;
    std::string key;  // of the member being read, in an object
    int key_line = 0;
  };

  // A number is reported after the character that ends it has been read: if that was a newline, the number
  // was on the line before.
  int number_line() const { return position_.last_was_newline ? position_.line - 1 : position_.line; }

  Value scalar(Value::Kind kind, std::string text, int line = 0) const {
    Value out;
    out.kind = kind;
    out.text = std::move(text);
    out.line = line > 0 ? line : position_.line;
    return out;
  }
  bool open(Value::Kind kind) {
    Open opened;
    opened.value.kind = kind;
    opened.value.line = position_.line;
    open_.push_back(std::move(opened));
    return true;
  }
  bool close() {
    Value done = std::move(open_.back().value);
    open_.pop_back();
    return add(std::move(done));
  }
  bool add(Value value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return true;
    }
    Open& parent = open_.back();
    if (parent.value.kind == Value::Kind::Array) {
      parent.value.items.push_back(std::move(value));
    } else {
      parent.value.members.push_back(Value::Member{std::move(parent.key), parent.key_line, std::move(value)});
    }
    return true;
  }
  bool fail(int line, std::string problem) {
    if (!error_) error_.emplace(line, std::move(problem));
    return false;
  }

  const LinePosition& position_;
  std::vector<Open> open_;
  Value root_;
  std::optional<std::pair<int, std::string>> error_;
};

}  // namespace

const Value* Value::get(std::string_view key) const {
  for (const auto& member : members) {
    if (member.key == key) return &member.value;
  }
  return nullptr;
}

// Invalid UTF-8 (which the readers refuse anyway) is shown as U+FFFD rather than throwing.
std::string json_quote(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

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

Outcome<Value> parse_json(std::string_view text, std::string_view display_name) {
  LinePosition position;
  ValueBuilder builder(position);
  const LineCountingIterator first(text.data(), &position);
  const LineCountingIterator last(text.data() + text.size(), &position);
  const bool parsed = nlohmann::json::sax_parse(first, last, &builder);
  if (!parsed || builder.error()) {
    const auto& error = builder.error();
    return parse_error(display_name, error ? error->first : position.line, error ? error->second : "invalid JSON");
  }
  Value value = std::move(builder.root());
  if (value.line <= 0) value.line = 1;
  return value;
}

}  // namespace athena_runner::spec::detail
