#include "s3_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "athena_runner/aws/sigv4.hpp"
#include "athena_runner/base/text.hpp"
#include "checksums.hpp"
#include "file_store.hpp"

namespace athena_runner::server {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxKeyBytes = 1024;
constexpr std::size_t kMaxSegmentBytes = 255;  // NAME_MAX on Linux file systems
constexpr std::uint64_t kMinPartSize = 5ull * 1024 * 1024;
constexpr int kMaxPartNumber = 10000;
constexpr const char* kMetaFolder = ".s3meta";
constexpr const char* kUploadsFolder = ".s3uploads";
constexpr const char* kTempFolder = ".s3tmp";
// The extended attribute holding an object's metadata (the user namespace: any file owner may set it).
constexpr const char* kMetaAttribute = "user.athena-runner.s3";

json meta_to_json(const ObjectMeta& meta) {
  return json{{"key", meta.key},
              {"size", meta.size},
              {"mtime_ns", meta.mtime_ns},
              {"etag", meta.etag},
              {"content_type", meta.content_type},
              {"headers", meta.headers},
              {"user_metadata", meta.user_metadata},
              {"checksum_algorithm", meta.checksum_algorithm},
              {"checksum_value", meta.checksum_value},
              {"folder_marker", meta.folder_marker}};
}

// The object's metadata in its file's extended attribute: what the sidecar holds but the key (the file is
// the key's) and the folder flag (only files carry one), defaults left out so that most values stay small.
json meta_to_attribute(const ObjectMeta& meta) {
  json document{{"size", meta.size}, {"mtime_ns", meta.mtime_ns}, {"etag", meta.etag}};
  if (meta.content_type != ObjectMeta{}.content_type) document["content_type"] = meta.content_type;
  if (!meta.headers.empty()) document["headers"] = meta.headers;
  if (!meta.user_metadata.empty()) document["user_metadata"] = meta.user_metadata;
  if (!meta.checksum_algorithm.empty()) document["checksum_algorithm"] = meta.checksum_algorithm;
  if (!meta.checksum_value.empty()) document["checksum_value"] = meta.checksum_value;
  return document;
}

// A sidecar's document (with "key"), or an attribute's (without: key is then the file's).
std::optional<ObjectMeta> meta_from_json(const json& document, const std::string* file_key = nullptr) {
  if (!document.is_object()) return std::nullopt;
  try {
    ObjectMeta meta;
    meta.key = file_key != nullptr ? *file_key : document.at("key").get<std::string>();
    meta.size = document.at("size").get<std::uint64_t>();
    meta.mtime_ns = document.at("mtime_ns").get<std::int64_t>();
    meta.etag = document.at("etag").get<std::string>();
    meta.content_type = document.value("content_type", meta.content_type);
    meta.headers = document.value("headers", std::map<std::string, std::string>{});
    meta.user_metadata = document.value("user_metadata", std::map<std::string, std::string>{});
    meta.checksum_algorithm = document.value("checksum_algorithm", "");
    meta.checksum_value = document.value("checksum_value", "");
    meta.folder_marker = file_key == nullptr && document.value("folder_marker", false);
    return meta;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::string file_md5_etag(const std::string& path) {
  Md5 md5;
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return "\"\"";
  std::string buffer(1 << 20, '\0');
  std::size_t got = 0;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), file)) > 0)
    md5.update(std::string_view(buffer.data(), got));
  std::fclose(file);
  return "\"" + hex_encode(md5.raw()) + "\"";
}

std::string unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

}  // namespace

Error s3_error(std::string code, std::string message, int http_status) {
  Error error = make_error(ErrorKind::Service, std::move(code), std::move(message));
  error.http_status = http_status;
  return error;
}

S3Store::S3Store(std::string data_dir, Random random, files::AtomicWrite writes, ObjectMetadata metadata)
    : data_dir_(std::move(data_dir)),
      temp_dir_(data_dir_ + "/" + kTempFolder),
      random_(std::move(random)),
      writes_(writes),
      attributes_(metadata == ObjectMetadata::InAttribute) {
  std::error_code ignored;
  // Temporary files left by a killed server are never objects: start with none (one server per data dir).
  fs::remove_all(temp_dir_, ignored);
  fs::create_directories(temp_dir_, ignored);
}

bool S3Store::valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (std::size_t index = 0; index < name.size(); ++index) {
    char c = name[index];
    if (!alnum(c) && c != '-' && c != '.') return false;
    if (c == '.' && index > 0 && (name[index - 1] == '.' || name[index - 1] == '-')) return false;
    if (c == '-' && index > 0 && name[index - 1] == '.') return false;
  }
  return true;
}

std::string S3Store::key_problem(std::string_view key) {
  if (key.empty()) return "the key is empty";
  if (key.size() > kMaxKeyBytes) return "the key is longer than 1024 bytes";
  if (key.find('\0') != std::string_view::npos) return "the key contains a NUL byte";
  if (!text::valid_utf8(key)) return "the key is not valid UTF-8";  // keys are Unicode; sidecars JSON
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = key.find('/', start);
    bool last = end == std::string_view::npos;
    std::string_view segment = key.substr(start, last ? std::string_view::npos : end - start);
    if (segment == "." || segment == "..")
      return "the key has a '" + std::string(segment) + "' segment, which would leave its folder";
    if (segment.empty() && !(last && start > 0)) return "the key has an empty segment ('//' or a leading '/')";
    if (segment.size() > kMaxSegmentBytes) return "a segment of the key is longer than 255 bytes";
    if (last) break;
    start = end + 1;
  }
  return {};
}

std::string S3Store::object_path(const std::string& bucket, const std::string& key) const {
  return data_dir_ + "/" + bucket + "/" + key;
}

std::string S3Store::sidecar_path(const std::string& bucket, const std::string& key) const {
  std::string hash = aws::sha256_hex(key);
  return data_dir_ + "/" + kMetaFolder + "/" + bucket + "/" + hash.substr(0, 2) + "/" + hash + ".json";
}

std::optional<ObjectMeta> S3Store::read_sidecar(const std::string& bucket, const std::string& key) const {
  bool ok = false;
  std::string text = read_whole_file(sidecar_path(bucket, key), &ok);
  if (!ok) return std::nullopt;
  auto meta = meta_from_json(json::parse(text, nullptr, false));
  if (!meta || meta->key != key) return std::nullopt;
  return meta;
}

std::optional<ObjectMeta> S3Store::read_object_meta(const std::string& bucket, const std::string& key,
                                                    std::uint64_t size, std::int64_t mtime_ns) const {
  // The attribute first (written since 2026-12-04), then a sidecar (older objects, or a file system that
  // keeps no attributes); either only while it describes the file as it is (size and modification time).
  auto matches = [&](const std::optional<ObjectMeta>& meta) {
    return meta && !meta->folder_marker && meta->size == size && meta->mtime_ns == mtime_ns;
  };
  if (auto text = read_attribute(object_path(bucket, key), kMetaAttribute)) {
    auto meta = meta_from_json(json::parse(*text, nullptr, false), &key);
    if (matches(meta)) return meta;
  }
  auto sidecar = read_sidecar(bucket, key);
  if (matches(sidecar)) return sidecar;
  return std::nullopt;
}

Status S3Store::check_bucket(const std::string& bucket) const {
  if (!valid_bucket_name(bucket) || !file_info(data_dir_ + "/" + bucket).directory)
    return s3_error("NoSuchBucket", "The specified bucket does not exist", 404);
  return Ok{};
}

Status S3Store::create_bucket(const std::string& bucket) {
  if (!valid_bucket_name(bucket)) return s3_error("InvalidBucketName", "The specified bucket is not valid.", 400);
  std::lock_guard lock(mutex_);
  std::string path = data_dir_ + "/" + bucket;
  if (file_info(path).directory)
    return s3_error("BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you already own it.", 409);
  std::error_code error;
  fs::create_directories(path, error);
  if (error) return io_error("cannot create bucket folder", path, error.value());
  json info{{"name", bucket}, {"creation_ns", file_info(path).mtime_ns}};
  return write_file_atomic(data_dir_ + "/" + kMetaFolder + "/" + bucket + "/bucket.json", info.dump(), writes_);
}

Status S3Store::delete_bucket(const std::string& bucket) {
  if (auto status = check_bucket(bucket); !status) return status;
  std::lock_guard lock(mutex_);
  std::string path = data_dir_ + "/" + bucket;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(path, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (!it->is_directory()) return s3_error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409);
    std::string relative = fs::relative(it->path(), path).string() + "/";
    if (read_sidecar(bucket, relative))
      return s3_error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409);
  }
  fs::remove_all(path, error);
  if (error) return io_error("cannot remove bucket folder", path, error.value());
  fs::remove_all(data_dir_ + "/" + kMetaFolder + "/" + bucket, error);
  return Ok{};
}

std::vector<BucketInfo> S3Store::list_buckets() const {
  std::vector<BucketInfo> buckets;
  std::error_code error;
  for (auto it = fs::directory_iterator(data_dir_, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    std::string name = it->path().filename().string();
    if (!it->is_directory() || !valid_bucket_name(name)) continue;
    BucketInfo info{name, file_info(it->path().string()).mtime_ns};
    bool ok = false;
    std::string text = read_whole_file(data_dir_ + "/" + kMetaFolder + "/" + name + "/bucket.json", &ok);
    if (ok) {
      json document = json::parse(text, nullptr, false);
      if (document.is_object()) info.creation_ns = document.value("creation_ns", info.creation_ns);
    }
    buckets.push_back(std::move(info));
  }
  std::sort(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return buckets;
}

Status S3Store::check_key_path(const std::string& bucket, const std::string& key) const {
  if (std::string problem = key_problem(key); !problem.empty())
    return s3_error("InvalidArgument", "Object key cannot be stored: " + problem + ".", 400);
  // Every parent of the object must be (or become) a folder, and a plain key must not name a folder.
  std::string path = data_dir_ + "/" + bucket;
  std::size_t start = 0;
  while (true) {
    std::size_t end = key.find('/', start);
    if (end == std::string::npos) break;
    path += "/" + key.substr(start, end - start);
    FileInfo parent = file_info(path);
    if (parent.exists && !parent.directory)
      return s3_error("InvalidRequest",
                      "Object key '" + key + "' can not be stored: '" + key.substr(0, end) +
                          "' is an object, and the local store keeps objects as files in folders.",
                      409);
    start = end + 1;
  }
  if (key.back() != '/' && file_info(object_path(bucket, key)).directory)
    return s3_error("InvalidRequest",
                    "Object key '" + key + "' can not be stored: other keys start with '" + key +
                        "/', and the local store keeps objects as files in folders.",
                    409);
  return Ok{};
}

Status S3Store::check_write_condition(const std::string& bucket, const std::string& key,
                                      const WriteCondition& condition) const {
  if (!condition.if_none_match && !condition.if_match) return Ok{};
  auto existing = head_object(bucket, key);
  if (!existing && existing.get_failure().code != "NoSuchKey") return std::move(existing).get_failure();
  auto unquoted = [](std::string_view etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    return std::string(etag);
  };
  const Error failed =
      s3_error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
  if (condition.if_none_match && existing) return failed;
  if (condition.if_match) {
    if (!existing) return std::move(existing).get_failure();  // NoSuchKey
    if (unquoted(*condition.if_match) != unquoted(existing->etag)) return failed;
  }
  return Ok{};
}

Status S3Store::rename_object(const std::string& bucket, const std::string& key, TempFile& file) const {
  // The rename checks the key's path itself: a parent that is an object fails it (ENOTDIR), so does a key
  // that names a folder (EISDIR), and a missing folder (ENOENT) is made once the bucket is known to exist.
  // The store's checks run only then, for their answer: an overwrite costs the rename alone.
  if (!valid_bucket_name(bucket)) return check_bucket(bucket);
  if (std::string problem = key_problem(key); !problem.empty())
    return s3_error("InvalidArgument", "Object key cannot be stored: " + problem + ".", 400);
  const std::string path = object_path(bucket, key);
  int error = file.try_rename(path);
  if (error == ENOENT) {
    if (auto status = check_bucket(bucket); !status) return status;
    std::error_code made;
    fs::create_directories(fs::path(path).parent_path(), made);
    error = made ? made.value() : file.try_rename(path);
  }
  if (error == ENOTDIR || error == EISDIR || error == EEXIST) {
    if (auto status = check_key_path(bucket, key); !status) return status;
  }
  if (error != 0) return io_error("cannot rename into", path, error);
  return Ok{};
}

Outcome<ObjectMeta> S3Store::commit_object(const std::string& bucket, TempFile& file, ObjectMeta meta,
                                           const WriteCondition& condition) {
  // One file per object: its metadata goes into the file's extended attribute before the rename, so the
  // rename publishes both at once. A file system that keeps no user attributes, or a value too large for
  // one (ext4: one 4 KiB block), gets a sidecar instead, written and renamed beside the object.
  // Only the checks and the renames hold the store's lock: the fsyncs come before it and the folders'
  // after it (durable writes), so concurrent puts do not queue behind the disk. The answer is sent after all.
  auto info = file.info();  // a rename keeps the size and the modification time
  if (!info) return std::move(info).get_failure();
  meta.size = info->size;
  meta.mtime_ns = info->mtime_ns;
  meta.folder_marker = false;
  bool in_attribute = false;
  if (attributes_.load(std::memory_order_relaxed)) {
    int refused = file.set_attribute(kMetaAttribute, meta_to_attribute(meta).dump());
    in_attribute = refused == 0;
    if (refused == ENOTSUP) attributes_.store(false, std::memory_order_relaxed);  // the same for every file
  }
  std::optional<TempFile> sidecar;
  if (!in_attribute) {
    auto created = TempFile::create(temp_dir_);
    if (!created) return std::move(created).get_failure();
    sidecar.emplace(std::move(*created));
    if (auto status = sidecar->append(meta_to_json(meta).dump()); !status) return std::move(status).get_failure();
  }
  if (writes_.durable) {
    if (auto status = file.sync(); !status) return std::move(status).get_failure();
    if (sidecar) {
      if (auto status = sidecar->sync(); !status) return std::move(status).get_failure();
    }
  }
  std::string path = object_path(bucket, meta.key);
  std::string sidecar_target = sidecar ? sidecar_path(bucket, meta.key) : std::string();
  {
    std::lock_guard lock(mutex_);
    if (auto status = check_write_condition(bucket, meta.key, condition); !status)
      return std::move(status).get_failure();
    if (auto status = rename_object(bucket, meta.key, file); !status) return std::move(status).get_failure();
    // A sidecar left by the previous object (written before attributes) stays until the key is deleted:
    // the attribute is read first, and a sidecar counts only while it matches the file.
    if (sidecar) {
      if (auto status = sidecar->rename_into(sidecar_target); !status) return std::move(status).get_failure();
    }
  }
  if (writes_.durable) {
    if (auto status = fsync_directory(fs::path(path).parent_path().string()); !status)
      return std::move(status).get_failure();
    if (sidecar) {
      if (auto status = fsync_directory(fs::path(sidecar_target).parent_path().string()); !status)
        return std::move(status).get_failure();
    }
  }
  return meta;
}

Outcome<ObjectMeta> S3Store::put_object(const std::string& bucket, ObjectMeta meta, std::string_view body,
                                        const WriteCondition& condition) {
  if (auto status = check_bucket(bucket); !status) return std::move(status).get_failure();
  if (auto status = check_key_path(bucket, meta.key); !status) return std::move(status).get_failure();
  meta.etag = "\"" + hex_encode(md5_raw(body)) + "\"";
  if (meta.key.back() == '/') {
    // A folder marker ("logs/"): kept as the folder itself plus its sidecar.
    if (!body.empty())
      return s3_error("InvalidRequest", "A key ending in '/' is a folder here and must have an empty body.", 400);
    std::lock_guard lock(mutex_);
    if (auto status = check_write_condition(bucket, meta.key, condition); !status)
      return std::move(status).get_failure();
    std::string path = object_path(bucket, meta.key);
    std::error_code error;
    fs::create_directories(path, error);
    if (error) return io_error("cannot create folder", path, error.value());
    FileInfo info = file_info(path);
    meta.size = 0;
    meta.mtime_ns = info.mtime_ns;
    meta.folder_marker = true;
    if (auto status = write_file_atomic(sidecar_path(bucket, meta.key), meta_to_json(meta).dump(), writes_); !status)
      return std::move(status).get_failure();
    return meta;
  }
  auto file = TempFile::create(temp_dir_);
  if (!file) return std::move(file).get_failure();
  if (auto status = file->append(body); !status) return std::move(status).get_failure();
  return commit_object(bucket, *file, std::move(meta), condition);
}

Outcome<ObjectMeta> S3Store::put_object(const std::string& bucket, ObjectMeta meta, const SpooledBody& body,
                                        const WriteCondition& condition) {
  if (!meta.key.empty() && meta.key.back() == '/') {
    if (body.size != 0)
      return s3_error("InvalidRequest", "A key ending in '/' is a folder here and must have an empty body.", 400);
    return put_object(bucket, std::move(meta), std::string_view(), condition);
  }
  // The body is already on disk: the bucket and key are checked once, under the lock, by commit_object.
  meta.etag = "\"" + hex_encode(body.md5_raw) + "\"";
  return commit_object(bucket, *body.file, std::move(meta), condition);
}

Outcome<ObjectMeta> S3Store::head_object(const std::string& bucket, const std::string& key) const {
  if (auto status = check_bucket(bucket); !status) return std::move(status).get_failure();
  if (std::string problem = key_problem(key); !problem.empty())
    return s3_error("InvalidArgument", "Object key cannot be stored: " + problem + ".", 400);
  std::string path = object_path(bucket, key);
  FileInfo info = file_info(path);
  if (key.back() == '/') {
    auto sidecar = read_sidecar(bucket, key);
    if (info.directory && sidecar && sidecar->folder_marker) return *sidecar;
    return s3_error("NoSuchKey", "The specified key does not exist.", 404);
  }
  if (!info.regular) return s3_error("NoSuchKey", "The specified key does not exist.", 404);
  if (auto stored = read_object_meta(bucket, key, info.size, info.mtime_ns)) return *stored;
  // Written by someone else (the engine, a user): describe the file itself.
  ObjectMeta meta;
  meta.key = key;
  meta.size = info.size;
  meta.mtime_ns = info.mtime_ns;
  meta.etag = file_md5_etag(path);
  return meta;
}

void S3Store::remove_empty_parents(const std::string& bucket, const std::string& key) const {
  fs::path bucket_path(data_dir_ + "/" + bucket);
  fs::path folder = fs::path(object_path(bucket, key)).parent_path();
  std::error_code error;
  while (folder != bucket_path && folder.string().size() > bucket_path.string().size()) {
    std::string relative = fs::relative(folder, bucket_path).string() + "/";
    if (read_sidecar(bucket, relative)) break;  // an explicit folder marker stays
    if (!fs::is_empty(folder, error) || error) break;
    fs::remove(folder, error);
    folder = folder.parent_path();
  }
}

Status S3Store::delete_object(const std::string& bucket, const std::string& key) {
  if (auto status = check_bucket(bucket); !status) return status;
  if (std::string problem = key_problem(key); !problem.empty())
    return s3_error("InvalidArgument", "Object key cannot be stored: " + problem + ".", 400);
  std::lock_guard lock(mutex_);
  std::string path = object_path(bucket, key);
  std::error_code error;
  if (key.back() == '/') {
    if (read_sidecar(bucket, key)) {
      fs::remove(sidecar_path(bucket, key), error);
      if (fs::is_directory(path, error) && fs::is_empty(path, error)) fs::remove(path, error);
    }
  } else if (file_info(path).regular) {
    if (::unlink(path.c_str()) != 0) return io_error("cannot delete", path, errno);
    fs::remove(sidecar_path(bucket, key), error);
  }
  remove_empty_parents(bucket, key);
  return Ok{};  // S3 answers 204 whether or not the key existed
}

Outcome<ObjectMeta> S3Store::copy_object(const std::string& source_bucket, const std::string& source_key,
                                         const std::string& bucket, ObjectMeta meta, bool replace_metadata) {
  auto source = head_object(source_bucket, source_key);
  if (!source) return source;
  if (auto status = check_bucket(bucket); !status) return std::move(status).get_failure();
  if (auto status = check_key_path(bucket, meta.key); !status) return std::move(status).get_failure();
  if (source->folder_marker) return put_object(bucket, std::move(meta), "");
  auto file = TempFile::create(temp_dir_);
  if (!file) return std::move(file).get_failure();
  if (auto status = file->append_file(object_path(source_bucket, source_key)); !status)
    return std::move(status).get_failure();
  std::string key = meta.key;
  ObjectMeta stored = replace_metadata ? std::move(meta) : *source;
  stored.key = std::move(key);
  stored.etag = source->etag;
  stored.checksum_algorithm = source->checksum_algorithm;
  stored.checksum_value = source->checksum_value;
  return commit_object(bucket, *file, std::move(stored));
}

Outcome<std::vector<ListedKey>> S3Store::list_keys(const std::string& bucket, const std::string& prefix) const {
  if (auto status = check_bucket(bucket); !status) return std::move(status).get_failure();
  std::vector<ListedKey> keys;
  const fs::path bucket_path(data_dir_ + "/" + bucket);
  // Walk only the deepest folder the prefix names.
  std::string start_relative = prefix.substr(0, prefix.rfind('/') == std::string::npos ? 0 : prefix.rfind('/'));
  if (!key_problem(start_relative + "/").empty()) start_relative.clear();
  fs::path start = start_relative.empty() ? bucket_path : bucket_path / start_relative;
  std::error_code error;
  if (!fs::is_directory(start, error)) return keys;
  auto add = [&](const fs::directory_entry& entry) {
    std::string key = fs::relative(entry.path(), bucket_path, error).generic_string();
    if (error) return;
    if (entry.is_directory(error)) {
      key += "/";
      if (key.compare(0, prefix.size(), prefix) != 0) return;
      auto sidecar = read_sidecar(bucket, key);
      if (sidecar && sidecar->folder_marker) keys.push_back({key, 0, sidecar->mtime_ns});
      return;
    }
    if (!entry.is_regular_file(error) || key.compare(0, prefix.size(), prefix) != 0) return;
    FileInfo info = file_info(entry.path().string());
    keys.push_back({key, info.size, info.mtime_ns});
  };
  for (auto it = fs::recursive_directory_iterator(start, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    add(*it);
  }
  if (start != bucket_path && start_relative.size() + 1 >= prefix.size()) {
    // The starting folder itself may be a folder marker ("logs/" when listing prefix "logs/").
    auto sidecar = read_sidecar(bucket, start_relative + "/");
    if (sidecar && sidecar->folder_marker && (start_relative + "/").compare(0, prefix.size(), prefix) == 0)
      keys.push_back({start_relative + "/", 0, sidecar->mtime_ns});
  }
  std::sort(keys.begin(), keys.end(), [](const ListedKey& a, const ListedKey& b) { return a.key < b.key; });
  return keys;
}

std::string S3Store::etag_of(const std::string& bucket, const ListedKey& listed) const {
  if (!listed.key.empty() && listed.key.back() == '/') {
    auto sidecar = read_sidecar(bucket, listed.key);
    if (sidecar && sidecar->folder_marker) return sidecar->etag;
  } else if (auto stored = read_object_meta(bucket, listed.key, listed.size, listed.mtime_ns)) {
    return stored->etag;
  }
  return file_md5_etag(object_path(bucket, listed.key));
}

// Multipart uploads: <data dir>/.s3uploads/<id>/upload.json, and <n> / <n>.json per part.
Outcome<UploadInfo> S3Store::create_upload(const std::string& bucket, ObjectMeta meta) {
  if (auto status = check_bucket(bucket); !status) return std::move(status).get_failure();
  if (auto status = check_key_path(bucket, meta.key); !status) return std::move(status).get_failure();
  if (meta.key.back() == '/')
    return s3_error("InvalidRequest", "A key ending in '/' is a folder here and can not be uploaded in parts.", 400);
  UploadInfo upload;
  upload.upload_id = random_.hex(24);
  upload.bucket = bucket;
  upload.key = meta.key;
  upload.meta = std::move(meta);
  upload.initiated_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  json document{{"bucket", upload.bucket},
                {"key", upload.key},
                {"initiated_ns", upload.initiated_ns},
                {"meta", meta_to_json(upload.meta)}};
  std::string folder = data_dir_ + "/" + kUploadsFolder + "/" + upload.upload_id;
  if (auto status = write_file_atomic(folder + "/upload.json", document.dump(), writes_); !status)
    return std::move(status).get_failure();
  return upload;
}

Outcome<UploadInfo> S3Store::find_upload(const std::string& upload_id, const std::string& bucket,
                                         const std::string& key) const {
  auto no_such_upload = [] {
    return s3_error("NoSuchUpload",
                    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
                    "aborted or completed.",
                    404);
  };
  if (upload_id.empty() || upload_id.size() > 64 ||
      upload_id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return no_such_upload();
  bool ok = false;
  std::string text = read_whole_file(data_dir_ + "/" + kUploadsFolder + "/" + upload_id + "/upload.json", &ok);
  if (!ok) return no_such_upload();
  json document = json::parse(text, nullptr, false);
  if (!document.is_object() || document.value("bucket", "") != bucket || document.value("key", "") != key)
    return no_such_upload();
  auto meta = meta_from_json(document.value("meta", json::object()));
  if (!meta) return no_such_upload();
  UploadInfo upload;
  upload.upload_id = upload_id;
  upload.bucket = bucket;
  upload.key = key;
  upload.meta = std::move(*meta);
  upload.initiated_ns = document.value("initiated_ns", std::int64_t{0});
  return upload;
}

Outcome<PartInfo> S3Store::upload_part(const UploadInfo& upload, int part_number, std::string_view body,
                                       const std::string& checksum_value) {
  if (part_number < 1 || part_number > kMaxPartNumber)
    return s3_error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400);
  PartInfo part;
  part.part_number = part_number;
  part.etag = "\"" + hex_encode(md5_raw(body)) + "\"";
  part.size = body.size();
  part.checksum_value = checksum_value;
  std::string folder = data_dir_ + "/" + kUploadsFolder + "/" + upload.upload_id;
  std::string name = folder + "/" + std::to_string(part_number);
  json document{{"etag", part.etag}, {"size", part.size}, {"checksum_value", part.checksum_value}};
  if (auto status = write_file_atomic(name, body, writes_); !status) return std::move(status).get_failure();
  if (auto status = write_file_atomic(name + ".json", document.dump(), writes_); !status)
    return std::move(status).get_failure();
  return part;
}

Outcome<PartInfo> S3Store::upload_part(const UploadInfo& upload, int part_number, const SpooledBody& body,
                                       const std::string& checksum_value) {
  if (part_number < 1 || part_number > kMaxPartNumber)
    return s3_error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400);
  PartInfo part;
  part.part_number = part_number;
  part.etag = "\"" + hex_encode(body.md5_raw) + "\"";
  part.size = body.size;
  part.checksum_value = checksum_value;
  std::string name = data_dir_ + "/" + kUploadsFolder + "/" + upload.upload_id + "/" + std::to_string(part_number);
  json document{{"etag", part.etag}, {"size", part.size}, {"checksum_value", part.checksum_value}};
  if (auto status = body.file->commit(name, writes_); !status) return std::move(status).get_failure();
  if (auto status = write_file_atomic(name + ".json", document.dump(), writes_); !status)
    return std::move(status).get_failure();
  return part;
}

Outcome<ObjectMeta> S3Store::complete_upload(const UploadInfo& upload, const std::vector<CompletedPart>& parts) {
  if (parts.empty())
    return s3_error("MalformedXML", "You must specify at least one part when completing a multipart upload.", 400);
  std::string folder = data_dir_ + "/" + kUploadsFolder + "/" + upload.upload_id;
  auto file = TempFile::create(temp_dir_);
  if (!file) return std::move(file).get_failure();
  std::string part_digests;
  std::string part_checksums;
  int previous = 0;
  for (std::size_t index = 0; index < parts.size(); ++index) {
    const CompletedPart& part = parts[index];
    if (part.part_number <= previous)
      return s3_error("InvalidPartOrder",
                      "The list of parts was not in ascending order. The parts list must be "
                      "specified in order by part number.",
                      400);
    previous = part.part_number;
    std::string name = folder + "/" + std::to_string(part.part_number);
    bool ok = false;
    json stored = json::parse(read_whole_file(name + ".json", &ok), nullptr, false);
    auto invalid_part = [] {
      return s3_error("InvalidPart",
                      "One or more of the specified parts could not be found. The part might not have "
                      "been uploaded, or the specified entity tag might not have matched the part's entity tag.",
                      400);
    };
    if (!ok || !stored.is_object() || unquote(stored.value("etag", "")) != unquote(part.etag)) return invalid_part();
    std::uint64_t size = stored.value("size", std::uint64_t{0});
    if (size < kMinPartSize && index + 1 < parts.size())
      return s3_error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", 400);
    std::string checksum = stored.value("checksum_value", "");
    if (!part.checksum_value.empty() && part.checksum_value != checksum) return invalid_part();
    if (auto status = file->append_file(name); !status) return std::move(status).get_failure();
    part_digests += hex_decode(unquote(stored.value("etag", "")));
    if (!checksum.empty()) {
      if (auto raw = base64_decode(checksum)) part_checksums += *raw;
    }
  }
  ObjectMeta meta = upload.meta;
  meta.etag = "\"" + hex_encode(md5_raw(part_digests)) + "-" + std::to_string(parts.size()) + "\"";
  meta.checksum_value.clear();
  if (auto algorithm = checksum_algorithm_from_name(meta.checksum_algorithm); algorithm && !part_checksums.empty()) {
    // S3's composite checksum: the checksum of the concatenated part checksums, "-<parts>".
    meta.checksum_value = checksum_base64(*algorithm, part_checksums) + "-" + std::to_string(parts.size());
  }
  auto committed = commit_object(upload.bucket, *file, std::move(meta));
  if (committed) {
    std::error_code ignored;
    fs::remove_all(folder, ignored);
  }
  return committed;
}

std::vector<PartInfo> S3Store::list_parts(const UploadInfo& upload) const {
  std::vector<PartInfo> parts;
  std::string folder = data_dir_ + "/" + kUploadsFolder + "/" + upload.upload_id;
  std::error_code error;
  for (auto it = fs::directory_iterator(folder, error); !error && it != fs::directory_iterator(); it.increment(error)) {
    std::string name = it->path().filename().string();
    if (name.size() < 6 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    std::string number = name.substr(0, name.size() - 5);
    if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) continue;
    bool ok = false;
    json stored = json::parse(read_whole_file(it->path().string(), &ok), nullptr, false);
    if (!ok || !stored.is_object()) continue;
    PartInfo part;
    part.part_number = std::stoi(number);
    part.etag = stored.value("etag", "");
    part.size = stored.value("size", std::uint64_t{0});
    part.checksum_value = stored.value("checksum_value", "");
    part.mtime_ns = file_info(std::string(folder).append("/").append(number)).mtime_ns;
    parts.push_back(std::move(part));
  }
  std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.part_number < b.part_number; });
  return parts;
}

std::vector<UploadInfo> S3Store::list_uploads(const std::string& bucket, const std::string& prefix) const {
  std::vector<UploadInfo> uploads;
  std::error_code error;
  for (auto it = fs::directory_iterator(data_dir_ + "/" + kUploadsFolder, error);
       !error && it != fs::directory_iterator(); it.increment(error)) {
    bool ok = false;
    json document = json::parse(read_whole_file(it->path().string() + "/upload.json", &ok), nullptr, false);
    if (!ok || !document.is_object() || document.value("bucket", "") != bucket) continue;
    std::string key = document.value("key", "");
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    UploadInfo upload;
    upload.upload_id = it->path().filename().string();
    upload.bucket = bucket;
    upload.key = key;
    upload.initiated_ns = document.value("initiated_ns", std::int64_t{0});
    uploads.push_back(std::move(upload));
  }
  std::sort(uploads.begin(), uploads.end(), [](const auto& a, const auto& b) {
    return a.key != b.key ? a.key < b.key : a.initiated_ns < b.initiated_ns;
  });
  return uploads;
}

Status S3Store::abort_upload(const UploadInfo& upload) {
  std::error_code error;
  fs::remove_all(data_dir_ + "/" + kUploadsFolder + "/" + upload.upload_id, error);
  return Ok{};
}

}  // namespace athena_runner::server
