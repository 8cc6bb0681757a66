#include "stripe_objects.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timestamp.h>

#include <set>

namespace cc::billing {
namespace field {

std::string str(const json::ObjectPtr& o, const std::string& key) {
  if (!o || !o->has(key) || o->isNull(key)) return "";
  auto v = o->get(key);
  return v.isString() ? v.toString() : "";
}

std::int64_t integer(const json::ObjectPtr& o, const std::string& key) {
  if (!o || !o->has(key) || o->isNull(key)) return 0;
  auto v = o->get(key);
  try {
    if (v.isNumeric()) return v.convert<Poco::Int64>();
  } catch (const std::exception&) {
  }
  return 0;
}

bool boolean(const json::ObjectPtr& o, const std::string& key) {
  if (!o || !o->has(key) || o->isNull(key)) return false;
  auto v = o->get(key);
  return v.isBoolean() && v.convert<bool>();
}

json::ObjectPtr object(const json::ObjectPtr& o, const std::string& key) {
  if (!o || !o->has(key) || o->isNull(key)) return nullptr;
  return o->getObject(key);
}

std::string idOf(const json::ObjectPtr& o, const std::string& key) {
  std::string s = str(o, key);
  if (!s.empty()) return s;
  return str(object(o, key), "id");
}

json::ObjectPtr firstListItem(const json::ObjectPtr& o, const std::string& key) {
  auto list = object(o, key);
  if (!list) return nullptr;
  auto data = list->getArray("data");
  if (!data || data->size() == 0) return nullptr;
  return data->getObject(0);
}

}  // namespace field

StripeSubscription parseSubscription(const json::ObjectPtr& o) {
  StripeSubscription s;
  s.id = field::str(o, "id");
  s.customerId = field::idOf(o, "customer");
  s.status = field::str(o, "status");
  s.cancelAtPeriodEnd = field::boolean(o, "cancel_at_period_end");
  s.canceledAt = field::integer(o, "canceled_at");
  s.metadataUserId = field::str(field::object(o, "metadata"), "user_id");
  auto item = field::firstListItem(o, "items");
  if (item) {
    s.itemId = field::str(item, "id");
    s.priceId = field::idOf(item, "price");
    if (s.priceId.empty()) s.priceId = field::idOf(item, "plan");
  }
  // Before basil the period is on the subscription; since basil on each item.
  s.currentPeriodStart = field::integer(o, "current_period_start");
  s.currentPeriodEnd = field::integer(o, "current_period_end");
  if (item && s.currentPeriodStart == 0) s.currentPeriodStart = field::integer(item, "current_period_start");
  if (item && s.currentPeriodEnd == 0) s.currentPeriodEnd = field::integer(item, "current_period_end");
  auto invoice = field::object(o, "latest_invoice");
  if (invoice) {
    s.clientSecret = field::str(field::object(invoice, "confirmation_secret"), "client_secret");
    if (s.clientSecret.empty()) s.clientSecret = field::str(field::object(invoice, "payment_intent"), "client_secret");
  }
  return s;
}

StripeInvoice parseInvoice(const json::ObjectPtr& o) {
  StripeInvoice i;
  i.id = field::str(o, "id");
  i.customerId = field::idOf(o, "customer");
  i.subscriptionId = field::idOf(o, "subscription");
  if (i.subscriptionId.empty())
    i.subscriptionId =
        field::idOf(field::object(field::object(o, "parent"), "subscription_details"), "subscription");
  i.amountPaid = field::integer(o, "amount_paid");
  i.amountDue = field::integer(o, "amount_due");
  i.currency = field::str(o, "currency");
  i.billingReason = field::str(o, "billing_reason");
  if (auto line = field::firstListItem(o, "lines")) {
    i.priceId = field::idOf(line, "price");
    if (i.priceId.empty())  // basil: lines.data[].pricing.price_details.price
      i.priceId = field::idOf(field::object(field::object(line, "pricing"), "price_details"), "price");
  }
  for (auto* holder : {"last_payment_error", "last_finalization_error"}) {
    auto err = field::object(o, holder);
    if (i.errorCode.empty()) i.errorCode = field::str(err, "decline_code");
    if (i.errorCode.empty()) i.errorCode = field::str(err, "code");
  }
  if (i.errorCode.empty()) {
    auto err = field::object(field::object(o, "payment_intent"), "last_payment_error");
    i.errorCode = field::str(err, "decline_code");
    if (i.errorCode.empty()) i.errorCode = field::str(err, "code");
  }
  return i;
}

StripeCheckoutSession parseCheckoutSession(const json::ObjectPtr& o) {
  StripeCheckoutSession c;
  c.id = field::str(o, "id");
  c.customerId = field::idOf(o, "customer");
  c.subscriptionId = field::idOf(o, "subscription");
  c.clientReferenceId = field::str(o, "client_reference_id");
  return c;
}

bool isKnownStatus(const std::string& status) {
  static const std::set<std::string> kStatuses{"incomplete", "incomplete_expired", "trialing", "active",
                                               "past_due",   "canceled",           "unpaid",   "paused"};
  return kStatuses.count(status) > 0;
}

bool statusGivesAccess(const std::string& status) { return status == "active" || status == "trialing"; }

bool statusIsTerminal(const std::string& status) { return status == "canceled" || status == "incomplete_expired"; }

std::string isoFromUnix(std::int64_t seconds) {
  if (seconds <= 0) return "";
  return Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(seconds)),
                                         "%Y-%m-%dT%H:%M:%S.%iZ");
}

std::int64_t unixFromIso(const std::string& iso) {
  // Poco's parser is lenient with garbage; insist on the shape we write.
  if (iso.size() < 20 || iso[4] != '-' || iso[10] != 'T') return 0;
  int tz = 0;
  Poco::DateTime dt;
  if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, iso, dt, tz)) return 0;
  return static_cast<std::int64_t>(dt.timestamp().epochTime());
}

std::optional<bool> livemodeOf(const json::ObjectPtr& o) {
  if (!o || !o->has("livemode") || o->isNull("livemode")) return std::nullopt;
  auto v = o->get("livemode");
  if (!v.isBoolean()) return std::nullopt;
  return v.convert<bool>();
}

}  // namespace cc::billing
