// The bus's declaration rules and the SDK's tolerant field reader, without a host: one
// publisher per topic, refusals that deliver nothing, payload checks, the verified publisher.
#include "core/events/event_bus.hpp"

#include <gtest/gtest.h>

using namespace cc;
using namespace cc::core;

namespace {

const TopicSpec kPaid{"paid", {{"userId", FieldType::String, true}, {"amount", FieldType::Integer, true},
                               {"note", FieldType::String, false}}, "test topic"};

struct Bus {
  EventBus bus{Poco::Logger::get("test.events")};
  std::vector<Event> seen;
  Bus() {
    bus.declare("billing", kPaid);
    bus.subscribe("audit", "*", [this](const Event& e) { seen.push_back(e); });
  }
};

json::ObjectPtr paidPayload() {
  auto p = json::object();
  p->set("userId", "u1");
  p->set("amount", 4900);
  return p;
}

}  // namespace

TEST(EventBus, TheDeclaringPluginPublishesWithItsVerifiedName) {
  Bus b;
  auto payload = paidPayload();
  payload->set("publisher", "core");  // payload text never names the publisher
  b.bus.publish("billing", "paid", payload);
  ASSERT_EQ(b.seen.size(), 1u);
  EXPECT_EQ(b.seen[0].publisher, "billing");
  ASSERT_TRUE(b.seen[0].spec);
  EXPECT_EQ(b.seen[0].spec->name, "paid");
}

TEST(EventBus, AnotherPluginsTopicIsRefusedAndNotDelivered) {
  Bus b;
  EXPECT_THROW(b.bus.publish("forger", "paid", paidPayload()), std::logic_error);
  EXPECT_THROW(b.bus.publish("forger", "never_declared", json::object()), std::logic_error);
  EXPECT_TRUE(b.seen.empty());
}

TEST(EventBus, ASecondDeclarationByAnotherOwnerFailsAndTheSameOwnerMayRepeat) {
  Bus b;
  try {
    b.bus.declare("forger", TopicSpec{"paid"});
    FAIL() << "declared twice";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("already declared by plugin 'billing'"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(b.bus.declare("billing", kPaid));
  EXPECT_EQ(b.bus.declaration("paid")->publisher, "billing");
}

TEST(EventBus, PayloadsAreCheckedAgainstTheDeclaration) {
  Bus b;
  auto missing = json::object();
  missing->set("userId", "u1");
  try {
    b.bus.publish("billing", "paid", missing);
    FAIL() << "published without a required field";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("required field 'amount' is missing"), std::string::npos) << e.what();
  }
  auto wrong = paidPayload();
  wrong->set("amount", "4900");
  EXPECT_THROW(b.bus.publish("billing", "paid", wrong), std::logic_error);
  auto extra = paidPayload();
  extra->set("ip", "10.0.0.1");  // undeclared extras (request context) pass
  EXPECT_NO_THROW(b.bus.publish("billing", "paid", extra));
  EXPECT_EQ(b.seen.size(), 1u);
}

TEST(EventBus, RemovingAnOwnerFreesItsTopics) {
  Bus b;
  b.bus.removeOwner("billing");
  EXPECT_FALSE(b.bus.declaration("paid"));
  EXPECT_NO_THROW(b.bus.declare("other", kPaid));
  EXPECT_EQ(b.bus.subscribers("paid"), std::vector<std::string>{"audit"});
}

TEST(EventFields, ReadsTolerantly) {
  auto p = json::object();
  p->set("text", "abc");
  p->set("number", 42);
  p->set("numberAsText", "4900");
  p->set("notANumber", "lots");
  p->set("flag", true);
  p->set("nested", json::object());
  p->set("nothing", Poco::Dynamic::Var());
  EventFields f(p);
  EXPECT_EQ(f.string("text"), "abc");
  EXPECT_EQ(f.string("number"), "42");
  EXPECT_EQ(f.string("nested", "dflt"), "dflt");
  EXPECT_EQ(f.string("absent", "dflt"), "dflt");
  EXPECT_EQ(f.string("nothing", "dflt"), "dflt");
  EXPECT_EQ(f.integer("number"), 42);
  EXPECT_EQ(f.integer("numberAsText"), 4900);
  EXPECT_FALSE(f.integer("notANumber"));
  EXPECT_EQ(f.integer("absent", -1), -1);
  EXPECT_TRUE(f.boolean("flag"));
  EXPECT_FALSE(f.has("nothing"));
  EXPECT_EQ(EventFields(json::ObjectPtr()).string("x", "d"), "d");
}
