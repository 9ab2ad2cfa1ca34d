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

namespace {

using namespace athena_runner::sql;

class OneTable final : public Catalog {
 public:
  OneTable() {
    table_.database = "default";
    table_.name = "t";
    const char* columns[][2] = {{"i", "integer"},
                                {"b", "bigint"},
                                {"d", "double"},
                                {"m", "decimal(10,2)"},
                                {"s", "varchar"},
                                {"dt", "date"},
                                {"ts", "timestamp(3)"},
                                {"a", "array(integer)"},
                                {"mp", "map(varchar, integer)"},
                                {"r", "row(x integer, y varchar)"},
                                {"f", "boolean"}};
    for (const auto& column : columns) table_.columns.push_back({column[0], *parse_type(column[1])});
  }
  const TableSchema* find_table(const std::string& database, const std::string& table) const override {
    return database == "default" && table == "t" ? &table_ : nullptr;
  }
  bool has_database(const std::string& database) const override { return database == "default"; }

 private:
  TableSchema table_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const OneTable catalog;
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
