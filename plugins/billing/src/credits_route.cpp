#include "credits_route.hpp"

#include <codecouncil/billing/events.hpp>
#include <codecouncil/sdk/cursor.hpp>
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/sdk/query_params.hpp>

#include <Poco/JSON/Array.h>

namespace cc::billing {
namespace {

constexpr int kDefaultPage = 20;
constexpr int kMaxPage = 100;
// "c1:" and the id in 18 digits: 21 bytes, so every cursor has the same 28 characters.
const OpaqueCursor kCreditCursor({"c1", {CursorField::Number}, ':', 18, 28});

json::ObjectPtr rowJson(const CreditHistoryRow& row) {
  auto o = json::object();
  o->set("id", row.id);
  o->set("type", row.type);
  o->set("reason", row.reason);
  o->set("amount", row.amount);
  o->set("balanceAfter", row.balanceAfter);
  o->set("description", row.description);
  o->set("createdAt", row.createdAt);
  return o;
}

}  // namespace

std::string encodeCreditCursor(std::int64_t lastId) { return kCreditCursor.encode({lastId}); }

std::optional<std::int64_t> decodeCreditCursor(const std::string& cursor) {
  auto values = kCreditCursor.decode(cursor);
  if (!values) return std::nullopt;
  std::int64_t id = std::get<std::int64_t>(values->front());
  if (id <= 0) return std::nullopt;
  return id;
}

void CreditsRoute::handle(Request& req, Response& res) {
  const User& user = req.requireUser();
  if (!stripeConfigured_) throw HttpError(503, "billing is not configured");
  int limit = intQueryParam(req, "limit", kDefaultPage, 1, kMaxPage);
  std::optional<std::int64_t> before;
  std::string cursor = textQueryParam(req, "cursor", 64).value_or("");
  if (!cursor.empty()) {
    before = decodeCreditCursor(cursor);
    if (!before) throw HttpError(400, "cursor must be the nextCursor of a previous page of /api/credits");
  }
  CreditHistoryPage page = history_.page(user.id, before, limit);
  auto rows = json::array();
  for (auto& row : page.rows) rows->add(rowJson(row));
  auto out = json::object();
  out->set("balance", page.balance);
  out->set("transactions", rows);
  out->set("nextCursor", page.hasMore && !page.rows.empty() ? Poco::Dynamic::Var(encodeCreditCursor(page.rows.back().id))
                                                            : Poco::Dynamic::Var());
  res.json(200, out);
  auto audit = json::object();
  audit->set("userId", user.id);
  audit->set("count", static_cast<std::int64_t>(page.rows.size()));
  events_.publish(topics::kCreditsListed, audit, req);
}

}  // namespace cc::billing
