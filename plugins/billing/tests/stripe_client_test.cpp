// The Stripe client against the fake Stripe server: headers, form bodies, retries with one
// Idempotency-Key, backoff, and how Stripe's errors reach our API clients.
#include "src/stripe_client.hpp"
#include "support/fake_stripe_server.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Logger.h>

#include <gtest/gtest.h>

#include <regex>

using namespace cc::billing;
using cc::billing::test::FakeStripeServer;
using cc::billing::test::ScriptedFailure;

namespace {

class StripeClientTest : public ::testing::Test {
 protected:
  StripeClient makeClient(int maxRetries = 3) {
    StripeClientOptions o;
    o.apiBase = stripe.baseUrl();
    o.secretKey = "sk_test_123";
    o.maxRetries = maxRetries;
    o.retryBaseMs = 1;
    o.retryMaxMs = 4;
    o.timeoutSeconds = 5;
    StripeClient c(o, Poco::Logger::get("billing-test"));
    c.setSleeper([this](std::chrono::milliseconds d) { sleeps.push_back(d); });
    return c;
  }
  FakeStripeServer stripe;
  std::vector<std::chrono::milliseconds> sleeps;
};

const std::regex kUuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

}  // namespace

TEST_F(StripeClientTest, SendsStripeHeadersAndFormBody) {
  auto client = makeClient();
  auto customer = client.post("/v1/customers", FormBody().add("email", "a@b.co").add({"metadata", "user_id"}, "u1"));
  EXPECT_EQ(customer->getValue<std::string>("object"), "customer");
  auto reqs = stripe.requests("POST", "/v1/customers");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].header("Authorization"), "Bearer sk_test_123");
  EXPECT_EQ(reqs[0].header("Stripe-Version"), "2025-03-31.basil");
  EXPECT_EQ(reqs[0].header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_TRUE(std::regex_match(reqs[0].header("Idempotency-Key"), kUuid4)) << reqs[0].header("Idempotency-Key");
  EXPECT_EQ(reqs[0].field("metadata[user_id]"), "u1");
  EXPECT_EQ(reqs[0].field("email"), "a@b.co");
}

TEST_F(StripeClientTest, EveryPostGetsItsOwnKeyAndGetOrDeleteNone) {
  auto client = makeClient();
  client.post("/v1/customers", FormBody().add("email", "a@b.co"));
  client.post("/v1/customers", FormBody().add("email", "a@b.co"));
  EXPECT_THROW(client.get("/v1/subscriptions/sub_missing"), StripeError);
  auto reqs = stripe.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_NE(reqs[0].header("Idempotency-Key"), reqs[1].header("Idempotency-Key"));
  EXPECT_EQ(reqs[2].header("Idempotency-Key"), "");
}

TEST_F(StripeClientTest, RetriesServerErrorsWithTheSameIdempotencyKey) {
  auto client = makeClient();
  stripe.failNext(ScriptedFailure{500}, 1);
  stripe.failNext(ScriptedFailure{409, "idempotency_error", "lock_timeout", "busy"}, 1);
  ScriptedFailure drop;
  drop.dropConnection = true;
  stripe.failNext(drop, 1);
  auto c = client.post("/v1/customers", FormBody().add("email", "a@b.co"));
  EXPECT_FALSE(c->getValue<std::string>("id").empty());
  auto reqs = stripe.requests("POST", "/v1/customers");
  ASSERT_EQ(reqs.size(), 4u);
  for (auto& r : reqs) EXPECT_EQ(r.header("Idempotency-Key"), reqs[0].header("Idempotency-Key"));
  EXPECT_EQ(sleeps.size(), 3u);
}

TEST_F(StripeClientTest, ShouldRetryHeaderWins) {
  auto client = makeClient();
  ScriptedFailure retryable{400, "invalid_request_error", "", "try again"};
  retryable.shouldRetry = "true";
  stripe.failNext(retryable, 1);
  EXPECT_NO_THROW(client.post("/v1/customers", FormBody()));
  EXPECT_EQ(stripe.requests().size(), 2u);

  ScriptedFailure final{503};
  final.shouldRetry = "false";
  stripe.failNext(final, 1);
  EXPECT_THROW(client.post("/v1/customers", FormBody()), StripeError);
  EXPECT_EQ(stripe.requests().size(), 3u);
}

TEST_F(StripeClientTest, GivesUpAfterMaxRetries) {
  auto client = makeClient(2);
  stripe.failNext(ScriptedFailure{502}, 5);
  try {
    client.post("/v1/customers", FormBody());
    FAIL() << "expected a StripeError";
  } catch (const StripeError& e) {
    EXPECT_EQ(e.httpStatus(), 502);
    EXPECT_FALSE(e.requestId().empty());
    EXPECT_EQ(toHttpError(e).status(), 502);
  }
  EXPECT_EQ(stripe.requests().size(), 3u);
}

TEST_F(StripeClientTest, DoesNotRetryClientErrors) {
  auto client = makeClient();
  stripe.failNext(ScriptedFailure{400, "invalid_request_error", "resource_missing", "No such price", ""}, 1);
  EXPECT_THROW(client.post("/v1/subscriptions", FormBody().add("customer", "cus_1")), StripeError);
  EXPECT_EQ(stripe.requests().size(), 1u);
  EXPECT_TRUE(sleeps.empty());
}

TEST_F(StripeClientTest, HonoursRetryAfter) {
  auto client = makeClient();
  ScriptedFailure busy{500};
  busy.retryAfter = "2";
  stripe.failNext(busy, 1);
  client.post("/v1/customers", FormBody());
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_EQ(sleeps[0], std::chrono::milliseconds(2000));
}

TEST_F(StripeClientTest, BackoffIsCappedAndJittered) {
  StripeClientOptions o;
  o.retryBaseMs = 500;
  o.retryMaxMs = 5000;
  StripeClient c(o, Poco::Logger::get("billing-test"));
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto d = c.backoff(attempt, -1).count();
    long long full = std::min<long long>(500LL << attempt, 5000);
    EXPECT_GE(d, full / 2) << attempt;
    EXPECT_LE(d, full) << attempt;
  }
  EXPECT_EQ(c.backoff(0, 600).count(), 60000);  // Retry-After is capped at a minute
}

TEST_F(StripeClientTest, CardErrorsBecome402WithStripesMessage) {
  auto client = makeClient();
  stripe.failNext(ScriptedFailure{402, "card_error", "card_declined", "Your card was declined."}, 1);
  try {
    client.post("/v1/subscriptions", FormBody().add("customer", "cus_1"));
    FAIL();
  } catch (const StripeError& e) {
    EXPECT_EQ(e.type(), "card_error");
    EXPECT_EQ(e.code(), "card_declined");
    auto http = toHttpError(e);
    EXPECT_EQ(http.status(), 402);
    EXPECT_STREQ(http.what(), "Your card was declined.");
  }
}

TEST_F(StripeClientTest, NetworkFailureMapsTo502) {
  StripeClientOptions o;
  o.apiBase = "http://127.0.0.1:1";  // nothing listens there
  o.secretKey = "sk_test_123";
  o.maxRetries = 1;
  o.retryBaseMs = 1;
  StripeClient c(o, Poco::Logger::get("billing-test"));
  try {
    c.post("/v1/customers", FormBody());
    FAIL();
  } catch (const StripeError& e) {
    EXPECT_TRUE(e.isNetworkError());
    EXPECT_EQ(toHttpError(e).status(), 502);
  }
}

TEST_F(StripeClientTest, RateLimitIs503WithRetryAfter) {
  StripeError e(429, "invalid_request_error", "rate_limit", "Too many requests");
  auto http = toHttpError(e);
  EXPECT_EQ(http.status(), 503);
  ASSERT_EQ(http.headers().size(), 1u);
  EXPECT_EQ(http.headers()[0].first, "Retry-After");
}
