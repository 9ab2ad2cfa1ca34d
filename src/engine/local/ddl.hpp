// Athena's Hive DDL on the local catalog: CREATE/DROP DATABASE, CREATE EXTERNAL TABLE, DROP TABLE, SHOW
// DATABASES/TABLES/PARTITIONS/CREATE TABLE, DESCRIBE, MSCK REPAIR TABLE, ALTER TABLE ADD/DROP PARTITION.
// Athena runs these itself (Hive, not Trino), so they never reach DuckDB: they read and write the same
// `aws glue get-table` JSON files the catalog loader reads and `athena-runner serve`'s Glue API writes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine::local {

struct DdlContext {
  std::string catalog_dir;  // <catalog>/<database>/<table>.json, _database.meta, <table>.partitions
  std::string data_root;    // s3://bucket/key is <data_root>/bucket/key (MSCK REPAIR lists it)
  std::string database;     // for unqualified table names
};

// True when the statement is Hive DDL handled here (its first keywords say so; CTAS is not).
bool is_hive_ddl(std::string_view sql);

// Runs one DDL statement. The result has StatementType::Ddl and one varchar-like "string" column whose
// rows are the lines Athena writes to <id>.txt. Errors change nothing on disk.
Outcome<QueryResult> execute_ddl(std::string_view sql, const DdlContext& context);

// The lines of <id>.txt: each row's cells joined by a tab, "\n" after every row.
std::string to_ddl_text(const QueryResult& result);

// ---- the catalog side of CTAS and INSERT INTO (the engine writes the files) ----------------------

// A table CTAS creates, as Athena stores it in Glue.
struct QueryTable {
  std::string database;         // lower case
  std::string table;            // lower case
  std::string location;         // s3://bucket/prefix/
  std::string format;           // PARQUET, TEXTFILE or JSON
  std::string field_delimiter;  // TEXTFILE only
  std::string compression;      // the write_compression written (table parameter), e.g. GZIP
  std::vector<std::pair<std::string, std::string>> columns;         // name, Hive type
  std::vector<std::pair<std::string, std::string>> partition_keys;  // name, Hive type
};

// A partition a write put files in: its values (key order) and its folder under the table's location as
// written (k1=v1/k2=v2, values URL-encoded as DuckDB's PARTITION_BY names them).
struct WrittenPartition {
  std::vector<std::string> values;
  std::string folder;
};

// Fails (ALREADY_EXISTS, NOT_FOUND for the database, SYNTAX_ERROR for a bad name) when CTAS could not
// create the table; changes nothing.
Status check_new_table(const std::string& database, const std::string& table, const DdlContext& context);

// Creates <table>.json (exclusively: a table created meanwhile fails it) and registers the partitions, each at
// <location>/<folder>/.
Status create_query_table(const QueryTable& table, const std::vector<WrittenPartition>& partitions,
                          const DdlContext& context);

// Removes a table create_query_table made (undoing a CTAS whose files could not be kept).
void remove_query_table(const std::string& database, const std::string& table, const DdlContext& context);

// INSERT INTO: registers the partitions not registered yet (values in key order).
Status add_partitions(const std::string& database, const std::string& table,
                      const std::vector<WrittenPartition>& partitions, const DdlContext& context);

// Hive's FileUtils.unescapePathName: %XX in a partition folder's value.
std::string unescape_partition_value(const std::string& text);

// The catalog store's change signal (CatalogStore::fingerprint): equal fingerprints mean the catalog loader
// would read the same tables and partitions.
std::string catalog_fingerprint(const std::string& catalog_dir);

}  // namespace athena_runner::engine::local
