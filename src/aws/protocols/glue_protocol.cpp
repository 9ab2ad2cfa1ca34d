#include "athena_runner/aws/protocol/glue.hpp"

#include "json_support.hpp"

namespace athena_runner::aws::glue::protocol {

using aws::detail::Json;
using aws::detail::member;
using aws::detail::optional_bool;
using aws::detail::optional_integer;
using aws::detail::optional_string;
using aws::detail::optional_timestamp;
using aws::detail::read_json;
using aws::detail::string_list;
using aws::detail::string_map;
using aws::detail::string_or_empty;

namespace {

std::vector<Column> read_columns(const Json& parent, std::string_view name) {
  std::vector<Column> columns;
  if (const auto* list = member(parent, name)) {
    for (const auto& item : *list) {
      columns.push_back({string_or_empty(item, "Name"), optional_string(item, "Type"), optional_string(item, "Comment"),
                         string_map(item, "Parameters")});
    }
  }
  return columns;
}

std::optional<StorageDescriptor> read_storage_descriptor(const Json& parent) {
  const auto* json = member(parent, "StorageDescriptor");
  if (!json) return std::nullopt;
  StorageDescriptor descriptor;
  descriptor.columns = read_columns(*json, "Columns");
  descriptor.location = optional_string(*json, "Location");
  descriptor.input_format = optional_string(*json, "InputFormat");
  descriptor.output_format = optional_string(*json, "OutputFormat");
  descriptor.compressed = optional_bool(*json, "Compressed").value_or(false);
  descriptor.number_of_buckets = optional_integer<int>(*json, "NumberOfBuckets");
  if (const auto* serde = member(*json, "SerdeInfo")) {
    descriptor.serde_info = SerDeInfo{optional_string(*serde, "Name"), optional_string(*serde, "SerializationLibrary"),
                                      string_map(*serde, "Parameters")};
  }
  descriptor.bucket_columns = string_list(*json, "BucketColumns");
  descriptor.parameters = string_map(*json, "Parameters");
  descriptor.stored_as_sub_directories = optional_bool(*json, "StoredAsSubDirectories").value_or(false);
  return descriptor;
}

Table read_table(const Json& json) {
  Table table;
  table.name = string_or_empty(json, "Name");
  table.database_name = optional_string(json, "DatabaseName");
  table.description = optional_string(json, "Description");
  table.owner = optional_string(json, "Owner");
  table.create_time = optional_timestamp(json, "CreateTime");
  table.update_time = optional_timestamp(json, "UpdateTime");
  table.storage_descriptor = read_storage_descriptor(json);
  table.partition_keys = read_columns(json, "PartitionKeys");
  table.view_original_text = optional_string(json, "ViewOriginalText");
  table.view_expanded_text = optional_string(json, "ViewExpandedText");
  table.table_type = optional_string(json, "TableType");
  table.parameters = string_map(json, "Parameters");
  table.catalog_id = optional_string(json, "CatalogId");
  table.raw_json = json.dump();
  return table;
}

Partition read_partition(const Json& json) {
  Partition partition;
  partition.values = string_list(json, "Values");
  partition.database_name = optional_string(json, "DatabaseName");
  partition.table_name = optional_string(json, "TableName");
  partition.creation_time = optional_timestamp(json, "CreationTime");
  partition.storage_descriptor = read_storage_descriptor(json);
  partition.parameters = string_map(json, "Parameters");
  partition.catalog_id = optional_string(json, "CatalogId");
  partition.raw_json = json.dump();
  return partition;
}

void add_optional(Json& json, const char* name, const std::optional<std::string>& value) {
  if (value) json[name] = *value;
}

}  // namespace

std::string serialize_get_database(std::string_view name, const std::optional<std::string>& catalog_id) {
  Json json = Json::object();
  add_optional(json, "CatalogId", catalog_id);
  json["Name"] = name;
  return json.dump();
}

std::string serialize_get_table(std::string_view database_name, std::string_view name,
                                const std::optional<std::string>& catalog_id) {
  Json json = Json::object();
  add_optional(json, "CatalogId", catalog_id);
  json["DatabaseName"] = database_name;
  json["Name"] = name;
  return json.dump();
}

std::string serialize_get_tables(const GetTablesRequest& request) {
  Json json = Json::object();
  add_optional(json, "CatalogId", request.catalog_id);
  json["DatabaseName"] = request.database_name;
  add_optional(json, "Expression", request.expression);
  add_optional(json, "NextToken", request.next_token);
  if (request.max_results) json["MaxResults"] = *request.max_results;
  return json.dump();
}

std::string serialize_get_partitions(const GetPartitionsRequest& request) {
  Json json = Json::object();
  add_optional(json, "CatalogId", request.catalog_id);
  json["DatabaseName"] = request.database_name;
  json["TableName"] = request.table_name;
  add_optional(json, "Expression", request.expression);
  add_optional(json, "NextToken", request.next_token);
  if (request.max_results) json["MaxResults"] = *request.max_results;
  return json.dump();
}

Outcome<Database> parse_get_database(std::string_view body) {
  return read_json<Database>(kGetDatabase, body, [](const Json& json) {
    Database database;
    const auto* database_json = member(json, "Database");
    if (!database_json) return database;
    database.name = string_or_empty(*database_json, "Name");
    database.description = optional_string(*database_json, "Description");
    database.location_uri = optional_string(*database_json, "LocationUri");
    database.parameters = string_map(*database_json, "Parameters");
    database.create_time = optional_timestamp(*database_json, "CreateTime");
    database.catalog_id = optional_string(*database_json, "CatalogId");
    return database;
  });
}

Outcome<Table> parse_get_table(std::string_view body) {
  return read_json<Table>(kGetTable, body, [](const Json& json) {
    const auto* table = member(json, "Table");
    return table ? read_table(*table) : Table{};
  });
}

Outcome<GetTablesResult> parse_get_tables(std::string_view body) {
  return read_json<GetTablesResult>(kGetTables, body, [](const Json& json) {
    GetTablesResult result;
    if (const auto* list = member(json, "TableList")) {
      for (const auto& table : *list) result.table_list.push_back(read_table(table));
    }
    result.next_token = optional_string(json, "NextToken");
    return result;
  });
}

Outcome<GetPartitionsResult> parse_get_partitions(std::string_view body) {
  return read_json<GetPartitionsResult>(kGetPartitions, body, [](const Json& json) {
    GetPartitionsResult result;
    if (const auto* list = member(json, "Partitions")) {
      for (const auto& partition : *list) result.partitions.push_back(read_partition(partition));
    }
    result.next_token = optional_string(json, "NextToken");
    return result;
  });
}

}  // namespace athena_runner::aws::glue::protocol
