// GET /api/admin/stats, GET /api/admin/analytics, GET /api/admin/audit-logs.
#include "admin_api.hpp"
#include "audit_views.hpp"
#include "day_series.hpp"
#include "json_views.hpp"

#include <codecouncil/sdk/query_params.hpp>

#include <algorithm>
#include <set>

namespace cc::admin {

namespace {

// The tiers the rate limiter and billing know, shown even when their count is 0.
const std::vector<std::string> kKnownTiers = {"free", "startup", "enterprise"};

json::ArrayPtr tierCounts(const std::map<std::string, std::int64_t>& byTier) {
  std::vector<std::string> order = kKnownTiers;
  for (auto& [tier, n] : byTier)
    if (std::find(order.begin(), order.end(), tier) == order.end() && tier != "none") order.push_back(tier);
  order.push_back("none");
  auto list = json::array();
  for (auto& tier : order) {
    auto it = byTier.find(tier);
    if (tier == "none" && it == byTier.end()) continue;
    auto o = json::object();
    o->set("tier", tier);
    o->set("count", it == byTier.end() ? std::int64_t{0} : it->second);
    list->add(o);
  }
  return list;
}

std::int64_t monthlyCents(const billing::Plan& plan, std::int64_t subscriptions) {
  std::int64_t total = plan.amountCents * subscriptions;
  return plan.interval == "year" ? total / 12 : total;
}

}  // namespace

json::ArrayPtr AdminApi::usersWithEmails(const std::vector<std::pair<std::string, std::int64_t>>& ranking,
                                         const char* figure) {
  std::vector<std::string> ids;
  for (auto& [id, n] : ranking) ids.push_back(id);
  auto emails = users_.emailsOf(ids);
  auto list = json::array();
  for (auto& [id, n] : ranking) {
    auto o = json::object();
    o->set("userId", id);
    auto it = emails.find(id);
    if (it == emails.end()) o->set("email", Poco::Dynamic::Var());
    else o->set("email", it->second);
    o->set(figure, n);
    list->add(o);
  }
  return list;
}

void AdminApi::stats(Request&, Response& res) {
  Notes notes;
  auto metrics = json::object();
  metrics->set("totalUsers", users_.count());
  metrics->set("activeSubscriptions", std::int64_t{0});
  metrics->set("totalTransactions", std::int64_t{0});
  metrics->set("totalCreditsDebitedOrSpent", std::int64_t{0});
  metrics->set("mrrCents", std::int64_t{0});
  metrics->set("suspendedUsers", users_.countSuspended());

  if (!providers_.billing) notes.add(kNoBilling);
  else
    fromProvider("billing", notes, log_, [&] {
      auto s = providers_.billing->stats();
      metrics->set("activeSubscriptions", s.active);
      metrics->set("mrrCents", s.mrrCents);
    });
  if (!providers_.credits) notes.add(kNoCredits);
  else
    fromProvider("billing", notes, log_, [&] {
      auto s = providers_.credits->stats();
      metrics->set("totalTransactions", s.totalTransactions);
      metrics->set("totalCreditsDebitedOrSpent", s.creditsSpent);
    });

  auto recentUsers = json::array();
  for (auto& u : users_.newest(settings_.recentCount)) recentUsers->add(userJson(u));
  auto recentAudits = json::array();
  if (!providers_.audit) notes.add(kNoAudit);
  else
    fromProvider("audit", notes, log_, [&] {
      audit::AuditQuery q;
      q.limit = settings_.recentCount;
      for (auto& r : providers_.audit->query(q).items) recentAudits->add(auditRecordJson(r));
    });

  auto o = json::object();
  o->set("metrics", metrics);
  o->set("recentUsers", recentUsers);
  o->set("recentAudits", recentAudits);
  o->set("notes", notes.toJson());
  res.json(200, o);
}

void AdminApi::auditLogs(Request& req, Response& res) {
  audit::AuditQuery q = auditQueryFromRequest(req);  // 400 for a malformed limit/offset
  json::ObjectPtr o;
  Notes notes;
  if (!providers_.audit) {
    notes.add(kNoAudit);
    o = auditPageJson(audit::AuditPage{{}, 0, q.limit, q.offset});
  } else {
    o = auditPageJson(fromAudit("query", [&] { return providers_.audit->query(q); }));
  }
  o->set("notes", notes.toJson());
  res.json(200, o);
}

void AdminApi::analytics(Request& req, Response& res) {
  int days = intQueryParam(req, "days", settings_.seriesDays, 1, 366);
  // Counts still in memory on this instance are written first, so the page is current.
  try {
    counters_->flush();
  } catch (const std::exception& e) {
    log_.warning("cannot write activity counters: %s", std::string(e.what()));
  }
  auto dates = lastDays(utcNow().first, days);
  const std::string& fromDay = dates.front();
  Notes notes;

  auto o = json::object();
  o->set("days", days);
  o->set("from", fromDay);
  o->set("to", dates.back());

  auto topUsers = json::object();
  topUsers->set("byAnalysisRuns", usersWithEmails(counters_->topByAnalysisRuns(settings_.topUsers), "analysisRuns"));
  topUsers->set("byCreditsSpent", json::array());
  auto transactionStats = json::object();
  transactionStats->set("totalTransactions", std::int64_t{0});
  transactionStats->set("creditsGranted", std::int64_t{0});
  transactionStats->set("creditsSpent", std::int64_t{0});
  if (!providers_.credits) notes.add(kNoCredits);
  else
    fromProvider("billing", notes, log_, [&] {
      auto s = providers_.credits->stats();
      transactionStats->set("totalTransactions", s.totalTransactions);
      transactionStats->set("creditsGranted", s.creditsGranted);
      transactionStats->set("creditsSpent", s.creditsSpent);
      topUsers->set("byCreditsSpent", usersWithEmails(providers_.credits->topSpenders(settings_.topUsers), "creditsSpent"));
    });
  o->set("topUsers", topUsers);
  o->set("transactionStats", transactionStats);
  o->set("auditsByTier", tierCounts(counters_->eventsByTier(fromDay)));

  o->set("signupsPerDay", dailySeries(dates, signups_.perDay(dates)));
  o->set("analysisRunsPerDay", dailySeries(dates, counters_->topicPerDay(kAnalysisCompleted, fromDay)));
  std::map<std::string, std::int64_t> subscriptionsPerDay;
  auto revenueByPlan = json::array();
  std::int64_t mrr = 0;
  if (!providers_.billing) notes.add(kNoBilling);
  else
    fromProvider("billing", notes, log_, [&] {
      subscriptionsPerDay = providers_.billing->subscriptionsCreatedPerDay(days);
      auto s = providers_.billing->stats();
      mrr = s.mrrCents;
      std::set<std::string> listed;
      for (auto& plan : providers_.billing->plans()) {
        auto it = s.byPlan.find(plan.id);
        std::int64_t active = it == s.byPlan.end() ? 0 : it->second;
        auto p = json::object();
        p->set("plan", plan.id);
        p->set("name", plan.name);
        p->set("interval", plan.interval);
        p->set("amountCents", plan.amountCents);
        p->set("currency", plan.currency);
        p->set("activeSubscriptions", active);
        p->set("mrrCents", monthlyCents(plan, active));
        revenueByPlan->add(p);
        listed.insert(plan.id);
      }
      // Subscriptions on a plan no longer configured still count; their price is unknown here.
      for (auto& [planId, active] : s.byPlan) {
        if (listed.count(planId)) continue;
        auto p = json::object();
        p->set("plan", planId);
        p->set("name", planId);
        p->set("activeSubscriptions", active);
        p->set("mrrCents", Poco::Dynamic::Var());
        revenueByPlan->add(p);
      }
    });
  o->set("subscriptionsPerDay", dailySeries(dates, subscriptionsPerDay));
  o->set("revenueByPlan", revenueByPlan);
  o->set("mrrCents", mrr);
  o->set("notes", notes.toJson());
  res.json(200, o);
}

}  // namespace cc::admin
