#include "dunning.hpp"

#include "notifications.hpp"
#include "stripe_objects.hpp"
#include "webhook_processor.hpp"

#include <codecouncil/billing/events.hpp>

namespace cc::billing {
namespace dunning {

Lapse lapseOf(const std::string& eventType, const json::ObjectPtr& subscription, const std::string& newStatus,
              const std::string& previousStatus) {
  if (eventType == "customer.subscription.updated")
    return newStatus == "unpaid" && previousStatus != "unpaid" ? Lapse::Unpaid : Lapse::None;
  if (eventType != "customer.subscription.deleted") return Lapse::None;
  // Stripe names why it canceled (API 2023-10-16 and later); a reason it gives wins over
  // what we stored, which may be stale when events arrive out of order.
  const std::string reason = field::str(field::object(subscription, "cancellation_details"), "reason");
  if (!reason.empty()) return reason == "payment_failed" ? Lapse::CanceledForNonPayment : Lapse::None;
  return previousStatus == "past_due" || previousStatus == "unpaid" ? Lapse::CanceledForNonPayment : Lapse::None;
}

const char* lapseStatus(Lapse lapse) {
  switch (lapse) {
    case Lapse::Unpaid: return "unpaid";
    case Lapse::CanceledForNonPayment: return "canceled";
    case Lapse::None: break;
  }
  return "";
}

bool isMailableHttpsUrl(const std::string& url) {
  const std::string scheme = "https://";
  if (url.size() > 2048 || url.compare(0, scheme.size(), scheme) != 0) return false;
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f) return false;
  // A host must follow the scheme: "https:///x", "https://?x", "https://@x" and the like are no links.
  const std::size_t hostStart = scheme.size();
  const std::size_t hostEnd = url.find_first_of("/?#", hostStart);
  const std::string authority = url.substr(hostStart, hostEnd == std::string::npos ? std::string::npos : hostEnd - hostStart);
  // User info ("https://stripe.com@evil.example/") makes a link read as another site's.
  return !authority.empty() && authority.find('@') == std::string::npos && authority.front() != ':';
}

}  // namespace dunning

namespace mail {
namespace {
// The other mails' signature (notifications.cpp); a name of its own for unity builds.
const char* kDunningSignature = "\n\n-- \nCodeCouncil billing\n";
}

Mail paymentActionRequired(const std::string& to, const std::string& eventId, std::int64_t amountCents,
                           const std::string& currency, const std::string& hostedInvoiceUrl) {
  std::string text = "Hello,\n\nYour bank asks you to confirm the payment of " + money(amountCents, currency) +
                     " for your subscription (for example with 3-D Secure).\nConfirm it on Stripe's secure invoice "
                     "page:\n\n  " +
                     hostedInvoiceUrl + "\n\nUntil it is confirmed the payment is not made.";
  return {to, "Please confirm your payment", text + kDunningSignature, dedupeKey(eventId)};
}

Mail subscriptionLapsed(const std::string& to, const std::string& eventId, const Plan* plan, dunning::Lapse lapse,
                        const std::string& billingPageUrl) {
  const std::string name = plan ? plan->name : std::string("CodeCouncil");
  std::string text = "Hello,\n\n";
  std::string subject;
  if (lapse == dunning::Lapse::Unpaid) {
    subject = "Your subscription is suspended: payment failed";
    text += "We could not collect the payment for your " + name +
            " subscription after several attempts, so it is suspended and your account is back on the free tier. "
            "Credits you have not used stay on your account.\n\nTo restore it, open your billing page, choose "
            "\"Manage billing\", update your payment method and pay the open invoice:\n\n  " +
            billingPageUrl;
  } else {
    subject = "Your subscription was canceled: payment failed";
    text += "We could not collect the payment for your " + name +
            " subscription after several attempts, so it has been canceled and your account is back on the free "
            "tier. Credits you have not used stay on your account.\n\nYou can subscribe again at any time on your "
            "billing page:\n\n  " +
            billingPageUrl;
  }
  return {to, subject, text + kDunningSignature, dedupeKey(eventId)};
}

}  // namespace mail

bool WebhookProcessor::noticeLapse(Poco::Data::Session& s, Work& w, const std::string& userId,
                                   const std::string& subscriptionId, const Plan* plan, const std::string& newStatus,
                                   const std::string& previousStatus) {
  const dunning::Lapse lapse = dunning::lapseOf(w.type, w.object, newStatus, previousStatus);
  if (lapse == dunning::Lapse::None) return false;
  auto payload = json::object();
  payload->set("userId", userId);
  payload->set("subscriptionId", subscriptionId);
  payload->set("plan", plan ? plan->id : std::string());
  payload->set("status", std::string(dunning::lapseStatus(lapse)));
  w.publications.push_back({topics::kSubscriptionLapsed.name, payload});
  log_.information("stripe event %s: subscription %s lapsed for non-payment (%s); user %s is on the free tier",
                   w.eventId, subscriptionId, std::string(dunning::lapseStatus(lapse)), userId);
  queueMail(s, userId, [&](const std::string& to) {
    return mail::subscriptionLapsed(to, w.eventId, plan, lapse, billingPageUrl_);
  });
  return true;
}

void WebhookProcessor::onPaymentActionRequired(Poco::Data::Session& s, Work& w) {
  StripeInvoice invoice = parseInvoice(w.object);
  std::optional<SubscriptionRow> subscription;
  std::string userId;
  if (!invoiceOwner(s, w, invoice, subscription, userId)) return;
  // As for a failed payment: during the very first payment the customer is in the payment
  // form, which runs the authentication itself.
  const bool firstPayment =
      invoice.billingReason == "subscription_create" || (subscription && subscription->status == "incomplete");
  // The URL comes from the event body and goes into a mail as a link: only a plain https
  // link to a host is used. It is not logged either (it is the customer's payment page).
  const std::string url = field::str(w.object, "hosted_invoice_url");
  const bool mailable = dunning::isMailableHttpsUrl(url);
  bool mailed = false;
  if (firstPayment) {
    log_.information("stripe event %s: invoice %s needs authentication during the first payment; no mail (the payment "
                     "form asks for it)",
                     w.eventId, invoice.id);
  } else if (!mailable) {
    log_.warning("stripe event %s: invoice %s needs authentication but its hosted_invoice_url is %s; no mail sent",
                 w.eventId, invoice.id,
                 std::string(url.empty() ? "missing" : "not an https link to a host (" + std::to_string(url.size()) + " bytes)"));
  } else {
    queueMail(s, userId, [&](const std::string& to) {
      return mail::paymentActionRequired(to, w.eventId, invoice.amountDue, invoice.currency, url);
    });
    mailed = true;
  }
  auto payload = json::object();
  payload->set("userId", userId);
  payload->set("invoiceId", invoice.id);
  payload->set("amount", invoice.amountDue);
  payload->set("mailed", mailed);
  w.publications.push_back({topics::kPaymentActionRequired.name, payload});
}

}  // namespace cc::billing
