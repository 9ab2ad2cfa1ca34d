// The one connection pool both HTTP backends use (make_pooled_http_client).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "athena_runner/aws/http.hpp"

namespace athena_runner::aws {
namespace {

// A client that answers with its own serial number; `gate` holds every send until released.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  int waiting = 0;
  bool open = true;
};

class NumberedClient final : public HttpClient {
 public:
  NumberedClient(int number, Gate& gate) : number_(number), gate_(gate) {}
  Outcome<HttpResponse> send(const HttpRequest&, const BodySink*) override {
    std::unique_lock lock(gate_.mutex);
    ++gate_.waiting;
    gate_.changed.notify_all();
    gate_.changed.wait(lock, [&] { return gate_.open; });
    --gate_.waiting;
    HttpResponse response;
    response.status = 200;
    response.body = std::to_string(number_);
    return response;
  }

 private:
  int number_;
  Gate& gate_;
};

TEST(HttpPool, ReusesAnIdleClientForSequentialRequests) {
  Gate gate;
  std::atomic<int> made{0};
  auto pool = make_pooled_http_client([&] { return std::make_unique<NumberedClient>(++made, gate); });
  for (int i = 0; i < 5; ++i) {
    auto response = pool->send(HttpRequest{});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "1");
  }
  EXPECT_EQ(made.load(), 1);
}

TEST(HttpPool, MakesOneClientPerConcurrentRequestAndKeepsAtMostTheIdleLimit) {
  Gate gate;
  std::atomic<int> made{0};
  auto pool = make_pooled_http_client([&] { return std::make_unique<NumberedClient>(++made, gate); });
  constexpr int kConcurrent = static_cast<int>(kMaxIdleHttpClients) + 4;
  // kConcurrent requests held until every one of them is inside a client's send().
  auto burst = [&] {
    gate.open = false;
    std::vector<std::thread> threads;
    for (int i = 0; i < kConcurrent; ++i) threads.emplace_back([&] { ASSERT_TRUE(pool->send(HttpRequest{})); });
    {
      std::unique_lock lock(gate.mutex);
      gate.changed.wait(lock, [&] { return gate.waiting == kConcurrent; });
      gate.open = true;
      gate.changed.notify_all();
    }
    for (auto& thread : threads) thread.join();
  };
  burst();
  EXPECT_EQ(made.load(), kConcurrent) << "no client is shared by two requests at once";

  // Now kMaxIdleHttpClients are idle: that many concurrent requests make no new client, one more does.
  burst();
  EXPECT_EQ(made.load(), kConcurrent + 4);
}

TEST(HttpBackends, NameTheirClients) {
  EXPECT_EQ(curl_http_backend().name, "curl");
  EXPECT_EQ(lite_http_backend().name, "lite");
  EXPECT_TRUE(curl_http_backend());
  EXPECT_FALSE(HttpBackend{});
}

}  // namespace
}  // namespace athena_runner::aws
