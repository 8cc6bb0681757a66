// The SDK's JSON writer (cc::json::stringify) against Poco's Stringifier, which it replaces on
// the response path: the same text for the same value.
#include <codecouncil/sdk/json.hpp>

#include <gtest/gtest.h>

#include <sstream>

namespace {

std::string pocoText(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  return out.str();
}

cc::json::ObjectPtr sample() {
  auto inner = cc::json::object();
  inner->set("zeta", 1);
  inner->set("alpha", std::string("a \"quoted\" \\ back\\slash"));
  inner->set("controls", std::string("tab\there\nnew\r\b\f\x01\x1f end"));
  inner->set("unicode", std::string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  inner->set("empty", std::string());
  inner->set("path", std::string("https://example.com/a/b?x=1&y=<2>\x7f"));
  auto list = cc::json::array();
  list->add(1);
  list->add(std::string("two"));
  list->add(true);
  list->add(Poco::Dynamic::Var());
  list->add(inner);
  list->add(cc::json::array());
  auto o = cc::json::object();
  o->set("list", list);
  o->set("int", -42);
  o->set("int64", static_cast<Poco::Int64>(9007199254740993LL));
  o->set("uint64", static_cast<Poco::UInt64>(18446744073709551615ULL));
  o->set("unsigned", 7u);
  o->set("double", 2.5);
  auto doubles = cc::json::array();
  for (double d : {49.0, 0.1, 1499.0, 4.99, -0.0, 1e21, 1.0 / 3.0, 123456789.125}) doubles->add(d);
  o->set("doubles", doubles);
  o->set("false", false);
  o->set("null", Poco::Dynamic::Var());
  o->set("nested", inner);
  o->set("emptyObject", cc::json::object());
  return o;
}

}  // namespace

TEST(JsonStringify, WritesWhatPocoWrites) {
  auto o = sample();
  EXPECT_EQ(cc::json::stringify(o), pocoText(o));
}

TEST(JsonStringify, TopLevelArraysAndScalars) {
  auto list = cc::json::array();
  list->add(sample());
  list->add(std::string("x"));
  EXPECT_EQ(cc::json::stringify(list), pocoText(list));
  EXPECT_EQ(cc::json::stringify(Poco::Dynamic::Var(std::string("plain"))), "\"plain\"");
  EXPECT_EQ(cc::json::stringify(Poco::Dynamic::Var()), "null");
  EXPECT_EQ(cc::json::stringify(Poco::Dynamic::Var(12)), "12");
}

TEST(JsonStringify, RoundTripsThroughTheParser) {
  auto o = sample();
  auto back = cc::json::parseObject(cc::json::stringify(o));
  EXPECT_EQ(back->getObject("nested")->getValue<std::string>("alpha"), "a \"quoted\" \\ back\\slash");
  EXPECT_EQ(back->getObject("nested")->getValue<std::string>("controls"), "tab\there\nnew\r\b\f\x01\x1f end");
  EXPECT_EQ(back->getValue<Poco::Int64>("int64"), 9007199254740993LL);
  EXPECT_EQ(back->getArray("list")->size(), 6u);
}
