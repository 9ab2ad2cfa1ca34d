// json_query, json_value and json_exists (docs: functions/json): Trino's SQL/JSON path language evaluated
// over the input's JSON tree. The binder parsed the path already (sql/json_path.cpp); here a path is a
// sequence of items, lax mode unwraps arrays and wraps non-arrays as the docs' table says and suppresses
// structural errors, strict mode raises them, and predicates are three-valued (an error is unknown).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/json_path.hpp"
#include "json_tree.hpp"
#include "rows.hpp"

namespace athena_runner::engine::udf {
namespace {

using sql::PathKind;
using sql::PathLiteral;
using sql::PathNode;

using Item = std::shared_ptr<const Node>;
using Sequence = std::vector<Item>;

// A path evaluation error (handled by the function's ON ERROR clause).
struct PathFailure {
  std::string message;
};

[[noreturn]] void fail(const std::string& message) { throw PathFailure{message}; }

Item make_item(Tok kind, std::string text) {
  auto node = std::make_shared<Node>();
  node->kind = kind;
  node->text = std::move(text);
  node->sql_value = true;
  return node;
}
Item int_item(int64_t value) { return make_item(Tok::Int, std::to_string(value)); }
std::string double_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}
Item double_item(double value) { return make_item(Tok::Float, double_text(value)); }
// An element of `parent`, sharing its ownership (no copy of the subtree).
Item child(const Item& parent, std::size_t i) { return Item(parent, &parent->items[i]); }

bool is_array(const Item& item) { return item->kind == Tok::StartArray; }
bool is_object(const Item& item) { return item->kind == Tok::StartObject; }
bool is_number(const Item& item) { return item->kind == Tok::Int || item->kind == Tok::Float; }

const char* type_name(const Item& item) {
  switch (item->kind) {
    case Tok::Null: return "null";
    case Tok::Int:
    case Tok::Float: return "number";
    case Tok::String: return "string";
    case Tok::True:
    case Tok::False: return "boolean";
    case Tok::StartArray: return "array";
    default: return "object";
  }
}

// A number as a SQL value: an integer (Jackson's IntNode is Trino's integer, its LongNode a bigint: `big`)
// or a double.
struct Number {
  bool integer = true;
  bool big = false;
  bool sql_value = false;  // computed by the path (Trino's TypedValue), not read from the JSON text
  int64_t i = 0;
  double d = 0;
  double as_double() const { return integer ? static_cast<double>(i) : d; }
};

Number number_of(const Item& item) {
  Number n;
  n.sql_value = item->sql_value;
  if (item->kind == Tok::Int) {
    errno = 0;
    char* end = nullptr;
    const long long value = std::strtoll(item->text.c_str(), &end, 10);
    if (errno == 0 && end != nullptr && *end == '\0') {
      n.i = value;
      n.big = value < INT32_MIN || value > INT32_MAX;
      return n;
    }
  }
  n.integer = false;
  n.d = item->text == "NaN" ? std::nan("") : std::strtod(item->text.c_str(), nullptr);
  return n;
}

Item number_item(const Number& n) { return n.integer ? int_item(n.i) : double_item(n.d); }

// An integer result: an integer (not bigint) operation that leaves 32 bits overflows, as in SQL.
Item integer_result(int64_t value, bool big, const char* operation) {
  if (!big && (value < INT32_MIN || value > INT32_MAX)) fail(std::string("integer ") + operation + " overflow");
  return int_item(value);
}

std::string describe(const Item& item) { return type_name(item); }

class Evaluator {
 public:
  Evaluator(bool lax, const std::map<std::string, Item>& variables, Item context)
      : lax_(lax), variables_(variables), context_(std::move(context)) {}

  Sequence eval(const PathNode& n, const Item* current, const std::optional<int64_t>& last) {
    switch (n.kind) {
      case PathKind::Context: return {context_};
      case PathKind::Variable: {
        auto found = variables_.find(n.text);
        if (found == variables_.end()) fail("no value passed for parameter " + n.text);
        return {found->second};
      }
      case PathKind::Current:
        if (current == nullptr) fail("@ is only defined inside a filter");
        return {*current};
      case PathKind::Last:
        if (!last) fail("last is only defined inside an array subscript");
        return {int_item(*last)};
      case PathKind::Literal: return {literal(n)};
      case PathKind::Arithmetic: return {arithmetic(n, current, last)};
      case PathKind::Unary: {
        Sequence out;
        for (const Item& item : unwrap(eval(*n.children[0], current, last))) {
          if (!is_number(item)) fail("unary " + n.text + " of a " + describe(item) + " item");
          Number v = number_of(item);
          if (n.text == "-") {
            if (v.integer && v.i == INT64_MIN) fail("bigint negation overflow");
            v.i = -v.i;
            v.d = -v.d;
          }
          out.push_back(v.integer ? integer_result(v.i, v.big, "negation") : number_item(v));
        }
        return out;
      }
      case PathKind::Member:
      case PathKind::MemberWildcard: {
        Sequence out;
        for (const Item& item : unwrap(eval(*n.children[0], current, last))) {
          if (!is_object(item)) {
            if (!lax_) fail("member accessor on a " + describe(item) + " item (strict mode)");
            continue;
          }
          if (n.kind == PathKind::MemberWildcard) {
            for (std::size_t i = 0; i < item->items.size(); ++i) out.push_back(child(item, i));
            continue;
          }
          auto found = std::find(item->keys.begin(), item->keys.end(), n.text);
          if (found == item->keys.end()) {
            if (!lax_) fail("structural error: no member '" + n.text + "' (strict mode)");
            continue;
          }
          out.push_back(child(item, static_cast<std::size_t>(found - item->keys.begin())));
        }
        return out;
      }
      case PathKind::Descendant: {
        Sequence out;
        for (const Item& item : eval(*n.children[0], current, last)) descend(item, n.text, out);
        return out;
      }
      case PathKind::Subscripts: return subscripts(n, current);
      case PathKind::ArrayWildcard: {
        Sequence out;
        for (const Item& item : eval(*n.children[0], current, last)) {
          if (!is_array(item)) {
            if (!lax_) fail("wildcard array accessor on a " + describe(item) + " item (strict mode)");
            out.push_back(item);
            continue;
          }
          for (std::size_t i = 0; i < item->items.size(); ++i) out.push_back(child(item, i));
        }
        return out;
      }
      case PathKind::Filter: {
        Sequence out;
        for (const Item& item : unwrap(eval(*n.children[0], current, last))) {
          if (predicate(*n.children[1], item) == Truth::True) out.push_back(item);
        }
        return out;
      }
      case PathKind::Method: return method(n, current, last);
      default: fail("a predicate used as a path");
    }
  }

  enum class Truth { False, True, Unknown };

  Truth predicate(const PathNode& n, const Item& current) {
    switch (n.kind) {
      case PathKind::And: {
        const Truth a = predicate(*n.children[0], current);
        if (a == Truth::False) return a;
        const Truth b = predicate(*n.children[1], current);
        if (b == Truth::False) return b;
        return a == Truth::Unknown || b == Truth::Unknown ? Truth::Unknown : Truth::True;
      }
      case PathKind::Or: {
        const Truth a = predicate(*n.children[0], current);
        if (a == Truth::True) return a;
        const Truth b = predicate(*n.children[1], current);
        if (b == Truth::True) return b;
        return a == Truth::Unknown || b == Truth::Unknown ? Truth::Unknown : Truth::False;
      }
      case PathKind::Not: {
        const Truth a = predicate(*n.children[0], current);
        return a == Truth::Unknown ? a : a == Truth::True ? Truth::False : Truth::True;
      }
      case PathKind::IsUnknown:
        return predicate(*n.children[0], current) == Truth::Unknown ? Truth::True : Truth::False;
      case PathKind::Exists:
        try {
          return eval(*n.children[0], &current, std::nullopt).empty() ? Truth::False : Truth::True;
        } catch (const PathFailure&) {
          return Truth::Unknown;
        }
      case PathKind::Comparison: return compare(n, current);
      case PathKind::StartsWith: return starts_with(n, current);
      default: {
        // A path where a predicate belongs (the parser only builds predicates here).
        return Truth::Unknown;
      }
    }
  }

 private:
  // Lax mode unwraps the arrays of a sequence (one level) before most operations.
  Sequence unwrap(Sequence in) const {
    if (!lax_) return in;
    Sequence out;
    for (const Item& item : in) {
      if (is_array(item)) {
        for (std::size_t i = 0; i < item->items.size(); ++i) out.push_back(child(item, i));
      } else {
        out.push_back(item);
      }
    }
    return out;
  }

  static Item literal(const PathNode& n) {
    switch (n.literal) {
      case PathLiteral::Null: return make_item(Tok::Null, "null");
      case PathLiteral::True: return make_item(Tok::True, "true");
      case PathLiteral::False: return make_item(Tok::False, "false");
      case PathLiteral::Integer: {
        auto item = make_item(Tok::Int, n.text);
        if (!number_of(item).integer) fail("numeric literal " + n.text + " out of range");
        return item;
      }
      case PathLiteral::Decimal:
      case PathLiteral::Double: return make_item(Tok::Float, n.text);
      case PathLiteral::String: return make_item(Tok::String, n.text);
    }
    return make_item(Tok::Null, "null");
  }

  Number singleton_number(const PathNode& operand, const Item* current, const std::optional<int64_t>& last,
                          const char* what) {
    Sequence s = unwrap(eval(operand, current, last));
    if (s.size() != 1 || !is_number(s[0])) fail(std::string(what) + " must be a single numeric item");
    return number_of(s[0]);
  }

  Item arithmetic(const PathNode& n, const Item* current, const std::optional<int64_t>& last) {
    const Number a = singleton_number(*n.children[0], current, last, "an arithmetic operand");
    const Number b = singleton_number(*n.children[1], current, last, "an arithmetic operand");
    const char op = n.text[0];
    if (a.integer && b.integer) {
      int64_t r = 0;
      bool overflow = false;
      switch (op) {
        case '+': overflow = __builtin_add_overflow(a.i, b.i, &r); break;
        case '-': overflow = __builtin_sub_overflow(a.i, b.i, &r); break;
        case '*': overflow = __builtin_mul_overflow(a.i, b.i, &r); break;
        default:
          if (b.i == 0) fail("Division by zero");
          if (a.i == INT64_MIN && b.i == -1) {
            overflow = op == '/';
            r = 0;
          } else {
            r = op == '/' ? a.i / b.i : a.i % b.i;
          }
      }
      if (overflow) fail("bigint arithmetic overflow");
      return integer_result(r, a.big || b.big, "arithmetic");
    }
    const double x = a.as_double();
    const double y = b.as_double();
    switch (op) {
      case '+': return double_item(x + y);
      case '-': return double_item(x - y);
      case '*': return double_item(x * y);
      case '/': return double_item(x / y);
      default: return double_item(std::fmod(x, y));
    }
  }

  static void descend(const Item& item, const std::string& key, Sequence& out) {
    if (is_object(item)) {
      auto found = std::find(item->keys.begin(), item->keys.end(), key);
      if (found != item->keys.end()) out.push_back(child(item, static_cast<std::size_t>(found - item->keys.begin())));
    }
    if (is_object(item) || is_array(item)) {
      for (std::size_t i = 0; i < item->items.size(); ++i) descend(child(item, i), key, out);
    }
  }

  // A subscript as Trino reads it: a JSON number as Jackson's longValue() (truncated), a number the path
  // computed as CAST(... AS bigint) (rounded half away from zero).
  int64_t index_of(const PathNode& operand, const Item* current, int64_t last) {
    const Number n = singleton_number(operand, current, last, "an array subscript");
    if (n.integer) return n.i;
    const double index = n.sql_value ? std::round(n.d) : std::trunc(n.d);
    if (!std::isfinite(index) || std::fabs(index) > 9.2e18) fail("an array subscript out of the bigint range");
    return static_cast<int64_t>(index);
  }

  Sequence subscripts(const PathNode& n, const Item* current) {
    Sequence out;
    for (const Item& base : eval(*n.children[0], current, std::nullopt)) {
      Item array = base;
      if (!is_array(base)) {
        if (!lax_) fail("array accessor on a " + describe(base) + " item (strict mode)");
        auto wrapped = std::make_shared<Node>();
        wrapped->kind = Tok::StartArray;
        wrapped->items.push_back(*base);
        array = wrapped;
      }
      const auto size = static_cast<int64_t>(array->items.size());
      for (const auto& subscript : n.subscripts) {
        const int64_t from = index_of(*n.children[subscript.from], current, size - 1);
        const int64_t to = subscript.to ? index_of(*n.children[*subscript.to], current, size - 1) : from;
        if (from > to) {
          if (!lax_)
            fail("structural error: invalid array range " + std::to_string(from) + " to " + std::to_string(to));
          continue;
        }
        // Lax mode keeps the elements that exist; strict mode fails on any index out of bounds.
        if (!lax_ && (from < 0 || to >= size)) {
          fail("structural error: array index " + std::to_string(from < 0 ? from : to) +
               " out of bounds (strict mode)");
        }
        const int64_t first = std::max<int64_t>(from, 0);
        const int64_t end = std::min<int64_t>(to, size - 1);
        for (int64_t i = first; i <= end; ++i) out.push_back(child(array, static_cast<std::size_t>(i)));
      }
    }
    return out;
  }

  Sequence method(const PathNode& n, const Item* current, const std::optional<int64_t>& last) {
    const std::string& name = n.text;
    Sequence out;
    if (name == "type" || name == "size") {
      for (const Item& item : eval(*n.children[0], current, last)) {
        if (name == "type") {
          out.push_back(make_item(Tok::String, type_name(item)));
        } else if (is_array(item)) {
          out.push_back(int_item(static_cast<int64_t>(item->items.size())));
        } else {
          if (!lax_) fail("size() of a " + describe(item) + " item (strict mode)");
          out.push_back(int_item(1));
        }
      }
      return out;
    }
    for (const Item& item : unwrap(eval(*n.children[0], current, last))) {
      if (name == "keyvalue") {
        if (!is_object(item)) fail("keyvalue() of a " + describe(item) + " item");
        for (std::size_t i = 0; i < item->keys.size(); ++i) {
          auto entry = std::make_shared<Node>();
          entry->kind = Tok::StartObject;
          entry->keys = {"name", "value", "id"};
          entry->items = {*make_item(Tok::String, item->keys[i]), item->items[i], *int_item(keyvalue_id_)};
          out.push_back(entry);
        }
        ++keyvalue_id_;
        continue;
      }
      if (name == "double") {
        if (is_number(item)) {
          out.push_back(double_item(number_of(item).as_double()));
          continue;
        }
        if (item->kind != Tok::String) fail("double() of a " + describe(item) + " item");
        auto value = java_parse_double(item->text);
        if (!value) fail("double() of the text '" + item->text + "'");
        out.push_back(double_item(*value));
        continue;
      }
      // ceiling, floor, abs
      if (!is_number(item)) fail(name + "() of a " + describe(item) + " item");
      Number v = number_of(item);
      if (v.integer) {
        if (name == "abs" && v.i < 0) {
          if (v.i == INT64_MIN) fail("bigint abs overflow");
          v.i = -v.i;
        }
        out.push_back(integer_result(v.i, v.big, "abs"));
        continue;
      } else {
        v.d = name == "ceiling" ? std::ceil(v.d) : name == "floor" ? std::floor(v.d) : std::fabs(v.d);
      }
      out.push_back(number_item(v));
    }
    return out;
  }

  // A comparison of two scalars (numbers, strings, booleans) as SQL compares them: nothing when their types
  // do not compare (an error).
  static std::optional<bool> compare_scalars(const Item& a, const Item& b, const std::string& op) {
    int order = 0;
    if (is_number(a) && is_number(b)) {
      const Number x = number_of(a);
      const Number y = number_of(b);
      if (x.integer && y.integer) {
        order = x.i < y.i ? -1 : x.i > y.i ? 1 : 0;
      } else {
        const long double p = x.integer ? static_cast<long double>(x.i) : x.d;
        const long double q = y.integer ? static_cast<long double>(y.i) : y.d;
        if (std::isnan(p) || std::isnan(q)) return op == "!=";  // != is NOT (=)
        order = p < q ? -1 : p > q ? 1 : 0;
      }
    } else if (a->kind == Tok::String && b->kind == Tok::String) {
      order = a->text < b->text ? -1 : a->text > b->text ? 1 : 0;
    } else if ((a->kind == Tok::True || a->kind == Tok::False) && (b->kind == Tok::True || b->kind == Tok::False)) {
      order = static_cast<int>(a->kind == Tok::True) - static_cast<int>(b->kind == Tok::True);
    } else {
      return std::nullopt;
    }
    if (op == "==") return order == 0;
    if (op == "!=") return order != 0;
    if (op == "<") return order < 0;
    if (op == "<=") return order <= 0;
    if (op == ">") return order > 0;
    return order >= 0;
  }

  struct Categories {
    bool null = false;
    bool scalar = false;
    bool non_scalar = false;
  };
  static Categories categories(const Sequence& items) {
    Categories c;
    for (const Item& item : items) {
      if (item->kind == Tok::Null) {
        c.null = true;
      } else if (is_array(item) || is_object(item)) {
        c.non_scalar = true;
      } else {
        c.scalar = true;
      }
    }
    return c;
  }

  // A comparison of two sequences (docs: "Comparison rules", in the order Trino applies them): an array or
  // object compared with anything but null is unknown; null == null and null != <non-null> are true; then
  // the scalars pairwise, where a pair of types that do not compare is unknown; lax mode answers true at
  // the first match.
  Truth compare(const PathNode& n, const Item& current) {
    Sequence left;
    Sequence right;
    try {
      left = eval(*n.children[0], &current, std::nullopt);
      right = eval(*n.children[1], &current, std::nullopt);
    } catch (const PathFailure&) {
      return Truth::Unknown;
    }
    left = unwrap(std::move(left));
    right = unwrap(std::move(right));
    if (left.empty() || right.empty()) return Truth::False;
    const Categories l = categories(left);
    const Categories r = categories(right);
    if ((l.non_scalar && (r.non_scalar || r.scalar)) || (l.scalar && r.non_scalar)) return Truth::Unknown;
    const std::string& op = n.text;
    bool found = (op == "==" && l.null && r.null) ||
                 (op == "!=" && ((l.null && (r.scalar || r.non_scalar)) || (r.null && (l.scalar || l.non_scalar))));
    if (found && lax_) return Truth::True;
    if (!l.scalar || !r.scalar) return found ? Truth::True : Truth::False;
    for (const Item& a : left) {
      if (a->kind == Tok::Null) continue;
      for (const Item& b : right) {
        if (b->kind == Tok::Null) continue;
        auto result = compare_scalars(a, b, op);
        if (!result) return Truth::Unknown;
        if (*result) {
          if (lax_) return Truth::True;
          found = true;
        }
      }
    }
    return found ? Truth::True : Truth::False;
  }

  // `starts with`: the prefix is one text item; every value must be text (else unknown); lax mode answers
  // true at the first match.
  Truth starts_with(const PathNode& n, const Item& current) {
    Sequence values;
    Sequence prefix;
    try {
      values = eval(*n.children[0], &current, std::nullopt);
      prefix = eval(*n.children[1], &current, std::nullopt);
    } catch (const PathFailure&) {
      return Truth::Unknown;
    }
    if (prefix.size() != 1 || prefix[0]->kind != Tok::String) return Truth::Unknown;
    const std::string& start = prefix[0]->text;
    bool found = false;
    for (const Item& value : unwrap(std::move(values))) {
      if (value->kind != Tok::String) return Truth::Unknown;
      if (value->text.compare(0, start.size(), start) == 0) {
        if (lax_) return Truth::True;
        found = true;
      }
    }
    return found ? Truth::True : Truth::False;
  }

  bool lax_;
  const std::map<std::string, Item>& variables_;
  Item context_;
  int64_t keyvalue_id_ = 0;
};

// ---- the functions' arguments ----

const sql::JsonPath& parsed_path(std::string_view text) {
  // The path is a constant of the query: parse it once per thread and text.
  thread_local std::string cached_text;
  thread_local std::optional<sql::JsonPath> cached;
  if (!cached || cached_text != text) {
    sql::JsonPathError error;
    auto path = sql::parse_json_path(text, error);
    if (!path) throw Failure{"Invalid JSON path '" + std::string(text) + "': " + error.message};
    cached = std::move(path);
    cached_text = std::string(text);
  }
  return *cached;
}

Item parse_input(std::string_view text, const char* function) {
  auto node = read_json_text(text, false);
  if (!node) fail(std::string("malformed input argument to ") + function + " function");
  return std::make_shared<Node>(std::move(*node));
}

// The PASSING object the binder builds: {"NAME": {"value": item} | {"json": "text"}}.
std::map<std::string, Item> parse_variables(std::string_view text, const char* function) {
  std::map<std::string, Item> out;
  auto object = read_json_text(text);
  if (!object || object->kind != Tok::StartObject) throw Failure{"internal error: bad PASSING values"};
  for (std::size_t i = 0; i < object->keys.size(); ++i) {
    const Node& wrapper = object->items[i];
    if (wrapper.keys.empty()) throw Failure{"internal error: bad PASSING value"};
    if (wrapper.keys[0] == "json") {
      auto value = read_json_text(wrapper.items[0].text, false);
      if (!value) fail(std::string("malformed JSON path parameter to ") + function + " function");
      out[object->keys[i]] = std::make_shared<Node>(std::move(*value));
    } else {
      out[object->keys[i]] = std::make_shared<Node>(wrapper.items[0]);
    }
  }
  return out;
}

// Runs the path on the row's input; a failure to read the input or the PASSING values is an error too.
// `function` names it in the messages, as Trino's do (JSON_QUERY, ...).
Sequence run_path(const Row& row, const char* function) {
  const sql::JsonPath& path = parsed_path(row.text(1));
  Item input = parse_input(row.text(0), function);
  const auto variables = parse_variables(row.text(2), function);
  Evaluator evaluator(path.lax, variables, std::move(input));
  return evaluator.eval(*path.root, nullptr, std::nullopt);
}

std::string json_text(const Item& item) {
  std::string out;
  write_json_text(out, *item);
  return out;
}

// ---- json_exists(input, path, passing, on_error) ----

std::optional<bool> exists_body(const Row& row) {
  const char on_error = row.text(3)[0];
  try {
    return !run_path(row, "JSON_EXISTS").empty();
  } catch (const PathFailure& failure) {
    switch (on_error) {
      case 't': return true;
      case 'f': return false;
      case 'u': return std::nullopt;
      default: throw Failure{"json_exists: " + failure.message};
    }
  }
}

// ---- json_query(input, path, passing, wrapper quotes on_empty on_error) ----

std::optional<std::string> query_behavior(char behavior, const std::string& message) {
  switch (behavior) {
    case 'a': return "[]";
    case 'o': return "{}";
    case 'e': throw Failure{"json_query: " + message};
    default: return std::nullopt;
  }
}

std::optional<std::string> query_body(const Row& row) {
  const std::string_view options = row.text(3);
  const char wrapper = options[0];
  const bool omit_quotes = options[1] == 'o';
  Sequence items;
  try {
    items = run_path(row, "JSON_QUERY");
  } catch (const PathFailure& failure) {
    return query_behavior(options[3], failure.message);
  }
  if (items.empty()) return query_behavior(options[2], "JSON path found no items");
  if (wrapper == 'w' || (wrapper == 'c' && items.size() == 1 && (is_array(items[0]) || is_object(items[0])))) {
    if (items.size() > 1) return query_behavior(options[3], "JSON path found multiple items");
    if (omit_quotes && items[0]->kind == Tok::String) return items[0]->text;
    return json_text(items[0]);
  }
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    write_json_text(out, *items[i]);
  }
  return out + "]";
}

// ---- json_value(input, path, passing, target on_empty on_error) ----

// The SQL value of a scalar item as the text DuckDB's CAST to the target reads (s varchar, b boolean,
// 1 2 4 8 integers of that many bytes, d double); nothing when it does not convert (an error).
std::optional<std::string> scalar_text(const Item& item, char target) {
  const bool boolean = item->kind == Tok::True || item->kind == Tok::False;
  switch (target) {
    case 's':
      if (item->kind == Tok::String || boolean) return item->text;
      if (item->kind == Tok::Int) return item->text == "-0" ? "0" : item->text;  // digits past 64 bits too
      {
        const Number n = number_of(item);
        return n.integer ? std::to_string(n.i) : java_floating_string(n.d);
      }
    case 'b':
      if (boolean) return item->text;
      if (is_number(item)) return number_of(item).as_double() != 0 ? "true" : "false";
      if (auto value = text_to_boolean(item->text)) return *value ? "true" : "false";
      return std::nullopt;
    case 'd':
      if (boolean) return item->kind == Tok::True ? "1" : "0";
      if (is_number(item)) return double_text(number_of(item).as_double());
      if (auto value = java_parse_double(item->text)) return double_text(*value);
      return std::nullopt;
    default: {
      const int bits = (target - '0') * 8;
      const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
      const int64_t min = bits == 64 ? INT64_MIN : -max - 1;
      int64_t value = 0;
      if (boolean) {
        value = item->kind == Tok::True ? 1 : 0;
      } else if (is_number(item)) {
        const Number n = number_of(item);
        if (n.integer) {
          value = n.i;
        } else {
          // Trino's CAST(double AS integer): rounds half away from zero.
          const double rounded = std::round(n.d);
          if (!std::isfinite(rounded) || rounded < -9.2e18 || rounded > 9.2e18) return std::nullopt;
          value = static_cast<int64_t>(rounded);
        }
      } else {
        auto parsed = text_to_long(item->text);
        if (!parsed) return std::nullopt;
        value = *parsed;
      }
      if (value < min || value > max) return std::nullopt;
      return std::to_string(value);
    }
  }
}

// The names Trino's message gives the item's SQL type (Jackson's IntNode is an integer, ...) and the target.
std::string sql_type_name(const Item& item) {
  switch (item->kind) {
    case Tok::Int: return number_of(item).integer ? (number_of(item).big ? "bigint" : "integer") : "decimal";
    case Tok::Float: return "double";
    case Tok::String: return "varchar";
    default: return "boolean";
  }
}
const char* target_type_name(char target) {
  switch (target) {
    case 's': return "varchar";
    case 'b': return "boolean";
    case 'd': return "double";
    case '1': return "tinyint";
    case '2': return "smallint";
    case '4': return "integer";
    default: return "bigint";
  }
}

std::optional<std::string> value_behavior(char behavior, char status, const std::string& message) {
  if (behavior == 'e') throw Failure{"json_value: " + message};
  if (behavior == 'd') return std::string(1, status);
  return std::nullopt;
}

std::optional<std::string> value_body(const Row& row) {
  const std::string_view options = row.text(3);
  const char target = options[0];
  Sequence items;
  try {
    items = run_path(row, "JSON_VALUE");
  } catch (const PathFailure& failure) {
    return value_behavior(options[2], 'x', failure.message);
  }
  if (items.empty()) return value_behavior(options[1], 'e', "JSON path found no items");
  if (items.size() > 1) return value_behavior(options[2], 'x', "JSON path found multiple items");
  const Item& item = items[0];
  if (is_array(item) || is_object(item)) {
    return value_behavior(options[2], 'x', "JSON path found an item that cannot be converted to an SQL value");
  }
  if (item->kind == Tok::Null) return std::nullopt;
  auto text = scalar_text(item, target);
  if (!text) {
    return value_behavior(options[2], 'x',
                          "Cannot cast value of type " + sql_type_name(item) +
                              " to declared return type of function JSON_VALUE: " + target_type_name(target));
  }
  return "v" + *text;
}

// ---- json_array / json_object: a FORMAT JSON value's text, compact ----

std::optional<std::string> compact_body(const Row& row) {
  auto node = read_json_text(row.text(0), false);
  if (!node) throw Failure{"conversion to JSON failed: '" + std::string(row.text(0)) + "' is not a JSON value"};
  std::string out;
  write_json_text(out, *node);
  return out;
}

}  // namespace

void add_sqljson_functions(std::vector<Scalar>& out) {
  constexpr auto V = DUCKDB_TYPE_VARCHAR;
  out.push_back({"ar_json_exists", {V, V, V, V}, DUCKDB_TYPE_BOOLEAN, &value_function<bool, exists_body>});
  out.push_back({"ar_json_query", {V, V, V, V}, V, &text_function<query_body>});
  out.push_back({"ar_json_value", {V, V, V, V}, V, &text_function<value_body>});
  out.push_back({"ar_json_compact", {V}, V, &text_function<compact_body>});
}

}  // namespace athena_runner::engine::udf
