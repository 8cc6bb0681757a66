// Test-only stand-ins for the audit and billing plugins' services, in memory, so the admin
// plugin can be tested without them. Config: audit / billing / credits (bool, default true)
// choose which services are provided; fail_billing makes every billing call throw.
// POST /api/test/admin-fakes/publish publishes, for the plugins not loaded in these tests,
// the topics the admin plugin counts (kStandInTopics, declared here).
#include <codecouncil/sdk/sdk.hpp>
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/billing/contract.hpp>

#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace {

std::string nowIso() { return Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y-%m-%dT%H:%M:%S.%iZ"); }

std::string text(const cc::json::ObjectPtr& o, const char* key) {
  return o && o->has(key) && !o->isNull(key) ? o->get(key).toString() : std::string();
}

class FakeAudit : public cc::audit::AuditLog {
 public:
  void record(const cc::audit::AuditEntry& entry) override {
    std::lock_guard lock(mutex_);
    cc::audit::AuditRecord r;
    static_cast<cc::audit::AuditEntry&>(r) = entry;
    r.id = static_cast<std::int64_t>(rows_.size()) + 1;
    r.createdAt = nowIso();
    rows_.push_back(r);
  }
  cc::audit::AuditPage query(const cc::audit::AuditQuery& q) override {
    if (q.severity && std::find_if(cc::audit::kSeverities.begin(), cc::audit::kSeverities.end(),
                                   [&](const char* s) { return *q.severity == s; }) == cc::audit::kSeverities.end())
      throw std::invalid_argument("severity must be one of: info, warning, error, critical");
    if (q.limit < 1) throw std::invalid_argument("limit must be at least 1");
    if (q.offset < 0) throw std::invalid_argument("offset must not be negative");
    std::lock_guard lock(mutex_);
    cc::audit::AuditPage page;
    page.limit = std::min(q.limit, 100);
    page.offset = q.offset;
    for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {
      if (q.userId && it->userId != *q.userId) continue;
      if (q.action && it->action.rfind(*q.action, 0) != 0) continue;
      if (q.severity && it->severity != *q.severity) continue;
      if (q.resourceType && it->resourceType != *q.resourceType) continue;
      if (q.from && it->createdAt < *q.from) continue;
      if (q.to && it->createdAt >= *q.to) continue;
      if (page.total >= page.offset && static_cast<int>(page.items.size()) < page.limit) page.items.push_back(*it);
      ++page.total;
    }
    return page;
  }
  std::unique_ptr<cc::audit::AuditExport> exportLog(const cc::audit::AuditQuery&, cc::audit::ExportFormat) override {
    throw std::logic_error("the fake audit service has no export; the real one is tested in plugins/audit/tests");
  }

 private:
  std::mutex mutex_;
  std::vector<cc::audit::AuditRecord> rows_;
};

struct FailSwitch {
  bool fail = false;
  void check() const {
    if (fail) throw std::runtime_error("fake billing is down");
  }
};

class FakeBilling : public cc::billing::BillingService {
 public:
  explicit FakeBilling(FailSwitch f) : fail_(f) {}
  std::vector<cc::billing::Plan> plans() const override {
    return {{"startup_monthly", "Startup Audit - Monthly", "price_startup_monthly", "startup", 4900, "usd", "month", 300},
            {"startup_annual", "Startup Audit - Annual", "price_startup_annual", "startup", 49900, "usd", "year", 350},
            {"enterprise_monthly", "Enterprise Deep Dive - Monthly", "price_enterprise_monthly", "enterprise", 14900,
             "usd", "month", 1000},
            {"enterprise_annual", "Enterprise Deep Dive - Annual", "price_enterprise_annual", "enterprise", 149900,
             "usd", "year", 1200}};
  }
  cc::billing::SubscriptionStats stats() override {
    fail_.check();
    std::lock_guard lock(mutex_);
    cc::billing::SubscriptionStats s;
    for (auto& [user, sub] : subs_) {
      if (sub.status != "active" && sub.status != "trialing") continue;
      ++s.active;
      ++s.byPlan[sub.plan];
      for (auto& p : plans())
        if (p.id == sub.plan) s.mrrCents += p.interval == "year" ? p.amountCents / 12 : p.amountCents;
    }
    return s;
  }
  std::optional<cc::billing::SubscriptionInfo> subscriptionOf(const std::string& userId) override {
    fail_.check();
    std::lock_guard lock(mutex_);
    auto it = subs_.find(userId);
    if (it == subs_.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, std::int64_t> subscriptionsCreatedPerDay(int) override {
    fail_.check();
    std::lock_guard lock(mutex_);
    std::map<std::string, std::int64_t> out;
    for (auto& [user, sub] : subs_) ++out[sub.createdAt.substr(0, 10)];
    return out;
  }
  void set(const cc::billing::SubscriptionInfo& sub) {
    std::lock_guard lock(mutex_);
    subs_[sub.userId] = sub;
  }

 private:
  FailSwitch fail_;
  std::mutex mutex_;
  std::map<std::string, cc::billing::SubscriptionInfo> subs_;
};

class FakeLedger : public cc::billing::CreditLedger {
 public:
  std::int64_t balance(const std::string& userId) override {
    std::lock_guard lock(mutex_);
    std::int64_t b = 0;
    for (auto& e : rows_)
      if (e.userId == userId) b += e.amount;
    return b;
  }
  bool debit(Poco::Data::Session&, const std::string& userId, std::int64_t amount, const std::string& reference,
             const std::string& description) override {
    if (balance(userId) < amount) return false;
    add(userId, -amount, "debit", reference, description);
    return true;
  }
  void refund(Poco::Data::Session&, const std::string& userId, std::int64_t amount, const std::string& reference,
              const std::string& description) override {
    add(userId, amount, "refund", reference, description);
  }
  bool grant(Poco::Data::Session&, const std::string& userId, std::int64_t amount, const std::string& key,
             const std::string& description) override {
    add(userId, amount, "grant", "grant:" + key, description);
    return true;
  }
  std::vector<cc::billing::LedgerEntry> entries(const std::string& userId, int limit, int offset) override {
    std::lock_guard lock(mutex_);
    std::vector<cc::billing::LedgerEntry> out;
    int skipped = 0;
    for (auto it = rows_.rbegin(); it != rows_.rend() && static_cast<int>(out.size()) < limit; ++it)
      if (it->userId == userId && skipped++ >= offset) out.push_back(*it);
    return out;
  }
  cc::billing::LedgerStats stats() override {
    std::lock_guard lock(mutex_);
    cc::billing::LedgerStats s;
    s.totalTransactions = static_cast<std::int64_t>(rows_.size());
    for (auto& e : rows_) {
      if (e.type == "grant") s.creditsGranted += e.amount;
      else s.creditsSpent -= e.amount;
    }
    return s;
  }
  std::vector<std::pair<std::string, std::int64_t>> topSpenders(int limit) override {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::int64_t> spent;
    for (auto& e : rows_)
      if (e.type != "grant") spent[e.userId] -= e.amount;
    std::vector<std::pair<std::string, std::int64_t>> out(spent.begin(), spent.end());
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.second > b.second; });
    if (static_cast<int>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
    return out;
  }
  void add(const std::string& userId, std::int64_t amount, const std::string& type, const std::string& reference,
           const std::string& description) {
    std::lock_guard lock(mutex_);
    cc::billing::LedgerEntry e{static_cast<std::int64_t>(rows_.size()) + 1, userId, amount, type, reference,
                               description, nowIso()};
    rows_.push_back(e);
  }

 private:
  std::mutex mutex_;
  std::vector<cc::billing::LedgerEntry> rows_;
};

// The audit plugin's defaults for the topics these tests publish.
std::pair<std::string, std::string> severityAndResource(const std::string& topic) {
  if (topic == "user_suspended") return {"warning", "admin"};
  if (topic == "user_reactivated") return {"info", "admin"};
  if (topic == "login_failed") return {"warning", "user"};
  if (topic == "user_signup") return {"info", "user"};
  if (topic.rfind("payment_failed", 0) == 0) return {"error", "payment"};
  if (topic.rfind("analysis", 0) == 0) return {"info", "analysis"};
  if (topic.rfind("subscription", 0) == 0) return {"info", "subscription"};
  return {"info", "system"};
}

struct FakeSettings {
  bool audit = true, billing = true, credits = true, failBilling = false;
  static void describe(cc::ConfigReader& r, FakeSettings& s) {
    r.boolean("audit", s.audit).boolean("billing", s.billing).boolean("credits", s.credits).boolean("fail_billing", s.failBilling);
  }
};

class FakeProvidersPlugin : public cc::ConfiguredPlugin<FakeSettings> {
 public:
  std::string name() const override { return "tp_admin_fakes"; }
  std::string version() const override { return "0.0.1"; }
  void declare(cc::Declarations& d, const FakeSettings& settings) override {
    for (const char* topic : kStandInTopics) d.topic(cc::TopicSpec{topic, {}, "admin fake stand-in"});
    if (settings.audit) {
      d.provides<cc::audit::AuditLog>();
      d.subscribe("*", [this](const cc::Event& e) {
        cc::audit::AuditEntry entry;
        entry.userId = text(e.payload, "userId");
        entry.action = e.topic;
        std::tie(entry.severity, entry.resourceType) = severityAndResource(e.topic);
        entry.resourceId = entry.userId;
        entry.metadata = cc::json::stringify(e.payload);
        audit_->record(entry);
      });
    }
    if (settings.billing) d.provides<cc::billing::BillingService>();
    if (settings.credits) d.provides<cc::billing::CreditLedger>();

    d.http().add("POST", "/api/test/admin-fakes/subscription", [this](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      cc::billing::SubscriptionInfo sub;
      sub.userId = cc::json::requireString(body, "userId");
      sub.plan = cc::json::requireString(body, "plan");
      sub.status = cc::json::requireString(body, "status");
      sub.id = "sub_" + sub.userId;
      sub.createdAt = cc::json::optionalString(body, "createdAt").value_or(nowIso());
      sub.currentPeriodStart = sub.createdAt;
      billing_->set(sub);
      // As the billing plugin does: the paid tier follows an active subscription.
      std::string tier = (sub.status == "active" || sub.status == "trialing") ? sub.plan.substr(0, sub.plan.find('_'))
                                                                               : std::string("free");
      auto s = db_->session();
      s << db_->sql("UPDATE \"User\" SET tier = ? WHERE id = ?"), use(tier), use(sub.userId), now;
      res.json(200, cc::json::object());
    }, {cc::Access::Public});

    d.http().add("POST", "/api/test/admin-fakes/ledger", [this](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      std::string userId = cc::json::requireString(body, "userId");
      std::int64_t amount = body->getValue<std::int64_t>("amount");
      std::string type = cc::json::requireString(body, "type");
      ledger_->add(userId, amount, type, type + ":" + std::to_string(ledger_->stats().totalTransactions + 1), type);
      res.json(200, cc::json::object());
    }, {cc::Access::Public});

    // Stands in for the topic's real publisher, which these tests do not load.
    d.http().add("POST", "/api/test/admin-fakes/publish", [this](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      std::string topic = cc::json::requireString(body, "topic");
      auto payload = body->has("payload") ? body->getObject("payload") : cc::json::object();
      events_->publish(topic, payload);
      res.json(200, cc::json::object());
    }, {cc::Access::Public});
  }

  void start(cc::Context& ctx, const FakeSettings& settings) override {
    billing_ = std::make_shared<FakeBilling>(FailSwitch{settings.failBilling});
    ledger_ = std::make_shared<FakeLedger>();
    db_ = &ctx.db();
    events_ = &ctx.events();
    if (settings.audit) {
      audit_ = std::make_shared<FakeAudit>();
      ctx.services().provide<cc::audit::AuditLog>(audit_);
    }
    if (settings.billing) ctx.services().provide<cc::billing::BillingService>(billing_);
    if (settings.credits) ctx.services().provide<cc::billing::CreditLedger>(ledger_);
  }

 private:
  /// The analysis and billing topics the admin tests publish (their plugins are not loaded).
  static constexpr const char* kStandInTopics[] = {"analysis_completed", "analysis_failed", "payment_succeeded",
                                                   "payment_failed"};

  // Set in start(), before the host installs the routes and the subscription that read them.
  std::shared_ptr<FakeAudit> audit_;
  std::shared_ptr<FakeBilling> billing_;
  std::shared_ptr<FakeLedger> ledger_;
  cc::Database* db_ = nullptr;
  cc::Events* events_ = nullptr;
};

}  // namespace

CODECOUNCIL_PLUGIN(FakeProvidersPlugin)
