// Engine "athena": the runner's QueryEngine over Amazon Athena (and S3 for the result CSV), through the
// clients of aws/. No DuckDB: this is what the Lambda links.
#pragma once

#include <memory>

#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/runner/engine.hpp"

namespace athena_runner::engine {

std::unique_ptr<runner::QueryEngine> make_athena_query_engine(std::shared_ptr<const aws::ClientContext> context);

}  // namespace athena_runner::engine
