#include "athena_service.hpp"
#include "athena_runner/base/text.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <string_view>

#include "athena_runner/aws/protocol/athena.hpp"
#include "athena_runner/aws/sigv4.hpp"
#include "athena_runner/engine/local_engine.hpp"
#include "athena_runner/runner/runner.hpp"
#include "checksums.hpp"
#include "file_store.hpp"

namespace athena_runner::server {
namespace {

using nlohmann::json;
namespace athena = aws::athena;

constexpr const char* kInvalidRequest = "InvalidRequestException";
constexpr const char* kPrimaryWorkGroup = "primary";
constexpr const char* kEngineVersion = "Athena engine version 3";
constexpr int kMaxQueryLength = 262144;
// GetQueryResults' NextToken: base64 of "csv:<query execution id>:<byte offset in the result CSV>" for a
// SELECT, "row:<first row>" for a statement's short result.
constexpr std::string_view kCsvTokenPrefix = "csv:";
constexpr std::string_view kRowTokenPrefix = "row:";

Error invalid_request(std::string message) { return json_error(kInvalidRequest, std::move(message)); }

// Errors from the engine keep their code when it is one of Athena's; anything else is a 500.
Error from_engine(const Error& error) {
  if (error.code == kInvalidRequest || error.code == "ResourceNotFoundException")
    return json_error(error.code, error.message, 400);
  if (error.kind == ErrorKind::InvalidInput) return json_error(kInvalidRequest, error.message, 400);
  return json_error("InternalServerException", error.message, 500);
}

std::optional<std::string> optional_string(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return std::nullopt;
  return object[key].get<std::string>();
}

Outcome<std::string> query_execution_id(const json& input) {
  auto id = optional_string(input, "QueryExecutionId");
  if (!id || id->empty() || id->size() > 128) return invalid_request("QueryExecutionId is required.");
  return *id;
}

// `EXECUTE <statement> [USING <literal>, ...]`: the USING values become execution parameters (each
// checked as one literal by the engine, exactly like ExecutionParameters).
struct ExecuteStatement {
  std::string name;
  std::vector<std::string> parameters;
};
struct ParsedExecute {
  std::optional<ExecuteStatement> statement;
  std::string error;  // set when the text starts with EXECUTE but is malformed
  explicit operator bool() const { return statement.has_value(); }
  const ExecuteStatement* operator->() const { return &*statement; }
};

// True when text[position...] is `keyword` (any case) followed by white space.
bool starts_with_keyword(const std::string& text, std::size_t position, std::string_view keyword) {
  if (position == std::string::npos || text.size() < position + keyword.size() + 1) return false;
  return text::iequals(std::string_view(text).substr(position, keyword.size()), keyword) &&
         std::isspace(static_cast<unsigned char>(text[position + keyword.size()]));
}

ParsedExecute parse_execute(const std::string& sql) {
  ParsedExecute parsed;
  std::size_t position = sql.find_first_not_of(" \t\r\n");
  if (!starts_with_keyword(sql, position, "execute")) return parsed;
  std::string rest = sql.substr(position + 8);
  while (!rest.empty() && (rest.back() == ';' || std::isspace(static_cast<unsigned char>(rest.back()))))
    rest.pop_back();
  std::size_t start = rest.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) {
    parsed.error = "EXECUTE needs a prepared statement name.";
    return parsed;
  }
  std::size_t end = start;
  while (end < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[end])) || rest[end] == '_')) ++end;
  ExecuteStatement statement;
  statement.name = rest.substr(start, end - start);
  std::string tail = rest.substr(end);
  std::size_t tail_start = tail.find_first_not_of(" \t\r\n");
  if (statement.name.empty()) {
    parsed.error = "EXECUTE needs a prepared statement name.";
    return parsed;
  }
  if (tail_start != std::string::npos) {
    if (!starts_with_keyword(tail, tail_start, "using")) {
      parsed.error = "Expected USING after EXECUTE " + statement.name + ".";
      return parsed;
    }
    // Split the values at top-level commas (not inside quotes or parentheses).
    std::string values = tail.substr(tail_start + 6);
    std::string current;
    int depth = 0;
    bool quoted = false;
    for (std::size_t index = 0; index < values.size(); ++index) {
      char c = values[index];
      if (quoted) {
        current.push_back(c);
        if (c == '\'') {
          if (index + 1 < values.size() && values[index + 1] == '\'') {
            current.push_back(values[++index]);  // '' inside a string
          } else {
            quoted = false;
          }
        }
        continue;
      }
      if (c == '\'') quoted = true;
      if (c == '(') ++depth;
      if (c == ')') --depth;
      if (c == ',' && depth == 0) {
        statement.parameters.push_back(current);
        current.clear();
        continue;
      }
      current.push_back(c);
    }
    statement.parameters.push_back(current);
    for (auto& parameter : statement.parameters) {
      parameter.erase(0, parameter.find_first_not_of(" \t\r\n"));
      parameter.erase(parameter.find_last_not_of(" \t\r\n") + 1);
      if (parameter.empty()) {
        parsed.error = "EXECUTE ... USING has an empty value.";
        return parsed;
      }
    }
  }
  parsed.statement = std::move(statement);
  return parsed;
}

std::string work_group_of(const json& input) { return optional_string(input, "WorkGroup").value_or(kPrimaryWorkGroup); }

}  // namespace

AthenaApi::AthenaApi(EngineFactory open_engine, std::string default_output, const GlueCatalog& catalog,
                     std::string state_dir, Random random)
    : open_engine_(std::move(open_engine)),
      default_output_(std::move(default_output)),
      catalog_(catalog),
      state_dir_(std::move(state_dir)),
      random_(std::move(random)) {}

Status AthenaApi::open() {
  auto opened = open_engine_();
  if (!opened) return std::move(opened).get_failure();
  engine_ = std::move(opened).get_result();
  return Ok{};
}

Status AthenaApi::send_state_changes(const StateChangeEvents& config, aws::Credentials signing_credentials,
                                     std::ostream& log) {
  auto publisher = StateEventPublisher::open(config, engine(), std::move(signing_credentials), random_, log);
  if (!publisher) return std::move(publisher).get_failure();
  events_ = std::move(publisher).get_result();
  return Ok{};
}

void AthenaApi::register_operations(JsonService& service) {
  auto bind = [this](Outcome<json> (AthenaApi::*method)(const json&)) {
    return [this, method](const json& input) { return (this->*method)(input); };
  };
  service.add("StartQueryExecution", bind(&AthenaApi::start_query_execution));
  service.add("GetQueryExecution", bind(&AthenaApi::get_query_execution));
  service.add("BatchGetQueryExecution", bind(&AthenaApi::batch_get_query_execution));
  service.add("GetQueryRuntimeStatistics", bind(&AthenaApi::get_query_runtime_statistics));
  service.add("StopQueryExecution", bind(&AthenaApi::stop_query_execution));
  service.add("GetQueryResults", bind(&AthenaApi::get_query_results));
  service.add("GetWorkGroup", bind(&AthenaApi::get_work_group));
  service.add("ListWorkGroups", bind(&AthenaApi::list_work_groups));
  service.add("ListQueryExecutions", bind(&AthenaApi::list_query_executions));
  service.add("CreateWorkGroup", bind(&AthenaApi::create_work_group));
  service.add("DeleteWorkGroup", bind(&AthenaApi::delete_work_group));
  service.add("CreateNamedQuery", bind(&AthenaApi::create_named_query));
  service.add("GetNamedQuery", bind(&AthenaApi::get_named_query));
  service.add("BatchGetNamedQuery", bind(&AthenaApi::batch_get_named_query));
  service.add("ListNamedQueries", bind(&AthenaApi::list_named_queries));
  service.add("DeleteNamedQuery", bind(&AthenaApi::delete_named_query));
  service.add("CreatePreparedStatement", bind(&AthenaApi::create_prepared_statement));
  service.add("UpdatePreparedStatement", bind(&AthenaApi::update_prepared_statement));
  service.add("GetPreparedStatement", bind(&AthenaApi::get_prepared_statement));
  service.add("ListPreparedStatements", bind(&AthenaApi::list_prepared_statements));
  service.add("DeletePreparedStatement", bind(&AthenaApi::delete_prepared_statement));
  service.add("ListDataCatalogs", bind(&AthenaApi::list_data_catalogs));
  service.add("ListDatabases", bind(&AthenaApi::list_databases));
  service.add("GetDatabase", bind(&AthenaApi::get_database));
  service.add("ListTableMetadata", bind(&AthenaApi::list_table_metadata));
  service.add("GetTableMetadata", bind(&AthenaApi::get_table_metadata));
}

Outcome<json> AthenaApi::start_query_execution(const json& input) {
  athena::StartQueryExecutionRequest request;
  auto query = optional_string(input, "QueryString");
  if (!query || query->empty() || query->size() > kMaxQueryLength)
    return invalid_request("QueryString is required (1 to 262144 characters).");
  request.query_string = *query;
  request.client_request_token = optional_string(input, "ClientRequestToken");
  if (request.client_request_token &&
      (request.client_request_token->size() < 32 || request.client_request_token->size() > 128))
    return invalid_request("ClientRequestToken must be 32 to 128 characters.");
  std::string work_group_name = work_group_of(input);
  auto work_group = load_work_group(work_group_name);
  if (!work_group) return std::move(work_group).get_failure();
  if (work_group->value("State", "ENABLED") != "ENABLED")
    return invalid_request("WorkGroup " + work_group_name + " is disabled.");
  request.work_group = work_group_name;
  const json configuration = work_group->value("Configuration", json::object());
  const auto work_group_output =
      optional_string(configuration.value("ResultConfiguration", json::object()), "OutputLocation");
  const bool enforced = configuration.value("EnforceWorkGroupConfiguration", true);
  if (auto execute = parse_execute(request.query_string)) {
    auto statement = load_prepared_statement(work_group_name, execute->name);
    if (!statement) return std::move(statement).get_failure();
    if (!execute->parameters.empty() && input.contains("ExecutionParameters"))
      return invalid_request("Use either EXECUTE ... USING or ExecutionParameters, not both.");
    request.query_string = statement->value("QueryStatement", "");
    request.execution_parameters = execute->parameters;
  } else if (!execute.error.empty()) {
    return invalid_request(execute.error);
  }
  if (input.contains("QueryExecutionContext")) {
    const json& context = input["QueryExecutionContext"];
    request.query_execution_context =
        athena::QueryExecutionContext{optional_string(context, "Database"), optional_string(context, "Catalog")};
  }
  athena::ResultConfiguration result_configuration;
  if (input.contains("ResultConfiguration"))
    result_configuration.output_location = optional_string(input["ResultConfiguration"], "OutputLocation");
  // Athena: an enforced work group configuration overrides the request; otherwise the request wins.
  if (work_group_output && (enforced || !result_configuration.output_location))
    result_configuration.output_location = work_group_output;
  if (!result_configuration.output_location)
    return invalid_request(
        "No output location provided. An output location is required either through the Workgroup result "
        "configuration setting or as an API input.");
  request.result_configuration = result_configuration;
  if (input.contains("ExecutionParameters")) {
    for (const auto& parameter : input["ExecutionParameters"])
      request.execution_parameters.push_back(parameter.get<std::string>());
  }
  auto started = engine().start(request);
  if (!started) return from_engine(started.get_failure());
  if (events_) events_->started(*started, work_group_name);
  return json{{"QueryExecutionId", *started}};
}

Outcome<json> AthenaApi::get_query_execution(const json& input) {
  auto id = query_execution_id(input);
  if (!id) return std::move(id).get_failure();
  auto execution = engine().get(*id);
  if (!execution) return from_engine(execution.get_failure());
  return json{{"QueryExecution", json::parse(aws::athena::protocol::query_execution_json(*execution))}};
}

Outcome<json> AthenaApi::get_query_runtime_statistics(const json& input) {
  auto id = query_execution_id(input);
  if (!id) return std::move(id).get_failure();
  auto statistics = engine().runtime_statistics(*id);
  if (!statistics) return from_engine(statistics.get_failure());
  return json::parse(aws::athena::protocol::query_runtime_statistics_json(*statistics));
}

Outcome<json> AthenaApi::batch_get_query_execution(const json& input) {
  if (!input.contains("QueryExecutionIds") || !input["QueryExecutionIds"].is_array() ||
      input["QueryExecutionIds"].empty() || input["QueryExecutionIds"].size() > athena::kMaxBatchGetIds)
    return invalid_request("QueryExecutionIds must list 1 to 50 ids.");
  std::vector<std::string> ids = input["QueryExecutionIds"].get<std::vector<std::string>>();
  auto result = engine().batch_get(ids);
  if (!result) return from_engine(result.get_failure());
  json executions = json::array();
  for (const auto& execution : result->query_executions)
    executions.push_back(json::parse(aws::athena::protocol::query_execution_json(execution)));
  json unprocessed = json::array();
  for (const auto& entry : result->unprocessed_query_execution_ids) {
    json item = json::object();
    if (entry.query_execution_id) item["QueryExecutionId"] = *entry.query_execution_id;
    if (entry.error_code) item["ErrorCode"] = *entry.error_code;
    if (entry.error_message) item["ErrorMessage"] = *entry.error_message;
    unprocessed.push_back(item);
  }
  return json{{"QueryExecutions", executions}, {"UnprocessedQueryExecutionIds", unprocessed}};
}

Outcome<json> AthenaApi::stop_query_execution(const json& input) {
  auto id = query_execution_id(input);
  if (!id) return std::move(id).get_failure();
  if (auto status = engine().stop(*id); !status) return from_engine(status.get_failure());
  return json::object();
}

Outcome<json> AthenaApi::get_query_results(const json& input) {
  auto id = query_execution_id(input);
  if (!id) return std::move(id).get_failure();
  int max_results = input.value("MaxResults", athena::kMaxResultsPerPage);
  if (max_results < 1 || max_results > athena::kMaxResultsPerPage)
    return invalid_request("MaxResults must be between 1 and 1000.");
  auto execution = engine().get(*id);
  if (!execution) return from_engine(execution.get_failure());
  if (execution->status.state != athena::QueryExecutionState::Succeeded) {
    const std::string state(athena::to_string(execution->status.state));
    if (athena::is_terminal(execution->status.state))
      return invalid_request("Query did not finish successfully. Final query state: " + state);
    return invalid_request("Query has not yet finished. Current state: " + state);
  }
  const bool has_header =
      engine::parse_statement_type(execution->statement_type.value_or("")) == engine::StatementType::Dml;
  auto datum_row = [](const std::vector<std::optional<std::string>>& cells) {
    json data = json::array();
    for (const auto& cell : cells) data.push_back(cell ? json{{"VarCharValue", *cell}} : json::object());
    return json{{"Data", data}};
  };
  json rows = json::array();
  std::optional<std::string> next_token;
  if (has_header) {
    // A SELECT's rows are read from its result CSV a page at a time: the header line (the column labels) is
    // row 0, and NextToken says where in the file the next page starts (with the execution it belongs to),
    // so each page costs its own rows whatever the result's size.
    std::uint64_t from_byte = 0;
    if (auto token = optional_string(input, "NextToken")) {
      const auto decoded = base64_decode(*token);
      const std::string prefix = std::string(kCsvTokenPrefix) + *id + ":";
      std::optional<std::size_t> offset;
      if (decoded && decoded->starts_with(prefix))
        offset = text::parse_index(std::string_view(*decoded).substr(prefix.size()));
      if (!offset) return invalid_request("NextToken is not valid.");
      from_byte = *offset;
    }
    auto page = runner::read_result_csv_page(engine(), *execution, from_byte, static_cast<std::size_t>(max_results));
    if (!page) return from_engine(page.get_failure());
    for (const auto& row : page->rows) rows.push_back(datum_row(row));
    if (page->more) next_token = base64_encode(std::string(kCsvTokenPrefix) + *id + ":" + std::to_string(page->next));
  }
  // The column metadata (and a statement's rows: a DDL result is a short list of lines, numbered from 0).
  auto table = engine().results(*id, has_header ? 1 : 0);
  if (!table) return from_engine(table.get_failure());
  if (!has_header) {
    std::size_t offset = 0;
    if (auto token = optional_string(input, "NextToken")) {
      const auto decoded = base64_decode(*token);
      std::optional<std::size_t> row;
      if (decoded && decoded->starts_with(kRowTokenPrefix))
        row = text::parse_index(std::string_view(*decoded).substr(kRowTokenPrefix.size()));
      if (!row) return invalid_request("NextToken is not valid.");
      offset = *row;
    }
    const std::size_t total = table->rows.size();
    const std::size_t end = std::min(total, offset + static_cast<std::size_t>(max_results));
    for (std::size_t row = offset; row < end; ++row) rows.push_back(datum_row(table->rows[row].data));
    if (end < total) next_token = base64_encode(std::string(kRowTokenPrefix) + std::to_string(end));
  }
  json columns = json::array();
  for (const auto& column : table->columns) {
    const bool text = column.type == "varchar" || column.type == "char";
    columns.push_back({{"CatalogName", "hive"},
                       {"SchemaName", ""},
                       {"TableName", ""},
                       {"Name", column.name},
                       {"Label", column.label.value_or(column.name)},
                       {"Type", column.type},
                       {"Precision", column.precision.value_or(text ? 2147483647 : 0)},
                       {"Scale", column.scale.value_or(0)},
                       {"Nullable", column.nullable.value_or("UNKNOWN")},
                       {"CaseSensitive", text}});
  }
  json result{{"UpdateCount", table->update_count.value_or(0)},
              {"ResultSet", {{"Rows", rows}, {"ResultSetMetadata", {{"ColumnInfo", columns}}}}}};
  if (next_token) result["NextToken"] = *next_token;
  return result;
}

std::string AthenaApi::state_path(const std::string& folder, const std::string& name) const {
  return state_dir_ + "/" + folder + "/" + name + ".json";
}

Outcome<json> AthenaApi::load_work_group(const std::string& name) const {
  bool valid = !name.empty() && name.size() <= 128 &&
               name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                   std::string::npos &&
               name.front() != '.';
  if (valid) {
    bool found = false;
    json stored = json::parse(read_whole_file(state_path("workgroups", name), &found), nullptr, false);
    if (found && stored.is_object()) return stored;
  }
  if (name == kPrimaryWorkGroup) {
    return json{{"Name", kPrimaryWorkGroup},
                {"State", "ENABLED"},
                {"Description", ""},
                {"Configuration",
                 {{"ResultConfiguration", {{"OutputLocation", default_output_}}},
                  {"EnforceWorkGroupConfiguration", false},
                  {"PublishCloudWatchMetricsEnabled", false},
                  {"RequesterPaysEnabled", false},
                  {"EngineVersion", {{"SelectedEngineVersion", "AUTO"}, {"EffectiveEngineVersion", kEngineVersion}}}}},
                {"CreationTime", 0}};
  }
  return invalid_request("WorkGroup " + name + " is not found.");
}

Outcome<json> AthenaApi::get_work_group(const json& input) {
  auto work_group = load_work_group(optional_string(input, "WorkGroup").value_or(""));
  if (!work_group) return std::move(work_group).get_failure();
  return json{{"WorkGroup", *work_group}};
}

Outcome<json> AthenaApi::create_work_group(const json& input) {
  std::string name = optional_string(input, "Name").value_or("");
  if (name.empty() || name.size() > 128 || name.front() == '.' ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos)
    return invalid_request("Name must be 1 to 128 of the characters a-z, A-Z, 0-9, '.', '_' and '-'.");
  std::lock_guard lock(state_mutex_);
  if (name == kPrimaryWorkGroup || std::filesystem::exists(state_path("workgroups", name)))
    return invalid_request("WorkGroup is already created");
  json configuration = input.value("Configuration", json::object());
  if (!configuration.contains("EnforceWorkGroupConfiguration")) configuration["EnforceWorkGroupConfiguration"] = true;
  configuration["EngineVersion"] = {{"SelectedEngineVersion", "AUTO"}, {"EffectiveEngineVersion", kEngineVersion}};
  json work_group{
      {"Name", name},
      {"State", "ENABLED"},
      {"Description", input.value("Description", "")},
      {"Configuration", configuration},
      {"CreationTime", std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()}};
  if (auto status = write_file_atomic(state_path("workgroups", name), work_group.dump()); !status)
    return std::move(status).get_failure();
  return json::object();
}

Outcome<json> AthenaApi::delete_work_group(const json& input) {
  std::string name = optional_string(input, "WorkGroup").value_or("");
  if (name == kPrimaryWorkGroup) return invalid_request("Cannot delete the primary workgroup");
  std::lock_guard lock(state_mutex_);
  auto work_group = load_work_group(name);
  if (!work_group) return std::move(work_group).get_failure();
  std::error_code error;
  std::filesystem::remove(state_path("workgroups", name), error);
  return json::object();
}

Outcome<json> AthenaApi::list_work_groups(const json&) {
  std::vector<std::string> names{kPrimaryWorkGroup};
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(state_dir_ + "/workgroups", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (it->path().extension() == ".json" && it->path().stem() != kPrimaryWorkGroup)
      names.push_back(it->path().stem().string());
  }
  std::sort(names.begin() + 1, names.end());
  json list = json::array();
  for (const auto& name : names) {
    auto work_group = load_work_group(name);
    if (!work_group) continue;
    list.push_back(
        {{"Name", name},
         {"State", work_group->value("State", "ENABLED")},
         {"Description", work_group->value("Description", "")},
         {"CreationTime", work_group->value("CreationTime", json(0))},
         {"EngineVersion", {{"SelectedEngineVersion", "AUTO"}, {"EffectiveEngineVersion", kEngineVersion}}}});
  }
  return json{{"WorkGroups", list}};
}

namespace {

constexpr const char* kDataCatalog = "AwsDataCatalog";

Error metadata_error(std::string message) { return json_error("MetadataException", std::move(message)); }

Status check_catalog(const json& input) {
  std::string catalog = optional_string(input, "CatalogName").value_or("");
  if (catalog != kDataCatalog) return metadata_error("Catalog " + catalog + " is not found. Use " + kDataCatalog + ".");
  return Ok{};
}

// NextToken over a sorted list of names: base64 of the last name returned.
std::string after_token(const json& input) {
  auto token = optional_string(input, "NextToken");
  return token ? base64_decode(*token).value_or("") : std::string();
}

json table_metadata(const json& table) {
  auto columns = [](const json& list) {
    json out = json::array();
    for (const auto& column : list) {
      json item{{"Name", column.value("Name", "")}, {"Type", column.value("Type", "")}};
      if (column.contains("Comment")) item["Comment"] = column["Comment"];
      out.push_back(item);
    }
    return out;
  };
  json metadata{{"Name", table.value("Name", "")},
                {"TableType", table.value("TableType", "EXTERNAL_TABLE")},
                {"Columns", columns(table.value("StorageDescriptor", json::object()).value("Columns", json::array()))},
                {"PartitionKeys", columns(table.value("PartitionKeys", json::array()))},
                {"Parameters", table.value("Parameters", json::object())}};
  if (table.contains("CreateTime") && table["CreateTime"].is_number()) metadata["CreateTime"] = table["CreateTime"];
  return metadata;
}

}  // namespace

Outcome<json> AthenaApi::list_query_executions(const json& input) {
  if (auto work_group = load_work_group(work_group_of(input)); !work_group) return std::move(work_group).get_failure();
  int limit = std::clamp(input.value("MaxResults", 50), 1, 50);
  // Most recent first, as Athena lists them; the records are the local engine's files.
  std::vector<std::pair<std::filesystem::file_time_type, std::string>> records;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(state_dir_ + "/executions", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (it->path().extension() != ".json") continue;
    records.emplace_back(it->last_write_time(error), it->path().stem().string());
  }
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::size_t start = 0;
  if (auto token = optional_string(input, "NextToken")) {
    const auto decoded = base64_decode(*token);
    const auto index = decoded ? text::parse_index(*decoded) : std::nullopt;
    if (!index) return invalid_request("NextToken is not valid.");
    start = *index;
  }
  json ids = json::array();
  for (std::size_t index = start; index < records.size() && ids.size() < static_cast<std::size_t>(limit); ++index)
    ids.push_back(records[index].second);
  json result{{"QueryExecutionIds", ids}};
  if (start + ids.size() < records.size()) result["NextToken"] = base64_encode(std::to_string(start + ids.size()));
  return result;
}

Outcome<json> AthenaApi::list_data_catalogs(const json&) {
  return json{{"DataCatalogsSummary", json::array({{{"CatalogName", kDataCatalog}, {"Type", "GLUE"}}})}};
}

Outcome<json> AthenaApi::list_databases(const json& input) {
  if (auto status = check_catalog(input); !status) return std::move(status).get_failure();
  json list = json::array();
  for (const auto& database : catalog_.databases()) {
    json item{{"Name", database.value("Name", "")}};
    if (database.contains("Description")) item["Description"] = database["Description"];
    if (database.contains("Parameters")) item["Parameters"] = database["Parameters"];
    list.push_back(item);
  }
  return json{{"DatabaseList", list}};
}

Outcome<json> AthenaApi::get_database(const json& input) {
  if (auto status = check_catalog(input); !status) return std::move(status).get_failure();
  std::string name = optional_string(input, "DatabaseName").value_or("");
  auto database = catalog_.database(name);
  if (!database) return metadata_error("Database " + name + " is not found.");
  json item{{"Name", database->value("Name", "")}};
  if (database->contains("Description")) item["Description"] = (*database)["Description"];
  if (database->contains("Parameters")) item["Parameters"] = (*database)["Parameters"];
  return json{{"Database", item}};
}

Outcome<json> AthenaApi::list_table_metadata(const json& input) {
  if (auto status = check_catalog(input); !status) return std::move(status).get_failure();
  std::string name = optional_string(input, "DatabaseName").value_or("");
  auto tables = catalog_.tables(name);
  if (!tables) return metadata_error("Database " + name + " is not found.");
  int limit = std::clamp(input.value("MaxResults", 50), 1, 50);
  std::string after = after_token(input);
  json list = json::array();
  std::string last;
  bool more = false;
  for (const auto& table : *tables) {
    std::string table_name = table.value("Name", "");
    if (!after.empty() && table_name <= after) continue;
    if (static_cast<int>(list.size()) == limit) {
      more = true;
      break;
    }
    list.push_back(table_metadata(table));
    last = table_name;
  }
  json result{{"TableMetadataList", list}};
  if (more) result["NextToken"] = base64_encode(last);
  return result;
}

Outcome<json> AthenaApi::get_table_metadata(const json& input) {
  if (auto status = check_catalog(input); !status) return std::move(status).get_failure();
  std::string database = optional_string(input, "DatabaseName").value_or("");
  std::string name = optional_string(input, "TableName").value_or("");
  auto table = catalog_.table(database, name);
  if (!table) return metadata_error(table.get_failure().message);
  return json{{"TableMetadata", table_metadata(*table)}};
}

Outcome<json> AthenaApi::create_named_query(const json& input) {
  auto name = optional_string(input, "Name");
  auto database = optional_string(input, "Database");
  auto query = optional_string(input, "QueryString");
  if (!name || name->empty() || !database || database->empty() || !query || query->empty())
    return invalid_request("Name, Database and QueryString are required.");
  std::string work_group_name = work_group_of(input);
  if (auto work_group = load_work_group(work_group_name); !work_group) return std::move(work_group).get_failure();
  std::lock_guard lock(state_mutex_);
  // ClientRequestToken: the same token names the same query (as Athena's idempotent create).
  std::string id;
  if (auto token = optional_string(input, "ClientRequestToken")) {
    std::string digest = aws::sha256_hex(*token);
    id = digest.substr(0, 8) + "-" + digest.substr(8, 4) + "-" + digest.substr(12, 4) + "-" + digest.substr(16, 4) +
         "-" + digest.substr(20, 12);
  } else {
    id = random_.uuid();
  }
  json named{{"Name", *name},
             {"Database", *database},
             {"QueryString", *query},
             {"NamedQueryId", id},
             {"WorkGroup", work_group_name}};
  if (auto description = optional_string(input, "Description")) named["Description"] = *description;
  if (auto status = write_file_atomic(state_path("named-queries", id), named.dump()); !status)
    return std::move(status).get_failure();
  return json{{"NamedQueryId", id}};
}

Outcome<json> AthenaApi::get_named_query(const json& input) {
  std::string id = optional_string(input, "NamedQueryId").value_or("");
  if (id.empty() || id.find_first_not_of("0123456789abcdef-") != std::string::npos)
    return invalid_request("NamedQuery " + id + " was not found.");
  bool found = false;
  json named = json::parse(read_whole_file(state_path("named-queries", id), &found), nullptr, false);
  if (!found || !named.is_object()) return invalid_request("NamedQuery " + id + " was not found.");
  return json{{"NamedQuery", named}};
}

Outcome<json> AthenaApi::batch_get_named_query(const json& input) {
  if (!input.contains("NamedQueryIds") || !input["NamedQueryIds"].is_array() || input["NamedQueryIds"].empty() ||
      input["NamedQueryIds"].size() > 50)
    return invalid_request("NamedQueryIds must list 1 to 50 ids.");
  json found = json::array();
  json unprocessed = json::array();
  for (const auto& id : input["NamedQueryIds"]) {
    auto named = get_named_query(json{{"NamedQueryId", id}});
    if (named) {
      found.push_back((*named)["NamedQuery"]);
    } else {
      unprocessed.push_back(
          {{"NamedQueryId", id}, {"ErrorCode", kInvalidRequest}, {"ErrorMessage", named.get_failure().message}});
    }
  }
  return json{{"NamedQueries", found}, {"UnprocessedNamedQueryIds", unprocessed}};
}

Outcome<json> AthenaApi::list_named_queries(const json& input) {
  std::string work_group = work_group_of(input);
  if (auto loaded = load_work_group(work_group); !loaded) return std::move(loaded).get_failure();
  std::vector<std::string> ids;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(state_dir_ + "/named-queries", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (it->path().extension() != ".json") continue;
    auto named = get_named_query(json{{"NamedQueryId", it->path().stem().string()}});
    if (named && (*named)["NamedQuery"].value("WorkGroup", kPrimaryWorkGroup) == work_group)
      ids.push_back(it->path().stem().string());
  }
  std::sort(ids.begin(), ids.end());
  int limit = std::clamp(input.value("MaxResults", 50), 1, 50);
  std::string after = after_token(input);
  json page = json::array();
  std::string last;
  bool more = false;
  for (const auto& id : ids) {
    if (!after.empty() && id <= after) continue;
    if (static_cast<int>(page.size()) == limit) {
      more = true;
      break;
    }
    page.push_back(id);
    last = id;
  }
  json result{{"NamedQueryIds", page}};
  if (more) result["NextToken"] = base64_encode(last);
  return result;
}

Outcome<json> AthenaApi::delete_named_query(const json& input) {
  auto named = get_named_query(input);
  if (!named) return std::move(named).get_failure();
  std::lock_guard lock(state_mutex_);
  std::error_code error;
  std::filesystem::remove(state_path("named-queries", (*named)["NamedQuery"]["NamedQueryId"].get<std::string>()),
                          error);
  return json::object();
}

namespace {
bool valid_statement_name(const std::string& name) {
  if (name.empty() || name.size() > 256 || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

Outcome<json> AthenaApi::load_prepared_statement(const std::string& work_group, const std::string& name) const {
  if (!valid_statement_name(name))
    return json_error("ResourceNotFoundException", "Prepared statement " + name + " not found.");
  bool found = false;
  json stored = json::parse(read_whole_file(state_path("prepared-statements/" + work_group, text::lower(name)), &found),
                            nullptr, false);
  if (!found || !stored.is_object())
    return json_error("ResourceNotFoundException",
                      "Prepared statement " + name + " not found in work group " + work_group + ".");
  return stored;
}

Outcome<json> AthenaApi::create_prepared_statement(const json& input) {
  std::string name = optional_string(input, "StatementName").value_or("");
  std::string work_group = optional_string(input, "WorkGroup").value_or("");
  auto statement = optional_string(input, "QueryStatement");
  if (!valid_statement_name(name)) return invalid_request("StatementName must match [a-zA-Z_][a-zA-Z0-9_]{0,255}.");
  if (!statement || statement->empty()) return invalid_request("QueryStatement is required.");
  if (auto loaded = load_work_group(work_group); !loaded) return std::move(loaded).get_failure();
  std::lock_guard lock(state_mutex_);
  std::string path = state_path("prepared-statements/" + work_group, text::lower(name));
  if (std::filesystem::exists(path)) return invalid_request("Prepared statement " + name + " already exists.");
  json stored{{"StatementName", name},
              {"QueryStatement", *statement},
              {"WorkGroupName", work_group},
              {"LastModifiedTime", now_seconds()}};
  if (auto description = optional_string(input, "Description")) stored["Description"] = *description;
  if (auto status = write_file_atomic(path, stored.dump()); !status) return std::move(status).get_failure();
  return json::object();
}

Outcome<json> AthenaApi::update_prepared_statement(const json& input) {
  std::string name = optional_string(input, "StatementName").value_or("");
  std::string work_group = optional_string(input, "WorkGroup").value_or("");
  auto statement = optional_string(input, "QueryStatement");
  if (!statement || statement->empty()) return invalid_request("QueryStatement is required.");
  std::lock_guard lock(state_mutex_);
  auto stored = load_prepared_statement(work_group, name);
  if (!stored) return std::move(stored).get_failure();
  (*stored)["QueryStatement"] = *statement;
  (*stored)["LastModifiedTime"] = now_seconds();
  if (auto description = optional_string(input, "Description")) (*stored)["Description"] = *description;
  std::string path = state_path("prepared-statements/" + work_group, text::lower(name));
  if (auto status = write_file_atomic(path, stored->dump()); !status) return std::move(status).get_failure();
  return json::object();
}

Outcome<json> AthenaApi::get_prepared_statement(const json& input) {
  auto stored = load_prepared_statement(optional_string(input, "WorkGroup").value_or(""),
                                        optional_string(input, "StatementName").value_or(""));
  if (!stored) return std::move(stored).get_failure();
  return json{{"PreparedStatement", *stored}};
}

Outcome<json> AthenaApi::list_prepared_statements(const json& input) {
  std::string work_group = optional_string(input, "WorkGroup").value_or("");
  if (auto loaded = load_work_group(work_group); !loaded) return std::move(loaded).get_failure();
  std::vector<json> statements;
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(state_dir_ + "/prepared-statements/" + work_group, error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (it->path().extension() != ".json") continue;
    bool found = false;
    json stored = json::parse(read_whole_file(it->path().string(), &found), nullptr, false);
    if (found && stored.is_object()) statements.push_back(stored);
  }
  std::sort(statements.begin(), statements.end(),
            [](const json& a, const json& b) { return a.value("StatementName", "") < b.value("StatementName", ""); });
  int limit = std::clamp(input.value("MaxResults", 50), 1, 50);
  std::string after = after_token(input);
  json page = json::array();
  std::string last;
  bool more = false;
  for (const auto& statement : statements) {
    std::string name = statement.value("StatementName", "");
    if (!after.empty() && name <= after) continue;
    if (static_cast<int>(page.size()) == limit) {
      more = true;
      break;
    }
    page.push_back({{"StatementName", name}, {"LastModifiedTime", statement.value("LastModifiedTime", json(0))}});
    last = name;
  }
  json result{{"PreparedStatements", page}};
  if (more) result["NextToken"] = base64_encode(last);
  return result;
}

Outcome<json> AthenaApi::delete_prepared_statement(const json& input) {
  std::string name = optional_string(input, "StatementName").value_or("");
  std::string work_group = optional_string(input, "WorkGroup").value_or("");
  std::lock_guard lock(state_mutex_);
  auto stored = load_prepared_statement(work_group, name);
  if (!stored) return std::move(stored).get_failure();
  std::error_code error;
  std::filesystem::remove(state_path("prepared-statements/" + work_group, text::lower(name)), error);
  return json::object();
}

}  // namespace athena_runner::server
