// Completion by events (src/lambda/README.md, "Completion by events"): the record a start writes next to the
// execution's results, so that the invocation an `Athena Query State Change` event triggers can tell whether
// the execution is ours and finish its run exactly once. Layout, with <dir> the execution's OutputLocation up
// to its last '/' (where Athena writes <QueryExecutionId>.csv):
//   <dir>athena-runner/runs/<QueryExecutionId>.json   the record (JSON, below)
//   <dir>athena-runner/open/<QueryExecutionId>         empty; present while the run is open (the sweep lists these)
//   <slots>athena-runner/slots/<scheduled time>/<query> empty; the query succeeded for that slot (for `after`),
//                                                       <slots> the function's default output, else <dir>
//   <dir>athena-runner/queued/<query>/<scheduled time>.json  a slot of an on_overlap: queue query waiting for
//                                                       the running slot of the same query (QueuedSlot, below)
// The function needs no permission beyond the output prefix it already reads and writes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/aws/athena.hpp"
#include "athena_runner/aws/s3.hpp"
#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/base/outcome.hpp"
#include "athena_runner/spec/schedule.hpp"

namespace athena_runner::lambda {

inline constexpr std::string_view kRunsFolder = "athena-runner/runs/";
inline constexpr std::string_view kOpenFolder = "athena-runner/open/";
inline constexpr std::string_view kNotifiedFolder = "athena-runner/notified/";
inline constexpr std::string_view kSlotsFolder = "athena-runner/slots/";
inline constexpr std::string_view kQueuedFolder = "athena-runner/queued/";
inline constexpr int kRunRecordVersion = 1;

// Running: started, no final state seen yet. The others are final: a record leaves Running once, by a
// conditional write over the ETag it was read with, so a duplicate or late event finds it final.
enum class RecordState { Running, Succeeded, Failed, Resubmitted };
std::string_view to_string(RecordState state);  // "RUNNING", "SUCCEEDED", "FAILED", "RESUBMITTED"

struct RunRecord {
  std::string query_execution_id;
  std::string query;                      // the query's name
  std::string spec;                       // the query spec JSON as the payload carried it (to resubmit)
  std::string dependents = "[]";          // JSON list of the specs of the queries after it (transitively)
  spec::Instant scheduled_time{};         // the slot
  std::string client_request_token;       // of this generation
  int generation = 0;                     // token generation (0: first submission)
  int attempt = 1;                        // starts of this slot so far, this one included
  spec::Instant started_at{};             // when the start was recorded
  std::optional<spec::Instant> deadline;  // started_at + the query's timeout: the sweep stops it after this
  RecordState state = RecordState::Running;
  std::string reason;                   // final: Athena's reason, or why the runner gave up
  std::string error_type;               // final failure: the invocation's errorType (QueryFailed, ...)
  std::string next_query_execution_id;  // Resubmitted: the next generation's execution
  std::string delivered = "[]";         // Succeeded: the deliveries made (runner::deliveries_json), so none is repeated
  std::optional<spec::Instant> finished_at;
};

// A slot queued behind the running slot of the same query (on_overlap: queue): what its start needs. The
// finish of the running slot starts the earliest queued one, with its own token, and then removes this.
struct QueuedSlot {
  std::string query;
  std::string spec;                // the query spec JSON as the payload carried it
  std::string dependents = "[]";   // JSON list, as in RunRecord
  spec::Instant scheduled_time{};  // its own slot
  std::string behind;              // the QueryExecutionId running when it was queued
  spec::Instant queued_at{};
};

std::string record_json(const RunRecord& record);
std::string queued_json(const QueuedSlot& slot);
// Error "InvalidRunRecord" for anything that is not a queued slot this version wrote.
Outcome<QueuedSlot> parse_queued(std::string_view text);
// Error "InvalidRunRecord" for anything that is not a record this version wrote.
Outcome<RunRecord> parse_record(std::string_view text);

// <dir> of an execution's results: its OutputLocation up to the last '/'; nullopt without one.
std::optional<aws::s3::S3Uri> results_folder(const aws::athena::QueryExecution& execution);
aws::s3::S3Uri record_uri(const aws::s3::S3Uri& folder, std::string_view query_execution_id);
aws::s3::S3Uri open_marker_uri(const aws::s3::S3Uri& folder, std::string_view query_execution_id);
// Wait mode: <dir>athena-runner/notified/<QueryExecutionId>.<outcome> (`succeeded`, or the error type), written
// after the run's notification was published, so that a retried invocation, which finds the same execution ended
// the same way again, does not publish again (a retry that ends otherwise, e.g. delivered this time, does).
aws::s3::S3Uri notified_marker_uri(const aws::s3::S3Uri& folder, std::string_view query_execution_id,
                                   std::string_view outcome);
// <dir>athena-runner/queued/<query>/ and the queued slot's object in it.
aws::s3::S3Uri queued_prefix(const aws::s3::S3Uri& folder, std::string_view query);
aws::s3::S3Uri queued_uri(const aws::s3::S3Uri& folder, std::string_view query, spec::Instant scheduled_time);
aws::s3::S3Uri slot_marker_uri(const aws::s3::S3Uri& folder, spec::Instant scheduled_time, std::string_view query);

// The objects the records live in (S3 in the function). Conditional writes make each transition happen once.
class RunStore {
 public:
  struct Object {
    std::string body;
    std::string etag;
  };
  virtual ~RunStore() = default;
  // nullopt: no such object.
  virtual Outcome<std::optional<Object>> read(const aws::s3::S3Uri& uri) = 0;
  // Writes only if no object has the key (If-None-Match: *); false when one does.
  virtual Outcome<bool> create(const aws::s3::S3Uri& uri, std::string_view body) = 0;
  // Writes only over the object with `etag` (If-Match); false when it changed since.
  virtual Outcome<bool> replace(const aws::s3::S3Uri& uri, std::string_view body, const std::string& etag) = 0;
  virtual Status remove(const aws::s3::S3Uri& uri) = 0;
  // The keys under a prefix (every page).
  virtual Outcome<std::vector<std::string>> list_keys(const aws::s3::S3Uri& prefix) = 0;
};

std::unique_ptr<RunStore> make_s3_run_store(std::shared_ptr<const aws::ClientContext> context);

// The query execution ids of the runs open under `folder` (their markers in <dir>athena-runner/open/).
Outcome<std::vector<std::string>> open_run_ids(RunStore& store, const aws::s3::S3Uri& folder);

}  // namespace athena_runner::lambda
