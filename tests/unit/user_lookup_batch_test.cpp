// The user lookups of concurrent requests share one read (core/auth/user_lookup_batch.hpp):
// each request still gets its own user, every read that answers a request started after the
// request asked (so nothing committed before it is missed), a failed read fails exactly the
// requests it was for, and lookups outside a request block and are answered too.
#include "core/auth/user_lookup_batch.hpp"
#include "core/fibers/fiber_waiting.hpp"
#include "support/posted_request.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using cc::User;
using cc::core::fiberWaiting;
using cc::test::PostedRequest;
using cc::test::startPosted;
using cc::core::UserLookupBatch;

namespace {

/// A users table in memory whose reads are recorded: the ids of each read, and the table's
/// version when the read started (every user's tier is that version, so a request can tell
/// which state of the table answered it).
struct FakeTable {
  std::mutex mutex;
  std::map<std::string, bool> suspended;  // the users that exist
  int version = 0;
  std::vector<std::vector<std::string>> reads;

  std::vector<User> read(const std::vector<std::string>& ids) {
    std::lock_guard lock(mutex);
    reads.push_back(ids);
    std::vector<User> out;
    for (const auto& id : ids) {
      auto it = suspended.find(id);
      if (it != suspended.end()) out.push_back(User{id, id + "@example.com", false, it->second, std::to_string(version)});
    }
    return out;
  }
  void change(const std::string& id, bool isSuspended) {
    std::lock_guard lock(mutex);
    suspended[id] = isSuspended;
    ++version;
  }
};

}  // namespace

TEST(UserLookupBatch, RequestsReadyTogetherShareOneReadAndEachGetsItsOwnUser) {
  FakeTable table;
  for (int i = 0; i < 10; ++i) table.change("user-" + std::to_string(i), i % 3 == 0);
  UserLookupBatch batch([&](const std::vector<std::string>& ids) { return table.read(ids); }, fiberWaiting());

  boost::asio::io_context ioc;
  constexpr int kRequests = 40;
  std::vector<std::optional<User>> answers(kRequests);
  std::vector<std::shared_ptr<PostedRequest>> requests;
  for (int i = 0; i < kRequests; ++i) {
    // Every fourth asks for a user who does not exist.
    const std::string id = i % 4 == 3 ? "nobody-" + std::to_string(i) : "user-" + std::to_string(i % 10);
    requests.push_back(startPosted(ioc, [&, i, id] { answers[i] = batch.find(id); }));
  }
  ioc.run();

  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(requests[i]->done) << "request " << i << " never finished";
    if (i % 4 == 3) {
      EXPECT_FALSE(answers[i]) << "request " << i << " got a user that does not exist";
      continue;
    }
    ASSERT_TRUE(answers[i]) << "request " << i;
    EXPECT_EQ(answers[i]->id, "user-" + std::to_string(i % 10));
    EXPECT_EQ(answers[i]->suspended, (i % 10) % 3 == 0) << "request " << i;
  }
  // The first request yields its thread once: all the others, ready on the same thread, ask
  // before it reads. Without the yield each would read alone (40 reads).
  ASSERT_EQ(table.reads.size(), 1u);
  EXPECT_EQ(table.reads[0].size(), 10u + kRequests / 4) << "each id is read once per read";
  EXPECT_EQ(batch.counts().statements, 1u);
  EXPECT_EQ(batch.counts().lookups, static_cast<std::size_t>(kRequests));
}

TEST(UserLookupBatch, EveryAnswerComesFromAReadThatStartedAfterTheRequestAsked) {
  FakeTable table;
  table.change("u", false);
  UserLookupBatch batch([&](const std::vector<std::string>& ids) { return table.read(ids); }, fiberWaiting(), 4);

  // Two loop threads; each request asks five times in a row and the table changes between
  // asks, from the requests themselves, so reads, changes and later asks interleave. A lookup
  // asked at version v must be answered by a read of v or later: never by an earlier read.
  boost::asio::io_context ioc;
  constexpr int kRequests = 60;
  constexpr int kAsks = 5;
  std::atomic<int> stale{0}, answered{0};
  std::vector<std::shared_ptr<PostedRequest>> requests;
  for (int i = 0; i < kRequests; ++i) {
    requests.push_back(startPosted(ioc, [&, i] {
      for (int ask = 0; ask < kAsks; ++ask) {
        if ((i + ask) % 7 == 0) table.change("u", (i + ask) % 2 == 0);
        int askedAt;
        {
          std::lock_guard lock(table.mutex);
          askedAt = table.version;
        }
        auto user = batch.find("u");
        if (!user || std::stoi(user->tier) < askedAt) ++stale;
        ++answered;
      }
    }));
  }
  std::thread second([&] { ioc.run(); });
  ioc.run();
  second.join();
  EXPECT_EQ(answered.load(), kRequests * kAsks);
  EXPECT_EQ(stale.load(), 0) << "a lookup was answered by a read older than its question";
  EXPECT_LT(batch.counts().statements, static_cast<std::size_t>(kRequests * kAsks)) << "no lookups were shared";
  for (const auto& read : table.reads) EXPECT_LE(read.size(), 4u) << "maxBatch bounds a read";
}

TEST(UserLookupBatch, AFailedReadFailsTheRequestsItWasForAndTheNextReadServesTheRest) {
  std::atomic<int> reads{0};
  UserLookupBatch batch(
      [&](const std::vector<std::string>& ids) -> std::vector<User> {
        if (reads++ == 0) throw std::runtime_error("database is gone");
        return {User{ids[0], "x@example.com", false, false, "free"}};
      },
      fiberWaiting(), 3);

  boost::asio::io_context ioc;
  std::vector<std::string> outcomes(5);
  std::vector<std::shared_ptr<PostedRequest>> requests;
  for (int i = 0; i < 5; ++i) {
    requests.push_back(startPosted(ioc, [&, i] {
      try {
        outcomes[i] = batch.find("same-user") ? "user" : "none";
      } catch (const std::runtime_error& e) {
        outcomes[i] = e.what();
      }
    }));
  }
  ioc.run();
  // The first read took the three oldest (maxBatch 3) and failed; the two others were read next.
  EXPECT_EQ(outcomes, (std::vector<std::string>{"database is gone", "database is gone", "database is gone", "user",
                                                "user"}));
  EXPECT_EQ(reads.load(), 2);
}

TEST(UserLookupBatch, LookupsOutsideARequestBlockAndAreAnsweredToo) {
  FakeTable table;
  for (int i = 0; i < 4; ++i) table.change("t" + std::to_string(i), false);
  UserLookupBatch batch(
      [&](const std::vector<std::string>& ids) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // long enough for others to queue
        return table.read(ids);
      },
      fiberWaiting());
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string id = "t" + std::to_string((t + i) % 4);
        auto user = batch.find(id);
        if (user && user->id == id) ++right;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(right.load(), 160);
  EXPECT_EQ(batch.counts().lookups, 160u);
}
