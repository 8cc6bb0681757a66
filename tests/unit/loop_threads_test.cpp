// The server's loop threads (core/http/loop_threads.hpp): blocked handlers bring in more
// threads, and once the burst is over the deadline sweep's trim() parks them again, so quick
// requests go back to a few hot threads.
#include "core/http/loop_threads.hpp"

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <vector>
#include <set>
#include <thread>

using cc::core::http_front::LoopThreads;
using namespace std::chrono_literals;

namespace {

constexpr int kMax = 16;

int baseThreads() { return std::min(kMax, std::max(2, static_cast<int>(std::thread::hardware_concurrency()))); }

template <class Predicate>
bool waitFor(Predicate done, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// Runs `n` quick handlers and returns the loop threads that ran them. Lock-free, so no
/// handler ever sleeps in the kernel (which would let the monitor add a thread).
std::set<std::thread::id> threadsRunningQuickHandlers(boost::asio::io_context& ioc, LoopThreads& loop, int n) {
  std::vector<std::thread::id> ranOn(static_cast<std::size_t>(n));
  std::atomic<int> done{0};
  for (int i = 0; i < n; ++i)
    boost::asio::post(ioc, [&, i] {
      loop.enterRequest();
      ranOn[static_cast<std::size_t>(i)] = std::this_thread::get_id();
      loop.leaveRequest();
      done.fetch_add(1, std::memory_order_release);
    });
  EXPECT_TRUE(waitFor([&] { return done.load(std::memory_order_acquire) == n; }, 10s));
  return {ranOn.begin(), ranOn.end()};
}

}  // namespace

TEST(LoopThreads, ParkThreadsAgainAfterABurstOfBlockedHandlers) {
  constexpr int kBlocked = 10;
  ASSERT_LT(baseThreads() + 1, kBlocked) << "the test needs more blocked handlers than CPUs";
  boost::asio::io_context ioc;
  LoopThreads loop(ioc, kMax);
  loop.start();
  ASSERT_EQ(loop.running(), baseThreads());

  // A burst of handlers that sleep in the kernel (as on a database round trip).
  std::atomic<int> finished{0};
  for (int i = 0; i < kBlocked; ++i)
    boost::asio::post(ioc, [&] {
      loop.enterRequest();
      std::this_thread::sleep_for(1500ms);
      loop.leaveRequest();
      ++finished;
    });
  EXPECT_TRUE(waitFor([&] { return loop.running() >= kBlocked; }, 5s))
      << "only " << loop.running() << " threads run the loop for " << kBlocked << " blocked handlers";
  ASSERT_TRUE(waitFor([&] { return finished.load() == kBlocked; }, 20s));
  const int afterBurst = loop.running();
  EXPECT_GT(afterBurst, baseThreads());

  // The burst's peak keeps the threads for one more sweep; then each sweep parks one.
  loop.trim();
  EXPECT_EQ(loop.running(), afterBurst) << "the sweep right after the burst parked a thread the burst used";
  for (int i = 0; i < kMax; ++i) loop.trim();
  EXPECT_EQ(loop.running(), baseThreads());

  // Parked threads really stop taking work: quick handlers run on the base threads only.
  // (A thread parked by trim() leaves the loop within its run_for slice of 200 ms.)
  std::this_thread::sleep_for(400ms);
  auto ids = threadsRunningQuickHandlers(ioc, loop, 2000);
  EXPECT_LE(static_cast<int>(ids.size()), baseThreads());
  EXPECT_EQ(loop.running(), baseThreads());
  loop.stop();
}

TEST(LoopThreads, TrimKeepsTheThreadsThatRequestsStillUse) {
  boost::asio::io_context ioc;
  LoopThreads loop(ioc, kMax);
  loop.start();
  std::atomic<bool> release{false};
  std::atomic<int> finished{0};
  const int blocked = baseThreads() + 4;
  for (int i = 0; i < blocked; ++i)
    boost::asio::post(ioc, [&] {
      loop.enterRequest();
      while (!release.load()) std::this_thread::sleep_for(10ms);
      loop.leaveRequest();
      ++finished;
    });
  ASSERT_TRUE(waitFor([&] { return loop.running() > blocked; }, 5s)) << loop.running();
  // While every one of them is still in its handler, no sweep parks a thread below them.
  for (int i = 0; i < kMax; ++i) loop.trim();
  EXPECT_GT(loop.running(), blocked);
  release = true;
  ASSERT_TRUE(waitFor([&] { return finished.load() == blocked; }, 10s));
  loop.stop();
}
