// The queries file loader: the example file, and bad files with the exact messages (file, line, key path).
#include "athena_runner/spec/queries_file.hpp"

#include "athena_runner/spec/render.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace athena_runner::spec {
namespace {

using testing::TempDir;

const std::string kExample = std::string(AR_SOURCE_DIR) + "/examples/queries.yaml";

// A minimal valid file to vary: line 1 defaults, ...
std::string messages_of(std::string_view yaml, const std::string& base = {}) {
  auto file = parse_queries_yaml(yaml, "bad.yaml", base);
  if (file) return "<valid>";
  EXPECT_EQ(file.get_failure().code, "InvalidQueriesFile");
  return file.get_failure().message;
}

TEST(QueriesFile, EmbeddedSchemaUsesOnlySupportedKeywords) { EXPECT_TRUE(check_embedded_schema()); }

TEST(QueriesFile, LoadsTheExampleFile) {
  auto file = load_queries_file(kExample);
  ASSERT_TRUE(file) << file.get_failure().message;
  ASSERT_EQ(file->queries.size(), 5u);
  EXPECT_EQ(file->queries[0].name, "daily_revenue");
  EXPECT_EQ(file->queries[4].name, "pizza_menu");
  EXPECT_EQ(file->tables.size(), 3u);
  EXPECT_EQ(file->tables[0].name, "order_details");
  EXPECT_EQ(file->tables[0].location, "s3://example-data-lake/pizza/order_details/");
  EXPECT_EQ(file->defaults.database, "pizza");

  auto daily = file->resolved("daily_revenue");
  ASSERT_TRUE(daily);
  EXPECT_EQ(daily->schedule, "cron(0 6 * * ? *)");
  EXPECT_EQ(daily->timezone, "Europe/Berlin");  // from defaults
  EXPECT_EQ(daily->workgroup, "primary");
  EXPECT_EQ(daily->catalog, "AwsDataCatalog");
  EXPECT_EQ(daily->output, "s3://example-athena-results/athena-runner/");
  EXPECT_EQ(daily->timeout, std::chrono::minutes(10));
  EXPECT_EQ(daily->result_reuse, std::chrono::minutes(60));
  ASSERT_TRUE(daily->encryption);
  EXPECT_EQ(daily->encryption->type, "SSE_S3");
  EXPECT_FALSE(daily->encryption->kms_key);
  EXPECT_EQ(daily->parameters, std::vector<std::string>{"DATE '{{ scheduled_date | add_days(-1) }}'"});
  EXPECT_EQ(daily->tables, (std::vector<std::string>{"order_details", "pizzas"}));
  EXPECT_NE(daily->sql.find("WHERE od.order_date = ?\n"), std::string::npos);
  EXPECT_TRUE(daily->enabled);

  auto hourly = file->resolved("hourly_order_volume");
  ASSERT_TRUE(hourly);
  EXPECT_EQ(hourly->timeout, std::chrono::seconds(90));
  EXPECT_EQ(hourly->result_format, ResultFormat::Table);
  EXPECT_FALSE(hourly->result_reuse);

  auto monthly = file->resolved("category_share_monthly");
  ASSERT_TRUE(monthly);
  EXPECT_EQ(monthly->timezone, "UTC");  // the query's own setting wins
  EXPECT_EQ(monthly->timeout, std::chrono::minutes(14));

  auto menu = file->resolved("pizza_menu");
  ASSERT_TRUE(menu);
  EXPECT_FALSE(menu->schedule);
  EXPECT_TRUE(menu->parameters.empty());

  auto missing = file->resolved("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.get_failure().code, "UnknownQuery");
  EXPECT_NE(missing.get_failure().message.find("daily_revenue, weekly_top_pizzas"), std::string::npos);
}

TEST(QueriesFile, YamlAliasesCanNotRecurseOrExplode) {
  // An alias inside the node its anchor names: the node contains itself.
  const std::string self = messages_of("queries: &q\n  q:\n    sql: SELECT 1\n    database: db\n    tables: *q\n");
  EXPECT_NE(self.find("bad.yaml:"), std::string::npos) << self;
  EXPECT_NE(self.find("nested more than 64 levels"), std::string::npos) << self;
  // Ten aliases per level, five levels: a million values from a few lines.
  std::string laughs = "defaults:\n  tables: &a [x, x, x, x, x, x, x, x, x, x]\n";
  const char* names[] = {"a", "b", "c", "d", "e"};
  for (int level = 1; level < 5; ++level) {
    laughs += "x" + std::to_string(level) + ": &" + names[level] + " [";
    for (int i = 0; i < 10; ++i) laughs += std::string(i ? ", " : "") + "*" + names[level - 1];
    laughs += "]\n";
  }
  laughs +=
      "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    tables: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
  const std::string exploded = messages_of(laughs);
  EXPECT_NE(exploded.find("more than 100000 values once YAML aliases"), std::string::npos) << exploded;
}

TEST(QueriesFile, TextThatIsNotUtf8IsRefusedWithItsLine) {
  const std::string latin1 = messages_of("queries:\n  q\xE9:\n    sql: SELECT 1\n    database: db\n");
  EXPECT_NE(latin1.find("bad.yaml:2: not UTF-8 text (byte 0xE9)"), std::string::npos) << latin1;
  // Overlong forms and surrogates are not UTF-8 either; real multi-byte characters are.
  EXPECT_NE(messages_of("queries:\n  q:\n    sql: SELECT '\xC0\xAF'\n    database: db\n").find("bad.yaml:3:"),
            std::string::npos);
  EXPECT_NE(messages_of("queries:\n  q:\n    sql: SELECT '\xED\xA0\x80'\n    database: db\n").find("not UTF-8"),
            std::string::npos);
  EXPECT_EQ(messages_of("queries:\n  q:\n    sql: SELECT '\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8D\x95'\n"
                        "    database: db\n"),
            "<valid>");
}

TEST(QueriesFile, NumbersOutOfRangeAreAnErrorNotACrash) {
  const std::string huge = messages_of("version: 22E22230\nqueries:\n  q:\n    sql: SELECT 1\n    database: db\n");
  EXPECT_NE(huge.find("bad.yaml:1: version"), std::string::npos) << huge;
  const std::string long_integer =
      messages_of("version: 99999999999999999999999\nqueries:\n  q:\n    sql: SELECT 1\n    database: db\n");
  EXPECT_NE(long_integer.find("bad.yaml:1: version"), std::string::npos) << long_integer;
}

TEST(QueriesFile, BuiltInDefaultsApplyWhenNothingIsSet) {
  auto file = parse_queries_yaml("queries:\n  q:\n    sql: SELECT 1\n    database: db\n", "mem.yaml");
  ASSERT_TRUE(file) << file.get_failure().message;
  auto q = file->resolved("q");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->workgroup, "primary");
  EXPECT_EQ(q->catalog, "AwsDataCatalog");
  EXPECT_EQ(q->timeout, std::chrono::minutes(10));
  EXPECT_EQ(q->timezone, "UTC");
  EXPECT_EQ(q->result_format, ResultFormat::Csv);
  EXPECT_FALSE(q->output);
}

TEST(QueriesFile, ReadsSqlFileRelativeToTheFile) {
  TempDir dir;
  dir.write("sql/q.sql", "SELECT * FROM t WHERE d = ?\n");
  const std::string path = dir.write("conf/../queries.yaml",
                                     "defaults: {database: db}\n"
                                     "queries:\n"
                                     "  q:\n"
                                     "    sql_file: sql/q.sql\n"
                                     "    parameters: [\"DATE '{{ scheduled_date }}'\"]\n");
  auto file = load_queries_file(path);
  ASSERT_TRUE(file) << file.get_failure().message;
  EXPECT_EQ(file->queries[0].sql, "SELECT * FROM t WHERE d = ?\n");
  EXPECT_EQ(file->queries[0].sql_file, "sql/q.sql");
}

TEST(QueriesFile, MissingSqlFileNamesTheResolvedPath) {
  TempDir dir;
  const std::string path =
      dir.write("queries.yaml", "defaults: {database: db}\nqueries:\n  q:\n    sql_file: nope.sql\n");
  auto file = load_queries_file(path);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.get_failure().message, path + ":4: queries.q.sql_file: cannot read sql_file \"nope.sql\" (" +
                                            dir.path() + "/nope.sql): No such file or directory");
}

TEST(QueriesFile, AChainOfDependents) {
  auto file = parse_queries_yaml(
      "defaults:\n  database: db\nqueries:\n  load:\n    sql: SELECT 1\n    schedule: cron(0 6 * * ? *)\n"
      "  clean:\n    sql: SELECT 2\n    after: [load]\n  aggregate:\n    sql: SELECT 3\n    after: [clean, load]\n"
      "  report:\n    sql: SELECT 4\n    after: [aggregate]\n",
      "chain.yaml");
  ASSERT_TRUE(file) << file.get_failure().message;
  EXPECT_EQ(file->find("aggregate")->after, (std::vector<std::string>{"clean", "load"}));
  EXPECT_EQ(file->resolved("report")->after, std::vector<std::string>{"aggregate"});
  EXPECT_FALSE(file->resolved("report")->schedule);
  std::vector<std::string> of_load;
  for (const auto* query : file->dependents("load")) of_load.push_back(query->name);
  EXPECT_EQ(of_load, (std::vector<std::string>{"clean", "aggregate"}));
  EXPECT_TRUE(file->dependents("report").empty());
}

TEST(QueriesFile, NotifyOfAQueryReplacesTheDefaultsAsAWhole) {
  auto file = parse_queries_yaml(
      "defaults:\n  database: db\n  notify:\n    on_failure: stack\nqueries:\n  inherits:\n    sql: SELECT 1\n"
      "  own:\n    sql: SELECT 2\n    notify: {on_success: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:ok_runs'}\n"
      "  silent:\n    sql: SELECT 3\n    notify: {}\n",
      "notify.yaml");
  ASSERT_TRUE(file) << file.get_failure().message;
  EXPECT_EQ(file->resolved("inherits")->notify, (Notify{std::nullopt, "stack"}));
  EXPECT_EQ(file->resolved("own")->notify,
            (Notify{"arn:aws-us-gov:sns:us-gov-west-1:123456789012:ok_runs", std::nullopt}));
  EXPECT_EQ(file->resolved("silent")->notify, Notify{});
  auto none = parse_queries_yaml("queries:\n  q: {sql: SELECT 1, database: db}\n", "none.yaml");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->resolved("q")->notify, Notify{});
}

TEST(QueriesFile, OnOverlapDefaultsToAllow) {
  auto file = parse_queries_yaml(
      "defaults:\n  database: db\nqueries:\n  a:\n    sql: SELECT 1\n  b:\n    sql: SELECT 2\n    on_overlap: skip\n"
      "  c:\n    sql: SELECT 3\n    on_overlap: queue\n  d:\n    sql: SELECT 4\n    on_overlap: allow\n",
      "overlap.yaml");
  ASSERT_TRUE(file) << file.get_failure().message;
  EXPECT_EQ(file->resolved("a")->on_overlap, OnOverlap::Allow);
  EXPECT_EQ(file->resolved("b")->on_overlap, OnOverlap::Skip);
  EXPECT_EQ(file->resolved("c")->on_overlap, OnOverlap::Queue);
  EXPECT_EQ(file->resolved("d")->on_overlap, OnOverlap::Allow);
  auto spec = parse_query_spec_json(R"({"name": "q", "sql": "SELECT 1", "database": "db", "on_overlap": "queue"})");
  ASSERT_TRUE(spec) << spec.get_failure().message;
  EXPECT_EQ(spec->on_overlap, OnOverlap::Queue);
}

TEST(QueriesFile, MissingFile) {
  auto file = load_queries_file("/nonexistent/queries.yaml");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.get_failure().message,
            "/nonexistent/queries.yaml: cannot read the queries file: No such file or directory");
}

struct BadFile {
  const char* name;
  const char* yaml;
  const char* message;
};

class BadQueriesFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadQueriesFile, ReportsFileLineKeyPathAndExpectation) {
  EXPECT_EQ(messages_of(GetParam().yaml), GetParam().message);
}

// Expected messages: the schema's keyword and its description (schema/queries.schema.json), and the rules
// of docs/queries-file.md.
INSTANTIATE_TEST_SUITE_P(
    Schema, BadQueriesFile,
    ::testing::Values(
        BadFile{"duration",
                "defaults:\n  database: db\nqueries:\n  daily:\n    sql: SELECT 1\n    timeout: 10 minutes\n",
                "bad.yaml:6: queries.daily.timeout: \"10 minutes\" does not match ^[1-9][0-9]*(s|m|h|d)$ — expected a "
                "duration: a positive integer and a unit, s (seconds), m (minutes), h (hours) or d (days): 90s, 10m, "
                "2h, 1d."},
        BadFile{"missing_queries", "defaults:\n  database: db\n", "bad.yaml:1: missing required key \"queries\""},
        BadFile{"empty_document", "", "bad.yaml:1: expected an object, got nothing (null)"},
        BadFile{"unknown_top_key", "querys: {}\n",
                "bad.yaml:1: missing required key \"queries\"\n"
                "bad.yaml:1: unknown key \"querys\"; allowed keys: version, defaults, tables, queries"},
        BadFile{"unknown_query_key", "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    shedule: rate(1 hour)\n",
                "bad.yaml:5: queries.q: unknown key \"shedule\"; allowed keys: description, sql, sql_file, "
                "parameters, schedule, after, on_overlap, enabled, tables, deliver, workgroup, catalog, database, "
                "output, timeout, timezone, result_reuse, encryption, expected_bucket_owner, result_format, notify"},
        BadFile{"no_queries", "queries: {}\n", "bad.yaml:1: queries: must have at least 1 entry"},
        BadFile{"after_unknown",
                "defaults:\n  database: db\nqueries:\n  load:\n    sql: SELECT 1\n  report:\n    sql: SELECT 2\n"
                "    after: [load, lod]\n",
                "bad.yaml:8: queries.report.after[1]: unknown query \"lod\" (queries: load, report)"},
        BadFile{"after_with_schedule",
                "defaults:\n  database: db\nqueries:\n  load:\n    sql: SELECT 1\n    schedule: rate(1 hour)\n"
                "  report:\n    sql: SELECT 2\n    schedule: rate(1 hour)\n    after: [load]\n",
                "bad.yaml:9: queries.report.schedule: a query with after runs when its upstream query succeeds and "
                "has no schedule of its own: remove schedule or after"},
        BadFile{"after_cycle",
                "defaults:\n  database: db\nqueries:\n  a:\n    sql: SELECT 1\n    after: [c]\n"
                "  b:\n    sql: SELECT 2\n    after: [a]\n  c:\n    sql: SELECT 3\n    after:\n      - b\n",
                "bad.yaml:6: queries.a.after: a cycle of after: a → c → b → a (each runs after the next)"},
        BadFile{"after_itself", "defaults:\n  database: db\nqueries:\n  a:\n    sql: SELECT 1\n    after: [a]\n",
                "bad.yaml:6: queries.a.after: a cycle of after: a → a (each runs after the next)"},
        BadFile{"after_repeated",
                "defaults:\n  database: db\nqueries:\n  a:\n    sql: SELECT 1\n  b:\n    sql: SELECT 2\n"
                "    after: [a, a]\n",
                "bad.yaml:8: queries.b.after[1]: duplicate item \"a\" (the same as queries.b.after[0])"},
        BadFile{"on_overlap_unknown",
                "defaults:\n  database: db\nqueries:\n  a:\n    sql: SELECT 1\n    on_overlap: wait\n",
                "bad.yaml:6: queries.a.on_overlap: \"wait\" is not one of allow, skip, queue"},
        BadFile{"on_overlap_in_defaults",
                "defaults:\n  database: db\n  on_overlap: skip\nqueries:\n  a:\n    sql: SELECT 1\n",
                "bad.yaml:3: defaults: unknown key \"on_overlap\"; allowed keys: workgroup, catalog, database, output, "
                "timeout, timezone, result_reuse, encryption, expected_bucket_owner, result_format, notify"},
        BadFile{"bad_query_name", "queries:\n  1st:\n    sql: SELECT 1\n    database: db\n",
                "bad.yaml:2: queries: key \"1st\" does not match ^[A-Za-z][A-Za-z0-9_]{0,63}$ — The queries, keyed "
                "by name. A name is 1-64 characters of letters, digits and '_' starting with a letter; it names the "
                "query in logs, results and schedules."},
        BadFile{"neither_sql", "queries:\n  q:\n    database: db\n",
                "bad.yaml:3: queries.q: needs exactly one of \"sql\" or \"sql_file\""},
        BadFile{"both_sql", "queries:\n  q:\n    sql: SELECT 1\n    sql_file: q.sql\n    database: db\n",
                "bad.yaml:3: queries.q: has \"sql\" and \"sql_file\"; exactly one of them is allowed"},
        BadFile{"wrong_type_enabled", "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    enabled: yes\n",
                "bad.yaml:5: queries.q.enabled: expected a boolean (true or false), got the string \"yes\" — Whether "
                "the schedule is enabled. A disabled schedule is deployed but does not fire. Default true."},
        BadFile{
            "unquoted_account",
            "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    expected_bucket_owner: 123456789012\n",
            "bad.yaml:5: queries.q.expected_bucket_owner: expected a string, got the integer 123456789012 — 12-digit "
            "AWS account ID that must own the output bucket (ResultConfiguration.ExpectedBucketOwner); Athena fails "
            "the query otherwise. A string, so quote it in YAML."},
        BadFile{"empty_parameters", "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    parameters: []\n",
                "bad.yaml:5: queries.q.parameters: must not be an empty list"},
        BadFile{"empty_parameter", "queries:\n  q:\n    sql: SELECT ?\n    database: db\n    parameters: ['']\n",
                "bad.yaml:5: queries.q.parameters[0]: must not be empty — Athena ExecutionParameters, one SQL literal "
                "per '?' "
                "in order, e.g. \"DATE '2024-05-01'\". Each is a template rendered at run time, 1-1024 characters."},
        BadFile{"duplicate_tables",
                "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    tables:\n      - a\n      - b\n      - a\n",
                "bad.yaml:8: queries.q.tables[2]: duplicate item \"a\" (the same as queries.q.tables[0])"},
        BadFile{"bad_table_ref", "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    tables: [a.b.c]\n",
                "bad.yaml:5: queries.q.tables[0]: \"a.b.c\" does not match "
                "^([A-Za-z0-9_]{1,255}\\.)?[A-Za-z0-9_]{1,255}$ — "
                "expected a table name, 'table' or 'database.table' (Glue names: letters, digits, '_')."},
        BadFile{"encryption_enum",
                "defaults:\n  database: db\n  encryption: {type: AES}\nqueries:\n  q: {sql: SELECT 1}\n",
                "bad.yaml:3: defaults.encryption.type: \"AES\" is not one of SSE_S3, SSE_KMS, CSE_KMS"},
        BadFile{"kms_without_key",
                "defaults:\n  database: db\n  encryption:\n    type: SSE_KMS\nqueries:\n  q: {sql: SELECT 1}\n",
                "bad.yaml:4: defaults.encryption: missing required key \"kms_key\" (with type \"SSE_KMS\")"},
        BadFile{"sse_s3_with_key",
                "defaults:\n  database: db\n  encryption:\n    type: SSE_S3\n    kms_key: "
                "arn:aws:kms:eu-west-1:123456789012:key/abc\n"
                "queries:\n  q: {sql: SELECT 1}\n",
                "bad.yaml:4: defaults.encryption: key \"kms_key\" is not allowed here (with type \"SSE_S3\")"},
        BadFile{
            "version", "version: 2\nqueries:\n  q: {sql: SELECT 1, database: db}\n",
            "bad.yaml:1: version: expected 1, got 2 — Version of this file format. Only 1 exists; omit it or write 1."},
        BadFile{"table_location_missing",
                "tables:\n  t: {description: x}\nqueries:\n  q: {sql: SELECT 1, database: db}\n",
                "bad.yaml:2: tables.t: missing required key \"location\""},
        BadFile{"description_too_long",
                "queries:\n  q:\n    database: db\n    sql: SELECT 1\n    description: "
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxx"
                "x\n",
                "bad.yaml:5: queries.q.description: is 513 characters long; at most 512 are allowed"},
        BadFile{"invalid_yaml", "queries:\n  q: [unclosed\n",
                "bad.yaml:3: invalid YAML: end of sequence flow not found"},
        BadFile{"duplicate_key", "queries:\n  q: {sql: SELECT 1, database: db}\n  q: {sql: SELECT 2, database: db}\n",
                "bad.yaml:3: duplicate key \"q\""}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    BeyondTheSchema, BadQueriesFile,
    ::testing::Values(
        BadFile{"cron_hours", "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    schedule: cron(0 25 * * ? *)\n",
                "bad.yaml:5: queries.q.schedule: invalid cron expression \"cron(0 25 * * ? *)\": hours field \"25\" is "
                "not a value, range, list or increment within 0-23"},
        BadFile{"rate_plural", "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    schedule: rate(1 hours)\n",
                "bad.yaml:5: queries.q.schedule: invalid rate expression \"rate(1 hours)\": a value of 1 takes the "
                "singular unit: rate(1 hour)"},
        BadFile{
            "schedule_shape", "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    schedule: every(5m)\n",
            "bad.yaml:5: queries.q.schedule: \"every(5m)\" does not match ^(cron|rate|at)\\(.*\\)$ — When to run, in "
            "EventBridge Scheduler syntax: cron(minutes hours day-of-month month day-of-week year), rate(value "
            "unit) or at(yyyy-mm-ddThh:mm:ss). Omit it for a query that only runs on demand."},
        BadFile{"time_zone", "defaults:\n  database: db\n  timezone: Europe/Berlinn\nqueries:\n  q: {sql: SELECT 1}\n",
                "bad.yaml:3: defaults.timezone: unknown time zone \"Europe/Berlinn\": use an IANA name such as "
                "Europe/Berlin, America/New_York or UTC"},
        BadFile{
            "output_without_slash",
            "defaults:\n  database: db\n  output: s3://results/athena\nqueries:\n  q: {sql: SELECT 1}\n",
            "bad.yaml:3: defaults.output: malformed S3 location \"s3://results/athena\": a location is a prefix and "
            "must end with \"/\" (s3://results/athena/)"},
        BadFile{
            "bad_bucket",
            "tables:\n  t:\n    location: s3://My_Bucket/t/\nqueries:\n  q: {sql: SELECT 1, database: db}\n",
            "bad.yaml:3: tables.t.location: malformed S3 location \"s3://My_Bucket/t/\": bucket \"My_Bucket\" is not "
            "a valid bucket name; expected s3://bucket/prefix/ ending with \"/\", with a bucket name of 3-63 "
            "characters of a-z, 0-9, \".\" and \"-\""},
        BadFile{"result_reuse_seconds", "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    result_reuse: 90s\n",
                "bad.yaml:5: queries.q.result_reuse: invalid result_reuse \"90s\": Athena reuses results by whole "
                "minutes, e.g. 60m"},
        BadFile{"result_reuse_too_long", "queries:\n  q:\n    sql: SELECT 1\n    database: db\n    result_reuse: 8d\n",
                "bad.yaml:5: queries.q.result_reuse: invalid result_reuse \"8d\": at most 7 days (10080m) is allowed"},
        BadFile{"no_database", "queries:\n  q:\n    sql: SELECT 1\n",
                "bad.yaml:3: queries.q: no database: set database on the query or in defaults"},
        BadFile{"parameter_count",
                "queries:\n  q:\n    sql: SELECT ? , '?' -- ?\n    database: db\n    parameters: [a, b]\n",
                "bad.yaml:5: queries.q.parameters: the SQL has 1 \"?\" placeholder but 2 parameters are given; Athena "
                "needs exactly one parameter per \"?\""},
        BadFile{"placeholder_without_parameters", "queries:\n  q:\n    sql: SELECT ?\n    database: db\n",
                "bad.yaml:3: queries.q.sql: the SQL has 1 \"?\" placeholder but no parameters are given; Athena needs "
                "exactly one parameter per \"?\""},
        BadFile{
            "template_unknown_variable",
            "queries:\n  q:\n    sql: SELECT ?\n    database: db\n    parameters: [\"DATE '{{ scheduled_dat }}'\"]\n",
            "bad.yaml:5: queries.q.parameters[0]:1:10: unknown variable \"scheduled_dat\"; variables: "
            "scheduled_time, scheduled_time_utc, scheduled_time_local, scheduled_date, scheduled_year, "
            "scheduled_month, scheduled_day, scheduled_hour, scheduled_minute, scheduled_epoch, query_name"},
        BadFile{"notify_bad_account",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    notify:\n"
                "      on_success: stack\n      on_failure: arn:aws:sns:eu-central-1:1234:alerts\n",
                "bad.yaml:8: queries.q.notify.on_failure: malformed SNS topic ARN "
                "\"arn:aws:sns:eu-central-1:1234:alerts\": expected arn:<partition>:sns:<region>:<12-digit "
                "account>:<topic name of 1-256 letters, digits, - and _>, or stack for the function's topic"},
        BadFile{"notify_not_sns",
                "defaults:\n  database: db\n  notify: {on_failure: 'arn:aws:sqs:eu-central-1:123456789012:q'}\n"
                "queries:\n  q: {sql: SELECT 1}\n",
                "bad.yaml:3: defaults.notify.on_failure: malformed SNS topic ARN "
                "\"arn:aws:sqs:eu-central-1:123456789012:q\": expected arn:<partition>:sns:<region>:<12-digit "
                "account>:<topic name of 1-256 letters, digits, - and _>, or stack for the function's topic"},
        BadFile{"notify_fifo",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n"
                "    notify: {on_success: 'arn:aws:sns:us-east-1:123456789012:runs.fifo'}\n",
                "bad.yaml:6: queries.q.notify.on_success: SNS topic \"arn:aws:sns:us-east-1:123456789012:runs.fifo\" "
                "is a FIFO topic, whose messages need a message group: use a standard topic, or stack for the "
                "function's topic"},
        BadFile{"notify_neither_arn_nor_stack",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    notify: {on_failure: alerts}\n",
                "bad.yaml:6: queries.q.notify.on_failure: \"alerts\" does not match ^(stack$|arn:) — expected a "
                "standard SNS "
                "topic's ARN, arn:<partition>:sns:<region>:<account>:<topic name>, or stack: the function's topic "
                "(ATHENA_RUNNER_NOTIFY_TOPIC), which the CDK app creates or takes as notifyTopicArn."},
        BadFile{"notify_unknown_key",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    notify: {on_succes: stack}\n",
                "bad.yaml:6: queries.q.notify: unknown key \"on_succes\"; allowed keys: on_success, on_failure"},
        BadFile{
            "several_problems_in_line_order",
            "defaults:\n  database: db\n  output: s3://x/\nqueries:\n  q:\n    sql: SELECT 1\n    timezone: "
            "Mars/Base\n",
            "bad.yaml:3: defaults.output: malformed S3 location \"s3://x/\": bucket \"x\" is not a valid bucket name; "
            "expected s3://bucket/prefix/ ending with \"/\", with a bucket name of 3-63 characters of a-z, 0-9, \".\" "
            "and \"-\"\n"
            "bad.yaml:7: queries.q.timezone: unknown time zone \"Mars/Base\": use an IANA name such as Europe/Berlin, "
            "America/New_York or UTC"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

// deliver: the schema's enums and the rules of docs/queries-file.md, "Delivery".
INSTANTIATE_TEST_SUITE_P(
    Delivery, BadQueriesFile,
    ::testing::Values(
        BadFile{"unknown_format",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver:\n"
                "      - to: s3://reports/q.xlsx\n        format: xlsx\n",
                "bad.yaml:8: queries.q.deliver[0].format: \"xlsx\" is not one of csv, csv.gz, parquet, json"},
        BadFile{"unknown_overwrite",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver:\n"
                "      - to: s3://reports/q.csv\n        overwrite: never\n",
                "bad.yaml:8: queries.q.deliver[0].overwrite: \"never\" is not one of replace, keep"},
        BadFile{"unknown_delivery_key",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver:\n"
                "      - to: s3://reports/q.csv\n        path: x\n",
                "bad.yaml:8: queries.q.deliver[0]: unknown key \"path\"; allowed keys: to, format, overwrite"},
        BadFile{"bad_bucket",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver:\n"
                "      - to: s3://My_Reports/q.csv\n",
                "bad.yaml:7: queries.q.deliver[0].to: malformed S3 destination \"s3://My_Reports/q.csv\": bucket "
                "\"My_Reports\" is not a valid bucket name (3-63 characters of a-z, 0-9, \".\" and \"-\", starting and "
                "ending with a letter or digit; templates are allowed in the key only)"},
        BadFile{"template_in_bucket",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver:\n"
                "      - to: \"s3://reports-{{ scheduled_year }}/q.csv\"\n",
                "bad.yaml:7: queries.q.deliver[0].to: malformed S3 destination \"s3://reports-{{ scheduled_year "
                "}}/q.csv\": bucket \"reports-{{ scheduled_year }}\" is not a valid bucket name (3-63 characters of "
                "a-z, 0-9, \".\" and \"-\", starting and ending with a letter or digit; templates are allowed in the "
                "key only)"},
        BadFile{"no_key",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver:\n"
                "      - to: s3://reports\n",
                "bad.yaml:7: queries.q.deliver[0].to: malformed S3 destination \"s3://reports\": expected "
                "s3://bucket/key, or s3://bucket/prefix/ ending with \"/\" (each run's object is then named "
                "<query>_<scheduled time>.<extension> under it)"},
        BadFile{"empty_segment",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver:\n"
                "      - to: s3://reports/daily//q.csv\n",
                "bad.yaml:7: queries.q.deliver[0].to: malformed S3 destination \"s3://reports/daily//q.csv\": the key "
                "has an empty path segment (\"//\")"},
        BadFile{"parquet_to_a_key",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver:\n"
                "      - {to: s3://reports/q.csv}\n      - {to: s3://reports/q.parquet, format: parquet}\n",
                "bad.yaml:8: queries.q.deliver[1].to: format parquet is written by Athena's UNLOAD, which may split "
                "the result into several files: \"to\" must be a prefix ending with \"/\", not "
                "\"s3://reports/q.parquet\""},
        BadFile{"unknown_template_variable",
                "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver:\n"
                "      - to: \"s3://reports/{{ scheduled_dat }}.csv\"\n",
                "bad.yaml:7: queries.q.deliver[0].to:1:17: unknown variable \"scheduled_dat\"; variables: "
                "scheduled_time, scheduled_time_utc, scheduled_time_local, scheduled_date, scheduled_year, "
                "scheduled_month, scheduled_day, scheduled_hour, scheduled_minute, scheduled_epoch, query_name"},
        BadFile{"client_side_encryption",
                "defaults:\n  database: db\n  encryption: {type: CSE_KMS, kms_key: "
                "\"arn:aws:kms:eu-west-1:123456789012:key/abc\"}\nqueries:\n  q:\n    sql: SELECT 1\n"
                "    deliver:\n      - to: s3://reports/q.csv\n",
                "bad.yaml:8: queries.q.deliver: results encrypted with CSE_KMS are ciphertext to S3, so a delivery "
                "would copy (or gzip) ciphertext: use SSE_KMS or SSE_S3 for a query with deliver"},
        BadFile{"empty_deliver", "defaults:\n  database: db\nqueries:\n  q:\n    sql: SELECT 1\n    deliver: []\n",
                "bad.yaml:6: queries.q.deliver: must not be an empty list"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(QueriesFile, DeliverDestinationsAreReadAndRenderedWithTheTemplates) {
  auto file = parse_queries_yaml(R"(defaults:
  database: db
  timezone: Europe/Berlin
queries:
  daily_revenue:
    sql: SELECT 1
    deliver:
      - to: "s3://reports/daily_revenue/{{ scheduled_date | add_days(-1) }}.csv"
      - to: s3://reports/gz/
        format: csv.gz
        overwrite: keep
      - to: s3://reports/parquet/{{ scheduled_year }}/
        format: parquet
)",
                                 "good.yaml");
  ASSERT_TRUE(file) << file.get_failure().message;
  auto query = file->resolved("daily_revenue");
  ASSERT_TRUE(query);
  ASSERT_EQ(query->deliver.size(), 3u);
  EXPECT_EQ(query->deliver[0].format, DeliveryFormat::Csv);
  EXPECT_EQ(query->deliver[0].overwrite, OverwriteRule::Replace);
  EXPECT_EQ(query->deliver[1].format, DeliveryFormat::CsvGz);
  EXPECT_EQ(query->deliver[1].overwrite, OverwriteRule::Keep);
  EXPECT_EQ(query->deliver[2].format, DeliveryFormat::Parquet);
  // 2024-05-01T22:30Z is 2 May 00:30 in Berlin (CEST, UTC+2): the day before is 1 May.
  auto rendered = render_query(*query, *parse_instant("2024-05-01T22:30:00Z"));
  ASSERT_TRUE(rendered) << rendered.get_failure().message;
  ASSERT_EQ(rendered->deliver.size(), 3u);
  EXPECT_EQ(rendered->deliver[0].to, "s3://reports/daily_revenue/2024-05-01.csv");
  EXPECT_EQ(rendered->deliver[1].to, "s3://reports/gz/");
  EXPECT_EQ(rendered->deliver[2].to, "s3://reports/parquet/2024/");
  // Destinations are not part of the token: adding one does not start a second query for a slot.
  ResolvedQuery without = *query;
  without.deliver.clear();
  EXPECT_EQ(render_query(without, rendered->scheduled_time)->client_request_token, rendered->client_request_token);
}

TEST(QuerySpecJson, CarriesDeliverAndChecksIt) {
  auto spec = parse_query_spec_json(
      R"({"name": "q", "sql": "SELECT 1", "database": "db", "deliver": [{"to": "s3://reports/q/", "format": "json"}]})");
  ASSERT_TRUE(spec) << spec.get_failure().message;
  ASSERT_EQ(spec->deliver.size(), 1u);
  EXPECT_EQ(spec->deliver[0].format, DeliveryFormat::Json);
  auto bad = parse_query_spec_json(
      R"({"name": "q", "sql": "SELECT 1", "database": "db", "deliver": [{"to": "s3://reports/q.json", "format": "json"}]})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.get_failure().message,
            "query spec:1: deliver[0].to: format json is written by Athena's UNLOAD, which may split the result into "
            "several files: \"to\" must be a prefix ending with \"/\", not \"s3://reports/q.json\"");
}

TEST(QuerySpecJson, ParsesThePayloadShapeFromTheDocs) {
  // docs/queries-file.md, "The schedule payload".
  const char* payload = R"({
    "name": "daily_revenue",
    "sql": "SELECT 1 WHERE d = ?",
    "parameters": ["DATE '{{ scheduled_date | add_days(-1) }}'"],
    "workgroup": "primary",
    "catalog": "AwsDataCatalog",
    "database": "pizza",
    "output": "s3://example-athena-results/athena-runner/",
    "timeout": "10m",
    "timezone": "Europe/Berlin",
    "result_reuse": "60m",
    "encryption": {"type": "SSE_S3"},
    "expected_bucket_owner": "123456789012"
  })";
  auto query = parse_query_spec_json(payload);
  ASSERT_TRUE(query) << query.get_failure().message;
  EXPECT_EQ(query->name, "daily_revenue");
  EXPECT_EQ(query->database, "pizza");
  EXPECT_EQ(query->timeout, std::chrono::minutes(10));
  EXPECT_EQ(query->result_reuse, std::chrono::minutes(60));
  EXPECT_EQ(query->expected_bucket_owner, "123456789012");
  EXPECT_EQ(query->timezone, "Europe/Berlin");
}

TEST(QuerySpecJson, NotifyTravelsInTheSpec) {
  auto query = parse_query_spec_json(
      R"({"name": "q", "sql": "SELECT 1", "database": "db",
          "notify": {"on_success": "stack", "on_failure": "arn:aws:sns:eu-central-1:123456789012:alerts"}})");
  ASSERT_TRUE(query) << query.get_failure().message;
  EXPECT_EQ(query->notify, (Notify{"stack", "arn:aws:sns:eu-central-1:123456789012:alerts"}));
  auto bad = parse_query_spec_json(R"({"name": "q", "sql": "SELECT 1", "database": "db",
      "notify": {"on_success": "arn:aws:sns:eu-central-1:123456789012:"}})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.get_failure().message,
            "query spec:2: notify.on_success: malformed SNS topic ARN \"arn:aws:sns:eu-central-1:123456789012:\": "
            "expected arn:<partition>:sns:<region>:<12-digit account>:<topic name of 1-256 letters, digits, - and _>, "
            "or stack for the function's topic");
}

TEST(QuerySpecJson, DefaultsFillWhatTheSpecLeavesOut) {
  QuerySettings defaults;
  defaults.database = "from_env";
  defaults.workgroup = "wg";
  auto query = parse_query_spec_json(R"({"name": "q", "sql": "SELECT 1", "workgroup": "own"})", defaults);
  ASSERT_TRUE(query) << query.get_failure().message;
  EXPECT_EQ(query->database, "from_env");
  EXPECT_EQ(query->workgroup, "own");
  EXPECT_EQ(query->catalog, "AwsDataCatalog");
}

TEST(QuerySpecJson, ReportsLinesAndKeys) {
  auto query = parse_query_spec_json(
      "{\"name\": \"q\",\n \"sql\": \"SELECT 1\",\n \"database\": \"db\",\n \"timeout\": \"5 min\"}");
  ASSERT_FALSE(query);
  EXPECT_EQ(query.get_failure().message,
            "query spec:4: timeout: \"5 min\" does not match ^[1-9][0-9]*(s|m|h|d)$ — expected a duration: a positive "
            "integer and a unit, s (seconds), m (minutes), h (hours) or d (days): 90s, 10m, 2h, 1d.");
}

TEST(QuerySpecJson, RequiresANameAndRefusesSqlFile) {
  auto query = parse_query_spec_json(R"({"sql_file": "q.sql", "database": "db"})");
  ASSERT_FALSE(query);
  EXPECT_EQ(query.get_failure().message,
            "query spec:1: missing required key \"name\"\n"
            "query spec:1: sql_file: not supported in a query spec (there is no file to read it relative to); inline "
            "the SQL as \"sql\"");
}

TEST(QuerySpecJson, ValidatesTheNameWithTheSchemaPattern) {
  auto query = parse_query_spec_json(R"({"name": "has space", "sql": "SELECT 1", "database": "db"})");
  ASSERT_FALSE(query);
  EXPECT_EQ(query.get_failure().message,
            "query spec:1: name: \"has space\" does not match ^[A-Za-z][A-Za-z0-9_]{0,63}$");
}

TEST(QuerySpecJson, NotAnObject) {
  auto query = parse_query_spec_json("[1, 2]");
  ASSERT_FALSE(query);
  EXPECT_EQ(query.get_failure().message, "query spec:1: expected an object (a query spec), got a list");
}

TEST(QuerySpecJson, NumbersKeepTheirLineWhenANewlineEndsThem) {
  // The JSON lexer reads the newline after 5 before it reports the number: the line must still be 4.
  auto query =
      parse_query_spec_json("{\"name\": \"q\",\n \"sql\": \"SELECT 1\",\n \"database\": \"db\",\n \"timeout\": 5\n}");
  ASSERT_FALSE(query);
  EXPECT_TRUE(query.get_failure().message.starts_with("query spec:4: timeout: ")) << query.get_failure().message;
}

TEST(QuerySpecJson, DuplicateKeysAndInvalidJsonNameTheLine) {
  auto duplicate = parse_query_spec_json("{\"name\": \"q\",\n \"name\": \"r\"}");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.get_failure().message, "query spec:2: duplicate key \"name\"");

  auto invalid = parse_query_spec_json("{\"name\": \"q\",\n \"sql\": }");
  ASSERT_FALSE(invalid);
  EXPECT_TRUE(invalid.get_failure().message.starts_with("query spec:2: invalid JSON: "))
      << invalid.get_failure().message;

  // Query specs are JSON: YAML's flow style is not (the Lambda reads them without a YAML parser).
  auto yaml_flow = parse_query_spec_json("{name: q, sql: SELECT 1, database: db}");
  ASSERT_FALSE(yaml_flow);
  EXPECT_TRUE(yaml_flow.get_failure().message.starts_with("query spec:1: invalid JSON: "))
      << yaml_flow.get_failure().message;
}

}  // namespace
}  // namespace athena_runner::spec
