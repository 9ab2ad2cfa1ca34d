// One injectable random source for every id the program makes up (query execution ids, request ids,
// upload ids, temporary names) and for jitter. Random::system() is for production; tests pass
// Random::seeded(n) and get the same ids every run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace athena_runner {

class Random {
 public:
  using Source = std::function<std::uint64_t()>;  // uniform 64-bit values; called from any thread

  // A process-wide generator seeded from std::random_device and the process id, behind a mutex.
  static Random system();
  // A deterministic sequence (splitmix64 from `seed`), safe to share between threads.
  static Random seeded(std::uint64_t seed);

  explicit Random(Source source) : source_(std::move(source)) {}

  std::uint64_t next() const { return source_(); }
  double unit() const;                       // uniform in [0, 1)
  std::string hex(std::size_t bytes) const;  // 2 * bytes lower-case hex digits
  std::string uuid() const;                  // a version 4 UUID, lower case (Athena's QueryExecutionId form)

 private:
  Source source_;
};

}  // namespace athena_runner
