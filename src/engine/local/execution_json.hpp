// A QueryExecution as GetQueryExecution's JSON prints it ({"QueryExecution": {...}}, timestamps as epoch
// seconds): the local engine's execution records, readable back with the Athena client's parser.
#pragma once

#include <string>

#include "athena_runner/aws/athena.hpp"

namespace athena_runner::engine::local {

// The QueryExecution member's object (without the {"QueryExecution": ...} wrapper), as JSON text.
std::string query_execution_json(const aws::athena::QueryExecution& execution);

}  // namespace athena_runner::engine::local
