// render_query on the example file: what would be sent to Athena for one scheduled run.
#include "athena_runner/spec/render.hpp"

#include <gtest/gtest.h>

#include "athena_runner/spec/token.hpp"

namespace athena_runner::spec {
namespace {

const std::string kExample = std::string(AR_SOURCE_DIR) + "/examples/queries.yaml";

ResolvedQuery example(const char* name) {
  auto file = load_queries_file(kExample);
  EXPECT_TRUE(file) << file.get_failure().message;
  return *file->resolved(name);
}

TEST(RenderQuery, DailyRevenueForTheDocumentedPayload) {
  // docs/queries-file.md: scheduled_time 2024-05-02T04:00:00Z, i.e. 06:00 in Berlin on May 2nd.
  const ResolvedQuery query = example("daily_revenue");
  const Instant scheduled = *parse_instant("2024-05-02T04:00:00Z");
  auto rendered = render_query(query, scheduled);
  ASSERT_TRUE(rendered) << rendered.get_failure().message;
  EXPECT_EQ(rendered->execution_parameters, std::vector<std::string>{"DATE '2024-05-01'"});
  EXPECT_EQ(rendered->sql, query.sql);  // no templates in the SQL text
  EXPECT_EQ(rendered->workgroup, "primary");
  EXPECT_EQ(rendered->catalog, "AwsDataCatalog");
  EXPECT_EQ(rendered->database, "pizza");
  EXPECT_EQ(rendered->output, "s3://example-athena-results/athena-runner/");
  EXPECT_EQ(rendered->result_reuse, std::chrono::minutes(60));
  EXPECT_EQ(rendered->timeout, std::chrono::minutes(10));
  ASSERT_TRUE(rendered->encryption);
  EXPECT_EQ(rendered->encryption->type, "SSE_S3");
  EXPECT_EQ(rendered->client_request_token,
            client_request_token(TokenInput{"daily_revenue", scheduled, query.sql, {"DATE '2024-05-01'"}, 0}));

  auto again = render_query(query, scheduled);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->client_request_token, rendered->client_request_token);  // a retried trigger
  auto resubmitted = render_query(query, scheduled, 1);
  ASSERT_TRUE(resubmitted);
  EXPECT_NE(resubmitted->client_request_token, rendered->client_request_token);
  auto next_day = render_query(query, scheduled + std::chrono::hours(24));
  ASSERT_TRUE(next_day);
  EXPECT_EQ(next_day->execution_parameters, std::vector<std::string>{"DATE '2024-05-02'"});
  EXPECT_NE(next_day->client_request_token, rendered->client_request_token);
}

TEST(RenderQuery, WeeklyWindowInTheQueryZone) {
  // Monday 2024-05-06 07:30 Berlin = 05:30Z: the previous seven days are 04-29 .. 05-05.
  auto rendered = render_query(example("weekly_top_pizzas"), *parse_instant("2024-05-06T05:30:00Z"));
  ASSERT_TRUE(rendered) << rendered.get_failure().message;
  EXPECT_EQ(rendered->execution_parameters, (std::vector<std::string>{"DATE '2024-04-29'", "DATE '2024-05-05'"}));
  EXPECT_EQ(rendered->timeout, std::chrono::minutes(12));
}

TEST(RenderQuery, TemplateErrorsNameTheQueryKey) {
  ResolvedQuery query;
  query.name = "q";
  query.sql = "SELECT ?";
  query.database = "db";
  query.parameters = {"ok", "{{ nope }}"};
  auto rendered = render_query(query, Instant{});
  ASSERT_FALSE(rendered);
  EXPECT_EQ(rendered.get_failure().code, "InvalidTemplate");
  EXPECT_EQ(rendered.get_failure().message.rfind("queries.q.parameters[1]:1:4: unknown variable \"nope\"", 0), 0u)
      << rendered.get_failure().message;
}

}  // namespace
}  // namespace athena_runner::spec
