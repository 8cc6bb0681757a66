#include "pack_grants.hpp"

#include "stripe_objects.hpp"

#include <codecouncil/sdk/text.hpp>

namespace cc::billing {
namespace {

/// The price the session sold: line_items.data[0].price.id when the object carries its line
/// items (an expanded session), else the metadata.price_id we wrote when creating it.
std::string soldPriceId(const json::ObjectPtr& session) {
  if (auto item = field::firstListItem(session, "line_items")) {
    std::string id = field::idOf(item, "price");
    if (!id.empty()) return id;
  }
  return field::str(field::object(session, "metadata"), "price_id");
}

}  // namespace

bool isCheckoutPaymentEvent(const std::string& eventType) {
  return eventType == "checkout.session.completed" || eventType == "checkout.session.async_payment_succeeded" ||
         eventType == "checkout.session.async_payment_failed";
}

PackGrant grantPaidPack(Poco::Data::Session& s, SqlCreditLedger& ledger, const CreditPackCatalog& packs,
                        const std::string& eventId, const std::string& eventType, const json::ObjectPtr& session,
                        const std::string& userId, Poco::Logger& log) {
  PackGrant out;
  const std::string packId = field::str(field::object(session, "metadata"), "pack");
  if (field::str(session, "mode") != "payment" || packId.empty()) return out;  // not a pack purchase
  out.isPack = true;
  const std::string sessionId = field::str(session, "id");
  const std::string paymentStatus = field::str(session, "payment_status");
  out.reference = "pack:" + sessionId;

  const bool paidNow = (eventType == "checkout.session.completed" || eventType == "checkout.session.async_payment_succeeded") &&
                       paymentStatus == "paid";
  if (!paidNow || sessionId.empty()) {
    // completed+unpaid waits for async_payment_succeeded; async_payment_failed ends it.
    log.information("stripe event %s: credit pack session %s is not paid (payment_status %s); no credits",
                    eventId, text::escapeControls(sessionId), text::escapeControls(paymentStatus));
    out.outcome = "ignored";
    return out;
  }
  const CreditPack* pack = packs.byId(packId);
  const std::string price = soldPriceId(session);
  if (!pack || price != pack->priceId) {
    log.warning("stripe event %s: credit pack session %s of user %s is paid but %s; no credits granted, "
                "grant them by hand if the sale was right",
                eventId, text::escapeControls(sessionId), userId,
                pack ? "was sold at price " + text::escapeControls(price) + ", not the pack's " + pack->priceId
                     : "names pack " + text::escapeControls(packId) + ", which is not configured");
    out.outcome = "unknown_price";
    return out;
  }
  if (ledger.grant(s, userId, pack->credits, out.reference,
                   std::to_string(pack->credits) + " credits (pack " + pack->id + ", checkout " + sessionId + ")", ""))
    out.granted = pack->credits;
  return out;
}

}  // namespace cc::billing
