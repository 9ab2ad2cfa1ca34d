#include "glue_service.hpp"
#include "athena_runner/base/text.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <string_view>

#include "athena_runner/catalog/catalog_store.hpp"
#include "checksums.hpp"
#include "glue_expression.hpp"

namespace athena_runner::server {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kInvalidInput = "InvalidInputException";
constexpr const char* kNotFound = "EntityNotFoundException";
constexpr const char* kAlreadyExists = "AlreadyExistsException";
constexpr const char* kInternal = "InternalServiceException";
constexpr const char* kConcurrentModification = "ConcurrentModificationException";
// BatchDeletePartition (botocore: BatchDeletePartitionValueList, max 25), BatchGetPartition (max 1000),
// BatchCreatePartition (PartitionInputList, max 100).
constexpr std::size_t kMaxBatchDelete = 25;
constexpr std::size_t kMaxBatchGet = 1000;
constexpr std::size_t kMaxBatchCreate = 100;
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

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The store's rules for names (catalog_store.hpp), as Glue's InvalidInputException.
Outcome<std::string> catalog_name(const json& input, const char* member, const char* what) {
  if (!input.contains(member) || !input[member].is_string())
    return json_error(kInvalidInput, std::string(member) + " is required (the " + what + " name).");
  auto name = catalog::checked_name(input[member].get<std::string>(), what);
  if (!name) return json_error(kInvalidInput, name.get_failure().message);
  return name;
}

// A store failure (the disk, a corrupt file) as Glue's InternalServiceException; a Glue error as it is.
Error glue_failure(Error error) {
  if (error.kind == ErrorKind::Service) return error;
  if (error.code == catalog::kDatabaseNotFound) return json_error(kNotFound, error.message + ".");
  return json_error(kInternal, error.message, 500);
}

Outcome<json> parse_document(const std::string& text) {
  json document = json::parse(text, nullptr, false);
  if (document.is_discarded()) return json_error(kInternal, "A catalog document is not valid JSON.", 500);
  return document;
}

// The values of a PartitionValueList ({"Values": [...]}) or of a bare list.
json values_of(const json& entry) {
  if (entry.is_object()) return entry.value("Values", json::array());
  return entry.is_array() ? entry : json::array();
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
    : data_dir_(std::move(data_dir)), store_(catalog::catalog_dir_for(data_dir_)) {
  std::error_code ignored;
  fs::create_directories(store_.directory(), ignored);
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
  service.add("GetTableVersions", bind(&GlueCatalog::get_table_versions));
  service.add("DeleteTable", bind(&GlueCatalog::delete_table));
  service.add("BatchCreatePartition", bind(&GlueCatalog::batch_create_partition));
  service.add("BatchDeletePartition", bind(&GlueCatalog::batch_delete_partition));
  service.add("BatchGetPartition", bind(&GlueCatalog::batch_get_partition));
  service.add("GetPartitions", bind(&GlueCatalog::get_partitions));
  service.add("CreatePartition", bind(&GlueCatalog::create_partition));
  service.add("GetPartition", bind(&GlueCatalog::get_partition));
  service.add("UpdatePartition", bind(&GlueCatalog::update_partition));
  service.add("DeletePartition", bind(&GlueCatalog::delete_partition));
}

Outcome<json> GlueCatalog::load_database(const std::string& name) const {
  if (auto stored = store_.database(name)) {
    auto document = parse_document(*stored);
    if (document && document->is_object()) return document;
    return json_error(kInternal, "The catalog file of database " + name + " is not valid JSON.", 500);
  }
  // A folder of get-table files copied in by hand is a database too, and `default` always exists.
  if (store_.database_exists(name)) return json{{"Name", name}, {"CatalogId", catalog::kCatalogId}, {"CreateTime", 0}};
  return json_error(kNotFound, "Database " + name + " not found.");
}

Outcome<json> GlueCatalog::load_table(const std::string& database, const std::string& name) const {
  auto db = load_database(database);
  if (!db) return db;
  auto stored = store_.table(database, name);
  if (!stored) return glue_failure(std::move(stored).get_failure());
  if (!*stored) return json_error(kNotFound, "Table " + name + " not found.");
  return parse_document(**stored);
}

Outcome<json> GlueCatalog::load_partitions(const std::string& database, const std::string& name) const {
  auto table = load_table(database, name);
  if (!table) return table;
  auto stored = store_.partitions(database, name);
  if (!stored) return glue_failure(std::move(stored).get_failure());
  return parse_document(*stored);
}

std::vector<json> GlueCatalog::databases() const {
  std::vector<json> result;
  for (const auto& name : store_.databases()) {
    if (auto database = load_database(name)) result.push_back(*database);
  }
  return result;
}

Outcome<json> GlueCatalog::database(const std::string& name) const { return load_database(name); }

Outcome<std::vector<json>> GlueCatalog::tables(const std::string& database) const {
  if (auto db = load_database(database); !db) return std::move(db).get_failure();
  std::vector<json> result;
  for (const auto& name : store_.tables(database)) {
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
  json database = database_input;
  database["Name"] = *name;
  database["CreateTime"] = now_seconds();
  database["CatalogId"] = catalog::kCatalogId;
  auto created = store_.create_database(*name, database.dump(2));
  if (!created) return glue_failure(std::move(created).get_failure());
  if (!*created) return json_error(kAlreadyExists, "Database already exists.");
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
  std::string after = after_token(input);
  int limit = page_size(input);
  json list = json::array();
  std::string last;
  bool more = false;
  for (const auto& name : store_.databases()) {
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
  auto dropped = store_.drop_database(*name);
  if (!dropped) return glue_failure(std::move(dropped).get_failure());
  if (!*dropped) return json_error(kNotFound, "Database " + *name + " not found.");
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
  table["CatalogId"] = catalog::kCatalogId;
  table["IsRegisteredWithLakeFormation"] = false;
  if (!table.contains("TableType")) table["TableType"] = "EXTERNAL_TABLE";
  return table;
}

// The stored Partition: PartitionInput plus the members Glue adds.
json partition_from_input(const json& partition_input, const std::string& database, const std::string& table) {
  json partition = partition_input;
  partition["DatabaseName"] = database;
  partition["TableName"] = table;
  partition["CatalogId"] = catalog::kCatalogId;
  partition["CreationTime"] = now_seconds();
  return partition;
}

json partition_error(const json& values, const char* code, const std::string& message) {
  return {{"PartitionValues", values}, {"ErrorDetail", {{"ErrorCode", code}, {"ErrorMessage", message}}}};
}

}  // namespace

Outcome<json> GlueCatalog::create_table(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  if (!input.contains("TableInput") || !input["TableInput"].is_object())
    return json_error(kInvalidInput, "TableInput is required.");
  auto name = catalog_name(input["TableInput"], "Name", "table");
  if (!name) return std::move(name).get_failure();
  if (auto db = load_database(*database); !db) return std::move(db).get_failure();
  auto table = table_from_input(input["TableInput"], *name, *database);
  if (!table) return table;
  double now = now_seconds();
  (*table)["CreateTime"] = now;
  (*table)["UpdateTime"] = now;
  (*table)["VersionId"] = "0";
  auto created = store_.create_table(*database, *name, table->dump());
  if (!created) return glue_failure(std::move(created).get_failure());
  if (!*created) return json_error(kAlreadyExists, "Table already exists.");
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
  std::string after = after_token(input);
  int limit = page_size(input);
  json list = json::array();
  std::string last;
  bool more = false;
  for (const auto& name : store_.tables(*database)) {
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
  if (auto db = load_database(*database); !db) return std::move(db).get_failure();
  auto table = table_from_input(input["TableInput"], *name, *database);
  if (!table) return table;
  // VersionId (botocore: "The version ID at which to update the table contents"): the update applies only to
  // that version, else ConcurrentModificationException, as Glue answers.
  std::optional<std::string> expected_version;
  if (input.contains("VersionId") && input["VersionId"].is_string()) expected_version = input["VersionId"];
  const std::string qualified = *database + "." + *name;
  auto edited = store_.edit_table(
      *database, *name, [&](const std::optional<std::string>& current) -> Outcome<std::optional<std::string>> {
        if (!current) return json_error(kNotFound, "Table " + *name + " not found.");
        auto existing = parse_document(*current);
        if (!existing) return std::move(existing).get_failure();
        if (expected_version && existing->value("VersionId", std::string("0")) != *expected_version)
          return json_error(kConcurrentModification, "Table " + qualified + " is at version " +
                                                         existing->value("VersionId", std::string("0")) + ", not " +
                                                         *expected_version + ": get the table again and retry.");
        (*table)["CreateTime"] = existing->value("CreateTime", json(now_seconds()));
        (*table)["UpdateTime"] = now_seconds();
        return std::optional<std::string>(table->dump());  // the store moves VersionId on
      });
  if (!edited) return glue_failure(std::move(edited).get_failure());
  return json::object();
}

Outcome<json> GlueCatalog::get_table_versions(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  if (auto table = load_table(*database, *name); !table) return std::move(table).get_failure();
  auto stored = store_.table_versions(*database, *name);
  if (!stored) return glue_failure(std::move(stored).get_failure());
  auto versions = parse_document(*stored);
  if (!versions) return versions;
  std::size_t start = 0;
  if (std::string after = after_token(input); !after.empty()) {
    auto index = text::parse_index(after);
    if (!index) return json_error(kInvalidInput, "NextToken is not valid.");
    start = *index;
  }
  const auto limit = static_cast<std::size_t>(page_size(input));
  json page = json::array();
  for (std::size_t index = start; index < versions->size() && page.size() < limit; ++index)
    page.push_back((*versions)[index]);
  json result{{"TableVersions", page}};
  if (start + page.size() < versions->size()) result["NextToken"] = base64_encode(std::to_string(start + page.size()));
  return result;
}

Outcome<json> GlueCatalog::delete_table(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "Name", "table");
  if (!name) return std::move(name).get_failure();
  if (auto db = load_database(*database); !db) return std::move(db).get_failure();
  auto dropped = store_.drop_table(*database, *name);
  if (!dropped) return glue_failure(std::move(dropped).get_failure());
  if (!*dropped) return json_error(kNotFound, "Table " + *name + " not found.");
  return json::object();
}

Outcome<json> GlueCatalog::edit_partitions(const std::string& database, const std::string& name,
                                           const std::function<Status(json& partitions, std::size_t key_count)>& edit) {
  auto table = load_table(database, name);
  if (!table) return std::move(table).get_failure();
  const std::size_t key_count = table->value("PartitionKeys", json::array()).size();
  auto edited = store_.edit_partitions(
      database, name, [&](const std::optional<std::string>& current) -> Outcome<std::optional<std::string>> {
        json partitions = json::array();
        if (current) {
          auto parsed = parse_document(*current);
          if (!parsed) return std::move(parsed).get_failure();
          partitions = std::move(*parsed);
        }
        const std::string before = partitions.dump();
        if (auto changed = edit(partitions, key_count); !changed) return std::move(changed).get_failure();
        if (partitions.dump() == before) return std::optional<std::string>();
        return std::optional<std::string>(partitions.dump());
      });
  if (!edited) return glue_failure(std::move(edited).get_failure());
  return json::object();
}

Outcome<json> GlueCatalog::batch_create_partition(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  if (!input.contains("PartitionInputList") || !input["PartitionInputList"].is_array() ||
      input["PartitionInputList"].size() > kMaxBatchCreate)
    return json_error(kInvalidInput, "PartitionInputList is required (at most 100 partitions).");
  json errors = json::array();
  auto edited = edit_partitions(*database, *name, [&](json& partitions, std::size_t key_count) -> Status {
    errors = json::array();
    for (const json& partition_input : input["PartitionInputList"]) {
      json values = partition_input.value("Values", json::array());
      if (!values.is_array() || values.size() != key_count) {
        errors.push_back(partition_error(values, kInvalidInput,
                                         "The number of partition values (" + std::to_string(values.size()) +
                                             ") does not match the number of partition keys (" +
                                             std::to_string(key_count) + ")."));
        continue;
      }
      bool exists = std::any_of(partitions.begin(), partitions.end(),
                                [&](const json& partition) { return values_of(partition) == values; });
      if (exists) {
        errors.push_back(partition_error(values, kAlreadyExists, "Partition already exists."));
        continue;
      }
      partitions.push_back(partition_from_input(partition_input, *database, *name));
    }
    return Ok{};
  });
  if (!edited) return edited;
  json result = json::object();
  if (!errors.empty()) result["Errors"] = errors;
  return result;
}

Outcome<json> GlueCatalog::batch_delete_partition(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  if (!input.contains("PartitionsToDelete") || !input["PartitionsToDelete"].is_array() ||
      input["PartitionsToDelete"].size() > kMaxBatchDelete)
    return json_error(kInvalidInput, "PartitionsToDelete is required (at most 25 partitions).");
  json errors = json::array();
  auto edited = edit_partitions(*database, *name, [&](json& partitions, std::size_t) -> Status {
    errors = json::array();
    for (const json& entry : input["PartitionsToDelete"]) {
      const json values = values_of(entry);
      json kept = json::array();
      for (const auto& partition : partitions)
        if (values_of(partition) != values) kept.push_back(partition);
      if (kept.size() == partitions.size())
        errors.push_back(partition_error(values, kNotFound, "Cannot find partition."));
      partitions = std::move(kept);
    }
    return Ok{};
  });
  if (!edited) return edited;
  json result = json::object();
  if (!errors.empty()) result["Errors"] = errors;
  return result;
}

Outcome<json> GlueCatalog::batch_get_partition(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  if (!input.contains("PartitionsToGet") || !input["PartitionsToGet"].is_array() ||
      input["PartitionsToGet"].size() > kMaxBatchGet)
    return json_error(kInvalidInput, "PartitionsToGet is required (at most 1000 partitions).");
  auto partitions = load_partitions(*database, *name);
  if (!partitions) return partitions;
  // Glue leaves out the partitions that do not exist (UnprocessedKeys is for throttled ones).
  json found = json::array();
  for (const json& entry : input["PartitionsToGet"]) {
    const json values = values_of(entry);
    for (const auto& partition : *partitions) {
      if (values_of(partition) == values) {
        found.push_back(partition);
        break;
      }
    }
  }
  return json{{"Partitions", found}, {"UnprocessedKeys", json::array()}};
}

Outcome<json> GlueCatalog::get_partitions(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  auto table = load_table(*database, *name);
  if (!table) return std::move(table).get_failure();
  auto loaded = load_partitions(*database, *name);
  if (!loaded) return loaded;
  json partitions = std::move(*loaded);
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
  auto partitions = load_partitions(*database, *name);
  if (!partitions) return partitions;
  for (const auto& partition : *partitions)
    if (values_of(partition) == values) return json{{"Partition", partition}};
  return json_error(kNotFound, "Cannot find partition.");
}

Outcome<json> GlueCatalog::update_partition(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  if (!input.contains("PartitionInput") || !input["PartitionInput"].is_object())
    return json_error(kInvalidInput, "PartitionInput is required.");
  const json values = input.value("PartitionValueList", json::array());
  return edit_partitions(*database, *name, [&](json& partitions, std::size_t key_count) -> Status {
    for (auto& partition : partitions) {
      if (values_of(partition) != values) continue;
      json updated = partition_from_input(input["PartitionInput"], *database, *name);
      if (!updated.contains("Values")) updated["Values"] = values;
      if (!updated["Values"].is_array() || updated["Values"].size() != key_count)
        return json_error(kInvalidInput, "The number of partition values does not match the number of partition keys.");
      updated["CreationTime"] = partition.value("CreationTime", json(now_seconds()));
      const bool moved = updated["Values"] != values;
      if (moved && std::any_of(partitions.begin(), partitions.end(),
                               [&](const json& other) { return values_of(other) == updated["Values"]; }))
        return json_error(kAlreadyExists, "Partition already exists.");
      partition = std::move(updated);
      return Ok{};
    }
    return json_error(kNotFound, "Cannot find partition.");
  });
}

Outcome<json> GlueCatalog::delete_partition(const json& input) {
  auto database = catalog_name(input, "DatabaseName", "database");
  if (!database) return std::move(database).get_failure();
  auto name = catalog_name(input, "TableName", "table");
  if (!name) return std::move(name).get_failure();
  json values = input.value("PartitionValues", json::array());
  return edit_partitions(*database, *name, [&](json& partitions, std::size_t) -> Status {
    json kept = json::array();
    for (const auto& partition : partitions)
      if (values_of(partition) != values) kept.push_back(partition);
    if (kept.size() == partitions.size()) return json_error(kNotFound, "Cannot find partition.");
    partitions = std::move(kept);
    return Ok{};
  });
}

}  // namespace athena_runner::server
