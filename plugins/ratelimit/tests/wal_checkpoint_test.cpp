// Counted requests on SQLite never wait for a WAL checkpoint (core/db/wal_checkpointer.hpp).
// SQLite's automatic checkpoint ran inside the COMMIT that pushed the log past 1,000 pages and
// synced the log and the database file there, with the host's writer lock and the rate
// limiter's batch waiting. Here the disk is made slow (every sync sleeps 1 s, a preloaded
// library: tests/support/slow_sync) and 2,500 counted requests run one after another, enough
// for two checkpoints: none may take as long as the checkpoint's two syncs. One sync stays on
// the commit path by SQLite's design (synchronous = NORMAL syncs the log's header when the
// log starts over after a checkpoint), hence the bound of 1.7 s rather than 1 s.
#include "ratelimit_host.hpp"

#include "support/test_env.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <thread>

using namespace cc::test;

TEST(WalCheckpoint, CountedRequestsDoNotWaitForTheCheckpointsSyncs) {
  HostProcess host(rltest::plugins("{tiers: {free: {requests_per_day: 1000000, requests_per_month: 1000000}}}"));
  const std::string flag = (host.dir().path() / "slow-disk").string();
  ASSERT_TRUE(host.start({{"LD_PRELOAD", testPluginDir() + "/libcc_slow_sync.so"},
                          {"CC_SLOW_SYNC_FLAG", flag},
                          {"CC_SLOW_SYNC_MS", "1000"}}))
      << host.output();
  const std::string token = host.signup("counted@example.com");
  std::ofstream(flag).put('1');  // the disk is slow from now on

  using Clock = std::chrono::steady_clock;
  Clock::duration slowest{};
  for (int i = 0; i < 2500; ++i) {
    const auto started = Clock::now();
    const auto answer = host.get("/api/auth/me", token);
    slowest = std::max(slowest, Clock::now() - started);
    ASSERT_EQ(answer.status, 200) << "request " << i << ": " << answer.body;
  }
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count(), 1700)
      << "a counted request waited for a checkpoint's syncs";

  // The checkpoints did run (elsewhere): the database file itself, read without the log
  // (immutable), holds the user's counter.
  const std::string file = host.databaseUrl().substr(std::string("sqlite://").size());
  std::int64_t checkpointed = 0;
  for (int i = 0; i < 100 && checkpointed == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(("file:" + file + "?immutable=1").c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                        nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT MAX(\"requestsToday\") FROM \"RateLimitTracker\"", -1, &st, nullptr) ==
              SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW)
        checkpointed = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
    }
    sqlite3_close_v2(db);
  }
  EXPECT_GT(checkpointed, 0) << "no checkpoint copied the log into the database file";
}
