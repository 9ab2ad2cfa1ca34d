// Run records of completion by events, and their store on S3 (include/athena_runner/lambda/run_record.hpp).
#include "athena_runner/lambda/run_record.hpp"

#include <nlohmann/json.hpp>
#include <utility>

namespace athena_runner::lambda {
namespace {

using nlohmann::json;

// S3's answers to a condition that does not hold: 412 (PreconditionFailed) for If-Match and If-None-Match;
// 409 (ConditionalRequestConflict) when a concurrent conditional write to the same key won.
constexpr int kPreconditionFailedStatus = 412;
constexpr int kConditionalConflictStatus = 409;
constexpr int kNotFoundStatus = 404;

constexpr std::pair<RecordState, std::string_view> kStateNames[] = {
    {RecordState::Running, "RUNNING"},
    {RecordState::Succeeded, "SUCCEEDED"},
    {RecordState::Failed, "FAILED"},
    {RecordState::Resubmitted, "RESUBMITTED"},
};

Error invalid_record(std::string message) {
  return make_error(ErrorKind::InvalidInput, "InvalidRunRecord", "run record: " + std::move(message));
}

bool condition_failed(const Error& error) {
  return error.http_status == kPreconditionFailedStatus || error.http_status == kConditionalConflictStatus;
}

class S3RunStore : public RunStore {
 public:
  explicit S3RunStore(std::shared_ptr<const aws::ClientContext> context) : s3_(std::move(context)) {}

  Outcome<std::optional<Object>> read(const aws::s3::S3Uri& uri) override {
    std::string body;
    auto got = s3_.get_object({uri.bucket, uri.key, std::nullopt}, [&](std::string_view chunk) {
      body.append(chunk);
      return true;
    });
    if (!got) {
      if (got.get_failure().http_status == kNotFoundStatus) return std::optional<Object>{};
      return std::move(got).get_failure();
    }
    return std::optional<Object>{Object{std::move(body), got->e_tag.value_or("")}};
  }

  Outcome<bool> create(const aws::s3::S3Uri& uri, std::string_view body) override {
    aws::s3::PutObjectRequest request{uri.bucket, uri.key, "application/json", {}, "*", std::nullopt};
    return put(request, body);
  }

  Outcome<bool> replace(const aws::s3::S3Uri& uri, std::string_view body, const std::string& etag) override {
    aws::s3::PutObjectRequest request{uri.bucket, uri.key, "application/json", {}, std::nullopt, etag};
    return put(request, body);
  }

  Status remove(const aws::s3::S3Uri& uri) override { return s3_.delete_object(uri.bucket, uri.key); }

  Outcome<std::vector<std::string>> list_keys(const aws::s3::S3Uri& prefix) override { return s3_.list_keys(prefix); }

 private:
  Outcome<bool> put(const aws::s3::PutObjectRequest& request, std::string_view body) {
    auto put = s3_.put_object(request, body);
    if (put) return true;
    if (condition_failed(put.get_failure())) return false;
    return std::move(put).get_failure();
  }

  aws::s3::S3Client s3_;
};

}  // namespace

std::string_view to_string(RecordState state) {
  for (const auto& [value, name] : kStateNames)
    if (value == state) return name;
  return "RUNNING";
}

std::string record_json(const RunRecord& record) {
  json document;
  document["version"] = kRunRecordVersion;
  document["query_execution_id"] = record.query_execution_id;
  document["query"] = record.query;
  document["spec"] = json::parse(record.spec, nullptr, false);
  document["dependents"] = json::parse(record.dependents, nullptr, false);
  document["scheduled_time"] = spec::format_utc(record.scheduled_time);
  document["client_request_token"] = record.client_request_token;
  document["generation"] = record.generation;
  document["attempt"] = record.attempt;
  document["started_at"] = spec::format_utc(record.started_at);
  if (record.deadline) document["deadline"] = spec::format_utc(*record.deadline);
  document["state"] = std::string(to_string(record.state));
  if (!record.reason.empty()) document["reason"] = record.reason;
  if (!record.error_type.empty()) document["error_type"] = record.error_type;
  if (!record.next_query_execution_id.empty()) document["next_query_execution_id"] = record.next_query_execution_id;
  if (const auto delivered = json::parse(record.delivered, nullptr, false); delivered.is_array() && !delivered.empty())
    document["delivered"] = delivered;
  if (record.finished_at) document["finished_at"] = spec::format_utc(*record.finished_at);
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

Outcome<RunRecord> parse_record(std::string_view text) {
  json document = json::parse(text, nullptr, false);
  if (!document.is_object()) return invalid_record("not a JSON object");
  if (document.value("version", 0) != kRunRecordVersion)
    return invalid_record("version " + document.value("version", json()).dump() + " is not " +
                          std::to_string(kRunRecordVersion));
  RunRecord record;
  auto text_of = [&](const char* key, bool required) -> Outcome<std::string> {
    if (!document.contains(key)) {
      if (required) return invalid_record(std::string("no \"") + key + "\"");
      return std::string();
    }
    if (!document[key].is_string()) return invalid_record(std::string(key) + ": expected a string");
    return document[key].get<std::string>();
  };
  auto instant_of = [&](const char* key, bool required) -> Outcome<std::optional<spec::Instant>> {
    auto value = text_of(key, required);
    if (!value) return std::move(value).get_failure();
    if (value->empty()) return std::optional<spec::Instant>{};
    auto instant = spec::parse_instant(*value);
    if (!instant) return invalid_record(std::string(key) + ": " + instant.get_failure().message);
    return std::optional<spec::Instant>{*instant};
  };
  struct TextField {
    const char* key;
    std::string* target;
    bool required;
  };
  const TextField text_fields[] = {
      {"query_execution_id", &record.query_execution_id, true},
      {"query", &record.query, true},
      {"client_request_token", &record.client_request_token, true},
      {"reason", &record.reason, false},
      {"error_type", &record.error_type, false},
      {"next_query_execution_id", &record.next_query_execution_id, false},
  };
  for (const auto& field : text_fields) {
    auto value = text_of(field.key, field.required);
    if (!value) return std::move(value).get_failure();
    *field.target = std::move(value).get_result();
  }
  if (!document.contains("spec") || !document["spec"].is_object()) return invalid_record("spec: expected an object");
  record.spec = document["spec"].dump();
  if (!document.contains("dependents") || !document["dependents"].is_array())
    return invalid_record("dependents: expected a list");
  record.dependents = document["dependents"].dump();
  if (document.contains("delivered")) {
    if (!document["delivered"].is_array()) return invalid_record("delivered: expected a list");
    record.delivered = document["delivered"].dump();
  }
  for (const char* key : {"generation", "attempt"}) {
    if (!document.contains(key) || !document[key].is_number_integer())
      return invalid_record(std::string(key) + ": expected a whole number");
  }
  record.generation = document["generation"].get<int>();
  record.attempt = document["attempt"].get<int>();
  auto state = text_of("state", true);
  if (!state) return std::move(state).get_failure();
  bool known = false;
  for (const auto& [value, name] : kStateNames) {
    if (name == *state) {
      record.state = value;
      known = true;
    }
  }
  if (!known) return invalid_record("state \"" + *state + "\" is not RUNNING, SUCCEEDED, FAILED or RESUBMITTED");
  auto scheduled = instant_of("scheduled_time", true);
  if (!scheduled) return std::move(scheduled).get_failure();
  record.scheduled_time = **scheduled;
  auto started = instant_of("started_at", true);
  if (!started) return std::move(started).get_failure();
  record.started_at = **started;
  auto deadline = instant_of("deadline", false);
  if (!deadline) return std::move(deadline).get_failure();
  record.deadline = *deadline;
  auto finished = instant_of("finished_at", false);
  if (!finished) return std::move(finished).get_failure();
  record.finished_at = *finished;
  return record;
}

std::string queued_json(const QueuedSlot& slot) {
  json document;
  document["version"] = kRunRecordVersion;
  document["query"] = slot.query;
  document["spec"] = json::parse(slot.spec, nullptr, false);
  document["dependents"] = json::parse(slot.dependents, nullptr, false);
  document["scheduled_time"] = spec::format_utc(slot.scheduled_time);
  document["behind"] = slot.behind;
  document["queued_at"] = spec::format_utc(slot.queued_at);
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

Outcome<QueuedSlot> parse_queued(std::string_view text) {
  json document = json::parse(text, nullptr, false);
  if (!document.is_object() || document.value("version", 0) != kRunRecordVersion)
    return invalid_record("queued slot: not a version " + std::to_string(kRunRecordVersion) + " JSON object");
  QueuedSlot slot;
  for (const char* key : {"query", "scheduled_time", "behind", "queued_at"}) {
    if (!document.contains(key) || !document[key].is_string())
      return invalid_record(std::string("queued slot: ") + key + ": expected a string");
  }
  if (!document.contains("spec") || !document["spec"].is_object())
    return invalid_record("queued slot: spec: expected an object");
  if (!document.contains("dependents") || !document["dependents"].is_array())
    return invalid_record("queued slot: dependents: expected a list");
  slot.query = document["query"].get<std::string>();
  slot.spec = document["spec"].dump();
  slot.dependents = document["dependents"].dump();
  slot.behind = document["behind"].get<std::string>();
  for (auto [key, target] :
       {std::pair{"scheduled_time", &slot.scheduled_time}, std::pair{"queued_at", &slot.queued_at}}) {
    auto instant = spec::parse_instant(document[key].get<std::string>());
    if (!instant) return invalid_record(std::string("queued slot: ") + key + ": " + instant.get_failure().message);
    *target = *instant;
  }
  return slot;
}

std::optional<aws::s3::S3Uri> results_folder(const aws::athena::QueryExecution& execution) {
  if (!execution.result_configuration || !execution.result_configuration->output_location) return std::nullopt;
  auto uri = aws::s3::parse_s3_uri(*execution.result_configuration->output_location);
  if (!uri) return std::nullopt;
  const auto slash = uri->key.rfind('/');
  uri->key = slash == std::string::npos ? std::string() : uri->key.substr(0, slash + 1);
  return *uri;
}

aws::s3::S3Uri record_uri(const aws::s3::S3Uri& folder, std::string_view query_execution_id) {
  return {folder.bucket, folder.key + std::string(kRunsFolder) + std::string(query_execution_id) + ".json"};
}

aws::s3::S3Uri open_marker_uri(const aws::s3::S3Uri& folder, std::string_view query_execution_id) {
  return {folder.bucket, folder.key + std::string(kOpenFolder) + std::string(query_execution_id)};
}

aws::s3::S3Uri notified_marker_uri(const aws::s3::S3Uri& folder, std::string_view query_execution_id,
                                   std::string_view outcome) {
  return {folder.bucket,
          folder.key + std::string(kNotifiedFolder) + std::string(query_execution_id) + "." + std::string(outcome)};
}

Outcome<std::vector<std::string>> open_run_ids(RunStore& store, const aws::s3::S3Uri& folder) {
  const aws::s3::S3Uri prefix{folder.bucket, folder.key + std::string(kOpenFolder)};
  auto keys = store.list_keys(prefix);
  if (!keys) return std::move(keys).get_failure();
  std::vector<std::string> ids;
  for (const auto& key : *keys) {
    std::string id = key.substr(prefix.key.size());
    if (!id.empty() && id.find('/') == std::string::npos) ids.push_back(std::move(id));
  }
  return ids;
}

aws::s3::S3Uri queued_prefix(const aws::s3::S3Uri& folder, std::string_view query) {
  return {folder.bucket, folder.key + std::string(kQueuedFolder) + std::string(query) + "/"};
}

aws::s3::S3Uri queued_uri(const aws::s3::S3Uri& folder, std::string_view query, spec::Instant scheduled_time) {
  auto uri = queued_prefix(folder, query);
  uri.key += spec::format_utc(scheduled_time) + ".json";
  return uri;
}

aws::s3::S3Uri slot_marker_uri(const aws::s3::S3Uri& folder, spec::Instant scheduled_time, std::string_view query) {
  return {folder.bucket,
          folder.key + std::string(kSlotsFolder) + spec::format_utc(scheduled_time) + "/" + std::string(query)};
}

std::unique_ptr<RunStore> make_s3_run_store(std::shared_ptr<const aws::ClientContext> context) {
  return std::make_unique<S3RunStore>(std::move(context));
}

}  // namespace athena_runner::lambda
