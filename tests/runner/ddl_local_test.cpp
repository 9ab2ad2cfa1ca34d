// Athena's Hive DDL on engine "local", through the QueryEngine API (start, get, results) as `run --local`
// and `athena-runner serve` use it: the catalog files it writes, the <id>.txt results, and later queries
// seeing the change. Expected output shapes are those of Athena's DDL reference (SHOW PARTITIONS lists
// key=value lines, DESCRIBE is Hive's tab-separated layout with a "# Partition Information" section).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "athena_runner/engine/local_query_engine.hpp"
#include "athena_runner/runner/runner.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::runner {
namespace {

namespace fs = std::filesystem;
using athena_runner::testing::read_file;
using athena_runner::testing::TempDir;
using State = athena::QueryExecutionState;
using Lines = std::vector<std::string>;

constexpr char kOutput[] = "s3://local-results/athena/";
// A header line (skipped by skip.header.line.count), then margherita 2 + 3 and diavola 4.
constexpr char kOrdersCsv[] = "id,pizza,quantity\n1,margherita,2\n2,diavola,4\n3,margherita,3\n";

class LocalDdl : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_.write("data/lake/orders/part-0.csv", kOrdersCsv);
    // Two days of events, as newline-delimited JSON under Hive-style dt=... folders: 2 events, then 3.
    temp_.write("data/lake/events/dt=2024-01-01/part-0.json",
                "{\"id\": 1, \"kind\": \"view\"}\n"
                "{\"id\": 2, \"kind\": \"buy\"}\n");
    temp_.write("data/lake/events/dt=2024-01-02/part-0.json",
                "{\"id\": 3, \"kind\": \"view\"}\n{\"id\": 4, \"kind\": \"view\"}\n{\"id\": 5, \"kind\": \"buy\"}\n");
    temp_.write("data/lake/events/_SUCCESS", "");
    engine::LocalWorkspace workspace;
    workspace.data_dir = data_dir();
    workspace.default_database = "sales";
    workspace.default_output = kOutput;
    workspace.threads_per_query = 1;
    workspace.workers = 2;
    auto opened = engine::open_local_query_engine(workspace);
    ASSERT_TRUE(opened) << opened.get_failure().to_string();
    engine_ = std::move(opened).get_result();
  }

  std::string data_dir() const { return temp_.path() + "/data"; }
  std::string catalog(const std::string& relative) const { return data_dir() + "/.glue/" + relative; }

  // Starts the query and waits until it ends (real time, at most 60 s).
  athena::QueryExecution run(const std::string& sql) {
    athena::StartQueryExecutionRequest request;
    request.query_string = sql;
    auto id = engine_->start(request);
    EXPECT_TRUE(id) << id.get_failure().to_string();
    if (!id) return {};
    for (int i = 0; i < 6000; ++i) {
      auto execution = engine_->get(*id);
      EXPECT_TRUE(execution) << execution.get_failure().to_string();
      if (!execution) return {};
      if (athena::is_terminal(execution->status.state)) return *execution;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << sql << " did not finish";
    return {};
  }

  std::string result_path(const athena::QueryExecution& execution) const {
    const std::string location = execution.result_configuration->output_location.value_or("");
    return data_dir() + "/" + location.substr(std::string("s3://").size());
  }

  // Runs a DDL statement that must succeed; returns the lines of its <id>.txt.
  Lines ddl(const std::string& sql) {
    auto execution = run(sql);
    EXPECT_EQ(execution.status.state, State::Succeeded)
        << sql << ": " << execution.status.state_change_reason.value_or("");
    EXPECT_EQ(execution.statement_type.value_or(""), "DDL") << sql;
    const std::string path = result_path(execution);
    EXPECT_EQ(path.substr(path.size() - 4), ".txt") << sql;
    EXPECT_TRUE(fs::exists(path)) << sql;
    Lines lines;
    std::string text = read_file(path);
    for (std::size_t start = 0; start < text.size();) {
      const auto end = text.find('\n', start);
      lines.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    // GetQueryResults gives the same lines as rows, with no header row.
    auto table = engine_->results(execution.query_execution_id, 0);
    EXPECT_TRUE(table) << table.get_failure().to_string();
    if (table) {
      Lines rows;
      for (const auto& row : table->rows) rows.push_back(row.data.at(0).value_or("<null>"));
      EXPECT_EQ(rows, lines) << sql;
    }
    return lines;
  }

  // Runs a query that must fail as a user error; returns its reason.
  std::string failure(const std::string& sql) {
    auto execution = run(sql);
    EXPECT_EQ(execution.status.state, State::Failed) << sql;
    EXPECT_TRUE(execution.status.athena_error) << sql;
    if (execution.status.athena_error) {
      EXPECT_EQ(execution.status.athena_error->error_category, 2) << sql;
    }
    EXPECT_FALSE(fs::exists(result_path(execution))) << sql << ": a failed statement writes no result";
    return execution.status.state_change_reason.value_or("");
  }

  // Rows of a SELECT (GetQueryResults without the header row).
  std::vector<std::vector<std::optional<std::string>>> select(const std::string& sql) {
    auto execution = run(sql);
    EXPECT_EQ(execution.status.state, State::Succeeded)
        << sql << ": " << execution.status.state_change_reason.value_or("");
    auto table = engine_->results(execution.query_execution_id, 0);
    EXPECT_TRUE(table) << table.get_failure().to_string();
    std::vector<std::vector<std::optional<std::string>>> rows;
    if (table) {
      for (const auto& row : table->rows) rows.push_back(row.data);
    }
    return rows;
  }

  static nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_file(path)); }

  void create_orders() {
    EXPECT_EQ(ddl("CREATE DATABASE IF NOT EXISTS sales COMMENT 'pizza sales'"), Lines{});
    EXPECT_EQ(ddl("CREATE EXTERNAL TABLE `sales`.`Orders` (\n"
                  "  `id` INT COMMENT 'order id',\n"
                  "  pizza string,\n"
                  "  quantity int\n"
                  ") COMMENT 'orders, one line each'\n"
                  "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n'\n"
                  "STORED AS TEXTFILE\n"
                  "LOCATION 's3://lake/orders/'\n"
                  "TBLPROPERTIES ('skip.header.line.count'='1');"),
              Lines{});
  }

  void create_events() {
    EXPECT_EQ(ddl("CREATE EXTERNAL TABLE IF NOT EXISTS events (id bigint, kind string)\n"
                  "PARTITIONED BY (dt string)\n"
                  "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
                  "LOCATION 's3://lake/events/'"),
              Lines{});
  }

  TempDir temp_;
  std::unique_ptr<QueryEngine> engine_;
};

TEST_F(LocalDdl, CreateDatabaseAndCsvTableThenQueryIt) {
  create_orders();
  auto database = read_json(catalog("sales/_database.meta"));
  EXPECT_EQ(database["Name"], "sales");
  EXPECT_EQ(database["Description"], "pizza sales");

  // The aws glue get-table shape, names lower-cased as Glue stores them.
  auto table = read_json(catalog("sales/orders.json"))["Table"];
  EXPECT_EQ(table["Name"], "orders");
  EXPECT_EQ(table["DatabaseName"], "sales");
  EXPECT_EQ(table["TableType"], "EXTERNAL_TABLE");
  EXPECT_EQ(table["Parameters"]["skip.header.line.count"], "1");
  EXPECT_EQ(table["Parameters"]["EXTERNAL"], "TRUE");
  EXPECT_EQ(table["Parameters"]["comment"], "orders, one line each");
  const auto& storage = table["StorageDescriptor"];
  EXPECT_EQ(storage["Location"], "s3://lake/orders/");
  EXPECT_EQ(storage["InputFormat"], "org.apache.hadoop.mapred.TextInputFormat");
  EXPECT_EQ(storage["SerdeInfo"]["SerializationLibrary"], "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
  EXPECT_EQ(storage["SerdeInfo"]["Parameters"]["field.delim"], ",");
  EXPECT_EQ(storage["SerdeInfo"]["Parameters"]["line.delim"], "\n");
  ASSERT_EQ(storage["Columns"].size(), 3u);
  EXPECT_EQ(storage["Columns"][0], (nlohmann::json{{"Name", "id"}, {"Type", "int"}, {"Comment", "order id"}}));
  EXPECT_EQ(table["PartitionKeys"], nlohmann::json::array());

  // The engine opened before the table existed; the next query sees it (totals from kOrdersCsv).
  using Row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(select("SELECT pizza, sum(quantity) AS total FROM orders GROUP BY pizza ORDER BY pizza"),
            (std::vector<Row>{{"diavola", "4"}, {"margherita", "5"}}));
  // Both workers see it (each has its own engine).
  EXPECT_EQ(select("SELECT count(*) FROM sales.orders"), (std::vector<Row>{{"3"}}));
  EXPECT_EQ(select("SELECT count(*) FROM sales.orders"), (std::vector<Row>{{"3"}}));

  EXPECT_EQ(ddl("SHOW DATABASES"), (Lines{"default", "sales"}));
  EXPECT_EQ(ddl("SHOW SCHEMAS LIKE 'sal*'"), (Lines{"sales"}));
  EXPECT_EQ(ddl("SHOW TABLES"), (Lines{"orders"}));
  EXPECT_EQ(ddl("SHOW TABLES IN sales 'x*'"), Lines{});
  // Hive's DESCRIBE: name, type, comment, each padded to 20 characters, separated by tabs.
  EXPECT_EQ(ddl("DESCRIBE orders"), (Lines{"id                  \tint                 \torder id            ",
                                           "pizza               \tstring              \t                    ",
                                           "quantity            \tint                 \t                    "}));
}

TEST_F(LocalDdl, PartitionedTableWithMsckRepairAddAndDropPartition) {
  ddl("CREATE DATABASE sales");
  create_events();
  EXPECT_EQ(ddl("SHOW PARTITIONS events"), Lines{});
  // MSCK finds the two dt= folders the test wrote (not _SUCCESS), as Hive reports them.
  EXPECT_EQ(ddl("MSCK REPAIR TABLE events"),
            (Lines{"Partitions not in metastore:\tevents:dt=2024-01-01\tevents:dt=2024-01-02",
                   "Repair: Added partition to metastore events:dt=2024-01-01",
                   "Repair: Added partition to metastore events:dt=2024-01-02"}));
  EXPECT_EQ(ddl("MSCK REPAIR TABLE events"), Lines{});  // nothing new
  EXPECT_EQ(ddl("SHOW PARTITIONS sales.events"), (Lines{"dt=2024-01-01", "dt=2024-01-02"}));
  auto partitions = read_json(catalog("sales/events.partitions"))["Partitions"];
  ASSERT_EQ(partitions.size(), 2u);
  EXPECT_EQ(partitions[1]["Values"], nlohmann::json::array({"2024-01-02"}));
  EXPECT_EQ(partitions[1]["StorageDescriptor"]["Location"], "s3://lake/events/dt=2024-01-02/");

  using Row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(select("SELECT dt, count(*) AS n, sum(id) AS ids FROM events GROUP BY dt ORDER BY dt"),
            (std::vector<Row>{{"2024-01-01", "2", "3"}, {"2024-01-02", "3", "12"}}));

  EXPECT_EQ(ddl("ALTER TABLE events ADD IF NOT EXISTS PARTITION (dt='2024-01-02') "
                "PARTITION (dt = '2024-01-03') LOCATION 's3://lake/late/'"),
            Lines{});
  EXPECT_EQ(ddl("SHOW PARTITIONS events"), (Lines{"dt=2024-01-01", "dt=2024-01-02", "dt=2024-01-03"}));
  EXPECT_NE(failure("ALTER TABLE events ADD PARTITION (dt='2024-01-01')").find("already exists"), std::string::npos);
  EXPECT_EQ(ddl("ALTER TABLE events DROP PARTITION (dt='2024-01-01'), PARTITION (dt='2024-01-03')"), Lines{});
  EXPECT_EQ(ddl("SHOW PARTITIONS events"), (Lines{"dt=2024-01-02"}));
  EXPECT_NE(failure("ALTER TABLE events DROP PARTITION (dt='2030-01-01')").find("does not exist"), std::string::npos);
  EXPECT_NE(failure("ALTER TABLE events ADD PARTITION (day='1')").find("no value for dt"), std::string::npos);
  // An unquoted number, signed or not, is a value too.
  EXPECT_EQ(ddl("ALTER TABLE events ADD PARTITION (dt=-1) PARTITION (dt=7)"), Lines{});
  EXPECT_EQ(ddl("SHOW PARTITIONS events"), (Lines{"dt=2024-01-02", "dt=-1", "dt=7"}));
  EXPECT_EQ(ddl("ALTER TABLE events DROP PARTITION (dt=-1), PARTITION (dt=7)"), Lines{});
  EXPECT_NE(failure("ALTER TABLE events ADD PARTITION (dt=-'x')").find("line 1:39: partition dt: expected a 'value'"),
            std::string::npos);

  EXPECT_EQ(ddl("DESCRIBE events"),
            (Lines{"id                  \tbigint              \t                    ",
                   "kind                \tstring              \t                    ",
                   "dt                  \tstring              \t                    ", "\t \t ",
                   "# Partition Information\t \t ", "# col_name          \tdata_type           \tcomment             ",
                   "\t \t ", "dt                  \tstring              \t                    "}));
  EXPECT_EQ(ddl("DESCRIBE events kind"), (Lines{"kind                \tstring              \t                    "}));
}

// Partition projection (Athena's partition-projection-setting-up): the partitions come from the table's
// projection.* properties, not the catalog; a folder outside the projected range is not read.
TEST_F(LocalDdl, ProjectedPartitionsAreComputedAndOnlyThoseAreRead) {
  ddl("CREATE DATABASE sales");
  temp_.write("data/lake/events/dt=2023-12-31/part-0.json", "{\"id\": 99, \"kind\": \"old\"}\n");
  EXPECT_EQ(ddl("CREATE EXTERNAL TABLE events (id bigint, kind string) PARTITIONED BY (dt string)\n"
                "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://lake/events/'\n"
                "TBLPROPERTIES ('projection.enabled'='true', 'projection.dt.type'='date',\n"
                "  'projection.dt.format'='yyyy-MM-dd', 'projection.dt.range'='2024-01-01,2024-01-03')"),
            Lines{});
  using Row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(select("SELECT dt, count(*) AS n FROM events GROUP BY dt ORDER BY dt"),
            (std::vector<Row>{{"2024-01-01", "2"}, {"2024-01-02", "3"}}));
  // Registered partitions do not count for a projected table (MSCK would add dt=2023-12-31).
  ddl("MSCK REPAIR TABLE events");
  EXPECT_EQ(select("SELECT count(*) FROM events WHERE id = 99"), (std::vector<Row>{{"0"}}));

  // A layout of its own (CloudTrail's AWSLogs/<region>/<yyyy>/<MM>/<dd>/) through storage.location.template.
  temp_.write("data/trail/AWSLogs/us-east-1/2024/01/02/a.json", "{\"id\": 7, \"kind\": \"login\"}\n");
  temp_.write("data/trail/AWSLogs/eu-west-1/2024/01/03/b.json", "{\"id\": 8, \"kind\": \"login\"}\n");
  temp_.write("data/trail/AWSLogs/ap-south-1/2024/01/03/c.json", "{\"id\": 9, \"kind\": \"login\"}\n");
  EXPECT_EQ(ddl("CREATE EXTERNAL TABLE trail (id bigint, kind string) PARTITIONED BY (region string, day string)\n"
                "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://trail/AWSLogs/'\n"
                "TBLPROPERTIES ('projection.enabled'='true', 'projection.region.type'='enum',\n"
                "  'projection.region.values'='us-east-1,eu-west-1', 'projection.day.type'='date',\n"
                "  'projection.day.format'='yyyy/MM/dd', 'projection.day.range'='2024/01/01,NOW',\n"
                "  'storage.location.template'='s3://trail/AWSLogs/${region}/${day}/')"),
            Lines{});
  EXPECT_EQ(select("SELECT region, day, id FROM trail ORDER BY id"),
            (std::vector<Row>{{"us-east-1", "2024/01/02", "7"}, {"eu-west-1", "2024/01/03", "8"}}));
  EXPECT_EQ(select("SELECT id FROM trail WHERE region = 'eu-west-1' AND day = '2024/01/03'"),
            (std::vector<Row>{{"8"}}));

  // A bad projection fails the queries of that table, naming the property.
  EXPECT_EQ(ddl("ALTER TABLE events SET TBLPROPERTIES ('projection.dt.range'='2024-01-01')"), Lines{});
  EXPECT_NE(failure("SELECT count(*) FROM events").find("projection.dt.range must be two dates"), std::string::npos);
}

// Athena prunes partitions from the query's predicates on partition keys before it lists any file. Listing a
// folder sets its access time (relatime: an access time older than the modification time is updated), so a
// folder whose access time stays in 2000 was not listed; the last check shows that listing does update it.
// Counts: dt=2024-01-01 holds ids 1, 2; dt=2024-01-02 holds 3, 4, 5 (SetUp's files); dt=2024-01-03, at its
// own location, holds 6.
TEST_F(LocalDdl, PartitionsArePrunedByTheWhereClauseBeforeTheirFilesAreListed) {
  ddl("CREATE DATABASE sales");
  ddl("CREATE EXTERNAL TABLE events (id bigint, kind string) PARTITIONED BY (dt string)\n"
      "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://lake/events/'");
  temp_.write("data/lake/late/0.json", "{\"id\": 6, \"kind\": \"buy\"}\n");
  ddl("ALTER TABLE events ADD PARTITION (dt='2024-01-01') PARTITION (dt='2024-01-02')\n"
      "PARTITION (dt='2024-01-03') LOCATION 's3://lake/late/'");
  const std::string late = data_dir() + "/lake/late";
  const auto y2000 = std::chrono::system_clock::from_time_t(946684800);
  auto set_accessed = [&] {
    const struct timespec times[2] = {{946684800, 0}, {0, UTIME_OMIT}};
    ASSERT_EQ(::utimensat(AT_FDCWD, late.c_str(), times, 0), 0);
  };
  auto listed = [&] {
    struct stat info {};
    EXPECT_EQ(::stat(late.c_str(), &info), 0);
    return std::chrono::system_clock::from_time_t(info.st_atim.tv_sec) != y2000;
  };
  set_accessed();
  using Rows = std::vector<std::vector<std::optional<std::string>>>;
  EXPECT_EQ(select("SELECT count(*) FROM events WHERE dt = '2024-01-02'"), (Rows{{"3"}}));
  EXPECT_EQ(select("SELECT count(*) FROM events WHERE dt IN ('2024-01-01', '2024-01-02')"), (Rows{{"5"}}));
  EXPECT_EQ(select("SELECT count(*) FROM events e WHERE e.dt < '2024-01-03' AND kind = 'view'"), (Rows{{"3"}}));
  EXPECT_EQ(select("SELECT count(*) FROM events WHERE substr(dt, 9) <> '03' AND id > 1"), (Rows{{"4"}}));
  EXPECT_EQ(select("SELECT count(*) FROM (SELECT * FROM events WHERE dt = '2024-01-01') AS t(a, b, c)"), (Rows{{"2"}}));
  // Only that partition's file is read (scanned): the bytes of dt=2024-01-01/part-0.json.
  auto execution = run("SELECT id FROM events WHERE dt = '2024-01-01'");
  ASSERT_EQ(execution.status.state, State::Succeeded) << execution.status.state_change_reason.value_or("");
  EXPECT_EQ(execution.statistics->data_scanned_in_bytes,
            static_cast<int64_t>(read_file(data_dir() + "/lake/events/dt=2024-01-01/part-0.json").size()));
  EXPECT_FALSE(listed());
  // A conjunct that also reads a data column lists every partition (and gives the same answer).
  EXPECT_EQ(select("SELECT count(*) FROM events WHERE dt = '2024-01-01' OR id = 6"), (Rows{{"3"}}));
  EXPECT_TRUE(listed());
  set_accessed();
  EXPECT_EQ(select("SELECT max(id) FROM events WHERE dt = '2024-01-03'"), (Rows{{"6"}}));
  EXPECT_TRUE(listed());

  // The NULL-padded side of an outer join is not pruned by the WHERE: a predicate that NULLs pass keeps the
  // rows without a match (orders 1..3 join events on id; only id 1 and 2 are in dt=2024-01-01, 3 in 2024-01-02).
  create_orders();
  EXPECT_EQ(select("SELECT o.id, e.dt FROM orders o LEFT JOIN events e ON e.id = o.id\n"
                   "WHERE e.dt IS NULL OR e.dt = '2024-01-02' ORDER BY o.id"),
            (Rows{{"3", "2024-01-02"}}));
  EXPECT_EQ(select("SELECT o.id, e.dt FROM orders o LEFT JOIN events e ON e.id = o.id AND e.dt = '2024-01-01'\n"
                   "WHERE coalesce(e.dt, 'none') <> '2024-01-02' ORDER BY o.id"),
            (Rows{{"1", "2024-01-01"}, {"2", "2024-01-01"}, {"3", std::nullopt}}));
  // CTAS reads through the same pruning.
  ASSERT_EQ(run("CREATE TABLE picked AS SELECT id FROM events WHERE dt = '2024-01-02'").status.state, State::Succeeded);
  EXPECT_EQ(select("SELECT count(*) FROM picked"), (Rows{{"3"}}));
}

// Athena's injected projection (partition-projection-dynamic-id-partitioning): the partitions are the values
// of the query's static equality conditions on the key; without one the query fails with its message.
TEST_F(LocalDdl, InjectedProjectionReadsThePartitionsTheQueryNames) {
  ddl("CREATE DATABASE sales");
  temp_.write("data/lake/devices/a1/0.json", "{\"id\": 1}\n{\"id\": 2}\n");
  temp_.write("data/lake/devices/b2/0.json", "{\"id\": 3}\n");
  temp_.write("data/lake/devices/c3/0.json", "{\"id\": 4}\n{\"id\": 5}\n{\"id\": 6}\n");
  ddl("CREATE EXTERNAL TABLE devices (id bigint) PARTITIONED BY (device string)\n"
      "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://lake/devices/'\n"
      "TBLPROPERTIES ('projection.enabled'='true', 'projection.device.type'='injected',\n"
      "  'storage.location.template'='s3://lake/devices/${device}/')");
  using Rows = std::vector<std::vector<std::optional<std::string>>>;
  EXPECT_EQ(select("SELECT device, count(*) FROM devices WHERE device = 'b2' GROUP BY 1"), (Rows{{"b2", "1"}}));
  EXPECT_EQ(select("SELECT device, sum(id) FROM devices WHERE device IN ('a1', 'c3', 'zz') GROUP BY 1 ORDER BY 1"),
            (Rows{{"a1", "3"}, {"c3", "15"}}));
  EXPECT_EQ(select("SELECT count(*) FROM devices WHERE 'a' || '1' = device AND id > 1"), (Rows{{"1"}}));
  EXPECT_EQ(select("SELECT count(*) FROM devices WHERE device = 'a1' AND device = 'b2'"), (Rows{{"0"}}));
  EXPECT_EQ(select("SELECT count(*) FROM devices WHERE device IN ('a1', 'b2') AND device IN ('b2', 'c3')"),
            (Rows{{"1"}}));
  const std::string violation =
      "CONSTRAINT_VIOLATION: For the injected projected partition column device, the WHERE clause must contain "
      "only static equality conditions, and at least one such condition must be present.";
  EXPECT_NE(failure("SELECT count(*) FROM devices").find(violation), std::string::npos);
  EXPECT_NE(failure("SELECT count(*) FROM devices WHERE device LIKE 'a%'").find(violation), std::string::npos);
  EXPECT_NE(failure("SELECT count(*) FROM devices WHERE device = 'a1' OR id = 4").find(violation), std::string::npos);
}

// GetQueryRuntimeStatistics on the local engine: one stage; what a finished query wrote and scanned.
TEST_F(LocalDdl, RuntimeStatisticsSayWhatAQueryWrote) {
  create_orders();
  auto execution = run("SELECT pizza, quantity FROM orders ORDER BY quantity");
  ASSERT_EQ(execution.status.state, State::Succeeded);
  auto statistics = engine_->runtime_statistics(execution.query_execution_id);
  ASSERT_TRUE(statistics) << statistics.get_failure().to_string();
  ASSERT_TRUE(statistics->rows && statistics->output_stage && statistics->timeline);
  EXPECT_EQ(statistics->rows->output_rows, 3);
  // The result CSV: the header and three rows, each value quoted.
  const std::string csv = "\"pizza\",\"quantity\"\n\"margherita\",\"2\"\n\"margherita\",\"3\"\n\"diavola\",\"4\"\n";
  EXPECT_EQ(read_file(result_path(execution)), csv);
  EXPECT_EQ(statistics->rows->output_bytes, static_cast<int64_t>(csv.size()));
  EXPECT_EQ(statistics->rows->input_bytes, static_cast<int64_t>(std::string(kOrdersCsv).size()));
  EXPECT_EQ(statistics->rows->input_bytes, execution.statistics->data_scanned_in_bytes);
  EXPECT_EQ(statistics->output_stage->state, "SUCCEEDED");
  EXPECT_EQ(aws::athena::stage_count(*statistics->output_stage), 1u);
  EXPECT_EQ(statistics->timeline->total_execution_time_in_millis, execution.statistics->total_execution_time_in_millis);
  auto unknown = engine_->runtime_statistics("no-such-id");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.get_failure().code, "InvalidRequestException");
}

TEST_F(LocalDdl, AlterTableChangesWhatLaterQueriesRead) {
  create_orders();
  temp_.write("data/lake/orders-2024/part-0.csv", "id,pizza,quantity\n7,funghi,6\n");
  using Row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(select("SELECT count(*) FROM orders"), (std::vector<Row>{{"3"}}));
  // Without the header skip, the header line is a row too (its id is not an int: NULL, as Hive reads it).
  EXPECT_EQ(ddl("ALTER TABLE orders SET TBLPROPERTIES ('skip.header.line.count'='0', 'owner'='pizza team')"), Lines{});
  EXPECT_EQ(select("SELECT count(*), count(id) FROM orders"), (std::vector<Row>{{"4", "3"}}));
  EXPECT_EQ(ddl("ALTER TABLE sales.orders SET LOCATION 's3://lake/orders-2024/'"), Lines{});
  EXPECT_EQ(select("SELECT pizza, quantity FROM orders WHERE id IS NOT NULL"), (std::vector<Row>{{"funghi", "6"}}));
  EXPECT_EQ(ddl("ALTER TABLE orders ADD COLUMNS (note string COMMENT 'free text')"), Lines{});
  auto table = read_json(catalog("sales/orders.json"))["Table"];
  EXPECT_EQ(table["VersionId"], "3");
  EXPECT_EQ(table["Parameters"]["owner"], "pizza team");
  EXPECT_EQ(table["StorageDescriptor"]["Location"], "s3://lake/orders-2024/");
  EXPECT_EQ(ddl("SHOW COLUMNS IN orders FROM sales"),
            (Lines{"id                  ", "pizza               ", "quantity            ", "note                "}));
  EXPECT_NE(failure("ALTER TABLE orders ADD COLUMNS (pizza string)").find("already exists"), std::string::npos);
  EXPECT_NE(failure("ALTER TABLE orders RENAME TO orders_old").find("NOT_SUPPORTED"), std::string::npos);
}

TEST_F(LocalDdl, ShowCreateTableRecreatesTheSameTable) {
  ddl("CREATE DATABASE sales");
  ddl("CREATE EXTERNAL TABLE sales.items (id int, tags array<string>, price decimal(10,2), "
      "attributes map<string,struct<name:string,`Value`:int>>) PARTITIONED BY (dt string, hour int) "
      "STORED AS PARQUET LOCATION 's3://lake/items/' TBLPROPERTIES ('parquet.compression'='SNAPPY')");
  auto before = read_json(catalog("sales/items.json"))["Table"];
  EXPECT_EQ(before["StorageDescriptor"]["Columns"][3]["Type"], "map<string,struct<name:string,Value:int>>");
  EXPECT_EQ(before["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"],
            "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
  const Lines statement = ddl("SHOW CREATE TABLE sales.items");
  ASSERT_FALSE(statement.empty());
  EXPECT_EQ(statement[0], "CREATE EXTERNAL TABLE `sales`.`items`(");
  std::string text;
  for (const auto& line : statement) text += line + "\n";
  ddl("DROP TABLE sales.items");
  EXPECT_FALSE(fs::exists(catalog("sales/items.json")));
  ddl(text);
  auto after = read_json(catalog("sales/items.json"))["Table"];
  for (const char* member : {"StorageDescriptor", "PartitionKeys", "TableType"}) {
    EXPECT_EQ(after[member], before[member]) << member;
  }
  after["Parameters"].erase("transient_lastDdlTime");
  before["Parameters"].erase("transient_lastDdlTime");
  EXPECT_EQ(after["Parameters"], before["Parameters"]);
}

TEST_F(LocalDdl, DropTableRemovesItsFilesAndQueriesStopSeeingIt) {
  create_orders();
  EXPECT_EQ(ddl("DROP TABLE orders"), Lines{});
  EXPECT_FALSE(fs::exists(catalog("sales/orders.json")));
  EXPECT_TRUE(fs::exists(data_dir() + "/lake/orders/part-0.csv")) << "an external table's data stays";
  EXPECT_EQ(ddl("SHOW TABLES IN sales"), Lines{});
  EXPECT_NE(failure("SELECT count(*) FROM sales.orders").find("orders"), std::string::npos);
  EXPECT_EQ(ddl("DROP TABLE IF EXISTS orders"), Lines{});
  EXPECT_NE(failure("DROP TABLE orders").find("Table sales.orders does not exist"), std::string::npos);

  create_orders();
  EXPECT_NE(failure("DROP DATABASE sales").find("not empty"), std::string::npos);
  EXPECT_TRUE(fs::exists(catalog("sales/orders.json")));
  EXPECT_EQ(ddl("DROP DATABASE sales CASCADE"), Lines{});
  EXPECT_FALSE(fs::exists(catalog("sales")));
  EXPECT_EQ(ddl("SHOW DATABASES"), (Lines{"default"}));
}

TEST_F(LocalDdl, ErrorsNameTheProblemAndChangeNothing) {
  create_orders();
  const std::string before = read_file(catalog("sales/orders.json"));

  std::string reason = failure("CREATE EXTERNAL TABLE orders (id int, pizza string) LOCATION 's3://lake/other/'");
  EXPECT_NE(reason.find("Table sales.orders already exists"), std::string::npos) << reason;
  EXPECT_EQ(read_file(catalog("sales/orders.json")), before);
  // IF NOT EXISTS: nothing to do, and nothing changed.
  ddl("CREATE EXTERNAL TABLE IF NOT EXISTS orders (id int) LOCATION 's3://lake/other/'");
  EXPECT_EQ(read_file(catalog("sales/orders.json")), before);

  reason = failure("CREATE EXTERNAL TABLE broken (id int LOCATION 's3://lake/x/'");
  EXPECT_NE(reason.find("SYNTAX_ERROR"), std::string::npos) << reason;
  // Where, as Athena says it: line and column of the string that is not a type.
  EXPECT_NE(reason.find("line 1:47: expected a type, found 's3://lake/x/'"), std::string::npos) << reason;
  reason = failure("CREATE EXTERNAL TABLE broken (id int) LOCATION 's3://lake/x/\\'");
  EXPECT_NE(reason.find("unterminated string literal"), std::string::npos) << reason;
  reason = failure("CREATE EXTERNAL TABLE broken (id integr) LOCATION 's3://lake/x/'");
  EXPECT_NE(reason.find("integr"), std::string::npos) << reason;
  reason = failure("CREATE EXTERNAL TABLE broken (id int) LOCATION '/tmp/x'");
  EXPECT_NE(reason.find("s3://"), std::string::npos) << reason;
  reason = failure("CREATE EXTERNAL TABLE broken (id int) PARTITIONED BY (id string) LOCATION 's3://lake/x/'");
  EXPECT_NE(reason.find("repeated"), std::string::npos) << reason;
  reason = failure("CREATE EXTERNAL TABLE nowhere.broken (id int) LOCATION 's3://lake/x/'");
  EXPECT_NE(reason.find("Database nowhere does not exist"), std::string::npos) << reason;
  EXPECT_FALSE(fs::exists(catalog("sales/broken.json")));

  reason = failure("DESCRIBE missing");
  EXPECT_NE(reason.find("Table sales.missing does not exist"), std::string::npos) << reason;
  reason = failure("SHOW PARTITIONS orders");
  EXPECT_NE(reason.find("not partitioned"), std::string::npos) << reason;
  reason = failure("CREATE DATABASE default");
  EXPECT_NE(reason.find("Database default already exists"), std::string::npos) << reason;
  EXPECT_FALSE(fs::exists(catalog("default/_database.meta")));
  reason = failure("CREATE DATABASE sales");
  EXPECT_NE(reason.find("Database sales already exists"), std::string::npos) << reason;
  reason = failure("CREATE EXTERNAL TABLE `../escape` (id int) LOCATION 's3://lake/x/'");
  EXPECT_NE(reason.find("not valid"), std::string::npos) << reason;
}

}  // namespace
}  // namespace athena_runner::runner
