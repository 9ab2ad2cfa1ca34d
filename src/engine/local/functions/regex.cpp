// Trino's regular expression functions (docs: functions/regexp) on RE2, a linear-time engine:
//   ar_regexp_like(s, p) -> BOOLEAN, ar_regexp_extract(s, p, group) -> VARCHAR,
//   ar_regexp_extract_all(s, p, group) -> VARCHAR[], ar_regexp_split(s, p) -> VARCHAR[],
//   ar_regexp_count(s, p) -> BIGINT, ar_regexp_position(s, p, start, occurrence) -> INTEGER,
//   ar_regexp_replace(s, p, replacement) -> VARCHAR (Trino's $n, ${name}, \$ and \\ rules).
// Trino's engine is Joni with Java's syntax. A pattern feature whose meaning differs between Java and RE2
// (backreferences, lookaround, possessive quantifiers, atomic groups, class unions and intersections, \Z,
// \h, \v, \R, Java-only flags, ...) is refused by name; where the two agree only on some input (\w, \d, \s,
// \b and (?i) on ASCII text; '.', '^' and '$' without \r, U+0085, U+2028, U+2029 and a final \n) another
// input fails by name. Matches are found as Trino's loops find them: after an empty match the next search
// starts one character further.
#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "udf.hpp"

namespace athena_runner::engine::udf {
namespace {

constexpr std::string_view kRefused = " is not supported by the local engine";

struct Compiled {
  std::unique_ptr<re2::RE2> re;
  std::string refusal;      // non-empty: the pattern is refused, with this text
  bool ascii_only = false;  // \w \d \s \b or (?i): the input must be ASCII (and have no \x0B)
  bool dot = false;         // '.': no \r, U+0085, U+2028, U+2029 in the input
  bool anchors = false;     // '^' '$': as '.', and no final \n
  int groups = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The \p{...} names whose meaning Java (Joni) and RE2 share: general categories and one-word scripts.
bool known_property(std::string_view name) {
  static constexpr std::array<std::string_view, 51> kNames{
      "L",      "Lu",       "Ll",       "Lt",         "Lm",      "Lo",     "M",    "Mn",       "Mc",
      "Me",     "N",        "Nd",       "Nl",         "No",      "P",      "Pc",   "Pd",       "Ps",
      "Pe",     "Pi",       "Pf",       "Po",         "S",       "Sm",     "Sc",   "Sk",       "So",
      "Z",      "Zs",       "Zl",       "Zp",         "C",       "Cc",     "Cf",   "Co",       "Cs",
      "Latin",  "Greek",    "Cyrillic", "Armenian",   "Hebrew",  "Arabic", "Thai", "Georgian", "Han",
      "Hangul", "Hiragana", "Katakana", "Devanagari", "Bengali", "Tamil"};
  for (std::string_view known : kNames) {
    if (known == name) return true;
  }
  return false;
}

// Checks a Java pattern against what RE2 gives the same meaning, writing RE2's spelling of it ((?<name> is
// (?P<name> for this RE2). Returns the refusal text, or "".
std::string translate(std::string_view pattern, std::string& out, Compiled& compiled) {
  const auto refuse = [](const std::string& what) { return "the Java regular expression feature " + what; };
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 >= pattern.size()) return refuse("of a trailing backslash");
      const char d = pattern[i + 1];
      if (is_digit(d)) return refuse(d == '0' ? "\\0 (octal escapes)" : "\\" + std::string(1, d) + " (backreferences)");
      switch (d) {
        case 'd':
        case 'D':
        case 'w':
        case 'W':
        case 's':
        case 'S': compiled.ascii_only = true; break;
        case 'b':
        case 'B':
          if (in_class) return refuse("\\b in a character class");
          compiled.ascii_only = true;
          break;
        case 'A':
        case 'z':
          if (in_class) return refuse(std::string("\\") + d + " in a character class");
          break;
        case 't':
        case 'n':
        case 'r':
        case 'f':
        case 'a':
        case 'x': break;
        case 'p':
        case 'P': {
          std::string name;
          std::size_t end = i + 2;
          if (end < pattern.size() && pattern[end] == '{') {
            const std::size_t close = pattern.find('}', end);
            if (close == std::string_view::npos) return refuse("of an unclosed \\p{");
            name = std::string(pattern.substr(end + 1, close - end - 1));
            end = close + 1;
          } else if (end < pattern.size()) {
            name = std::string(1, pattern[end]);
            ++end;
          }
          if (!known_property(name)) return refuse("\\p{" + name + "} (this property name)");
          out.append(pattern.substr(i, end - i));
          i = end;
          continue;
        }
        case 'Q': {
          if (in_class) return refuse("\\Q in a character class");
          const std::size_t close = pattern.find("\\E", i + 2);
          const std::size_t end = close == std::string_view::npos ? pattern.size() : close + 2;
          out.append(pattern.substr(i, end - i));
          i = end;
          continue;
        }
        case 'k': return refuse("\\k<name> (backreferences)");
        default:
          if (is_letter(d)) return refuse(std::string("\\") + d);
          if (static_cast<unsigned char>(d) >= 0x80) return refuse("of a backslash before a non-ASCII character");
          break;
      }
      out.append(pattern.substr(i, 2));
      i += 2;
      continue;
    }
    if (in_class) {
      if (c == '[') return refuse("'[' inside a character class (unions, POSIX classes)");
      if (c == '&' && i + 1 < pattern.size() && pattern[i + 1] == '&') {
        return refuse("&& (character class intersection)");
      }
      if (c == ']') in_class = false;
      out += c;
      ++i;
      continue;
    }
    switch (c) {
      case '[': {
        in_class = true;
        out += c;
        ++i;
        if (i < pattern.size() && pattern[i] == '^') out += pattern[i++];
        if (i < pattern.size() && pattern[i] == ']') return refuse("']' first in a character class");
        continue;
      }
      case '(': {
        if (i + 1 < pattern.size() && pattern[i + 1] == '?') {
          const char kind = i + 2 < pattern.size() ? pattern[i + 2] : '\0';
          if (kind == ':') break;
          if (kind == '=' || kind == '!') return refuse(std::string("(?") + kind + " (lookahead)");
          if (kind == '>') return refuse("(?> (atomic groups)");
          if (kind == '<') {
            const char next = i + 3 < pattern.size() ? pattern[i + 3] : '\0';
            if (next == '=' || next == '!') return refuse(std::string("(?<") + next + " (lookbehind)");
            out += "(?P<";
            i += 3;
            continue;
          }
          // Flags: (?ims-ims) or (?ims-ims:...).
          std::size_t j = i + 2;
          while (j < pattern.size() && pattern[j] != ')' && pattern[j] != ':') {
            const char flag = pattern[j];
            if (flag == 'i') {
              compiled.ascii_only = true;
            } else if (flag != 'm' && flag != 's' && flag != '-') {
              return refuse(std::string("(?") + flag + ")");
            }
            ++j;
          }
          break;
        }
        break;
      }
      case '.': compiled.dot = true; break;
      case '^':
      case '$': compiled.anchors = true; break;
      case '*':
      case '+':
      case '?':
        if (i + 1 < pattern.size() && pattern[i + 1] == '+')
          return refuse(std::string(1, c) + "+ (possessive quantifiers)");
        break;
      case '{': {
        std::size_t j = i + 1;
        const std::size_t digits_start = j;
        while (j < pattern.size() && is_digit(pattern[j])) ++j;
        if (j == digits_start) return refuse("'{' that is not a repetition");
        if (j < pattern.size() && pattern[j] == ',') {
          ++j;
          while (j < pattern.size() && is_digit(pattern[j])) ++j;
        }
        if (j >= pattern.size() || pattern[j] != '}') return refuse("'{' that is not a repetition");
        if (j + 1 < pattern.size() && pattern[j + 1] == '+') return refuse("}+ (possessive quantifiers)");
        out.append(pattern.substr(i, j + 1 - i));
        i = j + 1;
        continue;
      }
      default: break;
    }
    out += c;
    ++i;
  }
  return {};
}

std::shared_ptr<Compiled> compile(std::string_view pattern, const char* function) {
  auto compiled = std::make_shared<Compiled>();
  std::string re2_pattern;
  if (std::string refusal = translate(pattern, re2_pattern, *compiled); !refusal.empty()) {
    compiled->refusal = std::string(function) + ": " + refusal + std::string(kRefused);
    return compiled;
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  compiled->re = std::make_unique<re2::RE2>(re2_pattern, options);
  if (!compiled->re->ok()) {
    compiled->refusal = std::string(function) + ": the pattern '" + std::string(pattern) + "'" + std::string(kRefused) +
                        " (" + compiled->re->error() + ")";
    return compiled;
  }
  compiled->groups = compiled->re->NumberOfCapturingGroups();
  return compiled;
}

// The pattern of the last row, compiled once for all the rows that share it.
class PatternCache {
 public:
  explicit PatternCache(const char* function) : function_(function) {}
  const Compiled& get(std::string_view pattern) {
    if (!compiled_ || pattern != pattern_) {
      pattern_ = std::string(pattern);
      compiled_ = compile(pattern, function_);
    }
    return *compiled_;
  }

 private:
  const char* function_;
  std::string pattern_;
  std::shared_ptr<Compiled> compiled_;
};

// "" when the text is one on which RE2 and Joni agree for this pattern, else the refusal.
std::string check_input(const Compiled& compiled, std::string_view text, const char* function) {
  const std::string prefix = std::string(function) + ": ";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (compiled.ascii_only && (byte >= 0x80 || byte == 0x0B)) {
      return prefix + "\\w, \\d, \\s, \\b or (?i) on text with non-ASCII characters" + std::string(kRefused);
    }
    if (compiled.dot || compiled.anchors) {
      const bool terminator = byte == '\r' || (byte == 0xC2 && i + 1 < text.size() && text[i + 1] == '\x85') ||
                              (byte == 0xE2 && i + 2 < text.size() && text[i + 1] == '\x80' &&
                               (text[i + 2] == '\xA8' || text[i + 2] == '\xA9'));
      if (terminator) {
        return prefix + "'.', '^' or '$' on text with \\r, U+0085, U+2028 or U+2029" + std::string(kRefused);
      }
    }
  }
  if (compiled.anchors && !text.empty() && text.back() == '\n') {
    return prefix + "'^' or '$' on text that ends with a line break" + std::string(kRefused);
  }
  return {};
}

// One match: [begin, end) of the whole match and of each group (nullopt: the group did not take part).
struct Match {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::vector<std::optional<std::pair<std::size_t, std::size_t>>> groups;  // groups[0] is the whole match
};

// The length of the UTF-8 sequence a byte starts (airlift's lengthOfCodePointFromStartByte).
std::size_t code_point_length(char lead) {
  const auto byte = static_cast<unsigned char>(lead);
  if (byte < 0x80) return 1;
  if ((byte & 0xE0) == 0xC0) return 2;
  if ((byte & 0xF0) == 0xE0) return 3;
  if ((byte & 0xF8) == 0xF0) return 4;
  return 1;
}

// Trino's search loop (JoniRegexpFunctions): search from `next`; after an empty match the next search
// starts one character further. `on_match` returns false to stop.
template <class OnMatch>
void for_each_match(const Compiled& compiled, std::string_view text, std::size_t start, OnMatch on_match) {
  const re2::RE2& re = *compiled.re;
  const int count = compiled.groups + 1;
  std::vector<re2::StringPiece> pieces(static_cast<std::size_t>(count));
  std::size_t next = start;
  while (next <= text.size()) {
    if (!re.Match(re2::StringPiece(text.data(), text.size()), next, text.size(), re2::RE2::UNANCHORED, pieces.data(),
                  count)) {
      break;
    }
    Match match;
    match.begin = static_cast<std::size_t>(pieces[0].data() - text.data());
    match.end = match.begin + pieces[0].size();
    for (const auto& piece : pieces) {
      if (piece.data() == nullptr) {
        match.groups.emplace_back(std::nullopt);
      } else {
        const auto begin = static_cast<std::size_t>(piece.data() - text.data());
        match.groups.emplace_back(std::pair{begin, begin + piece.size()});
      }
    }
    if (match.end == match.begin) {
      next = match.end + (match.end < text.size() ? code_point_length(text[match.end]) : 1);
    } else {
      next = match.end;
    }
    if (!on_match(match)) break;
  }
}

// ---- vectors ----

struct StringColumn {
  duckdb_string_t* data;
  const uint64_t* validity;
  std::string_view at(idx_t row) const { return string_at(data, row); }
  bool valid(idx_t row) const { return row_valid(validity, row); }
};
StringColumn strings(duckdb_data_chunk input, idx_t column) {
  duckdb_vector vector = duckdb_data_chunk_get_vector(input, column);
  return {static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector)), duckdb_vector_get_validity(vector)};
}
struct IntegerColumn {
  const int64_t* data;
  const uint64_t* validity;
  bool valid(idx_t row) const { return row_valid(validity, row); }
};
IntegerColumn integers(duckdb_data_chunk input, idx_t column) {
  duckdb_vector vector = duckdb_data_chunk_get_vector(input, column);
  return {static_cast<const int64_t*>(duckdb_vector_get_data(vector)), duckdb_vector_get_validity(vector)};
}

using List = std::vector<std::optional<std::string>>;

void write_lists(duckdb_vector output, const std::vector<std::optional<List>>& rows) {
  idx_t total = 0;
  for (const auto& row : rows) total += row ? row->size() : 0;
  duckdb_list_vector_reserve(output, total);
  duckdb_list_vector_set_size(output, total);
  duckdb_vector child = duckdb_list_vector_get_child(output);
  duckdb_vector_ensure_validity_writable(child);
  uint64_t* child_validity = duckdb_vector_get_validity(child);
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* validity = duckdb_vector_get_validity(output);
  auto* entries = static_cast<duckdb_list_entry*>(duckdb_vector_get_data(output));
  idx_t offset = 0;
  for (idx_t row = 0; row < rows.size(); ++row) {
    if (!rows[row]) {
      duckdb_validity_set_row_invalid(validity, row);
      entries[row] = {offset, 0};
      continue;
    }
    entries[row] = {offset, rows[row]->size()};
    for (const auto& element : *rows[row]) {
      if (element) {
        set_string(child, offset, *element);
      } else {
        duckdb_validity_set_row_invalid(child_validity, offset);
      }
      ++offset;
    }
  }
}

// Runs `body(row, compiled, text)` for each row whose first two arguments are not NULL (else the result is
// NULL); `body` returns false after setting an error.
template <class Body>
void each_row(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output, const char* function,
              Body body) {
  const idx_t rows = duckdb_data_chunk_get_size(input);
  const StringColumn text = strings(input, 0);
  const StringColumn pattern = strings(input, 1);
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_validity = duckdb_vector_get_validity(output);
  PatternCache cache(function);
  for (idx_t row = 0; row < rows; ++row) {
    if (!text.valid(row) || !pattern.valid(row)) {
      duckdb_validity_set_row_invalid(out_validity, row);
      continue;
    }
    const Compiled& compiled = cache.get(pattern.at(row));
    std::string error = compiled.refusal;
    if (error.empty()) error = check_input(compiled, text.at(row), function);
    if (error.empty() && !body(row, compiled, text.at(row), error)) {
      duckdb_validity_set_row_invalid(out_validity, row);
      continue;
    }
    if (!error.empty()) {
      duckdb_scalar_function_set_error(info, error.c_str());
      return;
    }
  }
}

// Trino's group check (JoniRegexpFunctions.validateGroup).
std::string check_group(const Compiled& compiled, int64_t group) {
  if (group < 0) return "Group cannot be negative";
  if (group > compiled.groups) {
    return "Pattern has " + std::to_string(compiled.groups) + " groups. Cannot access group " + std::to_string(group);
  }
  return {};
}

void regexp_like(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* out = static_cast<bool*>(duckdb_vector_get_data(output));
  each_row(info, input, output, "regexp_like",
           [&](idx_t row, const Compiled& compiled, std::string_view text, std::string&) {
             out[row] = compiled.re->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                                           re2::RE2::UNANCHORED, nullptr, 0);
             return true;
           });
}

void regexp_count(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* out = static_cast<int64_t*>(duckdb_vector_get_data(output));
  each_row(info, input, output, "regexp_count",
           [&](idx_t row, const Compiled& compiled, std::string_view text, std::string& /*error*/) {
             int64_t count = 0;
             for_each_match(compiled, text, 0, [&](const Match&) { return ++count, true; });
             out[row] = count;
             return true;
           });
}

void regexp_extract(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const IntegerColumn group = integers(input, 2);
  each_row(info, input, output, "regexp_extract",
           [&](idx_t row, const Compiled& compiled, std::string_view text, std::string& error) {
             if (!group.valid(row)) return false;
             error = check_group(compiled, group.data[row]);
             if (!error.empty()) return true;
             std::optional<std::string_view> found;
             for_each_match(compiled, text, 0, [&](const Match& match) {
               if (const auto& span = match.groups[static_cast<std::size_t>(group.data[row])]) {
                 found = text.substr(span->first, span->second - span->first);
               }
               return false;
             });
             if (!found) return false;
             set_string(output, row, *found);
             return true;
           });
}

void regexp_extract_all(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const IntegerColumn group = integers(input, 2);
  std::vector<std::optional<List>> lists(duckdb_data_chunk_get_size(input));
  each_row(info, input, output, "regexp_extract_all",
           [&](idx_t row, const Compiled& compiled, std::string_view text, std::string& error) {
             if (!group.valid(row)) return false;
             error = check_group(compiled, group.data[row]);
             if (!error.empty()) return true;
             List list;
             for_each_match(compiled, text, 0, [&](const Match& match) {
               const auto& span = match.groups[static_cast<std::size_t>(group.data[row])];
               list.push_back(span ? std::optional<std::string>(text.substr(span->first, span->second - span->first))
                                   : std::nullopt);
               return true;
             });
             lists[row] = std::move(list);
             return true;
           });
  write_lists(output, lists);
}

void regexp_split(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  std::vector<std::optional<List>> lists(duckdb_data_chunk_get_size(input));
  each_row(info, input, output, "regexp_split",
           [&](idx_t row, const Compiled& compiled, std::string_view text, std::string& /*error*/) {
             List list;
             std::size_t last_end = 0;
             for_each_match(compiled, text, 0, [&](const Match& match) {
               list.emplace_back(std::string(text.substr(last_end, match.begin - last_end)));
               last_end = match.end;
               return true;
             });
             list.emplace_back(std::string(text.substr(last_end)));
             lists[row] = std::move(list);
             return true;
           });
  write_lists(output, lists);
}

// The number of code points in text[0, bytes) and the byte offset of code point `index` (npos past the end).
std::size_t code_points(std::string_view text, std::size_t bytes) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < bytes && i < text.size(); ++i)
    count += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return count;
}
std::size_t offset_of_code_point(std::string_view text, std::size_t index) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (seen == index) return i;
      ++seen;
    }
  }
  return seen == index ? text.size() : std::string_view::npos;
}

void regexp_position(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const IntegerColumn start = integers(input, 2);
  const IntegerColumn occurrence = integers(input, 3);
  auto* out = static_cast<int32_t*>(duckdb_vector_get_data(output));
  each_row(info, input, output, "regexp_position",
           [&](idx_t row, const Compiled& compiled, std::string_view text, std::string& error) {
             if (!start.valid(row) || !occurrence.valid(row)) return false;
             if (start.data[row] < 1) {
               error = "start position cannot be smaller than 1";
               return true;
             }
             if (occurrence.data[row] < 1) {
               error = "occurrence cannot be smaller than 1";
               return true;
             }
             out[row] = -1;
             if (static_cast<std::size_t>(start.data[row]) > code_points(text, text.size())) return true;
             const std::size_t from = offset_of_code_point(text, static_cast<std::size_t>(start.data[row] - 1));
             int64_t seen = 0;
             for_each_match(compiled, text, from, [&](const Match& match) {
               if (++seen < occurrence.data[row]) return true;
               out[row] = static_cast<int32_t>(code_points(text, match.begin) + 1);
               return false;
             });
             return true;
           });
}

// Trino's appendReplacement (JoniRegexpReplace): ${name}; $g with the longest group number that exists;
// a backslash takes the next byte literally; any other byte is itself.
std::string append_replacement(std::string& out, std::string_view text, const Match& match,
                               std::string_view replacement, const Compiled& compiled) {
  const auto illegal = [&] { return "Illegal replacement sequence: " + std::string(replacement); };
  for (std::size_t i = 0; i < replacement.size();) {
    const char c = replacement[i];
    if (c == '$') {
      ++i;
      if (i == replacement.size()) return illegal();
      std::size_t group = 0;
      if (replacement[i] == '{') {
        const std::size_t close = replacement.find('}', i + 1);
        const std::string name(
            replacement.substr(i + 1, (close == std::string_view::npos ? replacement.size() : close) - i - 1));
        const auto& names = compiled.re->NamedCapturingGroups();
        const auto found = names.find(name);
        if (found == names.end()) return "Illegal replacement sequence: unknown group { " + name + " }";
        group = static_cast<std::size_t>(found->second);
        i = close == std::string_view::npos ? replacement.size() : close + 1;
      } else {
        if (!is_digit(replacement[i])) return illegal();
        group = static_cast<std::size_t>(replacement[i] - '0');
        if (group > static_cast<std::size_t>(compiled.groups)) {
          return "Illegal replacement sequence: unknown group " + std::to_string(group);
        }
        ++i;
        while (i < replacement.size() && is_digit(replacement[i])) {
          const std::size_t longer = group * 10 + static_cast<std::size_t>(replacement[i] - '0');
          if (longer > static_cast<std::size_t>(compiled.groups)) break;
          group = longer;
          ++i;
        }
      }
      if (const auto& span = match.groups[group]) out.append(text.substr(span->first, span->second - span->first));
      continue;
    }
    if (c == '\\') {
      ++i;
      if (i == replacement.size()) return illegal();
    }
    out += replacement[i];
    ++i;
  }
  return {};
}

void regexp_replace(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const StringColumn replacement = strings(input, 2);
  each_row(info, input, output, "regexp_replace",
           [&](idx_t row, const Compiled& compiled, std::string_view text, std::string& error) {
             if (!replacement.valid(row)) return false;
             std::string out;
             std::size_t last_end = 0;
             std::string illegal;
             for_each_match(compiled, text, 0, [&](const Match& match) {
               out.append(text.substr(last_end, match.begin - last_end));
               last_end = match.end;
               illegal = append_replacement(out, text, match, replacement.at(row), compiled);
               return illegal.empty();
             });
             error = illegal;
             if (!error.empty()) return true;
             out.append(text.substr(last_end));
             set_string(output, row, out);
             return true;
           });
}

}  // namespace

void add_regex_functions(std::vector<Scalar>& out) {
  constexpr auto kText = DUCKDB_TYPE_VARCHAR;
  constexpr auto kBig = DUCKDB_TYPE_BIGINT;
  out.push_back({"ar_regexp_like", {kText, kText}, DUCKDB_TYPE_BOOLEAN, &regexp_like});
  out.push_back({"ar_regexp_count", {kText, kText}, kBig, &regexp_count});
  out.push_back({"ar_regexp_extract", {kText, kText, kBig}, kText, &regexp_extract});
  out.push_back({"ar_regexp_extract_all", {kText, kText, kBig}, kText, &regexp_extract_all, false, true});
  out.push_back({"ar_regexp_split", {kText, kText}, kText, &regexp_split, false, true});
  out.push_back({"ar_regexp_position", {kText, kText, kBig, kBig}, DUCKDB_TYPE_INTEGER, &regexp_position});
  out.push_back({"ar_regexp_replace", {kText, kText, kText}, kText, &regexp_replace});
}

}  // namespace athena_runner::engine::udf
