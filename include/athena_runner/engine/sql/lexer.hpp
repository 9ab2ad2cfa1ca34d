// Athena's (Trino's) SQL lexer: tokens with their line and column, as Trino's grammar defines them
// (identifiers, "quoted" identifiers, 'strings' with '' escapes, U&'unicode' and X'binary' strings,
// integer, decimal and double literals, operators, ? parameters; -- and /* */ comments skipped).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::sql {

struct Position {
  int line = 1;
  int column = 1;  // 1-based, in characters of the line's bytes (as Trino counts them for ASCII)
  std::size_t offset = 0;
};

enum class TokenKind {
  Identifier,        // unquoted; `text` as written, `value` lower case
  QuotedIdentifier,  // "..."; `value` unescaped, case kept
  String,            // '...'; `value` unescaped
  UnicodeString,     // U&'...'; `value` with \XXXX and \+XXXXXX escapes decoded to UTF-8
  BinaryString,      // X'...'; `value` the hex digits (spaces removed)
  Integer,           // 123
  Decimal,           // 1.5, .5, 1.
  Double,            // 1e3, 1.5E-2
  Parameter,         // ?
  Symbol,            // = <> != < <= > >= + - * / % || -> => ( ) [ ] , . ; :
  End,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;   // the bytes as written
  std::string value;  // see TokenKind
  Position position;

  bool is_symbol(std::string_view symbol) const { return kind == TokenKind::Symbol && text == symbol; }
  // An unquoted identifier equal to `keyword` (lower case) in any case.
  bool is_keyword(std::string_view keyword) const { return kind == TokenKind::Identifier && value == keyword; }
};

// "line L:C: message", as Athena and Trino prefix their syntax errors.
std::string at(const Position& position, std::string_view message);

// Trino's tokens, or those of Athena's Hive DDL: 'strings' and "strings" with backslash escapes (\t \n \r
// \\ \' and octal \001), `backquoted` names (QuotedIdentifier), names that start with a digit.
enum class LexMode { Trino, Hive };

// The tokens of `sql`, ending with one End token. Errors (SYNTAX_ERROR) carry the line and column.
Outcome<std::vector<Token>> lex(std::string_view sql, LexMode mode = LexMode::Trino);

// Trino's reserved words (they must be quoted to be used as identifiers); `word` in lower case.
bool is_reserved_word(std::string_view word);

}  // namespace athena_runner::sql
