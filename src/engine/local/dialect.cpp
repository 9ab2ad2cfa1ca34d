#include "dialect.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/local_engine.hpp"
#include "hive_types.hpp"

namespace athena_runner::engine::local {
namespace {

using Kind = Token::Kind;

constexpr int kMaxVariadicArity = 8;  // ar_concat / ar_greatest / ar_least overloads

Error not_supported(const std::string& message) {
  return make_error(ErrorKind::InvalidInput, std::string(error_codes::kNotSupported), message);
}
Error invalid_parameter(const std::string& message) {
  return make_error(ErrorKind::InvalidInput, std::string(error_codes::kInvalidParameter), message);
}

using text::lower;

bool is_word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80) != 0; }
bool is_word_char(char c) { return is_word_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

// Trino functions renamed to a DuckDB function or one of our macros with the same results.
struct Rename {
  std::string_view trino;
  std::string_view duckdb;
};
constexpr std::array kRenames{
    Rename{"date_add", "ar_date_add"},
    Rename{"date_diff", "date_sub"},  // DuckDB's date_sub counts whole units, as Trino's date_diff
    Rename{"date_trunc", "ar_date_trunc"},
    Rename{"regexp_like", "regexp_matches"},
    Rename{"regexp_extract", "ar_regexp_extract"},
    Rename{"json_extract_scalar", "ar_json_extract_scalar"},
    Rename{"element_at", "ar_element_at"},
    Rename{"cardinality", "ar_cardinality"},
    Rename{"contains", "ar_contains"},
    Rename{"split", "string_split"},
    Rename{"split_part", "ar_split_part"},
    Rename{"concat", "ar_concat"},
    Rename{"greatest", "ar_greatest"},
    Rename{"least", "ar_least"},
    Rename{"substr", "ar_substr"},
    Rename{"approx_distinct", "ar_approx_distinct"},
    Rename{"approx_percentile", "ar_approx_percentile"},
    Rename{"from_iso8601_timestamp", "ar_from_iso8601_timestamp"},
    Rename{"from_iso8601_date", "ar_from_iso8601_date"},
    Rename{"to_unixtime", "epoch"},
    Rename{"from_unixtime", "ar_from_unixtime"},
    Rename{"day_of_week", "isodow"},
    Rename{"dow", "isodow"},
    Rename{"day_of_year", "dayofyear"},
    Rename{"doy", "dayofyear"},
    Rename{"date", "ar_date"},
};

// Functions DuckDB has under the Trino name (or a name users reach for) with different results.
struct Rejection {
  std::string_view trino;
  std::string_view reason;
};
constexpr std::array kRejections{
    Rejection{"array_distinct", "DuckDB does not keep the first-occurrence order"},
    Rejection{"array_sort", "null ordering and comparator forms differ"},
    Rejection{"array_position", "DuckDB returns NULL instead of 0 when absent"},
    Rejection{"array_intersect", "DuckDB's result order differs"},
    Rejection{"array_union", "DuckDB's result order differs"},
    Rejection{"array_except", "DuckDB's result order differs"},
    Rejection{"md5", "Trino hashes varbinary to varbinary, DuckDB returns hex text"},
    Rejection{"sha1", "Trino hashes varbinary to varbinary, DuckDB returns hex text"},
    Rejection{"sha256", "Trino hashes varbinary to varbinary, DuckDB returns hex text"},
    Rejection{"sha512", "Trino hashes varbinary to varbinary, DuckDB returns hex text"},
    Rejection{"to_hex", "Trino encodes varbinary, DuckDB integers"},
    Rejection{"format", "Java format strings differ from DuckDB's fmt syntax"},
    Rejection{"format_datetime", "Joda-Time patterns are not translated"},
    Rejection{"parse_datetime", "Joda-Time patterns are not translated"},
    Rejection{"typeof", "DuckDB's type names differ"},
    Rejection{"json_parse", "the JSON type is not supported locally"},
    Rejection{"json_format", "the JSON type is not supported locally"},
    Rejection{"json_array_length", "DuckDB returns 0 instead of NULL for non-arrays"},
    Rejection{"json_size", "the JSON type is not supported locally"},
    Rejection{"log", "DuckDB's one-argument log is base 10"},
    Rejection{"slice", "argument meaning differs from DuckDB's array_slice"},
    Rejection{"sequence", "not supported locally"},
};

// EXTRACT(<field> FROM x) fields whose DuckDB meaning differs.
struct FieldRename {
  std::string_view trino;
  std::string_view duckdb;
};
constexpr std::array kExtractFields{
    FieldRename{"dow", "isodow"},           FieldRename{"day_of_week", "isodow"}, FieldRename{"doy", "doy"},
    FieldRename{"day_of_year", "doy"},      FieldRename{"day_of_month", "day"},   FieldRename{"yow", "isoyear"},
    FieldRename{"year_of_week", "isoyear"},
};

struct Specifier {
  char mysql;
  std::string_view strftime;
};
constexpr std::array kSpecifiers{
    Specifier{'a', "%a"},          Specifier{'b', "%b"}, Specifier{'c', "%-m"}, Specifier{'d', "%d"},
    Specifier{'e', "%-d"},         Specifier{'f', "%f"}, Specifier{'H', "%H"},  Specifier{'h', "%I"},
    Specifier{'I', "%I"},          Specifier{'i', "%M"}, Specifier{'j', "%j"},  Specifier{'k', "%-H"},
    Specifier{'l', "%-I"},         Specifier{'M', "%B"}, Specifier{'m', "%m"},  Specifier{'p', "%p"},
    Specifier{'r', "%I:%M:%S %p"}, Specifier{'S', "%S"}, Specifier{'s', "%S"},  Specifier{'T', "%H:%M:%S"},
    Specifier{'W', "%A"},          Specifier{'Y', "%Y"}, Specifier{'y', "%y"},  Specifier{'%', "%%"},
};

// Typed literal prefixes accepted in execution parameters.
constexpr std::array<std::string_view, 5> kTypedLiteralPrefixes{"date", "time", "timestamp", "decimal", "interval"};
constexpr std::array<std::string_view, 6> kIntervalUnits{"year", "month", "day", "hour", "minute", "second"};

std::string unquote_string(const std::string& literal) {
  std::string out;
  for (std::size_t i = 1; i + 1 < literal.size(); ++i) {
    out += literal[i];
    if (literal[i] == '\'') ++i;  // '' -> '
  }
  return out;
}

// DECIMAL 'text' with Trino's precision and scale (the literal's digits), e.g. CAST('12.50' AS DECIMAL(4,2)).
Outcome<std::string> decimal_literal(const std::string& text) {
  constexpr int kMaxDecimalPrecision = 38;
  std::size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  int integer_digits = 0;
  int fraction_digits = 0;
  bool dot = false;
  for (; i < text.size() && text[i] != ' '; ++i) {
    if (text[i] == '.' && !dot) {
      dot = true;
    } else if (std::isdigit(static_cast<unsigned char>(text[i]))) {
      (dot ? fraction_digits : integer_digits)++;
    } else {
      return not_supported("invalid DECIMAL literal '" + text + "'");
    }
  }
  while (i < text.size() && text[i] == ' ') ++i;
  int precision = std::max(1, integer_digits + fraction_digits);
  if (i != text.size() || integer_digits + fraction_digits == 0 || precision > kMaxDecimalPrecision) {
    return not_supported("invalid DECIMAL literal '" + text + "'");
  }
  return "CAST(" + quote_literal(text) + " AS DECIMAL(" + std::to_string(precision) + "," +
         std::to_string(fraction_digits) + "))";
}

class Translator {
 public:
  Translator(std::vector<Token> tokens, const std::vector<std::string>& parameters)
      : tokens_(std::move(tokens)), parameters_(parameters) {}

  Outcome<Translation> run() {
    Translation translation;
    for (const auto& token : tokens_) {
      if (token.kind == Kind::Word) {
        translation.first_keyword = lower(token.text);
        break;
      }
    }
    collect_names(translation);
    std::string out;
    if (auto status = emit(0, tokens_.size(), out); !status) return status.get_failure();
    if (next_parameter_ != parameters_.size()) {
      return invalid_parameter("the query has " + std::to_string(next_parameter_) + " parameter placeholder(s) but " +
                               std::to_string(parameters_.size()) + " execution parameter(s) were given");
    }
    translation.sql = std::move(out);
    return translation;
  }

 private:
  std::size_t next_significant(std::size_t index) const {
    while (index < tokens_.size() && (tokens_[index].kind == Kind::Space || tokens_[index].kind == Kind::Comment)) {
      ++index;
    }
    return index;
  }
  bool is_symbol(std::size_t index, char symbol) const {
    return index < tokens_.size() && tokens_[index].kind == Kind::Symbol && tokens_[index].text.size() == 1 &&
           tokens_[index].text[0] == symbol;
  }
  // Index of the ')' matching the '(' at `open`, or tokens_.size().
  std::size_t matching_paren(std::size_t open) const {
    int depth = 0;
    for (std::size_t i = open; i < tokens_.size(); ++i) {
      if (is_symbol(i, '(')) ++depth;
      if (is_symbol(i, ')') && --depth == 0) return i;
    }
    return tokens_.size();
  }
  // [begin, end) ranges of the top-level arguments between '(' at open and ')' at close.
  std::vector<std::pair<std::size_t, std::size_t>> arguments(std::size_t open, std::size_t close) const {
    std::vector<std::pair<std::size_t, std::size_t>> args;
    int depth = 0;
    std::size_t start = open + 1;
    for (std::size_t i = open + 1; i < close; ++i) {
      if (is_symbol(i, '(') || is_symbol(i, '[')) ++depth;
      if (is_symbol(i, ')') || is_symbol(i, ']')) --depth;
      if (depth == 0 && is_symbol(i, ',')) {
        args.emplace_back(start, i);
        start = i + 1;
      }
    }
    if (next_significant(start) < close || !args.empty()) args.emplace_back(start, close);
    return args;
  }
  // Index of the '>' when the next significant token after `index` starts a `->`, else 0.
  std::size_t arrow_after(std::size_t index, std::size_t end) const {
    std::size_t dash = next_significant(index + 1);
    return dash + 1 < end && is_symbol(dash, '-') && is_symbol(dash + 1, '>') ? dash + 1 : 0;
  }
  // The names of a Trino lambda's parameter list `(a, b)` between '(' at open and ')' at close, if it is one.
  std::optional<std::string> lambda_parameters(std::size_t open, std::size_t close) const {
    std::string names;
    bool expect_name = true;
    for (std::size_t i = next_significant(open + 1); i < close; i = next_significant(i + 1)) {
      bool name = tokens_[i].kind == Kind::Word || tokens_[i].kind == Kind::QuotedIdentifier;
      if (expect_name != name || (!expect_name && !is_symbol(i, ','))) return std::nullopt;
      names += name ? tokens_[i].text : ", ";
      expect_name = !expect_name;
    }
    if (names.empty() || expect_name) return std::nullopt;
    return names;
  }

  // The single string literal in [begin, end), if that is all the range holds.
  std::optional<std::string> string_literal(std::pair<std::size_t, std::size_t> range) const {
    std::size_t first = next_significant(range.first);
    if (first >= range.second || tokens_[first].kind != Kind::String) return std::nullopt;
    if (next_significant(first + 1) < range.second) return std::nullopt;
    return unquote_string(tokens_[first].text);
  }

  void collect_names(Translation& translation) const {
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      if (tokens_[i].kind != Kind::Word && tokens_[i].kind != Kind::QuotedIdentifier) continue;
      std::string name = name_of(tokens_[i]);
      translation.qualified_names.push_back(name);
      std::size_t dot = next_significant(i + 1);
      if (is_symbol(dot, '.')) {
        std::size_t next = next_significant(dot + 1);
        if (next < tokens_.size() &&
            (tokens_[next].kind == Kind::Word || tokens_[next].kind == Kind::QuotedIdentifier)) {
          translation.qualified_names.push_back(name + "." + name_of(tokens_[next]));
        }
      }
    }
  }
  static std::string name_of(const Token& token) {
    if (token.kind == Kind::Word) return lower(token.text);
    std::string inner;
    for (std::size_t i = 1; i + 1 < token.text.size(); ++i) {
      inner += token.text[i];
      if (token.text[i] == '"') ++i;
    }
    return lower(inner);
  }

  Status emit(std::size_t begin, std::size_t end, std::string& out) {
    for (std::size_t i = begin; i < end; ++i) {
      const Token& token = tokens_[i];
      if (token.kind == Kind::Parameter) {
        if (next_parameter_ >= parameters_.size()) {
          return invalid_parameter("the query has more '?' placeholders than the " +
                                   std::to_string(parameters_.size()) + " execution parameter(s) given");
        }
        out += " " + parameters_[next_parameter_++] + " ";
        continue;
      }
      // Trino's lambdas `x -> body` and `(x, y) -> body` become DuckDB's `lambda x, y: body` (DuckDB 1.5 warns on
      // its own `->` form and 2.0 turns it off). Trino has no other `->`; the body stays where it is, as both
      // languages end it at the end of the argument.
      if (token.kind == Kind::Word || token.kind == Kind::QuotedIdentifier) {
        if (std::size_t arrow = arrow_after(i, end)) {
          out += "lambda " + token.text + ":";
          i = arrow;
          continue;
        }
      }
      if (is_symbol(i, '(')) {
        std::size_t close = matching_paren(i);
        std::size_t arrow = close < end ? arrow_after(close, end) : 0;
        if (auto names = arrow ? lambda_parameters(i, close) : std::nullopt) {
          out += "lambda " + *names + ":";
          i = arrow;
          continue;
        }
      }
      if (token.kind != Kind::Word) {
        out += token.text;
        continue;
      }
      std::size_t open = next_significant(i + 1);
      if (lower(token.text) == "decimal" && open < end && tokens_[open].kind == Kind::String) {
        // Trino types DECIMAL '12.50' as decimal(4,2); DuckDB would use its default decimal(18,3).
        auto typed = decimal_literal(unquote_string(tokens_[open].text));
        if (!typed) return typed.get_failure();
        out += *typed;
        i = open;
        continue;
      }
      std::size_t previous = i;
      while (previous > begin &&
             (tokens_[previous - 1].kind == Kind::Space || tokens_[previous - 1].kind == Kind::Comment)) {
        --previous;
      }
      bool qualified = previous > begin && is_symbol(previous - 1, '.');
      if (!is_symbol(open, '(') || qualified) {
        out += token.text;
        continue;
      }
      auto handled = emit_call(i, open, out);
      if (!handled) return handled.get_failure();
      if (*handled) {
        i = matching_paren(open);
        continue;
      }
      out += token.text;
    }
    return Ok{};
  }

  // Emits name(...) at `name_index` when it needs special handling; returns false otherwise
  // (the caller then emits the name and the arguments token by token). Renames are applied here.
  Outcome<bool> emit_call(std::size_t name_index, std::size_t open, std::string& out) {
    std::string name = lower(tokens_[name_index].text);
    std::size_t close = matching_paren(open);
    if (close >= tokens_.size()) return false;  // unbalanced: let DuckDB report the syntax error
    for (const auto& rejection : kRejections) {
      if (name == rejection.trino) {
        return not_supported("function " + name +
                             " is not supported by the local engine: " + std::string(rejection.reason));
      }
    }
    auto args = arguments(open, close);
    if (name == "array") {  // ARRAY(T) type name -> T[]; DuckDB's ARRAY(subquery) stays as is
      std::size_t first = next_significant(open + 1);
      if (first < close && tokens_[first].kind == Kind::Word &&
          (lower(tokens_[first].text) == "select" || lower(tokens_[first].text) == "with")) {
        return false;
      }
      if (auto status = emit(open + 1, close, out); !status) return status.get_failure();
      out += "[]";
      return true;
    }
    if (name == "date_format" || name == "date_parse") {
      if (args.size() != 2) return not_supported(name + " takes 2 arguments");
      auto format = string_literal(args[1]);
      if (!format) return not_supported(name + " is supported only with a literal format string");
      auto translated = mysql_to_strftime(*format);
      if (!translated) return translated.get_failure();
      out += name == "date_format" ? "strftime(" : "strptime(";
      if (auto status = emit(args[0].first, args[0].second, out); !status) return status.get_failure();
      out += ", " + quote_literal(*translated) + ")";
      return true;
    }
    if (name == "regexp_replace") {
      // Trino replaces every match and writes groups as $1; DuckDB needs 'g' and \1.
      if (args.size() != 2 && args.size() != 3) return not_supported("regexp_replace takes 2 or 3 arguments");
      std::string replacement;
      if (args.size() == 3) {
        auto literal = string_literal(args[2]);
        if (!literal) return not_supported("regexp_replace is supported only with a literal replacement");
        for (std::size_t i = 0; i < literal->size(); ++i) {
          char c = (*literal)[i];
          if (c == '\\') return not_supported("regexp_replace: backslashes in the replacement are not supported");
          if (c == '$') {
            if (i + 1 < literal->size() && std::isdigit(static_cast<unsigned char>((*literal)[i + 1]))) {
              replacement += '\\';
              continue;
            }
            return not_supported("regexp_replace: '$' must be followed by a group number");
          }
          replacement += c;
        }
      }
      out += "regexp_replace(";
      if (auto status = emit(args[0].first, args[0].second, out); !status) return status.get_failure();
      out += ",";
      if (auto status = emit(args[1].first, args[1].second, out); !status) return status.get_failure();
      out += ", " + quote_literal(replacement) + ", 'g')";
      return true;
    }
    if (name == "array_join") {  // DuckDB needs the separator as a constant, so no macro
      if (args.size() != 2 && args.size() != 3) return not_supported("array_join takes 2 or 3 arguments");
      std::string array;
      std::string separator;
      if (auto status = emit(args[0].first, args[0].second, array); !status) return status.get_failure();
      if (auto status = emit(args[1].first, args[1].second, separator); !status) return status.get_failure();
      if (args.size() == 3) {
        std::string null_replacement;
        if (auto status = emit(args[2].first, args[2].second, null_replacement); !status) return status.get_failure();
        array = "list_transform(" + array + ", lambda ar_e: coalesce(CAST(ar_e AS VARCHAR), " + null_replacement + "))";
      }
      out += "array_to_string(" + array + ", " + separator + ")";
      return true;
    }
    if (name == "extract" && !args.empty()) {
      std::size_t field = next_significant(open + 1);
      if (field < close && tokens_[field].kind == Kind::Word) {
        std::string field_name = lower(tokens_[field].text);
        for (const auto& rename : kExtractFields) {
          if (field_name == rename.trino) {
            out += tokens_[name_index].text + "(" + std::string(rename.duckdb);
            if (auto status = emit(field + 1, close, out); !status) return status.get_failure();
            out += ")";
            return true;
          }
        }
      }
      return false;
    }
    for (const auto& rename : kRenames) {
      if (name == rename.trino) {
        out += std::string(rename.duckdb) + "(";
        if (auto status = emit(open + 1, close, out); !status) return status.get_failure();
        out += ")";
        return true;
      }
    }
    return false;
  }

  std::vector<Token> tokens_;
  const std::vector<std::string>& parameters_;
  std::size_t next_parameter_ = 0;
};

std::string join_parameters(int arity) {
  std::string out;
  for (int i = 0; i < arity; ++i) out += (i ? ", a" : "a") + std::to_string(i);
  return out;
}

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

Status validate_parameter_literal(std::string_view parameter) {
  auto tokens = tokenize(parameter);
  if (!tokens) return invalid_parameter("execution parameter is not a literal: " + tokens.get_failure().message);
  std::vector<Token> significant;
  for (auto& token : *tokens) {
    if (token.kind == Kind::Comment) return invalid_parameter("execution parameter must not contain comments");
    if (token.kind != Kind::Space) significant.push_back(token);
  }
  auto reject = [&] {
    return invalid_parameter(
        "execution parameter must be exactly one literal (number, 'string', DATE '...', "
        "TIMESTAMP '...', TRUE, FALSE or NULL): " +
        std::string(parameter));
  };
  std::size_t i = 0;
  if (i < significant.size() && significant[i].kind == Kind::Symbol &&
      (significant[i].text == "-" || significant[i].text == "+")) {
    ++i;
    if (i >= significant.size() || significant[i].kind != Kind::Number || significant.size() != 2) return reject();
    return Ok{};
  }
  if (significant.size() == 1) {
    const Token& only = significant[0];
    if (only.kind == Kind::Number || only.kind == Kind::String) return Ok{};
    std::string word = lower(only.text);
    if (only.kind == Kind::Word && (word == "true" || word == "false" || word == "null")) return Ok{};
    return reject();
  }
  if (significant.size() >= 2 && significant[0].kind == Kind::Word && significant[1].kind == Kind::String) {
    std::string prefix = lower(significant[0].text);
    if (std::find(kTypedLiteralPrefixes.begin(), kTypedLiteralPrefixes.end(), prefix) == kTypedLiteralPrefixes.end()) {
      return reject();
    }
    if (prefix == "interval") {
      if (significant.size() != 3 || significant[2].kind != Kind::Word) return reject();
      std::string unit = lower(significant[2].text);
      if (std::find(kIntervalUnits.begin(), kIntervalUnits.end(), unit) == kIntervalUnits.end()) return reject();
      return Ok{};
    }
    if (significant.size() == 2) return Ok{};
  }
  return reject();
}

Outcome<Translation> translate_to_duckdb(std::string_view trino_sql, const std::vector<std::string>& parameters) {
  auto tokens = tokenize(trino_sql);
  if (!tokens) return tokens.get_failure();
  return Translator(std::move(tokens).get_result(), parameters).run();
}

Outcome<std::string> mysql_to_strftime(std::string_view mysql_format) {
  std::string out;
  for (std::size_t i = 0; i < mysql_format.size(); ++i) {
    char c = mysql_format[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (i + 1 >= mysql_format.size()) return not_supported("date format ends with a lone '%'");
    char specifier = mysql_format[++i];
    auto found = std::find_if(kSpecifiers.begin(), kSpecifiers.end(),
                              [&](const Specifier& candidate) { return candidate.mysql == specifier; });
    if (found == kSpecifiers.end()) {
      return not_supported(std::string("date format specifier %") + specifier +
                           " is not supported by the local engine");
    }
    out += found->strftime;
  }
  return out;
}

std::vector<std::string> dialect_macros() {
  const std::string interval =
      "CASE lower(unit) WHEN 'millisecond' THEN to_milliseconds(n) WHEN 'second' THEN to_seconds(n) "
      "WHEN 'minute' THEN to_minutes(n) WHEN 'hour' THEN to_hours(n) WHEN 'day' THEN to_days(n) "
      "WHEN 'week' THEN to_weeks(n) WHEN 'month' THEN to_months(n) WHEN 'quarter' THEN to_months(3 * n) "
      "WHEN 'year' THEN to_years(n) ELSE error('date_add: unsupported unit ' || unit) END";
  const std::string date_units = "lower(unit) IN ('day', 'week', 'month', 'quarter', 'year')";
  std::vector<std::string> macros = {
      "CREATE OR REPLACE MACRO ar_date_add(unit, n, ts DATE) AS CASE WHEN " + date_units + " THEN CAST(ts + " +
          interval +
          " AS DATE) ELSE error('date_add: unit ' || unit || ' is not valid for a date') END, "
          "(unit, n, ts TIMESTAMP) AS ts + " +
          interval + ", (unit, n, ts TIMESTAMPTZ) AS ts + " + interval,
      // Trino's date_trunc keeps its argument's type. DuckDB's does not: 1.4 returns a DATE for a TIMESTAMP cut
      // to a day or more, 1.5 a TIMESTAMP for a DATE.
      "CREATE OR REPLACE MACRO ar_date_trunc(unit, ts DATE) AS CASE WHEN " + date_units +
          " THEN CAST(date_trunc(unit, ts) AS DATE) ELSE error('date_trunc: unit ' || unit || ' is not valid for a "
          "date') END, (unit, ts TIMESTAMP) AS CAST(date_trunc(unit, ts) AS TIMESTAMP), (unit, ts TIMESTAMPTZ) AS "
          "CAST(date_trunc(unit, ts) AS TIMESTAMPTZ)",
      "CREATE OR REPLACE MACRO ar_regexp_extract(s, p) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p) "
      "END, "
      "(s, p, g) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p, g) END",
      "CREATE OR REPLACE MACRO ar_json_extract_scalar(j, p) AS CASE WHEN json_type(json_extract(j, p)) IN "
      "('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, p) END",
      "CREATE OR REPLACE MACRO ar_element_at(x, k) AS (x)[k]",
      "CREATE OR REPLACE MACRO ar_cardinality(x) AS CAST(CASE WHEN x IS NULL THEN NULL WHEN json_type(to_json(x)) = "
      "'ARRAY' THEN json_array_length(to_json(x)) ELSE len(json_keys(to_json(x))) END AS BIGINT)",
      "CREATE OR REPLACE MACRO ar_contains(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL WHEN list_contains(a, "
      "x) THEN true WHEN list_contains(list_transform(a, lambda ar_e: ar_e IS NULL), true) THEN NULL ELSE false END",
      "CREATE OR REPLACE MACRO ar_split_part(s, d, i) AS CASE WHEN i <= 0 THEN error('split_part: index must be "
      "greater than zero') WHEN i > len(string_split(s, d)) THEN NULL ELSE split_part(s, d, i) END",
      "CREATE OR REPLACE MACRO ar_substr(s, st) AS CASE WHEN st = 0 THEN '' ELSE substr(s, st) END, (s, st, n) AS "
      "CASE WHEN st = 0 THEN '' ELSE substr(s, st, n) END",
      "CREATE OR REPLACE MACRO ar_approx_distinct(x) AS count(DISTINCT x), (x, e) AS count(DISTINCT x)",
      "CREATE OR REPLACE MACRO ar_approx_percentile(x, p) AS quantile_disc(x, p)",
      "CREATE OR REPLACE MACRO ar_from_iso8601_timestamp(s) AS CASE WHEN regexp_matches(s, "
      "'[T ][0-9:.,]+[+-][0-9][0-9](:?[0-9][0-9])?$') THEN error('from_iso8601_timestamp: only UTC (Z) or no "
      "offset is supported by the local engine') ELSE CAST(s AS TIMESTAMPTZ) END",
      "CREATE OR REPLACE MACRO ar_from_iso8601_date(s) AS CASE WHEN regexp_full_match(s, "
      "'[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN CAST(s AS DATE) ELSE error('from_iso8601_date: unsupported value ' || s) END",
      "CREATE OR REPLACE MACRO ar_from_unixtime(x) AS to_timestamp(x)",
      "CREATE OR REPLACE MACRO ar_date(x) AS CAST(x AS DATE)",
  };
  // Variadic Trino functions whose DuckDB namesakes skip NULLs: Trino returns NULL.
  std::string concat = "CREATE OR REPLACE MACRO ar_concat(a0) AS a0";
  std::string greatest = "CREATE OR REPLACE MACRO ar_greatest";
  std::string least = "CREATE OR REPLACE MACRO ar_least";
  for (int arity = 2; arity <= kMaxVariadicArity; ++arity) {
    std::string params = join_parameters(arity);
    std::string joined;
    std::string any_null;
    for (int i = 0; i < arity; ++i) {
      joined += (i ? " || a" : "a") + std::to_string(i);
      any_null += (i ? " OR a" : "a") + std::to_string(i) + " IS NULL";
    }
    concat += ", (" + params + ") AS " + joined;
    std::string separator = arity == 2 ? "" : ", ";
    greatest +=
        separator + "(" + params + ") AS CASE WHEN " + any_null + " THEN NULL ELSE greatest(" + params + ") END";
    least += separator + "(" + params + ") AS CASE WHEN " + any_null + " THEN NULL ELSE least(" + params + ") END";
  }
  macros.push_back(concat);
  macros.push_back(greatest);
  macros.push_back(least);
  return macros;
}

}  // namespace athena_runner::engine::local
