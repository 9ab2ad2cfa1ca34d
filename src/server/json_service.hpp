// JSON 1.1 services (Glue, Athena): operations are registered by X-Amz-Target
// ("AWSGlue.GetTable") and answer a JSON document or an error in AWS's JSON shape.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "athena_runner/base/outcome.hpp"
#include "http_types.hpp"

namespace athena_runner::server {

using JsonHandler = std::function<Outcome<nlohmann::json>(const nlohmann::json& input)>;

// An error for a JSON service: code ("EntityNotFoundException"), message, HTTP status.
Error json_error(std::string code, std::string message, int http_status = 400);

class JsonService {
 public:
  // target_prefix: "AWSGlue"; signing_name: "glue" (the credential scope's service);
  // invalid_input_code: the service's name for a bad request ("InvalidInputException").
  JsonService(std::string target_prefix, std::string signing_name, std::string invalid_input_code);
  void add(const std::string& operation, JsonHandler handler);

  const std::string& target_prefix() const { return target_prefix_; }
  const std::string& signing_name() const { return signing_name_; }
  Response handle(const Request& request) const;

  static Response error_response(const Error& error, const Request& request);

 private:
  std::string target_prefix_;
  std::string signing_name_;
  std::string invalid_input_code_;
  std::map<std::string, JsonHandler> operations_;
};

}  // namespace athena_runner::server
