// The Glue Data Catalog on disk: the one owner of its files. The server's Glue API, the local engine's DDL,
// CTAS, INSERT INTO and MSCK REPAIR, and the engine's catalog reader all go through this store; no other
// code knows the layout:
//
//   <catalog>/<database>/_database.meta      the database (GetDatabase's Database; not *.json, so readers
//                                            that take every *.json as a table skip it)
//   <catalog>/<database>/<table>.json        {"Table": {...}}: `aws glue get-table` output shape
//   <catalog>/<database>/<table>.partitions  {"Partitions": [...]}: GetPartitions' shape
//   <catalog>/<database>/<table>.versions    {"TableVersions": [...]}: the versions UpdateTable replaced
//   <catalog>/.locks/<database>.lock, <catalog>/.locks/<database>/<table>.lock   flock(2) files
//
// <catalog> is <data dir>/.glue for `athena-runner serve` and `run --local`. Names are lower-cased as Glue
// stores them. A get-tables file (`{"TableList": [...]}`) copied in by hand is read, never written.
//
// Concurrency: every read-modify-write of a table or its partitions holds that table's lock, which is one
// mutex per table in this process plus an exclusive flock(2) on the table's lock file across processes; a
// database's lock (shared by table changes, exclusive to drop the database) works the same way. Every file is
// written with files::write_file_atomically (durable: fsync before the rename, and of the folder after), so a
// change the store reported done survives kill -9, and a reader sees the old file or the new one.
//
// Documents cross this interface as JSON text, so that the header carries no JSON library's types.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::catalog {

inline constexpr std::string_view kCatalogFolder = ".glue";  // under the data directory
inline constexpr std::string_view kCatalogId = "000000000000";
inline constexpr std::string_view kDefaultDatabase = "default";  // always exists, as in Athena
inline constexpr std::size_t kMaxNameLength = 255;

// Error::code of a name that fails the rules below.
inline constexpr std::string_view kInvalidName = "INVALID_NAME";
// Error::code when a table is created in a database that does not exist (any more).
inline constexpr std::string_view kDatabaseNotFound = "DATABASE_NOT_FOUND";

// <data dir>/.glue
std::string catalog_dir_for(const std::string& data_dir);

// Athena's name for the Glue Data Catalog, the only catalog here: in `catalog.db.table` and as the query
// context's Catalog, in any case (Athena lists it as AwsDataCatalog).
inline constexpr std::string_view kDataCatalog = "awsdatacatalog";
// Error::code and message for any other catalog, as Trino (Athena's engine) words it: "Catalog 'x' does not
// exist" (CATALOG_NOT_FOUND, trino-main's MetadataUtil.getRequiredCatalogHandle).
inline constexpr std::string_view kCatalogNotFound = "CATALOG_NOT_FOUND";
Status check_data_catalog(std::string_view name);

// Glue stores names lower-cased; ours also become file names, so nothing that leaves the folder: 1 to 255
// characters, no '/', '\\' or control characters, not starting with '.'. `what` names it in the message
// ("database", "table", "column").
Outcome<std::string> checked_name(std::string_view raw, std::string_view what);

class CatalogStore {
 public:
  explicit CatalogStore(std::string directory);
  const std::string& directory() const { return directory_; }

  // ---- databases ----
  // Folder names (a folder of get-table files copied in by hand is a database too), sorted; without `default`
  // unless it has a folder.
  std::vector<std::string> databases() const;
  bool database_exists(const std::string& database) const;  // its folder exists (`default`: always)
  // The stored Database object (JSON text), nullopt when the database has none (a folder made by hand).
  std::optional<std::string> database(const std::string& database) const;
  // Creates the database exclusively: false when it exists already (nothing changed).
  Outcome<bool> create_database(const std::string& database, std::string_view database_json);
  // Removes the database's folder with its tables; false when it did not exist.
  Outcome<bool> drop_database(const std::string& database);

  // ---- tables ----
  std::vector<std::string> tables(const std::string& database) const;  // <table>.json files, sorted
  // The Table object (JSON text) of <table>.json; nullopt when there is no such file.
  Outcome<std::optional<std::string>> table(const std::string& database, const std::string& name) const;
  // Creates <table>.json exclusively (false: it exists; nothing changed), with an empty partition list: a
  // partitioned table reads only what is registered (ALTER TABLE ADD PARTITION, MSCK REPAIR, Glue).
  Outcome<bool> create_table(const std::string& database, const std::string& name, std::string_view table_json);
  // Removes the table's files (definition, partitions, versions); false when it did not exist.
  Outcome<bool> drop_table(const std::string& database, const std::string& name);

  // A read-modify-write under the table's lock: gets the current document (nullopt when absent) and returns
  // the new one, or nullopt to write nothing; an error is passed back and nothing is written.
  using Edit = std::function<Outcome<std::optional<std::string>>(const std::optional<std::string>& current)>;

  // Edits the Table object. The store sets VersionId to the previous VersionId + 1 and keeps the previous
  // Table in <table>.versions, as Glue's UpdateTable does.
  Status edit_table(const std::string& database, const std::string& name, const Edit& edit);
  // The table's versions (JSON text of a TableVersions list: {"Table", "VersionId"}), the current one first.
  Outcome<std::string> table_versions(const std::string& database, const std::string& name) const;

  // ---- partitions ----
  // The Partitions list (JSON text, "[]" when none is registered).
  Outcome<std::string> partitions(const std::string& database, const std::string& name) const;
  // The same, nullopt when the table has no partition list at all: a get-table file copied in by hand, whose
  // partitions the engine finds from its k=v/ folders until MSCK REPAIR or ALTER TABLE registers them.
  Outcome<std::optional<std::string>> partition_list(const std::string& database, const std::string& name) const;
  // Edits the Partitions list under the table's lock (current: the list; nullopt when none is stored).
  Status edit_partitions(const std::string& database, const std::string& name, const Edit& edit);

  // ---- readers ----
  struct TableDocument {
    std::string path;             // the *.json file
    std::string database_folder;  // its folder's name under the catalog ("" at the top)
    std::string text;             // its content: {"Table": {...}} or {"TableList": [...]}
  };
  // Every *.json under the catalog (recursively, sorted by path), as the engine's loader reads them.
  Outcome<std::vector<TableDocument>> table_documents() const;

  // The change signal: equal fingerprints mean no table, partition list or database changed in between (any
  // process; every write replaces a file, so its inode changes). Cheap: one stat per catalog file.
  std::string fingerprint() const;

 private:
  std::string database_dir(const std::string& database) const;
  std::string table_path(const std::string& database, const std::string& name, std::string_view extension) const;
  std::string directory_;
};

}  // namespace athena_runner::catalog
