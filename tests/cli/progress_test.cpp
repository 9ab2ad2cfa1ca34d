// The live progress line's statistics: rows read and stages from GetQueryRuntimeStatistics.
#include <gtest/gtest.h>

#include "command_support.hpp"

namespace athena_runner::cli {
namespace {

namespace athena = aws::athena;

TEST(ProgressStatistics, RowsReadAndStages) {
  athena::QueryRuntimeStatistics statistics;
  EXPECT_EQ(statistics_text(statistics), "");  // nothing known yet
  statistics.rows = athena::QueryRuntimeStatisticsRows{};
  statistics.rows->input_rows = 0;
  EXPECT_EQ(statistics_text(statistics), "");
  statistics.rows->input_rows = 9999;
  EXPECT_EQ(statistics_text(statistics), ", 9999 rows read");
  statistics.rows->input_rows = 12'345;
  EXPECT_EQ(statistics_text(statistics), ", 12.3k rows read");
  statistics.rows->input_rows = 1'250'000;
  athena::QueryStage root;
  root.sub_stages.resize(2);
  root.sub_stages[0].sub_stages.resize(1);
  statistics.output_stage = root;
  EXPECT_EQ(statistics_text(statistics), ", 1.2M rows read, 4 stages");
  statistics.rows->input_rows = 3'000'000'000;
  statistics.output_stage = athena::QueryStage{};
  EXPECT_EQ(statistics_text(statistics), ", 3.0G rows read, 1 stage");
}

}  // namespace
}  // namespace athena_runner::cli
