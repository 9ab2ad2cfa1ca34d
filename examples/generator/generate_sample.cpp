// generate-sample: writes the pizza-sales sample data lake and its Glue catalog (examples/generator/README.md).
//
//   generate-sample --out DIR [--days N] [--start YYYY-MM-DD] [--seed S] [--force]
//
// Everything is generated in a temporary folder next to DIR and renamed into place, so a failure or an
// interrupted run never leaves a partial sample in DIR.
#include <duckdb.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "sample_model.hpp"

namespace fs = std::filesystem;
namespace sample = athena_runner::sample;
using json = nlohmann::ordered_json;

namespace {

constexpr std::string_view kUsage =
    "usage: generate-sample --out DIR [--days N] [--start YYYY-MM-DD] [--seed S] [--force]\n"
    "\n"
    "Writes the pizza-sales sample data lake under DIR (a local data directory of athena-runner):\n"
    "  DIR/example-data-lake/pizza/order_details/order_date=YYYY-MM-DD/*.parquet\n"
    "  DIR/example-data-lake/pizza/pizzas/pizzas.csv\n"
    "  DIR/example-data-lake/pizza/pizza_types/pizza_types.csv\n"
    "  DIR/.glue/pizza/{order_details,pizzas,pizza_types}.json   (aws glue get-table output)\n"
    "  DIR/.sample.json                                          (the parameters, for re-runs)\n"
    "\n"
    "  --out DIR           data directory (its parent folder must exist)\n"
    "  --days N            number of days of orders (default 366: about a million order lines)\n"
    "  --start YYYY-MM-DD  first day (default 2024-01-01)\n"
    "  --seed S            PRNG seed, 0 to 2^64-1 (default 42)\n"
    "  --force             replace a sample already in DIR (only the paths above are replaced)\n";

constexpr int kDefaultDays = 366;
constexpr std::string_view kDefaultStart = "2024-01-01";
constexpr std::uint64_t kDefaultSeed = 42;
constexpr int kMaxDays = 36600;
// Bumped whenever the generated data changes for the same parameters, so re-runs regenerate.
constexpr int kSampleFormat = 1;

constexpr std::string_view kMarkerFile = ".sample.json";
constexpr std::string_view kLakeFolder = "example-data-lake/pizza";
constexpr std::string_view kCatalogFolder = ".glue/pizza";
constexpr std::string_view kDatabase = "pizza";
constexpr std::string_view kLocationPrefix = "s3://example-data-lake/pizza/";

struct Options {
  fs::path out;
  int days = kDefaultDays;
  std::chrono::sys_days start{};
  std::uint64_t seed = kDefaultSeed;
  bool force = false;
};

// Ends the run with a message for the user (exit status 1); main() removes the temporary folder.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Usage errors (exit status 2).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Options parse_arguments(int argc, char** argv) {
  Options options;
  options.start = *sample::parse_date(kDefaultStart);
  bool have_out = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) throw UsageError(std::string(argument) + " needs a value");
      return argv[++i];
    };
    if (argument == "--help" || argument == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (argument == "--out") {
      const std::string_view text = value();
      if (text.empty()) throw UsageError("--out must not be empty");
      options.out = fs::path(text);
      have_out = true;
    } else if (argument == "--days") {
      const std::string_view text = value();
      int days = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), days);
      if (error != std::errc() || end != text.data() + text.size() || days < 1 || days > kMaxDays) {
        throw UsageError("--days must be a whole number from 1 to " + std::to_string(kMaxDays) + ", got \"" +
                         std::string(text) + "\"");
      }
      options.days = days;
    } else if (argument == "--start") {
      const std::string_view text = value();
      const auto start = sample::parse_date(text);
      if (!start) throw UsageError("--start must be a date YYYY-MM-DD, got \"" + std::string(text) + "\"");
      options.start = *start;
    } else if (argument == "--seed") {
      const std::string_view text = value();
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), options.seed);
      if (error != std::errc() || end != text.data() + text.size()) {
        throw UsageError("--seed must be a whole number from 0 to 18446744073709551615, got \"" + std::string(text) +
                         "\"");
      }
    } else if (argument == "--force") {
      options.force = true;
    } else {
      throw UsageError("unknown argument \"" + std::string(argument) + "\"");
    }
  }
  if (!have_out) throw UsageError("--out DIR is required");
  return options;
}

json marker_parameters(const Options& options) {
  return json{{"format", kSampleFormat},
              {"start", sample::format_date(options.start)},
              {"days", options.days},
              {"seed", options.seed}};
}

std::string describe(const json& parameters) {
  return "start " + parameters.value("start", std::string("?")) + ", " + std::to_string(parameters.value("days", 0)) +
         " days, seed " + std::to_string(parameters.value("seed", std::uint64_t{0}));
}

void write_file(const fs::path& path, std::string_view content) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(content.data(), static_cast<std::streamsize>(content.size()));
  file.close();
  if (!file) throw Failure("could not write " + path.string());
}

std::string price_text(int cents) {
  char text[32];
  std::snprintf(text, sizeof text, "%d.%02d", cents / 100, cents % 100);
  return text;
}

// OpenCSVSerde field: always quoted, quotes doubled (the menu has no quotes or backslashes, checked below).
std::string quoted(std::string_view field) {
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"' || c == '\\') throw Failure("menu text must not contain quotes or backslashes: " + std::string(field));
    out += c;
  }
  return out + "\"";
}

std::string pizzas_csv() {
  std::string csv = "pizza_id,pizza_type_id,size,price\n";
  for (const auto& type : sample::menu()) {
    for (const sample::Size size : sample::kSizes) {
      csv += sample::pizza_id(type, size) + "," + std::string(type.pizza_type_id) + "," +
             std::string(sample::kSizeNames[static_cast<int>(size)]) + "," +
             price_text(type.price_cents[static_cast<int>(size)]) + "\n";
    }
  }
  return csv;
}

std::string pizza_types_csv() {
  std::string csv =
      quoted("pizza_type_id") + "," + quoted("name") + "," + quoted("category") + "," + quoted("ingredients") + "\n";
  for (const auto& type : sample::menu()) {
    csv += quoted(type.pizza_type_id) + "," + quoted(type.name) + "," + quoted(type.category) + "," +
           quoted(type.ingredients) + "\n";
  }
  return csv;
}

json column(std::string_view name, std::string_view type, std::string_view comment) {
  return json{{"Name", name}, {"Type", type}, {"Comment", comment}};
}

// What `aws glue get-table` prints for a table of the sample.
json glue_table(std::string_view name, std::string_view description, json columns, json storage, json partition_keys,
                json parameters) {
  storage["Columns"] = std::move(columns);
  storage["Location"] = std::string(kLocationPrefix) + std::string(name) + "/";
  json table{{"Name", name},
             {"DatabaseName", kDatabase},
             {"Description", description},
             {"TableType", "EXTERNAL_TABLE"},
             {"Parameters", std::move(parameters)},
             {"StorageDescriptor", std::move(storage)},
             {"PartitionKeys", std::move(partition_keys)}};
  return json{{"Table", std::move(table)}};
}

json text_storage(std::string_view serde, json serde_parameters) {
  return json{{"InputFormat", "org.apache.hadoop.mapred.TextInputFormat"},
              {"OutputFormat", "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"},
              {"Compressed", false},
              {"NumberOfBuckets", -1},
              {"SerdeInfo", {{"SerializationLibrary", serde}, {"Parameters", std::move(serde_parameters)}}},
              {"StoredAsSubDirectories", false}};
}

void write_catalog(const fs::path& catalog_dir, const Options& options) {
  const std::string first_day = sample::format_date(options.start);
  const std::string last_day = sample::format_date(options.start + std::chrono::days(options.days - 1));

  json parquet_storage{{"InputFormat", "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"},
                       {"OutputFormat", "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"},
                       {"Compressed", false},
                       {"NumberOfBuckets", -1},
                       {"SerdeInfo",
                        {{"SerializationLibrary", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
                         {"Parameters", {{"serialization.format", "1"}}}}},
                       {"StoredAsSubDirectories", false}};
  // Partition projection lets real Athena find the order_date=... folders without MSCK REPAIR TABLE.
  json order_parameters{{"classification", "parquet"},
                        {"EXTERNAL", "TRUE"},
                        {"projection.enabled", "true"},
                        {"projection.order_date.type", "date"},
                        {"projection.order_date.format", "yyyy-MM-dd"},
                        {"projection.order_date.range", first_day + "," + last_day},
                        {"projection.order_date.interval", "1"},
                        {"projection.order_date.interval.unit", "DAYS"}};
  const json order_details = glue_table(
      "order_details", "One row per pizza line of an order; Parquet, partitioned by order_date.",
      json::array({column("order_details_id", "bigint", "line id, unique"), column("order_id", "bigint", "order id"),
                   column("pizza_id", "string", "pizzas.pizza_id"), column("quantity", "int", "1 to 3"),
                   column("order_time", "timestamp", "when the order was placed (shop local time)")}),
      std::move(parquet_storage), json::array({column("order_date", "date", "day of the order")}),
      std::move(order_parameters));

  // No field of pizzas.csv contains a comma, so LazySimpleSerDe (typed, unquoted) reads it.
  const json pizzas =
      glue_table("pizzas", "Pizza sizes and prices; CSV with a header row.",
                 json::array({column("pizza_id", "string", "pizza type and size, e.g. bbq_ckn_l"),
                              column("pizza_type_id", "string", "pizza_types.pizza_type_id"),
                              column("size", "string", "S, M or L"), column("price", "decimal(5,2)", "price in USD")}),
                 text_storage("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              {{"field.delim", ","}, {"serialization.format", ","}}),
                 json::array(), {{"classification", "csv"}, {"EXTERNAL", "TRUE"}, {"skip.header.line.count", "1"}});

  // Names and ingredients contain commas: OpenCSVSerde reads the quoted fields.
  const json pizza_types =
      glue_table("pizza_types", "Pizza names, categories and ingredients; CSV with a header row.",
                 json::array({column("pizza_type_id", "string", "e.g. bbq_ckn"), column("name", "string", "menu name"),
                              column("category", "string", "Chicken, Classic, Supreme or Veggie"),
                              column("ingredients", "string", "comma-separated")}),
                 text_storage("org.apache.hadoop.hive.serde2.OpenCSVSerde",
                              {{"separatorChar", ","}, {"quoteChar", "\""}, {"escapeChar", "\\"}}),
                 json::array(), {{"classification", "csv"}, {"EXTERNAL", "TRUE"}, {"skip.header.line.count", "1"}});

  write_file(catalog_dir / "order_details.json", order_details.dump(2) + "\n");
  write_file(catalog_dir / "pizzas.json", pizzas.dump(2) + "\n");
  write_file(catalog_dir / "pizza_types.json", pizza_types.dump(2) + "\n");
}

class DuckDb {
 public:
  DuckDb() {
    if (duckdb_open(nullptr, &database_) != DuckDBSuccess) throw Failure("could not start DuckDB");
    if (duckdb_connect(database_, &connection_) != DuckDBSuccess) throw Failure("could not connect to DuckDB");
  }
  ~DuckDb() {
    if (connection_) duckdb_disconnect(&connection_);
    if (database_) duckdb_close(&database_);
  }
  DuckDb(const DuckDb&) = delete;
  DuckDb& operator=(const DuckDb&) = delete;

  void run(const std::string& sql) {
    duckdb_result result;
    const bool ok = duckdb_query(connection_, sql.c_str(), &result) == DuckDBSuccess;
    std::string error = ok ? "" : duckdb_result_error(&result);
    duckdb_destroy_result(&result);
    if (!ok) throw Failure("DuckDB failed: " + error);
  }
  duckdb_connection connection() { return connection_; }

 private:
  duckdb_database database_ = nullptr;
  duckdb_connection connection_ = nullptr;
};

class Appender {
 public:
  Appender(duckdb_connection connection, const char* table) {
    if (duckdb_appender_create(connection, nullptr, table, &appender_) != DuckDBSuccess) {
      throw Failure(std::string("could not append to ") + table + ": " + duckdb_appender_error(appender_));
    }
  }
  ~Appender() { duckdb_appender_destroy(&appender_); }
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  void check(duckdb_state state) {
    if (state != DuckDBSuccess) throw Failure(std::string("DuckDB appender: ") + duckdb_appender_error(appender_));
  }
  duckdb_appender get() { return appender_; }

 private:
  duckdb_appender appender_ = nullptr;
};

std::string sql_string(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// Generates the order lines and writes them as Hive-partitioned Parquet; returns the row count.
std::int64_t write_order_details(const fs::path& folder, const Options& options) {
  DuckDb duckdb;
  duckdb.run(
      "CREATE TABLE order_details (order_details_id BIGINT, order_id BIGINT, pizza_id VARCHAR, quantity INTEGER, "
      "order_time TIMESTAMP, order_date DATE)");
  const auto& types = sample::menu();
  std::vector<std::string> pizza_ids;  // by type_index * 3 + size
  for (const auto& type : types) {
    for (const sample::Size size : sample::kSizes) pizza_ids.push_back(sample::pizza_id(type, size));
  }
  std::int64_t rows = 0;
  {
    Appender appender(duckdb.connection(), "order_details");
    duckdb_appender a = appender.get();
    int days_done = 0;
    sample::generate_orders(
        {.start = options.start, .days = options.days, .seed = options.seed},
        [&](std::chrono::sys_days day, const std::vector<sample::OrderLine>& lines) {
          const std::int64_t day_number = day.time_since_epoch().count();
          const duckdb_date date{static_cast<int32_t>(day_number)};
          for (const auto& line : lines) {
            const std::string& id =
                pizza_ids[static_cast<std::size_t>(line.type_index) * 3 + static_cast<std::size_t>(line.size)];
            const std::int64_t micros = (day_number * 86400 + line.seconds_of_day) * 1'000'000;
            appender.check(duckdb_append_int64(a, line.order_details_id));
            appender.check(duckdb_append_int64(a, line.order_id));
            appender.check(duckdb_append_varchar_length(a, id.data(), id.size()));
            appender.check(duckdb_append_int32(a, line.quantity));
            appender.check(duckdb_append_timestamp(a, duckdb_timestamp{micros}));
            appender.check(duckdb_append_date(a, date));
            appender.check(duckdb_appender_end_row(a));
          }
          rows += static_cast<std::int64_t>(lines.size());
          if (++days_done % 30 == 0 || days_done == options.days) {
            std::cout << "  generated " << days_done << "/" << options.days << " days, " << rows << " order lines\n"
                      << std::flush;
          }
        });
    appender.check(duckdb_appender_close(a));
  }
  std::cout << "  writing Parquet partitions\n" << std::flush;
  // One thread: the same parameters give the same files (one per partition, rows in id order); parallel
  // writers split partitions into a varying number of files.
  duckdb.run("SET threads = 1");
  duckdb.run("COPY (SELECT * FROM order_details ORDER BY order_details_id) TO " + sql_string(folder.string()) +
             " (FORMAT parquet, PARTITION_BY (order_date), FILENAME_PATTERN 'part-{i}')");
  return rows;
}

struct TreeSize {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
};

TreeSize measure(const fs::path& folder) {
  TreeSize size;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) {
      ++size.files;
      size.bytes += static_cast<std::int64_t>(entry.file_size());
    }
  }
  return size;
}

std::optional<json> read_marker(const fs::path& out) {
  std::ifstream file(out / kMarkerFile);
  if (!file) return std::nullopt;
  json marker = json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (marker.is_discarded() || !marker.is_object()) return std::nullopt;
  return marker;
}

// The paths of DIR this tool owns (relative): replaced together, the marker last.
const std::vector<fs::path>& owned_paths() {
  static const std::vector<fs::path> kPaths{fs::path(kLakeFolder), fs::path(kCatalogFolder), fs::path(kMarkerFile)};
  return kPaths;
}

// Removes the temporary folder unless released.
class TemporaryFolder {
 public:
  explicit TemporaryFolder(fs::path path) : path_(std::move(path)) {}
  ~TemporaryFolder() {
    if (!path_.empty()) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
    }
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  const fs::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  fs::path path_;
};

std::string error_text(const std::error_code& error) { return error.message(); }

void rename_or_fail(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) throw Failure("could not move " + from.string() + " to " + to.string() + ": " + error_text(error));
}

int run(const Options& options) {
  const auto started = std::chrono::steady_clock::now();
  const fs::path out = fs::absolute(options.out).lexically_normal();
  const fs::path target = out.has_filename() ? out : out.parent_path();  // "dir/" names "dir"
  const fs::path parent = target.parent_path();

  std::error_code error;
  const auto status = fs::status(target, error);
  const bool exists = fs::exists(status);
  if (exists && !fs::is_directory(status)) {
    throw Failure("--out " + options.out.string() + " exists and is not a directory; pass a folder");
  }
  if (!exists && !fs::is_directory(parent)) {
    throw Failure("the parent folder of --out " + options.out.string() + " (" + parent.string() +
                  ") does not exist or is not a folder; create it first");
  }

  const json parameters = marker_parameters(options);
  bool has_owned_path = false;
  if (exists) {
    for (const auto& owned : owned_paths()) has_owned_path = has_owned_path || fs::exists(target / owned);
    const auto marker = read_marker(target);
    bool complete = true;
    for (const auto& owned : owned_paths()) complete = complete && fs::exists(target / owned);
    if (marker && complete && marker->value("parameters", json::object()) == parameters) {
      if (!options.force) {
        std::cout << "generate-sample: " << target.string() << " already holds this sample (" << describe(parameters)
                  << "); nothing to do (pass --force to regenerate)\n";
        return 0;
      }
    } else if (has_owned_path && !options.force) {
      const std::string what =
          marker ? "a different sample (" + describe(marker->value("parameters", json::object())) + ")"
                 : "sample files without a complete " + std::string(kMarkerFile);
      throw Failure(target.string() + " already holds " + what + "; pass --force to replace " +
                    std::string(kLakeFolder) + "/, " + std::string(kCatalogFolder) + "/ and " +
                    std::string(kMarkerFile) + " (nothing else in it is touched)");
    }
  }

  // Next to the target, so the final renames stay on one file system.
  std::string pattern = (parent / ("." + target.filename().string() + ".generating-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Failure("cannot create a temporary folder in " + parent.string() + " (next to --out " + options.out.string() +
                  "): " + std::strerror(errno));
  }
  TemporaryFolder temporary{fs::path(pattern)};
  const fs::path staging = temporary.path() / "new";
  const fs::path lake = staging / kLakeFolder;
  const fs::path catalog = staging / kCatalogFolder;
  for (const auto& folder : {lake / "pizzas", lake / "pizza_types", catalog}) {
    fs::create_directories(folder, error);
    if (error) throw Failure("cannot create " + folder.string() + ": " + error_text(error));
  }

  std::cout << "generate-sample: " << describe(parameters) << " into " << target.string() << "\n" << std::flush;
  const std::int64_t rows = write_order_details(lake / "order_details", options);
  write_file(lake / "pizzas" / "pizzas.csv", pizzas_csv());
  write_file(lake / "pizza_types" / "pizza_types.csv", pizza_types_csv());
  write_catalog(catalog, options);
  const TreeSize data = measure(lake);
  json marker{{"generator", "generate-sample (athena-runner examples/generator)"},
              {"parameters", parameters},
              {"order_details_rows", rows},
              {"data_files", data.files},
              {"data_bytes", data.bytes}};
  write_file(staging / kMarkerFile, marker.dump(2) + "\n");

  if (!exists) {
    rename_or_fail(staging, target);
  } else {
    // Move the old owned paths aside (into the temporary folder, removed below), then the new ones in;
    // the marker goes last, so an interrupted swap is never mistaken for a complete sample.
    const fs::path old = temporary.path() / "old";
    for (const auto& owned : owned_paths()) {
      if (fs::exists(target / owned)) {
        fs::create_directories((old / owned).parent_path(), error);
        if (error) throw Failure("cannot create " + (old / owned).parent_path().string() + ": " + error_text(error));
        rename_or_fail(target / owned, old / owned);
      }
    }
    for (const auto& owned : owned_paths()) {
      fs::create_directories((target / owned).parent_path(), error);
      if (error) throw Failure("cannot create " + (target / owned).parent_path().string() + ": " + error_text(error));
      rename_or_fail(staging / owned, target / owned);
    }
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char summary[256];
  std::snprintf(summary, sizeof summary, "generate-sample: %lld rows, %lld files, %lld bytes, %.2f s -> %s\n",
                static_cast<long long>(rows), static_cast<long long>(data.files), static_cast<long long>(data.bytes),
                seconds, target.c_str());
  std::cout << summary;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_arguments(argc, argv));
  } catch (const UsageError& usage) {
    std::cerr << "generate-sample: error: " << usage.what() << "\n\n" << kUsage;
    return 2;
  } catch (const std::exception& failure) {
    std::cerr << "generate-sample: error: " << failure.what() << "\n";
    return 1;
  }
}
