#include "athena_runner/aws/clock.hpp"

#include <mutex>
#include <random>
#include <thread>

namespace athena_runner::aws {

Clock Clock::system() {
  Clock clock;
  clock.now = [] { return std::chrono::system_clock::now(); };
  clock.sleep_for = [](std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); };
  clock.random_unit = [] {
    static std::mutex mutex;
    static std::mt19937_64 generator{std::random_device{}()};
    std::lock_guard lock(mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
  };
  return clock;
}

}  // namespace athena_runner::aws
