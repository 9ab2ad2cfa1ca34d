// JSON-lines logs for CloudWatch Logs: one object per line, {"time","level","message",...fields}.
// Fields are chosen by the caller; nothing here ever adds a credential or the session token.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "athena_runner/lambda/handler.hpp"

namespace athena_runner::lambda {

class JsonLog {
 public:
  JsonLog(std::ostream& out, LogLevel level, std::function<std::chrono::system_clock::time_point()> now)
      : out_(out), level_(level), now_(std::move(now)) {}

  bool enabled(LogLevel level) const { return static_cast<int>(level) <= static_cast<int>(level_); }

  void write(LogLevel level, std::string_view message,
             nlohmann::ordered_json fields = nlohmann::ordered_json::object()) {
    if (!enabled(level)) return;
    nlohmann::ordered_json line;
    line["time"] = format_time(now_());
    line["level"] = to_string(level);
    line["message"] = message;
    for (auto& [key, value] : fields.items()) line[key] = std::move(value);
    out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n' << std::flush;
  }

  // ISO 8601 UTC with milliseconds: 2024-05-02T04:00:00.123Z.
  static std::string format_time(std::chrono::system_clock::time_point time);

 private:
  std::ostream& out_;
  LogLevel level_;
  std::function<std::chrono::system_clock::time_point()> now_;
};

}  // namespace athena_runner::lambda
