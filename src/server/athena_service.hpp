// Athena (JSON 1.1, X-Amz-Target AmazonAthena.<Operation>) over the runner's local engine
// (engine::open_local_query_engine): queries run on DuckDB over the same data directory S3 and Glue
// write, and their results land where Athena writes them (<OutputLocation><id>.csv).
// Operations: StartQueryExecution, GetQueryExecution, BatchGetQueryExecution, StopQueryExecution,
// GetQueryResults, ListQueryExecutions, Create/Get/List/DeleteWorkGroup, NamedQuery operations,
// PreparedStatement operations (and `EXECUTE <name> USING ...` in StartQueryExecution), and the
// metadata operations over the Glue catalog (ListDataCatalogs, ListDatabases, GetDatabase,
// ListTableMetadata, GetTableMetadata).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "athena_runner/base/random.hpp"
#include "athena_runner/runner/engine.hpp"
#include "glue_service.hpp"
#include "json_service.hpp"
#include "state_events.hpp"

namespace athena_runner::server {

inline constexpr const char* kDefaultOutputLocation = "s3://athena-results/";

class AthenaApi {
 public:
  using EngineFactory = std::function<Outcome<std::unique_ptr<runner::QueryEngine>>()>;
  // open_engine: opens the local QueryEngine over the data directory, once. It sees Glue changes by
  // itself: each of its workers reopens its DuckDB when the catalog files changed since its last query.
  // default_output: the primary work group's OutputLocation.
  // state_dir: <data dir>/.athena (the local engine's executions live in its executions/ folder; work
  // groups and named queries are kept next to them).
  AthenaApi(EngineFactory open_engine, std::string default_output, const GlueCatalog& catalog, std::string state_dir,
            Random random);
  // Opens the engine; fails as open_engine does.
  Status open();
  // After open(): sends Athena's state-change events of the queries started from now on (serve --events-to).
  Status send_state_changes(const StateChangeEvents& config, aws::Credentials signing_credentials, std::ostream& log);
  void register_operations(JsonService& service);

 private:
  Outcome<nlohmann::json> start_query_execution(const nlohmann::json& input);
  Outcome<nlohmann::json> get_query_execution(const nlohmann::json& input);
  Outcome<nlohmann::json> batch_get_query_execution(const nlohmann::json& input);
  Outcome<nlohmann::json> get_query_runtime_statistics(const nlohmann::json& input);
  Outcome<nlohmann::json> stop_query_execution(const nlohmann::json& input);
  Outcome<nlohmann::json> get_query_results(const nlohmann::json& input);
  Outcome<nlohmann::json> get_work_group(const nlohmann::json& input);
  Outcome<nlohmann::json> list_work_groups(const nlohmann::json& input);
  Outcome<nlohmann::json> list_query_executions(const nlohmann::json& input);
  Outcome<nlohmann::json> list_data_catalogs(const nlohmann::json& input);
  Outcome<nlohmann::json> list_databases(const nlohmann::json& input);
  Outcome<nlohmann::json> get_database(const nlohmann::json& input);
  Outcome<nlohmann::json> list_table_metadata(const nlohmann::json& input);
  Outcome<nlohmann::json> get_table_metadata(const nlohmann::json& input);
  Outcome<nlohmann::json> create_work_group(const nlohmann::json& input);
  Outcome<nlohmann::json> delete_work_group(const nlohmann::json& input);
  Outcome<nlohmann::json> create_named_query(const nlohmann::json& input);
  Outcome<nlohmann::json> get_named_query(const nlohmann::json& input);
  Outcome<nlohmann::json> batch_get_named_query(const nlohmann::json& input);
  Outcome<nlohmann::json> list_named_queries(const nlohmann::json& input);
  Outcome<nlohmann::json> delete_named_query(const nlohmann::json& input);
  Outcome<nlohmann::json> create_prepared_statement(const nlohmann::json& input);
  Outcome<nlohmann::json> update_prepared_statement(const nlohmann::json& input);
  Outcome<nlohmann::json> get_prepared_statement(const nlohmann::json& input);
  Outcome<nlohmann::json> list_prepared_statements(const nlohmann::json& input);
  Outcome<nlohmann::json> delete_prepared_statement(const nlohmann::json& input);
  Outcome<nlohmann::json> load_prepared_statement(const std::string& work_group, const std::string& name) const;

  // Work groups: `primary` always exists; others are <data dir>/.athena/workgroups/<name>.json.
  Outcome<nlohmann::json> load_work_group(const std::string& name) const;
  std::string state_path(const std::string& folder, const std::string& name) const;

  runner::QueryEngine& engine() { return *engine_; }

  EngineFactory open_engine_;
  std::string default_output_;
  const GlueCatalog& catalog_;
  std::string state_dir_;                        // <data dir>/.athena
  Random random_;                                // named query ids
  std::mutex state_mutex_;                       // work groups and named queries
  std::unique_ptr<runner::QueryEngine> engine_;  // set by open(), before any request
  std::unique_ptr<StateEventPublisher> events_;  // after engine_: stopped before the engine closes
};

}  // namespace athena_runner::server
