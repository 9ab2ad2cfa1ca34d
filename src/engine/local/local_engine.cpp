#include "athena_runner/engine/local_engine.hpp"

#include <duckdb.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "catalog.hpp"
#include "dialect.hpp"
#include "hive_types.hpp"

namespace athena_runner::engine {
namespace {

using aws::ErrorKind;
using Clock = std::chrono::steady_clock;

constexpr auto kProgressInterval = std::chrono::milliseconds(100);
constexpr auto kWatchInterval = std::chrono::milliseconds(50);  // how soon a long query sees a stop
constexpr double kJavaPlainLow = 1e-3;  // Java's Double.toString uses plain notation in [1e-3, 1e7)
constexpr double kJavaPlainHigh = 1e7;
constexpr std::string_view kMainSchema = "main";
constexpr std::string_view kResultAlias = "ar_result";
constexpr std::string_view kTimestampFormat = "%Y-%m-%d %H:%M:%S.%g";  // Athena's timestamp(3) rendering
// DataScannedInBytes: every read from a file in DuckDB's FileSystem log since it was cleared (path, offset, length).
constexpr std::string_view kFileReadsSql =
    "SELECT json_extract_string(message, 'path'), TRY_CAST(json_extract_string(message, 'pos') AS BIGINT), "
    "TRY_CAST(json_extract_string(message, 'bytes') AS BIGINT) FROM duckdb_logs "
    "WHERE type = 'FileSystem' AND json_extract_string(message, 'op') = 'READ'";

Error engine_error(std::string_view code, const std::string& message) {
  return aws::make_error(ErrorKind::InvalidInput, std::string(code), message);
}

std::string duck_error_text(const char* text) { return text ? text : "unknown DuckDB error"; }

struct LogicalType {
  duckdb_logical_type type;
  explicit LogicalType(duckdb_logical_type owned) : type(owned) {}
  ~LogicalType() { duckdb_destroy_logical_type(&type); }
  LogicalType(const LogicalType&) = delete;
  LogicalType& operator=(const LogicalType&) = delete;
};

bool is_json_alias(duckdb_logical_type type) {
  char* alias = duckdb_logical_type_get_alias(type);
  bool json = alias && std::string_view(alias) == "JSON";
  if (alias) duckdb_free(alias);
  return json;
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
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY: {
      bool is_list = duckdb_get_type_id(type) == DUCKDB_TYPE_LIST;
      LogicalType child(is_list ? duckdb_list_type_child_type(type) : duckdb_array_type_child_type(type));
      return "CASE WHEN " + expr + " IS NULL THEN NULL ELSE '[' || coalesce(array_to_string(list_transform(" + expr +
             ", " + variable + " -> " + element(child.type, variable) + "), ', '), '') || ']' END";
    }
    case DUCKDB_TYPE_MAP: {
      LogicalType key(duckdb_map_type_key_type(type));
      LogicalType value(duckdb_map_type_value_type(type));
      return "CASE WHEN " + expr +
             " IS NULL THEN NULL ELSE '{' || coalesce(array_to_string(list_transform(map_entries(" + expr + "), " +
             variable + " -> " + element(key.type, variable + ".key") + " || '=' || " +
             element(value.type, variable + ".value") + "), ', '), '') || '}' END";
    }
    case DUCKDB_TYPE_STRUCT: {
      std::string fields;
      idx_t count = duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < count; ++i) {
        char* name = duckdb_struct_type_child_name(type, i);
        LogicalType child(duckdb_struct_type_child_type(type, i));
        std::string field_name = name;
        duckdb_free(name);
        fields += std::string(i ? " || ', ' || " : "") + local::quote_literal(field_name + "=") + " || " +
                  element(child.type, "struct_extract(" + expr + ", " + local::quote_literal(field_name) + ")");
      }
      return "CASE WHEN " + expr + " IS NULL THEN NULL ELSE '{' || " + (fields.empty() ? "''" : fields) + " || '}' END";
    }
    default: return "CAST(" + expr + " AS VARCHAR)";
  }
}

template <class Floating>
std::string java_floating_string(Floating value);

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
  duckdb_value value = duckdb_create_date(date);
  char* text = duckdb_get_varchar(value);
  std::string out = text ? text : "";
  duckdb_free(text);
  duckdb_destroy_value(&value);
  return out;
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
    case DirectKind::Float: return java_floating_string(static_cast<float*>(data)[row]);
    case DirectKind::Double: return java_floating_string(static_cast<double*>(data)[row]);
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
  return java_floating_string(value);
}

// Java's Double.toString / Float.toString of a value (the shortest text that reads back as the value).
template <class Floating>
std::string java_floating_string(Floating value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  Floating magnitude = std::fabs(value);
  if (value == 0 ||
      (magnitude >= static_cast<Floating>(kJavaPlainLow) && magnitude < static_cast<Floating>(kJavaPlainHigh))) {
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    std::string text(buffer, result.ptr);
    if (text.find('.') == std::string::npos) text += ".0";
    return text;
  }
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string text(buffer, result.ptr);  // e.g. 1.5e+10, 1e-05
  auto e = text.find('e');
  std::string mantissa = text.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  int exponent = std::stoi(text.substr(e + 1));
  return mantissa + "E" + std::to_string(exponent);
}

// Athena names a select item that is neither a column nor aliased "_col<position>"; DuckDB names it
// after the expression text, which is recognisable by its parentheses, quotes or leading digit.
std::string athena_column_name(const char* duck_name, idx_t position) {
  std::string name = duck_name ? duck_name : "";
  bool expression = name.empty() || name.find_first_of("()'") != std::string::npos ||
                    std::isdigit(static_cast<unsigned char>(name[0])) || name == "NULL";
  return expression ? "_col" + std::to_string(position) : name;
}

StatementType classify(const std::string& first_keyword) {
  static const std::set<std::string> ddl = {"create", "drop", "alter", "msck"};
  static const std::set<std::string> utility = {"show", "describe", "desc", "explain", "use", "set"};
  if (ddl.count(first_keyword)) return StatementType::Ddl;
  if (utility.count(first_keyword)) return StatementType::Utility;
  return StatementType::Dml;
}

bool is_query_keyword(const std::string& first_keyword) {
  return first_keyword == "select" || first_keyword == "with" || first_keyword == "values" || first_keyword == "table";
}

std::string strip_trailing_semicolons(std::string sql) {
  while (!sql.empty() && (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) sql.pop_back();
  return sql;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

std::string_view to_string(StatementType type) {
  switch (type) {
    case StatementType::Dml: return "DML";
    case StatementType::Ddl: return "DDL";
    case StatementType::Utility: return "UTILITY";
  }
  return "DML";
}

struct LocalEngine::Impl {
  LocalEngineConfig config;
  duckdb_database database = nullptr;
  duckdb_connection connection = nullptr;
  std::vector<local::CatalogTable> tables;
  std::map<std::string, std::size_t> table_index;  // "db.table" -> tables[i]
  std::set<std::string> databases;
  std::map<std::size_t, std::string> view_signatures;  // tables[i] -> TableFiles::signature of its current view
  local::FolderWatch folder_watch;                     // tables[i] -> has anything changed under its folder
  std::atomic<bool> running{false};
  std::atomic<bool> interrupted{false};
  std::string search_path;  // the database the connection's search_path names now
  // Prepared once: planning these two at every query cost about a millisecond.
  duckdb_prepared_statement clear_log = nullptr;
  duckdb_prepared_statement read_log = nullptr;

  // The watcher: while a query runs longer than kWatchInterval, a second thread checks for cancellation
  // (QueryContext::is_cancelled, interrupt()) and reports progress, so the query itself runs in one
  // duckdb_query call (a prepared statement would be planned twice: at prepare and again at execution).
  std::mutex watch_mutex;
  std::condition_variable watch_wake;
  const QueryContext* watched = nullptr;  // the running query's context, while it runs
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
    if (clear_log) duckdb_destroy_prepare(&clear_log);
    if (read_log) duckdb_destroy_prepare(&read_log);
    if (connection) duckdb_disconnect(&connection);
    if (database) duckdb_close(&database);
  }

  Status run(const std::string& sql, std::string_view code) {
    duckdb_result result;
    if (duckdb_query(connection, sql.c_str(), &result) == DuckDBError) {
      std::string message = duck_error_text(duckdb_result_error(&result));
      duckdb_destroy_result(&result);
      return engine_error(code, message);
    }
    duckdb_destroy_result(&result);
    return aws::Ok{};
  }

  void watch() {
    std::unique_lock lock(watch_mutex);
    auto last_progress = Clock::now();
    while (!closing) {
      if (!watched) {
        watch_wake.wait(lock);
        last_progress = Clock::now();
        continue;
      }
      if (watch_wake.wait_for(lock, kWatchInterval, [&] { return closing || !watched; })) continue;
      // Called with watch_mutex held: execute() can not return (and drop the context) meanwhile.
      const QueryContext& context = *watched;
      if (interrupted || (context.is_cancelled && context.is_cancelled())) {
        interrupted = true;
        duckdb_interrupt(connection);
      }
      if (context.on_progress && Clock::now() - last_progress >= kProgressInterval) {
        last_progress = Clock::now();
        auto progress = duckdb_query_progress(connection);
        context.on_progress(
            QueryProgress{progress.percentage, progress.rows_processed, progress.total_rows_to_process});
      }
    }
  }

  // Runs one statement under the watcher. On failure `result` holds the error (destroy it either way).
  bool run_watched(const std::string& sql, const QueryContext& context, duckdb_result& result) {
    {
      std::lock_guard lock(watch_mutex);
      if (!watcher.joinable()) watcher = std::thread([this] { watch(); });
      watched = &context;
    }
    watch_wake.notify_all();
    running = true;
    // A stop that came before the query started: the watcher interrupts it at its first look.
    const bool ok = duckdb_query(connection, sql.c_str(), &result) == DuckDBSuccess;
    running = false;
    {
      std::lock_guard lock(watch_mutex);
      watched = nullptr;
    }
    watch_wake.notify_all();
    return ok;
  }

  Status prepare(const char* sql, duckdb_prepared_statement& statement) {
    if (duckdb_prepare(connection, sql, &statement) == DuckDBError) {
      std::string message = duck_error_text(duckdb_prepare_error(statement));
      duckdb_destroy_prepare(&statement);
      return engine_error(error_codes::kQueryFailed, message);
    }
    return aws::Ok{};
  }

  // Each parameter must be one literal (checked before it reaches the SQL).
  static Status check_parameters(const std::vector<std::string>& parameters) {
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      if (auto valid = local::validate_parameter_literal(parameters[i]); !valid) {
        return engine_error(error_codes::kInvalidParameter,
                            "execution parameter " + std::to_string(i + 1) + ": " + valid.get_failure().message);
      }
    }
    return aws::Ok{};
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
    duckdb_result result;
    if (duckdb_execute_prepared(read_log, &result) == DuckDBError) {
      duckdb_destroy_result(&result);
      return 0;
    }
    std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> ranges;  // path -> [begin, end)
    while (duckdb_data_chunk chunk = duckdb_fetch_chunk(result)) {
      idx_t rows = duckdb_data_chunk_get_size(chunk);
      auto* paths = static_cast<duckdb_string_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0)));
      duckdb_vector offset_vector = duckdb_data_chunk_get_vector(chunk, 1);
      duckdb_vector length_vector = duckdb_data_chunk_get_vector(chunk, 2);
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
      duckdb_destroy_data_chunk(&chunk);
    }
    duckdb_destroy_result(&result);
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
    duckdb_result result;
    const std::string sql = "SELECT strftime(make_timestamp(" + std::to_string(micros) + "::BIGINT), '" +
                            std::string(kTimestampFormat) + "')";
    Cell text;
    if (duckdb_query(connection, sql.c_str(), &result) == DuckDBSuccess) {
      if (char* value = duckdb_value_varchar(&result, 0, 0)) {
        text = value;
        duckdb_free(value);
      }
    }
    duckdb_destroy_result(&result);
    return text;
  }

  Status clear_read_log() {
    duckdb_result result;
    const bool failed = duckdb_execute_prepared(clear_log, &result) == DuckDBError;
    std::string message = failed ? duck_error_text(duckdb_result_error(&result)) : "";
    duckdb_destroy_result(&result);
    if (failed) return engine_error(error_codes::kQueryFailed, "cannot clear DuckDB's file read log: " + message);
    return aws::Ok{};
  }
};

LocalEngine::LocalEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalEngine::~LocalEngine() = default;

Outcome<std::unique_ptr<LocalEngine>> LocalEngine::open(const LocalEngineConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  if (config.data_root.empty()) return engine_error(error_codes::kInvalidCatalog, "data_root must be set");
  auto tables = local::load_catalog(config.catalog_dir, config.data_root);
  if (!tables) return tables.get_failure();
  impl->tables = std::move(tables).get_result();

  duckdb_config duck_config;
  if (duckdb_create_config(&duck_config) == DuckDBError)
    return engine_error(error_codes::kQueryFailed, "cannot create DuckDB config");
  if (config.threads > 0) duckdb_set_config(duck_config, "threads", std::to_string(config.threads).c_str());
  if (!config.memory_limit.empty()) duckdb_set_config(duck_config, "memory_limit", config.memory_limit.c_str());
  duckdb_set_config(duck_config, "autoinstall_known_extensions", "false");
  char* open_error = nullptr;
  auto state = duckdb_open_ext(nullptr, &impl->database, duck_config, &open_error);
  duckdb_destroy_config(&duck_config);
  if (state == DuckDBError) {
    std::string message = duck_error_text(open_error);
    duckdb_free(open_error);
    return engine_error(error_codes::kQueryFailed, "cannot open DuckDB: " + message);
  }
  if (duckdb_connect(impl->database, &impl->connection) == DuckDBError) {
    return engine_error(error_codes::kQueryFailed, "cannot connect to DuckDB");
  }
  // Athena (Trino) semantics: integer division truncates, sessions run in UTC, NULLs sort last.
  std::vector<std::string> setup = {"SET integer_division = true", "SET TimeZone = 'UTC'",
                                    "SET default_null_order = 'nulls_last'"};
  for (auto& macro : local::dialect_macros()) setup.push_back(std::move(macro));
  impl->databases.insert(lower(config.default_database));
  for (std::size_t i = 0; i < impl->tables.size(); ++i) {
    impl->databases.insert(impl->tables[i].database);
    impl->table_index[impl->tables[i].database + "." + impl->tables[i].name] = i;
  }
  for (const auto& database : impl->databases) {
    if (database != kMainSchema) setup.push_back("CREATE SCHEMA IF NOT EXISTS " + local::quote_identifier(database));
  }
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
  if (impl_->running) duckdb_interrupt(impl_->connection);
}

Outcome<QueryResult> LocalEngine::execute(std::string_view sql, const QueryContext& context) {
  const auto started = Clock::now();
  impl_->interrupted = false;
  QueryResult result;
  if (auto checked = Impl::check_parameters(context.execution_parameters); !checked) return checked.get_failure();
  auto translation = local::translate_to_duckdb(sql, context.execution_parameters);
  if (!translation) return translation.get_failure();
  result.statement_type = classify(translation->first_keyword);
  if (!is_query_keyword(translation->first_keyword)) {
    return engine_error(error_codes::kNotSupported,
                        "statement '" + translation->first_keyword + "' (" +
                            std::string(to_string(result.statement_type)) +
                            ") is not supported by the local engine: only queries (SELECT, WITH, VALUES, TABLE)");
  }
  const std::string query = strip_trailing_semicolons(translation->sql);
  duckdb_extracted_statements extracted = nullptr;
  idx_t statement_count = duckdb_extract_statements(impl_->connection, query.c_str(), &extracted);
  std::string extract_error = statement_count == 0 ? duck_error_text(duckdb_extract_statements_error(extracted)) : "";
  duckdb_destroy_extracted(&extracted);
  if (statement_count == 0) return engine_error(error_codes::kQueryFailed, extract_error);
  if (statement_count > 1)
    return engine_error(error_codes::kNotSupported, "only one SQL statement is allowed per query");

  const std::string database = lower(context.database.empty() ? impl_->config.default_database : context.database);
  if (!impl_->databases.count(database)) {
    return engine_error(error_codes::kQueryFailed, "database '" + database + "' does not exist in the local catalog");
  }
  if (impl_->search_path != database) {
    if (auto status = impl_->run("SET search_path = " + local::quote_literal(local::quote_identifier(database) + "," +
                                                                             std::string(kMainSchema)),
                                 error_codes::kQueryFailed);
        !status) {
      return status.get_failure();
    }
    impl_->search_path = database;
  }

  // (Re)create the views of the referenced tables over the files present now.
  std::set<std::size_t> referenced;
  for (const auto& name : translation->qualified_names) {
    auto found = impl_->table_index.find(name.find('.') == std::string::npos ? database + "." + name : name);
    if (found != impl_->table_index.end()) referenced.insert(found->second);
  }
  for (std::size_t index : referenced) {
    const auto& table = impl_->tables[index];
    const std::string qualified = table.database + "." + table.name;
    if (!table.problem.empty()) {
      return engine_error(error_codes::kNotSupported,
                          "table " + qualified + " (" + table.source_file + "): " + table.problem);
    }
    // The view is kept while nothing changed under the table's folder (inotify), else while the
    // listing (names, sizes, modification times) is the same.
    auto cached = impl_->view_signatures.find(index);
    if (cached != impl_->view_signatures.end() && impl_->folder_watch.unchanged(index)) continue;
    impl_->folder_watch.forget(index);
    auto files =
        local::list_table_files(table, [&](const std::string& folder) { impl_->folder_watch.add(index, folder); });
    if (!files) {
      impl_->folder_watch.forget(index);
      return files.get_failure();
    }
    if (cached != impl_->view_signatures.end() && cached->second == files->signature) continue;
    impl_->view_signatures.erase(index);
    auto view = local::view_sql(table, *files);
    if (!view) return view.get_failure();
    if (auto status = impl_->run(*view, error_codes::kTableData); !status) {
      return engine_error(error_codes::kTableData, "table " + qualified + " at " + table.location + " (local '" +
                                                       table.local_path +
                                                       "') cannot be read: " + status.get_failure().message);
    }
    impl_->view_signatures[index] = std::move(files->signature);
  }

  auto table_error = [&](const std::string& message) {
    if (auto parameter = impl_->bad_parameter(context.execution_parameters)) return *parameter;
    for (std::size_t index : referenced) {
      const auto& table = impl_->tables[index];
      if (message.find(table.local_path) != std::string::npos) {
        return engine_error(error_codes::kTableData, "table " + table.database + "." + table.name + " at " +
                                                         table.location + " (local '" + table.local_path +
                                                         "') cannot be read: " + message);
      }
    }
    return engine_error(error_codes::kQueryFailed, message);
  };

  // One duckdb_query: its result says the column types. Values of plain types are rendered as Athena
  // prints them here, from DuckDB's vectors; any other type needs DuckDB to render it, so such a query
  // runs once more wrapped in a rendering SELECT.
  auto cancelled = [&] { return impl_->interrupted || (context.is_cancelled && context.is_cancelled()); };
  auto run_query = [&](const std::string& text, duckdb_result& out) -> Status {
    if (auto cleared = impl_->clear_read_log(); !cleared) return cleared.get_failure();
    if (impl_->run_watched(text, context, out)) return aws::Ok{};
    std::string message = duck_error_text(duckdb_result_error(&out));
    duckdb_destroy_result(&out);
    if (cancelled() || message.find("Interrupted") != std::string::npos) {
      return engine_error(error_codes::kCancelled, "query cancelled: " + message);
    }
    return table_error(message);
  };
  const auto planned = Clock::now();
  result.planning_time = std::chrono::duration_cast<std::chrono::milliseconds>(planned - started);
  duckdb_result duck_result;
  if (auto ran = run_query(query, duck_result); !ran) return ran.get_failure();
  result.executed_sql = query;
  idx_t column_count = duckdb_column_count(&duck_result);
  std::string rendered;
  std::string aliases;
  std::vector<DirectKind> kinds;
  for (idx_t i = 0; i < column_count; ++i) {
    ResultColumn column;
    column.name = athena_column_name(duckdb_column_name(&duck_result, i), i);  // owned by the result
    LogicalType type(duckdb_column_logical_type(&duck_result, i));
    column.type = athena_type(type.type);
    kinds.push_back(direct_kind(type.type));
    if (duckdb_get_type_id(type.type) == DUCKDB_TYPE_DECIMAL) {
      column.precision = duckdb_decimal_width(type.type);
      column.scale = duckdb_decimal_scale(type.type);
    }
    const std::string alias = "c" + std::to_string(i);
    aliases += (i ? ", " : "") + alias;
    rendered += std::string(i ? ", " : "") + render_expression(std::string(kResultAlias) + "." + alias, type.type, 0);
    result.columns.push_back(std::move(column));
  }
  const bool direct = std::all_of(kinds.begin(), kinds.end(), [](DirectKind kind) { return kind != DirectKind::None; });
  if (!direct) {
    duckdb_destroy_result(&duck_result);
    result.executed_sql =
        "SELECT " + rendered + " FROM (" + query + "\n) AS " + std::string(kResultAlias) + "(" + aliases + ")";
    if (auto ran = run_query(result.executed_sql, duck_result); !ran) return ran.get_failure();
  }

  while (duckdb_data_chunk chunk = duckdb_fetch_chunk(duck_result)) {
    idx_t rows = duckdb_data_chunk_get_size(chunk);
    std::size_t first_row = result.rows.size();
    result.rows.resize(first_row + rows, std::vector<Cell>(column_count));
    for (idx_t column = 0; column < column_count; ++column) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, column);
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
    duckdb_destroy_data_chunk(&chunk);
  }
  duckdb_destroy_result(&duck_result);
  result.data_scanned_bytes = impl_->bytes_read_since_clear();
  result.execution_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - planned);
  return result;
}

}  // namespace athena_runner::engine
