#include "athena_runner/base/files.hpp"
#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::engine {
namespace {

constexpr char kQuote = '"';
constexpr char kSeparator = ',';
constexpr char kLineEnd = '\n';

void append_quoted(std::string& out, std::string_view value) {
  out += kQuote;
  for (char c : value) {
    if (c == kQuote) out += kQuote;
    out += c;
  }
  out += kQuote;
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
  // Atomic (no reader sees a partial file, a killed process leaves none) but not fsync'ed: the execution
  // record that points at it is not either, so a power loss could keep one without the other anyway, and
  // `results` then says the file is missing and to run the query again.
  return files::write_file_atomically(path, to_athena_csv(result), {.durable = false});
}

}  // namespace athena_runner::engine
