// cc::Users::searchAfter (core/auth/user_directory.cpp), the keyset pages of the users service,
// on a real SQLite file and a real PostgreSQL database that the host migrated: pages of any
// size walk search()'s order (newest signup first, equal signup times by id descending) with
// its filters, a key in the middle of equal signup times continues inside them, an account
// that signs up during a walk is not in it, and bad arguments are refused.
#include "core/auth/user_directory.hpp"
#include "support/host_process.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace cc::test;

namespace {

class UsersSearchAfter : public ::testing::TestWithParam<cc::Engine> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == cc::Engine::PostgreSQL) {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = createPostgresDatabase("users_search_after");
    }
    // The host applies core's migrations: the "User" table and its indexes as deployed.
    host_ = std::make_unique<HostProcess>("  []", "", url);
    ASSERT_TRUE(host_->start()) << host_->output();
    host_->stop();
    db_ = openTestDatabase(host_->databaseUrl());
    users_ = std::make_unique<cc::core::UserDirectory>(*db_);
  }

  void add(const std::string& id, const std::string& createdAt, const std::string& tier = "free") {
    execute(host_->databaseUrl(), "INSERT INTO \"User\" (id, email, \"passwordHash\", tier, \"createdAt\", "
                                  "\"updatedAt\") VALUES ('" + id + "', '" + id + "@keys.test', 'x', '" + tier +
                                      "', '" + createdAt + "', '" + createdAt + "')");
  }

  // Every match, `limit` at a time; `between` runs after each page.
  std::vector<std::string> walk(const cc::UserFilter& f, int limit, const std::function<void()>& between = {}) {
    std::vector<std::string> ids;
    std::optional<cc::UserKey> after;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = users_->searchAfter(f, limit, after);
      EXPECT_LE(static_cast<int>(page.size()), limit);
      for (auto& u : page) ids.push_back(u.id);
      if (static_cast<int>(page.size()) < limit) break;
      after = cc::keyOf(page.back());
      if (between) between();
    }
    return ids;
  }

  std::vector<std::string> searched(const cc::UserFilter& f) {
    std::vector<std::string> ids;
    for (auto& u : users_->search(f, cc::Users::kMaxPageSize, 0).items) ids.push_back(u.id);
    return ids;
  }

  std::unique_ptr<HostProcess> host_;
  std::unique_ptr<cc::Database> db_;
  std::unique_ptr<cc::core::UserDirectory> users_;
};

const std::string kTie = "2024-03-01T00:00:00.000Z";

}  // namespace

TEST_P(UsersSearchAfter, PagesFollowTheSearchOrderWithEqualSignupTimesById) {
  // Seven accounts signed up at one instant, between a newer and an older one; "tie-0" is on
  // a paid tier; one account with the same time elsewhere does not match the search.
  add("old-1", "2024-02-01T00:00:00.000Z");
  for (int i = 0; i <= 6; ++i) add("tie-" + std::to_string(i), kTie, i == 0 ? "startup" : "free");
  add("new-1", "2024-04-01T00:00:00.000Z");
  execute(host_->databaseUrl(), "INSERT INTO \"User\" (id, email, \"passwordHash\", \"createdAt\", \"updatedAt\") "
                                "VALUES ('tie-9', 'tie-9@elsewhere.test', 'x', '" + kTie + "', '" + kTie + "')");

  cc::UserFilter keys;
  keys.emailContains = "keys.test";
  const std::vector<std::string> expected = {"new-1", "tie-6", "tie-5", "tie-4", "tie-3",
                                             "tie-2", "tie-1", "tie-0", "old-1"};
  ASSERT_EQ(searched(keys), expected) << "the offset pages' order";
  // Page boundaries inside the equal times, on them, and one page for everything.
  for (int limit : {1, 2, 3, 4, 9, 1000}) EXPECT_EQ(walk(keys, limit), expected) << "limit " << limit;

  // A key in the middle of the equal times continues after it, by id.
  auto rest = users_->searchAfter(keys, 10, cc::UserKey{kTie, "tie-4"});
  std::vector<std::string> restIds;
  for (auto& u : rest) restIds.push_back(u.id);
  EXPECT_EQ(restIds, (std::vector<std::string>{"tie-3", "tie-2", "tie-1", "tie-0", "old-1"}));
  EXPECT_TRUE(users_->searchAfter(keys, 10, cc::UserKey{"2024-01-01T00:00:00.000Z", "zzz"}).empty());

  // The search's other filters hold on every page; without a filter the other account is in.
  cc::UserFilter paid = keys;
  paid.paidTier = true;
  EXPECT_EQ(walk(paid, 1), (std::vector<std::string>{"tie-0"}));
  cc::UserFilter free = keys;
  free.tier = "free";
  EXPECT_EQ(walk(free, 2), searched(free));
  EXPECT_EQ(walk(free, 2).size(), 8u);
  auto all = walk({}, 3);
  EXPECT_EQ(all, searched({}));
  EXPECT_EQ(all.size(), 10u);
  EXPECT_EQ(all[1], "tie-9") << "equal times sort by id descending across the whole table";
}

TEST_P(UsersSearchAfter, AnAccountThatSignsUpDuringAWalkIsNotInIt) {
  for (int i = 0; i < 20; ++i) add("before-" + std::to_string(100 + i), kTie);
  std::vector<std::string> existing = searched({});
  int signups = 0;
  // A signup between every two pages: the database clock, so it sorts before the first page.
  auto ids = walk({}, 3, [&] {
    std::string now = GetParam() == cc::Engine::PostgreSQL
                          ? "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                          : "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
    std::string id = "during-" + std::to_string(signups++);
    execute(host_->databaseUrl(), "INSERT INTO \"User\" (id, email, \"passwordHash\", \"createdAt\", \"updatedAt\") "
                                  "VALUES ('" + id + "', '" + id + "@keys.test', 'x', " + now + ", " + now + ")");
  });
  EXPECT_GE(signups, 6);
  EXPECT_EQ(ids, existing) << "every account that existed, once, in order, and none that signed up";
  EXPECT_EQ(searched({}).size(), existing.size() + static_cast<std::size_t>(signups));
}

TEST_P(UsersSearchAfter, BadArgumentsAreRefused) {
  EXPECT_THROW(users_->searchAfter({}, 0, std::nullopt), std::invalid_argument);
  EXPECT_THROW(users_->searchAfter({}, cc::Users::kMaxPageSize + 1, std::nullopt), std::invalid_argument);
  EXPECT_THROW(users_->searchAfter({}, 10, cc::UserKey{kTie, std::string(300, 'x')}), std::invalid_argument);
  EXPECT_THROW(users_->searchAfter({}, 10, cc::UserKey{std::string(300, '2'), "x"}), std::invalid_argument);
  cc::UserFilter longSearch;
  longSearch.emailContains = std::string(300, 'a');
  EXPECT_THROW(users_->searchAfter(longSearch, 10, std::nullopt), std::invalid_argument);
  // Quotes and wildcards in a key are values, not SQL.
  add("q-1", kTie);
  EXPECT_EQ(users_->searchAfter({}, 10, cc::UserKey{"2030' OR '1'='1", "%"}).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, UsersSearchAfter, ::testing::Values(cc::Engine::SQLite, cc::Engine::PostgreSQL),
                         [](const auto& info) { return info.param == cc::Engine::SQLite ? "SQLite" : "PostgreSQL"; });
