// Stripe's form encoding: nested bracket keys, percent-encoded values, and the round trip
// the fake server relies on.
#include "src/form_body.hpp"

#include <gtest/gtest.h>

using cc::billing::FormBody;
using cc::billing::parseForm;

TEST(FormBody, NestedKeysKeepBrackets) {
  FormBody f;
  f.add("customer", "cus_1").add({"items", "0", "price"}, "price_x").add({"metadata", "user_id"}, "u-1");
  EXPECT_EQ(f.encode(), "customer=cus_1&items[0][price]=price_x&metadata[user_id]=u-1");
}

TEST(FormBody, ValuesArePercentEncoded) {
  FormBody f;
  f.add("email", "a+b@example.com").add("url", "https://x.test/ok?session_id={CHECKOUT_SESSION_ID}&a=b c");
  EXPECT_EQ(f.encode(),
            "email=a%2Bb%40example.com&url=https%3A%2F%2Fx.test%2Fok%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D%26a%3Db%20c");
}

TEST(FormBody, RoundTripsThroughParse) {
  FormBody f;
  f.add({"expand", "0"}, "latest_invoice.confirmation_secret").add("note", "x=y&z ü");
  auto fields = parseForm(f.encode());
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].first, "expand[0]");
  EXPECT_EQ(fields[0].second, "latest_invoice.confirmation_secret");
  EXPECT_EQ(fields[1].second, "x=y&z ü");
}

TEST(FormBody, ParseDecodesPlusAndEncodedBrackets) {
  auto fields = parseForm("items%5B0%5D%5Bprice%5D=p+1&flag");
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].first, "items[0][price]");
  EXPECT_EQ(fields[0].second, "p 1");
  EXPECT_EQ(fields[1].first, "flag");
}
