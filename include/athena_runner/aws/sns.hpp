// Amazon SNS client (query protocol: form-encoded POST, XML responses), Publish only.
// Structs mirror botocore's sns/2010-03-31 service model: same shapes, snake_case member names.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws::sns {

// Publish's documented limits: a message of at most 256 KiB (262,144 bytes) of UTF-8, all message attributes
// included; a subject of UTF-8 with no line breaks or control characters, "less than 100 characters long".
inline constexpr std::size_t kMaxMessageBytes = 262144;
inline constexpr std::size_t kMaxSubjectCharacters = 99;

struct PublishRequest {
  std::string topic_arn;
  std::string message;
  std::optional<std::string> subject;
  // MessageAttributes of DataType String (what subscription filter policies match on), by name.
  std::map<std::string, std::string> message_attributes;
};

struct PublishResult {
  std::string message_id;
  std::optional<std::string> sequence_number;  // FIFO topics only
};

// The documented constraints above, checked before anything is sent; error "InvalidPublishRequest" (InvalidInput)
// saying which.
Status validate_publish(const PublishRequest& request);

class SnsClient {
 public:
  explicit SnsClient(std::shared_ptr<const ClientContext> context);

  Outcome<PublishResult> publish(const PublishRequest& request) const;

  const ServiceClient& service() const { return service_; }

 private:
  ServiceClient service_;
};

}  // namespace athena_runner::aws::sns
