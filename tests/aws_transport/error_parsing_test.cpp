// Error responses shaped as AWS documents them (botocore's service models and protocol parsers,
// the S3 "Error responses" page), turned into Error values.
#include <gtest/gtest.h>

#include "aws_error_parsing.hpp"

namespace athena_runner::aws::detail {
namespace {

HttpResponse response(int status, HeaderList headers, std::string body) {
  HttpResponse result;
  result.status = status;
  result.headers = std::move(headers);
  result.body = std::move(body);
  return result;
}

TEST(ErrorParsingTest, AthenaJsonErrorWithModelledMembers) {
  // Athena's InvalidRequestException members are Message and AthenaErrorCode (service-2.json).
  auto error = parse_service_error(
      response(400, {{"x-amzn-RequestId", "c3f8a2a4-0000-4d1c-9d7e-1234567890ab"}},
               R"({"__type":"InvalidRequestException","AthenaErrorCode":"INVALID_INPUT","Message":"Bad SQL"})"));
  EXPECT_EQ(error.kind, ErrorKind::Service);
  EXPECT_EQ(error.code, "InvalidRequestException");
  EXPECT_EQ(error.message, "Bad SQL");
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.request_id, "c3f8a2a4-0000-4d1c-9d7e-1234567890ab");
}

TEST(ErrorParsingTest, JsonTypeWithNamespacePrefixAndLowerCaseMessage) {
  auto error = parse_service_error(
      response(400, {}, R"({"__type":"com.amazonaws.athena#TooManyRequestsException","message":"Rate exceeded"})"));
  EXPECT_EQ(error.code, "TooManyRequestsException");
  EXPECT_EQ(error.message, "Rate exceeded");
}

TEST(ErrorParsingTest, JsonTypeWithColonSuffix) {
  auto error = parse_service_error(response(
      400, {},
      R"({"__type":"EntityNotFoundException:http://internal.amazon.com/coral/com.amazonaws.glue/","Message":"x"})"));
  EXPECT_EQ(error.code, "EntityNotFoundException");
}

TEST(ErrorParsingTest, ErrorTypeHeaderWinsAndRequestIdHeaderIsCaseInsensitive) {
  auto error = parse_service_error(
      response(400,
               {{"X-AMZN-ERRORTYPE", "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/"},
                {"X-Amzn-Requestid", "abc-123"}},
               R"({"message":"1 validation error detected"})"));
  EXPECT_EQ(error.code, "ValidationException");
  EXPECT_EQ(error.message, "1 validation error detected");
  EXPECT_EQ(error.request_id, "abc-123");
}

TEST(ErrorParsingTest, S3XmlError) {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
  auto error = parse_service_error(response(404, {{"x-amz-request-id", "4442587FB7D0A2F9"}, {"x-amz-id-2", "host"}},
                                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                            "<Error>\n  <Code>NoSuchKey</Code>\n"
                                            "  <Message>The resource you requested does not exist</Message>\n"
                                            "  <Resource>/mybucket/myfoto.jpg</Resource>\n"
                                            "  <RequestId>4442587FB7D0A2F9</RequestId>\n</Error>"));
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.message, "The resource you requested does not exist");
  EXPECT_EQ(error.http_status, 404);
  EXPECT_EQ(error.request_id, "4442587FB7D0A2F9");
}

TEST(ErrorParsingTest, S3SlowDownRequestIdFromTheBodyWhenNoHeader) {
  auto error =
      parse_service_error(response(503, {},
                                   "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
                                   "<RequestId>REQ1</RequestId><HostId>H</HostId></Error>"));
  EXPECT_EQ(error.code, "SlowDown");
  EXPECT_EQ(error.message, "Please reduce your request rate.");
  EXPECT_EQ(error.request_id, "REQ1");
}

TEST(ErrorParsingTest, QueryStyleErrorResponse) {
  auto error = parse_service_error(response(400, {},
                                            "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidInput</Code>"
                                            "<Message>Invalid resource type: foo</Message></Error>"
                                            "<RequestId>request-id</RequestId></ErrorResponse>"));
  EXPECT_EQ(error.code, "InvalidInput");
  EXPECT_EQ(error.message, "Invalid resource type: foo");
  EXPECT_EQ(error.request_id, "request-id");
}

TEST(ErrorParsingTest, EmptyBodiesTakeTheirCodeFromTheStatus) {
  // HEAD responses carry no body; codes as the SDKs name them, messages are RFC 9110 reason phrases.
  struct Case {
    int status;
    const char* code;
    const char* message;
  };
  for (const auto& [status, code, message] :
       {Case{404, "NotFound", "Not Found"}, Case{403, "Forbidden", "Forbidden"}, Case{400, "BadRequest", "Bad Request"},
        Case{412, "PreconditionFailed", "Precondition Failed"},
        Case{503, "ServiceUnavailable", "Service Unavailable"}}) {
    auto error = parse_service_error(response(status, {{"x-amz-request-id", "R"}}, ""));
    EXPECT_EQ(error.code, code) << status;
    EXPECT_EQ(error.message, message) << status;
    EXPECT_EQ(error.http_status, status);
    EXPECT_EQ(error.request_id, "R");
  }
  EXPECT_EQ(parse_service_error(response(418, {}, "")).code, "Http418");
}

TEST(ErrorParsingTest, UnparseableBodiesFallBackToTheStatus) {
  auto json = parse_service_error(response(500, {}, "{not json"));
  EXPECT_EQ(json.code, "InternalServerError");
  auto html = parse_service_error(response(502, {}, "<html><body>Bad gateway</body></html>"));
  EXPECT_EQ(html.code, "BadGateway");
  auto text = parse_service_error(response(504, {}, "upstream timed out"));
  EXPECT_EQ(text.code, "GatewayTimeout");
}

TEST(ErrorParsingTest, HttpDates) {
  // RFC 9110 section 5.6.7's example: Sun, 06 Nov 1994 08:49:37 GMT = 784111777 seconds since the epoch.
  EXPECT_EQ(parse_http_date_epoch_seconds("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777LL);
  EXPECT_FALSE(parse_http_date_epoch_seconds("yesterday"));
  EXPECT_FALSE(parse_http_date_epoch_seconds("Sun, 06 Nov 1994 08:49:37 PST"));
}

}  // namespace
}  // namespace athena_runner::aws::detail
