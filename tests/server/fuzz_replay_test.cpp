// Replays the fuzz corpus (tests/server/fuzz_corpus) and some hand-made edge cases through the fuzz
// target, so every build checks that no parser crashes on them (the sanitizer build also checks for
// memory errors).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int run(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

TEST(FuzzReplay, CorpusAndEdgeCasesDoNotCrash) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(AR_SOURCE_DIR "/tests/server/fuzz_corpus")) {
    EXPECT_EQ(run(athena_runner::testing::read_file(entry.path().string())), 0) << entry.path();
    ++files;
  }
  EXPECT_GT(files, 0);
  const std::string cases[] = {"",
                               std::string(1, '\0') + "ffffffffffffffff\r\n",
                               std::string(1, '\0') + "0\r\n",
                               std::string(1, '\1') + "1;chunk-signature=\r\nx\r\n0;chunk-signature=\r\n\r\n",
                               std::string(1, '\2') + "AWS4-HMAC-SHA256 Credential=////,SignedHeaders=;,Signature=",
                               std::string(1, '\2') +
                                   "AWS4-HMAC-SHA256 Credential=test/20240101/r/s3/aws4_request, "
                                   "SignedHeaders=host;missing, Signature=00",
                               std::string(1, '\3') +
                                   "AWS4-HMAC-SHA256&test/20240101/us-east-1/s3/aws4_request&"
                                   "20240101T000000Z&99999999999999999999&host&00",
                               std::string(1, '\4') + "((((((((((dt = 'x'",
                               std::string(1, '\4') + "dt LIKE '[[[('",
                               std::string(1, '\5') + "a/../b\xff\xfe"};
  for (const auto& input : cases) EXPECT_EQ(run(input), 0);
}

}  // namespace
