// libFuzzer target for the SQL front end alone (ar_sql: lexer, parser, types, binder, registry), so it
// builds in seconds and runs fast: every input is lexed, parsed, classified and bound against a catalog of
// one table with a column of every type family; a type string goes through both type readers.
//   cmake -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DAR_FUZZ=ON \
//     -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" && ninja -C build-fuzz sql_fuzzer
//   build-fuzz/tests/fuzz/sql_fuzzer -max_total_time=300 /tmp/sql-corpus tests/fuzz/corpus
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "athena_runner/engine/sql/parser.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "fuzz_catalog.hpp"

using namespace athena_runner::sql;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const athena_runner::testing::FuzzCatalog catalog;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  TranslateOptions options;
  options.parameters = {"1", "'x'", "DATE '2024-01-01'"};
  (void)classify_statement(input);
  (void)translate(input, catalog, options);
  (void)validate_parameter_literal(input);
  (void)parse_type(input);
  (void)parse_hive_type(input);
  return 0;
}
