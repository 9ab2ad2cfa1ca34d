// Trino's SQL/JSON path language (docs: functions/json, "JSON path language"), as a tree: what the binder
// parses a constant path of json_query / json_value / json_exists into (a syntax error is a bind-time
// error) and what the local engine's evaluator (src/engine/local/functions/sqljson.cpp) walks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace athena_runner::sql {

enum class PathKind {
  // accessor expressions (a sequence of items); children[0] is the base of every accessor
  Context,     // $
  Variable,    // $name (`text`: the name)
  Current,     // @
  Last,        // last
  Literal,     // `literal`, `text`
  Arithmetic,  // children[0] `text` children[1]: + - * / %
  Unary,       // `text` children[0]: + -
  Member,      // children[0].`text`
  MemberWildcard,
  Descendant,  // children[0]..`text`
  Subscripts,  // children[0][...]: `subscripts` index children (from, to or -1)
  ArrayWildcard,
  Filter,  // children[0]?(children[1])
  Method,  // children[0].`text`()
  // predicates (true, false or unknown); operands in children
  And,
  Or,
  Not,
  Exists,
  Comparison,  // `text`: == != < <= > >=  (<> is read as !=)
  StartsWith,
  IsUnknown,
};

enum class PathLiteral { Null, True, False, Integer, Decimal, Double, String };

struct PathNode {
  PathKind kind = PathKind::Context;
  std::string text;
  PathLiteral literal = PathLiteral::Null;
  std::vector<std::unique_ptr<PathNode>> children;
  struct Subscript {
    std::size_t from = 0;
    std::optional<std::size_t> to;
  };
  std::vector<Subscript> subscripts;  // indexes into children
};

struct JsonPath {
  bool lax = true;
  std::unique_ptr<PathNode> root;
  std::vector<std::string> variables;  // the $names it uses, in order of first use
};

// A path that is not Trino's path language, or a part of it the local engine does not implement.
struct JsonPathError {
  bool not_supported = false;
  std::string message;
};

// Parses `lax <path>` / `strict <path>`; on failure sets `error` and returns nothing.
std::optional<JsonPath> parse_json_path(std::string_view text, JsonPathError& error);

}  // namespace athena_runner::sql
