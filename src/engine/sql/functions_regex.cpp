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

// Trino's regexp_replace replacement ($1, \$ for a literal '$') to DuckDB's (\1, with 'g' for every match).
Outcome<std::string> emit_regexp_replace(const std::vector<std::string>& args, const Resolved& call) {
  if (args.size() == 2) return "regexp_replace(" + args[0] + ", " + args[1] + ", '', 'g')";
  if (call.constants.size() < 3 || !call.constants[2]) {
    return not_supported("regexp_replace is supported by the local engine only with a literal replacement");
  }
  const int groups = call.constants[1] ? capturing_groups(*call.constants[1]) : -1;
  const std::string& literal = *call.constants[2];
  std::string replacement;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    char c = literal[i];
    if (c == '\\') {
      if (i + 1 < literal.size() && (literal[i + 1] == '$' || literal[i + 1] == '\\')) {
        replacement += literal[i + 1] == '\\' ? "\\\\" : "$";
        ++i;
        continue;
      }
      return not_supported(
          "regexp_replace: a backslash in the replacement before anything but '$' or '\\' is not supported by the "
          "local engine");
    }
    if (c == '$') {
      if (i + 1 < literal.size() && std::isdigit(static_cast<unsigned char>(literal[i + 1]))) {
        int group = literal[i + 1] - '0';
        if (groups < 0) return not_supported("regexp_replace with group references needs a literal pattern locally");
        if (group > groups) {
          return semantic_error("regexp_replace: no group " + std::to_string(group) + " in the pattern (it has " +
                                std::to_string(groups) + ")");
        }
        replacement += '\\';
        replacement += literal[i + 1];
        ++i;
        continue;
      }
      if (i + 1 < literal.size() && literal[i + 1] == '{') {
        return not_supported("regexp_replace: named group references (${name}) are not supported by the local engine");
      }
      return semantic_error("regexp_replace: '$' in the replacement must be followed by a group number");
    }
    replacement += c;
  }
  return "regexp_replace(" + args[0] + ", " + args[1] + ", " + quote_string(replacement) + ", 'g')";
}

Outcome<std::string> emit_regexp_extract(const std::vector<std::string>& args, const Resolved& call) {
  if (args.size() == 3) {
    if (call.constants.size() > 1 && call.constants[1]) {
      // A literal group number beyond the pattern's groups fails as in Trino.
      const int groups = capturing_groups(*call.constants[1]);
      const std::string& g = args[2];
      return "ar_regexp_extract_group(" + args[0] + ", " + args[1] + ", " + g + ", " + std::to_string(groups) + ")";
    }
    return not_supported("regexp_extract with a group is supported by the local engine only with a literal pattern");
  }
  return "ar_regexp_extract(" + args[0] + ", " + args[1] + ")";
}

}  // namespace

void add_regex(Builder& b) {
  b.add("regexp_like", {"varchar", "varchar"}, "boolean", "regexp_matches({0}, {1})");
  b.add_emit("regexp_extract", {"varchar", "varchar"}, "varchar", emit_regexp_extract);
  b.add_emit("regexp_extract", {"varchar", "varchar", "bigint"}, "varchar", emit_regexp_extract);
  b.add_emit("regexp_replace", {"varchar", "varchar"}, "varchar", emit_regexp_replace);
  b.add_emit("regexp_replace", {"varchar", "varchar", "varchar"}, "varchar", emit_regexp_replace);

  // NOLINTBEGIN(bugprone-suspicious-missing-comma): each element is one literal on several lines.
  b.macros.insert(
      b.macros.end(),
      {
          "CREATE OR REPLACE MACRO ar_regexp_extract(s, p) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p) "
          "END",
          "CREATE OR REPLACE MACRO ar_regexp_extract_group(s, p, g, groups) AS CASE WHEN g < 0 OR g > groups THEN "
          "ar_fail('Pattern has ' || groups || ' groups. Cannot access group ' || g) WHEN regexp_matches(s, p) THEN "
          "regexp_extract(s, p, CAST(g AS INTEGER)) END",
      });
  // NOLINTEND(bugprone-suspicious-missing-comma)
}

}  // namespace athena_runner::sql::families
