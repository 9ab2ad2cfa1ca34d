// GlueClient against a real moto_server; the catalog is created with boto3 and the raw table JSON is
// compared with what `aws glue get-table` prints.
#include <gtest/gtest.h>

#include "athena_runner/aws/glue.hpp"
#include "client_test_support.hpp"

namespace athena_runner::aws::glue {
namespace {

using nlohmann::json;
using testing::MotoServer;

constexpr char kDatabase[] = "lake";

json orders_table_input() {
  return {{"Name", "orders"},
          {"Description", "one row per order"},
          {"Owner", "data-eng"},
          {"TableType", "EXTERNAL_TABLE"},
          {"Parameters", {{"classification", "csv"}, {"skip.header.line.count", "1"}}},
          {"PartitionKeys", {{{"Name", "year"}, {"Type", "string"}}, {{"Name", "month"}, {"Type", "string"}}}},
          {"StorageDescriptor",
           {{"Columns",
             {{{"Name", "order_id"}, {"Type", "bigint"}},
              {{"Name", "note"}, {"Type", "string"}, {"Comment", "free text, may hold commas"}}}},
            {"Location", "s3://lake/orders/"},
            {"InputFormat", "org.apache.hadoop.mapred.TextInputFormat"},
            {"OutputFormat", "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"},
            {"Compressed", false},
            {"SerdeInfo",
             {{"SerializationLibrary", "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"},
              {"Parameters", {{"field.delim", ","}}}}}}}};
}

json partition_input(const std::string& year, const std::string& month) {
  return {{"Values", {year, month}},
          {"StorageDescriptor", {{"Location", "s3://lake/orders/year=" + year + "/month=" + month + "/"}}}};
}

class GlueMoto : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new MotoServer();
    context_ = testing::moto_context(*moto_);
    json calls = json::array();
    auto add = [&](const char* operation, json params) {
      calls.push_back({{"service", "glue"}, {"operation", operation}, {"params", std::move(params)}});
    };
    add("CreateDatabase",
        {{"DatabaseInput", {{"Name", kDatabase}, {"Description", "the lake"}, {"LocationUri", "s3://lake/"}}}});
    add("CreateTable", {{"DatabaseName", kDatabase}, {"TableInput", orders_table_input()}});
    for (const char* name : {"events_a", "events_b", "other"}) {
      add("CreateTable", {{"DatabaseName", kDatabase}, {"TableInput", {{"Name", name}}}});
    }
    for (auto [year, month] : {std::pair{"2023", "12"}, {"2024", "01"}, {"2024", "02"}}) {
      add("CreatePartition",
          {{"DatabaseName", kDatabase}, {"TableName", "orders"}, {"PartitionInput", partition_input(year, month)}});
    }
    testing::boto3_batch(*moto_, calls);
  }
  static void TearDownTestSuite() {
    context_.reset();
    delete moto_;
    moto_ = nullptr;
  }
  static MotoServer* moto_;
  static std::shared_ptr<ClientContext> context_;
};
MotoServer* GlueMoto::moto_ = nullptr;
std::shared_ptr<ClientContext> GlueMoto::context_;

TEST_F(GlueMoto, GetDatabase) {
  GlueClient client(context_);
  auto database = client.get_database(kDatabase);
  ASSERT_TRUE(database) << database.get_failure().to_string();
  EXPECT_EQ(database->name, kDatabase);
  EXPECT_EQ(database->description, "the lake");
  EXPECT_EQ(database->location_uri, "s3://lake/");
  auto missing = client.get_database("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.get_failure().code, "EntityNotFoundException");
}

TEST_F(GlueMoto, GetTableMatchesWhatWasCreated) {
  GlueClient client(context_);
  auto table = client.get_table(kDatabase, "orders");
  ASSERT_TRUE(table) << table.get_failure().to_string();
  auto input = orders_table_input();
  EXPECT_EQ(table->name, "orders");
  EXPECT_EQ(table->database_name, kDatabase);
  EXPECT_EQ(table->description, input["Description"]);
  EXPECT_EQ(table->owner, input["Owner"]);
  EXPECT_EQ(table->table_type, "EXTERNAL_TABLE");
  EXPECT_EQ(table->parameters, input["Parameters"].get<Parameters>());
  ASSERT_EQ(table->partition_keys.size(), 2u);
  EXPECT_EQ(table->partition_keys[1].name, "month");
  ASSERT_TRUE(table->storage_descriptor);
  const auto& descriptor = *table->storage_descriptor;
  ASSERT_EQ(descriptor.columns.size(), 2u);
  EXPECT_EQ(descriptor.columns[0].name, "order_id");
  EXPECT_EQ(descriptor.columns[0].type, "bigint");
  EXPECT_EQ(descriptor.columns[1].comment, "free text, may hold commas");
  EXPECT_EQ(descriptor.location, "s3://lake/orders/");
  EXPECT_EQ(descriptor.input_format, input["StorageDescriptor"]["InputFormat"]);
  EXPECT_EQ(descriptor.output_format, input["StorageDescriptor"]["OutputFormat"]);
  EXPECT_FALSE(descriptor.compressed);
  ASSERT_TRUE(descriptor.serde_info);
  EXPECT_EQ(descriptor.serde_info->serialization_library, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
  EXPECT_EQ(descriptor.serde_info->parameters.at("field.delim"), ",");
  EXPECT_TRUE(table->create_time);
}

// Timestamps differ only in format (awscli prints ISO 8601, the wire has epoch seconds).
void drop_timestamps(json& value) {
  if (value.is_object()) {
    for (const char* key : {"CreateTime", "UpdateTime", "LastAccessTime", "LastAnalyzedTime"}) value.erase(key);
    for (auto& [key, item] : value.items()) drop_timestamps(item);
  } else if (value.is_array()) {
    for (auto& item : value) drop_timestamps(item);
  }
}

TEST_F(GlueMoto, RawTableJsonIsWhatAwsCliPrints) {
  GlueClient client(context_);
  auto raw = client.get_table_json(kDatabase, "orders");
  ASSERT_TRUE(raw) << raw.get_failure().to_string();
  auto table = client.get_table(kDatabase, "orders");
  ASSERT_TRUE(table);
  EXPECT_EQ(json::parse(*raw)["Table"], json::parse(table->raw_json));

  auto cli = testing::run_process(
      {"aws", "glue", "get-table", "--database-name", kDatabase, "--name", "orders", "--output", "json"}, {},
      moto_->client_environment());
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  auto ours = json::parse(*raw);
  auto theirs = json::parse(cli.out);
  drop_timestamps(ours);
  drop_timestamps(theirs);
  EXPECT_EQ(ours, theirs);
}

TEST_F(GlueMoto, GetTablesWithExpression) {
  GlueClient client(context_);
  auto all = client.get_all_tables({kDatabase, std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  ASSERT_TRUE(all) << all.get_failure().to_string();
  EXPECT_EQ(all->size(), 4u);
  auto events = client.get_all_tables({kDatabase, std::nullopt, "events.*", std::nullopt, std::nullopt});
  ASSERT_TRUE(events) << events.get_failure().to_string();
  std::set<std::string> names;
  for (const auto& table : *events) names.insert(table.name);
  EXPECT_EQ(names, (std::set<std::string>{"events_a", "events_b"}));
}

TEST_F(GlueMoto, GetPartitionsWithExpression) {
  GlueClient client(context_);
  auto all = client.get_all_partitions({kDatabase, "orders", std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  ASSERT_TRUE(all) << all.get_failure().to_string();
  EXPECT_EQ(all->size(), 3u);
  auto in_2024 =
      client.get_all_partitions({kDatabase, "orders", std::nullopt, "year = '2024'", std::nullopt, std::nullopt});
  ASSERT_TRUE(in_2024) << in_2024.get_failure().to_string();
  ASSERT_EQ(in_2024->size(), 2u);
  std::set<std::string> locations;
  for (const auto& partition : *in_2024) {
    EXPECT_EQ(partition.values.front(), "2024");
    EXPECT_EQ(partition.table_name, "orders");
    ASSERT_TRUE(partition.storage_descriptor);
    locations.insert(partition.storage_descriptor->location.value_or(""));
  }
  EXPECT_EQ(locations,
            (std::set<std::string>{"s3://lake/orders/year=2024/month=01/", "s3://lake/orders/year=2024/month=02/"}));
}

}  // namespace
}  // namespace athena_runner::aws::glue
