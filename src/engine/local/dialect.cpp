// The tokens the DDL and write statements' own clause readers (writes.cpp) walk. Queries are read by the
// SQL front end (src/engine/sql); this tokenizer goes when those readers move onto its lexer.
#include "dialect.hpp"

#include <cctype>

#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine::local {
namespace {

using Kind = Token::Kind;

Error not_supported(const std::string& message) {
  return make_error(ErrorKind::InvalidInput, std::string(error_codes::kNotSupported), message);
}

bool is_word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80) != 0; }
bool is_word_char(char c) { return is_word_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

}  // namespace

Outcome<std::vector<Token>> tokenize(std::string_view sql) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  auto push = [&](Kind kind, std::size_t start) {
    tokens.push_back({kind, std::string(sql.substr(start, i - start))});
  };
  while (i < sql.size()) {
    std::size_t start = i;
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
      push(Kind::Space, start);
    } else if (sql.substr(i, 2) == "--") {
      while (i < sql.size() && sql[i] != '\n') ++i;
      push(Kind::Comment, start);
    } else if (sql.substr(i, 2) == "/*") {
      auto stop = sql.find("*/", i + 2);
      if (stop == std::string_view::npos) return not_supported("unterminated /* comment");
      i = stop + 2;
      push(Kind::Comment, start);
    } else if (c == '\'' || c == '"') {
      ++i;
      while (true) {
        if (i >= sql.size()) {
          return make_error(ErrorKind::InvalidInput, std::string(error_codes::kQueryFailed),
                            std::string("unterminated ") + (c == '\'' ? "string literal" : "quoted identifier"));
        }
        if (sql[i] == c) {
          if (i + 1 < sql.size() && sql[i + 1] == c) {
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        ++i;
      }
      push(c == '\'' ? Kind::String : Kind::QuotedIdentifier, start);
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      while (i < sql.size() && (std::isdigit(static_cast<unsigned char>(sql[i])) || sql[i] == '.')) ++i;
      if (i < sql.size() && (sql[i] == 'e' || sql[i] == 'E')) {
        std::size_t exponent = i + 1;
        if (exponent < sql.size() && (sql[exponent] == '+' || sql[exponent] == '-')) ++exponent;
        if (exponent < sql.size() && std::isdigit(static_cast<unsigned char>(sql[exponent]))) {
          i = exponent;
          while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) ++i;
        }
      }
      push(Kind::Number, start);
    } else if (is_word_start(c)) {
      while (i < sql.size() && is_word_char(sql[i])) ++i;
      push(Kind::Word, start);
    } else if (c == '?') {
      ++i;
      push(Kind::Parameter, start);
    } else {
      ++i;
      push(Kind::Symbol, start);
    }
  }
  return tokens;
}

}  // namespace athena_runner::engine::local
