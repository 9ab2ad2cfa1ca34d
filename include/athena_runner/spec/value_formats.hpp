// Value formats of the queries file that a JSON Schema cannot check (docs/queries-file.md, "Value formats
// and the checks beyond the schema"). Each check returns an error message without the key path, worded
// like the CDK app's (infra/lib/validation.ts), so both programs say the same thing about the same file.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::spec {

// A parsed S3 prefix location: s3://bucket/prefix/ (prefix ends with '/', or is empty for the bucket).
struct S3Location {
  std::string bucket;
  std::string prefix;
  std::string uri;
};

// The docs' rules: bucket 3-63 of a-z 0-9 . - starting and ending with a letter or digit, no "..", not an
// IP address; ends with '/'; no "//", '*' or '?' in the prefix. Error code "InvalidS3Location".
Outcome<S3Location> parse_s3_location(std::string_view uri);

// 90s, 10m, 2h, 1d (a positive integer and a unit). Error code "InvalidDuration".
Outcome<std::chrono::seconds> parse_duration(std::string_view text);

// Result reuse: a duration that is a whole number of minutes, at most 7 days (Athena's limit).
inline constexpr std::chrono::minutes kMaxResultReuse{7 * 24 * 60};
Outcome<std::chrono::minutes> parse_result_reuse(std::string_view text);

// A notification target of `notify` (docs/queries-file.md, "Notification"): the word `stack` (the function's
// topic, ATHENA_RUNNER_NOTIFY_TOPIC), or a standard SNS topic's ARN arn:<partition>:sns:<region>:<12-digit
// account>:<name of 1-256 letters, digits, '-' and '_'>. The message when it is neither; std::nullopt when fine.
inline constexpr std::string_view kStackTopic = "stack";
std::optional<std::string> notify_target_error(std::string_view target);
// The same for an SNS topic ARN alone (the function's ATHENA_RUNNER_NOTIFY_TOPIC).
std::optional<std::string> sns_topic_arn_error(std::string_view arn);

// True when the IANA tz database on this machine (or under $TZDIR) knows the name; "UTC" always.
bool is_known_time_zone(std::string_view name);
// The check as a message: std::nullopt when known.
std::optional<std::string> time_zone_error(std::string_view name);

// The number of '?' execution-parameter placeholders in SQL text, not counting those inside
// '...' strings, "..." identifiers, -- line comments and /* */ comments.
std::size_t count_parameter_placeholders(std::string_view sql);

}  // namespace athena_runner::spec
