// Delivery of a succeeded run's results (include/athena_runner/runner/deliver.hpp).
#include "athena_runner/runner/deliver.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "athena_runner/base/files.hpp"
#include "athena_runner/spec/token.hpp"

namespace athena_runner::runner {
namespace {

namespace fs = std::filesystem;
using spec::DeliveryFormat;

constexpr int kNotFoundStatus = 404;
constexpr int kGzipWindowBits = 15 + 16;  // zlib: a gzip wrapper (header without name or time), 32 KiB window
constexpr int kGzipMemoryLevel = 8;
constexpr std::size_t kDeflateChunk = std::size_t{64} * 1024;
constexpr std::size_t kCopyChunk = std::size_t{1024} * 1024;
constexpr std::size_t kPartDigits = 5;  // _00000.parquet, _00001.parquet, ...

struct FormatTraits {
  DeliveryFormat format;
  std::string_view extension;     // of the delivered objects
  std::string_view content_type;  // their Content-Type
  std::string_view unload_with;   // the UNLOAD's WITH clause ("" for the CSV formats)
};
// json: JSON lines, gzip-compressed as UNLOAD writes them by default
// (docs.aws.amazon.com/athena/latest/ug/unload.html).
constexpr FormatTraits kFormats[] = {
    {DeliveryFormat::Csv, ".csv", "text/csv", ""},
    {DeliveryFormat::CsvGz, ".csv.gz", "application/gzip", ""},
    {DeliveryFormat::Parquet, ".parquet", "application/vnd.apache.parquet", "format = 'PARQUET'"},
    {DeliveryFormat::Json, ".json.gz", "application/gzip", "format = 'JSON'"},
};

const FormatTraits& traits(DeliveryFormat format) {
  for (const auto& entry : kFormats)
    if (entry.format == format) return entry;
  return kFormats[0];
}

Error delivery_error(const spec::Delivery& delivery, const std::string& why) {
  return make_error(
      ErrorKind::Service, std::string(kDeliveryFailedCode),
      "delivery to " + delivery.to + " (" + std::string(spec::to_string(delivery.format)) + ") failed: " + why);
}

// Streams bytes through gzip (zlib's deflate with a gzip wrapper) into memory.
class GzipBuffer {
 public:
  GzipBuffer() {
    ok_ = deflateInit2(&stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kGzipMemoryLevel,
                       Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipBuffer() { deflateEnd(&stream_); }
  GzipBuffer(const GzipBuffer&) = delete;
  GzipBuffer& operator=(const GzipBuffer&) = delete;

  bool add(std::string_view chunk) { return ok_ && run(chunk, Z_NO_FLUSH); }
  bool finish() { return ok_ && run({}, Z_FINISH); }
  const std::string& bytes() const { return out_; }

 private:
  bool run(std::string_view input, int flush) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uInt>(input.size());
    std::array<char, kDeflateChunk> buffer{};
    int status = Z_OK;
    do {
      stream_.next_out = reinterpret_cast<Bytef*>(buffer.data());
      stream_.avail_out = static_cast<uInt>(buffer.size());
      status = deflate(&stream_, flush);
      if (status == Z_STREAM_ERROR) return ok_ = false;
      out_.append(buffer.data(), buffer.size() - stream_.avail_out);
    } while (stream_.avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END));
    return true;
  }

  z_stream stream_{};
  bool ok_ = false;
  std::string out_;
};

class S3ObjectStore : public ObjectStore {
 public:
  explicit S3ObjectStore(std::shared_ptr<const aws::ClientContext> context) : s3_(std::move(context)) {}

  Outcome<std::optional<std::map<std::string, std::string>>> metadata(const aws::s3::S3Uri& uri) override {
    auto head = s3_.head_object(uri.bucket, uri.key);
    if (!head) {
      if (head.get_failure().http_status == kNotFoundStatus) return std::optional<std::map<std::string, std::string>>{};
      return std::move(head).get_failure();
    }
    return std::optional<std::map<std::string, std::string>>{head->metadata};
  }
  Status read(const aws::s3::S3Uri& uri, const ByteSink& sink) override {
    auto got = s3_.get_object({uri.bucket, uri.key, std::nullopt}, sink);
    if (!got) return std::move(got).get_failure();
    return Ok{};
  }
  Status copy(const aws::s3::S3Uri& from, const aws::s3::S3Uri& to, const ObjectAttributes& attributes) override {
    auto copied =
        s3_.copy_object({from.bucket, from.key, to.bucket, to.key, attributes.content_type, attributes.metadata});
    if (!copied) return std::move(copied).get_failure();
    return Ok{};
  }
  Status put(const aws::s3::S3Uri& to, std::string_view body, const ObjectAttributes& attributes) override {
    aws::s3::PutObjectRequest request{to.bucket, to.key, attributes.content_type, attributes.metadata};
    auto put = s3_.put_object(request, body);
    if (!put) return std::move(put).get_failure();
    return Ok{};
  }
  Outcome<std::vector<std::string>> list_keys(const aws::s3::S3Uri& prefix) override {
    auto keys = s3_.list_keys(prefix);
    if (!keys) return keys;
    std::sort(keys->begin(), keys->end());  // the ObjectStore's order: bytewise, whatever the endpoint
    return keys;
  }

 private:
  aws::s3::S3Client s3_;
};

// s3://bucket/key as <D>/<bucket>/<key>; files carry no user metadata.
class LocalObjectStore : public ObjectStore {
 public:
  explicit LocalObjectStore(std::string data_dir) : data_dir_(std::move(data_dir)) {}

  Outcome<std::optional<std::map<std::string, std::string>>> metadata(const aws::s3::S3Uri& uri) override {
    auto path = path_of(uri);
    if (!path) return std::move(path).get_failure();
    std::error_code error;
    if (!fs::is_regular_file(*path, error)) return std::optional<std::map<std::string, std::string>>{};
    return std::optional<std::map<std::string, std::string>>{std::map<std::string, std::string>{}};
  }
  Status read(const aws::s3::S3Uri& uri, const ByteSink& sink) override {
    auto path = path_of(uri);
    if (!path) return std::move(path).get_failure();
    std::ifstream in(*path, std::ios::binary);
    if (!in) return io_error("cannot read " + *path);
    std::string buffer(kCopyChunk, '\0');
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto count = static_cast<std::size_t>(in.gcount());
      if (count > 0 && !sink(std::string_view(buffer.data(), count))) break;
    }
    if (in.bad()) return io_error("cannot read " + *path);
    return Ok{};
  }
  Status copy(const aws::s3::S3Uri& from, const aws::s3::S3Uri& to, const ObjectAttributes& /*attributes*/) override {
    auto path = path_of(to);
    if (!path) return std::move(path).get_failure();
    auto writer = files::AtomicFileWriter::open(*path, {.durable = true, .create_parents = true});
    if (!writer) return std::move(writer).get_failure();
    Status written = Ok{};
    auto got = read(from, [&](std::string_view chunk) {
      written = writer->write(chunk);
      return written.is_success();
    });
    if (!written) return written;
    if (!got) return got;
    return writer->commit();
  }
  Status put(const aws::s3::S3Uri& to, std::string_view body, const ObjectAttributes& /*attributes*/) override {
    auto path = path_of(to);
    if (!path) return std::move(path).get_failure();
    return files::write_file_atomically(*path, body, {.durable = true, .create_parents = true});
  }
  Outcome<std::vector<std::string>> list_keys(const aws::s3::S3Uri& prefix) override {
    auto path = path_of(prefix);
    if (!path) return std::move(path).get_failure();
    const fs::path bucket = fs::path(data_dir_) / prefix.bucket;
    std::vector<std::string> keys;
    std::error_code error;
    // The prefix is a folder here (UNLOAD's staging prefixes end with '/'); hidden names are never objects.
    fs::path folder = prefix.key.empty() || prefix.key.back() == '/' ? fs::path(*path) : fs::path(*path).parent_path();
    if (!fs::is_directory(folder, error)) return keys;
    for (auto it = fs::recursive_directory_iterator(folder, error); !error && it != fs::recursive_directory_iterator();
         it.increment(error)) {
      if (it->path().filename().string().starts_with(".")) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      const std::string key = it->path().lexically_relative(bucket).generic_string();
      if (key.starts_with(prefix.key)) keys.push_back(key);
    }
    if (error) return io_error("cannot list " + folder.string() + ": " + error.message());
    std::sort(keys.begin(), keys.end());
    return keys;
  }

 private:
  static Error io_error(std::string message) {
    return make_error(ErrorKind::Configuration, "IO_ERROR", std::move(message));
  }
  Outcome<std::string> path_of(const aws::s3::S3Uri& uri) const {
    for (const auto& segment : fs::path(uri.key)) {
      if (segment == "." || segment == "..") {
        return make_error(ErrorKind::InvalidInput, "InvalidKey",
                          "the key of " + uri.to_string() +
                              " has a \".\" or \"..\" segment, which a local data "
                              "directory can not hold");
      }
    }
    return (fs::path(data_dir_) / uri.bucket / uri.key).string();
  }

  std::string data_dir_;
};

// The name of a delivered object under a prefix: <stem><extension>, or for the n-th file of an UNLOAD
// <stem>_<n as 5 digits><extension>.
std::string object_name(const std::string& stem, const FormatTraits& format, std::optional<std::size_t> part = {}) {
  std::string name = stem;
  if (part) {
    std::string digits = std::to_string(*part);
    digits.insert(0, digits.size() < kPartDigits ? kPartDigits - digits.size() : 0, '0');
    name.append("_").append(digits);
  }
  return name.append(format.extension);
}

// Where the UNLOAD of a parquet or json delivery writes: <results folder>athena-runner/unload/<id>/<format>/.
std::string unload_key(const std::string& results_folder, const std::string& query_execution_id,
                       DeliveryFormat format) {
  return results_folder + std::string(kUnloadFolder) + query_execution_id + "/" + std::string(spec::to_string(format)) +
         "/";
}

// The destination object of one delivery: the key as rendered, or under a prefix <stem><suffix>.
aws::s3::S3Uri destination(const aws::s3::S3Uri& to, const std::string& name) {
  aws::s3::S3Uri out = to;
  if (!out.key.empty() && out.key.back() == '/') out.key += name;
  return out;
}

// Writes one object unless `keep` finds another run's object there; true when written.
Outcome<bool> write_object(ObjectStore& store, const spec::Delivery& delivery, const aws::s3::S3Uri& target,
                           const ObjectAttributes& attributes, const std::function<Status()>& write) {
  if (delivery.overwrite == spec::OverwriteRule::Keep) {
    auto existing = store.metadata(target);
    if (!existing) return std::move(existing).get_failure();
    if (*existing) {
      const auto run = (*existing)->find(std::string(kRunMetadata));
      const bool ours = run != (*existing)->end() && run->second == attributes.metadata.at(std::string(kRunMetadata));
      if (!ours) return false;
    }
  }
  if (auto written = write(); !written) return std::move(written).get_failure();
  return true;
}

Outcome<std::vector<aws::s3::S3Uri>> unload(const RunSummary& summary, DeliveryFormat format, QueryEngine& engine,
                                            ObjectStore& store, const Clock& clock, const PollPolicy& poll,
                                            const aws::s3::S3Uri& result) {
  const auto slash = result.key.rfind('/');
  aws::s3::S3Uri staging{result.bucket,
                         unload_key(slash == std::string::npos ? std::string() : result.key.substr(0, slash + 1),
                                    summary.query_execution_id, format)};
  spec::RenderedQuery query = summary.rendered;
  query.name = summary.rendered.name + "_deliver_" + (format == DeliveryFormat::Parquet ? "parquet" : "json");
  query.sql = unload_sql(summary.rendered, format, staging.to_string());
  query.deliver.clear();
  // Its own token, derived from the run's execution (in the SQL's location): a repeat starts nothing new.
  query.client_request_token = spec::client_request_token(
      {query.name, query.scheduled_time, query.sql, query.execution_parameters, query.generation});
  Runner runner(engine, clock);
  RunOptions options;
  options.poll = poll;
  options.max_attempts = 1;
  auto ran = runner.run_rendered(query, options);
  if (!ran) return std::move(ran).get_failure();
  if (!ran->succeeded()) {
    return make_error(ErrorKind::Service, "UnloadFailed",
                      "its UNLOAD " + ran->query_execution_id + " ended " + std::string(to_string(ran->state)) +
                          (ran->reason.empty() ? std::string() : ": " + ran->reason));
  }
  auto keys = store.list_keys(staging);
  if (!keys) return std::move(keys).get_failure();
  std::vector<aws::s3::S3Uri> files;
  for (const auto& key : *keys) files.push_back({staging.bucket, key});
  return files;
}

}  // namespace

std::unique_ptr<ObjectStore> make_s3_object_store(std::shared_ptr<const aws::ClientContext> context) {
  return std::make_unique<S3ObjectStore>(std::move(context));
}

std::unique_ptr<ObjectStore> make_local_object_store(std::string data_dir) {
  return std::make_unique<LocalObjectStore>(std::move(data_dir));
}

std::string delivery_object_stem(const spec::RenderedQuery& rendered) {
  std::string slot = spec::format_utc(rendered.scheduled_time);  // 2024-05-02T04:00:00Z
  slot.erase(std::remove_if(slot.begin(), slot.end(), [](char c) { return c == '-' || c == ':'; }), slot.end());
  return rendered.name + "_" + slot;
}

std::string unload_sql(const spec::RenderedQuery& rendered, DeliveryFormat format, const std::string& location) {
  std::string sql = rendered.sql;
  while (!sql.empty() && (std::isspace(static_cast<unsigned char>(sql.back())) != 0 || sql.back() == ';'))
    sql.pop_back();
  // The query on lines of its own, so that a trailing -- comment can not swallow the closing parenthesis.
  return "UNLOAD (\n" + sql + "\n) TO '" + location + "' WITH (" + std::string(traits(format).unload_with) + ")";
}

Outcome<std::vector<Delivered>> deliver(const RunSummary& summary, QueryEngine& engine, ObjectStore& store,
                                        const Clock& clock, const PollPolicy& poll) {
  std::vector<Delivered> delivered;
  const auto& rendered = summary.rendered;
  if (rendered.deliver.empty()) return delivered;
  const std::string result_uri = summary.execution.result_configuration
                                     ? summary.execution.result_configuration->output_location.value_or("")
                                     : summary.output_location;
  const std::string stem = delivery_object_stem(rendered);
  ObjectAttributes attributes;
  attributes.metadata[std::string(kRunMetadata)] = rendered.name + "/" + spec::format_utc(rendered.scheduled_time);
  attributes.metadata[std::string(kExecutionMetadata)] = summary.query_execution_id;

  for (const auto& delivery : rendered.deliver) {
    auto to = aws::s3::parse_s3_uri(delivery.to);
    if (!to) return delivery_error(delivery, to.get_failure().message);
    auto result = aws::s3::parse_s3_uri(result_uri);
    if (!result || result->key.empty())
      return delivery_error(delivery, "the execution has no S3 result (OutputLocation \"" + result_uri + "\")");
    const FormatTraits& format = traits(delivery.format);
    attributes.content_type = std::string(format.content_type);
    Delivered done{delivery.to, delivery.format, {}, false};
    auto record = [&](const aws::s3::S3Uri& target, const std::function<Status()>& write) -> Status {
      auto written = write_object(store, delivery, target, attributes, write);
      if (!written) return delivery_error(delivery, target.to_string() + ": " + written.get_failure().to_string());
      done.kept = done.kept || !*written;
      done.objects.push_back(target.to_string());
      return Ok{};
    };

    Status status = Ok{};
    if (delivery.format == DeliveryFormat::Csv) {
      const auto target = destination(*to, object_name(stem, format));
      status = record(target, [&] { return store.copy(*result, target, attributes); });
    } else if (delivery.format == DeliveryFormat::CsvGz) {
      const auto target = destination(*to, object_name(stem, format));
      status = record(target, [&]() -> Status {
        GzipBuffer gzip;
        bool compressed = true;
        auto read = store.read(*result, [&](std::string_view chunk) { return compressed = gzip.add(chunk); });
        if (!read) return read;
        if (!compressed || !gzip.finish())
          return make_error(ErrorKind::Internal, "GzipFailed", "zlib could not compress the result");
        return store.put(target, gzip.bytes(), attributes);
      });
    } else {
      auto files = unload(summary, delivery.format, engine, store, clock, poll, *result);
      if (!files) return delivery_error(delivery, files.get_failure().message);
      for (std::size_t i = 0; i < files->size() && status; ++i) {
        const auto target = destination(*to, object_name(stem, format, i));
        const auto& source = (*files)[i];
        status = record(target, [&] { return store.copy(source, target, attributes); });
      }
    }
    if (!status) return std::move(status).get_failure();
    delivered.push_back(std::move(done));
  }
  return delivered;
}

std::vector<PlannedDelivery> plan_deliveries(const spec::RenderedQuery& rendered, const std::string& results_folder) {
  std::vector<PlannedDelivery> plan;
  const std::string stem = delivery_object_stem(rendered);
  for (const auto& delivery : rendered.deliver) {
    PlannedDelivery planned;
    planned.destination = delivery;
    const FormatTraits& format = traits(delivery.format);
    const bool unloaded = !format.unload_with.empty();
    const bool prefix = !delivery.to.empty() && delivery.to.back() == '/';
    planned.first_object =
        prefix ? delivery.to + object_name(stem, format, unloaded ? std::optional<std::size_t>(0) : std::nullopt)
               : delivery.to;
    planned.several = unloaded;
    if (unloaded)
      planned.unload_sql =
          unload_sql(rendered, delivery.format, unload_key(results_folder, "<QueryExecutionId>", delivery.format));
    plan.push_back(std::move(planned));
  }
  return plan;
}

std::function<void(RunSummary&)> delivering(QueryEngine& engine, ObjectStore& store, Clock clock, PollPolicy poll) {
  return [&engine, &store, clock = std::move(clock), poll](RunSummary& summary) {
    if (summary.rendered.deliver.empty()) return;
    auto delivered = deliver(summary, engine, store, clock, poll);
    if (delivered)
      summary.deliveries = std::move(delivered).get_result();
    else
      summary.delivery_failure = std::move(delivered).get_failure();
  };
}

std::string deliveries_json(const std::vector<Delivered>& deliveries) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& delivery : deliveries) {
    list.push_back({{"to", delivery.to},
                    {"format", std::string(spec::to_string(delivery.format))},
                    {"objects", delivery.objects},
                    {"kept", delivery.kept}});
  }
  return list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Outcome<std::vector<Delivered>> parse_deliveries_json(std::string_view text) {
  const auto invalid = [] {
    return make_error(ErrorKind::InvalidInput, "InvalidDeliveries", "deliveries: expected a list of deliveries");
  };
  const auto list = nlohmann::json::parse(text, nullptr, false);
  if (!list.is_array()) return invalid();
  std::vector<Delivered> out;
  for (const auto& item : list) {
    if (!item.is_object() || !item.value("to", nlohmann::json()).is_string() || !item.contains("objects") ||
        !item["objects"].is_array())
      return invalid();
    Delivered delivery;
    delivery.to = item["to"].get<std::string>();
    const std::string format = item.value("format", "csv");
    for (const auto& entry : kFormats)
      if (spec::to_string(entry.format) == format) delivery.format = entry.format;
    for (const auto& object : item["objects"])
      if (object.is_string()) delivery.objects.push_back(object.get<std::string>());
    delivery.kept = item.value("kept", false);
    out.push_back(std::move(delivery));
  }
  return out;
}

}  // namespace athena_runner::runner
