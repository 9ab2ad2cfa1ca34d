// One SNS message per finished run. Published after the run's outcome is settled (in events mode after the run
// record's final write), so a duplicate event never notifies twice; a lost publish is logged, not retried by a
// failed invocation, since failing a succeeded run would re-run it in wait mode.
#include "notify.hpp"

#include <utility>

#include "athena_runner/spec/schedule.hpp"
#include "athena_runner/spec/value_formats.hpp"

namespace athena_runner::lambda {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view kSubjectPrefix = "athena-runner: ";

}  // namespace

bool ends_the_run(std::string_view error_type) {
  return error_type != kErrorQueryStillRunning && error_type != kErrorQueryStateUnknown;
}

std::string notification_message(const runner::RunSummary& summary, std::string_view error_type) {
  ordered_json message;
  message["query"] = summary.name;
  message["scheduled_time"] = spec::format_utc(summary.rendered.scheduled_time);
  message["state"] = std::string(to_string(summary.state));
  message["outcome"] = error_type.empty() ? "succeeded" : "failed";
  if (!error_type.empty()) message["error_type"] = std::string(error_type);
  if (!summary.reason.empty()) message["reason"] = summary.reason;
  if (!summary.query_execution_id.empty()) message["query_execution_id"] = summary.query_execution_id;
  message["data_scanned_bytes"] = summary.data_scanned_bytes;
  message["estimated_cost_usd"] = summary.estimated_cost_usd;
  if (!summary.output_location.empty()) message["output_location"] = summary.output_location;
  if (!summary.rendered.workgroup.empty()) message["workgroup"] = summary.rendered.workgroup;
  return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string notification_subject(const runner::RunSummary& summary, std::string_view error_type) {
  std::string subject(kSubjectPrefix);
  subject += summary.name;
  subject += error_type.empty() ? " succeeded" : " failed (" + std::string(error_type) + ")";
  subject += " for " + spec::format_utc(summary.rendered.scheduled_time);
  // Query names, error types and times are ASCII: a byte is a character. SNS wants fewer than 100.
  if (subject.size() > aws::sns::kMaxSubjectCharacters) subject.resize(aws::sns::kMaxSubjectCharacters);
  return subject;
}

Notifier::Notifier(const aws::sns::SnsClient* sns, std::optional<std::string> stack_topic, JsonLog& log,
                   std::string request_id)
    : sns_(sns), stack_topic_(std::move(stack_topic)), log_(log), request_id_(std::move(request_id)) {}

bool Notifier::notify(const spec::Notify& targets, const runner::RunSummary& summary, std::string_view error_type) {
  const auto& target = target_of(targets, error_type);
  if (!target) return false;
  ordered_json fields;
  fields["query"] = summary.name;
  fields["query_execution_id"] = summary.query_execution_id;
  fields["outcome"] = error_type.empty() ? "succeeded" : "failed";
  fields["target"] = *target;
  fields["request_id"] = request_id_;
  auto failed = [&](std::string why) {
    fields["error"] = std::move(why);
    log_.write(LogLevel::Error, "notification failed", std::move(fields));
    return false;
  };
  std::string topic = *target;
  if (topic == spec::kStackTopic) {
    if (!stack_topic_) return failed("notify names stack, but " + std::string(kNotifyTopicVariable) + " is not set");
    topic = *stack_topic_;
  }
  if (sns_ == nullptr) return failed("this handler has no SNS client");
  aws::sns::PublishRequest request;
  request.topic_arn = topic;
  request.message = notification_message(summary, error_type);
  request.subject = notification_subject(summary, error_type);
  // For subscription filter policies.
  request.message_attributes = {{"query", summary.name}, {"outcome", error_type.empty() ? "succeeded" : "failed"}};
  fields["topic"] = topic;
  auto published = sns_->publish(request);
  if (!published) return failed(published.get_failure().to_string());
  fields["message_id"] = published->message_id;
  log_.write(LogLevel::Info, "notification sent", std::move(fields));
  return true;
}

}  // namespace athena_runner::lambda
