#include "webhook_route.hpp"

#include "webhook_signature.hpp"

#include <ctime>

namespace cc::billing {

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
  WebhookResult result;
  try {
    result = processor_.process(event);
  } catch (const HttpError&) {
    throw;
  } catch (const std::exception& e) {
    // Everything was rolled back; a 5xx makes Stripe deliver the event again later.
    log_.error("stripe webhook (request %s) failed and will be retried: %s", req.requestId, std::string(e.what()));
    throw HttpError(500, "webhook processing failed; it will be retried");
  }
  auto out = json::object();
  out->set("received", true);
  out->set("eventId", result.eventId);
  out->set("outcome", result.outcome);
  res.json(200, out);
}

}  // namespace cc::billing
