#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "athena_runner/base/clock.hpp"
#include "athena_runner/base/files.hpp"
#include "athena_runner/base/outcome.hpp"
#include "athena_runner/base/random.hpp"
#include "athena_runner/base/text.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner {
namespace {

struct Refusal {
  bool retry = false;
};

TEST(Outcome, CarriesAResultOrAFailureOfTheGivenType) {
  Outcome<int, Refusal> ok = 7;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 7);
  Outcome<int, Refusal> refused = Refusal{true};
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.get_failure().retry);

  Outcome<std::string> failed = make_error(ErrorKind::Timeout, "RequestTimeout", "no answer in 5 ms");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.get_failure().to_string(), "RequestTimeout: no answer in 5 ms");
  Error without_code;
  without_code.kind = ErrorKind::Network;
  without_code.http_status = 503;
  without_code.attempts = 3;
  EXPECT_EQ(without_code.to_string(), "network error (HTTP 503) [after 3 attempts]");
}

TEST(Random, SeededIsSplitmix64) {
  // splitmix64 from seed 0: first outputs as published with the algorithm (Vigna's reference splitmix64.c).
  Random random = Random::seeded(0);
  EXPECT_EQ(random.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(random.next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(random.next(), 0x06C45D188009454FULL);
}

TEST(Random, HexAndUuidHaveTheirShapes) {
  Random random = Random::seeded(42);
  const std::string hex = random.hex(12);
  ASSERT_EQ(hex.size(), 24u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(Random::seeded(42).hex(12), hex) << "the same seed gives the same ids";

  for (int i = 0; i < 200; ++i) {
    const std::string uuid = random.uuid();
    ASSERT_EQ(uuid.size(), 36u) << uuid;
    for (std::size_t at : {8u, 13u, 18u, 23u}) EXPECT_EQ(uuid[at], '-') << uuid;
    EXPECT_EQ(uuid[14], '4') << "RFC 4122 version 4: " << uuid;
    EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << "RFC 4122 variant: " << uuid;
  }
  const double unit = random.unit();
  EXPECT_GE(unit, 0.0);
  EXPECT_LT(unit, 1.0);
}

TEST(Random, SeededNeverRepeatsAValueAcrossThreads) {
  Random random = Random::seeded(7);
  std::vector<std::vector<std::uint64_t>> drawn(4);
  std::vector<std::thread> threads;
  threads.reserve(drawn.size());
  for (auto& values : drawn)
    threads.emplace_back([&random, &values] {
      for (int i = 0; i < 5000; ++i) values.push_back(random.next());
    });
  for (auto& thread : threads) thread.join();
  std::set<std::uint64_t> all;
  for (const auto& values : drawn) all.insert(values.begin(), values.end());
  EXPECT_EQ(all.size(), 20000u);
}

TEST(Random, SystemClockDrawsJitterInTheUnitInterval) {
  const Clock clock = Clock::system();
  for (int i = 0; i < 100; ++i) {
    const double unit = clock.random_unit();
    EXPECT_GE(unit, 0.0);
    EXPECT_LT(unit, 1.0);
  }
}

TEST(Text, Trim) {
  EXPECT_EQ(text::trim("  \t a b \r\n\f\v"), "a b");
  EXPECT_EQ(text::trim(" \t "), "");
  EXPECT_EQ(text::trim(""), "");
  EXPECT_EQ(text::trim("\r value\t \r", text::kHttpWhitespace), "\r value\t \r");
  EXPECT_EQ(text::trim(" \tvalue \t", text::kHttpWhitespace), "value");
}

TEST(Text, CaseIsAsciiOnly) {
  EXPECT_EQ(text::lower("Content-MD5"), "content-md5");
  EXPECT_EQ(text::upper("abc-xyz_09"), "ABC-XYZ_09");
  EXPECT_EQ(text::lower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89") << "UTF-8 bytes are left as they are";
  EXPECT_TRUE(text::iequals("X-Amz-Date", "x-amz-date"));
  EXPECT_FALSE(text::iequals("x-amz-date", "x-amz-dat"));
  EXPECT_FALSE(text::iequals("[", "{")) << "no folding beyond letters ('[' + 32 is '{')";
  EXPECT_TRUE(text::istarts_with("S3://bucket", "s3://"));
  EXPECT_FALSE(text::istarts_with("s3:", "s3://"));
}

TEST(Text, ParseIndexTakesDigitsOnly) {
  EXPECT_EQ(text::parse_index("0"), 0u);
  EXPECT_EQ(text::parse_index("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(text::parse_index("18446744073709551616"), std::nullopt) << "out of range";
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "12abc", "0x10"})
    EXPECT_EQ(text::parse_index(bad), std::nullopt) << '"' << bad << '"';
}

// RFC 3629's table: 1 to 4 bytes, at each length's first and last code point.
TEST(Text, AppendUtf8WritesEachLength) {
  std::string out;
  for (std::uint32_t code :
       {0x24u, 0x7Fu, 0x80u, 0xA2u, 0x7FFu, 0x800u, 0x20ACu, 0xFFFFu, 0x10000u, 0x10348u, 0x10FFFFu}) {
    text::append_utf8(out, code);
  }
  EXPECT_EQ(out,
            "\x24\x7F\xC2\x80\xC2\xA2\xDF\xBF\xE0\xA0\x80\xE2\x82\xAC\xEF\xBF\xBF\xF0\x90\x80\x80\xF0\x90\x8D\x88"
            "\xF4\x8F\xBF\xBF");
  EXPECT_TRUE(text::valid_utf8(out));
}

// Java's DateTimeFormatter and Joda's DateTimeFormat quote literal text with ' and write one quote as ''.
TEST(Text, PatternLiteralReadsToTheClosingQuote) {
  auto check = [](std::string_view pattern, std::size_t open, const std::string& text, std::size_t end, bool closed) {
    const auto literal = text::pattern_literal(pattern, open);
    EXPECT_EQ(literal.text, text) << pattern;
    EXPECT_EQ(literal.end, end) << pattern;
    EXPECT_EQ(literal.closed, closed) << pattern;
  };
  check("yyyy'T'HH", 4, "T", 7, true);
  check("''", 0, "'", 2, true);  // one quote by itself
  check("'o''clock' h", 0, "o'clock", 10, true);
  check("d '' M", 2, "'", 4, true);
  check("'at", 0, "at", 3, false);  // no closing quote
  check("'", 0, "", 1, false);
}

TEST(Text, Utf8FollowsRfc3629) {
  EXPECT_TRUE(text::valid_utf8("plain ascii"));
  EXPECT_TRUE(text::valid_utf8("na\xC3\xAFve \xE2\x82\xAC \xF0\x9F\x8D\x95"));  // U+00EF, U+20AC, U+1F355
  EXPECT_EQ(text::first_invalid_utf8("ab\xC0\x80"), 2u);                        // overlong NUL
  EXPECT_EQ(text::first_invalid_utf8("\xED\xA0\x80"), 0u);                      // a surrogate, U+D800
  EXPECT_EQ(text::first_invalid_utf8("x\xF4\x90\x80\x80"), 1u);                 // above U+10FFFF
  EXPECT_EQ(text::first_invalid_utf8("xy\xE2\x82"), 2u);                        // truncated
  EXPECT_EQ(text::first_invalid_utf8("\x80"), 0u);                              // a lone continuation byte
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(Files, AtomicWriteReplacesWholeAndLeavesNoTemporary) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/sub/state.json";
  EXPECT_FALSE(files::write_file_atomically(path, "{}")) << "parents are not created unless asked";
  ASSERT_TRUE(files::write_file_atomically(path, "one", {.durable = true, .create_parents = true}));
  ASSERT_TRUE(files::write_file_atomically(path, "two", {.durable = false}));
  EXPECT_EQ(slurp(path), "two");
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/sub"))
    names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"state.json"});
}

std::vector<std::string> names_in(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Files, StreamedAtomicWriteAppearsOnlyOnCommit) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/result.csv";
  {
    auto writer = files::AtomicFileWriter::open(path);
    ASSERT_TRUE(writer) << writer.get_failure().to_string();
    ASSERT_TRUE(writer->write("\"a\"\n"));
    ASSERT_TRUE(writer->write("\"1\"\n"));
    EXPECT_FALSE(std::filesystem::exists(path)) << "the target appears only on commit";
    EXPECT_EQ(names_in(dir.path()).size(), 1u) << "one hidden temporary while writing";
    ASSERT_TRUE(writer->commit());
    EXPECT_EQ(writer->bytes_written(), 8u);
    EXPECT_FALSE(writer->write("more")) << "closed after commit";
  }
  EXPECT_EQ(slurp(path), "\"a\"\n\"1\"\n");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"result.csv"});

  {  // abandoned before commit (an interrupted download): the old content stays, the temporary goes
    auto writer = files::AtomicFileWriter::open(path);
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->write("partial"));
  }
  EXPECT_EQ(slurp(path), "\"a\"\n\"1\"\n");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"result.csv"});

  EXPECT_FALSE(files::AtomicFileWriter::open(dir.path() + "/missing/x.csv")) << "parents only when asked";
}

TEST(Files, ExclusiveCreateHasExactlyOneWinner) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/token";
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto created = files::create_file_exclusively(path, "writer " + std::to_string(i));
      if (created && *created) ++winners;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(slurp(path).rfind("writer ", 0), 0u);
}

}  // namespace
}  // namespace athena_runner
