// SnsClient against a real moto_server: boto3 creates a topic with an SQS queue subscribed, our client
// publishes, and boto3 reads back what SNS delivered to the queue (its JSON notification envelope).
#include <gtest/gtest.h>

#include "athena_runner/aws/sns.hpp"
#include "client_test_support.hpp"

namespace athena_runner::aws::sns {
namespace {

using nlohmann::json;
using testing::MotoServer;

class SnsMoto : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new MotoServer();
    context_ = testing::moto_context(*moto_);
    topic_arn_ = testing::boto3_call(*moto_, "sns", "CreateTopic", {{"Name", "runs"}})["TopicArn"];
    queue_url_ = testing::boto3_call(*moto_, "sqs", "CreateQueue", {{"QueueName", "runs-inbox"}})["QueueUrl"];
    const std::string queue_arn =
        testing::boto3_call(*moto_, "sqs", "GetQueueAttributes",
                            {{"QueueUrl", queue_url_}, {"AttributeNames", {"QueueArn"}}})["Attributes"]["QueueArn"];
    testing::boto3_call(*moto_, "sns", "Subscribe",
                        {{"TopicArn", topic_arn_}, {"Protocol", "sqs"}, {"Endpoint", queue_arn}});
  }
  static void TearDownTestSuite() {
    context_.reset();
    delete moto_;
    moto_ = nullptr;
  }
  // Every notification the queue holds, removed from it.
  static std::vector<json> receive_all() {
    std::vector<json> notifications;
    while (true) {
      auto received =
          testing::boto3_call(*moto_, "sqs", "ReceiveMessage", {{"QueueUrl", queue_url_}, {"MaxNumberOfMessages", 10}});
      if (!received.contains("Messages") || received["Messages"].empty()) return notifications;
      for (const auto& message : received["Messages"]) {
        notifications.push_back(json::parse(message["Body"].get<std::string>()));
        testing::boto3_call(*moto_, "sqs", "DeleteMessage",
                            {{"QueueUrl", queue_url_}, {"ReceiptHandle", message["ReceiptHandle"]}});
      }
    }
  }
  static MotoServer* moto_;
  static std::shared_ptr<ClientContext> context_;
  static std::string topic_arn_;
  static std::string queue_url_;
};
MotoServer* SnsMoto::moto_ = nullptr;
std::shared_ptr<ClientContext> SnsMoto::context_;
std::string SnsMoto::topic_arn_;
std::string SnsMoto::queue_url_;

TEST_F(SnsMoto, PublishDeliversMessageSubjectAndAttributes) {
  SnsClient client(context_);
  PublishRequest request;
  request.topic_arn = topic_arn_;
  request.message = R"({"query":"daily revenue","note":"a+b&c=d ü\nsecond line"})";
  request.subject = "daily_revenue SUCCEEDED 2024-05-02T04:00:00Z";
  request.message_attributes = {{"query", "daily_revenue"}, {"state", "SUCCEEDED"}};
  auto published = client.publish(request);
  ASSERT_TRUE(published) << published.get_failure().to_string();
  EXPECT_FALSE(published->message_id.empty());

  auto notifications = receive_all();
  ASSERT_EQ(notifications.size(), 1u);
  const auto& notification = notifications[0];
  EXPECT_EQ(notification["Type"], "Notification");
  EXPECT_EQ(notification["TopicArn"], topic_arn_);
  EXPECT_EQ(notification["MessageId"], published->message_id);
  EXPECT_EQ(notification["Message"], request.message);
  EXPECT_EQ(notification["Subject"], *request.subject);
  EXPECT_EQ(notification["MessageAttributes"]["state"]["Type"], "String");
  EXPECT_EQ(notification["MessageAttributes"]["state"]["Value"], "SUCCEEDED");
  EXPECT_EQ(notification["MessageAttributes"]["query"]["Value"], "daily_revenue");
}

TEST_F(SnsMoto, UnknownTopicIsAServiceErrorFromTheXmlErrorResponse) {
  SnsClient client(context_);
  auto published = client.publish({"arn:aws:sns:us-east-1:123456789012:missing", "m", std::nullopt, {}});
  ASSERT_FALSE(published);
  EXPECT_EQ(published.get_failure().kind, ErrorKind::Service);
  EXPECT_EQ(published.get_failure().code, "NotFound");
  EXPECT_EQ(published.get_failure().http_status, 404);
  EXPECT_TRUE(receive_all().empty());
}

TEST_F(SnsMoto, AnInvalidRequestIsRefusedBeforeAnythingIsSent) {
  SnsClient client(context_);
  auto published = client.publish({topic_arn_, "m", std::string("two\nlines"), {}});
  ASSERT_FALSE(published);
  EXPECT_EQ(published.get_failure().code, "InvalidPublishRequest");
  EXPECT_TRUE(receive_all().empty());
}

}  // namespace
}  // namespace athena_runner::aws::sns
