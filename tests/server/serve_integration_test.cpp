// `athena-runner serve` as users run it: the real binary on a free loopback port, driven by awscli and
// boto3 (serve_clients.py), which no one here wrote. Expected values come from the clients' own inputs
// or are computed independently (Python's hashlib for multipart ETags).
#include <gtest/gtest.h>
#include <signal.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "support/process.hpp"
#include "support/serve_process.hpp"
#include "support/temp_dir.hpp"

#include "athena_runner/engine/local_engine.hpp"

namespace athena_runner::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kBinary[] = AR_ATHENA_RUNNER_BINARY;
constexpr char kClients[] = AR_SOURCE_DIR "/tests/server/serve_clients.py";

class Serve : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    empty_config_ = dir_.write("aws-config", "");
    empty_credentials_ = dir_.write("aws-credentials", "");
    start();
  }
  void start(const std::vector<std::string>& options = {}) {
    server_.reset();
    server_ = std::make_unique<ServeProcess>(kBinary, data_dir_, dir_.path() + "/serve.log", options);
  }

  std::map<std::string, std::string> environment() const {
    return {{"AWS_ACCESS_KEY_ID", "test"},
            {"AWS_SECRET_ACCESS_KEY", "test"},
            {"AWS_REGION", "us-east-1"},
            {"AWS_DEFAULT_REGION", "us-east-1"},
            {"AWS_ENDPOINT_URL", server_->endpoint()},
            {"AWS_CONFIG_FILE", empty_config_},
            {"AWS_SHARED_CREDENTIALS_FILE", empty_credentials_},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"AWS_PAGER", ""}};
  }

  ProcessResult aws(std::vector<std::string> arguments) const {
    arguments.insert(arguments.begin(), {"aws", "--endpoint-url", server_->endpoint(), "--output", "json"});
    return run_process(arguments, {}, environment(), std::chrono::seconds(300));
  }
  json aws_json(std::vector<std::string> arguments) const {
    auto result = aws(arguments);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out.empty() ? json() : json::parse(result.out, nullptr, false);
  }
  json client(std::vector<std::string> arguments) const {
    arguments.insert(arguments.begin(), {"python3", kClients});
    auto result = run_process(arguments, {}, environment(), std::chrono::seconds(300));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out, nullptr, false);
  }

  TempDir dir_;
  std::string data_dir_;
  std::string empty_config_;
  std::string empty_credentials_;
  std::unique_ptr<ServeProcess> server_;
};

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string data(size, '\0');
  for (auto& byte : data) byte = static_cast<char>(generator() & 0xFF);
  return data;
}

TEST_F(Serve, AwsCliCopiesA50MegabyteFileInPartsAndBack) {
  const std::string data = random_bytes(50u * 1024 * 1024, 7);
  const std::string source = dir_.write("upload/big.bin", data);
  ASSERT_EQ(aws({"s3", "mb", "s3://big-bucket"}).exit_code, 0);
  auto copy = aws({"s3", "cp", "--only-show-errors", source, "s3://big-bucket/nested/big.bin"});
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  EXPECT_EQ(read_file(data_dir_ + "/big-bucket/nested/big.bin") == data, true);

  // awscli's default part size is 8 MiB: 7 parts. The multipart ETag computed by Python's hashlib.
  auto etag =
      run_process({"python3", "-c",
                   "import hashlib,sys\nd=open(sys.argv[1],'rb').read()\nparts=[d[i:i+8388608] for i in "
                   "range(0,len(d),8388608)]\nprint('\"%s-%d\"' % (hashlib.md5(b''.join(hashlib.md5(p).digest() "
                   "for p in parts)).hexdigest(), len(parts)))",
                   source});
  auto head = aws_json({"s3api", "head-object", "--bucket", "big-bucket", "--key", "nested/big.bin"});
  EXPECT_EQ(head["ETag"].get<std::string>() + "\n", etag.out);
  EXPECT_EQ(head["ContentLength"], data.size());

  const std::string target = dir_.path() + "/download/big.bin";
  auto download = aws({"s3", "cp", "--only-show-errors", "s3://big-bucket/nested/big.bin", target});
  ASSERT_EQ(download.exit_code, 0) << download.err;
  EXPECT_TRUE(read_file(target) == data);
  // S3 to S3: awscli copies a large object in parts with UploadPartCopy.
  auto server_side =
      aws({"s3", "cp", "--only-show-errors", "s3://big-bucket/nested/big.bin", "s3://big-bucket/copy/big.bin"});
  ASSERT_EQ(server_side.exit_code, 0) << server_side.err;
  EXPECT_TRUE(read_file(data_dir_ + "/big-bucket/copy/big.bin") == data);
  auto copied_head = aws_json({"s3api", "head-object", "--bucket", "big-bucket", "--key", "copy/big.bin"});
  EXPECT_EQ(copied_head["ETag"].get<std::string>() + "\n", etag.out);  // same 8 MiB parts, same ETag
  // No upload state or temporary file is left behind.
  EXPECT_TRUE(fs::is_empty(data_dir_ + "/.s3uploads"));
  EXPECT_TRUE(fs::is_empty(data_dir_ + "/.s3tmp"));
}

TEST_F(Serve, AwsCliSyncListsAndRemoves) {
  dir_.write("site/index.html", "<h1>hi</h1>");
  dir_.write("site/css/main.css", "body{}");
  dir_.write("site/data/rows.csv", "a,b\n1,2\n");
  ASSERT_EQ(aws({"s3", "mb", "s3://sync-bucket"}).exit_code, 0);
  auto sync = aws({"s3", "sync", "--only-show-errors", dir_.path() + "/site", "s3://sync-bucket/site"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  auto listing = aws({"s3", "ls", "--recursive", "s3://sync-bucket/"});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  for (const char* key : {"site/index.html", "site/css/main.css", "site/data/rows.csv"})
    EXPECT_NE(listing.out.find(key), std::string::npos) << listing.out;
  // A second sync has nothing to do: sizes and times match what was uploaded.
  auto again = aws({"s3", "sync", dir_.path() + "/site", "s3://sync-bucket/site"});
  EXPECT_EQ(again.out, "");
  auto top = aws({"s3", "ls", "s3://sync-bucket/site/"});
  EXPECT_NE(top.out.find("PRE css/"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("index.html"), std::string::npos) << top.out;

  ASSERT_EQ(aws({"s3", "rm", "--recursive", "--only-show-errors", "s3://sync-bucket/site"}).exit_code, 0);
  EXPECT_EQ(aws({"s3", "ls", "--recursive", "s3://sync-bucket/"}).out, "");
  EXPECT_EQ(aws({"s3", "rb", "s3://sync-bucket"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(data_dir_ + "/sync-bucket"));
}

TEST_F(Serve, AwsCliGlueCatalogIsTheLocalEnginesCatalog) {
  ASSERT_EQ(aws({"glue", "create-database", "--database-input", R"({"Name":"pizza"})"}).exit_code, 0);
  const std::string table = R"({"Name":"orders","TableType":"EXTERNAL_TABLE",
    "StorageDescriptor":{"Columns":[{"Name":"id","Type":"int"},{"Name":"price","Type":"double"}],
      "Location":"s3://lake-bucket/orders/","InputFormat":"org.apache.hadoop.mapred.TextInputFormat",
      "SerdeInfo":{"SerializationLibrary":"org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                   "Parameters":{"field.delim":","}}}})";
  auto created = aws({"glue", "create-table", "--database-name", "pizza", "--table-input", table});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto tables = aws_json({"glue", "get-tables", "--database-name", "pizza"});
  ASSERT_EQ(tables["TableList"].size(), 1u);
  EXPECT_EQ(tables["TableList"][0]["Name"], "orders");
  EXPECT_EQ(tables["TableList"][0]["StorageDescriptor"]["Columns"][1]["Type"], "double");
  auto databases = aws_json({"glue", "get-databases"});
  ASSERT_EQ(databases["DatabaseList"].size(), 1u);
  EXPECT_EQ(databases["DatabaseList"][0]["Name"], "pizza");

  std::string rows;
  double expected_total = 0;
  for (int id = 1; id <= 20; ++id) {
    rows += std::to_string(id) + "," + std::to_string(id) + ".25\n";
    expected_total += id + 0.25;
  }
  const std::string csv = dir_.write("orders.csv", rows);
  ASSERT_EQ(aws({"s3", "mb", "s3://lake-bucket"}).exit_code, 0);
  ASSERT_EQ(aws({"s3", "cp", "--only-show-errors", csv, "s3://lake-bucket/orders/part-0.csv"}).exit_code, 0);
  auto engine = engine::LocalEngine::open({.data_root = data_dir_,
                                           .catalog_dir = data_dir_ + "/.glue",
                                           .default_database = "pizza",
                                           .threads = 1,
                                           .memory_limit = ""});
  ASSERT_TRUE(engine) << engine.get_failure().to_string();
  auto result = (*engine)->execute("SELECT count(*) AS n, sum(price) AS total FROM orders");
  ASSERT_TRUE(result) << result.get_failure().to_string();
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_EQ(result->rows[0][0].value_or(""), "20");
  EXPECT_DOUBLE_EQ(std::stod(result->rows[0][1].value_or("0")), expected_total);
  auto deleted = aws({"glue", "delete-table", "--database-name", "pizza", "--name", "orders"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  auto missing = aws({"glue", "get-table", "--database-name", "pizza", "--name", "orders"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("EntityNotFoundException"), std::string::npos) << missing.err;
}

TEST_F(Serve, Boto3PaginatorsWalkMoreThanAThousandKeys) {
  constexpr int kCount = 1100;
  auto result = client({"paginate", "page-bucket", std::to_string(kCount)});
  std::vector<std::string> expected;
  for (int index = 0; index < kCount; ++index) {
    char name[64];
    std::snprintf(name, sizeof name, "data/part-%05d.txt", index);
    expected.emplace_back(name);
  }
  expected.insert(expected.end(), {"data/sub/a.txt", "data/sub/b.txt", "top.txt"});
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(result["listed"].get<std::vector<std::string>>(), expected);
  EXPECT_EQ(result["v1"].get<std::vector<std::string>>(), expected);
  EXPECT_EQ(result["pages"], 2);  // 1103 keys, 1000 per page
  EXPECT_EQ(result["small_pages"], json::parse("[400, 400, 302]"));
  EXPECT_EQ(result["delimited"]["prefixes"], json::parse(R"(["data/sub/"])"));
  EXPECT_EQ(result["delimited"]["keys"].size(), static_cast<std::size_t>(kCount));
  EXPECT_EQ(result["top"]["keys"], json::parse(R"(["top.txt"])"));
  EXPECT_EQ(result["top"]["prefixes"], json::parse(R"(["data/"])"));
  EXPECT_EQ(result["after"], json::parse(R"(["data/sub/b.txt", "top.txt"])"));
}

TEST_F(Serve, Boto3SeesAwsErrorShapes) {
  auto errors = client({"errors", "error-bucket"});
  auto expect_error = [&](const char* name, const char* code, int status) {
    EXPECT_EQ(errors[name]["code"], code) << name << ": " << errors[name].dump();
    EXPECT_EQ(errors[name]["status"], status) << name;
  };
  expect_error("no_such_key", "NoSuchKey", 404);
  expect_error("no_such_bucket", "NoSuchBucket", 404);
  expect_error("list_no_such_bucket", "NoSuchBucket", 404);
  expect_error("head_missing", "404", 404);  // HEAD errors have no body: botocore names them by status
  expect_error("bucket_not_empty", "BucketNotEmpty", 409);
  expect_error("already_owned", "BucketAlreadyOwnedByYou", 409);
  expect_error("invalid_bucket_name", "InvalidBucketName", 400);
  expect_error("bad_range", "InvalidRange", 416);
  expect_error("no_such_upload", "NoSuchUpload", 404);
  expect_error("glue_no_database", "EntityNotFoundException", 400);
  expect_error("glue_no_table", "EntityNotFoundException", 400);
  expect_error("glue_bad_name", "InvalidInputException", 400);
}

TEST_F(Serve, BadSignaturesAreRejectedWithAwsErrors) {
  auto result = client({"bad-credentials", "cred-bucket"});
  EXPECT_EQ(result["s3_wrong_secret"]["code"], "SignatureDoesNotMatch");
  EXPECT_EQ(result["s3_wrong_secret"]["status"], 403);
  EXPECT_EQ(result["s3_put_wrong_secret"]["code"], "SignatureDoesNotMatch");
  EXPECT_EQ(result["s3_unknown_key"]["code"], "InvalidAccessKeyId");
  EXPECT_EQ(result["glue_wrong_secret"]["code"], "InvalidSignatureException");
  EXPECT_EQ(result["glue_wrong_secret"]["status"], 403);
  EXPECT_EQ(result["glue_unknown_key"]["code"], "UnrecognizedClientException");
  EXPECT_EQ(result["unsigned"]["status"], 403);
  EXPECT_NE(result["unsigned"]["body"].get<std::string>().find("<Code>AccessDenied</Code>"), std::string::npos);
  EXPECT_EQ(result["unsigned_glue"]["headers"]["x-amzn-errortype"], "MissingAuthenticationTokenException");
  // The rejected PutObject wrote nothing.
  EXPECT_EQ(result["object_written"]["code"], "404");
  EXPECT_FALSE(fs::exists(data_dir_ + "/cred-bucket/x"));
}

TEST_F(Serve, KeysCannotEscapeTheDataDirectory) {
  auto result = client({"traversal", "trav-bucket"});
  for (const char* name : {"dotdot", "deep", "dot", "double_slash", "leading_slash", "copy_source"}) {
    EXPECT_EQ(result[name]["code"], "InvalidArgument") << name << ": " << result[name].dump();
    EXPECT_EQ(result[name]["status"], 400) << name;
  }
  for (const char* name : {"encoded", "raw_dotdot"}) {
    EXPECT_EQ(result[name]["status"], 400) << name;
    EXPECT_NE(result[name]["body"].get<std::string>().find("<Code>InvalidArgument</Code>"), std::string::npos);
  }
  EXPECT_EQ(result["listing"], json::array());
  EXPECT_EQ(result["prefix_listing"], 0);
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path()))
    EXPECT_NE(entry.path().filename(), "escape.txt") << entry.path();
}

// An HTTP Date (IMF-fixdate) as seconds since the epoch; nullopt when it is not one.
std::optional<std::time_t> parse_http_date(const std::string& text) {
  std::tm utc{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return timegm(&utc);
}

TEST_F(Serve, HttpFrontDatesSkewAnswersExpectContinueKeepAliveAndHeadersAsSent) {
  auto result = client({"http-front", "front-bucket"});
  const std::time_t now = std::time(nullptr);
  // '%XX' in signed header values: accepted (the signature is over the bytes sent) and returned as sent.
  EXPECT_EQ(result["percent_put"], 200);
  EXPECT_EQ(result["head"]["status"], 200);
  EXPECT_EQ(result["head"]["note"], "100%25 done");
  EXPECT_EQ(result["head"]["disposition"], "inline; filename*=UTF-8''a%20b");
  // HEAD as S3 answers it: the object's length, no body.
  EXPECT_EQ(result["head"]["length"], "7");
  EXPECT_EQ(result["head"]["body"], "");
  // A streamed body that differs from its signed SHA-256: refused, nothing stored, no temporary file left.
  EXPECT_EQ(result["payload_mismatch"]["status"], 400);
  EXPECT_NE(result["payload_mismatch"]["body"].get<std::string>().find("<Code>XAmzContentSHA256Mismatch</Code>"),
            std::string::npos)
      << result["payload_mismatch"].dump();
  EXPECT_EQ(result["payload_mismatch"]["stored"]["status"], 404);
  for (const auto& entry : fs::directory_iterator(data_dir_ + "/.s3tmp"))
    EXPECT_FALSE(entry.is_regular_file()) << entry.path();
  // Every answer carries Date, close to now.
  for (const auto& [name, answer] : result["dates"].items()) {
    auto date = parse_http_date(answer["date"].is_string() ? answer["date"].get<std::string>() : "");
    ASSERT_TRUE(date.has_value()) << name << ": " << answer.dump();
    EXPECT_LE(std::abs(static_cast<long long>(*date - now)), 120) << name;
  }
  EXPECT_EQ(result["dates"]["no_such_key"]["status"], 404);
  EXPECT_EQ(result["dates"]["head_missing"]["status"], 404);
  EXPECT_EQ(result["dates"]["head_missing"]["body"], "");
  EXPECT_EQ(result["dates"]["not_modified"]["status"], 304);
  EXPECT_EQ(result["dates"]["glue_missing"]["status"], 400);
  // Range: a reversed one is ignored (RFC 9110, S3 answers the whole object); one past the end is S3's
  // InvalidRange in XML.
  EXPECT_EQ(result["dates"]["reversed_range"]["status"], 200);
  EXPECT_EQ(result["dates"]["reversed_range"]["body"], "percent");
  EXPECT_EQ(result["dates"]["unsatisfiable_range"]["status"], 416);
  EXPECT_NE(result["dates"]["unsatisfiable_range"]["body"].get<std::string>().find("<Code>InvalidRange</Code>"),
            std::string::npos);

  // RequestTimeTooSkewed (S3): RequestTime as sent, ServerTime (ISO 8601) close to now, S3's 15 minutes.
  const std::string s3_body = result["s3_skew"]["body"];
  EXPECT_EQ(result["s3_skew"]["status"], 403);
  EXPECT_NE(s3_body.find("<Code>RequestTimeTooSkewed</Code>"), std::string::npos) << s3_body;
  EXPECT_NE(s3_body.find("<RequestTime>" + result["s3_skew"]["amz_date"].get<std::string>() + "</RequestTime>"),
            std::string::npos)
      << s3_body;
  EXPECT_NE(s3_body.find("<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>"), std::string::npos);
  auto server_time_at = s3_body.find("<ServerTime>");
  ASSERT_NE(server_time_at, std::string::npos) << s3_body;
  std::tm server_tm{};
  ASSERT_NE(strptime(s3_body.substr(server_time_at + 12, 20).c_str(), "%Y-%m-%dT%H:%M:%SZ", &server_tm), nullptr);
  EXPECT_LE(std::abs(static_cast<long long>(timegm(&server_tm) - now)), 120);
  EXPECT_TRUE(parse_http_date(result["s3_skew"]["date"].get<std::string>()).has_value());
  // The JSON services: InvalidSignatureException with AWS's "Signature expired" message, which names the
  // server's time, and the Date header.
  EXPECT_EQ(result["glue_skew"]["status"], 403);
  auto glue = json::parse(result["glue_skew"]["body"].get<std::string>(), nullptr, false);
  EXPECT_EQ(glue["__type"], "InvalidSignatureException");
  EXPECT_EQ(
      glue["message"].get<std::string>().rfind(
          "Signature expired: " + result["glue_skew"]["amz_date"].get<std::string>() + " is now earlier than ", 0),
      0u)
      << glue.dump();
  EXPECT_TRUE(parse_http_date(result["glue_skew"]["date"].get<std::string>()).has_value());

  // Expect: 100-continue: the interim answer, then the body is read and stored whole.
  EXPECT_EQ(result["expect"]["interim"], "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(result["expect"]["final"], "HTTP/1.1 200 OK");
  EXPECT_EQ(result["expect_stored"], result["expect_sent"]);
  // Keep-alive: three requests answered on one connection.
  EXPECT_EQ(result["keep_alive"]["statuses"], json::array({200, 200, 200}));
  EXPECT_EQ(result["keep_alive"]["one_connection"], true);
}

// A /proc/<pid>/status field in kB ("VmHWM": the peak resident set), -1 when missing.
long long proc_status_kb(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

// Peak memory does not depend on the object's size: a 2 GiB PutObject in one request (SHA-256, Content-MD5
// and CRC32 declared by the client and verified by the server as the body streams to disk), read back
// whole and hashed by the client, with the server's peak RSS (VmHWM) under 64 MiB.
TEST_F(Serve, ATwoGibObjectIsStoredAndReadBackInFlatMemory) {
  const long long before_kb = proc_status_kb(server_->pid(), "VmHWM");
  ASSERT_GT(before_kb, 0);
  const auto started = std::chrono::steady_clock::now();
  auto result = client({"large-object", "large-bucket", "2048"});
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const long long peak_kb = proc_status_kb(server_->pid(), "VmHWM");
  std::cout << "2 GiB put and get in " << seconds << " s; server peak RSS " << peak_kb << " kB (" << before_kb
            << " kB before)\n";
  EXPECT_EQ(result["put"]["status"], 200) << result["put"].dump();
  EXPECT_EQ(result["put"]["etag"], result["expected_etag"]);
  EXPECT_EQ(result["get_status"], 200);
  EXPECT_EQ(result["received"], 2048ull << 20);
  EXPECT_EQ(result["sha256"], result["expected_sha256"]);
  EXPECT_EQ(result["range_status"], 206);
  EXPECT_EQ(result["range_length"], "10");
  EXPECT_EQ(result["range_ok"], true);
  EXPECT_EQ(fs::file_size(data_dir_ + "/large-bucket/large.bin"), 2048ull << 20);
  EXPECT_LT(peak_kb, 64 * 1024) << "peak RSS " << peak_kb << " kB (before the upload: " << before_kb << " kB)";
  EXPECT_LT(seconds, 240) << "the 2 GiB round trip took " << seconds << " s";
  // Nothing left in the temporary folder.
  std::size_t leftovers = 0;
  for (const auto& entry : fs::directory_iterator(data_dir_ + "/.s3tmp")) leftovers += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(leftovers, 0u);
}

TEST_F(Serve, MalformedRequestsGetAwsShapedErrorsAndTheServerKeepsServing) {
  auto result = client({"malformed", "mal-bucket"});
  auto expect_xml = [&](const char* name, int status, const char* code) {
    EXPECT_EQ(result[name]["status"], status) << name << ": " << result[name].dump();
    EXPECT_NE(result[name]["body"].get<std::string>().find(std::string("<Code>") + code + "</Code>"), std::string::npos)
        << name << ": " << result[name].dump();
  };
  auto expect_json = [&](const char* name, const char* type) {
    EXPECT_EQ(result[name]["status"], 400) << name;
    EXPECT_EQ(result[name]["headers"]["x-amzn-errortype"], type) << name;
    auto body = json::parse(result[name]["body"].get<std::string>(), nullptr, false);
    EXPECT_EQ(body["__type"], type) << name;
    EXPECT_FALSE(body["message"].get<std::string>().empty());
  };
  expect_xml("garbage_authorization", 400, "AuthorizationHeaderMalformed");
  expect_xml("old_signature_version", 400, "AuthorizationHeaderMalformed");
  expect_json("glue_not_json", "SerializationException");
  expect_json("glue_wrong_type", "InvalidInputException");
  expect_json("glue_unknown_operation", "UnknownOperationException");
  expect_xml("delete_not_xml", 400, "MalformedXML");
  expect_xml("complete_not_xml", 400, "MalformedXML");
  expect_xml("bad_content_md5", 400, "BadDigest");
  expect_xml("bad_checksum", 400, "BadDigest");
  expect_xml("unsupported", 501, "NotImplemented");
  EXPECT_EQ(result["after"], "still serving");
}

TEST_F(Serve, AwsChunkedUploadWithTrailingChecksum) {
  auto result = client({"trailer", "chunk-bucket", "chunked.bin"});
  EXPECT_EQ(result["good"]["content_sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  EXPECT_EQ(result["good"]["status"], 200) << result["good"].dump();
  EXPECT_EQ(result["stored_sha256"], result["sent_sha256"]);
  EXPECT_FALSE(result["stored_crc32"].is_null());
  EXPECT_TRUE(result["content_encoding"].is_null());  // aws-chunked is not stored
  EXPECT_EQ(result["tampered"]["status"], 400) << result["tampered"].dump();
  EXPECT_NE(result["tampered"]["body"].get<std::string>().find("<Code>BadDigest</Code>"), std::string::npos);
  EXPECT_FALSE(fs::exists(data_dir_ + "/chunk-bucket/chunked.bin.tampered"));
}

TEST_F(Serve, VirtualHostedAndPresignedRequests) {
  auto virtual_host = client({"virtual-host", "vhost-bucket", "a b/c.txt"});
  EXPECT_EQ(virtual_host["get"]["status"], 200) << virtual_host.dump();
  EXPECT_EQ(virtual_host["get"]["body"], "virtual");
  EXPECT_NE(virtual_host["list"]["body"].get<std::string>().find("<Key>a b/c.txt</Key>"), std::string::npos);
  auto presigned = client({"presigned", "presign-bucket", "p.txt"});
  EXPECT_EQ(presigned["good"]["status"], 200) << presigned.dump();
  EXPECT_EQ(presigned["good"]["body"], "presigned body");
  EXPECT_EQ(presigned["tampered"]["status"], 403);
  EXPECT_NE(presigned["tampered"]["body"].get<std::string>().find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(presigned["download"]["status"], 200);
  EXPECT_EQ(presigned["download"]["headers"]["content-type"], "text/csv");
  EXPECT_EQ(presigned["download"]["headers"]["content-disposition"], "attachment; filename=\"report.csv\"");
  EXPECT_EQ(presigned["sigv2"]["status"], 400);
  EXPECT_NE(presigned["sigv2"]["body"].get<std::string>().find("AWS4-HMAC-SHA256"), std::string::npos);
}

TEST_F(Serve, ObjectOperationsMatchS3) {
  auto result = client({"objects", "object-bucket"});
  EXPECT_EQ(result["put_etag"], "\"" + result["md5"].get<std::string>() + "\"");
  EXPECT_FALSE(result["put_sha256"].is_null());
  std::vector<int> expected_range;
  for (int value = 10; value <= 19; ++value) expected_range.push_back(value);
  EXPECT_EQ(result["range"].get<std::vector<int>>(), expected_range);  // body is bytes(range(256)) * 4
  EXPECT_EQ(result["content_range"], "bytes 10-19/1024");
  EXPECT_EQ(result["suffix"], json::parse("[251, 252, 253, 254, 255]"));
  EXPECT_EQ(result["head"]["type"], "application/x-test");
  EXPECT_EQ(result["head"]["length"], 1024);
  EXPECT_EQ(result["head"]["metadata"], json::parse(R"({"owner": "team-a"})"));
  EXPECT_EQ(result["copy_etag"], result["put_etag"]);
  EXPECT_EQ(result["copied_type"], "application/x-test");
  EXPECT_EQ(result["copied_metadata"], json::parse(R"({"owner": "team-a"})"));
  EXPECT_EQ(result["copied_length"], 1024);
  EXPECT_EQ(result["deleted"], json::parse(R"(["del/a", "del/b", "del/never-existed"])"));
  EXPECT_EQ(result["delete_errors"], json::parse(R"(["../bad"])"));
  EXPECT_EQ(result["listing"], json::parse(R"(["copy/obj.bin", "del/c", "dir/obj.bin", "folder/"])"));
  EXPECT_EQ(result["odd"], "odd");
  EXPECT_EQ(result["buckets"], json::parse(R"(["object-bucket"])"));
  EXPECT_TRUE(fs::is_directory(data_dir_ + "/object-bucket/folder"));
  EXPECT_EQ(result["parts"], json::parse("[[1, 5242880], [2, 4]]"));
  EXPECT_EQ(result["part_pages"], json::parse("[1, 1]"));
  EXPECT_EQ(result["uploads"], json::parse(R"(["mp/parts.bin"])"));
  EXPECT_EQ(result["uploads_after"], json::array());
  const json& conditions = result["conditions"];
  EXPECT_EQ(conditions["if_none_match"]["status"], 304);
  EXPECT_EQ(conditions["if_match_wrong"]["code"], "PreconditionFailed");
  EXPECT_EQ(conditions["if_match_wrong"]["status"], 412);
  EXPECT_EQ(conditions["if_match"], 1024);
  EXPECT_EQ(conditions["if_modified_since_future"]["status"], 304);
  EXPECT_EQ(conditions["if_modified_since_past"], 1024);
  EXPECT_EQ(conditions["if_unmodified_since_past"]["status"], 412);
}

// Metadata through boto3 and where the server keeps it: the object file's attribute (read back by Python's
// os.getxattr), a sidecar for what does not fit one, old-format sidecars and hand-written files as before.
TEST_F(Serve, ObjectMetadataLivesInTheObjectsAttributeAndOldSidecarsStillRead) {
  auto result = client({"stored-metadata", "meta-bucket", data_dir_});
  const json& obj = result["obj"];
  EXPECT_EQ(obj["etag"], result["md5"]);
  EXPECT_EQ(obj["type"], "text/x-stored");
  EXPECT_EQ(obj["metadata"], json::parse(R"({"owner": "team-a"})"));
  EXPECT_EQ(obj["disposition"], "attachment; filename=obj.txt");
  EXPECT_EQ(obj["cache"], "max-age=60");
  EXPECT_EQ(obj["crc32"], result["crc32"]);
  ASSERT_TRUE(result["obj_attribute"].is_object()) << result.dump();
  EXPECT_EQ(result["obj_attribute"]["etag"], result["md5"]);
  EXPECT_EQ(result["obj_attribute"]["checksum_value"], result["crc32"]);
  EXPECT_EQ(result["obj_sidecar"], false);  // one file per object
  EXPECT_EQ(result["copy"]["etag"], result["md5"]);
  EXPECT_EQ(result["copy"]["type"], "text/x-stored");
  EXPECT_EQ(result["copy"]["metadata"], json::parse(R"({"owner": "team-a"})"));
  EXPECT_EQ(result["replaced"]["type"], "text/x-replaced");
  EXPECT_EQ(result["replaced"]["metadata"], json::parse(R"({"owner": "team-b"})"));
  EXPECT_EQ(result["parts"]["etag"], result["parts_expected"]);
  EXPECT_EQ(result["parts"]["type"], "application/x-parts");
  EXPECT_EQ(result["parts"]["metadata"], json::parse(R"({"kind": "parts"})"));
  EXPECT_EQ(result["parts"]["length"], 5 * 1024 * 1024 + 1000);
  EXPECT_EQ(result["parts_attribute"], true);
  EXPECT_EQ(result["folder"], "\"d41d8cd98f00b204e9800998ecf8427e\"");  // MD5 of nothing
  EXPECT_EQ(result["large_round_trip"], true);
  EXPECT_EQ(result["large_in"].size(), 1u) << result["large_in"];
  EXPECT_EQ(result["legacy"]["etag"], "\"0123456789abcdef0123456789abcdef-3\"");
  EXPECT_EQ(result["legacy"]["type"], "text/csv");
  EXPECT_EQ(result["legacy"]["metadata"], json::parse(R"({"from": "old"})"));
  EXPECT_EQ(result["hand"]["etag"], result["hand_md5"]);
  EXPECT_EQ(result["hand"]["type"], "binary/octet-stream");
  const json& listing = result["listing"];
  EXPECT_EQ(listing["m/obj"], result["md5"]);
  EXPECT_EQ(listing["m/copy"], result["md5"]);
  EXPECT_EQ(listing["m/parts"], result["parts_expected"]);
  EXPECT_EQ(listing["legacy/old.csv"], "\"0123456789abcdef0123456789abcdef-3\"");
  EXPECT_EQ(listing["hand.txt"], result["hand_md5"]);
}

// Conditional writes (the S3 User Guide, "How to prevent object overwrites with conditional writes"; botocore's
// PutObject IfNoneMatch/IfMatch): If-None-Match: * writes only a new key, If-Match only over that ETag; 412
// PreconditionFailed otherwise, NoSuchKey for If-Match on a missing key; the object is left as it was.
TEST_F(Serve, ConditionalPutsWriteOnlyWhenTheirConditionHolds) {
  ASSERT_EQ(aws({"s3", "mb", "s3://conditional-bucket"}).exit_code, 0);
  const std::string first = dir_.write("first.txt", "first");
  const std::string second = dir_.write("second.txt", "second");
  auto put = [&](const std::string& body, const std::vector<std::string>& condition) {
    std::vector<std::string> arguments{"s3api", "put-object", "--bucket", "conditional-bucket",
                                       "--key", "k.txt",      "--body",   body};
    arguments.insert(arguments.end(), condition.begin(), condition.end());
    return aws(arguments);
  };
  auto created = put(first, {"--if-none-match", "*"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string first_etag = json::parse(created.out)["ETag"];
  EXPECT_EQ(first_etag, "\"8b04d5e3775d298e78455efc5ca404d5\"");  // md5("first")

  auto again = put(second, {"--if-none-match", "*"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("PreconditionFailed"), std::string::npos) << again.err;
  EXPECT_EQ(read_file(data_dir_ + "/conditional-bucket/k.txt"), "first");

  auto wrong = put(second, {"--if-match", "\"0123456789abcdef0123456789abcdef\""});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("PreconditionFailed"), std::string::npos) << wrong.err;
  EXPECT_EQ(read_file(data_dir_ + "/conditional-bucket/k.txt"), "first");

  auto replaced = put(second, {"--if-match", first_etag});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(read_file(data_dir_ + "/conditional-bucket/k.txt"), "second");
  auto stale = put(first, {"--if-match", first_etag});  // the ETag it replaced is stale now
  EXPECT_NE(stale.err.find("PreconditionFailed"), std::string::npos) << stale.err;

  auto missing = aws({"s3api", "put-object", "--bucket", "conditional-bucket", "--key", "none.txt", "--body", first,
                      "--if-match", first_etag});
  EXPECT_NE(missing.err.find("NoSuchKey"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(data_dir_ + "/conditional-bucket/none.txt"));
  auto not_star = aws({"s3api", "put-object", "--bucket", "conditional-bucket", "--key", "k.txt", "--body", first,
                       "--if-none-match", first_etag});
  EXPECT_NE(not_star.err.find("NotImplemented"), std::string::npos) << not_star.err;

  // Eight boto3 writers create one new key at once: exactly one wins.
  auto race = run_process(
      {"python3", "-c",
       "import boto3, botocore, concurrent.futures as f\n"
       "s3 = boto3.client('s3')\n"
       "def put(i):\n"
       "    try:\n"
       "        s3.put_object(Bucket='conditional-bucket', Key='race.txt', Body=str(i).encode(), IfNoneMatch='*')\n"
       "        return 'ok'\n"
       "    except botocore.exceptions.ClientError as e:\n"
       "        return e.response['Error']['Code']\n"
       "codes = list(f.ThreadPoolExecutor(8).map(put, range(8)))\n"
       "print(codes.count('ok'), sorted(set(codes) - {'ok'}))"},
      {}, environment());
  ASSERT_EQ(race.exit_code, 0) << race.err;
  // The losers get 412, or 409 ConditionalRequestConflict, which S3 may answer to a write that raced.
  EXPECT_TRUE(race.out == "1 ['PreconditionFailed']\n" || race.out == "1 ['ConditionalRequestConflict']\n" ||
              race.out == "1 ['ConditionalRequestConflict', 'PreconditionFailed']\n")
      << race.out;
}

TEST_F(Serve, RestartKeepsBucketsObjectsCatalogAndQueriesAndStopsCleanly) {
  ASSERT_EQ(aws({"s3", "mb", "s3://keep-bucket"}).exit_code, 0);
  const std::string file = dir_.write("keep.txt", "kept across restarts\n");
  ASSERT_EQ(
      aws({"s3", "cp", "--only-show-errors", "--content-type", "text/x-kept", file, "s3://keep-bucket/k/keep.txt"})
          .exit_code,
      0);
  ASSERT_EQ(aws({"glue", "create-database", "--database-input", R"({"Name":"kept"})"}).exit_code, 0);
  ASSERT_EQ(
      aws({"glue", "create-table", "--database-name", "kept", "--table-input",
           R"({"Name":"t","StorageDescriptor":{"Columns":[{"Name":"a","Type":"string"}],"Location":"s3://keep-bucket/k/"}})"})
          .exit_code,
      0);
  auto before = aws_json({"s3api", "head-object", "--bucket", "keep-bucket", "--key", "k/keep.txt"});
  const std::string query_id =
      aws_json({"athena", "start-query-execution", "--query-string", "SELECT 42 AS answer"})["QueryExecutionId"];
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto state = aws_json({"athena", "get-query-execution", "--query-execution-id", query_id});
    if (state["QueryExecution"]["Status"]["State"] == "SUCCEEDED") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  EXPECT_EQ(server_->terminate(), std::optional<int>(0));  // SIGTERM: a clean exit
  start();
  auto after = aws_json({"s3api", "head-object", "--bucket", "keep-bucket", "--key", "k/keep.txt"});
  EXPECT_EQ(after["ETag"], before["ETag"]);
  EXPECT_EQ(after["ContentType"], "text/x-kept");
  EXPECT_EQ(after["LastModified"], before["LastModified"]);
  auto content = aws({"s3", "cp", "s3://keep-bucket/k/keep.txt", "-"});
  EXPECT_EQ(content.out, "kept across restarts\n");
  auto buckets = aws_json({"s3api", "list-buckets"});
  ASSERT_EQ(buckets["Buckets"].size(), 2u);  // and the query's results bucket
  EXPECT_EQ(buckets["Buckets"][0]["Name"], "athena-results");
  EXPECT_EQ(buckets["Buckets"][1]["Name"], "keep-bucket");
  auto table = aws_json({"glue", "get-table", "--database-name", "kept", "--name", "t"});
  EXPECT_EQ(table["Table"]["StorageDescriptor"]["Location"], "s3://keep-bucket/k/");
  // Query history and results too.
  auto execution = aws_json({"athena", "get-query-execution", "--query-execution-id", query_id});
  EXPECT_EQ(execution["QueryExecution"]["Status"]["State"], "SUCCEEDED");
  auto rows = aws_json({"athena", "get-query-results", "--query-execution-id", query_id});
  EXPECT_EQ(rows["ResultSet"]["Rows"][1]["Data"][0]["VarCharValue"], "42");
  EXPECT_EQ(server_->terminate(), std::optional<int>(0));
}

TEST_F(Serve, AthenaRunsSqlOverTablesMadeThroughGlueAndS3) {
  constexpr int kRows = 2500;
  auto result = client({"athena", "sales-bucket", std::to_string(kRows)});
  EXPECT_EQ(result["state"], "SUCCEEDED");
  EXPECT_EQ(result["pages"], 3);  // header + 2500 rows, 1000 per page
  EXPECT_EQ(result["row_count"], kRows + 1);
  EXPECT_EQ(result["rows"][0], json::parse(R"(["id", "price"])"));  // a SELECT's first row: the labels
  EXPECT_EQ(result["rows"][1], json::parse(R"(["1", "1.5"])"));     // 1 % 7 + 0.5
  EXPECT_EQ(result["last"], json::array({std::to_string(kRows), std::to_string(kRows % 7) + ".5"}));
  EXPECT_EQ(result["columns"], json::parse(R"([["id", "integer"], ["price", "double"]])"));
  long long total = 0;
  for (int id = 1; id <= kRows; ++id) total += id;
  EXPECT_EQ(result["aggregate"][1], json::array({std::to_string(kRows), std::to_string(total)}));
  EXPECT_EQ(result["same_token_same_id"], true);
  EXPECT_EQ(result["token_reused"]["code"], "InvalidRequestException");
  EXPECT_EQ(result["unknown_id"]["code"], "InvalidRequestException");
  EXPECT_EQ(result["unknown_work_group"]["code"], "InvalidRequestException");
  EXPECT_EQ(result["csv_head"], json::parse(R"(["\"id\",\"price\"", "\"1\",\"1.5\""])"));
  EXPECT_EQ(result["note_pages"], 8);  // header + 50 rows, 7 per page
  EXPECT_EQ(result["notes_as_expected"], true);
  EXPECT_EQ(result["foreign_token"]["code"], "InvalidRequestException");  // another query's NextToken
  // GetQueryRuntimeStatistics (botocore parses it by Athena's model): what the query wrote, one stage.
  EXPECT_EQ(result["runtime_rows"]["OutputRows"], kRows);
  EXPECT_EQ(result["runtime_rows"]["OutputBytes"], result["csv_size"]);
  EXPECT_EQ(result["runtime_rows"]["InputBytes"], result["scanned"]);
  EXPECT_GT(result["scanned"].get<long long>(), 0);
  EXPECT_EQ(result["runtime_stage"]["State"], "SUCCEEDED");
  EXPECT_EQ(result["runtime_stage"]["OutputRows"], kRows);
  EXPECT_EQ(result["runtime_unknown"]["code"], "InvalidRequestException");
  EXPECT_EQ(result["failed_state"], "FAILED");
  EXPECT_FALSE(result["failed_reason"].get<std::string>().empty());
  EXPECT_EQ(result["results_of_failed"]["code"], "InvalidRequestException");
  EXPECT_EQ(result["catalogs"], json::parse(R"(["AwsDataCatalog"])"));
  EXPECT_EQ(result["databases"], json::parse(R"(["shop"])"));
  EXPECT_EQ(result["table_metadata"],
            json::parse(R"([{"Name": "id", "Type": "int"}, {"Name": "price", "Type": "double"}])"));
  EXPECT_EQ(result["listed_tables"], json::parse(R"(["sales"])"));
  EXPECT_EQ(result["missing_table"]["code"], "MetadataException");
  EXPECT_EQ(result["executions"], result["started"]);  // every query this test started, nothing else

  // The same through awscli.
  auto started = aws_json({"athena", "start-query-execution", "--query-string", "SELECT max(id) AS top FROM sales",
                           "--query-execution-context", "Database=shop"});
  const std::string id = started["QueryExecutionId"];
  json execution;
  for (int attempt = 0; attempt < 100; ++attempt) {
    execution = aws_json({"athena", "get-query-execution", "--query-execution-id", id});
    if (execution["QueryExecution"]["Status"]["State"] != "QUEUED" &&
        execution["QueryExecution"]["Status"]["State"] != "RUNNING")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(execution["QueryExecution"]["Status"]["State"], "SUCCEEDED");
  auto rows = aws_json({"athena", "get-query-results", "--query-execution-id", id});
  EXPECT_EQ(rows["ResultSet"]["Rows"][1]["Data"][0]["VarCharValue"], std::to_string(kRows));

  // A Glue change reaches the next query of the same running server: price becomes a string column.
  json table = aws_json({"glue", "get-table", "--database-name", "shop", "--name", "sales"})["Table"];
  ASSERT_EQ(table["StorageDescriptor"]["Columns"][1]["Name"], "price");
  table["StorageDescriptor"]["Columns"][1]["Type"] = "string";
  json input;
  for (const char* key : {"Name", "StorageDescriptor", "PartitionKeys", "TableType", "Parameters"}) {
    if (table.contains(key)) input[key] = table[key];
  }
  auto updated = aws({"glue", "update-table", "--database-name", "shop", "--table-input", input.dump()});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  const std::string after =
      aws_json({"athena", "start-query-execution", "--query-string", "SELECT price FROM sales WHERE id = 1",
                "--query-execution-context", "Database=shop"})["QueryExecutionId"];
  for (int attempt = 0; attempt < 100; ++attempt) {
    execution = aws_json({"athena", "get-query-execution", "--query-execution-id", after});
    if (execution["QueryExecution"]["Status"]["State"] != "QUEUED" &&
        execution["QueryExecution"]["Status"]["State"] != "RUNNING")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(execution["QueryExecution"]["Status"]["State"], "SUCCEEDED") << execution.dump();
  rows = aws_json({"athena", "get-query-results", "--query-execution-id", after});
  EXPECT_EQ(rows["ResultSet"]["ResultSetMetadata"]["ColumnInfo"][0]["Type"], "varchar");
  EXPECT_EQ(rows["ResultSet"]["Rows"][1]["Data"][0]["VarCharValue"], "1.5");  // the file's text, 1 % 7 + 0.5
}

// --fault-*: every signed request throttled, or failed with a 500, in each service's own error shape;
// botocore's standard retry mode retries them (3 attempts), so clients' retry paths really run.
TEST_F(Serve, InjectedFaultsAreRetriedByClients) {
  start({"--fault-throttle-rate", "1"});
  auto throttled = client({"faults"});
  EXPECT_EQ(throttled["s3"]["code"], "SlowDown");
  EXPECT_EQ(throttled["s3"]["status"], 503);
  EXPECT_EQ(throttled["glue"]["code"], "ThrottlingException");
  EXPECT_EQ(throttled["athena"]["code"], "ThrottlingException");
  for (const char* service : {"s3", "glue", "athena"}) EXPECT_EQ(throttled[service]["attempts"], 3) << service;

  start({"--fault-error-rate", "1", "--fault-latency-ms", "300"});
  auto failing = client({"faults"});
  EXPECT_EQ(failing["s3"]["code"], "InternalError");
  EXPECT_EQ(failing["glue"]["code"], "InternalServiceException");
  EXPECT_EQ(failing["athena"]["code"], "InternalServerException");
  for (const char* service : {"s3", "glue", "athena"}) {
    EXPECT_EQ(failing[service]["status"], 500) << service;
    EXPECT_EQ(failing[service]["attempts"], 3) << service;
    EXPECT_GE(failing[service]["seconds"].get<double>(), 0.9) << service;  // 3 attempts of at least 300 ms
  }

  start();
  auto healthy = client({"faults"});
  for (const char* service : {"s3", "glue", "athena"}) EXPECT_TRUE(healthy[service]["code"].is_null()) << service;
}

TEST_F(Serve, AthenaStopsALongQueryAndRunsConcurrentQueries) {
  constexpr int kConcurrent = 6;
  auto result = client({"athena-stop-concurrent", std::to_string(kConcurrent)});
  EXPECT_EQ(result["saw_running"], true);
  EXPECT_EQ(result["stopped_state"], "CANCELLED");
  EXPECT_LT(result["stop_seconds"].get<double>(), 10.0);  // the engine is interrupted, not waited for
  ASSERT_EQ(result["concurrent"].size(), static_cast<std::size_t>(kConcurrent));
  for (const auto& query : result["concurrent"]) {
    EXPECT_EQ(query["state"], "SUCCEEDED");
    EXPECT_EQ(query["value"], std::to_string(query["index"].get<int>() * 1000 + 7));
  }
  EXPECT_EQ(result["batch_states"].size(), static_cast<std::size_t>(kConcurrent));
  EXPECT_EQ(result["batch_unprocessed"], json::parse(R"(["not-an-id"])"));
}

TEST_F(Serve, AthenaWorkGroupsAndNamedQueries) {
  auto result = client({"athena-workgroups"});
  EXPECT_EQ(result["work_groups"], json::parse(R"(["primary", "analysts", "no-output"])"));
  EXPECT_EQ(result["analysts"]["OutputLocation"], "s3://wg-results/out/");
  EXPECT_EQ(result["enforced_state"], "SUCCEEDED");
  EXPECT_EQ(result["enforced_work_group"], "analysts");
  EXPECT_EQ(result["enforced_output"].get<std::string>().rfind("s3://wg-results/out/", 0), 0u);  // not the request's
  EXPECT_TRUE(fs::exists(data_dir_ + "/wg-results/out"));
  for (const char* name : {"no_output", "duplicate", "delete_primary", "missing_work_group", "after_delete"})
    EXPECT_EQ(result[name]["code"], "InvalidRequestException") << name;
  EXPECT_EQ(result["token_same_id"], true);
  EXPECT_EQ(result["listed"], result["expected_listed"]);  // primary's only; paged one at a time
  EXPECT_EQ(result["batch_names"], json::parse(R"(["one", "two"])"));
  EXPECT_EQ(result["batch_unprocessed"], json::parse(R"(["0000-missing"])"));
  EXPECT_EQ(result["got"], json::parse(R"({"Name": "two", "Description": "second", "QueryString": "SELECT 2"})"));
}

TEST_F(Serve, AthenaPreparedStatementsAndExecuteUsing) {
  auto result = client({"athena-prepared"});
  EXPECT_EQ(result["using"]["rows"], json::parse(R"([["next", "label"], ["42", "a,b"]])"));  // a comma in a string
  EXPECT_EQ(result["parameters"]["rows"], json::parse(R"([["next", "label"], ["10", "p"]])"));
  EXPECT_EQ(result["injection"]["state"], "FAILED");  // a USING value is one literal, never SQL
  EXPECT_NE(result["injection"]["reason"].get<std::string>().find("INVALID_PARAMETER"), std::string::npos);
  EXPECT_EQ(result["missing"]["code"], "ResourceNotFoundException");
  EXPECT_EQ(result["duplicate"]["code"], "InvalidRequestException");
  EXPECT_EQ(result["updated"]["rows"], json::parse(R"([["doubled", "label"], ["42", "d"]])"));
  EXPECT_EQ(result["got"], "SELECT ? * 2 AS doubled, ? AS label");
  EXPECT_EQ(result["listed"], json::parse(R"(["next_value"])"));
  EXPECT_EQ(result["after_delete"]["code"], "ResourceNotFoundException");
}

// Our own clients (the runner's Athena engine: StartQueryExecution, polling, the result CSV streamed
// through S3 GetObject) pointed at the endpoint with AWS_ENDPOINT_URL, as the Lambda will be.
TEST_F(Serve, TheRunnersAthenaEngineRunsAgainstTheEndpoint) {
  const std::string queries = dir_.write("queries.yaml", R"(defaults:
  workgroup: primary
  database: default
  output: s3://athena-results/runs/
queries:
  hello:
    sql: SELECT 41 + 1 AS answer, 'local endpoint' AS via
)");
  auto doctor = run_process({kBinary, "doctor"}, {}, environment());
  EXPECT_EQ(doctor.exit_code, 0) << doctor.out << doctor.err;
  auto run = run_process({kBinary, "run", "-q", queries, "--engine", "athena", "hello"}, {}, environment());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("\"42\",\"local endpoint\""), std::string::npos) << run.out;
  // The result object is where Athena writes it, readable by another client.
  auto listing = aws({"s3", "ls", "--recursive", "s3://athena-results/runs/"});
  EXPECT_NE(listing.out.find(".csv"), std::string::npos) << listing.out;
}

// scripts/local-endpoint.sh: sample data lake through S3 and Glue, one schedule tick by the packaged
// Lambda bootstrap against the endpoint. Its result must equal the same slot run by the CLI directly on
// the sample folder (no endpoint, no Lambda, no S3 in between).
TEST(LocalEndpointScript, ScheduleTickThroughThePackagedLambdaMatchesADirectRun) {
#if defined(AR_BOOTSTRAP_PATH)
  const fs::path build = fs::path(kBinary).parent_path().parent_path().parent_path();
  ASSERT_TRUE(fs::exists(build / "examples/generator/generate-sample")) << "generate-sample is not built";
  TempDir dir;
  // The package of this build's bootstrap, as scripts/package-lambda.sh makes it for dist/.
  const std::string zip = dir.path() + "/athena-runner-lambda.zip";
  auto packaged = run_process({"bash", AR_SOURCE_DIR "/scripts/package-lambda.sh", "--bootstrap", AR_BOOTSTRAP_PATH,
                               "--launcher", AR_LAUNCHER_PATH, "--output", zip},
                              {}, {}, std::chrono::seconds(300));
  ASSERT_EQ(packaged.exit_code, 0) << packaged.out << packaged.err;
  const std::string work = dir.path() + "/work";
  auto script =
      run_process({AR_SOURCE_DIR "/scripts/local-endpoint.sh"}, {},
                  {{"BUILD", build.string()}, {"ZIP", zip}, {"WORK_DIR", work}, {"SLOT", "2024-01-15T05:00:00Z"}},
                  std::chrono::seconds(300));
  ASSERT_EQ(script.exit_code, 0) << script.out << script.err;
  const auto header = script.out.find("\"order_date\",\"orders\",\"pizzas_sold\",\"revenue\"\n");
  ASSERT_NE(header, std::string::npos) << script.out;
  const std::string after_header = script.out.substr(script.out.find('\n', header) + 1);
  const std::string result_row = after_header.substr(0, after_header.find('\n') + 1);  // "2024-01-14", ...
  EXPECT_EQ(result_row.rfind("\"2024-01-14\",", 0), 0u) << result_row;

  auto direct_run = run_process({kBinary, "run", "-q", AR_SOURCE_DIR "/examples/queries.yaml", "daily_revenue", "--at",
                                 "2024-01-15T05:00:00Z", "--local", "--data-dir", work + "/sample", "--format", "csv"},
                                {}, {{"AWS_ENDPOINT_URL", "\x01unset"}});
  ASSERT_EQ(direct_run.exit_code, 0) << direct_run.err;
  EXPECT_NE(direct_run.out.find(result_row), std::string::npos) << "endpoint: " << result_row << "direct:\n"
                                                                << direct_run.out;
#else
  GTEST_FAIL() << "this build has no Lambda bootstrap or no local engine: the whole-system test can not run";
#endif
}

TEST_F(Serve, KillDuringAnUploadLeavesNoPartialObject) {
  const std::string data = random_bytes(40u * 1024 * 1024, 11);
  const std::string source = dir_.write("upload/killed.bin", data);
  ASSERT_EQ(aws({"s3", "mb", "s3://kill-bucket"}).exit_code, 0);
  ASSERT_EQ(aws({"s3", "cp", "--only-show-errors", dir_.write("small.txt", "complete\n"), "s3://kill-bucket/small.txt"})
                .exit_code,
            0);
  {
    std::vector<std::string> argv = {"aws",
                                     "--endpoint-url",
                                     server_->endpoint(),
                                     "s3",
                                     "cp",
                                     "--only-show-errors",
                                     source,
                                     "s3://kill-bucket/killed.bin"};
    ChildProcess upload(argv, environment(), dir_.path() + "/upload.log");
    // Kill the server while parts are arriving (awscli sends 5 parts of 8 MiB).
    for (int waited = 0; waited < 200 && !fs::exists(data_dir_ + "/.s3uploads"); ++waited)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    server_->kill_hard();
    (void)upload.wait_exit(std::chrono::seconds(60));
  }
  start();
  // The object is either absent or whole, never a part; temporary files are gone.
  auto head = aws({"s3api", "head-object", "--bucket", "kill-bucket", "--key", "killed.bin"});
  if (head.exit_code == 0) {
    EXPECT_TRUE(read_file(data_dir_ + "/kill-bucket/killed.bin") == data);
  } else {
    EXPECT_FALSE(fs::exists(data_dir_ + "/kill-bucket/killed.bin"));
  }
  auto listing = aws({"s3", "ls", "--recursive", "s3://kill-bucket/"});
  EXPECT_NE(listing.out.find("small.txt"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(data_dir_ + "/.s3tmp"));
  EXPECT_EQ(read_file(data_dir_ + "/kill-bucket/small.txt"), "complete\n");
}

// kill -9 while boto3 puts from 8 threads: every put the server answered is there afterwards, with the ETag it
// was answered with (without --fsync the kernel holds an answered write; the server is killed, not the machine).
TEST_F(Serve, KillDuringConcurrentPutsLosesNoAnsweredObject) {
  ASSERT_EQ(aws({"s3", "mb", "s3://answered-bucket"}).exit_code, 0);
  const std::string log = dir_.path() + "/answered.log";
  std::map<std::string, std::string> answered;  // key -> ETag, as the writer printed them
  auto read_answered = [&] {
    answered.clear();
    std::istringstream lines(read_file(log));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      std::string key, etag;
      if (fields >> key >> etag && key.starts_with("answered/")) answered[key] = etag;
    }
  };
  {
    ChildProcess writer({"python3", kClients, "answered-puts", "answered-bucket", "8"}, environment(), log);
    for (int waited = 0; waited < 300 && answered.size() < 400; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      read_answered();
    }
    server_->kill_hard();
    (void)writer.wait_exit(std::chrono::seconds(60));
  }
  read_answered();
  ASSERT_GE(answered.size(), 100u) << read_file(log);
  start();
  auto listed = aws_json({"s3api", "list-objects-v2", "--bucket", "answered-bucket", "--prefix", "answered/"});
  std::map<std::string, std::string> stored;
  for (const auto& object : listed["Contents"]) stored[object["Key"]] = object["ETag"];
  for (const auto& [key, etag] : answered) {
    auto found = stored.find(key);
    ASSERT_NE(found, stored.end()) << key << " was answered, then lost";
    EXPECT_EQ(found->second, etag) << key;
  }
  EXPECT_TRUE(fs::is_empty(data_dir_ + "/.s3tmp"));
}

}  // namespace
}  // namespace athena_runner::testing
