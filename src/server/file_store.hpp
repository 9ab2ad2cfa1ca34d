// Files under the data directory: atomic writes (temporary file, rename), so a killed process leaves either
// the old or the new content, never a part; with files::AtomicWrite::durable (the default) the file is
// fsynced before the rename and its folder after it, so the write also survives a power loss.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/base/files.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::server {

// files::write_file_atomically (a hidden temporary beside path, parents created), failing as the server's
// other I/O does (InternalError, 500).
Status write_file_atomic(const std::string& path, std::string_view content, const files::AtomicWrite& writes = {});

// What stat(2) says about a path (symbolic links followed); exists is false when it can not be read.
struct FileInfo {
  bool exists = false;
  bool directory = false;
  bool regular = false;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};
FileInfo file_info(const std::string& path);

// An extended attribute's value (getxattr(2), links followed); nullopt when the file has none of that name
// or its file system keeps none.
std::optional<std::string> read_attribute(const std::string& path, const char* name);

// A file being written in temp_dir, moved into place by commit(); removed if never committed.
class TempFile {
 public:
  static Outcome<TempFile> create(const std::string& temp_dir);
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  ~TempFile();
  Status append(std::string_view data);
  Status append_file(const std::string& path);  // copies another file's content
  // Flushes the content (and extended attributes) to disk (so a rename under a lock does not wait on the disk).
  Status sync();
  // The open file's size and modification time (fstat), which a rename keeps.
  Outcome<FileInfo> info() const;
  // Sets an extended attribute on the open file (fsetxattr), which a rename keeps. 0, or the errno: ENOTSUP
  // when the file system keeps no user attributes, ENOSPC or E2BIG when the value does not fit.
  int set_attribute(const char* name, std::string_view value);
  // Renames the file to path (creating parent folders), nothing flushed: the caller syncs before and the
  // folder after (fsync_directory) when the write must survive a power loss.
  Status rename_into(const std::string& path);
  // The rename alone (no folder made): 0, or rename(2)'s errno (ENOENT: a folder is missing, ENOTDIR: a
  // parent is a file, EISDIR: path is a folder).
  int try_rename(const std::string& path);
  // sync() when writes.durable, rename_into(path), then fsync of the folder when writes.durable.
  Status commit(const std::string& path, const files::AtomicWrite& writes = {});
  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }

 private:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
  std::uint64_t size_ = 0;
  bool committed_ = false;
  bool synced_ = false;
};

std::string read_whole_file(const std::string& path, bool* ok = nullptr);
// length bytes from offset (fewer at the end of the file); ok is false when the file can not be read.
std::string read_file_range(const std::string& path, std::uint64_t offset, std::uint64_t length, bool* ok = nullptr);
Status fsync_directory(const std::string& path);
// "2009-10-12T17:50:30.000Z" and "Wed, 12 Oct 2009 17:50:00 GMT" from nanoseconds since the epoch.
std::string iso8601_time(std::int64_t epoch_ns);
std::string http_date(std::int64_t epoch_ns);

Error io_error(const std::string& what, const std::string& path, int error_number);

}  // namespace athena_runner::server
