// Typed events through the real binary: only a topic's declaring plugin (or core) may publish
// it; a forged or undeclared publish is refused at the publisher and reaches no subscriber
// (audit included); every delivery carries its verified publisher; a payload missing a
// declared required field is refused; a second declaration of a taken topic fails that
// plugin's start; `codecouncil events` lists the bundled plugins' topics.
#include "support/host_process.hpp"

#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

using namespace cc::test;

namespace {

std::string forger(const std::string& config = "{}") {
  return "  - name: tp_forger\n    path: " + testPluginDir() + "/libcc_tp_forger.so\n    config: " + config + "\n";
}

std::string auditProbe() {
  return "  - name: tp_audit_publisher\n    path: " + testPluginDir() + "/libcc_tp_audit_publisher.so\n";
}

const std::string kBilling = bundledPlugin("billing", "{ secret_key: '', webhook_secret: '' }");

Poco::JSON::Array::Ptr deliveries(const HostProcess& host) {
  auto r = host.get("/api/test/forger/deliveries");
  EXPECT_EQ(r.status, 200) << r.body;
  Poco::JSON::Parser parser;
  return parser.parse(r.body).extract<Poco::JSON::Array::Ptr>();
}

/// The first delivery of `topic` the forger's "*" subscription saw (null = none).
Poco::JSON::Object::Ptr deliveryOf(const HostProcess& host, const std::string& topic) {
  auto all = deliveries(host);
  for (std::size_t i = 0; i < all->size(); ++i)
    if (all->getObject(i)->getValue<std::string>("topic") == topic) return all->getObject(i);
  return nullptr;
}

std::string publisherOf(const HostProcess& host, const std::string& topic) {
  auto d = deliveryOf(host, topic);
  return d ? d->getValue<std::string>("publisher") : "";
}

std::int64_t auditRows(const HostProcess& host, const std::string& action) {
  auto r = host.get("/api/test/audit/logs?action=" + action);
  EXPECT_EQ(r.status, 200) << r.body;
  return std::stoll(jsonField(r.body, "total"));
}

class TypedEvents : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = new HostProcess(bundledPlugin("audit") + auditProbe() + kBilling + forger());
    ASSERT_TRUE(host_->start()) << host_->output();
  }
  static void TearDownTestSuite() {
    host_->stop();
    delete host_;
  }
  static HostProcess* host_;
};
HostProcess* TypedEvents::host_ = nullptr;

}  // namespace

TEST_F(TypedEvents, AForgedBillingTopicIsRefusedAndReachesNoSubscriber) {
  auto r = host_->post("/api/test/forger/publish",
                       R"({"topic":"credits_granted","payload":{"userId":"u_forged","amount":1000000,"reference":"x"}})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("declared by billing, not by tp_forger"), std::string::npos) << r.body;
  EXPECT_TRUE(host_->waitForOutput("event credits_granted from tp_forger refused")) << host_->output();
  // A topic of the forger's own goes through the same bus and the same audit writer: once it
  // is recorded, the forged event (published before it) would have been too.
  ASSERT_EQ(host_->post("/api/test/forger/publish", R"({"topic":"tp_forger.greeted","payload":{"name":"ada"}})").status, 202);
  for (int i = 0; i < 200 && auditRows(*host_, "tp_forger.greeted") < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_EQ(auditRows(*host_, "tp_forger.greeted"), 1);
  EXPECT_EQ(auditRows(*host_, "credits_granted"), 0);
  EXPECT_EQ(publisherOf(*host_, "credits_granted"), "") << "the forged event was delivered";
}

TEST_F(TypedEvents, CoreTopicsAndUndeclaredTopicsAreRefusedToo) {
  auto core = host_->post("/api/test/forger/publish", R"({"topic":"user_signup","payload":{"userId":"u","email":"x@y.z"}})");
  EXPECT_EQ(core.status, 403) << core.body;
  EXPECT_NE(core.body.find("declared by core"), std::string::npos) << core.body;
  auto undeclared = host_->post("/api/test/forger/publish", R"({"topic":"never_declared","payload":{}})");
  EXPECT_EQ(undeclared.status, 403) << undeclared.body;
  EXPECT_NE(undeclared.body.find("not declared"), std::string::npos) << undeclared.body;
  EXPECT_EQ(publisherOf(*host_, "never_declared"), "");
}

TEST_F(TypedEvents, DeliveriesCarryTheVerifiedPublisher) {
  host_->signup("publisher-check@example.com");
  ASSERT_EQ(host_->post("/api/test/forger/publish",
                        R"({"topic":"tp_forger.greeted","payload":{"name":"bob","publisher":"billing"}})").status, 202);
  EXPECT_EQ(publisherOf(*host_, "user_signup"), "core");
  // user_signup carries the signup request's context.
  auto signup = deliveryOf(*host_, "user_signup");
  ASSERT_TRUE(signup);
  auto payload = signup->getObject("payload");
  EXPECT_EQ(payload->getValue<std::string>("email"), "publisher-check@example.com");
  EXPECT_EQ(payload->getValue<std::string>("ip"), "127.0.0.1");
  EXPECT_FALSE(payload->getValue<std::string>("requestId").empty());
  // A payload field named "publisher" is only payload: the delivery's publisher is the host's word.
  EXPECT_EQ(publisherOf(*host_, "tp_forger.greeted"), "tp_forger");
}

TEST_F(TypedEvents, APayloadMissingARequiredFieldIsRefused) {
  auto r = host_->post("/api/test/forger/publish", R"({"topic":"tp_forger.greeted","payload":{"nom":"x"}})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("required field 'name' is missing"), std::string::npos) << r.body;
  auto wrongType = host_->post("/api/test/forger/publish", R"({"topic":"tp_forger.greeted","payload":{"name":7}})");
  EXPECT_EQ(wrongType.status, 403) << wrongType.body;
  EXPECT_NE(wrongType.body.find("field 'name' must be a string"), std::string::npos) << wrongType.body;
}

TEST(TypedEventsStart, DeclaringATakenTopicFailsThatPluginsStart) {
  HostProcess host(kBilling + forger("{ declare: [payment_failed] }"));
  EXPECT_FALSE(host.start());
  EXPECT_TRUE(host.waitForOutput("event topic 'payment_failed' is already declared by plugin 'billing'")) << host.output();
  EXPECT_NE(host.output().find("plugin tp_forger"), std::string::npos) << host.output();
}

TEST(EventsCommand, ListsEveryTopicWithPublisherSubscribersAndFields) {
  TempDir dir;
  auto r = runHost({"events", "--config", sourceDir() + "/config/codecouncil.yaml"},
                   {{"DATABASE_URL", "sqlite://" + (dir.path() / "events.db").string()},
                    {"CODECOUNCIL_DATA_DIR", dir.str()},
                    {"CODECOUNCIL_PLUGIN_DIR", pluginDir()},
                    {"BACKUP_DIR", (dir.path() / "backups").string()}});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::string& out = r.output;
  auto block = [&](const std::string& topic) {
    auto at = out.find("\n  " + topic + "\n");
    if (at == std::string::npos) return std::string();
    // The topic's lines run until the next line indented by exactly two spaces (the next topic).
    std::size_t end = at + 1;
    while ((end = out.find("\n  ", end + 1)) != std::string::npos && out.compare(end, 4, "\n   ") == 0) {
    }
    return out.substr(at, end == std::string::npos ? std::string::npos : end - at);
  };
  for (const char* topic : {"user_signup", "login_failed", "login_throttled", "signup_throttled", "plugin_failed",
                            "subscription_created", "payment_failed", "credits_granted", "rate_limit_exceeded", "analysis_completed",
                            "user_suspended", "backup_succeeded", "billing_reconcile_stopped"})
    EXPECT_FALSE(block(topic).empty()) << topic << " not listed:\n" << out;
  std::string failed = block("payment_failed");
  EXPECT_NE(failed.find("publisher: billing"), std::string::npos) << failed;
  EXPECT_NE(failed.find("errorCode  string  required"), std::string::npos) << failed;
  EXPECT_NE(failed.find("amount  integer  required"), std::string::npos) << failed;
  EXPECT_NE(failed.find("subscribers: "), std::string::npos) << failed;
  for (const char* subscriber : {"audit", "metrics"}) EXPECT_NE(failed.find(subscriber), std::string::npos) << failed;
  std::string signup = block("user_signup");
  EXPECT_NE(signup.find("publisher: core"), std::string::npos) << signup;
  EXPECT_NE(block("rate_limit_exceeded").find("limitType  string  required"), std::string::npos) << out;
  // Each declaration's severity and resource, as subscribers (audit) read them; docs/events.md's
  // last column.
  std::map<std::string, std::pair<std::string, std::string>> described = {
      {"user_signup", {"info", "user (id: userId)"}},
      {"login_failed", {"warning", "user (id: userId)"}},
      {"login_throttled", {"warning", "user (id: userId)"}},
      {"signup_throttled", {"warning", "user"}},
      {"plugin_failed", {"critical", "system (id: plugin)"}},
      {"subscription_created", {"info", "subscription (id: subscriptionId)"}},
      {"subscription_updated", {"info", "subscription (id: subscriptionId)"}},
      {"subscription_canceled", {"info", "subscription (id: subscriptionId)"}},
      {"payment_succeeded", {"info", "payment (id: invoiceId)"}},
      {"payment_failed", {"error", "payment (id: invoiceId)"}},
      {"credits_granted", {"info", "payment (id: reference)"}},
      {"billing_reconcile_stopped", {"critical", "system"}},
      {"rate_limit_exceeded", {"warning", "analysis"}},
      {"analysis_completed", {"info", "analysis (id: analysisId)"}},
      {"analysis_failed", {"error", "analysis (id: analysisId)"}},
      {"user_suspended", {"warning", "admin (id: userId)"}},
      {"user_reactivated", {"info", "admin (id: userId)"}},
      {"backup_succeeded", {"info", "backup (id: file)"}},
      {"backup_failed", {"critical", "backup"}}};
  for (auto& [topic, d] : described) {
    EXPECT_NE(block(topic).find("    severity: " + d.first + "\n"), std::string::npos) << topic << ":\n" << block(topic);
    EXPECT_NE(block(topic).find("    resource: " + d.second + "\n"), std::string::npos) << topic << ":\n" << block(topic);
  }
  EXPECT_EQ(out.find("error_code"), std::string::npos) << "a snake_case payload key is listed:\n" << out;
}
