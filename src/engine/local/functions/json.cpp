// Trino's JSON functions and casts (docs: functions/json), over JSON text. Trino reads JSON with Jackson's
// streaming parser and writes it with Jackson's generator; this file does the same steps: a token reader
// that fails where Jackson fails (leading zeros, trailing commas, unquoted control characters, NaN), the
// generator's text (compact, `\n`-style escapes, `\u00XX` upper case, numbers through Java's double text),
// json_parse's canonical form (keys sorted, a repeated key keeps its last value), and the legacy path
// language of json_extract (`$`, `.key`, `["key"]`, `[0]`; a path step on a scalar gives NULL).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json_tree.hpp"
#include "rows.hpp"

namespace athena_runner::engine::udf {
namespace {

constexpr std::size_t kMaxDepth = 1000;  // Jackson's StreamReadConstraints default nesting depth

struct ParseError {
  const char* what;
};

bool is_scalar(Tok t) { return t == Tok::String || t == Tok::Int || t == Tok::Float || t >= Tok::True; }

// Jackson's streaming parser, token by token (nothing past the current token is read).
class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  Tok current() const { return current_; }
  const std::string& text() const { return text_; }  // string value, field name or the number's characters
  std::size_t depth() const { return stack_.size(); }

  Tok next() {
    skip_whitespace();
    if (stack_.empty()) {
      if (pos_ >= s_.size()) return current_ = Tok::None;
      return value();
    }
    Frame& top = stack_.back();
    if (pos_ >= s_.size()) throw ParseError{"unexpected end of input"};
    const char c = s_[pos_];
    if (top.kind == '[') {
      if (c == ']' && top.state != kAfterField) return close(Tok::EndArray);
      if (top.state == kAfterValue) {
        if (c != ',') throw ParseError{"expected ',' or ']'"};
        ++pos_;
        skip_whitespace();
      }
      top.state = kAfterValue;
      return value();
    }
    if (top.state == kAfterField) {
      if (c != ':') throw ParseError{"expected ':'"};
      ++pos_;
      skip_whitespace();
      top.state = kAfterValue;
      return value();
    }
    if (c == '}') return close(Tok::EndObject);
    if (top.state == kAfterValue) {
      if (c != ',') throw ParseError{"expected ',' or '}'"};
      ++pos_;
      skip_whitespace();
    }
    if (pos_ >= s_.size() || s_[pos_] != '"') throw ParseError{"expected a field name"};
    ++pos_;
    read_string();
    top.state = kAfterField;
    return current_ = Tok::FieldName;
  }

  // At the start of an object or array: reads to its end (the current token is then that end).
  void skip_children() {
    if (current_ != Tok::StartObject && current_ != Tok::StartArray) return;
    const std::size_t level = stack_.size();
    while (stack_.size() >= level) {
      if (next() == Tok::None) throw ParseError{"unexpected end of input"};
    }
  }

 private:
  static constexpr int kFirst = 0;
  static constexpr int kAfterValue = 1;
  static constexpr int kAfterField = 2;
  struct Frame {
    char kind;
    int state;
  };

  void skip_whitespace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  Tok close(Tok t) {
    ++pos_;
    stack_.pop_back();
    return current_ = t;
  }
  Tok value() {
    if (pos_ >= s_.size()) throw ParseError{"unexpected end of input"};
    const char c = s_[pos_];
    if (c == '{' || c == '[') {
      if (stack_.size() >= kMaxDepth) throw ParseError{"nesting too deep"};
      ++pos_;
      stack_.push_back({c, kFirst});
      return current_ = c == '{' ? Tok::StartObject : Tok::StartArray;
    }
    if (c == '"') {
      ++pos_;
      read_string();
      return current_ = Tok::String;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (auto [word, tok] :
         {std::pair{std::string_view("true"), Tok::True}, std::pair{std::string_view("false"), Tok::False},
          std::pair{std::string_view("null"), Tok::Null}}) {
      if (s_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        if (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
          throw ParseError{"unrecognized token"};
        }
        text_ = word;
        return current_ = tok;
      }
    }
    throw ParseError{"unexpected character"};
  }
  bool digit_at(std::size_t i) const { return i < s_.size() && s_[i] >= '0' && s_[i] <= '9'; }
  Tok number() {
    const std::size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (!digit_at(pos_)) throw ParseError{"no digit after '-'"};
    if (s_[pos_] == '0' && digit_at(pos_ + 1)) throw ParseError{"leading zeroes are not allowed"};
    while (digit_at(pos_)) ++pos_;
    bool floating = false;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      floating = true;
      ++pos_;
      if (!digit_at(pos_)) throw ParseError{"decimal point not followed by a digit"};
      while (digit_at(pos_)) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      floating = true;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digit_at(pos_)) throw ParseError{"exponent without digits"};
      while (digit_at(pos_)) ++pos_;
    }
    if (pos_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) {
      throw ParseError{"invalid number"};
    }
    text_.assign(s_.substr(start, pos_ - start));
    return current_ = floating ? Tok::Float : Tok::Int;
  }
  unsigned hex4() {
    if (pos_ + 4 > s_.size()) throw ParseError{"bad \\u escape"};
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= static_cast<unsigned>(h - 'A' + 10);
      else
        throw ParseError{"bad \\u escape"};
    }
    return v;
  }
  void read_string() {
    text_.clear();
    while (true) {
      if (pos_ >= s_.size()) throw ParseError{"unterminated string"};
      const char c = s_[pos_++];
      if (c == '"') return;
      if (static_cast<unsigned char>(c) < 0x20) throw ParseError{"unescaped control character"};
      if (c != '\\') {
        text_ += c;
        continue;
      }
      if (pos_ >= s_.size()) throw ParseError{"unterminated string"};
      const char e = s_[pos_++];
      switch (e) {
        case '"': text_ += '"'; break;
        case '\\': text_ += '\\'; break;
        case '/': text_ += '/'; break;
        case 'b': text_ += '\b'; break;
        case 'f': text_ += '\f'; break;
        case 'n': text_ += '\n'; break;
        case 'r': text_ += '\r'; break;
        case 't': text_ += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') throw ParseError{"lone surrogate"};
            pos_ += 2;
            const unsigned low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) throw ParseError{"lone surrogate"};
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            throw ParseError{"lone surrogate"};
          }
          append_code_point(text_, cp);
          break;
        }
        default: throw ParseError{"unrecognized escape"};
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::vector<Frame> stack_;
  Tok current_ = Tok::None;
  std::string text_;
};

// ---- Jackson's generator ----

void write_string(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '"';
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

double to_double(const std::string& number) { return std::strtod(number.c_str(), nullptr); }

// A number as the generator writes what the parser read: integers as their value, the rest as a double
// (Java's Double.toString; Jackson writes non-finite doubles as strings).
void write_number(std::string& out, Tok t, const std::string& raw) {
  if (t == Tok::Int) {
    out += raw == "-0" ? "0" : raw;
    return;
  }
  const double value = to_double(raw);
  if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return;
  }
  out += java_floating_string(value);
}

void write_scalar(std::string& out, const Reader& r) {
  switch (r.current()) {
    case Tok::String: write_string(out, r.text()); break;
    case Tok::Int:
    case Tok::Float: write_number(out, r.current(), r.text()); break;
    default: out += r.text();  // true, false, null
  }
}

// JsonGenerator.copyCurrentStructure: the value at the reader's current token, keys in their order.
std::string copy_structure(Reader& r) {
  std::string out;
  if (is_scalar(r.current())) {
    write_scalar(out, r);
    return out;
  }
  std::vector<bool> first;
  bool after_field = false;
  auto separate = [&] {
    if (after_field) {
      after_field = false;
    } else if (!first.empty()) {
      if (first.back())
        first.back() = false;
      else
        out += ',';
    }
  };
  Tok t = r.current();
  while (true) {
    switch (t) {
      case Tok::StartObject:
      case Tok::StartArray:
        separate();
        out += t == Tok::StartObject ? '{' : '[';
        first.push_back(true);
        break;
      case Tok::EndObject:
      case Tok::EndArray:
        out += t == Tok::EndObject ? '}' : ']';
        first.pop_back();
        break;
      case Tok::FieldName:
        separate();
        write_string(out, r.text());
        out += ':';
        after_field = true;
        break;
      default: separate(); write_scalar(out, r);
    }
    if (first.empty()) return out;
    t = r.next();
    if (t == Tok::None) throw ParseError{"unexpected end of input"};
  }
}

// ---- trees (json_parse: Jackson's readValue into maps and lists, then written back) ----

Node read_tree(Reader& r) {
  Node node;
  node.kind = r.current();
  if (is_scalar(node.kind)) {
    node.text = r.text();
    return node;
  }
  if (node.kind == Tok::StartArray) {
    while (r.next() != Tok::EndArray) node.items.push_back(read_tree(r));
    return node;
  }
  if (node.kind != Tok::StartObject) throw ParseError{"unexpected token"};
  while (r.next() == Tok::FieldName) {
    std::string key = r.text();
    r.next();
    Node value = read_tree(r);
    // A LinkedHashMap: a repeated key keeps its place and takes the last value.
    auto existing = std::find(node.keys.begin(), node.keys.end(), key);
    if (existing != node.keys.end()) {
      node.items[static_cast<std::size_t>(existing - node.keys.begin())] = std::move(value);
    } else {
      node.keys.push_back(std::move(key));
      node.items.push_back(std::move(value));
    }
  }
  return node;
}

// Java's String.compareTo: UTF-16 code units.
std::u16string utf16(std::string_view s) {
  std::u16string out;
  for (uint32_t cp : code_points(s)) {
    if (cp >= 0x10000) {
      out += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
  }
  return out;
}

void write_tree(std::string& out, const Node& node, bool sorted) {
  switch (node.kind) {
    case Tok::String: write_string(out, node.text); return;
    case Tok::Int:
    case Tok::Float: write_number(out, node.kind, node.text); return;
    case Tok::StartArray:
      out += '[';
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        if (i) out += ',';
        write_tree(out, node.items[i], sorted);
      }
      out += ']';
      return;
    case Tok::StartObject: {
      // Sorted: by the keys' UTF-16 code units (a TreeMap of Java strings); else in the object's order.
      std::vector<std::size_t> order(node.keys.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      if (sorted) {
        std::vector<std::u16string> keys;
        for (const auto& key : node.keys) keys.push_back(utf16(key));
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
      }
      out += '{';
      for (std::size_t i = 0; i < order.size(); ++i) {
        if (i) out += ',';
        write_string(out, node.keys[order[i]]);
        out += ':';
        write_tree(out, node.items[order[i]], sorted);
      }
      out += '}';
      return;
    }
    default: out += node.text;
  }
}

// ---- the legacy JSON path (JsonPathTokenizer) ----

struct PathError {};

bool unquoted_subscript_char(char c) {
  return c == '_' || std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
}

std::vector<std::string> path_tokens(std::string_view path) {
  if (path.empty() || path[0] != '$') throw PathError{};
  std::vector<std::string> tokens;
  std::size_t i = 1;
  while (i < path.size()) {
    std::string token;
    if (path[i] == '.') {
      ++i;
      while (i < path.size() && (path[i] == ':' || unquoted_subscript_char(path[i]))) token += path[i++];
      if (token.empty()) throw PathError{};
    } else if (path[i] == '[') {
      ++i;
      if (i < path.size() && path[i] == '"') {
        ++i;
        bool closed = false;
        while (i < path.size()) {
          if (path[i] == '"') {
            closed = true;
            ++i;
            break;
          }
          if (path[i] == '\\') {
            if (i + 1 >= path.size() || (path[i + 1] != '"' && path[i + 1] != '\\')) throw PathError{};
            ++i;
          }
          token += path[i++];
        }
        if (!closed) throw PathError{};
      } else {
        while (i < path.size() && unquoted_subscript_char(path[i])) token += path[i++];
        if (token.empty()) throw PathError{};
      }
      if (i >= path.size() || path[i] != ']') throw PathError{};
      ++i;
    } else {
      throw PathError{};
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// Integer.parseInt of a path token, or -1.
int path_index(const std::string& token) {
  std::size_t i = token[0] == '-' || token[0] == '+' ? 1 : 0;
  if (i == token.size() || token.size() - i > 10) return -1;
  long long v = 0;
  for (; i < token.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(token[i]))) return -1;
    v = v * 10 + (token[i] - '0');
  }
  if (token[0] == '-') v = -v;
  return v > 2147483647LL || v < -2147483648LL ? -1 : static_cast<int>(v);
}

// Moves the reader to the value the path names: false when there is none (ObjectFieldJsonExtractor).
bool follow(Reader& r, const std::vector<std::string>& tokens) {
  if (r.next() == Tok::None) return false;
  for (const auto& token : tokens) {
    if (r.current() == Tok::StartObject) {
      while (true) {
        const Tok t = r.next();
        if (t == Tok::EndObject) return false;
        if (t == Tok::FieldName && r.text() == token) break;
        r.next();
        r.skip_children();
      }
      r.next();
    } else if (r.current() == Tok::StartArray) {
      const int index = path_index(token);
      int current = 0;
      while (true) {
        const Tok t = r.next();
        if (t == Tok::EndArray) return false;
        if (current == index) break;
        ++current;
        r.skip_children();
      }
    } else {
      throw ParseError{"expected a JSON object or array"};
    }
  }
  return true;
}

// ---- DuckDB plumbing ----

duckdb_logical_type json_type() {
  duckdb_logical_type type = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  duckdb_logical_type_set_alias(type, "JSON");
  return type;
}
duckdb_logical_type json_list_type() {
  duckdb_logical_type child = json_type();
  duckdb_logical_type list = duckdb_create_list_type(child);
  duckdb_destroy_logical_type(&child);
  return list;
}

// ---- the functions ----

std::string quote(std::string_view text) {
  std::string out;
  write_string(out, text);
  return out;
}

// json_parse(varchar) and JSON '...': the value in Jackson's sorted form.
std::optional<std::string> parse_body(const Row& row) {
  const std::string_view input = row.text(0);
  try {
    Reader r(input);
    if (r.next() == Tok::None) throw ParseError{"no content"};
    Node node = read_tree(r);
    if (r.next() != Tok::None) throw ParseError{"trailing characters"};
    std::string out;
    write_tree(out, node, true);
    return out;
  } catch (const ParseError&) {
    throw Failure{"Cannot convert value to JSON: '" + std::string(input) + "'"};
  }
}

std::optional<std::string> quote_body(const Row& row) { return quote(row.text(0)); }
std::optional<std::string> identity_body(const Row& row) { return std::string(row.text(0)); }

std::vector<std::string> tokens_of(std::string_view path) {
  try {
    return path_tokens(path);
  } catch (const PathError&) {
    throw Failure{"Invalid JSON path: '" + std::string(path) + "'"};
  }
}

std::optional<std::string> extract_body(const Row& row) {
  const auto tokens = tokens_of(row.text(1));
  try {
    Reader r(row.text(0));
    if (!follow(r, tokens)) return std::nullopt;
    return copy_structure(r);
  } catch (const ParseError&) {
    return std::nullopt;
  }
}

std::optional<std::string> extract_scalar_body(const Row& row) {
  const auto tokens = tokens_of(row.text(1));
  try {
    Reader r(row.text(0));
    if (!follow(r, tokens)) return std::nullopt;
    if (!is_scalar(r.current()) || r.current() == Tok::Null) return std::nullopt;
    return r.text();
  } catch (const ParseError&) {
    return std::nullopt;
  }
}

std::optional<int64_t> size_body(const Row& row) {
  const auto tokens = tokens_of(row.text(1));
  try {
    Reader r(row.text(0));
    if (!follow(r, tokens)) return std::nullopt;
    const Tok start = r.current();
    if (start != Tok::StartArray && start != Tok::StartObject) return 0;
    int64_t length = 0;
    while (true) {
      const Tok t = r.next();
      if (t == Tok::EndArray || t == Tok::EndObject) return length;
      if (start == Tok::StartObject) {
        ++length;  // a field name; its value is skipped next
        r.next();
      } else {
        ++length;
      }
      r.skip_children();
    }
  } catch (const ParseError&) {
    return std::nullopt;
  }
}

// Calls `element` on each element of a top-level array until it returns a value; NULL when the text is
// no array or fails before the answer is known.
template <class T>
std::optional<T> each_element(std::string_view text, const std::function<std::optional<T>(Reader&)>& element,
                              std::optional<T> at_end) {
  try {
    Reader r(text);
    if (r.next() != Tok::StartArray) return std::nullopt;
    while (true) {
      const Tok t = r.next();
      if (t == Tok::EndArray) return at_end;
      if (auto answer = element(r)) return answer;
      r.skip_children();
    }
  } catch (const ParseError&) {
    return std::nullopt;
  }
}

std::optional<int64_t> array_length_body(const Row& row) {
  int64_t length = 0;
  const auto done = each_element<bool>(
      row.text(0),
      [&](Reader&) -> std::optional<bool> {
        ++length;
        return std::nullopt;
      },
      true);
  if (!done) return std::nullopt;
  return length;
}

bool fits_long(const std::string& digits) {
  const bool negative = digits[0] == '-';
  const std::string_view magnitude = std::string_view(digits).substr(negative ? 1 : 0);
  const std::string_view limit = negative ? "9223372036854775808" : "9223372036854775807";
  return magnitude.size() < limit.size() || (magnitude.size() == limit.size() && magnitude <= limit);
}

std::optional<bool> contains_boolean_body(const Row& row) {
  const bool value = row.value<bool>(1);
  return each_element<bool>(
      row.text(0),
      [&](Reader& r) -> std::optional<bool> {
        if ((r.current() == Tok::True && value) || (r.current() == Tok::False && !value)) return true;
        return std::nullopt;
      },
      false);
}
std::optional<bool> contains_bigint_body(const Row& row) {
  const auto value = row.value<int64_t>(1);
  return each_element<bool>(
      row.text(0),
      [&](Reader& r) -> std::optional<bool> {
        if (r.current() == Tok::Int && fits_long(r.text()) && std::stoll(r.text()) == value) return true;
        return std::nullopt;
      },
      false);
}
std::optional<bool> contains_double_body(const Row& row) {
  const auto value = row.value<double>(1);
  if (!std::isfinite(value)) return false;
  return each_element<bool>(
      row.text(0),
      [&](Reader& r) -> std::optional<bool> {
        if (r.current() == Tok::Float && to_double(r.text()) == value) return true;
        return std::nullopt;
      },
      false);
}
std::optional<bool> contains_varchar_body(const Row& row) {
  const std::string_view value = row.text(1);
  return each_element<bool>(
      row.text(0),
      [&](Reader& r) -> std::optional<bool> {
        if (r.current() == Tok::String && r.text() == value) return true;
        return std::nullopt;
      },
      false);
}

// json_array_get: strings and numbers as their bare text (Trino's documented, broken, semantics),
// objects and arrays as a tree (a repeated key keeps its last value), a JSON null as NULL.
std::optional<std::string> array_get_at(std::string_view text, int64_t index) {
  int64_t count = 0;
  return each_element<std::string>(
      text,
      [&](Reader& r) -> std::optional<std::string> {
        if (count++ != index) return std::nullopt;
        if (r.current() == Tok::StartArray || r.current() == Tok::StartObject) {
          Node node = read_tree(r);
          std::string out;
          write_tree(out, node, false);
          return out;
        }
        if (r.current() == Tok::Null) return std::string("\x01null");  // NULL, but found
        return r.text();
      },
      std::nullopt);
}

std::optional<std::string> array_get_body(const Row& row) {
  auto index = row.value<int64_t>(1);
  if (index == INT64_MIN) return std::nullopt;
  if (index < 0) {
    const auto length = array_length_body(row);
    if (!length || *length + index < 0) return std::nullopt;
    index += *length;
  }
  auto found = array_get_at(row.text(0), index);
  if (found && *found == "\x01null") return std::nullopt;
  return found;
}

std::optional<bool> is_scalar_body(const Row& row) {
  const std::string_view text = row.text(0);
  try {
    Reader r(text);
    const Tok t = r.next();
    if (t == Tok::None) throw ParseError{"empty"};
    r.skip_children();
    if (r.next() != Tok::None) throw ParseError{"trailing"};
    return t != Tok::StartArray && t != Tok::StartObject;
  } catch (const ParseError&) {
    throw Failure{"Invalid JSON value: " + std::string(text)};
  }
}

// ---- CAST(json AS ...) (JsonOperators: the single token, read as the target type reads it) ----

std::string java_trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= 0x20) --e;
  return std::string(s.substr(b, e - b));
}

// The one scalar token of a JSON value; nullopt for a JSON null; `fail` for anything else.
template <class F>
Tok single_token(std::string_view json, std::string& text, F fail) {
  try {
    Reader r(json);
    const Tok t = r.next();
    if (t == Tok::None || !is_scalar(t)) fail();
    text = r.text();
    if (r.next() != Tok::None) fail();
    return t;
  } catch (const ParseError&) {
    fail();
  }
  return Tok::None;
}

std::optional<std::string> to_varchar_body(const Row& row) {
  const std::string_view json = row.text(0);
  std::string text;
  const Tok t = single_token(json, text, [&] { throw Failure{"Cannot cast '" + std::string(json) + "' to VARCHAR"}; });
  if (t == Tok::Null) return std::nullopt;
  if (t == Tok::Float) return java_floating_string(to_double(text));
  return text;
}

std::optional<int64_t> parse_long(std::string_view text) {
  const bool negative = !text.empty() && text[0] == '-';
  std::size_t i = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i >= text.size()) return std::nullopt;
  const uint64_t limit = negative ? uint64_t{1} << 63 : static_cast<uint64_t>(INT64_MAX);
  uint64_t v = 0;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    const auto digit = static_cast<uint64_t>(text[i] - '0');
    if (v > (limit - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  if (!negative) return static_cast<int64_t>(v);
  return v == uint64_t{1} << 63 ? INT64_MIN : -static_cast<int64_t>(v);
}

// CAST(json AS bigint | integer | smallint | tinyint): the second argument names the type.
std::optional<int64_t> to_integral_body(const Row& row) {
  const std::string_view json = row.text(0);
  const std::string type(row.text(1));
  int64_t lo = INT64_MIN;
  int64_t hi = INT64_MAX;
  if (type == "INTEGER") {
    lo = INT32_MIN;
    hi = INT32_MAX;
  } else if (type == "SMALLINT") {
    lo = INT16_MIN;
    hi = INT16_MAX;
  } else if (type == "TINYINT") {
    lo = INT8_MIN;
    hi = INT8_MAX;
  }
  auto fail = [&] { throw Failure{"Cannot cast '" + std::string(json) + "' to " + type}; };
  std::string text;
  const Tok t = single_token(json, text, fail);
  std::optional<int64_t> value;
  switch (t) {
    case Tok::Null: return std::nullopt;
    case Tok::True: value = 1; break;
    case Tok::False: value = 0; break;
    case Tok::Int: value = parse_long(text); break;
    case Tok::Float: {
      const double d = std::round(to_double(text));  // half away from zero, as Trino casts a double
      if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) value = static_cast<int64_t>(d);
      break;
    }
    case Tok::String: {
      value = parse_long(java_trim(text));
      if (!value || *value < lo || *value > hi) throw Failure{"Cannot cast '" + text + "' to " + type};
      break;
    }
    default: fail();
  }
  if (!value || *value < lo || *value > hi) fail();
  return value;
}

std::optional<double> to_double_body(const Row& row) {
  const std::string_view json = row.text(0);
  auto fail = [&] { throw Failure{"Cannot cast '" + std::string(json) + "' to DOUBLE"}; };
  std::string text;
  switch (single_token(json, text, fail)) {
    case Tok::Null: return std::nullopt;
    case Tok::True: return 1.0;
    case Tok::False: return 0.0;
    case Tok::Int:
    case Tok::Float: return to_double(text);
    case Tok::String: {
      auto value = java_parse_double(text);
      if (!value) throw Failure{"Cannot cast '" + text + "' to DOUBLE"};
      return *value;
    }
    default: fail();
  }
  return std::nullopt;
}

std::optional<bool> to_boolean_body(const Row& row) {
  const std::string_view json = row.text(0);
  auto fail = [&] { throw Failure{"Cannot cast '" + std::string(json) + "' to BOOLEAN"}; };
  std::string text;
  switch (single_token(json, text, fail)) {
    case Tok::Null: return std::nullopt;
    case Tok::True: return true;
    case Tok::False: return false;
    case Tok::Int: {
      auto value = parse_long(text);
      if (!value) fail();
      return *value != 0;
    }
    case Tok::Float: return to_double(text) != 0;
    case Tok::String: {
      auto value = text_to_boolean(text);
      if (!value) throw Failure{"Cannot cast '" + text + "' to BOOLEAN"};
      return *value;
    }
    default: fail();
  }
  return std::nullopt;
}

// CAST(json AS decimal(p, s)): the value as BigDecimal reads the token's text (a JSON number or string),
// rounded half up to the scale (rescale, rows.hpp); its unscaled digits must fit the precision.
std::optional<std::string> to_decimal_body(const Row& row) {
  const std::string_view json = row.text(0);
  const auto precision = row.value<int64_t>(1);
  const auto scale = row.value<int64_t>(2);
  const std::string type = "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  auto fail = [&] { throw Failure{"Cannot cast '" + std::string(json) + "' to " + type}; };
  std::string text;
  std::optional<std::string> value;
  switch (single_token(json, text, fail)) {
    case Tok::Null: return std::nullopt;
    case Tok::True: value = rescale("1", precision, scale); break;
    case Tok::False: value = rescale("0", precision, scale); break;
    case Tok::Int:
    case Tok::Float:
    case Tok::String: value = rescale(text, precision, scale); break;
    default: fail();
  }
  if (!value) fail();
  if (*value == "overflow") throw Failure{"Cannot cast input json to " + type};
  return value;
}

// CAST(json AS array(T) | map(varchar, V)): a JSON null is NULL; else the value must be an array (an
// object); `read` collects its parts. Errors name the target type, as Trino's casts do.
template <class Read>
std::optional<TextList> container(const Row& row, Tok start, const char* expected, Read read) {
  const std::string_view json = row.text(0);
  const std::string type(row.text(1));
  try {
    Reader r(json);
    const Tok t = r.next();
    if (t == Tok::Null) return std::nullopt;
    if (t != start) {
      throw Failure{"Cannot cast to " + type + ". Expected a json " + expected + ", but got " + r.text() + "\n" +
                    std::string(json)};
    }
    return read(r);
  } catch (const ParseError&) {
    throw Failure{"Cannot cast to " + type + ".\n" + std::string(json)};
  }
}

// The elements' JSON texts (the SQL casts each).
std::optional<TextList> array_items_body(const Row& row) {
  return container(row, Tok::StartArray, "array", [](Reader& r) {
    TextList items;
    while (r.next() != Tok::EndArray) items.emplace_back(copy_structure(r));
    return items;
  });
}

// The keys, or the values' JSON texts.
std::optional<TextList> object_part(const Row& row, bool keys) {
  return container(row, Tok::StartObject, "object", [keys](Reader& r) {
    TextList out;
    std::vector<std::string> seen;
    while (r.next() == Tok::FieldName) {
      std::string key = r.text();
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) throw Failure{"Duplicate map keys are not allowed"};
      seen.push_back(key);
      r.next();
      std::string value = copy_structure(r);
      out.emplace_back(keys ? std::move(key) : std::move(value));
    }
    return out;
  });
}
std::optional<TextList> object_keys_body(const Row& row) { return object_part(row, true); }
std::optional<TextList> object_values_body(const Row& row) { return object_part(row, false); }

// CAST(json AS row(...)): field `name` (position `index` of `count`) as JSON text, from an object (keys
// matched case-insensitively) or an array (by position); NULL when the object has no such key.
std::optional<std::string> row_field_body(const Row& row) {
  const std::string_view json = row.text(0);
  const std::string name(row.text(1));
  const auto index = row.value<int64_t>(2);
  const auto count = row.value<int64_t>(3);
  const std::string type(row.text(4));
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  try {
    Reader r(json);
    const Tok t = r.next();
    if (t == Tok::StartArray) {
      std::optional<std::string> found;
      int64_t position = 0;
      while (r.next() != Tok::EndArray) {
        if (position++ == index)
          found = copy_structure(r);
        else
          r.skip_children();
      }
      if (position != count) {
        throw Failure{"Cannot cast to " + type + ". Expected a json array with " + std::to_string(count) +
                      " elements, but got " + std::to_string(position) + "\n" + std::string(json)};
      }
      return found;
    }
    if (t != Tok::StartObject) {
      throw Failure{"Cannot cast to " + type + ". Expected a json object or array, but got " + r.text() + "\n" +
                    std::string(json)};
    }
    std::optional<std::string> found;
    const std::string wanted = lower(name);
    while (r.next() == Tok::FieldName) {
      const bool match = lower(r.text()) == wanted;
      r.next();
      if (match)
        found = copy_structure(r);
      else
        r.skip_children();
    }
    return found;
  } catch (const ParseError&) {
    throw Failure{"Cannot cast to " + type + ".\n" + std::string(json)};
  }
}

}  // namespace

std::optional<double> java_parse_double(std::string_view text) {
  // Double.parseDouble of the trimmed text: a decimal or NaN / Infinity, with an optional sign.
  const std::string trimmed = java_trim(text);
  std::string_view body = trimmed;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  if (body == "NaN") return std::nan("");
  if (body == "Infinity") return trimmed[0] == '-' ? -INFINITY : INFINITY;
  bool digits = false;
  bool valid = !body.empty();
  for (std::size_t i = 0; i < body.size() && valid; ++i) {
    const char c = body[i];
    if (std::isdigit(static_cast<unsigned char>(c)))
      digits = true;
    else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-')
      valid = false;
  }
  char* end = nullptr;
  const double value = valid && digits ? std::strtod(trimmed.c_str(), &end) : 0;
  if (!valid || !digits || end != trimmed.c_str() + trimmed.size()) return std::nullopt;
  return value;
}

std::optional<bool> text_to_boolean(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "t" || lower == "1") return true;
  if (lower == "false" || lower == "f" || lower == "0") return false;
  return std::nullopt;
}

std::optional<int64_t> text_to_long(std::string_view text) { return parse_long(java_trim(text)); }

std::optional<Node> read_json_text(std::string_view text, bool whole) {
  try {
    Reader r(text);
    if (r.next() == Tok::None) return std::nullopt;
    Node node = read_tree(r);
    if (whole && r.next() != Tok::None) return std::nullopt;
    return node;
  } catch (const ParseError&) {
    return std::nullopt;
  }
}

void write_json_text(std::string& out, const Node& node) { write_tree(out, node, false); }

void add_json_functions(std::vector<Scalar>& out) {
  constexpr auto V = DUCKDB_TYPE_VARCHAR;
  constexpr auto B = DUCKDB_TYPE_BIGINT;
  auto json = [&](std::string name, std::vector<duckdb_type> params, duckdb_scalar_function_t f) {
    Scalar s{std::move(name), std::move(params), V, f};
    s.make_returns = json_type;
    out.push_back(std::move(s));
  };
  json("ar_json_parse", {V}, &text_function<parse_body>);
  json("ar_as_json", {V}, &text_function<identity_body>);
  json("ar_json_extract", {V, V}, &text_function<extract_body>);
  json("ar_json_array_get", {V, B}, &text_function<array_get_body>);
  json("ar_json_row_field", {V, V, B, B, V}, &text_function<row_field_body>);
  out.push_back({"ar_json_quote", {V}, V, &text_function<quote_body>});
  out.push_back({"ar_json_extract_scalar", {V, V}, V, &text_function<extract_scalar_body>});
  out.push_back({"ar_json_size", {V, V}, B, &value_function<int64_t, size_body>});
  out.push_back({"ar_json_array_length", {V}, B, &value_function<int64_t, array_length_body>});
  out.push_back({"ar_json_array_contains",
                 {V, DUCKDB_TYPE_BOOLEAN},
                 DUCKDB_TYPE_BOOLEAN,
                 &value_function<bool, contains_boolean_body>});
  out.push_back({"ar_json_array_contains", {V, B}, DUCKDB_TYPE_BOOLEAN, &value_function<bool, contains_bigint_body>});
  out.push_back({"ar_json_array_contains",
                 {V, DUCKDB_TYPE_DOUBLE},
                 DUCKDB_TYPE_BOOLEAN,
                 &value_function<bool, contains_double_body>});
  out.push_back({"ar_json_array_contains", {V, V}, DUCKDB_TYPE_BOOLEAN, &value_function<bool, contains_varchar_body>});
  out.push_back({"ar_is_json_scalar", {V}, DUCKDB_TYPE_BOOLEAN, &value_function<bool, is_scalar_body>});
  out.push_back({"ar_json_to_varchar", {V}, V, &text_function<to_varchar_body>});
  out.push_back({"ar_json_to_integral", {V, V}, B, &value_function<int64_t, to_integral_body>});
  out.push_back({"ar_json_to_double", {V}, DUCKDB_TYPE_DOUBLE, &value_function<double, to_double_body>});
  out.push_back({"ar_json_to_decimal", {V, B, B}, V, &text_function<to_decimal_body>});
  out.push_back({"ar_json_to_boolean", {V}, DUCKDB_TYPE_BOOLEAN, &value_function<bool, to_boolean_body>});
  Scalar items{"ar_json_array_items", {V, V}, V, &list_function<array_items_body>};
  items.make_returns = json_list_type;
  out.push_back(std::move(items));
  Scalar keys{"ar_json_object_keys", {V, V}, V, &list_function<object_keys_body>};
  keys.returns_list = true;
  out.push_back(std::move(keys));
  Scalar values{"ar_json_object_values", {V, V}, V, &list_function<object_values_body>};
  values.make_returns = json_list_type;
  out.push_back(std::move(values));
}

}  // namespace athena_runner::engine::udf
