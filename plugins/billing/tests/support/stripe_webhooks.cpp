#include "support/stripe_webhooks.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <ctime>
#include <sstream>

namespace cc::billing::test {
namespace {

using Poco::JSON::Object;

std::string stringify(const Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(o, out);
  return out.str();
}

Object::Ptr list(const Object::Ptr& item) {
  Poco::JSON::Array::Ptr data = new Poco::JSON::Array;
  data->add(item);
  Object::Ptr l = new Object;
  l->set("object", "list");
  l->set("data", data);
  return l;
}

Object::Ptr price(const std::string& id) {
  Object::Ptr p = new Object;
  p->set("id", id);
  p->set("object", "price");
  return p;
}

}  // namespace

std::int64_t nowUnix() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string signatureHeader(const std::string& payload, const std::string& secret, std::int64_t timestamp) {
  std::string signedText = std::to_string(timestamp) + "." + payload;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signedText.data()), signedText.size(), mac, &len);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", mac[i]);
    hex += byte;
  }
  return "t=" + std::to_string(timestamp) + ",v1=" + hex;
}

std::string rawEvent(const std::string& eventId, const std::string& type, std::int64_t created,
                     const std::string& objectJson) {
  return "{\"id\":\"" + eventId + "\",\"object\":\"event\",\"api_version\":\"2025-03-31.basil\",\"created\":" +
         std::to_string(created) + ",\"livemode\":false,\"type\":\"" + type + "\",\"data\":{\"object\":" + objectJson +
         "}}";
}

std::string subscriptionEvent(const std::string& eventId, const std::string& type, std::int64_t created,
                              const SubscriptionFixture& s) {
  Object::Ptr item = new Object;
  item->set("id", s.itemId);
  item->set("object", "subscription_item");
  item->set("price", price(s.priceId));
  Object::Ptr sub = new Object;
  sub->set("id", s.id);
  sub->set("object", "subscription");
  sub->set("customer", s.customer);
  sub->set("status", s.status);
  sub->set("cancel_at_period_end", s.cancelAtPeriodEnd);
  if (s.legacyLayout) {
    sub->set("current_period_start", s.periodStart);
    sub->set("current_period_end", s.periodEnd);
  } else {
    item->set("current_period_start", s.periodStart);
    item->set("current_period_end", s.periodEnd);
  }
  sub->set("items", list(item));
  Object::Ptr metadata = new Object;
  if (!s.userId.empty()) metadata->set("user_id", s.userId);
  sub->set("metadata", metadata);
  return rawEvent(eventId, type, created, stringify(sub));
}

std::string invoiceEvent(const std::string& eventId, const std::string& type, std::int64_t created,
                         const InvoiceFixture& i) {
  Object::Ptr inv = new Object;
  inv->set("id", i.id);
  inv->set("object", "invoice");
  inv->set("customer", i.customer);
  inv->set("amount_paid", i.amountPaid);
  inv->set("amount_due", i.amountDue);
  inv->set("currency", i.currency);
  inv->set("billing_reason", i.billingReason);
  Object::Ptr line = new Object;
  line->set("id", "il_1");
  line->set("object", "line_item");
  if (i.legacyLayout) {
    inv->set("subscription", i.subscription);
    line->set("price", price(i.priceId));
  } else {
    Object::Ptr details = new Object;
    details->set("subscription", i.subscription);
    Object::Ptr parent = new Object;
    parent->set("type", "subscription_details");
    parent->set("subscription_details", details);
    inv->set("parent", parent);
    Object::Ptr priceDetails = new Object;
    priceDetails->set("price", i.priceId);
    Object::Ptr pricing = new Object;
    pricing->set("price_details", priceDetails);
    line->set("pricing", pricing);
  }
  inv->set("lines", list(line));
  if (!i.declineCode.empty()) {
    Object::Ptr err = new Object;
    err->set("code", "card_declined");
    err->set("decline_code", i.declineCode);
    Object::Ptr pi = new Object;
    pi->set("id", "pi_1");
    pi->set("last_payment_error", err);
    inv->set("payment_intent", pi);
  }
  return rawEvent(eventId, type, created, stringify(inv));
}

}  // namespace cc::billing::test
