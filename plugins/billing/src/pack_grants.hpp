#pragma once
// The credits of a paid credit pack, granted from the webhook, inside the event's transaction.
//
// A Checkout session of mode=payment that we opened (metadata.pack) grants its pack's credits
//   - on checkout.session.completed when payment_status is "paid" (cards), or
//   - on checkout.session.async_payment_succeeded (bank debits finish days later),
// once per session: the ledger reference is "pack:<session id>", so a redelivery, the other
// of the two events, or the same event on another host grants nothing more, in any order.
// Never on an unpaid session, no_payment_required, or async_payment_failed.
//
// The pack is checked against the config of now: it must still exist and still have the
// price the session was sold with (line_items when Stripe sends them, else our
// metadata.price_id). Otherwise nothing is granted and the event is recorded as
// "unknown_price" with a warning naming the session, so an operator can grant by hand
// (docs/billing.md "Credit packs").
#include "credit_ledger.hpp"
#include "credit_packs.hpp"

#include <codecouncil/sdk/json.hpp>

#include <Poco/Logger.h>

#include <cstdint>
#include <string>

namespace cc::billing {

struct PackGrant {
  bool isPack = false;        ///< a mode=payment session naming a pack (metadata.pack)
  std::string outcome;        ///< "" (applied), "ignored" (not paid, not a pack) or "unknown_price"
  std::int64_t granted = 0;   ///< credits granted now; 0 when none or granted before
  std::string reference;      ///< "pack:<session id>"
};

/// True for the checkout session events that can pay a pack.
bool isCheckoutPaymentEvent(const std::string& eventType);

/// Grants the pack of `session` (data.object of a checkout.session.* event) to `userId` if
/// this event says it is paid. Writes only through `ledger` in `s`.
PackGrant grantPaidPack(Poco::Data::Session& s, SqlCreditLedger& ledger, const CreditPackCatalog& packs,
                        const std::string& eventId, const std::string& eventType, const json::ObjectPtr& session,
                        const std::string& userId, Poco::Logger& log);

}  // namespace cc::billing
