// Signup, login, tokens and suspension against the real host and its SQLite database.
#include "support/host_process.hpp"

#include <Poco/Base64Encoder.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace cc::test;

namespace {

std::string b64url(const std::string& s) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  enc << s;
  enc.close();
  return out.str();
}

void sqlite(const HostProcess& host, const std::string& sql) { execute(host.databaseUrl(), sql); }

}  // namespace

class Auth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Eight signups at once must all reach the database (ConcurrentSignupsOfOneEmailCreateOneUser):
    // enough password-hash slots for them, so none is refused with 503.
    host_ = new HostProcess("  []", "auth:\n  password_hash_concurrency: 8\n");
    ASSERT_TRUE(host_->start()) << host_->output();
  }
  static void TearDownTestSuite() {
    host_->stop();
    delete host_;
  }
  static HostProcess* host_;
};
HostProcess* Auth::host_ = nullptr;

TEST_F(Auth, SignupReturnsTokenAndUser) {
  auto r = host_->post("/api/auth/signup", R"({"email":"Alice@Example.com","password":"a long password"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(jsonField(r.body, "user.email"), "alice@example.com");
  EXPECT_EQ(jsonField(r.body, "user.isAdmin"), "false");
  std::string token = jsonField(r.body, "token");
  auto me = host_->get("/api/auth/me", token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(jsonField(me.body, "user.email"), "alice@example.com");
}

TEST_F(Auth, DuplicateEmailIs409) {
  host_->signup("dup@example.com");
  auto r = host_->post("/api/auth/signup", R"({"email":"DUP@example.com","password":"another password"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_FALSE(jsonField(r.body, "error").empty());
}

TEST_F(Auth, BadSignupInputIs400) {
  for (const char* body : {"not json", "[]", "{}", R"({"email":"x@y.co"})", R"({"email":"nope","password":"long enough"})",
                           R"({"email":"a@b.co","password":"short"})", R"({"email":5,"password":"long enough pw"})"}) {
    auto r = host_->post("/api/auth/signup", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty());
  }
}

TEST_F(Auth, LoginChecksPassword) {
  host_->signup("bob@example.com", "bobs secret pw");
  auto ok = host_->post("/api/auth/login", R"({"email":"bob@example.com","password":"bobs secret pw"})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto wrong = host_->post("/api/auth/login", R"({"email":"bob@example.com","password":"wrong password"})");
  EXPECT_EQ(wrong.status, 401);
  auto unknown = host_->post("/api/auth/login", R"({"email":"nobody@example.com","password":"whatever pw"})");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(jsonField(wrong.body, "error"), jsonField(unknown.body, "error"));
}

TEST_F(Auth, MissingOrBrokenTokensAre401) {
  std::string token = host_->signup("carol@example.com");
  EXPECT_EQ(host_->get("/api/auth/me").status, 401);
  EXPECT_EQ(host_->get("/api/auth/me", token + "x").status, 401);
  EXPECT_EQ(http(host_->port(), "GET", "/api/auth/me", "", {{"Authorization", "Basic abc"}}).status, 401);
  // alg "none" with the real payload and no signature.
  auto dot = token.find('.');
  auto dot2 = token.find('.', dot + 1);
  std::string none = b64url(R"({"alg":"none","typ":"JWT"})") + token.substr(dot, dot2 - dot) + ".";
  auto r = host_->get("/api/auth/me", none);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(jsonField(r.body, "error").find("algorithm"), std::string::npos) << r.body;
}

TEST_F(Auth, SuspendedUserIs403Everywhere) {
  std::string token = host_->signup("dave@example.com");
  ASSERT_EQ(host_->get("/api/auth/me", token).status, 200);
  sqlite(*host_, "UPDATE \"User\" SET suspended = true WHERE email = 'dave@example.com'");
  auto r = host_->get("/api/auth/me", token);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(jsonField(r.body, "error"), "account suspended");
  auto login = host_->post("/api/auth/login", R"({"email":"dave@example.com","password":"correct horse battery"})");
  EXPECT_EQ(login.status, 403);
}

TEST_F(Auth, GuideSqlPromotesAdmin) {
  std::string token = host_->signup("erin@example.com");
  sqlite(*host_, "UPDATE \"User\" SET \"isAdmin\" = true WHERE email = 'erin@example.com'");
  auto me = host_->get("/api/auth/me", token);
  EXPECT_EQ(jsonField(me.body, "user.isAdmin"), "true");
}

TEST_F(Auth, ConcurrentSignupsOfOneEmailCreateOneUser) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, conflicts{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = host_->post("/api/auth/signup", R"({"email":"race@example.com","password":"racing password"})");
      if (r.status == 201) ++created;
      if (r.status == 409) ++conflicts;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
}

// Concurrent authenticated requests of many users are read together (core/auth/
// user_lookup_batch.hpp: one statement for the users of every request queued behind the
// first): through the host's HTTP front, each must still be answered with its own user, flags
// and tier, never a neighbour's in the batch.
TEST_F(Auth, ConcurrentRequestsOfManyUsersAreEachAnsweredWithTheirOwnUser) {
  constexpr int kUsers = 12;
  struct Expected {
    std::string token, email, tier, isAdmin;
  };
  std::vector<Expected> users;
  for (int i = 0; i < kUsers; ++i) {
    Expected e;
    e.email = "many" + std::to_string(i) + "@example.com";
    e.token = host_->signup(e.email);
    ASSERT_FALSE(e.token.empty());
    e.tier = i % 3 == 0 ? "pro" : i % 3 == 1 ? "enterprise" : "free";
    e.isAdmin = i % 4 == 0 ? "true" : "false";
    sqlite(*host_, "UPDATE \"User\" SET tier = '" + e.tier + "', \"isAdmin\" = " + e.isAdmin + " WHERE email = '" +
                       e.email + "'");
    users.push_back(e);
  }
  constexpr int kThreads = 24, kEach = 15;
  std::atomic<int> right{0};
  std::mutex mutex;
  std::vector<std::string> wrong;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        const Expected& e = users[static_cast<std::size_t>((t + k) % kUsers)];
        auto r = host_->get("/api/auth/me", e.token);
        if (r.status == 200 && jsonField(r.body, "user.email") == e.email && jsonField(r.body, "user.tier") == e.tier &&
            jsonField(r.body, "user.isAdmin") == e.isAdmin && jsonField(r.body, "user.suspended") == "false") {
          ++right;
          continue;
        }
        std::lock_guard lock(mutex);
        wrong.push_back(e.email + " got " + std::to_string(r.status) + " " + r.body);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(right.load(), kThreads * kEach);
  for (std::size_t i = 0; i < wrong.size() && i < 5; ++i) ADD_FAILURE() << wrong[i];
}
