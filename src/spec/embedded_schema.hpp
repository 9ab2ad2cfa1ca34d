// The queries-file JSON Schema (schema/queries.schema.json), embedded at build time.
#pragma once

#include <string_view>

namespace athena_runner::spec::detail {

std::string_view embedded_queries_schema();

}  // namespace athena_runner::spec::detail
