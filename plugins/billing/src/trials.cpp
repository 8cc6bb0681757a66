#include "trials.hpp"

#include "stripe_objects.hpp"

using namespace Poco::Data::Keywords;

namespace cc::billing::trials {

std::int64_t daysFor(Database& db, const PlanCatalog& plans, const std::string& planId, const std::string& userId) {
  std::int64_t days = plans.trialDays(planId);
  if (days <= 0) return 0;
  std::string u = userId;
  Poco::Int64 before = 0;
  auto s = db.session();
  s << db.sql("SELECT COUNT(*) FROM \"Subscription\" WHERE \"userId\" = ?"), use(u), into(before), now;
  return before > 0 ? 0 : days;
}

std::int64_t trialEndOf(const json::ObjectPtr& subscription) { return field::integer(subscription, "trial_end"); }

std::string setupIntentSecretOf(const json::ObjectPtr& subscription) {
  return field::str(field::object(subscription, "pending_setup_intent"), "client_secret");
}

void saveFromEvent(Poco::Data::Session& s, Database& db, const std::string& subscriptionId, std::int64_t trialEnd) {
  std::string id = subscriptionId, end = isoFromUnix(trialEnd);
  // The event is the newest state: a trial that was removed (trial_end null) clears the column.
  s << db.sql("UPDATE \"Subscription\" SET \"trialEnd\" = NULLIF(?, '') WHERE id = ?"), use(end), use(id), now;
}

void saveFromApi(Poco::Data::Session& s, Database& db, const std::string& subscriptionId, std::int64_t trialEnd) {
  if (trialEnd <= 0) return;
  std::string id = subscriptionId, end = isoFromUnix(trialEnd);
  s << db.sql("UPDATE \"Subscription\" SET \"trialEnd\" = ? WHERE id = ? AND \"lastEventAt\" = 0"), use(end), use(id),
      now;
}

std::string storedTrialEnd(Poco::Data::Session& s, Database& db, const std::string& subscriptionId) {
  std::string id = subscriptionId;
  std::vector<std::string> out;
  s << db.sql("SELECT COALESCE(\"trialEnd\", '') FROM \"Subscription\" WHERE id = ?"), use(id), into(out), now;
  return out.empty() ? "" : out.front();
}

}  // namespace cc::billing::trials
