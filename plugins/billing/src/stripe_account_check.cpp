#include "stripe_account_check.hpp"

#include "stripe_objects.hpp"

#include <cctype>
#include <vector>

using namespace Poco::Data::Keywords;

namespace cc::billing {
namespace {

AccountVerdict stop(std::string reason, std::string message, std::string accountId = "") {
  return {AccountVerdict::Kind::kStop, std::move(reason), std::move(message), std::move(accountId)};
}

}  // namespace

bool isStripeAccountId(const std::string& id) {
  const std::string prefix = "acct_";
  if (id.size() <= prefix.size() || id.size() > 255 || id.rfind(prefix, 0) != 0) return false;
  for (std::size_t i = prefix.size(); i < id.size(); ++i)
    if (!std::isalnum(static_cast<unsigned char>(id[i]))) return false;
  return true;
}

AccountVerdict StripeAccountCheck::verify() {
  const std::string mode = modeName(livemode_);
  if (keyMode_ && *keyMode_ != livemode_)
    return stop("wrong_mode", std::string("the secret key is a ") + modeName(*keyMode_) +
                                  "-mode key but this deployment serves " + mode +
                                  " mode (livemode): Stripe would not know this mode's subscriptions");

  json::ObjectPtr account;
  try {
    account = client_->get("/v1/account");
  } catch (const StripeError& e) {
    if (e.isNetworkError() || e.httpStatus() == 429 || e.httpStatus() >= 500)
      return {AccountVerdict::Kind::kUnavailable, "",
              "GET /v1/account failed (HTTP " + std::to_string(e.httpStatus()) + "): " + e.what(), ""};
    // 401 (key revoked or mistyped), 403 (a restricted key without read access to the
    // account): nothing tells whose subscriptions the key would see.
    return stop("account_unverified", "Stripe refused GET /v1/account (HTTP " + std::to_string(e.httpStatus()) +
                                          (e.code().empty() ? "" : ", " + e.code()) +
                                          "), so the key's account cannot be checked");
  }
  const std::string seen = field::str(account, "id");
  if (!isStripeAccountId(seen))
    return stop("account_unverified", "Stripe's answer to GET /v1/account carries no account id");

  if (!expected_.empty()) {
    if (seen != expected_)
      return stop("wrong_account", "the secret key belongs to Stripe account " + seen + ", not " + expected_ +
                                       " (config account_id)",
                  seen);
    repin(seen);
    return {AccountVerdict::Kind::kVerified, "", "", seen};
  }
  const std::string pinned = pinnedAccount(seen);
  if (pinned != seen)
    return stop("wrong_account", "the secret key belongs to Stripe account " + seen + ", but this database's " + mode +
                                     "-mode subscriptions belong to " + pinned +
                                     " (pinned in stripe_account_pins by the first reconciliation)",
                seen);
  return {AccountVerdict::Kind::kVerified, "", "", seen};
}

std::string StripeAccountCheck::pinnedAccount(const std::string& seen) {
  std::string mode = modeName(livemode_), account = seen;
  auto s = db_.session();
  std::vector<std::string> inserted;
  // ON CONFLICT DO NOTHING: when two hosts pin at once, one row wins and both read it below.
  s << db_.sql("INSERT INTO stripe_account_pins (mode, \"accountId\", \"pinnedAt\") VALUES (?, ?, " + db_.nowSql() +
               ") ON CONFLICT (mode) DO NOTHING RETURNING mode"),
      use(mode), use(account), into(inserted), now;
  if (!inserted.empty())
    log_.information("billing reconcile: pinned Stripe account %s for %s mode; a key of another account now stops "
                     "reconciliation (set account_id to state it explicitly)",
                     seen, mode);
  std::vector<std::string> pinned;
  s << db_.sql("SELECT \"accountId\" FROM stripe_account_pins WHERE mode = ?"), use(mode), into(pinned), now;
  return pinned.empty() ? seen : pinned.front();
}

void StripeAccountCheck::repin(const std::string& accountId) {
  std::string mode = modeName(livemode_), account = accountId;
  auto s = db_.session();
  // Written only when it changes, so a verified run costs one read-mostly statement.
  s << db_.sql("INSERT INTO stripe_account_pins (mode, \"accountId\", \"pinnedAt\") VALUES (?, ?, " + db_.nowSql() +
               ") ON CONFLICT (mode) DO UPDATE SET \"accountId\" = excluded.\"accountId\","
               " \"pinnedAt\" = excluded.\"pinnedAt\" WHERE stripe_account_pins.\"accountId\" <> excluded.\"accountId\""),
      use(mode), use(account), now;
}

}  // namespace cc::billing
