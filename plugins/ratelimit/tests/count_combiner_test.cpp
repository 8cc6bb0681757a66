// The combiner in front of the counting statement: concurrent counts of one key become one
// statement adding k, each request gets its own position, and a batch shares its error.
#include "count_combiner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using cc::ratelimit::CountCombiner;

namespace {

// A counter with a limit, standing in for the tracker row: adds k only when all k fit.
struct Row {
  std::mutex mutex;
  std::int64_t value = 0;
  std::int64_t limit = 0;
  std::vector<std::int64_t> batches;  // k of every statement, in order

  std::optional<std::int64_t> add(std::int64_t k) {
    // Slow enough that the other threads queue behind the statement in flight.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard lock(mutex);
    batches.push_back(k);
    if (value + k > limit) return std::nullopt;
    value += k;
    return value;
  }
};

// `threads` requests of one key released together; returns each admitted request's position
// (the counter after its own increment), counting a refused batch one by one like TrackerStore.
std::vector<std::int64_t> burst(CountCombiner<std::int64_t>& combiner, Row& row, int threads, std::int64_t maxBatch) {
  std::mutex mutex;
  std::vector<std::int64_t> positions;
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      auto share = combiner.count("user-1", maxBatch, [&](std::int64_t k) { return row.add(k); });
      std::optional<std::int64_t> mine;
      if (share.afterBatch) mine = *share.afterBatch - share.countedAfterThis;
      else if (share.batchSize > 1) mine = row.add(1);
      if (mine) {
        std::lock_guard lock(mutex);
        positions.push_back(*mine);
      }
    });
  }
  go = true;
  for (auto& t : pool) t.join();
  return positions;
}

}  // namespace

TEST(CountCombiner, ConcurrentCountsOfOneKeyShareStatementsAndEachGetsItsOwnPosition) {
  CountCombiner<std::int64_t> combiner;
  Row row;
  row.limit = 1'000'000;
  auto positions = burst(combiner, row, 64, row.limit);

  ASSERT_EQ(positions.size(), 64u);
  EXPECT_EQ(row.value, 64);
  // Positions 1..64, each exactly once: no two requests were told the same count.
  std::set<std::int64_t> distinct(positions.begin(), positions.end());
  EXPECT_EQ(distinct.size(), 64u);
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), 64);
  // Fewer statements than requests: the queued ones went together.
  EXPECT_LT(row.batches.size(), 64u);
  std::int64_t sum = 0;
  for (auto k : row.batches) sum += k;
  EXPECT_EQ(sum, 64);
}

TEST(CountCombiner, NearTheLimitExactlyTheRoomIsAdmitted) {
  CountCombiner<std::int64_t> combiner;
  Row row;
  row.limit = 20;
  auto positions = burst(combiner, row, 100, row.limit);

  EXPECT_EQ(row.value, 20);
  ASSERT_EQ(positions.size(), 20u);
  std::set<std::int64_t> distinct(positions.begin(), positions.end());
  EXPECT_EQ(distinct.size(), 20u);
  EXPECT_EQ(*distinct.rbegin(), 20);
}

TEST(CountCombiner, NoStatementAddsMoreThanTheLargestBatch) {
  CountCombiner<std::int64_t> combiner;
  Row row;
  row.limit = 1'000'000;
  auto positions = burst(combiner, row, 64, 3);

  EXPECT_EQ(positions.size(), 64u);
  EXPECT_EQ(row.value, 64);
  for (auto k : row.batches) EXPECT_LE(k, 3);
}

TEST(CountCombiner, KeysDoNotWaitForEachOther) {
  CountCombiner<std::int64_t> combiner;
  std::atomic<bool> release{false};
  std::atomic<int> inFlight{0};
  // The first key's statement blocks until the second key's statement has run.
  std::thread first([&] {
    combiner.count("user-a", 10, [&](std::int64_t k) -> std::optional<std::int64_t> {
      ++inFlight;
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return k;
    });
  });
  while (inFlight.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto other = combiner.count("user-b", 10, [&](std::int64_t k) -> std::optional<std::int64_t> { return k; });
  release = true;
  first.join();
  ASSERT_TRUE(other.afterBatch);
  EXPECT_EQ(*other.afterBatch, 1);
  EXPECT_EQ(other.batchSize, 1);
}

TEST(CountCombiner, EveryRequestOfAFailedBatchGetsItsError) {
  CountCombiner<std::int64_t> combiner;
  std::atomic<int> errors{0}, calls{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int i = 0; i < 16; ++i) {
    pool.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      try {
        combiner.count("user-1", 100, [&](std::int64_t) -> std::optional<std::int64_t> {
          ++calls;
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          throw std::runtime_error("the database went away");
        });
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "the database went away") ++errors;
      }
    });
  }
  go = true;
  for (auto& t : pool) t.join();
  EXPECT_EQ(errors.load(), 16);
  EXPECT_LE(calls.load(), 16);
  // The key is free again afterwards: a new request leads at once.
  auto after = combiner.count("user-1", 100, [](std::int64_t k) -> std::optional<std::int64_t> { return k; });
  EXPECT_EQ(after.batchSize, 1);
}
