// The packaged function for the Lambda benchmarks: the zip scripts/package-lambda.sh writes, unpacked as
// Lambda unpacks it into LAMBDA_TASK_ROOT.
#pragma once

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "support/process.hpp"

namespace athena_runner::bench {

// `zip` unpacked into <work>/task; nullopt (after saying why on stderr, as `program`) when it is missing or
// cannot be unpacked.
inline std::optional<std::string> unpack_lambda_package(const std::string& zip, const std::string& work,
                                                        const std::string& program) {
  if (!std::filesystem::exists(zip)) {
    std::cerr << program << ": no package at " << zip << ": run scripts/package-lambda.sh first\n";
    return std::nullopt;
  }
  const std::string task_root = work + "/task";
  if (testing::run_process({"unzip", "-q", zip, "-d", task_root}).exit_code != 0) {
    std::cerr << program << ": cannot unzip " << zip << "\n";
    return std::nullopt;
  }
  return task_root;
}

}  // namespace athena_runner::bench
