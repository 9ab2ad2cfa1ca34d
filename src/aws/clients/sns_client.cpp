// SnsClient: Publish (sns_protocol.cpp) over the shared ServiceClient (signing, retries, XML errors).
#include "athena_runner/aws/protocol/sns.hpp"

namespace athena_runner::aws::sns {
namespace {

Error invalid(const std::string& why) {
  return make_error(ErrorKind::InvalidInput, "InvalidPublishRequest", "SNS Publish: " + why);
}

// UTF-8 code points (the text is assumed UTF-8: continuation bytes are not counted).
std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return count;
}

}  // namespace

Status validate_publish(const PublishRequest& request) {
  if (request.topic_arn.empty()) return invalid("no topic ARN");
  if (request.message.empty()) return invalid("the message is empty");
  std::size_t bytes = request.message.size();
  for (const auto& [name, value] : request.message_attributes) bytes += name.size() + value.size() + 6;  // "String"
  if (bytes > kMaxMessageBytes)
    return invalid("the message and its attributes are " + std::to_string(bytes) + " bytes; at most " +
                   std::to_string(kMaxMessageBytes) + " are allowed");
  if (request.subject) {
    if (request.subject->empty()) return invalid("the subject is empty");
    if (code_points(*request.subject) > kMaxSubjectCharacters)
      return invalid("the subject has more than " + std::to_string(kMaxSubjectCharacters) + " characters");
    for (const char c : *request.subject) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20U || byte == 0x7FU) return invalid("the subject has a line break or control character");
    }
  }
  return Ok{};
}

SnsClient::SnsClient(std::shared_ptr<const ClientContext> context)
    : service_(std::move(context), ServiceDescriptor::sns()) {}

Outcome<PublishResult> SnsClient::publish(const PublishRequest& request) const {
  if (auto valid = validate_publish(request); !valid) return std::move(valid).get_failure();
  auto response = service_.call_query(protocol::serialize_publish(request));
  if (!response) return std::move(response).get_failure();
  return protocol::parse_publish(*response);
}

}  // namespace athena_runner::aws::sns
