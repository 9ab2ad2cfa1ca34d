// AWS Glue Data Catalog client (JSON 1.1, X-Amz-Target AWSGlue.<Operation>), read-only operations.
// Structs mirror botocore's glue/2017-03-31 service model: same shapes, snake_case member names.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws::glue {

using Timestamp = std::chrono::system_clock::time_point;
using Parameters = std::map<std::string, std::string>;

struct Column {
  std::string name;
  std::optional<std::string> type;
  std::optional<std::string> comment;
  Parameters parameters;
};

struct SerDeInfo {
  std::optional<std::string> name;
  std::optional<std::string> serialization_library;
  Parameters parameters;
};

struct StorageDescriptor {
  std::vector<Column> columns;
  std::optional<std::string> location;
  std::optional<std::string> input_format;
  std::optional<std::string> output_format;
  bool compressed = false;
  std::optional<int> number_of_buckets;
  std::optional<SerDeInfo> serde_info;
  std::vector<std::string> bucket_columns;
  Parameters parameters;
  bool stored_as_sub_directories = false;
};

struct Database {
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> location_uri;
  Parameters parameters;
  std::optional<Timestamp> create_time;
  std::optional<std::string> catalog_id;
};

struct Table {
  std::string name;
  std::optional<std::string> database_name;
  std::optional<std::string> description;
  std::optional<std::string> owner;
  std::optional<Timestamp> create_time;
  std::optional<Timestamp> update_time;
  std::optional<StorageDescriptor> storage_descriptor;
  std::vector<Column> partition_keys;
  std::optional<std::string> view_original_text;
  std::optional<std::string> view_expanded_text;
  std::optional<std::string> table_type;  // "EXTERNAL_TABLE", "VIRTUAL_VIEW", ...
  Parameters parameters;
  std::optional<std::string> catalog_id;
  // The Table object exactly as the service sent it (timestamps as epoch seconds, unknown members
  // kept): what the local engine's catalog stores.
  std::string raw_json;
};

struct Partition {
  std::vector<std::string> values;
  std::optional<std::string> database_name;
  std::optional<std::string> table_name;
  std::optional<Timestamp> creation_time;
  std::optional<StorageDescriptor> storage_descriptor;
  Parameters parameters;
  std::optional<std::string> catalog_id;
  std::string raw_json;
};

struct GetTablesRequest {
  std::string database_name;
  std::optional<std::string> catalog_id;
  std::optional<std::string> expression;  // a regular expression on table names
  std::optional<std::string> next_token;
  std::optional<int> max_results;
};

struct GetTablesResult {
  std::vector<Table> table_list;
  std::optional<std::string> next_token;
};

struct GetPartitionsRequest {
  std::string database_name;
  std::string table_name;
  std::optional<std::string> catalog_id;
  std::optional<std::string> expression;  // e.g. "year = '2024' AND month > '06'"
  std::optional<std::string> next_token;
  std::optional<int> max_results;
};

struct GetPartitionsResult {
  std::vector<Partition> partitions;
  std::optional<std::string> next_token;
};

class GlueClient {
 public:
  explicit GlueClient(std::shared_ptr<const ClientContext> context);

  Outcome<Database> get_database(std::string_view name, const std::optional<std::string>& catalog_id = {}) const;
  Outcome<Table> get_table(std::string_view database_name, std::string_view name,
                           const std::optional<std::string>& catalog_id = {}) const;
  // GetTable's response body as received: {"Table": {...}}.
  Outcome<std::string> get_table_json(std::string_view database_name, std::string_view name,
                                      const std::optional<std::string>& catalog_id = {}) const;
  Outcome<GetTablesResult> get_tables(const GetTablesRequest& request) const;
  Outcome<std::vector<Table>> get_all_tables(GetTablesRequest request) const;  // follows NextToken
  Outcome<GetPartitionsResult> get_partitions(const GetPartitionsRequest& request) const;
  Outcome<std::vector<Partition>> get_all_partitions(GetPartitionsRequest request) const;

  const ServiceClient& service() const { return service_; }

 private:
  ServiceClient service_;
};

}  // namespace athena_runner::aws::glue
