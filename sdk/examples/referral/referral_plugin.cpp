// A referral plugin as a third party writes it, outside this repository, from the SDK's
// headers and billing's contract alone. Each user has a code; a new user who claims one gets
// welcome credits, and the code's owner gets a bonus when that user first subscribes. It uses
// what a bundled plugin uses: config, its own migration, the users service, another plugin's
// service (billing's credit ledger, with an idempotency key) and event (subscription_created),
// a route tag (invitations count as analysis runs for the rate limiter, so a free account
// cannot send unlimited mail) and a scheduled job.
#include <codecouncil/sdk/sdk.hpp>
#include <codecouncil/billing/contract.hpp>
#include <codecouncil/billing/events.hpp>

#include <chrono>
#include <random>
#include <stdexcept>

namespace {

// The config, declared once: key, type, range and default (the member's initial value).
struct Settings {
  std::int64_t bonusCredits = 50;         ///< to the code's owner when the referred user subscribes
  std::int64_t welcomeCredits = 10;       ///< to the user who claims a code
  std::int64_t inviteRetentionDays = 30;  ///< invitations older than this are deleted

  static void describe(cc::ConfigReader& r, Settings& s) {
    r.integer("bonus_credits", 1, 100000, s.bonusCredits)
        .integer("welcome_credits", 0, 100000, s.welcomeCredits)
        .integer("invite_retention_days", 1, 3650, s.inviteRetentionDays);
  }
};

constexpr std::size_t kCodeLength = 10;

bool validCode(const std::string& code) {
  if (code.size() != kCodeLength) return false;
  for (char c : code)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

std::string newCode() {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string code;
  for (std::size_t i = 0; i < kCodeLength; ++i) code += kAlphabet[random() % 36];
  return code;
}

class ReferralPlugin : public cc::ConfiguredPlugin<Settings> {
 public:
  std::string name() const override { return "referral"; }
  std::string version() const override { return "1.0.0"; }
  std::vector<std::string> dependencies() const override { return {"billing"}; }

  // Everything it registers, declared before anything exists. Handlers capture `this` and
  // read the members start() sets; they run only between start() and stop() (context.hpp).
  void declare(cc::Declarations& d, const Settings& settings) override {
    d.http().add("GET", "/api/referral/code", [this](cc::Request& req, cc::Response& res) {
      cc::Database* db = db_;
      cc::Users* users = users_;
      const std::string& me = req.requireUser().id;
      std::string code;
      for (int attempt = 0; attempt < 3 && code.empty(); ++attempt) {  // a new code may collide
        db->queryPrepared("INSERT INTO referral_codes (\"userId\", code, \"createdAt\") VALUES (?, ?, " +
                              db->nowSql() + ") ON CONFLICT DO NOTHING",
                          {me, newCode()});
        auto rows = db->queryPrepared("SELECT code FROM referral_codes WHERE \"userId\" = ?", {me});
        if (!rows.empty()) code = rows[0][0].value_or("");
      }
      if (code.empty()) return res.error(503, "no referral code could be made; try again");
      auto claims = db->queryPrepared(
          "SELECT \"referredId\", CASE WHEN \"rewardedAt\" IS NULL THEN 0 ELSE 1 END FROM referral_claims"
          " WHERE \"referrerId\" = ? ORDER BY \"createdAt\", \"referredId\"",
          {me});
      std::vector<std::string> ids;
      for (auto& row : claims) ids.push_back(row[0].value_or(""));
      auto profiles = users->findByIds(ids);  // the users service, not SQL on "User"
      auto referrals = cc::json::array();
      for (auto& row : claims) {
        auto item = cc::json::object();
        auto found = profiles.find(row[0].value_or(""));
        item->set("email", found == profiles.end() ? std::string() : found->second.email);
        item->set("rewarded", row[1].value_or("0") == "1");
        referrals->add(item);
      }
      auto body = cc::json::object();
      body->set("code", code);
      body->set("referrals", referrals);
      res.json(200, body);
    });

    d.http().add("POST", "/api/referral/claim", [this, settings](cc::Request& req, cc::Response& res) {
      cc::Database* db = db_;
      cc::billing::CreditLedger* ledger = ledger_.get();
      const std::string& me = req.requireUser().id;
      const std::string code = cc::json::requireString(req.jsonBody(), "code");
      if (!validCode(code)) return res.error(400, "code must be 10 lower-case letters or digits");
      int status = db->transaction([&](Poco::Data::Session& s) {
        auto owner = db->queryPrepared(s, "SELECT \"userId\" FROM referral_codes WHERE code = ?", {code});
        if (owner.empty()) return 404;
        const std::string referrer = owner[0][0].value_or("");
        if (referrer == me) return 400;
        auto claimed = db->queryPrepared(s,
                                         "INSERT INTO referral_claims (\"referredId\", \"referrerId\", \"createdAt\")"
                                         " VALUES (?, ?, " + db->nowSql() + ") ON CONFLICT DO NOTHING RETURNING \"referredId\"",
                                         {me, referrer});
        if (claimed.empty()) return 409;
        if (settings.welcomeCredits > 0)
          ledger->grant(s, me, settings.welcomeCredits, "referral:welcome:" + me, "Welcome credits (referral)");
        return 201;
      });
      if (status == 404) return res.error(404, "no such referral code");
      if (status == 400) return res.error(400, "you cannot claim your own referral code");
      if (status == 409) return res.error(409, "you have already claimed a referral code");
      auto body = cc::json::object();
      body->set("welcomeCredits", settings.welcomeCredits);
      res.json(201, body);
    });

    // Counts as an analysis run for the ratelimit plugin (a route tag, not a path it knows).
    cc::RouteOptions metered;
    metered.tags = {cc::route_tag::kAnalysisRun};
    d.http().add("POST", "/api/referral/invite", [this](cc::Request& req, cc::Response& res) {
      cc::Database* db = db_;
      const std::string& me = req.requireUser().id;
      std::string email = cc::json::requireString(req.jsonBody(), "email");
      bool plausible = email.size() >= 3 && email.size() <= 254 && email.find('@') != std::string::npos;
      for (unsigned char c : email) plausible = plausible && c > 0x20 && c < 0x7f;
      if (!plausible) return res.error(400, "email must be an e-mail address");
      db->queryPrepared("INSERT INTO referral_invites (\"userId\", email, \"createdAt\") VALUES (?, ?, " + db->nowSql() + ")",
                        {me, email});
      auto body = cc::json::object();
      body->set("invited", email);
      res.json(201, body);
    }, metered);

    // Billing's event: the referred user's first subscription rewards the code's owner, once.
    d.subscribe(cc::billing::topics::kSubscriptionCreated.name, [this, settings](const cc::Event& event) {
      cc::Database* db = db_;
      cc::billing::CreditLedger* ledger = ledger_.get();
      cc::Log log(*logger_);
      // The host verified the publisher: only billing can have published this topic.
      if (event.publisher != "billing") return;
      const std::string referred = cc::EventFields(event).string("userId");
      if (referred.empty()) return;
      db->transaction([&](Poco::Data::Session& s) {
        auto rewarded = db->queryPrepared(s,
                                          "UPDATE referral_claims SET \"rewardedAt\" = " + db->nowSql() +
                                              " WHERE \"referredId\" = ? AND \"rewardedAt\" IS NULL RETURNING \"referrerId\"",
                                          {referred});
        if (rewarded.empty()) return;
        const std::string referrer = rewarded[0][0].value_or("");
        if (ledger->grant(s, referrer, settings.bonusCredits, "referral:bonus:" + referred, "Referral bonus"))
          log.info("referral bonus of {} credits for {} (referred {})", settings.bonusCredits, referrer, referred);
      });
    });

    d.scheduler().every("expire_invites", std::chrono::hours(1), [this, settings](const cc::JobRun&) {
      cc::Database* db = db_;
      cc::Log log(*logger_);
      auto gone = db->queryPrepared("DELETE FROM referral_invites WHERE \"createdAt\" < " +
                                        db->nowPlusSql(-settings.inviteRetentionDays * 24 * 3600) + " RETURNING id",
                                    {});
      log.info("referral: {} expired invitations deleted", gone.size());
    });
  }

  void start(cc::Context& ctx, const Settings&) override {
    ledger_ = ctx.services().get<cc::billing::CreditLedger>();
    if (!ledger_) throw std::runtime_error("billing's credit ledger service is not available");
    db_ = &ctx.db();
    users_ = &ctx.users();
    logger_ = &ctx.logger();
  }

  void stop() override { ledger_.reset(); }

 private:
  std::shared_ptr<cc::billing::CreditLedger> ledger_;
  cc::Database* db_ = nullptr;
  cc::Users* users_ = nullptr;
  Poco::Logger* logger_ = nullptr;
};

}  // namespace

CODECOUNCIL_PLUGIN(ReferralPlugin)
