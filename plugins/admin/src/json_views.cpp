#include "json_views.hpp"

namespace cc::admin {

namespace {

void setTextOrNull(json::ObjectPtr o, const char* key, const std::string& value) {
  if (value.empty()) o->set(key, Poco::Dynamic::Var());
  else o->set(key, value);
}

}  // namespace

json::ObjectPtr userJson(const UserRow& u) {
  auto o = json::object();
  o->set("id", u.id);
  o->set("email", u.email);
  setTextOrNull(o, "name", u.name);
  o->set("isAdmin", u.isAdmin);
  o->set("suspended", u.suspended);
  setTextOrNull(o, "suspendedReason", u.suspendedReason);
  setTextOrNull(o, "suspendedAt", u.suspendedAt);
  o->set("tier", u.tier);
  o->set("createdAt", u.createdAt);
  o->set("updatedAt", u.updatedAt);
  return o;
}

json::ObjectPtr subscriptionJson(const billing::SubscriptionInfo& s) {
  auto o = json::object();
  o->set("id", s.id);
  o->set("plan", s.plan);
  o->set("status", s.status);
  setTextOrNull(o, "currentPeriodStart", s.currentPeriodStart);
  setTextOrNull(o, "currentPeriodEnd", s.currentPeriodEnd);
  o->set("cancelAtPeriodEnd", s.cancelAtPeriodEnd);
  setTextOrNull(o, "createdAt", s.createdAt);
  return o;
}

json::ObjectPtr ledgerEntryJson(const billing::LedgerEntry& e) {
  auto o = json::object();
  o->set("id", e.id);
  o->set("amount", e.amount);
  o->set("type", e.type);
  o->set("reference", e.reference);
  o->set("description", e.description);
  o->set("createdAt", e.createdAt);
  return o;
}

}  // namespace cc::admin
