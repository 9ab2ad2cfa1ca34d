// Whole-file writes that readers (and other processes) see complete or not at all: the content goes to a
// hidden temporary file beside the target (".<name>.tmp.<pid>.<n>": the catalog loader, table scans and
// S3 listings skip names starting with '.'), which is then renamed over it. A killed process leaves at
// most that hidden temporary, never a partial target.
#pragma once

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

}  // namespace athena_runner::files
