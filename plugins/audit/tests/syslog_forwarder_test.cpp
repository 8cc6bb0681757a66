// The forwarder's queue and shutdown (syslog_forwarder.cpp) against a real loopback
// collector: stop() sends what is queued when the collector is there, gives up after
// shutdown_flush_ms when it is not and counts the rest as dropped (reason="shutdown"), and a
// row offered after stop() is counted, not sent.
#include "syslog_forwarder.hpp"
#include "syslog_test_collector.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Logger.h>
#include <prometheus/registry.h>

#include <gtest/gtest.h>

using namespace cc::audit;
using cc::audit::test::TcpCollector;

namespace {

double value(prometheus::Registry& registry, const std::string& name, const std::string& reason = "") {
  for (auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (auto& m : family.metric) {
      bool match = reason.empty();
      for (auto& l : m.label)
        if (l.name == "reason" && l.value == reason) match = true;
      if (match) return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    }
  }
  return -1;
}

std::vector<ChainRow> rows(int from, int to) {
  std::vector<ChainRow> out;
  for (int i = from; i < to; ++i) {
    ChainRow r;
    r.id = i;
    r.createdAt = "2026-01-01T00:00:00.000Z";
    r.action = "test_" + std::to_string(i);
    r.severity = "info";
    r.resourceType = "system";
    r.metadata = "{}";
    r.hash = std::string(64, 'c');
    out.push_back(r);
  }
  return out;
}

SyslogSettings settingsFor(int port, int flushMs) {
  SyslogSettings s;
  s.enabled = true;
  s.address = "127.0.0.1:" + std::to_string(port);
  s.shutdownFlushMs = flushMs;
  s.reconnectMaxSeconds = 1;
  return s;
}

Poco::Logger& quietLogger() {
  Poco::Logger& log = Poco::Logger::get("syslog_forwarder_test");
  log.setLevel(Poco::Message::PRIO_ERROR);
  return log;
}

TEST(SyslogForwarder, StopSendsWhatIsQueuedWhenTheCollectorIsThere) {
  TcpCollector collector;
  prometheus::Registry registry;
  SyslogForwarder forwarder(settingsFor(collector.port(), 5000), SyslogOrigin{}, registry, quietLogger());
  forwarder.start();
  forwarder.enqueue(rows(1, 201));
  forwarder.stop();  // right away: the queue is flushed before it returns
  EXPECT_EQ(value(registry, "audit_syslog_forwarded_total"), 200);
  EXPECT_EQ(value(registry, "audit_syslog_dropped_total", "shutdown"), 0);
  ASSERT_TRUE(collector.received().waitFor(200));
  auto messages = collector.received().messages();
  ASSERT_EQ(messages.size(), 200u);
  std::string why;
  for (std::size_t k = 0; k < messages.size(); ++k) {
    auto m = cc::audit::test::parseRfc5424(messages[k], why);
    ASSERT_TRUE(m) << why;
    EXPECT_EQ(m->param("id"), std::to_string(k + 1));
  }
}

TEST(SyslogForwarder, StopGivesUpAfterTheFlushTimeAndCountsTheRest) {
  TcpCollector collector;
  const int port = collector.port();
  collector.close();
  prometheus::Registry registry;
  SyslogSettings settings = settingsFor(port, 300);
  settings.queueMax = 4;
  SyslogForwarder forwarder(settings, SyslogOrigin{}, registry, quietLogger());
  forwarder.start();
  forwarder.enqueue(rows(1, 7));  // 4 queued, 2 dropped
  EXPECT_EQ(value(registry, "audit_syslog_dropped_total", "queue_full"), 2);
  EXPECT_EQ(value(registry, "audit_syslog_queue_depth"), 4);
  auto started = std::chrono::steady_clock::now();
  forwarder.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300 + 2000 + 500));
  EXPECT_EQ(value(registry, "audit_syslog_dropped_total", "shutdown"), 4);
  EXPECT_EQ(value(registry, "audit_syslog_queue_depth"), 0);
  forwarder.enqueue(rows(7, 8));  // after stop: counted, never sent
  EXPECT_EQ(value(registry, "audit_syslog_dropped_total", "shutdown"), 5);
  EXPECT_EQ(value(registry, "audit_syslog_forwarded_total"), 0);
}

}  // namespace
