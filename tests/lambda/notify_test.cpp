// The notification's subject and message on strings (no network; the handler's moto tests read what SNS
// delivered). Limits: Publish's documentation (botocore's sns model): a subject of fewer than 100 characters.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notify.hpp"

namespace athena_runner::lambda {
namespace {

runner::RunSummary finished(std::string name) {
  runner::RunSummary summary;
  summary.name = std::move(name);
  summary.rendered.scheduled_time = spec::Instant(std::chrono::seconds(1714622400));  // 2024-05-02T04:00:00Z
  summary.state = runner::RunState::Failed;
  summary.reason = "TABLE_NOT_FOUND: line 1:15: \"quoted\"\nsecond line";
  return summary;
}

TEST(Notification, SubjectNamesQueryOutcomeAndSlot) {
  EXPECT_EQ(notification_subject(finished("daily_revenue"), ""),
            "athena-runner: daily_revenue succeeded for 2024-05-02T04:00:00Z");
  EXPECT_EQ(notification_subject(finished("daily_revenue"), "QueryTimedOut"),
            "athena-runner: daily_revenue failed (QueryTimedOut) for 2024-05-02T04:00:00Z");
}

TEST(Notification, TheLongestSubjectIsCutBelowSnsLimit) {
  const std::string longest_name = "q" + std::string(63, 'x');  // the longest query name (64)
  const std::string subject = notification_subject(finished(longest_name), "QueryStillRunning");
  const std::string whole = "athena-runner: " + longest_name + " failed (QueryStillRunning) for 2024-05-02T04:00:00Z";
  EXPECT_EQ(subject, whole.substr(0, 99));
  EXPECT_TRUE(aws::sns::validate_publish({"arn:aws:sns:us-east-1:123456789012:t", "m", subject, {}}));
}

TEST(Notification, MessageIsJsonWithoutEmptyFields) {
  const auto message = nlohmann::json::parse(notification_message(finished("q"), "QueryNotStarted"));
  EXPECT_EQ(message, (nlohmann::json{{"query", "q"},
                                     {"scheduled_time", "2024-05-02T04:00:00Z"},
                                     {"state", "FAILED"},
                                     {"outcome", "failed"},
                                     {"error_type", "QueryNotStarted"},
                                     {"reason", "TABLE_NOT_FOUND: line 1:15: \"quoted\"\nsecond line"},
                                     {"data_scanned_bytes", 0},
                                     {"estimated_cost_usd", 0.0}}));
}

TEST(Notification, OnlyFailuresThatEndTheRunNotify) {
  for (auto type : {kErrorQueryFailed, kErrorQueryCancelled, kErrorQueryTimedOut, kErrorQueryNotStarted})
    EXPECT_TRUE(ends_the_run(type)) << type;
  for (auto type : {kErrorQueryStillRunning, kErrorQueryStateUnknown}) EXPECT_FALSE(ends_the_run(type)) << type;
}

}  // namespace
}  // namespace athena_runner::lambda
