#include "athena_runner/base/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace athena_runner::files {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kIoError = "IO_ERROR";
constexpr mode_t kFileMode = 0644;

Error io_error(const std::string& what, int error_number) {
  return make_error(ErrorKind::Configuration, std::string(kIoError), what + ": " + std::strerror(error_number));
}

fs::path folder_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

// Writes the hidden temporary beside `path` and returns its name.
Outcome<std::string> write_temporary_beside(const std::string& path, std::string_view content,
                                            const AtomicWrite& options) {
  static std::atomic<unsigned> counter{0};
  const fs::path target(path);
  const fs::path folder = folder_of(target);
  if (options.create_parents) {
    std::error_code ignored;
    fs::create_directories(folder, ignored);
  }
  const fs::path temporary = folder / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                                       std::to_string(counter++));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) return io_error("cannot create " + temporary.string(), errno);
  int error_number = 0;
  for (std::size_t written = 0; written < content.size();) {
    const ssize_t count = ::write(fd, content.data() + written, content.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) {
      error_number = count < 0 ? errno : EIO;
      break;
    }
    written += static_cast<std::size_t>(count);
  }
  if (error_number == 0 && options.durable && ::fsync(fd) != 0) error_number = errno;
  if (::close(fd) != 0 && error_number == 0) error_number = errno;
  if (error_number != 0) {
    ::unlink(temporary.c_str());
    return io_error("cannot write " + temporary.string(), error_number);
  }
  return temporary.string();
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view content, const AtomicWrite& options) {
  auto temporary = write_temporary_beside(path, content, options);
  if (!temporary) return std::move(temporary).get_failure();
  if (::rename(temporary->c_str(), path.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temporary->c_str());
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

}  // namespace athena_runner::files
