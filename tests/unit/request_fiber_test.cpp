// Request fibers (core/fibers/request_fiber.hpp) and the host's cc::Waiting: a request that
// waits steps off its thread, continues on a loop thread once woken, and code outside a
// request still waits by blocking.
#include "core/fibers/fiber_waiting.hpp"
#include "core/fibers/request_fiber.hpp"

#include "plugins/ratelimit/src/count_combiner.hpp"
#include "support/posted_request.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using cc::Waiting;
using cc::core::fiberWaiting;
using cc::core::RequestFiber;
using cc::test::PostedRequest;
using cc::test::startPosted;
using namespace std::chrono_literals;

namespace {

template <class Predicate>
bool waitFor(Predicate done, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

}  // namespace

TEST(RequestFiber, WorkThatNeverWaitsFinishesInOneStepOnItsOwnFiber) {
  RequestFiber* seenInside = nullptr;
  int woken = 0;
  auto fiber = RequestFiber::create([&] { seenInside = RequestFiber::current(); }, [&] { ++woken; });
  EXPECT_EQ(RequestFiber::current(), nullptr);
  EXPECT_TRUE(fiber->step());
  EXPECT_EQ(seenInside, fiber.get());
  EXPECT_EQ(RequestFiber::current(), nullptr);
  EXPECT_TRUE(fiber->finished());
  EXPECT_EQ(woken, 0);
}

TEST(RequestFiber, ASuspendedFiberGivesBackItsThreadAndContinuesWhereItStoppedWhenWoken) {
  Waiting::Wake wake;
  int woken = 0;
  std::vector<int> trail;
  auto fiber = RequestFiber::create(
      [&] {
        trail.push_back(1);
        fiberWaiting().suspend([&](Waiting::Wake w) { wake = std::move(w); });
        trail.push_back(3);
      },
      [&] { ++woken; });
  EXPECT_FALSE(fiber->step());  // suspended: the step returned to this thread
  trail.push_back(2);
  ASSERT_TRUE(wake) << "arm() did not receive the wake";
  EXPECT_EQ(woken, 0);
  wake();
  wake();  // a second call does nothing
  EXPECT_EQ(woken, 1);
  EXPECT_TRUE(fiber->step());
  EXPECT_EQ(trail, (std::vector<int>{1, 2, 3}));
}

// A wake belongs to one suspension: kept and called again after the fiber continued and
// suspended anew, it must not continue the new suspension (whose own wake is still to come).
TEST(RequestFiber, AWakeOfAnEarlierSuspensionDoesNotContinueALaterOne) {
  std::vector<Waiting::Wake> wakes;
  int woken = 0;
  std::vector<int> trail;
  auto fiber = RequestFiber::create(
      [&] {
        fiberWaiting().suspend([&](Waiting::Wake w) { wakes.push_back(std::move(w)); });
        trail.push_back(1);
        fiberWaiting().suspend([&](Waiting::Wake w) { wakes.push_back(std::move(w)); });
        trail.push_back(2);
      },
      [&] { ++woken; });
  EXPECT_FALSE(fiber->step());
  ASSERT_EQ(wakes.size(), 1u);
  wakes[0]();
  EXPECT_EQ(woken, 1);
  EXPECT_FALSE(fiber->step());  // continued, then suspended again
  ASSERT_EQ(wakes.size(), 2u);
  wakes[0]();  // the first suspension's wake, late
  wakes[0]();
  EXPECT_EQ(woken, 1) << "a wake of the first suspension continued the second";
  wakes[1]();
  wakes[1]();
  EXPECT_EQ(woken, 2);
  EXPECT_TRUE(fiber->step());
  EXPECT_EQ(trail, (std::vector<int>{1, 2}));
}

TEST(RequestFiber, AWakeGivenInsideArmIsNotLost) {
  int woken = 0;
  bool after = false;
  auto fiber = RequestFiber::create(
      [&] {
        fiberWaiting().suspend([](Waiting::Wake w) { w(); });  // what it waits for already happened
        after = true;
      },
      [&] { ++woken; });
  EXPECT_FALSE(fiber->step());
  EXPECT_EQ(woken, 1);
  EXPECT_TRUE(fiber->step());
  EXPECT_TRUE(after);
}

TEST(RequestFiber, WhatTheWorkThrowsComesOutOfStepOnTheLoopThread) {
  auto fiber = RequestFiber::create([] { throw std::runtime_error("handler failed"); }, [] {});
  try {
    fiber->step();
    FAIL() << "step() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "handler failed");
  }
}

TEST(RequestFiber, HasAThreadsStackDepth) {
  // 4 MiB of locals in nested frames: what a thread's default 8 MiB stack holds.
  std::function<int(int)> deep = [&](int level) -> int {
    volatile char frame[64 * 1024];
    std::memset(const_cast<char*>(frame), level, sizeof frame);
    return level == 0 ? frame[10] : deep(level - 1) + frame[100];
  };
  int result = -1;
  auto fiber = RequestFiber::create([&] { result = deep(63); }, [] {});
  ASSERT_TRUE(fiber->step());
  EXPECT_EQ(result, 63 * 64 / 2);
}

TEST(FiberWaiting, OutsideARequestItBlocksTheThreadUntilWoken) {
  std::promise<Waiting::Wake> handed;
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    fiberWaiting().suspend([&](Waiting::Wake w) { handed.set_value(std::move(w)); });
    returned = true;
  });
  auto wake = handed.get_future().get();
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(returned.load()) << "suspend() returned before the wake";
  wake();
  waiter.join();
  EXPECT_TRUE(returned.load());
}

// The point of it all: on ONE loop thread, requests that wait for each other all get through.
// Threads that block on a wait would deadlock here (the first waits for the second, which
// could never run); fibers step aside.
TEST(RequestFiber, RequestsWaitingForEachOtherNeedNoThreadEach) {
  boost::asio::io_context ioc;
  auto guard = boost::asio::make_work_guard(ioc);
  std::thread loop([&] { ioc.run(); });

  constexpr int kRequests = 50;
  std::mutex mutex;
  std::vector<Waiting::Wake> parked;
  std::vector<std::shared_ptr<PostedRequest>> requests;
  std::set<std::thread::id> threads;
  for (int i = 0; i < kRequests; ++i)
    requests.push_back(startPosted(ioc, [&, i] {
      {
        std::lock_guard lock(mutex);
        threads.insert(std::this_thread::get_id());
      }
      if (i + 1 < kRequests) {  // every request but the last waits
        fiberWaiting().suspend([&](Waiting::Wake w) {
          std::lock_guard lock(mutex);
          parked.push_back(std::move(w));
        });
      } else {  // the last one wakes them all
        std::vector<Waiting::Wake> all;
        {
          std::lock_guard lock(mutex);
          all.swap(parked);
        }
        for (auto& w : all) w();
      }
    }));
  bool all = waitFor([&] {
    for (auto& r : requests)
      if (!r->done) return false;
    return true;
  }, 10s);
  guard.reset();
  ioc.stop();
  loop.join();
  ASSERT_TRUE(all) << "requests waiting for another request held the only thread";
  EXPECT_EQ(threads.size(), 1u);
}

// The rate limiter's combiner on fibers: many requests of one key on two loop threads, each
// counted exactly once at its own position, most of them waiting without a thread.
TEST(RequestFiber, TheCountCombinerCountsEveryRequestOnceWhenRequestsWaitAsFibers) {
  boost::asio::io_context ioc;
  auto guard = boost::asio::make_work_guard(ioc);
  std::vector<std::thread> loop;
  for (int t = 0; t < 2; ++t) loop.emplace_back([&] { ioc.run(); });

  cc::ratelimit::CountCombiner<std::int64_t> combiner(fiberWaiting());
  std::mutex rowMutex;
  std::int64_t row = 0;
  std::atomic<int> statements{0};
  constexpr int kRequests = 400;
  std::vector<std::int64_t> positions(kRequests, -1);
  std::vector<std::shared_ptr<PostedRequest>> requests;
  for (int i = 0; i < kRequests; ++i)
    requests.push_back(startPosted(ioc, [&, i] {
      auto share = combiner.count("user-1", 1000, [&](std::int64_t k) -> std::optional<std::int64_t> {
        ++statements;
        std::this_thread::sleep_for(200us);  // a statement's round trip
        std::lock_guard lock(rowMutex);
        row += k;
        return row;
      });
      positions[static_cast<std::size_t>(i)] = *share.afterBatch - share.countedAfterThis;
    }));
  bool all = waitFor([&] {
    for (auto& r : requests)
      if (!r->done) return false;
    return true;
  }, 20s);
  guard.reset();
  ioc.stop();
  for (auto& t : loop) t.join();
  ASSERT_TRUE(all);
  EXPECT_EQ(row, kRequests);
  std::set<std::int64_t> distinct(positions.begin(), positions.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kRequests)) << "two requests got the same position";
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kRequests);
  EXPECT_LT(statements.load(), kRequests / 4) << "requests were not counted together";
}

// A leader of the combiner yields its thread once before its statement (cc::Waiting::yield):
// the requests already ready on the same loop thread join its batch. On one thread, where
// nothing else can queue while a statement runs, 50 requests ready at once are one statement;
// without the yield each would lead a statement of its own (50).
TEST(RequestFiber, ACombinerLeaderLetsTheRequestsReadyOnItsThreadJoinItsBatch) {
  boost::asio::io_context ioc;
  cc::ratelimit::CountCombiner<std::int64_t> combiner(fiberWaiting());
  std::int64_t row = 0;
  std::vector<std::int64_t> batches;
  constexpr int kRequests = 50;
  std::vector<std::shared_ptr<PostedRequest>> requests;
  for (int i = 0; i < kRequests; ++i)
    requests.push_back(startPosted(ioc, [&] {
      combiner.count("user-1", 1000, [&](std::int64_t k) -> std::optional<std::int64_t> {
        batches.push_back(k);
        row += k;
        return row;
      });
    }));
  ioc.run();
  for (auto& r : requests) ASSERT_TRUE(r->done);
  EXPECT_EQ(row, kRequests);
  EXPECT_EQ(batches, std::vector<std::int64_t>{kRequests});
}

