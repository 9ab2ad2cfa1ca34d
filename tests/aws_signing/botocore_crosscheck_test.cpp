// Our Authorization header equals the one botocore's own signers (SigV4Auth, S3SigV4Auth) compute,
// for a varied, generated set of requests. Runs python3 (label: integration).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "athena_runner/aws/sigv4.hpp"
#include "aws_signing/signing_cases.hpp"
#include "support/process.hpp"

namespace athena_runner::testing {
namespace {

constexpr char kScript[] = AR_SOURCE_DIR "/tests/aws_signing/botocore_sign.py";

std::optional<std::string> header_of(const aws::HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (std::equal(key.begin(), key.end(), name.begin(), name.end(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::string> json_text(const nlohmann::json& object, const char* key) {
  if (!object.contains(key) || object[key].is_null()) return std::nullopt;
  return object[key].get<std::string>();
}

TEST(BotocoreCrossCheck, AuthorizationMatchesBotocoreForGeneratedCases) {
  std::vector<SigningCase> cases = make_signing_cases();
  ASSERT_GE(cases.size(), 30u);
  nlohmann::json input = nlohmann::json::array();
  for (const auto& signing_case : cases) input.push_back(to_botocore_json(signing_case));

  ProcessResult result = run_process({"python3", kScript}, input.dump(), {}, std::chrono::seconds(60));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  nlohmann::json expected = nlohmann::json::parse(result.out);
  ASSERT_EQ(expected.size(), cases.size());

  std::set<std::string> distinct_signatures;
  for (std::size_t index = 0; index < cases.size(); ++index) {
    SigningCase& signing_case = cases[index];
    aws::HttpRequest request = signing_case.request;
    aws::sign_request(request, signing_case.credentials, signing_case.params);
    const nlohmann::json& reference = expected[index];
    auto ours = header_of(request, "Authorization");
    ASSERT_TRUE(ours);
    distinct_signatures.insert(*ours);
    EXPECT_EQ(*ours, reference["authorization"].get<std::string>())
        << "case " << index << ": " << input[index].dump() << "\nour canonical request:\n"
        << aws::compute_signature(request, signing_case.credentials, signing_case.params).canonical_request;
    EXPECT_EQ(header_of(request, "X-Amz-Date"), json_text(reference, "x-amz-date")) << "case " << index;
    EXPECT_EQ(header_of(request, "X-Amz-Security-Token"), json_text(reference, "x-amz-security-token"))
        << "case " << index;
    EXPECT_EQ(header_of(request, "x-amz-content-sha256"), json_text(reference, "x-amz-content-sha256"))
        << "case " << index;
  }
  EXPECT_EQ(distinct_signatures.size(), cases.size());  // the cases really differ
}

}  // namespace
}  // namespace athena_runner::testing
