// GET /api/admin/users/export?format=csv: every account matching the user list's filters, as
// one CSV download. The list's own parser reads the filters (user_list_params.hpp).
#include "admin_api.hpp"
#include "admin_topics.hpp"
#include <codecouncil/sdk/csv.hpp>
#include "user_list_params.hpp"

#include <codecouncil/sdk/query_params.hpp>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>

#include <unordered_set>

namespace cc::admin {

namespace {

// The user service's largest page: the fewest queries per export.
constexpr int kExportBatch = Users::kMaxPageSize;
// Each batch starts this many rows before the end of the previous one (see exportUsers).
constexpr int kBatchOverlap = 100;

const std::vector<std::string> kExportColumns = {"id",          "email",           "name",        "tier",
                                                 "isAdmin",     "suspended",       "suspendedReason",
                                                 "suspendedAt", "createdAt",       "updatedAt"};

std::string flag(bool b) { return b ? "true" : "false"; }

// The filter as it was understood, for the audit entry (never the raw query string).
std::string describe(const UserFilter& f) {
  std::string out;
  auto add = [&](const char* name, const std::string& value) {
    out += (out.empty() ? "" : "&") + std::string(name) + "=" + value;
  };
  if (f.search) add("search", *f.search);
  if (f.plan != PlanFilter::Any) add("status", f.plan == PlanFilter::Paid ? "active" : "none");
  if (f.tier) add("tier", *f.tier);
  if (f.suspended) add("suspended", flag(*f.suspended));
  if (f.admin) add("admin", flag(*f.admin));
  return out;
}


}  // namespace

void AdminApi::exportUsers(Request& req, Response& res) {
  const User& admin = req.requireUser();
  choiceQueryParam(req, "format", {"csv"});  // csv is the default and, for now, the only format
  UserFilter filter = userFilterFromRequest(req);
  filter.limit = kExportBatch;

  std::string csv = csv::row(kExportColumns);
  std::int64_t rows = 0;
  std::unordered_set<std::string> written;  // ids; at most max_export_rows of them
  // Batches are taken by offset, newest first (cc::Users pages by offset only), and the
  // accounts move while the export runs. One that signs up moves later rows down: the next
  // batch starts with rows already written, which are skipped by id (not by comparing keys:
  // a database may order text ids by a locale's collation). One that leaves the filter
  // (suspended during an export of active accounts) moves later rows up, past the start of
  // the next batch: each batch starts kBatchOverlap rows early, so that up to that many such
  // changes between two batches lose nothing.
  for (filter.offset = 0;;) {
    UserPage page = users_.list(filter);
    if (filter.offset == 0 && page.total > settings_.maxExportRows)
      throw HttpError(400, "the filter matches " + std::to_string(page.total) + " users, more than one export holds (" +
                               std::to_string(settings_.maxExportRows) + "): narrow the filter");
    for (auto& u : page.items) {
      if (rows >= settings_.maxExportRows) break;
      if (!written.insert(u.id).second) continue;
      ++rows;
      csv += csv::row({u.id, u.email, u.name, u.tier, flag(u.isAdmin), flag(u.suspended), u.suspendedReason,
                     u.suspendedAt, u.createdAt, u.updatedAt});
    }
    if (static_cast<int>(page.items.size()) < kExportBatch || rows >= settings_.maxExportRows) break;
    filter.offset += kExportBatch - kBatchOverlap;
  }

  auto payload = json::object();
  payload->set("userId", admin.id);
  payload->set("filters", describe(filter));
  payload->set("rows", rows);
  events_.publish(topics::kUsersExported, payload, req);
  log_.information("admin %s exported %s users", admin.id, std::to_string(rows));

  // The name is built here from digits only: nothing from the request reaches the header.
  std::string name = "users-" + Poco::DateTimeFormatter::format(Poco::DateTime(), "%Y%m%d-%H%M%S") + ".csv";
  res.text(200, std::move(csv), "text/csv; charset=utf-8");
  res.setHeader("Content-Disposition", "attachment; filename=\"" + name + "\"");
  // Personal data: no copy in a shared or browser cache.
  res.setHeader("Cache-Control", "no-store");
}

}  // namespace cc::admin
