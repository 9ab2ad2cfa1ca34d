#include "athena_runner/base/random.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>

namespace athena_runner {

Random Random::system() {
  static std::mutex mutex;
  static std::mt19937_64 generator{std::random_device{}() ^ (static_cast<std::uint64_t>(::getpid()) << 32)};
  return Random([] {
    std::lock_guard lock(mutex);
    return generator();
  });
}

Random Random::seeded(std::uint64_t seed) {
  auto state = std::make_shared<std::atomic<std::uint64_t>>(seed);
  return Random([state] {
    // splitmix64 (Steele, Lea, Flood 2014): the increment is atomic, so threads never see one value twice.
    std::uint64_t z = state->fetch_add(0x9E3779B97F4A7C15ULL) + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  });
}

double Random::unit() const {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;  // the top 53 bits: every double in [0, 1) equally likely
}

std::string Random::hex(std::size_t bytes) const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  std::uint64_t bits = 0;
  for (std::size_t index = 0; index < bytes; ++index) {
    if (index % 8 == 0) bits = next();
    const auto value = static_cast<unsigned>(bits & 0xFF);
    bits >>= 8;
    out.push_back(kHex[value >> 4]);
    out.push_back(kHex[value & 0x0F]);
  }
  return out;
}

std::string Random::uuid() const {
  std::uint64_t high = next();
  std::uint64_t low = next();
  high = (high & ~std::uint64_t{0xF000}) | 0x4000;                         // version 4
  low = (low & ~(std::uint64_t{0xC} << 60)) | (std::uint64_t{0x8} << 60);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

}  // namespace athena_runner
