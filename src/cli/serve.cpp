// `athena-runner serve`: the local endpoint (S3, Glue and Athena APIs) on one loopback port.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include "athena_runner/server/server.hpp"
#include "athena_runner/spec/value_formats.hpp"
#include "commands.hpp"

namespace athena_runner::cli {
namespace {

constexpr const char* kDefaultDataDir = "athena-data";

int run_serve(const server::ServerConfig& config) {
  // SIGINT/SIGTERM are taken by one thread with sigwait (blocked everywhere else, inherited by the
  // server's threads), so stopping runs outside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto opened = server::Server::open(config);
  if (!opened) {
    std::cerr << "athena-runner serve: " << opened.get_failure().message << "\n";
    return kExitConfiguration;
  }
  server::Server& endpoint = **opened;
  std::thread signal_waiter([&] {
    int received = 0;
    sigwait(&signals, &received);
    endpoint.stop();
  });

  const bool loopback = config.host == "127.0.0.1" || config.host == "localhost" || config.host == "::1";
  if (!loopback && config.secret_access_key == server::kDefaultSecretAccessKey)
    std::cerr << "athena-runner serve: warning: listening on " << config.host
              << " with the default credentials (test/test): anyone who can reach this address can read and "
                 "write the data directory; set --secret-access-key (or ATHENA_RUNNER_SECRET_ACCESS_KEY)\n";
  if (config.events.enabled()) {
    std::string work_groups;
    for (const auto& name : config.events.work_groups) work_groups += (work_groups.empty() ? "" : ", ") + name;
    std::cout << "athena-runner serve: sending Athena Query State Change events to " << config.events.target << " ("
              << (work_groups.empty() ? std::string("every work group") : "work groups " + work_groups) << ")\n";
  }
  if (config.hold_running.count() > 0)
    std::cout << "athena-runner serve: holding every query RUNNING for " << config.hold_running.count()
              << " ms after its submission (test knob)\n";
  if (config.faults.enabled())
    std::cout << "athena-runner serve: injecting faults: throttle rate " << config.faults.throttle_rate
              << ", error rate " << config.faults.error_rate << ", latency " << config.faults.latency.count()
              << " ms\n";
  std::cout << "athena-runner serve: S3, Glue and Athena APIs at " << endpoint.endpoint() << "\n"
            << "  data directory: " << config.data_dir << "\n"
            << "  credentials:    AWS_ACCESS_KEY_ID=" << config.access_key_id << " AWS_SECRET_ACCESS_KEY="
            << (config.secret_access_key == server::kDefaultSecretAccessKey
                    ? std::string(server::kDefaultSecretAccessKey)
                    : std::string("<the secret you configured>"))
            << " AWS_REGION=us-east-1\n"
            << "  try:            AWS_ENDPOINT_URL=" << endpoint.endpoint() << " aws s3 ls\n"
            << std::flush;
  endpoint.run();
  // Wake the waiter if run() ended for another reason: it takes SIGTERM with sigwait (blocked in every
  // thread), so this terminates nothing.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  signal_waiter.join();
  std::cout << "athena-runner serve: stopped\n";
  return kExitOk;
}

}  // namespace

CommandRunner add_serve_command(CLI::App& app) {
  auto config = std::make_shared<server::ServerConfig>();
  config->data_dir = kDefaultDataDir;
  CLI::App* command = app.add_subcommand(
      "serve",
      "Serve the S3, Glue and Athena APIs locally over a data directory, for awscli, boto3, any SDK and "
      "the Lambda bootstrap (point them at it with AWS_ENDPOINT_URL). Requests must be SigV4-signed with the "
      "configured credentials (default test/test). Stops cleanly on SIGINT/SIGTERM.");
  command->add_option("--port", config->port, "TCP port (0: any free port)")->default_val(server::kDefaultPort);
  command->add_option("--host", config->host, "address to listen on")->default_val(std::string(server::kDefaultHost));
  command->add_option("--data-dir", config->data_dir, "where buckets, objects and the catalog live")
      ->default_val(std::string(kDefaultDataDir));
  command->add_option("--access-key-id", config->access_key_id, "access key id clients must sign with")
      ->envname("ATHENA_RUNNER_ACCESS_KEY_ID")
      ->default_val(std::string(server::kDefaultAccessKeyId));
  command
      ->add_option("--secret-access-key", config->secret_access_key,
                   "secret access key clients must sign with (prefer the environment variable)")
      ->envname("ATHENA_RUNNER_SECRET_ACCESS_KEY")
      ->default_val(std::string(server::kDefaultSecretAccessKey));
  command
      ->add_option("--fault-throttle-rate", config->faults.throttle_rate,
                   "fraction of requests answered with the service's throttling error (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--fault-error-rate", config->faults.error_rate,
                   "fraction of requests answered with the service's 500 error (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option_function<int>(
          "--fault-latency-ms",
          [config](int milliseconds) { config->faults.latency = std::chrono::milliseconds(milliseconds); },
          "milliseconds added to every request")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--fault-seed", config->faults.seed, "seed for the fault draws (0: random)");
  command->add_flag("--fsync", config->fsync_objects,
                    "fsync every S3 write before answering it, so it survives a power loss (default: it survives "
                    "a killed server, and puts do not wait on the disk)");
  command->add_option("--events-to", config->events.target,
                      "send Athena's state-change events (as EventBridge delivers them) to this Lambda Invoke URL, "
                      "e.g. http://127.0.0.1:9001/2015-03-31/functions/athena-runner/invocations");
  command->add_option("--events-work-group", config->events.work_groups,
                      "only events of this work group (repeatable; default: every work group)");
  command
      ->add_option("--events-max-attempts", config->events.max_attempts,
                   "attempts per event before it is dropped (the delay doubles from 100 ms)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command->add_option_function<std::string>(
      "--hold-running",
      [config](const std::string& text) {
        auto duration = spec::parse_duration(text);
        if (!duration) throw CLI::ValidationError("--hold-running", duration.get_failure().message);
        config->hold_running = std::chrono::duration_cast<std::chrono::milliseconds>(*duration);
      },
      "test/benchmark knob: report each query RUNNING until this long after its submission (e.g. 60s)");
  command->add_flag(
      "--quiet", [config](std::int64_t) { config->log_requests = false; }, "do not log requests");
  return [config] { return run_serve(*config); };
}

}  // namespace athena_runner::cli
