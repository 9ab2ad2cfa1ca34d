// The SQL/JSON path parser (docs: functions/json, "JSON path syntax and semantics"): a recursive descent
// over the path's own tokens. Precedence as in SQL: unary + -, then * / %, then + -; accessors bind
// tightest. Predicates (inside ?( )): ! binds tightest, then &&, then ||.
#include "athena_runner/engine/sql/json_path.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <utility>

#include "athena_runner/base/text.hpp"

namespace athena_runner::sql {
namespace {

constexpr int kMaxDepth = 200;  // nesting of path expressions and predicates (deeper fails, never overflows)

enum class Tok { End, Word, Variable, Context, At, Number, String, Symbol };

struct Token {
  Tok kind = Tok::End;
  std::string text;
  PathLiteral number = PathLiteral::Integer;
  std::size_t position = 0;
};

struct Fail {
  bool not_supported = false;
  std::string message;
};

bool word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto fail = [&](const std::string& what) { throw Fail{false, what + " at position " + std::to_string(i + 1)}; };
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    Token t;
    t.position = i;
    if (i >= s.size()) {
      out.push_back(t);
      return out;
    }
    const char c = s[i];
    if (c == '$') {
      ++i;
      if (i < s.size() && word_start(s[i])) {
        const std::size_t start = i;
        while (i < s.size() && word_char(s[i])) ++i;
        t.kind = Tok::Variable;
        t.text = std::string(s.substr(start, i - start));
      } else if (i < s.size() && s[i] == '"') {
        throw Fail{true, "a quoted variable name ($\"...\") in a JSON path is not supported by the local engine"};
      } else {
        t.kind = Tok::Context;
      }
    } else if (c == '@') {
      ++i;
      t.kind = Tok::At;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      const std::size_t start = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      t.number = PathLiteral::Integer;
      if (i + 1 < s.size() && s[i] == '.' && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        t.number = PathLiteral::Decimal;
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
          i = j;
          while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
          t.number = PathLiteral::Double;
        }
      }
      if (i < s.size() && word_char(s[i])) fail("unexpected character '" + std::string(1, s[i]) + "'");
      t.kind = Tok::Number;
      t.text = std::string(s.substr(start, i - start));
    } else if (word_start(c)) {
      const std::size_t start = i;
      while (i < s.size() && word_char(s[i])) ++i;
      t.kind = Tok::Word;
      t.text = std::string(s.substr(start, i - start));
    } else if (c == '"') {
      ++i;
      t.kind = Tok::String;
      while (true) {
        if (i >= s.size()) fail("unterminated string");
        const char d = s[i++];
        if (d == '"') break;
        if (d != '\\') {
          t.text += d;
          continue;
        }
        if (i >= s.size()) fail("unterminated string");
        const char e = s[i++];
        switch (e) {
          case '"': t.text += '"'; break;
          case '\\': t.text += '\\'; break;
          case '/': t.text += '/'; break;
          case 'b': t.text += '\b'; break;
          case 'f': t.text += '\f'; break;
          case 'n': t.text += '\n'; break;
          case 'r': t.text += '\r'; break;
          case 't': t.text += '\t'; break;
          case 'u': {
            if (i + 4 > s.size()) fail("bad \\u escape");
            uint32_t cp = 0;
            for (int k = 0; k < 4; ++k) {
              const char h = s[i++];
              if (!std::isxdigit(static_cast<unsigned char>(h))) fail("bad \\u escape");
              cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                       ? h - '0'
                                                       : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10);
            }
            text::append_utf8(t.text, cp);
            break;
          }
          default: fail("bad escape in a string");
        }
      }
    } else {
      static constexpr std::array<std::string_view, 8> kTwo{"..", "&&", "||", "==", "!=", "<>", "<=", ">="};
      t.kind = Tok::Symbol;
      for (std::string_view two : kTwo) {
        if (s.substr(i, 2) == two) {
          t.text = std::string(two);
          break;
        }
      }
      if (t.text.empty()) {
        if (std::string_view(".*[](),?!<>+-/%").find(c) == std::string_view::npos) {
          fail("unexpected character '" + std::string(1, c) + "'");
        }
        t.text = std::string(1, c);
      }
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
}

std::unique_ptr<PathNode> node(PathKind kind, std::string text = {}) {
  auto n = std::make_unique<PathNode>();
  n->kind = kind;
  n->text = std::move(text);
  return n;
}

std::unique_ptr<PathNode> with_base(PathKind kind, std::unique_ptr<PathNode> base, std::string text = {}) {
  auto n = node(kind, std::move(text));
  n->children.push_back(std::move(base));
  return n;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, JsonPath& path) : tokens_(std::move(tokens)), path_(path) {}

  void parse() {
    const Token& mode = peek();
    if (mode.kind != Tok::Word || (mode.text != "lax" && mode.text != "strict")) {
      throw Fail{false, "the path must start with the mode lax or strict"};
    }
    path_.lax = mode.text == "lax";
    ++pos_;
    path_.root = expression();
    if (peek().kind != Tok::End) unexpected();
    only_compared_decimals(*path_.root, nullptr);
  }

 private:
  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  bool symbol(std::string_view s) const { return peek().kind == Tok::Symbol && peek().text == s; }
  bool word(std::string_view s) const { return peek().kind == Tok::Word && peek().text == s; }
  [[noreturn]] void unexpected() const {
    const Token& t = peek();
    std::string shown = t.text;
    if (t.kind == Tok::String) shown = "\"" + t.text + "\"";
    if (t.kind == Tok::Variable) shown = "$" + t.text;
    if (t.kind == Tok::Context) shown = "$";
    if (t.kind == Tok::At) shown = "@";
    if (t.kind == Tok::End) throw Fail{false, "unexpected end of the path"};
    throw Fail{false, "unexpected '" + shown + "' at position " + std::to_string(t.position + 1)};
  }
  void need(std::string_view s) {
    if (!symbol(s)) unexpected();
    ++pos_;
  }
  [[noreturn]] static void refuse(const std::string& what) {
    throw Fail{true, what + " is not supported by the local engine"};
  }

  // Counts one level of nesting while it lives.
  class Nesting {
   public:
    explicit Nesting(int& depth) : depth_(depth) {
      if (++depth_ > kMaxDepth) {
        throw Fail{false, "the path is nested too deeply (at most " + std::to_string(kMaxDepth) + " levels)"};
      }
    }
    ~Nesting() { --depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    int& depth_;
  };

  std::unique_ptr<PathNode> expression() {
    const Nesting nesting(depth_);
    auto left = term();
    while (symbol("+") || symbol("-")) {
      std::string op = peek().text;
      ++pos_;
      left = arithmetic(std::move(op), std::move(left), term());
    }
    return left;
  }
  std::unique_ptr<PathNode> term() {
    auto left = unary();
    while (symbol("*") || symbol("/") || symbol("%")) {
      std::string op = peek().text;
      ++pos_;
      left = arithmetic(std::move(op), std::move(left), unary());
    }
    return left;
  }
  static std::unique_ptr<PathNode> arithmetic(std::string op, std::unique_ptr<PathNode> left,
                                              std::unique_ptr<PathNode> right) {
    auto n = with_base(PathKind::Arithmetic, std::move(left), std::move(op));
    n->children.push_back(std::move(right));
    return n;
  }
  std::unique_ptr<PathNode> unary() {
    const Nesting nesting(depth_);
    if (symbol("+") || symbol("-")) {
      std::string op = peek().text;
      ++pos_;
      auto operand = unary();
      // -1 is the literal -1 (a SQL value, as the docs' `-1, 1.2e3` list shows).
      if (operand->kind == PathKind::Literal &&
          (operand->literal == PathLiteral::Integer || operand->literal == PathLiteral::Decimal ||
           operand->literal == PathLiteral::Double) &&
          operand->text.front() != '-' && operand->text.front() != '+') {
        if (op == "-") operand->text = "-" + operand->text;
        return operand;
      }
      return with_base(PathKind::Unary, std::move(operand), std::move(op));
    }
    return accessors(primary());
  }

  std::unique_ptr<PathNode> primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Context: ++pos_; return node(PathKind::Context);
      case Tok::At: ++pos_; return node(PathKind::Current);
      case Tok::Variable: {
        ++pos_;
        if (std::find(path_.variables.begin(), path_.variables.end(), t.text) == path_.variables.end()) {
          path_.variables.push_back(t.text);
        }
        return node(PathKind::Variable, t.text);
      }
      case Tok::Number: {
        ++pos_;
        auto n = node(PathKind::Literal, t.text);
        n->literal = t.number;
        return n;
      }
      case Tok::String: {
        ++pos_;
        auto n = node(PathKind::Literal, t.text);
        n->literal = PathLiteral::String;
        return n;
      }
      case Tok::Word: {
        auto literal = [&](PathLiteral kind) {
          ++pos_;
          auto n = node(PathKind::Literal, t.text);
          n->literal = kind;
          return n;
        };
        if (t.text == "true") return literal(PathLiteral::True);
        if (t.text == "false") return literal(PathLiteral::False);
        if (t.text == "null") return literal(PathLiteral::Null);
        if (t.text == "NaN") return literal(PathLiteral::Double);
        if (t.text == "last") {
          ++pos_;
          return node(PathKind::Last);
        }
        unexpected();
      }
      case Tok::Symbol:
        if (t.text == "(") {
          ++pos_;
          auto inner = expression();
          need(")");
          return inner;
        }
        unexpected();
      case Tok::End: unexpected();
    }
    unexpected();
  }

  // A decimal literal (`1.5`) is a SQL decimal in Trino, which the evaluator does not model: it may only be
  // compared (as a double, which orders the same), never be a result, an operand or a receiver.
  static void only_compared_decimals(const PathNode& n, const PathNode* parent) {
    if (n.kind == PathKind::Literal && n.literal == PathLiteral::Decimal &&
        (parent == nullptr || parent->kind != PathKind::Comparison)) {
      refuse("a decimal literal (" + n.text + ") outside a comparison in a JSON path");
    }
    for (const auto& c : n.children) only_compared_decimals(*c, &n);
  }

  // Counts the accessors of one chain as nesting levels (a chain is a tree as deep as it is long).
  class ChainDepth {
   public:
    explicit ChainDepth(int& depth) : depth_(depth) {}
    ~ChainDepth() { depth_ -= added_; }
    ChainDepth(const ChainDepth&) = delete;
    ChainDepth& operator=(const ChainDepth&) = delete;
    void add() {
      ++added_;
      if (++depth_ > kMaxDepth) {
        throw Fail{false, "the path is nested too deeply (at most " + std::to_string(kMaxDepth) + " levels)"};
      }
    }

   private:
    int& depth_;
    int added_ = 0;
  };

  std::unique_ptr<PathNode> accessors(std::unique_ptr<PathNode> base) {
    ChainDepth chain(depth_);
    while (true) {
      chain.add();
      if (symbol(".")) {
        ++pos_;
        const Token& t = peek();
        if (t.kind == Tok::Symbol && t.text == "*") {
          ++pos_;
          base = with_base(PathKind::MemberWildcard, std::move(base));
        } else if (t.kind == Tok::Word && peek(1).kind == Tok::Symbol && peek(1).text == "(") {
          base = method(std::move(base));
        } else if (t.kind == Tok::String || t.kind == Tok::Word) {
          ++pos_;
          base = with_base(PathKind::Member, std::move(base), t.text);
        } else {
          unexpected();
        }
      } else if (symbol("..")) {
        ++pos_;
        const Token& t = peek();
        if (t.kind != Tok::String && t.kind != Tok::Word) unexpected();
        ++pos_;
        base = with_base(PathKind::Descendant, std::move(base), t.text);
      } else if (symbol("[")) {
        ++pos_;
        if (symbol("*")) {
          ++pos_;
          need("]");
          base = with_base(PathKind::ArrayWildcard, std::move(base));
          continue;
        }
        auto n = with_base(PathKind::Subscripts, std::move(base));
        while (true) {
          PathNode::Subscript subscript;
          subscript.from = n->children.size();
          n->children.push_back(expression());
          if (word("to")) {
            ++pos_;
            subscript.to = n->children.size();
            n->children.push_back(expression());
          }
          n->subscripts.push_back(subscript);
          if (symbol(",")) {
            ++pos_;
            continue;
          }
          need("]");
          break;
        }
        base = std::move(n);
      } else if (symbol("?")) {
        ++pos_;
        need("(");
        auto n = with_base(PathKind::Filter, std::move(base));
        n->children.push_back(predicate());
        need(")");
        base = std::move(n);
      } else {
        return base;
      }
    }
  }

  std::unique_ptr<PathNode> method(std::unique_ptr<PathNode> base) {
    const std::string name = peek().text;
    static constexpr std::array<std::string_view, 7> kMethods{"double",   "ceiling", "floor", "abs",
                                                              "keyvalue", "size",    "type"};
    if (std::find(kMethods.begin(), kMethods.end(), name) == kMethods.end()) {
      refuse("the JSON path item method " + name + "()");
    }
    pos_ += 2;
    need(")");
    return with_base(PathKind::Method, std::move(base), name);
  }

  std::unique_ptr<PathNode> predicate() {
    const Nesting nesting(depth_);
    auto left = conjunction();
    while (symbol("||")) {
      ++pos_;
      auto n = with_base(PathKind::Or, std::move(left));
      n->children.push_back(conjunction());
      left = std::move(n);
    }
    return left;
  }
  std::unique_ptr<PathNode> conjunction() {
    auto left = predicate_primary();
    while (symbol("&&")) {
      ++pos_;
      auto n = with_base(PathKind::And, std::move(left));
      n->children.push_back(predicate_primary());
      left = std::move(n);
    }
    return left;
  }
  std::unique_ptr<PathNode> predicate_primary() {
    const Nesting nesting(depth_);
    if (symbol("!")) {
      ++pos_;
      return with_base(PathKind::Not, predicate_primary());
    }
    if (word("exists") && peek(1).kind == Tok::Symbol && peek(1).text == "(") {
      pos_ += 2;
      auto n = with_base(PathKind::Exists, expression());
      need(")");
      return n;
    }
    if (symbol("(")) {
      // A parenthesised predicate, or an expression that starts with a parenthesis: try the first.
      const std::size_t start = pos_;
      const std::size_t variables = path_.variables.size();
      try {
        ++pos_;
        auto inner = predicate();
        need(")");
        if (word("is") && peek(1).kind == Tok::Word && peek(1).text == "unknown") {
          pos_ += 2;
          return with_base(PathKind::IsUnknown, std::move(inner));
        }
        return inner;
      } catch (const Fail& f) {
        if (f.not_supported) throw;
        pos_ = start;
        path_.variables.resize(variables);
      }
    }
    auto left = expression();
    if (peek().kind == Tok::Symbol) {
      std::string op = peek().text;
      if (op == "<>") op = "!=";
      if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
        ++pos_;
        auto n = with_base(PathKind::Comparison, std::move(left), std::move(op));
        n->children.push_back(expression());
        return n;
      }
    }
    if (word("starts") && peek(1).kind == Tok::Word && peek(1).text == "with") {
      pos_ += 2;
      const Token& t = peek();
      if (t.kind != Tok::String && t.kind != Tok::Variable) unexpected();
      auto n = with_base(PathKind::StartsWith, std::move(left));
      n->children.push_back(primary());
      return n;
    }
    if (word("like_regex")) refuse("like_regex in a JSON path");
    unexpected();
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  JsonPath& path_;
};

}  // namespace

std::optional<JsonPath> parse_json_path(std::string_view text, JsonPathError& error) {
  JsonPath path;
  try {
    Parser parser(tokenize(text), path);
    parser.parse();
  } catch (const Fail& f) {
    error.not_supported = f.not_supported;
    error.message = f.message;
    return std::nullopt;
  }
  return path;
}

}  // namespace athena_runner::sql
