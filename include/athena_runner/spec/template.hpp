// Templates in sql and parameters: {{ variable | filter(args) | ... }}, rendered for a scheduled time in the
// query's time zone. docs/templates.md lists the variables and filters.
//
// Safety: every value a template can produce is computed by the renderer from the scheduled time (dates,
// times, numbers) or is the query name (restricted to [A-Za-z0-9_]); no variable carries free text from an
// event or a user, and date_format accepts only conversion specifiers and a few punctuation characters.
// So rendering into SQL text cannot inject SQL; still, prefer '?' with parameters for values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "athena_runner/base/outcome.hpp"
#include "athena_runner/spec/schedule.hpp"

namespace athena_runner::spec {

struct TemplateContext {
  Instant scheduled_time{};
  std::string time_zone = "UTC";  // IANA name
  std::string query_name;
};

// Renders `text`. `template_name` names it in errors, e.g. "queries.daily_revenue.parameters[0]"; errors
// (code "InvalidTemplate") read `<template_name>:<line>:<column>: <problem>; <what is allowed>`.
Outcome<std::string> render_template(std::string_view text, const TemplateContext& context,
                                     std::string_view template_name);

// The variable and filter names, for messages and docs.
const std::vector<std::string>& template_variable_names();
const std::vector<std::string>& template_filter_names();

}  // namespace athena_runner::spec
