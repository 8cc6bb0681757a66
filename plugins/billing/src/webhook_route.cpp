#include "webhook_route.hpp"

#include "stripe_objects.hpp"
#include "webhook_signature.hpp"

#include <ctime>

namespace cc::billing {
namespace {

/// Stripe's event ids and types are printable ASCII. A control character, above all an
/// escaped NUL, would not survive storage: a database driver may cut the text at a NUL, so
/// "evt_\u0000a" and "evt_\u0000b" would both be stored as "evt_" and the second event
/// dropped as a duplicate.
bool hasControlCharacters(const json::ObjectPtr& event, const std::string& key) {
  if (!event->has(key) || !event->get(key).isString()) return false;
  for (unsigned char c : event->get(key).toString())
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

/// True when any key or string anywhere in `value` contains a NUL: it would be cut off in
/// storage the same way, e.g. two invoices "in_\u0000a" and "in_\u0000b" sharing one
/// credit grant. Stripe never sends one, so such an event is refused whole.
bool containsNul(const Poco::Dynamic::Var& value) {
  if (value.type() == typeid(json::ObjectPtr)) {
    const auto& o = value.extract<json::ObjectPtr>();
    if (o.isNull()) return false;
    for (const auto& [key, child] : *o)
      if (key.find('\0') != std::string::npos || containsNul(child)) return true;
    return false;
  }
  if (value.type() == typeid(json::ArrayPtr)) {
    const auto& a = value.extract<json::ArrayPtr>();
    if (a.isNull()) return false;
    for (const auto& child : *a)
      if (containsNul(child)) return true;
    return false;
  }
  return value.type() == typeid(std::string) && value.extract<std::string>().find('\0') != std::string::npos;
}

}  // namespace

void WebhookRoute::handle(Request& req, Response& res) {
  if (config_.webhookSecrets.empty()) throw HttpError(503, "billing is not configured");
  SignatureCheck check = verifyStripeSignature(req.header("Stripe-Signature"), req.body, config_.webhookSecrets,
                                               static_cast<std::int64_t>(std::time(nullptr)),
                                               config_.webhookToleranceSeconds);
  if (!check.ok) {
    log_.warning("stripe webhook refused (request %s): %s", req.requestId, check.reason);
    throw HttpError(400, "invalid Stripe signature: " + check.reason);
  }
  auto event = json::parseObject(req.body);
  if (hasControlCharacters(event, "id") || hasControlCharacters(event, "type"))
    throw HttpError(400, "not a Stripe event (id and type must not contain control characters)");
  if (containsNul(event)) throw HttpError(400, "not a Stripe event (it contains a NUL character)");
  WebhookResult result;
  try {
    result = processor_.process(event);
  } catch (const HttpError&) {
    throw;
  } catch (const std::exception& e) {
    // Everything was rolled back; a 5xx makes Stripe deliver the event again later. A database
    // that is away (no pooled connection in time, connection lost, server restarting) is
    // answered like the host's own: 503 with Retry-After, not a 500 that reads as a fault.
    log_.error("stripe webhook (request %s) failed and will be retried: %s", req.requestId, std::string(e.what()));
    if (processor_.database().isUnavailable(e))
      throw HttpError(503, "the database is temporarily unavailable; the event will be retried")
          .header("Retry-After", "1");
    throw HttpError(500, "webhook processing failed; it will be retried");
  }
  if (metrics_) metrics_->webhookHandled(field::integer(event, "created"), static_cast<std::int64_t>(std::time(nullptr)));
  auto out = json::object();
  out->set("received", true);
  out->set("eventId", result.eventId);
  out->set("outcome", result.outcome);
  res.json(200, out);
}

}  // namespace cc::billing
