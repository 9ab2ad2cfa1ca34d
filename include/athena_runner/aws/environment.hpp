// Injectable view of environment variables and the home directory.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace athena_runner::aws {

struct Environment {
  // Returns the variable's value, or nullopt when it is not set. Empty values count as set.
  std::function<std::optional<std::string>(std::string_view)> get;

  static Environment process();                                     // getenv()
  static Environment from_map(std::map<std::string, std::string>);  // tests

  // get(name) if set and non-empty.
  std::optional<std::string> non_empty(std::string_view name) const;
  // $HOME, falling back to the passwd entry.
  std::string home_directory() const;
};

}  // namespace athena_runner::aws
