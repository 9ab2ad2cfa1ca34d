#include "glue_service.hpp"
#include "athena_runner/base/text.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <string_view>

#include "checksums.hpp"
#include "file_store.hpp"
#include "glue_expression.hpp"

namespace athena_runner::server {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kCatalogId = "000000000000";
constexpr const char* kDatabaseFile = "_database.meta";
constexpr const char* kInvalidInput = "InvalidInputException";
constexpr const char* kNotFound = "EntityNotFoundException";
constexpr const char* kAlreadyExists = "AlreadyExistsException";
// GetTables' and GetPartitions' Expression (botocore: FilterString, PredicateString).
constexpr std::size_t kMaxExpressionLength = 2048;

std::optional<Error> expression_too_long(const json& input) {
  if (!input.contains("Expression") || !input["Expression"].is_string() ||
      input["Expression"].get<std::string>().size() <= kMaxExpressionLength)
    return std::nullopt;
  return json_error(kInvalidInput,
                    "1 validation error detected: Value at 'expression' failed to satisfy constraint: Member must "
                    "have length less than or equal to " +
                        std::to_string(kMaxExpressionLength));
}
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr std::size_t kMaxNameLength = 255;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Glue stores names lower-cased; ours also become file names, so nothing that leaves the folder.
Outcome<std::string> catalog_name(const json& input, const char* member, const char* what) {
  if (!input.contains(member) || !input[member].is_string())
    return json_error(kInvalidInput, std::string(member) + " is required (the " + what + " name).");
  std::string name = input[member].get<std::string>();
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '.' ||
      name.find_first_of("/\\\n\r\t") != std::string::npos || name.find('\0') != std::string::npos)
    return json_error(kInvalidInput, std::string("The ") + what + " name '" + name +
                                         "' is not valid: 1 to 255 characters, no '/', '\\' or control characters, "
                                         "not starting with '.'.");
  return name;
}

Outcome<json> read_json_file(const std::string& path) {
  bool ok = false;
  std::string text = read_whole_file(path, &ok);
  if (!ok) return json_error(kNotFound, "not found", 400);
  json document = json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    return json_error("InternalServiceException", "The catalog file '" + path + "' is not valid JSON.", 500);
  return document;
}

int page_size(const json& input) {
  int size = input.value("MaxResults", kDefaultPageSize);
  return std::clamp(size, 1, kMaxPageSize);
}

// NextToken: base64 of the last name returned (opaque to clients).
std::string after_token(const json& input) {
  if (!input.contains("NextToken") || !input["NextToken"].is_string()) return {};
  return base64_decode(input["NextToken"].get<std::string>()).value_or("");
}

}  // namespace

GlueCatalog::GlueCatalog(std::string data_dir)
    : data_dir_(std::move(data_dir)), catalog_dir_(data_dir_ + "/.glue"), temp_dir_(data_dir_ + "/.s3tmp") {
  std::error_code ignored;
  fs::create_directories(catalog_dir_, ignored);
}

void GlueCatalog::register_operations(JsonService& service) {
  auto bind = [this](Outcome<json> (GlueCatalog::*method)(const json&)) {
    return [this, method](const json& input) { return (this->*method)(input); };
  };
  service.add("CreateDatabase", bind(&GlueCatalog::create_database));
  service.add("GetDatabase", bind(&GlueCatalog::get_database));
  service.add("GetDatabases", bind(&GlueCatalog::get_databases));
  service.add("DeleteDatabase", bind(&GlueCatalog::delete_database));
  service.add("CreateTable", bind(&GlueCatalog::create_table));
  service.add("GetTable", bind(&GlueCatalog::get_table));
  service.add("GetTables", bind(&GlueCatalog::get_tables));
  service.add("UpdateTable", bind(&GlueCatalog::update_table));
  service.add("DeleteTable", bind(&GlueCatalog::delete_table));
  service.add("BatchCreatePartition", bind(&GlueCatalog::batch_create_partition));
  service.add("GetPartitions", bind(&GlueCatalog::get_partitions));
  service.add("CreatePartition", bind(&GlueCatalog::create_partition));
  service.add("GetPartition", bind(&GlueCatalog::get_partition));
  service.add("DeletePartition", bind(&GlueCatalog::delete_partition));
}

Outcome<json> GlueCatalog::load_database(const std::string& name) const {
  auto document = read_json_file(catalog_dir_ + "/" + name + "/" + kDatabaseFile);
  if (document) return document;
  // A folder of get-table files copied in by hand is a database too.
  if (fs::is_directory(catalog_dir_ + "/" + name))
    return json{{"Name", name}, {"CatalogId", kCatalogId}, {"CreateTime", 0}};
  if (document.get_failure().code == kNotFound) return json_error(kNotFound, "Database " + name + " not found.");
  return document;
}

Outcome<json> GlueCatalog::load_table(const std::string& database, const std::string& name) const {
  auto db = load_database(database);
  if (!db) return db;
  auto document = read_json_file(catalog_dir_ + "/" + database + "/" + name + ".json");
  if (!document) {
    if (document.get_failure().code == kNotFound) return json_error(kNotFound, "Table " + name + " not found.");
    return document;
  }
  if (!document->contains("Table") || !(*document)["Table"].is_object())
    return json_error("InternalServiceException",
                      "The catalog file for " + database + "." + name + " has no \"Table\" member.", 500);
  return (*document)["Table"];
}

std::vector<json> GlueCatalog::databases() const {
  std::vector<std::string> names;
  std::error_code error;
  for (auto it = fs::directory_iterator(catalog_dir_, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    std::string name = it->path().filename().string();
    if (it->is_directory() && !name.empty() && name.front() != '.') names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::vector<json> result;
  for (const auto& name : names) {
    if (auto database = load_database(name)) result.push_back(*database);
  }
  return result;
}

Outcome<json> GlueCatalog::database(const std::string& name) const { return load_database(name); }

Outcome<std::vector<json>> GlueCatalog::tables(const std::string& database) const {
  if (auto db = load_database(database); !db) return std::move(db).get_failure();
  std::vector<std::string> names;
  std::error_code error;
  for (auto it = fs::directory_iterator(catalog_dir_ + "/" + database, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == ".json") names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  std::vector<json> result;
  for (const auto& name : names) {
    auto loaded = load_table(database, name);
    if (!loaded) return std::move(loaded).get_failure();
    result.push_back(*loaded);
  }
  return result;
}

Outcome<json> GlueCatalog::table(const std::string& database, const std::string& name) const {
  return load_table(database, name);
}

Outcome<json> GlueCatalog::create_database(const json& input) {
  if (!input.contains("DatabaseInput") || !input["DatabaseInput"].is_object())
    return json_error(kInvalidInput, "DatabaseInput is required.");
  const json& database_input = input["DatabaseInput"];
  auto name = catalog_name(database_input, "Name", "database");
  if (!name) return std::move(name).get_failure();
  std::lock_guard lock(mutex_);
  if (fs::exists(catalog_dir_ + "/" + *name + "/" + kDatabaseFile) || fs::is_directory(catalog_dir_ + "/" + *name))
    return json_error(kAlreadyExists, "Database already exists.");
  json database = database_input;
  database["Name"] = *name;
  database["CreateTime"] = now_seconds();
  database["CatalogId"] = kCatalogId;
  if (auto status = write_file_atomic(catalog_dir_ + "/" + *name + "/" + kDatabaseFile, database.dump(2), temp_dir_);
      !status)
    return std::move(status).get_failure();
  return json::object();
}

Outcome<json> GlueCatalog::get_database(const json& input) {
  auto name = catalog_name(input, "Name", "database");
  if (!name) return std::move(name).get_failure();
  auto database = load_database(*name);
  if (!database) return database;
  return json{{"Database", *database}};
}

Outcome<json> GlueCatalog::get_databases(const json& input) {
  std::vector<std::string> names;
  std::error_code error;
  for (auto it = fs::directory_iterator(catalog_dir_, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    std::string name = it->path().filename().string();
    if (it->is_directory() && !name.empty() && name.front() != '.') names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::string after = after_token(input);
  int limit = page_size(input);
  json list = json::array();
  std::string last;
  bool more = false;
  for (const auto& name : names) {
    if (!after.empty() && name <= after) continue;
    if (static_cast<int>(list.size()) == limit) {
      more = true;
      break;
    }
    auto database = load_database(name);
    if (!database) continue;
    list.push_back(*database);
    last = name;
  }
  json result{{"DatabaseList", list}};
  if (more) result["NextToken"] = base64_encode(last);
  return result;
}

Outcome<json> GlueCatalog::delete_database(const json& input) {
  auto name = catalog_name(input, "Name", "database");
  if (!name) return std::move(name).get_failure();
  std::lock_guard lock(mutex_);
  auto database = load_database(*name);
  if (!database) return std::move(database).get_failure();
  std::error_code error;
  fs::remove_all(catalog_dir_ + "/" + *name, error);
  if (error) return io_error("cannot remove database folder", catalog_dir_ + "/" + *name, error.value());
  return json::object();
}

namespace {

// The stored Table: TableInput plus the members Glue adds. A PartitionKeys that is not a list gets the
// error JsonService gives a member of the wrong JSON type, word for word (clients have seen it).
Outcome<json> table_from_input(const json& table_input, const std::string& name, const std::string& database) {
  if (table_input.contains("PartitionKeys") && !table_input["PartitionKeys"].is_array())
    return json_error(kInvalidInput, "Malformed input: [json.exception.type_error.302] PartitionKeys must be a list");
  json table = table_input;
  table["Name"] = name;
  table["DatabaseName"] = database;
  table["CatalogId"] = kCatalogId;
  table["IsRegisteredWithLakeFormation"] = false;
  if (!table.contains("TableType")) table["TableType"] = "EXTERNAL_TABLE";
  return table;
}

}  // namespace

Outcome<json> GlueCatalog::create_table(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  if (!input.contains("TableInput") || !input["TableInput"].is_object())
    return json_error(kInvalidInput, "TableInput is required.");
  auto name = catalog_name(input["TableInput"], "Name", "table");
  if (!name) return std::move(name).get_failure();
  std::lock_guard lock(mutex_);
  if (auto db = load_database(*database); !db) return std::move(db).get_failure();
  std::string path = catalog_dir_ + "/" + *database + "/" + *name + ".json";
  if (fs::exists(path)) return json_error(kAlreadyExists, "Table already exists.");
  auto table = table_from_input(input["TableInput"], *name, *database);
  if (!table) return table;
  double now = now_seconds();
  (*table)["CreateTime"] = now;
  (*table)["UpdateTime"] = now;
  (*table)["VersionId"] = "0";
  if (auto status = write_file_atomic(path, json{{"Table", *table}}.dump(2), temp_dir_); !status)
    return std::move(status).get_failure();
  return json::object();
}

Outcome<json> GlueCatalog::get_table(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "Name", "table");
  if (!name) return std::move(name).get_failure();
  auto table = load_table(*database, *name);
  if (!table) return table;
  return json{{"Table", *table}};
}

Outcome<json> GlueCatalog::get_tables(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  if (auto db = load_database(*database); !db) return std::move(db).get_failure();
  std::optional<std::regex> pattern;
  if (auto too_long = expression_too_long(input)) return *too_long;
  if (input.contains("Expression") && input["Expression"].is_string()) {
    // Glue's Expression is a regular expression where '*' also stands for "anything".
    std::string expression;
    std::string text = input["Expression"].get<std::string>();
    for (std::size_t index = 0; index < text.size(); ++index) {
      if (text[index] == '*' && (index == 0 || text[index - 1] != '.'))
        expression += ".*";
      else
        expression += text[index];
    }
    try {
      pattern.emplace(expression, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error&) {
      return json_error(kInvalidInput, "Expression is not a valid regular expression.");
    }
  }
  std::vector<std::string> names;
  std::error_code error;
  for (auto it = fs::directory_iterator(catalog_dir_ + "/" + *database, error);
       !error && it != fs::directory_iterator(); it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == ".json") names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  std::string after = after_token(input);
  int limit = page_size(input);
  json list = json::array();
  std::string last;
  bool more = false;
  for (const auto& name : names) {
    if (!after.empty() && name <= after) continue;
    if (pattern && !std::regex_match(name, *pattern)) continue;
    if (static_cast<int>(list.size()) == limit) {
      more = true;
      break;
    }
    auto table = load_table(*database, name);
    if (!table) return table;
    list.push_back(*table);
    last = name;
  }
  json result{{"TableList", list}};
  if (more) result["NextToken"] = base64_encode(last);
  return result;
}

Outcome<json> GlueCatalog::update_table(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  if (!input.contains("TableInput") || !input["TableInput"].is_object())
    return json_error(kInvalidInput, "TableInput is required.");
  auto name = catalog_name(input["TableInput"], "Name", "table");
  if (!name) return std::move(name).get_failure();
  std::lock_guard lock(mutex_);
  auto existing = load_table(*database, *name);
  if (!existing) return std::move(existing).get_failure();
  auto table = table_from_input(input["TableInput"], *name, *database);
  if (!table) return table;
  (*table)["CreateTime"] = existing->value("CreateTime", json(now_seconds()));
  (*table)["UpdateTime"] = now_seconds();
  const std::size_t version = text::parse_index(existing->value("VersionId", std::string("0"))).value_or(0);
  (*table)["VersionId"] = std::to_string(version + 1);
  std::string path = catalog_dir_ + "/" + *database + "/" + *name + ".json";
  if (auto status = write_file_atomic(path, json{{"Table", *table}}.dump(2), temp_dir_); !status)
    return std::move(status).get_failure();
  return json::object();
}

Outcome<json> GlueCatalog::delete_table(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "Name", "table");
  if (!name) return std::move(name).get_failure();
  std::lock_guard lock(mutex_);
  auto existing = load_table(*database, *name);
  if (!existing) return std::move(existing).get_failure();
  std::string base = catalog_dir_ + "/" + *database + "/" + *name;
  std::error_code error;
  fs::remove(base + ".json", error);
  if (error) return io_error("cannot remove", base + ".json", error.value());
  fs::remove(base + ".partitions", error);
  (void)fsync_directory(catalog_dir_ + "/" + *database);
  return json::object();
}

Outcome<json> GlueCatalog::batch_create_partition(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  if (!input.contains("PartitionInputList") || !input["PartitionInputList"].is_array() ||
      input["PartitionInputList"].size() > 100)
    return json_error(kInvalidInput, "PartitionInputList is required (at most 100 partitions).");
  std::lock_guard lock(mutex_);
  auto table = load_table(*database, *name);
  if (!table) return std::move(table).get_failure();
  std::size_t key_count = table->value("PartitionKeys", json::array()).size();
  std::string path = catalog_dir_ + "/" + *database + "/" + *name + ".partitions";
  json stored = json{{"Partitions", json::array()}};
  if (auto existing = read_json_file(path)) stored = *existing;
  json& partitions = stored["Partitions"];
  json errors = json::array();
  double now = now_seconds();
  for (const json& partition_input : input["PartitionInputList"]) {
    json values = partition_input.value("Values", json::array());
    auto error_entry = [&](const char* code, const std::string& message) {
      errors.push_back(
          {{"PartitionValues", values}, {"ErrorDetail", {{"ErrorCode", code}, {"ErrorMessage", message}}}});
    };
    if (!values.is_array() || values.size() != key_count) {
      error_entry(kInvalidInput, "The number of partition values (" + std::to_string(values.size()) +
                                     ") does not match the number of partition keys (" + std::to_string(key_count) +
                                     ").");
      continue;
    }
    bool exists = std::any_of(partitions.begin(), partitions.end(), [&](const json& partition) {
      return partition.value("Values", json::array()) == values;
    });
    if (exists) {
      error_entry(kAlreadyExists, "Partition already exists.");
      continue;
    }
    json partition = partition_input;
    partition["DatabaseName"] = *database;
    partition["TableName"] = *name;
    partition["CatalogId"] = kCatalogId;
    partition["CreationTime"] = now;
    partitions.push_back(std::move(partition));
  }
  if (auto status = write_file_atomic(path, stored.dump(2), temp_dir_); !status) return std::move(status).get_failure();
  json result = json::object();
  if (!errors.empty()) result["Errors"] = errors;
  return result;
}

Outcome<json> GlueCatalog::get_partitions(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  auto table = load_table(*database, *name);
  if (!table) return std::move(table).get_failure();
  json partitions = json::array();
  if (auto stored = read_json_file(catalog_dir_ + "/" + *database + "/" + *name + ".partitions"))
    partitions = stored->value("Partitions", json::array());
  if (auto too_long = expression_too_long(input)) return *too_long;
  if (input.contains("Expression") && input["Expression"].is_string() &&
      !input["Expression"].get<std::string>().empty()) {
    std::vector<std::pair<std::string, bool>> keys;  // name, integral type
    for (const auto& key : table->value("PartitionKeys", json::array())) {
      std::string type = key.value("Type", "string");
      keys.emplace_back(key.value("Name", ""), type == "int" || type == "bigint" || type == "smallint" ||
                                                   type == "tinyint" || type == "integer");
    }
    auto filter = PartitionFilter::parse(input["Expression"].get<std::string>(),
                                         std::map<std::string, bool>(keys.begin(), keys.end()));
    if (!filter) return std::move(filter).get_failure();
    json kept = json::array();
    for (const auto& partition : partitions) {
      json values = partition.value("Values", json::array());
      std::map<std::string, PartitionKey> named;
      for (std::size_t index = 0; index < keys.size() && index < values.size(); ++index)
        named[keys[index].first] = PartitionKey{values[index].get<std::string>(), keys[index].second};
      if (filter->matches(named)) kept.push_back(partition);
    }
    partitions = kept;
  }
  std::size_t start = 0;
  if (std::string after = after_token(input); !after.empty()) {
    auto index = text::parse_index(after);
    if (!index) return json_error(kInvalidInput, "NextToken is not valid.");
    start = *index;
  }
  std::size_t limit = static_cast<std::size_t>(page_size(input));
  json page = json::array();
  for (std::size_t index = start; index < partitions.size() && page.size() < limit; ++index)
    page.push_back(partitions[index]);
  json result{{"Partitions", page}};
  if (start + page.size() < partitions.size()) result["NextToken"] = base64_encode(std::to_string(start + page.size()));
  return result;
}

Outcome<json> GlueCatalog::create_partition(const json& input) {
  if (!input.contains("PartitionInput") || !input["PartitionInput"].is_object())
    return json_error(kInvalidInput, "PartitionInput is required.");
  json batch = input;
  batch["PartitionInputList"] = json::array({input["PartitionInput"]});
  auto result = batch_create_partition(batch);
  if (!result) return result;
  if (result->contains("Errors")) {
    const json& detail = (*result)["Errors"][0]["ErrorDetail"];
    return json_error(detail.value("ErrorCode", kInvalidInput), detail.value("ErrorMessage", ""));
  }
  return json::object();
}

Outcome<json> GlueCatalog::get_partition(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  json values = input.value("PartitionValues", json::array());
  if (auto table = load_table(*database, *name); !table) return std::move(table).get_failure();
  if (auto stored = read_json_file(catalog_dir_ + "/" + *database + "/" + *name + ".partitions")) {
    for (const auto& partition : stored->value("Partitions", json::array()))
      if (partition.value("Values", json::array()) == values) return json{{"Partition", partition}};
  }
  return json_error(kNotFound, "Cannot find partition.");
}

Outcome<json> GlueCatalog::delete_partition(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  json values = input.value("PartitionValues", json::array());
  std::lock_guard lock(mutex_);
  if (auto table = load_table(*database, *name); !table) return std::move(table).get_failure();
  std::string path = catalog_dir_ + "/" + *database + "/" + *name + ".partitions";
  auto stored = read_json_file(path);
  if (!stored) return json_error(kNotFound, "Cannot find partition.");
  json& partitions = (*stored)["Partitions"];
  auto before = partitions.size();
  json kept = json::array();
  for (const auto& partition : partitions)
    if (partition.value("Values", json::array()) != values) kept.push_back(partition);
  if (kept.size() == before) return json_error(kNotFound, "Cannot find partition.");
  partitions = kept;
  if (auto status = write_file_atomic(path, stored->dump(2), temp_dir_); !status)
    return std::move(status).get_failure();
  return json::object();
}

}  // namespace athena_runner::server
