// S3 URIs, bucket rules, addressing, XML bodies and dates on strings. Expected values come from S3's
// documentation (bucket naming rules, ListObjectsV2 response example) and from Python's standard library.
#include <gtest/gtest.h>

#include "athena_runner/aws/protocol/s3.hpp"
#include "athena_runner/aws/s3.hpp"

namespace athena_runner::aws::s3 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

TEST(S3Uri, ParsesBucketAndKey) {
  auto parsed = parse_s3_uri("s3://my-bucket/dir/file name+1.csv");
  ASSERT_TRUE(parsed) << parsed.get_failure().to_string();
  EXPECT_EQ(parsed->bucket, "my-bucket");
  EXPECT_EQ(parsed->key, "dir/file name+1.csv");
  EXPECT_EQ(parsed->to_string(), "s3://my-bucket/dir/file name+1.csv");

  auto bucket_only = parse_s3_uri("s3://my.bucket.1");
  ASSERT_TRUE(bucket_only);
  EXPECT_EQ(bucket_only->bucket, "my.bucket.1");
  EXPECT_EQ(bucket_only->key, "");
  auto trailing = parse_s3_uri("S3://abc/");
  ASSERT_TRUE(trailing);
  EXPECT_EQ(trailing->key, "");
}

void expect_invalid(std::string_view uri, std::string_view code, std::string_view fragment) {
  auto parsed = parse_s3_uri(uri);
  ASSERT_FALSE(parsed) << uri;
  EXPECT_EQ(parsed.get_failure().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(parsed.get_failure().code, code);
  EXPECT_NE(parsed.get_failure().message.find(fragment), std::string::npos) << parsed.get_failure().message;
  EXPECT_NE(parsed.get_failure().message.find(uri), std::string::npos) << parsed.get_failure().message;
}

TEST(S3Uri, ClearErrors) {
  expect_invalid("my-bucket/key", "InvalidS3Uri", "expected s3://bucket/key");
  expect_invalid("https://my-bucket/key", "InvalidS3Uri", "expected s3://bucket/key");
  expect_invalid("s3:/my-bucket/key", "InvalidS3Uri", "expected s3://bucket/key");
  expect_invalid("s3:///key", "InvalidS3Uri", "empty bucket");
  expect_invalid("s3://My_Bucket/key", "InvalidBucketName", "\"My_Bucket\"");
  expect_invalid("s3://192.168.5.4/key", "InvalidBucketName", "IP address");
  expect_invalid("s3://ab/key", "InvalidBucketName", "3 to 63");
}

TEST(S3BucketName, RulesFromTheS3UserGuide) {
  // Valid examples from "General purpose bucket naming rules".
  for (const std::string& name :
       std::vector<std::string>{"docexamplebucket1", "log-delivery-march-2020", "my-hosted-content", "abc", "a.b-c.1",
                                std::string(63, 'a')}) {
    EXPECT_TRUE(validate_bucket_name(name)) << name;
  }
  // Invalid examples from the same page, and each rule's edge.
  for (const char* name : {"doc_example_bucket", "DocExampleBucket", "doc-example-bucket-", "-abc", ".abc", "a..b",
                           "ab", "192.168.5.4", "xn--abc", "sthree-abc", "amzn-s3-demo-x", "abc-s3alias", "abc--ol-s3",
                           "abc.mrap", "abc--x-s3", "abc--table-s3", "ab c", "abc/d"}) {
    EXPECT_FALSE(validate_bucket_name(name)) << name;
  }
  EXPECT_FALSE(validate_bucket_name(std::string(64, 'a')));
  EXPECT_TRUE(validate_bucket_name("192.168.5.256"));  // not an IPv4 address
  EXPECT_TRUE(validate_bucket_name("1.2.3"));
}

TEST(S3Addressing, ChoosesPathStyleForOverriddenEndpointsAndDottedBuckets) {
  using protocol::choose_addressing_style;
  EXPECT_EQ(choose_addressing_style(AddressingStyle::Auto, false, "bucket"), AddressingStyle::Virtual);
  EXPECT_EQ(choose_addressing_style(AddressingStyle::Auto, true, "bucket"), AddressingStyle::Path);
  EXPECT_EQ(choose_addressing_style(AddressingStyle::Auto, false, "my.bucket"), AddressingStyle::Path);
  EXPECT_EQ(choose_addressing_style(AddressingStyle::Path, false, "bucket"), AddressingStyle::Path);
  EXPECT_EQ(choose_addressing_style(AddressingStyle::Virtual, true, "bucket"), AddressingStyle::Virtual);
  EXPECT_EQ(protocol::parse_addressing_style("PATH"), AddressingStyle::Path);
  EXPECT_EQ(protocol::parse_addressing_style("virtual"), AddressingStyle::Virtual);
  EXPECT_EQ(protocol::parse_addressing_style("auto"), AddressingStyle::Auto);
  EXPECT_FALSE(protocol::parse_addressing_style("dns"));
}

TEST(S3Addressing, KeysAreEncodedOnceWithSlashesKept) {
  // python3 -c "import urllib.parse; print(urllib.parse.quote('dir/a b+c%d?e#f=g&h~i/ü', safe='/~'))"
  constexpr char kKey[] = "dir/a b+c%d?e#f=g&h~i/\xC3\xBC";
  constexpr char kEncoded[] = "dir/a%20b%2Bc%25d%3Fe%23f%3Dg%26h~i/%C3%BC";
  EXPECT_EQ(protocol::object_path(AddressingStyle::Path, "bucket", kKey), std::string("/bucket/") + kEncoded);
  EXPECT_EQ(protocol::object_path(AddressingStyle::Virtual, "bucket", kKey), std::string("/") + kEncoded);
  EXPECT_EQ(protocol::object_path(AddressingStyle::Path, "bucket", ""), "/bucket");
  EXPECT_EQ(protocol::object_path(AddressingStyle::Virtual, "bucket", ""), "/");
  EXPECT_EQ(protocol::virtual_host("bucket", "s3.eu-west-1.amazonaws.com"), "bucket.s3.eu-west-1.amazonaws.com");
}

std::shared_ptr<ClientContext> offline_context(std::map<std::string, std::string> variables, Profile profile = {}) {
  auto context = std::make_shared<ClientContext>();
  context->environment = Environment::from_map(std::move(variables));
  context->profile = std::move(profile);
  context->region = "eu-west-1";
  return context;
}

TEST(S3Client, VirtualHostedByDefaultAndPathStyleWhenOverridden) {
  S3Client real(offline_context({}));
  auto request = real.make_request("GET", "reports", "a b.csv");
  EXPECT_EQ(request.host, "reports.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(request.path, "/a%20b.csv");
  auto dotted = real.make_request("GET", "my.reports", "k");
  EXPECT_EQ(dotted.host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(dotted.path, "/my.reports/k");

  S3Client local(offline_context({{"AWS_ENDPOINT_URL", "http://127.0.0.1:4566"}}));
  auto local_request = local.make_request("PUT", "reports", "x/y");
  EXPECT_EQ(local_request.host, "127.0.0.1:4566");
  EXPECT_EQ(local_request.path, "/reports/x/y");

  Profile path_profile;
  path_profile.settings["s3.addressing_style"] = "path";
  S3Client configured(offline_context({}, path_profile));
  EXPECT_EQ(configured.effective_addressing_style("reports"), AddressingStyle::Path);
  S3Client forced(offline_context({}, path_profile), S3ClientOptions{AddressingStyle::Virtual});
  EXPECT_EQ(forced.effective_addressing_style("reports"), AddressingStyle::Virtual);
}

TEST(S3List, QueryParameters) {
  ListObjectsV2Request request{"b", "p/", "/", "tok", "p/a", 10};
  QueryList expected{{"list-type", "2"}, {"encoding-type", "url"},      {"prefix", "p/"},
                     {"delimiter", "/"}, {"continuation-token", "tok"}, {"start-after", "p/a"},
                     {"max-keys", "10"}};
  EXPECT_EQ(protocol::list_objects_v2_query(request), expected);
}

// The example response of the ListObjectsV2 API reference, with url encoding and a common prefix added.
constexpr char kListXml[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix/>
  <KeyCount>3</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <EncodingType>url</EncodingType>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents>
    <Key>ExampleObject.txt</Key>
    <LastModified>2013-09-17T18:07:53.000Z</LastModified>
    <ETag>"599bab3ed2c697f1d26842727561fd94"</ETag>
    <Size>857</Size>
    <StorageClass>REDUCED_REDUNDANCY</StorageClass>
  </Contents>
  <Contents>
    <Key>a+b%2Bc%25+%C3%BC</Key>
    <LastModified>2009-10-12T17:50:30Z</LastModified>
    <ETag>"e"</ETag>
    <Size>0</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <CommonPrefixes><Prefix>photos%202006/</Prefix></CommonPrefixes>
</ListBucketResult>)";

TEST(S3List, ParsesUrlEncodedListing) {
  auto parsed = protocol::parse_list_objects_v2(kListXml);
  ASSERT_TRUE(parsed) << parsed.get_failure().to_string();
  ASSERT_EQ(parsed->contents.size(), 2u);
  EXPECT_EQ(parsed->contents[0].key, "ExampleObject.txt");
  EXPECT_EQ(parsed->contents[0].size, 857);
  EXPECT_EQ(parsed->contents[0].e_tag, "\"599bab3ed2c697f1d26842727561fd94\"");
  EXPECT_EQ(parsed->contents[0].storage_class, "REDUCED_REDUNDANCY");
  // 2013-09-17T18:07:53Z: python3 -c "import
  // calendar,datetime;print(calendar.timegm(datetime.datetime(2013,9,17,18,7,53).timetuple()))"
  EXPECT_EQ(parsed->contents[0].last_modified, system_clock::time_point(seconds(1379441273)));
  // '+' is a space in S3's url encoding (botocore decodes with unquote_plus); %2B is a literal '+'.
  EXPECT_EQ(parsed->contents[1].key, "a b+c% \xC3\xBC");
  EXPECT_EQ(parsed->common_prefixes, (std::vector<std::string>{"photos 2006/"}));
  EXPECT_TRUE(parsed->is_truncated);
  EXPECT_EQ(parsed->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  EXPECT_EQ(parsed->key_count, 3);
  EXPECT_FALSE(protocol::parse_list_objects_v2("<nope/>"));
  EXPECT_FALSE(protocol::parse_list_objects_v2("not xml <"));
}

TEST(S3Multipart, InitiateAndComplete) {
  auto upload_id = protocol::parse_initiate_multipart_upload(
      R"(<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>)");
  ASSERT_TRUE(upload_id);
  EXPECT_EQ(*upload_id, "VXBsb2FkIElE");
  EXPECT_FALSE(protocol::parse_initiate_multipart_upload("<InitiateMultipartUploadResult/>"));

  EXPECT_EQ(protocol::serialize_complete_multipart_upload({{1, "\"a1\""}, {2, "\"b2\""}}),
            "<?xml version=\"1.0\"?><CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><ETag>\"a1\"</ETag><PartNumber>1</PartNumber></Part>"
            "<Part><ETag>\"b2\"</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>");

  auto completed = protocol::parse_complete_multipart_upload(
      R"(<CompleteMultipartUploadResult><Location>l</Location><ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag></CompleteMultipartUploadResult>)");
  ASSERT_TRUE(completed);
  EXPECT_EQ(*completed, "\"3858f62230ac3c915f300c664312c11f-9\"");
  auto from_moto = protocol::parse_complete_multipart_upload(
      R"(<?xml version="1.0" encoding="utf-8"?><CompleteMultipartUploadResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ETag>"e-2"</ETag></CompleteMultipartUploadResponse>)");
  ASSERT_TRUE(from_moto);
  EXPECT_EQ(*from_moto, "\"e-2\"");
  // A 200 response whose body is an error (documented for CompleteMultipartUpload).
  auto failed = protocol::parse_complete_multipart_upload(
      "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message>"
      "<RequestId>656c76696e6727732072657175657374</RequestId></Error>");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.get_failure().code, "InternalError");
  EXPECT_EQ(failed.get_failure().request_id, "656c76696e6727732072657175657374");
}

// CopyObject (docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html): the result's ETag, an error in a 200
// response ("a 200 OK response can contain either a success or an error"), and the x-amz-copy-source header as
// botocore sends it (bucket/key, the key URL-encoded with '/' kept).
TEST(S3CopyObject, ResultErrorAndCopySource) {
  auto copied = protocol::parse_copy_object(
      R"(<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>"9b2cf535f27731c974343645a3985328"</ETag></CopyObjectResult>)");
  ASSERT_TRUE(copied);
  EXPECT_EQ(*copied, "\"9b2cf535f27731c974343645a3985328\"");
  auto failed = protocol::parse_copy_object(
      "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message>"
      "<RequestId>4442587FB7D0A2F9</RequestId></Error>");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.get_failure().code, "InternalError");
  EXPECT_EQ(failed.get_failure().http_status, 200);
  EXPECT_EQ(protocol::copy_source("results", "athena/a b+c.csv"), "results/athena/a%20b%2Bc.csv");
}

TEST(S3Multipart, PartSizeRespectsS3Limits) {
  EXPECT_EQ(protocol::choose_part_size(100 * kMebibyte, 8 * kMebibyte), 8 * kMebibyte);
  EXPECT_EQ(protocol::choose_part_size(100 * kMebibyte, 1 * kMebibyte), kMinPartSize);
  const int64_t huge = 200'000 * kMebibyte;  // 10,000 parts of 8 MiB are not enough
  auto part = protocol::choose_part_size(huge, 8 * kMebibyte);
  EXPECT_LE((huge + part - 1) / part, kMaxParts);
  EXPECT_GT(part, 8 * kMebibyte);
}

TEST(S3Headers, MetadataAndDates) {
  HeaderList headers{{"X-Amz-Meta-Owner", "team a"}, {"x-amz-meta-run", "7"}, {"Content-Type", "text/csv"}};
  EXPECT_EQ(protocol::metadata_from_headers(headers),
            (std::map<std::string, std::string>{{"owner", "team a"}, {"run", "7"}}));
  EXPECT_EQ(protocol::parse_http_date("Mon, 12 Oct 2009 17:50:30 GMT"), system_clock::time_point(seconds(1255369830)));
  EXPECT_FALSE(protocol::parse_http_date("yesterday"));
  EXPECT_EQ(protocol::parse_iso8601("2009-10-12T17:50:30.250Z"), system_clock::time_point(milliseconds(1255369830250)));
  EXPECT_FALSE(protocol::parse_iso8601("2009-10-12 17:50:30"));
  EXPECT_EQ(byte_range(0, 99), "bytes=0-99");
}

}  // namespace
}  // namespace athena_runner::aws::s3
