// GET /api/auth/me writes its body straight into a string (core/auth/user_json.hpp): it must be
// byte for byte what the JSON tree gives, whatever the user's strings hold.
#include "core/auth/user_json.hpp"

#include <gtest/gtest.h>

#include <Poco/JSON/Parser.h>

#include <string>
#include <vector>

namespace {

using cc::User;

std::string throughTheTree(const User& u) {
  auto o = cc::json::object();
  o->set("user", cc::core::userJson(u));
  return cc::json::stringify(o);
}

std::vector<User> users() {
  std::vector<User> out;
  out.push_back(User{"3f2b1c9e-0000-4000-8000-000000000001", "ann@example.com", false, false, "free"});
  out.push_back(User{"id-2", "root@example.com", true, false, "enterprise"});
  out.push_back(User{"id-3", "gone@example.com", false, true, "pro"});
  out.push_back(User{"id-4", "both@example.com", true, true, "unlimited"});
  // What JSON must escape, and what it must not touch.
  out.push_back(User{"a\"b\\c", "quote\"back\\slash@example.com", false, false, "t\"\\"});
  out.push_back(User{std::string("nul\0x", 5), "ctl\x01\x1f\n\r\t\b\f@example.com", false, false, "\x7f"});
  out.push_back(User{"ünïcødé-✓", "名前@例え.jp", false, false, "tier-😀"});
  out.push_back(User{"", "", false, false, ""});
  return out;
}

TEST(UserJson, TheMeBodyIsByteForByteWhatTheJsonTreeGives) {
  for (const User& u : users()) {
    SCOPED_TRACE(u.email);
    EXPECT_EQ(cc::core::meResponseBody(u), throughTheTree(u));
  }
}

TEST(UserJson, TheMeBodyParsesBackToTheUser) {
  for (const User& u : users()) {
    SCOPED_TRACE(u.email);
    Poco::JSON::Parser parser;
    auto root = parser.parse(cc::core::meResponseBody(u)).extract<Poco::JSON::Object::Ptr>();
    auto user = root->getObject("user");
    ASSERT_TRUE(user);
    EXPECT_EQ(root->size(), 1u);
    EXPECT_EQ(user->size(), 5u);
    EXPECT_EQ(user->getValue<std::string>("id"), u.id);
    EXPECT_EQ(user->getValue<std::string>("email"), u.email);
    EXPECT_EQ(user->getValue<bool>("isAdmin"), u.isAdmin);
    EXPECT_EQ(user->getValue<bool>("suspended"), u.suspended);
    EXPECT_EQ(user->getValue<std::string>("tier"), u.tier);
  }
}

}  // namespace
