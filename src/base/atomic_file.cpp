#include "athena_runner/base/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace athena_runner::files {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kIoError = "IO_ERROR";
constexpr mode_t kFileMode = 0644;

Error io_error(const std::string& what, int error_number) {
  return make_error(ErrorKind::Configuration, std::string(kIoError), what + ": " + std::strerror(error_number));
}

fs::path folder_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

// The hidden temporary's name beside `path` (created by the caller with O_EXCL).
fs::path temporary_beside(const std::string& path, const AtomicWrite& options) {
  static std::atomic<unsigned> counter{0};
  const fs::path target(path);
  const fs::path folder = folder_of(target);
  if (options.create_parents) {
    std::error_code ignored;
    fs::create_directories(folder, ignored);
  }
  return folder /
         ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++));
}

// 0, or the errno of the failed write.
int write_all(int fd, std::string_view content) {
  for (std::size_t written = 0; written < content.size();) {
    const ssize_t count = ::write(fd, content.data() + written, content.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return count < 0 ? errno : EIO;
    written += static_cast<std::size_t>(count);
  }
  return 0;
}

// Writes the hidden temporary beside `path` and returns its name.
Outcome<std::string> write_temporary_beside(const std::string& path, std::string_view content,
                                            const AtomicWrite& options) {
  const fs::path temporary = temporary_beside(path, options);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) return io_error("cannot create " + temporary.string(), errno);
  int error_number = write_all(fd, content);
  if (error_number == 0 && options.durable && ::fsync(fd) != 0) error_number = errno;
  if (::close(fd) != 0 && error_number == 0) error_number = errno;
  if (error_number != 0) {
    ::unlink(temporary.c_str());
    return io_error("cannot write " + temporary.string(), error_number);
  }
  return temporary.string();
}

// Renames the complete temporary over `path` (and makes the rename durable when asked).
Status publish(const std::string& temporary, const std::string& path, const AtomicWrite& options) {
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temporary.c_str());
    return io_error("cannot replace " + path, error_number);
  }
  if (options.durable) {
    const int folder_fd = ::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder_fd >= 0) {
      ::fsync(folder_fd);  // makes the rename durable; best effort
      ::close(folder_fd);
    }
  }
  return Ok{};
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view content, const AtomicWrite& options) {
  auto temporary = write_temporary_beside(path, content, options);
  if (!temporary) return std::move(temporary).get_failure();
  return publish(*temporary, path, options);
}

Outcome<bool> create_file_exclusively(const std::string& path, std::string_view content, const AtomicWrite& options) {
  auto temporary = write_temporary_beside(path, content, options);
  if (!temporary) return std::move(temporary).get_failure();
  const int linked = ::link(temporary->c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temporary->c_str());
  if (linked == 0) return true;
  if (link_errno == EEXIST) return false;
  return io_error("cannot create " + path, link_errno);
}

Outcome<AtomicFileWriter> AtomicFileWriter::open(const std::string& path, const AtomicWrite& options) {
  const fs::path temporary = temporary_beside(path, options);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) return io_error("cannot create " + temporary.string(), errno);
  return AtomicFileWriter(path, temporary.string(), fd, options);
}

AtomicFileWriter::AtomicFileWriter(std::string path, std::string temporary, int fd, AtomicWrite options)
    : path_(std::move(path)), temporary_(std::move(temporary)), fd_(fd), options_(options) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)),
      temporary_(std::move(other.temporary_)),
      fd_(std::exchange(other.fd_, -1)),
      options_(other.options_),
      bytes_(other.bytes_) {}

AtomicFileWriter& AtomicFileWriter::operator=(AtomicFileWriter&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    temporary_ = std::move(other.temporary_);
    fd_ = std::exchange(other.fd_, -1);
    options_ = other.options_;
    bytes_ = other.bytes_;
  }
  return *this;
}

AtomicFileWriter::~AtomicFileWriter() { discard(); }

void AtomicFileWriter::discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(temporary_.c_str());
  fd_ = -1;
}

Status AtomicFileWriter::write(std::string_view chunk) {
  if (fd_ < 0) return io_error("cannot write " + path_ + " after commit", EBADF);
  if (const int error_number = write_all(fd_, chunk); error_number != 0) {
    discard();
    return io_error("cannot write " + temporary_, error_number);
  }
  bytes_ += chunk.size();
  return Ok{};
}

Status AtomicFileWriter::commit() {
  if (fd_ < 0) return io_error("cannot commit " + path_ + " twice", EBADF);
  int error_number = 0;
  if (options_.durable && ::fsync(fd_) != 0) error_number = errno;
  if (::close(fd_) != 0 && error_number == 0) error_number = errno;
  fd_ = -1;
  if (error_number != 0) {
    ::unlink(temporary_.c_str());
    return io_error("cannot write " + temporary_, error_number);
  }
  return publish(temporary_, path_, options_);
}

}  // namespace athena_runner::files
