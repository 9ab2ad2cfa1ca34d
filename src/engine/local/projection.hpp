// Athena's partition projection: the partitions a table's `projection.*` parameters define, computed instead
// of read from the catalog (docs: partition-projection-supported-types, partition-projection-setting-up).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "catalog.hpp"

namespace athena_runner::engine::local {

// Athena's limit on the partitions one table projects (a query over more fails).
inline constexpr std::size_t kMaxProjectedPartitions = 1'000'000;

// True when `projection.enabled` is "true" (any case, surrounding spaces allowed).
bool projection_enabled(const CatalogTable& table);

// The values of each injected key a query gives (its static equality conditions), by key name.
using InjectedValues = std::map<std::string, std::vector<std::string>>;

// Whether a key's projection type is `injected`: its values come from each query.
bool has_injected_key(const CatalogTable& table);

// The projected partitions in key order (each value's combinations, the first key varying slowest), each at
// `storage.location.template` with ${key} replaced (else <table location>/key=value/...). `now` is the time
// NOW stands for in date ranges (UTC); `injected` the values of the injected keys (an injected key without
// values fails with Athena's CONSTRAINT_VIOLATION). An error names the parameter that is missing or invalid.
Outcome<std::vector<CatalogPartition>> projected_partitions(const CatalogTable& table, const std::string& data_root,
                                                            std::chrono::system_clock::time_point now,
                                                            const InjectedValues* injected = nullptr);

// Java's DateTimeFormatter for the pattern letters Athena's date projections use (y, M, d, H, m, s, S and
// 'quoted' text); nullopt for another letter. Exposed for tests.
struct DateFormat {
  struct Field {
    char letter = 0;  // 0: literal text
    int width = 0;
    std::string text;
  };
  std::vector<Field> fields;
};
Outcome<DateFormat> parse_date_format(const std::string& pattern);
std::string format_date(const DateFormat& format, std::chrono::system_clock::time_point time);
std::optional<std::chrono::system_clock::time_point> parse_date(const DateFormat& format, const std::string& text);

}  // namespace athena_runner::engine::local
