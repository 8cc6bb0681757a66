// Forged, tampered, stale and replayed Stripe webhooks against one real host with all seven
// bundled plugins (issue 10). The signature is the webhook's only authentication
// (docs/billing.md, "The webhook"): every refused delivery must be a 400 JSON error (413
// above the body limit) that writes nothing, and a genuine event is applied exactly once
// however often it is delivered again. The refused deliveries carry a payload that WOULD
// grant credits if accepted (its customer is linked to a user), so "nothing written" is
// decided by the signature check alone.
// Each test runs on SQLite and, when CC_TEST_POSTGRES_URL is set, on PostgreSQL.
#include "bad_input_support.hpp"

#include <gtest/gtest.h>

using namespace cc::badinput;
using cc::billing::test::kPreviousWebhookSecret;
using cc::billing::test::kWebhookSecret;
using cc::test::HttpResult;

namespace {

constexpr std::int64_t kToleranceSeconds = 300;  // webhook_tolerance_seconds' default
constexpr int kStartupMonthlyCredits = 300;

/// Lower-case hex HMAC-SHA256, as Stripe's v1 scheme (made here, not by the testkit, so a
/// header can carry any timestamp text).
std::string v1Signature(const std::string& secret, const std::string& timestampText, const std::string& payload) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : hmacSha256(secret, timestampText + "." + payload)) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string header(std::int64_t t, const std::string& signature) {
  return "t=" + std::to_string(t) + ",v1=" + signature;
}

std::string signedHeader(const std::string& payload, std::int64_t t = nowUnix(), const std::string& secret = kWebhookSecret) {
  return header(t, v1Signature(secret, std::to_string(t), payload));
}

class BadInputWebhook : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "postgres") {
      if (cc::test::postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = cc::test::createPostgresDatabase("badwebhook");
    }
    h = std::make_unique<AttackHost>(url);
    std::string error;
    ASSERT_TRUE(h->start(error)) << error;
    // The customer "cus_victim" belongs to the user: an accepted invoice for it grants credits.
    ASSERT_TRUE(linkCustomer(*h, h->userId, "victim"));
    ASSERT_TRUE(waitForAuditWriter(*h, "setup-fence"));
    runner = std::make_unique<AttackRunner>(*h);
  }

  /// A delivery of `payload` with the given Stripe-Signature ("" sends none).
  Attack delivery(const std::string& name, const std::string& payload, const std::string& signature,
                  std::set<int> statuses = {400}) const {
    Attack a;
    a.name = name;
    a.method = "POST";
    a.path = "/api/billing/stripe/webhook";
    a.body = payload;
    a.headers = {{"Content-Type", "application/json"}};
    if (!signature.empty()) a.headers["Stripe-Signature"] = signature;
    a.statuses = std::move(statuses);
    return a;
  }

  std::string balance() const {
    return firstValue(h->url(), "SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = " + sqlQuote(h->userId));
  }

  std::unique_ptr<AttackHost> h;
  std::unique_ptr<AttackRunner> runner;
};

TEST_P(BadInputWebhook, TheUntamperedDeliveryIsAcceptedSoEveryRefusalIsForItsFlaw) {
  // The control for the tables below: the same payload, honestly signed, grants the credits.
  const std::string payload = paidInvoicePayload("victim");
  auto r = postWebhook(*h, payload, signedHeader(payload));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(cc::test::jsonField(r.body, "outcome"), "applied");
  EXPECT_EQ(balance(), std::to_string(kStartupMonthlyCredits));
  // Signed with the previous secret of a rotation and with several v1 values, too.
  const std::string second = paidInvoicePayload("victim2", "victim");  // the next month's invoice
  auto rotated = postWebhook(*h, second, signedHeader(second, nowUnix(), kPreviousWebhookSecret) + ",v1=" + std::string(64, '0'));
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_EQ(balance(), std::to_string(2 * kStartupMonthlyCredits));
}

TEST_P(BadInputWebhook, MissingAndMalformedSignatureHeadersAreRefused) {
  const std::string payload = paidInvoicePayload("victim");
  const std::int64_t now = nowUnix();
  const std::string nowText = std::to_string(now);
  const std::string good = v1Signature(kWebhookSecret, nowText, payload);
  std::vector<Attack> attacks = {
      delivery("no Stripe-Signature", payload, ""),
      delivery("empty Stripe-Signature", payload, " "),
      delivery("only commas", payload, ",,,"),
      delivery("no t=", payload, "v1=" + good),
      delivery("no v1=", payload, "t=" + nowText),
      delivery("t without a value", payload, "t=,v1=" + good),
      delivery("v1 without a value", payload, "t=" + nowText + ",v1="),
      delivery("t not a number", payload, "t=abc,v1=" + v1Signature(kWebhookSecret, "abc", payload)),
      delivery("t negative", payload, "t=-" + nowText + ",v1=" + v1Signature(kWebhookSecret, "-" + nowText, payload)),
      delivery("t with a fraction", payload, "t=" + nowText + ".5,v1=" + v1Signature(kWebhookSecret, nowText + ".5", payload)),
      delivery("t in hex", payload, "t=0x10,v1=" + v1Signature(kWebhookSecret, "0x10", payload)),
      delivery("huge t", payload, "t=99999999999999999999999,v1=" + v1Signature(kWebhookSecret, "99999999999999999999999", payload)),
      delivery("t of 4000 digits", payload, "t=" + std::string(4000, '9') + ",v1=" + good),
      delivery("only v0, correct", payload, "t=" + nowText + ",v0=" + good),
      delivery("v1 in upper case", payload, "t=" + nowText + ",v1=" + [&] {
                 std::string s = good;
                 for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                 return s;
               }()),
      delivery("v1 truncated", payload, "t=" + nowText + ",v1=" + good.substr(0, 63)),
      delivery("v1 with one more byte", payload, "t=" + nowText + ",v1=" + good + "0"),
      delivery("v1 as base64 of the right MAC", payload, "t=" + nowText + ",v1=" + base64Url(hmacSha256(kWebhookSecret, nowText + "." + payload))),
      delivery("keys with spaces around '='", payload, "t = " + nowText + ", v1 = " + good),
      delivery("semicolons instead of commas", payload, "t=" + nowText + ";v1=" + good),
      delivery("v1 of another timestamp", payload, "t=" + nowText + ",v1=" + v1Signature(kWebhookSecret, std::to_string(now - 1), payload)),
      delivery("7 KB header of garbage", payload, "t=" + nowText + ",v1=" + std::string(7000, 'f')),
  };
  std::string manyWrong = "t=" + nowText;
  for (int i = 0; i < 100; ++i) manyWrong += ",v1=" + v1Signature("whsec_guess_" + std::to_string(i), nowText, payload);
  attacks.push_back(delivery("100 wrong v1 values", payload, manyWrong));
  runner->run(attacks);
}

TEST_P(BadInputWebhook, WrongSecretsAndTamperedPayloadsAreRefused) {
  const std::string payload = paidInvoicePayload("victim");
  const std::string sig = signedHeader(payload);
  std::string oneByte = payload;
  oneByte[oneByte.find("4900")] = '5';  // amount_paid 5900
  std::string otherInvoice = payload;
  otherInvoice.replace(otherInvoice.find("in_victim"), 9, "in_victjm");
  std::vector<Attack> attacks = {
      delivery("wrong secret", payload, signedHeader(payload, nowUnix(), "whsec_wrong")),
      delivery("empty secret", payload, signedHeader(payload, nowUnix(), "")),
      delivery("the secret with a trailing newline", payload, signedHeader(payload, nowUnix(), kWebhookSecret + "\n")),
      delivery("the secret's prefix", payload, signedHeader(payload, nowUnix(), "whsec_test_")),
      delivery("both configured secrets concatenated", payload,
               signedHeader(payload, nowUnix(), kPreviousWebhookSecret + "," + kWebhookSecret)),
      delivery("the secret key instead of the webhook secret", payload, signedHeader(payload, nowUnix(), "sk_test_123")),
      delivery("one byte changed", oneByte, sig),
      delivery("another invoice id", otherInvoice, sig),
      delivery("a field added", payload.substr(0, payload.size() - 1) + ",\"livemode\":true}", sig),
      delivery("whitespace added", " " + payload, sig),
      delivery("newline appended", payload + "\n", sig),
      delivery("pretty-printed", [&] {
                 std::string s;
                 for (char c : payload) s += c == ',' ? std::string(",\n  ") : std::string(1, c);
                 return s;
               }(),
               sig),
      delivery("payload truncated", payload.substr(0, payload.size() - 1), sig),
      delivery("signed payload twice", payload + payload, sig),
      delivery("signature over the empty body", payload, signedHeader("")),
  };
  runner->run(attacks);
}

TEST_P(BadInputWebhook, TimestampsOutsideTheToleranceAreRefused) {
  const std::string payload = paidInvoicePayload("victim");
  const std::int64_t now = nowUnix();
  std::vector<Attack> attacks = {
      delivery("just outside the window", payload, signedHeader(payload, now - kToleranceSeconds - 2)),
      delivery("a day old", payload, signedHeader(payload, now - 86400)),
      delivery("a year old", payload, signedHeader(payload, now - 365 * 86400)),
      delivery("epoch", payload, signedHeader(payload, 0)),
      // A future timestamp passes the window by design (docs/billing.md: clock skew must not
      // drop events) but only with a signature that matches: a wrong one is still refused.
      delivery("future timestamp, wrong secret", payload, signedHeader(payload, now + 3600, "whsec_wrong")),
      delivery("old timestamp, then a fresh t without a matching v1", payload,
               signedHeader(payload, now - 1000) + ",t=" + std::to_string(now)),
  };
  runner->run(attacks);
}

TEST_P(BadInputWebhook, SignedBodiesThatAreNotStripeEventsAreRefused) {
  // An attacker cannot sign these; a misbehaving proxy or a test tool could. A 400 (not a
  // 500) keeps Stripe from retrying a body that will never be valid.
  std::vector<std::pair<std::string, std::string>> bodies = {
      {"empty body", ""},
      {"not JSON", "hello"},
      {"truncated JSON", "{\"id\":\"evt_x\",\"type\":\"invoice.paid\""},
      {"JSON array", "[]"},
      {"JSON string", "\"invoice.paid\""},
      {"JSON null", "null"},
      {"empty object", "{}"},
      {"event without id", cc::billing::test::rawEvent("", "invoice.paid", nowUnix(), "{\"id\":\"in_noid\"}")},
      {"event without type", cc::billing::test::rawEvent("evt_notype", "", nowUnix(), "{\"id\":\"in_notype\"}")},
      {"event without data", "{\"id\":\"evt_nodata\",\"type\":\"invoice.paid\",\"created\":1}"},
      {"data.object missing", "{\"id\":\"evt_noobj\",\"type\":\"invoice.paid\",\"data\":{}}"},
      {"id is a number", "{\"id\":42,\"type\":\"invoice.paid\",\"data\":{\"object\":{\"id\":\"in_1\"}}}"},
      {"id is an object", "{\"id\":{\"$ne\":null},\"type\":\"invoice.paid\",\"data\":{\"object\":{\"id\":\"in_1\"}}}"},
      {"type is an array", "{\"id\":\"evt_arr\",\"type\":[\"invoice.paid\"],\"data\":{\"object\":{\"id\":\"in_1\"}}}"},
      {"type is null", "{\"id\":\"evt_null\",\"type\":null,\"data\":{\"object\":{\"id\":\"in_1\"}}}"},
      {"data is a string", "{\"id\":\"evt_str\",\"type\":\"invoice.paid\",\"data\":\"x\"}"},
      {"data.object is a number", "{\"id\":\"evt_num\",\"type\":\"invoice.paid\",\"data\":{\"object\":5}}"},
      {"data.object is an array", "{\"id\":\"evt_arr2\",\"type\":\"invoice.paid\",\"data\":{\"object\":[]}}"},
      {"invalid UTF-8 in the event id", cc::billing::test::rawEvent("evt_\xff\xfe", "invoice.paid", nowUnix(), "{\"id\":\"in_utf8\"}")},
      {"invalid UTF-8 in the type", cc::billing::test::rawEvent("evt_badtype", "invoice.\xc3", nowUnix(), "{\"id\":\"in_utf8\"}")},
      {"escaped NUL in the event id", cc::billing::test::rawEvent("evt_\\u0000x", "invoice.paid", nowUnix(), "{\"id\":\"in_nul\"}")},
      {"escaped NUL in the invoice id", cc::billing::test::rawEvent("evt_nul_invoice", "invoice.paid", nowUnix(), "{\"id\":\"in_\\u0000a\",\"customer\":\"cus_x\"}")},
      {"escaped NUL in a metadata value", cc::billing::test::rawEvent("evt_nul_meta", "invoice.paid", nowUnix(), "{\"id\":\"in_k\",\"metadata\":{\"user_id\":\"u\\u0000\"}}")},
      {"escaped NUL inside an array", cc::billing::test::rawEvent("evt_nul_list", "invoice.paid", nowUnix(), "{\"id\":\"in_l\",\"lines\":{\"data\":[{\"id\":\"il_\\u0000\"}]}}")},
      {"lone surrogate escape in the event id", cc::billing::test::rawEvent("evt_\\ud800", "invoice.paid", nowUnix(), "{\"id\":\"in_sur\"}")},
      {"deep nesting", std::string(50000, '[')},
      {"invalid UTF-8 around the object", "\xff\xfe" + paidInvoicePayload("victim")},
      {"two events", paidInvoicePayload("victim") + paidInvoicePayload("victim")},
  };
  std::vector<Attack> attacks;
  for (auto& [name, body] : bodies) attacks.push_back(delivery("correctly signed " + name, body, signedHeader(body)));
  // Above the host's 1 MiB body limit: refused before the signature is even read.
  std::string huge = paidInvoicePayload("victim");
  huge.insert(huge.size() - 1, ",\"padding\":\"" + std::string(1024 * 1024, 'x') + "\"");
  attacks.push_back(delivery("correctly signed body above 1 MiB", huge, signedHeader(huge), {413}));
  attacks.push_back(delivery("unsigned body above 1 MiB", huge, "", {413}));
  runner->run(attacks);
}

TEST_P(BadInputWebhook, ReplaysOfAnAppliedEventWriteNothingMore) {
  const std::string payload = paidInvoicePayload("victim");
  const std::string original = signedHeader(payload);
  auto first = postWebhook(*h, payload, original);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(cc::test::jsonField(first.body, "outcome"), "applied");
  ASSERT_EQ(balance(), std::to_string(kStartupMonthlyCredits));
  const std::string grants = "SELECT COUNT(*) FROM \"Transaction\" WHERE \"userId\" = " + sqlQuote(h->userId);
  ASSERT_EQ(firstValue(h->url(), grants), "1");
  // Its audit entries (payment, credits) are in before the replays start.
  ASSERT_TRUE(waitForAuditWriter(*h, "after-first-delivery"));

  auto duplicate = [](const HttpResult& r) { EXPECT_EQ(cc::test::jsonField(r.body, "outcome"), "duplicate") << r.body; };
  std::vector<Attack> attacks;
  for (int i = 0; i < 5; ++i) {
    Attack same = delivery("replay " + std::to_string(i) + " with the original header", payload, original, {200});
    same.jsonError = false;
    same.check = duplicate;
    attacks.push_back(same);
    // Freshly signed, as Stripe's own retries are (alternating the two secrets of a rotation).
    Attack resigned = delivery("replay " + std::to_string(i) + " freshly signed", payload,
                               signedHeader(payload, nowUnix() + i, i % 2 ? kPreviousWebhookSecret : kWebhookSecret), {200});
    resigned.jsonError = false;
    resigned.check = duplicate;
    attacks.push_back(resigned);
  }
  runner->run(attacks);
  EXPECT_EQ(balance(), std::to_string(kStartupMonthlyCredits));
  EXPECT_EQ(firstValue(h->url(), grants), "1");
}

TEST_P(BadInputWebhook, ACapturedDeliveryReplayedAfterTheWindowIsRefused) {
  // A genuine delivery that Stripe signed 301 s to a day ago and an attacker kept: without
  // the secret it cannot be re-signed, so the old header goes with it. Its event was never
  // applied here, so accepting it would grant credits.
  const std::string payload = paidInvoicePayload("victim");
  std::vector<Attack> attacks;
  for (std::int64_t age : {kToleranceSeconds + 1, kToleranceSeconds + 60, std::int64_t(86400)})
    attacks.push_back(delivery("captured " + std::to_string(age) + " s ago", payload, signedHeader(payload, nowUnix() - age)));
  runner->run(attacks);
  EXPECT_EQ(balance(), "");  // no credit balance was ever created
  // The same payload, signed now, is still applied: the refusals were for the age alone.
  auto fresh = postWebhook(*h, payload, signedHeader(payload));
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(cc::test::jsonField(fresh.body, "outcome"), "applied");
  EXPECT_EQ(balance(), std::to_string(kStartupMonthlyCredits));
}

INSTANTIATE_TEST_SUITE_P(Engines, BadInputWebhook, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
