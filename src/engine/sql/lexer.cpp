#include "athena_runner/engine/sql/lexer.hpp"

#include <algorithm>
#include <array>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"

namespace athena_runner::sql {
namespace {

// Trino's reserved keywords (docs: language/reserved), sorted.
constexpr std::string_view kReserved[] = {
    "alter",
    "and",
    "as",
    "auto",
    "between",
    "by",
    "case",
    "cast",
    "constraint",
    "create",
    "cross",
    "cube",
    "current_catalog",
    "current_date",
    "current_path",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "deallocate",
    "delete",
    "describe",
    "distinct",
    "drop",
    "else",
    "end",
    "escape",
    "except",
    "exists",
    "extract",
    "false",
    "for",
    "from",
    "full",
    "group",
    "grouping",
    "having",
    "in",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "join",
    "json_array",
    "json_exists",
    "json_object",
    "json_query",
    "json_table",
    "json_value",
    "left",
    "like",
    "listagg",
    "localtime",
    "localtimestamp",
    "natural",
    "normalize",
    "not",
    "null",
    "on",
    "or",
    "order",
    "outer",
    "prepare",
    "primary",
    "recursive",
    "right",
    "rollup",
    "select",
    "skip",
    "table",
    "then",
    "trim",
    "true",
    "uescape",
    "union",
    "unnest",
    "using",
    "values",
    "when",
    "where",
    "with",
};

bool is_letter(unsigned char c) { return std::isalpha(c) || c >= 0x80; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_identifier_char(unsigned char c) { return is_letter(c) || is_digit(c) || c == '_'; }

// Hive string escapes: \t \n \r \0 \\ \' \" and octal \001 (as FIELDS TERMINATED BY '\001' is written).
std::string unescape_hive(std::string_view body) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    const char next = body[++i];
    if (next >= '0' && next <= '7') {
      int value = 0;
      int digits = 0;
      while (digits < 3 && i < body.size() && body[i] >= '0' && body[i] <= '7') {
        value = value * 8 + (body[i] - '0');
        ++i;
        ++digits;
      }
      --i;
      out += static_cast<char>(value);
    } else if (next == 't') {
      out += '\t';
    } else if (next == 'n') {
      out += '\n';
    } else if (next == 'r') {
      out += '\r';
    } else {
      out += next;
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view sql, LexMode mode) : sql_(sql), hive_(mode == LexMode::Hive) {}

  Outcome<std::vector<Token>> run() {
    std::vector<Token> tokens;
    while (true) {
      if (auto skipped = skip_space_and_comments(); !skipped) return skipped.get_failure();
      Token token;
      token.position = here();
      if (pos_ >= sql_.size()) {
        tokens.push_back(std::move(token));
        return tokens;
      }
      if (auto lexed = next(token); !lexed) return lexed.get_failure();
      tokens.push_back(std::move(token));
    }
  }

 private:
  Position here() const { return Position{line_, static_cast<int>(pos_ - line_start_) + 1, pos_}; }
  unsigned char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < sql_.size() ? static_cast<unsigned char>(sql_[pos_ + ahead]) : 0;
  }
  void advance() {
    if (sql_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  Error fail(const Position& position, std::string_view message) const { return syntax_error(at(position, message)); }

  Status skip_space_and_comments() {
    while (pos_ < sql_.size()) {
      unsigned char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        advance();
      } else if (c == '-' && peek(1) == '-') {
        while (pos_ < sql_.size() && sql_[pos_] != '\n') advance();
      } else if (c == '/' && peek(1) == '*') {
        Position start = here();
        advance();
        advance();
        while (pos_ < sql_.size() && !(peek() == '*' && peek(1) == '/')) advance();
        if (pos_ >= sql_.size()) return fail(start, "unterminated /* comment");
        advance();
        advance();
      } else {
        break;
      }
    }
    return Ok{};
  }

  // Reads a quoted run ending at `quote` (doubled quotes are one); `pos_` is just after the opening quote.
  Outcome<std::string> quoted(char quote, const Position& start, std::string_view what) {
    std::string value;
    while (true) {
      if (pos_ >= sql_.size()) return fail(start, "unterminated " + std::string(what));
      char c = sql_[pos_];
      if (c == quote) {
        if (peek(1) == static_cast<unsigned char>(quote)) {
          value += quote;
          advance();
          advance();
          continue;
        }
        advance();
        return value;
      }
      value += c;
      advance();
    }
  }

  Status next(Token& token) {
    const std::size_t start = pos_;
    const Position position = token.position;
    unsigned char c = peek();
    auto finish = [&](TokenKind kind) {
      token.kind = kind;
      token.text = std::string(sql_.substr(start, pos_ - start));
      return Status(Ok{});
    };
    if ((c == 'U' || c == 'u') && peek(1) == '&' && peek(2) == '\'') {
      advance();
      advance();
      advance();
      auto raw = quoted('\'', position, "string literal");
      if (!raw) return raw.get_failure();
      auto decoded = decode_unicode(*raw, position);
      if (!decoded) return decoded.get_failure();
      token.value = std::move(decoded).get_result();
      return finish(TokenKind::UnicodeString);
    }
    if ((c == 'X' || c == 'x') && peek(1) == '\'') {
      advance();
      advance();
      auto raw = quoted('\'', position, "binary literal");
      if (!raw) return raw.get_failure();
      for (char h : *raw) {
        if (h == ' ') continue;
        if (!std::isxdigit(static_cast<unsigned char>(h))) {
          return fail(position, "Binary literal can only contain hexadecimal digits");
        }
        token.value += h;
      }
      if (token.value.size() % 2 != 0) return fail(position, "Binary literal must contain an even number of digits");
      return finish(TokenKind::BinaryString);
    }
    if (hive_ && (c == '\'' || c == '"')) {
      // Hive strings: either quote, backslash escapes.
      advance();
      while (pos_ < sql_.size() && sql_[pos_] != static_cast<char>(c)) {
        if (sql_[pos_] == '\\' && pos_ + 1 < sql_.size()) advance();
        advance();
      }
      if (pos_ >= sql_.size()) return fail(position, "unterminated string literal");
      advance();
      token.value = unescape_hive(sql_.substr(start + 1, pos_ - start - 2));
      return finish(TokenKind::String);
    }
    if (hive_ && c == '`') {
      advance();
      auto value = quoted('`', position, "quoted identifier");
      if (!value) return value.get_failure();
      if (value->empty()) return fail(position, "Zero-length delimited identifier not allowed");
      token.value = std::move(value).get_result();
      return finish(TokenKind::QuotedIdentifier);
    }
    if (c == '\'') {
      advance();
      auto value = quoted('\'', position, "string literal");
      if (!value) return value.get_failure();
      token.value = std::move(value).get_result();
      return finish(TokenKind::String);
    }
    if (c == '"') {
      advance();
      auto value = quoted('"', position, "quoted identifier");
      if (!value) return value.get_failure();
      if (value->empty()) return fail(position, "Zero-length delimited identifier not allowed");
      token.value = std::move(value).get_result();
      return finish(TokenKind::QuotedIdentifier);
    }
    if (c == '`') {
      return fail(position, "backquoted identifiers are not supported; use double quotes to quote identifiers");
    }
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) {
      bool dot = false;
      while (is_digit(peek())) advance();
      if (peek() == '.') {
        dot = true;
        advance();
        while (is_digit(peek())) advance();
      }
      TokenKind kind = dot ? TokenKind::Decimal : TokenKind::Integer;
      if (peek() == 'e' || peek() == 'E') {
        std::size_t ahead = 1;
        if (peek(1) == '+' || peek(1) == '-') ahead = 2;
        if (is_digit(peek(ahead))) {
          for (std::size_t i = 0; i < ahead; ++i) advance();
          while (is_digit(peek())) advance();
          kind = TokenKind::Double;
        }
      }
      if (hive_ && kind == TokenKind::Integer && is_identifier_char(peek())) {
        // Hive names may start with a digit (2024_sales).
        while (is_identifier_char(peek())) advance();
        token.value = text::lower(sql_.substr(start, pos_ - start));
        return finish(TokenKind::Identifier);
      }
      if (is_identifier_char(peek())) {
        return fail(position, "identifiers must not start with a digit; surround the identifier with double quotes");
      }
      token.value = std::string(sql_.substr(start, pos_ - start));
      return finish(kind);
    }
    if (is_letter(c) || c == '_') {
      while (is_identifier_char(peek())) advance();
      token.value = text::lower(sql_.substr(start, pos_ - start));
      return finish(TokenKind::Identifier);
    }
    if (c == '?') {
      advance();
      return finish(TokenKind::Parameter);
    }
    static constexpr std::array<std::string_view, 8> kTwo{"<>", "!=", "<=", ">=", "||", "->", "=>", "::"};
    for (auto symbol : kTwo) {
      if (sql_.substr(pos_, 2) == symbol) {
        if (symbol == "::") return fail(position, "'::' casts are not Trino SQL; use CAST(x AS type)");
        advance();
        advance();
        return finish(TokenKind::Symbol);
      }
    }
    static constexpr std::string_view kOne = "=<>+-*/%()[],.;:";
    if (kOne.find(static_cast<char>(c)) != std::string_view::npos) {
      advance();
      return finish(TokenKind::Symbol);
    }
    return fail(position, std::string("token recognition error at: '") + static_cast<char>(c) + "'");
  }

  Outcome<std::string> decode_unicode(const std::string& raw, const Position& position) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        out += raw[i];
        continue;
      }
      if (i + 1 < raw.size() && raw[i + 1] == '\\') {
        out += '\\';
        ++i;
        continue;
      }
      std::size_t digits = 4;
      std::size_t from = i + 1;
      if (from < raw.size() && raw[from] == '+') {
        digits = 6;
        ++from;
      }
      if (from + digits > raw.size()) return fail(position, "Incomplete escape sequence in U& string literal");
      std::uint32_t code = 0;
      for (std::size_t k = 0; k < digits; ++k) {
        char h = raw[from + k];
        if (!std::isxdigit(static_cast<unsigned char>(h))) {
          return fail(position, "Invalid hexadecimal digit in U& string literal escape");
        }
        code = code * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                          ? h - '0'
                                                          : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10);
      }
      if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
        return fail(position, "Invalid escaped character in U& string literal");
      }
      text::append_utf8(out, code);
      i = from + digits - 1;
    }
    return out;
  }

  std::string_view sql_;
  bool hive_ = false;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
};

}  // namespace

std::string at(const Position& position, std::string_view message) {
  return "line " + std::to_string(position.line) + ":" + std::to_string(position.column) + ": " + std::string(message);
}

Outcome<std::vector<Token>> lex(std::string_view sql, LexMode mode) { return Lexer(sql, mode).run(); }

bool is_reserved_word(std::string_view word) {
  return std::find(std::begin(kReserved), std::end(kReserved), word) != std::end(kReserved);
}

}  // namespace athena_runner::sql
