// Stripe-Signature verification against Stripe's own test vector and every way it can fail.
#include "src/webhook_signature.hpp"
#include "support/stripe_webhooks.hpp"

#include <gtest/gtest.h>

using cc::billing::constantTimeEquals;
using cc::billing::hmacSha256Hex;
using cc::billing::verifyStripeSignature;

namespace {
const std::string kPayload = R"({"id":"evt_test_webhook","object":"event"})";
const std::string kSecret = "whsec_test_secret";
const std::int64_t kT = 1700000000;
const std::string kVector = "d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990";
}  // namespace

TEST(StripeSignature, MatchesStripesPublishedVector) {
  EXPECT_EQ(hmacSha256Hex(kSecret, std::to_string(kT) + "." + kPayload), kVector);
  auto r = verifyStripeSignature("t=1700000000,v1=" + kVector, kPayload, {kSecret}, kT + 10, 300);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.timestamp, kT);
}

TEST(StripeSignature, TestSignerAgreesWithVector) {
  EXPECT_EQ(cc::billing::test::signatureHeader(kPayload, kSecret, kT), "t=1700000000,v1=" + kVector);
}

TEST(StripeSignature, TamperedBodyIsRefused) {
  auto r = verifyStripeSignature("t=1700000000,v1=" + kVector, kPayload + " ", {kSecret}, kT, 300);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("matches"), std::string::npos);
}

TEST(StripeSignature, WrongSecretIsRefused) {
  EXPECT_FALSE(verifyStripeSignature("t=1700000000,v1=" + kVector, kPayload, {"whsec_other"}, kT, 300).ok);
}

TEST(StripeSignature, OldTimestampIsRefusedAtTheTolerance) {
  std::string header = "t=1700000000,v1=" + kVector;
  EXPECT_TRUE(verifyStripeSignature(header, kPayload, {kSecret}, kT + 300, 300).ok);
  auto r = verifyStripeSignature(header, kPayload, {kSecret}, kT + 301, 300);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("tolerance"), std::string::npos);
  EXPECT_TRUE(verifyStripeSignature(header, kPayload, {kSecret}, kT + 3000, 3600).ok);
}

TEST(StripeSignature, AnyV1MatchesAndV0IsIgnored) {
  std::string bogus(64, 'a');
  EXPECT_TRUE(verifyStripeSignature("t=1700000000,v1=" + bogus + ",v1=" + kVector, kPayload, {kSecret}, kT, 300).ok);
  // A correct value under v0 (or an unknown scheme) must not count.
  EXPECT_FALSE(verifyStripeSignature("t=1700000000,v0=" + kVector, kPayload, {kSecret}, kT, 300).ok);
  EXPECT_FALSE(verifyStripeSignature("t=1700000000,v2=" + kVector + ",v1=" + bogus, kPayload, {kSecret}, kT, 300).ok);
  EXPECT_TRUE(verifyStripeSignature(" t=1700000000 , v0=abc, v1=" + kVector, kPayload, {kSecret}, kT, 300).ok);
}

TEST(StripeSignature, RotatedSecretsAreAllTried) {
  EXPECT_TRUE(verifyStripeSignature("t=1700000000,v1=" + kVector, kPayload, {"whsec_new", kSecret}, kT, 300).ok);
  EXPECT_TRUE(verifyStripeSignature("t=1700000000,v1=" + kVector, kPayload, {kSecret, "whsec_new"}, kT, 300).ok);
}

TEST(StripeSignature, MalformedHeadersAreRefused) {
  for (const std::string& header : std::vector<std::string>{"", "garbage", "v1=" + kVector, "t=,v1=" + kVector, "t=abc,v1=" + kVector,
                             "t=1700000000", "t=1700000000,v1=", "t=-5,v1=" + kVector}) {
    auto r = verifyStripeSignature(header, kPayload, {kSecret}, kT, 300);
    EXPECT_FALSE(r.ok) << header;
    EXPECT_FALSE(r.reason.empty()) << header;
  }
}

TEST(StripeSignature, NoSecretsRefusesEverything) {
  EXPECT_FALSE(verifyStripeSignature("t=1700000000,v1=" + kVector, kPayload, {}, kT, 300).ok);
}

TEST(StripeSignature, ReasonsNeverContainTheSecret) {
  auto r = verifyStripeSignature("t=1700000000,v1=00", kPayload, {kSecret}, kT, 300);
  EXPECT_EQ(r.reason.find(kSecret), std::string::npos);
}

TEST(StripeSignature, ConstantTimeEquals) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(constantTimeEquals("", ""));
}
