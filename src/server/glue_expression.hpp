// Glue's partition filter expressions (GetPartitions Expression): comparisons of partition keys with
// literals (=, <>, !=, <, <=, >, >=, BETWEEN ... AND ..., IN (...), LIKE), combined with AND, OR, NOT
// and parentheses. Keys of integral types compare as numbers, the rest as strings.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::server {

struct PartitionKey {
  std::string value;
  bool numeric = false;  // int, bigint, smallint, tinyint
};

class PartitionFilter {
 public:
  // Fails (InvalidInputException) on a syntax error or an unknown key.
  static Outcome<PartitionFilter> parse(const std::string& expression,
                                        const std::map<std::string, bool>& key_is_numeric);
  bool matches(const std::map<std::string, PartitionKey>& partition) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace athena_runner::server
