#include "athena_runner/spec/render.hpp"

#include "athena_runner/spec/template.hpp"
#include "athena_runner/spec/token.hpp"

namespace athena_runner::spec {

Outcome<RenderedQuery> render_query(const ResolvedQuery& query, Instant scheduled_time, int generation) {
  const TemplateContext context{scheduled_time, query.timezone, query.name};
  const std::string base = "queries." + query.name;
  auto sql = render_template(query.sql, context, base + ".sql");
  if (!sql) return std::move(sql).get_failure();

  RenderedQuery rendered;
  rendered.name = query.name;
  rendered.scheduled_time = scheduled_time;
  rendered.time_zone = query.timezone;
  rendered.generation = generation;
  rendered.sql = std::move(sql).get_result();
  for (std::size_t i = 0; i < query.parameters.size(); ++i) {
    auto parameter = render_template(query.parameters[i], context, base + ".parameters[" + std::to_string(i) + "]");
    if (!parameter) return std::move(parameter).get_failure();
    rendered.execution_parameters.push_back(std::move(parameter).get_result());
  }
  rendered.client_request_token = client_request_token(
      TokenInput{query.name, scheduled_time, rendered.sql, rendered.execution_parameters, generation});
  rendered.workgroup = query.workgroup;
  rendered.catalog = query.catalog;
  rendered.database = query.database;
  rendered.output = query.output;
  rendered.encryption = query.encryption;
  rendered.expected_bucket_owner = query.expected_bucket_owner;
  rendered.result_reuse = query.result_reuse;
  rendered.timeout = query.timeout;
  rendered.result_format = query.result_format;
  for (std::size_t i = 0; i < query.deliver.size(); ++i) {
    auto to = render_template(query.deliver[i].to, context, base + ".deliver[" + std::to_string(i) + "].to");
    if (!to) return std::move(to).get_failure();
    Delivery delivery = query.deliver[i];
    delivery.to = std::move(to).get_result();
    rendered.deliver.push_back(std::move(delivery));
  }
  return rendered;
}

}  // namespace athena_runner::spec
