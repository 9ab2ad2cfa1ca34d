// SNS request serialisation and response parsing on strings (query protocol; tested without a network).
#pragma once

#include <string>
#include <string_view>

#include "athena_runner/aws/sns.hpp"

namespace athena_runner::aws::sns::protocol {

inline constexpr std::string_view kPublish = "Publish";
inline constexpr std::string_view kApiVersion = "2010-03-31";  // the model's metadata.apiVersion

// The form body of Publish, as botocore's query serializer writes it: Action, Version, then the members in the
// model's order, each value percent-encoded (RFC 3986 unreserved characters kept); MessageAttributes as
// MessageAttributes.entry.<n>.Name / .Value.DataType / .Value.StringValue, n from 1 in name order.
std::string serialize_publish(const PublishRequest& request);

// <PublishResponse><PublishResult><MessageId>... (the operation's resultWrapper); error "InvalidResponse".
Outcome<PublishResult> parse_publish(std::string_view body);

}  // namespace athena_runner::aws::sns::protocol
