// Replays tests/fuzz/corpus and hand-made edge cases through the input parsers' fuzz target, so every
// build checks that no parser crashes on them (the sanitizer build also checks for memory errors).
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

std::string with_selector(int selector, const std::string& input) {
  return std::string(1, static_cast<char>(selector)) + input;
}

TEST(InputFuzzReplay, CorpusDoesNotCrash) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(AR_SOURCE_DIR "/tests/fuzz/corpus")) {
    EXPECT_EQ(run(athena_runner::testing::read_file(entry.path().string())), 0) << entry.path();
    ++files;
  }
  EXPECT_GT(files, 0);
}

TEST(InputFuzzReplay, EdgeCasesOfEveryParserDoNotCrash) {
  const std::string edges[] = {
      "", std::string(1, '\0'), "\"", "\"\"\"", "\n\n\n", "{{", "}}", "{{ scheduled_time | ",
      "{{ scheduled_date | add_days(-99999999999999999999) }}", "{{ scheduled_time | format('%') }}", "cron(",
      "cron(* * * * * * *)", "rate(0 minutes)", "rate(99999999999999999999 days)", "at(9999-99-99T99:99:99)", "array<",
      "struct<a:array<map<string,struct<b:int>>>>", std::string(2000, '<'), "decimal(99999999999,1)", "SELECT '",
      "SELECT \"", "SELECT /*", "SELECT ? ? ? ?", "%", "9999-12-31T23:59:60Z", "s3://", "-1s",
      "version: 1\nqueries:\n  q:\n    sql: SELECT 1\n    database: d\n    parameters: ['{{']\n", "&a [*a, *a]",
      "{\"name\": \"q\", \"sql\": \"SELECT {{ x }}\", \"database\": \"d\"}",
      // Deep nesting: no parser may recurse once per level of its input.
      std::string(100'000, '['), std::string(50'000, '[') + std::string(50'000, ']'), std::string(50'000, '{'),
      std::string(100'000, '('), "SELECT " + std::string(50'000, '(') + "1" + std::string(50'000, ')'),
      "SELECT json_value('1', 'lax " + std::string(50'000, '(') + "1" + std::string(50'000, ')') + "')",
      "SELECT json_exists('1', 'lax $?(" + std::string(50'000, '!') + "(@ > 1))')",
      "SELECT json_query('1', 'lax $" + std::string(50'000, '[') + "')",
      [] {
        std::string chain = "SELECT json_query('1', 'lax $";
        for (int i = 0; i < 50'000; ++i) chain += ".a";
        return chain + "')";
      }(),
      "SELECT json_exists('1', 'lax $?(" + std::string(5'000, '(') + "@" + std::string(5'000, ')') + " == 1)')",
      [] {
        std::string type;
        for (int i = 0; i < 20'000; ++i) type += "array<";
        return type + "int" + std::string(20'000, '>');
      }(),
      // YAML aliases: one that contains itself (above), one that grows tenfold at every level.
      "a: &x [1, 2]\nb: &y [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x]\nc: &z [*y, *y, *y, *y, *y, *y, *y, *y, *y, *y]\n"
      "d: &w [*z, *z, *z, *z, *z, *z, *z, *z, *z, *z]\ne: [*w, *w, *w, *w, *w, *w, *w, *w, *w, *w]\n"
      "f: [*w, *w, *w, *w, *w, *w, *w, *w, *w, *w]\n"};
  for (int selector = 0; selector < 8; ++selector) {
    for (const auto& edge : edges) EXPECT_EQ(run(with_selector(selector, edge)), 0) << selector << ": " << edge;
  }
}

}  // namespace
