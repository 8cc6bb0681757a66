// The proof of SDK 2 (issue 17): sdk/examples/referral, a plugin written as a third party would,
// is built outside the tree against the *installed* host and SDK (cmake --install into a
// prefix, then find_package), loaded into the real host with billing and ratelimit, and each
// part of the SDK it uses is exercised on SQLite and PostgreSQL: its config, its own
// migration, the users service, billing's credit ledger (grant with an idempotency key) and
// event (subscription_created), a route tag the rate limiter meters, and a scheduled job run
// by hand with `codecouncil jobs run`.
#include "support/billing_host.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

namespace fs = std::filesystem;

/// Installs the host's build into a prefix and builds the referral plugin against it, once per
/// build folder (ctest runs each case as its own process, maybe two at once: flock orders
/// them, and the second finds the plugin built). Returns the library's path, or "" with the
/// build's output in `log`.
std::string buildReferralPlugin(std::string& log) {
  const fs::path work = fs::path(cc::test::binaryDir()) / "sdk-proof";
  fs::create_directories(work);
  const fs::path library = work / "plugin" / "libcc_referral.so";
  const std::string script =
      "set -e; cmake --install '" + cc::test::binaryDir() + "' --prefix '" + (work / "prefix").string() +
      "' >/dev/null; cmake -S '" + cc::test::sourceDir() + "/sdk/examples/referral' -B '" + (work / "plugin").string() +
      "' -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH='" + (work / "prefix").string() +
      "' -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_DISABLE_FIND_PACKAGE_PostgreSQL=ON --no-warn-unused-cli"
      " >/dev/null; cmake --build '" + (work / "plugin").string() + "'";
  const std::string command = "flock '" + (work / "lock").string() + "' bash -c \"" + script + "\" > '" +
                              (work / "build.log").string() + "' 2>&1";
  const int status = std::system(command.c_str());
  log = cc::test::readFile(work / "build.log");
  return status == 0 && fs::exists(library) ? library.string() : "";
}

std::string referralEntry(const std::string& library, const std::string& config) {
  return "  - name: referral\n    path: " + library + "\n    migrations: " + cc::test::sourceDir() +
         "/sdk/examples/referral/migrations\n    config: " + config + "\n";
}

const std::string kTightAnalysisLimits =
    "{ tiers: { free: { requests_per_day: 1000, requests_per_month: 10000, analysis_runs_per_day: 2,"
    " analysis_runs_per_month: 10 } } }";

}  // namespace

class ProofPlugin : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      if (cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = cc::test::createPostgresDatabase("sdk_proof");
    }
    std::string log;
    library = buildReferralPlugin(log);
    ASSERT_FALSE(library.empty()) << "the referral plugin did not build against the installed SDK:\n" << log;
  }

  std::unique_ptr<BillingHost> startHost(const std::string& referralConfig = "{ bonus_credits: 50, welcome_credits: 10 }") {
    auto b = std::make_unique<BillingHost>(billingConfig(stripe), nullptr, url,
                                           cc::test::bundledPlugin("ratelimit", kTightAnalysisLimits) +
                                               referralEntry(library, referralConfig));
    EXPECT_TRUE(b->host.start()) << b->host.output();
    return b;
  }

  static std::string balance(const BillingHost& b, const std::string& userId) {
    std::string v = b.value("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = '" + userId + "'");
    return v.empty() ? "0" : v;
  }

  FakeStripeServer stripe;
  std::string url;
  std::string library;
};

TEST_P(ProofPlugin, ClaimGrantsWelcomeCreditsAndTheFirstSubscriptionRewardsTheReferrerOnce) {
  auto b = startHost();
  ASSERT_TRUE(b->host.waitForOutput("plugin referral")) << b->host.output();
  const std::string alice = b->host.signup("alice@example.com"), bob = b->host.signup("bob@example.com");
  const std::string aliceId = b->userId(alice), bobId = b->userId(bob);

  auto code = b->host.get("/api/referral/code", alice);
  ASSERT_EQ(code.status, 200) << code.body;
  const std::string aliceCode = jsonField(code.body, "code");
  ASSERT_EQ(aliceCode.size(), 10u);
  EXPECT_EQ(jsonField(b->host.get("/api/referral/code", alice).body, "code"), aliceCode);  // stable

  auto claim = b->host.post("/api/referral/claim", "{\"code\":\"" + aliceCode + "\"}", bob);
  ASSERT_EQ(claim.status, 201) << claim.body;
  EXPECT_EQ(jsonField(claim.body, "welcomeCredits"), "10");
  EXPECT_EQ(balance(*b, bobId), "10");
  EXPECT_EQ(b->value("SELECT reference FROM \"Transaction\" WHERE \"userId\" = '" + bobId + "'"),
            "grant:referral:welcome:" + bobId);

  // Billing's subscription_created for Bob rewards Alice (through billing's event and ledger).
  SubscriptionFixture sub;
  sub.id = "sub_bob";
  sub.customer = "cus_bob";
  sub.userId = bobId;
  ASSERT_EQ(b->webhook(subscriptionEvent("evt_bob_sub", "customer.subscription.created", nowUnix(), sub)).status, 200);
  ASSERT_TRUE(waitUntil([&] { return balance(*b, aliceId) == "50"; })) << b->host.output();
  // The users service gave Alice's list its e-mail addresses.
  auto list = b->host.get("/api/referral/code", alice);
  EXPECT_NE(list.body.find(R"("referrals":[{"email":"bob@example.com","rewarded":true}])"), std::string::npos)
      << list.body;

  // A second subscription of Bob's (and the first event again) rewards nobody twice.
  SubscriptionFixture second = sub;
  second.id = "sub_bob_2";
  second.itemId = "si_2";
  ASSERT_EQ(b->webhook(subscriptionEvent("evt_bob_sub_2", "customer.subscription.created", nowUnix(), second)).status, 200);
  ASSERT_EQ(b->webhook(subscriptionEvent("evt_bob_sub", "customer.subscription.created", nowUnix(), sub)).status, 200);
  EXPECT_TRUE(b->host.waitForOutput("referral bonus of 50 credits for " + aliceId)) << b->host.output();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(balance(*b, aliceId), "50");
  EXPECT_EQ(b->count("SELECT 1 FROM \"Transaction\" WHERE \"userId\" = '" + aliceId + "'"), 1);
}

TEST_P(ProofPlugin, BadClaimsAreClearErrorsAndConcurrentClaimsGrantOnce) {
  auto b = startHost();
  const std::string alice = b->host.signup("owner@example.com"), carol = b->host.signup("carol@example.com");
  const std::string carolId = b->userId(carol);
  const std::string aliceCode = jsonField(b->host.get("/api/referral/code", alice).body, "code");

  EXPECT_EQ(b->host.post("/api/referral/claim", "{\"code\":\"" + aliceCode + "\"}", alice).status, 400);  // own code
  for (const std::string body : {R"({"code":"SHOUTING10"})", R"({"code":"short"})", R"({"code":"bad\u0000code1"})",
                                 R"({"code":7})", R"({})", R"(not json)"}) {
    auto r = b->host.post("/api/referral/claim", body, carol);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty()) << r.body;
  }
  EXPECT_EQ(b->host.post("/api/referral/claim", R"({"code":"zzzzzzzzzz"})", carol).status, 404);
  EXPECT_EQ(b->count("SELECT 1 FROM referral_claims"), 0);
  EXPECT_EQ(balance(*b, carolId), "0");

  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i)
    threads.emplace_back([&] {
      int status = b->host.post("/api/referral/claim", "{\"code\":\"" + aliceCode + "\"}", carol).status;
      (status == 201 ? created : status == 409 ? conflicts : other)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 11);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(balance(*b, carolId), "10");
}

TEST_P(ProofPlugin, InvitationsAreMeteredAsAnalysisRunsThroughTheirRouteTag) {
  auto b = startHost();
  const std::string dave = b->host.signup("dave@example.com");
  EXPECT_EQ(b->host.post("/api/referral/invite", R"({"email":"friend1@example.com"})", dave).status, 201);
  EXPECT_EQ(b->host.post("/api/referral/invite", R"({"email":"friend2@example.com"})", dave).status, 201);
  auto third = b->host.post("/api/referral/invite", R"({"email":"friend3@example.com"})", dave);
  EXPECT_EQ(third.status, 429) << third.body;  // analysis_runs_per_day: 2 for the free tier
  EXPECT_EQ(b->count("SELECT 1 FROM referral_invites"), 2);
  auto bad = b->host.post("/api/referral/invite", R"({"email":"no at sign"})", b->host.signup("erin@example.com"));
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_P(ProofPlugin, ItsJobRunsByHandAndItsConfigIsValidatedBeforeAnythingStarts) {
  {
    auto b = startHost("{ invite_retention_days: 7 }");
    const std::string frank = b->host.signup("frank@example.com");
    ASSERT_EQ(b->host.post("/api/referral/invite", R"({"email":"old@example.com"})", frank).status, 201);
    ASSERT_EQ(b->host.post("/api/referral/invite", R"({"email":"new@example.com"})", frank).status, 201);
    EXPECT_EQ(b->host.stop(), 0);
    cc::test::execute(b->host.databaseUrl(),
                      "UPDATE referral_invites SET \"createdAt\" = '2000-01-01T00:00:00.000Z' WHERE email = 'old@example.com'");
    auto listed = cc::test::runHost({"jobs", "--config", b->host.configPath()});
    EXPECT_NE(listed.output.find("referral.expire_invites"), std::string::npos) << listed.output;
    auto run = cc::test::runHost({"jobs", "run", "referral.expire_invites", "--config", b->host.configPath()});
    EXPECT_EQ(run.exitCode, 0) << run.output;
    EXPECT_NE(run.output.find("referral: 1 expired invitations deleted"), std::string::npos) << run.output;
    EXPECT_EQ(b->count("SELECT 1 FROM referral_invites"), 1);
  }
  BillingHost bad(billingConfig(stripe), nullptr, url,
                  referralEntry(library, "{ bonus_credits: 0, welcom_credits: 5 }"));
  EXPECT_FALSE(bad.host.start());
  EXPECT_NE(bad.host.output().find("bonus_credits"), std::string::npos) << bad.host.output();
  EXPECT_NE(bad.host.output().find("welcom_credits"), std::string::npos) << bad.host.output();
  EXPECT_NE(bad.host.output().find("codecouncil.yaml:"), std::string::npos) << bad.host.output();
}

INSTANTIATE_TEST_SUITE_P(Engines, ProofPlugin, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
