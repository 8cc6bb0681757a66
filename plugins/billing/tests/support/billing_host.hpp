#pragma once
// The real host with the billing plugin (and the probe plugin) pointed at a fake Stripe and,
// optionally, a real SMTP receiver on loopback. Header-only: it needs cc_test_support, which
// only the test executables link.
#include "support/fake_smtp_server.hpp"
#include "support/fake_stripe_server.hpp"
#include "support/host_process.hpp"
#include "support/stripe_webhooks.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace cc::billing::test {

inline const std::string kWebhookSecret = "whsec_test_current";
inline const std::string kPreviousWebhookSecret = "whsec_test_previous";

inline std::string billingConfig(const FakeStripeServer& stripe, const std::string& extra = "") {
  return "{ secret_key: sk_test_123, webhook_secret: '" + kPreviousWebhookSecret + "," + kWebhookSecret +
         "', api_base: '" + stripe.baseUrl() + "', retry_base_ms: 5, retry_max_ms: 20, annual_grant_interval_seconds: 1" +
         extra + " }";
}

inline std::string probePlugin() {
  return "  - name: billing_probe\n    path: " + cc::test::testPluginDir() + "/libcc_billing_probe.so\n    migrations: \"\"\n";
}

inline std::string mailYaml(const cc::test::FakeSmtpServer* smtp) {
  if (!smtp) return "";
  return "mail:\n  smtp_host: 127.0.0.1\n  smtp_port: " + std::to_string(smtp->port()) +
         "\n  tls: none\n  retry_interval_seconds: 1\n";
}

inline bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

class BillingHost {
 public:
  /// `pluginConfig` is the billing entry's inline YAML (billingConfig(stripe) by default);
  /// `extraPlugins` more `plugins:` entries (e.g. bundledPlugin("metrics")).
  BillingHost(const std::string& pluginConfig, const cc::test::FakeSmtpServer* smtp = nullptr,
              const std::string& databaseUrl = "", const std::string& extraPlugins = "")
      : host(cc::test::bundledPlugin("billing", pluginConfig) + probePlugin() + extraPlugins, mailYaml(smtp),
             databaseUrl) {}

  cc::test::HostProcess host;

  cc::test::HttpResult webhook(const std::string& payload, const std::string& secret = kWebhookSecret,
                               std::int64_t timestamp = nowUnix()) const {
    return cc::test::http(host.port(), "POST", "/api/billing/stripe/webhook", payload,
                          {{"Stripe-Signature", signatureHeader(payload, secret, timestamp)}});
  }
  /// First column of the first row, "" when there is none.
  std::string value(const std::string& sql) const {
    auto rows = cc::test::queryStrings(host.databaseUrl(), sql);
    return rows.empty() ? "" : rows.front();
  }
  int count(const std::string& sql) const { return std::stoi(value("SELECT COUNT(*) FROM (" + sql + ") AS q")); }
  std::string userId(const std::string& token) const {
    return cc::test::jsonField(host.get("/api/auth/me", token).body, "user.id");
  }
};

/// One billing host (with its own fake Stripe) per engine, shared by the tests of one
/// parameterised suite: started by the first test that asks, stopped by stopAll() in the
/// suite's TearDownTestSuite. Callers skip PostgreSQL themselves when it is not available.
class SharedBillingHosts {
 public:
  /// `extraConfig` is appended to the billing entry's config (", key: value"), `extraPlugins`
  /// are more `plugins:` entries (e.g. the audit plugin).
  explicit SharedBillingHosts(std::string databasePrefix, std::string extraConfig = "", std::string extraPlugins = "")
      : databasePrefix_(std::move(databasePrefix)), extraConfig_(std::move(extraConfig)),
        extraPlugins_(std::move(extraPlugins)) {}

  /// The host for `engine` ("sqlite" or "postgresql"); throws with the host's output when it
  /// cannot start.
  BillingHost& get(const std::string& engine) {
    auto& entry = hosts_[engine];
    if (!entry) {
      entry = std::make_unique<Entry>();
      std::string url = engine == "postgresql" ? cc::test::createPostgresDatabase(databasePrefix_) : "";
      entry->billing =
          std::make_unique<BillingHost>(billingConfig(entry->stripe, extraConfig_), nullptr, url, extraPlugins_);
      if (!entry->billing->host.start()) {
        std::string output = entry->billing->host.output();
        hosts_.erase(engine);
        throw std::runtime_error("the billing host did not start:\n" + output);
      }
    }
    return *entry->billing;
  }
  /// The fake Stripe of `engine`'s host (get(engine) first).
  FakeStripeServer& stripe(const std::string& engine) { return hosts_.at(engine)->stripe; }
  void stopAll() {
    for (auto& [engine, entry] : hosts_) entry->billing->host.stop();
    hosts_.clear();
  }

 private:
  struct Entry {
    FakeStripeServer stripe;
    std::unique_ptr<BillingHost> billing;
  };
  std::string databasePrefix_, extraConfig_, extraPlugins_;
  std::map<std::string, std::unique_ptr<Entry>> hosts_;
};

}  // namespace cc::billing::test
