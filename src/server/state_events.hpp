// Athena's state-change events for `serve --events-to` (StateChangeEvents in server.hpp), and the
// `--hold-running` knob that keeps a query RUNNING for a while (so a local query can last as long as a benchmark
// or a test needs, without burning the machine's cores).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>

#include "athena_runner/aws/credentials.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/base/random.hpp"
#include "athena_runner/runner/engine.hpp"
#include "athena_runner/server/server.hpp"

namespace athena_runner::server {

// `engine`, except that an execution submitted less than `hold` ago is shown RUNNING (once it left QUEUED),
// without a completion time, reason or error, and stopping it then makes it CANCELLED ("Query cancelled by
// user"). Everything else is passed through.
std::unique_ptr<runner::QueryEngine> hold_running(std::unique_ptr<runner::QueryEngine> engine,
                                                  std::chrono::milliseconds hold);

// One `Athena Query State Change` event as EventBridge delivers it. previous_state empty: the first (QUEUED).
struct StateChange {
  std::string query_execution_id;
  std::string work_group;
  std::string statement_type;  // DML, DDL, UTILITY; empty when the engine did not say
  std::string current_state;
  std::string previous_state;
  int sequence_number = 1;
};
std::string state_change_event_json(const StateChange& change, const StateChangeEvents& config,
                                    const std::string& event_id, std::chrono::system_clock::time_point time);

// Follows the executions it is told about and sends one event per state they pass through. Two threads: the
// watcher reads the states (every poll_interval while any execution is open), the sender delivers in order.
class StateEventPublisher {
 public:
  // Fails (InvalidEventsTarget) when the target is not an http(s) URL with a host.
  static Outcome<std::unique_ptr<StateEventPublisher>> open(const StateChangeEvents& config,
                                                            runner::QueryEngine& engine,
                                                            aws::Credentials signing_credentials, Random random,
                                                            std::ostream& log);
  ~StateEventPublisher();  // stops following; events already queued get one more attempt each
  StateEventPublisher(const StateEventPublisher&) = delete;
  StateEventPublisher& operator=(const StateEventPublisher&) = delete;

  // StartQueryExecution returned this id (a repeated token's id is followed once).
  void started(const std::string& query_execution_id, const std::string& work_group);

 private:
  struct Target {
    std::string scheme, host, path;
  };
  struct Followed {
    std::string work_group;
    aws::athena::QueryExecutionState state = aws::athena::QueryExecutionState::Queued;
    int sequence_number = 1;
  };
  StateEventPublisher(const StateChangeEvents& config, Target target, runner::QueryEngine& engine,
                      aws::Credentials signing_credentials, Random random, std::ostream& log);
  void watch();
  void send_all();
  void queue(const StateChange& change);
  bool deliver(const std::string& body, int attempts);

  StateChangeEvents config_;
  Target target_;
  runner::QueryEngine& engine_;
  aws::Credentials credentials_;
  Random random_;
  std::ostream& log_;
  std::unique_ptr<aws::HttpClient> http_;  // the sender's

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::map<std::string, Followed> followed_;  // open executions
  std::set<std::string> known_;               // every id followed so far
  std::deque<std::string> outbox_;            // event bodies, in order
  std::thread watcher_;
  std::thread sender_;
};

}  // namespace athena_runner::server
