// Engine "athena" against `athena-runner serve` (in this process, on a temporary data directory): the
// GetQueryResults fallback reaches the printer page by page. serve pages a SELECT's result 1,000 rows at a time
// (the header line is the first page's first row, as Athena's), so 2,500 rows are three pages; every
// GetQueryResults request the client sends is counted on its way to the real server.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "athena_runner/aws/config.hpp"
#include "athena_runner/aws/credentials.hpp"
#include "athena_runner/aws/environment.hpp"
#include "athena_runner/aws/http.hpp"
#include "athena_runner/engine/athena_query_engine.hpp"
#include "athena_runner/runner/runner.hpp"
#include "athena_runner/server/server.hpp"
#include "support/temp_dir.hpp"

namespace athena_runner::runner {
namespace {

constexpr int kRows = 2500;

// The real HTTP client, counting the GetQueryResults calls it sends.
class CountingHttpClient final : public aws::HttpClient {
 public:
  explicit CountingHttpClient(std::shared_ptr<aws::HttpClient> inner) : inner_(std::move(inner)) {}
  Outcome<aws::HttpResponse> send(const aws::HttpRequest& request, const aws::BodySink* sink) override {
    if (request.header("X-Amz-Target").value_or("") == "AmazonAthena.GetQueryResults") ++get_query_results;
    return inner_->send(request, sink);
  }
  std::atomic<int> get_query_results{0};

 private:
  std::shared_ptr<aws::HttpClient> inner_;
};

// Records, for every row, how many GetQueryResults calls had been sent when it arrived.
class PageCountingSink final : public RowSink {
 public:
  explicit PageCountingSink(const CountingHttpClient& http, std::size_t stop_after = 0)
      : http_(http), stop_after_(stop_after) {}
  void columns(std::vector<std::string> names, std::vector<std::string> /*types*/) override { names_ = names; }
  bool row(ResultRow cells) override {
    calls_at_row.push_back(http_.get_query_results.load());
    first_cells.push_back(cells.empty() ? std::nullopt : cells.front());
    return stop_after_ == 0 || first_cells.size() < stop_after_;
  }
  void end(bool truncated) override {
    ended = true;
    was_truncated = truncated;
  }
  std::vector<std::string> names_;
  std::vector<int> calls_at_row;
  std::vector<std::optional<std::string>> first_cells;
  bool ended = false, was_truncated = false;

 private:
  const CountingHttpClient& http_;
  std::size_t stop_after_;
};

class AthenaEngineServe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    std::string csv = "id,name\n";
    for (int i = 0; i < kRows; ++i) csv += std::to_string(i) + ",name " + std::to_string(i) + "\n";
    dir_->write("lake/bench/t/part-0.csv", csv);
    dir_->write(".glue/bench/t.json",
                R"({"Table": {"Name": "t", "DatabaseName": "bench", "Parameters": {"skip.header.line.count": "1"},
                   "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}],
                   "Location": "s3://lake/bench/t/",
                   "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                                 "Parameters": {"field.delim": ","}}}}})");
    server::ServerConfig config;
    config.port = 0;
    config.data_dir = dir_->path();
    config.log_requests = false;
    auto opened = server::Server::open(config);
    ASSERT_TRUE(opened) << opened.get_failure().to_string();
    server_ = std::move(opened).get_result().release();
    thread_ = new std::thread([] { server_->run(); });

    std::map<std::string, std::string> variables{{"AWS_ENDPOINT_URL", server_->endpoint()},
                                                 {"AWS_REGION", "us-east-1"}};
    auto context = std::make_shared<aws::ClientContext>();
    context->environment = aws::Environment::from_map(variables);
    context->region = "us-east-1";
    aws::Credentials credentials;
    credentials.access_key_id = std::string(server::kDefaultAccessKeyId);
    credentials.secret_access_key = std::string(server::kDefaultSecretAccessKey);
    credentials.source = "test";
    context->credentials = aws::make_static_credentials(credentials);
    http_ = std::make_shared<CountingHttpClient>(aws::curl_http_backend().make_shared_client({}));
    context->http = http_;
    engine_ = engine::make_athena_query_engine(context).release();

    aws::athena::StartQueryExecutionRequest request;
    request.query_string = "SELECT id, name FROM t ORDER BY id";
    request.query_execution_context = aws::athena::QueryExecutionContext{"bench", std::nullopt};
    request.result_configuration = aws::athena::ResultConfiguration{};
    request.result_configuration->output_location = "s3://results/";
    auto id = engine_->start(request);
    ASSERT_TRUE(id) << id.get_failure().to_string();
    id_ = new std::string(*id);
    for (int i = 0; i < 600; ++i) {
      auto execution = engine_->get(*id_);
      ASSERT_TRUE(execution) << execution.get_failure().to_string();
      if (aws::athena::is_terminal(execution->status.state)) {
        ASSERT_EQ(execution->status.state, aws::athena::QueryExecutionState::Succeeded)
            << execution->status.state_change_reason.value_or("");
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the query did not finish";
  }
  static void TearDownTestSuite() {
    delete engine_;
    if (server_) server_->stop();
    if (thread_) thread_->join();
    delete thread_;
    delete server_;
    delete id_;
    http_.reset();
    delete dir_;
  }

  static testing::TempDir* dir_;
  static server::Server* server_;
  static std::thread* thread_;
  static std::shared_ptr<CountingHttpClient> http_;
  static QueryEngine* engine_;
  static std::string* id_;
};
testing::TempDir* AthenaEngineServe::dir_ = nullptr;
server::Server* AthenaEngineServe::server_ = nullptr;
std::thread* AthenaEngineServe::thread_ = nullptr;
std::shared_ptr<CountingHttpClient> AthenaEngineServe::http_;
QueryEngine* AthenaEngineServe::engine_ = nullptr;
std::string* AthenaEngineServe::id_ = nullptr;

TEST_F(AthenaEngineServe, GetQueryResultsReachesTheSinkOnePageAtATime) {
  const int before = http_->get_query_results.load();
  PageCountingSink sink(*http_);
  auto streamed = stream_query_results(*engine_, *id_, 0, sink);
  ASSERT_TRUE(streamed) << streamed.get_failure().to_string();
  EXPECT_EQ(streamed->via, "GetQueryResults");
  EXPECT_EQ(streamed->rows, static_cast<std::size_t>(kRows));
  EXPECT_FALSE(streamed->truncated);
  EXPECT_TRUE(sink.ended);
  EXPECT_EQ(sink.names_, (std::vector<std::string>{"id", "name"}));
  ASSERT_EQ(sink.first_cells.size(), static_cast<std::size_t>(kRows));
  for (int i = 0; i < kRows; ++i) ASSERT_EQ(sink.first_cells[i], std::to_string(i)) << "row " << i;
  // Pages of 1,000 rows, the first holding the header line: rows 0-998, 999-1998, 1999-2499. Each page's rows
  // reached the sink before the next page was asked for (collecting every page first would show 3 everywhere).
  EXPECT_EQ(sink.calls_at_row.front() - before, 1);
  EXPECT_EQ(sink.calls_at_row[998] - before, 1);
  EXPECT_EQ(sink.calls_at_row[999] - before, 2);
  EXPECT_EQ(sink.calls_at_row[1998] - before, 2);
  EXPECT_EQ(sink.calls_at_row[1999] - before, 3);
  EXPECT_EQ(sink.calls_at_row.back() - before, 3);
  EXPECT_EQ(http_->get_query_results.load() - before, 3);
}

TEST_F(AthenaEngineServe, GetQueryResultsAsksForNoPageBeyondTheRowsWanted) {
  const int before = http_->get_query_results.load();
  PageCountingSink limited(*http_);
  auto streamed = stream_query_results(*engine_, *id_, 10, limited);
  ASSERT_TRUE(streamed) << streamed.get_failure().to_string();
  EXPECT_EQ(streamed->rows, 10u);
  EXPECT_TRUE(streamed->truncated);
  EXPECT_TRUE(limited.was_truncated);
  EXPECT_EQ(http_->get_query_results.load() - before, 1);

  // A sink that wants no more (a closed pipe) stops the paging too.
  PageCountingSink stopping(*http_, 5);
  auto stopped = stream_query_results(*engine_, *id_, 0, stopping);
  ASSERT_TRUE(stopped) << stopped.get_failure().to_string();
  EXPECT_EQ(stopping.first_cells.size(), 5u);
  EXPECT_EQ(http_->get_query_results.load() - before, 2);
}

TEST_F(AthenaEngineServe, ResultsStillCollectsEveryPage) {
  auto table = engine_->results(*id_, 0);
  ASSERT_TRUE(table) << table.get_failure().to_string();
  EXPECT_EQ(table->rows.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(table->pages, 3);
  ASSERT_EQ(table->columns.size(), 2u);
  EXPECT_EQ(table->columns[1].name, "name");
  EXPECT_EQ(table->rows.back().data.at(1), "name 2499");
  auto first = engine_->results(*id_, 1500);
  ASSERT_TRUE(first) << first.get_failure().to_string();
  EXPECT_EQ(first->rows.size(), 1500u);
  EXPECT_EQ(first->pages, 2);
}

}  // namespace
}  // namespace athena_runner::runner
