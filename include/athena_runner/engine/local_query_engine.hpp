// Engine "local": the runner's QueryEngine over LocalEngine (DuckDB), with Athena's behaviour where the
// runner and other processes can see it. Layout of a local data directory <D> (bucket names can not
// start with '.', so the state folders never collide with a bucket):
//
//   <D>/<bucket>/<key>                          s3://bucket/key
//   <D>/.glue/<database>/<table>.json           the catalog (aws glue get-table output shape)
//   <D>/.athena/executions/<id>.json            one QueryExecution per query, as GetQueryExecution prints it
//                                               ({"QueryExecution": {...}, "Local": {OwnerPid, ResultColumns}})
//   <D>/.athena/executions/<id>.stop            a stop request from another process (the owner cancels)
//   <D>/.athena/tokens/<sha256(token)>          the id started for a ClientRequestToken, and a digest of its
//                                               request (hashed: a token may hold any character, '/' too)
//
// Results go where Athena writes them: <OutputLocation><id>.csv (.txt for DDL), plus <id>.csv.metadata
// is not written. Records and results are written atomically, so `athena-runner status <id>` and
// `results <id>` work from another process, and a killed process leaves no partial file. A record is
// written when the query starts (QUEUED), when it has run for about 50 ms (RUNNING; most queries end
// sooner) and when it ends; the process running a query answers for it from memory.
#pragma once

#include <memory>
#include <string>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/base/random.hpp"
#include "athena_runner/runner/engine.hpp"

namespace athena_runner::engine {

struct LocalWorkspace {
  std::string data_dir;     // <D>
  std::string catalog_dir;  // empty: <D>/.glue
  std::string default_database = "default";
  std::string default_output;        // OutputLocation when the request has none, e.g. "s3://local-results/athena/"
  int workers = 1;                   // queries running at once (each on its own DuckDB connection)
  int threads_per_query = 0;         // DuckDB threads (0: all cores)
  Random random = Random::system();  // QueryExecutionIds and written files' names
};

// Opens (and creates if missing) the state folders; fails with a message naming the directory when
// it is not writable or the catalog is malformed.
Outcome<std::unique_ptr<runner::QueryEngine>> open_local_query_engine(const LocalWorkspace& workspace);

}  // namespace athena_runner::engine
