// Regular expression functions (docs: functions/regexp).
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
namespace {

// The number of capturing groups of a (RE2/Java) pattern: '(' not escaped, not in a class, not '(?'.
int capturing_groups(std::string_view pattern) {
  int groups = 0;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      bool named = i + 2 < pattern.size() && pattern[i + 1] == '?' && pattern[i + 2] == '<' && i + 3 < pattern.size() &&
                   pattern[i + 3] != '=' && pattern[i + 3] != '!';
      if (i + 1 >= pattern.size() || pattern[i + 1] != '?' || named) ++groups;
    }
  }
  return groups;
}

// regexp_replace(string, pattern, function): each match is replaced by the lambda's value for the array of
// its groups (NULL for a group that did not take part). The pieces between matches come from regexp_split
// and the groups of match i from regexp_extract_all, whose search loops are the replacement's. The number
// of groups is the literal pattern's; a lambda returning NULL makes the whole result NULL, as in Trino.
Outcome<std::string> emit_regexp_replace_lambda(const std::vector<std::string>& args, const Resolved& call) {
  if (call.constants.size() < 2 || !call.constants[1]) {
    return not_supported("regexp_replace with a lambda is supported by the local engine only with a literal pattern");
  }
  const int groups = capturing_groups(*call.constants[1]);
  std::string array = "[";
  for (int g = 1; g <= groups; ++g) {
    array += (g > 1 ? ", " : "") + std::string("ar_regexp_extract_all(") + args[0] + ", " + args[1] + ", " +
             std::to_string(g) + ")[ar_rx_i]";
  }
  array += groups == 0 ? "]::VARCHAR[]" : "]";
  const std::string pieces = "ar_regexp_split(" + args[0] + ", " + args[1] + ")";
  return "ar_regexp_interleave(" + pieces + ", list_transform(range(1, len(" + pieces +
         ")), lambda ar_rx_i: list_transform([" + array + "], " + args[2] + ")[1]))";
}

}  // namespace

void add_regex(Builder& b) {
  // C++ on RE2 (src/engine/local/functions/regex.cpp): Java syntax that RE2 reads otherwise is refused by name.
  b.add("regexp_like", {"varchar", "varchar"}, "boolean", "ar_regexp_like({0}, {1})");
  b.add("regexp_extract", {"varchar", "varchar"}, "varchar", "ar_regexp_extract({0}, {1}, 0)");
  b.add("regexp_extract", {"varchar", "varchar", "bigint"}, "varchar", "ar_regexp_extract({0}, {1}, {2})");
  b.add("regexp_extract_all", {"varchar", "varchar"}, "array(varchar)", "ar_regexp_extract_all({0}, {1}, 0)");
  b.add("regexp_extract_all", {"varchar", "varchar", "bigint"}, "array(varchar)",
        "ar_regexp_extract_all({0}, {1}, {2})");
  b.add("regexp_replace", {"varchar", "varchar"}, "varchar", "ar_regexp_replace({0}, {1}, '')");
  b.add("regexp_replace", {"varchar", "varchar", "varchar"}, "varchar", "ar_regexp_replace({0}, {1}, {2})");
  b.add_emit("regexp_replace", {"varchar", "varchar", "function(array(varchar),varchar)"}, "varchar",
             emit_regexp_replace_lambda);
  b.add("regexp_count", {"varchar", "varchar"}, "bigint", "ar_regexp_count({0}, {1})");
  b.add("regexp_split", {"varchar", "varchar"}, "array(varchar)", "ar_regexp_split({0}, {1})");
  b.add("regexp_position", {"varchar", "varchar"}, "integer", "ar_regexp_position({0}, {1}, 1, 1)");
  b.add("regexp_position", {"varchar", "varchar", "bigint"}, "integer", "ar_regexp_position({0}, {1}, {2}, 1)");
  b.add("regexp_position", {"varchar", "varchar", "bigint", "bigint"}, "integer",
        "ar_regexp_position({0}, {1}, {2}, {3})");
  b.macros.emplace_back(
      "CREATE OR REPLACE MACRO ar_regexp_interleave(pieces, replacements) AS CASE WHEN "
      "len(list_filter(replacements, lambda r: r IS NULL)) = 0 THEN pieces[1] || "
      "array_to_string(list_transform(range(1, len(replacements) + 1), lambda i: replacements[i] || pieces[i + 1]), "
      "'') END");
}

}  // namespace athena_runner::sql::families
