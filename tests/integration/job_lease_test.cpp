// The job lease (core/scheduler/job_lease.cpp) under contention, on SQLite and PostgreSQL: two
// "hosts" (each its own connection pool on one database), eight threads each, all trying to
// take the same job's lease at once, round after round. Exactly one holds it each round, and
// releasing leaves no row behind.
#include "core/db/database_impl.hpp"
#include "core/db/migrations.hpp"
#include "core/scheduler/job_lease.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <Poco/Logger.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

using namespace cc::test;

namespace {

class JobLeaseRace : public ::testing::TestWithParam<cc::Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == cc::Engine::PostgreSQL) {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set (scripts/test sets it)";
      url_ = createPostgresDatabase("cc_lease");
    } else {
      url_ = "sqlite://" + (dir_.path() / "lease.db").string();
    }
    hostA_ = open();
    hostB_ = open();
    cc::core::applyMigrations(*hostA_, {{"core", sourceDir() + "/migrations/core"}}, Poco::Logger::get("test"));
  }

  std::unique_ptr<cc::core::PooledDatabase> open() {
    cc::core::DatabaseConfig config;
    config.url = url_;
    return cc::core::openDatabase(config, dir_.str());
  }

  TempDir dir_;
  std::string url_;
  std::unique_ptr<cc::core::PooledDatabase> hostA_, hostB_;
};

}  // namespace

TEST_P(JobLeaseRace, ExactlyOneOfManyContendersHoldsTheLease) {
  constexpr int kThreadsPerHost = 8;
  constexpr int kRounds = 15;
  constexpr int kThreads = 2 * kThreadsPerHost;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> holders{0};
    std::atomic<int> errors{0};
    std::barrier start(kThreads), tried(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      cc::Database& db = i % 2 ? *hostA_ : *hostB_;
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        try {
          cc::core::JobLease lease(db, "race.job", "instance-" + std::to_string(i));
          if (lease.held()) ++holders;
          tried.arrive_and_wait();  // every lease is alive here: no one has released yet
        } catch (const std::exception& e) {
          ++errors;
          ADD_FAILURE() << e.what();
          tried.arrive_and_drop();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(holders.load(), 1) << "round " << round;
    EXPECT_EQ(queryStrings(url_, "SELECT COUNT(*) FROM scheduled_job_locks").at(0), "0") << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, JobLeaseRace, ::testing::Values(cc::Engine::SQLite, cc::Engine::PostgreSQL),
                         [](const auto& info) { return info.param == cc::Engine::SQLite ? "SQLite" : "PostgreSQL"; });
