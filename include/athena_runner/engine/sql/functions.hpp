// The allow-list: every function, operator and cast the local engine may run, keyed by Trino signature.
// Each entry says how DuckDB computes it with Trino's semantics (a DuckDB expression template or a C++
// emitter); a call that matches no entry fails with NOT_SUPPORTED naming the function and argument types.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/engine/sql/types.hpp"

namespace athena_runner::sql {

enum class FunctionKind { Scalar, Aggregate, Window, Operator };

struct Resolved;

// The SQL of each argument (already coerced to the parameter types) -> the DuckDB SQL of the call.
using Emitter = std::function<Outcome<std::string>(const std::vector<std::string>& args, const Resolved& call)>;
// The argument types -> the return type, for rules a pattern cannot state (decimal arithmetic).
using ReturnRule = std::function<Outcome<Type>(const std::vector<Type>& args)>;

struct FunctionEntry {
  std::string name;                 // lower case; operators: "$add", "$subtract", ... (see operator_name)
  std::vector<std::string> params;  // type patterns: "bigint", "decimal", "varchar", "T", "array(T)",
                                    // "map(K,V)", "function(T,boolean)"; "decimal" / "varchar" / "timestamp"
                                    // without arguments match any precision
  std::string returns;              // a pattern over the parameters' variables (or "" with `rule`)
  FunctionKind kind = FunctionKind::Scalar;
  bool variadic = false;       // the last parameter repeats (one or more times)
  bool packed_lambda = false;  // a lambda's parameters are the fields of its one struct parameter ("lambda p:")
  std::string duck;            // DuckDB template: {0}, {1}, ... the arguments; {*} all, comma-separated;
                               // {R} the DuckDB type of the result; {T0}, {T1}: the parameter types
  Emitter emit;                // instead of `duck`
  ReturnRule rule;             // instead of `returns`
  std::string description;
};

struct Resolved {
  const FunctionEntry* entry = nullptr;
  std::vector<Type> params;  // the concrete parameter types the arguments are coerced to
  Type returns;
  std::vector<std::optional<std::string>> constants;  // each argument's value when it is a string literal
  std::string modifiers_order;                        // aggregates: " ORDER BY ..." inside the call ({O} in templates)
  std::string modifiers_after;  // aggregates and windows: " FILTER (...)", " OVER (...)" after it ({F})
};

// Every entry, in resolution order (the first of equally good matches wins).
const std::vector<FunctionEntry>& registry();

// "$add" for "+", ...; the printed form for messages ("+" for "$add").
std::string operator_name(std::string_view op);
std::string display_name(std::string_view name);

// Binds a lambda argument: given the lambda's parameter types, returns its body's type.
// `packed`: the lambda takes one struct whose fields are the parameters (see FunctionEntry::packed_lambda).
using LambdaBinder =
    std::function<Outcome<Type>(std::size_t argument, const std::vector<Type>& parameters, bool packed)>;

// The entry for `name` over `args` (Function-kind types stand for lambdas: bound through `lambda`), with
// Trino's implicit coercions; NOT_SUPPORTED naming the signature when none matches.
Outcome<Resolved> resolve_function(std::string_view name, const std::vector<Type>& args, FunctionKind kind,
                                   const LambdaBinder& lambda = {});
// True when some entry of that name and kind exists (for messages: "not supported for these types").
bool has_function(std::string_view name, FunctionKind kind);
bool has_function(std::string_view name);

// The DuckDB SQL of a call from its entry's template.
Outcome<std::string> emit_call(const Resolved& call, const std::vector<std::string>& args);

// DuckDB's name for a Trino type (VARCHAR, DECIMAL(10,2), INTEGER[], STRUCT("a" INTEGER), ...).
Outcome<std::string> duck_type(const Type& type);

// The DuckDB macros the registry's templates call (ar_*), run once per connection.
std::vector<std::string> duckdb_macros();

// Trino's documented function names (functions/list) but its special forms and the families outside a data
// lake's queries (geospatial, machine learning, sketches): the universe the registry is drawn from.
const std::vector<std::string>& trino_function_names();

// Trino functions that are known and not in the registry, with why (SHOW FUNCTIONS' complement; the
// refusal test walks them).
const std::vector<std::string>& known_unsupported_functions();

}  // namespace athena_runner::sql
