// Array and map functions, with their lambda functions (docs: functions/array, functions/map,
// functions/lambda).
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "registry.hpp"

namespace athena_runner::sql::families {

void add_collections(Builder& b) {
  b.add("cardinality", {"array(T)"}, "bigint", "CAST(len({0}) AS BIGINT)");
  b.add("cardinality", {"map(K,V)"}, "bigint", "CAST(cardinality({0}) AS BIGINT)");
  b.add("element_at", {"array(T)", "bigint"}, "T", "ar_array_element_at({0}, {1})");
  b.add("element_at", {"map(K,V)", "K"}, "V", "ar_map_element_at({0}, {1})");
  b.add("contains", {"array(T)", "T"}, "boolean", "ar_contains({0}, {1})");
  for (auto t : {"varchar", "tinyint", "smallint", "integer", "bigint", "date", "boolean"}) {
    b.add("array_join", {std::string("array(") + t + ")", "varchar"}, "varchar", "array_to_string({0}, {1})");
    b.add("array_join", {std::string("array(") + t + ")", "varchar", "varchar"}, "varchar",
          "array_to_string(list_transform({0}, lambda ar_e: coalesce(CAST(ar_e AS VARCHAR), {2})), {1})");
  }
  b.add("filter", {"array(T)", "function(T,boolean)"}, "array(T)", "list_filter({0}, {1})");
  b.add("transform", {"array(T)", "function(T,U)"}, "array(U)", "list_transform({0}, {1})");
  b.add("map", {"array(K)", "array(V)"}, "map(K,V)", "ar_map({0}, {1})");
  b.add("map_keys", {"map(K,V)"}, "array(K)", "map_keys({0})");
  b.add("map_values", {"map(K,V)"}, "array(V)", "map_values({0})");

  // NOLINTBEGIN(bugprone-suspicious-missing-comma): each element is one literal on several lines.
  b.macros.insert(
      b.macros.end(),
      {
          "CREATE OR REPLACE MACRO ar_array_element_at(a, i) AS CASE WHEN i = 0 THEN ar_fail('SQL array indices start "
          "at "
          "1') ELSE list_extract(a, i) END",
          "CREATE OR REPLACE MACRO ar_map_element_at(m, k) AS m[k]",
          "CREATE OR REPLACE MACRO ar_map(k, v) AS CASE WHEN len(k) <> len(v) THEN ar_fail('Key and value arrays must "
          "be "
          "the same length') WHEN list_contains(list_transform(k, lambda ar_e: ar_e IS NULL), true) THEN ar_fail('map "
          "key "
          "cannot be null') WHEN len(list_distinct(k)) <> len(k) THEN ar_fail('Duplicate map keys are not allowed') "
          "ELSE "
          "map(k, v) END",
          "CREATE OR REPLACE MACRO ar_contains(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL WHEN "
          "list_contains(a, "
          "x) THEN true WHEN list_contains(list_transform(a, lambda ar_e: ar_e IS NULL), true) THEN NULL ELSE false "
          "END",
      });
  // NOLINTEND(bugprone-suspicious-missing-comma)
}

}  // namespace athena_runner::sql::families
