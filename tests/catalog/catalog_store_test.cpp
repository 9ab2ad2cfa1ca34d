// The catalog store: name rules, table versions as Glue's GetTableVersions lists them, partition lists, the
// catalog name, and read-modify-writes from many threads (through two store objects on one folder) losing
// nothing. Expected values come from the inputs the test writes.
#include "athena_runner/catalog/catalog_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/temp_dir.hpp"

namespace athena_runner::catalog {
namespace {

using nlohmann::json;
using testing::TempDir;

TEST(CatalogStore, NamesAreLowerCasedAndNothingLeavesTheFolder) {
  EXPECT_EQ(*checked_name("Pizza_Sales", "table"), "pizza_sales");
  for (const std::string& bad : std::vector<std::string>{"", ".hidden", "a/b", "a\\b", "a\nb", std::string(256, 'x')}) {
    auto checked = checked_name(bad, "table");
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.get_failure().code, kInvalidName);
  }
  EXPECT_TRUE(checked_name(std::string(255, 'x'), "table"));
}

TEST(CatalogStore, OnlyAwsDataCatalogInAnyCase) {
  EXPECT_TRUE(check_data_catalog("awsdatacatalog"));
  EXPECT_TRUE(check_data_catalog("AwsDataCatalog"));
  auto other = check_data_catalog("hive");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.get_failure().code, kCatalogNotFound);
  EXPECT_EQ(other.get_failure().message, "Catalog 'hive' does not exist");
}

TEST(CatalogStore, EditsMoveTheVersionOnAndKeepThePreviousOnes) {
  TempDir dir;
  CatalogStore store(dir.path() + "/.glue");
  ASSERT_TRUE(*store.create_database("db", R"({"Name": "db"})"));
  EXPECT_FALSE(*store.create_database("db", R"({"Name": "db"})"));
  ASSERT_TRUE(*store.create_table("db", "t", R"({"Name": "t", "VersionId": "0", "Parameters": {"step": "0"}})"));
  EXPECT_FALSE(*store.create_table("db", "t", R"({"Name": "t"})"));
  // A table the store creates starts with an empty partition list.
  EXPECT_EQ(**store.partition_list("db", "t"), "[]");
  for (int step = 1; step <= 3; ++step) {
    ASSERT_TRUE(store.edit_table("db", "t", [&](const std::optional<std::string>& current) {
      json table = json::parse(*current);
      table["Parameters"]["step"] = std::to_string(step);
      table["VersionId"] = "99";  // the store decides the version, not the caller
      return Outcome<std::optional<std::string>>(table.dump());
    }));
  }
  json current = json::parse(**store.table("db", "t"));
  EXPECT_EQ(current["VersionId"], "3");
  json versions = json::parse(*store.table_versions("db", "t"));
  ASSERT_EQ(versions.size(), 4u);
  for (std::size_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i]["VersionId"], std::to_string(3 - i));
    EXPECT_EQ(versions[i]["Table"]["Parameters"]["step"], std::to_string(3 - i));
  }
  // An edit that fails writes nothing.
  auto failed =
      store.edit_table("db", "t", [](const std::optional<std::string>&) -> Outcome<std::optional<std::string>> {
        return make_error(ErrorKind::InvalidInput, "NOPE", "refused");
      });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.get_failure().code, "NOPE");
  EXPECT_EQ(json::parse(**store.table("db", "t"))["VersionId"], "3");
  EXPECT_TRUE(*store.drop_table("db", "t"));
  EXPECT_FALSE(*store.drop_table("db", "t"));
  EXPECT_FALSE(*store.table("db", "t"));
  EXPECT_EQ(*store.table_versions("db", "t"), "[]");
}

TEST(CatalogStore, AHandCopiedTableHasNoPartitionListUntilOneIsRegistered) {
  TempDir dir;
  dir.write(".glue/db/t.json", R"({"Table": {"Name": "t", "PartitionKeys": [{"Name": "dt", "Type": "string"}]}})");
  CatalogStore store(dir.path() + "/.glue");
  EXPECT_FALSE(*store.partition_list("db", "t"));
  EXPECT_EQ(*store.partitions("db", "t"), "[]");
  const std::string before = store.fingerprint();
  ASSERT_TRUE(store.edit_partitions("db", "t", [](const std::optional<std::string>& current) {
    EXPECT_FALSE(current);
    return Outcome<std::optional<std::string>>(std::string(R"([{"Values": ["2024-01-01"]}])"));
  }));
  EXPECT_EQ(json::parse(**store.partition_list("db", "t"))[0]["Values"][0], "2024-01-01");
  EXPECT_NE(store.fingerprint(), before);  // the change signal moved
  auto documents = store.table_documents();
  ASSERT_TRUE(documents);
  ASSERT_EQ(documents->size(), 1u);  // the partition list, versions and lock files are not table documents
  EXPECT_EQ((*documents)[0].database_folder, "db");
}

TEST(CatalogStore, ConcurrentEditsThroughTwoStoresLoseNothing) {
  TempDir dir;
  CatalogStore first(dir.path() + "/.glue"), second(dir.path() + "/.glue");
  ASSERT_TRUE(*first.create_database("db", "{}"));
  ASSERT_TRUE(*first.create_table("db", "t", R"({"Name": "t"})"));
  constexpr int kThreads = 8, kEdits = 25;
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      CatalogStore& store = thread % 2 ? first : second;
      for (int edit = 0; edit < kEdits; ++edit) {
        const std::string value = std::to_string(thread) + "-" + std::to_string(edit);
        auto done = store.edit_partitions("db", "t", [&](const std::optional<std::string>& current) {
          json list = json::parse(current.value_or("[]"));
          list.push_back({{"Values", {value}}});
          return Outcome<std::optional<std::string>>(list.dump());
        });
        EXPECT_TRUE(done);
        (void)store.edit_table("db", "t", [](const std::optional<std::string>& current) {
          return Outcome<std::optional<std::string>>(*current);
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(json::parse(*first.partitions("db", "t")).size(), static_cast<std::size_t>(kThreads * kEdits));
  EXPECT_EQ(json::parse(**first.table("db", "t"))["VersionId"], std::to_string(kThreads * kEdits));
}

}  // namespace
}  // namespace athena_runner::catalog
