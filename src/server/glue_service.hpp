// Glue Data Catalog (JSON 1.1) on disk, in the layout the local engine reads:
//   <data dir>/.glue/<database>/_database.meta      the database (GetDatabase shape; not *.json, so the
//                                                   engine's catalog loader skips it)
//   <data dir>/.glue/<database>/<table>.json        {"Table": {...}}: `aws glue get-table` output shape
//   <data dir>/.glue/<database>/<table>.partitions  {"Partitions": [...]}: GetPartitions shape
// Names are lower-cased as Glue does.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "json_service.hpp"

namespace athena_runner::server {

class GlueCatalog {
 public:
  explicit GlueCatalog(std::string data_dir);
  // Registers CreateDatabase, GetDatabase, GetDatabases, DeleteDatabase, CreateTable, GetTable, GetTables,
  // UpdateTable, DeleteTable, BatchCreatePartition, GetPartitions, CreatePartition, GetPartition,
  // DeletePartition on `service`.
  void register_operations(JsonService& service);

  const std::string& catalog_dir() const { return catalog_dir_; }
  // Read access for other APIs (Athena's metadata operations): Glue's Database and Table objects.
  std::vector<nlohmann::json> databases() const;
  Outcome<nlohmann::json> database(const std::string& name) const;
  Outcome<std::vector<nlohmann::json>> tables(const std::string& database) const;
  Outcome<nlohmann::json> table(const std::string& database, const std::string& name) const;

 private:
  Outcome<nlohmann::json> create_database(const nlohmann::json& input);
  Outcome<nlohmann::json> get_database(const nlohmann::json& input);
  Outcome<nlohmann::json> get_databases(const nlohmann::json& input);
  Outcome<nlohmann::json> delete_database(const nlohmann::json& input);
  Outcome<nlohmann::json> create_table(const nlohmann::json& input);
  Outcome<nlohmann::json> get_table(const nlohmann::json& input);
  Outcome<nlohmann::json> get_tables(const nlohmann::json& input);
  Outcome<nlohmann::json> update_table(const nlohmann::json& input);
  Outcome<nlohmann::json> delete_table(const nlohmann::json& input);
  Outcome<nlohmann::json> batch_create_partition(const nlohmann::json& input);
  Outcome<nlohmann::json> get_partitions(const nlohmann::json& input);
  Outcome<nlohmann::json> create_partition(const nlohmann::json& input);
  Outcome<nlohmann::json> get_partition(const nlohmann::json& input);
  Outcome<nlohmann::json> delete_partition(const nlohmann::json& input);

  Outcome<nlohmann::json> load_database(const std::string& name) const;
  Outcome<nlohmann::json> load_table(const std::string& database, const std::string& name) const;

  std::string data_dir_;
  std::string catalog_dir_;
  std::string temp_dir_;
  std::mutex mutex_;  // one writer at a time: read-modify-write of tables and partitions
};

}  // namespace athena_runner::server
