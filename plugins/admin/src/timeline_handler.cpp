// GET /api/admin/users/:userId/timeline?limit=&cursor=: one user's audit entries and credit
// ledger rows, newest first, in keyset pages (timeline.hpp says why these two sources suffice).
#include "admin_api.hpp"
#include "timeline.hpp"

#include <codecouncil/sdk/query_params.hpp>

#include <algorithm>

namespace cc::admin {

namespace {

constexpr int kDefaultTimelinePage = 50;
constexpr std::size_t kMaxTimelineUserIdLength = 128;
// Rows per read from a source: the billing ledger returns at most 500, the audit service
// lowers it to its own page size.
constexpr int kSourceBatch = 200;
// Ledger rows come in id order; their times (the database clock at insert) follow it except
// for rows written at nearly the same moment. A second of slack covers that.
constexpr std::int64_t kLedgerSlackMillis = 1000;

}  // namespace

void AdminApi::userTimeline(Request& req, Response& res) {
  std::string id = req.param("userId");
  if (id.empty() || id.size() > kMaxTimelineUserIdLength) throw HttpError(404, "user not found");
  // Input first: a bad limit or cursor is a 400 whatever the user.
  int limit = intQueryParam(req, "limit", std::min(kDefaultTimelinePage, settings_.maxPageSize), 1, settings_.maxPageSize);
  std::optional<TimelineKey> cursor;
  if (auto text = req.queryParam("cursor"); text && !text->empty()) cursor = decodeCursor(id, *text);
  if (!users_.find(id)) throw HttpError(404, "user not found");

  const std::size_t want = static_cast<std::size_t>(limit) + 1;  // one more tells whether a next page exists
  Notes notes;
  std::vector<TimelineItem> items;

  if (!providers_.audit) notes.add(kNoAudit);
  else
    fromProvider("audit", notes, log_, [&] {
      auto fetch = [&](int offset, int count) {
        audit::AuditQuery q;
        q.userId = id;
        // The audit service seeks by time: only entries up to the cursor's millisecond.
        if (cursor) q.to = shiftedTime(cursor->time, 1);
        q.limit = count;
        q.offset = offset;
        auto page = providers_.audit->query(q);
        SourceBatch b;
        for (auto& r : page.items) b.items.push_back(itemFromAudit(r));
        b.end = page.offset + static_cast<std::int64_t>(page.items.size()) >= page.total;
        return b;
      };
      auto got = collectItems(fetch, 0, kSourceBatch, cursor, want, 0);
      items.insert(items.end(), got.begin(), got.end());
    });

  if (!providers_.credits) notes.add(kNoCredits);
  else
    fromProvider("billing", notes, log_, [&] {
      auto& ledger = *providers_.credits;
      auto fetch = [&](int offset, int count) {
        SourceBatch b;
        for (auto& e : ledger.entries(id, count, offset)) b.items.push_back(itemFromLedger(e));
        b.end = static_cast<int>(b.items.size()) < count;
        return b;
      };
      int start = 0;
      if (cursor) {
        auto timeAt = [&](int offset) -> std::optional<std::string> {
          auto rows = ledger.entries(id, 1, offset);
          if (rows.empty()) return std::nullopt;
          return canonicalTime(rows.front().createdAt);
        };
        start = firstOffsetAtOrBefore(timeAt, shiftedTime(cursor->time, kLedgerSlackMillis));
      }
      auto got = collectItems(fetch, start, kSourceBatch, cursor, want, kLedgerSlackMillis);
      items.insert(items.end(), got.begin(), got.end());
    });

  std::sort(items.begin(), items.end(), [](const TimelineItem& a, const TimelineItem& b) { return shownBefore(a.key, b.key); });
  bool more = items.size() > static_cast<std::size_t>(limit);
  if (more) items.resize(static_cast<std::size_t>(limit));

  auto list = json::array();
  for (auto& item : items) list->add(item.toJson());
  auto o = json::object();
  o->set("userId", id);
  o->set("items", list);
  o->set("limit", limit);
  if (more) o->set("nextCursor", encodeCursor(id, items.back().key));
  else o->set("nextCursor", Poco::Dynamic::Var());
  o->set("notes", notes.toJson());
  res.json(200, o);
}

}  // namespace cc::admin
