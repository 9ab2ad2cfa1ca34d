// S3 buckets and objects as plain files: <data dir>/<bucket>/<key>, the layout the local engine reads.
// State lives in folders starting with '.', which no bucket name can:
//   <data dir>/<bucket>/<key>, attribute user.athena-runner.s3  the object's metadata (ETag, content type,
//                                                       user metadata, checksum) as JSON, set on the
//                                                       file before its rename into place
//   <data dir>/.s3meta/<bucket>/bucket.json            creation time
//   <data dir>/.s3meta/<bucket>/<h2>/<sha256(key)>.json  a sidecar instead: folder markers, objects on a
//                                                       file system that refuses the attribute (or too
//                                                       much metadata for one), and objects written
//                                                       before 2026-12-04; hashed so no key can collide
//                                                       with another key's sidecar
//   <data dir>/.s3uploads/<upload id>/                  multipart uploads in progress
//   <data dir>/.s3tmp/                                  temporary files, renamed into place when complete
// Metadata (attribute or sidecar) counts only while its size and modification time are the file's. Files
// that appear without any (written by the engine, or copied in by hand) are objects too: their ETag is
// the MD5 of their content.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/files.hpp"
#include "athena_runner/base/outcome.hpp"
#include "athena_runner/base/random.hpp"
#include "http_types.hpp"

namespace athena_runner::server {

// S3 error codes used by the store (Error::code) with their HTTP status in Error::http_status.
Error s3_error(std::string code, std::string message, int http_status);

struct ObjectMeta {
  std::string key;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string etag;  // quoted, as S3 sends it
  std::string content_type = "binary/octet-stream";
  std::map<std::string, std::string> headers;        // content-encoding, content-disposition, cache-control, ...
  std::map<std::string, std::string> user_metadata;  // x-amz-meta-<name> (names lower-cased)
  std::string checksum_algorithm;                    // "CRC32", ... when uploaded with one
  std::string checksum_value;                        // base64; "<base64>-<parts>" for multipart
  bool folder_marker = false;                        // a key ending in '/', kept as a folder
};

// A conditional write (PutObject's If-None-Match: * and If-Match: <ETag>), checked under the store's lock
// with the write itself, so of two writers with the same condition one wins: 412 PreconditionFailed when it
// does not hold (If-None-Match and the key exists, If-Match and another ETag), 404 NoSuchKey for If-Match on
// a missing key (the S3 User Guide, "How to prevent object overwrites with conditional writes").
struct WriteCondition {
  bool if_none_match = false;           // If-None-Match: * (the only value S3 accepts)
  std::optional<std::string> if_match;  // an ETag, quoted or not
};

struct BucketInfo {
  std::string name;
  std::int64_t creation_ns = 0;
};

struct ListedKey {
  std::string key;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

struct PartInfo {
  int part_number = 0;
  std::int64_t mtime_ns = 0;
  std::string etag;  // quoted
  std::uint64_t size = 0;
  std::string checksum_value;
};

struct UploadInfo {
  std::string upload_id;
  std::string bucket;
  std::string key;
  ObjectMeta meta;  // content type, metadata, checksum algorithm for the final object
  std::int64_t initiated_ns = 0;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;
  std::string checksum_value;  // optional, as sent in CompleteMultipartUpload
};

// Where commit writes a new object's metadata: InAttribute (the file's extended attribute; a sidecar when the
// file system refuses it) or InSidecar (always a sidecar, as before 2026-12-04: tests of that path).
enum class ObjectMetadata { InAttribute, InSidecar };

class S3Store {
 public:
  // writes.durable: every acknowledged write is fsynced (object with its attribute, or sidecar, and folders) and
  // survives a power loss; without it an acknowledged write survives a killed server (the kernel holds it), not a crash
  // of the machine, and puts do not wait on the disk (`serve --fsync`).
  S3Store(std::string data_dir, Random random, files::AtomicWrite writes = {},
          ObjectMetadata metadata = ObjectMetadata::InAttribute);

  static bool valid_bucket_name(std::string_view name);
  // Why a key can not be stored under the data directory (empty when it can).
  static std::string key_problem(std::string_view key);

  Status create_bucket(const std::string& bucket);
  Status delete_bucket(const std::string& bucket);
  Status check_bucket(const std::string& bucket) const;  // NoSuchBucket
  std::vector<BucketInfo> list_buckets() const;

  // body is the whole object; meta carries the request's content type, headers, user metadata and
  // verified checksum. Returns the stored metadata (ETag, size, time).
  Outcome<ObjectMeta> put_object(const std::string& bucket, ObjectMeta meta, std::string_view body,
                                 const WriteCondition& condition = {});
  // The same, for a body already in a temporary file (renamed into place, never copied).
  Outcome<ObjectMeta> put_object(const std::string& bucket, ObjectMeta meta, const SpooledBody& body,
                                 const WriteCondition& condition = {});
  Outcome<ObjectMeta> head_object(const std::string& bucket, const std::string& key) const;
  Status delete_object(const std::string& bucket, const std::string& key);
  Outcome<ObjectMeta> copy_object(const std::string& source_bucket, const std::string& source_key,
                                  const std::string& bucket, ObjectMeta meta, bool replace_metadata);
  std::string object_path(const std::string& bucket, const std::string& key) const;
  // Every key starting with prefix, sorted bytewise.
  Outcome<std::vector<ListedKey>> list_keys(const std::string& bucket, const std::string& prefix) const;
  std::string etag_of(const std::string& bucket, const ListedKey& listed) const;

  Outcome<UploadInfo> create_upload(const std::string& bucket, ObjectMeta meta);
  Outcome<UploadInfo> find_upload(const std::string& upload_id, const std::string& bucket,
                                  const std::string& key) const;
  Outcome<PartInfo> upload_part(const UploadInfo& upload, int part_number, std::string_view body,
                                const std::string& checksum_value);
  Outcome<PartInfo> upload_part(const UploadInfo& upload, int part_number, const SpooledBody& body,
                                const std::string& checksum_value);
  Outcome<ObjectMeta> complete_upload(const UploadInfo& upload, const std::vector<CompletedPart>& parts);
  Status abort_upload(const UploadInfo& upload);
  std::vector<PartInfo> list_parts(const UploadInfo& upload) const;                                  // by part number
  std::vector<UploadInfo> list_uploads(const std::string& bucket, const std::string& prefix) const;  // by key, time

  const std::string& data_dir() const { return data_dir_; }

 private:
  std::string sidecar_path(const std::string& bucket, const std::string& key) const;
  std::optional<ObjectMeta> read_sidecar(const std::string& bucket, const std::string& key) const;
  // A file object's stored metadata (attribute, else sidecar) if it describes the file of that size and time.
  std::optional<ObjectMeta> read_object_meta(const std::string& bucket, const std::string& key, std::uint64_t size,
                                             std::int64_t mtime_ns) const;
  // Under mutex_: file renamed to the key's path, or the store's error (NoSuchBucket, InvalidRequest, ...).
  Status rename_object(const std::string& bucket, const std::string& key, class TempFile& file) const;
  Outcome<ObjectMeta> commit_object(const std::string& bucket, class TempFile& file, ObjectMeta meta,
                                    const WriteCondition& condition = {});
  Status check_write_condition(const std::string& bucket, const std::string& key,
                               const WriteCondition& condition) const;
  Status check_key_path(const std::string& bucket, const std::string& key) const;
  void remove_empty_parents(const std::string& bucket, const std::string& key) const;

  std::string data_dir_;
  std::string temp_dir_;
  Random random_;  // upload ids
  files::AtomicWrite writes_;
  std::atomic<bool> attributes_;  // false once the file system refused user attributes (ENOTSUP)
  mutable std::mutex mutex_;      // bucket creation/deletion and the checks and renames of writes (no fsync under it)
};

}  // namespace athena_runner::server
