// SNS Publish on strings: the form body (the query protocol as AWS's API reference shows its requests), the
// response of API_Publish.html's example, and Publish's documented limits.
#include <gtest/gtest.h>

#include "athena_runner/aws/protocol/sns.hpp"
#include "athena_runner/aws/sns.hpp"

namespace athena_runner::aws::sns {
namespace {

constexpr char kTopic[] = "arn:aws:sns:us-east-1:123456789012:My-Topic";

TEST(SnsProtocol, PublishBodyIsFormEncodedInModelOrder) {
  PublishRequest request;
  request.topic_arn = kTopic;
  request.message = "a b&c=d\n{\"x\":1}";
  request.subject = "Q1 done";
  // RFC 3986 percent-encoding: ':' %3A, ' ' %20, '&' %26, '=' %3D, '\n' %0A, '{' %7B, '"' %22, '}' %7D.
  EXPECT_EQ(protocol::serialize_publish(request),
            "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3AMy-Topic"
            "&Message=a%20b%26c%3Dd%0A%7B%22x%22%3A1%7D&Subject=Q1%20done");
}

TEST(SnsProtocol, MessageAttributesAreNumberedEntriesInNameOrder) {
  PublishRequest request;
  request.topic_arn = kTopic;
  request.message = "m";
  request.message_attributes = {{"state", "FAILED"}, {"query", "daily"}};
  EXPECT_EQ(protocol::serialize_publish(request),
            "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3AMy-Topic&Message=m"
            "&MessageAttributes.entry.1.Name=query&MessageAttributes.entry.1.Value.DataType=String"
            "&MessageAttributes.entry.1.Value.StringValue=daily"
            "&MessageAttributes.entry.2.Name=state&MessageAttributes.entry.2.Value.DataType=String"
            "&MessageAttributes.entry.2.Value.StringValue=FAILED");
}

TEST(SnsProtocol, ParsesTheApiReferenceExampleResponse) {
  // docs.aws.amazon.com/sns/latest/api/API_Publish.html, "Example" response.
  auto parsed = protocol::parse_publish(R"(<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/">
    <PublishResult>
        <MessageId>567910cd-659e-55d4-8ccb-5aaf14679dc0</MessageId>
    </PublishResult>
    <ResponseMetadata>
        <RequestId>d74b8436-ae13-5ab4-a9ff-ce54dfea72a0</RequestId>
    </ResponseMetadata>
</PublishResponse>)");
  ASSERT_TRUE(parsed) << parsed.get_failure().to_string();
  EXPECT_EQ(parsed->message_id, "567910cd-659e-55d4-8ccb-5aaf14679dc0");
  EXPECT_FALSE(parsed->sequence_number);

  auto fifo = protocol::parse_publish(
      "<PublishResponse><PublishResult><MessageId>m</MessageId><SequenceNumber>10000000000000003000</SequenceNumber>"
      "</PublishResult></PublishResponse>");
  ASSERT_TRUE(fifo);
  EXPECT_EQ(fifo->sequence_number, "10000000000000003000");
}

TEST(SnsProtocol, RefusesResponsesThatAreNotAPublishResult) {
  for (const char* body :
       {"", "not xml", "<PublishResponse/>", "<Other><PublishResult/></Other>",
        "<PublishResponse><PublishResult><MessageId></MessageId></PublishResult></PublishResponse>"}) {
    auto parsed = protocol::parse_publish(body);
    ASSERT_FALSE(parsed) << body;
    EXPECT_EQ(parsed.get_failure().code, "InvalidResponse") << body;
  }
}

void expect_refused(const PublishRequest& request, std::string_view fragment) {
  auto valid = validate_publish(request);
  ASSERT_FALSE(valid) << fragment;
  EXPECT_EQ(valid.get_failure().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(valid.get_failure().code, "InvalidPublishRequest");
  EXPECT_NE(valid.get_failure().message.find(fragment), std::string::npos) << valid.get_failure().message;
}

TEST(SnsPublishLimits, TheDocumentedConstraints) {
  PublishRequest request;
  request.topic_arn = kTopic;
  request.message = "m";
  EXPECT_TRUE(validate_publish(request));
  request.subject = std::string(99, 's');  // "less than 100 characters long"
  EXPECT_TRUE(validate_publish(request));
  request.subject = std::string(97, 's') + "\xC3\xBC\xC3\xBC";  // 99 characters in 101 bytes
  EXPECT_TRUE(validate_publish(request));
  request.subject = std::string(100, 's');
  expect_refused(request, "more than 99 characters");
  request.subject = "two\nlines";
  expect_refused(request, "line break or control character");
  request.subject = "tab\there";
  expect_refused(request, "control character");
  request.subject = "";
  expect_refused(request, "subject is empty");
  request.subject.reset();

  request.message = std::string(262144, 'm');  // 256 KiB exactly
  EXPECT_TRUE(validate_publish(request));
  request.message.push_back('m');
  expect_refused(request, "262145 bytes; at most 262144");
  request.message = std::string(262144 - 11, 'm');
  request.message_attributes = {{"query", "x"}};  // "query" + "String" + "x": 12 bytes
  expect_refused(request, "at most 262144");
  request.message_attributes.clear();
  request.message.clear();
  expect_refused(request, "message is empty");
  request.message = "m";
  request.topic_arn.clear();
  expect_refused(request, "no topic ARN");
}

}  // namespace
}  // namespace athena_runner::aws::sns
