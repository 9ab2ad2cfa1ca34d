#include "file_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <atomic>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>

namespace athena_runner::server {
namespace fs = std::filesystem;

Error io_error(const std::string& what, const std::string& path, int error_number) {
  Error error =
      make_error(ErrorKind::Internal, "InternalError", what + " '" + path + "': " + std::strerror(error_number));
  error.http_status = 500;
  return error;
}

namespace {
FileInfo info_of(const struct stat& status) {
  FileInfo result;
  result.exists = true;
  result.directory = S_ISDIR(status.st_mode);
  result.regular = S_ISREG(status.st_mode);
  result.size = static_cast<std::uint64_t>(status.st_size);
  result.mtime_ns = static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1000000000 + status.st_mtim.tv_nsec;
  return result;
}
}  // namespace

FileInfo file_info(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return {};
  return info_of(status);
}

std::optional<std::string> read_attribute(const std::string& path, const char* name) {
  // Most values fit the first buffer: one system call.
  std::array<char, 4096> buffer{};
  ssize_t got = ::getxattr(path.c_str(), name, buffer.data(), buffer.size());
  if (got >= 0) return std::string(buffer.data(), static_cast<std::size_t>(got));
  while (errno == ERANGE) {
    ssize_t needed = ::getxattr(path.c_str(), name, nullptr, 0);
    if (needed < 0) return std::nullopt;
    std::string value(static_cast<std::size_t>(needed), '\0');
    got = ::getxattr(path.c_str(), name, value.data(), value.size());
    if (got >= 0) {
      value.resize(static_cast<std::size_t>(got));
      return value;
    }
  }
  return std::nullopt;
}

Outcome<TempFile> TempFile::create(const std::string& temp_dir) {
  // Unique without randomness: this process's id and a counter; a name left by a killed process that had
  // the same id is skipped (O_EXCL). The folder is made only when it is missing (not a stat per file).
  static std::atomic<std::uint64_t> counter{0};
  static const std::string process = std::to_string(::getpid());
  bool folder_made = false;
  for (;;) {
    std::string path = temp_dir;
    path.append("/tmp-").append(process).append("-").append(std::to_string(counter++));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return TempFile(fd, path);
    if (errno == ENOENT && !folder_made) {
      std::error_code ignored;
      fs::create_directories(temp_dir, ignored);
      folder_made = true;
      continue;
    }
    if (errno != EEXIST) return io_error("cannot create temporary file", path, errno);
  }
}

TempFile::TempFile(TempFile&& other) noexcept
    : fd_(other.fd_),
      path_(std::move(other.path_)),
      size_(other.size_),
      committed_(other.committed_),
      synced_(other.synced_) {
  other.fd_ = -1;
  other.committed_ = true;
}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !path_.empty()) ::unlink(path_.c_str());
}

Status TempFile::append(std::string_view data) {
  while (!data.empty()) {
    ssize_t written = ::write(fd_, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path_, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(written));
    size_ += static_cast<std::uint64_t>(written);
    synced_ = false;
  }
  return Ok{};
}

Status TempFile::append_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path, errno);
  std::string buffer(1 << 20, '\0');
  while (true) {
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return io_error("cannot read", path, saved);
    }
    if (got == 0) break;
    auto status = append(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    if (!status) {
      ::close(fd);
      return status;
    }
  }
  ::close(fd);
  return Ok{};
}

Status fsync_directory(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open folder", path, errno);
  ::fsync(fd);
  ::close(fd);
  return Ok{};
}

Status TempFile::sync() {
  if (!synced_ && ::fsync(fd_) != 0) return io_error("cannot fsync", path_, errno);
  synced_ = true;
  return Ok{};
}

Outcome<FileInfo> TempFile::info() const {
  struct stat status {};
  if (::fstat(fd_, &status) != 0) return io_error("cannot stat", path_, errno);
  return info_of(status);
}

int TempFile::set_attribute(const char* name, std::string_view value) {
  return ::fsetxattr(fd_, name, value.data(), value.size(), 0) == 0 ? 0 : errno;
}

int TempFile::try_rename(const std::string& path) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (::rename(path_.c_str(), path.c_str()) != 0) return errno;
  committed_ = true;
  return 0;
}

Status TempFile::rename_into(const std::string& path) {
  // The parent folders are made only when the rename finds them missing (not a stat per write).
  int error = try_rename(path);
  if (error == ENOENT) {
    fs::path target(path);
    std::error_code made;
    fs::create_directories(target.parent_path(), made);
    if (made) return io_error("cannot create folder", target.parent_path().string(), made.value());
    error = try_rename(path);
  }
  if (error != 0) return io_error("cannot rename into", path, error);
  return Ok{};
}

Status TempFile::commit(const std::string& path, const files::AtomicWrite& writes) {
  if (writes.durable) {
    if (auto status = sync(); !status) return status;
  }
  if (auto status = rename_into(path); !status) return status;
  if (!writes.durable) return Ok{};
  return fsync_directory(fs::path(path).parent_path().string());
}

Status write_file_atomic(const std::string& path, std::string_view content, const files::AtomicWrite& writes) {
  files::AtomicWrite options = writes;
  options.create_parents = true;
  auto written = files::write_file_atomically(path, content, options);
  if (written) return Ok{};
  Error error = make_error(ErrorKind::Internal, "InternalError", written.get_failure().message);
  error.http_status = 500;
  return error;
}

std::string read_whole_file(const std::string& path, bool* ok) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ok != nullptr) *ok = fd >= 0;
  if (fd < 0) return {};
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got < 0 && ok != nullptr) *ok = false;
      break;
    }
    content.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return content;
}

std::string read_file_range(const std::string& path, std::uint64_t offset, std::uint64_t length, bool* ok) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ok != nullptr) *ok = fd >= 0;
  if (fd < 0) return {};
  std::string content(length, '\0');
  std::uint64_t done = 0;
  while (done < length) {
    ssize_t got = ::pread(fd, content.data() + done, length - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got < 0 && ok != nullptr) *ok = false;
      break;
    }
    done += static_cast<std::uint64_t>(got);
  }
  ::close(fd);
  content.resize(done);
  return content;
}

namespace {
std::tm utc_time(std::int64_t epoch_ns) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ns / 1000000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return utc;
}
}  // namespace

std::string iso8601_time(std::int64_t epoch_ns) {
  std::tm utc = utc_time(epoch_ns);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>((epoch_ns / 1000000) % 1000));
  return std::string(buffer) + millis;
}

std::string http_date(std::int64_t epoch_ns) {
  std::tm utc = utc_time(epoch_ns);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday], utc.tm_mday,
                kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return buffer;
}

}  // namespace athena_runner::server
