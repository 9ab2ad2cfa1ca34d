// The standard retry mode against botocore's specification (botocore/retries/standard.py, quota.py,
// data/_retry.json): lists, attempts, delays from the documented formula, and the retry quota.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "athena_runner/aws/config.hpp"
#include "athena_runner/aws/retry.hpp"

namespace athena_runner::aws {
namespace {

Error service_error(std::string code, int status) {
  Error error = make_error(ErrorKind::Service, std::move(code), "message");
  error.http_status = status;
  return error;
}

Clock fixed_random_clock(double unit) {
  Clock clock = Clock::system();
  clock.random_unit = [unit] { return unit; };
  clock.sleep_for = [](std::chrono::milliseconds) {};
  return clock;
}

Profile profile_with(std::map<std::string, std::string> settings) {
  Profile profile;
  profile.name = "test";
  profile.settings = std::move(settings);
  return profile;
}

TEST(RetryConfigTest, DefaultsToStandardModeWithThreeAttempts) {
  auto config = load_retry_config(Environment::from_map({}), Profile{});
  ASSERT_TRUE(config) << config.get_failure().to_string();
  EXPECT_EQ(config->max_attempts, 3);
  EXPECT_EQ(config->mode, RetryMode::Standard);
  EXPECT_EQ(config->base_delay, std::chrono::seconds(1));
  EXPECT_EQ(config->max_backoff, std::chrono::seconds(20));
}

TEST(RetryConfigTest, EnvironmentWinsOverProfile) {
  auto config = load_retry_config(Environment::from_map({{"AWS_MAX_ATTEMPTS", "7"}, {"AWS_RETRY_MODE", "standard"}}),
                                  profile_with({{"max_attempts", "2"}, {"retry_mode", "legacy"}}));
  ASSERT_TRUE(config) << config.get_failure().to_string();
  EXPECT_EQ(config->max_attempts, 7);
  EXPECT_EQ(config->mode, RetryMode::Standard);
}

TEST(RetryConfigTest, ProfileSettingsApplyWhenTheEnvironmentIsSilent) {
  auto config =
      load_retry_config(Environment::from_map({}), profile_with({{"max_attempts", "4"}, {"retry_mode", "adaptive"}}));
  ASSERT_TRUE(config) << config.get_failure().to_string();
  EXPECT_EQ(config->max_attempts, 4);
  EXPECT_EQ(config->mode, RetryMode::Adaptive);
}

TEST(RetryConfigTest, LegacyModeDefaultsToFiveAttemptsAsInBotocoreRetryJson) {
  auto config = load_retry_config(Environment::from_map({{"AWS_RETRY_MODE", "legacy"}}), Profile{});
  ASSERT_TRUE(config);
  EXPECT_EQ(config->mode, RetryMode::Legacy);
  EXPECT_EQ(config->max_attempts, 5);
  auto explicit_attempts =
      load_retry_config(Environment::from_map({{"AWS_RETRY_MODE", "legacy"}, {"AWS_MAX_ATTEMPTS", "2"}}), Profile{});
  ASSERT_TRUE(explicit_attempts);
  EXPECT_EQ(explicit_attempts->max_attempts, 2);
}

TEST(RetryConfigTest, BadValuesAreConfigurationErrorsNamingTheSetting) {
  for (const char* bad : {"0", "-1", "three", "3x", ""}) {
    if (std::string(bad).empty()) continue;  // empty counts as unset
    auto config = load_retry_config(Environment::from_map({{"AWS_MAX_ATTEMPTS", bad}}), Profile{});
    ASSERT_FALSE(config) << bad;
    EXPECT_EQ(config.get_failure().kind, ErrorKind::Configuration);
    EXPECT_NE(config.get_failure().message.find("AWS_MAX_ATTEMPTS"), std::string::npos);
  }
  auto mode = load_retry_config(Environment::from_map({}), profile_with({{"retry_mode", "fast"}}));
  ASSERT_FALSE(mode);
  EXPECT_EQ(mode.get_failure().kind, ErrorKind::Configuration);
  EXPECT_NE(mode.get_failure().message.find("retry_mode"), std::string::npos);
  EXPECT_NE(mode.get_failure().message.find("fast"), std::string::npos);
}

// botocore ThrottledRetryableChecker._THROTTLED_ERROR_CODES, copied from botocore 1.43.
const std::vector<std::string> kBotocoreThrottlingCodes{"Throttling",
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
                                                        "EC2ThrottledException"};

TEST(RetryClassificationTest, ThrottlingCodesAndStatus429) {
  for (const auto& code : kBotocoreThrottlingCodes) {
    EXPECT_TRUE(is_throttling_error(service_error(code, 400))) << code;
  }
  EXPECT_TRUE(is_throttling_error(service_error("TooManyRequests", 429)));
  EXPECT_FALSE(is_throttling_error(service_error("InvalidRequestException", 400)));
  EXPECT_FALSE(is_throttling_error(service_error("throttlingexception", 400)));  // codes are case-sensitive
  EXPECT_FALSE(is_throttling_error(make_error(ErrorKind::Network, "ConnectionError", "reset")));
}

TEST(RetryClassificationTest, TransientCodesStatusesAndConnectionFailures) {
  for (const char* code : {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}) {
    EXPECT_TRUE(is_transient_error(service_error(code, 400))) << code;
  }
  for (int status : {500, 502, 503, 504}) {
    EXPECT_TRUE(is_transient_error(service_error("Anything", status))) << status;
  }
  for (int status : {400, 403, 404, 501}) {
    EXPECT_FALSE(is_transient_error(service_error("Anything", status))) << status;
  }
  EXPECT_TRUE(is_transient_error(make_error(ErrorKind::Network, "ConnectionError", "reset")));
  EXPECT_TRUE(is_transient_error(make_error(ErrorKind::Timeout, "RequestTimeout", "slow")));
  EXPECT_FALSE(is_transient_error(make_error(ErrorKind::Aborted, "Aborted", "sink")));
  EXPECT_FALSE(is_transient_error(make_error(ErrorKind::Credentials, "NoCredentials", "none")));
}

TEST(RetryClassificationTest, ClockSkewCodes) {
  for (const char* code : {"RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException",
                           "SignatureDoesNotMatch", "AuthFailure", "RequestInTheFuture"}) {
    EXPECT_TRUE(is_clock_skew_error(service_error(code, 403))) << code;
  }
  EXPECT_FALSE(is_clock_skew_error(service_error("AccessDenied", 403)));
}

// delay_i = random * min(base * 2^(i-1), max_backoff) for the i-th (1-based) failed attempt.
double documented_delay_ms(double random, int attempt) {
  return random * std::min(1000.0 * std::pow(2.0, attempt - 1), 20000.0);
}

TEST(RetryStrategyTest, FullJitterExponentialBackoffCappedAtTwentySeconds) {
  RetryConfig config;
  config.max_attempts = 10;
  for (double random : {0.0, 0.25, 0.5, 0.999}) {
    RetryStrategy strategy(config, std::make_shared<RetryQuota>(), fixed_random_clock(random));
    for (int attempt = 1; attempt < config.max_attempts; ++attempt) {
      auto delay = strategy.retry_delay(service_error("ThrottlingException", 400), attempt);
      ASSERT_TRUE(delay) << attempt;
      EXPECT_NEAR(static_cast<double>(delay->count()), documented_delay_ms(random, attempt), 1.0)
          << "random " << random << " attempt " << attempt;
    }
  }
}

TEST(RetryStrategyTest, StopsAfterMaxAttempts) {
  RetryConfig config;  // 3 attempts
  RetryStrategy strategy(config, std::make_shared<RetryQuota>(), fixed_random_clock(0.5));
  EXPECT_TRUE(strategy.retry_delay(service_error("SlowDown", 503), 1));
  EXPECT_TRUE(strategy.retry_delay(service_error("SlowDown", 503), 2));
  EXPECT_FALSE(strategy.retry_delay(service_error("SlowDown", 503), 3));
}

TEST(RetryStrategyTest, NonRetryableErrorsAreNotRetriedAndCostNothing) {
  auto quota = std::make_shared<RetryQuota>();
  RetryStrategy strategy(RetryConfig{}, quota, fixed_random_clock(0.5));
  EXPECT_FALSE(strategy.retry_delay(service_error("InvalidRequestException", 400), 1));
  EXPECT_FALSE(strategy.retry_delay(make_error(ErrorKind::Aborted, "Aborted", "stop"), 1));
  EXPECT_EQ(quota->available(), RetryQuota::kInitialTokens);
}

TEST(RetryQuotaTest, RetriesCostFiveTimeoutsTenAndSuccessRefundsTheLastCost) {
  auto quota = std::make_shared<RetryQuota>();
  EXPECT_EQ(quota->available(), 500);
  RetryConfig config;
  config.max_attempts = 5;
  RetryStrategy strategy(config, quota, fixed_random_clock(0.5));
  ASSERT_TRUE(strategy.retry_delay(service_error("ThrottlingException", 400), 1));
  EXPECT_EQ(quota->available(), 495);
  ASSERT_TRUE(strategy.retry_delay(make_error(ErrorKind::Timeout, "RequestTimeout", "slow"), 2));
  EXPECT_EQ(quota->available(), 485);
  strategy.on_success();  // botocore refunds the amount of the last acquisition only
  EXPECT_EQ(quota->available(), 495);
}

TEST(RetryQuotaTest, SuccessWithoutRetryAddsOneUpToTheMaximum) {
  RetryQuota quota;
  quota.release(std::nullopt);
  EXPECT_EQ(quota.available(), 500);
  ASSERT_EQ(quota.acquire(service_error("SlowDown", 503)), 5);
  quota.release(std::nullopt);
  EXPECT_EQ(quota.available(), 496);
  quota.release(50);
  EXPECT_EQ(quota.available(), 500);
}

TEST(RetryQuotaTest, ExhaustedQuotaStopsRetriesAcrossStrategiesSharingIt) {
  auto quota = std::make_shared<RetryQuota>();
  for (int taken = 0; taken < 500 / 5; ++taken) ASSERT_TRUE(quota->acquire(service_error("SlowDown", 503)));
  EXPECT_EQ(quota->available(), 0);
  EXPECT_FALSE(quota->acquire(service_error("SlowDown", 503)));
  RetryStrategy strategy(RetryConfig{}, quota, fixed_random_clock(0.5));
  EXPECT_FALSE(strategy.retry_delay(service_error("ThrottlingException", 400), 1));
  // A timeout costs 10: with 5 tokens left it cannot be paid for, a throttle can.
  quota->release(5);
  EXPECT_FALSE(quota->acquire(make_error(ErrorKind::Timeout, "RequestTimeout", "slow")));
  EXPECT_EQ(quota->acquire(service_error("SlowDown", 503)), 5);
}

}  // namespace
}  // namespace athena_runner::aws
