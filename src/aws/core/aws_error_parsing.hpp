// Turns a non-2xx HTTP response into an Error (private to ar_aws_core and its tests).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws::detail {

// A Service error from an AWS error response, as botocore's parsers read them:
// * JSON (json 1.1 / rest-json): "__type" (or "code"/"Code"), possibly "prefix#Code" or "Code:http://...";
//   "message" or "Message"; the X-Amzn-ErrorType header wins for the code when present.
// * XML: S3's <Error><Code/><Message/><RequestId/></Error>, and <ErrorResponse><Error>...</Error>
//   <RequestId/></ErrorResponse> of the other XML services.
// * No (usable) body, e.g. HEAD: the code is the status's name ("NotFound" for 404, "Forbidden" for 403, ...)
//   and the message its reason phrase.
// The request id comes from x-amzn-RequestId or x-amz-request-id, else from the body.
Error parse_service_error(const HttpResponse& response);

// "NotFound" for 404, "Forbidden" for 403, ...; "Http<status>" for statuses without a name here.
std::string error_code_for_status(int status);
// The RFC 9110 reason phrase ("Not Found"), or "" when unknown.
std::string_view reason_phrase(int status);

// Normalises a JSON error type: "aws.protocoltests#FooError:http://internal" -> "FooError".
std::string normalise_error_type(std::string_view type);

// Parses an HTTP date (RFC 1123 "Sun, 06 Nov 1994 08:49:37 GMT"); nullopt when malformed.
std::optional<long long> parse_http_date_epoch_seconds(std::string_view text);

}  // namespace athena_runner::aws::detail
