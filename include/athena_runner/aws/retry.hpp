// The SDKs' "standard" retry mode: attempts, classification, backoff with full jitter, retry quota.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "athena_runner/aws/environment.hpp"
#include "athena_runner/base/clock.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws {

struct Profile;

enum class RetryMode { Standard, Legacy, Adaptive };

struct RetryConfig {
  int max_attempts = 3;                        // AWS_MAX_ATTEMPTS / profile max_attempts; includes the first attempt
  RetryMode mode = RetryMode::Standard;        // AWS_RETRY_MODE / profile retry_mode
  std::chrono::milliseconds base_delay{1000};  // backoff = random * min(base * 2^(attempt-1), max)
  std::chrono::milliseconds max_backoff{20000};
};

// AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, then the profile's max_attempts / retry_mode. Bad values are errors.
Outcome<RetryConfig> load_retry_config(const Environment& environment, const Profile& profile);

bool is_throttling_error(const Error& error);  // TooManyRequestsException, ThrottlingException, SlowDown, 429, ...
bool is_transient_error(const Error& error);   // 500/502/503/504, RequestTimeout, connection errors, ...
bool is_clock_skew_error(const Error& error);  // RequestTimeTooSkewed, SignatureDoesNotMatch with skew, ...

// Shared by every client of one process: 500 tokens; a retry costs 5, a timeout retry 10;
// a success after a retry refunds its cost, a success without retry adds 1 (up to the maximum).
class RetryQuota {
 public:
  static constexpr int kInitialTokens = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;
  static constexpr int kNoRetryIncrement = 1;

  // Takes the cost of retrying after `error`; nullopt when the quota is exhausted.
  std::optional<int> acquire(const Error& error);
  void release(std::optional<int> acquired_cost);  // after a success
  int available() const;

 private:
  mutable std::mutex mutex_;
  int tokens_ = kInitialTokens;
};

class RetryStrategy {
 public:
  RetryStrategy(RetryConfig config, std::shared_ptr<RetryQuota> quota, Clock clock);

  // After attempt number `attempt` (1-based) failed with `error`: the delay before the next
  // attempt, or nullopt to give up (not retryable, attempts exhausted, or quota empty).
  std::optional<std::chrono::milliseconds> retry_delay(const Error& error, int attempt);
  void on_success();  // refunds the quota

  const RetryConfig& config() const { return config_; }

 private:
  RetryConfig config_;
  std::shared_ptr<RetryQuota> quota_;
  Clock clock_;
  std::optional<int> last_cost_;
};

}  // namespace athena_runner::aws
