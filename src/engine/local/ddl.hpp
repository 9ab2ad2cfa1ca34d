// Athena's Hive DDL on the local catalog: CREATE/DROP DATABASE, CREATE EXTERNAL TABLE, DROP TABLE, SHOW
// DATABASES/TABLES/PARTITIONS/CREATE TABLE, DESCRIBE, MSCK REPAIR TABLE, ALTER TABLE ADD/DROP PARTITION.
// Athena runs these itself (Hive, not Trino), so they never reach DuckDB: they read and write the same
// `aws glue get-table` JSON files the catalog loader reads and `athena-runner serve`'s Glue API writes.
#pragma once

#include <string>
#include <string_view>

#include "athena_runner/aws/outcome.hpp"
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

// Names, sizes, inodes and modification times of every *.json file under the catalog: equal
// fingerprints mean the catalog loader would read the same tables.
std::string catalog_fingerprint(const std::string& catalog_dir);

}  // namespace athena_runner::engine::local
