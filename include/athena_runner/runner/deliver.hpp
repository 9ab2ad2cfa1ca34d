// Delivery (docs/queries-file.md, "Delivery"): a succeeded run's results copied to the destinations of its
// query's `deliver:`, in its format, under its overwrite rule. The Lambda handler (both completion modes) and
// `athena-runner run` (both engines) call deliver() after a run succeeded; nothing else here knows of them.
//
// Idempotent: a destination's objects depend only on the run (query, scheduled time, execution), so a repeated
// delivery writes the same objects again: csv is one CopyObject of Athena's <QueryExecutionId>.csv, csv.gz the
// same bytes gzip-compressed (deterministic: no time or name in the gzip header), parquet and json the files of
// one UNLOAD whose token is derived from the run's execution, so a repeat reuses the same UNLOAD execution.
// Each object appears whole or not at all (CopyObject; one PUT or a multipart upload aborted on failure; a
// local file renamed into place).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/aws/s3.hpp"
#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/base/clock.hpp"
#include "athena_runner/base/outcome.hpp"
#include "athena_runner/runner/engine.hpp"
#include "athena_runner/runner/runner.hpp"

namespace athena_runner::runner {

// The error code of a failed delivery; its message names the destination.
inline constexpr std::string_view kDeliveryFailedCode = "DeliveryFailed";
// User metadata on every delivered object: the run that wrote it ("<query>/<scheduled time>", what overwrite
// keep compares) and its execution.
inline constexpr std::string_view kRunMetadata = "athena-runner-run";
inline constexpr std::string_view kExecutionMetadata = "athena-runner-query-execution-id";
// Where an UNLOAD for parquet and json writes before its files are copied: <results folder><this><execution>/<format>/
inline constexpr std::string_view kUnloadFolder = "athena-runner/unload/";

struct ObjectAttributes {
  std::string content_type;
  std::map<std::string, std::string> metadata;  // x-amz-meta-<name>
};

// Where deliveries are read from and written to: S3, or a local data directory standing in for it
// (s3://bucket/key is <D>/<bucket>/<key>, as for the local engine).
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // The object's user metadata; nullopt when there is no object (a local file has none: an empty map).
  virtual Outcome<std::optional<std::map<std::string, std::string>>> metadata(const aws::s3::S3Uri& uri) = 0;
  virtual Status read(const aws::s3::S3Uri& uri, const ByteSink& sink) = 0;
  virtual Status copy(const aws::s3::S3Uri& from, const aws::s3::S3Uri& to, const ObjectAttributes& attributes) = 0;
  virtual Status put(const aws::s3::S3Uri& to, std::string_view body, const ObjectAttributes& attributes) = 0;
  // The keys under a prefix, every page, sorted.
  virtual Outcome<std::vector<std::string>> list_keys(const aws::s3::S3Uri& prefix) = 0;
};

std::unique_ptr<ObjectStore> make_s3_object_store(std::shared_ptr<const aws::ClientContext> context);
std::unique_ptr<ObjectStore> make_local_object_store(std::string data_dir);

// The object name under a prefix destination: <query>_<scheduled time as yyyymmddThhmmssZ>, e.g.
// daily_revenue_20240502T040000Z (then .csv, .csv.gz, or _00000.parquet ... for each UNLOAD file).
std::string delivery_object_stem(const spec::RenderedQuery& rendered);

// The UNLOAD statement for a parquet or json delivery of `rendered` to `location` (an S3 prefix).
std::string unload_sql(const spec::RenderedQuery& rendered, spec::DeliveryFormat format, const std::string& location);

// Delivers a succeeded run (`summary.execution` SUCCEEDED, `summary.rendered` the query that ran, with its
// destinations) to each destination in order. For parquet and json it runs an UNLOAD on `engine` and waits for
// it (`poll`, at most the query's timeout). Error "DeliveryFailed" at the first destination that fails, naming it
// and why; the destinations before it stay delivered (a repeat delivers them again, to the same objects).
Outcome<std::vector<Delivered>> deliver(const RunSummary& summary, QueryEngine& engine, ObjectStore& store,
                                        const Clock& clock, const PollPolicy& poll = {});

// What a delivery of `rendered` would write, before anything runs (`athena-runner render`), computed as deliver()
// names its objects: per destination (rendered), the object, or for parquet and json the first of the UNLOAD's
// files (`_00000`; one per file it writes) and the UNLOAD statement, whose location under `results_folder` names
// the run's execution, unknown before it runs (`<QueryExecutionId>`).
struct PlannedDelivery {
  spec::Delivery destination;
  std::string first_object;  // s3:// URI
  bool several = false;      // parquet, json: first_object is _00000 of as many files as the UNLOAD writes
  std::string unload_sql;    // parquet, json
};
std::vector<PlannedDelivery> plan_deliveries(const spec::RenderedQuery& rendered, const std::string& results_folder);

// RunOptions::after_success that delivers each run that succeeded with deliver() above (`athena-runner run` and
// `backfill`; the Lambda's wait mode sets its own, which logs each delivery): the deliveries go to
// summary.deliveries, a failure to summary.delivery_failure.
std::function<void(RunSummary&)> delivering(QueryEngine& engine, ObjectStore& store, Clock clock, PollPolicy poll);

// The deliveries as a JSON list (for summaries and run records) and back; error "InvalidDeliveries".
std::string deliveries_json(const std::vector<Delivered>& deliveries);
Outcome<std::vector<Delivered>> parse_deliveries_json(std::string_view text);

}  // namespace athena_runner::runner
