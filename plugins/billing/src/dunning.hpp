#pragma once
// Dunning: what the user is told while Stripe fails to collect a renewal, and when the
// subscription lapses for non-payment (docs/billing.md, "Dunning").
//
// Pure rules and mail texts; WebhookProcessor applies them inside the event's transaction
// (webhook_processor.cpp dispatches, dunning.cpp holds its dunning handlers), so each mail is
// queued exactly when the event's effects commit, keyed by the Stripe event id.
#include <codecouncil/billing/contract.hpp>
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/sdk/mailer.hpp>

#include <cstdint>
#include <string>

namespace cc::billing::dunning {

/// How a subscription event ends access for non-payment.
enum class Lapse {
  None,                   ///< not a dunning outcome (a voluntary cancel, an ordinary update)
  Unpaid,                 ///< retries exhausted, Stripe set it `unpaid`: paying the open invoice restores it
  CanceledForNonPayment,  ///< retries exhausted, Stripe canceled it: final
};

/// The lapse a subscription event means. Only for events that change the stored row: a
/// `customer.subscription.deleted`, or an applied (not stale) `customer.subscription.updated`.
///  - updated to `unpaid` from any other stored status -> Unpaid (Stripe's "mark the
///    subscription as unpaid" setting after the last retry);
///  - deleted with `cancellation_details.reason = payment_failed` -> CanceledForNonPayment
///    (Stripe's "cancel the subscription" setting); any other reason Stripe gives
///    (`cancellation_requested`, `payment_disputed`) -> None;
///  - deleted without a reason (accounts on API versions before cancellation_details) ->
///    CanceledForNonPayment when the stored row was `past_due` or `unpaid`, else None.
/// `previousStatus` is the stored row's status before the event ("" when there was no row).
Lapse lapseOf(const std::string& eventType, const json::ObjectPtr& subscription, const std::string& newStatus,
              const std::string& previousStatus);

/// "unpaid", "canceled": the status a lapse leaves (bus payloads, logs).
const char* lapseStatus(Lapse lapse);

/// True for a URL that may go into a mail as a link: `https://` with a host, printable ASCII
/// only (no spaces, controls or line breaks that could forge mail text), at most 2048 bytes.
bool isMailableHttpsUrl(const std::string& url);

}  // namespace cc::billing::dunning

namespace cc::billing::mail {

/// The renewal needs the customer to authenticate (3-D Secure): a link to Stripe's hosted
/// invoice page, where they confirm the payment. `hostedInvoiceUrl` must be mailable.
Mail paymentActionRequired(const std::string& to, const std::string& eventId, std::int64_t amountCents,
                           const std::string& currency, const std::string& hostedInvoiceUrl);
/// The subscription lapsed for non-payment; the account is on the free tier now.
/// `billingPageUrl` is the app's billing page (see paymentFailed).
Mail subscriptionLapsed(const std::string& to, const std::string& eventId, const Plan* plan,
                        dunning::Lapse lapse, const std::string& billingPageUrl);

}  // namespace cc::billing::mail
