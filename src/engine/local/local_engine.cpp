#include "athena_runner/engine/local_engine.hpp"

#include <duckdb.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "athena_runner/base/text.hpp"
#include "athena_runner/catalog/catalog_store.hpp"
#include "athena_runner/engine/sql/functions.hpp"
#include "athena_runner/engine/sql/parser.hpp"
#include "athena_runner/engine/sql/translate.hpp"
#include "catalog.hpp"
#include "ddl.hpp"
#include "duckdb_handles.hpp"
#include "functions/udf.hpp"
#include "hive_types.hpp"
#include "projection.hpp"
#include "writes.hpp"

namespace athena_runner::engine {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr auto kProgressInterval = std::chrono::milliseconds(100);
constexpr auto kWatchInterval = std::chrono::milliseconds(50);  // how soon a long query sees a stop
constexpr std::string_view kMainSchema = "main";
constexpr std::string_view kResultAlias = "ar_result";
constexpr std::string_view kTimestampFormat = "%Y-%m-%d %H:%M:%S.%g";  // Athena's timestamp(3) rendering
// DataScannedInBytes: every read from a file in DuckDB's FileSystem log since it was cleared (path, offset, length).
constexpr std::string_view kFileReadsSql =
    "SELECT json_extract_string(message, 'path'), TRY_CAST(json_extract_string(message, 'pos') AS BIGINT), "
    "TRY_CAST(json_extract_string(message, 'bytes') AS BIGINT) FROM duckdb_logs "
    "WHERE type = 'FileSystem' AND json_extract_string(message, 'op') = 'READ'";

Error engine_error(std::string_view code, const std::string& message) {
  return make_error(ErrorKind::InvalidInput, std::string(code), message);
}

bool is_json_alias(duckdb_logical_type type) {
  const duck::String alias(duckdb_logical_type_get_alias(type));
  return alias.view() == "JSON";
}

// The Athena type name of a DuckDB type (ColumnInfo.Type).
std::string athena_type(duckdb_logical_type type) {
  if (is_json_alias(type)) return "json";
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN: return "boolean";
    case DUCKDB_TYPE_TINYINT: return "tinyint";
    case DUCKDB_TYPE_SMALLINT: return "smallint";
    case DUCKDB_TYPE_INTEGER: return "integer";
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT: return "bigint";
    case DUCKDB_TYPE_FLOAT: return "real";
    case DUCKDB_TYPE_DOUBLE: return "double";
    case DUCKDB_TYPE_DECIMAL: return "decimal";
    case DUCKDB_TYPE_DATE: return "date";
    case DUCKDB_TYPE_TIME: return "time";
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS: return "timestamp";
    case DUCKDB_TYPE_TIMESTAMP_TZ: return "timestamp with time zone";
    case DUCKDB_TYPE_INTERVAL: return "interval day to second";
    case DUCKDB_TYPE_BLOB: return "varbinary";
    case DUCKDB_TYPE_UUID: return "uuid";
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY: return "array";
    case DUCKDB_TYPE_MAP: return "map";
    case DUCKDB_TYPE_STRUCT: return "row";
    default: return "varchar";
  }
}

// SQL rendering `expr` as Athena renders the value in its CSV output (NULL stays NULL).
std::string render_expression(const std::string& expr, duckdb_logical_type type, int depth) {
  const std::string variable = "ar_v" + std::to_string(depth);
  auto element = [&](duckdb_logical_type child, const std::string& child_expr) {
    return "coalesce(" + render_expression(child_expr, child, depth + 1) + ", 'null')";
  };
  if (is_json_alias(type)) return "CAST(" + expr + " AS VARCHAR)";
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_VARCHAR: return expr;
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return "strftime(CAST(" + expr + " AS TIMESTAMP), '" + std::string(kTimestampFormat) + "')";
    case DUCKDB_TYPE_TIMESTAMP_TZ: return "strftime(" + expr + ", '" + std::string(kTimestampFormat) + "') || ' UTC'";
    case DUCKDB_TYPE_BLOB: return "rtrim(regexp_replace(lower(hex(" + expr + ")), '(..)', '\\1 ', 'g'))";
    // Doubles and reals as Java's Double.toString / Float.toString print them (Athena's text), also inside
    // arrays, maps and rows.
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_FLOAT: return "ar_java_text(" + expr + ")";
    // DuckDB writes a decimal(p, p) without its leading zero (-.05); Athena writes -0.05.
    case DUCKDB_TYPE_DECIMAL: return "regexp_replace(CAST(" + expr + " AS VARCHAR), '^(-?)[.]', '\\10.')";
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY: {
      bool is_list = duckdb_get_type_id(type) == DUCKDB_TYPE_LIST;
      duck::LogicalType child(is_list ? duckdb_list_type_child_type(type) : duckdb_array_type_child_type(type));
      return "CASE WHEN " + expr + " IS NULL THEN NULL ELSE '[' || coalesce(array_to_string(list_transform(" + expr +
             ", lambda " + variable + ": " + element(child.get(), variable) + "), ', '), '') || ']' END";
    }
    case DUCKDB_TYPE_MAP: {
      duck::LogicalType key(duckdb_map_type_key_type(type));
      duck::LogicalType value(duckdb_map_type_value_type(type));
      return "CASE WHEN " + expr +
             " IS NULL THEN NULL ELSE '{' || coalesce(array_to_string(list_transform(map_entries(" + expr + "), " +
             "lambda " + variable + ": " + element(key.get(), variable + ".key") + " || '=' || " +
             element(value.get(), variable + ".value") + "), ', '), '') || '}' END";
    }
    case DUCKDB_TYPE_STRUCT: {
      std::string fields;
      idx_t count = duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < count; ++i) {
        const duck::String name(duckdb_struct_type_child_name(type, i));
        duck::LogicalType child(duckdb_struct_type_child_type(type, i));
        // An anonymous field (ROW(1, 'a')) is named by its position, as Trino names it: field0, field1, ...
        const std::string field_name = name.view().empty() ? "field" + std::to_string(i) : std::string(name.view());
        fields += std::string(i ? " || ', ' || " : "") + local::quote_literal(field_name + "=") + " || " +
                  element(child.get(), "struct_extract_at(" + expr + ", " + std::to_string(i + 1) + ")");
      }
      return "CASE WHEN " + expr + " IS NULL THEN NULL ELSE '{' || " + (fields.empty() ? "''" : fields) + " || '}' END";
    }
    default: return "CAST(" + expr + " AS VARCHAR)";
  }
}

// Result columns whose Athena text C++ produces straight from DuckDB's vectors; a result with any other
// type (blobs, times, intervals, nested types, ...) is rendered by a wrapping SELECT.
enum class DirectKind {
  None,
  Text,
  Boolean,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Int128,
  Float,
  Double,
  Decimal16,
  Decimal32,
  Decimal64,
  Decimal128,
  Date,
  Timestamp,  // microseconds
  TimestampSeconds,
  TimestampMillis,
  TimestampNanos,
  TimestampTz  // microseconds, shown in the session time zone (UTC)
};

DirectKind direct_kind(duckdb_logical_type type) {
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_VARCHAR: return DirectKind::Text;  // also JSON, whose text is its value
    case DUCKDB_TYPE_BOOLEAN: return DirectKind::Boolean;
    case DUCKDB_TYPE_TINYINT: return DirectKind::Int8;
    case DUCKDB_TYPE_SMALLINT: return DirectKind::Int16;
    case DUCKDB_TYPE_INTEGER: return DirectKind::Int32;
    case DUCKDB_TYPE_BIGINT: return DirectKind::Int64;
    case DUCKDB_TYPE_UTINYINT: return DirectKind::UInt8;
    case DUCKDB_TYPE_USMALLINT: return DirectKind::UInt16;
    case DUCKDB_TYPE_UINTEGER: return DirectKind::UInt32;
    case DUCKDB_TYPE_UBIGINT: return DirectKind::UInt64;
    case DUCKDB_TYPE_HUGEINT: return DirectKind::Int128;  // sum() of integers
    case DUCKDB_TYPE_FLOAT: return DirectKind::Float;
    case DUCKDB_TYPE_DOUBLE: return DirectKind::Double;
    case DUCKDB_TYPE_DATE: return DirectKind::Date;
    case DUCKDB_TYPE_TIMESTAMP: return DirectKind::Timestamp;
    case DUCKDB_TYPE_TIMESTAMP_S: return DirectKind::TimestampSeconds;
    case DUCKDB_TYPE_TIMESTAMP_MS: return DirectKind::TimestampMillis;
    case DUCKDB_TYPE_TIMESTAMP_NS: return DirectKind::TimestampNanos;
    case DUCKDB_TYPE_TIMESTAMP_TZ: return DirectKind::TimestampTz;
    case DUCKDB_TYPE_DECIMAL:
      switch (duckdb_decimal_internal_type(type)) {
        case DUCKDB_TYPE_SMALLINT: return DirectKind::Decimal16;
        case DUCKDB_TYPE_INTEGER: return DirectKind::Decimal32;
        case DUCKDB_TYPE_BIGINT: return DirectKind::Decimal64;
        case DUCKDB_TYPE_HUGEINT: return DirectKind::Decimal128;  // sum() of decimals
        default: return DirectKind::None;
      }
    default: return DirectKind::None;
  }
}

__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

Int128 to_int128(duckdb_hugeint value) {
  return static_cast<Int128>((static_cast<UInt128>(static_cast<std::uint64_t>(value.upper)) << 64) | value.lower);
}

// DuckDB's CAST(decimal AS VARCHAR): the unscaled value with `scale` digits after the point.
std::string decimal_text(Int128 unscaled, int scale) {
  const bool negative = unscaled < 0;
  UInt128 magnitude = negative ? UInt128(0) - static_cast<UInt128>(unscaled) : static_cast<UInt128>(unscaled);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  if (scale == 0) return negative ? "-" + digits : digits;
  if (digits.size() <= static_cast<std::size_t>(scale))
    digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
  digits.insert(digits.size() - static_cast<std::size_t>(scale), 1, '.');
  return negative ? "-" + digits : digits;
}

// DuckDB's CAST(date AS VARCHAR): YYYY-MM-DD; dates outside years 1-9999 and infinities are left to DuckDB.
std::string date_text(duckdb_date date) {
  duckdb_date_struct parts = duckdb_from_date(date);
  if (duckdb_is_finite_date(date) && parts.year >= 1 && parts.year <= 9999) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", parts.year, parts.month, parts.day);
    return buffer;
  }
  const duck::Value value(duckdb_create_date(date));
  const duck::String text(duckdb_get_varchar(value.get()));
  return std::string(text.view());
}

// strftime(CAST(t AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%g') of a timestamp in microseconds (Athena's
// timestamp(3)); nullopt outside years 1-9999 and for infinities, which are left to DuckDB.
std::optional<std::string> timestamp_text(std::int64_t micros) {
  const duckdb_timestamp timestamp{micros};
  if (!duckdb_is_finite_timestamp(timestamp)) return std::nullopt;
  const duckdb_timestamp_struct parts = duckdb_from_timestamp(timestamp);
  if (parts.date.year < 1 || parts.date.year > 9999) return std::nullopt;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%03d", parts.date.year, parts.date.month,
                parts.date.day, parts.time.hour, parts.time.min, parts.time.sec, parts.time.micros / 1000);
  return std::string(buffer);
}

// A timestamp's microseconds as DuckDB's CAST(... AS TIMESTAMP) computes them (truncating).
std::int64_t timestamp_micros(DirectKind kind, void* data, idx_t row) {
  const std::int64_t value = static_cast<std::int64_t*>(data)[row];
  switch (kind) {
    case DirectKind::TimestampSeconds: return value * 1'000'000;
    case DirectKind::TimestampMillis: return value * 1'000;
    case DirectKind::TimestampNanos: return value / 1'000;
    default: return value;
  }
}

bool is_timestamp(DirectKind kind) {
  return kind == DirectKind::Timestamp || kind == DirectKind::TimestampSeconds || kind == DirectKind::TimestampMillis ||
         kind == DirectKind::TimestampNanos || kind == DirectKind::TimestampTz;
}

// The Athena text of row `row` of a vector of the given kind (valid rows only; timestamps elsewhere).
std::string direct_text(DirectKind kind, void* data, idx_t row, int scale) {
  switch (kind) {
    case DirectKind::Text: {
      auto* strings = static_cast<duckdb_string_t*>(data);
      return std::string(duckdb_string_t_data(&strings[row]), duckdb_string_t_length(strings[row]));
    }
    case DirectKind::Boolean: return static_cast<bool*>(data)[row] ? "true" : "false";
    case DirectKind::Int8: return std::to_string(static_cast<std::int8_t*>(data)[row]);
    case DirectKind::Int16: return std::to_string(static_cast<std::int16_t*>(data)[row]);
    case DirectKind::Int32: return std::to_string(static_cast<std::int32_t*>(data)[row]);
    case DirectKind::Int64: return std::to_string(static_cast<std::int64_t*>(data)[row]);
    case DirectKind::UInt8: return std::to_string(static_cast<std::uint8_t*>(data)[row]);
    case DirectKind::UInt16: return std::to_string(static_cast<std::uint16_t*>(data)[row]);
    case DirectKind::UInt32: return std::to_string(static_cast<std::uint32_t*>(data)[row]);
    case DirectKind::UInt64: return std::to_string(static_cast<std::uint64_t*>(data)[row]);
    case DirectKind::Int128: return decimal_text(to_int128(static_cast<duckdb_hugeint*>(data)[row]), 0);
    case DirectKind::Float: return udf::java_floating_string(static_cast<float*>(data)[row]);
    case DirectKind::Double: return udf::java_floating_string(static_cast<double*>(data)[row]);
    case DirectKind::Decimal16: return decimal_text(static_cast<std::int16_t*>(data)[row], scale);
    case DirectKind::Decimal32: return decimal_text(static_cast<std::int32_t*>(data)[row], scale);
    case DirectKind::Decimal64: return decimal_text(static_cast<std::int64_t*>(data)[row], scale);
    case DirectKind::Decimal128: return decimal_text(to_int128(static_cast<duckdb_hugeint*>(data)[row]), scale);
    case DirectKind::Date: return date_text(static_cast<duckdb_date*>(data)[row]);
    default: break;
  }
  return {};
}

// Java's Double.toString / Float.toString (what Athena prints) from DuckDB's shortest rendering.
template <class Floating>
std::string java_floating_string(const std::string& duck_text) {
  Floating value{};
  if (duck_text == "nan" || duck_text == "NaN" || duck_text == "-nan") return "NaN";
  if (duck_text == "inf" || duck_text == "Infinity") return "Infinity";
  if (duck_text == "-inf" || duck_text == "-Infinity") return "-Infinity";
  auto [end, error] = std::from_chars(duck_text.data(), duck_text.data() + duck_text.size(), value);
  if (error != std::errc() || end != duck_text.data() + duck_text.size()) return duck_text;
  return udf::java_floating_string(value);
}

// Athena names a select item that is neither a column nor aliased "_col<position>"; DuckDB names it
// after the expression text, which is recognisable by its parentheses, quotes or leading digit.
std::string athena_column_name(const char* duck_name, idx_t position) {
  std::string name = duck_name ? duck_name : "";
  bool expression = name.empty() || name.find_first_of("()'") != std::string::npos ||
                    std::isdigit(static_cast<unsigned char>(name[0])) || name == "NULL";
  return expression ? "_col" + std::to_string(position) : name;
}

using text::lower;
using text::upper;

}  // namespace

// The Glue catalog as the SQL front end's binder sees it: each table's columns (then partition keys) with
// their Trino types.
class CatalogView final : public sql::Catalog {
 public:
  void reset(const std::vector<local::CatalogTable>& tables, const std::set<std::string>& databases) {
    schemas_.clear();
    databases_ = databases;
    for (const auto& table : tables) {
      sql::TableSchema schema;
      schema.database = table.database;
      schema.name = table.name;
      schema.problem = table.problem;
      for (const auto* columns : {&table.columns, &table.partition_keys}) {
        for (const auto& column : *columns) {
          auto type = sql::parse_hive_type(column.hive_type);
          if (!type) {
            if (schema.problem.empty()) {
              schema.problem = "column " + column.name + " has type " + column.hive_type +
                               ", which the local engine does not support";
            }
            continue;
          }
          schema.columns.push_back(sql::TableColumn{column.name, *type});
        }
      }
      if (schema.problem.empty()) schema.partition_keys = table.partition_keys.size();
      schemas_[table.database + "." + table.name] = std::move(schema);
    }
  }
  const sql::TableSchema* find_table(const std::string& database, const std::string& table) const override {
    auto found = schemas_.find(database + "." + table);
    return found == schemas_.end() ? nullptr : &found->second;
  }
  bool has_database(const std::string& database) const override { return databases_.count(database) > 0; }

 private:
  std::map<std::string, sql::TableSchema> schemas_;
  std::set<std::string> databases_;
};

// Whether the DuckDB result column computes the Trino type the binder gave it (the check that no value
// is printed by DuckDB's rules for a type Athena does not give).
bool same_type(const std::string& duck_athena_type, const sql::Type& bound) {
  if (bound.kind == sql::TypeKind::Unknown) return true;
  const std::string expected = sql::column_type_name(bound);
  if (duck_athena_type == expected) return true;
  // Intervals and times arrive as Trino's text of them (the front end writes it; DuckDB has one interval type
  // and prints a time without its zero fraction).
  if ((bound.kind == sql::TypeKind::IntervalYearToMonth || bound.kind == sql::TypeKind::IntervalDayToSecond ||
       bound.kind == sql::TypeKind::Time) &&
      duck_athena_type == "varchar") {
    return true;
  }
  return false;
}

struct LocalEngine::Impl {
  LocalEngineConfig config;
  CatalogView catalog_view;
  // Destroyed in reverse order: the prepared statements (below), then the connection, then the database.
  duck::Database database;
  duck::Connection connection;
  std::vector<local::CatalogTable> tables;
  std::map<std::string, std::size_t> table_index;  // "db.table" -> tables[i]
  std::set<std::string> databases;
  std::map<std::size_t, std::string> view_signatures;  // tables[i] -> TableFiles::signature of its current view
  local::FolderWatch folder_watch;                     // tables[i] -> has anything changed under its folder
  std::string catalog_signal;                          // the catalog store's fingerprint when `tables` were loaded
  std::atomic<bool> running{false};
  std::atomic<bool> interrupted{false};
  std::string search_path;  // the database the connection's search_path names now
  // Prepared once: planning these two at every query cost about a millisecond.
  duck::PreparedStatement clear_log;
  duck::PreparedStatement read_log;

  // The watcher: while a query runs longer than kWatchInterval, a second thread checks for cancellation
  // (QueryContext::is_cancelled, interrupt()) and reports progress, so the query itself runs in one
  // duckdb_query call (a prepared statement would be planned twice: at prepare and again at execution).
  std::mutex watch_mutex;
  std::condition_variable watch_wake;
  const QueryContext* watched = nullptr;     // the running query's context, while it runs
  std::atomic<std::uint64_t> executions{0};  // execute() calls so far (one query may run several statements)
  bool closing = false;
  std::thread watcher;

  ~Impl() {
    if (watcher.joinable()) {
      {
        std::lock_guard lock(watch_mutex);
        closing = true;
      }
      watch_wake.notify_all();
      watcher.join();
    }
  }

  Status run(const std::string& sql, std::string_view code) {
    duck::Result result;
    if (duckdb_query(connection.get(), sql.c_str(), result.out()) == DuckDBError)
      return engine_error(code, result.error());
    return Ok{};
  }

  void watch() {
    std::unique_lock lock(watch_mutex);
    auto last_progress = Clock::now();
    std::uint64_t reported_long = 0;  // the execute() whose on_long_running was called
    while (!closing) {
      if (!watched) {
        watch_wake.wait(lock);
        last_progress = Clock::now();
        continue;
      }
      if (watch_wake.wait_for(lock, kWatchInterval, [&] { return closing || !watched; })) continue;
      // Called with watch_mutex held: execute() can not return (and drop the context) meanwhile.
      const QueryContext& context = *watched;
      if (context.on_long_running && reported_long != executions) {
        reported_long = executions;
        context.on_long_running();
      }
      if (interrupted || (context.is_cancelled && context.is_cancelled())) {
        interrupted = true;
        duckdb_interrupt(connection.get());
      }
      if (context.on_progress && Clock::now() - last_progress >= kProgressInterval) {
        last_progress = Clock::now();
        auto progress = duckdb_query_progress(connection.get());
        context.on_progress(
            QueryProgress{progress.percentage, progress.rows_processed, progress.total_rows_to_process});
      }
    }
  }

  // Runs one statement under the watcher (what `result` held is destroyed first). On failure `result`
  // holds the error.
  bool run_watched(const std::string& sql, const QueryContext& context, duck::Result& result) {
    {
      std::lock_guard lock(watch_mutex);
      if (!watcher.joinable()) watcher = std::thread([this] { watch(); });
      watched = &context;
    }
    watch_wake.notify_all();
    running = true;
    // A stop that came before the query started: the watcher interrupts it at its first look.
    const bool ok = duckdb_query(connection.get(), sql.c_str(), result.out()) == DuckDBSuccess;
    running = false;
    {
      std::lock_guard lock(watch_mutex);
      watched = nullptr;
    }
    watch_wake.notify_all();
    return ok;
  }

  // DuckDB's parser: the text is exactly one statement (duckdb_query would run every one of several).
  Status one_statement(const std::string& sql) {
    duck::ExtractedStatements extracted;
    const idx_t count = duckdb_extract_statements(connection.get(), sql.c_str(), extracted.out());
    if (count == 0)
      return engine_error(error_codes::kQueryFailed,
                          duck::error_text(duckdb_extract_statements_error(extracted.get())));
    if (count > 1) return engine_error(error_codes::kNotSupported, "only one SQL statement is allowed per query");
    return Ok{};
  }

  // On failure `statement` holds the error (and is destroyed with its owner).
  Status prepare(const char* sql, duck::PreparedStatement& statement) {
    if (duckdb_prepare(connection.get(), sql, statement.out()) == DuckDBError)
      return engine_error(error_codes::kQueryFailed, duck::error_text(duckdb_prepare_error(statement.get())));
    return Ok{};
  }

  // Each parameter must be one literal (checked before it reaches the SQL).
  static Status check_parameters(const std::vector<std::string>& parameters) {
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      if (auto valid = sql::validate_parameter_literal(parameters[i]); !valid) {
        return engine_error(error_codes::kInvalidParameter,
                            "execution parameter " + std::to_string(i + 1) + ": " + valid.get_failure().message);
      }
    }
    return Ok{};
  }

  // After the query failed: the first parameter DuckDB can not evaluate on its own (e.g. DATE '2024-13-01')
  // is the error to report, naming its position. Run only then, so a good query plans no extra statement.
  std::optional<Error> bad_parameter(const std::vector<std::string>& parameters) {
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      if (auto probe = run("SELECT " + parameters[i], error_codes::kInvalidParameter); !probe) {
        return engine_error(
            error_codes::kInvalidParameter,
            "execution parameter " + std::to_string(i + 1) + " is not a valid literal: " + probe.get_failure().message);
      }
    }
    return std::nullopt;
  }

  // The bytes of the files read since clear_read_log(), each byte counted once however often it was read
  // (a Parquet footer is read to plan and again to scan); 0 when DuckDB's log cannot be read.
  std::int64_t bytes_read_since_clear() {
    duck::Result result;
    if (duckdb_execute_prepared(read_log.get(), result.out()) == DuckDBError) return 0;
    std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> ranges;  // path -> [begin, end)
    while (const duck::DataChunk chunk{duckdb_fetch_chunk(*result.get())}) {
      idx_t rows = duckdb_data_chunk_get_size(chunk.get());
      auto* paths = static_cast<duckdb_string_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk.get(), 0)));
      duckdb_vector offset_vector = duckdb_data_chunk_get_vector(chunk.get(), 1);
      duckdb_vector length_vector = duckdb_data_chunk_get_vector(chunk.get(), 2);
      auto* offsets = static_cast<std::int64_t*>(duckdb_vector_get_data(offset_vector));
      auto* lengths = static_cast<std::int64_t*>(duckdb_vector_get_data(length_vector));
      uint64_t* offsets_valid = duckdb_vector_get_validity(offset_vector);
      uint64_t* lengths_valid = duckdb_vector_get_validity(length_vector);
      for (idx_t row = 0; row < rows; ++row) {
        if ((offsets_valid && !duckdb_validity_row_is_valid(offsets_valid, row)) ||
            (lengths_valid && !duckdb_validity_row_is_valid(lengths_valid, row)))
          continue;
        std::string path(duckdb_string_t_data(&paths[row]), duckdb_string_t_length(paths[row]));
        ranges[path].emplace_back(offsets[row], offsets[row] + lengths[row]);
      }
    }
    std::int64_t bytes = 0;
    for (auto& [path, reads] : ranges) {
      std::sort(reads.begin(), reads.end());
      std::int64_t covered_until = 0;
      for (const auto& [begin, end] : reads) {
        const std::int64_t from = std::max(begin, covered_until);
        if (end > from) bytes += end - from;
        covered_until = std::max(covered_until, end);
      }
    }
    return bytes;
  }
  // The rare timestamp C++ does not render (infinities, years outside 1-9999), as the rendering SELECT would.
  Cell timestamp_text_from_duckdb(std::int64_t micros) {
    duck::Result result;
    const std::string sql = "SELECT strftime(make_timestamp(" + std::to_string(micros) + "::BIGINT), '" +
                            std::string(kTimestampFormat) + "')";
    Cell text;
    if (duckdb_query(connection.get(), sql.c_str(), result.out()) == DuckDBSuccess) {
      if (const duck::String value{duckdb_value_varchar(result.get(), 0, 0)}) text = value.get();
    }
    return text;
  }

  Status use_database(const std::string& schema) {
    if (!databases.count(schema)) {
      return engine_error(error_codes::kQueryFailed, "database '" + schema + "' does not exist in the local catalog");
    }
    if (search_path == schema) return Ok{};
    if (auto status = run("SET search_path = " +
                              local::quote_literal(local::quote_identifier(schema) + "," + std::string(kMainSchema)),
                          error_codes::kQueryFailed);
        !status) {
      return status.get_failure();
    }
    search_path = schema;
    return Ok{};
  }

  // (Re)creates the views of the referenced tables over the files present now; `referenced` gets their indexes.
  Status refresh_views(const std::vector<std::string>& names, const std::string& schema,
                       std::set<std::size_t>& referenced) {
    for (const auto& name : names) {
      std::string key = name;
      if (name.find('.') == std::string::npos) {
        key = schema;
        key += '.';
        key += name;
      }
      auto found = table_index.find(key);
      if (found != table_index.end()) referenced.insert(found->second);
    }
    for (std::size_t index : referenced) {
      const auto& table = tables[index];
      const std::string qualified = table.database + "." + table.name;
      if (!table.problem.empty()) return table_problem(index);
      // The view is kept while nothing changed under the table's folder (inotify), else while the
      // listing (names, sizes, modification times) is the same.
      auto cached = view_signatures.find(index);
      if (cached != view_signatures.end() && folder_watch.unchanged(index)) continue;
      folder_watch.forget(index);
      auto files = local::list_table_files(table, [&](const std::string& folder) { folder_watch.add(index, folder); });
      if (!files) {
        folder_watch.forget(index);
        return files.get_failure();
      }
      if (cached != view_signatures.end() && cached->second == files->signature) continue;
      view_signatures.erase(index);
      auto view = local::view_sql(table, *files);
      if (!view) return view.get_failure();
      if (auto status = run(*view, error_codes::kTableData); !status) {
        return engine_error(error_codes::kTableData, "table " + qualified + " at " + table.location + " (local '" +
                                                         table.local_path +
                                                         "') cannot be read: " + status.get_failure().message);
      }
      view_signatures[index] = std::move(files->signature);
    }
    return Ok{};
  }

  // The views a translated query reads: each table's (refresh_views), and its own of each partitioned table.
  Status prepare_reads(const sql::Translation& translation, const std::string& schema,
                       std::set<std::size_t>& referenced) {
    std::set<std::string> partitioned;
    for (const auto& reference : translation.partitioned)
      partitioned.insert(reference.database + "." + reference.table);
    std::vector<std::string> names;
    for (const auto& [table_database, table] : translation.tables) {
      std::string name = table_database;
      name += '.';
      name += table;
      if (!partitioned.count(name)) names.push_back(std::move(name));
    }
    if (auto views = refresh_views(names, schema, referenced); !views) return views;
    return prepare_partitioned(translation.partitioned, schema, referenced);
  }

  // One query's view of each partitioned table it reads (sql::PartitionedReference): of the table's partitions,
  // those whose values pass the conjuncts the binder found, and only their folders are listed. A projected
  // table's partitions are computed for this query (NOW is now; injected keys take the query's values). A table
  // that reads all its partitions, or has no partition list (a get-table file copied in by hand: its k=v/
  // folders), reads its cached whole view.
  Status prepare_partitioned(const std::vector<sql::PartitionedReference>& references, const std::string& schema,
                             std::set<std::size_t>& referenced) {
    for (const auto& reference : references) {
      const std::string& temp_view = reference.view;
      const std::string qualified = reference.database + "." + reference.table;
      auto found = table_index.find(qualified);
      if (found == table_index.end()) return engine_error(error_codes::kQueryFailed, "table " + qualified + " is gone");
      const std::size_t index = found->second;
      const bool projected = local::projection_enabled(tables[index]);
      if (!tables[index].partitions || (!projected && reference.conjuncts.empty())) {
        if (auto views = refresh_views({qualified}, schema, referenced); !views) return views.get_failure();
        const std::string whole =
            sql::quote_identifier(reference.database) + "." + sql::quote_identifier(reference.table);
        if (auto status =
                run("CREATE OR REPLACE TEMP VIEW " + sql::quote_identifier(temp_view) + " AS SELECT * FROM " + whole,
                    error_codes::kTableData);
            !status)
          return status;
        continue;
      }
      referenced.insert(index);
      if (!tables[index].problem.empty()) return table_problem(index);
      // The table without its partition list (a copy of what could be a million partitions is not needed).
      local::CatalogTable table;
      {
        auto partitions = std::move(tables[index].partitions);
        table = tables[index];
        tables[index].partitions = std::move(partitions);
      }
      // The candidates: the partitions projected for this query, or the registered ones (not copied: only those
      // that pass are).
      std::vector<local::CatalogPartition> projected_list;
      if (projected) {
        auto injected = injected_values(reference);
        if (!injected) return injected.get_failure();
        auto partitions =
            local::projected_partitions(tables[index], config.data_root, std::chrono::system_clock::now(), &*injected);
        if (!partitions) return partitions.get_failure();
        projected_list = std::move(partitions).get_result();
      }
      const auto& candidates = projected ? projected_list : *tables[index].partitions;
      std::optional<std::vector<std::size_t>> kept;
      if (!reference.conjuncts.empty()) kept = partitions_passing(table.partition_keys, candidates, reference);
      if (!kept && projected) {
        table.partitions = std::move(projected_list);
      } else if (!kept) {
        table.partitions = candidates;
      } else {
        table.partitions.emplace();
        table.partitions->reserve(kept->size());
        for (std::size_t i : *kept) table.partitions->push_back(candidates[i]);
      }
      auto files = local::list_table_files(table);
      if (!files) return files.get_failure();
      auto view = local::view_sql(table, *files, temp_view);
      if (!view) return view.get_failure();
      if (auto status = run(*view, error_codes::kTableData); !status) {
        return engine_error(error_codes::kTableData, "table " + qualified + " at " + table.location + " (local '" +
                                                         table.local_path +
                                                         "') cannot be read: " + status.get_failure().message);
      }
    }
    return Ok{};
  }

  Error table_problem(std::size_t index) const {
    const auto& table = tables[index];
    return engine_error(error_codes::kNotSupported, "table " + table.database + "." + table.name + " (" +
                                                        table.source_file + "): " + table.problem);
  }

  // The injected keys' values: of each key, the values every one of its equality conjuncts allows.
  Outcome<local::InjectedValues> injected_values(const sql::PartitionedReference& reference) {
    local::InjectedValues values;
    for (const auto& [key, conjuncts] : reference.equalities) {
      std::optional<std::set<std::string>> allowed;
      for (const auto& list : conjuncts) {
        std::string select;
        for (const auto& value : list)
          select += (select.empty() ? "SELECT " : ", ") + ("CAST((" + value + ") AS VARCHAR)");
        duck::Result result;
        if (duckdb_query(connection.get(), select.c_str(), result.out()) == DuckDBError) {
          return engine_error(error_codes::kQueryFailed, result.error());
        }
        std::set<std::string> these;
        for (idx_t column = 0; column < duckdb_column_count(result.get()); ++column) {
          if (duckdb_value_is_null(result.get(), column, 0)) continue;  // = NULL holds for no partition
          const duck::String text(duckdb_value_varchar(result.get(), column, 0));
          these.insert(text.get() ? text.get() : "");
        }
        if (allowed) {
          std::set<std::string> both;
          std::set_intersection(allowed->begin(), allowed->end(), these.begin(), these.end(),
                                std::inserter(both, both.end()));
          these = std::move(both);
        }
        allowed = std::move(these);
      }
      if (allowed) values[key].assign(allowed->begin(), allowed->end());
    }
    return values;
  }

  // The indexes of the partitions whose values pass the reference's conjuncts, evaluated by DuckDB over a
  // table of the values (each cast to its key's type as the view casts it, under the reference's alias). A
  // value that does not cast keeps its partition (the query then fails reading it, as without pruning), and
  // so does every partition when the conjuncts cannot be evaluated alone: nullopt.
  std::optional<std::vector<std::size_t>> partitions_passing(const std::vector<local::CatalogColumn>& keys,
                                                             const std::vector<local::CatalogPartition>& partitions,
                                                             const sql::PartitionedReference& reference) {
    std::string columns = "ar_i BIGINT";
    std::string select = "ar_values.*";
    std::string uncastable;
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const std::string raw = "ar_v" + std::to_string(k);
      std::string qualified = reference.alias;
      qualified += '.';
      qualified += raw;
      columns += ", " + raw + " VARCHAR";
      select += ", TRY_CAST(" + raw + " AS " + keys[k].type.sql + ") AS " + sql::quote_identifier(keys[k].name);
      uncastable += "(TRY_CAST(";
      uncastable += qualified;
      uncastable += " AS " + keys[k].type.sql + ") IS NULL AND ";
      uncastable += qualified;
      uncastable += " IS NOT NULL) OR ";
    }
    if (!run("CREATE OR REPLACE TEMP TABLE ar_partition_values (" + columns + ")", error_codes::kQueryFailed))
      return std::nullopt;
    {
      duck::Appender appender;
      if (duckdb_appender_create_ext(connection.get(), "temp", "main", "ar_partition_values", appender.out()) ==
          DuckDBError)
        return std::nullopt;
      for (std::size_t i = 0; i < partitions.size(); ++i) {
        duckdb_append_int64(appender.get(), static_cast<std::int64_t>(i));
        for (std::size_t k = 0; k < keys.size(); ++k) {
          const std::string& value = k < partitions[i].values.size() ? partitions[i].values[k] : std::string();
          duckdb_append_varchar_length(appender.get(), value.data(), value.size());
        }
        if (duckdb_appender_end_row(appender.get()) == DuckDBError) return std::nullopt;
      }
      if (duckdb_appender_close(appender.get()) == DuckDBError) return std::nullopt;
    }
    std::string conjuncts;
    for (const auto& conjunct : reference.conjuncts) conjuncts += (conjuncts.empty() ? "(" : " AND (") + conjunct + ")";
    const std::string query = "SELECT ar_i FROM (SELECT " + select +
                              " FROM temp.main.ar_partition_values AS ar_values) AS " + reference.alias + " WHERE " +
                              uncastable + "(" + conjuncts + ") ORDER BY ar_i";
    duck::Result result;
    if (duckdb_query(connection.get(), query.c_str(), result.out()) == DuckDBError) return std::nullopt;
    std::vector<std::size_t> kept;
    for (idx_t row = 0; row < duckdb_row_count(result.get()); ++row) {
      kept.push_back(static_cast<std::size_t>(duckdb_value_int64(result.get(), 0, row)));
    }
    return kept;
  }

  Error table_error(const std::string& message, const std::set<std::size_t>& referenced,
                    const std::vector<std::string>& parameters) {
    if (auto parameter = bad_parameter(parameters)) return *parameter;
    for (std::size_t index : referenced) {
      const auto& table = tables[index];
      if (message.find(table.local_path) != std::string::npos) {
        return engine_error(error_codes::kTableData, "table " + table.database + "." + table.name + " at " +
                                                         table.location + " (local '" + table.local_path +
                                                         "') cannot be read: " + message);
      }
    }
    return engine_error(error_codes::kQueryFailed, message);
  }

  // Clears the read log and runs one statement under the watcher into `out` (what it held is destroyed first).
  Status run_query(const std::string& text, const QueryContext& context, const std::set<std::size_t>& referenced,
                   duck::Result& out) {
    if (auto cleared = clear_read_log(); !cleared) return cleared.get_failure();
    if (run_watched(text, context, out)) return Ok{};
    std::string message = out.error();
    out.reset();  // freed before table_error runs its probe queries, as it was by hand
    if (interrupted || (context.is_cancelled && context.is_cancelled()) ||
        message.find("Interrupted") != std::string::npos) {
      return engine_error(error_codes::kCancelled, "query cancelled: " + message);
    }
    return table_error(message, referenced, context.execution_parameters);
  }

  // CTAS, UNLOAD, INSERT INTO (defined below).
  Outcome<QueryResult> write(std::string_view sql, const QueryContext& context, Clock::time_point started);
  Status reload_catalog();
  // The catalog store's change signal: tables, partitions or databases changed (DDL, Glue, another process)
  // since they were loaded: load them again (the views are rebuilt at their next use).
  Status follow_catalog();

  Status clear_read_log() {
    duck::Result result;
    if (duckdb_execute_prepared(clear_log.get(), result.out()) == DuckDBError)
      return engine_error(error_codes::kQueryFailed, "cannot clear DuckDB's file read log: " + result.error());
    return Ok{};
  }
};

namespace {

// The Hive type CTAS stores for a DuckDB result type (Athena's CTAS writes varchar as string); the
// error names the type when Hive has none.
Outcome<std::string> hive_type_of(duckdb_logical_type type) {
  if (is_json_alias(type)) return std::string("string");
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN: return std::string("boolean");
    case DUCKDB_TYPE_TINYINT: return std::string("tinyint");
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_UTINYINT: return std::string("smallint");
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_USMALLINT: return std::string("int");
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_HUGEINT:  // sum() of integers, bigint in Athena (a value out of range fails the cast)
    case DUCKDB_TYPE_UBIGINT: return std::string("bigint");
    case DUCKDB_TYPE_FLOAT: return std::string("float");
    case DUCKDB_TYPE_DOUBLE: return std::string("double");
    case DUCKDB_TYPE_DECIMAL:
      return "decimal(" + std::to_string(duckdb_decimal_width(type)) + "," +
             std::to_string(duckdb_decimal_scale(type)) + ")";
    case DUCKDB_TYPE_DATE: return std::string("date");
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
    case DUCKDB_TYPE_TIMESTAMP_TZ: return std::string("timestamp");
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_UUID: return std::string("string");
    case DUCKDB_TYPE_BLOB: return std::string("binary");
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY: {
      const bool is_list = duckdb_get_type_id(type) == DUCKDB_TYPE_LIST;
      duck::LogicalType child(is_list ? duckdb_list_type_child_type(type) : duckdb_array_type_child_type(type));
      auto element = hive_type_of(child.get());
      if (!element) return element;
      return "array<" + *element + ">";
    }
    case DUCKDB_TYPE_MAP: {
      duck::LogicalType key(duckdb_map_type_key_type(type));
      duck::LogicalType value(duckdb_map_type_value_type(type));
      auto key_type = hive_type_of(key.get());
      if (!key_type) return key_type;
      auto value_type = hive_type_of(value.get());
      if (!value_type) return value_type;
      return "map<" + *key_type + "," + *value_type + ">";
    }
    case DUCKDB_TYPE_STRUCT: {
      std::string fields;
      const idx_t count = duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < count; ++i) {
        const std::string field_name = lower(duck::String(duckdb_struct_type_child_name(type, i)).view());
        duck::LogicalType child(duckdb_struct_type_child_type(type, i));
        auto field_type = hive_type_of(child.get());
        if (!field_type) return field_type;
        fields += (i ? "," : "") + field_name + ":" + *field_type;
      }
      return "struct<" + fields + ">";
    }
    default: break;
  }
  return engine_error(error_codes::kNotSupported, "a column of type " + athena_type(type) +
                                                      " cannot be written to a table (Hive has no such type)");
}

constexpr std::string_view kHivePathExists = "HIVE_PATH_ALREADY_EXISTS";
constexpr std::string_view kNullType = "void";  // an untyped NULL in the query's result

// tinyint < smallint < int < bigint; 0 for other types.
int integral_rank(const std::string& type) {
  if (type == "tinyint") return 1;
  if (type == "smallint") return 2;
  if (type == "int" || type == "integer") return 3;
  if (type == "bigint") return 4;
  return 0;
}

bool decimal_parts(const std::string& type, int& precision, int& scale) {
  if (type == "decimal") {
    precision = 10;
    scale = 0;
    return true;
  }
  return std::sscanf(type.c_str(), "decimal(%d,%d)", &precision, &scale) == 2;
}

// Whether INSERT INTO accepts a query column of Hive type `from` for a table column of type `to`: the
// implicit coercions Trino allows (wider integers, integers and decimals to wider decimals and floating
// point, real to double, date to timestamp, varchar to varchar/char); anything else fails, as in Athena.
bool insert_coercible(std::string from, std::string to) {
  auto normal = [](const std::string& type) {
    std::string out;
    for (char c : lower(type)) {
      if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    }
    return out == "integer" ? "int" : out == "real" ? "float" : out;
  };
  from = normal(from);
  to = normal(to);
  if (from == kNullType || from == to) return true;
  const bool to_text = to == "string" || to.rfind("varchar", 0) == 0 || to.rfind("char", 0) == 0;
  if (from == "string") return to_text;
  int precision = 0, scale = 0, to_precision = 0, to_scale = 0;
  const bool to_decimal = decimal_parts(to, to_precision, to_scale);
  if (const int rank = integral_rank(from)) {
    if (const int to_rank = integral_rank(to)) return to_rank >= rank;
    constexpr int kDigits[] = {0, 3, 5, 10, 19};
    return to == "float" || to == "double" || (to_decimal && to_precision - to_scale >= kDigits[rank]);
  }
  if (from == "float") return to == "double";
  if (decimal_parts(from, precision, scale)) {
    return to == "float" || to == "double" ||
           (to_decimal && to_precision - to_scale >= precision - scale && to_scale >= scale);
  }
  if (from == "date") return to == "timestamp";
  return false;
}
constexpr std::string_view kDefaultCompression = "GZIP";  // Athena's default for CTAS, UNLOAD and INSERT INTO

// The id written files are named after: the query execution id when it is a safe file name part.
std::string file_id(const std::string& query_execution_id, const Random& random) {
  const bool safe = !query_execution_id.empty() && query_execution_id.size() <= 64 &&
                    std::all_of(query_execution_id.begin(), query_execution_id.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                    });
  return safe ? query_execution_id : random.hex(16);
}

// A partition folder's value as DuckDB's PARTITION_BY writes it and its hive_partitioning reads it back:
// URL-encoded (all but letters, digits and -_.~), NULL as NULL.
std::string partition_folder_value(const Cell& value) {
  if (!value) return "NULL";
  std::string out;
  for (char c : *value) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      out += hex;
    }
  }
  return out;
}

// True when the folder holds anything a listing would show (dot-named entries are in-progress writes).
bool has_visible_entries(const fs::path& folder) {
  std::error_code error;
  for (auto it = fs::directory_iterator(folder, error); !error && it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] != '.') return true;
  }
  return false;
}

// What a write leaves on disk, undone on failure: folders it created (outermost first) and files it moved in.
struct WrittenFiles {
  fs::path temporary;
  std::vector<fs::path> created_folders;
  std::vector<fs::path> files;
  bool keep = false;

  ~WrittenFiles() {
    std::error_code ignored;
    if (!temporary.empty()) fs::remove_all(temporary, ignored);
    if (keep) return;
    for (const auto& file : files) fs::remove(file, ignored);
    // Partition folders this write created (now empty), innermost first, then the location's own.
    for (auto it = created_folders.rbegin(); it != created_folders.rend(); ++it) fs::remove(*it, ignored);
  }

  // Creates `folder` and its missing parents, remembering the ones created.
  Status create(const fs::path& folder) {
    std::vector<fs::path> missing;
    std::error_code error;
    for (fs::path at = folder; !at.empty() && !fs::exists(at, error); at = at.parent_path()) {
      missing.push_back(at);
      if (at == at.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      if (!fs::create_directory(*it, error) && error) {
        return engine_error(error_codes::kIo, "cannot create folder '" + it->string() + "': " + error.message());
      }
      created_folders.push_back(*it);
    }
    return Ok{};
  }
};

}  // namespace

Status LocalEngine::Impl::reload_catalog() {
  // Taken before reading: a change while the catalog is read is seen at the next query.
  std::string signal = config.catalog_dir.empty() ? std::string() : local::catalog_fingerprint(config.catalog_dir);
  auto loaded = local::load_catalog(config.catalog_dir, config.data_root);
  if (!loaded) return loaded.get_failure();
  for (std::size_t i = 0; i < tables.size(); ++i) folder_watch.forget(i);
  // Views of the previous tables go (a dropped table must not stay readable); the rest are built again.
  for (const auto& [index, signature] : view_signatures) {
    (void)run("DROP VIEW IF EXISTS " + local::quote_identifier(tables[index].database) + "." +
                  local::quote_identifier(tables[index].name),
              error_codes::kQueryFailed);
  }
  tables = std::move(loaded).get_result();
  table_index.clear();
  view_signatures.clear();
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (databases.insert(tables[i].database).second && tables[i].database != kMainSchema) {
      if (auto created = run("CREATE SCHEMA IF NOT EXISTS " + local::quote_identifier(tables[i].database),
                             error_codes::kQueryFailed);
          !created) {
        return created;
      }
    }
    table_index[tables[i].database + "." + tables[i].name] = i;
  }
  catalog_signal = std::move(signal);
  catalog_view.reset(tables, databases);
  return Ok{};
}

Status LocalEngine::Impl::follow_catalog() {
  if (config.catalog_dir.empty() || local::catalog_fingerprint(config.catalog_dir) == catalog_signal) return Ok{};
  return reload_catalog();
}

Outcome<QueryResult> LocalEngine::Impl::write(std::string_view sql, const QueryContext& context,
                                              Clock::time_point started) {
  using Kind = local::WriteStatement::Kind;
  auto parsed = local::parse_write_statement(sql);
  if (!parsed) return parsed.get_failure();
  const local::WriteStatement& statement = *parsed;
  const std::string session_database = lower(context.database.empty() ? config.default_database : context.database);
  const std::string target_database = statement.database.empty() ? session_database : statement.database;
  const std::string qualified = target_database + "." + statement.table;
  const local::DdlContext ddl_context{config.catalog_dir, config.data_root, session_database};
  const std::string id = file_id(context.query_execution_id, config.random);

  // The table INSERT INTO appends to.
  const local::CatalogTable* target = nullptr;
  if (statement.kind == Kind::Insert) {
    auto found = table_index.find(qualified);
    if (found == table_index.end()) {
      return engine_error(error_codes::kQueryFailed, "Table " + qualified + " does not exist");
    }
    target = &tables[found->second];
    if (!target->problem.empty()) {
      return engine_error(error_codes::kNotSupported,
                          "table " + qualified + " (" + target->source_file + "): " + target->problem);
    }
  }

  // The file format and how DuckDB's COPY writes it.
  std::string format = statement.format;
  if (target) {
    switch (target->format) {
      case local::TableFormat::Parquet: format = "PARQUET"; break;
      case local::TableFormat::HiveText: format = "TEXTFILE"; break;
      case local::TableFormat::OpenCsv: format = "CSV"; break;
      case local::TableFormat::Json: format = "JSON"; break;
    }
  } else if (format.empty()) {
    if (statement.kind == Kind::Unload) {
      return engine_error(error_codes::kQueryFailed, "UNLOAD needs WITH (format = 'PARQUET' | 'TEXTFILE' | 'JSON')");
    }
    format = "PARQUET";  // CTAS's default
  }
  if (format == "ORC" || format == "AVRO" || format == "ION" || (!target && format == "CSV")) {
    return engine_error(error_codes::kNotSupported, "format '" + format +
                                                        "' is not supported by the local engine: use PARQUET, "
                                                        "TEXTFILE or JSON");
  }
  if (format != "PARQUET" && format != "TEXTFILE" && format != "JSON" && format != "CSV") {
    return engine_error(error_codes::kQueryFailed,
                        "format '" + format + "' is not a valid format (PARQUET, TEXTFILE, JSON, ORC, AVRO, ION)");
  }
  std::string compression = statement.compression.value_or("");
  if (target && compression.empty()) {
    for (const char* key : {"parquet.compression", "write.compression", "compression"}) {
      auto found = target->table_parameters.find(key);
      if (found != target->table_parameters.end()) compression = upper(found->second);
    }
  }
  if (compression.empty()) compression = std::string(kDefaultCompression);
  if (compression == "UNCOMPRESSED") compression = "NONE";
  const bool parquet = format == "PARQUET";
  const std::set<std::string> compressions =
      parquet ? std::set<std::string>{"GZIP", "SNAPPY", "ZSTD", "NONE"} : std::set<std::string>{"GZIP", "NONE"};
  if (!compressions.count(compression)) {
    return engine_error(error_codes::kNotSupported,
                        "compression '" + compression + "' for " + format + " is not supported by the local engine (" +
                            (parquet ? "GZIP, SNAPPY, ZSTD or NONE" : "GZIP or NONE") + ")");
  }
  std::string delimiter = "\x01";  // Athena's default for TEXTFILE
  std::string null_format = "\\N";
  if (target && target->format == local::TableFormat::HiveText) {
    delimiter = local::text_field_delimiter(*target);
    null_format = local::text_null_format(*target);
  } else if (statement.field_delimiter) {
    delimiter = *statement.field_delimiter;
  }
  if (format == "TEXTFILE" && delimiter.size() != 1) {
    return engine_error(error_codes::kNotSupported, "field_delimiter '" + delimiter + "' must be one character");
  }
  std::string copy_options;
  std::string extension;
  if (parquet) {
    copy_options =
        "FORMAT parquet, COMPRESSION " + std::string(compression == "NONE" ? "uncompressed" : lower(compression));
    extension = "parquet";
  } else if (format == "JSON") {
    copy_options = "FORMAT json, COMPRESSION " + lower(compression);
    extension = compression == "GZIP" ? "json.gz" : "json";
  } else if (format == "TEXTFILE") {
    copy_options = "FORMAT csv, HEADER false, DELIMITER " + local::quote_literal(delimiter) +
                   ", QUOTE '', ESCAPE '', NULLSTR " + local::quote_literal(null_format) + ", COMPRESSION " +
                   lower(compression);
    extension = compression == "GZIP" ? "txt.gz" : "txt";
  } else {  // an OpenCSVSerde table
    auto parameter = [&](const char* key, const char* fallback) {
      auto found = target->serde_parameters.find(key);
      return found != target->serde_parameters.end() ? found->second : std::string(fallback);
    };
    copy_options = "FORMAT csv, HEADER false, DELIMITER " + local::quote_literal(parameter("separatorChar", ",")) +
                   ", QUOTE " + local::quote_literal(parameter("quoteChar", "\"")) + ", ESCAPE " +
                   local::quote_literal(parameter("escapeChar", "\\")) + ", COMPRESSION " + lower(compression);
    extension = compression == "GZIP" ? "csv.gz" : "csv";
  }

  // Where the files go.
  std::string location;
  if (target) {
    location = target->location;
  } else if (statement.location) {
    location = *statement.location;
  } else if (!context.output_location.empty()) {
    // Athena: a CTAS without external_location writes under the query result location.
    location = context.output_location + (context.output_location.back() == '/' ? "" : "/") + "tables/" + id + "/";
  } else {
    return engine_error(error_codes::kQueryFailed,
                        "CREATE TABLE AS needs WITH (external_location = 's3://bucket/prefix/') here (no query "
                        "result location to put the table under)");
  }
  auto local_folder = local::local_path_for(location, config.data_root);
  if (!local_folder) return local_folder.get_failure();
  const fs::path folder = fs::path(*local_folder).lexically_normal();
  // Dot-named folders are the engine's own (.glue, .athena, writes in progress), never a bucket or a prefix.
  for (const auto& part : folder.lexically_relative(fs::path(config.data_root).lexically_normal())) {
    const std::string name = part.string();
    if (name.empty() || name[0] == '.') {
      return engine_error(error_codes::kQueryFailed,
                          "location '" + location + "' is not writable: a bucket or folder name starts with '.'");
    }
  }

  // CTAS: the table must not exist (IF NOT EXISTS: nothing to do).
  if (statement.kind == Kind::Ctas) {
    if (config.catalog_dir.empty()) {
      return engine_error(error_codes::kQueryFailed, "CREATE TABLE AS needs a catalog directory");
    }
    if (auto fresh = local::check_new_table(target_database, statement.table, ddl_context); !fresh) {
      if (statement.if_not_exists &&
          parse_engine_error_code(fresh.get_failure().code) == EngineErrorCode::AlreadyExists) {
        QueryResult nothing;
        nothing.columns = {{"rows", "bigint"}};
        nothing.rows = {{Cell("0")}};
        return nothing;
      }
      return fresh.get_failure();
    }
  }
  // CTAS and UNLOAD write to an empty location only.
  if (statement.kind != Kind::Insert && has_visible_entries(folder)) {
    const std::string what = statement.kind == Kind::Ctas ? "table " + qualified : std::string("UNLOAD");
    return engine_error(error_codes::kQueryFailed, std::string(kHivePathExists) + ": Target directory for " + what +
                                                       " already exists: " + location +
                                                       " (Athena writes only to an empty location)");
  }

  // The query, through the same front end and views as a SELECT.
  int parameter_count = 0;
  auto parsed_query = sql::parse_query(statement.query, &parameter_count);
  if (!parsed_query) return parsed_query.get_failure();
  const bool values_query = (*parsed_query)->kind == sql::Query::Kind::Values;
  if (auto used = use_database(session_database); !used) return used.get_failure();
  sql::TranslateOptions options;
  options.database = session_database;
  options.parameters = context.execution_parameters;
  auto translation = sql::translate_query(**parsed_query, catalog_view, options, parameter_count);
  if (!translation) return translation.get_failure();
  for (const auto& column : translation->columns) {  // Hive has no time type (a time column arrives as text)
    if (column.type.kind == sql::TypeKind::Time) {
      return engine_error(error_codes::kNotSupported, "Unsupported Hive type: " + sql::to_string(column.type));
    }
  }
  const std::string query = translation->sql;
  std::set<std::size_t> referenced;
  if (auto views = prepare_reads(*translation, session_database, referenced); !views) return views.get_failure();

  // The query's columns (names and types), from planning it.
  const std::string source = "FROM (" + query + "\n) AS ar_query";
  std::vector<std::string> names;
  std::vector<std::string> hive_types;
  std::vector<std::string> duck_types;  // the types the files get: those of the Hive types
  std::vector<bool> complex;
  {
    duck::PreparedStatement prepared;
    const std::string probe = "SELECT * " + source;
    if (duckdb_prepare(connection.get(), probe.c_str(), prepared.out()) == DuckDBError) {
      std::string message = duck::error_text(duckdb_prepare_error(prepared.get()));
      prepared.reset();  // before table_error probes the parameters, as when it was destroyed by hand
      return table_error(message, referenced, context.execution_parameters);
    }
    const idx_t count = duckdb_prepared_statement_column_count(prepared.get());
    for (idx_t i = 0; i < count; ++i) {
      const duck::String name(duckdb_prepared_statement_column_name(prepared.get(), i));  // ours to free
      names.push_back(lower(athena_column_name(name.get(), i)));
      duck::LogicalType type(duckdb_prepared_statement_column_logical_type(prepared.get(), i));
      if (duckdb_get_type_id(type.get()) == DUCKDB_TYPE_SQLNULL) {
        hive_types.emplace_back(kNullType);
        continue;
      }
      auto hive = hive_type_of(type.get());
      if (!hive) {
        return engine_error(error_codes::kNotSupported, "column " + names.back() + ": " + hive.get_failure().message);
      }
      hive_types.push_back(*hive);
    }
  }
  for (std::size_t i = 0; i < hive_types.size(); ++i) {
    const std::string& hive = hive_types[i];
    if (hive == kNullType) {
      if (!target) {
        return engine_error(error_codes::kQueryFailed, "column " + names[i] +
                                                           ": NULL has no type here; give it one, e.g. "
                                                           "CAST(NULL AS varchar)");
      }
      duck_types.emplace_back("INTEGER");  // unused: INSERT INTO casts to the table's types
      complex.push_back(false);
      continue;
    }
    auto duck = local::hive_to_duckdb_type(hive);
    if (!duck) return duck.get_failure();
    duck_types.push_back(duck->sql);
    complex.push_back(duck->complex);
  }

  // The SELECT COPY writes: columns named and typed as the table (or the UNLOAD) has them, partition
  // columns last.
  std::string aliases;
  for (std::size_t i = 0; i < names.size(); ++i) aliases += std::string(i ? ", " : "") + "c" + std::to_string(i);
  std::string select;
  std::vector<std::string> partition_columns;
  std::vector<std::string> output_names;
  std::vector<std::pair<std::string, std::string>> table_columns;  // CTAS: name, Hive type
  std::vector<std::pair<std::string, std::string>> partition_keys;
  const bool text = format == "TEXTFILE" || format == "CSV";
  if (target) {
    std::vector<const local::CatalogColumn*> all;
    for (const auto& column : target->columns) all.push_back(&column);
    for (const auto& column : target->partition_keys) all.push_back(&column);
    std::map<std::string, std::size_t> source_of;  // table column -> query column
    if (statement.insert_columns.empty()) {
      if (names.size() != all.size()) {
        return engine_error(error_codes::kQueryFailed, "Insert query has mismatched column count: table " + qualified +
                                                           " has " + std::to_string(all.size()) +
                                                           " columns, the query " + std::to_string(names.size()));
      }
      for (std::size_t i = 0; i < all.size(); ++i) source_of[all[i]->name] = i;
    } else {
      if (names.size() != statement.insert_columns.size()) {
        return engine_error(
            error_codes::kQueryFailed,
            "Insert query has mismatched column count: " + std::to_string(statement.insert_columns.size()) +
                " columns listed, the query has " + std::to_string(names.size()));
      }
      for (std::size_t i = 0; i < statement.insert_columns.size(); ++i) {
        const std::string& name = statement.insert_columns[i];
        if (std::none_of(all.begin(), all.end(), [&](const auto* column) { return column->name == name; })) {
          std::string message = "Insert column name does not exist in target table " + qualified;
          message += ": ";
          message += name;
          return engine_error(error_codes::kQueryFailed, message);
        }
        if (!source_of.emplace(name, i).second) {
          return engine_error(error_codes::kQueryFailed, "Insert column name is specified more than once: " + name);
        }
      }
    }
    std::string table_types, query_types;
    bool mismatched = false;
    std::vector<std::size_t> null_candidates;  // VALUES columns DuckDB typed int that may hold only NULLs
    for (const auto& [source_name, index] : source_of) {
      const std::string& name = source_name;  // clang before 16 can not capture a structured binding
      const auto* column = *std::find_if(all.begin(), all.end(), [&](const auto* c) { return c->name == name; });
      if (insert_coercible(hive_types[index], column->hive_type)) continue;
      if (values_query && hive_types[index] == "int") {
        null_candidates.push_back(index);
      } else {
        mismatched = true;
      }
    }
    // DuckDB types a NULL in VALUES as an integer, where Trino's NULL has no type: such a column is
    // accepted when it holds only NULLs (counting them runs the VALUES list, which reads no files).
    if (!mismatched && !null_candidates.empty()) {
      std::string counts;
      for (std::size_t index : null_candidates) {
        counts += std::string(counts.empty() ? "" : ", ") + "count(ar_query.c" + std::to_string(index) + ")";
      }
      duck::Result counted;
      const std::string count_sql = "SELECT " + counts + " FROM (" + query + "\n) AS ar_query(" + aliases + ")";
      if (duckdb_query(connection.get(), count_sql.c_str(), counted.out()) == DuckDBError)
        return engine_error(error_codes::kQueryFailed, counted.error());
      for (idx_t i = 0; i < null_candidates.size(); ++i) {
        const duck::String value(duckdb_value_varchar(counted.get(), i, 0));
        if (!value || value.view() != "0") mismatched = true;
      }
    }
    if (mismatched) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        const auto found =
            std::find_if(source_of.begin(), source_of.end(), [&](const auto& e) { return e.second == i; });
        const auto* column =
            *std::find_if(all.begin(), all.end(), [&](const auto* c) { return c->name == found->first; });
        table_types += (i ? ", " : "") + column->hive_type;
        query_types += (i ? ", " : "") + hive_types[i];
      }
      return engine_error(error_codes::kQueryFailed, "Insert query has mismatched column types: Table: [" +
                                                         table_types + "], Query: [" + query_types + "]");
    }
    for (const auto* column : all) {
      if (text && column->type.complex) {
        return engine_error(error_codes::kNotSupported,
                            "column " + column->name + ": complex types in text tables are not supported");
      }
      auto found = source_of.find(column->name);
      const std::string value = found == source_of.end() ? "NULL" : "ar_query.c" + std::to_string(found->second);
      select += std::string(select.empty() ? "" : ", ") + "CAST(" + value + " AS " + column->type.sql + ") AS " +
                local::quote_identifier(column->name);
      output_names.push_back(column->name);
    }
    for (const auto& key : target->partition_keys) partition_columns.push_back(key.name);
  } else {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (statement.kind == Kind::Ctas && names[i].rfind("_col", 0) == 0) {
        return engine_error(error_codes::kQueryFailed,
                            "Column name not specified at position " + std::to_string(i + 1) +
                                " (CREATE TABLE AS needs every select item named: add AS <name>)");
      }
      if (!seen.insert(names[i]).second) {
        return engine_error(error_codes::kQueryFailed, "Column name '" + names[i] + "' specified more than once");
      }
      if (text && complex[i]) {
        return engine_error(error_codes::kNotSupported, "column " + names[i] + " (" + hive_types[i] +
                                                            "): complex types cannot be written as " + format);
      }
      select += std::string(i ? ", " : "") + "CAST(ar_query.c" + std::to_string(i) + " AS " + duck_types[i] + ") AS " +
                local::quote_identifier(names[i]);
      output_names.push_back(names[i]);
    }
    const std::size_t keys = statement.partitioned_by.size();
    bool ordered = keys < names.size() || (keys == 0);
    for (std::size_t k = 0; ordered && k < keys; ++k)
      ordered = names[names.size() - keys + k] == statement.partitioned_by[k];
    if (!ordered) {
      std::string listed;
      for (const auto& key : statement.partitioned_by) listed += (listed.empty() ? "" : ", ") + key;
      return engine_error(error_codes::kQueryFailed,
                          "HIVE_COLUMN_ORDER_MISMATCH: Partition keys must be the last columns in the table and in "
                          "the same order as the table properties: [" +
                              listed + "] (and at least one column must not be a partition key)");
    }
    partition_columns = statement.partitioned_by;
    for (std::size_t i = 0; i < names.size(); ++i) {
      (i < names.size() - keys ? table_columns : partition_keys).emplace_back(names[i], hive_types[i]);
    }
  }
  const std::string copy_select = "SELECT " + select + " FROM (" + query + "\n) AS ar_query(" + aliases + ")";

  // Write into a dot-named folder inside the location (listings and table scans skip it), then move each
  // file into place under a name no other write uses.
  QueryResult result;
  result.statement_type = StatementType::Dml;  // Athena: CTAS, INSERT INTO and UNLOAD are DML
  result.columns = {{"rows", "bigint"}};
  const auto planned = Clock::now();
  result.planning_time = std::chrono::duration_cast<std::chrono::milliseconds>(planned - started);
  WrittenFiles written;
  std::int64_t rows = 0;
  std::map<std::vector<std::string>, std::string> partitions;  // values -> folder under the location
  if (statement.with_data) {
    if (auto created = written.create(folder); !created) return created.get_failure();
    written.temporary = folder / (".ar-write-" + id);
    std::error_code error;
    fs::remove_all(written.temporary, error);
    if (!fs::create_directory(written.temporary, error)) {
      return engine_error(error_codes::kIo,
                          "cannot create folder '" + written.temporary.string() + "': " + error.message());
    }
    // Runs one statement, adding its count (COPY's first value) to `rows` and its reads to the scanned bytes.
    auto run_counted = [&](const std::string& statement_sql, bool count) -> Status {
      {
        duck::Result out;
        if (auto ran = run_query(statement_sql, context, referenced, out); !ran) return ran.get_failure();
        while (const duck::DataChunk chunk{duckdb_fetch_chunk(*out.get())}) {
          if (count && duckdb_data_chunk_get_size(chunk.get()) > 0) {
            duckdb_vector vector = duckdb_data_chunk_get_vector(chunk.get(), 0);
            rows += static_cast<std::int64_t*>(duckdb_vector_get_data(vector))[0];
          }
        }
      }  // the result is destroyed before the read log is read, as it was by hand
      result.data_scanned_bytes += bytes_read_since_clear();
      return Ok{};
    };
    if (partition_columns.empty()) {
      result.executed_sql = "COPY (" + copy_select + ") TO " +
                            local::quote_literal((written.temporary / (id + "_0." + extension)).string()) + " (" +
                            copy_options + ")";
      if (auto ran = run_counted(result.executed_sql, true); !ran) return ran.get_failure();
    } else if (format != "JSON") {
      std::string by;
      for (const auto& column : partition_columns) by += (by.empty() ? "" : ", ") + local::quote_identifier(column);
      result.executed_sql = "COPY (" + copy_select + ") TO " + local::quote_literal(written.temporary.string()) + " (" +
                            copy_options + ", PARTITION_BY (" + by + "), FILENAME_PATTERN " +
                            local::quote_literal(id + "_{i}") + ", FILE_EXTENSION " + local::quote_literal(extension) +
                            ")";
      if (auto ran = run_counted(result.executed_sql, true); !ran) return ran.get_failure();
    } else {
      // DuckDB's JSON writer has no PARTITION_BY: the rows go to a temporary table, then one COPY per partition.
      const std::string staged = local::quote_identifier("ar_write_" + id);
      result.executed_sql = "CREATE OR REPLACE TEMP TABLE " + staged + " AS " + copy_select;
      struct DropStaged {
        Impl& impl;
        std::string table;
        ~DropStaged() { (void)impl.run("DROP TABLE IF EXISTS " + table, error_codes::kQueryFailed); }
      } drop_staged{*this, staged};
      if (auto ran = run_counted(result.executed_sql, false); !ran) return ran.get_failure();
      std::string keys;
      for (const auto& column : partition_columns) {
        keys += (keys.empty() ? "" : ", ") + std::string("CAST(") + local::quote_identifier(column) + " AS VARCHAR)";
      }
      std::vector<std::vector<Cell>> key_rows;
      {
        duck::Result distinct;
        const std::string distinct_sql = "SELECT DISTINCT " + keys + " FROM " + staged + " ORDER BY ALL";
        if (duckdb_query(connection.get(), distinct_sql.c_str(), distinct.out()) == DuckDBError)
          return engine_error(error_codes::kQueryFailed, distinct.error());
        for (idx_t row = 0; row < duckdb_row_count(distinct.get()); ++row) {
          std::vector<Cell> values;
          for (idx_t column = 0; column < partition_columns.size(); ++column) {
            if (duckdb_value_is_null(distinct.get(), column, row)) {
              values.emplace_back(std::nullopt);
              continue;
            }
            const duck::String value(duckdb_value_varchar(distinct.get(), column, row));
            values.emplace_back(std::string(value.view()));
          }
          key_rows.push_back(std::move(values));
        }
      }
      std::string data_columns;
      for (const auto& name : output_names) {
        if (std::find(partition_columns.begin(), partition_columns.end(), name) == partition_columns.end())
          data_columns += (data_columns.empty() ? "" : ", ") + local::quote_identifier(name);
      }
      for (std::size_t n = 0; n < key_rows.size(); ++n) {
        const auto& values = key_rows[n];
        std::string where;
        fs::path partition_folder = written.temporary;
        for (std::size_t k = 0; k < values.size(); ++k) {
          where += std::string(where.empty() ? "" : " AND ") + "CAST(" + local::quote_identifier(partition_columns[k]) +
                   " AS VARCHAR) " + (values[k] ? "= " + local::quote_literal(*values[k]) : std::string("IS NULL"));
          partition_folder /= partition_columns[k] + "=" + partition_folder_value(values[k]);
        }
        std::error_code folder_error;
        fs::create_directories(partition_folder, folder_error);
        if (folder_error) {
          return engine_error(error_codes::kIo,
                              "cannot create folder '" + partition_folder.string() + "': " + folder_error.message());
        }
        std::string file_name = id;
        file_name += '_';
        file_name += std::to_string(n);
        file_name += '.';
        file_name += extension;
        std::string copy = "COPY (SELECT " + data_columns;
        copy += " FROM ";
        copy += staged;
        copy += " WHERE ";
        copy += where;
        copy += ") TO ";
        copy += local::quote_literal((partition_folder / file_name).string());
        copy += " (";
        copy += copy_options;
        copy += ')';
        if (auto ran = run_counted(copy, true); !ran) return ran.get_failure();
      }
    }

    // Move every file into place (partition folders as needed).
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(written.temporary, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_regular_file()) files.push_back(it->path());
    }
    if (error) return engine_error(error_codes::kIo, "cannot list the written files: " + error.message());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      const fs::path relative = file.lexically_relative(written.temporary);
      const fs::path destination = folder / relative;
      if (auto created = written.create(destination.parent_path()); !created) return created.get_failure();
      if (fs::exists(destination, error)) {
        return engine_error(error_codes::kIo, "cannot write '" + destination.string() + "': it exists already");
      }
      fs::rename(file, destination, error);
      if (error) {
        return engine_error(error_codes::kIo, "cannot move '" + file.string() + "' to '" + destination.string() +
                                                  "': " + error.message());
      }
      written.files.push_back(destination);
      if (!partition_columns.empty()) {
        std::vector<std::string> values;
        for (const auto& part : relative.parent_path()) {
          const std::string text_part = part.string();
          const auto equals = text_part.find('=');
          values.push_back(
              local::unescape_partition_value(equals == std::string::npos ? text_part : text_part.substr(equals + 1)));
        }
        partitions.emplace(std::move(values), relative.parent_path().string());
      }
    }
  }

  // The catalog: CTAS creates the table, INSERT INTO registers new partitions.
  std::vector<local::WrittenPartition> partition_list;
  partition_list.reserve(partitions.size());
  for (auto& [values, written_folder] : partitions) partition_list.push_back({values, written_folder});
  if (statement.kind == Kind::Ctas) {
    local::QueryTable table;
    table.database = target_database;
    table.table = statement.table;
    table.location = location;
    table.format = format;
    table.field_delimiter = format == "TEXTFILE" ? delimiter : "";
    table.compression = compression;
    table.columns = std::move(table_columns);
    table.partition_keys = std::move(partition_keys);
    if (auto created = local::create_query_table(table, partition_list, ddl_context); !created) {
      return created.get_failure();
    }
    written.keep = true;
    // This engine sees the new table at once (a LocalQueryEngine also reopens engines when the catalog changes);
    // a catalog that no longer loads fails the next query, not this CTAS, which is done.
    (void)reload_catalog();
  } else if (statement.kind == Kind::Insert && !partition_list.empty() && !config.catalog_dir.empty()) {
    if (auto added = local::add_partitions(target_database, statement.table, partition_list, ddl_context); !added) {
      return added.get_failure();
    }
  }
  written.keep = true;
  result.rows = {{Cell(std::to_string(rows))}};
  result.execution_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - planned);
  return result;
}

LocalEngine::LocalEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalEngine::~LocalEngine() = default;

Outcome<std::unique_ptr<LocalEngine>> LocalEngine::open(const LocalEngineConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  if (config.data_root.empty()) return engine_error(error_codes::kInvalidCatalog, "data_root must be set");
  if (!config.catalog_dir.empty()) impl->catalog_signal = local::catalog_fingerprint(config.catalog_dir);
  auto tables = local::load_catalog(config.catalog_dir, config.data_root);
  if (!tables) return tables.get_failure();
  impl->tables = std::move(tables).get_result();

  {
    duck::Config duck_config;
    if (duckdb_create_config(duck_config.out()) == DuckDBError)
      return engine_error(error_codes::kQueryFailed, "cannot create DuckDB config");
    if (config.threads > 0) duckdb_set_config(duck_config.get(), "threads", std::to_string(config.threads).c_str());
    if (!config.memory_limit.empty()) duckdb_set_config(duck_config.get(), "memory_limit", config.memory_limit.c_str());
    duckdb_set_config(duck_config.get(), "autoinstall_known_extensions", "false");
    duck::String open_error;
    if (duckdb_open_ext(nullptr, impl->database.out(), duck_config.get(), open_error.out()) == DuckDBError)
      return engine_error(error_codes::kQueryFailed, "cannot open DuckDB: " + duck::error_text(open_error.get()));
  }
  if (duckdb_connect(impl->database.get(), impl->connection.out()) == DuckDBError) {
    return engine_error(error_codes::kQueryFailed, "cannot connect to DuckDB");
  }
  if (auto failed = udf::register_all(impl->connection.get()); !failed.empty()) {
    return engine_error(error_codes::kQueryFailed, "cannot register DuckDB function " + failed);
  }
  // Athena (Trino) semantics: sessions run in UTC, NULLs sort last.
  std::vector<std::string> setup = {"SET TimeZone = 'UTC'", "SET default_null_order = 'nulls_last'"};
  for (auto& macro : sql::duckdb_macros()) setup.push_back(std::move(macro));
  impl->databases.insert(lower(config.default_database));
  for (std::size_t i = 0; i < impl->tables.size(); ++i) {
    impl->databases.insert(impl->tables[i].database);
    impl->table_index[impl->tables[i].database + "." + impl->tables[i].name] = i;
  }
  for (const auto& database : impl->databases) {
    if (database != kMainSchema) setup.push_back("CREATE SCHEMA IF NOT EXISTS " + local::quote_identifier(database));
  }
  impl->catalog_view.reset(impl->tables, impl->databases);
  // Queries may read the data root and nothing else on this machine.
  std::string root = config.data_root;
  if (root.back() != '/') root += '/';
  setup.push_back("SET allowed_directories = [" + local::quote_literal(root) + "]");
  setup.push_back("SET enable_external_access = false");
  setup.push_back("SET autoload_known_extensions = false");
  // DataScannedInBytes: DuckDB logs every read from a file with its byte count (the FileSystem log). A cache
  // would hide re-reads, so the external file cache stays off and every query reads what it scans.
  setup.push_back("SET enable_external_file_cache = false");
  setup.push_back("CALL enable_logging('FileSystem')");
  for (const auto& statement : setup) {
    if (auto status = impl->run(statement, error_codes::kQueryFailed); !status) {
      return engine_error(error_codes::kQueryFailed,
                          "local engine set-up failed (" + statement + "): " + status.get_failure().message);
    }
  }
  for (auto [sql, statement] :
       {std::pair{"CALL truncate_duckdb_logs()", &impl->clear_log}, std::pair{kFileReadsSql.data(), &impl->read_log}}) {
    if (auto prepared = impl->prepare(sql, *statement); !prepared) {
      return engine_error(error_codes::kQueryFailed,
                          "local engine set-up failed (" + std::string(sql) + "): " + prepared.get_failure().message);
    }
  }
  return std::unique_ptr<LocalEngine>(new LocalEngine(std::move(impl)));
}

std::vector<std::string> LocalEngine::table_names() const {
  std::vector<std::string> names;
  for (const auto& [name, index] : impl_->table_index) names.push_back(name);
  return names;
}

void LocalEngine::interrupt() {
  impl_->interrupted = true;
  if (impl_->running) duckdb_interrupt(impl_->connection.get());
}

namespace {

// SHOW FUNCTIONS: the registry, as Trino's statement lists functions (operators are not listed).
QueryResult show_functions() {
  QueryResult result;
  result.statement_type = StatementType::Utility;
  result.columns = {{"Function", "varchar"},      {"Return Type", "varchar"},   {"Argument Types", "varchar"},
                    {"Function Type", "varchar"}, {"Deterministic", "boolean"}, {"Description", "varchar"}};
  for (const auto& entry : sql::registry()) {
    if (entry.kind == sql::FunctionKind::Operator) continue;
    std::string arguments;
    for (std::size_t i = 0; i < entry.params.size(); ++i) {
      arguments += (i ? ", " : "") + entry.params[i] + (entry.variadic && i + 1 == entry.params.size() ? "..." : "");
    }
    const char* kind = entry.kind == sql::FunctionKind::Aggregate ? "aggregate"
                       : entry.kind == sql::FunctionKind::Window  ? "window"
                                                                  : "scalar";
    const bool deterministic = entry.name != "random" && entry.name != "rand" && entry.name != "uuid";
    result.rows.push_back({Cell(entry.name), Cell(entry.returns.empty() ? "(computed)" : entry.returns),
                           Cell(arguments), Cell(kind), Cell(deterministic ? "true" : "false"),
                           Cell(entry.description)});
  }
  std::stable_sort(result.rows.begin(), result.rows.end(), [](const auto& a, const auto& b) { return *a[0] < *b[0]; });
  return result;
}

}  // namespace

Outcome<QueryResult> LocalEngine::execute(std::string_view sql, const QueryContext& context) {
  const auto started = Clock::now();
  ++impl_->executions;
  impl_->interrupted = false;
  QueryResult result;
  if (auto checked = Impl::check_parameters(context.execution_parameters); !checked) return checked.get_failure();
  if (auto followed = impl_->follow_catalog(); !followed) return followed.get_failure();
  if (!context.catalog.empty()) {
    if (auto known = catalog::check_data_catalog(context.catalog); !known)
      return engine_error(error_codes::kCatalogNotFound, known.get_failure().message);
  }
  auto statement = sql::parse_statement(sql);
  if (!statement) return statement.get_failure();
  if (local::is_write_kind(statement->kind)) return impl_->write(sql, context, started);
  if (statement->kind == sql::StatementKind::ShowFunctions) return show_functions();
  result.statement_type =
      parse_statement_type(sql::athena_statement_type(statement->kind)).value_or(StatementType::Dml);
  if (statement->kind != sql::StatementKind::Query) {
    const std::string first = statement->tokens.empty() ? std::string() : lower(statement->tokens[0].text);
    return engine_error(error_codes::kNotSupported,
                        "statement '" + first + "' (" + std::string(to_string(result.statement_type)) +
                            ") is not supported by the local engine: only queries (SELECT, WITH, VALUES, TABLE)");
  }
  const std::string database = lower(context.database.empty() ? impl_->config.default_database : context.database);
  if (auto used = impl_->use_database(database); !used) return used.get_failure();
  sql::TranslateOptions options;
  options.database = database;
  options.parameters = context.execution_parameters;
  auto translation = sql::translate_query(*statement->query, impl_->catalog_view, options, statement->parameter_count);
  if (!translation) return translation.get_failure();
  const std::string query = translation->sql;
  std::set<std::size_t> referenced;
  if (auto views = impl_->prepare_reads(*translation, database, referenced); !views) return views.get_failure();
  auto run_query = [&](const std::string& text, duck::Result& out) {
    return impl_->run_query(text, context, referenced, out);
  };
  const auto planned = Clock::now();
  result.planning_time = std::chrono::duration_cast<std::chrono::milliseconds>(planned - started);
  duck::Result duck_result;
  if (auto ran = run_query(query, duck_result); !ran) return ran.get_failure();
  result.executed_sql = query;
  idx_t column_count = duckdb_column_count(duck_result.get());
  std::string rendered;
  std::string aliases;
  std::vector<DirectKind> kinds;
  for (idx_t i = 0; i < column_count; ++i) {
    ResultColumn column;
    column.name = i < translation->columns.size() ? translation->columns[i].name
                                                  : athena_column_name(duckdb_column_name(duck_result.get(), i), i);
    duck::LogicalType type(duckdb_column_logical_type(duck_result.get(), i));
    column.type = athena_type(type.get());
    // A column DuckDB folded to a constant NULL has DuckDB's NULL type, whatever the binder's type is.
    const bool constant_null = duckdb_get_type_id(type.get()) == DUCKDB_TYPE_SQLNULL;
    if (i >= translation->columns.size() || (!constant_null && !same_type(column.type, translation->columns[i].type))) {
      return engine_error(
          error_codes::kNotSupported,
          "column " + column.name + ": the local engine computed a " + column.type + " where Athena gives " +
              (i < translation->columns.size() ? sql::to_string(translation->columns[i].type) : "nothing") +
              "; this query is not supported by the local engine");
    }
    if (translation->columns[i].type.kind != sql::TypeKind::Unknown) {
      column.type = sql::column_type_name(translation->columns[i].type);
    }
    kinds.push_back(direct_kind(type.get()));
    if (duckdb_get_type_id(type.get()) == DUCKDB_TYPE_DECIMAL) {
      column.precision = duckdb_decimal_width(type.get());
      column.scale = duckdb_decimal_scale(type.get());
    }
    const std::string alias = "c" + std::to_string(i);
    aliases += (i ? ", " : "") + alias;
    rendered += std::string(i ? ", " : "") + render_expression(std::string(kResultAlias) + "." + alias, type.get(), 0);
    result.columns.push_back(std::move(column));
  }
  const bool direct = std::all_of(kinds.begin(), kinds.end(), [](DirectKind kind) { return kind != DirectKind::None; });
  if (!direct) {
    duck_result.reset();  // freed before the rendering query runs, so the two are never held at once
    result.executed_sql =
        "SELECT " + rendered + " FROM (" + query + "\n) AS " + std::string(kResultAlias) + "(" + aliases + ")";
    if (auto ran = run_query(result.executed_sql, duck_result); !ran) return ran.get_failure();
  }

  while (const duck::DataChunk chunk{duckdb_fetch_chunk(*duck_result.get())}) {
    idx_t rows = duckdb_data_chunk_get_size(chunk.get());
    std::size_t first_row = result.rows.size();
    result.rows.resize(first_row + rows, std::vector<Cell>(column_count));
    for (idx_t column = 0; column < column_count; ++column) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk.get(), column);
      void* data = duckdb_vector_get_data(vector);
      auto* strings = static_cast<duckdb_string_t*>(data);
      uint64_t* validity = duckdb_vector_get_validity(vector);
      const std::string& type = result.columns[column].type;
      if (direct) {
        const DirectKind kind = kinds[column];
        for (idx_t row = 0; row < rows; ++row) {
          if (validity && !duckdb_validity_row_is_valid(validity, row)) continue;
          auto& cell = result.rows[first_row + row][column];
          if (!is_timestamp(kind)) {
            cell = direct_text(kind, data, row, result.columns[column].scale);
            continue;
          }
          const std::int64_t micros = timestamp_micros(kind, data, row);
          cell = timestamp_text(micros);
          if (!cell) cell = impl_->timestamp_text_from_duckdb(micros);
          if (cell && kind == DirectKind::TimestampTz) *cell += " UTC";
        }
        continue;
      }
      for (idx_t row = 0; row < rows; ++row) {
        if (validity && !duckdb_validity_row_is_valid(validity, row)) continue;
        std::string text(duckdb_string_t_data(&strings[row]), duckdb_string_t_length(strings[row]));
        if (type == "double") text = java_floating_string<double>(text);
        if (type == "real") text = java_floating_string<float>(text);
        result.rows[first_row + row][column] = std::move(text);
      }
    }
  }
  duck_result.reset();  // freed before the read log is read, as before
  result.data_scanned_bytes = impl_->bytes_read_since_clear();
  result.execution_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - planned);
  return result;
}

}  // namespace athena_runner::engine
