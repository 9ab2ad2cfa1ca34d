// Signs the same set of requests with our SigV4 signer and with botocore's (python3, timed inside python
// with time.perf_counter, so interpreter start-up is excluded) in one run, and prints the ratio.
// Not a test: it reports, it does not pass or fail on timing.
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "athena_runner/aws/sigv4.hpp"
#include "aws_signing/signing_cases.hpp"

namespace {

constexpr int kOurIterations = 2000;     // x cases (60): ~120k signatures
constexpr int kBotocoreIterations = 50;  // x cases: ~3k signatures, a few seconds of python
constexpr char kScript[] = AR_SOURCE_DIR "/tests/aws_signing/botocore_sign.py";

std::string run_botocore(const std::string& cases_json) {
  char path[] = "/tmp/sigv4_bench_cases_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return {};
  close(fd);
  std::ofstream(path) << cases_json;
  std::string command =
      std::string("python3 ") + kScript + " --bench " + std::to_string(kBotocoreIterations) + " < " + path;
  std::string output;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, read);
    pclose(pipe);
  }
  std::remove(path);
  return output;
}

}  // namespace

int main() {
  using namespace athena_runner;
  auto cases = testing::make_signing_cases();
  nlohmann::json input = nlohmann::json::array();
  for (const auto& signing_case : cases) input.push_back(testing::to_botocore_json(signing_case));

  // Warm up (and fill the signing-key cache, as a long-running process would).
  std::size_t checksum = 0;
  for (const auto& signing_case : cases) {
    aws::HttpRequest request = signing_case.request;
    aws::sign_request(request, signing_case.credentials, signing_case.params);
    checksum += request.headers.size();
  }
  auto start = std::chrono::steady_clock::now();
  for (int iteration = 0; iteration < kOurIterations; ++iteration) {
    for (const auto& signing_case : cases) {
      aws::HttpRequest request = signing_case.request;  // botocore's side also builds its request each time
      aws::sign_request(request, signing_case.credentials, signing_case.params);
      checksum += request.headers.back().second.size();
    }
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  double ours = elapsed.count() / (static_cast<double>(kOurIterations) * cases.size());

  std::string output = run_botocore(input.dump());
  double botocore = 0;
  try {
    botocore = nlohmann::json::parse(output).at("seconds_per_signature").get<double>();
  } catch (const std::exception&) {
    std::cerr << "botocore run failed (python3 with botocore needed): " << output << "\n";
    return 1;
  }
  std::printf("SigV4, %zu varied requests (S3 and not, bodies up to 1 kB, tokens, repeated query params)\n",
              cases.size());
  std::printf("  athena-runner: %8.2f us per signature (%d signatures)\n", ours * 1e6,
              kOurIterations * static_cast<int>(cases.size()));
  std::printf("  botocore:      %8.2f us per signature (%d signatures, %s)\n", botocore * 1e6,
              kBotocoreIterations * static_cast<int>(cases.size()), "time.perf_counter inside python");
  std::printf("  ratio: ours is %.1fx faster (target: 20x)   [checksum %zu]\n", botocore / ours, checksum % 10);
  return 0;
}
