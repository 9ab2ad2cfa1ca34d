// The local endpoint behind `athena-runner serve`: the S3 and Glue (and next, Athena) HTTP APIs on one
// loopback port, over files in a data directory laid out as engine/local_query_engine.hpp describes.
// Every request must carry a valid SigV4 signature for the configured credentials.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/base/random.hpp"

namespace athena_runner::server {

// Documented defaults: the credentials every local AWS emulator accepts, so `AWS_ACCESS_KEY_ID=test
// AWS_SECRET_ACCESS_KEY=test` works out of the box. They protect nothing but a mistyped endpoint.
inline constexpr std::string_view kDefaultAccessKeyId = "test";
inline constexpr std::string_view kDefaultSecretAccessKey = "test";
inline constexpr std::string_view kDefaultHost = "127.0.0.1";
inline constexpr int kDefaultPort = 4590;

// Opt-in faults, so clients' retry paths can be exercised: applied to signed requests after their
// signature is verified, each drawn independently per request.
struct FaultInjection {
  double throttle_rate = 0;              // 0..1: answered with the service's throttling error (S3 503 SlowDown)
  double error_rate = 0;                 // 0..1: answered with the service's 500 error
  std::chrono::milliseconds latency{0};  // added to every request
  std::uint64_t seed = 0;                // 0: a random seed
  bool enabled() const { return throttle_rate > 0 || error_rate > 0 || latency.count() > 0; }
};

// Athena's state-change events, sent as EventBridge delivers them to a Lambda target (source `aws.athena`,
// detail-type `Athena Query State Change`, docs.aws.amazon.com/athena/latest/ug/athena-events.html): each
// event is a SigV4-signed asynchronous Lambda Invoke (`X-Amz-Invocation-Type: Event`) of `target`, sent from
// a thread of its own (a query never waits on it), in order, retried on a network error, 429 or 5xx.
struct StateChangeEvents {
  std::string target;                    // http://HOST:PORT/2015-03-31/functions/NAME/invocations; empty: none
  std::vector<std::string> work_groups;  // only queries of these work groups; empty: every work group
  int max_attempts = 5;                  // per event; then it is dropped, saying so on stderr
  std::chrono::milliseconds first_retry_delay{100};  // doubled after each failed attempt
  std::chrono::milliseconds poll_interval{10};       // how often running queries' states are read
  std::string account_id = "123456789012";
  std::string region = "us-east-1";
  bool enabled() const { return !target.empty(); }
};

struct ServerConfig {
  std::string host = std::string(kDefaultHost);  // loopback: the endpoint is for this machine
  int port = kDefaultPort;                       // 0: any free port (see Server::port())
  std::string data_dir;                          // created when missing
  std::string access_key_id = std::string(kDefaultAccessKeyId);
  std::string secret_access_key = std::string(kDefaultSecretAccessKey);
  std::chrono::seconds max_clock_skew{900};  // AWS's 15 minutes between X-Amz-Date and now
  int threads = 8;                           // requests served at once
  FaultInjection faults;
  StateChangeEvents events;
  // Test and benchmark knob: a query is reported RUNNING (GetQueryExecution, BatchGetQueryExecution,
  // GetQueryResults, state-change events) until this long after its submission, however soon it finished.
  std::chrono::milliseconds hold_running{0};
  bool log_requests = true;  // one line per request on stderr (method, path, status; no query)
  // S3 writes fsynced before they are answered (survive a power loss). Off: an answered write survives a
  // killed server (the kernel holds it) but not a crash of the machine, and puts do not wait on the disk.
  bool fsync_objects = false;
  Random random = Random::system();  // request, upload, query and named-query ids; fault draws unless faults.seed
};

class Server {
 public:
  // Prepares the data directory and binds the port; fails with a message naming what went wrong.
  static Outcome<std::unique_ptr<Server>> open(const ServerConfig& config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  std::string endpoint() const;  // "http://127.0.0.1:4590"
  // Serves until stop(); returns after in-flight requests finished.
  void run();
  // Safe from any thread (not from a signal handler: use a thread that waits for the signal).
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace athena_runner::server
