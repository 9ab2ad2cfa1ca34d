#include "athena_runner/spec/queries_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "athena_runner/spec/schedule.hpp"
#include "athena_runner/spec/template.hpp"
#include "athena_runner/spec/value_formats.hpp"
#include "json_schema.hpp"
#include "queries_file_detail.hpp"
#include "yaml_value.hpp"

namespace athena_runner::spec {
namespace {

using detail::SchemaIssue;
using detail::Value;

constexpr std::string_view kErrorCode = "InvalidQueriesFile";
constexpr std::string_view kQuerySpecDisplayName = "query spec";
constexpr std::string_view kQueryNameSchema = "#/properties/queries/propertyNames";
constexpr std::string_view kQuerySchema = "#/$defs/query";
constexpr std::string_view kCseKmsDelivery =
    "results encrypted with CSE_KMS are ciphertext to S3, so a delivery would copy (or gzip) ciphertext: use "
    "SSE_KMS or SSE_S3 for a query with deliver";
// Templates are checked at load time by rendering them once for this instant (2000-01-01T00:00:00Z), so a
// typo fails when the file is read, not at the first scheduled run.
constexpr Instant kTemplateCheckTime{std::chrono::seconds(946684800)};

struct Problems {
  std::string display_name;
  std::vector<SchemaIssue> issues;

  void add(int line, std::string path, std::string message) {
    issues.push_back(SchemaIssue{line, std::move(path), std::move(message)});
  }
  Error to_error() {
    std::stable_sort(issues.begin(), issues.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    std::string message;
    for (const auto& issue : issues) {
      if (!message.empty()) message += '\n';
      message += display_name + ":" + std::to_string(issue.line) + ": " +
                 (issue.path.empty() ? std::string() : issue.path + ": ") + issue.message;
    }
    return make_error(ErrorKind::InvalidInput, std::string(kErrorCode), message);
  }
};

std::optional<std::string> string_of(const Value& object, std::string_view key) {
  const Value* value = object.get(key);
  if (value == nullptr || value->kind != Value::Kind::String) return std::nullopt;
  return value->text;
}

std::vector<std::string> strings_of(const Value& object, std::string_view key) {
  std::vector<std::string> out;
  if (const Value* list = object.get(key)) {
    for (const auto& item : list->items) out.push_back(item.text);
  }
  return out;
}

constexpr std::pair<DeliveryFormat, std::string_view> kDeliveryFormats[] = {
    {DeliveryFormat::Csv, "csv"},
    {DeliveryFormat::CsvGz, "csv.gz"},
    {DeliveryFormat::Parquet, "parquet"},
    {DeliveryFormat::Json, "json"},
};

// The deliver list the schema has accepted (formats and rules are its enums), with the checks beyond it.
std::vector<Delivery> read_deliveries(const Value& object, const std::string& path, Problems& problems) {
  std::vector<Delivery> out;
  const Value* list = object.get("deliver");
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const Value& item = list->items[i];
    Delivery delivery;
    delivery.to = string_of(item, "to").value_or("");
    if (auto format = string_of(item, "format")) {
      for (const auto& [value, name] : kDeliveryFormats)
        if (name == *format) delivery.format = value;
    }
    if (string_of(item, "overwrite").value_or("replace") == "keep") delivery.overwrite = OverwriteRule::Keep;
    if (auto problem = delivery_destination_error(delivery.to, delivery.format)) {
      const Value* to = item.get("to");
      problems.add(to != nullptr ? to->line : item.line,
                   detail::append_key(detail::append_index(detail::append_key(path, "deliver"), i), "to"), *problem);
    }
    out.push_back(std::move(delivery));
  }
  return out;
}

ResultFormat result_format_of(std::string_view text) {
  if (text == "json") return ResultFormat::Json;
  if (text == "table") return ResultFormat::Table;
  return ResultFormat::Csv;
}

// The schema allows only these three.
OnOverlap on_overlap_of(std::string_view text) {
  if (text == "skip") return OnOverlap::Skip;
  if (text == "queue") return OnOverlap::Queue;
  return OnOverlap::Allow;
}

// Reads the default-able keys of an object the schema has accepted, checking the formats the schema can
// not express (time zone, S3 location, result reuse).
QuerySettings read_settings(const Value& object, const std::string& path, Problems& problems) {
  QuerySettings settings;
  settings.workgroup = string_of(object, "workgroup");
  settings.catalog = string_of(object, "catalog");
  settings.database = string_of(object, "database");
  if (const Value* output = object.get("output")) {
    if (auto location = parse_s3_location(output->text)) {
      settings.output = output->text;
    } else {
      problems.add(output->line, detail::append_key(path, "output"), location.get_failure().message);
    }
  }
  if (const Value* timeout = object.get("timeout")) {
    if (auto seconds = parse_duration(timeout->text)) {
      settings.timeout = *seconds;
    } else {
      problems.add(timeout->line, detail::append_key(path, "timeout"), seconds.get_failure().message);
    }
  }
  if (const Value* zone = object.get("timezone")) {
    if (auto problem = time_zone_error(zone->text)) {
      problems.add(zone->line, detail::append_key(path, "timezone"), *problem);
    } else {
      settings.timezone = zone->text;
    }
  }
  if (const Value* reuse = object.get("result_reuse")) {
    if (auto minutes = parse_result_reuse(reuse->text)) {
      settings.result_reuse = *minutes;
    } else {
      problems.add(reuse->line, detail::append_key(path, "result_reuse"), minutes.get_failure().message);
    }
  }
  if (const Value* encryption = object.get("encryption")) {
    settings.encryption = Encryption{string_of(*encryption, "type").value_or(""), string_of(*encryption, "kms_key")};
  }
  settings.expected_bucket_owner = string_of(object, "expected_bucket_owner");
  if (auto format = string_of(object, "result_format")) settings.result_format = result_format_of(*format);
  if (const Value* notify = object.get("notify")) {
    const std::string notify_path = detail::append_key(path, "notify");
    Notify targets;
    for (auto [key, target] : {std::pair{"on_success", &targets.on_success}, {"on_failure", &targets.on_failure}}) {
      const Value* value = notify->get(key);
      if (value == nullptr) continue;
      if (auto problem = notify_target_error(value->text)) {
        problems.add(value->line, detail::append_key(notify_path, key), *problem);
      } else {
        *target = value->text;
      }
    }
    settings.notify = std::move(targets);
  }
  return settings;
}

std::optional<std::string> read_sql_file(const std::string& base_directory, const std::string& relative,
                                         std::string& problem) {
  const std::filesystem::path path = std::filesystem::path(base_directory.empty() ? "." : base_directory) / relative;
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path)) {
    problem = "cannot read sql_file \"" + relative + "\" (" + path.lexically_normal().string() +
              "): " + (std::filesystem::is_directory(path) ? std::string("is a directory") : std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (content.str().find_first_not_of(" \t\r\n") == std::string::npos) {
    problem = "sql_file \"" + relative + "\" (" + path.lexically_normal().string() + ") is empty";
    return std::nullopt;
  }
  return content.str();
}

// Reads one query object the schema has accepted and makes the checks beyond the schema.
QuerySpec read_query(const std::string& name, const Value& object, const std::string& path,
                     const std::string& base_directory, const QuerySettings& defaults, Problems& problems) {
  QuerySpec query;
  query.name = name;
  query.line = object.line;
  query.description = string_of(object, "description");
  if (auto sql = string_of(object, "sql")) query.sql = *sql;
  if (const Value* file = object.get("sql_file")) {
    query.sql_file = file->text;
    std::string problem;
    if (auto content = read_sql_file(base_directory, file->text, problem)) {
      query.sql = *content;
    } else {
      problems.add(file->line, detail::append_key(path, "sql_file"), problem);
    }
  }
  query.parameters = strings_of(object, "parameters");
  if (const Value* schedule = object.get("schedule")) {
    query.schedule = schedule->text;
    if (auto parsed = parse_schedule(schedule->text); !parsed) {
      problems.add(schedule->line, detail::append_key(path, "schedule"), parsed.get_failure().message);
    }
  }
  query.after = strings_of(object, "after");
  if (auto on_overlap = string_of(object, "on_overlap")) query.on_overlap = on_overlap_of(*on_overlap);
  if (const Value* enabled = object.get("enabled")) query.enabled = enabled->boolean;
  query.tables = strings_of(object, "tables");
  query.deliver = read_deliveries(object, path, problems);
  query.settings = read_settings(object, path, problems);

  const ResolvedQuery resolved = resolve_query(query, defaults);
  if (resolved.database.empty()) {
    problems.add(object.line, path, "no database: set database on the query or in defaults");
  }
  if (!query.deliver.empty() && resolved.encryption && resolved.encryption->type == "CSE_KMS") {
    problems.add(object.get("deliver")->line, detail::append_key(path, "deliver"), std::string(kCseKmsDelivery));
  }
  // One SQL literal per '?' (docs/queries-file.md, "Keys of a query").
  if (!query.sql.empty()) {
    const std::size_t placeholders = count_parameter_placeholders(query.sql);
    if (placeholders != query.parameters.size()) {
      const Value* at = object.get("parameters");
      if (at == nullptr) at = object.get("sql") ? object.get("sql") : object.get("sql_file");
      const auto plural = [](std::size_t n, const char* word) {
        return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
      };
      problems.add(
          at != nullptr ? at->line : object.line,
          detail::append_key(path, object.get("parameters") ? "parameters" : (object.get("sql") ? "sql" : "sql_file")),
          "the SQL has " + plural(placeholders, "\"?\" placeholder") + " but " +
              (query.parameters.empty() ? std::string("no parameters are given")
                                        : plural(query.parameters.size(), "parameter") + " " +
                                              (query.parameters.size() == 1 ? "is" : "are") + " given") +
              "; Athena needs exactly one parameter per \"?\"");
    }
  }
  // Check the templates now, when the time zone they need is valid.
  if (time_zone_error(resolved.timezone) == std::nullopt) {
    const TemplateContext context{kTemplateCheckTime, resolved.timezone, name};
    const auto check_template = [&](const std::string& text, const Value* at, const std::string& key_path) {
      if (auto rendered = render_template(text, context, key_path); !rendered) {
        problems.add(at != nullptr ? at->line : object.line, {}, rendered.get_failure().message);
      }
    };
    const Value* sql_value = object.get("sql") ? object.get("sql") : object.get("sql_file");
    if (!query.sql.empty()) check_template(query.sql, sql_value, detail::append_key(path, "sql"));
    const Value* parameters = object.get("parameters");
    for (std::size_t i = 0; i < query.parameters.size(); ++i) {
      check_template(query.parameters[i], parameters != nullptr ? &parameters->items[i] : nullptr,
                     detail::append_index(detail::append_key(path, "parameters"), i));
    }
    const Value* deliver = object.get("deliver");
    for (std::size_t i = 0; i < query.deliver.size(); ++i) {
      const Value* to = deliver != nullptr ? deliver->items[i].get("to") : nullptr;
      check_template(query.deliver[i].to, to,
                     detail::append_key(detail::append_index(detail::append_key(path, "deliver"), i), "to"));
    }
  }
  return query;
}

// The checks of after that need the whole file: every name known, no schedule beside after, no cycle.
void check_dependencies(const Value& queries, Problems& problems) {
  std::vector<std::string> names;
  for (const auto& member : queries.members) names.push_back(member.key);
  std::string known;
  for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
  auto index_of = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  std::vector<std::vector<std::size_t>> upstream(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Value& query = queries.members[i].value;
    const Value* after = query.get("after");
    if (after == nullptr) continue;
    const std::string path = detail::append_key(detail::append_key("queries", names[i]), "after");
    if (const Value* schedule = query.get("schedule")) {
      problems.add(
          schedule->line, detail::append_key(detail::append_key("queries", names[i]), "schedule"),
          "a query with after runs when " +
              std::string(after->items.size() == 1 ? "its upstream query succeeds" : "its upstream queries succeed") +
              " and has no schedule of its own: remove schedule or after");
    }
    for (std::size_t j = 0; j < after->items.size(); ++j) {
      const auto& item = after->items[j];
      const std::size_t found = index_of(item.text);
      if (found == names.size()) {
        problems.add(item.line, detail::append_index(path, j),
                     "unknown query \"" + item.text + "\" (queries: " + known + ")");
      } else {
        upstream[i].push_back(found);
      }
    }
  }
  // Depth-first over "runs after"; a query met again on the current path closes a cycle, reported once at the
  // after key of the query where it was entered.
  enum class Mark { New, OnPath, Done };
  std::vector<Mark> marks(names.size(), Mark::New);
  std::vector<std::size_t> path;
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    marks[i] = Mark::OnPath;
    path.push_back(i);
    for (std::size_t next : upstream[i]) {
      if (marks[next] == Mark::OnPath) {
        const auto from = std::find(path.begin(), path.end(), next);
        std::string cycle;
        for (auto at = from; at != path.end(); ++at) cycle += names[*at] + " → ";
        cycle += names[next];
        const Value* after = queries.members[next].value.get("after");
        problems.add(after->line, detail::append_key(detail::append_key("queries", names[next]), "after"),
                     "a cycle of after: " + cycle + " (each runs after the next)");
      } else if (marks[next] == Mark::New) {
        visit(next);
      }
    }
    path.pop_back();
    marks[i] = Mark::Done;
  };
  for (std::size_t i = 0; i < names.size(); ++i)
    if (marks[i] == Mark::New) visit(i);
}

template <class T>
std::optional<T> first_of(const std::optional<T>& a, const std::optional<T>& b) {
  return a ? a : b;
}

}  // namespace

std::string_view to_string(DeliveryFormat format) {
  for (const auto& [value, name] : kDeliveryFormats)
    if (value == format) return name;
  return "csv";
}

std::string_view to_string(OverwriteRule rule) { return rule == OverwriteRule::Keep ? "keep" : "replace"; }

std::string_view to_string(ResultFormat format) {
  switch (format) {
    case ResultFormat::Csv: return "csv";
    case ResultFormat::Json: return "json";
    case ResultFormat::Table: return "table";
  }
  return "csv";
}

std::string_view to_string(OnOverlap on_overlap) {
  switch (on_overlap) {
    case OnOverlap::Allow: return "allow";
    case OnOverlap::Skip: return "skip";
    case OnOverlap::Queue: return "queue";
  }
  return "allow";
}

ResolvedQuery resolve_query(const QuerySpec& query, const QuerySettings& defaults) {
  const QuerySettings& own = query.settings;
  ResolvedQuery resolved;
  resolved.name = query.name;
  resolved.description = query.description;
  resolved.sql = query.sql;
  resolved.parameters = query.parameters;
  resolved.schedule = query.schedule;
  resolved.after = query.after;
  resolved.on_overlap = query.on_overlap;
  resolved.enabled = query.enabled;
  resolved.tables = query.tables;
  resolved.deliver = query.deliver;
  resolved.workgroup = first_of(own.workgroup, defaults.workgroup).value_or(std::string(kDefaultWorkgroup));
  resolved.catalog = first_of(own.catalog, defaults.catalog).value_or(std::string(kDefaultCatalog));
  resolved.database = first_of(own.database, defaults.database).value_or("");
  resolved.output = first_of(own.output, defaults.output);
  resolved.timeout = first_of(own.timeout, defaults.timeout).value_or(kDefaultTimeout);
  resolved.timezone = first_of(own.timezone, defaults.timezone).value_or(std::string(kDefaultTimeZone));
  resolved.result_reuse = first_of(own.result_reuse, defaults.result_reuse);
  resolved.encryption = first_of(own.encryption, defaults.encryption);
  resolved.expected_bucket_owner = first_of(own.expected_bucket_owner, defaults.expected_bucket_owner);
  resolved.result_format = first_of(own.result_format, defaults.result_format).value_or(ResultFormat::Csv);
  resolved.notify = first_of(own.notify, defaults.notify).value_or(Notify{});
  return resolved;
}

std::vector<const QuerySpec*> QueriesFile::dependents(std::string_view name) const {
  std::vector<const QuerySpec*> out;
  for (const auto& query : queries) {
    if (std::find(query.after.begin(), query.after.end(), name) != query.after.end()) out.push_back(&query);
  }
  return out;
}

const QuerySpec* QueriesFile::find(std::string_view name) const {
  const auto found = std::find_if(queries.begin(), queries.end(), [&](const QuerySpec& q) { return q.name == name; });
  return found == queries.end() ? nullptr : &*found;
}

Outcome<ResolvedQuery> QueriesFile::resolved(std::string_view name) const {
  if (const QuerySpec* query = find(name)) return resolve_query(*query, defaults);
  std::string known;
  for (const auto& query : queries) known += (known.empty() ? "" : ", ") + query.name;
  return make_error(ErrorKind::InvalidInput, "UnknownQuery",
                    "no query named \"" + std::string(name) + "\" in " + path + "; queries: " + known);
}

std::vector<ResolvedQuery> QueriesFile::resolved_all() const {
  std::vector<ResolvedQuery> out;
  for (const auto& query : queries) out.push_back(resolve_query(query, defaults));
  return out;
}

Status check_embedded_schema() {
  auto validator = detail::queries_schema_validator();
  if (!validator) return std::move(validator).get_failure();
  return Ok{};
}

Outcome<QueriesFile> detail::queries_file_from_value(const Value& root, std::string_view display_name,
                                                     const std::string& base_directory) {
  auto validator = detail::queries_schema_validator();
  if (!validator) return std::move(validator).get_failure();

  Problems problems{std::string(display_name), (*validator)->validate(root)};
  if (!problems.issues.empty()) return problems.to_error();

  QueriesFile file;
  file.path = std::string(display_name);
  if (const Value* defaults = root.get("defaults")) file.defaults = read_settings(*defaults, "defaults", problems);
  if (const Value* tables = root.get("tables")) {
    for (const auto& member : tables->members) {
      const std::string path = detail::append_key("tables", member.key);
      const std::string location = string_of(member.value, "location").value_or("");
      if (auto parsed_location = parse_s3_location(location); !parsed_location) {
        problems.add(member.value.get("location")->line, detail::append_key(path, "location"),
                     parsed_location.get_failure().message);
      }
      file.tables.push_back(TableLocation{member.key, location, string_of(member.value, "description")});
    }
  }
  for (const auto& member : root.get("queries")->members) {
    file.queries.push_back(read_query(member.key, member.value, detail::append_key("queries", member.key),
                                      base_directory, file.defaults, problems));
  }
  check_dependencies(*root.get("queries"), problems);
  if (!problems.issues.empty()) return problems.to_error();
  return file;
}

Outcome<ResolvedQuery> parse_query_spec_json(std::string_view text, const QuerySettings& defaults) {
  auto validator = detail::queries_schema_validator();
  if (!validator) return std::move(validator).get_failure();
  auto parsed = detail::parse_json(text, kQuerySpecDisplayName);
  if (!parsed) return std::move(parsed).get_failure();
  Value spec = std::move(parsed).get_result();
  Problems problems{std::string(kQuerySpecDisplayName), {}};
  if (spec.kind != Value::Kind::Object) {
    problems.add(spec.line, {}, "expected an object (a query spec), got " + detail::describe(spec));
    return problems.to_error();
  }
  std::string name;
  const auto name_at =
      std::find_if(spec.members.begin(), spec.members.end(), [](const auto& m) { return m.key == "name"; });
  if (name_at == spec.members.end()) {
    problems.add(spec.line, {}, "missing required key \"name\"");
  } else {
    Value name_value = name_at->value;
    if (name_value.line <= 0) name_value.line = spec.line;
    if (name_value.kind != Value::Kind::String) {
      problems.add(name_value.line, "name", "expected a string, got " + detail::describe(name_value));
    } else {
      for (auto& issue : (*validator)->validate(name_value, kQueryNameSchema, "name")) problems.issues.push_back(issue);
      name = name_value.text;
    }
    spec.members.erase(name_at);
  }
  if (const Value* file = spec.get("sql_file")) {
    problems.add(file->line > 0 ? file->line : spec.line, "sql_file",
                 "not supported in a query spec (there is no file to read it relative to); inline the SQL as \"sql\"");
  }
  for (auto& issue : (*validator)->validate(spec, kQuerySchema)) problems.issues.push_back(issue);
  if (!problems.issues.empty()) return problems.to_error();
  QuerySpec query = read_query(name, spec, {}, {}, defaults, problems);
  if (!problems.issues.empty()) return problems.to_error();
  return resolve_query(query, defaults);
}

}  // namespace athena_runner::spec
