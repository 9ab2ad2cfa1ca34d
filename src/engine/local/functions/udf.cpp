#include "udf.hpp"

#include "../duckdb_handles.hpp"

namespace athena_runner::engine::udf {

std::string register_all(duckdb_connection connection) {
  std::vector<Scalar> scalars;
  add_error_functions(scalars);
  add_text_functions(scalars);
  add_math_functions(scalars);
  add_datetime_functions(scalars);
  add_regex_functions(scalars);
  add_json_functions(scalars);
  add_sqljson_functions(scalars);
  add_binary_functions(scalars);
  add_string_functions(scalars);
  for (const auto& spec : scalars) {
    duckdb_scalar_function scalar = duckdb_create_scalar_function();
    duckdb_scalar_function_set_name(scalar, spec.name.c_str());
    for (duckdb_type type : spec.params) {
      duck::LogicalType parameter(duckdb_create_logical_type(type));
      duckdb_scalar_function_add_parameter(scalar, parameter.get());
    }
    duck::LogicalType element(duckdb_create_logical_type(spec.returns));
    duck::LogicalType returns(spec.make_returns   ? spec.make_returns()
                              : spec.returns_list ? duckdb_create_list_type(element.get())
                                                  : duckdb_create_logical_type(spec.returns));
    duckdb_scalar_function_set_return_type(scalar, returns.get());
    if (spec.sees_nulls) duckdb_scalar_function_set_special_handling(scalar);
    duckdb_scalar_function_set_function(scalar, spec.function);
    const bool registered = duckdb_register_scalar_function(connection, scalar) == DuckDBSuccess;
    duckdb_destroy_scalar_function(&scalar);
    if (!registered) return spec.name;
  }
  return register_math_extras(connection);
}

}  // namespace athena_runner::engine::udf
