// Injectable time, sleep and randomness: retry and polling logic is tested deterministically.
#pragma once

#include <chrono>
#include <functional>

namespace athena_runner::aws {

struct Clock {
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep_for;
  std::function<double()> random_unit;  // uniform in [0, 1): jitter

  // The real clock, std::this_thread::sleep_for and a thread-safe PRNG.
  static Clock system();
};

}  // namespace athena_runner::aws
