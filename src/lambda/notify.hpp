// Notification of a finished run (docs/queries-file.md, "Notification"): one SNS message per run this
// invocation finished, to the query's notify target. Private to ar_lambda_handler.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/aws/sns.hpp"
#include "athena_runner/runner/runner.hpp"
#include "athena_runner/spec/queries_file.hpp"
#include "json_log.hpp"

namespace athena_runner::lambda {

// The message's JSON (query, scheduled_time, state, outcome, error_type, reason, query_execution_id,
// data_scanned_bytes, estimated_cost_usd, output_location, workgroup) and its subject line.
std::string notification_message(const runner::RunSummary& summary, std::string_view error_type);
std::string notification_subject(const runner::RunSummary& summary, std::string_view error_type);

// Whether a failure of this errorType ends the run (QueryStillRunning and QueryStateUnknown do not: a retry of
// the invocation waits on the same execution again).
bool ends_the_run(std::string_view error_type);

class Notifier {
 public:
  Notifier(const aws::sns::SnsClient* sns, std::optional<std::string> stack_topic, JsonLog& log,
           std::string request_id);

  // The end of one run (error_type empty: it succeeded): publishes to targets.on_success or .on_failure when
  // set; true when it published. A failed publish is logged ("notification failed") and changes nothing else.
  bool notify(const spec::Notify& targets, const runner::RunSummary& summary, std::string_view error_type);
  // Whether such an end has a target to publish to.
  static bool has_target(const spec::Notify& targets, std::string_view error_type) {
    return target_of(targets, error_type).has_value();
  }

 private:
  // The topic an end publishes to: on_success, or on_failure for an error type.
  static const std::optional<std::string>& target_of(const spec::Notify& targets, std::string_view error_type) {
    return error_type.empty() ? targets.on_success : targets.on_failure;
  }
  const aws::sns::SnsClient* sns_;
  std::optional<std::string> stack_topic_;
  JsonLog& log_;
  std::string request_id_;
};

}  // namespace athena_runner::lambda
