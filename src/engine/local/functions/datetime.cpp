// Trino's Java date functions, which take JodaTime patterns (docs: functions/datetime, "Java date functions"),
// and its ISO 8601 parsers (Joda's ISODateTimeFormat.dateTimeParser / dateElementParser):
//   ar_format_datetime(TIMESTAMP | TIMESTAMPTZ, VARCHAR) -> VARCHAR
//   ar_parse_datetime(VARCHAR, VARCHAR) -> TIMESTAMPTZ
//   ar_from_iso8601_timestamp(VARCHAR) -> TIMESTAMPTZ, ar_from_iso8601_date(VARCHAR) -> DATE
// Every timestamp with time zone of the local engine is in UTC (the session zone): a text whose zone is
// another one fails by name instead of being shifted silently. Joda works in milliseconds and English.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "athena_runner/base/text.hpp"
#include "udf.hpp"

namespace athena_runner::engine::udf {
namespace {

constexpr int64_t kMicrosPerMilli = 1000;
constexpr int64_t kMillisPerSecond = 1000;
constexpr int64_t kMillisPerDay = 86400000;
constexpr int kFractionDigits = 9;            // Joda's appendFractionOfSecond(n, 9)
constexpr int64_t kJodaMinYear = -292275054;  // Joda's ISOChronology year range
constexpr int64_t kJodaMaxYear = 292278993;
constexpr int64_t kTimestampYears = 290000;  // within DuckDB's microsecond timestamps (294247 years)

constexpr std::array<std::string_view, 12> kMonths{"January",   "February", "March",    "April",
                                                   "May",       "June",     "July",     "August",
                                                   "September", "October",  "November", "December"};
constexpr std::array<std::string_view, 7> kWeekdays{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                    "Friday", "Saturday", "Sunday"};

// Days since 1970-01-01 of a proleptic Gregorian date and back (H. Hinnant's civil algorithms).
int64_t days_from_civil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}
struct Civil {
  int64_t year;
  int month;
  int day;
};
Civil civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}
bool leap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }
int days_in_month(int64_t year, int month) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0); }
int iso_weekday(int64_t days) { return static_cast<int>(((days + 3) % 7 + 7) % 7) + 1; }  // 1 = Monday
// The ISO week-based year and week of a day.
std::pair<int64_t, int> iso_week(int64_t days) {
  const int64_t thursday = days - iso_weekday(days) + 4;
  const int64_t year = civil_from_days(thursday).year;
  const int64_t week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
  return {year, static_cast<int>(week)};
}

// One element of a Joda pattern: a run of one pattern letter, or literal text.
struct Token {
  char letter = 0;  // 0: literal
  int count = 0;
  std::string literal;
  int max_digits = 0;       // parsing: the most digits read (0: Joda's default for the letter)
  bool pivot_2020 = false;  // 'yy' of MySQL's %y: two digits, 1970..2069
};

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Joda's DateTimeFormat.forPattern: letters repeat into one token, '...' quotes, '' is a quote. Letters
// Joda does not know fail as in Joda; known letters the local engine does not implement fail by name.
std::optional<std::string> tokenize(std::string_view pattern, std::vector<Token>& tokens) {
  static constexpr std::string_view kJoda = "GCYxweEyDMdaKhHkmsSzZ";
  static constexpr std::string_view kImplemented = "GYxweEyDMdaKhHkmsSzZ";
  tokens.clear();
  for (std::size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\'') {  // Joda reads an unterminated quote to the end of the pattern
      auto literal = text::pattern_literal(pattern, i);
      if (!literal.text.empty()) tokens.push_back({0, 0, std::move(literal.text), 0, false});
      i = literal.end;
      continue;
    }
    if (!is_ascii_letter(c)) {
      if (!tokens.empty() && tokens.back().letter == 0) {
        tokens.back().literal += c;
      } else {
        tokens.push_back({0, 0, std::string(1, c), 0, false});
      }
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < pattern.size() && pattern[j] == c) ++j;
    if (kJoda.find(c) == std::string_view::npos) return "Illegal pattern component: " + std::string(j - i, c);
    if (kImplemented.find(c) == std::string_view::npos) {
      return std::string("the Joda pattern letter '") + c + "' is not supported by the local engine";
    }
    if (c == 'S' && j - i > static_cast<std::size_t>(kFractionDigits)) {
      return "a fraction of second of more than 9 digits is not supported by the local engine";
    }
    tokens.push_back({c, static_cast<int>(j - i), {}, 0, false});
    i = j;
  }
  return std::nullopt;
}

// The MySQL specifiers that are one Joda field (letter, count, digits parsed); %y is a two-digit year.
struct MySqlSpecifier {
  char mysql;
  char letter;
  int count;
  int max_digits;
};
constexpr std::array kMySqlSpecifiers{
    MySqlSpecifier{'a', 'E', 3, 0}, MySqlSpecifier{'b', 'M', 3, 0}, MySqlSpecifier{'c', 'M', 1, 0},
    MySqlSpecifier{'d', 'd', 2, 0}, MySqlSpecifier{'e', 'd', 1, 0}, MySqlSpecifier{'f', 'S', 6, 0},
    MySqlSpecifier{'H', 'H', 2, 0}, MySqlSpecifier{'h', 'h', 2, 0}, MySqlSpecifier{'I', 'h', 2, 0},
    MySqlSpecifier{'i', 'm', 2, 0}, MySqlSpecifier{'j', 'D', 3, 0}, MySqlSpecifier{'k', 'H', 1, 0},
    MySqlSpecifier{'l', 'h', 1, 0}, MySqlSpecifier{'M', 'M', 4, 0}, MySqlSpecifier{'m', 'M', 2, 0},
    MySqlSpecifier{'p', 'a', 1, 0}, MySqlSpecifier{'S', 's', 2, 0}, MySqlSpecifier{'s', 's', 2, 0},
    MySqlSpecifier{'v', 'w', 2, 0}, MySqlSpecifier{'x', 'x', 4, 4}, MySqlSpecifier{'W', 'E', 4, 0},
    MySqlSpecifier{'Y', 'y', 4, 4}, MySqlSpecifier{'y', 'y', 2, 2},
};

// Trino's date_format/date_parse format (DateTimeFunctions.createDateTimeFormatter): each MySQL specifier
// is the Joda field it stands for; %x for any other x is the character x; a lone final '%' is nothing.
std::optional<std::string> tokenize_mysql(std::string_view format, std::vector<Token>& tokens) {
  tokens.clear();
  const auto literal = [&](std::string_view text) {
    if (!tokens.empty() && tokens.back().letter == 0) {
      tokens.back().literal += text;
    } else {
      tokens.push_back({0, 0, std::string(text), 0, false});
    }
  };
  const auto field = [&](char letter, int count) { tokens.push_back({letter, count, {}, 0, false}); };
  bool escaped = false;
  for (const char c : format) {
    if (!escaped) {
      if (c == '%') {
        escaped = true;
      } else {
        literal(std::string_view(&c, 1));
      }
      continue;
    }
    escaped = false;
    const auto* found = std::find_if(kMySqlSpecifiers.begin(), kMySqlSpecifiers.end(),
                                     [&](const MySqlSpecifier& specifier) { return specifier.mysql == c; });
    if (found != kMySqlSpecifiers.end()) {
      tokens.push_back({found->letter, found->count, {}, found->max_digits, found->mysql == 'y'});
      continue;
    }
    switch (c) {
      case 'r':  // hh:mm:ss a
      case 'T':  // HH:mm:ss
        field(c == 'r' ? 'h' : 'H', 2);
        literal(":");
        field('m', 2);
        literal(":");
        field('s', 2);
        if (c == 'r') {
          literal(" ");
          field('a', 1);
        }
        break;
      case 'D':
      case 'U':
      case 'u':
      case 'V':
      case 'w':
      case 'X': return "%" + std::string(1, c) + " not supported in date format string";
      default: literal(std::string_view(&c, 1)); break;
    }
  }
  return std::nullopt;
}

// Trino's Teradata formats (teradata-functions' DateFormat lexer): dd hh24 mi mm ss yyyy and the punctuation
// - / , . ; : and space; the specifiers are lower case. 'hh' and 'yy' are refused: the local engine does not
// reproduce their Joda fields.
std::optional<std::string> tokenize_teradata(std::string_view format, std::vector<Token>& tokens) {
  struct Specifier {
    std::string_view text;
    char letter;
    int count;
    int max_digits;
  };
  static constexpr std::array<Specifier, 6> kSpecifiers{Specifier{"yyyy", 'y', 4, 4}, Specifier{"hh24", 'H', 2, 0},
                                                        Specifier{"dd", 'd', 2, 0},   Specifier{"mi", 'm', 2, 0},
                                                        Specifier{"mm", 'M', 2, 0},   Specifier{"ss", 's', 2, 0}};
  tokens.clear();
  for (std::size_t i = 0; i < format.size();) {
    const std::string_view rest = format.substr(i);
    const auto* found = std::find_if(kSpecifiers.begin(), kSpecifiers.end(),
                                     [&](const Specifier& s) { return rest.substr(0, s.text.size()) == s.text; });
    if (found != kSpecifiers.end()) {
      tokens.push_back({found->letter, found->count, {}, found->max_digits, false});
      i += found->text.size();
      continue;
    }
    if (rest.substr(0, 2) == "hh" || rest.substr(0, 2) == "yy") {
      return "the Teradata format specifier '" + std::string(rest.substr(0, 2)) +
             "' is not supported by the local engine";
    }
    if (std::string_view("-/,.;: ").find(format[i]) == std::string_view::npos) {
      return "Failed to tokenize string [" + std::string(1, format[i]) + "] at offset [" + std::to_string(i) + "]";
    }
    tokens.push_back({0, 0, std::string(1, format[i]), 0, false});
    ++i;
  }
  return std::nullopt;
}

std::string padded(int64_t value, int digits) {
  std::string text = std::to_string(value < 0 ? -value : value);
  if (static_cast<int>(text.size()) < digits) text.insert(0, static_cast<std::size_t>(digits) - text.size(), '0');
  return value < 0 ? "-" + text : text;
}

// Joda's Fraction printer: nine digits of the millisecond fraction, trailing zeros cut down to `digits`.
std::string fraction_text(int64_t millis, int digits) {
  if (millis == 0) return std::string(static_cast<std::size_t>(digits), '0');
  std::string text = padded(millis * 1000000, kFractionDigits);
  std::size_t length = text.size();
  while (length > static_cast<std::size_t>(digits) && text[length - 1] == '0') --length;
  return text.substr(0, length);
}

// The text of a UTC instant (milliseconds since the epoch) under a Joda pattern.
// The zone a value is printed in: UTC, or (inside format_datetime(x AT TIME ZONE ...)) another zone's id and
// its offset at that instant; the local time is then already the zone's wall clock.
struct Zone {
  std::string_view id = "UTC";
  int64_t offset_seconds = 0;
  bool utc() const { return id == "UTC"; }
};

// Joda's offset text: +hhmm ('Z') or +hh:mm ('ZZ').
std::string offset_text(int64_t offset_seconds, bool colon) {
  const int64_t minutes = (offset_seconds < 0 ? -offset_seconds : offset_seconds) / 60;
  return std::string(offset_seconds < 0 ? "-" : "+") + padded(minutes / 60, 2) + (colon ? ":" : "") +
         padded(minutes % 60, 2);
}

std::string format_joda(const std::vector<Token>& tokens, int64_t epoch_millis, const Zone& zone = {}) {
  const int64_t days = floor_div(epoch_millis, kMillisPerDay);
  const int64_t millis_of_day = epoch_millis - days * kMillisPerDay;
  const Civil date = civil_from_days(days);
  const int hour = static_cast<int>(millis_of_day / 3600000);
  const int minute = static_cast<int>(millis_of_day / 60000 % 60);
  const int second = static_cast<int>(millis_of_day / 1000 % 60);
  const int64_t millis = millis_of_day % kMillisPerSecond;
  const int weekday = iso_weekday(days);
  std::string out;
  for (const Token& token : tokens) {
    const int n = token.count;
    switch (token.letter) {
      case 0: out += token.literal; break;
      case 'G': out += date.year > 0 ? "AD" : "BC"; break;
      case 'y':
      case 'Y':
      case 'x': {
        const int64_t year = token.letter == 'x' ? iso_week(days).first : date.year;
        // 'yy' prints the year of the century; Y is the year of era (positive before year 1).
        const int64_t shown = token.letter == 'Y' && year <= 0 ? 1 - year : year;
        out += n == 2 ? padded(((shown % 100) + 100) % 100, 2) : padded(shown, n);
        break;
      }
      case 'w': out += padded(iso_week(days).second, n); break;
      case 'e': out += padded(weekday, n); break;
      case 'E': {
        const std::string_view name = kWeekdays[static_cast<std::size_t>(weekday - 1)];
        out += n >= 4 ? name : name.substr(0, 3);
        break;
      }
      case 'D': out += padded(days - days_from_civil(date.year, 1, 1) + 1, n); break;
      case 'M': {
        const std::string_view name = kMonths[static_cast<std::size_t>(date.month - 1)];
        out += n >= 4 ? std::string(name) : n == 3 ? std::string(name.substr(0, 3)) : padded(date.month, n);
        break;
      }
      case 'd': out += padded(date.day, n); break;
      case 'a': out += hour < 12 ? "AM" : "PM"; break;
      case 'K': out += padded(hour % 12, n); break;
      case 'h': out += padded(hour % 12 == 0 ? 12 : hour % 12, n); break;
      case 'H': out += padded(hour, n); break;
      case 'k': out += padded(hour == 0 ? 24 : hour, n); break;
      case 'm': out += padded(minute, n); break;
      case 's': out += padded(second, n); break;
      case 'S': out += fraction_text(millis, n); break;
      case 'z': out += n >= 4 ? "Coordinated Universal Time" : "UTC"; break;  // UTC only: see format_zoned
      case 'Z': out += n <= 2 ? offset_text(zone.offset_seconds, n == 2) : std::string(zone.id); break;
      default: break;
    }
  }
  return out;
}

bool iequals_at(std::string_view text, std::size_t position, std::string_view word) {
  if (position + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char a = text[position + i];
    char b = word[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

// Joda's FormatUtils.createErrorMessage, the text Trino passes on for a value a parser rejects.
std::string joda_error(std::string_view text, std::size_t position) {
  const std::size_t sample_length = position + 32;
  const std::string sample =
      text.size() <= sample_length + 3 ? std::string(text) : std::string(text.substr(0, sample_length)) + "...";
  if (position == 0) return "Invalid format: \"" + sample + "\"";
  if (position >= text.size()) return "Invalid format: \"" + sample + "\" is too short";
  return "Invalid format: \"" + sample + "\" is malformed at \"" + sample.substr(position) + "\"";
}
std::string value_error(std::string_view text, const char* field, int64_t value, int64_t low, int64_t high) {
  return "Cannot parse \"" + std::string(text) + "\": Value " + std::to_string(value) + " for " + field +
         " must be in the range [" + std::to_string(low) + "," + std::to_string(high) + "]";
}

// The fields a parse set, checked after the whole text is read (as Joda's DateTimeParserBucket does).
struct Parsed {
  int64_t year = 1970;
  bool year_of_era = false;
  int64_t month = 1;
  int64_t day = 1;
  std::optional<int64_t> day_of_year;
  int64_t hour = 0;
  char hour_letter = 'H';           // H, k, K or h
  std::optional<int64_t> half_day;  // 0 AM, 1 PM
  int64_t minute = 0;
  int64_t second = 0;
  int64_t millis = 0;
};

// Joda's parse of `text` under `tokens` into UTC milliseconds; the error text Joda (and so Trino) raises.
class JodaParser {
 public:
  JodaParser(const std::vector<Token>& tokens, std::string_view text, std::string function)
      : tokens_(tokens), text_(text), function_(std::move(function)) {}

  std::optional<std::string> parse(int64_t& epoch_millis) {
    Parsed p;
    for (std::size_t t = 0; t < tokens_.size(); ++t) {
      const Token& token = tokens_[t];
      if (position_ >= text_.size() && !(token.letter == 0 && token.literal.empty())) return too_short();
      if (auto failure = parse_token(token, t, p)) return failure;
    }
    if (position_ < text_.size()) return malformed();
    return combine(p, epoch_millis);
  }

 private:
  std::optional<std::string> parse_token(const Token& token, std::size_t index, Parsed& p) {
    const bool next_numeric = index + 1 < tokens_.size() && is_numeric(tokens_[index + 1]);
    switch (token.letter) {
      case 0:
        if (!iequals_at(text_, position_, token.literal)) return malformed();
        position_ += token.literal.size();
        return std::nullopt;
      case 'y':
      case 'Y': {
        if (token.pivot_2020) return two_digit_year(p);
        if (token.count == 2)
          return function_ + ": the two-digit year pattern 'yy' is not supported by the local engine";
        const int max_digits = token.max_digits != 0 ? token.max_digits : next_numeric ? token.count : 9;
        if (!number(max_digits, token.max_digits == 0, p.year)) return malformed();
        p.year_of_era = token.letter == 'Y';
        return std::nullopt;
      }
      case 'M':
        if (token.count >= 3) return text_field(kMonths, p.month);
        return numeric(token.count, 2, p.month);
      case 'd': return numeric(token.count, 2, p.day);
      case 'D': {
        int64_t value = 0;
        if (!number(std::max(token.count, 3), false, value)) return malformed();
        p.day_of_year = value;
        return std::nullopt;
      }
      case 'H':
      case 'k':
      case 'K':
      case 'h': p.hour_letter = token.letter; return numeric(token.count, 2, p.hour);
      case 'a': {
        for (int64_t half = 0; half < 2; ++half) {
          if (text_matches(half == 0 ? "AM" : "PM")) {
            p.half_day = half;
            return std::nullopt;
          }
        }
        return malformed();
      }
      case 'm': return numeric(token.count, 2, p.minute);
      case 's': return numeric(token.count, 2, p.second);
      case 'S': {
        const std::size_t start = position_;
        int64_t digits = 0;
        int count = 0;
        while (position_ < text_.size() && count < kFractionDigits && text_[position_] >= '0' &&
               text_[position_] <= '9') {
          if (count < 3) digits = digits * 10 + (text_[position_] - '0');
          ++count;
          ++position_;
        }
        if (position_ == start) return malformed();
        for (int i = count; i < 3; ++i) digits *= 10;
        p.millis = digits;
        return std::nullopt;
      }
      case 'Z':
      case 'z': return zone(token);
      default:
        return function_ + ": the Joda pattern letter '" + std::string(1, token.letter) +
               "' is not supported by the local engine when parsing";
    }
  }

  static bool is_numeric(const Token& token) {
    return token.letter != 0 && std::string_view("yYxwedDHkKhmsS").find(token.letter) != std::string_view::npos &&
           !(token.letter == 'M' && token.count >= 3) && token.letter != 'E';
  }

  bool number(int max_digits, bool sign, int64_t& value) {
    std::size_t i = position_;
    bool negative = false;
    if (sign && i < text_.size() && (text_[i] == '-' || text_[i] == '+')) {
      negative = text_[i] == '-';
      ++i;
    }
    const std::size_t digits_start = i;
    value = 0;
    while (i < text_.size() && static_cast<int>(i - digits_start) < max_digits && text_[i] >= '0' && text_[i] <= '9') {
      value = value * 10 + (text_[i] - '0');
      ++i;
    }
    if (i == digits_start) return false;
    if (negative) value = -value;
    position_ = i;
    return true;
  }

  std::optional<std::string> numeric(int count, int max_digits, int64_t& field) {
    if (!number(std::max(count, max_digits), false, field)) return malformed();
    return std::nullopt;
  }

  // Joda's text fields accept a name as written, in lower case or in upper case.
  bool text_matches(std::string_view word) {
    if (position_ + word.size() > text_.size()) return false;
    const std::string_view candidate = text_.substr(position_, word.size());
    std::string lower(word);
    std::string upper(word);
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (candidate != word && candidate != lower && candidate != upper) return false;
    position_ += word.size();
    return true;
  }

  template <std::size_t N>
  std::optional<std::string> text_field(const std::array<std::string_view, N>& names, int64_t& field) {
    // Joda accepts the full and the short English names, the longest first.
    for (std::size_t i = 0; i < N; ++i) {
      if (text_matches(names[i])) {
        field = static_cast<int64_t>(i) + 1;
        return std::nullopt;
      }
    }
    for (std::size_t i = 0; i < N; ++i) {
      if (text_matches(names[i].substr(0, 3))) {
        field = static_cast<int64_t>(i) + 1;
        return std::nullopt;
      }
    }
    return malformed();
  }

  std::optional<std::string> zone(const Token& token) {
    if (token.letter == 'Z' && token.count <= 2) {
      if (iequals_at(text_, position_, "Z")) {
        ++position_;
        return std::nullopt;
      }
      const std::size_t start = position_;
      if (text_[position_] != '+' && text_[position_] != '-') return malformed();
      ++position_;
      int hours = 0;
      int minutes = 0;
      if (!two_digits(hours)) return malformed_at(start);
      if (position_ < text_.size() && text_[position_] == ':') ++position_;
      if (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9' && !two_digits(minutes)) {
        return malformed_at(start);
      }
      if (hours != 0 || minutes != 0) return other_zone(std::string(text_.substr(start, position_ - start)));
      return std::nullopt;
    }
    // 'ZZZ' (a zone id) and 'z' (a short name): UTC only.
    for (std::string_view name : {"UTC", "UT", "GMT", "Etc/UTC", "Z"}) {
      if (iequals_at(text_, position_, name) && (token.letter == 'z' || name != "Z")) {
        const std::size_t end = position_ + name.size();
        if (end < text_.size() && (is_ascii_letter(text_[end]) || text_[end] == '/' || text_[end] == '+' ||
                                   text_[end] == '-' || text_[end] == '_')) {
          break;
        }
        position_ = end;
        return std::nullopt;
      }
    }
    std::size_t end = position_;
    while (end < text_.size() && text_[end] != ' ') ++end;
    return other_zone(std::string(text_.substr(position_, end - position_)));
  }

  bool two_digits(int& value) {
    if (position_ + 2 > text_.size()) return false;
    const char a = text_[position_];
    const char b = text_[position_ + 1];
    if (a < '0' || a > '9' || b < '0' || b > '9') return false;
    value = (a - '0') * 10 + (b - '0');
    position_ += 2;
    return true;
  }

  // Joda sets the fields from the largest unit down, each checked against its range.
  std::optional<std::string> combine(const Parsed& p, int64_t& epoch_millis) const {
    if (p.year_of_era && p.year < 1) return value_error("yearOfEra", p.year, 1, kJodaMaxYear);
    if (p.year < kJodaMinYear || p.year > kJodaMaxYear) return value_error("year", p.year, kJodaMinYear, kJodaMaxYear);
    if (p.year < -kTimestampYears || p.year > kTimestampYears) {
      return function_ + ": the year " + std::to_string(p.year) + " is beyond the timestamps of the local engine";
    }
    if (p.month < 1 || p.month > 12) return value_error("monthOfYear", p.month, 1, 12);
    const int month = static_cast<int>(p.month);
    int64_t days = 0;
    if (p.day_of_year) {
      const int64_t last = leap(p.year) ? 366 : 365;
      if (*p.day_of_year < 1 || *p.day_of_year > last) return value_error("dayOfYear", *p.day_of_year, 1, last);
      days = days_from_civil(p.year, 1, 1) + *p.day_of_year - 1;
    } else {
      const int last = days_in_month(p.year, month);
      if (p.day < 1 || p.day > last) return value_error("dayOfMonth", p.day, 1, last);
      days = days_from_civil(p.year, month, static_cast<int>(p.day));
    }
    int64_t hour = p.hour;
    switch (p.hour_letter) {
      case 'k':
        if (hour < 1 || hour > 24) return value_error("clockhourOfDay", hour, 1, 24);
        hour %= 24;
        break;
      case 'K':
        if (hour > 11) return value_error("hourOfHalfday", hour, 0, 11);
        hour += 12 * p.half_day.value_or(0);
        break;
      case 'h':
        if (hour < 1 || hour > 12) return value_error("clockhourOfHalfday", hour, 1, 12);
        hour = hour % 12 + 12 * p.half_day.value_or(0);
        break;
      default:
        // The hour of day is set after the half day (a smaller unit), so it wins over an 'a'.
        if (hour > 23) return value_error("hourOfDay", hour, 0, 23);
        break;
    }
    if (p.minute > 59) return value_error("minuteOfHour", p.minute, 0, 59);
    if (p.second > 59) return value_error("secondOfMinute", p.second, 0, 59);
    epoch_millis = days * kMillisPerDay + ((hour * 60 + p.minute) * 60 + p.second) * kMillisPerSecond + p.millis;
    return std::nullopt;
  }

  std::string malformed() const { return joda_error(text_, position_); }
  std::string malformed_at(std::size_t at) const { return joda_error(text_, at); }
  std::string too_short() const { return joda_error(text_, text_.size()); }
  std::string value_error(const char* field, int64_t value, int64_t low, int64_t high) const {
    return udf::value_error(text_, field, value, low, high);
  }
  std::string other_zone(const std::string& zone) const {
    return function_ + ": the time zone '" + zone +
           "' is not supported by the local engine (its timestamps with time zone are in UTC)";
  }

  // Joda's TwoDigitYear parser (not lenient) with the pivot 2020: exactly two digits, 1970..2069.
  std::optional<std::string> two_digit_year(Parsed& p) {
    static constexpr int64_t kLowest = 1970;
    int64_t value = 0;
    const std::size_t start = position_;
    if (!number(2, false, value) || position_ - start != 2) {
      position_ = start;
      return malformed();
    }
    int64_t year = kLowest / 100 * 100 + value;
    if (year < kLowest) year += 100;
    p.year = year;
    return std::nullopt;
  }

  const std::vector<Token>& tokens_;
  std::string_view text_;
  std::string function_;
  std::size_t position_ = 0;
};

// ---- ISO 8601 (Joda's ISODateTimeFormat parsers, as Trino's from_iso8601_* use them) ----

class IsoParser {
 public:
  explicit IsoParser(std::string_view text) : text_(text) {}

  // dateElementParser: yyyy[-MM[-dd]] | yyyy-Www[-e] | yyyy-DDD.
  std::optional<std::string> date(int64_t& days) {
    if (auto failure = date_element(days)) return failure;
    if (position_ < text_.size()) return malformed();
    return std::nullopt;
  }

  // dateTimeParser: a date with an optional 'T' time, or a 'T' time alone; an optional offset after a time.
  std::optional<std::string> date_time(int64_t& epoch_millis) {
    int64_t days = 0;
    if (text_.empty()) return too_short();
    if (text_[0] != 'T') {
      if (auto failure = date_element(days)) return failure;
    }
    int64_t millis_of_day = 0;
    if (position_ < text_.size() && text_[position_] == 'T') {
      ++position_;
      if (auto failure = time_element(millis_of_day)) return failure;
      if (position_ < text_.size()) {
        if (auto failure = offset()) return failure;
      }
    }
    if (position_ < text_.size()) return malformed();
    epoch_millis = days * kMillisPerDay + millis_of_day;
    return std::nullopt;
  }

 private:
  std::optional<std::string> date_element(int64_t& days) {
    int64_t year = 0;
    if (!digits(4, 4, year)) return position_ >= text_.size() ? too_short() : malformed();
    if (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') {
      return "from_iso8601: a year of more than four digits is not supported by the local engine";
    }
    if (position_ >= text_.size() || text_[position_] != '-') {
      days = days_from_civil(year, 1, 1);
      return std::nullopt;
    }
    ++position_;
    if (position_ < text_.size() && text_[position_] == 'W') {
      ++position_;
      int64_t week = 0;
      if (!digits(2, 2, week)) return position_ >= text_.size() ? too_short() : malformed();
      int64_t weekday = 1;
      if (position_ < text_.size() && text_[position_] == '-') {
        ++position_;
        if (!digits(1, 1, weekday)) return position_ >= text_.size() ? too_short() : malformed();
        if (weekday < 1 || weekday > 7) return value_error("dayOfWeek", weekday, 1, 7);
      }
      const int64_t jan4 = days_from_civil(year, 1, 4);
      const int64_t week1 = jan4 - iso_weekday(jan4) + 1;
      const int64_t weeks = iso_week(days_from_civil(year, 12, 28)).second;
      if (week < 1 || week > weeks) return value_error("weekOfWeekyear", week, 1, weeks);
      days = week1 + (week - 1) * 7 + weekday - 1;
      return std::nullopt;
    }
    const std::size_t start = position_;
    int64_t first = 0;
    if (!digits(2, 3, first)) return position_ >= text_.size() ? too_short() : malformed();
    if (position_ - start == 3) {  // yyyy-DDD
      const int64_t last = leap(year) ? 366 : 365;
      if (first < 1 || first > last) return value_error("dayOfYear", first, 1, last);
      days = days_from_civil(year, 1, 1) + first - 1;
      return std::nullopt;
    }
    if (first < 1 || first > 12) return value_error("monthOfYear", first, 1, 12);
    int64_t day = 1;
    if (position_ < text_.size() && text_[position_] == '-') {
      ++position_;
      if (!digits(2, 2, day)) return position_ >= text_.size() ? too_short() : malformed();
      const int last = days_in_month(year, static_cast<int>(first));
      if (day < 1 || day > last) return value_error("dayOfMonth", day, 1, last);
    }
    days = days_from_civil(year, static_cast<int>(first), static_cast<int>(day));
    return std::nullopt;
  }

  // HH[:mm[:ss]] with an optional fraction ('.' or ',') of the last field.
  std::optional<std::string> time_element(int64_t& millis_of_day) {
    static constexpr std::array<int64_t, 3> kUnit{3600000, 60000, 1000};
    static constexpr std::array<std::pair<const char*, int64_t>, 3> kFields{
        std::pair{"hourOfDay", 23}, std::pair{"minuteOfHour", 59}, std::pair{"secondOfMinute", 59}};
    millis_of_day = 0;
    for (std::size_t field = 0; field < kUnit.size(); ++field) {
      int64_t value = 0;
      if (!digits(2, 2, value)) return position_ >= text_.size() ? too_short() : malformed();
      if (value > kFields[field].second) return value_error(kFields[field].first, value, 0, kFields[field].second);
      millis_of_day += value * kUnit[field];
      if (position_ < text_.size() && (text_[position_] == '.' || text_[position_] == ',')) {
        ++position_;
        const std::size_t start = position_;
        int64_t numerator = 0;
        int64_t denominator = 1;
        while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') {
          if (position_ - start < static_cast<std::size_t>(kFractionDigits)) {
            numerator = numerator * 10 + (text_[position_] - '0');
            denominator *= 10;
          }
          ++position_;
        }
        if (position_ == start) return position_ >= text_.size() ? too_short() : malformed();
        millis_of_day += numerator * kUnit[field] / denominator;
        return std::nullopt;
      }
      if (field + 1 == kUnit.size() || position_ >= text_.size() || text_[position_] != ':') return std::nullopt;
      ++position_;
    }
    return std::nullopt;
  }

  // Z | +hh | +hh:mm | +hhmm: only a zero offset (UTC) is supported.
  std::optional<std::string> offset() {
    if (text_[position_] == 'Z') {
      ++position_;
      return std::nullopt;
    }
    if (text_[position_] != '+' && text_[position_] != '-') return malformed();
    const std::size_t start = position_++;
    int64_t hours = 0;
    int64_t minutes = 0;
    if (!digits(2, 2, hours)) return position_ >= text_.size() ? too_short() : malformed();
    if (position_ < text_.size() && text_[position_] == ':') ++position_;
    if (position_ < text_.size() && !digits(2, 2, minutes)) return malformed();
    if (hours > 23) return value_error("hours", hours, -23, 23);
    if (minutes > 59) return value_error("minutes", minutes, 0, 59);
    if (hours != 0 || minutes != 0) {
      return "from_iso8601_timestamp: the offset '" + std::string(text_.substr(start, position_ - start)) +
             "' is not supported by the local engine (its timestamps with time zone are in UTC)";
    }
    return std::nullopt;
  }

  bool digits(std::size_t min, std::size_t max, int64_t& value) {
    const std::size_t start = position_;
    value = 0;
    while (position_ < text_.size() && position_ - start < max && text_[position_] >= '0' && text_[position_] <= '9') {
      value = value * 10 + (text_[position_] - '0');
      ++position_;
    }
    if (position_ - start < min) {
      position_ = start;
      return false;
    }
    return true;
  }

  std::string malformed() const { return joda_error(text_, position_); }
  std::string too_short() const { return joda_error(text_, text_.size()); }
  std::string value_error(const char* field, int64_t value, int64_t low, int64_t high) const {
    return udf::value_error(text_, field, value, low, high);
  }

  std::string_view text_;
  std::size_t position_ = 0;
};

// The pattern of the last row, kept across rows (a format is nearly always a literal).
using Tokenizer = std::optional<std::string> (*)(std::string_view, std::vector<Token>&);

struct PatternCache {
  Tokenizer tokenizer = &tokenize;
  std::string pattern;
  std::vector<Token> tokens;
  std::optional<std::string> error;
  bool filled = false;

  const std::optional<std::string>& parse(std::string_view text) {
    if (!filled || text != pattern) {
      pattern = std::string(text);
      error = tokenizer(text, tokens);
      filled = true;
    }
    return error;
  }
};

struct Rows {
  idx_t count;
  duckdb_vector output;
  uint64_t* out_validity;
};
Rows begin_rows(duckdb_data_chunk input, duckdb_vector output) {
  duckdb_vector_ensure_validity_writable(output);
  return {duckdb_data_chunk_get_size(input), output, duckdb_vector_get_validity(output)};
}

// The three format languages Trino builds Joda formatters from.
enum class Language { Joda, MySql, Teradata };
constexpr Tokenizer tokenizer_of(Language language) {
  return language == Language::MySql      ? &tokenize_mysql
         : language == Language::Teradata ? &tokenize_teradata
                                          : &tokenize;
}

// Runs `body(row, tokens)` for each row whose value and format are not NULL (else the result is NULL), the
// format read into tokens by `tokenizer`; the first error (of the format or of `body`) fails the query.
template <class Body>
void each_formatted_row(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output, Tokenizer tokenizer,
                        Body body) {
  const Rows rows = begin_rows(input, output);
  duckdb_vector values = duckdb_data_chunk_get_vector(input, 0);
  duckdb_vector formats = duckdb_data_chunk_get_vector(input, 1);
  auto* format_text = static_cast<duckdb_string_t*>(duckdb_vector_get_data(formats));
  const uint64_t* value_validity = duckdb_vector_get_validity(values);
  const uint64_t* format_validity = duckdb_vector_get_validity(formats);
  PatternCache cache;
  cache.tokenizer = tokenizer;
  for (idx_t row = 0; row < rows.count; ++row) {
    if (!row_valid(value_validity, row) || !row_valid(format_validity, row)) {
      duckdb_validity_set_row_invalid(rows.out_validity, row);
      continue;
    }
    std::optional<std::string> error = cache.parse(string_at(format_text, row));
    if (!error) error = body(row, cache.tokens);
    if (error) {
      duckdb_scalar_function_set_error(info, error->c_str());
      return;
    }
  }
}

template <Language kLanguage>
void format_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto* micros = static_cast<const int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 0)));
  each_formatted_row(info, input, output, tokenizer_of(kLanguage),
                     [&](idx_t row, const std::vector<Token>& tokens) -> std::optional<std::string> {
                       set_string(output, row, format_joda(tokens, floor_div(micros[row], kMicrosPerMilli)));
                       return std::nullopt;
                     });
}

// format_datetime / date_format of a value AT TIME ZONE another zone: (the wall clock there, format, the
// offset in seconds, the zone's id). Java's names of zones ('z') are not reproduced.
template <Language kLanguage>
void format_zoned_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto* micros = static_cast<const int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 0)));
  const auto* offsets = static_cast<const int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 2)));
  auto* zones = static_cast<duckdb_string_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 3)));
  each_formatted_row(info, input, output, tokenizer_of(kLanguage),
                     [&](idx_t row, const std::vector<Token>& tokens) -> std::optional<std::string> {
                       const Zone zone{string_at(zones, row), offsets[row]};
                       for (const Token& token : tokens) {
                         if (token.letter == 'z' && !zone.utc()) {
                           return "format_datetime: the time zone name (pattern letter 'z') of " +
                                  std::string(zone.id) + " is not supported by the local engine";
                         }
                       }
                       set_string(output, row, format_joda(tokens, floor_div(micros[row], kMicrosPerMilli), zone));
                       return std::nullopt;
                     });
}

// kDate: the result is a DATE (to_date), else a TIMESTAMP or TIMESTAMPTZ.
template <Language kLanguage, bool kDate>
void parse_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  static constexpr const char* kFunction = kLanguage == Language::MySql      ? "date_parse"
                                           : kLanguage == Language::Teradata ? (kDate ? "to_date" : "to_timestamp")
                                                                             : "parse_datetime";
  auto* value_text = static_cast<duckdb_string_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 0)));
  void* out = duckdb_vector_get_data(output);
  each_formatted_row(info, input, output, tokenizer_of(kLanguage),
                     [&](idx_t row, const std::vector<Token>& tokens) -> std::optional<std::string> {
                       int64_t epoch_millis = 0;
                       auto error = JodaParser(tokens, string_at(value_text, row), kFunction).parse(epoch_millis);
                       if (error) return error;
                       if constexpr (kDate) {
                         static_cast<int32_t*>(out)[row] = static_cast<int32_t>(floor_div(epoch_millis, kMillisPerDay));
                       } else {
                         static_cast<int64_t*>(out)[row] = epoch_millis * kMicrosPerMilli;
                       }
                       return std::nullopt;
                     });
}

template <bool kDateOnly>
void from_iso8601_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const Rows rows = begin_rows(input, output);
  duckdb_vector values = duckdb_data_chunk_get_vector(input, 0);
  auto* value_text = static_cast<duckdb_string_t*>(duckdb_vector_get_data(values));
  const uint64_t* value_validity = duckdb_vector_get_validity(values);
  void* out = duckdb_vector_get_data(output);
  for (idx_t row = 0; row < rows.count; ++row) {
    if (!row_valid(value_validity, row)) {
      duckdb_validity_set_row_invalid(rows.out_validity, row);
      continue;
    }
    IsoParser parser(string_at(value_text, row));
    int64_t value = 0;
    auto error = kDateOnly ? parser.date(value) : parser.date_time(value);
    if (error) {
      duckdb_scalar_function_set_error(info, error->c_str());
      return;
    }
    if constexpr (kDateOnly) {
      static_cast<int32_t*>(out)[row] = static_cast<int32_t>(value);
    } else {
      static_cast<int64_t*>(out)[row] = value * kMicrosPerMilli;
    }
  }
}

}  // namespace

void add_datetime_functions(std::vector<Scalar>& out) {
  constexpr auto kText = DUCKDB_TYPE_VARCHAR;
  for (duckdb_type type : {DUCKDB_TYPE_TIMESTAMP, DUCKDB_TYPE_TIMESTAMP_TZ}) {
    out.push_back({"ar_format_datetime", {type, kText}, kText, &format_function<Language::Joda>});
    out.push_back({"ar_date_format", {type, kText}, kText, &format_function<Language::MySql>});
    out.push_back({"ar_to_char", {type, kText}, kText, &format_function<Language::Teradata>});
  }
  const std::vector<duckdb_type> zoned{DUCKDB_TYPE_TIMESTAMP, kText, DUCKDB_TYPE_BIGINT, kText};
  out.push_back({"ar_format_datetime_zoned", zoned, kText, &format_zoned_function<Language::Joda>});
  out.push_back({"ar_date_format_zoned", zoned, kText, &format_zoned_function<Language::MySql>});
  out.push_back(
      {"ar_parse_datetime", {kText, kText}, DUCKDB_TYPE_TIMESTAMP_TZ, &parse_function<Language::Joda, false>});
  out.push_back({"ar_date_parse", {kText, kText}, DUCKDB_TYPE_TIMESTAMP, &parse_function<Language::MySql, false>});
  out.push_back({"ar_to_timestamp", {kText, kText}, DUCKDB_TYPE_TIMESTAMP, &parse_function<Language::Teradata, false>});
  out.push_back({"ar_to_date", {kText, kText}, DUCKDB_TYPE_DATE, &parse_function<Language::Teradata, true>});
  out.push_back(
      {"ar_from_iso8601_timestamp", {DUCKDB_TYPE_VARCHAR}, DUCKDB_TYPE_TIMESTAMP_TZ, &from_iso8601_function<false>});
  out.push_back({"ar_from_iso8601_date", {DUCKDB_TYPE_VARCHAR}, DUCKDB_TYPE_DATE, &from_iso8601_function<true>});
}

}  // namespace athena_runner::engine::udf
