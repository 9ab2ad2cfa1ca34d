#include "athena_runner/engine/sql/types.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"

namespace athena_runner::sql {
namespace {

constexpr int kMaxDecimalPrecision = 38;
constexpr int kMaxTimestampPrecision = 12;
constexpr int kMaxTypeDepth = 100;

int integral_rank(TypeKind kind) {
  switch (kind) {
    case TypeKind::Tinyint: return 1;
    case TypeKind::Smallint: return 2;
    case TypeKind::Integer: return 3;
    case TypeKind::Bigint: return 4;
    default: return 0;
  }
}

// Reads a type from text: Trino's syntax, or Hive's with `hive` (colons in structs, angle brackets).
class TypeReader {
 public:
  TypeReader(std::string_view text, bool hive) : text_(text), hive_(hive) {}

  Outcome<Type> all() {
    auto type = read(0);
    if (!type) return type;
    skip();
    if (pos_ != text_.size()) return fail("unexpected text after the type");
    return type;
  }

 private:
  Error fail(const std::string& message) const {
    return semantic_error("Unknown type '" + std::string(text_) + "': " + message);
  }
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool consume(char c) {
    skip();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string word() {
    skip();
    std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    return text::lower(text_.substr(start, pos_ - start));
  }
  // A field name: a word or a "quoted" name (Trino), a word or `backquoted` name (Hive).
  Outcome<std::string> field_name() {
    skip();
    if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '`')) {
      char quote = text_[pos_++];
      std::string name;
      while (pos_ < text_.size()) {
        if (text_[pos_] == quote) {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == quote) {
            name += quote;
            pos_ += 2;
            continue;
          }
          ++pos_;
          return name;
        }
        name += text_[pos_++];
      }
      return fail("unterminated quoted field name");
    }
    std::string name = word();
    if (name.empty()) return fail("a field name was expected");
    return name;
  }
  // Peeks the next word without consuming it.
  std::string peek_word() {
    std::size_t saved = pos_;
    std::string w = word();
    pos_ = saved;
    return w;
  }
  Outcome<int> number() {
    skip();
    std::size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (start == pos_ || pos_ - start > 9) return fail("a number was expected");
    return std::stoi(std::string(text_.substr(start, pos_ - start)));
  }
  // "(n)" if present, else `otherwise`.
  Outcome<int> optional_length(int otherwise) {
    if (!consume('(')) return otherwise;
    auto n = number();
    if (!n) return n;
    if (!consume(')')) return fail("')' expected");
    return n;
  }
  bool open(char trino, char hive) { return consume(hive_ ? hive : trino) || (!hive_ && consume(trino)); }

  Outcome<Type> read(int depth) {
    if (depth > kMaxTypeDepth) return fail("types nested more than 100 levels deep");
    std::string name = word();
    if (name.empty()) return fail("a type name was expected");
    static constexpr std::array<std::pair<std::string_view, TypeKind>, 13> kSimple{{
        {"boolean", TypeKind::Boolean},
        {"tinyint", TypeKind::Tinyint},
        {"smallint", TypeKind::Smallint},
        {"integer", TypeKind::Integer},
        {"int", TypeKind::Integer},
        {"bigint", TypeKind::Bigint},
        {"real", TypeKind::Real},
        {"float", TypeKind::Real},
        {"varbinary", TypeKind::Varbinary},
        {"binary", TypeKind::Varbinary},
        {"json", TypeKind::Json},
        {"date", TypeKind::Date},
        {"uuid", TypeKind::Uuid},
    }};
    for (const auto& [simple, kind] : kSimple) {
      if (name == simple) return Type::of(kind);
    }
    if (name == "double") {
      if (peek_word() == "precision") word();
      return Type::of(TypeKind::Double);
    }
    if (name == "string") return Type::varchar();
    if (name == "varchar") {
      auto length = optional_length(Type::kUnbounded);
      if (!length) return length.get_failure();
      return Type::varchar(*length);
    }
    if (name == "char") {
      auto length = optional_length(1);
      if (!length) return length.get_failure();
      if (*length < 1) return fail("char length must be at least 1");
      return Type::character(*length);
    }
    if (name == "decimal" || name == "numeric") {
      int precision = hive_ ? 10 : 38;
      int scale = 0;
      if (consume('(')) {
        auto p = number();
        if (!p) return p.get_failure();
        precision = *p;
        if (consume(',')) {
          auto s = number();
          if (!s) return s.get_failure();
          scale = *s;
        }
        if (!consume(')')) return fail("')' expected");
      }
      if (precision < 1 || precision > kMaxDecimalPrecision) return fail("decimal precision must be in [1, 38]");
      if (scale < 0 || scale > precision) return fail("decimal scale must be in [0, precision]");
      return Type::decimal(precision, scale);
    }
    if (name == "time" || name == "timestamp") {
      auto precision = optional_length(3);
      if (!precision) return precision.get_failure();
      if (*precision > kMaxTimestampPrecision) return fail(name + " precision must be at most 12");
      bool zone = false;
      if (peek_word() == "with") {
        std::size_t saved = pos_;
        word();
        if (word() == "time" && word() == "zone") {
          zone = true;
        } else {
          pos_ = saved;
        }
      } else if (peek_word() == "without") {
        std::size_t saved = pos_;
        word();
        if (!(word() == "time" && word() == "zone")) pos_ = saved;
      }
      if (name == "time") {
        if (zone) return not_supported("time with time zone is not supported by the local engine");
        return Type::time(*precision);
      }
      return zone ? Type::timestamp_tz(*precision) : Type::timestamp(*precision);
    }
    if (name == "interval") {
      std::string from = word();
      if (word() != "to") return fail("interval types are 'interval day to second' or 'interval year to month'");
      std::string to = word();
      if (from == "day" && to == "second") return Type::of(TypeKind::IntervalDayToSecond);
      if (from == "year" && to == "month") return Type::of(TypeKind::IntervalYearToMonth);
      return fail("interval types are 'interval day to second' or 'interval year to month'");
    }
    if (name == "array") {
      bool angle = hive_ ? consume('<') : consume('(') || (consume('<') && (angle_ = true));
      if (!angle) return fail("array needs its element type");
      char close = hive_ || angle_ ? '>' : ')';
      angle_ = false;
      auto element = read(depth + 1);
      if (!element) return element;
      if (!consume(close)) return fail(std::string("'") + close + "' expected");
      return Type::array(std::move(element).get_result());
    }
    if (name == "map") {
      bool opened = hive_ ? consume('<') : consume('(') || (consume('<') && (angle_ = true));
      if (!opened) return fail("map needs its key and value types");
      char close = hive_ || angle_ ? '>' : ')';
      angle_ = false;
      auto key = read(depth + 1);
      if (!key) return key;
      if (!consume(',')) return fail("',' expected between the map's key and value types");
      auto value = read(depth + 1);
      if (!value) return value;
      if (!consume(close)) return fail(std::string("'") + close + "' expected");
      return Type::map(std::move(key).get_result(), std::move(value).get_result());
    }
    if (name == "row" || name == "struct") {
      bool hive_struct = name == "struct";
      if (!(hive_struct ? consume('<') : consume('('))) return fail(name + " needs its fields");
      char close = hive_struct ? '>' : ')';
      std::vector<Type> fields;
      std::vector<std::string> names;
      do {
        std::size_t saved = pos_;
        std::string field;
        if (hive_struct) {
          auto read_name = field_name();
          if (!read_name) return read_name.get_failure();
          field = std::move(read_name).get_result();
          if (!consume(':')) return fail("':' expected after struct field " + field);
        } else {
          // row(name type, ...) or row(type, ...): a name is followed by a type, a type by ',' or ')'.
          auto read_name = field_name();
          if (!read_name) return read_name.get_failure();
          skip();
          bool named = pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ')' && text_[pos_] != '(';
          if (named && text::lower(*read_name) == "double" && peek_word() == "precision") named = false;
          if (named && (text::lower(*read_name) == "timestamp" || text::lower(*read_name) == "time") &&
              (peek_word() == "with" || peek_word() == "without")) {
            named = false;
          }
          if (named && text::lower(*read_name) == "interval") named = false;
          if (named) {
            field = text::lower(*read_name);
          } else {
            pos_ = saved;
          }
        }
        auto type = read(depth + 1);
        if (!type) return type;
        fields.push_back(std::move(type).get_result());
        names.push_back(field);
      } while (consume(','));
      if (!consume(close)) return fail(std::string("'") + close + "' expected");
      return Type::row(std::move(fields), std::move(names));
    }
    return fail("not a type Athena knows");
  }

  std::string_view text_;
  bool hive_;
  bool angle_ = false;
  std::size_t pos_ = 0;
};

Type wider_decimal(int p1, int s1, int p2, int s2) {
  int scale = std::max(s1, s2);
  int integer = std::max(p1 - s1, p2 - s2);
  return Type::decimal(std::min(kMaxDecimalPrecision, integer + scale), scale);
}

Type as_decimal(const Type& type) {
  if (type.kind == TypeKind::Decimal) return type;
  return Type::decimal(integral_digits(type.kind), 0);
}

}  // namespace

int integral_digits(TypeKind kind) {
  switch (kind) {
    case TypeKind::Tinyint: return 3;
    case TypeKind::Smallint: return 5;
    case TypeKind::Integer: return 10;
    case TypeKind::Bigint: return 19;
    default: return 0;
  }
}

bool is_integral(const Type& type) { return integral_rank(type.kind) > 0; }
bool is_numeric(const Type& type) {
  return is_integral(type) || type.kind == TypeKind::Real || type.kind == TypeKind::Double ||
         type.kind == TypeKind::Decimal;
}
bool is_string(const Type& type) { return type.kind == TypeKind::Varchar || type.kind == TypeKind::Char; }
bool is_datetime(const Type& type) {
  return type.kind == TypeKind::Date || type.kind == TypeKind::Time || type.kind == TypeKind::Timestamp ||
         type.kind == TypeKind::TimestampTz;
}
bool is_comparable(const Type& type) {
  switch (type.kind) {
    case TypeKind::Json:
    case TypeKind::Function: return false;
    case TypeKind::Array:
    case TypeKind::Map:
    case TypeKind::Row: return std::all_of(type.children.begin(), type.children.end(), is_comparable);
    default: return true;
  }
}
bool is_orderable(const Type& type) {
  switch (type.kind) {
    case TypeKind::Json:
    case TypeKind::Function:
    case TypeKind::Map: return false;
    case TypeKind::Array:
    case TypeKind::Row: return std::all_of(type.children.begin(), type.children.end(), is_orderable);
    default: return true;
  }
}

std::string to_string(const Type& type) {
  switch (type.kind) {
    case TypeKind::Unknown: return "unknown";
    case TypeKind::Boolean: return "boolean";
    case TypeKind::Tinyint: return "tinyint";
    case TypeKind::Smallint: return "smallint";
    case TypeKind::Integer: return "integer";
    case TypeKind::Bigint: return "bigint";
    case TypeKind::Real: return "real";
    case TypeKind::Double: return "double";
    case TypeKind::Decimal: return "decimal(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeKind::Varchar:
      return type.precision == Type::kUnbounded ? "varchar" : "varchar(" + std::to_string(type.precision) + ")";
    case TypeKind::Char: return "char(" + std::to_string(type.precision) + ")";
    case TypeKind::Varbinary: return "varbinary";
    case TypeKind::Json: return "json";
    case TypeKind::Date: return "date";
    case TypeKind::Time: return "time(" + std::to_string(type.precision) + ")";
    case TypeKind::Timestamp: return "timestamp(" + std::to_string(type.precision) + ")";
    case TypeKind::TimestampTz: return "timestamp(" + std::to_string(type.precision) + ") with time zone";
    case TypeKind::IntervalDayToSecond: return "interval day to second";
    case TypeKind::IntervalYearToMonth: return "interval year to month";
    case TypeKind::Array: return "array(" + to_string(type.children.at(0)) + ")";
    case TypeKind::Map: return "map(" + to_string(type.children.at(0)) + ", " + to_string(type.children.at(1)) + ")";
    case TypeKind::Row: {
      std::string out = "row(";
      for (std::size_t i = 0; i < type.children.size(); ++i) {
        if (i) out += ", ";
        if (i < type.field_names.size() && !type.field_names[i].empty()) out += type.field_names[i] + " ";
        out += to_string(type.children[i]);
      }
      return out + ")";
    }
    case TypeKind::Function: {
      std::string out = "function(";
      for (std::size_t i = 0; i < type.children.size(); ++i) out += (i ? ", " : "") + to_string(type.children[i]);
      return out + ")";
    }
    case TypeKind::Uuid: return "uuid";
  }
  return "unknown";
}

std::string column_type_name(const Type& type) {
  // The display name without its parameters: decimal(10,2) -> decimal, array(integer) -> array.
  switch (type.kind) {
    case TypeKind::Decimal: return "decimal";
    case TypeKind::Varchar: return "varchar";
    case TypeKind::Char: return "char";
    case TypeKind::Time: return "time";
    case TypeKind::Timestamp: return "timestamp";
    case TypeKind::TimestampTz: return "timestamp with time zone";
    case TypeKind::Array: return "array";
    case TypeKind::Map: return "map";
    case TypeKind::Row: return "row";
    case TypeKind::Function: return "function";
    default: return to_string(type);
  }
}

Outcome<Type> parse_type(std::string_view text) { return TypeReader(text, false).all(); }
Outcome<Type> parse_hive_type(std::string_view text) { return TypeReader(text, true).all(); }

long long integral_min(TypeKind kind) {
  switch (kind) {
    case TypeKind::Tinyint: return -128;
    case TypeKind::Smallint: return -32768;
    case TypeKind::Integer: return INT_MIN;
    default: return LLONG_MIN;
  }
}
long long integral_max(TypeKind kind) {
  switch (kind) {
    case TypeKind::Tinyint: return 127;
    case TypeKind::Smallint: return 32767;
    case TypeKind::Integer: return INT_MAX;
    default: return LLONG_MAX;
  }
}

bool can_coerce(const Type& from, const Type& to) {
  if (from == to || from.kind == TypeKind::Unknown) return true;
  if (const int rank = integral_rank(from.kind)) {
    if (integral_rank(to.kind) >= rank) return true;
    if (to.kind == TypeKind::Real || to.kind == TypeKind::Double) return true;
    if (to.kind == TypeKind::Decimal) {
      return to.precision - to.scale >= integral_digits(from.kind);
    }
    return false;
  }
  switch (from.kind) {
    case TypeKind::Decimal:
      if (to.kind == TypeKind::Decimal)
        return to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale;
      return to.kind == TypeKind::Real || to.kind == TypeKind::Double;
    case TypeKind::Real: return to.kind == TypeKind::Double;
    case TypeKind::Varchar:
      return to.kind == TypeKind::Varchar && (to.precision == Type::kUnbounded ||
                                              (from.precision != Type::kUnbounded && to.precision >= from.precision));
    case TypeKind::Char: return to.kind == TypeKind::Char && to.precision >= from.precision;
    case TypeKind::Date: return to.kind == TypeKind::Timestamp || to.kind == TypeKind::TimestampTz;
    case TypeKind::Timestamp:
      return (to.kind == TypeKind::Timestamp && to.precision >= from.precision) || to.kind == TypeKind::TimestampTz;
    case TypeKind::TimestampTz: return to.kind == TypeKind::TimestampTz && to.precision >= from.precision;
    case TypeKind::Time: return to.kind == TypeKind::Time && to.precision >= from.precision;
    case TypeKind::Array: return to.kind == TypeKind::Array && can_coerce(from.children[0], to.children[0]);
    case TypeKind::Map:
      return to.kind == TypeKind::Map && can_coerce(from.children[0], to.children[0]) &&
             can_coerce(from.children[1], to.children[1]);
    case TypeKind::Row:
      if (to.kind != TypeKind::Row || to.children.size() != from.children.size()) return false;
      for (std::size_t i = 0; i < from.children.size(); ++i) {
        if (!can_coerce(from.children[i], to.children[i])) return false;
      }
      return true;
    default: return false;
  }
}

bool common_super_type(const Type& a, const Type& b, Type& out) {
  if (a == b) {
    out = a;
    return true;
  }
  if (a.kind == TypeKind::Unknown) {
    out = b;
    return true;
  }
  if (b.kind == TypeKind::Unknown) {
    out = a;
    return true;
  }
  if (is_numeric(a) && is_numeric(b)) {
    if (is_integral(a) && is_integral(b)) {
      out = integral_rank(a.kind) >= integral_rank(b.kind) ? a : b;
      return true;
    }
    if (a.kind == TypeKind::Double || b.kind == TypeKind::Double) {
      out = Type::of(TypeKind::Double);
      return true;
    }
    if (a.kind == TypeKind::Real || b.kind == TypeKind::Real) {
      out = Type::of(TypeKind::Real);
      return true;
    }
    Type da = as_decimal(a);
    Type db = as_decimal(b);
    out = wider_decimal(da.precision, da.scale, db.precision, db.scale);
    return true;
  }
  if (a.kind == TypeKind::Varchar && b.kind == TypeKind::Varchar) {
    out = Type::varchar(a.precision == Type::kUnbounded || b.precision == Type::kUnbounded
                            ? Type::kUnbounded
                            : std::max(a.precision, b.precision));
    return true;
  }
  if (is_string(a) && is_string(b)) {
    // char and varchar: char of the longer length (an unbounded varchar has no char type)
    int la = a.precision;
    int lb = b.precision;
    if (la == Type::kUnbounded || lb == Type::kUnbounded) return false;
    out = Type::character(std::max(la, lb));
    return true;
  }
  auto rank_time = [](const Type& t) {
    switch (t.kind) {
      case TypeKind::Date: return 1;
      case TypeKind::Timestamp: return 2;
      case TypeKind::TimestampTz: return 3;
      default: return 0;
    }
  };
  if (rank_time(a) && rank_time(b)) {
    const Type& high = rank_time(a) >= rank_time(b) ? a : b;
    int precision = std::max(a.kind == TypeKind::Date ? 0 : a.precision, b.kind == TypeKind::Date ? 0 : b.precision);
    out = high;
    out.precision = precision;
    return true;
  }
  if (a.kind == TypeKind::Time && b.kind == TypeKind::Time) {
    out = Type::time(std::max(a.precision, b.precision));
    return true;
  }
  if (a.kind == b.kind && (a.kind == TypeKind::Array || a.kind == TypeKind::Map)) {
    std::vector<Type> children;
    for (std::size_t i = 0; i < a.children.size(); ++i) {
      Type child;
      if (!common_super_type(a.children[i], b.children[i], child)) return false;
      children.push_back(std::move(child));
    }
    out = a;
    out.children = std::move(children);
    return true;
  }
  if (a.kind == TypeKind::Row && b.kind == TypeKind::Row && a.children.size() == b.children.size()) {
    std::vector<Type> children;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < a.children.size(); ++i) {
      Type child;
      if (!common_super_type(a.children[i], b.children[i], child)) return false;
      children.push_back(std::move(child));
      const std::string& na = i < a.field_names.size() ? a.field_names[i] : "";
      const std::string& nb = i < b.field_names.size() ? b.field_names[i] : "";
      names.push_back(na == nb ? na : "");
    }
    out = Type::row(std::move(children), std::move(names));
    return true;
  }
  return false;
}

bool can_cast(const Type& from, const Type& to) {
  if (can_coerce(from, to)) return true;
  auto scalar = [](const Type& t) {
    return is_numeric(t) || is_string(t) || t.kind == TypeKind::Boolean || is_datetime(t);
  };
  if (is_numeric(from) && (is_numeric(to) || is_string(to) || to.kind == TypeKind::Boolean)) return true;
  if (from.kind == TypeKind::Boolean && (is_numeric(to) || is_string(to))) return true;
  if (is_string(from)) {
    if (scalar(to) || to.kind == TypeKind::Varbinary || to.kind == TypeKind::Json || to.kind == TypeKind::Uuid ||
        to.kind == TypeKind::IntervalDayToSecond || to.kind == TypeKind::IntervalYearToMonth) {
      return true;
    }
    return false;
  }
  if (is_datetime(from)) {
    if (is_string(to)) return true;
    if (from.kind == TypeKind::Date) {
      return to.kind == TypeKind::Timestamp || to.kind == TypeKind::TimestampTz || to.kind == TypeKind::Json;
    }
    if (from.kind == TypeKind::Time) return to.kind == TypeKind::Time || to.kind == TypeKind::Timestamp;
    return to.kind == TypeKind::Date || to.kind == TypeKind::Time || to.kind == TypeKind::Timestamp ||
           to.kind == TypeKind::TimestampTz;
  }
  if (from.kind == TypeKind::IntervalDayToSecond || from.kind == TypeKind::IntervalYearToMonth) {
    return is_string(to) || to == from;
  }
  if (from.kind == TypeKind::Uuid) return is_string(to) || to.kind == TypeKind::Varbinary;
  if (from.kind == TypeKind::Varbinary) return to.kind == TypeKind::Uuid;
  if (from.kind == TypeKind::Json) {
    return scalar(to) || to.kind == TypeKind::Array || to.kind == TypeKind::Map || to.kind == TypeKind::Row;
  }
  if (to.kind == TypeKind::Json) {
    return scalar(from) || from.kind == TypeKind::Array || from.kind == TypeKind::Map || from.kind == TypeKind::Row;
  }
  if (from.kind == TypeKind::Array && to.kind == TypeKind::Array) return can_cast(from.children[0], to.children[0]);
  if (from.kind == TypeKind::Map && to.kind == TypeKind::Map) {
    return can_cast(from.children[0], to.children[0]) && can_cast(from.children[1], to.children[1]);
  }
  if (from.kind == TypeKind::Row && to.kind == TypeKind::Row && from.children.size() == to.children.size()) {
    for (std::size_t i = 0; i < from.children.size(); ++i) {
      if (!can_cast(from.children[i], to.children[i])) return false;
    }
    return true;
  }
  return false;
}

}  // namespace athena_runner::sql
