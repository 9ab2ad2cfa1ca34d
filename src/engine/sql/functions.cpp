#include "athena_runner/engine/sql/functions.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"
#include "registry.hpp"

namespace athena_runner::sql {
namespace {

// ---- type patterns ----

struct Pattern {
  enum class Kind { Concrete, Family, Var, Array, Map, Function, AnyRow } kind = Kind::Concrete;
  Type concrete;
  TypeKind family = TypeKind::Unknown;
  std::string var;
  std::vector<Pattern> children;
};

class PatternReader {
 public:
  explicit PatternReader(std::string_view text) : text_(text) {}
  Pattern read() {
    std::string name = word();
    if (name.size() <= 2 &&
        std::all_of(name.begin(), name.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); })) {
      Pattern p;
      p.kind = Pattern::Kind::Var;
      p.var = name;
      return p;
    }
    if (name == "array" || name == "map" || name == "function") {
      Pattern p;
      p.kind = name == "array" ? Pattern::Kind::Array : name == "map" ? Pattern::Kind::Map : Pattern::Kind::Function;
      expect('(');
      do {
        p.children.push_back(read());
      } while (consume(','));
      expect(')');
      return p;
    }
    if (name == "row") {
      Pattern p;
      p.kind = Pattern::Kind::AnyRow;
      return p;
    }
    static const std::map<std::string, TypeKind> kFamilies = {
        {"decimal", TypeKind::Decimal},     {"varchar", TypeKind::Varchar},         {"char", TypeKind::Char},
        {"timestamp", TypeKind::Timestamp}, {"timestamptz", TypeKind::TimestampTz}, {"time", TypeKind::Time},
    };
    if (!peek_is('(')) {
      if (auto family = kFamilies.find(name); family != kFamilies.end()) {
        Pattern p;
        p.kind = Pattern::Kind::Family;
        p.family = family->second;
        return p;
      }
    }
    // A concrete type, possibly with arguments: read through the balanced parentheses.
    std::string text = name;
    if (peek_is('(')) {
      int depth = 0;
      do {
        char c = text_[pos_++];
        if (c == '(') ++depth;
        if (c == ')') --depth;
        text += c;
      } while (depth > 0 && pos_ < text_.size());
    }
    if (name == "timestamptz") text = "timestamp" + text.substr(name.size()) + " with time zone";
    if (name == "interval_ds") text = "interval day to second";
    if (name == "interval_ym") text = "interval year to month";
    auto type = parse_type(text);
    Pattern p;
    p.concrete = type ? *type : Type::of(TypeKind::Unknown);
    if (!type) p.concrete.kind = TypeKind::Function;  // never matches: a registry typo shows in its test
    return p;
  }

 private:
  void skip() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  bool peek_is(char c) {
    skip();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool consume(char c) {
    if (!peek_is(c)) return false;
    ++pos_;
    return true;
  }
  void expect(char c) { consume(c); }
  std::string word() {
    skip();
    std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  std::string_view text_;
  std::size_t pos_ = 0;
};

using Bindings = std::map<std::string, Type>;

Type family_default(TypeKind family) {
  switch (family) {
    case TypeKind::Decimal: return Type::decimal(1, 0);
    case TypeKind::Varchar: return Type::varchar();
    case TypeKind::Char: return Type::character(1);
    case TypeKind::Timestamp: return Type::timestamp(3);
    case TypeKind::TimestampTz: return Type::timestamp_tz(3);
    case TypeKind::Time: return Type::time(3);
    default: return Type::of(family);
  }
}

// Matches an argument type against a pattern; `cost` grows with each coercion.
bool match(const Pattern& p, const Type& arg, Bindings& bindings, int& cost) {
  if (arg.kind == TypeKind::Function) return p.kind == Pattern::Kind::Function;
  switch (p.kind) {
    case Pattern::Kind::Var: {
      auto found = bindings.find(p.var);
      if (found == bindings.end()) {
        bindings[p.var] = arg;
        return true;
      }
      if (found->second == arg) return true;
      Type super;
      if (!common_super_type(found->second, arg, super)) return false;
      if (!(super == found->second)) found->second = super;
      cost += 1;
      return true;
    }
    case Pattern::Kind::Family:
      if (arg.kind == p.family || arg.kind == TypeKind::Unknown) return true;
      if (p.family == TypeKind::Decimal && is_integral(arg)) {
        cost += 2;
        return true;
      }
      if (p.family == TypeKind::Timestamp && arg.kind == TypeKind::Date) {
        cost += 2;
        return true;
      }
      return false;
    case Pattern::Kind::Concrete:
      if (arg == p.concrete || arg.kind == TypeKind::Unknown) return true;
      if (p.concrete.kind == TypeKind::Varchar && arg.kind == TypeKind::Varchar) return true;  // any length
      if (can_coerce(arg, p.concrete)) {
        cost += 2;
        return true;
      }
      return false;
    case Pattern::Kind::Array:
      if (arg.kind == TypeKind::Unknown) return match(p.children[0], arg, bindings, cost);
      return arg.kind == TypeKind::Array && match(p.children[0], arg.children[0], bindings, cost);
    case Pattern::Kind::Map:
      if (arg.kind == TypeKind::Unknown) {
        return match(p.children[0], arg, bindings, cost) && match(p.children[1], arg, bindings, cost);
      }
      return arg.kind == TypeKind::Map && match(p.children[0], arg.children[0], bindings, cost) &&
             match(p.children[1], arg.children[1], bindings, cost);
    case Pattern::Kind::AnyRow: return arg.kind == TypeKind::Row;
    case Pattern::Kind::Function: return false;
  }
  return false;
}

// The concrete type a pattern stands for once bound (`arg` for families and rows: the argument's own type).
Outcome<Type> substitute(const Pattern& p, const Bindings& bindings, const Type* arg) {
  switch (p.kind) {
    case Pattern::Kind::Var: {
      auto found = bindings.find(p.var);
      if (found == bindings.end()) return semantic_error("type variable " + p.var + " is not bound");
      return found->second;
    }
    case Pattern::Kind::Family: {
      if (!arg || arg->kind == TypeKind::Unknown) return family_default(p.family);
      if (arg->kind == p.family) return *arg;
      if (p.family == TypeKind::Decimal && is_integral(*arg)) return Type::decimal(integral_digits(arg->kind), 0);
      if (p.family == TypeKind::Timestamp && arg->kind == TypeKind::Date) return Type::timestamp(0);
      return family_default(p.family);
    }
    case Pattern::Kind::Concrete:
      if (p.concrete.kind == TypeKind::Varchar && arg && arg->kind == TypeKind::Varchar) return *arg;
      return p.concrete;
    case Pattern::Kind::Array: {
      const Type* child = arg && arg->kind == TypeKind::Array ? &arg->children[0] : nullptr;
      auto element = substitute(p.children[0], bindings, child);
      if (!element) return element;
      return Type::array(*element);
    }
    case Pattern::Kind::Map: {
      const Type* key_arg = arg && arg->kind == TypeKind::Map ? &arg->children[0] : nullptr;
      const Type* value_arg = arg && arg->kind == TypeKind::Map ? &arg->children[1] : nullptr;
      auto key = substitute(p.children[0], bindings, key_arg);
      if (!key) return key;
      auto value = substitute(p.children[1], bindings, value_arg);
      if (!value) return value;
      return Type::map(*key, *value);
    }
    case Pattern::Kind::AnyRow:
      if (arg) return *arg;
      return semantic_error("row pattern without an argument");
    case Pattern::Kind::Function: {
      std::vector<Type> children;
      for (const auto& child : p.children) {
        auto t = substitute(child, bindings, nullptr);
        if (!t) return t;
        children.push_back(*t);
      }
      Type f = Type::of(TypeKind::Function);
      f.children = std::move(children);
      return f;
    }
  }
  return semantic_error("bad pattern");
}

struct CompiledEntry {
  std::vector<Pattern> params;
  Pattern returns;
  bool has_returns = false;
};

const std::vector<CompiledEntry>& compiled() {
  static const std::vector<CompiledEntry> entries = [] {
    std::vector<CompiledEntry> out;
    for (const auto& entry : registry()) {
      CompiledEntry c;
      for (const auto& param : entry.params) c.params.push_back(PatternReader(param).read());
      if (!entry.returns.empty()) {
        c.returns = PatternReader(entry.returns).read();
        c.has_returns = true;
      }
      out.push_back(std::move(c));
    }
    return out;
  }();
  return entries;
}

std::string signature_text(std::string_view name, const std::vector<Type>& args) {
  std::string out = display_name(name) + "(";
  for (std::size_t i = 0; i < args.size(); ++i) {
    out += (i ? ", " : "") + (args[i].kind == TypeKind::Function ? std::string("<lambda>") : to_string(args[i]));
  }
  return out + ")";
}

}  // namespace

const std::vector<FunctionEntry>& registry() {
  static const std::vector<FunctionEntry> entries = build_function_table();
  return entries;
}

std::string operator_name(std::string_view op) {
  static const std::map<std::string_view, std::string_view> kNames = {
      {"+", "$add"},
      {"-", "$subtract"},
      {"*", "$multiply"},
      {"/", "$divide"},
      {"%", "$modulus"},
      {"||", "$concat"},
      {"=", "$equal"},
      {"<>", "$not_equal"},
      {"<", "$less_than"},
      {"<=", "$less_than_or_equal"},
      {">", "$greater_than"},
      {">=", "$greater_than_or_equal"},
      {"neg", "$negation"},
      {"[]", "$subscript"},
      {"cast", "$cast"},
      {"between", "$between"},
      {"distinct", "$is_distinct_from"},
      {"like", "$like"},
  };
  auto found = kNames.find(op);
  return found == kNames.end() ? std::string(op) : std::string(found->second);
}

std::string display_name(std::string_view name) {
  static const std::map<std::string_view, std::string_view> kOps = {
      {"$add", "operator +"},
      {"$subtract", "operator -"},
      {"$multiply", "operator *"},
      {"$divide", "operator /"},
      {"$modulus", "operator %"},
      {"$concat", "operator ||"},
      {"$equal", "operator ="},
      {"$not_equal", "operator <>"},
      {"$less_than", "operator <"},
      {"$less_than_or_equal", "operator <="},
      {"$greater_than", "operator >"},
      {"$greater_than_or_equal", "operator >="},
      {"$negation", "operator - (negation)"},
      {"$subscript", "subscript []"},
      {"$between", "BETWEEN"},
      {"$is_distinct_from", "IS DISTINCT FROM"},
      {"$like", "LIKE"},
  };
  auto found = kOps.find(name);
  return found == kOps.end() ? std::string(name) : std::string(found->second);
}

bool has_function(std::string_view name, FunctionKind kind) {
  const auto& entries = registry();
  return std::any_of(entries.begin(), entries.end(),
                     [&](const FunctionEntry& e) { return e.name == name && e.kind == kind; });
}
bool has_function(std::string_view name) {
  const auto& entries = registry();
  return std::any_of(entries.begin(), entries.end(), [&](const FunctionEntry& e) { return e.name == name; });
}

Outcome<Resolved> resolve_function(std::string_view name, const std::vector<Type>& args, FunctionKind kind,
                                   const LambdaBinder& lambda) {
  const auto& entries = registry();
  const auto& patterns = compiled();
  int best_cost = -1;
  std::size_t best = 0;
  Bindings best_bindings;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const FunctionEntry& entry = entries[i];
    if (entry.name != name) continue;
    if (kind == FunctionKind::Aggregate || kind == FunctionKind::Window) {
      if (entry.kind != FunctionKind::Aggregate && entry.kind != kind) continue;
    } else if (entry.kind != kind) {
      continue;
    }
    const auto& params = patterns[i].params;
    if (entry.variadic ? args.size() < params.size() : args.size() != params.size()) continue;
    Bindings bindings;
    int cost = 0;
    bool ok = true;
    for (std::size_t a = 0; a < args.size() && ok; ++a) {
      const Pattern& p = params[std::min(a, params.size() - 1)];
      ok = match(p, args[a], bindings, cost);
    }
    if (!ok) continue;
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best = i;
      best_bindings = bindings;
      if (cost == 0) break;
    }
  }
  if (best_cost < 0) {
    if (has_function(name)) {
      return not_supported("function " + signature_text(name, args) +
                           " is not supported by the local engine (not for these argument types)");
    }
    return not_supported("function " + signature_text(name, args) + " is not supported by the local engine");
  }
  const FunctionEntry& entry = entries[best];
  const auto& params = patterns[best].params;
  Resolved resolved;
  resolved.entry = &entry;
  // Lambdas: their parameter types come from the bound variables; their bodies bind the rest.
  for (std::size_t a = 0; a < args.size(); ++a) {
    const Pattern& p = params[std::min(a, params.size() - 1)];
    if (p.kind != Pattern::Kind::Function) continue;
    if (!lambda) return semantic_error("a lambda is not expected here");
    std::vector<Type> lambda_params;
    for (std::size_t k = 0; k + 1 < p.children.size(); ++k) {
      auto t = substitute(p.children[k], best_bindings, nullptr);
      if (!t) return not_supported("function " + signature_text(name, args) + ": cannot infer the lambda's types");
      lambda_params.push_back(*t);
    }
    if (args[a].children.size() != lambda_params.size()) {
      return semantic_error("function " + display_name(name) + " expects a lambda of " +
                            std::to_string(lambda_params.size()) + " parameter(s)");
    }
    auto body = lambda(a, lambda_params, entry.packed_lambda);
    if (!body) return body.get_failure();
    int cost = 0;
    if (!match(p.children.back(), *body, best_bindings, cost)) {
      return semantic_error("function " + display_name(name) + ": the lambda returns " + to_string(*body) +
                            ", which does not fit " + entry.params[std::min(a, params.size() - 1)]);
    }
  }
  for (std::size_t a = 0; a < args.size(); ++a) {
    const Pattern& p = params[std::min(a, params.size() - 1)];
    auto t = substitute(p, best_bindings, &args[a]);
    if (!t) return t.get_failure();
    resolved.params.push_back(*t);
  }
  if (entry.rule) {
    auto r = entry.rule(resolved.params);
    if (!r) return r.get_failure();
    resolved.returns = *r;
  } else {
    auto r = substitute(patterns[best].returns, best_bindings, resolved.params.empty() ? nullptr : &resolved.params[0]);
    if (!r) return r.get_failure();
    resolved.returns = *r;
  }
  return resolved;
}

Outcome<std::string> duck_type(const Type& type) {
  switch (type.kind) {
    case TypeKind::Unknown: return std::string("INTEGER");
    case TypeKind::Boolean: return std::string("BOOLEAN");
    case TypeKind::Tinyint: return std::string("TINYINT");
    case TypeKind::Smallint: return std::string("SMALLINT");
    case TypeKind::Integer: return std::string("INTEGER");
    case TypeKind::Bigint: return std::string("BIGINT");
    case TypeKind::Real: return std::string("FLOAT");
    case TypeKind::Double: return std::string("DOUBLE");
    case TypeKind::Decimal: return "DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeKind::Varchar: return std::string("VARCHAR");
    case TypeKind::Char: return not_supported("type char(n) is not supported by the local engine");
    case TypeKind::Varbinary: return std::string("BLOB");
    case TypeKind::Json: return std::string("JSON");  // DuckDB's JSON: Trino's text of the value
    case TypeKind::Date: return std::string("DATE");
    case TypeKind::Time:
      if (type.precision > 6) return not_supported("time(p) with p > 6 is not supported by the local engine");
      return std::string("TIME");
    case TypeKind::Timestamp:
      if (type.precision > 6) return not_supported("timestamp(p) with p > 6 is not supported by the local engine");
      return std::string("TIMESTAMP");
    case TypeKind::TimestampTz:
      if (type.precision > 6) {
        return not_supported("timestamp(p) with time zone with p > 6 is not supported by the local engine");
      }
      return std::string("TIMESTAMPTZ");
    case TypeKind::IntervalDayToSecond:
    case TypeKind::IntervalYearToMonth: return std::string("INTERVAL");
    case TypeKind::Array: {
      auto element = duck_type(type.children[0]);
      if (!element) return element;
      return *element + "[]";
    }
    case TypeKind::Map: {
      auto key = duck_type(type.children[0]);
      if (!key) return key;
      auto value = duck_type(type.children[1]);
      if (!value) return value;
      return "MAP(" + *key + ", " + *value + ")";
    }
    case TypeKind::Row: {
      std::string out = "STRUCT(";
      for (std::size_t i = 0; i < type.children.size(); ++i) {
        auto field = duck_type(type.children[i]);
        if (!field) return field;
        std::string name = i < type.field_names.size() && !type.field_names[i].empty() ? type.field_names[i]
                                                                                       : "field" + std::to_string(i);
        std::string quoted = "\"";
        for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += (i ? ", " : "") + quoted + "\" " + *field;
      }
      return out + ")";
    }
    case TypeKind::Function: return not_supported("a lambda is not a value");
    case TypeKind::Uuid: return std::string("UUID");
  }
  return not_supported("type " + to_string(type) + " is not supported by the local engine");
}

Outcome<std::string> emit_call(const Resolved& call, const std::vector<std::string>& args) {
  const FunctionEntry& entry = *call.entry;
  if (entry.emit) return entry.emit(args, call);
  std::string out;
  const std::string& t = entry.duck;
  auto all_digits = [](std::string_view text) {
    return !text.empty() && text.size() < 4 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    const std::size_t close = t[i] == '{' ? t.find('}', i) : std::string::npos;
    const std::string key = close == std::string::npos ? std::string() : t.substr(i + 1, close - i - 1);
    // A placeholder is {*}, {O}, {F}, {R}, {T<n>} or {<n>}; any other brace is DuckDB's (a struct literal).
    const bool placeholder = key == "*" || key == "O" || key == "F" || key == "R" ||
                             (key.size() > 1 && key[0] == 'T' && all_digits(key.substr(1))) || all_digits(key);
    if (!placeholder) {
      out += t[i];
      continue;
    }
    i = close;
    if (key == "*") {
      for (std::size_t a = 0; a < args.size(); ++a) out += (a ? ", " : "") + args[a];
    } else if (key == "O") {
      out += call.modifiers_order;
    } else if (key == "F") {
      out += call.modifiers_after;
    } else if (key == "R") {
      auto type = duck_type(call.returns);
      if (!type) return type;
      out += *type;
    } else if (key[0] == 'T') {
      const std::size_t index = std::stoul(key.substr(1));
      if (index >= call.params.size()) return not_supported(entry.name + ": template names parameter " + key);
      auto type = duck_type(call.params[index]);
      if (!type) return type;
      out += *type;
    } else {
      const std::size_t index = std::stoul(key);
      if (index >= args.size()) return not_supported(entry.name + ": template names argument " + key);
      out += args[index];
    }
  }
  return out;
}

}  // namespace athena_runner::sql
