// SigV4 against AWS's published examples (IAM and S3 documentation, the SigV4 test suite) and the
// canonicalisation rules of the specification.
#include "athena_runner/aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace athena_runner::aws {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

// From the SigV4 documentation and test suite.
constexpr char kExampleKeyId[] = "AKIDEXAMPLE";
constexpr char kExampleSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
// From the S3 documentation ("Signature calculations for the Authorization header").
constexpr char kS3ExampleKeyId[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kS3ExampleSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::chrono::system_clock::time_point time_20150830T123600Z() {
  return sys_days{std::chrono::year{2015} / 8 / 30} + 12h + 36min;
}
std::chrono::system_clock::time_point time_20130524T000000Z() { return sys_days{std::chrono::year{2013} / 5 / 24}; }

Credentials example_credentials() { return Credentials{kExampleKeyId, kExampleSecret, "", std::nullopt, "test"}; }

std::optional<std::string> header_of(const HttpRequest& request, std::string_view name) {
  std::optional<std::string> value;
  int count = 0;
  for (const auto& [key, text] : request.headers) {
    if (std::equal(key.begin(), key.end(), name.begin(), name.end(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      value = text;
      ++count;
    }
  }
  EXPECT_LE(count, 1) << "header " << name << " appears " << count << " times";
  return value;
}

TEST(Sha256, NistVectors) {
  EXPECT_EQ(sha256_hex(""), kEmptySha256);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SigningKey, DocumentationExample) {
  // "Examples of how to derive a signing key for Signature Version 4" (20120215, us-east-1, iam).
  EXPECT_EQ(signing_key_hex(kExampleSecret, "20120215", "us-east-1", "iam"),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(AmzDate, FormatsUtc) {
  EXPECT_EQ(format_amz_date(time_20150830T123600Z()), "20150830T123600Z");
  EXPECT_EQ(format_amz_date(time_20130524T000000Z()), "20130524T000000Z");
}

TEST(SigV4, IamListUsersDocumentationExample) {
  HttpRequest request;
  request.method = "GET";
  request.host = "iam.amazonaws.com";
  request.path = "/";
  request.query = {{"Action", "ListUsers"}, {"Version", "2010-05-08"}};
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"Host", "iam.amazonaws.com"},
                     {"X-Amz-Date", "20150830T123600Z"}};
  SigningParams params{"us-east-1", "iam", time_20150830T123600Z()};
  SigningParts parts = compute_signature(request, example_credentials(), params);
  EXPECT_EQ(parts.canonical_request,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n" +
                std::string(kEmptySha256));
  EXPECT_EQ(sha256_hex(parts.canonical_request), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(parts.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(parts.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(parts.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, SignRequestAddsHostAndDateAndMatchesTheExample) {
  HttpRequest request;
  request.host = "iam.amazonaws.com";
  request.query = {{"Version", "2010-05-08"}, {"Action", "ListUsers"}};  // order must not matter
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  sign_request(request, example_credentials(), SigningParams{"us-east-1", "iam", time_20150830T123600Z()});
  EXPECT_EQ(header_of(request, "Host"), "iam.amazonaws.com");
  EXPECT_EQ(header_of(request, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header_of(request, "X-Amz-Security-Token"), std::nullopt);
  EXPECT_EQ(header_of(request, "x-amz-content-sha256"), std::nullopt);  // not S3
  EXPECT_EQ(header_of(request, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, ResigningReplacesTheOldSignatureAndDate) {
  HttpRequest request;
  request.host = "iam.amazonaws.com";
  request.query = {{"Action", "ListUsers"}, {"Version", "2010-05-08"}};
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  SigningParams params{"us-east-1", "iam", time_20150830T123600Z() - 1h};
  sign_request(request, example_credentials(), params);
  params.time = time_20150830T123600Z();
  sign_request(request, example_credentials(), params);  // e.g. a retry
  EXPECT_EQ(header_of(request, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_NE(
      header_of(request, "Authorization")->find("Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5"),
      std::string::npos);
}

// The SigV4 test suite (aws-sig-v4-test-suite): service "service", host example.amazonaws.com.
struct SuiteCase {
  const char* name;
  const char* method;
  QueryList query;
  const char* signature;
};

TEST(SigV4, TestSuiteVanillaCases) {
  const SuiteCase cases[] = {
      {"get-vanilla", "GET", {}, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"post-vanilla", "POST", {}, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"get-vanilla-query-order-key-case",
       "GET",
       {{"Param2", "value2"}, {"Param1", "value1"}},
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
  };
  for (const auto& suite_case : cases) {
    HttpRequest request;
    request.method = suite_case.method;
    request.host = "example.amazonaws.com";
    request.query = suite_case.query;
    request.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
    auto parts = compute_signature(request, example_credentials(),
                                   SigningParams{"us-east-1", "service", time_20150830T123600Z()});
    EXPECT_EQ(parts.signature, suite_case.signature) << suite_case.name;
  }
}

// The S3 documentation's examples (examplebucket, 20130524T000000Z).
TEST(SigV4S3, GetObjectDocumentationExample) {
  HttpRequest request;
  request.host = "examplebucket.s3.amazonaws.com";
  request.path = "/test.txt";
  request.headers = {{"Range", "bytes=0-9"}};
  Credentials credentials{kS3ExampleKeyId, kS3ExampleSecret, "", std::nullopt, "test"};
  SigningParams params{"us-east-1", "s3", time_20130524T000000Z(), /*s3_rules=*/true};
  sign_request(request, credentials, params);
  EXPECT_EQ(header_of(request, "x-amz-content-sha256"), kEmptySha256);
  EXPECT_EQ(header_of(request, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3, GetBucketLifecycleAndListObjectsDocumentationExamples) {
  Credentials credentials{kS3ExampleKeyId, kS3ExampleSecret, "", std::nullopt, "test"};
  SigningParams params{"us-east-1", "s3", time_20130524T000000Z(), /*s3_rules=*/true};
  HttpRequest lifecycle;
  lifecycle.host = "examplebucket.s3.amazonaws.com";
  lifecycle.query = {{"lifecycle", ""}};  // an empty value is signed as "lifecycle="
  auto lifecycle_parts = compute_signature(lifecycle, credentials, params);
  EXPECT_NE(lifecycle_parts.canonical_request.find("\nlifecycle=\n"), std::string::npos);
  sign_request(lifecycle, credentials, params);
  EXPECT_NE(header_of(lifecycle, "Authorization")
                ->find("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
            std::string::npos);

  HttpRequest list;
  list.host = "examplebucket.s3.amazonaws.com";
  list.query = {{"prefix", "J"}, {"max-keys", "2"}};
  sign_request(list, credentials, params);
  EXPECT_NE(header_of(list, "Authorization")
                ->find("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
            std::string::npos);
}

TEST(SigV4S3, UnsignedPayloadAndNoSecondEncoding) {
  HttpRequest request;
  request.method = "PUT";
  request.host = "bucket.s3.us-west-2.amazonaws.com";
  request.path = "/a%20b/../c%2Fd";  // S3 keys are taken literally: no normalisation, no second encoding
  request.body = "hello";
  SigningParams params{"us-west-2", "s3", time_20130524T000000Z(), /*s3_rules=*/true, /*unsigned_payload=*/true};
  sign_request(request, example_credentials(), params);
  EXPECT_EQ(header_of(request, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  auto parts = compute_signature(request, example_credentials(), params);
  EXPECT_TRUE(parts.canonical_request.starts_with("PUT\n/a%20b/../c%2Fd\n\n"));
  EXPECT_TRUE(parts.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST(SigV4S3, SignedPayloadHashesTheBody) {
  HttpRequest request;
  request.method = "PUT";
  request.host = "bucket.s3.amazonaws.com";
  request.path = "/key";
  request.body = "abc";
  sign_request(request, example_credentials(), SigningParams{"us-east-1", "s3", time_20130524T000000Z(), true});
  EXPECT_EQ(header_of(request, "x-amz-content-sha256"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SigV4, NonS3PathIsNormalisedAndEncodedTwice) {
  HttpRequest request;
  request.host = "example.amazonaws.com";
  request.path = "/a%20b/./c/../d//e%2Af/";
  auto parts =
      compute_signature(request, example_credentials(), SigningParams{"us-east-1", "service", time_20150830T123600Z()});
  EXPECT_TRUE(parts.canonical_request.starts_with("GET\n/a%2520b/d/e%252Af/\n")) << parts.canonical_request;
  request.path = "";
  parts =
      compute_signature(request, example_credentials(), SigningParams{"us-east-1", "service", time_20150830T123600Z()});
  EXPECT_TRUE(parts.canonical_request.starts_with("GET\n/\n"));
}

TEST(SigV4, QueryIsEncodedThenSortedByNameThenValue) {
  HttpRequest request;
  request.host = "example.amazonaws.com";
  request.query = {{"b", "2"}, {"a b", "x/y"}, {"b", "1"}, {"empty", ""}, {"_", "~"}, {"B", "é"}};
  auto parts =
      compute_signature(request, example_credentials(), SigningParams{"us-east-1", "service", time_20150830T123600Z()});
  // Byte order of the encoded names: 'B' (0x42) < '_' (0x5F) < 'a' < 'b' < 'e'.
  EXPECT_NE(parts.canonical_request.find("\nB=%C3%A9&_=~&a%20b=x%2Fy&b=1&b=2&empty=\n"), std::string::npos)
      << parts.canonical_request;
}

TEST(SigV4, HeaderValuesTrimmedNamesLoweredRepeatedJoined) {
  HttpRequest request;
  request.host = "example.amazonaws.com";
  request.headers = {{"My-Header1", "  value1  "},
                     {"My-Header2", "\"a   b   c\""},
                     {"X-Repeated", "one"},
                     {"User-Agent", "not signed"},
                     {"x-repeated", " two  three "}};
  auto parts =
      compute_signature(request, example_credentials(), SigningParams{"us-east-1", "service", time_20150830T123600Z()});
  EXPECT_NE(parts.canonical_request.find("host:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                                         "x-repeated:one,two three\n\n"),
            std::string::npos)
      << parts.canonical_request;
  EXPECT_EQ(parts.signed_headers, "host;my-header1;my-header2;x-repeated");  // compute_signature adds no header
}

TEST(SigV4, SessionTokenIsSentAndSigned) {
  Credentials credentials = example_credentials();
  credentials.session_token = "session-token-value";
  HttpRequest request;
  request.host = "athena.eu-west-1.amazonaws.com";
  request.method = "POST";
  request.body = "{}";
  sign_request(request, credentials, SigningParams{"eu-west-1", "athena", time_20150830T123600Z()});
  EXPECT_EQ(header_of(request, "X-Amz-Security-Token"), "session-token-value");
  auto authorization = header_of(request, "Authorization");
  ASSERT_TRUE(authorization);
  EXPECT_NE(authorization->find("SignedHeaders=host;x-amz-date;x-amz-security-token,"), std::string::npos);
  EXPECT_NE(authorization->find("/20150830/eu-west-1/athena/aws4_request"), std::string::npos);
  EXPECT_EQ(authorization->find("session-token-value"), std::string::npos);
}

TEST(SigV4, SigningKeyCacheDoesNotMixScopes) {
  HttpRequest request;
  request.host = "example.amazonaws.com";
  SigningParams params{"us-east-1", "service", time_20150830T123600Z()};
  auto first = compute_signature(request, example_credentials(), params).signature;
  params.region = "us-west-2";
  auto other_region = compute_signature(request, example_credentials(), params).signature;
  params.region = "us-east-1";
  Credentials other = example_credentials();
  other.secret_access_key += "X";
  auto other_secret = compute_signature(request, other, params).signature;
  EXPECT_NE(first, other_region);
  EXPECT_NE(first, other_secret);
  EXPECT_EQ(compute_signature(request, example_credentials(), params).signature, first);
}

TEST(UriEncode, Rfc3986Unreserved) {
  EXPECT_EQ(uri_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(uri_encode("a b+c/d=e&f*g%"), "a%20b%2Bc%2Fd%3De%26f%2Ag%25");
  EXPECT_EQ(uri_encode("a b/c", /*encode_slash=*/false), "a%20b/c");
  EXPECT_EQ(uri_encode("é€"), "%C3%A9%E2%82%AC");  // UTF-8 bytes, upper-case hex
}

TEST(UriDecode, DecodesAndKeepsMalformedEscapes) {
  EXPECT_EQ(uri_decode("a%20b%2Fc%c3%A9"), "a b/cé");
  EXPECT_EQ(uri_decode("a+b"), "a+b");
  EXPECT_EQ(uri_decode("100%"), "100%");
  EXPECT_EQ(uri_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(uri_decode(uri_encode("any ~ text/with é")), "any ~ text/with é");
}

}  // namespace
}  // namespace athena_runner::aws
