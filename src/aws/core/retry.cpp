// The SDKs' "standard" retry mode. Specification: botocore/retries/standard.py and quota.py (the lists
// and numbers below are theirs), and botocore/data/_retry.json for legacy mode's default of 5 attempts.
#include "athena_runner/aws/retry.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

#include "athena_runner/aws/config.hpp"

namespace athena_runner::aws {
namespace {

constexpr std::string_view kMaxAttemptsVariable = "AWS_MAX_ATTEMPTS";
constexpr std::string_view kRetryModeVariable = "AWS_RETRY_MODE";
constexpr std::string_view kMaxAttemptsKey = "max_attempts";
constexpr std::string_view kRetryModeKey = "retry_mode";
constexpr int kStandardDefaultMaxAttempts = 3;  // botocore/retries/standard.py DEFAULT_MAX_ATTEMPTS
constexpr int kLegacyDefaultMaxAttempts = 5;    // botocore/data/_retry.json "__default__" max_attempts
constexpr double kBackoffGrowth = 2.0;

// botocore ThrottledRetryableChecker._THROTTLED_ERROR_CODES
constexpr std::array<std::string_view, 14> kThrottlingCodes{
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};
constexpr int kTooManyRequestsStatus = 429;

// botocore TransientRetryableChecker
constexpr std::array<std::string_view, 3> kTransientCodes{"RequestTimeout", "RequestTimeoutException",
                                                          "PriorRequestNotComplete"};
constexpr std::array<int, 4> kTransientStatuses{500, 502, 503, 504};

// The SDKs' clock-skew codes (aws-sdk-java-v2 RetryUtils / botocore's ClockSkew handling).
constexpr std::array<std::string_view, 6> kClockSkewCodes{
    "RequestTimeTooSkewed",  "RequestExpired", "InvalidSignatureException",
    "SignatureDoesNotMatch", "AuthFailure",    "RequestInTheFuture"};

template <class List, class Value>
bool contains(const List& list, const Value& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Outcome<int> parse_max_attempts(const std::string& text, std::string_view source) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1) {
    return make_error(ErrorKind::Configuration, "InvalidMaxAttempts",
                      std::string(source) + " must be a whole number of attempts of at least 1, got '" + text + "'");
  }
  return value;
}

Outcome<RetryMode> parse_retry_mode(const std::string& text, std::string_view source) {
  if (text == "standard") return RetryMode::Standard;
  if (text == "legacy") return RetryMode::Legacy;
  if (text == "adaptive") return RetryMode::Adaptive;
  return make_error(ErrorKind::Configuration, "InvalidRetryMode",
                    std::string(source) + " must be one of standard, legacy, adaptive, got '" + text + "'");
}

}  // namespace

Outcome<RetryConfig> load_retry_config(const Environment& environment, const Profile& profile) {
  RetryConfig config;
  std::optional<int> max_attempts;
  if (auto text = environment.non_empty(kMaxAttemptsVariable)) {
    auto parsed = parse_max_attempts(*text, kMaxAttemptsVariable);
    if (!parsed) return parsed.get_failure();
    max_attempts = *parsed;
  } else if (auto setting = profile.get(kMaxAttemptsKey)) {
    auto parsed = parse_max_attempts(*setting, "max_attempts in profile '" + profile.name + "'");
    if (!parsed) return parsed.get_failure();
    max_attempts = *parsed;
  }
  if (auto text = environment.non_empty(kRetryModeVariable)) {
    auto parsed = parse_retry_mode(*text, kRetryModeVariable);
    if (!parsed) return parsed.get_failure();
    config.mode = *parsed;
  } else if (auto setting = profile.get(kRetryModeKey)) {
    auto parsed = parse_retry_mode(*setting, "retry_mode in profile '" + profile.name + "'");
    if (!parsed) return parsed.get_failure();
    config.mode = *parsed;
  }
  // Legacy and adaptive modes use the standard policy (no client-side rate limiter); legacy keeps its
  // own default number of attempts.
  config.max_attempts =
      max_attempts.value_or(config.mode == RetryMode::Legacy ? kLegacyDefaultMaxAttempts : kStandardDefaultMaxAttempts);
  return config;
}

bool is_throttling_error(const Error& error) {
  if (error.kind != ErrorKind::Service) return false;
  return contains(kThrottlingCodes, std::string_view(error.code)) || error.http_status == kTooManyRequestsStatus;
}

bool is_transient_error(const Error& error) {
  if (error.kind == ErrorKind::Network || error.kind == ErrorKind::Timeout) return true;
  if (error.kind != ErrorKind::Service) return false;
  return contains(kTransientCodes, std::string_view(error.code)) || contains(kTransientStatuses, error.http_status);
}

bool is_clock_skew_error(const Error& error) {
  return error.kind == ErrorKind::Service && contains(kClockSkewCodes, std::string_view(error.code));
}

std::optional<int> RetryQuota::acquire(const Error& error) {
  const int cost = error.kind == ErrorKind::Timeout ? kTimeoutRetryCost : kRetryCost;
  std::lock_guard lock(mutex_);
  if (cost > tokens_) return std::nullopt;
  tokens_ -= cost;
  return cost;
}

void RetryQuota::release(std::optional<int> acquired_cost) {
  std::lock_guard lock(mutex_);
  tokens_ = std::min(kInitialTokens, tokens_ + acquired_cost.value_or(kNoRetryIncrement));
}

int RetryQuota::available() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

RetryStrategy::RetryStrategy(RetryConfig config, std::shared_ptr<RetryQuota> quota, Clock clock)
    : config_(config), quota_(std::move(quota)), clock_(std::move(clock)) {}

std::optional<std::chrono::milliseconds> RetryStrategy::retry_delay(const Error& error, int attempt) {
  if (attempt >= config_.max_attempts) return std::nullopt;
  if (!is_throttling_error(error) && !is_transient_error(error)) return std::nullopt;
  if (quota_) {
    auto cost = quota_->acquire(error);
    if (!cost) return std::nullopt;
    last_cost_ = cost;
  }
  // Full jitter: random * min(base * 2^(attempt-1), max_backoff), attempt 1-based (botocore ExponentialBackoff).
  const double ceiling = std::min(static_cast<double>(config_.base_delay.count()) *
                                      std::pow(kBackoffGrowth, static_cast<double>(std::max(attempt, 1) - 1)),
                                  static_cast<double>(config_.max_backoff.count()));
  const double unit = clock_.random_unit ? clock_.random_unit() : 1.0;
  return std::chrono::milliseconds(static_cast<long long>(std::floor(unit * ceiling)));
}

void RetryStrategy::on_success() {
  if (quota_) quota_->release(last_cost_);
  last_cost_.reset();
}

}  // namespace athena_runner::aws
