// A temporary directory removed (recursively) on destruction.
#pragma once

#include <string>

namespace athena_runner::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/relative, creating parent directories; returns the full path.
  std::string write(const std::string& relative, const std::string& content) const;

 private:
  std::string path_;
};

// The whole content of a file ("" when missing).
std::string read_file(const std::string& path);

}  // namespace athena_runner::testing
