// The local engine: an Athena stand-in on an embedded DuckDB, over local files that stand in
// for S3 and a Glue-shaped catalog on disk. See src/engine/local/README.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/base/random.hpp"

namespace athena_runner::engine {

// The codes the engine puts in Error::code (Athena-style names where Athena has one). Code that decides
// on a code parses it (parse_engine_error_code(error.code) == EngineErrorCode::Cancelled); the text stays
// the value in Error::code and in Athena's StateChangeReason.
enum class EngineErrorCode {
  NotSupported,         // construct not (safely) supported
  InvalidParameter,     // bad execution parameter
  InvalidCatalog,       // unreadable Glue definition
  TableData,            // table files missing/unreadable
  QueryFailed,          // the engine rejected the query
  Cancelled,            // interrupt() or cancellation
  Io,                   // writing results (the same text as base/files.hpp's file errors)
  SyntaxError,          // DDL that does not parse
  AlreadyExists,        // DDL: the database, table, column or partition exists
  NotFound,             // DDL: the database, table, column or partition does not exist
  InvalidOperation,     // DDL that cannot apply to this object
  CatalogNotFound,      // a catalog other than awsdatacatalog (Trino's CATALOG_NOT_FOUND)
  ConstraintViolation,  // a query an injected partition projection cannot serve (Athena's CONSTRAINT_VIOLATION)
};
constexpr std::string_view to_string(EngineErrorCode code) {
  switch (code) {
    case EngineErrorCode::NotSupported: return "NOT_SUPPORTED";
    case EngineErrorCode::InvalidParameter: return "INVALID_PARAMETER";
    case EngineErrorCode::InvalidCatalog: return "INVALID_CATALOG";
    case EngineErrorCode::TableData: return "TABLE_DATA_ERROR";
    case EngineErrorCode::QueryFailed: return "QUERY_FAILED";
    case EngineErrorCode::Cancelled: return "USER_CANCELLED";
    case EngineErrorCode::Io: return "IO_ERROR";
    case EngineErrorCode::SyntaxError: return "SYNTAX_ERROR";
    case EngineErrorCode::AlreadyExists: return "ALREADY_EXISTS";
    case EngineErrorCode::NotFound: return "NOT_FOUND";
    case EngineErrorCode::InvalidOperation: return "INVALID_OPERATION";
    case EngineErrorCode::CatalogNotFound: return "CATALOG_NOT_FOUND";
    case EngineErrorCode::ConstraintViolation: return "CONSTRAINT_VIOLATION";
  }
  return "QUERY_FAILED";
}
// nullopt for a code the engine does not produce (e.g. an AWS client's).
std::optional<EngineErrorCode> parse_engine_error_code(std::string_view text);

// The same texts by name, for the places that build errors.
namespace error_codes {
inline constexpr std::string_view kNotSupported = to_string(EngineErrorCode::NotSupported);
inline constexpr std::string_view kInvalidParameter = to_string(EngineErrorCode::InvalidParameter);
inline constexpr std::string_view kInvalidCatalog = to_string(EngineErrorCode::InvalidCatalog);
inline constexpr std::string_view kTableData = to_string(EngineErrorCode::TableData);
inline constexpr std::string_view kQueryFailed = to_string(EngineErrorCode::QueryFailed);
inline constexpr std::string_view kCancelled = to_string(EngineErrorCode::Cancelled);
inline constexpr std::string_view kIo = to_string(EngineErrorCode::Io);
inline constexpr std::string_view kCatalogNotFound = to_string(EngineErrorCode::CatalogNotFound);
inline constexpr std::string_view kConstraintViolation = to_string(EngineErrorCode::ConstraintViolation);
}  // namespace error_codes

struct LocalEngineConfig {
  std::string data_root;                     // s3://bucket/key is read from <data_root>/bucket/key
  std::string catalog_dir;                   // Glue get-table / get-tables JSON files (may be empty)
  std::string default_database = "default";  // searched for unqualified table names
  int threads = 0;                           // 0: DuckDB's default (all cores)
  std::string memory_limit;                  // e.g. "1GB"; empty: DuckDB's default
  Random random = Random::system();          // names of written files when the query id is not a safe name
};

// QueryExecution::StatementType. Code decides on the enum; the text is the wire value.
enum class StatementType { Dml, Ddl, Utility };
std::string_view to_string(StatementType type);  // "DML", "DDL", "UTILITY" as Athena names them
std::optional<StatementType> parse_statement_type(std::string_view text);  // nullopt for other text

struct ResultColumn {
  std::string name;
  std::string type;   // Athena type name: varchar, integer, bigint, double, decimal, date, timestamp, ...
  int precision = 0;  // decimal only
  int scale = 0;      // decimal only
};

using Cell = std::optional<std::string>;  // nullopt is SQL NULL; values rendered as Athena renders them

struct QueryProgress {
  double percentage = -1;  // -1 when unknown
  std::uint64_t rows_processed = 0;
  std::uint64_t total_rows_to_process = 0;
};

struct QueryContext {
  std::string catalog;                            // QueryExecutionContext.Catalog; empty: awsdatacatalog
  std::string database;                           // empty: LocalEngineConfig::default_database
  std::vector<std::string> execution_parameters;  // Athena's positional '?' parameters, as literal text
  std::function<bool()> is_cancelled;             // polled while the query runs; true stops it
  std::function<void(const QueryProgress&)> on_progress;
  // CTAS, UNLOAD and INSERT INTO: written file names start with the id (a random one when empty); a CTAS
  // without external_location writes to <output_location>tables/<id>/ as Athena does (an error when empty).
  std::string query_execution_id;
  std::string output_location;            // s3://bucket/prefix/, ending in '/'
  std::function<void()> on_long_running;  // called once if the query still runs after about 50 ms
};

struct QueryResult {
  std::vector<ResultColumn> columns;
  std::vector<std::vector<Cell>> rows;
  StatementType statement_type = StatementType::Dml;
  // DataScannedInBytes: the bytes the query's execution read from files, as DuckDB's FileSystem log
  // records every read, each byte of a file counted once however often it was read. Files of partitions
  // the filters exclude are not opened; Parquet contributes its footer and the column chunks the query
  // needs, text and JSON files their whole size (a Parquet footer read to plan and again to scan counts
  // once). 0 when no file was read.
  std::int64_t data_scanned_bytes = 0;
  std::chrono::milliseconds planning_time{0};   // dialect translation, views (when files changed)
  std::chrono::milliseconds execution_time{0};  // DuckDB planning and running the query, fetching
  std::string executed_sql;  // the SQL DuckDB ran: the translation, wrapped in a rendering SELECT when needed
};

class LocalEngine {
 public:
  static Outcome<std::unique_ptr<LocalEngine>> open(const LocalEngineConfig& config);
  ~LocalEngine();
  LocalEngine(const LocalEngine&) = delete;
  LocalEngine& operator=(const LocalEngine&) = delete;

  // Runs one Athena (Trino) SQL query. One query at a time per engine.
  Outcome<QueryResult> execute(std::string_view sql, const QueryContext& context = {});
  // Stops the running query (StopQueryExecution); safe to call from another thread.
  void interrupt();
  // "database.table" for every table loaded from the catalog.
  std::vector<std::string> table_names() const;

 private:
  struct Impl;
  explicit LocalEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The result as Athena writes <QueryExecutionId>.csv: a header row, every value double-quoted with
// embedded quotes doubled, NULL as an empty unquoted field, "\n" after every row.
std::string to_athena_csv(const QueryResult& result);
// Writes to_athena_csv(result) to path atomically (temporary file in the same folder, rename), without fsync.
Status write_athena_csv(const QueryResult& result, const std::string& path);

}  // namespace athena_runner::engine
