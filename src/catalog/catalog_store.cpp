#include "athena_runner/catalog/catalog_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <sstream>
#include <utility>

#include "athena_runner/base/files.hpp"
#include "athena_runner/base/text.hpp"

namespace athena_runner::catalog {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr std::string_view kDatabaseFile = "_database.meta";
constexpr std::string_view kTableExtension = ".json";
constexpr std::string_view kPartitionsExtension = ".partitions";
constexpr std::string_view kVersionsExtension = ".versions";
constexpr std::string_view kLockFolder = ".locks";
constexpr std::string_view kLockExtension = ".lock";
constexpr std::string_view kIoError = "IO_ERROR";
constexpr std::string_view kCorrupt = "INVALID_CATALOG";
constexpr mode_t kLockFileMode = 0644;
constexpr files::AtomicWrite kCatalogWrite{.durable = true, .create_parents = true};

Error io_error(const std::string& what, int error_number) {
  return make_error(ErrorKind::Configuration, std::string(kIoError), what + ": " + std::strerror(error_number));
}

Error corrupt(const std::string& path, const std::string& why) {
  return make_error(ErrorKind::Internal, std::string(kCorrupt), "the catalog file '" + path + "' " + why);
}

// nullopt when the file does not exist; an error when it exists and cannot be read.
Outcome<std::optional<std::string>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT || !fs::exists(path)) return std::optional<std::string>();
    return io_error("cannot read " + path, errno);
  }
  std::ostringstream content;
  content << in.rdbuf();
  return std::optional<std::string>(content.str());
}

// A JSON object stored at `path` (its member `member`), nullopt when the file does not exist.
Outcome<std::optional<Json>> read_member(const std::string& path, const char* member, bool want_array) {
  auto text = read_file(path);
  if (!text) return std::move(text).get_failure();
  if (!*text) return std::optional<Json>();
  Json document = Json::parse(**text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) return corrupt(path, "is not a JSON object");
  auto found = document.find(member);
  if (found == document.end() || (want_array ? !found->is_array() : !found->is_object()))
    return corrupt(path, std::string("has no \"") + member + "\" " + (want_array ? "list" : "object"));
  return std::optional<Json>(std::move(*found));
}

Outcome<Json> parse_edit(const std::string& text, const char* what, bool want_array) {
  Json parsed = Json::parse(text, nullptr, false);
  if (parsed.is_discarded() || (want_array ? !parsed.is_array() : !parsed.is_object()))
    return make_error(ErrorKind::Internal, std::string(kCorrupt), std::string("the new ") + what + " is not valid");
  return parsed;
}

// ---- locks ----

// One mutex per lock file in this process; never erased (one per table ever touched).
template <class Mutex>
Mutex& process_mutex(const std::string& path) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::unique_ptr<Mutex>> registry;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[path];
  if (!slot) slot = std::make_unique<Mutex>();
  return *slot;
}

// flock(2) on a lock file, held until destruction (the kernel also drops it when the process dies).
class FileLock {
 public:
  static Outcome<FileLock> acquire(const std::string& path, bool exclusive) {
    std::error_code ignored;
    fs::create_directories(fs::path(path).parent_path(), ignored);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kLockFileMode);
    if (fd < 0) return io_error("cannot open the lock file " + path, errno);
    while (::flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      ::close(fd);
      return io_error("cannot lock " + path, error_number);
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// A database's lock: shared by changes to its tables, exclusive to create or drop the database.
class DatabaseLock {
 public:
  static Outcome<std::unique_ptr<DatabaseLock>> acquire(const std::string& catalog, const std::string& database,
                                                        bool exclusive) {
    const std::string path =
        (fs::path(catalog) / kLockFolder / (database + std::string(kLockExtension))).lexically_normal().string();
    auto lock = std::unique_ptr<DatabaseLock>(new DatabaseLock(process_mutex<std::shared_mutex>(path), exclusive));
    auto file = FileLock::acquire(path, exclusive);
    if (!file) return std::move(file).get_failure();
    lock->file_.emplace(std::move(file).get_result());
    return lock;
  }
  ~DatabaseLock() {
    file_.reset();
    if (exclusive_)
      mutex_.unlock();
    else
      mutex_.unlock_shared();
  }
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

 private:
  DatabaseLock(std::shared_mutex& mutex, bool exclusive) : mutex_(mutex), exclusive_(exclusive) {
    if (exclusive_)
      mutex_.lock();
    else
      mutex_.lock_shared();
  }
  std::shared_mutex& mutex_;
  bool exclusive_;
  std::optional<FileLock> file_;
};

// A table's lock: its database's lock (shared), then the table's mutex and its lock file (exclusive).
class TableLock {
 public:
  static Outcome<std::unique_ptr<TableLock>> acquire(const std::string& catalog, const std::string& database,
                                                     const std::string& table) {
    auto database_lock = DatabaseLock::acquire(catalog, database, false);
    if (!database_lock) return std::move(database_lock).get_failure();
    const std::string path = (fs::path(catalog) / kLockFolder / database / (table + std::string(kLockExtension)))
                                 .lexically_normal()
                                 .string();
    auto lock = std::unique_ptr<TableLock>(new TableLock(std::move(database_lock).get_result(), path));
    auto file = FileLock::acquire(path, true);
    if (!file) return std::move(file).get_failure();
    lock->file_.emplace(std::move(file).get_result());
    return lock;
  }
  TableLock(const TableLock&) = delete;
  TableLock& operator=(const TableLock&) = delete;
  ~TableLock() = default;  // the file lock first, then the mutex, then the database's lock

 private:
  TableLock(std::unique_ptr<DatabaseLock> database, const std::string& path)
      : database_(std::move(database)), mutex_(process_mutex<std::mutex>(path)) {}
  std::unique_ptr<DatabaseLock> database_;
  std::unique_lock<std::mutex> mutex_;
  std::optional<FileLock> file_;
};

Error database_not_found(const std::string& database) {
  return make_error(ErrorKind::InvalidInput, std::string(kDatabaseNotFound), "Database " + database + " not found");
}

Status write(const std::string& path, const std::string& text) {
  return files::write_file_atomically(path, text, kCatalogWrite);
}

std::size_t version_number(const Json& table) {
  auto found = table.find("VersionId");
  if (found == table.end() || !found->is_string()) return 0;
  return text::parse_index(found->get<std::string>()).value_or(0);
}

}  // namespace

Status check_data_catalog(std::string_view name) {
  if (text::iequals(name, kDataCatalog)) return Ok{};
  return make_error(ErrorKind::InvalidInput, std::string(kCatalogNotFound),
                    "Catalog '" + std::string(name) + "' does not exist");
}

std::string catalog_dir_for(const std::string& data_dir) { return (fs::path(data_dir) / kCatalogFolder).string(); }

Outcome<std::string> checked_name(std::string_view raw, std::string_view what) {
  std::string name = text::lower(raw);
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '.' ||
      name.find_first_of("/\\") != std::string::npos ||
      std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    return make_error(ErrorKind::InvalidInput, std::string(kInvalidName),
                      "The " + std::string(what) + " name '" + std::string(raw) +
                          "' is not valid: 1 to 255 characters, no '/', '\\' or control characters, not starting "
                          "with '.'.");
  return name;
}

CatalogStore::CatalogStore(std::string directory) : directory_(std::move(directory)) {}

std::string CatalogStore::database_dir(const std::string& database) const {
  return (fs::path(directory_) / database).string();
}

std::string CatalogStore::table_path(const std::string& database, const std::string& name,
                                     std::string_view extension) const {
  return (fs::path(directory_) / database / (name + std::string(extension))).string();
}

std::vector<std::string> CatalogStore::databases() const {
  std::vector<std::string> names;
  std::error_code error;
  for (auto it = fs::directory_iterator(directory_, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    std::error_code kind_error;
    if (!name.empty() && name.front() != '.' && it->is_directory(kind_error)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool CatalogStore::database_exists(const std::string& database) const {
  std::error_code ignored;
  return database == kDefaultDatabase || fs::is_directory(database_dir(database), ignored);
}

std::optional<std::string> CatalogStore::database(const std::string& database) const {
  auto text = read_file((fs::path(database_dir(database)) / kDatabaseFile).string());
  if (!text) return std::nullopt;
  return *text;
}

Outcome<bool> CatalogStore::create_database(const std::string& database, std::string_view database_json) {
  auto lock = DatabaseLock::acquire(directory_, database, true);
  if (!lock) return std::move(lock).get_failure();
  std::error_code ignored;
  if (fs::is_directory(database_dir(database), ignored)) return false;
  return files::create_file_exclusively((fs::path(database_dir(database)) / kDatabaseFile).string(), database_json,
                                        kCatalogWrite);
}

Outcome<bool> CatalogStore::drop_database(const std::string& database) {
  auto lock = DatabaseLock::acquire(directory_, database, true);
  if (!lock) return std::move(lock).get_failure();
  std::error_code error;
  if (!fs::is_directory(database_dir(database), error)) return false;
  fs::remove_all(database_dir(database), error);
  if (error) return io_error("cannot remove " + database_dir(database), error.value());
  return true;
}

std::vector<std::string> CatalogStore::tables(const std::string& database) const {
  std::vector<std::string> names;
  std::error_code error;
  for (auto it = fs::directory_iterator(database_dir(database), error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    const std::string file = it->path().filename().string();
    std::error_code kind_error;
    if (!file.empty() && file.front() != '.' && it->path().extension() == kTableExtension &&
        it->is_regular_file(kind_error))
      names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Outcome<std::optional<std::string>> CatalogStore::table(const std::string& database, const std::string& name) const {
  auto table = read_member(table_path(database, name, kTableExtension), "Table", false);
  if (!table) return std::move(table).get_failure();
  if (!*table) return std::optional<std::string>();
  return std::optional<std::string>((*table)->dump());
}

Outcome<bool> CatalogStore::create_table(const std::string& database, const std::string& name,
                                         std::string_view table_json) {
  auto table = parse_edit(std::string(table_json), "table", false);
  if (!table) return std::move(table).get_failure();
  auto lock = TableLock::acquire(directory_, database, name);
  if (!lock) return std::move(lock).get_failure();
  if (!database_exists(database)) return database_not_found(database);
  std::error_code ignored;
  if (fs::exists(table_path(database, name, kTableExtension), ignored)) return false;
  // What a dropped table of the same name left (a drop killed half-way) is not this table's; the partition
  // list is written before the definition, so a table never exists without one.
  fs::remove(table_path(database, name, kVersionsExtension), ignored);
  if (auto written =
          write(table_path(database, name, kPartitionsExtension), Json{{"Partitions", Json::array()}}.dump(2));
      !written)
    return std::move(written).get_failure();
  return files::create_file_exclusively(table_path(database, name, kTableExtension),
                                        Json{{"Table", std::move(*table)}}.dump(2), kCatalogWrite);
}

Outcome<bool> CatalogStore::drop_table(const std::string& database, const std::string& name) {
  auto lock = TableLock::acquire(directory_, database, name);
  if (!lock) return std::move(lock).get_failure();
  std::error_code error;
  if (!fs::exists(table_path(database, name, kTableExtension), error)) return false;
  // The definition goes last: a drop killed half-way leaves a table, never partitions without one.
  for (auto extension : {kPartitionsExtension, kVersionsExtension, kTableExtension}) {
    fs::remove(table_path(database, name, extension), error);
    if (error) return io_error("cannot remove " + table_path(database, name, extension), error.value());
  }
  return true;
}

Status CatalogStore::edit_table(const std::string& database, const std::string& name, const Edit& edit) {
  auto lock = TableLock::acquire(directory_, database, name);
  if (!lock) return std::move(lock).get_failure();
  const std::string path = table_path(database, name, kTableExtension);
  auto current = read_member(path, "Table", false);
  if (!current) return std::move(current).get_failure();
  auto edited = edit(*current ? std::optional<std::string>((*current)->dump()) : std::nullopt);
  if (!edited) return std::move(edited).get_failure();
  if (!*edited) return Ok{};
  auto table = parse_edit(**edited, "table", false);
  if (!table) return std::move(table).get_failure();
  if (*current) {
    // The replaced version first (a kill between the two writes leaves it listed twice, which
    // table_versions() folds into one), then the new one.
    const std::string versions_path = table_path(database, name, kVersionsExtension);
    auto versions = read_member(versions_path, "TableVersions", true);
    if (!versions) return std::move(versions).get_failure();
    Json list = *versions ? std::move(**versions) : Json::array();
    const std::size_t previous = version_number(**current);
    list.push_back(Json{{"Table", **current}, {"VersionId", std::to_string(previous)}});
    if (auto written = write(versions_path, Json{{"TableVersions", std::move(list)}}.dump(2)); !written) return written;
    (*table)["VersionId"] = std::to_string(previous + 1);
  } else {
    (*table)["VersionId"] = "0";
  }
  return write(path, Json{{"Table", std::move(*table)}}.dump(2));
}

Outcome<std::string> CatalogStore::table_versions(const std::string& database, const std::string& name) const {
  auto current = read_member(table_path(database, name, kTableExtension), "Table", false);
  if (!current) return std::move(current).get_failure();
  Json list = Json::array();
  if (!*current) return list.dump();
  const std::string current_version = std::to_string(version_number(**current));
  list.push_back(Json{{"Table", **current}, {"VersionId", current_version}});
  auto versions = read_member(table_path(database, name, kVersionsExtension), "TableVersions", true);
  if (!versions) return std::move(versions).get_failure();
  if (*versions) {
    for (auto it = (*versions)->rbegin(); it != (*versions)->rend(); ++it) {
      if (it->is_object() && it->value("VersionId", std::string()) != current_version) list.push_back(*it);
    }
  }
  return list.dump();
}

Outcome<std::string> CatalogStore::partitions(const std::string& database, const std::string& name) const {
  auto stored = read_member(table_path(database, name, kPartitionsExtension), "Partitions", true);
  if (!stored) return std::move(stored).get_failure();
  return *stored ? (*stored)->dump() : std::string("[]");
}

Outcome<std::optional<std::string>> CatalogStore::partition_list(const std::string& database,
                                                                 const std::string& name) const {
  auto stored = read_member(table_path(database, name, kPartitionsExtension), "Partitions", true);
  if (!stored) return std::move(stored).get_failure();
  if (!*stored) return std::optional<std::string>();
  return std::optional<std::string>((*stored)->dump());
}

Status CatalogStore::edit_partitions(const std::string& database, const std::string& name, const Edit& edit) {
  auto lock = TableLock::acquire(directory_, database, name);
  if (!lock) return std::move(lock).get_failure();
  const std::string path = table_path(database, name, kPartitionsExtension);
  auto current = read_member(path, "Partitions", true);
  if (!current) return std::move(current).get_failure();
  auto edited = edit(*current ? std::optional<std::string>((*current)->dump()) : std::nullopt);
  if (!edited) return std::move(edited).get_failure();
  if (!*edited) return Ok{};
  auto list = parse_edit(**edited, "partition list", true);
  if (!list) return std::move(list).get_failure();
  return write(path, Json{{"Partitions", std::move(*list)}}.dump(2));
}

Outcome<std::vector<CatalogStore::TableDocument>> CatalogStore::table_documents() const {
  std::vector<TableDocument> documents;
  std::error_code error;
  if (!fs::is_directory(directory_, error)) return documents;
  for (auto it = fs::recursive_directory_iterator(directory_, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string file = it->path().filename().string();
    std::error_code kind_error;
    if (!file.empty() && file.front() == '.') {
      if (it->is_directory(kind_error)) it.disable_recursion_pending();  // .locks, temporaries
      continue;
    }
    if (it->path().extension() != kTableExtension || !it->is_regular_file(kind_error)) continue;
    TableDocument document;
    document.path = it->path().string();
    document.database_folder =
        it->path().parent_path() == fs::path(directory_) ? std::string() : it->path().parent_path().filename().string();
    documents.push_back(std::move(document));
  }
  if (error) return io_error("cannot list the catalog directory " + directory_, error.value());
  std::sort(documents.begin(), documents.end(),
            [](const TableDocument& a, const TableDocument& b) { return a.path < b.path; });
  for (auto& document : documents) {
    auto text = read_file(document.path);
    if (!text) return std::move(text).get_failure();
    document.text = text->value_or("");  // removed meanwhile: read as empty, which the loader reports
  }
  return documents;
}

std::string CatalogStore::fingerprint() const {
  std::vector<std::string> entries;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(directory_, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string file = it->path().filename().string();
    if (!file.empty() && file.front() == '.') {
      std::error_code kind_error;
      if (it->is_directory(kind_error)) it.disable_recursion_pending();
      continue;
    }
    const auto extension = it->path().extension();
    if (extension != kTableExtension && extension != kPartitionsExtension && file != kDatabaseFile) continue;
    struct stat info {};
    if (::stat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    entries.push_back(it->path().string() + "|" + std::to_string(info.st_size) + "|" + std::to_string(info.st_ino) +
                      "|" + std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec));
  }
  std::sort(entries.begin(), entries.end());
  std::string fingerprint;
  for (const auto& entry : entries) fingerprint += entry + "\n";
  return fingerprint;
}

}  // namespace athena_runner::catalog
