// The authenticated requests' user lookups (UserStore::findById, core/auth/user_lookup_batch.hpp)
// on a real SQLite file and a real PostgreSQL database: requests ready together are answered by
// one statement that reads all their users (ids of any spelling, as one JSON array), each
// request gets its own row, a user that does not exist is missing, and a change committed by
// another connection is seen by the next lookup (nothing is kept between statements).
#include "core/auth/user_store.hpp"
#include "core/db/database_impl.hpp"
#include "core/db/migrations.hpp"
#include "support/posted_request.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <Poco/Logger.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace cc::test;

namespace {

class UserLookup : public ::testing::TestWithParam<cc::Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == cc::Engine::PostgreSQL) {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set (scripts/test sets it)";
      url_ = createPostgresDatabase("cc_user_lookup");
    } else {
      url_ = "sqlite://" + (dir_.path() / "users.db").string();
    }
    cc::core::DatabaseConfig config;
    config.url = url_;
    db_ = cc::core::openDatabase(config, dir_.str());
    cc::core::applyMigrations(*db_, {{"core", sourceDir() + "/migrations/core"}}, Poco::Logger::get("test"));
    users_ = std::make_unique<cc::core::UserStore>(*db_);
  }

  std::string addUser(const std::string& email) {
    auto created = users_->create(email, "not-a-real-hash");
    EXPECT_TRUE(created) << email;
    return created ? created->user.id : "";
  }

  /// Runs one lookup per id, each on a request fiber, all ready at once on one loop thread.
  std::vector<std::optional<cc::User>> lookUpTogether(const std::vector<std::string>& ids) {
    boost::asio::io_context ioc;
    std::vector<std::optional<cc::User>> answers(ids.size());
    std::vector<std::shared_ptr<PostedRequest>> requests;
    for (std::size_t i = 0; i < ids.size(); ++i)
      requests.push_back(startPosted(ioc, [&, i] { answers[i] = users_->findById(ids[i]); }));
    ioc.run();
    for (auto& r : requests) EXPECT_TRUE(r->done);
    return answers;
  }

  TempDir dir_;
  std::string url_;
  std::unique_ptr<cc::core::PooledDatabase> db_;
  std::unique_ptr<cc::core::UserStore> users_;
};

INSTANTIATE_TEST_SUITE_P(Engines, UserLookup, ::testing::Values(cc::Engine::SQLite, cc::Engine::PostgreSQL),
                         [](const auto& info) { return info.param == cc::Engine::SQLite ? "sqlite" : "postgresql"; });

TEST_P(UserLookup, RequestsReadyTogetherAreAnsweredByOneStatementEachWithItsOwnUser) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(addUser("user" + std::to_string(i) + "@example.com"));
  execute(url_, "UPDATE \"User\" SET suspended = true, tier = 'enterprise' WHERE email = 'user2@example.com'");
  execute(url_, "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = 'user4@example.com'");

  // Each user asked for three times, and ids that match no row: ones that look like JSON or
  // SQL, a quote, a backslash, non-ASCII text.
  std::vector<std::string> asked;
  for (int round = 0; round < 3; ++round) asked.insert(asked.end(), ids.begin(), ids.end());
  const std::vector<std::string> strangers = {"nobody", "\"]', NULL) --", "back\\slash", "ünïcødé", ""};
  asked.insert(asked.end(), strangers.begin(), strangers.end());

  const auto before = users_->lookupCounts();
  const auto answers = lookUpTogether(asked);
  const auto after = users_->lookupCounts();

  for (std::size_t i = 0; i < asked.size(); ++i) {
    if (i >= 18) {
      EXPECT_FALSE(answers[i]) << "a user was found for '" << asked[i] << "'";
      continue;
    }
    ASSERT_TRUE(answers[i]) << "no user for request " << i;
    const int n = static_cast<int>(i % 6);
    EXPECT_EQ(answers[i]->id, ids[n]);
    EXPECT_EQ(answers[i]->email, "user" + std::to_string(n) + "@example.com");
    EXPECT_EQ(answers[i]->suspended, n == 2);
    EXPECT_EQ(answers[i]->tier, n == 2 ? "enterprise" : "free");
    EXPECT_EQ(answers[i]->isAdmin, n == 4);
  }
  EXPECT_EQ(after.lookups - before.lookups, asked.size());
  EXPECT_EQ(after.statements - before.statements, 1u) << "the lookups ready together were not read together";
}

TEST_P(UserLookup, AChangeCommittedElsewhereIsSeenByTheNextLookup) {
  const std::string id = addUser("changing@example.com");
  const std::string other = addUser("other@example.com");
  for (int round = 0; round < 4; ++round) {
    const bool suspended = round % 2 == 0;
    const std::string tier = round % 2 == 0 ? "startup" : "enterprise";
    // Another connection (another host, or SQL by hand) changes the row.
    execute(url_, "UPDATE \"User\" SET suspended = " + std::string(suspended ? "true" : "false") + ", tier = '" +
                      tier + "' WHERE id = '" + id + "'");
    const auto alone = users_->findById(id);
    ASSERT_TRUE(alone);
    EXPECT_EQ(alone->suspended, suspended) << "round " << round;
    EXPECT_EQ(alone->tier, tier) << "round " << round;
    const auto together = lookUpTogether({other, id, other, id});
    ASSERT_TRUE(together[1] && together[3]);
    EXPECT_EQ(together[1]->suspended, suspended) << "round " << round;
    EXPECT_EQ(together[3]->tier, tier) << "round " << round;
    EXPECT_FALSE(together[0]->suspended);
  }
}

}  // namespace
