// The catalog both fuzz targets bind SQL against: one table, default.t, with a column of every type family
// the binder handles.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "athena_runner/engine/sql/translate.hpp"

namespace athena_runner::testing {

class FuzzCatalog final : public sql::Catalog {
 public:
  FuzzCatalog() {
    table_.database = "default";
    table_.name = "t";
    const std::vector<std::pair<std::string, std::string>> columns = {{"i", "integer"},
                                                                      {"b", "bigint"},
                                                                      {"d", "double"},
                                                                      {"m", "decimal(10,2)"},
                                                                      {"s", "varchar"},
                                                                      {"dt", "date"},
                                                                      {"ts", "timestamp(3)"},
                                                                      {"a", "array(integer)"},
                                                                      {"mp", "map(varchar, integer)"},
                                                                      {"r", "row(x integer, y varchar)"},
                                                                      {"f", "boolean"}};
    for (const auto& [name, type] : columns) table_.columns.push_back({name, *sql::parse_type(type)});
  }
  const sql::TableSchema* find_table(const std::string& database, const std::string& table) const override {
    return database == "default" && table == "t" ? &table_ : nullptr;
  }
  bool has_database(const std::string& database) const override { return database == "default"; }

 private:
  sql::TableSchema table_;
};

}  // namespace athena_runner::testing
