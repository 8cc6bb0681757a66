// X-Forwarded-For resolution (nginx realip with real_ip_recursive on) and the address parsing
// behind server.trusted_proxies. The same behaviour is tested against the real host in
// tests/integration/login_throttle_test.cpp.
#include "core/http/client_address.hpp"

#include <gtest/gtest.h>

using namespace cc::core;

namespace {

TrustedProxies proxies(const std::vector<std::string>& entries) { return TrustedProxies::fromStrings(entries); }

}  // namespace

TEST(ClientAddress, ParsesStrictAddressesOnly) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->toString(), "192.0.2.1");
  EXPECT_EQ(IpAddress::parse("2001:DB8:0:0::1")->toString(), "2001:db8::1");
  EXPECT_EQ(IpAddress::parse("::ffff:192.0.2.1")->toString(), "192.0.2.1");  // mapped IPv4 is IPv4
  for (const char* bad : {"", " 192.0.2.1", "192.0.2.1:80", "[::1]", "fe80::1%eth0", "192.0.2", "256.1.1.1", "host",
                          "1.2.3.4.5"})
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  EXPECT_FALSE(IpAddress::parse(std::string("192.0.2.1\0x", 11)));
}

TEST(ClientAddress, NetworksAndTheirErrors) {
  std::string error;
  auto n = IpNetwork::parse("10.0.0.0/8", error);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->contains(*IpAddress::parse("10.255.1.2")));
  EXPECT_FALSE(n->contains(*IpAddress::parse("11.0.0.1")));
  EXPECT_FALSE(n->contains(*IpAddress::parse("::a00:1")));  // other family
  auto v6 = IpNetwork::parse("2001:db8:8000::/33", error);
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*IpAddress::parse("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("2001:db8:7fff::1")));
  auto mapped = IpNetwork::parse("::ffff:10.0.0.0/104", error);
  ASSERT_TRUE(mapped) << error;
  EXPECT_TRUE(mapped->contains(*IpAddress::parse("10.1.2.3")));
  EXPECT_TRUE(IpNetwork::parse("0.0.0.0/0", error));
  EXPECT_TRUE(IpNetwork::parse("192.0.2.7", error)->contains(*IpAddress::parse("192.0.2.7")));

  EXPECT_FALSE(IpNetwork::parse("10.1.2.3/8", error));
  EXPECT_NE(error.find("did you mean 10.0.0.0/8?"), std::string::npos) << error;
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "::/129", "proxy", "10.0.0.0/ 8",
                          "::ffff:10.0.0.0/80"})
    EXPECT_FALSE(IpNetwork::parse(bad, error)) << bad;
  EXPECT_THROW(proxies({"10.0.0.0/8", "nonsense"}), std::invalid_argument);
}

TEST(ClientAddress, UntrustedPeerKeepsItsAddress) {
  EXPECT_EQ(resolveClientAddress("192.0.2.1", "203.0.113.9", TrustedProxies()), "192.0.2.1");
  EXPECT_EQ(resolveClientAddress("192.0.2.1", "203.0.113.9", proxies({"10.0.0.0/8"})), "192.0.2.1");
  EXPECT_EQ(resolveClientAddress("not an address", "203.0.113.9", proxies({"10.0.0.0/8"})), "not an address");
}

TEST(ClientAddress, TrustedPeerRightmostUntrustedHopIsTheClient) {
  auto trusted = proxies({"10.0.0.0/8", "::1"});
  EXPECT_EQ(resolveClientAddress("10.0.0.1", "", trusted), "10.0.0.1");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", "203.0.113.9", trusted), "203.0.113.9");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", "198.51.100.1, 203.0.113.9", trusted), "203.0.113.9");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", "198.51.100.1, 10.2.2.2, 10.3.3.3", trusted), "198.51.100.1");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", "10.2.2.2,10.3.3.3", trusted), "10.2.2.2");
  EXPECT_EQ(resolveClientAddress("::1", "2001:db8::7", trusted), "2001:db8::7");
  EXPECT_EQ(resolveClientAddress("::ffff:10.0.0.1", "203.0.113.9", trusted), "203.0.113.9");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", "::ffff:203.0.113.9", trusted), "203.0.113.9");
  // Malformed items: stop, keep the last address a trusted hop vouched for.
  EXPECT_EQ(resolveClientAddress("10.0.0.1", "203.0.113.9, garbage", trusted), "10.0.0.1");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", "garbage, 10.2.2.2", trusted), "10.2.2.2");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", "garbage, 203.0.113.9", trusted), "203.0.113.9");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", " , ,203.0.113.9 , ", trusted), "203.0.113.9");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", std::string("203.0.113.9\0", 12), trusted), "10.0.0.1");
  EXPECT_EQ(resolveClientAddress("10.0.0.1", std::string(100000, ','), trusted), "10.0.0.1");
  std::string chain = "203.0.113.9";
  for (int i = 0; i < 100; ++i) chain += ", 10.0.0.2";
  EXPECT_EQ(resolveClientAddress("10.0.0.1", chain, trusted), "10.0.0.2");  // walking stops at 32 items
}
