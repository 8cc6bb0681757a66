#include "self_service_routes.hpp"

#include "stripe_call.hpp"
#include "stripe_objects.hpp"

#include <codecouncil/billing/events.hpp>
#include <codecouncil/sdk/query_params.hpp>
#include <codecouncil/sdk/text.hpp>

#include <Poco/JSON/Array.h>

namespace cc::billing {
namespace {

constexpr int kDefaultInvoicePage = 10;
constexpr int kMaxInvoicePage = 100;  // Stripe's own maximum for `limit`

Poco::Dynamic::Var nullIfEmpty(const std::string& s) { return s.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(s); }

/// A Stripe invoice id as Stripe writes them (in_ and letters/digits). Checked before it goes
/// into Stripe's query string as `starting_after`.
bool isInvoiceId(const std::string& s) {
  if (s.size() < 4 || s.size() > 255 || s.rfind("in_", 0) != 0) return false;
  for (std::size_t i = 3; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

/// The fields of a Stripe invoice our client shows (amounts in integer cents, as Stripe sends).
json::ObjectPtr invoiceJson(const json::ObjectPtr& in) {
  auto o = json::object();
  o->set("id", field::str(in, "id"));
  o->set("number", nullIfEmpty(field::str(in, "number")));
  o->set("status", nullIfEmpty(field::str(in, "status")));
  o->set("amountPaidCents", field::integer(in, "amount_paid"));
  o->set("currency", field::str(in, "currency"));
  std::int64_t created = field::integer(in, "created");
  o->set("createdAt", created > 0 ? Poco::Dynamic::Var(isoFromUnix(created)) : Poco::Dynamic::Var());
  o->set("hostedInvoiceUrl", nullIfEmpty(field::str(in, "hosted_invoice_url")));
  o->set("pdfUrl", nullIfEmpty(field::str(in, "invoice_pdf")));
  return o;
}

}  // namespace

StripeClient& SelfServiceRoutes::requireClient() {
  if (!client_) throw HttpError(503, "billing is not configured");
  return *client_;
}

std::optional<std::string> SelfServiceRoutes::customerOf(const std::string& userId) {
  auto s = db_.session();
  return store_.customerForUser(s, userId);
}

void SelfServiceRoutes::portal(Request& req, Response& res) {
  const User& user = req.requireUser();
  StripeClient& client = requireClient();
  auto customer = customerOf(user.id);
  // No customer is created here: a portal for someone who never subscribed has nothing in it.
  if (!customer)
    throw HttpError(409, "you have no billing account yet; subscribe first (POST /api/subscriptions/create)");
  // The return URL comes from config only: a caller-chosen one would make us an open redirect.
  auto session = stripeCall(log_, "create billing portal session", [&] {
    return client.post("/v1/billing_portal/sessions",
                       FormBody().add("customer", *customer).add("return_url", config_.portalReturnUrl));
  });
  std::string url = field::str(session, "url");
  if (url.rfind("https://", 0) != 0)
    throw HttpError(502, "payment provider returned a portal session without an https url");
  auto out = json::object();
  out->set("url", url);
  res.json(200, out);
  auto audit = json::object();  // the URL is a short-lived login to the user's billing: never recorded
  audit->set("userId", user.id);
  events_.publish(topics::kPortalSessionCreated, audit, req);
}

void SelfServiceRoutes::invoices(Request& req, Response& res) {
  const User& user = req.requireUser();
  StripeClient& client = requireClient();
  int limit = intQueryParam(req, "limit", kDefaultInvoicePage, 1, kMaxInvoicePage);
  std::string cursor = textQueryParam(req, "cursor", 255).value_or("");
  if (!cursor.empty() && !isInvoiceId(cursor))
    throw HttpError(400, "cursor must be the nextCursor of a previous page (an invoice id, in_...)");

  auto list = json::array();
  auto out = json::object();
  auto customer = customerOf(user.id);
  if (!customer) {
    // Never subscribed: no Stripe customer, so no invoices; Stripe is not asked.
    out->set("invoices", list);
    out->set("hasMore", false);
    out->set("nextCursor", Poco::Dynamic::Var());
    res.json(200, out);
    auditListed(req, user, 0);
    return;
  }
  FormBody query;
  query.add("customer", *customer).add("limit", std::to_string(limit));
  if (!cursor.empty()) query.add("starting_after", cursor);
  auto page = stripeCall(log_, "list invoices", [&] { return client.get("/v1/invoices", query); });
  auto data = page->getArray("data");
  if (!data) throw HttpError(502, "payment provider returned an invoice list without data");
  // The cursor is the last invoice of Stripe's page, shown or not, so the next page starts
  // where Stripe's ended.
  std::string lastId;
  for (std::size_t i = 0; i < data->size(); ++i) {
    auto invoice = data->getObject(static_cast<unsigned>(i));
    if (!invoice) throw HttpError(502, "payment provider returned an invoice list with a non-object entry");
    lastId = field::str(invoice, "id");
    // Stripe filters by customer; this is the backstop that another customer's invoice is
    // never shown, whatever a proxy or a wrong key does.
    if (field::idOf(invoice, "customer") != *customer) {
      log_.warning("stripe invoice list for customer %s held invoice %s of another customer; left out", *customer,
                   text::escapeControls(lastId));
      continue;
    }
    list->add(invoiceJson(invoice));
  }
  // Without an id to continue from there is no next page to offer, whatever has_more says.
  bool hasMore = field::boolean(page, "has_more") && isInvoiceId(lastId);
  out->set("invoices", list);
  out->set("hasMore", hasMore);
  out->set("nextCursor", hasMore ? Poco::Dynamic::Var(lastId) : Poco::Dynamic::Var());
  res.json(200, out);
  auditListed(req, user, static_cast<std::int64_t>(list->size()));
}

void SelfServiceRoutes::auditListed(const Request& req, const User& user, std::int64_t count) {
  auto audit = json::object();
  audit->set("userId", user.id);
  audit->set("count", count);
  events_.publish(topics::kInvoicesListed, audit, req);
}

}  // namespace cc::billing
