#include "statements.hpp"

#include "athena_runner/base/text.hpp"

namespace athena_runner::cli {

StatementScan scan_statements(std::string_view text) {
  enum class State { Code, Literal, DoubleQuoted, BackQuoted, LineComment, BlockComment };
  StatementScan scan;
  State state = State::Code;
  std::string current;
  std::size_t placeholders = 0;
  bool has_code = false;
  auto finish_statement = [&] {
    if (has_code) scan.statements.push_back({std::string(text::trim(current)), placeholders});
    current.clear();
    placeholders = 0;
    has_code = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (state) {
      case State::Code:
        if (c == ';') {
          finish_statement();
          scan.ends_with_semicolon = true;
          continue;
        }
        if (c == '-' && next == '-') {
          state = State::LineComment;
        } else if (c == '/' && next == '*') {
          state = State::BlockComment;
          current += c;
          current += next;
          ++i;
          continue;
        } else if (c == '\'') {
          state = State::Literal;
        } else if (c == '"') {
          state = State::DoubleQuoted;
        } else if (c == '`') {
          state = State::BackQuoted;
        } else if (c == '?') {
          ++placeholders;
        }
        if (state != State::LineComment && text::kWhitespace.find(c) == std::string_view::npos) {
          has_code = true;
          scan.ends_with_semicolon = false;
        }
        break;
      case State::Literal:
      case State::DoubleQuoted:
      case State::BackQuoted: {
        const char quote = state == State::Literal ? '\'' : state == State::DoubleQuoted ? '"' : '`';
        if (c == quote) {
          if (next == quote) {  // a doubled quote stands for itself
            current += c;
            ++i;
          } else {
            state = State::Code;
          }
        }
        break;
      }
      case State::LineComment:
        if (c == '\n') state = State::Code;
        break;
      case State::BlockComment:
        if (c == '*' && next == '/') {
          current += c;
          current += next;
          ++i;
          state = State::Code;
          continue;
        }
        break;
    }
    current += c;
  }
  switch (state) {
    case State::Literal: scan.unterminated = "a string literal ('...')"; break;
    case State::DoubleQuoted: scan.unterminated = "a quoted identifier (\"...\")"; break;
    case State::BackQuoted: scan.unterminated = "a quoted identifier (`...`)"; break;
    case State::BlockComment: scan.unterminated = "a comment (/* ... */)"; break;
    case State::Code:
    case State::LineComment: break;
  }
  finish_statement();
  return scan;
}

}  // namespace athena_runner::cli
