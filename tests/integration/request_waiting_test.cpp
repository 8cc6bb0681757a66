// Requests that wait (cc::Waiting, Context::waiting()) on the real host hold no thread while
// they wait: with server.threads far below the number of requests waiting at once, a group of
// requests that can only answer once all of them have arrived still answers, every request on
// one of the server's few threads. Were waiting requests blocking their threads, the first
// ones would take every thread and the last ones could never be read. The route is
// tests/plugins/tp_waiting's.
#include "support/host_process.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace cc::test;

namespace {

std::string waitingPlugin() {
  return "  - name: tp_waiting\n    path: " + testPluginDir() + "/libcc_tp_waiting.so\n";
}

struct Outcome {
  std::atomic<int> answered{0};
  std::atomic<int> failed{0};
  std::atomic<int> wrong{0};
  std::atomic<long> mostThreads{0};
};

// `size` requests of one rendezvous group at once; true when all ended within `limit`.
bool rendezvous(HostProcess& host, const std::string& group, int size, Outcome& outcome,
                std::chrono::seconds limit) {
  std::vector<std::thread> clients;
  std::atomic<int> ended{0};
  for (int i = 0; i < size; ++i)
    clients.emplace_back([&] {
      try {
        auto r = host.get("/api/test/waiting/rendezvous?group=" + group + "&size=" + std::to_string(size));
        if (r.status != 200) {
          ++outcome.failed;
        } else {
          ++outcome.answered;
          if (jsonField(r.body, "arrived") != std::to_string(size)) ++outcome.wrong;
          long threads = std::stol(jsonField(r.body, "threadsSeen"));
          long seen = outcome.mostThreads.load();
          while (threads > seen && !outcome.mostThreads.compare_exchange_weak(seen, threads)) {
          }
        }
      } catch (const std::exception&) {
        ++outcome.failed;
      }
      ++ended;
    });
  auto until = std::chrono::steady_clock::now() + limit;
  while (ended.load() < size && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const bool all = ended.load() == size;
  if (!all) host.kill9();  // unblocks the clients still waiting
  for (auto& c : clients) c.join();
  return all;
}

}  // namespace

TEST(RequestWaiting, FortyRequestsWaitingForEachOtherAnswerOnTwoServerThreads) {
  HostProcess host(waitingPlugin(), "server:\n  threads: 2\n");
  ASSERT_TRUE(host.start()) << host.output();
  Outcome outcome;
  ASSERT_TRUE(rendezvous(host, "forty", 40, outcome, std::chrono::seconds(30)))
      << "requests that wait held their threads: " << outcome.answered.load() << " of 40 answered";
  EXPECT_EQ(outcome.answered.load(), 40);
  EXPECT_EQ(outcome.failed.load(), 0);
  EXPECT_EQ(outcome.wrong.load(), 0);
  // Every request of the group, before and after it waited, ran on the server's two threads.
  EXPECT_GE(outcome.mostThreads.load(), 1);
  EXPECT_LE(outcome.mostThreads.load(), 2);
}

TEST(RequestWaiting, AGroupCanWaitAgainAndTheHostStopsCleanlyAfterwards) {
  HostProcess host(waitingPlugin(), "server:\n  threads: 2\n");
  ASSERT_TRUE(host.start()) << host.output();
  for (const char* group : {"first", "second", "third"}) {
    Outcome outcome;
    ASSERT_TRUE(rendezvous(host, group, 10, outcome, std::chrono::seconds(30))) << group;
    EXPECT_EQ(outcome.answered.load(), 10) << group;
  }
  // The usual route still answers, and SIGTERM drains and exits 0 (no fiber left behind).
  EXPECT_EQ(host.get("/healthz").status, 200);
  EXPECT_EQ(host.stop(), 0) << host.output();
}

// A request whose wake never comes (its group never fills) does not hold up shutdown, and the
// wake the plugin still holds when it stops, after the server is gone, is harmless.
TEST(RequestWaiting, ARequestNeverWokenDoesNotHoldUpShutdown) {
  HostProcess host(waitingPlugin(), "server:\n  threads: 2\n  shutdown_grace_seconds: 1\n");
  ASSERT_TRUE(host.start()) << host.output();
  std::atomic<int> status{-1};
  std::thread lonely([&] {
    try {
      status = host.get("/api/test/waiting/rendezvous?group=lonely&size=2").status;
    } catch (const std::exception&) {
      status = 0;  // the connection closed without an answer
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // it has arrived and waits
  EXPECT_EQ(status.load(), -1) << "the lonely request answered without its group";
  EXPECT_EQ(host.get("/healthz").status, 200) << "a waiting request held the server";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(host.stop(), 0) << host.output();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  lonely.join();
  EXPECT_NE(status.load(), 200);
  EXPECT_NE(host.output().find("requests still running after the grace period"), std::string::npos)
      << host.output();
}
