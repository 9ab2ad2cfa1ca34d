// Glue serialisation and parsing on strings; shapes from botocore's glue/2017-03-31 model.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "athena_runner/aws/protocol/glue.hpp"

namespace athena_runner::aws::glue {
namespace {

using nlohmann::json;

TEST(GlueSerialize, Requests) {
  EXPECT_EQ(json::parse(protocol::serialize_get_database("sales", std::nullopt)), json({{"Name", "sales"}}));
  EXPECT_EQ(json::parse(protocol::serialize_get_table("sales", "orders", "123456789012")),
            json({{"CatalogId", "123456789012"}, {"DatabaseName", "sales"}, {"Name", "orders"}}));
  GetTablesRequest tables{"sales", std::nullopt, "ord.*", "tok", 100};
  EXPECT_EQ(json::parse(protocol::serialize_get_tables(tables)),
            json({{"DatabaseName", "sales"}, {"Expression", "ord.*"}, {"NextToken", "tok"}, {"MaxResults", 100}}));
  GetPartitionsRequest partitions{"sales", "orders", std::nullopt, "year = '2024'", std::nullopt, std::nullopt};
  EXPECT_EQ(json::parse(protocol::serialize_get_partitions(partitions)),
            json({{"DatabaseName", "sales"}, {"TableName", "orders"}, {"Expression", "year = '2024'"}}));
}

// Member order as `aws glue get-table` prints it; "IsRegisteredWithLakeFormation" and "VersionId" are
// members this client does not model: raw_json must keep them.
constexpr char kTableJson[] = R"({"Table": {"Name": "orders", "DatabaseName": "sales", "Owner": "hadoop",
  "CreateTime": 1709294405.0, "UpdateTime": 1709294410.5, "Retention": 0,
  "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "note", "Type": "string",
    "Comment": "free text"}], "Location": "s3://lake/orders/",
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat", "Compressed": true,
    "NumberOfBuckets": -1, "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
    "Parameters": {"field.delim": ",", "serialization.format": ","}}, "BucketColumns": [], "SortColumns": [],
    "Parameters": {"skip.header.line.count": "1"}, "StoredAsSubDirectories": false},
  "PartitionKeys": [{"Name": "dt", "Type": "string"}], "TableType": "EXTERNAL_TABLE",
  "Parameters": {"classification": "csv", "EXTERNAL": "TRUE"}, "CreatedBy": "arn:aws:iam::1:user/x",
  "IsRegisteredWithLakeFormation": false, "CatalogId": "123456789012", "VersionId": "3"}})";

TEST(GlueParse, TableShapeAndRawJson) {
  auto parsed = protocol::parse_get_table(kTableJson);
  ASSERT_TRUE(parsed) << parsed.get_failure().to_string();
  const auto& table = *parsed;
  EXPECT_EQ(table.name, "orders");
  EXPECT_EQ(table.database_name, "sales");
  EXPECT_EQ(table.owner, "hadoop");
  EXPECT_EQ(table.table_type, "EXTERNAL_TABLE");
  EXPECT_EQ(table.catalog_id, "123456789012");
  EXPECT_EQ(table.parameters, (Parameters{{"classification", "csv"}, {"EXTERNAL", "TRUE"}}));
  ASSERT_EQ(table.partition_keys.size(), 1u);
  EXPECT_EQ(table.partition_keys[0].name, "dt");
  EXPECT_EQ(table.partition_keys[0].type, "string");
  EXPECT_EQ(table.create_time, std::chrono::system_clock::time_point(std::chrono::seconds(1709294405)));
  ASSERT_TRUE(table.storage_descriptor);
  const auto& descriptor = *table.storage_descriptor;
  ASSERT_EQ(descriptor.columns.size(), 2u);
  EXPECT_EQ(descriptor.columns[1].name, "note");
  EXPECT_EQ(descriptor.columns[1].type, "string");
  EXPECT_EQ(descriptor.columns[1].comment, "free text");
  EXPECT_FALSE(descriptor.columns[0].comment);
  EXPECT_EQ(descriptor.location, "s3://lake/orders/");
  EXPECT_EQ(descriptor.input_format, "org.apache.hadoop.mapred.TextInputFormat");
  EXPECT_EQ(descriptor.output_format, "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat");
  EXPECT_TRUE(descriptor.compressed);
  EXPECT_EQ(descriptor.number_of_buckets, -1);
  ASSERT_TRUE(descriptor.serde_info);
  EXPECT_EQ(descriptor.serde_info->serialization_library, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
  EXPECT_EQ(descriptor.serde_info->parameters.at("field.delim"), ",");
  EXPECT_EQ(descriptor.parameters.at("skip.header.line.count"), "1");

  auto raw = json::parse(table.raw_json);
  EXPECT_EQ(raw, json::parse(kTableJson)["Table"]);  // nothing lost or changed
  auto ordered = nlohmann::ordered_json::parse(table.raw_json);
  EXPECT_EQ(ordered.begin().key(), "Name");  // order kept
  EXPECT_EQ(ordered.back(), "3");
}

TEST(GlueParse, TablesPartitionsDatabase) {
  auto tables = protocol::parse_get_tables(R"({"TableList": [{"Name": "a"}, {"Name": "b", "DatabaseName": "d"}],
                                            "NextToken": "n"})");
  ASSERT_TRUE(tables);
  ASSERT_EQ(tables->table_list.size(), 2u);
  EXPECT_EQ(tables->table_list[1].name, "b");
  EXPECT_EQ(tables->next_token, "n");
  EXPECT_EQ(json::parse(tables->table_list[0].raw_json), json({{"Name", "a"}}));

  auto partitions = protocol::parse_get_partitions(R"({"Partitions": [{"Values": ["2024", "03"], "DatabaseName": "d",
    "TableName": "t", "CreationTime": 1709294405, "StorageDescriptor": {"Location": "s3://lake/t/year=2024/month=03/"},
    "Parameters": {"k": "v"}}]})");
  ASSERT_TRUE(partitions);
  ASSERT_EQ(partitions->partitions.size(), 1u);
  const auto& partition = partitions->partitions[0];
  EXPECT_EQ(partition.values, (std::vector<std::string>{"2024", "03"}));
  EXPECT_EQ(partition.table_name, "t");
  EXPECT_EQ(partition.storage_descriptor->location, "s3://lake/t/year=2024/month=03/");
  EXPECT_EQ(partition.parameters.at("k"), "v");
  EXPECT_FALSE(partitions->next_token);

  auto database = protocol::parse_get_database(R"({"Database": {"Name": "sales", "Description": "d",
    "LocationUri": "s3://lake/", "Parameters": {"a": "b"}, "CreateTime": 1, "CatalogId": "1"}})");
  ASSERT_TRUE(database);
  EXPECT_EQ(database->name, "sales");
  EXPECT_EQ(database->location_uri, "s3://lake/");
  EXPECT_EQ(database->parameters.at("a"), "b");
  EXPECT_FALSE(protocol::parse_get_tables(R"({"TableList": [{"Name": 1}]})"));
}

}  // namespace
}  // namespace athena_runner::aws::glue
