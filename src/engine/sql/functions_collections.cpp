// Array and map functions, with their lambda functions and the aggregates that build arrays and maps
// (docs: functions/array, functions/map, functions/lambda, functions/aggregate "Map aggregate functions").
//
// DuckDB's list functions differ from Trino's in their NULL handling (list_distinct drops NULLs,
// list_position finds NULL, list_concat skips a NULL list, map_concat a NULL map) and in NaN equality
// (DuckDB: NaN = NaN): every entry here goes through an ar_* macro that states Trino's rule.
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "athena_runner/engine/sql/errors.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "registry.hpp"

namespace athena_runner::sql::families {
namespace {

bool is_floating(std::string_view t) { return t == "real" || t == "double"; }

// Each argument wrapped as before + arg + after, separated by `separator`.
std::string each(const std::vector<std::string>& args, std::string_view before, std::string_view after,
                 std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) out += separator;
    out += before;
    out += args[i];
    out += after;
  }
  return out;
}

// Trino's functions give NULL for a NULL argument; DuckDB's list and map functions often skip it.
std::string any_null(const std::vector<std::string>& args) { return each(args, "(", ") IS NULL", " OR "); }

// An anonymous row type of the given field types (zip, map_entries).
Type anonymous_row(std::vector<Type> fields) {
  std::vector<std::string> names(fields.size());
  return Type::row(std::move(fields), std::move(names));
}

// A DuckDB struct literal with the field names duck_type gives an anonymous row.
std::string anonymous_struct(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += "'field" + std::to_string(i) + "': ";
    out += values[i];
  }
  return out + "}";
}

Outcome<Type> element_of(const std::vector<Type>& a) { return a[0].children[0]; }
Outcome<Type> counts_of(const std::vector<Type>& a) {
  return Type::map(a[0].kind == TypeKind::Array ? a[0].children[0] : a[0], Type::of(TypeKind::Bigint));
}
Outcome<Type> same_as_first(const std::vector<Type>& a) { return Type::array(a[0]); }

// DuckDB's list_reduce keeps its state in the element type, so the list is one {s, x} per element after the
// initial state's; `f`, a packed lambda over (state, element), reads its parameters from such a struct.
// The SQL of the final state.
Outcome<std::string> fold_sql(const std::string& list, const std::string& initial, const std::string& f,
                              const Type& state, const Type& element) {
  auto s = duck_type(state);
  if (!s) return s;
  auto t = duck_type(element);
  if (!t) return t;
  const std::string null_s = "CAST(NULL AS " + *s + ")";
  const std::string null_t = "CAST(NULL AS " + *t + ")";
  return "list_reduce(list_prepend({'s': CAST(" + initial + " AS " + *s + "), 'x': " + null_t + "}, list_transform(" +
         list + ", lambda ar_rx: {'s': " + null_s +
         ", 'x': ar_rx})), lambda ar_ra, ar_re: {'s': CAST(list_transform(list_transform([ar_ra.s], lambda ar_rq: "
         "{'s': ar_rq, 'x': ar_re.x}), " +
         f + ")[1] AS " + *s + "), 'x': " + null_t + "}).s";
}

// A pattern with its state variable S replaced by a concrete type.
std::string with_state(std::string pattern, std::string_view state) {
  for (auto at = pattern.find('S'); at != std::string::npos; at = pattern.find('S', at + state.size())) {
    pattern.replace(at, 1, state);
  }
  return pattern;
}

void add_arrays(Builder& b) {
  b.add("cardinality", {"array(T)"}, "bigint", "CAST(len({0}) AS BIGINT)");
  b.add("element_at", {"array(T)", "bigint"}, "T", "ar_array_element_at({0}, {1})");
  b.add("array_first", {"array(T)"}, "T", "list_extract({0}, 1)");
  b.add("array_last", {"array(T)"}, "T", "list_extract({0}, -1)");
  // Equality-based functions: scalar elements only (Trino's equality of nested values with NULL inside is
  // indeterminate, DuckDB's is not); real and double with Trino's NaN <> NaN.
  for (auto t : kComparable) {
    const std::string e(t);
    const std::string a = "array(" + e + ")";
    const std::string f = is_floating(t) ? "_f" : "";
    b.add("contains", {a, e}, "boolean", "ar_contains" + f + "({0}, {1})");
    b.add("array_position", {a, e}, "bigint", "ar_array_position" + f + "({0}, {1})");
    b.add("array_remove", {a, e}, a, "ar_array_remove" + f + "({0}, {1})");
    b.add("array_distinct", {a}, a, "ar_array_distinct({0})");
    b.add("array_union", {a, a}, a, "ar_array_union({0}, {1})");
    b.add("array_intersect", {a, a}, a, "ar_array_intersect({0}, {1})");
    b.add("array_except", {a, a}, a, "ar_array_except({0}, {1})");
    b.add("arrays_overlap", {a, a}, "boolean", "ar_arrays_overlap({0}, {1})");
    b.add("array_sort", {a}, a, "CAST(list_sort({0}, 'ASC', 'NULLS LAST') AS {R})");
    // The element's own type (a pattern's "decimal" alone would lose its precision).
    b.add_rule("array_max", {a}, element_of, "ar_array_max" + f + "({0})");
    b.add_rule("array_min", {a}, element_of, "ar_array_min" + f + "({0})");
    b.add_rule("array_histogram", {a}, counts_of, "ar_array_histogram({0})");
  }
  // Arrays of scalar arrays: Trino's array equality (operators: ar_array_equal), NULL when indeterminate.
  for (auto t : kComparable) {
    const std::string a = "array(" + std::string(t) + ")";
    b.add("contains", {"array(" + a + ")", a}, "boolean", "ar_contains_array({0}, {1})");
  }
  b.add_emit("concat", {"array(T)"}, "array(T)",
             [](const std::vector<std::string>& args, const Resolved&) -> Outcome<std::string> {
               std::string all = args[0];
               for (std::size_t i = 1; i < args.size(); ++i) {
                 all.insert(0, "list_concat(");
                 all += ", ";
                 all += args[i];
                 all += ")";
               }
               return "CASE WHEN " + any_null(args) + " THEN NULL ELSE " + all + " END";
             })
      .variadic = true;
  b.add("array_sort", {"array(T)", "function(T,T,integer)"}, "array(T)", "ar_array_sort_by({0}, {1})").packed_lambda =
      true;
  b.add("contains_sequence", {"array(T)", "array(T)"}, "boolean", "ar_contains_sequence({0}, {1})");
  b.add("slice", {"array(T)", "bigint", "bigint"}, "array(T)", "ar_slice({0}, {1}, {2})");
  b.add("trim_array", {"array(T)", "bigint"}, "array(T)", "ar_trim_array({0}, {1})");
  b.add("flatten", {"array(array(T))"}, "array(T)", "flatten({0})");
  b.add("repeat", {"T", "bigint"}, "array(T)", "ar_repeat({0}, {1})");
  b.add("ngrams", {"array(T)", "bigint"}, "array(array(T))", "ar_ngrams({0}, {1})");
  b.add("combinations", {"array(T)", "bigint"}, "array(array(T))", "ar_combinations({0}, {1})");
  b.add("shuffle", {"array(T)"}, "array(T)", "ar_shuffle({0})");
  // array_join: each element as CAST(e AS varchar) gives it in Trino (doubles as Java prints them,
  // timestamps with their precision); NULL elements are left out or replaced.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kText{{
      {"varchar", "CAST(ar_e AS VARCHAR)"},
      {"tinyint", "CAST(ar_e AS VARCHAR)"},
      {"smallint", "CAST(ar_e AS VARCHAR)"},
      {"integer", "CAST(ar_e AS VARCHAR)"},
      {"bigint", "CAST(ar_e AS VARCHAR)"},
      {"decimal", "CAST(ar_e AS VARCHAR)"},
      {"date", "CAST(ar_e AS VARCHAR)"},
      {"boolean", "CAST(ar_e AS VARCHAR)"},
      {"real", "ar_java_text(ar_e)"},
      {"double", "ar_java_text(ar_e)"},
  }};
  for (const auto& [t, text] : kText) {
    const std::string a = "array(" + std::string(t) + ")";
    b.add("array_join", {a, "varchar"}, "varchar",
          "array_to_string(list_transform({0}, lambda ar_e: " + std::string(text) + "), {1})");
    b.add("array_join", {a, "varchar", "varchar"}, "varchar",
          "array_to_string(list_transform({0}, lambda ar_e: coalesce(" + std::string(text) + ", {2})), {1})");
  }
  for (const bool replacement : {false, true}) {
    std::vector<std::string> params = {"array(timestamp)", "varchar"};
    if (replacement) params.emplace_back("varchar");
    b.add_emit("array_join", params, "varchar",
               [](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
                 const int p = call.params[0].children[0].precision;
                 std::string text = "strftime(ar_e, '%Y-%m-%d %H:%M:%S";
                 text += p == 0 ? "')" : p <= 3 ? ".%g')" : ".%f')";
                 if (p != 0 && p != 3 && p != 6)
                   return not_supported("array_join of timestamp(" + std::to_string(p) + ")");
                 if (args.size() == 3) {
                   text.insert(0, "coalesce(");
                   text += ", ";
                   text += args[2];
                   text += ")";
                 }
                 return "array_to_string(list_transform(" + args[0] + ", lambda ar_e: " + text + "), " + args[1] + ")";
               });
  }

  // Lambdas.
  b.add("filter", {"array(T)", "function(T,boolean)"}, "array(T)", "list_filter({0}, {1})");
  b.add("transform", {"array(T)", "function(T,U)"}, "array(U)", "list_transform({0}, {1})");
  // any_match / all_match / none_match: the predicate runs element by element and stops at the first
  // deciding answer, as Trino's loop does (so a later element's error is not raised); NULL when none decides
  // and one answer was NULL.
  struct Match {
    const char* name;
    const char* stops_at;  // the answer that decides
    const char* decided;   // the result then
    const char* otherwise;
  };
  for (const Match& m : {Match{"any_match", "true", "true", "false"}, Match{"all_match", "false", "false", "true"},
                         Match{"none_match", "true", "false", "true"}}) {
    b.add_emit(m.name, {"array(T)", "function(T,boolean)"}, "boolean",
               [m](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
                 auto t = duck_type(call.params[0].children[0]);
                 if (!t) return t;
                 const std::string null_t = "CAST(NULL AS " + *t + ")";
                 std::string out = "CASE WHEN (" + args[0] + ") IS NULL THEN NULL ELSE list_transform([list_reduce(";
                 out += "list_prepend({'d': false, 'n': false, 'x': " + null_t + "}, list_transform(" + args[0];
                 out += ", lambda ar_mx: {'d': CAST(NULL AS BOOLEAN), 'n': CAST(NULL AS BOOLEAN), 'x': ar_mx})), ";
                 out += "lambda ar_ma, ar_me: CASE WHEN ar_ma.d THEN ar_ma ELSE list_transform([list_transform(";
                 out += "[ar_me.x], " + args[1] + ")[1]], lambda ar_mv: {'d': coalesce(ar_mv = " + m.stops_at;
                 out += ", false), 'n': ar_ma.n OR ar_mv IS NULL, 'x': " + null_t + "})[1] END)], lambda ar_mr: ";
                 out += std::string("CASE WHEN ar_mr.d THEN ") + m.decided + " WHEN ar_mr.n THEN NULL ELSE " +
                        m.otherwise + " END)[1] END";
                 return out;
               });
  }
  // reduce: the output function applied to the folded state (fold_sql).
  b.add_emit("reduce", {"array(T)", "S", "function(S,T,S)", "function(S,R)"}, "R",
             [](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
               auto folded = fold_sql(args[0], args[1], args[2], call.params[1], call.params[0].children[0]);
               if (!folded) return folded;
               return "CASE WHEN (" + args[0] + ") IS NULL THEN NULL ELSE list_transform(list_transform([" + *folded +
                      "], lambda ar_rq: {'s': ar_rq}), " + args[3] + ")[1] END";
             })
      .packed_lambda = true;
  b.add("zip_with", {"array(T)", "array(U)", "function(T,U,R)"}, "array(R)", "list_transform(ar_zip2({0}, {1}), {2})")
      .packed_lambda = true;
  // zip: two to five arrays, padded with NULLs.
  const std::vector<std::string> vars = {"T", "U", "V", "W", "X"};
  for (std::size_t n = 2; n <= vars.size(); ++n) {
    std::vector<std::string> params;
    for (std::size_t i = 0; i < n; ++i) params.push_back("array(" + vars[i] + ")");
    b.add_emit("zip", params, "",
               [](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
                 std::vector<std::string> fields;
                 fields.reserve(args.size());
                 for (const auto& a : args) fields.push_back("list_extract(" + a + ", ar_i)");
                 auto type = duck_type(call.returns);
                 if (!type) return type;
                 std::string out =
                     "CASE WHEN " + any_null(args) + " THEN NULL ELSE CAST(list_transform(range(1, greatest(";
                 out += each(args, "len(", ")", ", ");
                 out += ") + 1), lambda ar_i: " + anonymous_struct(fields) + ") AS " + *type + ") END";
                 return out;
               })
        .rule = [](const std::vector<Type>& args) -> Outcome<Type> {
      std::vector<Type> fields;
      fields.reserve(args.size());
      for (const auto& a : args) fields.push_back(a.children[0]);
      return Type::array(anonymous_row(fields));
    };
  }

  // sequence: Trino's checks (step, direction, 10000 entries) on integers; dates and timestamps map onto them.
  b.add("sequence", {"bigint", "bigint"}, "array(bigint)",
        "ar_sequence({0}, {1}, CASE WHEN {0} <= {1} THEN 1 ELSE -1 END)");
  b.add("sequence", {"bigint", "bigint", "bigint"}, "array(bigint)", "ar_sequence({0}, {1}, {2})");
  b.add("sequence", {"date", "date"}, "array(date)",
        "ar_sequence_days({0}, {1}, CASE WHEN {0} <= {1} THEN 1 ELSE -1 END)");
  b.add("sequence", {"date", "date", "interval_ds"}, "array(date)",
        "ar_sequence_days({0}, {1}, ar_interval_days({2}))");
  b.add("sequence", {"date", "date", "interval_ym"}, "array(date)",
        "list_transform(ar_sequence_months({0}, {1}, {2}), lambda ar_t: CAST(ar_t AS DATE))");
  b.add_rule("sequence", {"timestamp", "timestamp", "interval_ds"}, same_as_first,
             "list_transform(ar_sequence(epoch_us({0}), epoch_us({1}), ar_interval_micros({2})), lambda ar_u: "
             "make_timestamp(ar_u))");
  b.add_rule("sequence", {"timestamp", "timestamp", "interval_ym"}, same_as_first, "ar_sequence_months({0}, {1}, {2})");
}

void add_maps(Builder& b) {
  b.add("cardinality", {"map(K,V)"}, "bigint", "CAST(cardinality({0}) AS BIGINT)");
  b.add("element_at", {"map(K,V)", "K"}, "V", "ar_map_element_at({0}, {1})");
  b.add("map", {"array(K)", "array(V)"}, "map(K,V)", "ar_map({0}, {1})");
  b.add_rule(
      "map", {},
      [](const std::vector<Type>&) -> Outcome<Type> {
        return Type::map(Type::of(TypeKind::Unknown), Type::of(TypeKind::Unknown));
      },
      "CAST(MAP() AS {R})");
  b.add("map_keys", {"map(K,V)"}, "array(K)", "map_keys({0})");
  b.add("map_values", {"map(K,V)"}, "array(V)", "map_values({0})");
  b.add_rule(
      "map_entries", {"map(K,V)"},
      [](const std::vector<Type>& a) -> Outcome<Type> { return Type::array(anonymous_row(a[0].children)); },
      "CAST(ar_map_entries({0}) AS {R})");
  const auto entries_rule = [](bool multi) {
    return [multi](const std::vector<Type>& a) -> Outcome<Type> {
      const Type& row = a[0].children[0];
      if (row.kind != TypeKind::Row || row.children.size() != 2) {
        return semantic_error("map entries must be rows of two fields (key, value), not " + to_string(row));
      }
      return Type::map(row.children[0], multi ? Type::array(row.children[1]) : row.children[1]);
    };
  };
  b.add_rule("map_from_entries", {"array(row)"}, entries_rule(false), "ar_map_from_entries({0})");
  b.add_rule("multimap_from_entries", {"array(row)"}, entries_rule(true), "ar_multimap_from_entries({0})");
  b.add_emit("map_concat", {"map(K,V)"}, "map(K,V)",
             [](const std::vector<std::string>& args, const Resolved&) -> Outcome<std::string> {
               if (args.size() == 1) return args[0];
               return "CASE WHEN " + any_null(args) + " THEN NULL ELSE map_concat(" + each(args, "", "", ", ") +
                      ") END";
             })
      .variadic = true;
  b.add("split_to_map", {"varchar", "varchar", "varchar"}, "map(varchar,varchar)", "ar_split_to_map({0}, {1}, {2})");
  b.add("split_to_multimap", {"varchar", "varchar", "varchar"}, "map(varchar,array(varchar))",
        "ar_split_to_multimap({0}, {1}, {2})");
  // Lambdas over (key, value): the packed parameter is DuckDB's map entry struct.
  b.add("map_filter", {"map(K,V)", "function(K,V,boolean)"}, "map(K,V)",
        "CAST(map_from_entries(list_filter(map_entries({0}), {1})) AS {R})")
      .packed_lambda = true;
  b.add("transform_values", {"map(K,V)", "function(K,V,U)"}, "map(K,U)",
        "CASE WHEN ({0}) IS NULL THEN NULL ELSE map(map_keys({0}), list_transform(map_entries({0}), {1})) END")
      .packed_lambda = true;
  b.add("transform_keys", {"map(K,V)", "function(K,V,U)"}, "map(U,V)",
        "ar_transform_keys({0}, list_transform(map_entries({0}), {1}))")
      .packed_lambda = true;
  b.add("map_zip_with", {"map(K,V)", "map(K,W)", "function(K,V,W,X)"}, "map(K,X)",
        "ar_map_zip_with({0}, {1}, list_transform(ar_map_zip_entries({0}, {1}), {2}))")
      .packed_lambda = true;

  // reduce_agg: the input function folds the non-NULL values in order from the initial state (one of the
  // evaluations Trino's partial aggregation allows; the combine function joins partial states, there is
  // one here); NULL when no value is non-NULL. Trino's state types: boolean, integer, floating point,
  // date and interval.
  for (const char* s : {"boolean", "tinyint", "smallint", "integer", "bigint", "real", "double", "date", "interval_ds",
                        "interval_ym"}) {
    const std::string state(s);
    b.add_emit(
         "reduce_agg", {"T", state, with_state("function(S,T,S)", state), with_state("function(S,S,S)", state)}, state,
         [](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
           auto values = "list_filter(list(" + args[0] + call.modifiers_order + ")" + call.modifiers_after +
                         ", lambda ar_rv: ar_rv IS NOT NULL)";
           auto initial = "any_value(" + args[1] + ")" + call.modifiers_after;
           auto folded = fold_sql(values, initial, args[2], call.params[1], call.params[0]);
           if (!folded) return folded;
           return "CASE WHEN len(" + values + ") = 0 THEN NULL ELSE " + *folded + " END";
         },
         K::Aggregate)
        .packed_lambda = true;
  }
  // Aggregates (NULL keys are skipped, as Trino's key argument is not nullable).
  // The aggregated {k, v} pairs (DISTINCT, which the binder puts before the first argument, applies to the pairs).
  for (const char* name : {"map_agg", "multimap_agg"}) {
    const bool multi = std::string_view(name) == "multimap_agg";
    b.add_emit(
        name, {"K", "V"}, multi ? "map(K,array(V))" : "map(K,V)",
        [multi](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
          constexpr std::string_view kDistinct = "DISTINCT ";
          std::string key = args[0];
          const bool distinct = key.rfind(kDistinct, 0) == 0;
          if (distinct) key.erase(0, kDistinct.size());
          std::string out = multi ? "ar_multimap_agg(list(" : "ar_map_agg(list(";
          if (distinct) out += kDistinct;
          out += "CASE WHEN (";
          out += key;
          out += ") IS NOT NULL THEN struct_pack(k := ";
          out += key;
          out += ", v := ";
          out += args[1];
          out += ") END";
          out += call.modifiers_order;
          out += ")";
          out += call.modifiers_after;
          out += ")";
          return out;
        },
        K::Aggregate);
  }
  b.add("map_union", {"map(K,V)"}, "map(K,V)", "ar_map_union(list({0}{O}){F})", K::Aggregate);
  for (auto t : kComparable) {
    const std::string e(t);
    b.add_rule("histogram", {e}, counts_of, "CAST(histogram({0}{O}){F} AS {R})", K::Aggregate);
  }
}

// Row equality, field by field with Trino's NULL rule (a differing field decides, else a NULL field gives
// NULL); scalar fields only, real and double with NaN unequal to everything.
void add_row_comparisons(Builder& b) {
  const ReturnRule rule = [](const std::vector<Type>& a) -> Outcome<Type> {
    bool ok = a[0].children.size() == a[1].children.size();
    for (std::size_t i = 0; ok && i < a[0].children.size(); ++i) {
      Type super;
      const Type& l = a[0].children[i];
      ok = common_super_type(l, a[1].children[i], super) && l.kind != TypeKind::Array && l.kind != TypeKind::Map &&
           l.kind != TypeKind::Row && is_comparable(l);
    }
    if (!ok) return not_supported("comparison of " + to_string(a[0]) + " with " + to_string(a[1]));
    return Type::of(TypeKind::Boolean);
  };
  for (const bool equal : {true, false}) {
    b.add_rule(equal ? "$equal" : "$not_equal", {"row", "row"}, rule, "", K::Operator).emit =
        [equal](const std::vector<std::string>& args, const Resolved& call) -> Outcome<std::string> {
      std::vector<std::string> differs;
      std::vector<std::string> nulls;
      for (std::size_t i = 0; i < call.params[0].children.size(); ++i) {
        const std::string at = ", " + std::to_string(i + 1) + ")";
        const std::string l = "struct_extract_at(" + args[0] + at;
        const std::string r = "struct_extract_at(" + args[1] + at;
        const TypeKind k = call.params[0].children[i].kind;
        const bool floating = k == TypeKind::Real || k == TypeKind::Double ||
                              call.params[1].children[i].kind == TypeKind::Real ||
                              call.params[1].children[i].kind == TypeKind::Double;
        std::string pair = l;
        pair += ", ";
        pair += r;
        pair += ")";
        differs.push_back((floating ? "ar_differs_f(" : "ar_differs(") + pair);
        nulls.push_back("ar_either_null(" + pair);
      }
      std::string out = "(CASE WHEN " + any_null(args) + " THEN NULL WHEN " + each(differs, "", " IS TRUE", " OR ");
      out += equal ? " THEN false WHEN " : " THEN true WHEN ";
      out += each(nulls, "", "", " OR ");
      out += equal ? " THEN NULL ELSE true END)" : " THEN NULL ELSE false END)";
      return out;
    };
  }
  // Arrays of scalars order element by element, then by length; a NULL element reached fails (Trino's
  // message). NaN orders differently in DuckDB: real and double arrays are left out.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kOrder{
      {{"$less_than", "< 0"},
       {"$less_than_or_equal", "<= 0"},
       {"$greater_than", "> 0"},
       {"$greater_than_or_equal", ">= 0"}}};
  for (auto t : kComparable) {
    if (is_floating(t)) continue;
    const std::string a = "array(" + std::string(t) + ")";
    for (const auto& [name, test] : kOrder) {
      b.add(std::string(name), {a, a}, "boolean", "(ar_array_compare({0}, {1}) " + std::string(test) + ")",
            K::Operator);
    }
  }
}

}  // namespace

void add_collections(Builder& b) {
  add_arrays(b);
  add_maps(b);
  add_row_comparisons(b);

  // NOLINTBEGIN(bugprone-suspicious-missing-comma): each element is one literal on several lines.
  b.macros.insert(
      b.macros.end(),
      {
          "CREATE OR REPLACE MACRO ar_has_null(a) AS list_contains(list_transform(a, lambda ar_e: ar_e IS NULL), "
          "true)",
          "CREATE OR REPLACE MACRO ar_has_nan(a) AS list_contains(list_transform(a, lambda ar_e: isnan(ar_e)), true)",
          "CREATE OR REPLACE MACRO ar_array_element_at(a, i) AS CASE WHEN i = 0 THEN ar_fail('SQL array indices start "
          "at "
          "1') ELSE list_extract(a, i) END",
          "CREATE OR REPLACE MACRO ar_map_element_at(m, k) AS m[k]",
          "CREATE OR REPLACE MACRO ar_map(k, v) AS CASE WHEN len(k) <> len(v) THEN ar_fail('Key and value arrays must "
          "be "
          "the same length') WHEN ar_has_null(k) THEN ar_fail('map key cannot be null') WHEN len(list_distinct(k)) <> "
          "len(k) THEN ar_fail('Duplicate map keys are not allowed') ELSE map(k, v) END",
          // contains: NULL when not found and the array has a NULL (indeterminate).
          "CREATE OR REPLACE MACRO ar_contains(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL WHEN "
          "list_contains(a, x) THEN true WHEN ar_has_null(a) THEN NULL ELSE false END",
          "CREATE OR REPLACE MACRO ar_contains_f(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL WHEN NOT isnan(x) "
          "AND list_contains(a, x) THEN true WHEN ar_has_null(a) THEN NULL ELSE false END",
          "CREATE OR REPLACE MACRO ar_contains_array(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL WHEN "
          "list_contains(list_transform(a, lambda ar_e: ar_array_equal(ar_e, x)), true) THEN true WHEN "
          "list_contains(list_transform(a, lambda ar_e: ar_array_equal(ar_e, x) IS NULL), true) THEN NULL ELSE false "
          "END",
          "CREATE OR REPLACE MACRO ar_array_position(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL ELSE "
          "CAST(coalesce(list_position(a, x), 0) AS BIGINT) END",
          "CREATE OR REPLACE MACRO ar_array_position_f(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL WHEN "
          "isnan(x) THEN CAST(0 AS BIGINT) ELSE CAST(coalesce(list_position(a, x), 0) AS BIGINT) END",
          // array_remove: NULL elements stay.
          "CREATE OR REPLACE MACRO ar_array_remove(a, x) AS CASE WHEN x IS NULL THEN NULL ELSE list_filter(a, lambda "
          "ar_e: ar_e IS NULL OR ar_e <> x) END",
          "CREATE OR REPLACE MACRO ar_array_remove_f(a, x) AS CASE WHEN x IS NULL THEN NULL ELSE list_filter(a, lambda "
          "ar_e: ar_e IS NULL OR isnan(x) OR ar_e <> x) END",
          // Distinct values in first-occurrence order, one NULL kept (IS DISTINCT FROM).
          "CREATE OR REPLACE MACRO ar_array_distinct(a) AS list_filter(a, lambda ar_e, ar_i: NOT "
          "list_contains(list_transform(list_slice(a, 1, ar_i - 1), lambda ar_p: ar_p IS NOT DISTINCT FROM ar_e), "
          "true))",
          "CREATE OR REPLACE MACRO ar_in(a, x) AS list_contains(list_transform(a, lambda ar_p: ar_p IS NOT DISTINCT "
          "FROM x), true)",
          "CREATE OR REPLACE MACRO ar_array_union(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE "
          "ar_array_distinct(list_concat(a, b)) END",
          // array_intersect: in the order of the longer array (the first when as long).
          "CREATE OR REPLACE MACRO ar_intersect_ordered(a, b) AS ar_array_distinct(list_filter(a, lambda ar_x: "
          "ar_in(b, "
          "ar_x)))",
          "CREATE OR REPLACE MACRO ar_array_intersect(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL WHEN len(a) "
          "< "
          "len(b) THEN ar_intersect_ordered(b, a) ELSE ar_intersect_ordered(a, b) END",
          "CREATE OR REPLACE MACRO ar_array_except(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE "
          "ar_array_distinct(list_filter(a, lambda ar_x: NOT ar_in(b, ar_x))) END",
          "CREATE OR REPLACE MACRO ar_arrays_overlap(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL WHEN len(a) = "
          "0 OR len(b) = 0 THEN false WHEN list_contains(list_transform(a, lambda ar_x: ar_x IS NOT NULL AND "
          "list_contains(b, ar_x)), true) THEN true WHEN ar_has_null(a) OR ar_has_null(b) THEN NULL ELSE false END",
          // array_max / array_min: NULL when an element is NULL. array_min passes over NaN (NaN only when every
          // element is); array_max of a NaN differs between Trino versions and is refused.
          "CREATE OR REPLACE MACRO ar_array_max(a) AS CASE WHEN ar_has_null(a) THEN NULL ELSE list_max(a) END",
          "CREATE OR REPLACE MACRO ar_array_min(a) AS CASE WHEN ar_has_null(a) THEN NULL ELSE list_min(a) END",
          "CREATE OR REPLACE MACRO ar_array_max_f(a) AS CASE WHEN ar_has_null(a) THEN NULL WHEN ar_has_nan(a) THEN "
          "ar_fail('NOT_SUPPORTED: array_max of an array with NaN is not supported by the local engine') ELSE "
          "list_max(a) END",
          "CREATE OR REPLACE MACRO ar_array_min_f(a) AS CASE WHEN ar_has_null(a) THEN NULL WHEN len(a) > 0 AND "
          "len(list_filter(a, lambda ar_e: NOT isnan(ar_e))) = 0 THEN list_extract(a, 1) ELSE list_min(list_filter(a, "
          "lambda ar_e: NOT isnan(ar_e))) END",
          "CREATE OR REPLACE MACRO ar_array_histogram(a) AS CASE WHEN a IS NULL THEN NULL ELSE "
          "map(ar_array_distinct(list_filter(a, lambda ar_e: ar_e IS NOT NULL)), "
          "list_transform(ar_array_distinct(list_filter(a, lambda ar_e: ar_e IS NOT NULL)), lambda ar_k: "
          "CAST(len(list_filter(a, lambda ar_e: ar_e = ar_k)) AS BIGINT))) END",
          // array_sort with a comparator, as Java's List.sort (TimSort) runs it on fewer than 32 elements: the
          // initial run (reversed when strictly descending), then binary insertion, calling the comparator on the
          // same pairs in the same order (so its errors are Trino's).
          "CREATE OR REPLACE MACRO ar_cmp(f, x, y) AS list_transform([list_transform(list_transform([x], lambda ar_q: "
          "{'x': ar_q, 'y': y}), f)[1]], lambda ar_v: CASE WHEN ar_v IS NULL OR ar_v NOT IN (-1, 0, 1) THEN "
          "ar_fail('Lambda comparator must return "
          "either -1, 0, or 1') ELSE ar_v END)[1]",
          "CREATE OR REPLACE MACRO ar_run_end(a, f, descending) AS list_reduce(list_prepend({'n': CAST(2 AS BIGINT), "
          "'d': false}, list_transform(range(3, len(a) + 1), lambda ar_rk: {'n': ar_rk, 'd': CAST(NULL AS BOOLEAN)})), "
          "lambda ar_rs, ar_rk: CASE WHEN ar_rs.d THEN ar_rs WHEN (ar_cmp(f, list_extract(a, ar_rk.n), list_extract(a, "
          "ar_rk.n - 1)) < 0) = descending THEN {'n': ar_rk.n, 'd': false} ELSE {'n': ar_rs.n, 'd': true} END).n",
          "CREATE OR REPLACE MACRO ar_bsearch(f, s, p) AS list_reduce(list_prepend({'l': CAST(0 AS BIGINT), 'r': "
          "CAST(len(s) AS BIGINT)}, list_transform(range(0, 6), lambda ar_bk: {'l': CAST(NULL AS BIGINT), 'r': "
          "CAST(NULL AS BIGINT)})), lambda ar_bs, ar_bk: CASE WHEN ar_bs.l < ar_bs.r THEN CASE WHEN ar_cmp(f, p, "
          "list_extract(s, (ar_bs.l + ar_bs.r) // 2 + 1)) < 0 THEN {'l': ar_bs.l, 'r': (ar_bs.l + ar_bs.r) // 2} ELSE "
          "{'l': (ar_bs.l + ar_bs.r) // 2 + 1, 'r': ar_bs.r} END ELSE ar_bs END).l",
          "CREATE OR REPLACE MACRO ar_insert_at(s, p, i) AS list_concat(list_concat(list_slice(s, 1, i), [p]), "
          "list_slice(s, i + 1, len(s)))",
          "CREATE OR REPLACE MACRO ar_binary_sort(a, f, run) AS list_reduce(list_prepend({'s': run, 'i': CAST(NULL AS "
          "BIGINT)}, list_transform(range(len(run) + 1, len(a) + 1), lambda ar_k: {'s': CASE WHEN false THEN a END, "
          "'i': ar_k})), lambda ar_s, ar_k: {'s': ar_insert_at(ar_s.s, list_extract(a, ar_k.i), ar_bsearch(f, "
          "ar_s.s, list_extract(a, ar_k.i))), 'i': CAST(NULL AS BIGINT)}).s",
          // 32 elements or more (TimSort merges runs): exact only for a comparator that is a total preorder,
          // where every stable sort agrees. c is the comparator over every pair (row-major), checked to be
          // -1, 0 or 1; each element's rank counts those before it; the sorted order o is then checked to be
          // consistent with c (antisymmetric, and tied exactly within runs of consecutive ties), else refused.
          "CREATE OR REPLACE MACRO ar_pairs(a) AS list_transform(range(0, len(a) * len(a)), lambda ar_pk: {'x': "
          "list_extract(a, ar_pk // len(a) + 1), 'y': list_extract(a, ar_pk % len(a) + 1)})",
          "CREATE OR REPLACE MACRO ar_cm(c, n, p, q) AS list_extract(c, (p - 1) * n + q)",
          "CREATE OR REPLACE MACRO ar_sort_ranks(c, n) AS list_transform(range(1, n + 1), lambda ar_gi: "
          "len(list_filter(range(1, n + 1), lambda ar_gj: ar_gj <> ar_gi AND (ar_cm(c, n, ar_gj, ar_gi) < 0 OR "
          "(ar_cm(c, n, ar_gj, ar_gi) = 0 AND ar_gj < ar_gi)))))",
          "CREATE OR REPLACE MACRO ar_sort_order(r, n) AS list_transform(range(0, n), lambda ar_gr: list_position(r, "
          "ar_gr))",
          "CREATE OR REPLACE MACRO ar_sort_steps(c, n, o) AS list_transform(range(1, n + 1), lambda ar_gk: "
          "len(list_filter(range(1, ar_gk), lambda ar_gm: ar_cm(c, n, list_extract(o, ar_gm), list_extract(o, ar_gm + "
          "1)) < 0)))",
          "CREATE OR REPLACE MACRO ar_sort_consistent(c, n, o, s) AS NOT list_contains(list_transform(range(0, n * n), "
          "lambda ar_gp: ar_gp // n >= ar_gp % n OR (ar_cm(c, n, list_extract(o, ar_gp // n + 1), list_extract(o, "
          "ar_gp % n + 1)) = CASE WHEN list_extract(s, ar_gp // n + 1) = list_extract(s, ar_gp % n + 1) THEN 0 ELSE -1 "
          "END AND ar_cm(c, n, list_extract(o, ar_gp % n + 1), list_extract(o, ar_gp // n + 1)) = -ar_cm(c, n, "
          "list_extract(o, ar_gp // n + 1), list_extract(o, ar_gp % n + 1)))), false)",
          "CREATE OR REPLACE MACRO ar_sort_ordered(a, c, o) AS CASE WHEN list_contains(list_transform(o, lambda ar_go: "
          "ar_go IS NULL), true) OR NOT list_transform([ar_sort_steps(c, len(a), o)], lambda ar_gs: "
          "ar_sort_consistent(c, len(a), o, ar_gs))[1] THEN ar_fail('NOT_SUPPORTED: array_sort of 32 elements or "
          "more with a comparator that is not a consistent order is not supported by the local engine') ELSE "
          "list_transform(o, lambda ar_go: list_extract(a, ar_go)) END",
          "CREATE OR REPLACE MACRO ar_sort_matrix(a, c) AS CASE WHEN list_contains(list_transform(c, lambda ar_gv: "
          "ar_gv IS NULL OR ar_gv NOT IN (-1, 0, 1)), true) THEN ar_fail('Lambda comparator must return either -1, 0, "
          "or 1') ELSE list_transform([ar_sort_order(ar_sort_ranks(c, len(a)), len(a))], lambda ar_gw: "
          "ar_sort_ordered(a, c, ar_gw))[1] END",
          "CREATE OR REPLACE MACRO ar_array_sort_by(a, f) AS CASE WHEN a IS NULL THEN NULL WHEN len(a) < 2 THEN a "
          "WHEN len(a) >= 32 THEN list_transform([list_transform(ar_pairs(a), f)], lambda ar_gc: ar_sort_matrix(a, "
          "ar_gc))[1] WHEN ar_cmp(f, list_extract(a, 2), "
          "list_extract(a, 1)) < 0 "
          "THEN ar_binary_sort(a, f, list_reverse(list_slice(a, 1, ar_run_end(a, f, true)))) ELSE ar_binary_sort(a, "
          "f, list_slice(a, 1, ar_run_end(a, f, false))) END",
          "CREATE OR REPLACE MACRO ar_slice(a, s, n) AS CASE WHEN n < 0 THEN ar_fail('length must be greater than or "
          "equal to 0') WHEN s = 0 THEN ar_fail('SQL array indices start at 1') WHEN s < 0 AND len(a) + s + 1 < 1 THEN "
          "list_slice(a, 1, 0) ELSE list_slice(a, CASE WHEN s > 0 THEN s ELSE len(a) + s + 1 END, CASE WHEN n >= "
          "len(a) THEN len(a) ELSE (CASE WHEN s > 0 THEN s ELSE len(a) + s + 1 END) + n - 1 END) END",
          "CREATE OR REPLACE MACRO ar_trim_array(a, n) AS CASE WHEN n < 0 THEN ar_fail('size must not be negative: ' "
          "|| "
          "n) WHEN n > len(a) THEN ar_fail('size must not exceed array cardinality ' || len(a) || ': ' || n) ELSE "
          "list_slice(a, 1, len(a) - n) END",
          "CREATE OR REPLACE MACRO ar_repeat(x, n) AS CASE WHEN n < 0 THEN ar_fail('count argument of repeat function "
          "must be greater than or equal to 0') WHEN n > 10000 THEN ar_fail('count argument of repeat function must be "
          "less than or equal to 10000') ELSE list_transform(range(0, n), lambda ar_i: x) END",
          "CREATE OR REPLACE MACRO ar_ngrams(a, n) AS CASE WHEN n <= 0 THEN ar_fail('N must be positive') WHEN n >= "
          "len(a) THEN [a] ELSE list_transform(range(1, len(a) - n + 2), lambda ar_i: list_slice(a, ar_i, ar_i + n - "
          "1)) END",
          // combinations: index tuples i1 < i2 < ... in Trino's order (the first index moves fastest).
          "CREATE OR REPLACE MACRO ar_comb1(m) AS list_transform(range(1, m + 1), lambda ar_c1: [ar_c1])",
          "CREATE OR REPLACE MACRO ar_comb2(m) AS flatten(list_transform(range(1, m + 1), lambda ar_c2: "
          "list_transform(ar_comb1(ar_c2 - 1), lambda ar_t2: list_append(ar_t2, ar_c2))))",
          "CREATE OR REPLACE MACRO ar_comb3(m) AS flatten(list_transform(range(1, m + 1), lambda ar_c3: "
          "list_transform(ar_comb2(ar_c3 - 1), lambda ar_t3: list_append(ar_t3, ar_c3))))",
          "CREATE OR REPLACE MACRO ar_comb4(m) AS flatten(list_transform(range(1, m + 1), lambda ar_c4: "
          "list_transform(ar_comb3(ar_c4 - 1), lambda ar_t4: list_append(ar_t4, ar_c4))))",
          "CREATE OR REPLACE MACRO ar_comb5(m) AS flatten(list_transform(range(1, m + 1), lambda ar_c5: "
          "list_transform(ar_comb4(ar_c5 - 1), lambda ar_t5: list_append(ar_t5, ar_c5))))",
          "CREATE OR REPLACE MACRO ar_binomial(m, n) AS list_reduce(list_prepend(CAST(1 AS HUGEINT), range(1, n + 1)), "
          "lambda ar_b, ar_i: ar_b * (m - n + ar_i) // ar_i)",
          "CREATE OR REPLACE MACRO ar_combinations(a, n) AS CASE WHEN n < 0 THEN ar_fail('combination size must not be "
          "negative: ' || n) WHEN n > 5 THEN ar_fail('combination size must not exceed 5: ' || n) WHEN n > len(a) THEN "
          "list_slice([a], 1, 0) WHEN ar_binomial(len(a), n) * n > 100000 THEN ar_fail('combinations exceed max size') "
          "ELSE list_transform(CASE n WHEN 0 THEN [CAST([] AS BIGINT[])] WHEN 1 THEN ar_comb1(len(a)) WHEN 2 THEN "
          "ar_comb2(len(a)) WHEN 3 THEN ar_comb3(len(a)) WHEN 4 THEN ar_comb4(len(a)) ELSE ar_comb5(len(a)) END, "
          "lambda "
          "ar_t: list_transform(ar_t, lambda ar_i: list_extract(a, ar_i))) END",
          "CREATE OR REPLACE MACRO ar_zip2(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE "
          "list_transform(range(1, greatest(len(a), len(b)) + 1), lambda ar_i: {'x': list_extract(a, ar_i), 'y': "
          "list_extract(b, ar_i)}) END",
          "CREATE OR REPLACE MACRO ar_sequence(s, e, st) AS CASE WHEN st = 0 THEN ar_fail('step must not be zero') "
          "WHEN "
          "(st > 0 AND s > e) OR (st < 0 AND s < e) THEN ar_fail('sequence stop value should be greater than or equal "
          "to start value if step is greater than zero otherwise stop should be less than or equal to start') WHEN "
          "(CAST(e AS HUGEINT) - s) // st + 1 > 10000 THEN ar_fail('result of sequence function must not have more "
          "than 10000 entries') ELSE generate_series(CAST(s AS BIGINT), CAST(e AS BIGINT), CAST(st AS BIGINT)) END",
          "CREATE OR REPLACE MACRO ar_interval_days(i) AS CASE WHEN epoch(i) % 86400 <> 0 THEN ar_fail('sequence step "
          "must be a day interval if start and end values are dates') ELSE CAST(epoch(i) // 86400 AS BIGINT) END",
          "CREATE OR REPLACE MACRO ar_interval_micros(i) AS CAST(epoch(i) * 1000000 AS BIGINT)",
          "CREATE OR REPLACE MACRO ar_sequence_days(s, e, st) AS list_transform(ar_sequence(s - DATE '1970-01-01', e "
          "- DATE '1970-01-01', st), lambda ar_d: DATE '1970-01-01' + CAST(ar_d AS INTEGER))",
          // Month steps: start + k * step (each from the start, as Trino adds months), while not past the stop;
          // whole months between the two bound k, one more for the end-of-month clamp (Jan 31 + 1 month).
          "CREATE OR REPLACE MACRO ar_months_of(i) AS CAST(datepart('year', i) * 12 + datepart('month', i) AS "
          "BIGINT)",
          "CREATE OR REPLACE MACRO ar_month_steps(s, e, m) AS list_filter(list_transform(generate_series(0, "
          "greatest(ar_months_of(age(CAST(e AS TIMESTAMP), CAST(s AS TIMESTAMP))) // m, 0) + 1), lambda ar_k: CAST(s "
          "AS TIMESTAMP) + to_months(CAST(ar_k * m AS INTEGER))), lambda ar_t: CASE WHEN m > 0 THEN ar_t <= e ELSE "
          "ar_t >= e END)",
          "CREATE OR REPLACE MACRO ar_sequence_months(s, e, st) AS CASE WHEN ar_months_of(st) = 0 THEN ar_fail('step "
          "must not be zero') WHEN (ar_months_of(st) > 0 AND s > e) OR (ar_months_of(st) < 0 AND s < e) THEN "
          "ar_fail('sequence stop value should be greater than or equal to start value if step is greater than zero "
          "otherwise stop should be less than or equal to start') WHEN len(ar_month_steps(s, e, ar_months_of(st))) > "
          "10000 THEN ar_fail('result of sequence function must not have more than 10000 entries') ELSE "
          "ar_month_steps(s, e, ar_months_of(st)) END",
          "CREATE OR REPLACE MACRO ar_shuffle(a) AS list_transform(list_sort(list_transform(a, lambda ar_e: {'r': "
          "random(), 'e': ar_e})), lambda ar_p: ar_p.e)",
          // contains_sequence: IS NOT DISTINCT FROM element by element (Trino's IDENTICAL), at any offset.
          "CREATE OR REPLACE MACRO ar_contains_sequence(x, q) AS CASE WHEN x IS NULL OR q IS NULL THEN NULL ELSE "
          "list_contains(list_transform(range(0, len(x) - len(q) + 1), lambda ar_o: NOT list_contains(list_transform("
          "range(1, len(q) + 1), lambda ar_j: list_extract(x, ar_o + ar_j) IS NOT DISTINCT FROM list_extract(q, "
          "ar_j)), false)), true) END",
          "CREATE OR REPLACE MACRO ar_differs(l, r) AS l <> r",
          "CREATE OR REPLACE MACRO ar_differs_f(l, r) AS isnan(l) OR isnan(r) OR l <> r",
          "CREATE OR REPLACE MACRO ar_either_null(l, r) AS l IS NULL OR r IS NULL",
          "CREATE OR REPLACE MACRO ar_array_compare_at(a, b, i) AS CASE WHEN i IS NULL THEN sign(len(a) - len(b)) "
          "WHEN list_extract(a, i) IS NULL OR list_extract(b, i) IS NULL THEN ar_fail('ARRAY comparison not supported "
          "for arrays with null elements') WHEN list_extract(a, i) < list_extract(b, i) THEN -1 ELSE 1 END",
          "CREATE OR REPLACE MACRO ar_array_compare(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE "
          "ar_array_compare_at(a, b, list_filter(range(1, least(len(a), len(b)) + 1), lambda ar_ci: list_extract(a, "
          "ar_ci) IS NULL OR list_extract(b, ar_ci) IS NULL OR list_extract(a, ar_ci) <> list_extract(b, ar_ci))[1]) "
          "END",
          // Maps.
          "CREATE OR REPLACE MACRO ar_map_entries(m) AS list_transform(map_entries(m), lambda ar_e: {'field0': "
          "ar_e.key, 'field1': ar_e.value})",
          "CREATE OR REPLACE MACRO ar_map_from_entries(a) AS CASE WHEN a IS NULL THEN NULL WHEN ar_has_null(a) THEN "
          "ar_fail('map entry cannot be null') WHEN ar_has_null(list_transform(a, lambda ar_e: struct_extract_at(ar_e, "
          "1))) THEN ar_fail('map key cannot be null') WHEN len(list_distinct(list_transform(a, lambda ar_e: "
          "struct_extract_at(ar_e, 1)))) <> len(a) THEN ar_fail('Duplicate map keys are not allowed') ELSE "
          "map(list_transform(a, lambda ar_e: struct_extract_at(ar_e, 1)), list_transform(a, lambda ar_e: "
          "struct_extract_at(ar_e, 2))) END",
          "CREATE OR REPLACE MACRO ar_multimap_of(k, v) AS map(ar_array_distinct(k), "
          "list_transform(ar_array_distinct(k), lambda ar_u: list_transform(list_filter(range(1, len(k) + 1), "
          "lambda ar_i: list_extract(k, ar_i) = ar_u), lambda ar_i: list_extract(v, ar_i))))",
          "CREATE OR REPLACE MACRO ar_multimap_from_entries(a) AS CASE WHEN a IS NULL THEN NULL WHEN ar_has_null(a) "
          "THEN ar_fail('map entry cannot be null') WHEN ar_has_null(list_transform(a, lambda ar_e: "
          "struct_extract_at(ar_e, 1))) THEN ar_fail('map key cannot be null') ELSE ar_multimap_of(list_transform(a, "
          "lambda ar_e: struct_extract_at(ar_e, 1)), list_transform(a, lambda ar_e: struct_extract_at(ar_e, 2))) END",
          "CREATE OR REPLACE MACRO ar_transform_keys(m, k) AS CASE WHEN m IS NULL THEN NULL WHEN ar_has_null(k) THEN "
          "ar_fail('map key cannot be null') WHEN len(list_distinct(k)) <> len(k) THEN ar_fail('Duplicate keys are not "
          "allowed') ELSE map(k, map_values(m)) END",
          "CREATE OR REPLACE MACRO ar_map_zip_keys(a, b) AS ar_array_distinct(list_concat(map_keys(a), map_keys(b)))",
          "CREATE OR REPLACE MACRO ar_map_zip_entries(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE "
          "list_transform(ar_map_zip_keys(a, b), lambda ar_k: {'k': ar_k, 'v1': a[ar_k], 'v2': b[ar_k]}) END",
          "CREATE OR REPLACE MACRO ar_map_zip_with(a, b, v) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE "
          "map(ar_map_zip_keys(a, b), v) END",
          // split_to_map / split_to_multimap: entries split on the literal delimiter (a trailing one ends the
          // string), each with the key-value delimiter exactly once; the first bad entry (or, for maps, repeated
          // key) fails with Trino's message (split_to_multimap's does not quote the entry).
          "CREATE OR REPLACE MACRO ar_split_entries(s, d) AS CASE WHEN s = '' THEN list_slice([''], 1, 0) WHEN "
          "suffix(s, d) THEN list_slice(string_split(s, d), 1, len(string_split(s, d)) - 1) ELSE string_split(s, d) "
          "END",
          "CREATE OR REPLACE MACRO ar_split_bad(e, kd) AS strpos(e, kd) = 0 OR strpos(substr(e, strpos(e, kd) + "
          "length(kd)), kd) > 0",
          "CREATE OR REPLACE MACRO ar_split_key(e, kd) AS substr(e, 1, strpos(e, kd) - 1)",
          "CREATE OR REPLACE MACRO ar_split_value(e, kd) AS substr(e, strpos(e, kd) + length(kd))",
          "CREATE OR REPLACE MACRO ar_split_check(s, d, kd) AS CASE WHEN length(d) = 0 THEN ar_fail('entryDelimiter is "
          "empty') WHEN length(kd) = 0 THEN ar_fail('keyValueDelimiter is empty') WHEN d = kd THEN "
          "ar_fail('entryDelimiter "
          "and keyValueDelimiter must not be the same') ELSE ar_split_entries(s, d) END",
          "CREATE OR REPLACE MACRO ar_split_problem(l, kd, unique_keys) AS list_filter(range(1, len(l) + 1), lambda "
          "ar_si: ar_split_bad(list_extract(l, ar_si), kd) OR (unique_keys AND list_contains(list_transform("
          "list_slice(l, 1, ar_si - 1), lambda ar_sp: ar_split_key(ar_sp, kd)), ar_split_key(list_extract(l, ar_si), "
          "kd))))[1]",
          "CREATE OR REPLACE MACRO ar_split_fail(l, kd, i, q) AS CASE WHEN ar_split_bad(list_extract(l, i), kd) "
          "THEN ar_fail('Key-value delimiter must appear exactly once in each entry. Bad input: ' || q || "
          "list_extract(l, i) || q) ELSE ar_fail('Duplicate keys (' || ar_split_key(list_extract(l, i), kd) || ') are "
          "not allowed') END",
          "CREATE OR REPLACE MACRO ar_split_map_of(l, kd) AS CASE WHEN ar_split_problem(l, kd, true) IS NOT NULL THEN "
          "ar_split_fail(l, kd, ar_split_problem(l, kd, true), '''') ELSE map(list_transform(l, lambda ar_se: "
          "ar_split_key(ar_se, kd)), list_transform(l, lambda ar_se: ar_split_value(ar_se, kd))) END",
          "CREATE OR REPLACE MACRO ar_split_to_map(s, d, kd) AS CASE WHEN s IS NULL OR d IS NULL OR kd IS NULL THEN "
          "NULL ELSE ar_split_map_of(ar_split_check(s, d, kd), kd) END",
          "CREATE OR REPLACE MACRO ar_split_multimap_of(l, kd) AS CASE WHEN ar_split_problem(l, kd, false) IS NOT NULL "
          "THEN ar_split_fail(l, kd, ar_split_problem(l, kd, false), '') ELSE ar_multimap_of(list_transform(l, lambda "
          "ar_se: ar_split_key(ar_se, kd)), list_transform(l, lambda ar_se: ar_split_value(ar_se, kd))) END",
          "CREATE OR REPLACE MACRO ar_split_to_multimap(s, d, kd) AS CASE WHEN s IS NULL OR d IS NULL OR kd IS NULL "
          "THEN NULL ELSE ar_split_multimap_of(ar_split_check(s, d, kd), kd) END",
          // Aggregates over a list of {k, v} (NULL for a NULL key): the first value of each key.
          "CREATE OR REPLACE MACRO ar_kv(l) AS list_filter(l, lambda ar_e: ar_e IS NOT NULL)",
          "CREATE OR REPLACE MACRO ar_map_agg(l) AS CASE WHEN len(ar_kv(l)) = 0 THEN NULL ELSE "
          "map_from_entries(list_filter(ar_kv(l), lambda ar_e, ar_i: list_position(list_transform(ar_kv(l), lambda "
          "ar_p: ar_p.k), ar_e.k) = ar_i)) END",
          "CREATE OR REPLACE MACRO ar_multimap_agg(l) AS CASE WHEN len(ar_kv(l)) = 0 THEN NULL ELSE "
          "ar_multimap_of(list_transform(ar_kv(l), lambda ar_e: ar_e.k), list_transform(ar_kv(l), lambda ar_e: "
          "ar_e.v)) END",
          "CREATE OR REPLACE MACRO ar_map_union(l) AS CASE WHEN len(list_filter(l, lambda ar_m: ar_m IS NOT NULL)) = "
          "0 THEN NULL ELSE ar_map_agg(flatten(list_transform(list_filter(l, lambda ar_m: ar_m IS NOT NULL), lambda "
          "ar_m: list_transform(map_entries(ar_m), lambda ar_e: {'k': ar_e.key, 'v': ar_e.value})))) END",
      });
  // NOLINTEND(bugprone-suspicious-missing-comma)
}

}  // namespace athena_runner::sql::families
