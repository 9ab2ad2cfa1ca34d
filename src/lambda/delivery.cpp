#include "delivery.hpp"

#include "athena_runner/lambda/handler.hpp"

namespace athena_runner::lambda {

Outcome<std::vector<runner::Delivered>> deliver_results(const runner::RunSummary& summary, runner::QueryEngine& engine,
                                                        runner::ObjectStore* objects, const Clock& clock,
                                                        const runner::PollPolicy& poll, JsonLog& log,
                                                        const std::string& request_id) {
  if (summary.rendered.deliver.empty()) return std::vector<runner::Delivered>{};
  Outcome<std::vector<runner::Delivered>> delivered =
      objects == nullptr ? Outcome<std::vector<runner::Delivered>>(
                               make_error(ErrorKind::Configuration, std::string(kErrorDeliveryFailed),
                                          "delivery to " + summary.rendered.deliver.front().to +
                                              " failed: this handler has no object store to write deliveries with"))
                         : runner::deliver(summary, engine, *objects, clock, poll);
  nlohmann::ordered_json fields;
  fields["query"] = summary.name;
  fields["query_execution_id"] = summary.query_execution_id;
  if (!delivered) {
    fields["error"] = delivered.get_failure().message;
    fields["request_id"] = request_id;
    log.write(LogLevel::Error, "delivery failed", std::move(fields));
    return delivered;
  }
  fields["deliveries"] = nlohmann::ordered_json::parse(runner::deliveries_json(*delivered));
  fields["request_id"] = request_id;
  log.write(LogLevel::Info, "query delivered", std::move(fields));
  return delivered;
}

}  // namespace athena_runner::lambda
