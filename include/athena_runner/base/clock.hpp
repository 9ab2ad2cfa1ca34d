// Injectable time, sleep and jitter: retry and polling logic is tested deterministically on a fake clock.
#pragma once

#include <chrono>
#include <functional>

namespace athena_runner {

struct Clock {
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep_for;
  std::function<double()> random_unit;  // uniform in [0, 1): backoff jitter

  // The real clock, std::this_thread::sleep_for, and jitter from Random::system().
  static Clock system();
};

}  // namespace athena_runner
