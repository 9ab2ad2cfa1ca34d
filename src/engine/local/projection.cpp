#include "projection.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <regex>

#include "athena_runner/base/text.hpp"
#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine::local {
namespace {

namespace chr = std::chrono;

Error projection_error(const CatalogTable& table, const std::string& message) {
  return make_error(ErrorKind::InvalidInput, std::string(error_codes::kInvalidCatalog),
                    "table " + table.database + "." + table.name + ": partition projection: " + message);
}

// The table parameter `projection.<column>.<name>` (keys compared in lower case), trimmed unless `raw`.
std::optional<std::string> parameter(const CatalogTable& table, const std::string& column, const std::string& name,
                                     bool raw = false) {
  const std::string wanted = "projection." + column + "." + name;
  for (const auto& [key, value] : table.table_parameters) {
    if (text::lower(key) == wanted) return raw ? value : std::string(text::trim(value));
  }
  return std::nullopt;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

std::optional<long long> to_integer(std::string_view text) {
  text = text::trim(text);
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

Outcome<long long> positive_parameter(const CatalogTable& table, const std::string& column, const std::string& name,
                                      long long fallback) {
  auto text = parameter(table, column, name);
  if (!text) return fallback;
  auto value = to_integer(*text);
  if (!value || *value < 1) {
    return projection_error(table,
                            "projection." + column + "." + name + " must be a positive integer, not '" + *text + "'");
  }
  return *value;
}

// ---- integer -------------------------------------------------------------------------------------------

Outcome<std::vector<std::string>> integer_values(const CatalogTable& table, const std::string& column) {
  auto range = parameter(table, column, "range");
  const std::string key = "projection." + column + ".range";
  if (!range) return projection_error(table, key + " is required for an integer projection");
  auto bounds = split_commas(*range);
  std::optional<long long> low = bounds.size() == 2 ? to_integer(bounds[0]) : std::nullopt;
  std::optional<long long> high = bounds.size() == 2 ? to_integer(bounds[1]) : std::nullopt;
  if (!low || !high || *low > *high) {
    return projection_error(table, key + " must be 'low,high' with low <= high, not '" + *range + "'");
  }
  auto interval = positive_parameter(table, column, "interval", 1);
  if (!interval) return interval.get_failure();
  auto digits = positive_parameter(table, column, "digits", 0);
  if (!digits) return digits.get_failure();
  std::vector<std::string> values;
  for (long long v = *low;; v += *interval) {
    if (values.size() >= kMaxProjectedPartitions) {
      return projection_error(
          table, "column " + column + " projects more than " + std::to_string(kMaxProjectedPartitions) + " values");
    }
    std::string magnitude = std::to_string(v < 0 ? -static_cast<unsigned long long>(v) : v);
    if (static_cast<long long>(magnitude.size()) < *digits) {
      magnitude.insert(0, static_cast<std::size_t>(*digits) - magnitude.size(), '0');
    }
    values.push_back((v < 0 ? "-" : "") + magnitude);
    if (*high - v < *interval) break;  // the next value would pass the high bound (or overflow)
  }
  return values;
}

// ---- date ----------------------------------------------------------------------------------------------

enum class Unit { Years, Months, Weeks, Days, Hours, Minutes, Seconds, Millis };

std::optional<Unit> unit_of(std::string word) {
  word = text::upper(word);
  if (!word.empty() && word.back() == 'S' && word != "MILLIS") word.pop_back();
  static const std::array<std::pair<const char*, Unit>, 9> kUnits{{{"YEAR", Unit::Years},
                                                                   {"MONTH", Unit::Months},
                                                                   {"WEEK", Unit::Weeks},
                                                                   {"DAY", Unit::Days},
                                                                   {"HOUR", Unit::Hours},
                                                                   {"MINUTE", Unit::Minutes},
                                                                   {"SECOND", Unit::Seconds},
                                                                   {"MILLIS", Unit::Millis},
                                                                   {"MILLISECOND", Unit::Millis}}};
  for (const auto& [name, unit] : kUnits) {
    if (word == name) return unit;
  }
  return std::nullopt;
}

using Time = chr::time_point<chr::system_clock, chr::milliseconds>;

Time add(Time time, Unit unit, long long amount) {
  switch (unit) {
    case Unit::Years: amount *= 12; [[fallthrough]];
    case Unit::Months: {
      // Java's plusMonths: the same day of the month, or the month's last day when it has fewer.
      const auto day = chr::floor<chr::days>(time);
      const chr::year_month_day ymd{day};
      const auto month = chr::year_month{ymd.year(), ymd.month()} + chr::months(amount);
      const auto last = chr::year_month_day_last{month.year(), chr::month_day_last{month.month()}}.day();
      const chr::year_month_day moved{month.year(), month.month(), std::min(ymd.day(), last)};
      return Time{chr::sys_days{moved}.time_since_epoch() + (time - day)};
    }
    case Unit::Weeks: return time + chr::days(7 * amount);
    case Unit::Days: return time + chr::days(amount);
    case Unit::Hours: return time + chr::hours(amount);
    case Unit::Minutes: return time + chr::minutes(amount);
    case Unit::Seconds: return time + chr::seconds(amount);
    case Unit::Millis: return time + chr::milliseconds(amount);
  }
  return time;
}

// The start of the unit that holds `time` (NOW-relative bounds are aligned so, as the values they stand for).
Time truncate(Time time, Unit unit) {
  const auto day = chr::floor<chr::days>(time);
  switch (unit) {
    case Unit::Years: {
      const chr::year_month_day ymd{day};
      return Time{chr::sys_days{ymd.year() / chr::January / 1}.time_since_epoch()};
    }
    case Unit::Months: {
      const chr::year_month_day ymd{day};
      return Time{chr::sys_days{ymd.year() / ymd.month() / 1}.time_since_epoch()};
    }
    case Unit::Weeks:
    case Unit::Days: return Time{day.time_since_epoch()};
    case Unit::Hours: return chr::floor<chr::hours>(time);
    case Unit::Minutes: return chr::floor<chr::minutes>(time);
    case Unit::Seconds: return chr::floor<chr::seconds>(time);
    case Unit::Millis: return time;
  }
  return time;
}

// The finest unit a format shows (the default interval unit for a format of a day or coarser).
Unit finest_unit(const DateFormat& format) {
  Unit finest = Unit::Years;
  for (const auto& field : format.fields) {
    Unit unit = finest;
    switch (field.letter) {
      case 'M': unit = Unit::Months; break;
      case 'd': unit = Unit::Days; break;
      case 'H': unit = Unit::Hours; break;
      case 'm': unit = Unit::Minutes; break;
      case 's': unit = Unit::Seconds; break;
      case 'S': unit = Unit::Millis; break;
      default: break;
    }
    if (static_cast<int>(unit) > static_cast<int>(finest)) finest = unit;
  }
  return finest;
}

// One bound of a date range: a date in the projection's format, or NOW[(+|-)<n><unit>].
std::optional<Time> date_bound(const std::string& text, const DateFormat& format, Time now, Unit step) {
  static const std::regex kRelative(R"(\s*NOW\s*(?:([+-])\s*(\d{1,9})\s*([A-Za-z]+))?\s*)", std::regex::icase);
  std::smatch match;
  if (std::regex_match(text, match, kRelative)) {
    Time time = now;
    if (match[1].matched) {
      auto unit = unit_of(match[3].str());
      if (!unit) return std::nullopt;
      const long long amount = std::stoll(match[2].str());
      time = add(time, *unit, match[1].str() == "-" ? -amount : amount);
    }
    return truncate(time, step);
  }
  auto parsed = parse_date(format, std::string(text::trim(text)));
  if (!parsed) return std::nullopt;
  return chr::time_point_cast<chr::milliseconds>(*parsed);
}

Outcome<std::vector<std::string>> date_values(const CatalogTable& table, const std::string& column,
                                              chr::system_clock::time_point now) {
  const std::string prefix = "projection." + column + ".";
  auto pattern = parameter(table, column, "format", true);
  if (!pattern) return projection_error(table, prefix + "format is required for a date projection");
  auto format = parse_date_format(*pattern);
  if (!format) return projection_error(table, prefix + "format: " + format.get_failure().message);
  auto range = parameter(table, column, "range");
  if (!range) return projection_error(table, prefix + "range is required for a date projection");
  auto interval = positive_parameter(table, column, "interval", 1);
  if (!interval) return interval.get_failure();
  Unit unit = finest_unit(*format);
  if (auto unit_text = parameter(table, column, "interval.unit")) {
    auto named = unit_of(*unit_text);
    if (!named) {
      return projection_error(table, prefix + "interval.unit must be one of YEARS, MONTHS, WEEKS, DAYS, HOURS, " +
                                         "MINUTES, SECONDS, MILLIS, not '" + *unit_text + "'");
    }
    unit = *named;
  } else if (static_cast<int>(unit) > static_cast<int>(Unit::Days)) {
    return projection_error(
        table, prefix + "interval.unit is required when the format '" + *pattern + "' is finer than a day");
  }
  const auto bounds = split_commas(*range);
  const Time now_ms = chr::time_point_cast<chr::milliseconds>(now);
  std::optional<Time> start = bounds.size() == 2 ? date_bound(bounds[0], *format, now_ms, unit) : std::nullopt;
  std::optional<Time> end = bounds.size() == 2 ? date_bound(bounds[1], *format, now_ms, unit) : std::nullopt;
  if (!start || !end) {
    return projection_error(table, prefix + "range must be two dates in the format '" + *pattern +
                                       "' or NOW[+-<n><unit>], separated by a comma, not '" + *range + "'");
  }
  std::vector<std::string> values;
  for (long long step = 0;; ++step) {
    const Time time = add(*start, unit, step * *interval);  // from the start, so months keep their day
    if (time > *end) break;
    if (values.size() >= kMaxProjectedPartitions) {
      return projection_error(
          table, "column " + column + " projects more than " + std::to_string(kMaxProjectedPartitions) + " values");
    }
    std::string value = format_date(*format, time);
    if (values.empty() || values.back() != value) values.push_back(std::move(value));
  }
  return values;
}

Outcome<std::vector<std::string>> column_values(const CatalogTable& table, const std::string& column,
                                                chr::system_clock::time_point now, const InjectedValues* injected) {
  auto type = parameter(table, column, "type");
  if (!type) return projection_error(table, "projection." + column + ".type is required for each partition column");
  const std::string kind = text::lower(*type);
  if (kind == "enum") {
    auto values = parameter(table, column, "values", true);
    if (!values) return projection_error(table, "projection." + column + ".values is required for an enum projection");
    return split_commas(*values);  // white space is part of a value
  }
  if (kind == "integer") return integer_values(table, column);
  if (kind == "date") return date_values(table, column, now);
  if (kind == "injected") {  // the query's values (partition-projection-dynamic-id-partitioning)
    auto found = injected ? injected->find(column) : InjectedValues::const_iterator();
    if (!injected || found == injected->end()) {
      return make_error(ErrorKind::InvalidInput, std::string(error_codes::kConstraintViolation),
                        "For the injected projected partition column " + column +
                            ", the WHERE clause must contain only static equality conditions, and at least one such "
                            "condition must be present.");
    }
    return found->second;
  }
  return projection_error(
      table, "projection." + column + ".type must be enum, integer, date or injected, not '" + *type + "'");
}

}  // namespace

bool projection_enabled(const CatalogTable& table) {
  for (const auto& [key, value] : table.table_parameters) {
    if (text::lower(key) == "projection.enabled") return text::lower(text::trim(value)) == "true";
  }
  return false;
}

bool has_injected_key(const CatalogTable& table) {
  return std::any_of(table.partition_keys.begin(), table.partition_keys.end(), [&](const CatalogColumn& key) {
    auto type = parameter(table, key.name, "type");
    return type && text::lower(*type) == "injected";
  });
}

Outcome<std::vector<CatalogPartition>> projected_partitions(const CatalogTable& table, const std::string& data_root,
                                                            chr::system_clock::time_point now,
                                                            const InjectedValues* injected) {
  std::vector<std::vector<std::string>> columns;
  std::size_t total = 1;
  for (const auto& key : table.partition_keys) {
    auto values = column_values(table, key.name, now, injected);
    if (!values) return values.get_failure();
    total *= std::max<std::size_t>(values->size(), 1);
    if (values->empty() || total > kMaxProjectedPartitions) {
      if (values->empty()) return std::vector<CatalogPartition>{};
      return projection_error(table,
                              "it projects more than " + std::to_string(kMaxProjectedPartitions) + " partitions");
    }
    columns.push_back(std::move(values).get_result());
  }
  std::optional<std::string> location_template;
  for (const auto& [key, value] : table.table_parameters) {
    if (text::lower(key) == "storage.location.template") location_template = std::string(text::trim(value));
  }
  if (location_template) {
    for (const auto& key : table.partition_keys) {
      if (location_template->find("${" + key.name + "}") == std::string::npos) {
        return projection_error(table, "storage.location.template must contain ${" + key.name + "}");
      }
    }
  }
  std::string base = table.location;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::vector<CatalogPartition> partitions;
  partitions.reserve(total);
  std::vector<std::size_t> index(columns.size(), 0);
  for (std::size_t n = 0; n < total; ++n) {
    CatalogPartition partition;
    std::string location = location_template ? *location_template : base;
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const std::string& value = columns[k][index[k]];
      partition.values.push_back(value);
      const std::string& name = table.partition_keys[k].name;
      if (location_template) {
        const std::string placeholder = "${" + name + "}";
        for (std::size_t at = location.find(placeholder); at != std::string::npos;
             at = location.find(placeholder, at + value.size())) {
          location.replace(at, placeholder.size(), value);
        }
      } else {
        location += '/';
        location += name;
        location += '=';
        location += value;
      }
    }
    partition.location = location;
    auto local = local_path_for(location, data_root);
    if (!local) return projection_error(table, "partition location " + location + ": " + local.get_failure().message);
    partition.local_path = *local;
    partitions.push_back(std::move(partition));
    for (std::size_t k = columns.size(); k-- > 0;) {  // the last key varies fastest
      if (++index[k] < columns[k].size()) break;
      index[k] = 0;
    }
  }
  return partitions;
}

// ---- Java's DateTimeFormatter, the letters date projections use ------------------------------------------

Outcome<DateFormat> parse_date_format(const std::string& pattern) {
  DateFormat format;
  for (std::size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\'') {
      auto literal = text::pattern_literal(pattern, i);
      if (!literal.closed) return make_error(ErrorKind::InvalidInput, "", "unterminated quote in '" + pattern + "'");
      format.fields.push_back({0, 0, std::move(literal.text)});
      i = literal.end;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < pattern.size() && pattern[j] == c) ++j;
      const int width = static_cast<int>(j - i);
      if (std::string_view("yMdHmsS").find(c) == std::string_view::npos ||
          (c != 'M' && c != 'y' && c != 'S' && width > 2) || (c == 'M' && width > 4)) {
        return make_error(ErrorKind::InvalidInput, "",
                          "the pattern letter '" + std::string(static_cast<std::size_t>(width), c) + "' in '" +
                              pattern + "' is not supported by the local engine");
      }
      format.fields.push_back({c, width, {}});
      i = j;
      continue;
    }
    format.fields.push_back({0, 0, std::string(1, c)});
    ++i;
  }
  return format;
}

namespace {
constexpr std::array<const char*, 12> kMonths{"January", "February", "March",     "April",   "May",      "June",
                                              "July",    "August",   "September", "October", "November", "December"};

std::string padded(long long value, int width) {
  std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width) digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  return digits;
}
}  // namespace

std::string format_date(const DateFormat& format, chr::system_clock::time_point time) {
  const auto ms = chr::time_point_cast<chr::milliseconds>(time);
  const auto day = chr::floor<chr::days>(ms);
  const chr::year_month_day ymd{day};
  const chr::hh_mm_ss clock{ms - day};
  std::string out;
  for (const auto& field : format.fields) {
    switch (field.letter) {
      case 0: out += field.text; break;
      case 'y': {
        const int year = static_cast<int>(ymd.year());
        out += field.width == 2 ? padded(((year % 100) + 100) % 100, 2) : padded(year, field.width);
        break;
      }
      case 'M': {
        const unsigned month = static_cast<unsigned>(ymd.month());
        if (field.width >= 3) {
          const std::string name = kMonths[month - 1];
          out += field.width == 3 ? name.substr(0, 3) : name;
        } else {
          out += padded(month, field.width);
        }
        break;
      }
      case 'd': out += padded(static_cast<unsigned>(ymd.day()), field.width); break;
      case 'H': out += padded(clock.hours().count(), field.width); break;
      case 'm': out += padded(clock.minutes().count(), field.width); break;
      case 's': out += padded(clock.seconds().count(), field.width); break;
      case 'S': {
        std::string fraction = padded(clock.subseconds().count(), 3);  // milliseconds
        fraction.resize(static_cast<std::size_t>(field.width), '0');
        out += fraction;
        break;
      }
      default: break;
    }
  }
  return out;
}

std::optional<chr::system_clock::time_point> parse_date(const DateFormat& format, const std::string& text) {
  long long year = 1970;
  unsigned month = 1;
  unsigned day = 1;
  long long hour = 0;
  long long minute = 0;
  long long second = 0;
  long long millis = 0;
  std::size_t at = 0;
  for (std::size_t f = 0; f < format.fields.size(); ++f) {
    const auto& field = format.fields[f];
    if (field.letter == 0) {
      if (text.compare(at, field.text.size(), field.text) != 0) return std::nullopt;
      at += field.text.size();
      continue;
    }
    if (field.letter == 'M' && field.width >= 3) {
      bool found = false;
      for (unsigned m = 0; m < kMonths.size() && !found; ++m) {
        const std::string name = field.width == 3 ? std::string(kMonths[m]).substr(0, 3) : kMonths[m];
        if (text.compare(at, name.size(), name) == 0) {
          month = m + 1;
          at += name.size();
          found = true;
        }
      }
      if (!found) return std::nullopt;
      continue;
    }
    // A field next to another number, or written wider than one letter, is read at its width; else every digit.
    const bool adjacent = f + 1 < format.fields.size() && format.fields[f + 1].letter != 0;
    const std::size_t fixed = field.width > 1 || adjacent ? static_cast<std::size_t>(field.width) : 0;
    std::size_t end = at;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])) && (fixed == 0 || end - at < fixed))
      ++end;
    if (end == at || end - at > 9 || (fixed != 0 && end - at != fixed)) return std::nullopt;
    const long long value = std::stoll(text.substr(at, end - at));
    at = end;
    switch (field.letter) {
      case 'y': year = field.width == 2 ? 2000 + value : value; break;
      case 'M': month = static_cast<unsigned>(value); break;
      case 'd': day = static_cast<unsigned>(value); break;
      case 'H': hour = value; break;
      case 'm': minute = value; break;
      case 's': second = value; break;
      case 'S': {
        long long scaled = value;
        for (int w = field.width; w < 3; ++w) scaled *= 10;
        for (int w = field.width; w > 3; --w) scaled /= 10;
        millis = scaled;
        break;
      }
      default: break;
    }
  }
  if (at != text.size()) return std::nullopt;
  const chr::year_month_day ymd{chr::year(static_cast<int>(year)), chr::month(month), chr::day(day)};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return chr::system_clock::time_point{chr::sys_days{ymd}.time_since_epoch() + chr::hours(hour) + chr::minutes(minute) +
                                       chr::seconds(second) + chr::milliseconds(millis)};
}

}  // namespace athena_runner::engine::local
