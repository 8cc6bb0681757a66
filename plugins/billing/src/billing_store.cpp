#include "billing_store.hpp"

#include "stripe_objects.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <algorithm>

using namespace Poco::Data::Keywords;

namespace cc::billing {
namespace {

const char* kSubscriptionColumns =
    "id, \"userId\", \"customerId\", plan, \"priceId\", COALESCE(\"itemId\", ''), status,"
    " COALESCE(\"currentPeriodStart\", ''), COALESCE(\"currentPeriodEnd\", ''),"
    " CASE WHEN \"cancelAtPeriodEnd\" THEN 1 ELSE 0 END, COALESCE(\"canceledAt\", ''), \"lastEventAt\", \"createdAt\"";

std::optional<std::string> firstString(Poco::Data::Session& s, const std::string& sql, std::string param) {
  std::vector<std::string> out;
  s << sql, use(param), into(out), now;
  if (out.empty()) return std::nullopt;
  return out.front();
}

}  // namespace

std::optional<std::string> BillingStore::customerForUser(Poco::Data::Session& s, const std::string& userId) {
  return firstString(s, db_.sql("SELECT \"customerId\" FROM \"StripeCustomer\" WHERE \"userId\" = ?"), userId);
}

std::optional<std::string> BillingStore::userForCustomer(Poco::Data::Session& s, const std::string& customerId) {
  return firstString(s, db_.sql("SELECT \"userId\" FROM \"StripeCustomer\" WHERE \"customerId\" = ?"), customerId);
}

std::string BillingStore::saveCustomer(Poco::Data::Session& s, const std::string& userId, const std::string& customerId) {
  std::string u = userId, c = customerId;
  s << db_.sql("INSERT INTO \"StripeCustomer\" (\"userId\", \"customerId\", \"createdAt\") VALUES (?, ?, " +
               db_.nowSql() + ") ON CONFLICT DO NOTHING"),
      use(u), use(c), now;
  return customerForUser(s, userId).value_or(customerId);
}

std::optional<std::string> BillingStore::userEmail(Poco::Data::Session& s, const std::string& userId) {
  auto user = users_.findById(s, userId);
  if (!user) return std::nullopt;
  return user->email;
}

bool BillingStore::recordEvent(Poco::Data::Session& s, const std::string& id, const std::string& type,
                               std::int64_t created) {
  std::string i = id, t = type;
  Poco::Int64 c = created;
  std::vector<std::string> inserted;
  s << db_.sql("INSERT INTO stripe_events (id, type, created, outcome, \"receivedAt\") VALUES (?, ?, ?, 'processing', " +
               db_.nowSql() + ") ON CONFLICT (id) DO NOTHING RETURNING id"),
      use(i), use(t), use(c), into(inserted), now;
  return !inserted.empty();
}

void BillingStore::setEventOutcome(Poco::Data::Session& s, const std::string& id, const std::string& outcome) {
  std::string i = id, o = outcome;
  s << db_.sql("UPDATE stripe_events SET outcome = ? WHERE id = ?"), use(o), use(i), now;
}

void BillingStore::lockCustomer(Poco::Data::Session& s, const std::string& customerId) {
  if (customerId.empty()) return;
  db_.lockNamed(s, "billing.stripe_customer", customerId);
}

void BillingStore::parkEvent(Poco::Data::Session& s, const PendingEvent& event) {
  PendingEvent e = event;
  Poco::Int64 created = e.created;
  s << db_.sql("INSERT INTO stripe_pending_events (id, \"customerId\", type, created, payload, \"receivedAt\")"
               " VALUES (?, ?, ?, ?, ?, " + db_.nowSql() + ") ON CONFLICT (id) DO NOTHING"),
      use(e.id), use(e.customerId), use(e.type), use(created), use(e.payload), now;
}

namespace {
std::vector<PendingEvent> takePending(Poco::Data::Session& s, const std::string& sql, std::string param) {
  std::vector<std::string> ids, customers, types, payloads;
  std::vector<Poco::Int64> created;
  s << sql, use(param), into(ids), into(customers), into(types), into(created), into(payloads), now;
  std::vector<PendingEvent> out;
  for (std::size_t i = 0; i < ids.size(); ++i) out.push_back({ids[i], customers[i], types[i], created[i], payloads[i]});
  // DELETE ... RETURNING has no ORDER BY; Stripe's `created` (then the id) is the apply order.
  std::sort(out.begin(), out.end(), [](const PendingEvent& a, const PendingEvent& b) {
    return a.created != b.created ? a.created < b.created : a.id < b.id;
  });
  return out;
}
}  // namespace

std::vector<PendingEvent> BillingStore::takePendingEvents(Poco::Data::Session& s, const std::string& customerId) {
  return takePending(s, db_.sql("DELETE FROM stripe_pending_events WHERE \"customerId\" = ?"
                                " RETURNING id, \"customerId\", type, created, payload"), customerId);
}

std::vector<PendingEvent> BillingStore::takePendingEventsReceivedBefore(Poco::Data::Session& s,
                                                                        const std::string& receivedBeforeIso) {
  return takePending(s, db_.sql("DELETE FROM stripe_pending_events WHERE \"receivedAt\" < ?"
                                " RETURNING id, \"customerId\", type, created, payload"), receivedBeforeIso);
}

std::vector<SubscriptionRow> BillingStore::selectSubscriptions(Poco::Data::Session& s, const std::string& where,
                                                               const std::string& param, const std::string& suffix) {
  std::string p = param;
  Poco::Data::Statement st(s);
  st << db_.sql(std::string("SELECT ") + kSubscriptionColumns + " FROM \"Subscription\" " + where + suffix);
  if (!param.empty()) st, use(p);
  st.execute();
  return readSubscriptions(st);
}

std::vector<SubscriptionRow> BillingStore::readSubscriptions(Poco::Data::Statement& st) {
  Poco::Data::RecordSet rs(st);
  std::vector<SubscriptionRow> rows;
  for (std::size_t r = 0; r < rs.rowCount(); ++r) {
    SubscriptionRow row;
    auto text = [&](std::size_t c) { return rs.value(c, r).convert<std::string>(); };
    row.id = text(0);
    row.userId = text(1);
    row.customerId = text(2);
    row.plan = text(3);
    row.priceId = text(4);
    row.itemId = text(5);
    row.status = text(6);
    row.currentPeriodStart = text(7);
    row.currentPeriodEnd = text(8);
    row.cancelAtPeriodEnd = rs.value(9, r).convert<int>() != 0;
    row.canceledAt = text(10);
    row.lastEventAt = rs.value(11, r).convert<Poco::Int64>();
    row.createdAt = text(12);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<SubscriptionRow> BillingStore::findSubscriptionForUpdate(Poco::Data::Session& s, const std::string& id) {
  auto rows = selectSubscriptions(s, "WHERE id = ?", id, db_.lockRowsSql());
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<SubscriptionRow> BillingStore::currentSubscription(Poco::Data::Session& s, const std::string& userId) {
  auto rows = selectSubscriptions(
      s, "WHERE \"userId\" = ?", userId,
      " ORDER BY CASE WHEN status IN ('active', 'trialing') THEN 0 WHEN status IN ('canceled', 'incomplete_expired')"
      " THEN 2 ELSE 1 END, \"updatedAt\" DESC, id LIMIT 1");
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

bool BillingStore::upsertFromEvent(Poco::Data::Session& s, const SubscriptionRow& row, std::int64_t eventCreated,
                                   bool isCreatedEvent) {
  SubscriptionRow r = row;
  Poco::Int64 created = eventCreated;
  int createdFlag = isCreatedEvent ? 1 : 0;
  bool cancel = r.cancelAtPeriodEnd;
  std::string nowExpr = db_.nowSql();
  std::vector<std::string> written;
  s << db_.sql(
           "INSERT INTO \"Subscription\" (id, \"userId\", \"customerId\", plan, \"priceId\", \"itemId\", status,"
           " \"currentPeriodStart\", \"currentPeriodEnd\", \"cancelAtPeriodEnd\", \"canceledAt\", \"lastEventAt\","
           " \"createdAt\", \"updatedAt\")"
           " VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), ?, NULLIF(?, ''), NULLIF(?, ''), ?, NULLIF(?, ''), ?, " +
           nowExpr + ", " + nowExpr +
           ") ON CONFLICT (id) DO UPDATE SET plan = excluded.plan, \"priceId\" = excluded.\"priceId\","
           " \"itemId\" = COALESCE(excluded.\"itemId\", \"Subscription\".\"itemId\"), status = excluded.status,"
           " \"currentPeriodStart\" = COALESCE(excluded.\"currentPeriodStart\", \"Subscription\".\"currentPeriodStart\"),"
           " \"currentPeriodEnd\" = COALESCE(excluded.\"currentPeriodEnd\", \"Subscription\".\"currentPeriodEnd\"),"
           " \"cancelAtPeriodEnd\" = excluded.\"cancelAtPeriodEnd\", \"canceledAt\" = excluded.\"canceledAt\","
           " \"lastEventAt\" = excluded.\"lastEventAt\", \"updatedAt\" = excluded.\"updatedAt\""
           " WHERE \"Subscription\".status NOT IN ('canceled', 'incomplete_expired')"
           " AND (\"Subscription\".\"lastEventAt\" < excluded.\"lastEventAt\""
           " OR (\"Subscription\".\"lastEventAt\" = excluded.\"lastEventAt\" AND ? = 0))"
           " RETURNING id"),
      use(r.id), use(r.userId), use(r.customerId), use(r.plan), use(r.priceId), use(r.itemId), use(r.status),
      use(r.currentPeriodStart), use(r.currentPeriodEnd), use(cancel), use(r.canceledAt), use(created),
      use(createdFlag), into(written), now;
  return !written.empty();
}

void BillingStore::insertIfAbsent(Poco::Data::Session& s, const SubscriptionRow& row) {
  SubscriptionRow r = row;
  bool cancel = r.cancelAtPeriodEnd;
  std::string nowExpr = db_.nowSql();
  s << db_.sql(
           "INSERT INTO \"Subscription\" (id, \"userId\", \"customerId\", plan, \"priceId\", \"itemId\", status,"
           " \"currentPeriodStart\", \"currentPeriodEnd\", \"cancelAtPeriodEnd\", \"canceledAt\", \"lastEventAt\","
           " \"createdAt\", \"updatedAt\")"
           " VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), ?, NULLIF(?, ''), NULLIF(?, ''), ?, NULLIF(?, ''), 0, " +
           nowExpr + ", " + nowExpr + ") ON CONFLICT (id) DO NOTHING"),
      use(r.id), use(r.userId), use(r.customerId), use(r.plan), use(r.priceId), use(r.itemId), use(r.status),
      use(r.currentPeriodStart), use(r.currentPeriodEnd), use(cancel), use(r.canceledAt), now;
}

void BillingStore::setCancelAtPeriodEnd(Poco::Data::Session& s, const std::string& id, bool value) {
  std::string i = id;
  bool v = value;
  s << db_.sql("UPDATE \"Subscription\" SET \"cancelAtPeriodEnd\" = ?, \"updatedAt\" = " + db_.nowSql() +
               " WHERE id = ? AND status NOT IN ('canceled', 'incomplete_expired')"),
      use(v), use(i), now;
}

void BillingStore::markCanceled(Poco::Data::Session& s, const std::string& id, const std::string& canceledAt) {
  std::string i = id, at = canceledAt;
  s << db_.sql("UPDATE \"Subscription\" SET status = 'canceled', \"canceledAt\" = COALESCE(NULLIF(?, ''), " +
               db_.nowSql() + "), \"updatedAt\" = " + db_.nowSql() + " WHERE id = ?"),
      use(at), use(i), now;
}

void BillingStore::setPlan(Poco::Data::Session& s, const std::string& id, const Plan& plan) {
  std::string i = id, p = plan.id, price = plan.priceId;
  s << db_.sql("UPDATE \"Subscription\" SET plan = ?, \"priceId\" = ?, \"updatedAt\" = " + db_.nowSql() +
               " WHERE id = ? AND status NOT IN ('canceled', 'incomplete_expired')"),
      use(p), use(price), use(i), now;
}

std::string BillingStore::syncUserTier(Poco::Data::Session& s, const std::string& userId) {
  std::string u = userId;
  std::vector<std::string> planIds;
  s << db_.sql("SELECT plan FROM \"Subscription\" WHERE \"userId\" = ? AND status IN ('active', 'trialing')"), use(u),
      into(planIds), now;
  std::vector<const Plan*> plans;
  for (auto& id : planIds) plans.push_back(plans_.byId(id));
  std::string tier = tierFor(plans);
  users_.setTier(s, userId, tier);
  return tier;
}

SubscriptionStats BillingStore::stats(Poco::Data::Session& s) {
  std::vector<std::string> planIds;
  std::vector<Poco::Int64> counts;
  s << "SELECT plan, COUNT(*) FROM \"Subscription\" WHERE status IN ('active', 'trialing') GROUP BY plan ORDER BY plan",
      into(planIds), into(counts), now;
  SubscriptionStats stats;
  for (std::size_t i = 0; i < planIds.size(); ++i) {
    stats.byPlan[planIds[i]] = counts[i];
    stats.active += counts[i];
    if (const Plan* p = plans_.byId(planIds[i]))
      stats.mrrCents += p->interval == "year" ? (counts[i] * p->amountCents + 6) / 12 : counts[i] * p->amountCents;
  }
  return stats;
}

std::map<std::string, std::int64_t> BillingStore::createdPerDay(Poco::Data::Session& s, const std::string& sinceIso) {
  std::string since = sinceIso;
  std::vector<std::string> days;
  std::vector<Poco::Int64> counts;
  s << db_.sql("SELECT substr(\"createdAt\", 1, 10) AS day, COUNT(*) FROM \"Subscription\" WHERE \"createdAt\" >= ?"
               " GROUP BY substr(\"createdAt\", 1, 10) ORDER BY day"),
      use(since), into(days), into(counts), now;
  std::map<std::string, std::int64_t> out;
  for (std::size_t i = 0; i < days.size(); ++i) out[days[i]] = counts[i];
  return out;
}

std::vector<SubscriptionRow> BillingStore::annualSubscriptionsWithAccess(Poco::Data::Session& s) {
  auto rows = selectSubscriptions(s, "WHERE status IN ('active', 'trialing') AND \"currentPeriodStart\" IS NOT NULL", "",
                                  " ORDER BY id");
  std::vector<SubscriptionRow> annual;
  for (auto& r : rows)
    if (const Plan* p = plans_.byId(r.plan); p && p->interval == "year") annual.push_back(r);
  return annual;
}

std::vector<SubscriptionRow> BillingStore::subscriptionsDueForReconcile(Poco::Data::Session& s,
                                                                        const std::string& periodEndedBeforeIso,
                                                                        const std::string& reconciledBeforeIso,
                                                                        int limit) {
  std::string periodEnded = periodEndedBeforeIso;
  std::string reconciledBefore = reconciledBeforeIso;
  Poco::Data::Statement st(s);
  // NULLS FIRST spelled portably: never-tried rows sort before every tried one.
  st << db_.sql(std::string("SELECT ") + kSubscriptionColumns +
                " FROM \"Subscription\" WHERE status IN ('active', 'trialing') AND \"currentPeriodEnd\" IS NOT NULL"
                " AND \"currentPeriodEnd\" < ? AND (\"lastReconciledAt\" IS NULL OR \"lastReconciledAt\" < ?)"
                " ORDER BY CASE WHEN \"reconcileAttemptedAt\" IS NULL THEN 0 ELSE 1 END, \"reconcileAttemptedAt\","
                " \"currentPeriodEnd\", id LIMIT " +
                std::to_string(std::max(limit, 1))),
      use(periodEnded), use(reconciledBefore);
  st.execute();
  return readSubscriptions(st);
}

void BillingStore::markReconcileAttempt(Poco::Data::Session& s, const std::string& id, bool stripeAnswered) {
  std::string i = id;
  std::string nowExpr = db_.nowSql();
  s << db_.sql("UPDATE \"Subscription\" SET \"reconcileAttemptedAt\" = " + nowExpr +
               (stripeAnswered ? ", \"lastReconciledAt\" = " + nowExpr : std::string()) + " WHERE id = ?"),
      use(i), now;
}

}  // namespace cc::billing
