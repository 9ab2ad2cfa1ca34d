// Everything sent to Athena for one run of one query: rendered SQL and execution parameters, the
// idempotency token, and the execution context. `athena-runner render` prints this.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/spec/queries_file.hpp"
#include "athena_runner/spec/schedule.hpp"

namespace athena_runner::spec {

struct RenderedQuery {
  std::string name;
  Instant scheduled_time{};
  std::string time_zone;
  int generation = 0;
  std::string sql;                                   // QueryString
  std::vector<std::string> execution_parameters;     // ExecutionParameters
  std::string client_request_token;                  // ClientRequestToken
  std::string workgroup;                             // WorkGroup
  std::string catalog;                               // QueryExecutionContext.Catalog
  std::string database;                              // QueryExecutionContext.Database
  std::optional<std::string> output;                 // ResultConfiguration.OutputLocation
  std::optional<Encryption> encryption;              // ResultConfiguration.EncryptionConfiguration
  std::optional<std::string> expected_bucket_owner;  // ResultConfiguration.ExpectedBucketOwner
  std::optional<std::chrono::minutes> result_reuse;  // ResultReuseConfiguration...MaxAgeInMinutes
  std::chrono::seconds timeout{0};
  ResultFormat result_format = ResultFormat::Csv;
  std::vector<Delivery> deliver;  // each `to` rendered (docs/queries-file.md, "Delivery")
};

// Renders the query's templates for `scheduled_time` in its time zone and derives the token. Errors:
// template errors ("InvalidTemplate", naming queries.<name>.sql, .parameters[i] or .deliver[i].to).
Outcome<RenderedQuery> render_query(const ResolvedQuery& query, Instant scheduled_time, int generation = 0);

}  // namespace athena_runner::spec
