#include "engine_selection.hpp"

#include <cstdlib>
#include <iostream>

#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/engine/athena_query_engine.hpp"
#ifdef AR_HAVE_LOCAL_ENGINE
#include "athena_runner/engine/local_query_engine.hpp"
#endif

namespace athena_runner::cli {

void add_engine_options(CLI::App& command, EngineOptions& options) {
  command
      .add_option("--engine", options.engine,
                  "Where queries run: athena, local (embedded DuckDB over local files), or auto (athena when AWS "
                  "credentials and a region are configured, else local)")
      ->check(CLI::IsMember({"auto", "athena", "local"}))
      ->capture_default_str();
  command.add_flag("--local", options.local, "Run on the local engine (same as --engine local)");
  command.add_option("--data-dir", options.data_dir,
                     "Local engine: folder standing in for S3 (<dir>/<bucket>/<key>), with the Glue catalog in "
                     "<dir>/.glue and query history in <dir>/.athena (default: $ATHENA_RUNNER_DATA_DIR, then "
                     "./athena-runner-data)");
  command.add_option("--workers", options.workers, "Local engine: queries running at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

std::string default_data_dir() {
  const char* env = std::getenv("ATHENA_RUNNER_DATA_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("athena-runner-data");
}

namespace {

Error usage_error(std::string code, std::string message, int exit_code) {
  auto error = make_error(ErrorKind::InvalidInput, std::move(code), std::move(message));
  error.http_status = exit_code;
  return error;
}

Outcome<SelectedEngine> open_local(const EngineOptions& options, std::string reason) {
#ifdef AR_HAVE_LOCAL_ENGINE
  engine::LocalWorkspace workspace;
  workspace.data_dir = options.data_dir.empty() ? default_data_dir() : options.data_dir;
  workspace.default_output = "s3://athena-runner-results/";
  workspace.workers = options.workers;
  auto opened = engine::open_local_query_engine(workspace);
  if (!opened) {
    auto error = opened.get_failure();
    error.http_status = kExitUsage;
    return error;
  }
  return SelectedEngine{std::move(opened).get_result(), runner::make_local_object_store(workspace.data_dir),
                        std::move(reason)};
#else
  (void)options;
  std::string why = std::move(reason);
  return usage_error("LocalEngineNotBuilt",
                     "the local engine was chosen (" + why +
                         "), but this athena-runner was built without DuckDB, so it is not available; "
                         "configure AWS (see `athena-runner doctor`) or rebuild after scripts/setup.sh",
                     kExitConfiguration);
#endif
}

}  // namespace

Outcome<SelectedEngine> select_engine(const AwsOptions& aws_options, const EngineOptions& options) {
  std::string choice = options.local ? "local" : options.engine;
  if (options.local && options.engine == "athena")
    return usage_error("ConflictingOptions", "--local and --engine athena contradict each other: choose one",
                       kExitUsage);
  if (choice == "local") return open_local(options, "asked for with --local/--engine local");
  if (choice == "auto" && !options.data_dir.empty())
    return open_local(options, "--data-dir given (use --engine athena to run on Athena)");

  auto context =
      aws::ClientContext::from_environment(aws::curl_http_backend(), aws_options.profile, aws_options.region);
  if (!context) {
    if (choice == "athena") {
      auto error = context.get_failure();
      error.http_status = kExitConfiguration;
      return error;
    }
    return open_local(options, "AWS is not configured (" + context.get_failure().message +
                                   "); use --engine athena to require Athena");
  }
  auto shared = std::make_shared<const aws::ClientContext>(std::move(context).get_result());
  if (shared->region.empty()) {
    if (choice == "athena")
      return usage_error("MissingRegion",
                         "no AWS region configured: set AWS_REGION, pass --region, or set region in ~/.aws/config",
                         kExitConfiguration);
    return open_local(options, "no AWS region configured (use --engine athena with --region to run on Athena)");
  }
  auto credentials = shared->credentials->get_credentials();
  if (!credentials) {
    if (choice == "athena") {
      auto error = credentials.get_failure();
      error.http_status = kExitConfiguration;
      return error;
    }
    return open_local(options, "no AWS credentials found (" + credentials.get_failure().message +
                                   "); use --engine athena to require Athena");
  }
  std::string reason = choice == "athena" ? "asked for with --engine athena"
                                          : "AWS credentials (" + credentials->describe() + ") and region " +
                                                shared->region + " configured; use --local to run locally";
  return SelectedEngine{engine::make_athena_query_engine(shared), runner::make_s3_object_store(shared),
                        std::move(reason)};
}

void announce(const SelectedEngine& selected) {
  std::cerr << "engine: " << selected.engine->describe() << " — " << selected.reason << "\n";
}

}  // namespace athena_runner::cli
