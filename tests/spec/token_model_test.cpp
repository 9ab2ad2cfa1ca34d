// The token against its two outside references: Athena's ClientRequestToken constraints from the botocore
// service model, and SHA-256 as Python's hashlib computes it over the documented encoding.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "athena_runner/spec/token.hpp"
#include "support/process.hpp"

namespace athena_runner::spec {
namespace {

TEST(TokenModel, LengthLimitsMatchTheBotocoreAthenaModel) {
  const char* script =
      "import botocore.loaders, json\n"
      "m = botocore.loaders.Loader().load_service_model('athena', 'service-2')\n"
      "member = m['shapes']['StartQueryExecutionInput']['members']['ClientRequestToken']\n"
      "shape = m['shapes'][member['shape']]\n"
      "print(json.dumps({'min': shape['min'], 'max': shape['max'], 'type': shape['type'],\n"
      "                  'idempotent': member.get('idempotencyToken', False)}))\n";
  const auto result = testing::run_process({"python3", "-c", script});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto model = nlohmann::json::parse(result.out);
  EXPECT_EQ(model["type"], "string");
  EXPECT_TRUE(model["idempotent"].get<bool>());
  EXPECT_EQ(model["min"].get<std::size_t>(), kClientRequestTokenMinLength);
  EXPECT_EQ(model["max"].get<std::size_t>(), kClientRequestTokenMaxLength);
  const std::string token = client_request_token(TokenInput{"q", {}, "SELECT 1", {}, 0});
  EXPECT_GE(token.size(), model["min"].get<std::size_t>());
  EXPECT_LE(token.size(), model["max"].get<std::size_t>());
}

TEST(TokenModel, TokenIsHashlibSha256OfTheEncoding) {
  const TokenInput input{
      "daily_revenue", Instant(std::chrono::seconds(1714622400)), "SELECT ? -- é", {"DATE '2024-05-01'", ""}, 2};
  const auto result = testing::run_process(
      {"python3", "-c", "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"},
      canonical_token_encoding(input));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(client_request_token(input) + "\n", result.out);
}

}  // namespace
}  // namespace athena_runner::spec
