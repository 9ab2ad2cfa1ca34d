#include "ddl.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "athena_runner/base/text.hpp"
#include "athena_runner/catalog/catalog_store.hpp"
#include "athena_runner/engine/sql/lexer.hpp"
#include "athena_runner/engine/sql/parser.hpp"
#include "catalog.hpp"
#include "hive_types.hpp"

namespace athena_runner::engine::local {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// Error codes of DDL failures (Error::code); all are user errors.
constexpr std::string_view kSyntaxError = to_string(EngineErrorCode::SyntaxError);
constexpr std::string_view kAlreadyExists = to_string(EngineErrorCode::AlreadyExists);
constexpr std::string_view kNotFound = to_string(EngineErrorCode::NotFound);
constexpr std::string_view kInvalidOperation = to_string(EngineErrorCode::InvalidOperation);

using catalog::kCatalogId;
// Hive pads DESCRIBE's fields to this width (MetaDataFormatUtils' ALIGNMENT).
constexpr std::size_t kDescribeAlignment = 20;

constexpr std::string_view kLazySimpleSerde = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
constexpr std::string_view kTextInputFormat = "org.apache.hadoop.mapred.TextInputFormat";
constexpr std::string_view kTextOutputFormat = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";

struct StorageFormat {
  std::string_view name;
  std::string_view input_format;
  std::string_view output_format;
  std::string_view serde;
};
// STORED AS <name>, as Hive (and so Athena) expands it.
constexpr StorageFormat kStorageFormats[] = {
    {"PARQUET", "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
     "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
     "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
    {"TEXTFILE", kTextInputFormat, kTextOutputFormat, kLazySimpleSerde},
    {"JSONFILE", kTextInputFormat, kTextOutputFormat, "org.apache.hive.hcatalog.data.JsonSerDe"},
    {"ORC", "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
     "org.apache.hadoop.hive.ql.io.orc.OrcSerde"},
    {"AVRO", "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
     "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat", "org.apache.hadoop.hive.serde2.avro.AvroSerDe"},
    {"SEQUENCEFILE", "org.apache.hadoop.mapred.SequenceFileInputFormat",
     "org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat", kLazySimpleSerde},
};

Error ddl_error(std::string_view code, std::string message) {
  return make_error(ErrorKind::InvalidInput, std::string(code), std::move(message));
}

using text::lower;
using text::upper;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// ---- tokens -------------------------------------------------------------------------------------

using sql::Token;
using sql::TokenKind;

bool is_number(const Token& token) {
  return token.kind == TokenKind::Integer || token.kind == TokenKind::Decimal || token.kind == TokenKind::Double;
}

// The statement's tokens from the SQL front end's lexer in its Hive mode (either quote for strings, with
// backslash escapes; `backquoted` names), without the trailing ';'.
Outcome<std::vector<Token>> tokenize(std::string_view sql) {
  auto tokens = sql::lex(sql, sql::LexMode::Hive);
  if (!tokens) return ddl_error(kSyntaxError, tokens.get_failure().message);
  auto all = std::move(tokens).get_result();
  while (all.size() > 1 && all[all.size() - 2].is_symbol(";")) all.erase(all.end() - 2);
  return all;
}

// ---- parser helpers -----------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  bool at_end() const { return peek().kind == TokenKind::End; }
  bool is_word(std::string_view keyword, std::size_t ahead = 0) const {
    const Token& token = peek(ahead);
    return token.kind == TokenKind::Identifier && upper(token.text) == keyword;
  }
  bool is_symbol(std::string_view symbol) const { return peek().is_symbol(symbol); }
  bool accept_word(std::string_view keyword) {
    if (!is_word(keyword)) return false;
    ++pos_;
    return true;
  }
  bool accept_words(std::initializer_list<std::string_view> keywords) {
    std::size_t ahead = 0;
    for (auto keyword : keywords) {
      if (!is_word(keyword, ahead++)) return false;
    }
    pos_ += keywords.size();
    return true;
  }
  bool accept_symbol(std::string_view symbol) {
    if (!is_symbol(symbol)) return false;
    ++pos_;
    return true;
  }

  Error unexpected(std::string_view expected) const {
    const Token& token = peek();
    std::string found = token.kind == TokenKind::End      ? "the end of the statement"
                        : token.kind == TokenKind::String ? token.text
                                                          : "'" + token.text + "'";
    return ddl_error(kSyntaxError, sql::at(token.position, "expected " + std::string(expected) + ", found " + found));
  }
  Status expect_word(std::string_view keyword) {
    if (accept_word(keyword)) return Ok{};
    return unexpected(keyword);
  }
  Status expect_symbol(std::string_view symbol) {
    if (accept_symbol(symbol)) return Ok{};
    return unexpected("'" + std::string(symbol) + "'");
  }
  Status expect_end() {
    if (at_end()) return Ok{};
    return unexpected("the end of the statement");
  }
  Outcome<std::string> name(std::string_view what) {
    const Token& token = peek();
    if (token.kind != TokenKind::Identifier && token.kind != TokenKind::QuotedIdentifier) return unexpected(what);
    ++pos_;
    return token.kind == TokenKind::Identifier ? token.text : token.value;
  }
  Outcome<std::string> string(std::string_view what) {
    const Token& token = peek();
    if (token.kind != TokenKind::String) return unexpected(what);
    ++pos_;
    return token.value;
  }
  const Token& next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }

 private:
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

// The store's rules for names (catalog_store.hpp), as a syntax error.
Outcome<std::string> catalog_name(const std::string& raw, std::string_view what) {
  auto name = catalog::checked_name(raw, what);
  if (!name) return ddl_error(kSyntaxError, name.get_failure().message);
  return name;
}

struct QualifiedName {
  std::string database;
  std::string table;
};

// What CREATE EXTERNAL TABLE and CTAS put in a new table; glue_table() adds the rest of Glue's shape.
struct NewTable {
  Json columns, partition_keys;  // [{"Name", "Type"[, "Comment"]}]
  std::string location, input_format, output_format, serde;
  Json serde_parameters, parameters;  // parameters gets transient_lastDdlTime
  int buckets = -1;
  Json bucket_columns = Json::array();
};

// The table as `aws glue get-table` prints it ("Table"), created now.
Json glue_table(const QualifiedName& name, NewTable spec, double now) {
  spec.parameters["transient_lastDdlTime"] = std::to_string(static_cast<long long>(now));
  return Json{
      {"Name", name.table},
      {"DatabaseName", name.database},
      {"Owner", "hadoop"},
      {"CreateTime", now},
      {"UpdateTime", now},
      {"Retention", 0},
      {"StorageDescriptor",
       {{"Columns", std::move(spec.columns)},
        {"Location", std::move(spec.location)},
        {"InputFormat", std::move(spec.input_format)},
        {"OutputFormat", std::move(spec.output_format)},
        {"Compressed", false},
        {"NumberOfBuckets", spec.buckets},
        {"SerdeInfo",
         {{"SerializationLibrary", std::move(spec.serde)}, {"Parameters", std::move(spec.serde_parameters)}}},
        {"BucketColumns", std::move(spec.bucket_columns)},
        {"SortColumns", Json::array()},
        {"StoredAsSubDirectories", false}}},
      {"PartitionKeys", std::move(spec.partition_keys)},
      {"TableType", "EXTERNAL_TABLE"},
      {"Parameters", std::move(spec.parameters)},
      {"CatalogId", kCatalogId},
      {"IsRegisteredWithLakeFormation", false},
      {"VersionId", "0"},
  };
}

Outcome<QualifiedName> qualified_name(Parser& parser, const DdlContext& context) {
  auto first = parser.name("a table name");
  if (!first) return std::move(first).get_failure();
  QualifiedName out;
  if (parser.accept_symbol(".")) {
    auto second = parser.name("a table name after '.'");
    if (!second) return std::move(second).get_failure();
    auto database = catalog_name(*first, "database");
    if (!database) return std::move(database).get_failure();
    out.database = *database;
    first = std::move(second);
  } else {
    out.database = lower(context.database.empty() ? "default" : context.database);
  }
  auto table = catalog_name(*first, "table");
  if (!table) return std::move(table).get_failure();
  out.table = *table;
  return out;
}

// ('k'='v', ...)
Outcome<std::vector<std::pair<std::string, std::string>>> property_list(Parser& parser) {
  std::vector<std::pair<std::string, std::string>> properties;
  if (auto open = parser.expect_symbol("("); !open) return std::move(open).get_failure();
  do {
    auto key = parser.string("a 'key'");
    if (!key) return std::move(key).get_failure();
    if (auto equals = parser.expect_symbol("="); !equals) return std::move(equals).get_failure();
    auto value = parser.string("a 'value'");
    if (!value) return std::move(value).get_failure();
    properties.emplace_back(*key, *value);
  } while (parser.accept_symbol(","));
  if (auto close = parser.expect_symbol(")"); !close) return std::move(close).get_failure();
  return properties;
}

// A Hive type as written (array<struct<a:int>>, decimal(10,2), ...), lower-cased, checked by the engine's
// own type parser so a table the engine can not read never gets created.
Outcome<std::string> hive_type(Parser& parser) {
  std::string text;
  int angle = 0, paren = 0;
  for (;;) {
    const Token& token = parser.peek();
    if (token.kind == TokenKind::End) break;
    if (angle == 0 && paren == 0 && !text.empty() &&
        (token.is_symbol(",") || token.is_symbol(")") || token.is_keyword("comment")))
      break;
    if (token.kind == TokenKind::Symbol) {
      if (token.text == "<") ++angle;
      if (token.text == ">") --angle;
      if (token.text == "(") ++paren;
      if (token.text == ")") --paren;
      if (angle < 0 || paren < 0) return parser.unexpected("a type");
    } else if (token.kind == TokenKind::String) {
      return parser.unexpected("a type");
    }
    // Struct field names (followed by ':') keep their case, as JSON keys are matched by it; type names are
    // lower case in Glue.
    if (token.kind == TokenKind::QuotedIdentifier) {
      text += token.value;
    } else {
      text += token.kind == TokenKind::Identifier && parser.peek(1).is_symbol(":") ? token.text : lower(token.text);
    }
    parser.next();
  }
  if (text.empty()) return parser.unexpected("a column type");
  if (auto checked = hive_to_duckdb_type(text); !checked) {
    return ddl_error(kSyntaxError, "type '" + text + "' is not valid: " + checked.get_failure().message);
  }
  return text;
}

struct ColumnDefinition {
  std::string name;
  std::string type;
  std::optional<std::string> comment;
};

// (name type [COMMENT '..'], ...)
Outcome<std::vector<ColumnDefinition>> column_list(Parser& parser) {
  std::vector<ColumnDefinition> columns;
  if (auto open = parser.expect_symbol("("); !open) return std::move(open).get_failure();
  do {
    auto raw = parser.name("a column name");
    if (!raw) return std::move(raw).get_failure();
    auto name = catalog_name(*raw, "column");
    if (!name) return std::move(name).get_failure();
    auto type = hive_type(parser);
    if (!type) return std::move(type).get_failure();
    ColumnDefinition column{*name, *type, std::nullopt};
    if (parser.accept_word("COMMENT")) {
      auto comment = parser.string("a 'comment'");
      if (!comment) return std::move(comment).get_failure();
      column.comment = *comment;
    }
    columns.push_back(std::move(column));
  } while (parser.accept_symbol(","));
  if (auto close = parser.expect_symbol(")"); !close) return std::move(close).get_failure();
  return columns;
}

// ---- the catalog ---------------------------------------------------------------------------------

std::optional<Json> parse_json(const std::string& text) {
  Json document = Json::parse(text, nullptr, false);
  if (document.is_discarded()) return std::nullopt;
  return document;
}

// The DDL's view of the catalog store: Glue's documents as JSON, errors as DDL errors.
class Catalog {
 public:
  explicit Catalog(const DdlContext& context) : context_(context), store_(context.catalog_dir) {}

  catalog::CatalogStore& store() { return store_; }

  bool database_exists(const std::string& database) const { return store_.database_exists(database); }

  std::vector<std::string> databases() const {
    std::set<std::string> names{std::string(catalog::kDefaultDatabase)};
    for (auto& name : store_.databases()) names.insert(name);
    return {names.begin(), names.end()};
  }

  // Every table of a database: one per <table>.json, or each of a get-tables file's TableList.
  std::vector<std::string> tables(const std::string& database) const {
    std::set<std::string> names;
    for (const auto& document : shared_documents(database)) {
      if (document.contains("Table") && document["Table"].is_object()) {
        names.insert(lower(document["Table"].value("Name", std::string())));
      } else if (document.contains("TableList") && document["TableList"].is_array()) {
        for (const auto& table : document["TableList"]) {
          if (table.is_object() && table.contains("Name") && table["Name"].is_string())
            names.insert(lower(table["Name"].get<std::string>()));
        }
      }
    }
    for (auto& name : store_.tables(database)) names.insert(name);
    names.erase("");
    return {names.begin(), names.end()};
  }

  Outcome<Json> table(const QualifiedName& name) const {
    if (!database_exists(name.database)) return database_not_found(name.database);
    auto stored = store_.table(name.database, name.table);
    if (!stored) return stored.get_failure();
    if (*stored) {
      if (auto document = parse_json(**stored)) return *document;
    }
    // Defined in a get-tables file: readable, but not ours to change.
    auto documents = store_.table_documents();
    if (documents) {
      for (const auto& file : *documents) {
        if (file.database_folder != name.database) continue;
        auto document = parse_json(file.text);
        if (!document || !document->contains("TableList") || !(*document)["TableList"].is_array()) continue;
        for (const auto& table : (*document)["TableList"]) {
          if (table.is_object() && lower(table.value("Name", std::string())) == name.table) {
            Json found = table;
            found["__shared_file"] = file.path;
            return found;
          }
        }
      }
    }
    return ddl_error(kNotFound, "Table " + name.database + "." + name.table + " does not exist");
  }

  Json partitions(const QualifiedName& name) const {
    auto stored = store_.partitions(name.database, name.table);
    if (!stored) return Json::array();
    auto list = parse_json(*stored);
    return list && list->is_array() ? *list : Json::array();
  }

  // A read-modify-write of the table's partitions under the store's table lock; nothing is written when
  // `edit` fails or leaves the list as it was.
  Status edit_partitions(const QualifiedName& name, const std::function<Status(Json& partitions)>& edit) {
    return store_.edit_partitions(
        name.database, name.table,
        [&](const std::optional<std::string>& current) -> Outcome<std::optional<std::string>> {
          Json partitions = Json::array();
          if (current) {
            auto parsed = parse_json(*current);
            if (parsed && parsed->is_array()) partitions = std::move(*parsed);
          }
          const std::string before = partitions.dump();
          if (auto edited = edit(partitions); !edited) return std::move(edited).get_failure();
          if (partitions.dump() == before) return std::optional<std::string>();
          return std::optional<std::string>(partitions.dump());
        });
  }

  static Error database_not_found(const std::string& database) {
    return ddl_error(kNotFound, "Database " + database + " does not exist");
  }

  const DdlContext& context() const { return context_; }

 private:
  // The documents of get-tables (and get-table) files in the database's folder.
  std::vector<Json> shared_documents(const std::string& database) const {
    std::vector<Json> out;
    auto documents = store_.table_documents();
    if (!documents) return out;
    for (const auto& file : *documents) {
      if (file.database_folder != database) continue;
      if (auto document = parse_json(file.text); document && document->is_object()) out.push_back(*document);
    }
    return out;
  }

  const DdlContext& context_;
  catalog::CatalogStore store_;
};

// The store's "database does not exist" as the DDL's NOT_FOUND.
Error ddl_store_error(Error error) {
  if (error.code == catalog::kDatabaseNotFound) return ddl_error(kNotFound, error.message);
  return error;
}

// ---- results ------------------------------------------------------------------------------------

QueryResult ddl_result(std::string column = {}, std::vector<std::string> lines = {}) {
  QueryResult result;
  result.statement_type = StatementType::Ddl;
  if (!column.empty()) result.columns.push_back(ResultColumn{std::move(column), "string", 0, 0});
  for (auto& line : lines) result.rows.push_back({Cell(std::move(line))});
  return result;
}

// Hive's SHOW ... LIKE / SHOW TABLES 'pattern': '*' is any text, '|' separates alternatives, no case.
Outcome<std::regex> show_pattern(const std::string& pattern) {
  std::string expression;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*' && (i == 0 || pattern[i - 1] != '.'))
      expression += ".*";
    else
      expression += pattern[i];
  }
  try {
    return std::regex(expression, std::regex::ECMAScript | std::regex::icase);
  } catch (const std::regex_error&) {
    return ddl_error(kSyntaxError, "'" + pattern + "' is not a valid pattern");
  }
}

std::string partition_name(const Json& keys, const Json& values) {
  std::string name;
  for (std::size_t i = 0; i < keys.size() && i < values.size(); ++i) {
    if (i) name += '/';
    name += keys[i].value("Name", std::string()) + "=" + values[i].get<std::string>();
  }
  return name;
}

std::string pad(const std::string& text) {
  return text.size() >= kDescribeAlignment ? text : text + std::string(kDescribeAlignment - text.size(), ' ');
}

std::string describe_line(const Json& column) {
  return pad(column.value("Name", std::string())) + "\t" + pad(column.value("Type", std::string())) + "\t" +
         pad(column.value("Comment", std::string()));
}

std::string sql_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char octal[5];
      std::snprintf(octal, sizeof octal, "\\%03o", static_cast<unsigned char>(c));
      out += octal;
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string backticked(const std::string& name) {
  std::string out = "`";
  for (char c : name) out += c == '`' ? std::string("``") : std::string(1, c);
  return out + "`";
}

bool s3_location(const std::string& location) {
  return location.rfind("s3://", 0) == 0 && location.size() > 5 && location.find("..") == std::string::npos;
}

std::string trim_slash(std::string location) {
  while (!location.empty() && location.back() == '/') location.pop_back();
  return location;
}

// Hive escapes these in partition folder names (FileUtils.escapePathName); MSCK reads them back.
std::string unescape_path_name(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// ---- statements ---------------------------------------------------------------------------------

Outcome<QueryResult> create_database(Parser& parser, Catalog& catalog) {
  const bool if_not_exists = parser.accept_words({"IF", "NOT", "EXISTS"});
  auto raw = parser.name("a database name");
  if (!raw) return std::move(raw).get_failure();
  auto name = catalog_name(*raw, "database");
  if (!name) return std::move(name).get_failure();
  Json database{{"Name", *name}};
  for (;;) {
    if (parser.accept_word("COMMENT")) {
      auto comment = parser.string("a 'comment'");
      if (!comment) return std::move(comment).get_failure();
      database["Description"] = *comment;
    } else if (parser.accept_word("LOCATION")) {
      auto location = parser.string("an 's3://' location");
      if (!location) return std::move(location).get_failure();
      database["LocationUri"] = *location;
    } else if (parser.accept_words({"WITH", "DBPROPERTIES"})) {
      auto properties = property_list(parser);
      if (!properties) return std::move(properties).get_failure();
      Json parameters = Json::object();
      for (const auto& [key, value] : *properties) parameters[key] = value;
      database["Parameters"] = parameters;
    } else {
      break;
    }
  }
  if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
  if (catalog.database_exists(*name)) {  // `default` always exists
    if (if_not_exists) return ddl_result();
    return ddl_error(kAlreadyExists, "Database " + *name + " already exists");
  }
  database["CreateTime"] = now_seconds();
  database["CatalogId"] = kCatalogId;
  auto created = catalog.store().create_database(*name, database.dump(2));
  if (!created) return std::move(created).get_failure();
  if (!*created && !if_not_exists) return ddl_error(kAlreadyExists, "Database " + *name + " already exists");
  return ddl_result();
}

Outcome<QueryResult> drop_database(Parser& parser, Catalog& catalog) {
  const bool if_exists = parser.accept_words({"IF", "EXISTS"});
  auto raw = parser.name("a database name");
  if (!raw) return std::move(raw).get_failure();
  auto name = catalog_name(*raw, "database");
  if (!name) return std::move(name).get_failure();
  const bool cascade = parser.accept_word("CASCADE");
  if (!cascade) parser.accept_word("RESTRICT");
  if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
  if (*name == "default") return ddl_error(kInvalidOperation, "Can not drop the default database");
  if (!catalog.database_exists(*name)) {
    if (if_exists) return ddl_result();
    return Catalog::database_not_found(*name);
  }
  if (!cascade && !catalog.tables(*name).empty()) {
    return ddl_error(kInvalidOperation,
                     "Database " + *name + " is not empty. One or more tables exist: drop them first or use CASCADE");
  }
  auto dropped = catalog.store().drop_database(*name);
  if (!dropped) return std::move(dropped).get_failure();
  if (!*dropped && !if_exists) return Catalog::database_not_found(*name);
  return ddl_result();
}

Outcome<QueryResult> create_table(Parser& parser, Catalog& catalog) {
  const bool if_not_exists = parser.accept_words({"IF", "NOT", "EXISTS"});
  auto name = qualified_name(parser, catalog.context());
  if (!name) return std::move(name).get_failure();
  auto columns = column_list(parser);
  if (!columns) return std::move(columns).get_failure();

  std::vector<ColumnDefinition> partition_keys;
  std::optional<std::string> comment, location, serde, input_format, output_format;
  std::vector<std::pair<std::string, std::string>> serde_parameters, table_parameters;
  std::vector<std::string> bucket_columns;
  int buckets = -1;
  std::set<std::string> seen;
  auto once = [&](const std::string& clause) -> Status {
    if (seen.insert(clause).second) return Ok{};
    return ddl_error(kSyntaxError, clause + " is given twice");
  };
  while (!parser.at_end()) {
    Status clause = Ok{};
    if (parser.accept_word("COMMENT")) {
      clause = once("COMMENT");
      auto text = parser.string("a 'comment'");
      if (!text) return std::move(text).get_failure();
      comment = *text;
    } else if (parser.accept_words({"PARTITIONED", "BY"})) {
      clause = once("PARTITIONED BY");
      auto keys = column_list(parser);
      if (!keys) return std::move(keys).get_failure();
      partition_keys = std::move(*keys);
    } else if (parser.accept_words({"CLUSTERED", "BY"})) {
      clause = once("CLUSTERED BY");
      if (auto open = parser.expect_symbol("("); !open) return std::move(open).get_failure();
      do {
        auto column = parser.name("a column name");
        if (!column) return std::move(column).get_failure();
        bucket_columns.push_back(lower(*column));
      } while (parser.accept_symbol(","));
      if (auto close = parser.expect_symbol(")"); !close) return std::move(close).get_failure();
      if (auto into = parser.expect_word("INTO"); !into) return std::move(into).get_failure();
      const Token& count = parser.next();
      if (count.kind != TokenKind::Integer) return ddl_error(kSyntaxError, "CLUSTERED BY needs INTO <n> BUCKETS");
      buckets = std::atoi(count.text.c_str());
      if (auto word = parser.expect_word("BUCKETS"); !word) return std::move(word).get_failure();
    } else if (parser.accept_words({"ROW", "FORMAT"})) {
      clause = once("ROW FORMAT");
      if (parser.accept_word("DELIMITED")) {
        serde = std::string(kLazySimpleSerde);
        for (;;) {
          std::string key;
          if (parser.accept_words({"FIELDS", "TERMINATED", "BY"})) {
            key = "field.delim";
          } else if (parser.accept_words({"ESCAPED", "BY"})) {
            key = "escape.delim";
          } else if (parser.accept_words({"COLLECTION", "ITEMS", "TERMINATED", "BY"})) {
            key = "colelction.delim";  // sic: Hive's serdeConstants.COLLECTION_DELIM
          } else if (parser.accept_words({"MAP", "KEYS", "TERMINATED", "BY"})) {
            key = "mapkey.delim";
          } else if (parser.accept_words({"LINES", "TERMINATED", "BY"})) {
            key = "line.delim";
          } else if (parser.accept_words({"NULL", "DEFINED", "AS"})) {
            key = "serialization.null.format";
          } else {
            break;
          }
          auto value = parser.string("a quoted character");
          if (!value) return std::move(value).get_failure();
          serde_parameters.emplace_back(key, *value);
          if (key == "field.delim") serde_parameters.emplace_back("serialization.format", *value);
        }
      } else if (parser.accept_word("SERDE")) {
        auto library = parser.string("a 'SerDe class name'");
        if (!library) return std::move(library).get_failure();
        serde = *library;
      } else {
        return parser.unexpected("DELIMITED or SERDE");
      }
    } else if (parser.accept_words({"WITH", "SERDEPROPERTIES"})) {
      clause = once("WITH SERDEPROPERTIES");
      auto properties = property_list(parser);
      if (!properties) return std::move(properties).get_failure();
      serde_parameters.insert(serde_parameters.end(), properties->begin(), properties->end());
    } else if (parser.accept_words({"STORED", "AS"})) {
      clause = once("STORED AS");
      if (parser.accept_word("INPUTFORMAT")) {
        auto input = parser.string("an 'input format class'");
        if (!input) return std::move(input).get_failure();
        if (auto word = parser.expect_word("OUTPUTFORMAT"); !word) return std::move(word).get_failure();
        auto output = parser.string("an 'output format class'");
        if (!output) return std::move(output).get_failure();
        input_format = *input;
        output_format = *output;
      } else {
        auto format_name = parser.name("a file format (PARQUET, TEXTFILE, JSONFILE, ORC, AVRO, SEQUENCEFILE)");
        if (!format_name) return std::move(format_name).get_failure();
        const StorageFormat* found = nullptr;
        for (const auto& format : kStorageFormats) {
          if (format.name == upper(*format_name)) found = &format;
        }
        if (!found) {
          return ddl_error(kSyntaxError, "STORED AS " + *format_name +
                                             " is not supported: use PARQUET, TEXTFILE, JSONFILE, ORC, AVRO, "
                                             "SEQUENCEFILE or INPUTFORMAT '..' OUTPUTFORMAT '..'");
        }
        input_format = std::string(found->input_format);
        output_format = std::string(found->output_format);
        if (!serde) serde = std::string(found->serde);
      }
    } else if (parser.accept_word("LOCATION")) {
      clause = once("LOCATION");
      auto text = parser.string("an 's3://bucket/prefix/' location");
      if (!text) return std::move(text).get_failure();
      location = *text;
    } else if (parser.accept_word("TBLPROPERTIES")) {
      clause = once("TBLPROPERTIES");
      auto properties = property_list(parser);
      if (!properties) return std::move(properties).get_failure();
      table_parameters = std::move(*properties);
    } else {
      return parser.unexpected(
          "COMMENT, PARTITIONED BY, ROW FORMAT, STORED AS, WITH SERDEPROPERTIES, LOCATION or TBLPROPERTIES");
    }
    if (!clause) return std::move(clause).get_failure();
  }

  std::set<std::string> names;
  for (const auto& column : *columns) {
    if (!names.insert(column.name).second) return ddl_error(kSyntaxError, "column " + column.name + " is repeated");
  }
  for (const auto& key : partition_keys) {
    if (!names.insert(key.name).second) {
      return ddl_error(kSyntaxError, "column " + key.name +
                                         " is repeated in the partitioning columns (partition columns are not "
                                         "listed with the table's columns)");
    }
  }
  if (!location) return ddl_error(kSyntaxError, "CREATE EXTERNAL TABLE needs LOCATION 's3://bucket/prefix/'");
  if (!s3_location(*location)) {
    return ddl_error(kSyntaxError, "LOCATION '" + *location + "' is not an s3://bucket/prefix/ location");
  }
  if (!catalog.database_exists(name->database)) return Catalog::database_not_found(name->database);

  // What Athena stores in Glue for the statement (aws glue get-table shape, as src/server writes it).
  if (!serde) serde = std::string(kLazySimpleSerde);
  if (!input_format) {
    input_format = std::string(kTextInputFormat);
    output_format = std::string(kTextOutputFormat);
  }
  Json serde_json = Json::object();
  for (const auto& [key, value] : serde_parameters) serde_json[key] = value;
  if (!serde_json.contains("serialization.format")) {
    // Hive reads "1" as byte 1 (Ctrl-A); the local loader reads field.delim, so name it too.
    serde_json["serialization.format"] = "1";
    if (*serde == kLazySimpleSerde && !serde_json.contains("field.delim")) serde_json["field.delim"] = "\x01";
  }
  auto column_json = [](const std::vector<ColumnDefinition>& list) {
    Json out = Json::array();
    for (const auto& column : list) {
      Json item{{"Name", column.name}, {"Type", column.type}};
      if (column.comment) item["Comment"] = *column.comment;
      out.push_back(std::move(item));
    }
    return out;
  };
  Json parameters{{"EXTERNAL", "TRUE"}};
  for (const auto& [key, value] : table_parameters) parameters[key] = value;
  if (comment) parameters["comment"] = *comment;
  Json table = glue_table(*name,
                          NewTable{column_json(*columns), column_json(partition_keys), *location, *input_format,
                                   *output_format, *serde, serde_json, parameters, buckets, bucket_columns},
                          now_seconds());
  if (comment) table["Description"] = *comment;
  if (catalog.table(*name)) {
    if (if_not_exists) return ddl_result();
    return ddl_error(kAlreadyExists, "Table " + name->database + "." + name->table + " already exists");
  }
  auto created = catalog.store().create_table(name->database, name->table, table.dump());
  if (!created) return ddl_store_error(std::move(created).get_failure());
  if (!*created && !if_not_exists) {
    return ddl_error(kAlreadyExists, "Table " + name->database + "." + name->table + " already exists");
  }
  return ddl_result();
}

// The table, which must be one we can change (its own <table>.json file).
Outcome<Json> owned_table(Catalog& catalog, const QualifiedName& name) {
  auto table = catalog.table(name);
  if (!table) return table;
  if (table->contains("__shared_file")) {
    return ddl_error(kInvalidOperation, "Table " + name.database + "." + name.table + " is defined in " +
                                            (*table)["__shared_file"].get<std::string>() +
                                            " with other tables: edit that file instead");
  }
  return table;
}

Outcome<QueryResult> drop_table(Parser& parser, Catalog& catalog) {
  const bool if_exists = parser.accept_words({"IF", "EXISTS"});
  auto name = qualified_name(parser, catalog.context());
  if (!name) return std::move(name).get_failure();
  parser.accept_word("PURGE");
  if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
  auto table = owned_table(catalog, *name);
  if (!table) {
    if (if_exists && parse_engine_error_code(table.get_failure().code) == EngineErrorCode::NotFound) {
      return ddl_result();
    }
    return std::move(table).get_failure();
  }
  auto dropped = catalog.store().drop_table(name->database, name->table);
  if (!dropped) return std::move(dropped).get_failure();
  if (!*dropped && !if_exists) {
    return ddl_error(kNotFound, "Table " + name->database + "." + name->table + " does not exist");
  }
  return ddl_result();
}

Outcome<Json> partitioned_table(Catalog& catalog, const QualifiedName& name) {
  auto table = catalog.table(name);
  if (!table) return table;
  if (table->value("PartitionKeys", Json::array()).empty()) {
    return ddl_error(kInvalidOperation, "Table " + name.database + "." + name.table + " is not partitioned");
  }
  return table;
}

Outcome<QueryResult> show(Parser& parser, Catalog& catalog) {
  if (parser.accept_word("DATABASES") || parser.accept_word("SCHEMAS")) {
    std::optional<std::regex> pattern;
    if (parser.accept_word("LIKE") || parser.peek().kind == TokenKind::String) {
      auto text = parser.string("a 'pattern'");
      if (!text) return std::move(text).get_failure();
      auto compiled = show_pattern(*text);
      if (!compiled) return std::move(compiled).get_failure();
      pattern = std::move(*compiled);
    }
    if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
    std::vector<std::string> lines;
    for (auto& database : catalog.databases()) {
      if (!pattern || std::regex_match(database, *pattern)) lines.push_back(database);
    }
    return ddl_result("database_name", std::move(lines));
  }
  if (parser.accept_word("TABLES")) {
    std::string database = lower(catalog.context().database.empty() ? "default" : catalog.context().database);
    if (parser.accept_word("IN") || parser.accept_word("FROM")) {
      auto raw = parser.name("a database name");
      if (!raw) return std::move(raw).get_failure();
      auto name = catalog_name(*raw, "database");
      if (!name) return std::move(name).get_failure();
      database = *name;
    }
    std::optional<std::regex> pattern;
    if (parser.accept_word("LIKE") || parser.peek().kind == TokenKind::String) {
      auto text = parser.string("a 'pattern'");
      if (!text) return std::move(text).get_failure();
      auto compiled = show_pattern(*text);
      if (!compiled) return std::move(compiled).get_failure();
      pattern = std::move(*compiled);
    }
    if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
    if (!catalog.database_exists(database)) return Catalog::database_not_found(database);
    std::vector<std::string> lines;
    for (auto& table : catalog.tables(database)) {
      if (!pattern || std::regex_match(table, *pattern)) lines.push_back(table);
    }
    return ddl_result("tab_name", std::move(lines));
  }
  if (parser.accept_word("PARTITIONS")) {
    auto name = qualified_name(parser, catalog.context());
    if (!name) return std::move(name).get_failure();
    if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
    auto table = partitioned_table(catalog, *name);
    if (!table) return std::move(table).get_failure();
    const Json keys = table->value("PartitionKeys", Json::array());
    std::vector<std::string> lines;
    for (const auto& partition : catalog.partitions(*name)) {
      lines.push_back(partition_name(keys, partition.value("Values", Json::array())));
    }
    return ddl_result("partition", std::move(lines));
  }
  if (parser.accept_word("COLUMNS")) {
    if (!parser.accept_word("IN") && !parser.accept_word("FROM")) return parser.unexpected("IN or FROM");
    auto name = qualified_name(parser, catalog.context());
    if (!name) return std::move(name).get_failure();
    if (parser.accept_word("IN") || parser.accept_word("FROM")) {
      auto raw = parser.name("a database name");
      if (!raw) return std::move(raw).get_failure();
      auto database = catalog_name(*raw, "database");
      if (!database) return std::move(database).get_failure();
      name->database = *database;
    }
    if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
    auto table = catalog.table(*name);
    if (!table) return std::move(table).get_failure();
    // Hive pads each name as DESCRIBE does; partition columns come last.
    std::vector<std::string> lines;
    for (const auto& list : {table->value("StorageDescriptor", Json::object()).value("Columns", Json::array()),
                             table->value("PartitionKeys", Json::array())}) {
      for (const auto& column : list) lines.push_back(pad(column.value("Name", std::string())));
    }
    return ddl_result("field", std::move(lines));
  }
  if (parser.accept_words({"CREATE", "TABLE"})) {
    auto name = qualified_name(parser, catalog.context());
    if (!name) return std::move(name).get_failure();
    if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
    auto table = catalog.table(*name);
    if (!table) return std::move(table).get_failure();
    const Json storage = table->value("StorageDescriptor", Json::object());
    std::vector<std::string> lines;
    auto column_lines = [&](const Json& columns) {
      for (std::size_t i = 0; i < columns.size(); ++i) {
        std::string line =
            "  " + backticked(columns[i].value("Name", std::string())) + " " + columns[i].value("Type", std::string());
        if (columns[i].contains("Comment")) line += " COMMENT " + sql_string(columns[i].value("Comment", ""));
        lines.push_back(line + (i + 1 < columns.size() ? ", " : ")"));
      }
    };
    lines.push_back("CREATE EXTERNAL TABLE " + backticked(name->database) + "." + backticked(name->table) + "(");
    column_lines(storage.value("Columns", Json::array()));
    const Json parameters = table->value("Parameters", Json::object());
    if (parameters.contains("comment")) lines.push_back("COMMENT " + sql_string(parameters.value("comment", "")));
    if (!table->value("PartitionKeys", Json::array()).empty()) {
      lines.push_back("PARTITIONED BY ( ");
      column_lines(table->value("PartitionKeys", Json::array()));
    }
    const Json serde = storage.value("SerdeInfo", Json::object());
    lines.push_back("ROW FORMAT SERDE ");
    lines.push_back("  " + sql_string(serde.value("SerializationLibrary", std::string(kLazySimpleSerde))) + " ");
    const Json serde_parameters = serde.value("Parameters", Json::object());
    if (!serde_parameters.empty()) {
      lines.push_back("WITH SERDEPROPERTIES ( ");
      std::size_t i = 0;
      for (const auto& [key, value] : serde_parameters.items()) {
        lines.push_back("  " + sql_string(key) + "=" + sql_string(value.is_string() ? value.get<std::string>() : "") +
                        (++i < serde_parameters.size() ? ", " : ") "));
      }
    }
    lines.push_back("STORED AS INPUTFORMAT ");
    lines.push_back("  " + sql_string(storage.value("InputFormat", std::string(kTextInputFormat))) + " ");
    lines.push_back("OUTPUTFORMAT ");
    lines.push_back("  " + sql_string(storage.value("OutputFormat", std::string(kTextOutputFormat))));
    lines.push_back("LOCATION");
    lines.push_back("  " + sql_string(storage.value("Location", std::string())));
    Json shown = Json::object();
    for (const auto& [key, value] : parameters.items()) {
      if (key != "EXTERNAL" && key != "comment" && key != "transient_lastDdlTime" && value.is_string())
        shown[key] = value;
    }
    if (!shown.empty()) {
      lines.push_back("TBLPROPERTIES (");
      std::size_t i = 0;
      for (const auto& [key, value] : shown.items()) {
        lines.push_back("  " + sql_string(key) + "=" + sql_string(value.get<std::string>()) +
                        (++i < shown.size() ? ", " : ")"));
      }
    }
    return ddl_result("createtab_stmt", std::move(lines));
  }
  return parser.unexpected("DATABASES, SCHEMAS, TABLES, COLUMNS, PARTITIONS or CREATE TABLE");
}

Outcome<QueryResult> describe(Parser& parser, Catalog& catalog) {
  if (parser.is_word("EXTENDED") || parser.is_word("FORMATTED")) {
    return ddl_error(error_codes::kNotSupported,
                     "DESCRIBE " + upper(parser.peek().text) + " is not supported by the local engine: use DESCRIBE");
  }
  auto name = qualified_name(parser, catalog.context());
  if (!name) return std::move(name).get_failure();
  std::optional<std::string> only_column;
  if (!parser.at_end()) {
    auto column = parser.name("a column name");
    if (!column) return std::move(column).get_failure();
    only_column = lower(*column);
  }
  if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
  auto table = catalog.table(*name);
  if (!table) return std::move(table).get_failure();
  const Json columns = table->value("StorageDescriptor", Json::object()).value("Columns", Json::array());
  const Json keys = table->value("PartitionKeys", Json::array());
  std::vector<std::string> lines;
  for (const auto& list : {columns, keys}) {
    for (const auto& column : list) {
      if (!only_column || lower(column.value("Name", std::string())) == *only_column)
        lines.push_back(describe_line(column));
    }
  }
  if (only_column) {
    if (lines.empty()) return ddl_error(kNotFound, "Column " + *only_column + " does not exist in " + name->table);
    return ddl_result("col_name", std::move(lines));
  }
  // Hive's layout: the partition columns again, under a "# Partition Information" heading.
  if (!keys.empty()) {
    lines.push_back("\t \t ");
    lines.push_back("# Partition Information\t \t ");
    lines.push_back(pad("# col_name") + "\t" + pad("data_type") + "\t" + pad("comment"));
    lines.push_back("\t \t ");
    for (const auto& key : keys) lines.push_back(describe_line(key));
  }
  return ddl_result("col_name", std::move(lines));
}

Json new_partition(const QualifiedName& name, const Json& table, const Json& values, const std::string& location) {
  Json storage = table.value("StorageDescriptor", Json::object());
  storage["Location"] = location;
  return Json{{"Values", values},
              {"DatabaseName", name.database},
              {"TableName", name.table},
              {"CatalogId", kCatalogId},
              {"CreationTime", now_seconds()},
              {"StorageDescriptor", storage},
              {"Parameters", Json::object()}};
}

Outcome<QueryResult> msck_repair(Parser& parser, Catalog& catalog) {
  if (auto word = parser.expect_word("REPAIR"); !word) return std::move(word).get_failure();
  if (auto word = parser.expect_word("TABLE"); !word) return std::move(word).get_failure();
  auto name = qualified_name(parser, catalog.context());
  if (!name) return std::move(name).get_failure();
  if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
  auto table = partitioned_table(catalog, *name);
  if (!table) return std::move(table).get_failure();
  const Json keys = table->value("PartitionKeys", Json::array());
  const std::string location =
      trim_slash(table->value("StorageDescriptor", Json::object()).value("Location", std::string()));
  auto local_root = local_path_for(location, catalog.context().data_root);
  if (!local_root) return ddl_error(kInvalidOperation, "the table's location '" + location + "' is not s3://");
  const std::string root = *local_root;

  // Folders key1=v1/key2=v2/... exactly as deep as the partition keys, in their order.
  std::vector<std::pair<Json, std::string>> found;  // values, relative path
  std::function<void(const fs::path&, std::size_t, const Json&, const std::string&)> walk =
      [&](const fs::path& folder, std::size_t depth, const Json& values, const std::string& relative) {
        if (depth == keys.size()) {
          found.emplace_back(values, relative);
          return;
        }
        std::vector<fs::path> children;
        std::error_code error;
        for (auto it = fs::directory_iterator(folder, error); !error && it != fs::directory_iterator();
             it.increment(error)) {
          if (it->is_directory()) children.push_back(it->path());
        }
        std::sort(children.begin(), children.end());
        const std::string key = lower(keys[depth].value("Name", std::string()));
        for (const auto& child : children) {
          const std::string folder_name = child.filename().string();
          const auto equals = folder_name.find('=');
          if (equals == std::string::npos || lower(folder_name.substr(0, equals)) != key) continue;
          Json next = values;
          next.push_back(unescape_path_name(folder_name.substr(equals + 1)));
          std::string child_relative = relative;
          if (!child_relative.empty()) child_relative += '/';
          child_relative += folder_name;
          walk(child, depth + 1, next, child_relative);
        }
      };
  walk(root, 0, Json::array(), "");

  // The folders were listed without the lock; what is registered is read and changed under it.
  std::vector<std::string> added;
  auto edited = catalog.edit_partitions(*name, [&](Json& partitions) -> Status {
    added.clear();
    for (const auto& entry : found) {
      const Json& values = entry.first;
      const std::string& relative = entry.second;
      const bool known = std::any_of(partitions.begin(), partitions.end(), [&](const Json& partition) {
        return partition.value("Values", Json::array()) == values;
      });
      if (known) continue;
      std::string partition_location = location;
      partition_location += "/" + relative + "/";
      partitions.push_back(new_partition(*name, *table, values, partition_location));
      added.push_back(name->table + ":" + partition_name(keys, values));
    }
    return Ok{};
  });
  if (!edited) return std::move(edited).get_failure();
  std::vector<std::string> lines;
  if (!added.empty()) {
    std::string missing = "Partitions not in metastore:";
    for (const auto& partition : added) missing += "\t" + partition;
    lines.push_back(missing);
    for (const auto& partition : added) lines.push_back("Repair: Added partition to metastore " + partition);
  }
  return ddl_result("result", std::move(lines));
}

// PARTITION (k='v', k2=2): values in the table's key order.
Outcome<Json> partition_spec(Parser& parser, const Json& keys) {
  if (auto open = parser.expect_symbol("("); !open) return std::move(open).get_failure();
  std::map<std::string, std::string> given;
  do {
    auto key = parser.name("a partition column");
    if (!key) return std::move(key).get_failure();
    if (auto equals = parser.expect_symbol("="); !equals) return std::move(equals).get_failure();
    const bool negative = parser.accept_symbol("-");
    const Token& value = parser.next();
    if (!(value.kind == TokenKind::String && !negative) && !is_number(value)) {
      return ddl_error(kSyntaxError, sql::at(value.position, "partition " + *key + ": expected a 'value'"));
    }
    given[lower(*key)] = value.kind == TokenKind::String ? value.value : (negative ? "-" : "") + value.text;
  } while (parser.accept_symbol(","));
  if (auto close = parser.expect_symbol(")"); !close) return std::move(close).get_failure();
  Json values = Json::array();
  for (const auto& key : keys) {
    const std::string key_name = lower(key.value("Name", std::string()));
    auto found = given.find(key_name);
    if (found == given.end()) return ddl_error(kSyntaxError, "the partition spec has no value for " + key_name);
    values.push_back(found->second);
    given.erase(found);
  }
  if (!given.empty()) return ddl_error(kSyntaxError, given.begin()->first + " is not a partition column");
  return values;
}

// ALTER TABLE t ADD COLUMNS (..) | SET LOCATION '..' | SET TBLPROPERTIES (..): the change is applied to the
// table as it is under the store's table lock, which moves VersionId on (and keeps the previous version), as
// Glue's UpdateTable does; UpdateTime is now.
Outcome<QueryResult> alter_table_definition(Parser& parser, Catalog& catalog, const QualifiedName& name) {
  if (auto table = owned_table(catalog, name); !table) return std::move(table).get_failure();
  std::function<Status(Json&)> change;
  if (parser.accept_words({"ADD", "COLUMNS"})) {
    auto columns = column_list(parser);
    if (!columns) return std::move(columns).get_failure();
    change = [columns = std::move(*columns), &name](Json& table) -> Status {
      Json& list = table["StorageDescriptor"]["Columns"];
      if (!list.is_array()) list = Json::array();
      std::set<std::string> names;
      for (const auto& column : list) names.insert(lower(column.value("Name", std::string())));
      for (const auto& key : table.value("PartitionKeys", Json::array())) {
        names.insert(lower(key.value("Name", std::string())));
      }
      for (const auto& column : columns) {
        if (!names.insert(column.name).second) {
          return ddl_error(kAlreadyExists, "column " + column.name + " already exists in " + name.table);
        }
        Json item{{"Name", column.name}, {"Type", column.type}};
        if (column.comment) item["Comment"] = *column.comment;
        list.push_back(std::move(item));
      }
      return Ok{};
    };
  } else if (parser.accept_words({"SET", "LOCATION"})) {
    auto location = parser.string("an 's3://bucket/prefix/' location");
    if (!location) return std::move(location).get_failure();
    if (!s3_location(*location)) {
      return ddl_error(kSyntaxError, "LOCATION '" + *location + "' is not an s3://bucket/prefix/ location");
    }
    change = [location = *location](Json& table) -> Status {
      table["StorageDescriptor"]["Location"] = location;
      return Ok{};
    };
  } else if (parser.accept_words({"SET", "TBLPROPERTIES"})) {
    auto properties = property_list(parser);
    if (!properties) return std::move(properties).get_failure();
    change = [properties = std::move(*properties)](Json& table) -> Status {
      Json& parameters = table["Parameters"];
      if (!parameters.is_object()) parameters = Json::object();
      for (const auto& [key, value] : properties) parameters[key] = value;
      return Ok{};
    };
  } else {
    return parser.unexpected("ADD COLUMNS, SET LOCATION or SET TBLPROPERTIES");
  }
  if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
  auto edited = catalog.store().edit_table(
      name.database, name.table, [&](const std::optional<std::string>& current) -> Outcome<std::optional<std::string>> {
        auto table = current ? parse_json(*current) : std::nullopt;
        if (!table || !table->is_object()) {
          return ddl_error(kNotFound, "Table " + name.database + "." + name.table + " does not exist");
        }
        if (!(*table)["StorageDescriptor"].is_object()) (*table)["StorageDescriptor"] = Json::object();
        if (auto changed = change(*table); !changed) return std::move(changed).get_failure();
        (*table)["UpdateTime"] = now_seconds();
        return std::optional<std::string>(table->dump());
      });
  if (!edited) return std::move(edited).get_failure();
  return ddl_result();
}

// One PARTITION (..) [LOCATION '..'] of ALTER TABLE ADD / DROP PARTITION.
struct PartitionChange {
  Json values;
  std::string location;  // ADD: where the partition's files are
};

Outcome<QueryResult> alter_table(Parser& parser, Catalog& catalog) {
  if (auto word = parser.expect_word("TABLE"); !word) return std::move(word).get_failure();
  auto name = qualified_name(parser, catalog.context());
  if (!name) return std::move(name).get_failure();
  if (parser.is_word("SET") || (parser.is_word("ADD") && parser.is_word("COLUMNS", 1))) {
    return alter_table_definition(parser, catalog, *name);
  }
  const bool add = parser.accept_word("ADD");
  if (!add && !parser.accept_word("DROP")) {
    return ddl_error(error_codes::kNotSupported,
                     "the local engine supports ALTER TABLE ... ADD/DROP PARTITION, ADD COLUMNS, SET LOCATION and SET "
                     "TBLPROPERTIES");
  }
  const bool if_clause = add ? parser.accept_words({"IF", "NOT", "EXISTS"}) : parser.accept_words({"IF", "EXISTS"});
  if (!parser.is_word("PARTITION")) {
    return ddl_error(error_codes::kNotSupported, "only ALTER TABLE ... " + std::string(add ? "ADD" : "DROP") +
                                                     " PARTITION is supported by the local engine");
  }
  auto table = partitioned_table(catalog, *name);
  if (!table) return std::move(table).get_failure();
  const Json keys = table->value("PartitionKeys", Json::array());
  const std::string location =
      trim_slash(table->value("StorageDescriptor", Json::object()).value("Location", std::string()));
  std::vector<PartitionChange> changes;
  do {
    if (auto word = parser.expect_word("PARTITION"); !word) return std::move(word).get_failure();
    auto values = partition_spec(parser, keys);
    if (!values) return std::move(values).get_failure();
    PartitionChange change{*values, location + "/" + partition_name(keys, *values) + "/"};
    if (add && parser.accept_word("LOCATION")) {
      auto text = parser.string("an 's3://' location");
      if (!text) return std::move(text).get_failure();
      if (!s3_location(*text)) return ddl_error(kSyntaxError, "LOCATION '" + *text + "' is not an s3:// location");
      change.location = *text;
    }
    changes.push_back(std::move(change));
  } while (add ? parser.is_word("PARTITION") : parser.accept_symbol(","));
  if (auto end = parser.expect_end(); !end) return std::move(end).get_failure();
  // Applied to the partitions as they are under the table's lock: all of them, or none on an error.
  auto edited = catalog.edit_partitions(*name, [&](Json& partitions) -> Status {
    for (const auto& change : changes) {
      auto existing = std::find_if(partitions.begin(), partitions.end(), [&](const Json& partition) {
        return partition.value("Values", Json::array()) == change.values;
      });
      const std::string described =
          "Partition " + partition_name(keys, change.values) + " of " + name->database + "." + name->table;
      if (add) {
        if (existing != partitions.end()) {
          if (if_clause) continue;
          return ddl_error(kAlreadyExists, described + " already exists");
        }
        partitions.push_back(new_partition(*name, *table, change.values, change.location));
      } else {
        if (existing == partitions.end()) {
          if (if_clause) continue;
          return ddl_error(kNotFound, described + " does not exist");
        }
        partitions.erase(existing);
      }
    }
    return Ok{};
  });
  if (!edited) return std::move(edited).get_failure();
  return ddl_result();
}

// The statement's first words, upper-cased (enough to route it).
// The statement's second word in upper case ("" if there is none or it does not lex): DROP TABLE, ...
std::string second_word(std::string_view sql) {
  auto tokens = tokenize(sql);
  if (!tokens || tokens->size() < 3 || (*tokens)[1].kind != TokenKind::Identifier) return {};
  return upper((*tokens)[1].text);
}

}  // namespace

bool is_hive_ddl(std::string_view sql) {
  switch (sql::classify_statement(sql)) {
    case sql::StatementKind::CreateSchema:
    case sql::StatementKind::CreateTable:  // not CTAS: Trino's, run by the engine
    case sql::StatementKind::MsckRepair:
    case sql::StatementKind::Show:  // not SHOW FUNCTIONS: the SQL front end's registry (LocalEngine)
    case sql::StatementKind::Describe: return true;
    case sql::StatementKind::Alter: return second_word(sql) == "TABLE";
    case sql::StatementKind::Drop: {
      const std::string object = second_word(sql);
      return object == "DATABASE" || object == "SCHEMA" || object == "TABLE";
    }
    default: return false;
  }
}

namespace {
Outcome<QualifiedName> checked_name(const std::string& database, const std::string& table) {
  auto checked_database = catalog_name(database, "database");
  if (!checked_database) return std::move(checked_database).get_failure();
  auto checked_table = catalog_name(table, "table");
  if (!checked_table) return std::move(checked_table).get_failure();
  return QualifiedName{*checked_database, *checked_table};
}

Json column_array(const std::vector<std::pair<std::string, std::string>>& columns) {
  Json out = Json::array();
  for (const auto& [name, type] : columns) out.push_back(Json{{"Name", name}, {"Type", type}});
  return out;
}

// Registers the written partitions the catalog does not have yet, under the table's lock.
Status register_partitions(Catalog& catalog, const QualifiedName& name, const Json& table,
                           const std::vector<WrittenPartition>& written) {
  if (written.empty()) return Ok{};
  const std::string location =
      trim_slash(table.value("StorageDescriptor", Json::object()).value("Location", std::string()));
  return catalog.edit_partitions(name, [&](Json& partitions) -> Status {
    for (const auto& partition : written) {
      Json value_json = Json::array();
      for (const auto& value : partition.values) value_json.push_back(value);
      const bool known = std::any_of(partitions.begin(), partitions.end(), [&](const Json& registered) {
        return registered.value("Values", Json::array()) == value_json;
      });
      if (known) continue;
      partitions.push_back(new_partition(name, table, value_json, location + "/" + partition.folder + "/"));
    }
    return Ok{};
  });
}
}  // namespace

std::string unescape_partition_value(const std::string& text) { return unescape_path_name(text); }

Status check_new_table(const std::string& database, const std::string& table, const DdlContext& context) {
  auto name = checked_name(database, table);
  if (!name) return std::move(name).get_failure();
  Catalog catalog(context);
  if (!catalog.database_exists(name->database)) return Catalog::database_not_found(name->database);
  if (catalog.table(*name)) {
    return ddl_error(kAlreadyExists, "Table " + name->database + "." + name->table + " already exists");
  }
  return Ok{};
}

Status create_query_table(const QueryTable& spec, const std::vector<WrittenPartition>& partitions,
                          const DdlContext& context) {
  auto name = checked_name(spec.database, spec.table);
  if (!name) return std::move(name).get_failure();
  Catalog catalog(context);
  if (!catalog.database_exists(name->database)) return Catalog::database_not_found(name->database);
  const StorageFormat* format = nullptr;
  const std::string stored_as = spec.format == "JSON" ? "JSONFILE" : spec.format;
  for (const auto& candidate : kStorageFormats) {
    if (candidate.name == stored_as) format = &candidate;
  }
  if (!format) return ddl_error(error_codes::kNotSupported, "format '" + spec.format + "' is not supported");
  Json serde_parameters = Json::object();
  if (spec.format == "TEXTFILE") {
    serde_parameters["field.delim"] = spec.field_delimiter;
    serde_parameters["serialization.format"] = spec.field_delimiter;
  } else {
    serde_parameters["serialization.format"] = "1";
  }
  Json parameters{{"EXTERNAL", "TRUE"}, {"has_encrypted_data", "false"}};
  if (!spec.compression.empty()) {
    parameters[spec.format == "PARQUET" ? "parquet.compression" : "write.compression"] = spec.compression;
  }
  Json table = glue_table(*name,
                          NewTable{column_array(spec.columns), column_array(spec.partition_keys), spec.location,
                                   std::string(format->input_format), std::string(format->output_format),
                                   std::string(format->serde), serde_parameters, parameters},
                          now_seconds());
  auto created = catalog.store().create_table(name->database, name->table, table.dump());
  if (!created) return ddl_store_error(std::move(created).get_failure());
  if (!*created) {
    return ddl_error(kAlreadyExists, "Table " + name->database + "." + name->table + " already exists");
  }
  if (auto registered = register_partitions(catalog, *name, table, partitions); !registered) {
    (void)catalog.store().drop_table(name->database, name->table);
    return registered;
  }
  return Ok{};
}

void remove_query_table(const std::string& database, const std::string& table, const DdlContext& context) {
  auto name = checked_name(database, table);
  if (!name) return;
  Catalog catalog(context);
  (void)catalog.store().drop_table(name->database, name->table);
}

Status add_partitions(const std::string& database, const std::string& table,
                      const std::vector<WrittenPartition>& partitions, const DdlContext& context) {
  auto name = checked_name(database, table);
  if (!name) return std::move(name).get_failure();
  Catalog catalog(context);
  auto found = catalog.table(*name);
  if (!found) return std::move(found).get_failure();
  return register_partitions(catalog, *name, *found, partitions);
}

Outcome<QueryResult> execute_ddl(std::string_view sql, const DdlContext& context) {
  auto tokens = tokenize(sql);
  if (!tokens) return std::move(tokens).get_failure();
  Parser parser(std::move(*tokens));
  Catalog catalog(context);
  if (parser.accept_word("CREATE")) {
    if (parser.accept_word("DATABASE") || parser.accept_word("SCHEMA")) return create_database(parser, catalog);
    if (parser.accept_words({"EXTERNAL", "TABLE"})) return create_table(parser, catalog);
    if (parser.is_word("TABLE")) {
      return ddl_error(error_codes::kNotSupported,
                       "only CREATE EXTERNAL TABLE is supported (Athena creates Hive tables as EXTERNAL; Iceberg "
                       "tables are not supported by the local engine)");
    }
    return parser.unexpected("DATABASE, SCHEMA or EXTERNAL TABLE");
  }
  if (parser.accept_word("DROP")) {
    if (parser.accept_word("DATABASE") || parser.accept_word("SCHEMA")) return drop_database(parser, catalog);
    if (parser.accept_word("TABLE")) return drop_table(parser, catalog);
    return parser.unexpected("DATABASE, SCHEMA or TABLE");
  }
  if (parser.accept_word("SHOW")) return show(parser, catalog);
  if (parser.accept_word("DESCRIBE") || parser.accept_word("DESC")) return describe(parser, catalog);
  if (parser.accept_word("MSCK")) return msck_repair(parser, catalog);
  if (parser.accept_word("ALTER")) return alter_table(parser, catalog);
  return parser.unexpected("a DDL statement");
}

std::string to_ddl_text(const QueryResult& result) {
  std::string text;
  for (const auto& row : result.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) text += '\t';
      if (row[i]) text += *row[i];
    }
    text += '\n';
  }
  return text;
}

std::string catalog_fingerprint(const std::string& catalog_dir) {
  return catalog::CatalogStore(catalog_dir).fingerprint();
}

}  // namespace athena_runner::engine::local
