#include "timeline.hpp"

#include "audit_views.hpp"
#include "json_views.hpp"

#include <codecouncil/billing/events.hpp>
#include <codecouncil/ratelimit/events.hpp>
#include <codecouncil/sdk/cursor.hpp>
#include <codecouncil/sdk/http_error.hpp>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <regex>
#include <set>
#include <tuple>

namespace cc::admin {

namespace {

constexpr const char* kTimeFormat = "%Y-%m-%dT%H:%M:%S.%iZ";
// "t1|<userId>|<time>|<kind>|<id>" in base64url: the user is the cursor's scope.
const OpaqueCursor kCursor({"t1", {CursorField::Text, CursorField::Text, CursorField::Number}});

// The form, and a real date and time (no 30 February, no 25:00).
bool isCanonical(const std::string& t) {
  static const std::regex form(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
  if (t.size() != 24 || !std::regex_match(t, form)) return false;
  auto num = [&](std::size_t at, std::size_t len) { return std::stoi(t.substr(at, len)); };
  return num(0, 4) >= 1000 && Poco::DateTime::isValid(num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2), num(20, 3));
}

bool isKind(const std::string& k) {
  using namespace timeline_kind;
  for (const char* known : {kSubscription, kPayment, kCredit, kRateLimit, kAudit})
    if (k == known) return true;
  return false;
}

std::string text(const json::ObjectPtr& o, const char* key) {
  if (!o || !o->has(key) || o->isNull(key)) return {};
  try {
    return o->get(key).convert<std::string>();
  } catch (const std::exception&) {
    return {};
  }
}

std::int64_t number(const json::ObjectPtr& o, const char* key) {
  try {
    return o && o->has(key) ? o->get(key).convert<std::int64_t>() : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

std::string money(std::int64_t cents, const std::string& currency) {
  std::string sign = cents < 0 ? "-" : "";
  std::int64_t a = cents < 0 ? -cents : cents;
  std::string frac = std::to_string(a % 100);
  std::string out = sign + std::to_string(a / 100) + "." + (frac.size() < 2 ? "0" : "") + frac;
  if (!currency.empty()) {
    std::string upper = currency;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    out += " " + upper;
  }
  return out;
}

std::string auditSummary(const audit::AuditRecord& r, const json::ObjectPtr& m) {
  const std::string& a = r.action;
  if (a == billing::topics::kSubscriptionCreated.name)
    return "Subscription created: plan " + text(m, "plan") + " (status " + text(m, "status") + ")";
  if (a == billing::topics::kSubscriptionUpdated.name) {
    std::string was = text(m, "previousPlan");
    return "Subscription updated: plan " + text(m, "plan") + (was.empty() || was == text(m, "plan") ? "" : " (was " + was + ")") +
           ", status " + text(m, "status");
  }
  if (a == billing::topics::kSubscriptionCanceled.name)
    return "Subscription canceled: plan " + text(m, "plan") +
           (text(m, "atPeriodEnd") == "true" ? ", at the end of the period" : ", at once");
  if (a == billing::topics::kSubscriptionLapsed.name)
    return "Subscription lapsed after failed payments: plan " + text(m, "plan") + " (status " + text(m, "status") + ")";
  if (a == billing::topics::kPaymentSucceeded.name)
    return "Invoice " + text(m, "invoiceId") + " paid: " + money(number(m, "amount"), text(m, "currency"));
  if (a == billing::topics::kPaymentFailed.name)
    return "Payment of invoice " + text(m, "invoiceId") + " failed: " + money(number(m, "amount"), "") + " (" +
           text(m, "errorCode") + ")";
  if (a == billing::topics::kPaymentActionRequired.name)
    return "Invoice " + text(m, "invoiceId") + " (" + money(number(m, "amount"), "") +
           ") waits for the customer to authenticate the payment";
  if (a == ratelimit::topics::kRateLimitExceeded.name)
    return "Request refused with 429: " + text(m, "limitType") + " limit of " + text(m, "limit") + " on the " +
           text(m, "tier") + " tier";
  if (a == billing::topics::kCreditsGranted.name)
    return "Credits granted: " + text(m, "amount") + " (" + text(m, "reference") + ")";
  std::string s = a + " (" + r.severity + ", " + r.resourceType;
  if (!r.resourceId.empty()) s += " " + r.resourceId;
  return s + ")";
}

}  // namespace

bool shownBefore(const TimelineKey& a, const TimelineKey& b) {
  return std::tie(a.time, a.kind, a.id) > std::tie(b.time, b.kind, b.id);
}

json::ObjectPtr TimelineItem::toJson() const {
  auto o = json::object();
  o->set("time", key.time);
  o->set("kind", key.kind);
  o->set("summary", summary);
  o->set("details", details ? details : json::object());
  return o;
}

std::string canonicalTime(const std::string& stored) {
  if (isCanonical(stored)) return stored;
  Poco::DateTime t;
  int tz = 0;
  // Only ISO-8601 (Poco's guessing parser reads "garbage" as year 0).
  if (stored.size() < 10 || stored.size() > 40 ||
      !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, stored, t, tz))
    return {};
  t.makeUTC(tz);
  std::string out = Poco::DateTimeFormatter::format(t, kTimeFormat);
  return isCanonical(out) ? out : std::string();
}

std::string shiftedTime(const std::string& time, std::int64_t millis) {
  Poco::DateTime t;
  int tz = 0;
  if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, time, t, tz)) return time;
  t += Poco::Timespan(millis * 1000);
  return Poco::DateTimeFormatter::format(t, kTimeFormat);
}

std::string encodeCursor(const std::string& userId, const TimelineKey& key) {
  return kCursor.encode({key.time, key.kind, key.id}, userId);
}

TimelineKey decodeCursor(const std::string& userId, const std::string& cursor) {
  const std::string invalid = "cursor is not valid: use the nextCursor of a previous page of this timeline";
  auto values = kCursor.decodeOr400(cursor, userId, invalid, "another user's timeline");
  TimelineKey key{std::get<std::string>(values[0]), std::get<std::string>(values[1]), std::get<std::int64_t>(values[2])};
  if (!isCanonical(key.time) || canonicalTime(key.time) != key.time || !isKind(key.kind)) throw HttpError(400, invalid);
  return key;
}

std::string kindOfAction(const std::string& action) {
  using namespace timeline_kind;
  if (action == billing::topics::kSubscriptionCreated.name || action == billing::topics::kSubscriptionUpdated.name || action == billing::topics::kSubscriptionCanceled.name ||
      action == billing::topics::kSubscriptionLapsed.name)
    return kSubscription;
  if (action == billing::topics::kPaymentSucceeded.name || action == billing::topics::kPaymentFailed.name || action == billing::topics::kPaymentActionRequired.name)
    return kPayment;
  if (action == ratelimit::topics::kRateLimitExceeded.name) return kRateLimit;
  return kAudit;
}

TimelineItem itemFromAudit(const audit::AuditRecord& r) {
  TimelineItem item;
  item.key = {canonicalTime(r.createdAt), kindOfAction(r.action), r.id};
  json::ObjectPtr meta;
  try {
    meta = json::parseObject(r.metadata);
  } catch (const std::exception&) {
    meta = json::object();
  }
  item.summary = auditSummary(r, meta);
  item.details = auditRecordJson(r);
  item.details->set("source", "audit");
  return item;
}

TimelineItem itemFromLedger(const billing::LedgerEntry& e) {
  TimelineItem item;
  item.key = {canonicalTime(e.createdAt), timeline_kind::kCredit, e.id};
  item.summary = (e.amount > 0 ? "+" : "") + std::to_string(e.amount) + " credits (" + e.type + ")";
  if (!e.description.empty()) item.summary += ": " + e.description;
  item.details = ledgerEntryJson(e);
  item.details->set("source", "credits");
  return item;
}

std::vector<TimelineItem> collectItems(const FetchBatch& fetch, int startOffset, int batch,
                                       const std::optional<TimelineKey>& cursor, std::size_t want,
                                       std::int64_t slackMillis) {
  std::vector<TimelineItem> kept;
  std::set<std::pair<std::string, std::int64_t>> seen;  // offsets move when rows are added meanwhile
  auto newestFirst = [](const TimelineItem& a, const TimelineItem& b) { return shownBefore(a.key, b.key); };
  for (int offset = startOffset;;) {
    SourceBatch got = fetch(offset, batch);
    // A source may return fewer rows than asked (the audit service caps its page size).
    offset += static_cast<int>(got.items.size());
    std::string oldestRead;
    for (auto& item : got.items) {
      if (item.key.time.empty()) continue;  // a timestamp nobody can place
      oldestRead = item.key.time;
      if (cursor && !shownBefore(*cursor, item.key)) continue;
      if (!seen.insert({item.key.kind, item.key.id}).second) continue;
      kept.push_back(std::move(item));
    }
    std::sort(kept.begin(), kept.end(), newestFirst);
    if (kept.size() > want) kept.resize(want);
    if (got.end || got.items.empty()) break;
    // Everything still unread is at or before oldestRead (+ slack): once that is older than the
    // last kept item, nothing unread can enter the page.
    if (kept.size() == want && !oldestRead.empty() && shiftedTime(oldestRead, slackMillis) < kept.back().key.time)
      break;
  }
  return kept;
}

int firstOffsetAtOrBefore(const std::function<std::optional<std::string>(int offset)>& timeAt, const std::string& time) {
  auto atOrBefore = [&](int offset) {
    auto t = timeAt(offset);
    return !t || *t <= time;
  };
  if (atOrBefore(0)) return 0;
  int after = 0, step = 1, found = 0;  // time(after) > time; found: the first known offset at or before
  for (;;) {
    int probe = after + step;
    if (atOrBefore(probe)) {
      found = probe;
      break;
    }
    after = probe;
    if (step < (1 << 28)) step *= 2;
  }
  while (found - after > 1) {
    int mid = after + (found - after) / 2;
    if (atOrBefore(mid)) found = mid;
    else after = mid;
  }
  return found;
}

}  // namespace cc::admin
