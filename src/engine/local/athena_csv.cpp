#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine {
namespace {

constexpr char kQuote = '"';
constexpr char kSeparator = ',';
constexpr char kLineEnd = '\n';
constexpr mode_t kFileMode = 0644;

void append_quoted(std::string& out, std::string_view value) {
  out += kQuote;
  for (char c : value) {
    if (c == kQuote) out += kQuote;
    out += c;
  }
  out += kQuote;
}

Error io_error(const std::string& what) {
  return aws::make_error(aws::ErrorKind::Internal, std::string(error_codes::kIo), what + ": " + std::strerror(errno));
}

}  // namespace

std::string to_athena_csv(const QueryResult& result) {
  std::string out;
  for (std::size_t i = 0; i < result.columns.size(); ++i) {
    if (i) out += kSeparator;
    append_quoted(out, result.columns[i].name);
  }
  out += kLineEnd;
  for (const auto& row : result.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out += kSeparator;
      if (row[i]) append_quoted(out, *row[i]);
    }
    out += kLineEnd;
  }
  return out;
}

Status write_athena_csv(const QueryResult& result, const std::string& path) {
  static std::atomic<unsigned> counter{0};
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path temporary = folder / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(counter++));
  const std::string content = to_athena_csv(result);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) return io_error("cannot create " + temporary.string());
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error error = io_error("cannot write " + temporary.string());
      ::close(fd);
      ::unlink(temporary.c_str());
      return error;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Error error = io_error("cannot flush " + temporary.string());
    ::unlink(temporary.c_str());
    return error;
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    Error error = io_error("cannot rename to " + path);
    ::unlink(temporary.c_str());
    return error;
  }
  int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_fd >= 0) {
    ::fsync(folder_fd);  // make the rename durable; best effort
    ::close(folder_fd);
  }
  return aws::Ok{};
}

}  // namespace athena_runner::engine
