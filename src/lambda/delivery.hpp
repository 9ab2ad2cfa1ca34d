// The function's delivery step: a succeeded run's results to its query's `deliver` destinations
// (runner/deliver.hpp), logged. The one place both completion modes call on success. Private to
// ar_lambda_handler.
#pragma once

#include <string>
#include <vector>

#include "athena_runner/runner/deliver.hpp"
#include "json_log.hpp"

namespace athena_runner::lambda {

// Logs "query delivered" (each object) or "delivery failed". Error "DeliveryFailed" naming the destination;
// also when the run has destinations and the handler has no object store.
Outcome<std::vector<runner::Delivered>> deliver_results(const runner::RunSummary& summary, runner::QueryEngine& engine,
                                                        runner::ObjectStore* objects, const Clock& clock,
                                                        const runner::PollPolicy& poll, JsonLog& log,
                                                        const std::string& request_id);

}  // namespace athena_runner::lambda
