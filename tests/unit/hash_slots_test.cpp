// The bound on password hashes at once: at most `slots` hold a lease, at most `slots` more
// wait (bounded in time), everyone else is refused at once.
#include "core/auth/hash_slots.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace cc::core;
using namespace std::chrono_literals;

TEST(HashSlots, RefusesBeyondTheSlotsWithoutWaiting) {
  HashSlots slots(2, 0ms);
  auto a = slots.acquire(), b = slots.acquire();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(slots.acquire());
  a.reset();
  EXPECT_TRUE(slots.acquire());
}

TEST(HashSlots, WaitsBoundedForAFreedSlot) {
  HashSlots slots(1, 2000ms);
  auto held = slots.acquire();
  ASSERT_TRUE(held);
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    held.reset();
  });
  EXPECT_TRUE(slots.acquire());  // freed while waiting
  releaser.join();

  HashSlots busy(1, 50ms);
  auto only = busy.acquire();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(busy.acquire());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
}

TEST(HashSlots, AtMostSlotsRequestsWait) {
  HashSlots slots(1, 5000ms);
  auto held = slots.acquire();
  std::thread waiter([&] { slots.acquire(); });  // the one allowed to wait
  while (slots.waiting() == 0) std::this_thread::yield();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(slots.acquire());  // a second waiter is refused at once
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms);
  held.reset();
  waiter.join();
}

TEST(HashSlots, DefaultIsOnePerCore) {
  EXPECT_EQ(hashSlotCount(3), 3);
  EXPECT_GE(hashSlotCount(0), 1);
}
