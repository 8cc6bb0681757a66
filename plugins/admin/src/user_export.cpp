// GET /api/admin/users/export?format=csv: every account matching the user list's filters, as
// one CSV download, streamed a page at a time. The list's own parser reads the filters
// (user_list_params.hpp).
#include "admin_api.hpp"
#include "admin_topics.hpp"
#include <codecouncil/sdk/csv.hpp>
#include "user_list_params.hpp"

#include <codecouncil/sdk/query_params.hpp>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>

#include <functional>
#include <memory>

namespace cc::admin {

namespace {

// The user service's largest page: the fewest queries per export, one page in memory.
constexpr int kExportBatch = Users::kMaxPageSize;

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

// One export in progress. Pages are keyset pages in the list's order (newest signup first):
// each continues after the last account of the previous one, so an account that signs up
// meanwhile sorts before the first page and is not in this export, and none that existed at
// its start is repeated or skipped. The first page is read before the response starts, so
// that page is the snapshot and a database error is still an error status.
class UserCsvExport {
 public:
  UserCsvExport(UserDirectory& users, UserFilter filter, std::int64_t maxRows)
      : users_(users), filter_(std::move(filter)), maxRows_(maxRows) {
    page_ = users_.listAfter(filter_, kExportBatch, std::nullopt);
  }

  /// The header and the page read last, then the next page, until the last (a BodyWriter).
  bool next(std::string& out) {
    if (!headerWritten_) {
      headerWritten_ = true;
      csv::appendRow(out, kExportColumns);
    } else {
      page_ = users_.listAfter(filter_, kExportBatch, keyOf(page_.back()));
    }
    for (const UserRow& u : page_) {
      if (rows_ >= maxRows_) return false;
      ++rows_;
      csv::appendRow(out, {u.id, u.email, u.name, u.tier, flag(u.isAdmin), flag(u.suspended), u.suspendedReason,
                           u.suspendedAt, u.createdAt, u.updatedAt});
    }
    return static_cast<int>(page_.size()) == kExportBatch && rows_ < maxRows_;
  }

  std::int64_t rows() const { return rows_; }

 private:
  UserDirectory& users_;
  UserFilter filter_;
  std::int64_t maxRows_;
  std::vector<UserRow> page_;
  bool headerWritten_ = false;
  std::int64_t rows_ = 0;
};

}  // namespace

void AdminApi::exportUsers(Request& req, Response& res) {
  const User& admin = req.requireUser();
  choiceQueryParam(req, "format", {"csv"});  // csv is the default and, for now, the only format
  UserFilter filter = userFilterFromRequest(req);

  std::int64_t total = users_.count(filter);
  if (total > settings_.maxExportRows)
    throw HttpError(400, "the filter matches " + std::to_string(total) + " users, more than one export holds (" +
                             std::to_string(settings_.maxExportRows) + "): narrow the filter");
  auto out = std::make_shared<UserCsvExport>(users_, filter, settings_.maxExportRows);

  // Published when the response ends (however it ends, a HEAD too: 0 rows), with the rows that
  // were written. The request is gone by then: its context for the event (user, ip, user
  // agent, request id) is copied, not the request with all its headers.
  struct Published {
    std::shared_ptr<UserCsvExport> out;
    std::function<void(std::int64_t)> publish;
    ~Published() {
      try {
        publish(out->rows());
      } catch (...) {  // a destructor must not throw; the bus logs its handlers' failures itself
      }
    }
  };
  auto published = std::make_shared<Published>();
  published->out = out;
  Request origin;
  origin.user = req.user;
  origin.remoteAddress = req.remoteAddress;
  origin.requestId = req.requestId;
  if (auto agent = req.headers.find("user-agent"); agent != req.headers.end()) origin.headers.insert(*agent);
  published->publish = [this, origin = std::move(origin), adminId = admin.id, filters = describe(filter)](std::int64_t rows) {
    auto payload = json::object();
    payload->set("userId", adminId);
    payload->set("filters", filters);
    payload->set("rows", rows);
    events_.publish(topics::kUsersExported, payload, origin);
    log_.information("admin %s exported %s users", adminId, std::to_string(rows));
  };

  // The name is built here from digits only: nothing from the request reaches the header.
  std::string name = "users-" + Poco::DateTimeFormatter::format(Poco::DateTime(), "%Y%m%d-%H%M%S") + ".csv";
  res.setHeader("Content-Disposition", "attachment; filename=\"" + name + "\"");
  // Personal data: no copy in a shared or browser cache.
  res.setHeader("Cache-Control", "no-store");
  res.stream(200, "text/csv; charset=utf-8", [published](std::string& piece) { return published->out->next(piece); });
}

}  // namespace cc::admin
