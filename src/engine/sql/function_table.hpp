// The registry's entries (function_table.cpp) and the DuckDB macros their templates call.
#pragma once

#include <string>
#include <vector>

#include "athena_runner/engine/sql/functions.hpp"

namespace athena_runner::sql {

std::vector<FunctionEntry> build_function_table();

}  // namespace athena_runner::sql
