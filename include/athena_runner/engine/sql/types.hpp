// Trino's types, as Athena engine version 3 names and prints them (docs: language/types).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::sql {

enum class TypeKind {
  Unknown,  // the type of NULL: coerces to every type
  Boolean,
  Tinyint,
  Smallint,
  Integer,
  Bigint,
  Real,
  Double,
  Decimal,  // precision, scale
  Varchar,  // length (kUnbounded: varchar)
  Char,     // length
  Varbinary,
  Json,
  Date,
  Time,         // precision
  Timestamp,    // precision
  TimestampTz,  // precision
  IntervalDayToSecond,
  IntervalYearToMonth,
  Array,     // children[0]
  Map,       // children[0] key, children[1] value
  Row,       // children with field_names ("" for anonymous fields)
  Function,  // a lambda's type: children = parameters then result (only inside the binder)
  Uuid,
};

struct Type {
  static constexpr int kUnbounded = -1;
  TypeKind kind = TypeKind::Unknown;
  int precision = kUnbounded;  // decimal precision, varchar/char length, time/timestamp precision
  int scale = 0;               // decimal scale
  std::vector<Type> children;
  std::vector<std::string> field_names;  // Row

  static Type of(TypeKind kind) { return Type{kind, kUnbounded, 0, {}, {}}; }
  static Type decimal(int precision, int scale) { return Type{TypeKind::Decimal, precision, scale, {}, {}}; }
  static Type varchar(int length = kUnbounded) { return Type{TypeKind::Varchar, length, 0, {}, {}}; }
  static Type character(int length) { return Type{TypeKind::Char, length, 0, {}, {}}; }
  static Type timestamp(int precision = 3) { return Type{TypeKind::Timestamp, precision, 0, {}, {}}; }
  static Type timestamp_tz(int precision = 3) { return Type{TypeKind::TimestampTz, precision, 0, {}, {}}; }
  static Type time(int precision = 3) { return Type{TypeKind::Time, precision, 0, {}, {}}; }
  static Type array(Type element) { return Type{TypeKind::Array, kUnbounded, 0, {std::move(element)}, {}}; }
  static Type map(Type key, Type value) {
    return Type{TypeKind::Map, kUnbounded, 0, {std::move(key), std::move(value)}, {}};
  }
  static Type row(std::vector<Type> fields, std::vector<std::string> names) {
    return Type{TypeKind::Row, kUnbounded, 0, std::move(fields), std::move(names)};
  }

  bool operator==(const Type& other) const = default;
  bool is(TypeKind k) const { return kind == k; }
};

bool is_integral(const Type& type);  // tinyint, smallint, integer, bigint
bool is_numeric(const Type& type);   // integral, real, double, decimal
bool is_string(const Type& type);    // varchar, char
bool is_datetime(const Type& type);  // date, time, timestamp, timestamp with time zone
bool is_orderable(const Type& type);
bool is_comparable(const Type& type);

// Trino's display name: "varchar(3)", "decimal(10,2)", "array(integer)", "row(x integer, y varchar)",
// "timestamp(3) with time zone", "interval day to second".
std::string to_string(const Type& type);
// The name Athena's ColumnInfo.Type carries (the base name: "varchar", "decimal", "array", ...).
std::string column_type_name(const Type& type);

// A type as SQL writes it (CAST targets, typed literals): Trino's names and Hive's aliases Athena
// accepts (int, string, float, binary, struct<...>, array<...>, map<...>). Errors name the type.
Outcome<Type> parse_type(std::string_view text);
// A Glue column type (Hive syntax: string, int, struct<a:int>, array<string>, decimal(10,2), ...).
Outcome<Type> parse_hive_type(std::string_view text);

// The digits of the decimal an integral type coerces to (tinyint 3, smallint 5, integer 10, bigint 19).
int integral_digits(TypeKind kind);

// The integral type's range.
long long integral_min(TypeKind kind);
long long integral_max(TypeKind kind);

// Trino's implicit coercion: a value of `from` may be used where `to` is expected without a CAST.
bool can_coerce(const Type& from, const Type& to);
// The common super type of two types (UNION, CASE, COALESCE, IN, comparisons), or Unknown-kind with
// `ok` false when there is none.
bool common_super_type(const Type& a, const Type& b, Type& out);
// CAST(from AS to) is allowed by Trino (docs: functions/conversion).
bool can_cast(const Type& from, const Type& to);

}  // namespace athena_runner::sql
