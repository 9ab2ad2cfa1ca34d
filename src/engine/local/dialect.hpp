// The tokens the DDL and write statements' own clause readers walk (queries go through the SQL front end,
// src/engine/sql, which has its own lexer).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::engine::local {

struct Token {
  enum class Kind { Space, Comment, String, QuotedIdentifier, Word, Number, Parameter, Symbol };
  Kind kind;
  std::string text;
};

Outcome<std::vector<Token>> tokenize(std::string_view sql);

}  // namespace athena_runner::engine::local
