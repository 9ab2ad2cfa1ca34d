#include "writes.hpp"

#include <cctype>
#include <set>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/local_engine.hpp"
#include "athena_runner/engine/sql/lexer.hpp"
#include "athena_runner/engine/sql/parser.hpp"

namespace athena_runner::engine::local {
namespace {

using sql::Token;
using sql::TokenKind;

constexpr std::string_view kSyntaxError = "SYNTAX_ERROR";

Error syntax_error(const std::string& message) {
  return make_error(ErrorKind::InvalidInput, std::string(kSyntaxError), message);
}
Error not_supported(const std::string& message) {
  return make_error(ErrorKind::InvalidInput, std::string(error_codes::kNotSupported), message);
}

using text::lower;
using text::upper;

bool is_string_token(const Token& token) {
  return token.kind == TokenKind::String || token.kind == TokenKind::UnicodeString;
}
bool is_number_token(const Token& token) {
  return token.kind == TokenKind::Integer || token.kind == TokenKind::Decimal || token.kind == TokenKind::Double;
}

// The statement's tokens from the SQL front end's lexer (comments skipped, trailing ';' dropped), with the
// text so that the query part can be cut out as written.
class Cursor {
 public:
  Cursor(std::string_view sql, std::vector<Token> tokens) : sql_(sql), all_(std::move(tokens)) {
    while (!all_.empty() && (all_.back().kind == TokenKind::End || all_.back().is_symbol(";"))) all_.pop_back();
  }
  bool at_end() const { return pos_ >= all_.size(); }
  std::size_t position() const { return pos_; }
  std::size_t size() const { return all_.size(); }
  const Token* peek(std::size_t ahead = 0) const { return pos_ + ahead < all_.size() ? &all_[pos_ + ahead] : nullptr; }
  const Token& at(std::size_t position) const { return all_[position]; }
  bool is_word(std::string_view word, std::size_t ahead = 0) const {
    const Token* token = peek(ahead);
    return token && token->kind == TokenKind::Identifier && upper(token->text) == word;
  }
  bool is_symbol(std::string_view symbol, std::size_t ahead = 0) const {
    const Token* token = peek(ahead);
    return token && token->is_symbol(symbol);
  }
  bool accept_word(std::string_view word) {
    if (!is_word(word)) return false;
    ++pos_;
    return true;
  }
  bool accept_symbol(std::string_view symbol) {
    if (!is_symbol(symbol)) return false;
    ++pos_;
    return true;
  }
  Status expect_word(std::string_view word) {
    if (accept_word(word)) return Ok{};
    return unexpected(word);
  }
  Status expect_symbol(std::string_view symbol) {
    if (accept_symbol(symbol)) return Ok{};
    return unexpected("'" + std::string(symbol) + "'");
  }
  Error unexpected(std::string_view expected) const {
    const Token* token = peek();
    const std::string found = token ? "'" + token->text + "'" : std::string("the end of the statement");
    const std::string message = "expected " + std::string(expected) + ", found " + found;
    return syntax_error(token ? sql::at(token->position, message) : message);
  }
  Outcome<std::string> name(std::string_view what) {
    const Token* token = peek();
    if (!token || (token->kind != TokenKind::Identifier && token->kind != TokenKind::QuotedIdentifier)) {
      return unexpected(what);
    }
    ++pos_;
    return lower(token->value);
  }
  void skip(std::size_t count) { pos_ += count; }
  // The text of tokens [from, to) with everything between them, as written.
  std::string text(std::size_t from, std::size_t to) const {
    if (from >= to) return {};
    const std::size_t begin = all_[from].position.offset;
    const std::size_t end = all_[to - 1].position.offset + all_[to - 1].text.size();
    return std::string(sql_.substr(begin, end - begin));
  }
  // The position of the ')' matching the '(' at `open`, or size() when unbalanced.
  std::size_t matching(std::size_t open) const {
    int depth = 0;
    for (std::size_t i = open; i < all_.size(); ++i) {
      if (all_[i].is_symbol("(")) ++depth;
      if (all_[i].is_symbol(")") && --depth == 0) return i;
    }
    return all_.size();
  }

 private:
  std::string_view sql_;
  std::vector<Token> all_;
  std::size_t pos_ = 0;
};

Status qualified_name(Cursor& cursor, WriteStatement& out) {
  auto first = cursor.name("a table name");
  if (!first) return std::move(first).get_failure();
  if (cursor.accept_symbol(".")) {
    auto second = cursor.name("a table name after '.'");
    if (!second) return std::move(second).get_failure();
    out.database = *first;
    out.table = *second;
  } else {
    out.table = *first;
  }
  return Ok{};
}

struct PropertyValue {
  std::optional<std::string> text;  // 'string', number, true/false
  std::vector<std::string> array;   // ARRAY['a', 'b']
  bool is_array = false;
};

Outcome<PropertyValue> property_value(Cursor& cursor) {
  PropertyValue value;
  const Token* token = cursor.peek();
  if (!token) return cursor.unexpected("a property value");
  if (is_string_token(*token)) {
    value.text = token->value;
    cursor.skip(1);
  } else if (is_number_token(*token) ||
             (token->kind == TokenKind::Identifier && (token->value == "true" || token->value == "false"))) {
    value.text = lower(token->text);
    cursor.skip(1);
  } else if (cursor.accept_word("ARRAY")) {
    value.is_array = true;
    if (auto open = cursor.expect_symbol("["); !open) return std::move(open).get_failure();
    if (!cursor.accept_symbol("]")) {
      do {
        const Token* element = cursor.peek();
        if (!element || !is_string_token(*element)) return cursor.unexpected("a 'string' in the ARRAY");
        value.array.push_back(element->value);
        cursor.skip(1);
      } while (cursor.accept_symbol(","));
      if (auto close = cursor.expect_symbol("]"); !close) return std::move(close).get_failure();
    }
  } else {
    return cursor.unexpected("a 'string', a number, TRUE, FALSE or ARRAY['...']");
  }
  return value;
}

// WITH (name = value, ...)
Status properties(Cursor& cursor, WriteStatement& out) {
  if (auto open = cursor.expect_symbol("("); !open) return open;
  std::set<std::string> seen;
  do {
    auto name = cursor.name("a property name");
    if (!name) return std::move(name).get_failure();
    if (!seen.insert(*name).second) return syntax_error("property " + *name + " is given twice");
    if (auto equals = cursor.expect_symbol("="); !equals) return equals;
    auto value = property_value(cursor);
    if (!value) return std::move(value).get_failure();
    auto text = [&]() -> Outcome<std::string> {
      if (!value->text) return syntax_error("property " + *name + " takes a 'string' value");
      return *value->text;
    };
    const std::string& key = *name;
    if (key == "partitioned_by" || key == "bucketed_by") {
      if (!value->is_array) return syntax_error("property " + key + " takes ARRAY['column', ...]");
      if (key == "bucketed_by") return not_supported("bucketed_by is not supported by the local engine");
      for (const auto& column : value->array) out.partitioned_by.push_back(lower(column));
      continue;
    }
    auto string_value = text();
    if (!string_value) return std::move(string_value).get_failure();
    if (key == "format") {
      out.format = upper(*string_value);
    } else if (key == "external_location") {
      if (out.kind == WriteStatement::Kind::Unload) return syntax_error("UNLOAD takes its location from TO '...'");
      out.location = *string_value;
    } else if (key == "field_delimiter") {
      out.field_delimiter = *string_value;
    } else if (key == "write_compression" || key == "compression" || key == "parquet_compression") {
      if (out.compression) return syntax_error("the compression is given twice");
      out.compression = upper(*string_value);
    } else if (key == "table_type") {
      if (upper(*string_value) != "HIVE") {
        return not_supported("table_type '" + *string_value + "' is not supported by the local engine (only HIVE)");
      }
    } else if (key == "is_external") {
      if (*string_value != "true") return not_supported("is_external = false is not supported by the local engine");
    } else if (key == "bucket_count") {
      return not_supported("bucket_count is not supported by the local engine");
    } else {
      return not_supported("property " + key + " is not supported by the local engine");
    }
  } while (cursor.accept_symbol(","));
  return cursor.expect_symbol(")");
}

bool query_start(const Cursor& cursor, std::size_t ahead = 0) {
  return cursor.is_word("SELECT", ahead) || cursor.is_word("WITH", ahead) || cursor.is_word("VALUES", ahead) ||
         cursor.is_word("TABLE", ahead) || cursor.is_symbol("(", ahead);
}

Outcome<WriteStatement> parse_ctas(Cursor& cursor) {
  WriteStatement out;
  out.kind = WriteStatement::Kind::Ctas;
  if (cursor.is_word("IF") && cursor.is_word("NOT", 1) && cursor.is_word("EXISTS", 2)) {
    cursor.skip(3);
    out.if_not_exists = true;
  }
  if (auto name = qualified_name(cursor, out); !name) return std::move(name).get_failure();
  if (cursor.is_symbol("(")) return not_supported("CREATE TABLE t (columns) AS ... (a column list) is not supported");
  if (cursor.accept_word("COMMENT")) return not_supported("COMMENT in CREATE TABLE AS is not supported");
  if (cursor.accept_word("WITH")) {
    if (auto listed = properties(cursor, out); !listed) return std::move(listed).get_failure();
  }
  if (auto as = cursor.expect_word("AS"); !as) return std::move(as).get_failure();
  std::size_t end = cursor.size();
  if (end >= cursor.position() + 3 && cursor.at(end - 1).is_keyword("data")) {
    const bool no = cursor.at(end - 2).is_keyword("no");
    const std::size_t with = end - (no ? 3 : 2);
    if (cursor.at(with).is_keyword("with")) {
      out.with_data = !no;
      end = with;
    }
  }
  if (!query_start(cursor)) return cursor.unexpected("a query (SELECT, WITH, VALUES, TABLE) after AS");
  out.query = cursor.text(cursor.position(), end);
  return out;
}

Outcome<WriteStatement> parse_unload(Cursor& cursor) {
  WriteStatement out;
  out.kind = WriteStatement::Kind::Unload;
  if (!cursor.is_symbol("(")) return cursor.unexpected("'(' and the query to unload");
  const std::size_t open = cursor.position();
  const std::size_t close = cursor.matching(open);
  if (close >= cursor.size()) return syntax_error("UNLOAD's query has no closing ')'");
  out.query = cursor.text(open + 1, close);
  cursor.skip(close - open + 1);
  if (auto to = cursor.expect_word("TO"); !to) return std::move(to).get_failure();
  const Token* location = cursor.peek();
  if (!location || !is_string_token(*location)) return cursor.unexpected("an 's3://bucket/prefix/' location");
  out.location = location->value;
  cursor.skip(1);
  if (auto with = cursor.expect_word("WITH"); !with) return std::move(with).get_failure();
  if (auto listed = properties(cursor, out); !listed) return std::move(listed).get_failure();
  if (!cursor.at_end()) return cursor.unexpected("the end of the statement");
  return out;
}

Outcome<WriteStatement> parse_insert(Cursor& cursor) {
  WriteStatement out;
  out.kind = WriteStatement::Kind::Insert;
  if (auto into = cursor.expect_word("INTO"); !into) return std::move(into).get_failure();
  if (auto name = qualified_name(cursor, out); !name) return std::move(name).get_failure();
  if (cursor.is_symbol("(") && !query_start(cursor, 1)) {
    cursor.skip(1);
    do {
      auto column = cursor.name("a column name");
      if (!column) return std::move(column).get_failure();
      out.insert_columns.push_back(*column);
    } while (cursor.accept_symbol(","));
    if (auto close = cursor.expect_symbol(")"); !close) return std::move(close).get_failure();
  }
  if (!query_start(cursor)) return cursor.unexpected("a query (SELECT, WITH, VALUES, TABLE)");
  out.query = cursor.text(cursor.position(), cursor.size());
  return out;
}

}  // namespace

bool is_write_kind(sql::StatementKind kind) {
  return kind == sql::StatementKind::CreateTableAs || kind == sql::StatementKind::Insert ||
         kind == sql::StatementKind::Unload;
}

bool is_write_statement(std::string_view sql) { return is_write_kind(sql::classify_statement(sql)); }

Outcome<WriteStatement> parse_write_statement(std::string_view sql) {
  auto tokens = sql::lex(sql);
  if (!tokens) return std::move(tokens).get_failure();
  Cursor cursor(sql, std::move(tokens).get_result());
  if (cursor.accept_word("UNLOAD")) return parse_unload(cursor);
  if (cursor.accept_word("INSERT")) return parse_insert(cursor);
  if (cursor.accept_word("CREATE") && cursor.accept_word("TABLE")) return parse_ctas(cursor);
  return syntax_error("expected CREATE TABLE ... AS, UNLOAD or INSERT INTO");
}

}  // namespace athena_runner::engine::local
