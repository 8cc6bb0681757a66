#include "pack_routes.hpp"

#include "stripe_call.hpp"
#include "stripe_objects.hpp"

#include <codecouncil/billing/events.hpp>

namespace cc::billing {

StripeClient& PackRoutes::requireClient() {
  if (!client_) throw HttpError(503, "billing is not configured");
  return *client_;
}

void PackRoutes::list(Request& req, Response& res) {
  const User& user = req.requireUser();
  requireClient();  // packs cannot be bought without Stripe, so none are offered
  auto packs = packsJson(config_.packs);
  res.json(200, packs);
  auto read = json::object();
  read->set("userId", user.id);
  read->set("count", static_cast<std::int64_t>(config_.packs.all().size()));
  events_.publish(topics::kCreditPacksListed, read, req);
}

void PackRoutes::purchase(Request& req, Response& res) {
  const User& user = req.requireUser();
  StripeClient& client = requireClient();
  std::string packId = json::requireString(req.jsonBody(), "pack");
  // Only a well-formed id is quoted back: the caller's bytes go nowhere else.
  if (!isPackId(packId)) throw HttpError(400, "pack must be the id of a credit pack (GET /api/credits/packs)");
  const CreditPack* pack = config_.packs.byId(packId);
  if (!pack) throw HttpError(400, "unknown pack '" + packId + "' (GET /api/credits/packs lists the packs on sale)");

  std::string customerId = ensureCustomer_(user);
  // metadata[price_id] and metadata[credits] record what was sold: the webhook grants only
  // when the pack still has this price (pack_grants.hpp), and an operator can see what a
  // refused payment bought.
  auto session = stripeCall(log_, "create credit pack checkout session", [&] {
    return client.post("/v1/checkout/sessions", FormBody()
                                                    .add("mode", "payment")
                                                    .add("customer", customerId)
                                                    .add("client_reference_id", user.id)
                                                    .add({"line_items", "0", "price"}, pack->priceId)
                                                    .add({"line_items", "0", "quantity"}, "1")
                                                    .add({"metadata", "pack"}, pack->id)
                                                    .add({"metadata", "user_id"}, user.id)
                                                    .add({"metadata", "price_id"}, pack->priceId)
                                                    .add({"metadata", "credits"}, std::to_string(pack->credits))
                                                    .add("success_url", config_.checkoutSuccessUrl)
                                                    .add("cancel_url", config_.checkoutCancelUrl));
  });
  std::string sessionId = field::str(session, "id");
  std::string url = field::str(session, "url");
  if (sessionId.empty() || url.rfind("https://", 0) != 0)
    throw HttpError(502, "payment provider returned a checkout session without an id or an https url");
  auto out = json::object();
  out->set("checkoutSessionId", sessionId);
  out->set("checkoutUrl", url);
  res.json(201, out);

  auto created = json::object();
  created->set("userId", user.id);
  created->set("pack", pack->id);
  created->set("credits", pack->credits);
  created->set("checkoutSessionId", sessionId);
  events_.publish(topics::kCreditPackCheckoutCreated, created, req);
}

}  // namespace cc::billing
