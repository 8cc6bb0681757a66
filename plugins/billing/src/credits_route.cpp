#include "credits_route.hpp"

#include <codecouncil/billing/events.hpp>
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/sdk/query_params.hpp>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <cstdio>
#include <sstream>

namespace cc::billing {
namespace {

constexpr int kDefaultPage = 20;
constexpr int kMaxPage = 100;
// "c1:" and the id in 18 digits: 21 bytes, a multiple of 3, so base64 needs no '=' padding
// (which a client would have to percent-encode in a query string).
constexpr const char* kCursorVersion = "c1:";
constexpr std::size_t kIdDigits = 18;
constexpr std::size_t kCursorChars = (3 + kIdDigits) / 3 * 4;

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

std::string encodeCreditCursor(std::int64_t lastId) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%0*lld", static_cast<int>(kIdDigits), static_cast<long long>(lastId));
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.rdbuf()->setLineLength(0);
  encoder << kCursorVersion << digits;
  encoder.close();
  return out.str();
}

std::optional<std::int64_t> decodeCreditCursor(const std::string& cursor) {
  if (cursor.size() != kCursorChars) return std::nullopt;
  for (char c : cursor) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return std::nullopt;
  }
  std::string text;
  try {
    std::istringstream in(cursor);
    Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    text.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
  const std::string prefix = kCursorVersion;
  if (text.size() != prefix.size() + kIdDigits || text.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::string digits = text.substr(prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  std::int64_t id = std::stoll(digits);  // 18 digits always fit
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
