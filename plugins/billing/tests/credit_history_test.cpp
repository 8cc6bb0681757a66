// GET /api/credits against the real host on SQLite and PostgreSQL: every ledger row of the
// caller with its reason, newest first; pages with an opaque cursor that neither repeats nor
// skips a row while other requests add rows; bad limits and cursors answered 400 with no effect.
#include "support/billing_host.hpp"

#include "src/credit_ledger.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <thread>
#include <vector>

using namespace cc::billing::test;
using cc::test::jsonField;

namespace {

int nextId() {
  static std::atomic<int> n{0};
  return ++n;
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
  return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

class CreditHistoryApi : public ::testing::TestWithParam<std::string> {
 protected:
  static SharedBillingHosts& hosts() {
    static SharedBillingHosts shared("billing_credit_history");
    return shared;
  }
  static void TearDownTestSuite() { hosts().stopAll(); }
  void SetUp() override {
    if (GetParam() == "postgresql" && cc::test::postgresAdminUrl().empty())
      GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
    b = &hosts().get(GetParam());
    n = std::to_string(nextId());
    token = b->host.signup("history" + n + "@example.com");
    user = b->userId(token);
  }
  /// A plan's monthly credits, granted the way production does: a paid invoice.
  void paidInvoice(const std::string& tag) {
    SubscriptionFixture sub;
    sub.id = "sub_h" + tag;
    sub.customer = "cus_h" + tag;
    sub.userId = user;
    ASSERT_EQ(b->webhook(subscriptionEvent("evt_hs" + tag, "customer.subscription.created", nowUnix(), sub)).status, 200);
    InvoiceFixture invoice;
    invoice.id = "in_h" + tag;
    invoice.customer = sub.customer;
    invoice.subscription = sub.id;
    ASSERT_EQ(b->webhook(invoiceEvent("evt_hi" + tag, "invoice.payment_succeeded", nowUnix(), invoice)).status, 200);
  }
  /// Billing's own grant with a raw reference, as the credit-pack and upgrade flows write them.
  void ledgerGrant(std::int64_t amount, const std::string& reference) {
    auto db = cc::test::openTestDatabase(b->host.databaseUrl());
    cc::billing::SqlCreditLedger ledger(*db);
    ASSERT_TRUE(db->transaction(
        [&](Poco::Data::Session& s) { return ledger.grant(s, user, amount, reference, "test " + reference, ""); }));
  }
  int post(const std::string& path, const std::string& body) { return b->host.post(path, body, token).status; }
  cc::test::HttpResult credits(const std::string& query = "") { return b->host.get("/api/credits" + query, token); }
  std::int64_t ledgerRows() {
    return std::stoll(b->value("SELECT COUNT(*) FROM \"Transaction\" WHERE \"userId\" = '" + user + "'"));
  }
  /// Every page from the first, `limit` rows each: the row ids in the order listed.
  std::vector<std::int64_t> pageThrough(int limit, const std::function<void()>& betweenPages = {}) {
    std::vector<std::int64_t> ids;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
      auto r = credits("?limit=" + std::to_string(limit) + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      auto o = parseObject(r.body);
      auto rows = o->getArray("transactions");
      EXPECT_LE(rows->size(), static_cast<std::size_t>(limit));
      for (std::size_t i = 0; i < rows->size(); ++i)
        ids.push_back(rows->getObject(static_cast<unsigned>(i))->getValue<std::int64_t>("id"));
      if (o->isNull("nextCursor")) break;
      cursor = o->getValue<std::string>("nextCursor");
      if (betweenPages) betweenPages();
    }
    return ids;
  }

  BillingHost* b = nullptr;
  std::string n, token, user;
};

}  // namespace

TEST_P(CreditHistoryApi, EveryRowNewestFirstWithItsReason) {
  paidInvoice(n);                                                                       // +300 plan_grant
  ASSERT_EQ(post("/api/test/billing/debit", R"({"amount":10,"reference":"analysis:run)" + n + R"("})"), 200);  // analysis
  ASSERT_EQ(post("/api/test/billing/refund", R"({"amount":10,"reference":"analysis:run)" + n + R"(:refund"})"), 200);
  ASSERT_EQ(post("/api/test/billing/grant", R"({"amount":50,"key":"referral:)" + n + R"("})"), 200);  // grant
  ledgerGrant(100, "pack:cs_" + n);                                                     // pack
  ledgerGrant(25, "upgrade:sub_h" + n + ":1");                                          // upgrade
  ASSERT_EQ(post("/api/test/billing/debit", R"({"amount":5,"reference":"export:)" + n + R"("})"), 200);  // other

  // Another user's rows are never listed.
  std::string other = b->host.signup("history-other" + n + "@example.com");
  ASSERT_EQ(b->host.post("/api/test/billing/grant", R"({"amount":7,"key":"other:)" + n + R"("})", other).status, 200);

  auto r = credits();
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = parseObject(r.body);
  EXPECT_EQ(o->getValue<std::int64_t>("balance"), 470);
  EXPECT_TRUE(o->isNull("nextCursor"));
  auto rows = o->getArray("transactions");
  ASSERT_EQ(rows->size(), 7u) << r.body;
  struct Expect { const char* type; const char* reason; std::int64_t amount; std::int64_t balanceAfter; };
  Expect expected[] = {{"debit", "other", -5, 470},   {"grant", "upgrade", 25, 475}, {"grant", "pack", 100, 450},
                       {"grant", "grant", 50, 350},   {"refund", "refund", 10, 300}, {"debit", "analysis", -10, 290},
                       {"grant", "plan_grant", 300, 300}};
  std::int64_t previousId = INT64_MAX;
  for (std::size_t i = 0; i < 7; ++i) {
    auto row = rows->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(row->getValue<std::string>("type"), expected[i].type) << i;
    EXPECT_EQ(row->getValue<std::string>("reason"), expected[i].reason) << i;
    EXPECT_EQ(row->getValue<std::int64_t>("amount"), expected[i].amount) << i;
    EXPECT_EQ(row->getValue<std::int64_t>("balanceAfter"), expected[i].balanceAfter) << i;
    EXPECT_FALSE(row->getValue<std::string>("description").empty()) << i;
    EXPECT_EQ(row->getValue<std::string>("createdAt").size(), 24u) << row->getValue<std::string>("createdAt");
    EXPECT_LT(row->getValue<std::int64_t>("id"), previousId);
    previousId = row->getValue<std::int64_t>("id");
  }
  EXPECT_NE(rows->getObject(6)->getValue<std::string>("description").find("in_h" + n), std::string::npos);
  EXPECT_EQ(r.body.find("other:" + n), std::string::npos);
}

TEST_P(CreditHistoryApi, NewUserHasAnEmptyLedger) {
  auto r = credits();
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = parseObject(r.body);
  EXPECT_EQ(o->getValue<std::int64_t>("balance"), 0);
  EXPECT_EQ(o->getArray("transactions")->size(), 0u);
  EXPECT_TRUE(o->isNull("nextCursor"));
}

TEST_P(CreditHistoryApi, PagesFollowTheOpaqueCursorToTheEnd) {
  for (int i = 0; i < 25; ++i)
    ASSERT_EQ(post("/api/test/billing/grant", R"({"amount":1,"key":"page:)" + n + ":" + std::to_string(i) + R"("})"), 200);
  auto first = credits("?limit=10");
  ASSERT_EQ(first.status, 200) << first.body;
  std::string cursor = jsonField(first.body, "nextCursor");
  ASSERT_FALSE(cursor.empty());
  // Opaque: no row id in plain text, nothing a client would have to escape in a query string.
  EXPECT_EQ(cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
  auto lastOfPage = parseObject(first.body)->getArray("transactions")->getObject(9)->getValue<std::int64_t>("id");
  EXPECT_EQ(cursor.find(std::to_string(lastOfPage)), std::string::npos) << cursor;

  auto ids = pageThrough(10);
  ASSERT_EQ(ids.size(), 25u);
  EXPECT_TRUE(std::is_sorted(ids.rbegin(), ids.rend()));
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), 25u);
  EXPECT_EQ(pageThrough(25).size(), 25u);  // exactly one full page: no empty page after it
  EXPECT_EQ(pageThrough(100).size(), 25u);
  EXPECT_EQ(pageThrough(1).size(), 25u);
}

TEST_P(CreditHistoryApi, PagingNeitherRepeatsNorSkipsWhileRowsAreAdded) {
  for (int i = 0; i < 30; ++i)
    ASSERT_EQ(post("/api/test/billing/grant", R"({"amount":1,"key":"before:)" + n + ":" + std::to_string(i) + R"("})"), 200);
  auto before = parseObject(credits("?limit=100").body)->getArray("transactions");
  std::set<std::int64_t> existing;
  for (std::size_t i = 0; i < before->size(); ++i) existing.insert(before->getObject(static_cast<unsigned>(i))->getValue<std::int64_t>("id"));
  ASSERT_EQ(existing.size(), 30u);

  // Writers add rows on other connections for as long as the reader pages; on PostgreSQL
  // through a second host sharing the database, as in a deployment with several hosts.
  FakeStripeServer otherStripe;
  std::unique_ptr<BillingHost> other;
  BillingHost* writerHost = b;
  if (GetParam() == "postgresql") {
    other = std::make_unique<BillingHost>(billingConfig(otherStripe), nullptr, b->host.databaseUrl());
    ASSERT_TRUE(other->host.start()) << other->host.output();
    writerHost = other.get();
  }
  std::atomic<bool> stop{false};
  std::atomic<int> added{0}, failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        auto r = writerHost->host.post("/api/test/billing/grant",
                              R"({"amount":1,"key":"during:)" + n + ":" + std::to_string(w) + ":" + std::to_string(i) + R"("})", token);
        (r.status == 200 ? added : failed)++;
      }
    });
  // Each page waits for at least one more row, so every page boundary sees inserts.
  auto ids = pageThrough(4, [&] {
    int target = added + 1;
    waitUntil([&] { return added >= target; });
  });
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(added.load(), 5);

  EXPECT_TRUE(std::adjacent_find(ids.begin(), ids.end(), [](auto newer, auto older) { return newer <= older; }) == ids.end())
      << "ids not strictly descending: a row was repeated or the order broke";
  for (auto id : existing) EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << "row " << id << " was skipped";
  // Rows added meanwhile are all there on a fresh read from the first page.
  EXPECT_EQ(static_cast<std::int64_t>(pageThrough(100).size()), ledgerRows());
  EXPECT_EQ(ledgerRows(), 30 + added.load());
}

TEST_P(CreditHistoryApi, BadLimitOrCursorIs400) {
  ASSERT_EQ(post("/api/test/billing/grant", R"({"amount":1,"key":"bad:)" + n + R"("})"), 200);
  auto rowsBefore = ledgerRows();
  std::string forged(28, 'A');  // well-formed base64url, but not a cursor we made
  const std::vector<std::string> bad = {"?limit=0", "?limit=101", "?limit=-1", "?limit=abc", "?limit=2.5", "?limit=1e3",
                        "?limit=99999999999999999999", "?cursor=abc", "?cursor=" + forged, "?cursor=" + std::string(28, '!'),
                        "?cursor=YzE6MDAwMDAwMDAwMDAwMDAwMDAw",  // "c1:" and id 0
                        "?cursor=eDE6MDAwMDAwMDAwMDAwMDAwMDA1",  // another version tag
                        "?cursor=YzE6MDAwMDAwMDAwMDAwMDAwMDA1%27", "?cursor=" + std::string(100, 'a'),
                        "?cursor=1", "?cursor=%00"};
  for (const std::string& q : bad) {
    auto r = credits(q);
    EXPECT_EQ(r.status, 400) << q << " -> " << r.body;
    EXPECT_FALSE(jsonField(r.body, "error").empty()) << q;
  }
  EXPECT_EQ(credits("?cursor=YzE6MDAwMDAwMDAwMDAwMDAwMDA1").status, 200);  // "c1:" and id 5: a real one
  EXPECT_EQ(ledgerRows(), rowsBefore);
  auto anonymous = b->host.get("/api/credits");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_FALSE(jsonField(anonymous.body, "error").empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, CreditHistoryApi, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(CreditHistoryUnconfigured, CreditsAnswer503WithoutASecretKeyLikeTheOtherBillingRoutes) {
  BillingHost billing("{ secret_key: '', webhook_secret: '' }");
  ASSERT_TRUE(billing.host.start()) << billing.host.output();
  std::string token = billing.host.signup("unconfigured-credits@example.com");
  auto r = billing.host.get("/api/credits", token);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(jsonField(r.body, "error"), "billing is not configured");
}
