// JSON functions (docs: functions/json).
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

void add_json(Builder& b) {
  b.add("json_extract_scalar", {"varchar", "varchar"}, "varchar", "ar_json_extract_scalar({0}, {1})");
  b.add("json_extract", {"varchar", "varchar"}, "json", "json_extract({0}, {1})");

  // NOLINTBEGIN(bugprone-suspicious-missing-comma): each element is one literal on several lines.
  b.macros.insert(
      b.macros.end(),
      {
          "CREATE OR REPLACE MACRO ar_json_extract_scalar(j, p) AS CASE WHEN json_type(json_extract(j, p)) IN "
          "('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, p) END",
      });
  // NOLINTEND(bugprone-suspicious-missing-comma)
}

}  // namespace athena_runner::sql::families
