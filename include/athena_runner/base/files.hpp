// Whole-file writes that readers (and other processes) see complete or not at all: the content goes to a
// hidden temporary file beside the target (".<name>.tmp.<pid>.<n>": the catalog loader, table scans and
// S3 listings skip names starting with '.'), which is then renamed over it. A killed process leaves at
// most that hidden temporary, never a partial target.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::files {

struct AtomicWrite {
  bool durable = true;          // fsync the file before the rename, and its folder after (survives power loss)
  bool create_parents = false;  // create missing parent folders first
};

// Errors: ErrorKind::Configuration, code "IO_ERROR", naming the file and the system's reason.
Status write_file_atomically(const std::string& path, std::string_view content, const AtomicWrite& options = {});

// Creates `path` with `content` only if it does not exist yet, complete or not at all: the hidden temporary
// is link()ed into place, so of several writers (threads or processes) exactly one wins. True when this
// call created it, false when the file already existed (its content is left as it was).
Outcome<bool> create_file_exclusively(const std::string& path, std::string_view content,
                                      const AtomicWrite& options = {});

// The same, for content that arrives in pieces (a result streamed from S3) and is never held whole: write()
// appends to the hidden temporary, commit() publishes it as write_file_atomically does. A writer destroyed
// (or moved from) before commit() removes its temporary, so an interrupted transfer leaves no target.
class AtomicFileWriter {
 public:
  static Outcome<AtomicFileWriter> open(const std::string& path, const AtomicWrite& options = {});
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  Status write(std::string_view chunk);
  Status commit();  // after it, the writer is closed
  std::uint64_t bytes_written() const { return bytes_; }

 private:
  AtomicFileWriter(std::string path, std::string temporary, int fd, AtomicWrite options);
  void discard();
  std::string path_, temporary_;
  int fd_ = -1;
  AtomicWrite options_;
  std::uint64_t bytes_ = 0;
};

}  // namespace athena_runner::files
