// `athena-runner serve` driven by a third client no one here wrote: the AWS SDK for JavaScript v3
// (@aws-sdk/client-s3, lib-storage, s3-request-presigner, pinned in tests/server/js/package-lock.json and
// installed by scripts/setup.sh). Each scenario in js/serve_js.mjs prints what the SDK saw; the expected
// values are the scenario's own inputs or computed independently (Node's crypto and zlib).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::testing {
namespace {

using nlohmann::json;

constexpr char kBinary[] = AR_ATHENA_RUNNER_BINARY;
constexpr char kScript[] = AR_SOURCE_DIR "/tests/server/js/serve_js.mjs";
constexpr char kModules[] = AR_SOURCE_DIR "/tests/server/js/node_modules/@aws-sdk/client-s3";

class ServeJs : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kModules))
        << "the AWS SDK for JavaScript is not installed: run scripts/setup.sh (npm ci in tests/server/js)";
    for (int attempt = 0; attempt < 3 && !server_; ++attempt) {
      port_ = free_loopback_port();
      auto process = std::make_unique<ChildProcess>(
          std::vector<std::string>{kBinary, "serve", "--quiet", "--port", std::to_string(port_), "--data-dir",
                                   dir_.path() + "/data"},
          std::map<std::string, std::string>{}, dir_.path() + "/serve.log");
      if (wait_for_port(port_, std::chrono::seconds(20))) server_ = std::move(process);
    }
    ASSERT_TRUE(server_) << "athena-runner serve did not start; see " << dir_.path() << "/serve.log";
  }
  void TearDown() override {
    if (!server_) return;
    ::kill(server_->pid(), SIGTERM);
    EXPECT_EQ(server_->wait_exit(std::chrono::seconds(10)), 0);
  }

  json scenario(const std::string& name, const std::string& bucket) {
    std::map<std::string, std::string> environment = {
        {"AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(port_)},
        {"AWS_ACCESS_KEY_ID", "test"},
        {"AWS_SECRET_ACCESS_KEY", "test"},
        {"AWS_REGION", "us-east-1"},
        {"AWS_CONFIG_FILE", dir_.write("aws-config", "")},
        {"AWS_SHARED_CREDENTIALS_FILE", dir_.write("aws-credentials", "")},
        {"AWS_EC2_METADATA_DISABLED", "true"}};
    auto result =
        run_process({"node", "--no-warnings", kScript, name, bucket}, {}, environment, std::chrono::seconds(180));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out, nullptr, false);
  }

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(ServeJs, CopyObjectFromKeysWithSpecialCharacters) {
  json result = scenario("copy_special", "js-copy");
  ASSERT_EQ(result["results"].size(), 5u) << result.dump();
  for (const auto& copy : result["results"]) {
    EXPECT_EQ(copy["body"], "body of " + copy["key"].get<std::string>()) << copy.dump();
  }
  // The copies are files named by the decoded key (decoded once: "100%.txt" stays "100%.txt").
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/data/js-copy/copies/100%.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/data/js-copy/copies/plus+sign.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/data/js-copy/copies/amp&and=eq.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/data/js-copy/copies/naïve/ünïcødé 日本.txt"));
}

TEST_F(ServeJs, HeaderValuesWithPercentAreKeptAsSent) {
  json result = scenario("percent_headers", "js-percent");
  EXPECT_EQ(result["disposition"], "attachment; filename*=UTF-8''na%C3%AFve.txt");
  EXPECT_EQ(result["metadata"]["progress"], "100%25 done");
  EXPECT_EQ(result["metadata"]["plain"], "a+b c&d=e");
}

TEST_F(ServeJs, AClientClockTwentyMinutesOffIsCorrectedFromTheServersDate) {
  json result = scenario("clock_skew", "unused");
  EXPECT_EQ(result["ok"], true) << result.dump();
  EXPECT_EQ(result["attempts"], 2) << "one refused attempt, then one with the corrected clock";
  // The SDK's offset is now about +20 minutes (the client's clock was 20 minutes behind).
  const double offset = result["corrected_offset_ms"].get<double>();
  EXPECT_NEAR(offset, 20 * 60 * 1000, 10 * 1000) << result.dump();
  EXPECT_EQ(result["uncorrected_error"]["name"], "RequestTimeTooSkewed");
  EXPECT_EQ(result["uncorrected_error"]["status"], 403);
  EXPECT_FALSE(result["uncorrected_error"]["serverTime"].is_null()) << result.dump();
  EXPECT_FALSE(result["uncorrected_error"]["requestTime"].is_null()) << result.dump();
}

TEST_F(ServeJs, DefaultCrc32ChecksumsInHeadersAndTrailers) {
  json result = scenario("crc32_trailer", "js-crc");
  for (const char* key : {"crc/buffer.bin", "crc/stream.bin"}) {
    EXPECT_EQ(result["objects"][key]["sha256"], result["sha256"]) << key;
    EXPECT_EQ(result["objects"][key]["checksum"], result["crc32"]) << key;
  }
}

TEST_F(ServeJs, MultipartUploadThroughLibStorage) {
  json result = scenario("multipart", "js-multi");
  EXPECT_EQ(result["etag"], result["expected_etag"]);
  EXPECT_EQ(result["sha256"], result["expected_sha256"]);
}

TEST_F(ServeJs, PresignedPutAndGet) {
  json result = scenario("presigned", "js-presigned");
  EXPECT_EQ(result["put_status"], 200);
  EXPECT_EQ(result["get_status"], 200);
  EXPECT_EQ(result["body"], "presigned body");
  EXPECT_EQ(result["disposition"], "attachment; filename=\"x.txt\"");
  EXPECT_EQ(result["tampered_status"], 403);
  EXPECT_FALSE(result["date"].is_null());
}

}  // namespace
}  // namespace athena_runner::testing
