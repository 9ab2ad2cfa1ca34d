// The queries file (docs/queries-file.md, schema/queries.schema.json): loading, validation against the
// embedded JSON Schema plus the checks beyond it, and each query with the defaults applied.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::spec {

// Built-in defaults (docs/queries-file.md).
inline constexpr std::string_view kDefaultWorkgroup = "primary";
inline constexpr std::string_view kDefaultCatalog = "AwsDataCatalog";
inline constexpr std::chrono::seconds kDefaultTimeout{10 * 60};
inline constexpr std::string_view kDefaultTimeZone = "UTC";

enum class ResultFormat { Csv, Json, Table };
std::string_view to_string(ResultFormat format);

// Delivery (docs/queries-file.md, "Delivery"): where a succeeded run's results are copied, in which format.
enum class DeliveryFormat { Csv, CsvGz, Parquet, Json };
std::string_view to_string(DeliveryFormat format);  // "csv", "csv.gz", "parquet", "json"
enum class OverwriteRule { Replace, Keep };
std::string_view to_string(OverwriteRule rule);  // "replace", "keep"

struct Delivery {
  std::string to;  // s3://bucket/key or s3://bucket/prefix/ (ends with '/'), templates allowed in the key
  DeliveryFormat format = DeliveryFormat::Csv;
  OverwriteRule overwrite = OverwriteRule::Replace;
};

// The checks of a `to` beyond the schema, as a message without the key path (the CDK app says the same):
// s3://, a valid bucket without templates, a non-empty key without "//", and a prefix for parquet and json.
std::optional<std::string> delivery_destination_error(std::string_view to, DeliveryFormat format);

// What happens when a slot of a query is due while its previous slot still runs (docs/queries-file.md,
// "Overlap"): Allow starts it at once (the default), Skip does not start it, Queue starts it when the
// running one ends.
enum class OnOverlap { Allow, Skip, Queue };
std::string_view to_string(OnOverlap on_overlap);  // "allow", "skip", "queue"

struct Encryption {
  std::string type;                    // SSE_S3, SSE_KMS or CSE_KMS
  std::optional<std::string> kms_key;  // key ARN; present exactly for the KMS types
};

// Where to publish a run's end (docs/queries-file.md, "Notification"): an SNS topic ARN, or "stack" (the
// function's topic). Absent: no notification of that outcome.
struct Notify {
  std::optional<std::string> on_success;
  std::optional<std::string> on_failure;
  bool operator==(const Notify&) const = default;
};

// The keys `defaults` may set, and a query may override.
struct QuerySettings {
  std::optional<std::string> workgroup;
  std::optional<std::string> catalog;
  std::optional<std::string> database;
  std::optional<std::string> output;
  std::optional<std::chrono::seconds> timeout;
  std::optional<std::string> timezone;
  std::optional<std::chrono::minutes> result_reuse;
  std::optional<Encryption> encryption;
  std::optional<std::string> expected_bucket_owner;
  std::optional<ResultFormat> result_format;
  std::optional<Notify> notify;  // a query's replaces the defaults' as a whole
};

struct TableLocation {
  std::string name;  // "table" or "database.table", as written
  std::string location;
  std::optional<std::string> description;
};

// One query as written in the file.
struct QuerySpec {
  std::string name;
  std::optional<std::string> description;
  std::string sql;                      // the sql key, or the content of sql_file
  std::optional<std::string> sql_file;  // as written (relative to the file's directory)
  std::vector<std::string> parameters;
  std::optional<std::string> schedule;
  std::vector<std::string> after;  // upstream queries (docs/queries-file.md, "Dependencies")
  OnOverlap on_overlap = OnOverlap::Allow;
  bool enabled = true;
  std::vector<std::string> tables;
  std::vector<Delivery> deliver;  // docs/queries-file.md, "Delivery"
  QuerySettings settings;
  int line = 0;  // where the query starts in the file (1-based; 0 when unknown)
};

// A query with the file's defaults and the built-in defaults applied: everything the runner needs.
struct ResolvedQuery {
  std::string name;
  std::optional<std::string> description;
  std::string sql;
  std::vector<std::string> parameters;
  std::optional<std::string> schedule;
  std::vector<std::string> after;
  OnOverlap on_overlap = OnOverlap::Allow;
  bool enabled = true;
  std::vector<std::string> tables;
  std::vector<Delivery> deliver;
  std::string workgroup{kDefaultWorkgroup};
  std::string catalog{kDefaultCatalog};
  std::string database;               // required (defaults or query)
  std::optional<std::string> output;  // may be left to the workgroup
  std::chrono::seconds timeout = kDefaultTimeout;
  std::string timezone{kDefaultTimeZone};
  std::optional<std::chrono::minutes> result_reuse;
  std::optional<Encryption> encryption;
  std::optional<std::string> expected_bucket_owner;
  ResultFormat result_format = ResultFormat::Csv;
  Notify notify;
};

struct QueriesFile {
  std::string path;  // as given to the loader (display name for parse_queries_yaml)
  int version = 1;
  QuerySettings defaults;
  std::vector<TableLocation> tables;  // in file order
  std::vector<QuerySpec> queries;     // in file order

  const QuerySpec* find(std::string_view name) const;
  // The queries that name `name` in their after, in file order (direct dependents only).
  std::vector<const QuerySpec*> dependents(std::string_view name) const;
  // The query with defaults applied; error "UnknownQuery" naming the known queries.
  Outcome<ResolvedQuery> resolved(std::string_view name) const;
  std::vector<ResolvedQuery> resolved_all() const;
};

// Reads, validates and resolves a queries file. On failure the error (code "InvalidQueriesFile") lists
// every problem found, one per line, as `<path>:<line>: <key path>: <problem>`, e.g.
// `examples/bad.yaml:12: queries.daily.timeout: "10 minutes" does not match ^[1-9][0-9]*(s|m|h|d)$ —
// expected a duration: ...`. sql_file is read relative to the file's directory.
Outcome<QueriesFile> load_queries_file(const std::string& path);

// The same from text; `display_name` stands for the path in messages, `base_directory` is where sql_file
// paths are resolved ("" = the current directory).
Outcome<QueriesFile> parse_queries_yaml(std::string_view text, std::string_view display_name,
                                        const std::string& base_directory = {});

// One query spec object as the Lambda receives it in its event (JSON; docs/queries-file.md, "The schedule
// payload"): the keys of #/$defs/query plus "name" (required), with sql inlined (sql_file is refused: there
// is no file to read relative to). Keys it leaves out come from `defaults`, then the built-in defaults.
// Messages name "query spec" as the file.
Outcome<ResolvedQuery> parse_query_spec_json(std::string_view text, const QuerySettings& defaults = {});

// Applies defaults (query settings win, then `defaults`, then built-ins).
ResolvedQuery resolve_query(const QuerySpec& query, const QuerySettings& defaults);

// Checks the embedded schema uses only keywords the validator implements (it always should: a unit test
// runs this); error "UnsupportedSchemaKeyword" naming the keyword and where.
Status check_embedded_schema();

}  // namespace athena_runner::spec
