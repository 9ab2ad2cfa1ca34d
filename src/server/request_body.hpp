// S3 upload bodies written to a temporary file as they arrive (PutObject, UploadPart, aws-chunked or
// not): decoded and verified on the way (chunk signatures, trailers, x-amz-content-sha256), with MD5 and
// the x-amz-checksum-* algorithms the request names computed in the same pass, so memory stays flat
// whatever the object's size. The file is renamed into place by the S3 handlers.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "athena_runner/base/outcome.hpp"
#include "auth.hpp"
#include "http_front.hpp"

namespace athena_runner::server {

// A sink for `request`'s body in temp_dir. chunked: the aws-chunked decoding its signature declares.
// Fails (nothing created) when the temporary file can not be made.
Outcome<std::unique_ptr<BodySink>> make_spool_sink(const std::string& temp_dir, const Request& request,
                                                   std::optional<ChunkedContext> chunked);

}  // namespace athena_runner::server
