// Glue request serialisation and response parsing on strings (private; tested without a network).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "athena_runner/aws/glue.hpp"

namespace athena_runner::aws::glue::protocol {

inline constexpr std::string_view kGetDatabase = "GetDatabase";
inline constexpr std::string_view kGetTable = "GetTable";
inline constexpr std::string_view kGetTables = "GetTables";
inline constexpr std::string_view kGetPartitions = "GetPartitions";

std::string serialize_get_database(std::string_view name, const std::optional<std::string>& catalog_id);
std::string serialize_get_table(std::string_view database_name, std::string_view name,
                                const std::optional<std::string>& catalog_id);
std::string serialize_get_tables(const GetTablesRequest& request);
std::string serialize_get_partitions(const GetPartitionsRequest& request);

Outcome<Database> parse_get_database(std::string_view body);
Outcome<Table> parse_get_table(std::string_view body);
Outcome<GetTablesResult> parse_get_tables(std::string_view body);
Outcome<GetPartitionsResult> parse_get_partitions(std::string_view body);

}  // namespace athena_runner::aws::glue::protocol
