// The S3 REST/XML API over S3Store: path-style (/bucket/key) and virtual-hosted (bucket.localhost) requests.
#pragma once

#include <string>

#include "athena_runner/base/outcome.hpp"
#include "http_types.hpp"
#include "s3_store.hpp"

namespace athena_runner::server {

// What an S3 operation's handler gets: the request and the bucket and (decoded) key it names.
struct S3Call {
  const Request& request;
  const std::string& bucket;
  const std::string& key;
};

class S3Service {
 public:
  S3Service(const std::string& data_dir, Random random, files::AtomicWrite writes = {},
            ObjectMetadata metadata = ObjectMetadata::InAttribute);
  // The request is already authenticated (and its aws-chunked body decoded).
  Response handle(const Request& request);

  // PutObject and UploadPart (not copies): their bodies go to a temporary file as they arrive.
  static bool streams_body(const Request& request);
  const std::string& temp_dir() const { return temp_dir_; }

  // S3's XML error document, with the request id; HEAD responses carry no body. extra_xml: more
  // elements after Message (RequestTimeTooSkewed's RequestTime and ServerTime), already escaped.
  static Response error_response(const Error& error, const Request& request, std::string_view extra_xml = {});

 private:
  Response dispatch(const Request& request, const std::string& bucket, const std::string& key);
  // One per S3 operation, dispatched from the table in dispatch().
  Response list_buckets(const S3Call& call);
  Response create_bucket(const S3Call& call);
  Response head_bucket(const S3Call& call);
  Response delete_bucket(const S3Call& call);
  Response get_bucket_location(const S3Call& call);
  Response list_multipart_uploads(const S3Call& call);
  Response delete_objects(const S3Call& call);
  Response list_objects(const S3Call& call);
  Response upload_part(const S3Call& call);
  Response copy_object(const S3Call& call);
  Response put_object(const S3Call& call);
  Response list_parts(const S3Call& call);
  Response get_object(const S3Call& call);
  Response abort_multipart_upload(const S3Call& call);
  Response delete_object(const S3Call& call);
  Response create_multipart_upload(const S3Call& call);
  Response complete_multipart_upload(const S3Call& call);
  S3Store store_;
  std::string temp_dir_;
};

std::string xml_escape(std::string_view text);

}  // namespace athena_runner::server
