// Pure pieces of the server: checksums (published check values), base64, aws-chunked decoding (AWS's own
// streaming example), SigV4 verification against our signer, key mapping, and the S3 and Glue handlers
// in-process over a temporary data directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/sigv4.hpp"
#include "athena_service.hpp"
#include "auth.hpp"
#include "checksums.hpp"
#include "file_store.hpp"
#include "glue_expression.hpp"
#include "glue_service.hpp"
#include "json_service.hpp"
#include "s3_service.hpp"
#include "s3_store.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::server {
namespace {

using testing::TempDir;
namespace athena = aws::athena;

std::string hex_of_base64(const std::string& text) { return hex_encode(base64_decode(text).value_or("?")); }

// CRC catalogue check values for "123456789" (reveng.sourceforge.io: CRC-32/ISO-HDLC, CRC-32/ISCSI,
// CRC-64/NVME) and FIPS 180 digests of "abc".
TEST(Checksums, MatchPublishedCheckValues) {
  EXPECT_EQ(hex_of_base64(checksum_base64(ChecksumAlgorithm::Crc32, "123456789")), "cbf43926");
  EXPECT_EQ(hex_of_base64(checksum_base64(ChecksumAlgorithm::Crc32c, "123456789")), "e3069283");
  EXPECT_EQ(hex_of_base64(checksum_base64(ChecksumAlgorithm::Crc64Nvme, "123456789")), "ae8b14860a799888");
  EXPECT_EQ(hex_of_base64(checksum_base64(ChecksumAlgorithm::Sha1, "abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex_of_base64(checksum_base64(ChecksumAlgorithm::Sha256, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(md5_raw("")), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(Checksums, IncrementalEqualsOneShot) {
  Checksum checksum(ChecksumAlgorithm::Crc32c);
  checksum.update("1234");
  checksum.update("56789");
  EXPECT_EQ(checksum.value(), checksum_base64(ChecksumAlgorithm::Crc32c, "123456789"));
}

TEST(Base64, RoundTripsAndRejectsNonCanonical) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");  // RFC 4648 section 10
  EXPECT_EQ(base64_decode("Zm9vYg==").value_or("?"), "foob");
  EXPECT_EQ(hex_encode(base64_decode("1B2M2Y8AsgTpgAmY7PhCfg==").value_or("?")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_FALSE(base64_decode("Zm9").has_value());
  EXPECT_FALSE(base64_decode("Zm=v").has_value());
  EXPECT_FALSE(base64_decode("Zh==").has_value());  // non-zero padding bits
}

// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html: 66560 bytes of 'a' in chunks of
// 65536 and 1024, with the signatures AWS publishes.
constexpr char kExampleSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kSeedSignature[] = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr char kChunk1Signature[] = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
constexpr char kChunk2Signature[] = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
constexpr char kFinalSignature[] = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

std::string example_chunked_body(const std::string& first_signature = kChunk1Signature) {
  return "10000;chunk-signature=" + first_signature + "\r\n" + std::string(65536, 'a') + "\r\n" +
         "400;chunk-signature=" + kChunk2Signature + "\r\n" + std::string(1024, 'a') + "\r\n" +
         "0;chunk-signature=" + kFinalSignature + "\r\n\r\n";
}

Request example_streaming_request() {
  Request request;
  request.method = "PUT";
  request.raw_path = "/examplebucket/chunkObject.txt";
  request.headers = {{"host", "s3.amazonaws.com"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"authorization",
                      std::string("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                                  "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                                  "x-amz-decoded-content-length;x-amz-storage-class,Signature=") +
                          kSeedSignature},
                     {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
                     {"content-encoding", "aws-chunked"},
                     {"x-amz-decoded-content-length", "66560"},
                     {"content-length", "66824"}};
  request.body = example_chunked_body();
  return request;
}

VerifyOptions example_options() {
  VerifyOptions options;
  options.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  options.secret_access_key = kExampleSecret;
  options.now = std::chrono::system_clock::from_time_t(1369353600);  // 2013-05-24T00:00:00Z
  return options;
}

TEST(AwsChunked, VerifiesAwsStreamingExample) {
  Request request = example_streaming_request();
  ASSERT_EQ(request.body.size(), 66824u);  // the example's Content-Length
  auto info = read_signature(request);
  ASSERT_TRUE(info.has_value() && *info);
  auto status = verify_request(request, **info, example_options());
  ASSERT_TRUE(status) << status.get_failure().message;
  EXPECT_EQ(request.body, std::string(66560, 'a'));
}

// The streaming decoder, fed AWS's example in pieces of every size from 1 byte up (as a socket delivers
// it), verifies the same published signatures and yields the same payload; a tampered byte anywhere
// in the data is caught whatever the split.
TEST(AwsChunked, StreamingDecoderVerifiesTheExampleInPiecesOfAnySize) {
  Request request = example_streaming_request();
  auto info = read_signature(request);
  ASSERT_TRUE(info.has_value() && *info);
  auto context = chunked_context(request, **info, example_options());
  ASSERT_TRUE(context.has_value());
  const std::string body = example_chunked_body();
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{100}, std::size_t{65536},
                            std::size_t{65600}, body.size()}) {
    AwsChunkedDecoder decoder(*context);
    std::string payload;
    Status status = Ok{};
    for (std::size_t offset = 0; offset < body.size() && status; offset += piece) {
      status = decoder.feed(std::string_view(body).substr(offset, piece), [&](std::string_view data) -> Status {
        payload.append(data);
        return Ok{};
      });
    }
    ASSERT_TRUE(status) << "piece " << piece << ": " << status.get_failure().message;
    ASSERT_TRUE(decoder.finish()) << "piece " << piece;
    EXPECT_EQ(payload, std::string(66560, 'a')) << "piece " << piece;
    EXPECT_EQ(decoder.decoded_size(), 66560u);
  }
  for (std::size_t piece : {std::size_t{1}, std::size_t{4096}}) {
    std::string tampered = body;
    tampered[body.find("400;chunk-signature") + 120] = 'b';  // in the second chunk's data
    AwsChunkedDecoder decoder(*context);
    Status status = Ok{};
    for (std::size_t offset = 0; offset < tampered.size() && status; offset += piece)
      status = decoder.feed(std::string_view(tampered).substr(offset, piece),
                            [](std::string_view) -> Status { return Ok{}; });
    ASSERT_FALSE(status) << "piece " << piece;
    EXPECT_EQ(status.get_failure().code, auth_errors::kMismatch);
  }
  // A body cut short is incomplete, whatever was fed.
  AwsChunkedDecoder cut(*context);
  ASSERT_TRUE(cut.feed(std::string_view(body).substr(0, 1000), [](std::string_view) -> Status { return Ok{}; }));
  auto finished = cut.finish();
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.get_failure().code, auth_errors::kIncompleteBody);
}

TEST(AwsChunked, RejectsATamperedChunk) {
  Request request = example_streaming_request();
  request.body[200] = 'b';
  auto info = read_signature(request);
  auto status = verify_request(request, **info, example_options());
  ASSERT_FALSE(status);
  EXPECT_EQ(status.get_failure().code, auth_errors::kMismatch);
}

TEST(AwsChunked, RejectsTruncatedAndOverlongBodies) {
  ChunkedContext unsigned_context;
  EXPECT_FALSE(decode_aws_chunked("5\r\nabc", unsigned_context));
  EXPECT_FALSE(decode_aws_chunked("3\r\nabcdef\r\n0\r\n\r\n", unsigned_context));
  EXPECT_FALSE(decode_aws_chunked("zz\r\nabc\r\n", unsigned_context));
  auto decoded =
      decode_aws_chunked("3\r\nabc\r\n2\r\nde\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", unsigned_context);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->payload, "abcde");
  ASSERT_EQ(decoded->trailers.size(), 1u);
  EXPECT_EQ(decoded->trailers[0].first, "x-amz-checksum-crc32");
}

// Our signer (cross-checked against AWS's examples and botocore elsewhere) signs; the verifier accepts
// exactly that and nothing else.
TEST(Verify, AcceptsOurSignerAndRejectsChanges) {
  aws::HttpRequest signed_request;
  signed_request.method = "POST";
  signed_request.scheme = "http";
  signed_request.host = "127.0.0.1:4590";
  signed_request.path = "/";
  signed_request.body = R"({"Name":"pizza"})";
  signed_request.headers = {{"X-Amz-Target", "AWSGlue.GetDatabase"}, {"Content-Type", "application/x-amz-json-1.1"}};
  aws::Credentials credentials{"test", "test", "", std::nullopt, "test"};
  auto now = std::chrono::system_clock::now();
  aws::sign_request(signed_request, credentials, {"us-east-1", "glue", now});

  auto to_server = [&](const aws::HttpRequest& http) {
    Request request;
    request.method = http.method;
    request.raw_path = http.path;
    for (const auto& [name, value] : http.headers) {
      std::string lowered = name;
      for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(lowered, value);
    }
    request.body = http.body;
    return request;
  };
  VerifyOptions options{"test", "test", now, std::chrono::seconds(900)};
  Request good = to_server(signed_request);
  auto info = read_signature(good);
  ASSERT_TRUE(info && *info);
  EXPECT_EQ((*info)->service, "glue");
  EXPECT_TRUE(verify_request(good, **info, options));

  Request changed_body = good;
  changed_body.body = R"({"Name":"other"})";
  EXPECT_EQ(verify_request(changed_body, **info, options).get_failure().code, auth_errors::kMismatch);

  VerifyOptions wrong_secret = options;
  wrong_secret.secret_access_key = "other";
  EXPECT_EQ(verify_request(good, **info, wrong_secret).get_failure().code, auth_errors::kMismatch);

  VerifyOptions later = options;
  later.now = now + std::chrono::minutes(16);
  EXPECT_EQ(verify_request(good, **info, later).get_failure().code, auth_errors::kSkewed);

  Request unsigned_request = good;
  unsigned_request.headers.clear();
  EXPECT_FALSE(read_signature(unsigned_request).has_value());
}

TEST(Keys, OnlyKeysThatStayInTheirFolderAreStored) {
  EXPECT_EQ(S3Store::key_problem("a/b/c.csv"), "");
  EXPECT_EQ(S3Store::key_problem("folder/"), "");
  EXPECT_EQ(S3Store::key_problem(".hidden/..."), "");
  EXPECT_NE(S3Store::key_problem(".."), "");
  EXPECT_NE(S3Store::key_problem("a/../b"), "");
  EXPECT_NE(S3Store::key_problem("a/./b"), "");
  EXPECT_NE(S3Store::key_problem("/abs"), "");
  EXPECT_NE(S3Store::key_problem("a//b"), "");
  EXPECT_NE(S3Store::key_problem(std::string("a\0b", 3)), "");
  EXPECT_NE(S3Store::key_problem("bad\xff"), "");
  EXPECT_NE(S3Store::key_problem(std::string(1025, 'k')), "");
  EXPECT_FALSE(S3Store::valid_bucket_name(".s3meta"));
  EXPECT_FALSE(S3Store::valid_bucket_name("ab"));
  EXPECT_TRUE(S3Store::valid_bucket_name("my-bucket.1"));
}

Request s3_request(std::string method, std::string path, std::string body = {}) {
  Request request;
  request.method = std::move(method);
  auto question = path.find('?');
  request.raw_path = path.substr(0, question);
  if (question != std::string::npos) {
    std::string query = path.substr(question + 1);
    std::size_t start = 0;
    while (start <= query.size()) {
      auto amp = query.find('&', start);
      std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      auto equals = pair.find('=');
      request.query.emplace_back(aws::uri_decode(pair.substr(0, equals)),
                                 equals == std::string::npos ? "" : aws::uri_decode(pair.substr(equals + 1)));
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  request.headers = {{"host", "127.0.0.1:4590"}};
  request.body = std::move(body);
  request.request_id = "TEST";
  return request;
}

std::string header_of(const Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers)
    if (key == name) return value;
  return {};
}

TEST(S3Handlers, ObjectsLiveWhereTheEngineReadsThemAndSurviveANewService) {
  TempDir dir;
  {
    S3Service s3(dir.path(), Random::seeded(1));
    EXPECT_EQ(s3.handle(s3_request("PUT", "/lake")).status, 200);
    auto put = s3.handle(s3_request("PUT", "/lake/orders/dt%3D2024-01-01/part-0.csv", "1,2\n"));
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(header_of(put, "ETag"), "\"" + hex_encode(md5_raw("1,2\n")) + "\"");
  }
  EXPECT_EQ(testing::read_file(dir.path() + "/lake/orders/dt=2024-01-01/part-0.csv"), "1,2\n");
  // Nothing but the object in the bucket folder; no temporary files left behind.
  int files = 0;
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir.path() + "/lake"))
    files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/.s3tmp"));

  S3Service reopened(dir.path(), Random::seeded(1));
  auto get = reopened.handle(s3_request("GET", "/lake/orders/dt%3D2024-01-01/part-0.csv"));
  ASSERT_EQ(get.status, 200);
  ASSERT_TRUE(get.file.has_value());
  EXPECT_EQ(get.file->length, 4u);
  auto list = reopened.handle(s3_request("GET", "/lake?list-type=2&prefix=orders%2F&delimiter=%2F"));
  EXPECT_NE(list.body.find("<CommonPrefixes><Prefix>orders/dt=2024-01-01/</Prefix></CommonPrefixes>"),
            std::string::npos)
      << list.body;
}

TEST(S3Handlers, FileWrittenByAnotherProcessIsAnObjectWithItsMd5) {
  TempDir dir;
  dir.write("results/athena/q1.csv", "\"a\"\n\"1\"\n");
  S3Service s3(dir.path(), Random::seeded(1));
  auto head = s3.handle(s3_request("HEAD", "/results/athena/q1.csv"));
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(header_of(head, "ETag"), "\"" + hex_encode(md5_raw("\"a\"\n\"1\"\n")) + "\"");
  EXPECT_EQ(header_of(head, "Content-Length"), "8");
}

TEST(S3Handlers, RangesAsS3AnswersThem) {
  TempDir dir;
  S3Service s3(dir.path(), Random::seeded(1));
  ASSERT_EQ(s3.handle(s3_request("PUT", "/bucket-r")).status, 200);
  ASSERT_EQ(s3.handle(s3_request("PUT", "/bucket-r/k", "0123456789")).status, 200);
  auto ranged = [&](const std::string& range) {
    Request request = s3_request("GET", "/bucket-r/k");
    request.headers.emplace_back("range", range);
    return s3.handle(request);
  };
  auto middle = ranged("bytes=2-4");
  EXPECT_EQ(middle.status, 206);
  EXPECT_EQ(header_of(middle, "Content-Range"), "bytes 2-4/10");
  EXPECT_EQ(middle.file->offset, 2u);
  EXPECT_EQ(middle.file->length, 3u);
  EXPECT_EQ(header_of(ranged("bytes=-3"), "Content-Range"), "bytes 7-9/10");
  EXPECT_EQ(header_of(ranged("bytes=8-100"), "Content-Range"), "bytes 8-9/10");
  EXPECT_EQ(ranged("bytes=10-").status, 416);
  EXPECT_EQ(ranged("bytes=1-2,4-5").status, 200);  // S3 ignores multiple ranges
}

TEST(S3Handlers, KeyPrefixOfAnotherKeyIsAClearError) {
  TempDir dir;
  S3Service s3(dir.path(), Random::seeded(1));
  ASSERT_EQ(s3.handle(s3_request("PUT", "/bucket-c")).status, 200);
  ASSERT_EQ(s3.handle(s3_request("PUT", "/bucket-c/a", "file")).status, 200);
  auto conflict = s3.handle(s3_request("PUT", "/bucket-c/a/b", "nested"));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_NE(conflict.body.find("<Code>InvalidRequest</Code>"), std::string::npos);
  EXPECT_NE(conflict.body.find("&apos;a&apos; is an object"), std::string::npos) << conflict.body;
  auto deeper = s3.handle(s3_request("PUT", "/bucket-c/a/b/c", "nested"));
  EXPECT_EQ(deeper.status, 409);
  // The other way round: a key that is a folder of other keys.
  ASSERT_EQ(s3.handle(s3_request("PUT", "/bucket-c/d/e", "file")).status, 200);
  auto folder = s3.handle(s3_request("PUT", "/bucket-c/d", "plain"));
  EXPECT_EQ(folder.status, 409);
  EXPECT_NE(folder.body.find("other keys start with &apos;d/&apos;"), std::string::npos) << folder.body;
  // Nothing changed, nothing left over.
  EXPECT_EQ(testing::read_file(dir.path() + "/bucket-c/a"), "file");
  EXPECT_EQ(testing::read_file(dir.path() + "/bucket-c/d/e"), "file");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/.s3tmp"));
  // A bucket deleted after the request was checked (the body already spooled): NoSuchBucket, and its
  // folder is not made again.
  S3Store store(dir.path(), Random::seeded(1));
  auto file = TempFile::create(dir.path() + "/.s3tmp");
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->append("late"));
  SpooledBody body;
  body.file = std::make_shared<TempFile>(std::move(*file));
  body.size = 4;
  body.md5_raw = md5_raw("late");
  ObjectMeta meta;
  meta.key = "k/late";
  auto late = store.put_object("gone-bucket", meta, body);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.get_failure().code, "NoSuchBucket");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/gone-bucket"));
}

// Where an object's metadata went: its file's attribute (the JSON text) and its sidecar's path, if any.
constexpr char kMetaAttribute[] = "user.athena-runner.s3";

std::optional<std::string> attribute_of(const std::string& path) {
  std::string value(65536, '\0');
  ssize_t got = ::getxattr(path.c_str(), kMetaAttribute, value.data(), value.size());
  if (got < 0) return std::nullopt;
  value.resize(static_cast<std::size_t>(got));
  return value;
}

std::string sidecar_of(const std::string& data_dir, const std::string& bucket, const std::string& key) {
  std::string hash = aws::sha256_hex(key);
  return data_dir + "/.s3meta/" + bucket + "/" + hash.substr(0, 2) + "/" + hash + ".json";
}

// Writes content into path in place (the same file, as an editor or `>` would), creating its folders.
void overwrite(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

Request with_headers(Request request, const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& header : headers) request.headers.push_back(header);
  return request;
}

class S3Metadata : public ::testing::TestWithParam<ObjectMetadata> {};

// Every piece of metadata S3 keeps survives the store (attribute or sidecar), a new service of the other kind
// reads it, and the one storage chosen is the one used. Expected values are the request's own and MD5s and
// CRC32s of the bodies computed here (CRC-32 of "123456789" is the catalogue's 0xCBF43926).
TEST_P(S3Metadata, RoundTripsThroughTheStore) {
  const bool in_attribute = GetParam() == ObjectMetadata::InAttribute;
  TempDir dir;
  const std::string data = dir.path();
  auto s3 = std::make_unique<S3Service>(data, Random::seeded(1), files::AtomicWrite{}, GetParam());
  ASSERT_EQ(s3->handle(s3_request("PUT", "/meta")).status, 200);
  const std::string body = "123456789";
  auto put = s3->handle(with_headers(s3_request("PUT", "/meta/a/obj.txt", body),
                                     {{"content-type", "text/x-test"},
                                      {"content-disposition", "attachment; filename=\"obj.txt\""},
                                      {"cache-control", "max-age=60"},
                                      {"x-amz-meta-owner", "team-a"},
                                      {"x-amz-meta-note", "100% done"},
                                      {"x-amz-checksum-crc32", "y/Q5Jg=="}}));
  ASSERT_EQ(put.status, 200) << put.body;
  const std::string etag = "\"" + hex_encode(md5_raw(body)) + "\"";
  EXPECT_EQ(header_of(put, "ETag"), etag);
  const std::string object = data + "/meta/a/obj.txt";
  auto attribute = attribute_of(object);
  EXPECT_EQ(attribute.has_value(), in_attribute);
  EXPECT_EQ(std::filesystem::exists(sidecar_of(data, "meta", "a/obj.txt")), !in_attribute);
  if (attribute) {
    auto stored = nlohmann::json::parse(*attribute);
    EXPECT_EQ(stored["etag"], etag);
    EXPECT_EQ(stored["size"], body.size());
    EXPECT_EQ(stored["user_metadata"]["owner"], "team-a");
  }
  // The temporary folder keeps nothing.
  EXPECT_TRUE(std::filesystem::is_empty(data + "/.s3tmp"));

  auto copy = s3->handle(with_headers(s3_request("PUT", "/meta/copied"), {{"x-amz-copy-source", "/meta/a/obj.txt"}}));
  ASSERT_EQ(copy.status, 200) << copy.body;
  auto replaced =
      s3->handle(with_headers(s3_request("PUT", "/meta/replaced"), {{"x-amz-copy-source", "/meta/a/obj.txt"},
                                                                    {"x-amz-metadata-directive", "REPLACE"},
                                                                    {"content-type", "text/x-new"},
                                                                    {"x-amz-meta-owner", "team-b"}}));
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  // Multipart: S3's ETag is the MD5 of the parts' MD5s, "-<parts>".
  auto created = s3->handle(with_headers(s3_request("POST", "/meta/mp.bin?uploads"),
                                         {{"content-type", "application/x-parts"}, {"x-amz-meta-kind", "parts"}}));
  ASSERT_EQ(created.status, 200) << created.body;
  auto id_start = created.body.find("<UploadId>") + 10;
  const std::string upload_id = created.body.substr(id_start, created.body.find("</UploadId>") - id_start);
  const std::string part1(5 * 1024 * 1024, 'p');
  const std::string part2 = "tail";
  auto etag1 =
      header_of(s3->handle(s3_request("PUT", "/meta/mp.bin?partNumber=1&uploadId=" + upload_id, part1)), "ETag");
  auto etag2 =
      header_of(s3->handle(s3_request("PUT", "/meta/mp.bin?partNumber=2&uploadId=" + upload_id, part2)), "ETag");
  auto completed = s3->handle(s3_request("POST", "/meta/mp.bin?uploadId=" + upload_id,
                                         "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag1 +
                                             "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" + etag2 +
                                             "</ETag></Part></CompleteMultipartUpload>"));
  ASSERT_EQ(completed.status, 200) << completed.body;
  const std::string multipart_etag = "\"" + hex_encode(md5_raw(md5_raw(part1) + md5_raw(part2))) + "-2\"";
  auto folder = s3->handle(s3_request("PUT", "/meta/logs/"));
  ASSERT_EQ(folder.status, 200) << folder.body;

  // Read back by a new service that writes the other way: reading takes either.
  s3 = std::make_unique<S3Service>(data, Random::seeded(2), files::AtomicWrite{},
                                   in_attribute ? ObjectMetadata::InSidecar : ObjectMetadata::InAttribute);
  Request head_request = with_headers(s3_request("HEAD", "/meta/a/obj.txt"), {{"x-amz-checksum-mode", "ENABLED"}});
  auto head = s3->handle(head_request);
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(header_of(head, "ETag"), etag);
  EXPECT_EQ(header_of(head, "Content-Type"), "text/x-test");
  EXPECT_EQ(header_of(head, "content-disposition"), "attachment; filename=\"obj.txt\"");
  EXPECT_EQ(header_of(head, "cache-control"), "max-age=60");
  EXPECT_EQ(header_of(head, "x-amz-meta-owner"), "team-a");
  EXPECT_EQ(header_of(head, "x-amz-meta-note"), "100% done");
  EXPECT_EQ(header_of(head, "x-amz-checksum-crc32"), "y/Q5Jg==");
  auto get = s3->handle(s3_request("GET", "/meta/a/obj.txt"));
  EXPECT_EQ(header_of(get, "ETag"), etag);
  EXPECT_EQ(header_of(get, "x-amz-meta-owner"), "team-a");
  auto expect_head = [&](const std::string& path, const std::string& expected_etag, const std::string& type,
                         const std::string& owner) {
    auto response = s3->handle(s3_request("HEAD", path));
    EXPECT_EQ(header_of(response, "ETag"), expected_etag) << path;
    EXPECT_EQ(header_of(response, "Content-Type"), type) << path;
    EXPECT_EQ(header_of(response, "x-amz-meta-owner"), owner) << path;
    return response;
  };
  expect_head("/meta/copied", etag, "text/x-test", "team-a");
  EXPECT_EQ(header_of(expect_head("/meta/replaced", etag, "text/x-new", "team-b"), "x-amz-meta-note"), "");
  auto multipart = expect_head("/meta/mp.bin", multipart_etag, "application/x-parts", "");
  EXPECT_EQ(header_of(multipart, "x-amz-meta-kind"), "parts");
  EXPECT_EQ(header_of(multipart, "Content-Length"), std::to_string(part1.size() + part2.size()));
  EXPECT_EQ(s3->handle(s3_request("HEAD", "/meta/logs/")).status, 200);
  // A folder marker keeps its sidecar (a folder's time changes with its entries).
  EXPECT_TRUE(std::filesystem::exists(sidecar_of(data, "meta", "logs/")));
  auto list = s3->handle(s3_request("GET", "/meta?list-type=2"));
  for (const auto& [key, expected] :
       std::vector<std::pair<std::string, std::string>>{{"a/obj.txt", etag},
                                                        {"copied", etag},
                                                        {"logs/", "\"" + hex_encode(md5_raw("")) + "\""},
                                                        {"mp.bin", multipart_etag},
                                                        {"replaced", etag}}) {
    std::string xml_etag = expected;
    for (std::size_t at = 0; (at = xml_etag.find('"', at)) != std::string::npos; at += 6)
      xml_etag.replace(at, 1, "&quot;");
    EXPECT_NE(list.body.find("<Key>" + key + "</Key><LastModified>"), std::string::npos) << key << list.body;
    auto entry = list.body.find("<Key>" + key + "</Key>");
    EXPECT_NE(list.body.find("<ETag>" + xml_etag + "</ETag>", entry), std::string::npos) << key << list.body;
  }
  // Deleting removes the object and whatever held its metadata.
  EXPECT_EQ(s3->handle(s3_request("DELETE", "/meta/a/obj.txt")).status, 204);
  EXPECT_EQ(s3->handle(s3_request("HEAD", "/meta/a/obj.txt")).status, 404);
  EXPECT_FALSE(std::filesystem::exists(sidecar_of(data, "meta", "a/obj.txt")));
}

INSTANTIATE_TEST_SUITE_P(Storage, S3Metadata, ::testing::Values(ObjectMetadata::InAttribute, ObjectMetadata::InSidecar),
                         [](const auto& parameter) {
                           return parameter.param == ObjectMetadata::InAttribute ? "Attribute" : "Sidecar";
                         });

// A data directory written before attributes: objects with sidecars in the old format (as that version wrote
// them, "key" included) keep their metadata; a sidecar or attribute older than its file is ignored.
TEST(S3Metadata, OldSidecarsAreReadAndStaleMetadataIsIgnored) {
  TempDir dir;
  const std::string data = dir.path();
  {
    S3Service s3(data, Random::seeded(1));
    ASSERT_EQ(s3.handle(s3_request("PUT", "/old")).status, 200);
  }
  const std::string object = dir.write("old/legacy/old.csv", "a,b\n1,2\n");
  auto mtime_ns = [](const std::string& path) {
    struct stat info {};
    ::stat(path.c_str(), &info);
    return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  };
  // A multipart ETag: not the file's MD5, so it can only come from the sidecar.
  const std::string old_etag = "\"0123456789abcdef0123456789abcdef-3\"";
  nlohmann::json sidecar{{"key", "legacy/old.csv"},
                         {"size", 8},
                         {"mtime_ns", mtime_ns(object)},
                         {"etag", old_etag},
                         {"content_type", "text/csv"},
                         {"headers", {{"content-language", "en"}}},
                         {"user_metadata", {{"from", "old-version"}}},
                         {"checksum_algorithm", ""},
                         {"checksum_value", ""},
                         {"folder_marker", false}};
  std::string sidecar_path = sidecar_of(data, "old", "legacy/old.csv");
  overwrite(sidecar_path, sidecar.dump());

  S3Service s3(data, Random::seeded(1));
  auto head = s3.handle(s3_request("HEAD", "/old/legacy/old.csv"));
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(header_of(head, "ETag"), old_etag);
  EXPECT_EQ(header_of(head, "Content-Type"), "text/csv");
  EXPECT_EQ(header_of(head, "content-language"), "en");
  EXPECT_EQ(header_of(head, "x-amz-meta-from"), "old-version");
  auto list = s3.handle(s3_request("GET", "/old?list-type=2"));
  EXPECT_NE(list.body.find("<ETag>&quot;0123456789abcdef0123456789abcdef-3&quot;</ETag>"), std::string::npos)
      << list.body;

  // The file changed by hand: its sidecar no longer describes it.
  overwrite(object, "a,b\n1,2\n3,4\n");
  head = s3.handle(s3_request("HEAD", "/old/legacy/old.csv"));
  EXPECT_EQ(header_of(head, "ETag"), "\"" + hex_encode(md5_raw("a,b\n1,2\n3,4\n")) + "\"");
  EXPECT_EQ(header_of(head, "Content-Type"), "binary/octet-stream");
  EXPECT_EQ(header_of(head, "x-amz-meta-from"), "");

  // A put over an object with an old sidecar: the new attribute wins over the leftover sidecar.
  overwrite(sidecar_path, sidecar.dump());
  auto put = s3.handle(with_headers(s3_request("PUT", "/old/legacy/old.csv", "new"), {{"content-type", "text/x-new"}}));
  ASSERT_EQ(put.status, 200) << put.body;
  head = s3.handle(s3_request("HEAD", "/old/legacy/old.csv"));
  EXPECT_EQ(header_of(head, "ETag"), "\"" + hex_encode(md5_raw("new")) + "\"");
  EXPECT_EQ(header_of(head, "Content-Type"), "text/x-new");
  EXPECT_EQ(header_of(head, "x-amz-meta-from"), "");

  // An attribute older than its file (rewritten in place, same inode): ignored too.
  ASSERT_TRUE(attribute_of(object).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  {
    std::FILE* file = std::fopen(object.c_str(), "r+b");
    ASSERT_NE(file, nullptr);
    std::fputs("NEW", file);
    std::fclose(file);
  }
  ASSERT_TRUE(attribute_of(object).has_value());  // same file: the attribute stayed
  head = s3.handle(s3_request("HEAD", "/old/legacy/old.csv"));
  EXPECT_EQ(header_of(head, "ETag"), "\"" + hex_encode(md5_raw("NEW")) + "\"");
  EXPECT_EQ(header_of(head, "Content-Type"), "binary/octet-stream");
}

// More metadata than an attribute can hold on this file system (ext4: one 4 KiB block for all of a file's
// attributes) goes to a sidecar, and reads back the same. On a file system with room (tmpfs), it stays in the
// attribute; either way exactly one of them holds it.
TEST(S3Metadata, MetadataTooLargeForAnAttributeGoesToASidecar) {
  TempDir dir;
  const std::string data = dir.path();
  S3Service s3(data, Random::seeded(1));
  ASSERT_EQ(s3.handle(s3_request("PUT", "/big")).status, 200);
  const std::string large(1900, 'm');
  const std::string disposition = "attachment; filename=\"" + std::string(3000, 'f') + "\"";
  auto put = s3.handle(with_headers(s3_request("PUT", "/big/k", "x"),
                                    {{"x-amz-meta-large", large}, {"content-disposition", disposition}}));
  ASSERT_EQ(put.status, 200) << put.body;
  const bool in_attribute = attribute_of(data + "/big/k").has_value();
  const bool in_sidecar = std::filesystem::exists(sidecar_of(data, "big", "k"));
  EXPECT_NE(in_attribute, in_sidecar);
  struct statfs info {};
  ASSERT_EQ(::statfs(data.c_str(), &info), 0);
  if (info.f_type == 0xEF53) {  // EXT4_SUPER_MAGIC
    EXPECT_TRUE(in_sidecar);
  }
  auto head = s3.handle(s3_request("HEAD", "/big/k"));
  EXPECT_EQ(header_of(head, "x-amz-meta-large"), large);
  EXPECT_EQ(header_of(head, "content-disposition"), disposition);
  EXPECT_EQ(header_of(head, "ETag"), "\"" + hex_encode(md5_raw("x")) + "\"");
  // A smaller put of the same key goes back to the attribute; the sidecar left no longer matches the file.
  ASSERT_EQ(s3.handle(with_headers(s3_request("PUT", "/big/k", "y"), {{"x-amz-meta-small", "s"}})).status, 200);
  head = s3.handle(s3_request("HEAD", "/big/k"));
  EXPECT_EQ(header_of(head, "x-amz-meta-small"), "s");
  EXPECT_EQ(header_of(head, "x-amz-meta-large"), "");
  EXPECT_EQ(header_of(head, "ETag"), "\"" + hex_encode(md5_raw("y")) + "\"");
}

Request glue_request(const std::string& operation, const nlohmann::json& input) {
  Request request;
  request.method = "POST";
  request.raw_path = "/";
  request.headers = {{"x-amz-target", "AWSGlue." + operation}};
  request.body = input.dump();
  request.request_id = "TEST";
  return request;
}

TEST(GlueHandlers, TablesAreStoredInGetTableShapeAndSkippedDatabaseFile) {
  TempDir dir;
  GlueCatalog catalog(dir.path());
  JsonService glue("AWSGlue", "glue", "InvalidInputException");
  catalog.register_operations(glue);
  EXPECT_EQ(glue.handle(glue_request("CreateDatabase", {{"DatabaseInput", {{"Name", "Pizza"}}}})).status, 200);
  nlohmann::json table_input = {
      {"Name", "Orders"},
      {"StorageDescriptor", {{"Columns", {{{"Name", "id"}, {"Type", "int"}}}}, {"Location", "s3://lake/orders/"}}},
      {"PartitionKeys", {{{"Name", "dt"}, {"Type", "string"}}}}};
  auto created = glue.handle(glue_request("CreateTable", {{"DatabaseName", "pizza"}, {"TableInput", table_input}}));
  ASSERT_EQ(created.status, 200) << created.body;
  auto duplicate = glue.handle(glue_request("CreateTable", {{"DatabaseName", "pizza"}, {"TableInput", table_input}}));
  EXPECT_EQ(header_of(duplicate, "x-amzn-ErrorType"), "AlreadyExistsException");

  auto stored = nlohmann::json::parse(testing::read_file(dir.path() + "/.glue/pizza/orders.json"));
  EXPECT_EQ(stored["Table"]["Name"], "orders");
  EXPECT_EQ(stored["Table"]["DatabaseName"], "pizza");
  EXPECT_EQ(stored["Table"]["StorageDescriptor"]["Location"], "s3://lake/orders/");
  // The only *.json files in the catalog are tables (the engine's loader reads every one).
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir.path() + "/.glue")) {
    if (entry.path().extension() == ".json") {
      EXPECT_EQ(entry.path().filename(), "orders.json");
    }
  }

  auto partitions = glue.handle(glue_request(
      "BatchCreatePartition",
      {{"DatabaseName", "pizza"},
       {"TableName", "orders"},
       {"PartitionInputList",
        {{{"Values", {"2024-01-01"}}, {"StorageDescriptor", {{"Location", "s3://lake/orders/dt=2024-01-01/"}}}},
         {{"Values", {"2024-01-01", "extra"}}}}}}));
  auto result = nlohmann::json::parse(partitions.body);
  ASSERT_EQ(result["Errors"].size(), 1u);
  EXPECT_EQ(result["Errors"][0]["ErrorDetail"]["ErrorCode"], "InvalidInputException");
  auto listed = nlohmann::json::parse(
      glue.handle(glue_request("GetPartitions", {{"DatabaseName", "pizza"}, {"TableName", "orders"}})).body);
  ASSERT_EQ(listed["Partitions"].size(), 1u);
  EXPECT_EQ(listed["Partitions"][0]["Values"][0], "2024-01-01");

  auto filtered =
      nlohmann::json::parse(glue.handle(glue_request("GetPartitions", {{"DatabaseName", "pizza"},
                                                                       {"TableName", "orders"},
                                                                       {"Expression", "dt >= '2024-01-01'"}}))
                                .body);
  EXPECT_EQ(filtered["Partitions"].size(), 1u);
  auto none = nlohmann::json::parse(glue.handle(glue_request("GetPartitions", {{"DatabaseName", "pizza"},
                                                                               {"TableName", "orders"},
                                                                               {"Expression", "dt < '2024-01-01'"}}))
                                        .body);
  EXPECT_EQ(none["Partitions"].size(), 0u);
  // Glue's limit on Expression (botocore: PredicateString, at most 2048), and deep nesting refused.
  auto too_long = glue.handle(glue_request(
      "GetPartitions", {{"DatabaseName", "pizza"}, {"TableName", "orders"}, {"Expression", std::string(2049, ' ')}}));
  EXPECT_EQ(header_of(too_long, "x-amzn-ErrorType"), "InvalidInputException");
  EXPECT_NE(too_long.body.find("2048"), std::string::npos) << too_long.body;
  auto too_deep = glue.handle(glue_request(
      "GetPartitions", {{"DatabaseName", "pizza"}, {"TableName", "orders"}, {"Expression", std::string(1000, '(')}}));
  EXPECT_EQ(header_of(too_deep, "x-amzn-ErrorType"), "InvalidInputException");
  EXPECT_NE(too_deep.body.find("more than 64 levels"), std::string::npos) << too_deep.body;
  auto one = [&](const char* operation, const nlohmann::json& values) {
    return glue.handle(
        glue_request(operation, {{"DatabaseName", "pizza"}, {"TableName", "orders"}, {"PartitionValues", values}}));
  };
  EXPECT_EQ(
      nlohmann::json::parse(one("GetPartition", {"2024-01-01"}).body)["Partition"]["StorageDescriptor"]["Location"],
      "s3://lake/orders/dt=2024-01-01/");
  EXPECT_EQ(header_of(one("GetPartition", {"2024-01-02"}), "x-amzn-ErrorType"), "EntityNotFoundException");
  auto again = glue.handle(glue_request(
      "CreatePartition",
      {{"DatabaseName", "pizza"}, {"TableName", "orders"}, {"PartitionInput", {{"Values", {"2024-01-01"}}}}}));
  EXPECT_EQ(header_of(again, "x-amzn-ErrorType"), "AlreadyExistsException");
  EXPECT_EQ(one("DeletePartition", {"2024-01-01"}).status, 200);
  EXPECT_EQ(header_of(one("DeletePartition", {"2024-01-01"}), "x-amzn-ErrorType"), "EntityNotFoundException");
}

// An error response's code and message, as the client reads them.
std::pair<std::string, std::string> error_of(const Response& response) {
  auto body = nlohmann::json::parse(response.body);
  return {header_of(response, "x-amzn-ErrorType"), body.value("message", "")};
}

TEST(GlueHandlers, PartitionKeysThatAreNotAListAreRefusedWithTheMalformedInputError) {
  TempDir dir;
  GlueCatalog catalog(dir.path());
  JsonService glue("AWSGlue", "glue", "InvalidInputException");
  catalog.register_operations(glue);
  ASSERT_EQ(glue.handle(glue_request("CreateDatabase", {{"DatabaseInput", {{"Name", "pizza"}}}})).status, 200);
  // The wording clients have seen since this check was a JSON type error caught by JsonService.
  const std::pair<std::string, std::string> malformed{
      "InvalidInputException", "Malformed input: [json.exception.type_error.302] PartitionKeys must be a list"};
  nlohmann::json table_input = {{"Name", "orders"}, {"PartitionKeys", "dt"}};
  auto created = glue.handle(glue_request("CreateTable", {{"DatabaseName", "pizza"}, {"TableInput", table_input}}));
  EXPECT_EQ(created.status, 400);
  EXPECT_EQ(error_of(created), malformed);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/.glue/pizza/orders.json"));

  table_input["PartitionKeys"] = nlohmann::json::array();
  ASSERT_EQ(glue.handle(glue_request("CreateTable", {{"DatabaseName", "pizza"}, {"TableInput", table_input}})).status,
            200);
  table_input["PartitionKeys"] = {{"Name", "dt"}};  // an object, not a list of them
  auto updated = glue.handle(glue_request("UpdateTable", {{"DatabaseName", "pizza"}, {"TableInput", table_input}}));
  EXPECT_EQ(updated.status, 400);
  EXPECT_EQ(error_of(updated), malformed);
  auto stored = nlohmann::json::parse(testing::read_file(dir.path() + "/.glue/pizza/orders.json"));
  EXPECT_EQ(stored["Table"]["PartitionKeys"], nlohmann::json::array());
  EXPECT_EQ(stored["Table"]["VersionId"], "0");
}

TEST(GlueHandlers, APartitionsNextTokenThatIsNotAnIndexIsRefused) {
  TempDir dir;
  GlueCatalog catalog(dir.path());
  JsonService glue("AWSGlue", "glue", "InvalidInputException");
  catalog.register_operations(glue);
  ASSERT_EQ(glue.handle(glue_request("CreateDatabase", {{"DatabaseInput", {{"Name", "pizza"}}}})).status, 200);
  nlohmann::json table_input = {{"Name", "orders"}, {"PartitionKeys", {{{"Name", "dt"}, {"Type", "string"}}}}};
  ASSERT_EQ(glue.handle(glue_request("CreateTable", {{"DatabaseName", "pizza"}, {"TableInput", table_input}})).status,
            200);
  nlohmann::json partitions = nlohmann::json::array();
  for (const char* day : {"2024-01-01", "2024-01-02", "2024-01-03"}) partitions.push_back({{"Values", {day}}});
  ASSERT_EQ(glue.handle(glue_request(
                            "BatchCreatePartition",
                            {{"DatabaseName", "pizza"}, {"TableName", "orders"}, {"PartitionInputList", partitions}}))
                .status,
            200);
  auto page = [&](const std::string& token) {
    return glue.handle(
        glue_request("GetPartitions",
                     {{"DatabaseName", "pizza"}, {"TableName", "orders"}, {"MaxResults", 1}, {"NextToken", token}}));
  };
  auto first = nlohmann::json::parse(page("").body);
  ASSERT_EQ(first["Partitions"].size(), 1u);
  auto second = page(first["NextToken"].get<std::string>());
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(nlohmann::json::parse(second.body)["Partitions"][0]["Values"][0], "2024-01-02");
  for (const std::string decoded : {"x", "-", "one"}) {
    auto refused = page(base64_encode(decoded));
    EXPECT_EQ(refused.status, 400) << decoded;
    EXPECT_EQ(error_of(refused),
              std::make_pair(std::string("InvalidInputException"), std::string("NextToken is not valid.")))
        << decoded;
  }
}

// An engine whose every query has succeeded with rows "0", "1", "2": enough for GetQueryResults' paging. An id
// starting with "s" is a SELECT, paged from its result CSV; others are statements, paged from results().
class FinishedQueries : public runner::QueryEngine {
 public:
  std::string_view name() const override { return "test"; }
  std::string describe() const override { return "test"; }
  Outcome<std::string> start(const athena::StartQueryExecutionRequest&) override { return std::string("q"); }
  Outcome<athena::QueryExecution> get(std::string_view id) override {
    athena::QueryExecution execution;
    execution.query_execution_id = std::string(id);
    execution.status.state = athena::QueryExecutionState::Succeeded;
    if (id.starts_with("s")) execution.statement_type = std::string(athena::kStatementTypeDml);
    return execution;
  }
  Outcome<athena::BatchGetQueryExecutionResult> batch_get(const std::vector<std::string>&) override {
    return athena::BatchGetQueryExecutionResult{};
  }
  Status stop(std::string_view) override { return Ok{}; }
  Outcome<athena::QueryRuntimeStatistics> runtime_statistics(std::string_view) override {
    return make_error(ErrorKind::InvalidInput, "InvalidRequestException", "not in this test");
  }
  Status stream_result_csv(const athena::QueryExecution&, std::uint64_t from_byte,
                           const runner::ByteSink& sink) override {
    const std::string_view csv = "\"n\"\n\"0\"\n\"1\"\n\"2\"\n";
    if (from_byte < csv.size()) sink(csv.substr(from_byte));
    return Ok{};
  }
  Outcome<athena::QueryResultsTable> results(std::string_view, std::size_t) override {
    athena::QueryResultsTable table;
    table.columns.resize(1);
    for (const char* value : {"0", "1", "2"}) table.rows.push_back(athena::Row{{std::string(value)}});
    return table;
  }
};

TEST(AthenaHandlers, NextTokensThatAreNotOursAreInvalidRequests) {
  TempDir dir;
  GlueCatalog catalog(dir.path());
  AthenaApi api([] { return Outcome<std::unique_ptr<runner::QueryEngine>>(std::make_unique<FinishedQueries>()); },
                "s3://results/", catalog, dir.path() + "/.athena", Random::seeded(1));
  ASSERT_TRUE(api.open());
  JsonService athena("AmazonAthena", "athena", "InvalidRequestException");
  api.register_operations(athena);
  auto call = [&](const char* operation, const nlohmann::json& input) {
    Request request = glue_request(operation, input);
    request.headers = {{"x-amz-target", std::string("AmazonAthena.") + operation}};
    return athena.handle(request);
  };
  const std::pair<std::string, std::string> invalid{"InvalidRequestException", "NextToken is not valid."};

  auto results = [&](const std::string& token) {
    return call("GetQueryResults", {{"QueryExecutionId", "q"}, {"MaxResults", 1}, {"NextToken", token}});
  };
  auto first = call("GetQueryResults", {{"QueryExecutionId", "q"}, {"MaxResults", 1}});
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string token = nlohmann::json::parse(first.body)["NextToken"];
  auto second = results(token);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(nlohmann::json::parse(second.body)["ResultSet"]["Rows"][0]["Data"][0]["VarCharValue"], "1");
  for (const std::string& bad :
       {std::string("not base64!"), base64_encode("page:1"), base64_encode("row:"), base64_encode("row:x")}) {
    auto refused = results(bad);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(error_of(refused), invalid) << bad;
  }

  // A SELECT's token: the byte offset in its own result CSV ("n" header, then one row a page).
  auto page = call("GetQueryResults", {{"QueryExecutionId", "s1"}, {"MaxResults", 2}});
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(nlohmann::json::parse(page.body)["ResultSet"]["Rows"][1]["Data"][0]["VarCharValue"], "0");
  const std::string select_token = nlohmann::json::parse(page.body)["NextToken"];
  EXPECT_EQ(base64_decode(select_token), std::optional<std::string>("csv:s1:8"));  // 4 + 4 bytes
  auto rest = call("GetQueryResults", {{"QueryExecutionId", "s1"}, {"NextToken", select_token}});
  ASSERT_EQ(rest.status, 200) << rest.body;
  EXPECT_EQ(nlohmann::json::parse(rest.body)["ResultSet"]["Rows"].size(), 2u);
  EXPECT_FALSE(nlohmann::json::parse(rest.body).contains("NextToken"));
  for (const std::string& bad :
       {select_token, base64_encode("csv:s1:"), base64_encode("csv:s1:x"), base64_encode("row:1")}) {
    auto refused = call("GetQueryResults", {{"QueryExecutionId", "s2"}, {"NextToken", bad}});  // another query's
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(error_of(refused), invalid) << bad;
  }

  ASSERT_EQ(call("ListQueryExecutions", {{"NextToken", base64_encode("0")}}).status, 200);
  for (const std::string& bad : {std::string("not base64!"), base64_encode("x"), base64_encode("")}) {
    auto refused = call("ListQueryExecutions", {{"NextToken", bad}});
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(error_of(refused), invalid) << bad;
  }
}

// Glue's partition expressions: integral keys compare as numbers (so 10 > 9), others as text.
TEST(GlueExpression, FiltersPartitionsAsGlueDocumentsThem) {
  const std::map<std::string, bool> keys = {{"dt", false}, {"hour", true}, {"region", false}};
  auto partition = [](std::string dt, std::string hour, std::string region) {
    return std::map<std::string, PartitionKey>{
        {"dt", {std::move(dt), false}}, {"hour", {std::move(hour), true}}, {"region", {std::move(region), false}}};
  };
  auto matches = [&](const std::string& expression, const std::map<std::string, PartitionKey>& values) {
    auto filter = PartitionFilter::parse(expression, keys);
    EXPECT_TRUE(filter) << expression << ": " << (filter ? "" : filter.get_failure().message);
    return filter && filter->matches(values);
  };
  auto p = partition("2024-01-10", "10", "eu-west-1");
  EXPECT_TRUE(matches("dt = '2024-01-10'", p));
  EXPECT_FALSE(matches("dt <> '2024-01-10'", p));
  EXPECT_TRUE(matches("hour > 9", p));  // numeric: "10" > "9" would be false as text
  EXPECT_TRUE(matches("dt > '2024-01-09' AND region = 'eu-west-1'", p));
  EXPECT_TRUE(matches("dt BETWEEN '2024-01-01' AND '2024-01-31'", p));
  EXPECT_TRUE(matches("region IN ('us-east-1', 'eu-west-1')", p));
  EXPECT_TRUE(matches("region LIKE 'eu-%'", p));
  EXPECT_FALSE(matches("region LIKE 'eu_'", p));
  EXPECT_TRUE(matches("region LIKE 'eu-_est-%'", p));
  EXPECT_TRUE(matches("region LIKE '%-%-%'", p));
  EXPECT_FALSE(matches("region LIKE '%-%-%-%'", p));
  EXPECT_TRUE(matches("region LIKE '%1'", p));
  EXPECT_FALSE(matches("region LIKE '%2'", p));
  EXPECT_FALSE(matches("region LIKE 'eu.west.1'", p));  // '.' is a character, not a wildcard
  EXPECT_TRUE(matches(
      "region LIKE '%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%1'", p));
  // Many wildcards over a value that does not match: a backtracking regex took exponential time here.
  auto long_value = partition("2024-01-10", "10", std::string(200, 'a'));
  EXPECT_FALSE(matches("region LIKE '" + std::string(60, '%') + "b'", long_value));
  EXPECT_FALSE(matches(
      "region LIKE '" +
          [] {
            std::string pattern;
            for (int i = 0; i < 40; ++i) pattern += "%a";
            return pattern;
          }() +
          "%b'",
      long_value));
  EXPECT_TRUE(matches("(hour < 5 OR hour >= 10) and not region = 'us-east-1'", p));
  EXPECT_FALSE(matches("dt = 'it''s'", p));
  for (const char* bad : {"dt = ", "nope = 'x'", "dt == 'x'", "dt = 'unterminated", "(dt = 'x'", "dt IN 'x'"})
    EXPECT_FALSE(PartitionFilter::parse(bad, keys)) << bad;
  // Nesting: 64 levels parse, deeper is an error rather than a stack overflow.
  EXPECT_TRUE(matches(std::string(64, '(') + "dt = '2024-01-10'" + std::string(64, ')'), p));
  std::string nots;
  for (int i = 0; i < 64; ++i) nots += "NOT ";
  EXPECT_TRUE(matches(nots + "dt = '2024-01-10'", p));  // an even number of NOTs
  EXPECT_FALSE(PartitionFilter::parse(std::string(65, '(') + "dt = 'x'" + std::string(65, ')'), keys));
  EXPECT_FALSE(PartitionFilter::parse("NOT " + nots + "dt = 'x'", keys));
  EXPECT_FALSE(PartitionFilter::parse(std::string(100'000, '('), keys));
}

}  // namespace
}  // namespace athena_runner::server
