// Helpers shared by the JSON 1.1 clients (private to ar_aws_clients and its tests).
#pragma once

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "athena_runner/base/outcome.hpp"

namespace athena_runner::aws::detail {

// Key order preserved: raw JSON that we pass on (Glue tables) keeps the service's member order.
using Json = nlohmann::ordered_json;

inline constexpr std::string_view kInvalidResponseCode = "InvalidResponse";

// A response we could not read: a Service error so callers see the operation and the reason.
inline Error invalid_response(std::string_view operation, std::string_view reason) {
  return make_error(ErrorKind::Service, std::string(kInvalidResponseCode),
                    std::string(operation) + ": unreadable response: " + std::string(reason));
}

// Members that are absent or JSON null read as nullopt (moto sends some nulls, e.g. WorkGroup).
inline const Json* member(const Json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(name);
  if (found == object.end() || found->is_null()) return nullptr;
  return &*found;
}

inline std::optional<std::string> optional_string(const Json& object, std::string_view name) {
  if (const auto* value = member(object, name)) return value->get<std::string>();
  return std::nullopt;
}

inline std::string string_or_empty(const Json& object, std::string_view name) {
  return optional_string(object, name).value_or(std::string());
}

template <class Integer>
std::optional<Integer> optional_integer(const Json& object, std::string_view name) {
  if (const auto* value = member(object, name)) return value->get<Integer>();
  return std::nullopt;
}

inline std::optional<bool> optional_bool(const Json& object, std::string_view name) {
  if (const auto* value = member(object, name)) return value->get<bool>();
  return std::nullopt;
}

// JSON protocols send timestamps as epoch seconds (a number, possibly fractional); kept to the millisecond.
inline std::optional<std::chrono::system_clock::time_point> optional_timestamp(const Json& object,
                                                                               std::string_view name) {
  const auto* value = member(object, name);
  if (!value) return std::nullopt;
  auto milliseconds = std::llround(value->get<double>() * 1000.0);
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(milliseconds));
}

inline std::map<std::string, std::string> string_map(const Json& object, std::string_view name) {
  std::map<std::string, std::string> result;
  if (const auto* value = member(object, name)) {
    for (const auto& [key, item] : value->items())
      result.emplace(key, item.is_string() ? item.get<std::string>() : item.dump());
  }
  return result;
}

inline std::vector<std::string> string_list(const Json& object, std::string_view name) {
  std::vector<std::string> result;
  if (const auto* value = member(object, name)) {
    for (const auto& item : *value) result.push_back(item.get<std::string>());
  }
  return result;
}

// Parses `body` and runs `read` on it; a JSON syntax or type error becomes invalid_response().
template <class T, class Reader>
Outcome<T> read_json(std::string_view operation, std::string_view body, Reader&& read) {
  try {
    auto document = Json::parse(body);
    if (!document.is_object()) return invalid_response(operation, "not a JSON object");
    return Outcome<T>(read(document));
  } catch (const nlohmann::json::exception& exception) {
    return invalid_response(operation, exception.what());
  }
}

}  // namespace athena_runner::aws::detail
