#include "catalog.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "athena_runner/base/text.hpp"
#include "athena_runner/catalog/catalog_store.hpp"
#include "athena_runner/engine/local_engine.hpp"
#include "projection.hpp"

namespace athena_runner::engine::local {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::array<std::string_view, 3> kS3Schemes{"s3://", "s3a://", "s3n://"};
constexpr std::string_view kHiveDefaultFieldDelimiter = "\x01";  // LazySimpleSerDe's Ctrl-A

// LazySimpleSerDe reads a delimiter setting as Hive's LazyUtils.getByte does: text that parses as a byte
// number (Byte.parseByte: optional sign, decimal, -128..127) is that byte ("1" is Ctrl-A, the
// serialization.format Glue stores for default text tables; "9" is a tab); other text is the character.
std::string hive_delimiter_byte(const std::string& value) {
  if (value.empty()) return value;
  std::size_t digits_from = (value[0] == '-' || value[0] == '+') ? 1 : 0;
  bool numeric = value.size() > digits_from && value.size() - digits_from <= 3 &&
                 std::all_of(value.begin() + static_cast<std::ptrdiff_t>(digits_from), value.end(),
                             [](char c) { return c >= '0' && c <= '9'; });
  if (numeric) {
    int number = std::stoi(value);
    if (number >= -128 && number <= 127) return std::string(1, static_cast<char>(static_cast<signed char>(number)));
  }
  return value;  // one character, or rejected by the caller (multi-character needs MultiDelimitSerDe)
}
constexpr std::string_view kHiveNullFormat = "\\N";  // LazySimpleSerDe's serialization.null.format
constexpr std::string_view kOpenCsvDefaultSeparator = ",";
constexpr std::string_view kOpenCsvDefaultQuote = "\"";
constexpr std::string_view kOpenCsvDefaultEscape = "\\";
constexpr std::string_view kSkipHeaderProperty = "skip.header.line.count";

using text::lower;

Error catalog_error(const std::string& message) {
  return make_error(ErrorKind::InvalidInput, std::string(error_codes::kInvalidCatalog), message);
}

std::map<std::string, std::string> string_map(const json& object) {
  std::map<std::string, std::string> out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_string()) out[key] = value.get<std::string>();
  }
  return out;
}

std::string string_field(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

void parse_columns(const json& list, std::vector<CatalogColumn>& out, std::string& problem) {
  if (!list.is_array()) return;
  for (const auto& column : list) {
    CatalogColumn parsed;
    parsed.name = lower(string_field(column, "Name"));
    parsed.hive_type = string_field(column, "Type");
    auto type = hive_to_duckdb_type(parsed.hive_type);
    if (!type) {
      if (problem.empty()) problem = "column " + parsed.name + ": " + type.get_failure().message;
      continue;
    }
    parsed.type = *type;
    out.push_back(std::move(parsed));
  }
}

CatalogTable parse_table(const json& table, const std::string& fallback_database, const std::string& source,
                         const std::string& data_root) {
  CatalogTable parsed;
  parsed.source_file = source;
  parsed.name = lower(string_field(table, "Name"));
  parsed.database = lower(string_field(table, "DatabaseName"));
  if (parsed.database.empty()) parsed.database = lower(fallback_database);
  parsed.table_parameters = string_map(table.value("Parameters", json::object()));
  const json storage = table.value("StorageDescriptor", json::object());
  parsed.location = string_field(storage, "Location");
  parse_columns(storage.value("Columns", json::array()), parsed.columns, parsed.problem);
  parse_columns(table.value("PartitionKeys", json::array()), parsed.partition_keys, parsed.problem);
  const json serde = storage.value("SerdeInfo", json::object());
  parsed.serde_parameters = string_map(serde.value("Parameters", json::object()));
  std::string library = string_field(serde, "SerializationLibrary");
  std::string input_format = string_field(storage, "InputFormat");
  if (string_field(table, "TableType") == "VIRTUAL_VIEW") {
    parsed.problem = "Glue views (VIRTUAL_VIEW) are not supported by the local engine";
  } else if (library.find("ParquetHiveSerDe") != std::string::npos ||
             input_format.find("Parquet") != std::string::npos) {
    parsed.format = TableFormat::Parquet;
  } else if (library.find("LazySimpleSerDe") != std::string::npos) {
    parsed.format = TableFormat::HiveText;
  } else if (library.find("OpenCSVSerde") != std::string::npos) {
    parsed.format = TableFormat::OpenCsv;
  } else if (library.find("JsonSerDe") != std::string::npos) {
    parsed.format = TableFormat::Json;
  } else if (parsed.problem.empty()) {
    parsed.problem =
        "SerDe '" + library + "' (input format '" + input_format + "') is not supported by the local engine";
  }
  if (parsed.name.empty() && parsed.problem.empty()) parsed.problem = "the table has no Name";
  auto local = local_path_for(parsed.location, data_root);
  if (local) {
    parsed.local_path = *local;
  } else if (parsed.problem.empty()) {
    parsed.problem = local.get_failure().message;
  }
  return parsed;
}

// %XX sequences decoded (DuckDB's hive_partitioning decodes folder values so).
std::string url_decoded(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool hidden(const fs::path& path) {
  std::string name = path.filename().string();
  return name.empty() || name[0] == '_' || name[0] == '.';
}

std::string sql_list(const std::vector<std::string>& paths) {
  std::string out = "[";
  for (std::size_t i = 0; i < paths.size(); ++i) out += (i ? ", " : "") + quote_literal(paths[i]);
  return out + "]";
}

std::string parameter_or(const std::map<std::string, std::string>& parameters, const std::string& key,
                         std::string_view fallback) {
  auto found = parameters.find(key);
  return found != parameters.end() ? found->second : std::string(fallback);
}

// The registered partitions of `table` from the store's list (GetPartitions' shape). A partition without a
// Location is at <table location>/k1=v1/..., as Athena and Hive place it.
void load_partitions(CatalogTable& table, const std::string& list_text, const std::string& data_root) {
  json list = json::parse(list_text, nullptr, false);
  std::vector<CatalogPartition> partitions;
  if (!list.is_array()) {
    table.problem = "its partition list is not valid JSON";
    return;
  }
  std::string base = table.location;
  while (!base.empty() && base.back() == '/') base.pop_back();
  for (const auto& entry : list) {
    CatalogPartition partition;
    for (const auto& value : entry.value("Values", json::array())) {
      partition.values.push_back(value.is_string() ? value.get<std::string>() : value.dump());
    }
    if (partition.values.size() != table.partition_keys.size()) continue;  // Glue refuses these; skip a stray one
    partition.location = string_field(entry.value("StorageDescriptor", json::object()), "Location");
    if (partition.location.empty()) {
      partition.location = base;
      for (std::size_t i = 0; i < partition.values.size(); ++i)
        partition.location += "/" + table.partition_keys[i].name + "=" + partition.values[i];
    }
    auto local = local_path_for(partition.location, data_root);
    if (!local) {
      table.problem = "partition " + partition.location + ": " + local.get_failure().message;
      return;
    }
    partition.local_path = *local;
    partitions.push_back(std::move(partition));
  }
  table.partitions = std::move(partitions);
}

// DuckDB's hive_partitioning reads the values from the path: usable when the partition's folder ends with
// k1=v1/.../kn=vn naming exactly its registered values (URL-encoded as Hive and DuckDB write them, or not).
bool hive_style(const CatalogTable& table, const CatalogPartition& partition) {
  fs::path folder(partition.local_path);
  std::vector<std::string> parts;
  for (const auto& part : folder) parts.push_back(part.string());
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  if (parts.size() < partition.values.size()) return false;
  const std::size_t first = parts.size() - partition.values.size();
  for (std::size_t i = 0; i < partition.values.size(); ++i) {
    const std::string& part = parts[first + i];
    const std::string prefix = table.partition_keys[i].name + "=";
    if (part.rfind(prefix, 0) != 0) return false;
    std::string value = part.substr(prefix.size());
    if (value != partition.values[i] && url_decoded(value) != partition.values[i]) return false;
  }
  return true;
}

}  // namespace

Outcome<std::string> local_path_for(const std::string& s3_uri, const std::string& data_root) {
  for (auto scheme : kS3Schemes) {
    if (s3_uri.rfind(scheme, 0) == 0) {
      std::string key = s3_uri.substr(scheme.size());
      while (!key.empty() && key.back() == '/') key.pop_back();
      if (key.empty() || key.find("..") != std::string::npos) break;
      return (fs::path(data_root) / key).lexically_normal().string();
    }
  }
  return catalog_error("location '" + s3_uri + "' is not an s3:// URI");
}

Outcome<std::vector<CatalogTable>> load_catalog(const std::string& catalog_dir, const std::string& data_root) {
  std::vector<CatalogTable> tables;
  if (catalog_dir.empty()) return tables;
  std::error_code error;
  if (!fs::is_directory(catalog_dir, error))
    return catalog_error("catalog directory '" + catalog_dir + "' does not exist");
  const catalog::CatalogStore store(catalog_dir);
  auto documents = store.table_documents();
  if (!documents)
    return catalog_error("cannot read catalog directory '" + catalog_dir + "': " + documents.get_failure().message);
  for (const auto& file : *documents) {
    json document = json::parse(file.text, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded() || !document.is_object()) {
      return catalog_error("catalog file '" + file.path + "' is not valid JSON");
    }
    // <catalog>/<database>/<table>.json: the folder names the database when DatabaseName is absent.
    if (document.contains("Table") && document["Table"].is_object()) {
      tables.push_back(parse_table(document["Table"], file.database_folder, file.path, data_root));
    } else if (document.contains("TableList") && document["TableList"].is_array()) {
      for (const auto& table : document["TableList"]) {
        tables.push_back(parse_table(table, file.database_folder, file.path, data_root));
      }
    } else {
      return catalog_error("catalog file '" + file.path + "' has neither \"Table\" nor \"TableList\"");
    }
  }
  const auto now = std::chrono::system_clock::now();
  for (auto& table : tables) {
    if (table.partition_keys.empty() || !table.problem.empty()) continue;
    if (projection_enabled(table)) {
      // Athena computes a projected table's partitions and ignores those registered in the catalog. Each query
      // computes them (NOW is the query's time; injected keys take the query's values), so the list kept here is
      // empty; they are computed once only to refuse a bad projection at load, as the table's problem (not a
      // table with an injected key: its values exist only in a query).
      table.partitions.emplace();
      if (has_injected_key(table)) continue;
      if (auto projected = projected_partitions(table, data_root, now); !projected)
        table.problem = projected.get_failure().message;
      continue;
    }
    auto list = store.partition_list(table.database, table.name);
    if (!list) {
      table.problem = list.get_failure().message;
      continue;
    }
    if (*list) load_partitions(table, **list, data_root);
  }
  return tables;
}

namespace {

struct FileEntry {
  std::string path;
  std::uintmax_t size;
  std::int64_t modified;
  std::size_t partition;
};

// Every data file under `root` (recursively; names starting with '_' or '.' skipped, as Athena does).
std::error_code walk_files(const std::string& root, std::size_t partition, std::vector<FileEntry>& entries,
                           const std::function<void(const std::string&)>& before_reading_folder) {
  std::error_code error;
  if (before_reading_folder) before_reading_folder(root);
  for (auto it = fs::recursive_directory_iterator(root, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) {
      if (before_reading_folder) before_reading_folder(it->path().string());
      continue;
    }
    if (!it->is_regular_file()) continue;
    // One stat per file: this walk runs at every query that references the table.
    struct stat info {};
    std::string path = it->path().string();
    if (::stat(path.c_str(), &info) != 0) continue;  // removed while listing
    const std::int64_t modified = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
    entries.push_back({std::move(path), static_cast<std::uintmax_t>(info.st_size), modified, partition});
  }
  return error;
}

}  // namespace

Outcome<TableFiles> list_table_files(const CatalogTable& table,
                                     const std::function<void(const std::string&)>& before_reading_folder) {
  std::error_code error;
  const std::string qualified = table.database + "." + table.name;
  std::vector<FileEntry> entries;
  if (table.partitions) {
    // Exactly the registered partitions, each at its own location.
    for (std::size_t index = 0; index < table.partitions->size(); ++index) {
      const std::string& folder = (*table.partitions)[index].local_path;
      if (!fs::is_directory(folder, error)) {
        // Watching a missing folder fails, so the next query lists again and sees it once it exists.
        if (before_reading_folder) before_reading_folder(folder);
        continue;
      }
      if (auto failed = walk_files(folder, index, entries, before_reading_folder)) {
        std::string message = "table " + qualified;
        message += ": cannot list '" + folder + "': " + failed.message();
        return make_error(ErrorKind::InvalidInput, std::string(error_codes::kTableData), message);
      }
    }
  } else {
    if (!fs::is_directory(table.local_path, error)) {
      return make_error(ErrorKind::InvalidInput, std::string(error_codes::kTableData),
                        "table " + qualified + ": no data at " + table.location + " (local folder '" +
                            table.local_path + "' does not exist)");
    }
    if (auto failed = walk_files(table.local_path, 0, entries, before_reading_folder)) {
      return make_error(ErrorKind::InvalidInput, std::string(error_codes::kTableData),
                        "table " + qualified + ": cannot list '" + table.local_path + "': " + failed.message());
    }
  }
  std::sort(entries.begin(), entries.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const FileEntry& a, const FileEntry& b) { return a.path == b.path; }),
                entries.end());
  TableFiles files;
  for (const auto& entry : entries) {
    files.signature += entry.path + '\0' + std::to_string(entry.size) + '\0' + std::to_string(entry.modified) + '\n';
    files.paths.push_back(entry.path);
    if (table.partitions) files.partition_of.push_back(entry.partition);
    files.total_bytes += static_cast<std::int64_t>(entry.size);
  }
  return files;
}

std::string text_field_delimiter(const CatalogTable& table) {
  return hive_delimiter_byte(
      parameter_or(table.serde_parameters, "field.delim",
                   parameter_or(table.serde_parameters, "serialization.format", kHiveDefaultFieldDelimiter)));
}

std::string text_null_format(const CatalogTable& table) {
  return parameter_or(table.serde_parameters, "serialization.null.format", kHiveNullFormat);
}

Outcome<std::string> view_sql(const CatalogTable& table, const TableFiles& files, const std::string& temp_view) {
  const std::string qualified = table.database + "." + table.name;
  const std::string view = temp_view.empty() ? "CREATE OR REPLACE VIEW " + quote_identifier(table.database) + "." +
                                                   quote_identifier(table.name) + " AS "
                                             : "CREATE OR REPLACE TEMP VIEW " + quote_identifier(temp_view) + " AS ";
  auto unsupported = [&](const std::string& what) {
    return make_error(ErrorKind::InvalidInput, std::string(error_codes::kNotSupported),
                      "table " + qualified + ": " + what);
  };
  if (!table.problem.empty()) return unsupported(table.problem);
  const bool text = table.format == TableFormat::HiveText || table.format == TableFormat::OpenCsv;
  // Text SerDes read every field as a string; Hive's LazySimpleSerDe turns unparsable values into
  // NULL (TRY_CAST), OpenCSVSerde fails the query (CAST).
  const std::string cast = table.format == TableFormat::HiveText ? "TRY_CAST(" : "CAST(";
  std::string select;
  auto add_column = [&](const CatalogColumn& column, bool partition) {
    if (!select.empty()) select += ", ";
    const std::string& cast_fn = partition ? std::string("CAST(") : cast;
    select +=
        cast_fn + quote_identifier(column.name) + " AS " + column.type.sql + ") AS " + quote_identifier(column.name);
  };
  for (const auto& column : table.columns) {
    if (text && column.type.complex)
      return unsupported("column " + column.name + ": complex types in text tables are not supported");
    add_column(column, false);
  }
  for (const auto& column : table.partition_keys) add_column(column, true);
  if (select.empty()) return unsupported("the table has no columns");

  if (files.paths.empty()) {
    // An empty location is an empty table, as in Athena.
    std::string empty;
    for (const auto& column : table.columns) {
      empty += std::string(empty.empty() ? "" : ", ") + "CAST(NULL AS " + column.type.sql + ") AS " +
               quote_identifier(column.name);
    }
    for (const auto& column : table.partition_keys) {
      empty += std::string(empty.empty() ? "" : ", ") + "CAST(NULL AS " + column.type.sql + ") AS " +
               quote_identifier(column.name);
    }
    return view + "SELECT " + empty + " WHERE false";
  }
  std::string column_list;  // {'name': 'VARCHAR', ...} in declared order
  for (const auto& column : table.columns) {
    column_list += std::string(column_list.empty() ? "{" : ", ") + quote_literal(column.name) + ": " +
                   quote_literal(text ? "VARCHAR" : column.type.sql);
  }
  column_list += "}";
  long skip_header = 0;
  try {
    skip_header = std::stol(parameter_or(table.table_parameters, std::string(kSkipHeaderProperty), "0"));
  } catch (const std::exception&) {
    return unsupported(std::string(kSkipHeaderProperty) + " is not a number");
  }
  if (table.format == TableFormat::HiveText) {
    if (table.serde_parameters.count("escape.delim")) {
      return unsupported("LazySimpleSerDe's escape.delim is not supported by the local engine");
    }
    if (text_field_delimiter(table).size() != 1) {
      return unsupported("field delimiter '" + text_field_delimiter(table) + "' must be one character");
    }
  }
  std::string separator = parameter_or(table.serde_parameters, "separatorChar", kOpenCsvDefaultSeparator);
  std::string quote = parameter_or(table.serde_parameters, "quoteChar", kOpenCsvDefaultQuote);
  std::string escape = parameter_or(table.serde_parameters, "escapeChar", kOpenCsvDefaultEscape);
  if (table.format == TableFormat::OpenCsv && (separator.size() != 1 || quote.size() != 1 || escape.size() != 1)) {
    return unsupported("OpenCSVSerde separatorChar, quoteChar and escapeChar must be one character each");
  }
  // The table function reading `paths`; hive: the partition columns come from the k=v/ folders in the paths.
  auto reader = [&](const std::vector<std::string>& paths, bool hive) {
    const std::string partitioning =
        ", hive_partitioning = " + std::string(hive ? "true" : "false") + ", hive_types_autocast = false";
    switch (table.format) {
      case TableFormat::Parquet: return "read_parquet(" + sql_list(paths) + partitioning + ")";
      case TableFormat::HiveText:
        return "read_csv(" + sql_list(paths) + ", columns = " + column_list +
               ", delim = " + quote_literal(text_field_delimiter(table)) +
               ", quote = '', escape = '', header = false, skip = " + std::to_string(skip_header) +
               ", nullstr = " + quote_literal(text_null_format(table)) +
               ", auto_detect = false, null_padding = true, strict_mode = false" + partitioning + ")";
      case TableFormat::OpenCsv:
        return "read_csv(" + sql_list(paths) + ", columns = " + column_list + ", delim = " + quote_literal(separator) +
               ", quote = " + quote_literal(quote) + ", escape = " + quote_literal(escape) +
               ", header = false, skip = " + std::to_string(skip_header) +
               ", auto_detect = false, null_padding = true, allow_quoted_nulls = false" + partitioning + ")";
      case TableFormat::Json:
        return "read_json(" + sql_list(paths) + ", format = 'newline_delimited', columns = " + column_list +
               partitioning + ")";
    }
    return std::string();
  };
  if (!table.partitions) {
    return view + "SELECT " + select + " FROM " + reader(files.paths, !table.partition_keys.empty());
  }
  // Registered partitions: those in k=v/ folders naming their values are read together with hive_partitioning
  // (DuckDB skips the files of partitions a filter excludes); each other one (its own layout, e.g. CloudTrail's
  // AWSLogs/<account>/CloudTrail/<region>/2024/01/02/) gets its values as constants, so a filter on them makes
  // its branch empty and its files are not read.
  std::vector<std::string> hive_paths;
  std::map<std::size_t, std::vector<std::string>> own_layout;
  for (std::size_t i = 0; i < files.paths.size(); ++i) {
    const std::size_t partition = files.partition_of[i];
    if (hive_style(table, (*table.partitions)[partition]))
      hive_paths.push_back(files.paths[i]);
    else
      own_layout[partition].push_back(files.paths[i]);
  }
  std::string data_select;
  for (const auto& column : table.columns) {
    data_select += std::string(data_select.empty() ? "" : ", ") + cast + quote_identifier(column.name) + " AS " +
                   column.type.sql + ") AS " + quote_identifier(column.name);
  }
  std::vector<std::string> branches;
  if (!hive_paths.empty()) branches.push_back("SELECT " + select + " FROM " + reader(hive_paths, true));
  for (const auto& [partition, paths] : own_layout) {
    std::string constants;
    for (std::size_t k = 0; k < table.partition_keys.size(); ++k) {
      const auto& key = table.partition_keys[k];
      constants += ", CAST(" + quote_literal((*table.partitions)[partition].values[k]) + " AS " + key.type.sql +
                   ") AS " + quote_identifier(key.name);
    }
    std::string branch = "SELECT " + data_select;
    branch += constants;
    branch += " FROM " + reader(paths, false);
    branches.push_back(std::move(branch));
  }
  std::string sql = view;
  for (std::size_t i = 0; i < branches.size(); ++i) sql += (i ? " UNION ALL " : "") + branches[i];
  return sql;
}

namespace {
constexpr std::uint32_t kWatchedEvents = IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |
                                         IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;
}  // namespace

FolderWatch::FolderWatch() : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

FolderWatch::~FolderWatch() {
  if (fd_ >= 0) ::close(fd_);
}

void FolderWatch::forget(std::size_t key) {
  drain();
  auto found = watches_.find(key);
  if (found != watches_.end()) {
    for (int descriptor : found->second) {
      inotify_rm_watch(fd_, descriptor);
      keys_.erase(descriptor);
    }
    watches_.erase(found);
  }
  changed_.erase(key);
}

void FolderWatch::add(std::size_t key, const std::string& folder) {
  int descriptor = fd_ < 0 ? -1 : inotify_add_watch(fd_, folder.c_str(), kWatchedEvents | IN_ONLYDIR);
  auto& descriptors = watches_[key];
  if (descriptor < 0) {
    changed_.insert(key);
    return;
  }
  // A folder under two tables' locations has one descriptor: it moves to this key, and the previous owner
  // counts as changed (it lists again and takes it back) rather than miss events.
  auto previous = keys_.find(descriptor);
  if (previous != keys_.end()) {
    if (previous->second == key) return;
    auto& owned = watches_[previous->second];
    owned.erase(std::remove(owned.begin(), owned.end(), descriptor), owned.end());
    changed_.insert(previous->second);
  }
  keys_[descriptor] = key;
  descriptors.push_back(descriptor);
}

bool FolderWatch::unchanged(std::size_t key) {
  drain();
  return watches_.count(key) && !changed_.count(key);
}

void FolderWatch::drain() {
  if (fd_ < 0) return;
  alignas(inotify_event) char buffer[16 * 1024];
  while (true) {
    ssize_t length = ::read(fd_, buffer, sizeof buffer);
    if (length <= 0) return;  // EAGAIN: nothing more queued
    for (ssize_t offset = 0; offset < length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
      if (event->mask & IN_Q_OVERFLOW) {
        for (const auto& [watched_key, descriptors] : watches_) changed_.insert(watched_key);
      } else if (auto found = keys_.find(event->wd); found != keys_.end()) {
        changed_.insert(found->second);
      }
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
}

}  // namespace athena_runner::engine::local
