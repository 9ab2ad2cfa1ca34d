// The Glue Data Catalog API (JSON 1.1) over the catalog store (include/athena_runner/catalog/catalog_store.hpp),
// the same files, locks and name rules the local engine's DDL, CTAS, INSERT INTO and reader use.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "athena_runner/catalog/catalog_store.hpp"
#include "json_service.hpp"

namespace athena_runner::server {

class GlueCatalog {
 public:
  explicit GlueCatalog(std::string data_dir);
  // Registers CreateDatabase, GetDatabase, GetDatabases, DeleteDatabase, CreateTable, GetTable, GetTables,
  // UpdateTable, GetTableVersions, DeleteTable, BatchCreatePartition, BatchDeletePartition, BatchGetPartition,
  // GetPartitions, CreatePartition, GetPartition, UpdatePartition, DeletePartition on `service`.
  void register_operations(JsonService& service);

  const std::string& catalog_dir() const { return store_.directory(); }
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
  Outcome<nlohmann::json> get_table_versions(const nlohmann::json& input);
  Outcome<nlohmann::json> delete_table(const nlohmann::json& input);
  Outcome<nlohmann::json> batch_create_partition(const nlohmann::json& input);
  Outcome<nlohmann::json> batch_delete_partition(const nlohmann::json& input);
  Outcome<nlohmann::json> batch_get_partition(const nlohmann::json& input);
  Outcome<nlohmann::json> update_partition(const nlohmann::json& input);
  Outcome<nlohmann::json> get_partitions(const nlohmann::json& input);
  Outcome<nlohmann::json> create_partition(const nlohmann::json& input);
  Outcome<nlohmann::json> get_partition(const nlohmann::json& input);
  Outcome<nlohmann::json> delete_partition(const nlohmann::json& input);

  Outcome<nlohmann::json> load_database(const std::string& name) const;
  Outcome<nlohmann::json> load_table(const std::string& database, const std::string& name) const;
  Outcome<nlohmann::json> load_partitions(const std::string& database, const std::string& name) const;
  // A read-modify-write of the table's partition list under the store's table lock; `edit` gets the list and
  // the table's number of partition keys, and its error leaves the list as it was.
  Outcome<nlohmann::json> edit_partitions(
      const std::string& database, const std::string& name,
      const std::function<Status(nlohmann::json& partitions, std::size_t key_count)>& edit);

  std::string data_dir_;
  catalog::CatalogStore store_;
};

}  // namespace athena_runner::server
