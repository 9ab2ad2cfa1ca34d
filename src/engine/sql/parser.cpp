#include "athena_runner/engine/sql/parser.hpp"

#include <algorithm>
#include <array>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/sql/errors.hpp"

namespace athena_runner::sql {
namespace {

constexpr int kMaxDepth = 200;  // nesting of expressions and queries (deeper input fails, never overflows)

// Non-reserved words that end a select item or a relation rather than naming it (Trino's grammar
// resolves these by lookahead; a query that means them as aliases must quote them or use AS).
constexpr std::array<std::string_view, 10> kNotImplicitAlias{
    "limit", "offset", "fetch", "window", "tablesample", "match_recognize", "lateral", "at", "filter", "over"};

bool is_query_start(const Token& token) {
  return token.is_keyword("select") || token.is_keyword("with") || token.is_keyword("values") ||
         token.is_keyword("table");
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  int parameters() const { return parameters_; }
  std::vector<Token> take_tokens() { return std::move(tokens_); }
  bool at_end() const { return peek().kind == TokenKind::End; }
  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }

  Outcome<QueryPtr> query() {
    if (++depth_ > kMaxDepth) return too_deep();
    auto q = parse_query();
    --depth_;
    return q;
  }
  Outcome<ExprPtr> expression() { return parse_expr(); }

  Error expected(std::string_view what) const {
    const Token& token = peek();
    std::string found = token.kind == TokenKind::End ? "<EOF>" : "'" + token.text + "'";
    return syntax_error(at(token.position, "mismatched input " + found + ". Expecting: " + std::string(what)));
  }
  Status expect_end() {
    const bool semicolon = peek().is_symbol(";");
    if (semicolon) ++pos_;
    if (!at_end()) {
      if (semicolon || peek().is_symbol(";")) {
        return make_error(ErrorKind::InvalidInput, std::string(kNotSupportedCode),
                          at(peek().position, "only one SQL statement is allowed per query"));
      }
      return expected("<EOF>");
    }
    return Ok{};
  }

 private:
  Error too_deep() const {
    return syntax_error(
        at(peek().position, "the statement is nested too deeply (at most " + std::to_string(kMaxDepth) + " levels)"));
  }
  bool keyword(std::string_view word) {
    if (peek().is_keyword(word)) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool symbol(std::string_view s) {
    if (peek().is_symbol(s)) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status need_keyword(std::string_view word) {
    if (keyword(word)) return Ok{};
    return expected(text::upper(word));
  }
  Status need_symbol(std::string_view s) {
    if (symbol(s)) return Ok{};
    return expected("'" + std::string(s) + "'");
  }

  bool is_identifier(const Token& token) const {
    if (token.kind == TokenKind::QuotedIdentifier) return true;
    return token.kind == TokenKind::Identifier && !is_reserved_word(token.value);
  }
  Outcome<Identifier> identifier() {
    const Token& token = peek();
    if (!is_identifier(token)) return expected("<identifier>");
    ++pos_;
    return Identifier{token.value, token.kind == TokenKind::QuotedIdentifier, token.position};
  }
  Outcome<QualifiedName> qualified_name() {
    QualifiedName name;
    do {
      auto part = identifier();
      if (!part) return part.get_failure();
      name.push_back(std::move(part).get_result());
    } while (peek().is_symbol(".") && is_identifier(peek(1)) && ++pos_);
    return name;
  }
  Outcome<std::vector<Identifier>> identifier_list() {
    std::vector<Identifier> names;
    if (auto open = need_symbol("("); !open) return open.get_failure();
    if (auto listed = comma_separated(names, [&] { return identifier(); }); !listed) {
      return listed.get_failure();
    }
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    return names;
  }
  // [AS] alias, where an implicit alias is a non-reserved identifier not in kNotImplicitAlias.
  Outcome<std::optional<Identifier>> optional_alias() {
    if (keyword("as")) {
      auto name = identifier();
      if (!name) return name.get_failure();
      return std::optional<Identifier>(std::move(name).get_result());
    }
    const Token& token = peek();
    if (!is_identifier(token)) return std::optional<Identifier>();
    if (token.kind == TokenKind::Identifier &&
        std::find(kNotImplicitAlias.begin(), kNotImplicitAlias.end(), token.value) != kNotImplicitAlias.end()) {
      return std::optional<Identifier>();
    }
    ++pos_;
    return std::optional<Identifier>(
        Identifier{token.value, token.kind == TokenKind::QuotedIdentifier, token.position});
  }

  // One or more items separated by ',' (each read by `read`), appended to `out`.
  template <class T, class Read>
  Status comma_separated(std::vector<T>& out, Read&& read) {
    do {
      auto item = read();
      if (!item) return item.get_failure();
      out.push_back(std::move(item).get_result());
    } while (symbol(","));
    return Ok{};
  }

  ExprPtr make(ExprKind kind, const Position& position) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->position = position;
    return e;
  }

  // ---- queries ----

  Outcome<QueryPtr> parse_query() {
    Position start = peek().position;
    std::vector<With> with;
    bool recursive = false;
    if (keyword("with")) {
      recursive = keyword("recursive");
      do {
        With item;
        auto name = identifier();
        if (!name) return name.get_failure();
        item.name = std::move(name).get_result();
        if (peek().is_symbol("(")) {
          auto columns = identifier_list();
          if (!columns) return columns.get_failure();
          item.columns = std::move(columns).get_result();
        }
        if (auto as = need_keyword("as"); !as) return as.get_failure();
        if (auto open = need_symbol("("); !open) return open.get_failure();
        auto body = query();
        if (!body) return body;
        item.query = std::move(body).get_result();
        if (auto close = need_symbol(")"); !close) return close.get_failure();
        with.push_back(std::move(item));
      } while (symbol(","));
    }
    auto body = query_no_with();
    if (!body) return body;
    QueryPtr q = std::move(body).get_result();
    if (!with.empty()) {
      if (!q->with.empty()) {
        // (WITH ...) nested in WITH: keep both by nesting.
        auto outer = std::make_unique<Query>();
        outer->kind = Query::Kind::Nested;
        outer->position = start;
        outer->nested = std::move(q);
        q = std::move(outer);
      }
      q->with = std::move(with);
      q->recursive = recursive;
    }
    return q;
  }

  // A term and its ORDER BY / OFFSET / LIMIT / FETCH.
  Outcome<QueryPtr> query_no_with() {
    auto term = set_term();
    if (!term) return term;
    QueryPtr q = std::move(term).get_result();
    if (peek().is_keyword("order") || peek().is_keyword("offset") || peek().is_keyword("limit") ||
        peek().is_keyword("fetch")) {
      if (!q->order_by.empty() || q->limit || q->offset || q->kind == Query::Kind::SetOperation) {
        auto outer = std::make_unique<Query>();
        outer->kind = Query::Kind::Nested;
        outer->position = q->position;
        outer->nested = std::move(q);
        q = std::move(outer);
      }
    }
    if (keyword("order")) {
      if (auto by = need_keyword("by"); !by) return by.get_failure();
      auto items = sort_items();
      if (!items) return items.get_failure();
      q->order_by = std::move(items).get_result();
    }
    if (keyword("offset")) {
      auto n = row_count();
      if (!n) return n.get_failure();
      q->offset = std::move(n).get_result();
      if (!keyword("row")) keyword("rows");
    }
    if (keyword("limit")) {
      if (!keyword("all")) {
        auto n = row_count();
        if (!n) return n.get_failure();
        q->limit = std::move(n).get_result();
      }
    } else if (keyword("fetch")) {
      if (!keyword("first") && !keyword("next")) return expected("FIRST or NEXT");
      q->fetch_first = true;
      if (!peek().is_keyword("row") && !peek().is_keyword("rows")) {
        auto n = row_count();
        if (!n) return n.get_failure();
        q->limit = std::move(n).get_result();
      } else {
        auto one = make(ExprKind::Literal, peek().position);
        one->literal = LiteralKind::Integer;
        one->text = "1";
        q->limit = std::move(one);
      }
      if (!keyword("row") && !keyword("rows")) return expected("ROW or ROWS");
      if (keyword("with")) {
        if (auto ties = need_keyword("ties"); !ties) return ties.get_failure();
        q->with_ties = true;
      } else if (auto only = need_keyword("only"); !only) {
        return only.get_failure();
      }
    }
    return q;
  }

  // LIMIT / OFFSET / FETCH take an integer literal or a parameter.
  Outcome<ExprPtr> row_count() {
    const Token& token = peek();
    if (token.kind == TokenKind::Integer) {
      ++pos_;
      auto e = make(ExprKind::Literal, token.position);
      e->literal = LiteralKind::Integer;
      e->text = token.value;
      return e;
    }
    if (token.kind == TokenKind::Parameter) {
      ++pos_;
      auto e = make(ExprKind::Parameter, token.position);
      e->index = parameters_++;
      return e;
    }
    return expected("<integer>");
  }

  Outcome<std::vector<SortItem>> sort_items() {
    std::vector<SortItem> items;
    do {
      SortItem item;
      auto e = parse_expr();
      if (!e) return e.get_failure();
      item.expr = std::move(e).get_result();
      if (keyword("desc")) {
        item.descending = true;
      } else {
        keyword("asc");
      }
      if (keyword("nulls")) {
        if (keyword("first")) {
          item.nulls_first = true;
        } else if (keyword("last")) {
          item.nulls_first = false;
        } else {
          return expected("FIRST or LAST");
        }
      }
      items.push_back(std::move(item));
    } while (symbol(","));
    return items;
  }

  // UNION / EXCEPT over INTERSECT terms, INTERSECT over primary queries (INTERSECT binds tighter), left to right.
  Outcome<QueryPtr> set_term() { return set_chain({"union", "except"}, &Parser::intersect_term); }
  Outcome<QueryPtr> intersect_term() { return set_chain({"intersect"}, &Parser::primary_query); }
  Outcome<QueryPtr> set_chain(std::initializer_list<std::string_view> operators, Outcome<QueryPtr> (Parser::*next)()) {
    auto left = (this->*next)();
    if (!left) return left;
    QueryPtr q = std::move(left).get_result();
    while (
        std::any_of(operators.begin(), operators.end(), [&](std::string_view op) { return peek().is_keyword(op); })) {
      Position position = peek().position;
      std::string op = peek().value;
      ++pos_;
      bool distinct = !keyword("all");
      if (distinct) keyword("distinct");
      auto right = (this->*next)();
      if (!right) return right;
      auto set = std::make_unique<Query>();
      set->kind = Query::Kind::SetOperation;
      set->position = position;
      set->set_op = op;
      set->set_distinct = distinct;
      set->left = std::move(q);
      set->right = std::move(right).get_result();
      q = std::move(set);
    }
    return q;
  }

  Outcome<QueryPtr> primary_query() {
    if (++depth_ > kMaxDepth) return too_deep();
    auto q = primary_query_inner();
    --depth_;
    return q;
  }
  Outcome<QueryPtr> primary_query_inner() {
    auto q = std::make_unique<Query>();
    q->position = peek().position;
    if (keyword("select")) {
      auto spec = query_spec();
      if (!spec) return spec.get_failure();
      q->kind = Query::Kind::Select;
      q->select = std::move(spec).get_result();
      return q;
    }
    if (keyword("table")) {
      auto name = qualified_name();
      if (!name) return name.get_failure();
      q->kind = Query::Kind::Table;
      q->table = std::move(name).get_result();
      return q;
    }
    if (keyword("values")) {
      q->kind = Query::Kind::Values;
      if (auto listed = comma_separated(q->values, [&] { return parse_expr(); }); !listed) {
        return listed.get_failure();
      }
      return q;
    }
    if (symbol("(")) {
      auto inner = parse_query();
      if (!inner) return inner;
      if (auto close = need_symbol(")"); !close) return close.get_failure();
      q->kind = Query::Kind::Nested;
      q->nested = std::move(inner).get_result();
      return q;
    }
    return expected("SELECT, VALUES, TABLE, WITH or '('");
  }

  Outcome<std::unique_ptr<QuerySpec>> query_spec() {
    auto spec = std::make_unique<QuerySpec>();
    if (keyword("distinct")) {
      spec->distinct = true;
    } else {
      keyword("all");
    }
    if (auto listed = comma_separated(spec->items, [&] { return select_item(); }); !listed) {
      return listed.get_failure();
    }
    if (keyword("from")) {
      if (auto listed = comma_separated(spec->from, [&] { return relation(); }); !listed) {
        return listed.get_failure();
      }
    }
    if (keyword("where")) {
      auto e = parse_expr();
      if (!e) return e.get_failure();
      spec->where = std::move(e).get_result();
    }
    if (keyword("group")) {
      if (auto by = need_keyword("by"); !by) return by.get_failure();
      if (keyword("distinct")) {
        spec->group_distinct = true;
      } else {
        keyword("all");
      }
      if (auto listed = comma_separated(spec->group_by, [&] { return grouping_element(); }); !listed) {
        return listed.get_failure();
      }
    }
    if (keyword("having")) {
      auto e = parse_expr();
      if (!e) return e.get_failure();
      spec->having = std::move(e).get_result();
    }
    if (keyword("window")) {
      do {
        auto name = identifier();
        if (!name) return name.get_failure();
        if (auto as = need_keyword("as"); !as) return as.get_failure();
        if (auto open = need_symbol("("); !open) return open.get_failure();
        auto spec_window = window_body();
        if (!spec_window) return spec_window.get_failure();
        spec->windows.emplace_back(std::move(name).get_result(), std::move(spec_window).get_result());
      } while (symbol(","));
    }
    return spec;
  }

  Outcome<SelectItem> select_item() {
    SelectItem item;
    item.position = peek().position;
    if (symbol("*")) {
      item.all_columns = true;
      return item;
    }
    auto e = parse_expr();
    if (!e) return e.get_failure();
    if (peek().is_symbol(".") && peek(1).is_symbol("*")) {
      pos_ += 2;
      item.all_columns = true;
      ExprPtr base = std::move(e).get_result();
      if (base->kind == ExprKind::Column) {
        item.star_prefix = std::move(base->name);
      } else {
        item.expr = std::move(base);
      }
      if (keyword("as")) {
        auto names = identifier_list();
        if (!names) return names.get_failure();
        item.star_aliases = std::move(names).get_result();
      }
      return item;
    }
    item.expr = std::move(e).get_result();
    auto alias = optional_alias();
    if (!alias) return alias.get_failure();
    item.alias = std::move(alias).get_result();
    return item;
  }

  Outcome<GroupingElement> grouping_element() {
    GroupingElement element;
    auto list = [&](std::vector<ExprPtr>& out) -> Status {
      if (auto open = need_symbol("("); !open) return open;
      if (symbol(")")) return Ok{};
      if (auto listed = comma_separated(out, [&] { return parse_expr(); }); !listed) {
        return listed.get_failure();
      }
      return need_symbol(")");
    };
    if (peek().is_keyword("rollup") || peek().is_keyword("cube")) {
      element.kind = peek().is_keyword("rollup") ? GroupingElement::Kind::Rollup : GroupingElement::Kind::Cube;
      ++pos_;
      if (auto read = list(element.exprs); !read) return read.get_failure();
      return element;
    }
    if (peek().is_keyword("grouping") && peek(1).is_keyword("sets")) {
      pos_ += 2;
      element.kind = GroupingElement::Kind::Sets;
      if (auto open = need_symbol("("); !open) return open.get_failure();
      do {
        std::vector<ExprPtr> set;
        if (peek().is_symbol("(")) {
          if (auto read = list(set); !read) return read.get_failure();
        } else {
          auto e = parse_expr();
          if (!e) return e.get_failure();
          set.push_back(std::move(e).get_result());
        }
        element.sets.push_back(std::move(set));
      } while (symbol(","));
      if (auto close = need_symbol(")"); !close) return close.get_failure();
      return element;
    }
    // (a, b) is a grouping set of both; () the empty set; anything else one expression.
    if (peek().is_symbol("(")) {
      std::size_t saved = pos_;
      std::vector<ExprPtr> set;
      if (auto read = list(set); read && (peek().is_symbol(",") || at_group_end())) {
        if (set.size() != 1) {
          element.exprs = std::move(set);
          return element;
        }
      }
      pos_ = saved;
    }
    auto e = parse_expr();
    if (!e) return e.get_failure();
    element.exprs.push_back(std::move(e).get_result());
    return element;
  }
  bool at_group_end() const {
    const Token& t = peek();
    return t.kind == TokenKind::End || t.is_symbol(")") || t.is_symbol(";") || t.is_keyword("having") ||
           t.is_keyword("order") || t.is_keyword("limit") || t.is_keyword("offset") || t.is_keyword("fetch") ||
           t.is_keyword("union") || t.is_keyword("except") || t.is_keyword("intersect") || t.is_keyword("window");
  }

  // ---- relations ----

  Outcome<RelationPtr> relation() {
    if (++depth_ > kMaxDepth) return too_deep();
    auto left = aliased_relation();
    if (!left) return left;
    RelationPtr r = std::move(left).get_result();
    while (true) {
      Position position = peek().position;
      JoinKind kind;
      bool natural = false;
      if (keyword("cross")) {
        if (auto join = need_keyword("join"); !join) return join.get_failure();
        auto right = aliased_relation();
        if (!right) return right;
        r = join_of(JoinKind::Cross, false, std::move(r), std::move(right).get_result(), position);
        continue;
      }
      if (keyword("natural")) natural = true;
      if (keyword("join")) {
        kind = JoinKind::Inner;
      } else if (keyword("inner")) {
        if (auto join = need_keyword("join"); !join) return join.get_failure();
        kind = JoinKind::Inner;
      } else if (keyword("left")) {
        keyword("outer");
        if (auto join = need_keyword("join"); !join) return join.get_failure();
        kind = JoinKind::Left;
      } else if (keyword("right")) {
        keyword("outer");
        if (auto join = need_keyword("join"); !join) return join.get_failure();
        kind = JoinKind::Right;
      } else if (keyword("full")) {
        keyword("outer");
        if (auto join = need_keyword("join"); !join) return join.get_failure();
        kind = JoinKind::Full;
      } else {
        if (natural) return expected("JOIN");
        break;
      }
      auto right = aliased_relation();
      if (!right) return right;
      r = join_of(kind, natural, std::move(r), std::move(right).get_result(), position);
      if (!natural) {
        if (keyword("on")) {
          auto on = parse_expr();
          if (!on) return on.get_failure();
          r->on = std::move(on).get_result();
        } else if (keyword("using")) {
          auto columns = identifier_list();
          if (!columns) return columns.get_failure();
          r->using_columns = std::move(columns).get_result();
        } else {
          return expected("ON or USING");
        }
      }
    }
    --depth_;
    return r;
  }

  static RelationPtr join_of(JoinKind kind, bool natural, RelationPtr left, RelationPtr right, const Position& p) {
    auto join = std::make_unique<Relation>();
    join->kind = Relation::Kind::Join;
    join->position = p;
    join->join = kind;
    join->natural = natural;
    join->left = std::move(left);
    join->right = std::move(right);
    return join;
  }

  Outcome<RelationPtr> aliased_relation() {
    auto primary = relation_primary();
    if (!primary) return primary;
    RelationPtr r = std::move(primary).get_result();
    if (peek().is_keyword("tablesample")) {
      return not_supported(at(peek().position, "TABLESAMPLE is not supported by the local engine"));
    }
    auto alias = optional_alias();
    if (!alias) return alias.get_failure();
    if (*alias) {
      r->alias = std::move(*alias);
      if (peek().is_symbol("(")) {
        auto columns = identifier_list();
        if (!columns) return columns.get_failure();
        r->column_aliases = std::move(columns).get_result();
      }
    }
    return r;
  }

  Outcome<RelationPtr> relation_primary() {
    auto r = std::make_unique<Relation>();
    r->position = peek().position;
    if (keyword("unnest")) {
      r->kind = Relation::Kind::Unnest;
      if (auto open = need_symbol("("); !open) return open.get_failure();
      if (auto listed = comma_separated(r->unnest, [&] { return parse_expr(); }); !listed) {
        return listed.get_failure();
      }
      if (auto close = need_symbol(")"); !close) return close.get_failure();
      if (keyword("with")) {
        if (auto ord = need_keyword("ordinality"); !ord) return ord.get_failure();
        r->with_ordinality = true;
      }
      return r;
    }
    if (peek().is_keyword("lateral") && peek(1).is_symbol("(")) {
      pos_ += 2;
      r->kind = Relation::Kind::Lateral;
      auto q = query();
      if (!q) return q.get_failure();
      r->query = std::move(q).get_result();
      if (auto close = need_symbol(")"); !close) return close.get_failure();
      return r;
    }
    if (symbol("(")) {
      if (is_query_start(peek()) || starts_parenthesised_query()) {
        r->kind = Relation::Kind::Subquery;
        auto q = query();
        if (!q) return q.get_failure();
        r->query = std::move(q).get_result();
        if (auto close = need_symbol(")"); !close) return close.get_failure();
        return r;
      }
      auto inner = relation();
      if (!inner) return inner;
      if (auto close = need_symbol(")"); !close) return close.get_failure();
      return inner;
    }
    if (peek().is_keyword("table") && peek(1).is_symbol("(")) {
      return not_supported(at(peek().position, "table functions are not supported by the local engine"));
    }
    auto name = qualified_name();
    if (!name) return name.get_failure();
    r->kind = Relation::Kind::Table;
    r->table = std::move(name).get_result();
    return r;
  }
  // After '(': a query in more parentheses, e.g. FROM ((SELECT 1) UNION (SELECT 2)).
  bool starts_parenthesised_query() const {
    std::size_t i = pos_;
    while (tokens_[std::min(i, tokens_.size() - 1)].is_symbol("(")) ++i;
    return i > pos_ && is_query_start(tokens_[std::min(i, tokens_.size() - 1)]);
  }

  // ---- windows ----

  // After '(' of OVER ( ... ) or WINDOW w AS ( ... ); reads through ')'.
  Outcome<std::unique_ptr<Window>> window_body() {
    auto w = std::make_unique<Window>();
    if (is_identifier(peek()) && !peek().is_keyword("partition") && !peek().is_keyword("order") &&
        !peek().is_keyword("rows") && !peek().is_keyword("range") && !peek().is_keyword("groups")) {
      auto base = identifier();
      if (!base) return base.get_failure();
      w->base = std::move(base).get_result();
    }
    if (keyword("partition")) {
      if (auto by = need_keyword("by"); !by) return by.get_failure();
      if (auto listed = comma_separated(w->partition_by, [&] { return parse_expr(); }); !listed) {
        return listed.get_failure();
      }
    }
    if (keyword("order")) {
      if (auto by = need_keyword("by"); !by) return by.get_failure();
      auto items = sort_items();
      if (!items) return items.get_failure();
      w->order_by = std::move(items).get_result();
    }
    if (peek().is_keyword("rows") || peek().is_keyword("range") || peek().is_keyword("groups")) {
      WindowFrame frame;
      frame.unit = peek().value;
      ++pos_;
      if (keyword("between")) {
        auto start = frame_bound();
        if (!start) return start.get_failure();
        frame.start = std::move(start).get_result();
        if (auto and_ = need_keyword("and"); !and_) return and_.get_failure();
        auto end = frame_bound();
        if (!end) return end.get_failure();
        frame.end = std::move(end).get_result();
      } else {
        auto start = frame_bound();
        if (!start) return start.get_failure();
        frame.start = std::move(start).get_result();
      }
      w->frame = std::move(frame);
    }
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    return w;
  }
  Outcome<FrameBound> frame_bound() {
    FrameBound bound;
    if (keyword("unbounded")) {
      if (keyword("preceding")) {
        bound.kind = FrameBound::Kind::UnboundedPreceding;
      } else if (keyword("following")) {
        bound.kind = FrameBound::Kind::UnboundedFollowing;
      } else {
        return expected("PRECEDING or FOLLOWING");
      }
      return bound;
    }
    if (keyword("current")) {
      if (auto row = need_keyword("row"); !row) return row.get_failure();
      bound.kind = FrameBound::Kind::CurrentRow;
      return bound;
    }
    auto e = parse_expr();
    if (!e) return e.get_failure();
    bound.offset = std::move(e).get_result();
    if (keyword("preceding")) {
      bound.kind = FrameBound::Kind::Preceding;
    } else if (keyword("following")) {
      bound.kind = FrameBound::Kind::Following;
    } else {
      return expected("PRECEDING or FOLLOWING");
    }
    return bound;
  }

  // ---- expressions ----

  Outcome<ExprPtr> parse_expr() {
    if (++depth_ > kMaxDepth) return too_deep();
    auto e = parse_or();
    --depth_;
    return e;
  }

  Outcome<ExprPtr> parse_or() { return logical_chain(ExprKind::Or, "or", &Parser::parse_and); }
  Outcome<ExprPtr> parse_and() { return logical_chain(ExprKind::And, "and", &Parser::parse_not); }
  // a OR b OR c (one node with every operand), likewise AND.
  Outcome<ExprPtr> logical_chain(ExprKind kind, std::string_view word, Outcome<ExprPtr> (Parser::*next)()) {
    auto left = (this->*next)();
    if (!left) return left;
    if (!peek().is_keyword(word)) return left;
    auto e = make(kind, (*left)->position);
    e->args.push_back(std::move(left).get_result());
    while (keyword(word)) {
      auto right = (this->*next)();
      if (!right) return right;
      e->args.push_back(std::move(right).get_result());
    }
    return e;
  }
  Outcome<ExprPtr> parse_not() {
    if (peek().is_keyword("not")) {
      Position position = peek().position;
      ++pos_;
      if (++depth_ > kMaxDepth) return too_deep();
      auto inner = parse_not();
      --depth_;
      if (!inner) return inner;
      auto e = make(ExprKind::Not, position);
      e->args.push_back(std::move(inner).get_result());
      return e;
    }
    return parse_predicate();
  }

  Outcome<ExprPtr> parse_predicate() {
    auto value = parse_value();
    if (!value) return value;
    ExprPtr left = std::move(value).get_result();
    const Token& token = peek();
    static constexpr std::array<std::string_view, 7> kComparisons{"=", "<>", "!=", "<", "<=", ">", ">="};
    if (token.kind == TokenKind::Symbol &&
        std::find(kComparisons.begin(), kComparisons.end(), token.text) != kComparisons.end()) {
      std::string op = token.text == "!=" ? "<>" : token.text;
      ++pos_;
      if ((peek().is_keyword("any") || peek().is_keyword("some") || peek().is_keyword("all")) &&
          peek(1).is_symbol("(")) {
        auto e = make(ExprKind::Quantified, token.position);
        e->op = op;
        e->text = peek().value == "some" ? "any" : peek().value;
        pos_ += 2;
        auto q = query();
        if (!q) return q.get_failure();
        e->subquery = std::move(q).get_result();
        if (auto close = need_symbol(")"); !close) return close.get_failure();
        e->args.push_back(std::move(left));
        return e;
      }
      auto right = parse_value();
      if (!right) return right;
      auto e = make(ExprKind::Comparison, token.position);
      e->op = op;
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(right).get_result());
      return e;
    }
    Position position = token.position;
    bool negated = false;
    if (token.is_keyword("not") &&
        (peek(1).is_keyword("between") || peek(1).is_keyword("in") || peek(1).is_keyword("like"))) {
      negated = true;
      ++pos_;
    }
    if (keyword("between")) {
      auto low = parse_value();
      if (!low) return low;
      if (auto and_ = need_keyword("and"); !and_) return and_.get_failure();
      auto high = parse_value();
      if (!high) return high;
      auto e = make(ExprKind::Between, position);
      e->negated = negated;
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(low).get_result());
      e->args.push_back(std::move(high).get_result());
      return e;
    }
    if (keyword("in")) {
      if (auto open = need_symbol("("); !open) return open.get_failure();
      if (is_query_start(peek())) {
        auto q = query();
        if (!q) return q.get_failure();
        if (auto close = need_symbol(")"); !close) return close.get_failure();
        auto e = make(ExprKind::InSubquery, position);
        e->negated = negated;
        e->args.push_back(std::move(left));
        e->subquery = std::move(q).get_result();
        return e;
      }
      auto e = make(ExprKind::InList, position);
      e->negated = negated;
      e->args.push_back(std::move(left));
      if (auto listed = comma_separated(e->args, [&] { return parse_expr(); }); !listed) {
        return listed.get_failure();
      }
      if (auto close = need_symbol(")"); !close) return close.get_failure();
      return e;
    }
    if (keyword("like")) {
      auto pattern = parse_value();
      if (!pattern) return pattern;
      auto e = make(ExprKind::Like, position);
      e->negated = negated;
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(pattern).get_result());
      if (keyword("escape")) {
        auto escape = parse_value();
        if (!escape) return escape;
        e->args.push_back(std::move(escape).get_result());
      }
      return e;
    }
    if (keyword("is")) {
      bool is_not = keyword("not");
      if (keyword("null")) {
        auto e = make(ExprKind::IsNull, position);
        e->negated = is_not;
        e->args.push_back(std::move(left));
        return e;
      }
      if (keyword("distinct")) {
        if (auto from = need_keyword("from"); !from) return from.get_failure();
        auto right = parse_value();
        if (!right) return right;
        auto e = make(ExprKind::IsDistinctFrom, position);
        e->negated = is_not;
        e->args.push_back(std::move(left));
        e->args.push_back(std::move(right).get_result());
        return e;
      }
      return expected("NULL or DISTINCT FROM");
    }
    return left;
  }

  Outcome<ExprPtr> binary_chain(Outcome<ExprPtr> (Parser::*next)(), std::initializer_list<std::string_view> ops) {
    auto left = (this->*next)();
    if (!left) return left;
    ExprPtr e = std::move(left).get_result();
    while (true) {
      const Token& token = peek();
      if (token.kind != TokenKind::Symbol || std::find(ops.begin(), ops.end(), token.text) == ops.end()) break;
      ++pos_;
      auto right = (this->*next)();
      if (!right) return right;
      auto b = make(ExprKind::Binary, token.position);
      b->op = token.text;
      b->args.push_back(std::move(e));
      b->args.push_back(std::move(right).get_result());
      e = std::move(b);
    }
    return e;
  }
  Outcome<ExprPtr> parse_value() { return binary_chain(&Parser::parse_additive, {"||"}); }
  Outcome<ExprPtr> parse_additive() { return binary_chain(&Parser::parse_multiplicative, {"+", "-"}); }
  Outcome<ExprPtr> parse_multiplicative() { return binary_chain(&Parser::parse_unary, {"*", "/", "%"}); }
  Outcome<ExprPtr> parse_unary() {
    const Token& token = peek();
    if (token.is_symbol("-") || token.is_symbol("+")) {
      ++pos_;
      if (++depth_ > kMaxDepth) return too_deep();
      auto inner = parse_unary();
      --depth_;
      if (!inner) return inner;
      auto e = make(ExprKind::Unary, token.position);
      e->op = token.text;
      e->args.push_back(std::move(inner).get_result());
      return e;
    }
    return parse_at_time_zone();
  }
  Outcome<ExprPtr> parse_at_time_zone() {
    auto base = parse_postfix();
    if (!base) return base;
    ExprPtr e = std::move(base).get_result();
    while (peek().is_keyword("at") && (peek(1).is_keyword("time") || peek(1).is_keyword("local"))) {
      Position position = peek().position;
      ++pos_;
      auto z = make(ExprKind::AtTimeZone, position);
      z->args.push_back(std::move(e));
      if (!keyword("local")) {
        pos_ += 1;  // TIME
        if (auto zone = need_keyword("zone"); !zone) return zone.get_failure();
        auto spec = parse_postfix();  // a string or an interval literal
        if (!spec) return spec;
        z->args.push_back(std::move(spec).get_result());
      }
      e = std::move(z);
    }
    return e;
  }

  Outcome<ExprPtr> parse_postfix() {
    auto base = parse_primary();
    if (!base) return base;
    ExprPtr e = std::move(base).get_result();
    while (true) {
      if (peek().is_symbol("[")) {
        Position position = peek().position;
        ++pos_;
        auto index = parse_expr();
        if (!index) return index;
        if (auto close = need_symbol("]"); !close) return close.get_failure();
        auto s = make(ExprKind::Subscript, position);
        s->args.push_back(std::move(e));
        s->args.push_back(std::move(index).get_result());
        e = std::move(s);
        continue;
      }
      if (peek().is_symbol(".") && is_identifier(peek(1))) {
        ++pos_;
        auto field = identifier();
        if (!field) return field.get_failure();
        if (e->kind == ExprKind::Column) {
          e->name.push_back(std::move(field).get_result());
          continue;
        }
        auto d = make(ExprKind::Dereference, field->position);
        d->name.push_back(std::move(field).get_result());
        d->args.push_back(std::move(e));
        e = std::move(d);
        continue;
      }
      break;
    }
    return e;
  }

  ExprPtr literal(LiteralKind kind, const Token& token, std::string text) {
    auto e = make(ExprKind::Literal, token.position);
    e->literal = kind;
    e->text = std::move(text);
    return e;
  }

  Outcome<std::vector<ExprPtr>> call_arguments() {
    std::vector<ExprPtr> args;
    if (symbol(")")) return args;
    if (auto listed = comma_separated(args, [&] { return parse_expr(); }); !listed) {
      return listed.get_failure();
    }
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    return args;
  }

  Outcome<ExprPtr> parse_primary() {
    if (++depth_ > kMaxDepth) return too_deep();
    auto e = parse_primary_inner();
    --depth_;
    return e;
  }

  Outcome<ExprPtr> parse_primary_inner() {
    const Token& token = peek();
    switch (token.kind) {
      case TokenKind::Integer: ++pos_; return literal(LiteralKind::Integer, token, token.value);
      case TokenKind::Decimal: ++pos_; return literal(LiteralKind::Decimal, token, token.value);
      case TokenKind::Double: ++pos_; return literal(LiteralKind::Double, token, token.value);
      case TokenKind::String:
      case TokenKind::UnicodeString: ++pos_; return literal(LiteralKind::String, token, token.value);
      case TokenKind::BinaryString: ++pos_; return literal(LiteralKind::Binary, token, token.value);
      case TokenKind::Parameter: {
        ++pos_;
        auto e = make(ExprKind::Parameter, token.position);
        e->index = parameters_++;
        return e;
      }
      case TokenKind::End: return expected("<expression>");
      case TokenKind::Symbol: {
        if (token.is_symbol("(")) return parenthesised();
        return expected("<expression>");
      }
      case TokenKind::QuotedIdentifier:
      case TokenKind::Identifier: break;
    }
    if (token.kind == TokenKind::QuotedIdentifier) return name_or_call();
    const std::string& word = token.value;
    if (word == "null") {
      ++pos_;
      return literal(LiteralKind::Null, token, "");
    }
    if (word == "true" || word == "false") {
      ++pos_;
      return literal(LiteralKind::Boolean, token, word);
    }
    // x -> body
    if (peek(1).is_symbol("->") && is_identifier(token)) {
      auto param = identifier();
      if (!param) return param.get_failure();
      ++pos_;
      return lambda_body({std::move(param).get_result()}, token.position);
    }
    if (word == "case") return case_expression();
    if (word == "cast" || word == "try_cast") return cast_expression();
    if (word == "exists" && peek(1).is_symbol("(")) {
      pos_ += 2;
      auto q = query();
      if (!q) return q.get_failure();
      if (auto close = need_symbol(")"); !close) return close.get_failure();
      auto e = make(ExprKind::Exists, token.position);
      e->subquery = std::move(q).get_result();
      return e;
    }
    if (word == "array" && peek(1).is_symbol("[")) {
      pos_ += 2;
      auto e = make(ExprKind::Array, token.position);
      if (!symbol("]")) {
        if (auto listed = comma_separated(e->args, [&] { return parse_expr(); }); !listed) {
          return listed.get_failure();
        }
        if (auto close = need_symbol("]"); !close) return close.get_failure();
      }
      return e;
    }
    if (word == "row" && peek(1).is_symbol("(")) {
      pos_ += 2;
      auto args = call_arguments();
      if (!args) return args.get_failure();
      auto e = make(ExprKind::Row, token.position);
      e->args = std::move(args).get_result();
      return e;
    }
    if (word == "interval") return interval_literal();
    if (word == "extract" && peek(1).is_symbol("(")) {
      pos_ += 2;
      auto field = identifier();
      if (!field) return field.get_failure();
      if (auto from = need_keyword("from"); !from) return from.get_failure();
      auto value = parse_expr();
      if (!value) return value;
      if (auto close = need_symbol(")"); !close) return close.get_failure();
      auto e = make(ExprKind::Extract, token.position);
      e->text = field->folded();
      e->args.push_back(std::move(value).get_result());
      return e;
    }
    static constexpr std::array<std::string_view, 5> kCurrent{"current_date", "current_time", "current_timestamp",
                                                              "localtime", "localtimestamp"};
    if (std::find(kCurrent.begin(), kCurrent.end(), word) != kCurrent.end()) {
      ++pos_;
      auto e = make(ExprKind::CurrentTime, token.position);
      e->text = word;
      if (word != "current_date" && symbol("(")) {
        if (peek().kind != TokenKind::Integer) return expected("<integer>");
        e->index = std::stoi(peek().value.substr(0, 3));
        ++pos_;
        if (auto close = need_symbol(")"); !close) return close.get_failure();
      } else {
        e->index = -1;
      }
      return e;
    }
    if (word == "current_user" || word == "current_catalog" || word == "current_schema" || word == "current_path" ||
        word == "current_role") {
      return not_supported(at(token.position, word + " is not supported by the local engine"));
    }
    if ((word == "json_query" || word == "json_value" || word == "json_exists") && peek(1).is_symbol("(")) {
      return json_function_expression();
    }
    if ((word == "json_array" || word == "json_object") && peek(1).is_symbol("(")) return json_constructor();
    if (word == "json_table" && peek(1).is_symbol("(")) {
      return not_supported(at(token.position, "function " + word + " is not supported by the local engine"));
    }
    if (word == "substring" && peek(1).is_symbol("(")) return substring_expression();
    if (word == "position" && peek(1).is_symbol("(")) return position_expression();
    if (word == "trim" && peek(1).is_symbol("(")) return trim_expression();
    if (word == "normalize" && peek(1).is_symbol("(")) {
      return not_supported(at(token.position, "function normalize is not supported by the local engine"));
    }
    if (word == "listagg" && peek(1).is_symbol("(")) return listagg_expression();
    if (word == "grouping" && peek(1).is_symbol("(")) {
      pos_ += 2;
      auto args = call_arguments();
      if (!args) return args.get_failure();
      auto e = make(ExprKind::Call, token.position);
      e->name.push_back(Identifier{"grouping", false, token.position});
      e->args = std::move(args).get_result();
      return e;
    }
    // Typed literals: DATE '...', TIMESTAMP '...', DECIMAL '...', DOUBLE PRECISION '...', any type name.
    if (peek(1).kind == TokenKind::String || peek(1).kind == TokenKind::UnicodeString) {
      ++pos_;
      const Token& value = peek();
      ++pos_;
      auto e = literal(LiteralKind::Typed, token, value.value);
      e->literal_type = word;
      return e;
    }
    if (word == "double" && peek(1).is_keyword("precision") && peek(2).kind == TokenKind::String) {
      pos_ += 3;
      auto e = literal(LiteralKind::Typed, token, tokens_[pos_ - 1].value);
      e->literal_type = "double";
      return e;
    }
    if (is_reserved_word(word)) return expected("<expression>");
    return name_or_call();
  }

  Outcome<ExprPtr> name_or_call() {
    Position position = peek().position;
    auto first = identifier();
    if (!first) return first.get_failure();
    QualifiedName name{std::move(first).get_result()};
    // Dotted names are read by parse_postfix (a column a.b.c); a call is name(...) with one part
    // or a qualified function name followed by '('.
    while (peek().is_symbol(".") && is_identifier(peek(1)) && peek(2).is_symbol("(")) {
      ++pos_;
      auto part = identifier();
      if (!part) return part.get_failure();
      name.push_back(std::move(part).get_result());
    }
    if (!peek().is_symbol("(")) {
      auto e = make(ExprKind::Column, position);
      e->name = std::move(name);
      return e;
    }
    ++pos_;
    return call(std::move(name), position);
  }

  // After name '(': arguments, then FILTER, IGNORE/RESPECT NULLS, OVER.
  Outcome<ExprPtr> call(QualifiedName name, const Position& position) {
    auto e = make(ExprKind::Call, position);
    e->name = std::move(name);
    const std::string function = e->name.size() == 1 ? e->name[0].folded() : "";
    if (peek().is_symbol("*") && peek(1).is_symbol(")")) {
      e->args.push_back(make(ExprKind::Star, peek().position));
      pos_ += 2;
    } else if (!symbol(")")) {
      if (keyword("distinct")) {
        e->flag = true;
      } else {
        keyword("all");
      }
      // (a, b) -> body as the first argument is read by parenthesised()
      if (auto listed = comma_separated(e->args, [&] { return parse_expr(); }); !listed) {
        return listed.get_failure();
      }
      if (keyword("order")) {
        if (auto by = need_keyword("by"); !by) return by.get_failure();
        auto items = sort_items();
        if (!items) return items.get_failure();
        e->order_by = std::move(items).get_result();
      }
      if (auto close = need_symbol(")"); !close) return close.get_failure();
    }
    if (peek().is_keyword("filter") && peek(1).is_symbol("(")) {
      pos_ += 2;
      if (auto where = need_keyword("where"); !where) return where.get_failure();
      auto f = parse_expr();
      if (!f) return f;
      e->filter = std::move(f).get_result();
      if (auto close = need_symbol(")"); !close) return close.get_failure();
    }
    if ((peek().is_keyword("ignore") || peek().is_keyword("respect")) && peek(1).is_keyword("nulls")) {
      (peek().is_keyword("ignore") ? e->ignore_nulls : e->respect_nulls) = true;
      pos_ += 2;
    }
    if (keyword("over")) {
      if (symbol("(")) {
        auto w = window_body();
        if (!w) return w.get_failure();
        e->window = std::move(w).get_result();
      } else {
        auto base = identifier();
        if (!base) return base.get_failure();
        e->window = std::make_unique<Window>();
        e->window->base = std::move(base).get_result();
      }
    }
    // The special forms Trino parses as calls.
    if (!e->window && !e->filter && !e->flag && e->order_by.empty()) {
      if (function == "if") {
        if (e->args.size() != 2 && e->args.size() != 3) {
          return semantic_error(at(position, "IF takes 2 or 3 arguments"));
        }
        e->kind = ExprKind::If;
      } else if (function == "coalesce") {
        if (e->args.empty()) return semantic_error(at(position, "COALESCE needs at least one argument"));
        e->kind = ExprKind::Coalesce;
      } else if (function == "nullif") {
        if (e->args.size() != 2) return semantic_error(at(position, "NULLIF takes 2 arguments"));
        e->kind = ExprKind::NullIf;
      } else if (function == "try") {
        if (e->args.size() != 1) return semantic_error(at(position, "TRY takes 1 argument"));
        e->kind = ExprKind::Try;
      }
    }
    return e;
  }

  Outcome<ExprPtr> lambda_body(std::vector<Identifier> params, const Position& position) {
    auto body = parse_expr();
    if (!body) return body;
    auto e = make(ExprKind::Lambda, position);
    e->lambda_parameters = std::move(params);
    e->args.push_back(std::move(body).get_result());
    return e;
  }

  Outcome<ExprPtr> parenthesised() {
    Position position = peek().position;
    // (a, b) -> body
    {
      std::size_t i = pos_ + 1;
      bool names = true;
      std::vector<Identifier> params;
      while (true) {
        const Token& t = tokens_[std::min(i, tokens_.size() - 1)];
        if (!is_identifier(t)) {
          names = false;
          break;
        }
        params.push_back(Identifier{t.value, t.kind == TokenKind::QuotedIdentifier, t.position});
        const Token& after = tokens_[std::min(i + 1, tokens_.size() - 1)];
        if (after.is_symbol(",")) {
          i += 2;
          continue;
        }
        if (!after.is_symbol(")")) names = false;
        i += 1;
        break;
      }
      if (names && tokens_[std::min(i + 1, tokens_.size() - 1)].is_symbol("->")) {
        pos_ = i + 2;
        return lambda_body(std::move(params), position);
      }
    }
    ++pos_;
    if (is_query_start(peek()) || starts_parenthesised_query()) {
      auto q = query();
      if (!q) return q.get_failure();
      if (auto close = need_symbol(")"); !close) return close.get_failure();
      auto e = make(ExprKind::ScalarSubquery, position);
      e->subquery = std::move(q).get_result();
      return e;
    }
    auto first = parse_expr();
    if (!first) return first;
    if (symbol(")")) return first;
    if (!peek().is_symbol(",")) return expected("')' or ','");
    auto row = make(ExprKind::Row, position);
    row->args.push_back(std::move(first).get_result());
    while (symbol(",")) {
      auto item = parse_expr();
      if (!item) return item;
      row->args.push_back(std::move(item).get_result());
    }
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    return row;
  }

  Outcome<ExprPtr> case_expression() {
    auto e = make(ExprKind::Case, peek().position);
    ++pos_;
    if (!peek().is_keyword("when")) {
      auto operand = parse_expr();
      if (!operand) return operand;
      e->args.push_back(std::move(operand).get_result());
      e->flag = true;  // simple CASE: args[0] is the operand
    }
    if (!peek().is_keyword("when")) return expected("WHEN");
    while (keyword("when")) {
      auto when = parse_expr();
      if (!when) return when;
      if (auto then = need_keyword("then"); !then) return then.get_failure();
      auto result = parse_expr();
      if (!result) return result;
      e->args.push_back(std::move(when).get_result());
      e->args.push_back(std::move(result).get_result());
    }
    if (keyword("else")) {
      auto otherwise = parse_expr();
      if (!otherwise) return otherwise;
      e->args.push_back(std::move(otherwise).get_result());
      e->negated = true;  // has ELSE (the last argument)
    }
    if (auto end = need_keyword("end"); !end) return end.get_failure();
    return e;
  }

  // The text of a type from the tokens (up to the closing ')' of CAST, or a balanced run; at the outer
  // level also up to one of `stop`'s keywords).
  Outcome<Type> type_from_tokens(const std::vector<std::string_view>& stop = {}) {
    std::string text;
    int depth = 0;
    Position position = peek().position;
    while (!at_end()) {
      const Token& t = peek();
      if (depth == 0 && (t.is_symbol(")") || t.is_symbol(","))) break;
      if (depth == 0 && t.kind == TokenKind::Identifier &&
          std::find(stop.begin(), stop.end(), std::string_view(t.value)) != stop.end()) {
        break;
      }
      if (t.is_symbol("(") || t.is_symbol("<")) ++depth;
      if (t.is_symbol(")") || t.is_symbol(">")) --depth;
      text += (t.kind == TokenKind::QuotedIdentifier ? "\"" + t.value + "\"" : t.text) + " ";
      ++pos_;
    }
    auto type = parse_type(text);
    if (!type) return semantic_error(at(position, type.get_failure().message));
    return type;
  }

  Outcome<ExprPtr> cast_expression() {
    auto e = make(ExprKind::Cast, peek().position);
    e->flag = peek().value == "try_cast";
    ++pos_;
    if (auto open = need_symbol("("); !open) return open.get_failure();
    auto value = parse_expr();
    if (!value) return value;
    if (auto as = need_keyword("as"); !as) return as.get_failure();
    auto type = type_from_tokens();
    if (!type) return type.get_failure();
    e->type = std::move(type).get_result();
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    e->args.push_back(std::move(value).get_result());
    return e;
  }

  Outcome<ExprPtr> interval_literal() {
    const Token& start = peek();
    ++pos_;
    bool negative = false;
    if (symbol("-")) {
      negative = true;
    } else {
      symbol("+");
    }
    if (peek().kind != TokenKind::String) return expected("<string>");
    std::string value = peek().value;
    ++pos_;
    static constexpr std::array<std::string_view, 6> kFields{"year", "month", "day", "hour", "minute", "second"};
    auto field = [&]() -> Outcome<std::string> {
      const Token& t = peek();
      std::string w = t.kind == TokenKind::Identifier ? t.value : "";
      if (w.size() > 1 && w.back() == 's') w.pop_back();  // Trino accepts neither; keep Trino's error below
      if (std::find(kFields.begin(), kFields.end(), t.value) == kFields.end()) {
        return Outcome<std::string>(expected("YEAR, MONTH, DAY, HOUR, MINUTE or SECOND"));
      }
      ++pos_;
      return t.value;
    };
    auto from = field();
    if (!from) return from.get_failure();
    std::string unit = *from;
    if (keyword("to")) {
      auto to = field();
      if (!to) return to.get_failure();
      unit += " to " + *to;
    }
    auto e = literal(LiteralKind::Interval, start, value);
    e->literal_type = unit;
    e->negative_interval = negative;
    return e;
  }

  // [FORMAT JSON [ENCODING ...]] after a SQL/JSON function's input or PASSING value: true when present.
  Outcome<bool> format_json() {
    if (!keyword("format")) return false;
    if (auto json = need_keyword("json"); !json) return json.get_failure();
    if (peek().is_keyword("encoding")) {
      return not_supported(at(peek().position, "FORMAT JSON ENCODING is not supported by the local engine"));
    }
    return true;
  }

  // json_query / json_value / json_exists (docs: functions/json): the clauses into a JsonFunctionSpec, the
  // path kept as text (the binder parses it).
  Outcome<ExprPtr> json_function_expression() {
    using Spec = JsonFunctionSpec;
    const Token& name = peek();
    auto e = make(ExprKind::JsonFunction, name.position);
    auto spec = std::make_shared<Spec>();
    spec->function = name.value == "json_query"   ? Spec::Function::Query
                     : name.value == "json_value" ? Spec::Function::Value
                                                  : Spec::Function::Exists;
    pos_ += 2;
    auto input = parse_expr();
    if (!input) return input;
    e->args.push_back(std::move(input).get_result());
    auto input_format = format_json();
    if (!input_format) return input_format.get_failure();
    spec->input_format_json = *input_format;
    if (auto comma = need_symbol(","); !comma) return comma.get_failure();
    if (peek().kind != TokenKind::String) return expected("<string>");
    spec->path = peek().value;
    spec->path_position = peek().position;
    ++pos_;
    if (keyword("passing")) {
      do {
        auto value = parse_expr();
        if (!value) return value;
        e->args.push_back(std::move(value).get_result());
        auto format = format_json();
        if (!format) return format.get_failure();
        spec->passing_format_json.push_back(*format);
        if (auto as = need_keyword("as"); !as) return as.get_failure();
        auto alias = identifier();
        if (!alias) return alias.get_failure();
        // Trino upper-cases unquoted names; the path language is case-sensitive (docs: `AS KeyName` is not
        // $KeyName).
        spec->passing_names.push_back(alias->quoted ? alias->value : text::upper(alias->value));
      } while (symbol(","));
    }
    const bool query = spec->function == Spec::Function::Query;
    if (spec->function != Spec::Function::Exists && keyword("returning")) {
      auto type = type_from_tokens({"format", "with", "without", "keep", "omit", "null", "error", "empty", "default"});
      if (!type) return type.get_failure();
      spec->returning = std::move(type).get_result();
      if (query) {
        auto output_format = format_json();
        if (!output_format) return output_format.get_failure();
      }
    }
    if (query && keyword("without")) {
      keyword("array");
      if (auto wrapper = need_keyword("wrapper"); !wrapper) return wrapper.get_failure();
    } else if (query && keyword("with")) {
      spec->wrapper = keyword("conditional") ? Spec::Wrapper::Conditional : Spec::Wrapper::Unconditional;
      if (spec->wrapper == Spec::Wrapper::Unconditional) keyword("unconditional");
      keyword("array");
      if (auto wrapper = need_keyword("wrapper"); !wrapper) return wrapper.get_failure();
    }
    if (query && (peek().is_keyword("keep") || peek().is_keyword("omit"))) {
      spec->omit_quotes = peek().is_keyword("omit");
      ++pos_;
      if (auto quotes = need_keyword("quotes"); !quotes) return quotes.get_failure();
      if (keyword("on")) {
        if (auto scalar = need_keyword("scalar"); !scalar) return scalar.get_failure();
        if (auto string = need_keyword("string"); !string) return string.get_failure();
      }
    }
    // [behavior ON EMPTY] [behavior ON ERROR]
    for (int clause = 0; clause < 2; ++clause) {
      const std::size_t start = pos_;
      std::optional<Spec::Behavior> behavior;
      ExprPtr default_value;
      if (keyword("null")) {
        behavior = Spec::Behavior::Null;
      } else if (keyword("error")) {
        behavior = Spec::Behavior::Error;
      } else if (query && keyword("empty")) {
        if (keyword("array")) {
          behavior = Spec::Behavior::EmptyArray;
        } else if (auto object = need_keyword("object"); object) {
          behavior = Spec::Behavior::EmptyObject;
        } else {
          return object.get_failure();
        }
      } else if (spec->function == Spec::Function::Value && keyword("default")) {
        auto value = parse_expr();
        if (!value) return value;
        default_value = std::move(value).get_result();
        behavior = Spec::Behavior::Default;
      } else if (spec->function == Spec::Function::Exists && keyword("true")) {
        behavior = Spec::Behavior::True;
      } else if (spec->function == Spec::Function::Exists && keyword("false")) {
        behavior = Spec::Behavior::False;
      } else if (spec->function == Spec::Function::Exists && keyword("unknown")) {
        behavior = Spec::Behavior::Unknown;
      }
      if (!behavior) break;
      if (auto on = need_keyword("on"); !on) return on.get_failure();
      const bool empty = clause == 0 && spec->function != Spec::Function::Exists && keyword("empty");
      if (!empty) {
        if (auto error = need_keyword("error"); !error) return error.get_failure();
        if (spec->function == Spec::Function::Exists && *behavior == Spec::Behavior::Null) {
          pos_ = start;
          return expected("TRUE, FALSE, UNKNOWN, ERROR");
        }
      }
      if (default_value) {
        (empty ? spec->empty_default : spec->error_default) = e->args.size();
        e->args.push_back(std::move(default_value));
      }
      (empty ? spec->on_empty : spec->on_error) = behavior;
      if (!empty) break;
    }
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    e->json = std::move(spec);
    return e;
  }

  // json_array([value [FORMAT JSON], ...] [NULL | ABSENT ON NULL] [RETURNING type [FORMAT JSON [ENCODING e]]])
  // json_object([[KEY] key VALUE value | key : value [FORMAT JSON], ...] [NULL | ABSENT ON NULL]
  //             [WITH | WITHOUT UNIQUE [KEYS]] [RETURNING ...])  (docs: functions/json)
  Outcome<ExprPtr> json_constructor() {
    using Spec = JsonFunctionSpec;
    const Token& name = peek();
    auto e = make(ExprKind::JsonFunction, name.position);
    auto spec = std::make_shared<Spec>();
    const bool object = name.value == "json_object";
    spec->function = object ? Spec::Function::Object : Spec::Function::Array;
    spec->absent_on_null = !object;  // the defaults: ABSENT ON NULL for arrays, NULL ON NULL for objects
    spec->path_position = name.position;
    pos_ += 2;
    auto clause_ahead = [&] {
      return peek().is_symbol(")") || peek().is_keyword("returning") ||
             ((peek().is_keyword("null") || peek().is_keyword("absent")) && peek(1).is_keyword("on")) ||
             (object && (peek().is_keyword("with") || peek().is_keyword("without")) && peek(1).is_keyword("unique"));
    };
    if (!clause_ahead()) {
      do {
        if (object) {
          if (peek().is_keyword("key") && !peek(1).is_symbol(":") && !peek(1).is_keyword("value") &&
              !peek(1).is_symbol(",") && !peek(1).is_symbol(")")) {
            ++pos_;
          }
          auto key = parse_expr();
          if (!key) return key;
          e->args.push_back(std::move(key).get_result());
          if (!symbol(":")) {
            if (auto value = need_keyword("value"); !value) return value.get_failure();
          }
        }
        auto value = parse_expr();
        if (!value) return value;
        e->args.push_back(std::move(value).get_result());
        auto format = format_json();
        if (!format) return format.get_failure();
        spec->value_format_json.push_back(*format);
      } while (symbol(","));
      if ((peek().is_keyword("null") || peek().is_keyword("absent")) && peek(1).is_keyword("on")) {
        spec->absent_on_null = peek().is_keyword("absent");
        pos_ += 2;
        if (auto null = need_keyword("null"); !null) return null.get_failure();
      }
    }
    if (object && (peek().is_keyword("with") || peek().is_keyword("without"))) {
      spec->unique_keys = peek().is_keyword("with");
      ++pos_;
      if (auto unique = need_keyword("unique"); !unique) return unique.get_failure();
      keyword("keys");
    }
    if (keyword("returning")) {
      auto type = type_from_tokens({"format"});
      if (!type) return type.get_failure();
      spec->returning = std::move(type).get_result();
      if (keyword("format")) {
        if (auto json = need_keyword("json"); !json) return json.get_failure();
        if (keyword("encoding")) {
          if (!keyword("utf8")) {
            return not_supported(at(peek().position, "RETURNING ... FORMAT JSON ENCODING " + text::upper(peek().value) +
                                                         " is not supported by the local engine (UTF8 is)"));
          }
        }
      }
    }
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    e->json = std::move(spec);
    return e;
  }

  Outcome<ExprPtr> substring_expression() {
    Position position = peek().position;
    pos_ += 2;
    auto value = parse_expr();
    if (!value) return value;
    auto e = make(ExprKind::Call, position);
    e->name.push_back(Identifier{"substr", false, position});
    e->args.push_back(std::move(value).get_result());
    if (keyword("from")) {
      auto from = parse_expr();
      if (!from) return from;
      e->args.push_back(std::move(from).get_result());
      if (keyword("for")) {
        auto length = parse_expr();
        if (!length) return length;
        e->args.push_back(std::move(length).get_result());
      }
    } else {
      while (symbol(",")) {
        auto arg = parse_expr();
        if (!arg) return arg;
        e->args.push_back(std::move(arg).get_result());
      }
    }
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    return e;
  }

  Outcome<ExprPtr> position_expression() {
    Position position = peek().position;
    pos_ += 2;
    auto needle = parse_value();
    if (!needle) return needle;
    if (auto in = need_keyword("in"); !in) return in.get_failure();
    auto haystack = parse_value();
    if (!haystack) return haystack;
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    auto e = make(ExprKind::Call, position);
    e->name.push_back(Identifier{"strpos", false, position});
    e->args.push_back(std::move(haystack).get_result());
    e->args.push_back(std::move(needle).get_result());
    return e;
  }

  // TRIM([[BOTH | LEADING | TRAILING] [chars] FROM] x) -> trim / ltrim / rtrim (x[, chars]).
  Outcome<ExprPtr> trim_expression() {
    Position position = peek().position;
    pos_ += 2;
    std::string function = "trim";
    bool has_spec = false;
    if (keyword("both")) {
      has_spec = true;
    } else if (keyword("leading")) {
      function = "ltrim";
      has_spec = true;
    } else if (keyword("trailing")) {
      function = "rtrim";
      has_spec = true;
    }
    ExprPtr chars;
    ExprPtr value;
    if (has_spec && keyword("from")) {
      auto v = parse_expr();
      if (!v) return v;
      value = std::move(v).get_result();
    } else {
      auto first = parse_expr();
      if (!first) return first;
      if (keyword("from")) {
        chars = std::move(first).get_result();
        auto v = parse_expr();
        if (!v) return v;
        value = std::move(v).get_result();
      } else if (!has_spec && symbol(",")) {
        value = std::move(first).get_result();
        auto c = parse_expr();
        if (!c) return c;
        chars = std::move(c).get_result();
      } else {
        if (has_spec) return expected("FROM");
        value = std::move(first).get_result();
      }
    }
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    auto e = make(ExprKind::Call, position);
    e->name.push_back(Identifier{function, false, position});
    e->args.push_back(std::move(value));
    if (chars) e->args.push_back(std::move(chars));
    return e;
  }

  // LISTAGG(x[, sep] [ON OVERFLOW ERROR]) WITHIN GROUP (ORDER BY ...) [FILTER (WHERE ...)]
  Outcome<ExprPtr> listagg_expression() {
    Position position = peek().position;
    pos_ += 2;
    auto e = make(ExprKind::Call, position);
    e->name.push_back(Identifier{"listagg", false, position});
    if (keyword("distinct")) e->flag = true;
    if (auto listed = comma_separated(e->args, [&] { return parse_expr(); }); !listed) {
      return listed.get_failure();
    }
    if (keyword("on")) {
      if (auto overflow = need_keyword("overflow"); !overflow) return overflow.get_failure();
      if (!keyword("error")) {
        return not_supported(
            at(peek().position, "listagg ... ON OVERFLOW TRUNCATE is not supported by the local engine"));
      }
    }
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    if (auto within = need_keyword("within"); !within) return within.get_failure();
    if (auto group = need_keyword("group"); !group) return group.get_failure();
    if (auto open = need_symbol("("); !open) return open.get_failure();
    if (auto order = need_keyword("order"); !order) return order.get_failure();
    if (auto by = need_keyword("by"); !by) return by.get_failure();
    auto items = sort_items();
    if (!items) return items.get_failure();
    e->order_by = std::move(items).get_result();
    if (auto close = need_symbol(")"); !close) return close.get_failure();
    if (peek().is_keyword("filter") && peek(1).is_symbol("(")) {
      pos_ += 2;
      if (auto where = need_keyword("where"); !where) return where.get_failure();
      auto f = parse_expr();
      if (!f) return f;
      e->filter = std::move(f).get_result();
      if (auto close = need_symbol(")"); !close) return close.get_failure();
    }
    return e;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int parameters_ = 0;
  int depth_ = 0;
};

// Leading words (lower case) of a statement, skipping '(' for queries.
std::vector<std::string> leading_words(const std::vector<Token>& tokens, std::size_t count) {
  std::vector<std::string> words;
  for (const auto& token : tokens) {
    if (words.size() >= count) break;
    if (token.kind == TokenKind::Identifier) {
      words.push_back(token.value);
    } else if (token.is_symbol("(") && words.empty()) {
      words.push_back("(");
      break;
    } else {
      break;
    }
  }
  while (words.size() < count) words.emplace_back();
  return words;
}

bool has_top_level_as_query(const std::vector<Token>& tokens) {
  int depth = 0;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (tokens[i].is_symbol("(")) ++depth;
    if (tokens[i].is_symbol(")")) --depth;
    if (depth == 0 && tokens[i].is_keyword("as")) {
      const Token& next = tokens[i + 1];
      if (is_query_start(next) || next.is_symbol("(")) return true;
    }
  }
  return false;
}

StatementKind classify_tokens(const std::vector<Token>& tokens) {
  auto w = leading_words(tokens, 4);
  const std::string& first = w[0];
  if (first == "select" || first == "with" || first == "values" || first == "table" || first == "(") {
    return StatementKind::Query;
  }
  if (first == "explain") return StatementKind::Explain;
  if (first == "create") {
    std::size_t i = 1;
    if (w[1] == "or" && w[2] == "replace") i = 3;
    auto rest = leading_words(tokens, i + 2);
    const std::string& object = rest[i] == "external" ? rest[i + 1] : rest[i];
    if (object == "table")
      return has_top_level_as_query(tokens) ? StatementKind::CreateTableAs : StatementKind::CreateTable;
    if (object == "view" || object == "protected" || object == "materialized") return StatementKind::CreateView;
    if (object == "database" || object == "schema") return StatementKind::CreateSchema;
    return StatementKind::Other;
  }
  if (first == "insert") return StatementKind::Insert;
  if (first == "unload") return StatementKind::Unload;
  if (first == "drop") return StatementKind::Drop;
  if (first == "alter") return StatementKind::Alter;
  if (first == "msck") return StatementKind::MsckRepair;
  if (first == "show") return w[1] == "functions" ? StatementKind::ShowFunctions : StatementKind::Show;
  if (first == "describe" || first == "desc") return StatementKind::Describe;
  if (first == "use") return StatementKind::Use;
  if (first == "prepare") return StatementKind::Prepare;
  if (first == "execute") return StatementKind::Execute;
  if (first == "deallocate") return StatementKind::Deallocate;
  if (first == "delete") return StatementKind::Delete;
  if (first == "update") return StatementKind::Update;
  if (first == "merge") return StatementKind::Merge;
  return StatementKind::Other;
}

}  // namespace

std::string Identifier::folded() const { return text::lower(value); }

std::string to_string(const QualifiedName& name) {
  std::string out;
  for (const auto& part : name) out += (out.empty() ? "" : ".") + part.folded();
  return out;
}

std::string_view to_string(StatementKind kind) {
  switch (kind) {
    case StatementKind::Query: return "query";
    case StatementKind::Explain: return "EXPLAIN";
    case StatementKind::CreateTableAs: return "CREATE TABLE AS";
    case StatementKind::CreateTable: return "CREATE TABLE";
    case StatementKind::CreateView: return "CREATE VIEW";
    case StatementKind::CreateSchema: return "CREATE DATABASE";
    case StatementKind::Insert: return "INSERT INTO";
    case StatementKind::Unload: return "UNLOAD";
    case StatementKind::Drop: return "DROP";
    case StatementKind::Alter: return "ALTER";
    case StatementKind::MsckRepair: return "MSCK REPAIR TABLE";
    case StatementKind::Show: return "SHOW";
    case StatementKind::ShowFunctions: return "SHOW FUNCTIONS";
    case StatementKind::Describe: return "DESCRIBE";
    case StatementKind::Use: return "USE";
    case StatementKind::Prepare: return "PREPARE";
    case StatementKind::Execute: return "EXECUTE";
    case StatementKind::Deallocate: return "DEALLOCATE PREPARE";
    case StatementKind::Delete: return "DELETE";
    case StatementKind::Update: return "UPDATE";
    case StatementKind::Merge: return "MERGE";
    case StatementKind::Other: return "statement";
  }
  return "statement";
}

std::string_view athena_statement_type(StatementKind kind) {
  switch (kind) {
    case StatementKind::CreateTable:
    case StatementKind::CreateView:
    case StatementKind::CreateSchema:
    case StatementKind::Drop:
    case StatementKind::Alter:
    case StatementKind::MsckRepair:
    // Athena runs SHOW and DESCRIBE as Hive DDL (its results are .txt files, as DDL's are).
    case StatementKind::Show:
    case StatementKind::Describe: return "DDL";
    case StatementKind::Explain:
    case StatementKind::ShowFunctions:
    case StatementKind::Use: return "UTILITY";
    default: return "DML";
  }
}

StatementKind classify_statement(std::string_view sql) {
  auto tokens = lex(sql);
  if (!tokens) tokens = lex(sql, LexMode::Hive);  // Hive DDL: `backquoted` names, "strings"
  if (!tokens) {
    // Unlexable text (an unterminated string, say) still has leading words.
    std::vector<Token> words;
    std::size_t i = 0;
    while (words.size() < 4 && i < sql.size()) {
      while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
      std::size_t start = i;
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) ++i;
      if (start == i) break;
      Token t;
      t.kind = TokenKind::Identifier;
      t.value = text::lower(sql.substr(start, i - start));
      words.push_back(std::move(t));
    }
    return words.empty() ? StatementKind::Other : classify_tokens(words);
  }
  return classify_tokens(*tokens);
}

Outcome<Statement> parse_statement(std::string_view sql) {
  auto tokens = lex(sql);
  if (!tokens) return tokens.get_failure();
  Statement statement;
  statement.kind = classify_tokens(*tokens);
  if (statement.kind != StatementKind::Query && statement.kind != StatementKind::Explain) {
    statement.tokens = std::move(tokens).get_result();
    return statement;
  }
  Parser parser(std::move(tokens).get_result());
  if (statement.kind == StatementKind::Explain) {
    return not_supported(at(parser.peek().position, "EXPLAIN is not supported by the local engine"));
  }
  auto q = parser.query();
  if (!q) return q.get_failure();
  if (auto end = parser.expect_end(); !end) return end.get_failure();
  statement.query = std::move(q).get_result();
  statement.parameter_count = parser.parameters();
  statement.tokens = parser.take_tokens();
  return statement;
}

Outcome<QueryPtr> parse_query(std::string_view sql, int* parameter_count) {
  auto tokens = lex(sql);
  if (!tokens) return tokens.get_failure();
  Parser parser(std::move(tokens).get_result());
  auto q = parser.query();
  if (!q) return q;
  if (auto end = parser.expect_end(); !end) return end.get_failure();
  if (parameter_count) *parameter_count = parser.parameters();
  return q;
}

Outcome<ExprPtr> parse_expression(std::string_view sql) {
  auto tokens = lex(sql);
  if (!tokens) return tokens.get_failure();
  Parser parser(std::move(tokens).get_result());
  auto e = parser.expression();
  if (!e) return e;
  if (!parser.at_end()) return parser.expected("<EOF>");
  return e;
}

}  // namespace athena_runner::sql
