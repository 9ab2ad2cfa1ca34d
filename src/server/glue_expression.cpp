#include "glue_expression.hpp"
#include "athena_runner/base/text.hpp"

#include <cctype>
#include <vector>

#include "json_service.hpp"

namespace athena_runner::server {

struct PartitionFilter::Node {
  enum class Kind { And, Or, Not, Compare, Between, In, Like } kind = Kind::Compare;
  std::string key;
  std::string op;                   // Compare: = <> != < <= > >=
  std::vector<std::string> values;  // literals
  std::shared_ptr<const Node> left;
  std::shared_ptr<const Node> right;
};

namespace {

using Node = PartitionFilter::Node;

struct Token {
  enum class Type { Word, String, Number, Symbol, End } type = Type::End;
  std::string text;
};

Outcome<std::vector<Token>> tokenize(const std::string& text) {
  std::vector<Token> tokens;
  std::size_t index = 0;
  while (index < text.size()) {
    char c = text[index];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++index;
    } else if (c == '\'') {
      std::string value;
      ++index;
      while (true) {
        if (index >= text.size()) return json_error("InvalidInputException", "Unterminated string in Expression.");
        if (text[index] == '\'') {
          if (index + 1 < text.size() && text[index + 1] == '\'') {
            value.push_back('\'');
            index += 2;
            continue;
          }
          ++index;
          break;
        }
        value.push_back(text[index++]);
      }
      tokens.push_back({Token::Type::String, value});
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && index + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[index + 1])))) {
      std::size_t start = index++;
      while (index < text.size() && (std::isdigit(static_cast<unsigned char>(text[index])) || text[index] == '.'))
        ++index;
      tokens.push_back({Token::Type::Number, text.substr(start, index - start)});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '`') {
      bool quoted = c == '`';
      std::size_t start = quoted ? ++index : index;
      while (
          index < text.size() &&
          (quoted ? text[index] != '`' : (std::isalnum(static_cast<unsigned char>(text[index])) || text[index] == '_')))
        ++index;
      tokens.push_back({Token::Type::Word, text.substr(start, index - start)});
      if (quoted) ++index;
    } else {
      static const char* kSymbols[] = {"<>", "!=", "<=", ">=", "=", "<", ">", "(", ")", ","};
      bool matched = false;
      for (const char* symbol : kSymbols) {
        std::string_view candidate(symbol);
        if (text.compare(index, candidate.size(), candidate) == 0) {
          tokens.push_back({Token::Type::Symbol, std::string(candidate)});
          index += candidate.size();
          matched = true;
          break;
        }
      }
      if (!matched) return json_error("InvalidInputException", std::string("Unexpected '") + c + "' in Expression.");
    }
  }
  tokens.push_back({Token::Type::End, ""});
  return tokens;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::map<std::string, bool>& keys)
      : tokens_(std::move(tokens)), keys_(keys) {}

  Outcome<std::shared_ptr<const Node>> parse() {
    auto node = parse_or();
    if (node && peek().type != Token::Type::End) return fail("Unexpected '" + peek().text + "' in Expression.");
    return node;
  }

 private:
  using Result = Outcome<std::shared_ptr<const Node>>;

  const Token& peek() const { return tokens_[position_]; }
  Token next() { return tokens_[position_ < tokens_.size() - 1 ? position_++ : position_]; }
  bool accept_word(const char* word) {
    if (peek().type == Token::Type::Word && text::upper(peek().text) == word) {
      ++position_;
      return true;
    }
    return false;
  }
  bool accept_symbol(const char* symbol) {
    if (peek().type == Token::Type::Symbol && peek().text == symbol) {
      ++position_;
      return true;
    }
    return false;
  }
  static Result fail(std::string message) { return json_error("InvalidInputException", std::move(message)); }

  Result parse_or() {
    auto left = parse_and();
    while (left && accept_word("OR")) {
      auto right = parse_and();
      if (!right) return right;
      left = combine(Node::Kind::Or, *left, *right);
    }
    return left;
  }
  Result parse_and() {
    auto left = parse_not();
    while (left && accept_word("AND")) {
      auto right = parse_not();
      if (!right) return right;
      left = combine(Node::Kind::And, *left, *right);
    }
    return left;
  }
  // Parentheses and NOTs nest by recursion: a few levels are plenty, thousands would overflow the stack.
  static constexpr int kMaxDepth = 64;
  struct Nesting {
    int& depth;
    explicit Nesting(int& d) : depth(++d) {}
    ~Nesting() { --depth; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
  };
  Result too_deep() const {
    return fail("Expression nests parentheses or NOT more than " + std::to_string(kMaxDepth) + " levels deep.");
  }

  Result parse_not() {
    if (accept_word("NOT")) {
      const Nesting nesting(depth_);
      if (depth_ > kMaxDepth) return too_deep();
      auto inner = parse_not();
      if (!inner) return inner;
      auto node = std::make_shared<Node>();
      node->kind = Node::Kind::Not;
      node->left = *inner;
      return std::shared_ptr<const Node>(node);
    }
    return parse_primary();
  }
  static Result combine(Node::Kind kind, std::shared_ptr<const Node> left, std::shared_ptr<const Node> right) {
    auto node = std::make_shared<Node>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return std::shared_ptr<const Node>(node);
  }
  Outcome<std::string> literal() {
    Token token = next();
    if (token.type != Token::Type::String && token.type != Token::Type::Number)
      return json_error("InvalidInputException", "Expected a literal in Expression, found '" + token.text + "'.");
    return token.text;
  }
  Result parse_primary() {
    if (accept_symbol("(")) {
      const Nesting nesting(depth_);
      if (depth_ > kMaxDepth) return too_deep();
      auto inner = parse_or();
      if (!inner) return inner;
      if (!accept_symbol(")")) return fail("Expected ')' in Expression.");
      return inner;
    }
    Token key = next();
    if (key.type != Token::Type::Word) return fail("Expected a partition key in Expression, found '" + key.text + "'.");
    if (!keys_.count(key.text)) return fail("Unknown partition key '" + key.text + "' in Expression.");
    auto node = std::make_shared<Node>();
    node->key = key.text;
    if (accept_word("BETWEEN")) {
      node->kind = Node::Kind::Between;
      auto low = literal();
      if (!low) return std::move(low).get_failure();
      if (!accept_word("AND")) return fail("Expected AND in BETWEEN.");
      auto high = literal();
      if (!high) return std::move(high).get_failure();
      node->values = {*low, *high};
    } else if (accept_word("IN")) {
      node->kind = Node::Kind::In;
      if (!accept_symbol("(")) return fail("Expected '(' after IN.");
      do {
        auto value = literal();
        if (!value) return std::move(value).get_failure();
        node->values.push_back(*value);
      } while (accept_symbol(","));
      if (!accept_symbol(")")) return fail("Expected ')' after IN values.");
    } else if (accept_word("LIKE")) {
      node->kind = Node::Kind::Like;
      auto pattern = literal();
      if (!pattern) return std::move(pattern).get_failure();
      node->values = {*pattern};
    } else {
      Token op = next();
      static const char* kOperators[] = {"=", "<>", "!=", "<", "<=", ">", ">="};
      bool known = op.type == Token::Type::Symbol;
      if (known) {
        known = false;
        for (const char* candidate : kOperators) known = known || op.text == candidate;
      }
      if (!known) return fail("Expected a comparison after '" + key.text + "' in Expression.");
      node->kind = Node::Kind::Compare;
      node->op = op.text;
      auto value = literal();
      if (!value) return std::move(value).get_failure();
      node->values = {*value};
    }
    return std::shared_ptr<const Node>(node);
  }

  std::vector<Token> tokens_;
  std::size_t position_ = 0;
  int depth_ = 0;  // parentheses and NOTs open at the current token
  const std::map<std::string, bool>& keys_;
};

// <0, 0, >0 like strcmp; numbers by value when the key is numeric.
int compare(const PartitionKey& key, const std::string& literal) {
  if (key.numeric) {
    try {
      double left = std::stod(key.value);
      double right = std::stod(literal);
      return left < right ? -1 : left > right ? 1 : 0;
    } catch (const std::exception&) {
      // not a number: fall back to text
    }
  }
  return key.value.compare(literal);
}

// SQL LIKE: '%' any run of characters, '_' any one. Greedy matching that backs up only to the last '%'
// (linear in practice, value × pattern at worst); a regex of ".*.*.*..." backtracked exponentially.
bool like(std::string_view value, std::string_view pattern) {
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t v = 0, p = 0, star = kNone, resume = 0;
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      resume = v;
    } else if (p < pattern.size() && (pattern[p] == '_' || pattern[p] == value[v])) {
      ++p;
      ++v;
    } else if (star != kNone) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

bool evaluate(const Node& node, const std::map<std::string, PartitionKey>& partition) {
  switch (node.kind) {
    case Node::Kind::And: return evaluate(*node.left, partition) && evaluate(*node.right, partition);
    case Node::Kind::Or: return evaluate(*node.left, partition) || evaluate(*node.right, partition);
    case Node::Kind::Not: return !evaluate(*node.left, partition);
    default: break;
  }
  auto found = partition.find(node.key);
  if (found == partition.end()) return false;
  const PartitionKey& key = found->second;
  switch (node.kind) {
    case Node::Kind::Compare: {
      int order = compare(key, node.values[0]);
      if (node.op == "=") return order == 0;
      if (node.op == "<>" || node.op == "!=") return order != 0;
      if (node.op == "<") return order < 0;
      if (node.op == "<=") return order <= 0;
      if (node.op == ">") return order > 0;
      return order >= 0;
    }
    case Node::Kind::Between: return compare(key, node.values[0]) >= 0 && compare(key, node.values[1]) <= 0;
    case Node::Kind::In:
      for (const auto& value : node.values)
        if (compare(key, value) == 0) return true;
      return false;
    case Node::Kind::Like: return like(key.value, node.values[0]);
    default: return false;
  }
}

}  // namespace

Outcome<PartitionFilter> PartitionFilter::parse(const std::string& expression,
                                                const std::map<std::string, bool>& key_is_numeric) {
  auto tokens = tokenize(expression);
  if (!tokens) return std::move(tokens).get_failure();
  Parser parser(std::move(tokens).get_result(), key_is_numeric);
  auto root = parser.parse();
  if (!root) return std::move(root).get_failure();
  PartitionFilter filter;
  filter.root_ = *root;
  return filter;
}

bool PartitionFilter::matches(const std::map<std::string, PartitionKey>& partition) const {
  return root_ == nullptr || evaluate(*root_, partition);
}

}  // namespace athena_runner::server
