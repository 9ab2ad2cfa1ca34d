// The allow-list put together from its families (functions_<family>.cpp, declared in registry.hpp), and
// the Trino functions it does not have.
#include <string>
#include <vector>

#include "registry.hpp"

namespace athena_runner::sql {
namespace {

// Places {O} (ORDER BY inside the call) and {F} (FILTER / OVER after it) in an aggregate's or window
// function's template: around the first call, or the call inside a leading CAST(.
void place_modifiers(FunctionEntry& entry) {
  std::string& t = entry.duck;
  if (t.empty() || t.find("{F}") != std::string::npos) return;
  std::size_t start = t.rfind("CAST(", 0) == 0 ? 5 : 0;
  std::size_t open = t.find('(', start);
  int depth = 0;
  for (std::size_t i = open; i < t.size(); ++i) {
    if (t[i] == '(') ++depth;
    if (t[i] == ')' && --depth == 0) {
      t = t.substr(0, i) + "{O})" + "{F}" + t.substr(i + 1);
      return;
    }
  }
}

struct Registry {
  std::vector<FunctionEntry> table;
  std::vector<std::string> macros;
};

const Registry& built() {
  static const Registry result = [] {
    families::Builder b;
    families::add_operators(b);
    families::add_datetime(b);
    families::add_math(b);
    families::add_strings(b);
    families::add_regex(b);
    families::add_json(b);
    families::add_collections(b);
    families::add_aggregates(b);
    for (auto& entry : b.table) {
      if (entry.kind == FunctionKind::Aggregate || entry.kind == FunctionKind::Window) place_modifiers(entry);
    }
    return Registry{std::move(b.table), std::move(b.macros)};
  }();
  return result;
}

}  // namespace

// Trino's function list (docs: functions/list), without the special forms the grammar reads (CAST,
// EXTRACT, POSITION, TRY, the SQL/JSON functions, current_date, ...) and without the families no Athena
// query over a data lake reaches locally (geospatial, machine learning, color, set digest, HyperLogLog,
// quantile and T-digest sketches): those are refused by name like any unknown function.
const std::vector<std::string>& trino_function_names() {
  static const std::vector<std::string> names = {
      "abs",
      "acos",
      "all_match",
      "any_match",
      "any_value",
      "approx_distinct",
      "approx_most_frequent",
      "approx_percentile",
      "arbitrary",
      "array_agg",
      "array_distinct",
      "array_except",
      "array_first",
      "array_histogram",
      "array_intersect",
      "array_join",
      "array_last",
      "array_max",
      "array_min",
      "array_position",
      "array_remove",
      "array_sort",
      "array_union",
      "arrays_overlap",
      "asin",
      "at_timezone",
      "atan",
      "atan2",
      "avg",
      "beta_cdf",
      "bit_count",
      "bitwise_and",
      "bitwise_and_agg",
      "bitwise_left_shift",
      "bitwise_not",
      "bitwise_or",
      "bitwise_or_agg",
      "bitwise_right_shift",
      "bitwise_right_shift_arithmetic",
      "bitwise_xor",
      "bool_and",
      "bool_or",
      "cardinality",
      "cbrt",
      "ceil",
      "ceiling",
      "char2hexint",
      "checksum",
      "chr",
      "codepoint",
      "combinations",
      "concat",
      "concat_ws",
      "contains",
      "contains_sequence",
      "corr",
      "cos",
      "cosh",
      "cosine_distance",
      "cosine_similarity",
      "count",
      "count_if",
      "covar_pop",
      "covar_samp",
      "crc32",
      "cume_dist",
      "current_groups",
      "current_timezone",
      "date",
      "date_add",
      "date_diff",
      "date_format",
      "date_parse",
      "date_trunc",
      "day",
      "day_of_month",
      "day_of_week",
      "day_of_year",
      "degrees",
      "dense_rank",
      "dow",
      "doy",
      "e",
      "element_at",
      "ends_with",
      "every",
      "exp",
      "filter",
      "first_value",
      "flatten",
      "floor",
      "format",
      "format_datetime",
      "format_number",
      "from_base",
      "from_base32",
      "from_base64",
      "from_base64url",
      "from_big_endian_32",
      "from_big_endian_64",
      "from_hex",
      "from_ieee754_32",
      "from_ieee754_64",
      "from_iso8601_date",
      "from_iso8601_timestamp",
      "from_iso8601_timestamp_nanos",
      "from_unixtime",
      "from_unixtime_nanos",
      "from_utf8",
      "geometric_mean",
      "greatest",
      "hamming_distance",
      "histogram",
      "hmac_md5",
      "hmac_sha1",
      "hmac_sha256",
      "hmac_sha512",
      "hour",
      "human_readable_seconds",
      "index",
      "infinity",
      "inverse_beta_cdf",
      "inverse_normal_cdf",
      "is_finite",
      "is_infinite",
      "is_json_scalar",
      "is_nan",
      "json_array_contains",
      "json_array_get",
      "json_array_length",
      "json_extract",
      "json_extract_scalar",
      "json_format",
      "json_parse",
      "json_size",
      "kurtosis",
      "lag",
      "last_day_of_month",
      "last_value",
      "lead",
      "least",
      "length",
      "levenshtein_distance",
      "listagg",
      "ln",
      "log",
      "log10",
      "log2",
      "lower",
      "lpad",
      "ltrim",
      "luhn_check",
      "map",
      "map_agg",
      "map_concat",
      "map_entries",
      "map_filter",
      "map_from_entries",
      "map_keys",
      "map_union",
      "map_values",
      "map_zip_with",
      "max",
      "max_by",
      "md5",
      "millisecond",
      "min",
      "min_by",
      "minute",
      "mod",
      "month",
      "multimap_agg",
      "multimap_from_entries",
      "murmur3",
      "nan",
      "ngrams",
      "none_match",
      "normal_cdf",
      "normalize",
      "now",
      "nth_value",
      "ntile",
      "parse_data_size",
      "parse_datetime",
      "parse_duration",
      "percent_rank",
      "pi",
      "pow",
      "power",
      "quarter",
      "radians",
      "rand",
      "random",
      "rank",
      "reduce",
      "reduce_agg",
      "regexp_count",
      "regexp_extract",
      "regexp_extract_all",
      "regexp_like",
      "regexp_position",
      "regexp_replace",
      "regexp_split",
      "regr_intercept",
      "regr_slope",
      "repeat",
      "replace",
      "reverse",
      "round",
      "row_number",
      "rpad",
      "rtrim",
      "second",
      "sequence",
      "sha1",
      "sha256",
      "sha512",
      "shuffle",
      "sign",
      "sin",
      "sinh",
      "skewness",
      "slice",
      "soundex",
      "split",
      "split_part",
      "split_to_map",
      "split_to_multimap",
      "spooky_hash_v2_32",
      "spooky_hash_v2_64",
      "sqrt",
      "starts_with",
      "stddev",
      "stddev_pop",
      "stddev_samp",
      "strpos",
      "substr",
      "sum",
      "tan",
      "tanh",
      "timezone",
      "timezone_hour",
      "timezone_minute",
      "to_base",
      "to_base32",
      "to_base64",
      "to_base64url",
      "to_big_endian_32",
      "to_big_endian_64",
      "to_char",
      "to_date",
      "to_hex",
      "to_ieee754_32",
      "to_ieee754_64",
      "to_iso8601",
      "to_milliseconds",
      "to_timestamp",
      "to_unixtime",
      "to_utf8",
      "transform",
      "transform_keys",
      "transform_values",
      "translate",
      "trim_array",
      "truncate",
      "typeof",
      "upper",
      "url_decode",
      "url_encode",
      "url_extract_fragment",
      "url_extract_host",
      "url_extract_parameter",
      "url_extract_path",
      "url_extract_port",
      "url_extract_protocol",
      "url_extract_query",
      "uuid",
      "var_pop",
      "var_samp",
      "variance",
      "version",
      "week",
      "week_of_year",
      "width_bucket",
      "wilson_interval_lower",
      "wilson_interval_upper",
      "with_timezone",
      "word_stem",
      "xxhash64",
      "year",
      "year_of_week",
      "yow",
      "zip",
      "zip_with",
  };
  return names;
}

std::vector<FunctionEntry> build_function_table() { return built().table; }

std::vector<std::string> duckdb_macros() { return built().macros; }

const std::vector<std::string>& known_unsupported_functions() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& name : trino_function_names()) {
      if (!has_function(name)) out.push_back(name);
    }
    return out;
  }();
  return names;
}

}  // namespace athena_runner::sql
