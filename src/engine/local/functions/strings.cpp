// Trino's string functions where DuckDB's namesakes differ (docs: functions/string, functions/url):
// everything counts Unicode code points (DuckDB's reverse works on grapheme clusters), with Trino's errors.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rows.hpp"

namespace athena_runner::engine::udf {
namespace {

std::string text_of(const std::vector<uint32_t>& points) {
  std::string out;
  for (uint32_t cp : points) append_code_point(out, cp);
  return out;
}
int64_t count_code_points(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::optional<std::string> reverse_body(const Row& r) {
  auto points = code_points(r.text(0));
  std::reverse(points.begin(), points.end());
  return text_of(points);
}

// replace(string, search, replace): an empty search puts `replace` before every code point and at the end.
std::optional<std::string> replace_body(const Row& r) {
  const std::string_view s = r.text(0);
  const std::string_view search = r.text(1);
  const std::string_view with = r.text(2);
  std::string out;
  if (search.empty()) {
    out += with;
    for (uint32_t cp : code_points(s)) {
      append_code_point(out, cp);
      out += with;
    }
    return out;
  }
  std::size_t index = 0;
  while (true) {
    const std::size_t match = s.find(search, index);
    if (match == std::string_view::npos) break;
    out += s.substr(index, match - index);
    out += with;
    index = match + search.size();
  }
  out += s.substr(index);
  return out;
}

std::optional<int64_t> hamming_body(const Row& r) {
  const auto left = code_points(r.text(0));
  const auto right = code_points(r.text(1));
  if (left.size() != right.size()) {
    throw Failure{"The input strings to hamming_distance function must have the same length"};
  }
  int64_t distance = 0;
  for (std::size_t i = 0; i < left.size(); ++i) distance += left[i] != right[i];
  return distance;
}

std::optional<int64_t> levenshtein_body(const Row& r) {
  auto left = code_points(r.text(0));
  auto right = code_points(r.text(1));
  if (left.size() < right.size()) std::swap(left, right);
  if (right.empty()) return static_cast<int64_t>(left.size());
  if (static_cast<int64_t>(left.size()) * static_cast<int64_t>(right.size() - 1) > 1'000'000) {
    throw Failure{"The combined inputs for Levenshtein distance are too large"};
  }
  std::vector<int64_t> previous(right.size() + 1);
  std::vector<int64_t> current(right.size() + 1);
  for (std::size_t j = 0; j <= right.size(); ++j) previous[j] = static_cast<int64_t>(j);
  for (std::size_t i = 1; i <= left.size(); ++i) {
    current[0] = static_cast<int64_t>(i);
    for (std::size_t j = 1; j <= right.size(); ++j) {
      const int64_t substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[right.size()];
}

// translate(source, from, to): the first occurrence in `from` wins; past the end of `to` deletes.
std::optional<std::string> translate_body(const Row& r) {
  const auto from = code_points(r.text(1));
  const auto to = code_points(r.text(2));
  std::unordered_map<uint32_t, int64_t> map;
  for (std::size_t i = 0; i < from.size(); ++i) {
    map.emplace(from[i], i < to.size() ? static_cast<int64_t>(to[i]) : -1);
  }
  std::string out;
  for (uint32_t cp : code_points(r.text(0))) {
    auto found = map.find(cp);
    if (found == map.end()) {
      append_code_point(out, cp);
    } else if (found->second >= 0) {
      append_code_point(out, static_cast<uint32_t>(found->second));
    }
  }
  return out;
}

// Apache commons-codec's Soundex.US_ENGLISH, which Trino calls: letters only, upper-cased; H and W are
// skipped without separating equal codes; vowels separate them; padded with '0' to four characters.
std::optional<std::string> soundex_body(const Row& r) {
  static constexpr std::string_view kMapping = "01230120022455012623010202";
  std::string letters;
  for (char c : r.text(0)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) throw Failure{"soundex of non-ASCII text is not supported by the local engine"};
    if (std::isalpha(u)) letters += static_cast<char>(std::toupper(u));
  }
  if (letters.empty()) return letters;
  std::string out(4, '0');
  out[0] = letters[0];
  std::size_t count = 1;
  char last = kMapping[static_cast<std::size_t>(letters[0] - 'A')];
  for (std::size_t i = 1; i < letters.size() && count < out.size(); ++i) {
    const char c = letters[i];
    if (c == 'H' || c == 'W') continue;
    const char digit = kMapping[static_cast<std::size_t>(c - 'A')];
    if (digit != '0' && digit != last) out[count++] = digit;
    last = digit;
  }
  return out;
}

std::optional<bool> luhn_body(const Row& r) {
  const std::string_view s = r.text(0);
  if (s.empty()) return false;
  int sum = 0;
  bool second = false;
  for (std::size_t i = s.size(); i-- > 0;) {
    if (s[i] < '0' || s[i] > '9') throw Failure{"Input contains non-digit character"};
    int n = s[i] - '0';
    if (second) n *= 2;
    if (n > 9) n -= 9;
    sum += n;
    second = !second;
  }
  return sum % 10 == 0;
}

// strpos(string, substring, instance): the instance-th match from the start, or from the end when negative.
std::optional<int64_t> strpos_instance_body(const Row& r) {
  const std::string_view s = r.text(0);
  const std::string_view sub = r.text(1);
  const auto instance = r.value<int64_t>(2);
  if (instance == 0) throw Failure{"'instance' must be a positive or negative number."};
  if (sub.empty()) return 1;
  int64_t found = 0;
  if (instance > 0) {
    std::size_t index = 0;
    while ((index = s.find(sub, index)) != std::string_view::npos) {
      if (++found == instance) return count_code_points(s.substr(0, index)) + 1;
      ++index;
    }
    return 0;
  }
  std::size_t end = s.size();
  while (true) {
    if (end == 0) return 0;
    const std::size_t index = s.rfind(sub, end - 1);
    if (index == std::string_view::npos) return 0;
    if (++found == -instance) return count_code_points(s.substr(0, index)) + 1;
    end = index;
  }
}

// split(string, delimiter, limit): at most `limit` parts, the last one the rest of the string.
std::optional<TextList> split_limit_body(const Row& r) {
  const std::string_view s = r.text(0);
  const std::string_view delimiter = r.text(1);
  const auto limit = r.value<int64_t>(2);
  if (limit <= 0) throw Failure{"Limit must be positive"};
  if (limit > INT32_MAX) throw Failure{"Limit is too large"};
  if (delimiter.empty()) throw Failure{"The delimiter may not be the empty string"};
  TextList parts;
  std::size_t index = 0;
  while (limit > 1 && index < s.size()) {
    const std::size_t split = s.find(delimiter, index);
    if (split == std::string_view::npos) break;
    parts.emplace_back(std::string(s.substr(index, split - index)));
    index = split + delimiter.size();
    if (static_cast<int64_t>(parts.size()) == limit - 1) break;
  }
  parts.emplace_back(std::string(s.substr(std::min(index, s.size()))));
  return parts;
}

// from_utf8: airlift's fixInvalidUtf8 (what Trino calls): each invalid sequence, as far as its lead byte
// promised and its bytes were continuation bytes, becomes one replacement (or nothing).
std::string fix_utf8(std::string_view in, std::optional<uint32_t> replacement) {
  std::string out;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  auto continuation = [&](std::size_t k) { return k < in.size() && (byte(k) & 0xC0) == 0x80; };
  while (i < in.size()) {
    const unsigned char c = byte(i);
    const int length = c < 0x80   ? 1
                       : c < 0xC0 ? -1
                       : c < 0xE0 ? 2
                       : c < 0xF0 ? 3
                       : c < 0xF8 ? 4
                       : c < 0xFC ? 5
                       : c < 0xFE ? 6
                                  : -1;
    std::size_t invalid = 0;  // the bytes of an invalid sequence, 0 when valid
    if (length == 1) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (length < 0) {
      invalid = 1;
    } else {
      int have = 1;
      while (have < length && continuation(i + static_cast<std::size_t>(have))) ++have;
      if (have < length) {
        invalid = static_cast<std::size_t>(std::max(have, 1));
      } else if (length > 4) {
        invalid = static_cast<std::size_t>(length);
      } else {
        uint32_t cp = length == 2 ? c & 0x1FU : length == 3 ? c & 0x0FU : c & 0x07U;
        for (int k = 1; k < length; ++k) cp = (cp << 6) | (byte(i + static_cast<std::size_t>(k)) & 0x3FU);
        const bool overlong =
            (length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
        if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
          invalid = static_cast<std::size_t>(length);
        } else {
          out += in.substr(i, static_cast<std::size_t>(length));
          i += static_cast<std::size_t>(length);
          continue;
        }
      }
    }
    if (replacement) append_code_point(out, *replacement);
    i += invalid;
  }
  return out;
}

std::optional<std::string> from_utf8_body(const Row& r) { return fix_utf8(r.text(0), 0xFFFD); }
std::optional<std::string> from_utf8_text_body(const Row& r) {
  const auto replacement = code_points(r.text(1));
  if (replacement.size() > 1) throw Failure{"Replacement character string must empty or a single character"};
  return fix_utf8(r.text(0), replacement.empty() ? std::nullopt : std::optional<uint32_t>(replacement[0]));
}
std::optional<std::string> from_utf8_code_body(const Row& r) {
  const auto code = r.value<int64_t>(1);
  if (code < 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) throw Failure{"Invalid replacement character"};
  return fix_utf8(r.text(0), static_cast<uint32_t>(code));
}

// url_encode: application/x-www-form-urlencoded (Guava's urlFormParameterEscaper): letters, digits and
// "-_.*" stay, space is '+', every other byte of the UTF-8 text is %XX.
std::optional<std::string> url_encode_body(const Row& r) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : r.text(0)) {
    const auto u = static_cast<unsigned char>(c);
    if ((std::isalnum(u) != 0 && u < 0x80) || c == '-' || c == '_' || c == '.' || c == '*') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

// java.net.URLDecoder.decode(value, UTF_8) (`form`: '+' is a space) and URI.decode (the URI was checked):
// %XX sequences are bytes of UTF-8 text.
std::string percent_decode(std::string_view s, bool form) {
  std::string bytes;
  std::string out;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '%') {
      bytes.clear();
      while (i + 2 < s.size() && s[i] == '%') {
        const int hi = hex(s[i + 1]);
        const int lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) throw Failure{"URLDecoder: Illegal hex characters in escape (%) pattern"};
        bytes += static_cast<char>(hi * 16 + lo);
        i += 3;
      }
      if (i < s.size() && s[i] == '%') throw Failure{"URLDecoder: Incomplete trailing escape (%) pattern"};
      out += fix_utf8(bytes, 0xFFFD);
      continue;
    }
    out += form && s[i] == '+' ? ' ' : s[i];
    ++i;
  }
  return out;
}

std::optional<std::string> url_decode_body(const Row& r) { return percent_decode(r.text(0), true); }

// ---- java.net.URI (RFC 2396 with Java's deviations), as Trino's url_extract_* parse ----

struct UriError {};

// ASCII character classes of RFC 2396 (java.net.URI's masks); `escaped` also admits %XX and visible
// non-ASCII characters, as URI's scanner does.
struct CharClass {
  std::string_view extra;  // punctuation in the class
  bool alphanum = true;
  bool escaped = true;
};
constexpr CharClass kUric{"-_.!~*'();/?:@&=+$,[]"};
constexpr CharClass kPath{"-_.!~*'():@&=+$,;/"};
constexpr CharClass kUserinfo{"-_.!~*'();:&=+$,"};
constexpr CharClass kRegName{"-_.!~*'()$,;:@&=+"};
// Java checks an authority's server characters with '%' allowed bare (its L_SERVER_PERCENT).
constexpr CharClass kServer{"-_.!~*'();:&=+$,.:@[]%"};

class UriParser {
 public:
  explicit UriParser(std::string_view s) : s_(s) {}

  std::optional<std::string> scheme, host, path, query, fragment;
  int port = -1;

  void parse() {
    const std::size_t n = s_.size();
    std::size_t p = 0;
    while (p < n && std::string_view("/?#:").find(s_[p]) == std::string_view::npos) ++p;
    if (p < n && s_[p] == ':') {
      if (p == 0 || !std::isalpha(static_cast<unsigned char>(s_[0]))) throw UriError{};
      for (std::size_t i = 1; i < p; ++i) {
        const auto c = static_cast<unsigned char>(s_[i]);
        if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') throw UriError{};
      }
      scheme = std::string(s_.substr(0, p));
      ++p;
      if (p < n && s_[p] == '/') {
        p = hierarchical(p);
      } else {
        const std::size_t q = find_any(p, "#");
        if (q <= p) throw UriError{};
        check(p, q, kUric);
        p = q;
      }
    } else {
      p = hierarchical(0);
    }
    if (p < n && s_[p] == '#') {
      check(p + 1, n, kUric);
      fragment = std::string(s_.substr(p + 1));
      p = n;
    }
    if (p < n) throw UriError{};
  }

 private:
  std::size_t find_any(std::size_t p, std::string_view stops, std::size_t end = std::string_view::npos) const {
    end = std::min(end, s_.size());
    while (p < end && stops.find(s_[p]) == std::string_view::npos) ++p;
    return p;
  }
  static bool hex_digit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
  // The end of the run of characters of `cls` from p (at most `end`).
  std::size_t scan(std::size_t p, std::size_t end, const CharClass& cls) const {
    while (p < end) {
      const auto c = static_cast<unsigned char>(s_[p]);
      if (c < 0x80) {
        if ((cls.alphanum && std::isalnum(c)) ||
            (c != 0 && cls.extra.find(static_cast<char>(c)) != std::string_view::npos)) {
          ++p;
        } else if (cls.escaped && c == '%') {
          // URI's scanEscape: a '%' must start an escape pair.
          if (p + 3 > end || !hex_digit(s_[p + 1]) || !hex_digit(s_[p + 2])) throw UriError{};
          p += 3;
        } else {
          break;
        }
      } else {
        if (!cls.escaped || !visible_non_ascii(p)) break;
        p += sequence_length(c);
      }
    }
    return p;
  }
  void check(std::size_t p, std::size_t end, const CharClass& cls) const {
    if (scan(p, end, cls) < end) throw UriError{};
  }
  static std::size_t sequence_length(unsigned char c) { return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2; }
  // Character.isSpaceChar and isISOControl are false (what URI's scanner allows unescaped).
  bool visible_non_ascii(std::size_t p) const {
    const auto c = static_cast<unsigned char>(s_[p]);
    uint32_t cp = c >= 0xF0 ? c & 0x07U : c >= 0xE0 ? c & 0x0FU : c & 0x1FU;
    for (std::size_t k = 1; k < sequence_length(c) && p + k < s_.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s_[p + k]) & 0x3FU);
    }
    if (cp <= 0x80 || (cp >= 0x80 && cp <= 0x9F)) return false;
    const bool space = cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
                       cp == 0x202F || cp == 0x205F || cp == 0x3000;
    return !space;
  }

  std::size_t hierarchical(std::size_t p) {
    const std::size_t n = s_.size();
    if (p + 1 < n && s_[p] == '/' && s_[p + 1] == '/') {
      p += 2;
      const std::size_t q = find_any(p, "/?#");
      if (q > p) {
        p = authority(p, q);
      } else if (q >= n) {
        throw UriError{};  // "//" and nothing else: an authority is expected
      }
    }
    const std::size_t q = find_any(p, "?#");
    check(p, q, kPath);
    path = std::string(s_.substr(p, q - p));
    p = q;
    if (p < n && s_[p] == '?') {
      ++p;
      const std::size_t end = find_any(p, "#");
      check(p, end, kUric);
      query = std::string(s_.substr(p, end - p));
      p = end;
    }
    return p;
  }

  // A server authority ([userinfo@]host[:port]) when it parses as one, else a registry name (no host).
  std::size_t authority(std::size_t p, std::size_t n) {
    const bool server_chars = scan(p, n, kServer) == n;
    const bool registry_chars = scan(p, n, kRegName) == n;
    if (registry_chars && !server_chars) return n;
    if (server_chars) {
      try {
        server(p, n);
        return n;
      } catch (const UriError&) {
        host.reset();
        port = -1;
      }
    }
    if (registry_chars) return n;
    throw UriError{};
  }

  void server(std::size_t p, std::size_t n) {
    const std::size_t at = find_any(p, "@", n);
    if (at < n) {
      check(p, at, kUserinfo);
      p = at + 1;
    }
    if (p < n && s_[p] == '[') {
      const std::size_t close = s_.find(']', p);
      if (close == std::string_view::npos || close >= n) throw UriError{};
      const std::string_view inside = s_.substr(p + 1, close - p - 1);
      if (inside.find(':') == std::string_view::npos ||
          inside.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
        throw UriError{};
      }
      host = std::string(s_.substr(p, close + 1 - p));
      p = close + 1;
    } else {
      std::size_t q = ipv4(p, n);
      if (q <= p) q = hostname(p, n);
      p = q;
    }
    if (p < n && s_[p] == ':') {
      ++p;
      std::size_t q = p;
      while (q < n && std::isdigit(static_cast<unsigned char>(s_[q]))) ++q;
      if (q > p) {
        if (q - p > 10) throw UriError{};
        const long long value = std::stoll(std::string(s_.substr(p, q - p)));
        if (value > INT32_MAX) throw UriError{};
        port = static_cast<int>(value);
      }
      p = q;
    }
    if (p < n) throw UriError{};
  }

  // URI's scanIPv4Address: four dotted decimal bytes (each at most 255), then the end or ':'; else start.
  std::size_t ipv4(std::size_t start, std::size_t n) {
    std::size_t m = start;
    while (m < n && (std::isdigit(static_cast<unsigned char>(s_[m])) || s_[m] == '.')) ++m;
    std::size_t p = start;
    for (int octet = 0; octet < 4; ++octet) {
      if (octet > 0) {
        if (p >= m || s_[p] != '.') return start;
        ++p;
      }
      std::size_t q = p;
      while (q < m && std::isdigit(static_cast<unsigned char>(s_[q]))) ++q;
      if (q == p || q - p > 9 || std::stoi(std::string(s_.substr(p, q - p))) > 255) return start;
      p = q;
    }
    if (p < m || (p < n && s_[p] != ':')) return start;
    host = std::string(s_.substr(start, p - start));
    return p;
  }

  std::size_t hostname(std::size_t start, std::size_t n) {
    std::size_t p = start;
    std::optional<std::size_t> last_label;
    auto alnum = [&](std::size_t i) { return i < n && std::isalnum(static_cast<unsigned char>(s_[i])) != 0; };
    while (p < n) {
      if (!alnum(p)) break;
      last_label = p;
      while (alnum(p) || (p < n && s_[p] == '-')) ++p;
      if (s_[p - 1] == '-') throw UriError{};
      if (p < n && s_[p] == '.') {
        ++p;
      } else {
        break;
      }
    }
    if (p < n && s_[p] != ':') throw UriError{};
    if (!last_label) throw UriError{};
    if (*last_label > start && !std::isalpha(static_cast<unsigned char>(s_[*last_label]))) throw UriError{};
    host = std::string(s_.substr(start, p - start));
    return p;
  }

  std::string_view s_;
};

std::optional<UriParser> parse_uri(std::string_view text) {
  UriParser parser(text);
  try {
    parser.parse();
  } catch (const UriError&) {
    return std::nullopt;
  }
  return parser;
}

// Trino writes a missing component as '' (nullToEmpty); an unparsable URL is NULL.
std::optional<std::string> component(const std::optional<std::string>& part, bool decode) {
  if (!part) return std::string();
  return decode ? percent_decode(*part, false) : *part;
}
template <std::optional<std::string> UriParser::*part, bool decode>
std::optional<std::string> url_part_body(const Row& r) {
  auto uri = parse_uri(r.text(0));
  return uri ? component((*uri).*part, decode) : std::nullopt;
}
std::optional<int64_t> url_port_body(const Row& r) {
  auto uri = parse_uri(r.text(0));
  if (!uri || uri->port < 0) return std::nullopt;
  return uri->port;
}
// The first `name=value` of the raw query whose name is `name`, its value form-decoded ('' without '=').
std::optional<std::string> url_parameter_body(const Row& r) {
  auto uri = parse_uri(r.text(0));
  if (!uri || !uri->query) return std::nullopt;
  const std::string_view name = r.text(1);
  std::string_view rest = *uri->query;
  while (true) {
    const std::size_t amp = rest.find('&');
    const std::string_view argument = rest.substr(0, amp);
    const std::size_t eq = argument.find('=');
    if (argument.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string() : percent_decode(argument.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(amp + 1);
  }
}

// ---- format(): java.util.Formatter's %s, %d and %f (the registry writes the rest of the format) ----

// %f of a double: Java rounds the shortest decimal digits of the value half up to the precision, and keeps
// the value's sign (-0.001 is "-0.0").
std::optional<std::string> java_fixed_body(const Row& r) {
  const double value = r.value<double>(0);
  const auto precision = r.value<int64_t>(1);
  if (std::isnan(value)) return std::string("NaN");
  if (std::isinf(value)) return std::string(value > 0 ? "Infinity" : "-Infinity");
  char buffer[64];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(value), std::chars_format::scientific).ptr;
  auto text = rescale(std::string_view(buffer, static_cast<std::size_t>(end - buffer)), INT64_MAX, precision);
  if (!text) throw Failure{"format: bad double"};
  return (std::signbit(value) ? "-" : "") + *text;
}
// %f of a decimal: BigDecimal.setScale(precision, HALF_UP).
std::optional<std::string> java_fixed_decimal_body(const Row& r) {
  auto text = rescale(r.text(0), INT64_MAX, r.value<int64_t>(1));
  if (!text) throw Failure{"format: bad decimal"};
  return text;
}

// A number's text (-123.45, NaN, Infinity) with Formatter's flags: ',' groups the integer digits by three,
// '+' / ' ' sign a non-negative value, '(' encloses a negative one, '0' pads with zeros after the sign,
// else spaces pad to `width` (on the right with '-').
std::optional<std::string> java_number_body(const Row& r) {
  std::string_view text = r.text(0);
  const std::string_view flags = r.text(1);
  const auto width = r.value<int64_t>(2);
  auto has = [&](char flag) { return flags.find(flag) != std::string_view::npos; };
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  const bool numeric = !text.empty() && std::isdigit(static_cast<unsigned char>(text[0]));
  std::string body(text);
  if (numeric && has(',')) {
    const std::size_t dot = std::min(body.find('.'), body.size());
    for (std::size_t k = dot; k > 3; k -= 3) body.insert(k - 3, ",");
  }
  std::string prefix;
  std::string suffix;
  if (negative) {
    if (has('(')) {
      prefix = "(";
      suffix = ")";
    } else {
      prefix = "-";
    }
  } else if (has('+')) {
    prefix = "+";
  } else if (has(' ')) {
    prefix = " ";
  }
  std::string out = prefix + body + suffix;
  const auto length = static_cast<int64_t>(code_points(out).size());
  if (length < width) {
    const auto fill = static_cast<std::size_t>(width - length);
    if (numeric && has('0'))
      out.insert(prefix.size(), fill, '0');
    else if (has('-'))
      out.append(fill, ' ');
    else
      out.insert(0, fill, ' ');
  }
  return out;
}

// %s: at most `precision` characters (when not negative), padded with spaces to `width`.
std::optional<std::string> java_pad_body(const Row& r) {
  auto points = code_points(r.text(0));
  const std::string_view flags = r.text(1);
  const auto width = r.value<int64_t>(2);
  const auto precision = r.value<int64_t>(3);
  if (precision >= 0 && static_cast<int64_t>(points.size()) > precision)
    points.resize(static_cast<std::size_t>(precision));
  std::string out = text_of(points);
  if (static_cast<int64_t>(points.size()) < width) {
    const auto fill = static_cast<std::size_t>(width - static_cast<int64_t>(points.size()));
    if (flags.find('-') != std::string_view::npos)
      out.append(fill, ' ');
    else
      out.insert(0, fill, ' ');
  }
  return out;
}

// format_number (Trino's FormatNumberFunction): divided by 1000 up to five times (K, M, B, T, Q), then
// DecimalFormat "#.##" below 10, "#.#" below 100, else "#", rounding the double's exact value half up.
std::string format_number(int64_t count) {
  auto fractional = static_cast<double>(count);
  std::string unit;
  for (const char* symbol : {"K", "M", "B", "T", "Q"}) {
    if (fractional >= 1000 || fractional <= -1000) {
      fractional /= 1000;
      unit = symbol;
    }
  }
  const int64_t digits = fractional < 10 ? 2 : fractional < 100 ? 1 : 0;
  char exact[128];  // glibc prints a double's exact decimal expansion
  std::snprintf(exact, sizeof exact, "%.60f", fractional);
  std::string text = rescale(exact, INT64_MAX, digits).value_or("0");
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text + unit;
}
std::optional<std::string> format_number_body(const Row& r) { return format_number(r.value<int64_t>(0)); }
// A double is first cast to long as Java does: towards zero, NaN as 0, saturating.
std::optional<std::string> format_number_double_body(const Row& r) {
  const double value = r.value<double>(0);
  int64_t count = 0;
  if (std::isnan(value))
    count = 0;
  else if (value >= 9223372036854775807.0)
    count = INT64_MAX;
  else if (value <= -9223372036854775808.0)
    count = INT64_MIN;
  else
    count = static_cast<int64_t>(value);
  return format_number(count);
}

}  // namespace

void add_string_functions(std::vector<Scalar>& out) {
  constexpr auto V = DUCKDB_TYPE_VARCHAR;
  constexpr auto B = DUCKDB_TYPE_BIGINT;
  out.push_back({"ar_reverse", {V}, V, &text_function<reverse_body>});
  out.push_back({"ar_replace_all", {V, V, V}, V, &text_function<replace_body>});
  out.push_back({"ar_hamming_distance", {V, V}, B, &value_function<int64_t, hamming_body>});
  out.push_back({"ar_levenshtein_distance", {V, V}, B, &value_function<int64_t, levenshtein_body>});
  out.push_back({"ar_translate", {V, V, V}, V, &text_function<translate_body>});
  out.push_back({"ar_soundex", {V}, V, &text_function<soundex_body>});
  out.push_back({"ar_luhn_check", {V}, DUCKDB_TYPE_BOOLEAN, &value_function<bool, luhn_body>});
  out.push_back({"ar_strpos", {V, V, B}, B, &value_function<int64_t, strpos_instance_body>});
  Scalar split{"ar_split_limit", {V, V, B}, V, &list_function<split_limit_body>};
  split.returns_list = true;
  out.push_back(std::move(split));
  out.push_back({"ar_from_utf8", {DUCKDB_TYPE_BLOB}, V, &text_function<from_utf8_body>});
  out.push_back({"ar_from_utf8", {DUCKDB_TYPE_BLOB, V}, V, &text_function<from_utf8_text_body>});
  out.push_back({"ar_from_utf8", {DUCKDB_TYPE_BLOB, B}, V, &text_function<from_utf8_code_body>});
  out.push_back({"ar_format_number", {B}, V, &text_function<format_number_body>});
  out.push_back({"ar_format_number", {DUCKDB_TYPE_DOUBLE}, V, &text_function<format_number_double_body>});
  out.push_back({"ar_java_fixed", {DUCKDB_TYPE_DOUBLE, B}, V, &text_function<java_fixed_body>});
  out.push_back({"ar_java_fixed", {V, B}, V, &text_function<java_fixed_decimal_body>});
  out.push_back({"ar_java_number", {V, V, B}, V, &text_function<java_number_body>});
  out.push_back({"ar_java_pad", {V, V, B, B}, V, &text_function<java_pad_body>});
  out.push_back({"ar_url_encode", {V}, V, &text_function<url_encode_body>});
  out.push_back({"ar_url_decode", {V}, V, &text_function<url_decode_body>});
  out.push_back({"ar_url_extract_protocol", {V}, V, &text_function<url_part_body<&UriParser::scheme, false>>});
  out.push_back({"ar_url_extract_host", {V}, V, &text_function<url_part_body<&UriParser::host, false>>});
  out.push_back({"ar_url_extract_path", {V}, V, &text_function<url_part_body<&UriParser::path, true>>});
  out.push_back({"ar_url_extract_query", {V}, V, &text_function<url_part_body<&UriParser::query, true>>});
  out.push_back({"ar_url_extract_fragment", {V}, V, &text_function<url_part_body<&UriParser::fragment, true>>});
  out.push_back({"ar_url_extract_port", {V}, B, &value_function<int64_t, url_port_body>});
  out.push_back({"ar_url_extract_parameter", {V, V}, V, &text_function<url_parameter_body>});
}

}  // namespace athena_runner::engine::udf
