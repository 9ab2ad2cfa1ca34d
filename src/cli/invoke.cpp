// `athena-runner invoke`: runs the Lambda handler on an event, in this process, or as Lambda would: the
// packaged bootstrap under a loopback Runtime API (--package).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "athena_runner/aws/service_client.hpp"
#include "athena_runner/engine/athena_query_engine.hpp"
#include "athena_runner/lambda/handler.hpp"
#include "athena_runner/lambda/runtime_api_emulator.hpp"
#include "athena_runner/spec/value_formats.hpp"
#include "commands.hpp"

extern char** environ;

namespace athena_runner::cli {
namespace {

constexpr char kDefaultZip[] = "dist/athena-runner-lambda.zip";
constexpr char kRequestId[] = "00000000-0000-4000-8000-000000000001";
constexpr auto kStopGrace = std::chrono::seconds(5);

struct InvokeOptions {
  std::string event_path;
  bool package = false;
  std::string zip = kDefaultZip;
  std::string timeout = "15m";  // the function's timeout: the invocation deadline is now + this
  int invoke_port = -1;         // >= 0: also serve Lambda's Invoke API there and keep the function running
};

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void request_stop(int) { stop_requested = 1; }

// One line per answered invocation, for --invoke-port: what a log of the function's invocations shows.
void print_invocation(const lambda::PostedResult& result) {
  nlohmann::ordered_json line = {{"request_id", result.request_id},
                                 {"source", result.source},
                                 {"succeeded", result.kind == lambda::PostedResult::Kind::Response},
                                 {"billed_duration_ms", result.billed_milliseconds()}};
  if (!result.error_type_header.empty()) line["error_type"] = result.error_type_header;
  auto body = nlohmann::ordered_json::parse(result.body, nullptr, false);
  line[result.kind == lambda::PostedResult::Kind::Response ? "response" : "error"] =
      body.is_discarded() ? nlohmann::ordered_json(result.body) : body;
  std::cout << line.dump() << "\n" << std::flush;
}

std::optional<std::string> read_event(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Prints the handler's answer: the response on stdout, or the error document (and its type on stderr).
int print_response(bool success, const std::string& body, const std::string& error_type) {
  std::cout << body << "\n";
  if (success) return kExitOk;
  std::cerr << "athena-runner invoke: the invocation failed: " << error_type << "\n";
  return kExitFailed;
}

int invoke_in_process(const AwsOptions& aws_options, const std::string& payload,
                      std::chrono::system_clock::time_point deadline) {
  auto config = lambda::config_from_environment(aws::Environment::process());
  if (!config) {
    std::cerr << "athena-runner invoke: " << config.get_failure().message << "\n";
    return kExitConfiguration;
  }
  auto context =
      aws::ClientContext::from_environment(aws::curl_http_backend(), aws_options.profile, aws_options.region);
  if (!context) {
    std::cerr << "athena-runner invoke: " << context.get_failure().to_string() << "\n";
    return kExitConfiguration;
  }
  auto shared_context = std::make_shared<const aws::ClientContext>(std::move(*context));
  auto engine = engine::make_athena_query_engine(shared_context);
  auto store = lambda::make_s3_run_store(shared_context);
  const aws::sns::SnsClient sns(shared_context);  // as the bootstrap: a query's notify publishes
  auto objects = runner::make_s3_object_store(shared_context);
  lambda::QueryHandler handler(std::move(*config), *engine, Clock::system(), std::cerr, store.get(), &sns,
                               objects.get());
  lambda::InvocationRequest request;
  request.request_id = kRequestId;
  request.payload = payload;
  request.deadline = deadline;
  request.function_arn = "arn:aws:lambda:local:000000000000:function:athena-runner";
  auto response = handler(request);
  return print_response(response.is_success(), response.is_success() ? response.payload() : response.error_document(),
                        response.error_type());
}

// Runs argv (PATH lookup) with `environment` (nullptr: ours), stdout sent to our stderr when asked.
std::optional<pid_t> spawn(const std::vector<std::string>& argv, char* const* environment, bool stdout_to_stderr) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdout_to_stderr) posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid = 0;
  int failed = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environment ? environment : environ);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) return std::nullopt;
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Lambda's variables for the function (credentials resolved here, as Lambda passes the role's), plus the
// caller's ATHENA_RUNNER_* and endpoint settings so the package talks to the same Athena as we would.
std::optional<std::vector<std::string>> lambda_environment(const AwsOptions& aws_options, const std::string& task_root,
                                                           const std::string& runtime_api) {
  auto context =
      aws::ClientContext::from_environment(aws::curl_http_backend(), aws_options.profile, aws_options.region);
  if (!context) {
    std::cerr << "athena-runner invoke: " << context.get_failure().to_string() << "\n";
    return std::nullopt;
  }
  auto credentials = context->credentials->get_credentials();
  if (!credentials) {
    std::cerr << "athena-runner invoke: " << credentials.get_failure().to_string() << "\n";
    return std::nullopt;
  }
  std::map<std::string, std::string> variables = {
      {"AWS_LAMBDA_RUNTIME_API", runtime_api},
      {"_HANDLER", "bootstrap"},
      {"LAMBDA_TASK_ROOT", task_root},
      {"AWS_REGION", context->region},
      {"AWS_DEFAULT_REGION", context->region},
      {"AWS_ACCESS_KEY_ID", credentials->access_key_id},
      {"AWS_SECRET_ACCESS_KEY", credentials->secret_access_key},
      {"AWS_LAMBDA_FUNCTION_NAME", "athena-runner"},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"},
      {"LANG", "en_US.UTF-8"},
      {"TZ", ":UTC"},
      {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
  };
  if (!credentials->session_token.empty()) variables["AWS_SESSION_TOKEN"] = credentials->session_token;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text(*entry);
    auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    std::string name(text.substr(0, equals));
    if (name.rfind("ATHENA_RUNNER_", 0) == 0 || name.rfind("AWS_ENDPOINT_URL", 0) == 0 || name == "AWS_CA_BUNDLE" ||
        name == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" || name == "AWS_MAX_ATTEMPTS" || name == "AWS_RETRY_MODE")
      variables[name] = std::string(text.substr(equals + 1));
  }
  std::vector<std::string> entries;
  entries.reserve(variables.size());
  for (const auto& [name, value] : variables) entries.push_back(std::string(name).append("=").append(value));
  return entries;
}

int invoke_package(const AwsOptions& aws_options, const InvokeOptions& options, const std::string& payload,
                   std::chrono::system_clock::time_point deadline) {
  namespace fs = std::filesystem;
  if (!fs::exists(options.zip)) {
    std::cerr << "athena-runner invoke: no package at " << options.zip
              << " (build it with scripts/package-lambda.sh, or pass --zip)\n";
    return kExitUsage;
  }
  std::string pattern = (fs::temp_directory_path() / "athena-runner-invoke-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) {
    std::cerr << "athena-runner invoke: cannot create a temporary directory\n";
    return kExitFailed;
  }
  const fs::path task_root = pattern;
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{task_root};

  auto unzip = spawn({"unzip", "-q", "-o", options.zip, "-d", task_root.string()}, nullptr, true);
  if (!unzip || wait_for(*unzip) != 0) {
    std::cerr << "athena-runner invoke: could not unpack " << options.zip << " with unzip\n";
    return kExitFailed;
  }

  std::optional<lambda::RuntimeApiEmulator> emulator;
  try {
    emulator.emplace(std::max(options.invoke_port, 0));
  } catch (const std::exception& error) {
    std::cerr << "athena-runner invoke: " << error.what() << "\n";
    return kExitConfiguration;
  }
  lambda::RuntimeApiEmulator& runtime_api = *emulator;
  if (auto timeout = spec::parse_duration(options.timeout))
    runtime_api.set_function_timeout(std::chrono::duration_cast<std::chrono::milliseconds>(*timeout));
  auto variables = lambda_environment(aws_options, task_root.string(), runtime_api.endpoint());
  if (!variables) return kExitConfiguration;
  std::vector<char*> environment;
  for (auto& entry : *variables) environment.push_back(entry.data());
  environment.push_back(nullptr);
  // The function's logs (its stdout and stderr) go to our stderr; our stdout carries only the answer.
  auto function = spawn({(task_root / "bootstrap").string()}, environment.data(), true);
  if (!function) {
    std::cerr << "athena-runner invoke: could not start " << (task_root / "bootstrap").string() << "\n";
    return kExitFailed;
  }

  lambda::QueuedEvent event;
  event.payload = payload;
  event.request_id = kRequestId;
  event.deadline = deadline;
  runtime_api.enqueue(event);
  std::optional<lambda::PostedResult> result;
  std::optional<int> exited;
  const bool serving = options.invoke_port >= 0;
  std::size_t printed = 0;
  bool all_succeeded = true;
  if (serving) {
    std::cerr << "athena-runner invoke: Lambda Invoke API at " << runtime_api.invoke_url()
              << " (the function runs until SIGINT or SIGTERM)\n";
    struct sigaction action {};
    action.sa_handler = request_stop;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
  }
  while (serving && !stop_requested) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto results = runtime_api.results();
    for (; printed < results.size(); ++printed) {
      if (results[printed].kind != lambda::PostedResult::Kind::Response) all_succeeded = false;
      print_invocation(results[printed]);
    }
    int status = 0;
    if (::waitpid(*function, &status, WNOHANG) == *function) {
      exited = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      std::cerr << "athena-runner invoke: the function exited with status " << *exited << "\n";
      return kExitFailed;
    }
  }
  while (!serving && !result && std::chrono::system_clock::now() < deadline) {
    result = runtime_api.wait_result(kRequestId, std::chrono::milliseconds(100));
    if (!result) result = runtime_api.wait_init_error(std::chrono::milliseconds(0));
    int status = 0;
    if (!result && ::waitpid(*function, &status, WNOHANG) == *function) {
      exited = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
  }
  if (!exited) {
    ::kill(*function, SIGTERM);
    const auto give_up = std::chrono::steady_clock::now() + kStopGrace;
    int status = 0;
    while (::waitpid(*function, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (::waitpid(*function, &status, WNOHANG) == 0) {
      ::kill(*function, SIGKILL);
      ::waitpid(*function, &status, 0);
    }
  }
  if (serving) {
    std::int64_t billed = 0;
    for (const auto& answered : runtime_api.results()) billed += answered.billed_milliseconds();
    std::cerr << "athena-runner invoke: stopped after " << printed << " invocation(s), billed " << billed << " ms\n";
    return all_succeeded ? kExitOk : kExitFailed;
  }
  if (!result) {
    std::cerr << "athena-runner invoke: the function "
              << (exited ? "exited with status " + std::to_string(*exited) : std::string("reached its deadline"))
              << " without answering\n";
    return kExitFailed;
  }
  if (result->kind == lambda::PostedResult::Kind::InitError) {
    std::cerr << "athena-runner invoke: the function failed to start (init error)\n";
    return print_response(false, result->body, result->error_type_header);
  }
  return print_response(result->kind == lambda::PostedResult::Kind::Response, result->body, result->error_type_header);
}

}  // namespace

CommandRunner add_invoke_command(CLI::App& app, const AwsOptions& aws) {
  auto options = std::make_shared<InvokeOptions>();
  auto* command = app.add_subcommand(
      "invoke",
      "Run the Lambda handler on an event and print its response: in this process, or with --package as Lambda "
      "would (the packaged bootstrap under a loopback Runtime API). Exit 1 when the invocation fails.");
  command->add_option("--event", options->event_path, "event JSON file ('-' for stdin)")->required();
  command->add_flag("--package", options->package, "run the deployment package's bootstrap instead of this process");
  command->add_option("--zip", options->zip, "the package for --package")->capture_default_str();
  command->add_option("--timeout", options->timeout, "the function's timeout (the invocation deadline)")
      ->capture_default_str();
  command
      ->add_option("--invoke-port", options->invoke_port,
                   "with --package: after the event, keep the function running and serve Lambda's Invoke API on "
                   "this loopback port (0: any free port), e.g. for `serve --events-to`; prints one JSON line per "
                   "invocation until SIGINT/SIGTERM")
      ->check(CLI::Range(0, 65535));
  return [options, &aws]() {
    auto payload = read_event(options->event_path);
    if (!payload) {
      std::cerr << "athena-runner invoke: cannot read " << options->event_path << "\n";
      return kExitUsage;
    }
    auto timeout = spec::parse_duration(options->timeout);
    if (!timeout) {
      std::cerr << "athena-runner invoke: --timeout: " << timeout.get_failure().message << "\n";
      return kExitUsage;
    }
    if (options->invoke_port >= 0 && !options->package) {
      std::cerr << "athena-runner invoke: --invoke-port needs --package\n";
      return kExitUsage;
    }
    auto deadline = std::chrono::system_clock::now() + *timeout;
    return options->package ? invoke_package(aws, *options, *payload, deadline)
                            : invoke_in_process(aws, *payload, deadline);
  };
}

}  // namespace athena_runner::cli
