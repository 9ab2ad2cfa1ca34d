// libFuzzer target for the parsers of outside input outside the server: the first byte picks the
// parser, the rest is its input. Every parser must answer with a value or an error, never crash, hang
// or read out of bounds. Built as a fuzzer with -DAR_FUZZ=ON and clang; replayed over corpus/ by the
// unit tests in every build.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/engine/sql/parser.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "athena_runner/runner/runner.hpp"
#include "athena_runner/spec/queries_file.hpp"
#include "athena_runner/spec/render.hpp"
#include "athena_runner/spec/schedule.hpp"
#include "athena_runner/spec/template.hpp"
#include "athena_runner/spec/value_formats.hpp"
#include "ddl.hpp"
#include "fuzz_catalog.hpp"
#include "hive_types.hpp"
#include "writes.hpp"

namespace {

namespace spec = athena_runner::spec;
namespace local = athena_runner::engine::local;
namespace sql = athena_runner::sql;

const spec::Instant kSlot{std::chrono::seconds(1'714'622'400)};  // 2024-05-02T04:00:00Z

void render_all(const std::vector<spec::ResolvedQuery>& queries) {
  for (const auto& query : queries) (void)spec::render_query(query, kSlot);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0:  // Athena's result CSV (the runner's fast path)
      (void)athena_runner::runner::parse_athena_csv(input, 0);
      (void)athena_runner::runner::parse_athena_csv(input, 2);
      break;
    case 1: {  // a queries file; what validates is resolved and rendered
      auto file = spec::parse_queries_yaml(input, "fuzz.yaml", "/nonexistent-athena-runner-fuzz");
      if (file) render_all(file->resolved_all());
      break;
    }
    case 2: {  // the Lambda's query spec (JSON)
      auto query = spec::parse_query_spec_json(input);
      if (query) render_all({*query});
      break;
    }
    case 3: {  // a template on its own
      spec::TemplateContext context;
      context.scheduled_time = kSlot;
      context.time_zone = "Europe/Berlin";
      context.query_name = "fuzz";
      (void)spec::render_template(input, context, "fuzz");
      break;
    }
    case 4: {  // a schedule expression, and a week of its fire times
      auto schedule = spec::parse_schedule(input);
      if (schedule) (void)spec::fire_times(*schedule, "Europe/Berlin", kSlot, kSlot + std::chrono::hours(24 * 7), 200);
      break;
    }
    case 5:  // the small value formats of the CLI and the queries file
      (void)spec::parse_instant(input);
      (void)spec::parse_duration(input);
      (void)spec::parse_result_reuse(input);
      (void)spec::parse_s3_location(input);
      (void)spec::time_zone_error(input);
      (void)spec::count_parameter_placeholders(input);
      break;
    case 6:  // a Hive column type from a Glue table definition
      (void)local::hive_to_duckdb_type(input);
      break;
    case 7: {  // Athena SQL and its parameters, as the local engine reads them: the front end, bound
      // against a catalog of one table (every type family), and the DDL and write statements' readers
      static const athena_runner::testing::FuzzCatalog catalog;
      sql::TranslateOptions options;
      options.parameters = {"1", "'x'"};
      (void)sql::classify_statement(input);
      (void)sql::translate(input, catalog, options);
      (void)local::is_hive_ddl(input);
      if (local::is_write_statement(input)) (void)local::parse_write_statement(input);
      (void)sql::validate_parameter_literal(input);
      break;
    }
  }
  return 0;
}
