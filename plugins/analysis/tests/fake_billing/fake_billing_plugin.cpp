// Test-only plugin named 'billing': a real, exact CreditLedger over its own two tables, so the
// analysis plugin can be tested while the real billing plugin is being written. Debits use the
// same conditional UPDATE as a production ledger (balance >= amount), so the concurrency tests
// prove the analysis plugin's transaction use, not a lucky stand-in.
//   POST /api/test/billing/grant {userId, amount}   admin only: adds credits
#include <codecouncil/sdk/sdk.hpp>
#include <codecouncil/billing/contract.hpp>

#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace {

class FakeLedger : public cc::billing::CreditLedger {
 public:
  explicit FakeLedger(cc::Database& db) : db_(db) {}

  std::int64_t balance(const std::string& userId) override {
    auto s = db_.session();
    std::string u = userId;
    std::vector<Poco::Int64> out;
    s << db_.sql("SELECT balance FROM fake_billing_balance WHERE \"userId\" = ?"), use(u), into(out), now;
    return out.empty() ? 0 : out.front();
  }

  bool debit(Poco::Data::Session& s, const std::string& userId, std::int64_t amount, const std::string& reference,
             const std::string& description) override {
    if (amount <= 0) throw std::invalid_argument("debit amount must be positive");
    std::string u = userId;
    Poco::Int64 a = amount;
    std::vector<Poco::Int64> after;
    s << db_.sql("UPDATE fake_billing_balance SET balance = balance - ? WHERE \"userId\" = ? AND balance >= ?"
                 " RETURNING balance"),
        use(a), use(u), use(a), into(after), now;
    if (after.empty()) return false;
    insertRow(s, "debit", userId, -amount, reference, description);
    return true;
  }

  void refund(Poco::Data::Session& s, const std::string& userId, std::int64_t amount, const std::string& reference,
              const std::string& description) override {
    credit(s, "refund", userId, amount, reference, description);
  }

  bool grant(Poco::Data::Session& s, const std::string& userId, std::int64_t amount, const std::string& key,
             const std::string& description) override {
    credit(s, "grant", userId, amount, "grant:" + key, description);
    return true;
  }

  void grant(const std::string& userId, std::int64_t amount, const std::string& reference) {
    db_.transaction([&](Poco::Data::Session& s) { credit(s, "grant", userId, amount, reference, "test grant"); });
  }

  std::vector<cc::billing::LedgerEntry> entries(const std::string& userId, int limit, int offset) override {
    auto s = db_.session();
    std::string u = userId;
    Poco::Int64 l = limit, o = offset;
    std::vector<Poco::Int64> ids, amounts;
    std::vector<std::string> types, refs, descs, created;
    s << db_.sql("SELECT id, amount, type, reference, description, \"createdAt\" FROM fake_billing_ledger"
                 " WHERE \"userId\" = ? ORDER BY id DESC LIMIT ? OFFSET ?"),
        use(u), use(l), use(o), into(ids), into(amounts), into(types), into(refs), into(descs), into(created), now;
    std::vector<cc::billing::LedgerEntry> out;
    for (std::size_t i = 0; i < ids.size(); ++i)
      out.push_back({ids[i], userId, amounts[i], types[i], refs[i], descs[i], created[i]});
    return out;
  }

  cc::billing::LedgerStats stats() override { return {}; }
  std::vector<std::pair<std::string, std::int64_t>> topSpenders(int) override { return {}; }

 private:
  void credit(Poco::Data::Session& s, const std::string& type, const std::string& userId, std::int64_t amount,
              const std::string& reference, const std::string& description) {
    if (amount <= 0) throw std::invalid_argument("credit amount must be positive");
    if (!insertRow(s, type, userId, amount, reference, description)) return;  // counted once per reference
    std::string u = userId;
    Poco::Int64 a = amount;
    s << db_.sql("INSERT INTO fake_billing_balance (\"userId\", balance) VALUES (?, ?) ON CONFLICT (\"userId\")"
                 " DO UPDATE SET balance = fake_billing_balance.balance + excluded.balance"),
        use(u), use(a), now;
  }

  bool insertRow(Poco::Data::Session& s, const std::string& type, const std::string& userId, std::int64_t amount,
                 const std::string& reference, const std::string& description) {
    std::string t = type, u = userId, r = reference, d = description;
    Poco::Int64 a = amount;
    std::vector<Poco::Int64> ids;
    s << db_.sql("INSERT INTO fake_billing_ledger (\"userId\", type, amount, reference, description, \"createdAt\")"
                 " VALUES (?, ?, ?, ?, ?, " + db_.nowSql() + ") ON CONFLICT (reference) DO NOTHING RETURNING id"),
        use(u), use(t), use(a), use(r), use(d), into(ids), now;
    return !ids.empty();
  }

  cc::Database& db_;
};

class FakeBillingPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "billing"; }
  std::string version() const override { return "0.0.1-test"; }

  void declare(cc::Declarations& d) override {
    d.provides<cc::billing::CreditLedger>();
    d.http().add("POST", "/api/test/billing/grant", [this](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      std::string userId = cc::json::requireString(body, "userId");
      if (!body->has("amount") || !body->get("amount").isInteger()) throw cc::HttpError(400, "amount must be an integer");
      auto amount = body->getValue<Poco::Int64>("amount");
      if (amount <= 0) throw cc::HttpError(400, "amount must be positive");
      std::string reference = cc::json::optionalString(body, "reference").value_or("");
      if (reference.empty()) reference = "test-grant:" + req.requestId;
      ledger_->grant(userId, amount, reference);
      auto o = cc::json::object();
      o->set("balance", ledger_->balance(userId));
      res.json(200, o);
    }, {cc::Access::Admin});
  }

  void start(cc::Context& ctx) override {
    ledger_ = std::make_shared<FakeLedger>(ctx.db());
    ctx.services().provide<cc::billing::CreditLedger>(ledger_);
  }

 private:
  std::shared_ptr<FakeLedger> ledger_;  ///< created in start(), before the route is installed
};

}  // namespace

CODECOUNCIL_PLUGIN(FakeBillingPlugin)
