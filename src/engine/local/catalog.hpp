// The Glue-shaped catalog on disk: `aws glue get-table` / `get-tables` JSON, turned into DuckDB views.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "athena_runner/aws/outcome.hpp"
#include "hive_types.hpp"

namespace athena_runner::engine::local {

enum class TableFormat { Parquet, HiveText, OpenCsv, Json };

struct CatalogColumn {
  std::string name;  // lower case, as Glue stores names
  std::string hive_type;
  DuckType type;
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
  std::string problem;  // non-empty: the table cannot be read; the message says why
};

// Reads every *.json file under catalog_dir (recursively). A malformed file fails the whole load
// (naming the file); a table with an unsupported type or SerDe loads with `problem` set.
aws::Outcome<std::vector<CatalogTable>> load_catalog(const std::string& catalog_dir, const std::string& data_root);

// s3://bucket/key (also s3a://, s3n://) -> <data root>/bucket/key.
aws::Outcome<std::string> local_path_for(const std::string& s3_uri, const std::string& data_root);

struct TableFiles {
  std::vector<std::string> paths;  // sorted; names starting with '_' or '.' are skipped, as Athena does
  std::int64_t total_bytes = 0;
  // Every path with its size and modification time: equal signatures mean the view need not be rebuilt.
  std::string signature;
};

// The data files under the table's local path; an error naming the table and path when it is missing.
aws::Outcome<TableFiles> list_table_files(const CatalogTable& table);

// CREATE OR REPLACE VIEW "db"."table" AS SELECT <columns cast to their declared types> FROM read_...
aws::Outcome<std::string> view_sql(const CatalogTable& table, const TableFiles& files);

}  // namespace athena_runner::engine::local
