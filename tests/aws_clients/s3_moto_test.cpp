// S3Client against a real moto_server, with boto3 as the independent client on the other side.
#include <gtest/gtest.h>

#include <random>

#include "athena_runner/aws/s3.hpp"
#include "athena_runner/aws/sigv4.hpp"
#include "client_test_support.hpp"

namespace athena_runner::aws::s3 {
namespace {

using testing::boto3_call;
using testing::MotoServer;
using testing::run_process;

constexpr char kBucket[] = "clients-test-bucket";
constexpr int kListedObjects = 1005;  // more than one ListObjectsV2 page of 1,000

class S3Moto : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new MotoServer();
    context_ = testing::moto_context(*moto_);
    boto3_call(*moto_, "s3", "CreateBucket", {{"Bucket", kBucket}});
  }
  static void TearDownTestSuite() {
    context_.reset();
    delete moto_;
    moto_ = nullptr;
  }
  static MotoServer* moto_;
  static std::shared_ptr<ClientContext> context_;
};
MotoServer* S3Moto::moto_ = nullptr;
std::shared_ptr<ClientContext> S3Moto::context_;

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(generator() & 0xFF);
  return bytes;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (unsigned char byte : bytes) {
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0xF];
  }
  return text;
}

const std::vector<std::string>& awkward_keys() {
  static const std::vector<std::string> keys = {
      "plain.txt",
      "with space/and more spaces.csv",
      "plus+sign",
      "percent%20literal",
      "question?mark",
      "hash#tag",
      "equals=and&ampersand",
      "tilde~x",
      "caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC",
      "a/b//double-slash",
  };
  return keys;
}

TEST_F(S3Moto, OurPutsAreReadByBoto3AndBoto3PutsAreReadByUs) {
  S3Client client(context_);
  std::vector<std::string> put_etags;
  nlohmann::json their_gets = nlohmann::json::array();
  nlohmann::json their_puts = nlohmann::json::array();
  for (const auto& key : awkward_keys()) {
    PutObjectRequest put{kBucket, key, "text/plain", {{"origin", "ours"}}};
    auto put_result = client.put_object(put, "ours:" + key);
    ASSERT_TRUE(put_result) << key << ": " << put_result.get_failure().to_string();
    put_etags.push_back(put_result->e_tag.value_or(""));
    their_gets.push_back(
        {{"service", "s3"}, {"operation", "GetObject"}, {"params", {{"Bucket", kBucket}, {"Key", key}}}});
    their_puts.push_back(
        {{"service", "s3"},
         {"operation", "PutObject"},
         {"params", {{"Bucket", kBucket}, {"Key", key}, {"Body", {{"__bytes_hex__", hex("boto3:" + key)}}}}}});
  }
  auto gets = testing::boto3_batch(*moto_, their_gets);
  ASSERT_EQ(gets.size(), awkward_keys().size());
  for (std::size_t index = 0; index < gets.size(); ++index) {
    const auto& key = awkward_keys()[index];
    EXPECT_EQ(gets[index]["Body"]["sha256"], sha256_hex("ours:" + key)) << key;
    EXPECT_EQ(gets[index]["Metadata"]["origin"], "ours") << key;
    EXPECT_EQ(gets[index]["ContentType"], "text/plain") << key;
    EXPECT_EQ(gets[index]["ETag"], put_etags[index]) << key;
  }
  testing::boto3_batch(*moto_, their_puts);
  for (const auto& key : awkward_keys()) {
    auto read = client.get_object_text({kBucket, key, std::nullopt});
    ASSERT_TRUE(read) << key << ": " << read.get_failure().to_string();
    EXPECT_EQ(*read, "boto3:" + key) << key;
  }
  // And the listing gives every key back exactly.
  auto listed = client.list_all_objects_v2({kBucket, std::nullopt, std::nullopt, std::nullopt, std::nullopt, {}});
  ASSERT_TRUE(listed) << listed.get_failure().to_string();
  std::set<std::string> keys;
  for (const auto& object : listed->contents) keys.insert(object.key);
  for (const auto& key : awkward_keys()) EXPECT_TRUE(keys.count(key)) << key;
}

TEST_F(S3Moto, ListsMoreThanOnePage) {
  auto created =
      run_process({"python3", testing::kAwsHelper, "put-many", kBucket, "many/", std::to_string(kListedObjects)}, {},
                  moto_->client_environment());
  ASSERT_EQ(created.exit_code, 0) << created.err;
  S3Client client(context_);
  auto first = client.list_objects_v2({kBucket, "many/", std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  ASSERT_TRUE(first) << first.get_failure().to_string();
  EXPECT_EQ(first->contents.size(), static_cast<std::size_t>(kMaxKeysPerPage));
  EXPECT_TRUE(first->is_truncated);
  ASSERT_TRUE(first->next_continuation_token);

  auto all = client.list_all_objects_v2({kBucket, "many/", std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  ASSERT_TRUE(all) << all.get_failure().to_string();
  ASSERT_EQ(all->contents.size(), static_cast<std::size_t>(kListedObjects));
  char expected_key[32];
  for (int index = 0; index < kListedObjects; ++index) {
    std::snprintf(expected_key, sizeof(expected_key), "many/%05d", index);
    ASSERT_EQ(all->contents[static_cast<std::size_t>(index)].key, expected_key);
    ASSERT_EQ(all->contents[static_cast<std::size_t>(index)].size, static_cast<int64_t>(std::to_string(index).size()));
  }

  auto small_pages = client.list_all_objects_v2({kBucket, "many/0000", std::nullopt, std::nullopt, std::nullopt, 3});
  ASSERT_TRUE(small_pages);
  EXPECT_EQ(small_pages->contents.size(), 10u);  // many/00000 .. many/00009 in pages of 3

  auto after = client.list_objects_v2({kBucket, "many/", std::nullopt, std::nullopt, "many/01000", std::nullopt});
  ASSERT_TRUE(after);
  ASSERT_EQ(after->contents.size(), static_cast<std::size_t>(kListedObjects - 1001));
  EXPECT_EQ(after->contents.front().key, "many/01001");

  ASSERT_TRUE(client.put_object({kBucket, "other folder/x", std::nullopt, {}}, "x"));
  auto folders = client.list_objects_v2({kBucket, std::nullopt, "/", std::nullopt, std::nullopt, std::nullopt});
  ASSERT_TRUE(folders);
  EXPECT_NE(std::find(folders->common_prefixes.begin(), folders->common_prefixes.end(), "many/"),
            folders->common_prefixes.end());
  EXPECT_NE(std::find(folders->common_prefixes.begin(), folders->common_prefixes.end(), "other folder/"),
            folders->common_prefixes.end());
}

TEST_F(S3Moto, MultipartUploadAboveTheThreshold) {
  S3ClientOptions options;
  options.multipart_threshold = kMebibyte;
  options.part_size = kMinPartSize;
  S3Client client(context_, options);
  const auto body = random_bytes(static_cast<std::size_t>(12 * kMebibyte + 123), 42);
  auto put = client.put_object({kBucket, "big/object.bin", "application/octet-stream", {}}, body);
  ASSERT_TRUE(put) << put.get_failure().to_string();
  EXPECT_EQ(put->parts, 3);  // 5 MiB + 5 MiB + 2 MiB and change

  auto theirs = boto3_call(*moto_, "s3", "GetObject", {{"Bucket", kBucket}, {"Key", "big/object.bin"}});
  EXPECT_EQ(theirs["Body"]["sha256"], sha256_hex(body));
  EXPECT_EQ(theirs["Body"]["length"], body.size());
  EXPECT_TRUE(theirs["ETag"].get<std::string>().ends_with("-3\""));

  std::string streamed;
  int chunks = 0;
  BodySink sink = [&](std::string_view chunk) {
    streamed.append(chunk);
    ++chunks;
    return true;
  };
  auto got = client.get_object({kBucket, "big/object.bin", std::nullopt}, sink);
  ASSERT_TRUE(got) << got.get_failure().to_string();
  EXPECT_EQ(sha256_hex(streamed), sha256_hex(body));
  EXPECT_GT(chunks, 1);
  EXPECT_EQ(got->content_length, static_cast<int64_t>(body.size()));

  // Below the threshold: one PUT.
  auto small = client.put_object({kBucket, "big/small.bin", std::nullopt, {}}, body.substr(0, 1000));
  ASSERT_TRUE(small);
  EXPECT_EQ(small->parts, 0);
}

TEST_F(S3Moto, RangeHeadAndDelete) {
  S3Client client(context_);
  const std::string body = "0123456789abcdefghijklmnopqrstuvwxyz";
  ASSERT_TRUE(client.put_object({kBucket, "range me.txt", "text/csv", {{"Run-Id", "7"}}}, body));

  auto range = client.get_object_text({kBucket, "range me.txt", byte_range(10, 19)});
  ASSERT_TRUE(range) << range.get_failure().to_string();
  EXPECT_EQ(*range, body.substr(10, 10));

  auto head = client.head_object(kBucket, "range me.txt");
  ASSERT_TRUE(head) << head.get_failure().to_string();
  EXPECT_EQ(head->content_length, static_cast<int64_t>(body.size()));
  EXPECT_EQ(head->content_type, "text/csv");
  EXPECT_EQ(head->metadata.at("run-id"), "7");
  auto theirs = boto3_call(*moto_, "s3", "HeadObject", {{"Bucket", kBucket}, {"Key", "range me.txt"}});
  EXPECT_EQ(head->e_tag, theirs["ETag"].get<std::string>());
  ASSERT_TRUE(head->last_modified);
  auto their_seconds = static_cast<int64_t>(theirs["LastModified"].get<double>());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(head->last_modified->time_since_epoch()).count(),
            their_seconds);

  ASSERT_TRUE(client.delete_object(kBucket, "range me.txt"));
  auto gone = client.head_object(kBucket, "range me.txt");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.get_failure().http_status, 404);
  auto missing = client.get_object_text({kBucket, "range me.txt", std::nullopt});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.get_failure().code, "NoSuchKey");
}

TEST_F(S3Moto, ConditionalPutsWriteOnlyWhenTheConditionHolds) {
  S3Client client(context_);
  PutObjectRequest create{kBucket, "run.json", "application/json", {}, "*", std::nullopt};
  auto first = client.put_object(create, "one");
  ASSERT_TRUE(first) << first.get_failure().to_string();
  auto second = client.put_object(create, "two");  // the key exists now
  ASSERT_FALSE(second);
  EXPECT_EQ(second.get_failure().http_status, 412);
  EXPECT_EQ(second.get_failure().code, "PreconditionFailed");

  PutObjectRequest replace{kBucket, "run.json", "application/json", {}, std::nullopt, "\"not-the-etag\""};
  auto stale = client.put_object(replace, "three");
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.get_failure().http_status, 412);
  replace.if_match = first->e_tag;
  auto fresh = client.put_object(replace, "four");
  ASSERT_TRUE(fresh) << fresh.get_failure().to_string();
  auto theirs = boto3_call(*moto_, "s3", "GetObject", {{"Bucket", kBucket}, {"Key", "run.json"}});
  EXPECT_EQ(theirs["Body"]["text"], "four");
  auto again = client.put_object(replace, "five");  // the ETag changed with "four"
  ASSERT_FALSE(again);
  EXPECT_EQ(again.get_failure().http_status, 412);

  // A conditional write must be one PUT: refused above the multipart threshold, before any request.
  S3Client small_parts(context_, {std::nullopt, 16, 16});
  auto big = small_parts.put_object(create, std::string(32, 'x'));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.get_failure().code, "ConditionalMultipartNotSupported");
}

TEST_F(S3Moto, MissingBucketIsAServiceError) {
  S3Client client(context_);
  auto listed = client.list_objects_v2(
      {"no-such-bucket-here", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.get_failure().kind, ErrorKind::Service);
  EXPECT_EQ(listed.get_failure().code, "NoSuchBucket");
}

}  // namespace
}  // namespace athena_runner::aws::s3
