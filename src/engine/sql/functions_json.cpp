// JSON functions and casts (docs: functions/json). The JSON type is DuckDB's JSON (VARCHAR with the JSON
// alias) holding Trino's text of the value; the engine's C++ functions (src/engine/local/functions/json.cpp,
// ar_json_*) read and write it as Trino's Jackson does. DuckDB's own JSON functions are never called.
#include <string>
#include <vector>

#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "registry.hpp"

namespace athena_runner::sql::families {
namespace {

std::string variable(int depth) { return "ar_j" + std::to_string(depth); }

// DuckDB's name of a row's field (as duck_type writes it).
std::string field_name(const Type& row, std::size_t i) {
  return i < row.field_names.size() && !row.field_names[i].empty() ? row.field_names[i] : "field" + std::to_string(i);
}

Outcome<std::string> refuse(const Type& from, const Type& to) {
  return not_supported("CAST(" + to_string(from) + " AS " + to_string(to) + ") is not supported by the local engine");
}

// SQL computing the JSON text of `expr` (of `type`) as Trino's casts to JSON write it; NULL stays NULL.
Outcome<std::string> json_text(const std::string& expr, const Type& type, const Type& target, int depth) {
  switch (type.kind) {
    case TypeKind::Boolean:
    case TypeKind::Tinyint:
    case TypeKind::Smallint:
    case TypeKind::Integer:
    case TypeKind::Bigint: return "CAST(" + expr + " AS VARCHAR)";
    case TypeKind::Real:
    case TypeKind::Double:
      // Java's Double.toString / Float.toString; Jackson writes NaN and the infinities as strings.
      return "CASE WHEN isnan(" + expr + ") OR isinf(" + expr + ") THEN '\"' || ar_java_text(" + expr +
             ") || '\"' ELSE ar_java_text(" + expr + ") END";
    case TypeKind::Decimal:
      // BigDecimal.toString: plain text while the scale is at most 6 (beyond, small values use E notation).
      if (type.scale > 6) return refuse(type, target);
      return "regexp_replace(CAST(" + expr + " AS VARCHAR), '^(-?)[.]', '\\10.')";
    case TypeKind::Varchar: return "ar_json_quote(" + expr + ")";
    case TypeKind::Date: return "ar_json_quote(CAST(" + expr + " AS VARCHAR))";
    case TypeKind::Json: return "CAST(" + expr + " AS VARCHAR)";
    case TypeKind::Unknown: return std::string("CAST(NULL AS VARCHAR)");
    case TypeKind::Array: {
      const std::string v = variable(depth);
      auto element = json_text(v, type.children[0], target, depth + 1);
      if (!element) return element;
      return "CASE WHEN " + expr + " IS NULL THEN NULL ELSE '[' || array_to_string(list_transform(" + expr +
             ", lambda " + v + ": coalesce(" + *element + ", 'null')), ',') || ']' END";
    }
    case TypeKind::Map: {
      // Trino writes the entries in the order of the keys' text (a TreeMap of strings).
      const Type& key = type.children[0];
      if (key.kind != TypeKind::Varchar && !is_integral(key)) return refuse(type, target);
      const std::string v = variable(depth);
      auto value = json_text(v + ".value", type.children[1], target, depth + 1);
      if (!value) return value;
      return "CASE WHEN " + expr + " IS NULL THEN NULL ELSE '{' || array_to_string(list_transform(list_sort(" +
             "list_transform(map_entries(" + expr + "), lambda " + v + ": {'k': CAST(" + v +
             ".key AS VARCHAR), 'v': " + *value + "})), lambda " + v + ": ar_json_quote(" + v +
             ".k) || ':' || coalesce(" + v + ".v, 'null')), ',') || '}' END";
    }
    case TypeKind::Row: {
      std::string out = "CASE WHEN " + expr + " IS NULL THEN NULL ELSE '{' || ";
      for (std::size_t i = 0; i < type.children.size(); ++i) {
        auto field = json_text("struct_extract_at(" + expr + ", " + std::to_string(i + 1) + ")", type.children[i],
                               target, depth + 1);
        if (!field) return field;
        const std::string name = i < type.field_names.size() ? type.field_names[i] : std::string();
        out += std::string(i ? "',' || " : "") + "ar_json_quote(" + quote_string(name) + ") || ':' || coalesce(" +
               *field + ", 'null') || ";
      }
      return out + "'}' END";
    }
    default: return refuse(type, target);
  }
}

// SQL reading the JSON value `expr` as `type` (Trino's casts from JSON).
Outcome<std::string> from_json(const std::string& expr, const Type& type, const Type& source, int depth) {
  const std::string name = quote_string(to_string(type));
  switch (type.kind) {
    case TypeKind::Json: return expr;
    case TypeKind::Varchar:
      if (type.precision != Type::kUnbounded) return refuse(source, type);
      return "ar_json_to_varchar(" + expr + ")";
    case TypeKind::Boolean: return "ar_json_to_boolean(" + expr + ")";
    case TypeKind::Double: return "ar_json_to_double(" + expr + ")";
    case TypeKind::Decimal: {
      auto duck = duck_type(type);
      if (!duck) return duck;
      return "CAST(ar_json_to_decimal(" + expr + ", " + std::to_string(type.precision) + ", " +
             std::to_string(type.scale) + ") AS " + *duck + ")";
    }
    case TypeKind::Tinyint:
    case TypeKind::Smallint:
    case TypeKind::Integer:
    case TypeKind::Bigint: {
      auto duck = duck_type(type);
      if (!duck) return duck;
      return "CAST(ar_json_to_integral(" + expr + ", '" + *duck + "') AS " + *duck + ")";
    }
    case TypeKind::Array: {
      const std::string v = variable(depth);
      auto element = from_json(v, type.children[0], source, depth + 1);
      if (!element) return element;
      return "list_transform(ar_json_array_items(" + expr + ", " + name + "), lambda " + v + ": " + *element + ")";
    }
    case TypeKind::Map: {
      if (type.children[0].kind != TypeKind::Varchar || type.children[0].precision != Type::kUnbounded) {
        return refuse(source, type);
      }
      const std::string v = variable(depth);
      auto value = from_json(v, type.children[1], source, depth + 1);
      if (!value) return value;
      const std::string keys = "ar_json_object_keys(" + expr + ", " + name + ")";
      return "CASE WHEN " + keys + " IS NULL THEN NULL ELSE map(" + keys + ", list_transform(ar_json_object_values(" +
             expr + ", " + name + "), lambda " + v + ": " + *value + ")) END";
    }
    case TypeKind::Row: {
      std::string out =
          "CASE WHEN " + expr + " IS NULL OR trim(CAST(" + expr + " AS VARCHAR)) = 'null' THEN NULL ELSE struct_pack(";
      const std::string count = std::to_string(type.children.size());
      for (std::size_t i = 0; i < type.children.size(); ++i) {
        if (i >= type.field_names.size() || type.field_names[i].empty()) return refuse(source, type);
        std::string call = "ar_json_row_field(" + expr + ", " + quote_string(type.field_names[i]) + ", ";
        call += std::to_string(i);
        call += ", ";
        call += count;
        call += ", ";
        call += name;
        call += ")";
        auto field = from_json(call, type.children[i], source, depth + 1);
        if (!field) return field;
        out += std::string(i ? ", " : "") + quote_identifier(field_name(type, i)) + " := " + *field;
      }
      return out + ") END";
    }
    default: return refuse(source, type);
  }
}

}  // namespace

Outcome<std::string> json_cast(const std::string& expr, const Type& from, const Type& to) {
  if (to.kind == TypeKind::Json) {
    auto text = json_text(expr, from, to, 0);
    if (!text) return text;
    return "ar_as_json(" + *text + ")";
  }
  return from_json(expr, to, from, 0);
}

void add_json(Builder& b) {
  b.add("json_parse", {"varchar"}, "json", "ar_json_parse({0})");
  b.add("json_format", {"json"}, "varchar", "CAST({0} AS VARCHAR)");
  for (const char* input : {"json", "varchar"}) {
    b.add("json_extract", {input, "varchar"}, "json", "ar_json_extract({0}, {1})");
    b.add("json_extract_scalar", {input, "varchar"}, "varchar", "ar_json_extract_scalar({0}, {1})");
    b.add("json_size", {input, "varchar"}, "bigint", "ar_json_size({0}, {1})");
    b.add("json_array_length", {input}, "bigint", "ar_json_array_length({0})");
    b.add("json_array_get", {input, "bigint"}, "json", "ar_json_array_get({0}, {1})");
    b.add("is_json_scalar", {input}, "boolean", "ar_is_json_scalar({0})");
    // The first of equally good matches wins: an integer argument is a bigint, as Trino resolves it.
    for (const char* value : {"boolean", "bigint", "double", "varchar"}) {
      b.add("json_array_contains", {input, value}, "boolean", "ar_json_array_contains({0}, {1})");
    }
  }
}

}  // namespace athena_runner::sql::families
