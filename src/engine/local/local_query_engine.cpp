// Engine "local": Athena's API behaviour over LocalEngine. Each query gets an execution record on disk
// (written atomically, readable from any process), runs on a worker thread with its own DuckDB, and
// leaves its result where Athena would: <OutputLocation><id>.csv under the data directory.
#include "athena_runner/engine/local_query_engine.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <duckdb.h>
#include <nlohmann/json.hpp>

#include "athena_runner/aws/protocol/athena.hpp"
#include "athena_runner/aws/s3.hpp"
#include "athena_runner/aws/sigv4.hpp"
#include "athena_runner/base/files.hpp"
#include "athena_runner/catalog/catalog_store.hpp"
#include "athena_runner/engine/local_engine.hpp"
#include "athena_runner/engine/sql/parser.hpp"
#include "athena_runner/runner/runner.hpp"
#include "ddl.hpp"
#include "writes.hpp"

namespace athena_runner::engine {

namespace {

namespace fs = std::filesystem;
namespace athena = aws::athena;
using Json = nlohmann::ordered_json;
using SystemClock = std::chrono::system_clock;

constexpr std::string_view kInvalidRequest = "InvalidRequestException";
constexpr std::string_view kResultNotAvailable = "ResultNotAvailable";
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;
// How often a running query looks for a stop request written by another process.
constexpr std::chrono::milliseconds kStopFileCheckInterval{200};
// How many finished queries of this process get() answers from memory (the rest from their records).
constexpr std::size_t kFinishedKept = 256;
// Athena's ErrorType values (Athena error catalog): 1000 user error, 1001 data error, 100 internal
// service error, 401 failed to write query results to Amazon S3.
constexpr int kErrorTypeUser = 1000;
constexpr int kErrorTypeData = 1001;
constexpr int kErrorTypeInternal = 100;
constexpr int kErrorTypeResultWrite = 401;
constexpr int kErrorCategorySystem = 1;
constexpr int kErrorCategoryUser = 2;

// The version of the DuckDB library loaded ("1.5.6"), as it names itself ("v1.5.6"); read once, not per query.
const std::string& duckdb_version() {
  static const std::string version = [] {
    std::string named = duckdb_library_version();
    return named.starts_with('v') ? named.substr(1) : named;
  }();
  return version;
}

Error invalid_request(std::string message) {
  return make_error(ErrorKind::InvalidInput, std::string(kInvalidRequest), std::move(message));
}

std::string read_whole(const std::string& path, bool& found) {
  std::ifstream in(path, std::ios::binary);
  found = static_cast<bool>(in);
  if (!found) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Records, stop files and DDL text: replaced whole (readers see the old content or the new), without fsync:
// they are rewritten several times per query and only need to survive the process, not a power loss.
Status write_atomically(const std::string& path, std::string_view content) {
  return files::write_file_atomically(path, content, {.durable = false});
}

bool valid_id(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

// Before the engine runs it: the statement's type from the SQL front end's classifier (CTAS is DML in Athena).
StatementType guess_statement_type(std::string_view text) {
  return parse_statement_type(sql::athena_statement_type(sql::classify_statement(text))).value_or(StatementType::Dml);
}

// The state and its text (what GetQueryExecution returns) are set together, the text by the one printer.
void set_state(athena::QueryExecutionStatus& status, athena::QueryExecutionState state) {
  status.state = state;
  status.state_text = std::string(athena::to_string(state));
}

std::int64_t millis_between(SystemClock::time_point from, SystemClock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

struct Job {
  athena::QueryExecution execution;
  std::atomic<bool> cancel{false};
  std::atomic<std::uint64_t> rows_processed{0};  // DuckDB's progress while it runs
};

class LocalQueryEngine final : public runner::QueryEngine {
 public:
  LocalQueryEngine(LocalWorkspace workspace, std::vector<std::unique_ptr<LocalEngine>> engines,
                   const std::string& catalog_fingerprint)
      : workspace_(std::move(workspace)),
        engines_(std::move(engines)),
        engine_catalogs_(engines_.size(), catalog_fingerprint),
        running_(engines_.size()) {
    const fs::path state = fs::path(workspace_.data_dir) / ".athena";
    executions_dir_ = (state / "executions").string();
    tokens_dir_ = (state / "tokens").string();
    for (std::size_t i = 0; i < engines_.size(); ++i) workers_.emplace_back([this, i] { work(i); });
  }

  ~LocalQueryEngine() override {
    {
      std::lock_guard lock(mutex_);
      shutdown_ = true;
      for (auto& [id, job] : jobs_) job->cancel = true;
    }
    for (auto& engine : engines_) engine->interrupt();
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
    // Queries that never reached a worker.
    for (auto& [id, job] : jobs_) {
      finish_without_running(*job, "the local engine was closed before the query ran");
    }
  }

  std::string_view name() const override { return "local"; }
  std::string describe() const override {
    return "local (DuckDB " + duckdb_version() + ", data dir " + workspace_.data_dir + ")";
  }

  Outcome<std::string> start(const athena::StartQueryExecutionRequest& request) override {
    if (request.query_string.empty()) return invalid_request("QueryString must not be empty");
    if (request.client_request_token &&
        (request.client_request_token->size() < 32 || request.client_request_token->size() > 128)) {
      return invalid_request("ClientRequestToken must be 32 to 128 characters long, got " +
                             std::to_string(request.client_request_token->size()));
    }
    std::string output = workspace_.default_output;
    if (request.result_configuration && request.result_configuration->output_location) {
      output = *request.result_configuration->output_location;
    }
    if (output.empty()) {
      return invalid_request(
          "no output location: set `output` for the query (e.g. s3://local-results/athena/) or a default output for "
          "the local engine");
    }
    if (output.back() != '/') output += '/';
    auto uri = aws::s3::parse_s3_uri(output);
    if (!uri) return invalid_request("OutputLocation " + output + " is not an s3:// URI");
    for (const auto& part : fs::path(uri->key)) {
      if (part == "..") return invalid_request("OutputLocation " + output + " must not contain \"..\"");
    }

    const std::string id = workspace_.random.uuid();
    athena::QueryExecution execution;
    execution.query_execution_id = id;
    execution.query = request.query_string;
    const StatementType statement_type = guess_statement_type(request.query_string);
    execution.statement_type = std::string(to_string(statement_type));
    athena::ResultConfiguration result = request.result_configuration.value_or(athena::ResultConfiguration{});
    result.output_location = output + id + (statement_type == StatementType::Ddl ? ".txt" : ".csv");
    execution.result_configuration = result;
    execution.result_reuse_configuration = request.result_reuse_configuration;
    athena::QueryExecutionContext context = request.query_execution_context.value_or(athena::QueryExecutionContext{});
    if (!context.database) context.database = workspace_.default_database;
    execution.query_execution_context = context;
    set_state(execution.status, athena::QueryExecutionState::Queued);
    execution.status.submission_date_time = SystemClock::now();
    execution.work_group = request.work_group.value_or("primary");
    execution.execution_parameters = request.execution_parameters;
    execution.engine_version = athena::EngineVersion{"AUTO", "DuckDB " + duckdb_version() + " (local)"};

    if (auto written = write_record(execution, {}); !written) return std::move(written).get_failure();
    if (request.client_request_token) {
      auto existing = claim_token(*request.client_request_token, request_digest(request), id);
      if (!existing) {
        remove_record(id);
        return std::move(existing).get_failure();
      }
      if (*existing != id) {
        remove_record(id);
        return *existing;  // the same request with the same token: the query already started
      }
    }
    auto job = std::make_shared<Job>();
    job->execution = std::move(execution);
    {
      std::lock_guard lock(mutex_);
      snapshots_[id] = Record{job->execution, {}};
      jobs_[id] = job;
      queue_.push_back(id);
    }
    wake_.notify_one();
    return id;
  }

  Outcome<athena::QueryExecution> get(std::string_view query_execution_id) override {
    auto record = find_record(query_execution_id);
    if (!record) return std::move(record).get_failure();
    return std::move(record->execution);
  }

  Outcome<athena::BatchGetQueryExecutionResult> batch_get(const std::vector<std::string>& ids) override {
    if (ids.empty() || ids.size() > athena::kMaxBatchGetIds) {
      return invalid_request("BatchGetQueryExecution takes 1 to " + std::to_string(athena::kMaxBatchGetIds) +
                             " ids, got " + std::to_string(ids.size()));
    }
    athena::BatchGetQueryExecutionResult result;
    for (const auto& id : ids) {
      auto record = find_record(id);
      if (record) {
        result.query_executions.push_back(std::move(record->execution));
      } else {
        result.unprocessed_query_execution_ids.push_back(
            athena::UnprocessedQueryExecutionId{id, record.get_failure().code, record.get_failure().message});
      }
    }
    return result;
  }

  // One DuckDB plan runs the whole query: one stage. While it runs, the rows DuckDB has processed; once it has
  // run in this process, what it wrote (rows, CSV bytes); from any record, the bytes it scanned and its timeline.
  Outcome<athena::QueryRuntimeStatistics> runtime_statistics(std::string_view query_execution_id) override {
    auto record = find_record(query_execution_id);
    if (!record) return std::move(record).get_failure();
    const athena::QueryExecution& execution = record->execution;
    athena::QueryRuntimeStatisticsRows rows;
    {
      std::lock_guard lock(mutex_);
      const std::string id(query_execution_id);
      if (auto job = jobs_.find(id); job != jobs_.end()) {
        rows.input_rows = static_cast<std::int64_t>(job->second->rows_processed.load());
      } else if (auto written = written_.find(id); written != written_.end()) {
        rows = written->second;
      }
    }
    athena::QueryRuntimeStatisticsTimeline timeline;
    if (const auto& statistics = execution.statistics) {
      rows.input_bytes = statistics->data_scanned_in_bytes;
      timeline.query_queue_time_in_millis = statistics->query_queue_time_in_millis;
      timeline.service_pre_processing_time_in_millis = statistics->service_pre_processing_time_in_millis;
      timeline.query_planning_time_in_millis = statistics->query_planning_time_in_millis;
      timeline.engine_execution_time_in_millis = statistics->engine_execution_time_in_millis;
      timeline.service_processing_time_in_millis = statistics->service_processing_time_in_millis;
      timeline.total_execution_time_in_millis = statistics->total_execution_time_in_millis;
    } else if (execution.status.submission_date_time) {
      timeline.total_execution_time_in_millis =
          millis_between(*execution.status.submission_date_time, SystemClock::now());
    }
    athena::QueryStage stage;
    stage.stage_id = 0;
    stage.state = execution.status.state_text.empty() ? std::string(athena::to_string(execution.status.state))
                                                      : execution.status.state_text;
    stage.input_rows = rows.input_rows;
    stage.input_bytes = rows.input_bytes;
    stage.output_rows = rows.output_rows;
    stage.output_bytes = rows.output_bytes;
    stage.execution_time = timeline.engine_execution_time_in_millis;
    return athena::QueryRuntimeStatistics{timeline, rows, stage};
  }

  Status stop(std::string_view query_execution_id) override {
    const std::string id(query_execution_id);
    {
      std::lock_guard lock(mutex_);
      if (auto found = jobs_.find(id); found != jobs_.end()) {
        found->second->cancel = true;
        for (std::size_t worker = 0; worker < running_.size(); ++worker) {
          if (running_[worker] == id) engines_[worker]->interrupt();
        }
        return Ok{};
      }
    }
    auto record = read_record(id);
    if (!record) return std::move(record).get_failure();
    if (athena::is_terminal(record->execution.status.state)) return Ok{};
    // Owned by another process: it watches for this file while the query runs.
    return write_atomically(stop_file(id), std::to_string(::getpid()));
  }

  std::uint64_t change_count() override {
    std::lock_guard lock(mutex_);
    return changes_;
  }

  // Real time, whatever the clock: the queries run on this process's threads.
  bool wait_for_change(std::uint64_t seen, const Clock&, std::chrono::milliseconds duration) override {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, duration, [&] { return changes_ != seen; });
  }

  Status stream_result_csv(const athena::QueryExecution& execution, std::uint64_t from_byte,
                           const runner::ByteSink& sink) override {
    auto path = result_path(execution);
    if (!path) return std::move(path).get_failure();
    std::ifstream in(*path, std::ios::binary);
    if (!in) {
      return make_error(ErrorKind::Service, std::string(kResultNotAvailable),
                        "no result file " + *path + " for query " + execution.query_execution_id);
    }
    if (from_byte > 0) in.seekg(static_cast<std::streamoff>(from_byte));
    std::string buffer(kReadChunk, '\0');
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto count = static_cast<std::size_t>(in.gcount());
      if (count == 0) break;
      if (!sink(std::string_view(buffer.data(), count))) {
        return make_error(ErrorKind::Aborted, "Aborted", "the reader stopped the transfer");
      }
    }
    return Ok{};
  }

  Outcome<athena::QueryResultsTable> results(std::string_view query_execution_id, std::size_t max_rows) override {
    auto record = find_record(query_execution_id);
    if (!record) return std::move(record).get_failure();
    const auto& execution = record->execution;
    if (execution.status.state != athena::QueryExecutionState::Succeeded) {
      return invalid_request("Query has not yet finished. Current state: " + execution.status.state_text);
    }
    auto path = result_path(execution);
    if (!path) return std::move(path).get_failure();
    auto missing = [&] {
      return make_error(ErrorKind::Service, std::string(kResultNotAvailable),
                        "the result file " + *path + " of query " + execution.query_execution_id +
                            " is missing: run the query again");
    };
    if (parse_statement_type(execution.statement_type.value_or("")) == StatementType::Ddl) {
      bool found = false;
      const std::string text = read_whole(*path, found);
      if (!found) return missing();
      return ddl_results(text, record->columns);
    }
    // Read only as far as max_rows: serve's GetQueryResults asks for one row to learn the columns.
    auto table = runner::fetch_result_csv(*this, execution, max_rows);
    if (!table) {
      auto error = std::move(table).get_failure();
      if (error.code == kResultNotAvailable) return missing();
      return error;
    }
    athena::QueryResultsTable out;
    out.pages = 1;
    for (std::size_t i = 0; i < table->columns.size(); ++i) {
      athena::ColumnInfo column;
      column.name = table->columns[i];
      column.label = table->columns[i];
      column.type = "varchar";
      if (i < record->columns.size()) {
        column.type = record->columns[i].type;
        if (record->columns[i].precision) column.precision = record->columns[i].precision;
        if (record->columns[i].scale) column.scale = record->columns[i].scale;
      }
      column.nullable = "UNKNOWN";
      out.columns.push_back(std::move(column));
    }
    for (auto& row : table->rows) out.rows.push_back(athena::Row{std::move(row)});
    return out;
  }

 private:
  struct Record {
    athena::QueryExecution execution;
    std::vector<ResultColumn> columns;
  };

  // <id>.txt: one row per line, no header, each line one value (DESCRIBE's fields stay tab-separated in it).
  static athena::QueryResultsTable ddl_results(const std::string& text, const std::vector<ResultColumn>& columns) {
    athena::QueryResultsTable out;
    out.pages = 1;
    for (const auto& column : columns) {
      athena::ColumnInfo info;
      info.name = column.name;
      info.label = column.name;
      info.type = column.type;
      info.nullable = "UNKNOWN";
      out.columns.push_back(std::move(info));
    }
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out.rows.push_back(athena::Row{{std::optional<std::string>(text.substr(start, end - start))}});
      start = end + 1;
    }
    return out;
  }

  // LocalEngine reads the catalog when it opens: after a DDL statement (here or in another process) or a
  // Glue API change, the worker's engine is opened again before its next query.
  Status refresh_engine(std::size_t worker) {
    std::string fingerprint = local::catalog_fingerprint(workspace_.catalog_dir);
    if (fingerprint == engine_catalogs_[worker]) return Ok{};
    auto engine =
        LocalEngine::open(LocalEngineConfig{workspace_.data_dir, workspace_.catalog_dir, workspace_.default_database,
                                            workspace_.threads_per_query, "", workspace_.random});
    if (!engine) return std::move(engine).get_failure();
    std::unique_ptr<LocalEngine> previous;
    {
      std::lock_guard lock(mutex_);
      previous = std::move(engines_[worker]);
      engines_[worker] = std::move(engine).get_result();
    }
    engine_catalogs_[worker] = std::move(fingerprint);
    return Ok{};
  }

  std::string record_path(std::string_view id) const { return executions_dir_ + "/" + std::string(id) + ".json"; }
  std::string stop_file(std::string_view id) const { return executions_dir_ + "/" + std::string(id) + ".stop"; }

  Outcome<std::string> result_path(const athena::QueryExecution& execution) const {
    if (!execution.result_configuration || !execution.result_configuration->output_location) {
      return make_error(ErrorKind::Service, std::string(kResultNotAvailable),
                        "query " + execution.query_execution_id + " has no OutputLocation");
    }
    auto uri = aws::s3::parse_s3_uri(*execution.result_configuration->output_location);
    if (!uri) return make_error(ErrorKind::Service, std::string(kResultNotAvailable), uri.get_failure().message);
    return (fs::path(workspace_.data_dir) / uri->bucket / uri->key).string();
  }

  static std::string request_digest(const athena::StartQueryExecutionRequest& request) {
    athena::StartQueryExecutionRequest without_token = request;
    without_token.client_request_token.reset();
    return aws::sha256_hex(aws::athena::protocol::serialize_start_query_execution(without_token));
  }

  // Records `id` for the token unless the token already has one: returns the id the token stands for,
  // or an error when the token was used for a different request (as Athena answers).
  Outcome<std::string> claim_token(const std::string& token, const std::string& digest, const std::string& id) {
    const std::string path = tokens_dir_ + "/" + aws::sha256_hex(token);
    // Created only if absent: exactly one process wins a token.
    auto created = files::create_file_exclusively(
        path, Json{{"QueryExecutionId", id}, {"RequestDigest", digest}}.dump(), {.durable = false});
    if (!created) {
      return make_error(ErrorKind::Configuration, std::string(error_codes::kIo),
                        "cannot record the ClientRequestToken under " + tokens_dir_ + " (" +
                            created.get_failure().message + "): check that the data directory is writable");
    }
    if (*created) return id;
    bool found = false;
    Json existing = Json::parse(read_whole(path, found), nullptr, false);
    if (!found || existing.is_discarded() || !existing.is_object()) {
      return make_error(ErrorKind::Internal, std::string(error_codes::kIo),
                        "the token record " + path + " is unreadable: remove it and try again");
    }
    if (existing.value("RequestDigest", std::string()) != digest) {
      return invalid_request(
          "Idempotent parameters do not match: the ClientRequestToken was already used for a different request "
          "(query " +
          existing.value("QueryExecutionId", std::string()) + "); use another token");
    }
    return existing.value("QueryExecutionId", std::string());
  }

  Status write_record(const athena::QueryExecution& execution, const std::vector<ResultColumn>& columns) {
    Json local{{"OwnerPid", static_cast<long>(::getpid())}};
    Json column_list = Json::array();
    for (const auto& column : columns) {
      column_list.push_back(
          Json{{"Name", column.name}, {"Type", column.type}, {"Precision", column.precision}, {"Scale", column.scale}});
    }
    local["ResultColumns"] = column_list;
    const std::string text = "{\"QueryExecution\":" + aws::athena::protocol::query_execution_json(execution) +
                             ",\"Local\":" + local.dump() + "}\n";
    return write_atomically(record_path(execution.query_execution_id), text);
  }

  // The state of a query of this process: kept in memory (what get() answers without reading the disk)
  // and, with to_disk, written to its record for other processes.
  Status publish(const athena::QueryExecution& execution, const std::vector<ResultColumn>& columns, bool to_disk) {
    Status written = to_disk ? write_record(execution, columns) : Status(Ok{});
    std::lock_guard lock(mutex_);
    const std::string& id = execution.query_execution_id;
    snapshots_[id] = Record{execution, columns};
    if (athena::is_terminal(execution.status.state)) {
      finished_.push_back(id);
      while (finished_.size() > kFinishedKept) {
        written_.erase(finished_.front());
        snapshots_.erase(finished_.front());
        finished_.pop_front();
      }
    }
    return written;
  }

  // This process's own queries from memory, others' from their records on disk.
  Outcome<Record> find_record(std::string_view id) const {
    {
      std::lock_guard lock(mutex_);
      if (auto found = snapshots_.find(std::string(id)); found != snapshots_.end()) return found->second;
    }
    return read_record(id);
  }

  void remove_record(const std::string& id) {
    std::error_code ignored;
    fs::remove(record_path(id), ignored);
  }

  Outcome<Record> read_record(std::string_view id) const {
    if (!valid_id(id)) return invalid_request("QueryExecution " + std::string(id) + " was not found");
    bool found = false;
    const std::string text = read_whole(record_path(id), found);
    if (!found) {
      return invalid_request("QueryExecution " + std::string(id) + " was not found in " + executions_dir_);
    }
    auto execution = aws::athena::protocol::parse_get_query_execution(text);
    if (!execution) {
      return make_error(
          ErrorKind::Internal, std::string(error_codes::kIo),
          "the execution record " + record_path(id) + " is unreadable: " + execution.get_failure().message);
    }
    Record record{std::move(*execution), {}};
    Json json = Json::parse(text, nullptr, false);
    long owner = 0;
    if (!json.is_discarded() && json.contains("Local")) {
      const auto& local = json["Local"];
      owner = local.value("OwnerPid", 0L);
      if (local.contains("ResultColumns") && local["ResultColumns"].is_array()) {
        for (const auto& column : local["ResultColumns"]) {
          record.columns.push_back(ResultColumn{column.value("Name", std::string()),
                                                column.value("Type", std::string("varchar")),
                                                column.value("Precision", 0), column.value("Scale", 0)});
        }
      }
    }
    auto& status = record.execution.status;
    if (!athena::is_terminal(status.state) && owner > 0 && owner != static_cast<long>(::getpid()) &&
        ::kill(static_cast<pid_t>(owner), 0) == -1 && errno == ESRCH) {
      set_state(status, athena::QueryExecutionState::Failed);
      status.state_change_reason = "the process running it exited";
      status.athena_error = athena::AthenaError{kErrorCategorySystem, kErrorTypeInternal, false,
                                                "the process running it (pid " + std::to_string(owner) + ") exited"};
    }
    return record;
  }

  void finish_without_running(Job& job, const std::string& reason) {
    auto& status = job.execution.status;
    set_state(status, athena::QueryExecutionState::Cancelled);
    status.state_change_reason = reason;
    status.completion_date_time = SystemClock::now();
    (void)publish(job.execution, {}, true);
  }

  void work(std::size_t worker) {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return shutdown_ || !queue_.empty(); });
        if (shutdown_) return;
        job = jobs_.at(queue_.front());
        queue_.pop_front();
        running_[worker] = job->execution.query_execution_id;
      }
      run(worker, *job);
      {
        std::lock_guard lock(mutex_);
        running_[worker].clear();
        jobs_.erase(job->execution.query_execution_id);
        ++changes_;  // after its final record is written: whoever reads it now sees the final state
      }
      changed_.notify_all();
    }
  }

  void run(std::size_t worker, Job& job) {
    auto& execution = job.execution;
    const std::string& id = execution.query_execution_id;
    if (job.cancel) {
      finish_without_running(job, "Query cancelled by user");
      return;
    }
    const auto submitted = execution.status.submission_date_time.value_or(SystemClock::now());
    const auto started = SystemClock::now();
    set_state(execution.status, athena::QueryExecutionState::Running);
    // Other processes read RUNNING from the record once the query has run for a while: most queries end
    // first, and their record goes from QUEUED to its final state in one write.
    (void)publish(execution, {}, false);

    QueryContext context;
    if (execution.query_execution_context && execution.query_execution_context->database) {
      context.database = *execution.query_execution_context->database;
    }
    if (execution.query_execution_context && execution.query_execution_context->catalog) {
      context.catalog = *execution.query_execution_context->catalog;
    }
    context.execution_parameters = execution.execution_parameters;
    context.query_execution_id = id;
    context.on_progress = [&job](const QueryProgress& progress) { job.rows_processed = progress.rows_processed; };
    if (execution.result_configuration && execution.result_configuration->output_location) {
      // <OutputLocation><id>.csv: the folder is the output location the query was given.
      const std::string& result_file = *execution.result_configuration->output_location;
      context.output_location = result_file.substr(0, result_file.rfind('/') + 1);
    }
    auto next_stop_check = std::chrono::steady_clock::now();
    const std::string stop_path = stop_file(id);
    context.is_cancelled = [&] {
      if (job.cancel) return true;
      if (std::chrono::steady_clock::now() >= next_stop_check) {
        next_stop_check = std::chrono::steady_clock::now() + kStopFileCheckInterval;
        std::error_code ignored;
        if (fs::exists(stop_path, ignored)) job.cancel = true;
      }
      return job.cancel.load();
    };
    const std::string sql = execution.query.value_or("");
    Outcome<QueryResult> result = make_error(ErrorKind::Internal, "", "");
    // Called by the engine's watcher while execute() runs, so never at the same time as the writes below.
    context.on_long_running = [&] { (void)write_record(execution, {}); };
    if (auto known = context.catalog.empty() ? Status(Ok{}) : catalog::check_data_catalog(context.catalog); !known) {
      result =
          make_error(ErrorKind::InvalidInput, std::string(error_codes::kCatalogNotFound), known.get_failure().message);
    } else if (local::is_hive_ddl(sql)) {
      (void)write_record(execution, {});
      result = local::execute_ddl(
          sql, local::DdlContext{workspace_.catalog_dir, workspace_.data_dir,
                                 context.database.empty() ? workspace_.default_database : context.database});
    } else if (auto refreshed = refresh_engine(worker); !refreshed) {
      result = std::move(refreshed).get_failure();
    } else {
      result = engines_[worker]->execute(sql, context);
    }
    const auto completed = SystemClock::now();

    athena::QueryExecutionStatistics statistics;
    statistics.query_queue_time_in_millis = millis_between(submitted, started);
    statistics.total_execution_time_in_millis = millis_between(submitted, completed);
    statistics.service_pre_processing_time_in_millis = 0;
    statistics.service_processing_time_in_millis = 0;
    statistics.data_scanned_in_bytes = 0;
    statistics.result_reuse_information = athena::ResultReuseInformation{false};
    std::vector<ResultColumn> columns;
    auto& status = execution.status;
    status.completion_date_time = completed;
    if (result) {
      statistics.data_scanned_in_bytes = result->data_scanned_bytes;
      statistics.query_planning_time_in_millis = result->planning_time.count();
      statistics.engine_execution_time_in_millis = (result->planning_time + result->execution_time).count();
      execution.statement_type = std::string(to_string(result->statement_type));
      auto& location = *execution.result_configuration->output_location;
      const bool ddl = result->statement_type == StatementType::Ddl;
      location = location.substr(0, location.size() - 4) + (ddl ? ".txt" : ".csv");
      auto path = result_path(execution);
      Status written = path ? Status(Ok{}) : Status(path.get_failure());
      if (path) {
        std::error_code ignored;
        fs::create_directories(fs::path(*path).parent_path(), ignored);
        written = ddl ? write_atomically(*path, local::to_ddl_text(*result)) : write_athena_csv(*result, *path);
      }
      if (written) {
        set_state(status, athena::QueryExecutionState::Succeeded);
        columns = result->columns;
        athena::QueryRuntimeStatisticsRows counts;
        counts.output_rows = static_cast<std::int64_t>(result->rows.size());
        std::error_code size_error;
        const auto bytes = fs::file_size(*path, size_error);
        if (!size_error) counts.output_bytes = static_cast<std::int64_t>(bytes);
        if (const auto processed = job.rows_processed.load()) counts.input_rows = static_cast<std::int64_t>(processed);
        std::lock_guard lock(mutex_);
        written_[id] = counts;
      } else {
        set_state(status, athena::QueryExecutionState::Failed);
        status.state_change_reason = "could not write the result to " + location + ": " + written.get_failure().message;
        status.athena_error =
            athena::AthenaError{kErrorCategorySystem, kErrorTypeResultWrite, false, status.state_change_reason};
      }
    } else {
      const auto& error = result.get_failure();
      statistics.engine_execution_time_in_millis = millis_between(started, completed);
      const auto code = parse_engine_error_code(error.code);
      if (code == EngineErrorCode::Cancelled) {
        set_state(status, athena::QueryExecutionState::Cancelled);
        status.state_change_reason =
            shutdown_ ? "the local engine was closed while the query ran" : "Query cancelled by user";
      } else {
        const bool user = code != EngineErrorCode::Io;
        const int type = code == EngineErrorCode::TableData ? kErrorTypeData
                         : user                             ? kErrorTypeUser
                                                            : kErrorTypeInternal;
        set_state(status, athena::QueryExecutionState::Failed);
        status.state_change_reason = error.code + ": " + error.message;
        status.athena_error = athena::AthenaError{user ? kErrorCategoryUser : kErrorCategorySystem, type, false,
                                                  *status.state_change_reason};
      }
    }
    execution.statistics = statistics;
    (void)publish(execution, columns, true);
    std::error_code ignored;
    fs::remove(stop_path, ignored);
  }

  LocalWorkspace workspace_;
  std::string executions_dir_, tokens_dir_;
  std::vector<std::unique_ptr<LocalEngine>> engines_;
  std::vector<std::string> engine_catalogs_;  // per worker: the catalog fingerprint its engine loaded
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable changed_;  // a query of this process reached its final state: changes_ grew
  std::uint64_t changes_ = 0;
  std::deque<std::string> queue_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;  // queued or running in this process
  std::map<std::string, Record> snapshots_;           // this process's queries: queued, running, recent
  std::map<std::string, athena::QueryRuntimeStatisticsRows> written_;  // what the recent ones of snapshots_ wrote
  std::deque<std::string> finished_;                                   // the finished ones in snapshots_, oldest first
  std::vector<std::string> running_;                                   // per worker: the id it runs
  std::atomic<bool> shutdown_{false};
  std::vector<std::thread> workers_;
};

}  // namespace

Outcome<std::unique_ptr<runner::QueryEngine>> open_local_query_engine(const LocalWorkspace& workspace) {
  if (workspace.data_dir.empty()) {
    return make_error(ErrorKind::Configuration, "InvalidLocalWorkspace",
                      "the local engine needs a data directory (e.g. --data-dir examples/data)");
  }
  LocalWorkspace resolved = workspace;
  if (resolved.catalog_dir.empty()) resolved.catalog_dir = catalog::catalog_dir_for(resolved.data_dir);
  if (resolved.workers < 1) resolved.workers = 1;
  std::error_code error;
  for (const auto& dir : {fs::path(resolved.data_dir) / ".athena" / "executions",
                          fs::path(resolved.data_dir) / ".athena" / "tokens", fs::path(resolved.catalog_dir)}) {
    fs::create_directories(dir, error);
    if (error) {
      return make_error(
          ErrorKind::Configuration, "InvalidLocalWorkspace",
          "cannot create " + dir.string() + ": " + error.message() + "; check that the data directory is writable");
    }
  }
  const std::string probe = (fs::path(resolved.data_dir) / ".athena" / "executions" / ".write-test").string() + "." +
                            std::to_string(::getpid());
  if (auto written = write_atomically(probe, "ok"); !written) {
    return make_error(ErrorKind::Configuration, "InvalidLocalWorkspace",
                      "the data directory " + resolved.data_dir + " is not writable: " + written.get_failure().message);
  }
  fs::remove(probe, error);
  // Taken before the engines read the catalog: a change while they open is seen at the next query.
  const std::string catalog_fingerprint = local::catalog_fingerprint(resolved.catalog_dir);
  std::vector<std::unique_ptr<LocalEngine>> engines;
  for (int i = 0; i < resolved.workers; ++i) {
    auto engine =
        LocalEngine::open(LocalEngineConfig{resolved.data_dir, resolved.catalog_dir, resolved.default_database,
                                            resolved.threads_per_query, "", resolved.random});
    if (!engine) return std::move(engine).get_failure();
    engines.push_back(std::move(engine).get_result());
  }
  return std::unique_ptr<runner::QueryEngine>(
      new LocalQueryEngine(std::move(resolved), std::move(engines), catalog_fingerprint));
}

}  // namespace athena_runner::engine
