#include "athena_runner/base/clock.hpp"

#include <thread>

#include "athena_runner/base/random.hpp"

namespace athena_runner {

Clock Clock::system() {
  Clock clock;
  clock.now = [] { return std::chrono::system_clock::now(); };
  clock.sleep_for = [](std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); };
  clock.random_unit = [random = Random::system()] { return random.unit(); };
  return clock;
}

}  // namespace athena_runner
