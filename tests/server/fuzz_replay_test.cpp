// Replays the fuzz corpus (tests/server/fuzz_corpus) and some hand-made edge cases through the fuzz
// target, so every build checks that no parser crashes on them (the sanitizer build also checks for
// memory errors).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "http_front.hpp"
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
  const std::string cases[] = {
      "",
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
      std::string(1, '\5') + "a/../b\xff\xfe",
      std::string(1, '\6') + "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
      std::string(1, '\6') + "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
      std::string(1, '\6') + "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
      std::string(1, '\6') + "\r\n\r\nGET",
      std::string(1, '\6') + "GET /\x00 HTTP/1.1\r\n\r\n",
      std::string(1, '\7') + "\x01" + "1\r\nx\r\n0\r\nx-amz-checksum-crc32:A\r\n",
      std::string(1, '\7') + "\x05" + "2\r\nxyz\r\n0\r\n\r\n"};
  for (const auto& input : cases) EXPECT_EQ(run(input), 0);
}

// The front's parser on the corpus' HTTP inputs (RFC 9112 framing): pipelined requests split where
// Content-Length says, a chunked body joined, header values byte for byte, names lower-cased.
TEST(HttpFrontParser, PipelinedAndChunkedRequestsAsSent) {
  using athena_runner::server::HttpFront;
  using athena_runner::server::Request;
  std::vector<Request> requests;
  auto keep = [&](Request& request) { requests.push_back(request); };
  const std::string pipelined =
      athena_runner::testing::read_file(AR_SOURCE_DIR "/tests/server/fuzz_corpus/http-pipelined");
  auto parsed = HttpFront::parse_for_fuzz(pipelined.substr(1), keep);
  ASSERT_TRUE(parsed) << parsed.get_failure().message;
  EXPECT_EQ(*parsed, 2);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].raw_path, "/bucket/key%20name");
  EXPECT_EQ(requests[0].query_value("partNumber"), "1");
  EXPECT_EQ(requests[0].header("x-amz-meta-note"), "100%25 done");
  EXPECT_EQ(requests[0].header("expect"), "100-continue");
  EXPECT_EQ(requests[0].body, "hello");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].body, "");

  requests.clear();
  const std::string chunked = athena_runner::testing::read_file(AR_SOURCE_DIR "/tests/server/fuzz_corpus/http-chunked");
  parsed = HttpFront::parse_for_fuzz(chunked.substr(1), keep);
  ASSERT_TRUE(parsed) << parsed.get_failure().message;
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, "hello");
  EXPECT_EQ(requests[0].header("x-amz-target"), "AWSGlue.GetDatabases");

  // Bad framing is an error, not a guess.
  EXPECT_FALSE(HttpFront::parse_for_fuzz("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", keep));
  EXPECT_FALSE(HttpFront::parse_for_fuzz("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", keep));
  EXPECT_FALSE(HttpFront::parse_for_fuzz("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", keep));
  EXPECT_FALSE(HttpFront::parse_for_fuzz("NOT HTTP\r\n\r\n", keep));
  // Over the body limit.
  EXPECT_FALSE(HttpFront::parse_for_fuzz("PUT / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", keep, 5));
}

}  // namespace
