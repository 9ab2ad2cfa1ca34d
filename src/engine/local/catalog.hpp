// The Glue-shaped catalog on disk: `aws glue get-table` / `get-tables` JSON, turned into DuckDB views.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "hive_types.hpp"

namespace athena_runner::engine::local {

enum class TableFormat { Parquet, HiveText, OpenCsv, Json };

struct CatalogColumn {
  std::string name;  // lower case, as Glue stores names
  std::string hive_type;
  DuckType type;
};

// A registered partition: its values (in key order) and where its files are.
struct CatalogPartition {
  std::vector<std::string> values;
  std::string location;    // s3://...
  std::string local_path;  // <data root>/...
};

struct CatalogTable {
  std::string database;     // lower case
  std::string name;         // lower case
  std::string location;     // s3://bucket/prefix
  std::string local_path;   // <data root>/bucket/prefix
  std::string source_file;  // the catalog file it came from
  TableFormat format = TableFormat::Parquet;
  std::vector<CatalogColumn> columns;
  std::vector<CatalogColumn> partition_keys;
  std::map<std::string, std::string> serde_parameters;
  std::map<std::string, std::string> table_parameters;
  // A partitioned table's registered partitions (the catalog store's list), read exactly as Athena does: each
  // from its own location, nothing else. nullopt when the table has no partition list (a get-table file copied
  // in by hand): its k=v/ folders under the location are read until MSCK REPAIR registers them. Empty for a
  // projected table (each query computes its partitions).
  std::optional<std::vector<CatalogPartition>> partitions;
  std::string problem;  // non-empty: the table cannot be read; the message says why
};

// Reads every *.json file under catalog_dir (recursively). A malformed file fails the whole load
// (naming the file); a table with an unsupported type or SerDe loads with `problem` set.
Outcome<std::vector<CatalogTable>> load_catalog(const std::string& catalog_dir, const std::string& data_root);

// s3://bucket/key (also s3a://, s3n://) -> <data root>/bucket/key.
Outcome<std::string> local_path_for(const std::string& s3_uri, const std::string& data_root);

struct TableFiles {
  std::vector<std::string> paths;  // sorted; names starting with '_' or '.' are skipped, as Athena does
  // Registered partitions: paths[i] belongs to table.partitions[partition_of[i]] (empty otherwise).
  std::vector<std::size_t> partition_of;
  std::int64_t total_bytes = 0;
  // Every path with its size and modification time: equal signatures mean the view need not be rebuilt.
  std::string signature;
};

// The data files under the table's local path; an error naming the table and path when it is missing. A table
// with registered partitions: the files under each partition's own location (a missing folder is an empty
// partition, as an S3 prefix with no object is).
// before_reading_folder (if set) is called with each folder before its entries are read.
Outcome<TableFiles> list_table_files(const CatalogTable& table,
                                     const std::function<void(const std::string&)>& before_reading_folder = {});

// Tells whether anything changed in a set of folders since they were watched (Linux inotify), so a
// table's files need not be listed again at every query. Folders are added before they are read, so
// no change between reading and watching is missed. Where watching fails (no inotify, too many
// watches), unchanged() is false and the caller lists the files again.
class FolderWatch {
 public:
  FolderWatch();
  ~FolderWatch();
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  void forget(std::size_t key);                          // stops watching key's folders
  void add(std::size_t key, const std::string& folder);  // watches one more folder for key
  bool unchanged(std::size_t key);                       // watched, and no event since the folders were added

 private:
  void drain();
  int fd_ = -1;
  std::map<int, std::size_t> keys_;                  // watch descriptor -> key
  std::map<std::size_t, std::vector<int>> watches_;  // key -> watch descriptors
  std::set<std::size_t> changed_;                    // keys with an event, or a folder that could not be watched
};

// A LazySimpleSerDe table's field delimiter (one byte when valid) and NULL text, as view_sql reads them.
std::string text_field_delimiter(const CatalogTable& table);
std::string text_null_format(const CatalogTable& table);

// CREATE OR REPLACE VIEW "db"."table" AS SELECT <columns cast to their declared types> FROM read_... (with
// `temp_view`: CREATE OR REPLACE TEMP VIEW "<temp_view>", one query's view of some of the table's partitions).
Outcome<std::string> view_sql(const CatalogTable& table, const TableFiles& files, const std::string& temp_view = {});

}  // namespace athena_runner::engine::local
