// GET /api/admin/users, GET /api/admin/users/:userId, POST .../suspend, POST .../reactivate.
#include "admin_api.hpp"
#include "admin_topics.hpp"
#include "audit_views.hpp"
#include "json_views.hpp"
#include "user_list_params.hpp"

#include <codecouncil/sdk/query_params.hpp>

#include <algorithm>

namespace cc::admin {

namespace {

constexpr int kDetailRows = 50;
constexpr std::size_t kMaxUserIdLength = 128;

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// Ids are opaque to this plugin; an absurdly long one cannot exist, so it is a plain 404.
std::string userIdParam(const Request& req) {
  std::string id = req.param("userId");
  if (id.empty() || id.size() > kMaxUserIdLength) throw HttpError(404, "user not found");
  return id;
}

}  // namespace

void AdminApi::listUsers(Request& req, Response& res) {
  UserFilter filter = userFilterFromRequest(req);
  filter.limit = std::min(intQueryParam(req, "limit", 25, 1, 1000000), settings_.maxPageSize);
  filter.offset = intQueryParam(req, "offset", 0, 0, 999999999);

  UserPage page = users_.list(filter);
  Notes notes;
  std::vector<json::ObjectPtr> rows;
  for (auto& u : page.items) {
    auto row = userJson(u);
    row->set("subscriptionStatus", Poco::Dynamic::Var());
    row->set("plan", Poco::Dynamic::Var());
    rows.push_back(row);
  }
  if (!providers_.billing) {
    notes.add(kNoBilling);
  } else {
    // At most one page of look-ups, each by the billing plugin's index on "userId".
    fromProvider("billing", notes, log_, [&] {
      for (std::size_t i = 0; i < rows.size(); ++i) {
        auto sub = providers_.billing->subscriptionOf(page.items[i].id);
        rows[i]->set("subscriptionStatus", sub ? sub->status : std::string("none"));
        if (sub) rows[i]->set("plan", sub->plan);
      }
    });
  }
  auto list = json::array();
  for (auto& r : rows) list->add(r);
  auto o = json::object();
  o->set("users", list);
  o->set("total", page.total);
  o->set("limit", page.limit);
  o->set("offset", page.offset);
  o->set("notes", notes.toJson());
  res.json(200, o);
}

void AdminApi::userDetail(Request& req, Response& res) {
  std::string id = userIdParam(req);
  auto user = users_.find(id);
  if (!user) throw HttpError(404, "user not found");

  Notes notes;
  auto o = json::object();
  o->set("user", userJson(*user));
  o->set("subscription", Poco::Dynamic::Var());
  o->set("credits", Poco::Dynamic::Var());
  o->set("transactions", json::array());
  o->set("auditLogs", json::array());
  o->set("auditLogsTotal", std::int64_t{0});

  if (!providers_.billing) notes.add(kNoBilling);
  else
    fromProvider("billing", notes, log_, [&] {
      if (auto sub = providers_.billing->subscriptionOf(id)) o->set("subscription", subscriptionJson(*sub));
    });

  if (!providers_.credits) notes.add(kNoCredits);
  else
    fromProvider("billing", notes, log_, [&] {
      auto credits = json::object();
      credits->set("balance", providers_.credits->balance(id));
      auto list = json::array();
      for (auto& e : providers_.credits->entries(id, kDetailRows, 0)) list->add(ledgerEntryJson(e));
      o->set("credits", credits);
      o->set("transactions", list);
    });

  if (!providers_.audit) notes.add(kNoAudit);
  else
    fromProvider("audit", notes, log_, [&] {
      audit::AuditQuery q;
      q.userId = id;
      q.limit = kDetailRows;
      auto page = providers_.audit->query(q);
      auto list = json::array();
      for (auto& r : page.items) list->add(auditRecordJson(r));
      o->set("auditLogs", list);
      o->set("auditLogsTotal", page.total);
    });

  o->set("notes", notes.toJson());
  res.json(200, o);
}

void AdminApi::suspend(Request& req, Response& res) {
  const User& admin = req.requireUser();
  std::string id = userIdParam(req);
  auto body = req.jsonBody();
  std::string reason = trim(json::requireString(body, "reason"));
  if (reason.empty()) throw HttpError(400, "reason must not be empty");
  if (reason.size() > kMaxReasonLength)
    throw HttpError(400, "reason must be at most " + std::to_string(kMaxReasonLength) + " characters");
  // The acting admin stays able to undo mistakes, and there is always one admin left.
  if (id == admin.id) throw HttpError(400, "you cannot suspend your own account");

  switch (accounts_.suspend(id, reason)) {
    case SuspensionChange::NotFound: throw HttpError(404, "user not found");
    case SuspensionChange::AlreadyInState: throw HttpError(409, "user is already suspended");
    case SuspensionChange::Changed: break;
  }
  auto payload = json::object();
  payload->set("userId", id);
  payload->set("adminId", admin.id);
  payload->set("reason", reason);
  events_.publish(topics::kUserSuspended, payload, req);
  log_.information("user %s suspended by admin %s", id, admin.id);

  auto o = json::object();
  if (auto user = users_.find(id)) o->set("user", userJson(*user));
  res.json(200, o);
}

void AdminApi::reactivate(Request& req, Response& res) {
  const User& admin = req.requireUser();
  std::string id = userIdParam(req);
  // No body is needed; one that is sent must still be a JSON object.
  if (!req.body.empty()) req.jsonBody();

  switch (accounts_.reactivate(id)) {
    case SuspensionChange::NotFound: throw HttpError(404, "user not found");
    case SuspensionChange::AlreadyInState: throw HttpError(409, "user is not suspended");
    case SuspensionChange::Changed: break;
  }
  auto payload = json::object();
  payload->set("userId", id);
  payload->set("adminId", admin.id);
  events_.publish(topics::kUserReactivated, payload, req);
  log_.information("user %s reactivated by admin %s", id, admin.id);

  auto o = json::object();
  if (auto user = users_.find(id)) o->set("user", userJson(*user));
  res.json(200, o);
}

}  // namespace cc::admin
