// SNS Publish on the query protocol (botocore's sns/2010-03-31 model, serializer "query").
#include <pugixml.hpp>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/aws/protocol/sns.hpp"

namespace athena_runner::aws::sns::protocol {
namespace {

void add(std::string& body, std::string_view name, std::string_view value) {
  if (!body.empty()) body.push_back('&');
  body.append(uri_encode(name)).push_back('=');
  body.append(uri_encode(value));
}

}  // namespace

std::string serialize_publish(const PublishRequest& request) {
  std::string body;
  add(body, "Action", kPublish);
  add(body, "Version", kApiVersion);
  add(body, "TopicArn", request.topic_arn);
  add(body, "Message", request.message);
  if (request.subject) add(body, "Subject", *request.subject);
  int index = 0;
  for (const auto& [name, value] : request.message_attributes) {
    const std::string entry = "MessageAttributes.entry." + std::to_string(++index);
    add(body, entry + ".Name", name);
    add(body, entry + ".Value.DataType", "String");
    add(body, entry + ".Value.StringValue", value);
  }
  return body;
}

Outcome<PublishResult> parse_publish(std::string_view body) {
  pugi::xml_document document;
  const auto invalid = [&](const std::string& why) {
    return make_error(ErrorKind::Service, "InvalidResponse", "SNS Publish response: " + why);
  };
  if (!document.load_buffer(body.data(), body.size())) return invalid("not XML");
  const pugi::xml_node result = document.child("PublishResponse").child("PublishResult");
  if (!result) return invalid("no PublishResponse/PublishResult element");
  PublishResult parsed;
  parsed.message_id = result.child("MessageId").text().as_string();
  if (parsed.message_id.empty()) return invalid("no MessageId");
  if (const pugi::xml_node sequence = result.child("SequenceNumber"))
    parsed.sequence_number = sequence.text().as_string();
  return parsed;
}

}  // namespace athena_runner::aws::sns::protocol
