// ClientRequestToken: deterministic, sensitive to every field, unambiguous, within Athena's length limits.
#include "athena_runner/spec/token.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace athena_runner::spec {
namespace {

TokenInput base() {
  return TokenInput{
      "daily_revenue", Instant(std::chrono::seconds(1714622400)), "SELECT ? AS d", {"DATE '2024-05-01'"}, 0};
}

TEST(ClientRequestToken, SameInputSameToken) { EXPECT_EQ(client_request_token(base()), client_request_token(base())); }

TEST(ClientRequestToken, EveryFieldChangesTheToken) {
  std::set<std::string> tokens = {client_request_token(base())};
  auto changed = base();
  changed.query_name = "daily_revenue2";
  tokens.insert(client_request_token(changed));
  changed = base();
  changed.scheduled_time += std::chrono::seconds(1);
  tokens.insert(client_request_token(changed));
  changed = base();
  changed.sql += " ";
  tokens.insert(client_request_token(changed));
  changed = base();
  changed.parameters[0] = "DATE '2024-05-02'";
  tokens.insert(client_request_token(changed));
  changed = base();
  changed.parameters.push_back("x");
  tokens.insert(client_request_token(changed));
  changed = base();
  changed.parameters.clear();
  tokens.insert(client_request_token(changed));
  changed = base();
  changed.generation = 1;
  tokens.insert(client_request_token(changed));
  EXPECT_EQ(tokens.size(), 8u);
}

TEST(ClientRequestToken, LengthPrefixesPreventConcatenationCollisions) {
  TokenInput a{"ab", {}, "c", {}, 0};
  TokenInput b{"a", {}, "bc", {}, 0};
  EXPECT_NE(canonical_token_encoding(a), canonical_token_encoding(b));
  EXPECT_NE(client_request_token(a), client_request_token(b));
  TokenInput one_parameter{"q", {}, "s", {"a,b"}, 0};
  TokenInput two_parameters{"q", {}, "s", {"a", "b"}, 0};
  EXPECT_NE(client_request_token(one_parameter), client_request_token(two_parameters));
  TokenInput parameter_moved_to_sql{"q", {}, "s1:x", {}, 0};
  TokenInput parameter{"q", {}, "s", {"x"}, 0};
  EXPECT_NE(client_request_token(parameter_moved_to_sql), client_request_token(parameter));
}

TEST(ClientRequestToken, CanonicalEncodingIsDocumentedFormat) {
  // <length>:<bytes> for: version tag, name, epoch seconds, sql, parameter count, each parameter, generation.
  EXPECT_EQ(canonical_token_encoding(TokenInput{"q", Instant(std::chrono::seconds(60)), "SELECT ?", {"1", "22"}, 3}),
            "37:athena-runner client request token v1"
            "1:q"
            "2:60"
            "8:SELECT ?"
            "1:2"
            "1:1"
            "2:22"
            "1:3");
}

TEST(ClientRequestToken, FormatWithinAthenaLimits) {
  const std::string token = client_request_token(base());
  EXPECT_GE(token.size(), kClientRequestTokenMinLength);
  EXPECT_LE(token.size(), kClientRequestTokenMaxLength);
  EXPECT_TRUE(std::regex_match(token, std::regex("^[0-9a-f]{64}$"))) << token;
}

}  // namespace
}  // namespace athena_runner::spec
