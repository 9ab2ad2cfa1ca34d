// libFuzzer target for the server's parsers of outside input: the first byte picks the parser, the rest
// is its input. Built as a fuzzer with -DAR_SERVER_FUZZ=ON and clang; replayed over fuzz_corpus/ by
// the unit tests in every build.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth.hpp"
#include "checksums.hpp"
#include "glue_expression.hpp"
#include "http_front.hpp"
#include "s3_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace athena_runner::server;
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0: {  // aws-chunked bodies, unsigned with a trailer
      ChunkedContext context;
      context.expected_trailer = "x-amz-checksum-crc32";
      (void)decode_aws_chunked(input, context);
      break;
    }
    case 1: {  // aws-chunked bodies, signed
      ChunkedContext context;
      context.signed_chunks = true;
      context.signing_key = std::string(32, 'k');
      context.seed_signature = std::string(64, '0');
      context.amz_date = "20240101T000000Z";
      context.scope = "20240101/us-east-1/s3/aws4_request";
      (void)decode_aws_chunked(input, context);
      break;
    }
    case 2: {  // Authorization header, then verification of whatever parsed
      Request request;
      request.method = "GET";
      request.raw_path = "/bucket/key";
      request.headers = {{"authorization", input},
                         {"host", "localhost"},
                         {"x-amz-date", "20240101T000000Z"},
                         {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
      if (auto info = read_signature(request); info && *info) {
        VerifyOptions options{"test", "test", std::chrono::system_clock::from_time_t(1704067200),
                              std::chrono::seconds(900)};
        (void)verify_request(request, **info, options);
      }
      break;
    }
    case 3: {  // presigned query values
      Request request;
      request.method = "GET";
      request.raw_path = "/bucket/key";
      request.headers = {{"host", "localhost"}};
      std::size_t start = 0;
      for (const char* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                               "X-Amz-SignedHeaders", "X-Amz-Signature"}) {
        std::size_t end = input.find('&', start);
        request.query.emplace_back(name,
                                   input.substr(start, end == std::string::npos ? std::string::npos : end - start));
        start = end == std::string::npos ? input.size() : end + 1;
      }
      if (auto info = read_signature(request); info && *info) {
        VerifyOptions options{"test", "test", std::chrono::system_clock::from_time_t(1704067200),
                              std::chrono::seconds(900)};
        (void)verify_request(request, **info, options);
      }
      break;
    }
    case 4: {  // Glue partition expressions
      auto filter = PartitionFilter::parse(input, {{"dt", false}, {"hour", true}});
      if (filter) (void)filter->matches({{"dt", {"2024-01-01", false}}, {"hour", {"7", true}}});
      break;
    }
    case 6: {  // the HTTP front: request lines, headers, Content-Length and chunked framing, pipelined requests
      (void)HttpFront::parse_for_fuzz(input, [](Request& request) {
        for (const auto& [name, value] : request.headers)
          for (char c : name)
            if (c >= 'A' && c <= 'Z') __builtin_trap();          // names are lower-cased
        if (request.body.size() > (1u << 20)) __builtin_trap();  // the body limit holds
      });
      break;
    }
    case 7: {  // the streaming aws-chunked decoder, fed in pieces, must agree with the whole-body decoder
      if (input.empty()) break;
      const std::size_t piece = 1 + static_cast<unsigned char>(input[0]) % 64;
      const std::string_view body = std::string_view(input).substr(1);
      ChunkedContext context;
      context.expected_trailer = "x-amz-checksum-crc32";
      auto whole = decode_aws_chunked(body, context);
      AwsChunkedDecoder decoder(context);
      std::string payload;
      athena_runner::Status status = athena_runner::Ok{};
      for (std::size_t offset = 0; offset < body.size() && status; offset += piece)
        status = decoder.feed(body.substr(offset, piece), [&](std::string_view decoded) -> athena_runner::Status {
          payload.append(decoded);
          return athena_runner::Ok{};
        });
      const bool streamed_ok = status && decoder.finish();
      if (streamed_ok != static_cast<bool>(whole)) __builtin_trap();
      if (whole && payload != whole->payload) __builtin_trap();
      break;
    }
    case 5: {  // object keys and base64
      (void)S3Store::key_problem(input);
      (void)S3Store::valid_bucket_name(input);
      (void)base64_decode(input);
      break;
    }
  }
  return 0;
}
