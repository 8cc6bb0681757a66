#pragma once
// One user's timeline (GET /api/admin/users/:userId/timeline): the audit entries and credit
// ledger rows of the user in one list, newest first, each as {time, kind, summary, details}.
//
// The audit log already records subscription changes (subscription_*), invoices and payments
// (payment_*, billing.payment_action_required) and rate-limit refusals (rate_limit_exceeded)
// with the user's id; the credit ledger holds every grant, debit and refund. So the two
// services cover the five kinds, and each entry's kind comes from its action.
//
// Pages are keyset pages on (time, kind, id): the cursor is the last item's key, and the next
// page holds the items strictly older than it, so entries written meanwhile (always newer)
// neither repeat nor hide an item. The cursor is opaque to clients (base64url) and tied to the
// user it was made for.
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/billing/contract.hpp>
#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cc::admin {

namespace timeline_kind {
inline constexpr const char* kSubscription = "subscription";
inline constexpr const char* kPayment = "payment";
inline constexpr const char* kCredit = "credit";
inline constexpr const char* kRateLimit = "rate_limit";
inline constexpr const char* kAudit = "audit";
}  // namespace timeline_kind

/// Position in the timeline. Newest first: a later time first, then kind and id descending.
struct TimelineKey {
  std::string time;  ///< ISO-8601 UTC with milliseconds, "2025-01-15T10:00:00.000Z"
  std::string kind;
  std::int64_t id = 0;  ///< the source's row id
};
/// True when `a` is shown before `b` (a is newer).
bool shownBefore(const TimelineKey& a, const TimelineKey& b);

struct TimelineItem {
  TimelineKey key;
  std::string summary;
  json::ObjectPtr details;
  json::ObjectPtr toJson() const;
};

/// "YYYY-MM-DDTHH:MM:SS.mmmZ" for a timestamp a source stored; empty when it cannot be read.
std::string canonicalTime(const std::string& stored);
/// `time` (canonical) moved by `millis`.
std::string shiftedTime(const std::string& time, std::int64_t millis);

std::string encodeCursor(const std::string& userId, const TimelineKey& key);
/// The key in `cursor`; HttpError 400 when it is not one this API made for `userId`.
TimelineKey decodeCursor(const std::string& userId, const std::string& cursor);

std::string kindOfAction(const std::string& action);
TimelineItem itemFromAudit(const audit::AuditRecord& record);
TimelineItem itemFromLedger(const billing::LedgerEntry& entry);

/// One batch of a source, newest first (as the source orders it), and whether it was the last.
struct SourceBatch {
  std::vector<TimelineItem> items;
  bool end = false;
};
using FetchBatch = std::function<SourceBatch(int offset, int count)>;

/// Reads a source from `startOffset` on and returns its first `want` items older than `cursor`
/// (all items without a cursor), in timeline order. A source's own order may differ from the
/// timeline's for items less than `slackMillis` apart (same-millisecond entries of different
/// kinds; ledger rows are in id order), so it reads on until the source is that far past the
/// last item it keeps.
std::vector<TimelineItem> collectItems(const FetchBatch& fetch, int startOffset, int batch,
                                       const std::optional<TimelineKey>& cursor, std::size_t want,
                                       std::int64_t slackMillis);

/// The first offset whose item is at or before `time` in a source that is newest first:
/// exponential then binary search with one-row probes, so a deep page costs a few look-ups.
/// `timeAt(offset)` is the item's canonical time, or nullopt past the end.
int firstOffsetAtOrBefore(const std::function<std::optional<std::string>(int offset)>& timeAt,
                          const std::string& time);

}  // namespace cc::admin
