#include "athena_runner/spec/value_formats.hpp"

#include "athena_runner/spec/queries_file.hpp"

#include <cctz/time_zone.h>

#include <charconv>
#include <limits>
#include <regex>

namespace athena_runner::spec {
namespace {

constexpr std::string_view kS3Shape =
    "expected s3://bucket/prefix/ ending with \"/\", with a bucket name of 3-63 characters of a-z, 0-9, \".\" and "
    "\"-\"";
constexpr std::int64_t kSecondsPerMinute = 60;
constexpr std::int64_t kSecondsPerHour = 3600;
constexpr std::int64_t kSecondsPerDay = 86400;

Error s3_error(std::string_view uri, const std::string& problem) {
  return make_error(ErrorKind::InvalidInput, "InvalidS3Location",
                    "malformed S3 location \"" + std::string(uri) + "\": " + problem);
}

// The docs' bucket rule: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit, no "..", not an IP.
bool valid_bucket_name(const std::string& bucket) {
  static const std::regex kBucket("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$");
  static const std::regex kIpAddress("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$");
  return std::regex_match(bucket, kBucket) && bucket.find("..") == std::string::npos &&
         !std::regex_match(bucket, kIpAddress);
}

}  // namespace

Outcome<S3Location> parse_s3_location(std::string_view uri) {
  static const std::regex kShape("^s3://([^/]*)(/(.*))?$");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_match(uri.begin(), uri.end(), match, kShape)) return s3_error(uri, std::string(kS3Shape));
  const std::string bucket = match[1].str();
  const std::string prefix = match[3].matched ? match[3].str() : std::string();
  if (!valid_bucket_name(bucket)) {
    return s3_error(uri, "bucket \"" + bucket + "\" is not a valid bucket name; " + std::string(kS3Shape));
  }
  if (!match[2].matched || (!prefix.empty() && prefix.back() != '/')) {
    return s3_error(uri, "a location is a prefix and must end with \"/\" (s3://" + bucket + "/" + prefix +
                             (prefix.empty() ? "" : "/") + ")");
  }
  if (prefix.find("//") != std::string::npos || (!prefix.empty() && prefix.front() == '/')) {
    return s3_error(uri, "the prefix has an empty path segment (\"//\")");
  }
  if (prefix.find_first_of("*?") != std::string::npos) return s3_error(uri, "the prefix cannot contain \"*\" or \"?\"");
  return S3Location{bucket, prefix, std::string(uri)};
}

std::optional<std::string> delivery_destination_error(std::string_view to, DeliveryFormat format) {
  const auto malformed = [&](const std::string& problem) {
    return "malformed S3 destination \"" + std::string(to) + "\": " + problem;
  };
  static const std::regex kShape("^s3://([^/]*)/(.+)$");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_match(to.begin(), to.end(), match, kShape)) {
    return malformed(
        "expected s3://bucket/key, or s3://bucket/prefix/ ending with \"/\" (each run's object is then named "
        "<query>_<scheduled time>.<extension> under it)");
  }
  const std::string bucket = match[1].str();
  const std::string key = match[2].str();
  if (!valid_bucket_name(bucket)) {
    return malformed("bucket \"" + bucket +
                     "\" is not a valid bucket name (3-63 characters of a-z, 0-9, \".\" and \"-\", starting and "
                     "ending with a letter or digit; templates are allowed in the key only)");
  }
  if (key.front() == '/' || key.find("//") != std::string::npos) {
    return malformed("the key has an empty path segment (\"//\")");
  }
  if ((format == DeliveryFormat::Parquet || format == DeliveryFormat::Json) && key.back() != '/') {
    return "format " + std::string(to_string(format)) +
           " is written by Athena's UNLOAD, which may split the result into several files: \"to\" must be a "
           "prefix ending with \"/\", not \"" +
           std::string(to) + "\"";
  }
  return std::nullopt;
}

Outcome<std::chrono::seconds> parse_duration(std::string_view text) {
  const auto fail = [&] {
    return make_error(ErrorKind::InvalidInput, "InvalidDuration",
                      "invalid duration \"" + std::string(text) +
                          "\": expected a positive integer and a unit s, m, h or d, e.g. 90s, 10m, 2h, 1d");
  };
  if (text.size() < 2 || text[0] < '1' || text[0] > '9') return fail();
  std::int64_t value = 0;
  const char* end = text.data() + text.size() - 1;
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return fail();
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = kSecondsPerMinute; break;
    case 'h': unit = kSecondsPerHour; break;
    case 'd': unit = kSecondsPerDay; break;
    default: return fail();
  }
  if (value > std::numeric_limits<std::int64_t>::max() / unit) return fail();
  return std::chrono::seconds(value * unit);
}

Outcome<std::chrono::minutes> parse_result_reuse(std::string_view text) {
  auto duration = parse_duration(text);
  if (!duration) return std::move(duration).get_failure();
  const auto fail = [&](const std::string& problem) {
    return make_error(ErrorKind::InvalidInput, "InvalidDuration",
                      "invalid result_reuse \"" + std::string(text) + "\": " + problem);
  };
  if (duration->count() % kSecondsPerMinute != 0) return fail("Athena reuses results by whole minutes, e.g. 60m");
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(*duration);
  if (minutes > kMaxResultReuse) {
    return fail("at most 7 days (" + std::to_string(kMaxResultReuse.count()) + "m) is allowed");
  }
  return minutes;
}

std::optional<std::string> sns_topic_arn_error(std::string_view arn) {
  // ARN format: docs.aws.amazon.com/sns/latest/dg/sns-create-topic.html (names) and the IAM ARN reference.
  static const std::regex kArn(
      "^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:([A-Za-z0-9_-]{1,256})(\\.fifo)?$");
  std::match_results<std::string_view::const_iterator> match;
  const std::string quoted = "\"" + std::string(arn) + "\"";
  if (!std::regex_match(arn.begin(), arn.end(), match, kArn)) {
    return "malformed SNS topic ARN " + quoted +
           ": expected arn:<partition>:sns:<region>:<12-digit account>:<topic name of 1-256 letters, digits, - and _>";
  }
  if (match[3].matched) {
    return "SNS topic " + quoted + " is a FIFO topic, whose messages need a message group: use a standard topic";
  }
  return std::nullopt;
}

std::optional<std::string> notify_target_error(std::string_view target) {
  if (target == kStackTopic) return std::nullopt;
  if (auto problem = sns_topic_arn_error(target))
    return *problem + ", or " + std::string(kStackTopic) + " for the function's topic";
  return std::nullopt;
}

bool is_known_time_zone(std::string_view name) {
  if (name.empty()) return false;
  cctz::time_zone zone;
  // cctz also accepts fixed offsets such as "Fixed/UTC+01:00"; IANA names never start with "Fixed/".
  if (name.rfind("Fixed/", 0) == 0) return false;
  return cctz::load_time_zone(std::string(name), &zone);
}

std::optional<std::string> time_zone_error(std::string_view name) {
  if (is_known_time_zone(name)) return std::nullopt;
  return "unknown time zone \"" + std::string(name) +
         "\": use an IANA name such as Europe/Berlin, America/New_York or UTC";
}

std::size_t count_parameter_placeholders(std::string_view sql) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // A quote inside is written twice ('it''s'), which this loop reads as two adjacent literals.
      const std::size_t close = sql.find(c, i + 1);
      i = close == std::string_view::npos ? sql.size() : close + 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t newline = sql.find('\n', i);
      i = newline == std::string_view::npos ? sql.size() : newline + 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const std::size_t close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
    } else {
      if (c == '?') ++count;
      ++i;
    }
  }
  return count;
}

}  // namespace athena_runner::spec
