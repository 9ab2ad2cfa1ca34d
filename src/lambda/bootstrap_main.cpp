// The Lambda function's executable: configuration and AWS context at start-up (a failure there is posted
// as the init error), then the Runtime API loop with the query handler. Links no DuckDB.
#include <functional>
#include <iostream>
#include <memory>

#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/engine/athena_query_engine.hpp"
#include "athena_runner/lambda/handler.hpp"
#include "athena_runner/lambda/runtime.hpp"
#include "json_log.hpp"

namespace {

using namespace athena_runner;

int fail_init(const Error& error) {
  lambda::JsonLog log(std::cerr, lambda::LogLevel::Error, [] { return std::chrono::system_clock::now(); });
  log.write(lambda::LogLevel::Error, "init failed", {{"error_type", error.code}, {"error", error.to_string()}});
  auto posted = lambda::report_init_error(error.to_string(), lambda::kErrorInvalidConfiguration);
  if (!posted)
    log.write(lambda::LogLevel::Error, "init error not posted", {{"error", posted.get_failure().to_string()}});
  return 1;
}

}  // namespace

int main() {
  try {
    auto config = lambda::config_from_environment(aws::Environment::process());
    if (!config) return fail_init(config.get_failure());
    auto context = aws::ClientContext::from_environment(aws::lite_http_backend());
    if (!context) return fail_init(context.get_failure());
    auto shared_context = std::make_shared<const aws::ClientContext>(std::move(*context));
    auto engine = engine::make_athena_query_engine(shared_context);
    auto store = lambda::make_s3_run_store(shared_context);
    const aws::sns::SnsClient sns(shared_context);
    auto objects = runner::make_s3_object_store(shared_context);
    lambda::QueryHandler handler(std::move(*config), *engine, Clock::system(), std::cout, store.get(), &sns,
                                 objects.get());
    auto status = lambda::run_handler(std::ref(handler));
    if (!status) {
      lambda::JsonLog log(std::cerr, lambda::LogLevel::Error, [] { return std::chrono::system_clock::now(); });
      log.write(lambda::LogLevel::Error, "runtime loop ended", {{"error", status.get_failure().to_string()}});
      return 1;
    }
    return 0;
  } catch (const std::exception& exception) {
    return fail_init(make_error(ErrorKind::Internal, "InitException", exception.what()));
  }
}
