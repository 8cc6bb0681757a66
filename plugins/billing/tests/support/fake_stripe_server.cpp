#include "support/fake_stripe_server.hpp"

#include "src/form_body.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <sstream>

namespace cc::billing::test {
namespace {

using Poco::JSON::Object;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string stringify(const Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(o, out);
  return out.str();
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(FakeStripeServer& server) : server_(server) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    RecordedRequest r;
    r.method = request.getMethod();
    std::string uri = request.getURI();
    auto q = uri.find('?');
    r.path = uri.substr(0, q);
    if (q != std::string::npos) r.query = uri.substr(q + 1);
    for (auto& [k, v] : request) r.headers[lower(k)] = v;
    Poco::StreamCopier::copyToString(request.stream(), r.body);
    r.form = parseForm(r.method == "GET" ? r.query : r.body);
    FakeStripeServer::Reply reply = server_.handle(std::move(r));
    if (reply.drop) {
      // A network failure as the client sees it: the connection ends with no answer.
      auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
      if (impl) impl->socket().shutdown();
      response.setKeepAlive(false);
      return;
    }
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    response.setContentType("application/json");
    for (auto& [k, v] : reply.headers) response.set(k, v);
    response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
    response.send() << reply.body;
  }

 private:
  FakeStripeServer& server_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(FakeStripeServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(server_);
  }

 private:
  FakeStripeServer& server_;
};


long long intervalSeconds(const std::string& interval) { return (interval == "year" ? 365LL : 30LL) * 86400; }

/// An invoice line in the basil layout (parent.subscription_item_details, pricing.price_details).
Object::Ptr lineItem(const std::string& id, long long amount, const std::string& price, const std::string& subscription,
                     const std::string& item, long long start, long long end, bool proration,
                     const std::string& description) {
  Object::Ptr period = new Object;
  period->set("start", start);
  period->set("end", end);
  Object::Ptr details = new Object;
  details->set("subscription", subscription);
  details->set("subscription_item", item);
  details->set("proration", proration);
  details->set("invoice_item", proration ? Poco::Dynamic::Var("ii_" + id) : Poco::Dynamic::Var());
  Object::Ptr parent = new Object;
  parent->set("type", "subscription_item_details");
  parent->set("subscription_item_details", details);
  Object::Ptr priceDetails = new Object;
  priceDetails->set("price", price);
  priceDetails->set("product", "prod_" + price);
  Object::Ptr pricing = new Object;
  pricing->set("type", "price_details");
  pricing->set("price_details", priceDetails);
  Object::Ptr line = new Object;
  line->set("id", "il_" + id);
  line->set("object", "line_item");
  line->set("amount", amount);
  line->set("currency", "usd");
  line->set("description", description);
  line->set("period", period);
  line->set("parent", parent);
  line->set("pricing", pricing);
  line->set("quantity", 1);
  return line;
}

}  // namespace

std::string RecordedRequest::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

std::string RecordedRequest::field(const std::string& key) const {
  for (auto& [k, v] : form)
    if (k == key) return v;
  return "";
}

bool RecordedRequest::hasField(const std::string& key) const {
  for (auto& [k, v] : form)
    if (k == key) return true;
  return false;
}

FakeStripeServer::FakeStripeServer() {
  prices_ = {{"price_startup_monthly", {4900, "month"}},
             {"price_startup_annual", {49900, "year"}},
             {"price_enterprise_monthly", {14900, "month"}},
             {"price_enterprise_annual", {149900, "year"}}};
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  port_ = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(8);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  server_->start();
}

FakeStripeServer::~FakeStripeServer() { server_->stopAll(true); }

void FakeStripeServer::failNext(const ScriptedFailure& failure, int times) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < times; ++i) failures_.push_back(failure);
}

void FakeStripeServer::setNewSubscriptionStatus(const std::string& status) {
  std::lock_guard lock(mutex_);
  newSubscriptionStatus_ = status;
}

void FakeStripeServer::setAccount(const std::string& accountId) {
  std::lock_guard lock(mutex_);
  account_ = accountId;
}

void FakeStripeServer::setSubscription(const std::string& id, const std::string& objectJson) {
  Poco::JSON::Parser parser;
  Object::Ptr sub = parser.parse(objectJson).extract<Object::Ptr>();
  std::lock_guard lock(mutex_);
  subscriptions_[id] = sub;
}

void FakeStripeServer::failNextFor(const std::string& subscriptionId, const ScriptedFailure& failure, int times) {
  std::lock_guard lock(mutex_);
  auto& queue = subscriptionFailures_[subscriptionId];
  for (int i = 0; i < times; ++i) queue.push_back(failure);
}

void FakeStripeServer::addInvoice(const std::string& objectJson) {
  Poco::JSON::Parser parser;
  Object::Ptr invoice = parser.parse(objectJson).extract<Object::Ptr>();
  std::lock_guard lock(mutex_);
  invoices_.push_back(invoice);
}

void FakeStripeServer::addCustomer(const std::string& customerId) {
  std::lock_guard lock(mutex_);
  customers_.insert(customerId);
}

void FakeStripeServer::setInvoiceListIgnoresCustomer(bool ignore) {
  std::lock_guard lock(mutex_);
  invoiceListIgnoresCustomer_ = ignore;
}

void FakeStripeServer::setPrice(const std::string& priceId, long long unitAmount, const std::string& interval) {
  std::lock_guard lock(mutex_);
  prices_[priceId] = {unitAmount, interval};
}

void FakeStripeServer::setSubscriptionPeriod(const std::string& subscriptionId, long long start, long long end) {
  std::lock_guard lock(mutex_);
  auto item = subscriptions_.at(subscriptionId)->getObject("items")->getArray("data")->getObject(0);
  item->set("current_period_start", start);
  item->set("current_period_end", end);
}

std::string FakeStripeServer::lastInvoiceOf(const std::string& subscriptionId) const {
  std::lock_guard lock(mutex_);
  for (auto it = invoices_.rbegin(); it != invoices_.rend(); ++it) {
    auto details = (*it)->has("parent") ? (*it)->getObject("parent")->getObject("subscription_details") : nullptr;
    if (details && details->getValue<std::string>("subscription") == subscriptionId) return stringify(*it);
  }
  return "";
}

std::vector<Object::Ptr> FakeStripeServer::prorationLinesFor(const Object::Ptr& sub, const std::string& newPrice,
                                                             long long prorationDate, const std::string& behavior) {
  std::vector<Object::Ptr> lines;
  if (behavior == "none") return lines;
  auto item = sub->getObject("items")->getArray("data")->getObject(0);
  std::string oldPrice = item->getObject("price")->getValue<std::string>("id");
  long long start = item->getValue<long long>("current_period_start"), end = item->getValue<long long>("current_period_end");
  const PriceInfo& from = prices_.at(oldPrice);
  const PriceInfo& to = prices_.at(newPrice);
  std::string subId = sub->getValue<std::string>("id"), itemId = item->getValue<std::string>("id");
  long long unused = end - prorationDate, length = end - start;
  lines.push_back(lineItem(std::to_string(++counter_), -(from.unitAmount * unused / length), oldPrice, subId, itemId,
                           prorationDate, end, true, "Unused time on " + oldPrice));
  if (from.interval == to.interval)
    lines.push_back(lineItem(std::to_string(++counter_), to.unitAmount * unused / length, newPrice, subId, itemId,
                             prorationDate, end, true, "Remaining time on " + newPrice));
  else  // Stripe starts a new period at once and bills it in full
    lines.push_back(lineItem(std::to_string(++counter_), to.unitAmount, newPrice, subId, itemId, prorationDate,
                             prorationDate + intervalSeconds(to.interval), false, "1 x " + newPrice));
  return lines;
}

Object::Ptr FakeStripeServer::invoiceObject(const Object::Ptr& sub, const std::string& id,
                                            const std::vector<Object::Ptr>& lines, const std::string& billingReason) {
  long long total = 0;
  Poco::JSON::Array::Ptr data = new Poco::JSON::Array;
  for (auto& line : lines) {
    total += line->getValue<long long>("amount");
    data->add(line);
  }
  Object::Ptr list = new Object;
  list->set("object", "list");
  list->set("data", data);
  list->set("has_more", false);
  list->set("total_count", static_cast<int>(lines.size()));
  Object::Ptr details = new Object;
  details->set("subscription", sub->getValue<std::string>("id"));
  Object::Ptr parent = new Object;
  parent->set("type", "subscription_details");
  parent->set("subscription_details", details);
  Object::Ptr invoice = new Object;
  invoice->set("id", id);
  invoice->set("object", "invoice");
  invoice->set("customer", sub->getValue<std::string>("customer"));
  invoice->set("currency", "usd");
  invoice->set("billing_reason", billingReason);
  invoice->set("total", total);
  invoice->set("amount_due", std::max(0LL, total));  // a negative total goes to the customer's balance
  invoice->set("amount_paid", billingReason == "upcoming" ? 0LL : std::max(0LL, total));
  invoice->set("status", billingReason == "upcoming" ? "draft" : "paid");
  invoice->set("created", static_cast<long long>(std::time(nullptr)));
  invoice->set("parent", parent);
  invoice->set("lines", list);
  invoice->set("livemode", false);
  return invoice;
}

FakeStripeServer::Reply FakeStripeServer::createPreview(const RecordedRequest& r) {
  std::string customer = r.field("customer"), subId = r.field("subscription");
  const std::string items = "subscription_details[items][0]";
  if (customer.empty())
    return stripeError(400, "invalid_request_error", "parameter_missing", "Missing required param: customer.", "customer");
  if (!customers_.count(customer))
    return stripeError(400, "invalid_request_error", "resource_missing", "No such customer: '" + customer + "'", "customer");
  auto it = subscriptions_.find(subId);
  if (it == subscriptions_.end())
    return stripeError(400, "invalid_request_error", "resource_missing", "No such subscription: '" + subId + "'",
                       "subscription");
  Object::Ptr sub = it->second;
  if (sub->getValue<std::string>("customer") != customer)
    return stripeError(400, "invalid_request_error", "", "The subscription does not belong to this customer.",
                       "subscription");
  auto item = sub->getObject("items")->getArray("data")->getObject(0);
  if (r.field(items + "[id]") != item->getValue<std::string>("id"))
    return stripeError(400, "invalid_request_error", "resource_missing", "No such subscription item",
                       items + "[id]");
  std::string price = r.field(items + "[price]");
  if (!prices_.count(price))
    return stripeError(400, "invalid_request_error", "resource_missing", "No such price: '" + price + "'",
                       items + "[price]");
  std::string behavior = r.hasField("subscription_details[proration_behavior]")
                             ? r.field("subscription_details[proration_behavior]") : "create_prorations";
  if (behavior != "create_prorations" && behavior != "always_invoice" && behavior != "none")
    return stripeError(400, "invalid_request_error", "", "Invalid proration_behavior",
                       "subscription_details[proration_behavior]");
  long long start = item->getValue<long long>("current_period_start"), end = item->getValue<long long>("current_period_end");
  long long at = static_cast<long long>(std::time(nullptr));
  if (r.hasField("subscription_details[proration_date]")) {
    std::string d = r.field("subscription_details[proration_date]");
    at = !d.empty() && d.size() < 12 && d.find_first_not_of("0123456789") == std::string::npos ? std::stoll(d) : -1;
    if (at < start || at >= end)
      return stripeError(400, "invalid_request_error", "", "proration_date must be within the current period.",
                         "subscription_details[proration_date]");
  }
  auto lines = prorationLinesFor(sub, price, at, behavior);
  const PriceInfo& to = prices_.at(price);
  // The upcoming invoice also bills the next period (an always_invoice change is invoiced alone).
  if (behavior != "always_invoice" && (lines.empty() || lines.back()->getObject("parent")
                                                            ->getObject("subscription_item_details")
                                                            ->getValue<bool>("proration")))
    lines.push_back(lineItem(std::to_string(++counter_), to.unitAmount, price, subId, item->getValue<std::string>("id"),
                             end, end + intervalSeconds(to.interval), false, "1 x " + price));
  // Nothing is stored: a preview changes nothing at Stripe.
  Object::Ptr invoice = invoiceObject(sub, "upcoming_in_" + std::to_string(++counter_), lines, "upcoming");
  return {200, stringify(invoice), {}, false};
}

std::string FakeStripeServer::renew(const std::string& subscriptionId) {
  std::lock_guard lock(mutex_);
  Object::Ptr sub = subscriptions_.at(subscriptionId);
  auto item = sub->getObject("items")->getArray("data")->getObject(0);
  std::string price = item->getObject("price")->getValue<std::string>("id");
  long long start = item->getValue<long long>("current_period_end");
  long long end = start + intervalSeconds(prices_.at(price).interval);
  auto lines = pendingProrations_[subscriptionId];
  pendingProrations_.erase(subscriptionId);
  lines.push_back(lineItem(std::to_string(++counter_), prices_.at(price).unitAmount, price, subscriptionId,
                           item->getValue<std::string>("id"), start, end, false, "1 x " + price));
  item->set("current_period_start", start);
  item->set("current_period_end", end);
  Object::Ptr invoice = invoiceObject(sub, "in_" + std::to_string(++counter_), lines, "subscription_cycle");
  invoices_.push_back(invoice);
  return stringify(invoice);
}

void FakeStripeServer::addPromotionCode(const std::string& id, const std::string& code, bool active,
                                        const std::string& extraJson) {
  std::string text = R"({"id":")" + id + R"(","object":"promotion_code","code":")" + code +
                     R"(","active":)" + (active ? "true" : "false") +
                     R"(,"coupon":{"id":"co_)" + id + R"(","object":"coupon","percent_off":20,"valid":true},)" +
                     R"("customer":null,"expires_at":null,"max_redemptions":null,"times_redeemed":0,"livemode":false,)" +
                     R"("restrictions":{"first_time_transaction":false})" + (extraJson.empty() ? "" : "," + extraJson) + "}";
  Poco::JSON::Parser parser;
  Object::Ptr promo = parser.parse(text).extract<Object::Ptr>();
  std::lock_guard lock(mutex_);
  promotionCodes_.push_back(promo);
}

std::vector<RecordedRequest> FakeStripeServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<RecordedRequest> FakeStripeServer::requests(const std::string& method, const std::string& path) const {
  std::vector<RecordedRequest> out;
  for (auto& r : requests())
    if (r.method == method && r.path == path) out.push_back(r);
  return out;
}

Poco::JSON::Object::Ptr FakeStripeServer::subscription(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = subscriptions_.find(id);
  return it == subscriptions_.end() ? nullptr : it->second;
}

FakeStripeServer::Reply FakeStripeServer::stripeError(int status, const std::string& type, const std::string& code,
                                                      const std::string& message, const std::string& param) {
  Object::Ptr error = new Object;
  error->set("type", type);
  if (!code.empty()) error->set("code", code);
  error->set("message", message);
  if (!param.empty()) error->set("param", param);
  error->set("doc_url", "https://stripe.com/docs/error-codes");
  Object::Ptr body = new Object;
  body->set("error", error);
  return {status, stringify(body), {}, false};
}

FakeStripeServer::Reply FakeStripeServer::scriptedFailure(const ScriptedFailure& f, const std::string& requestId) {
  Reply reply;
  if (f.dropConnection) {
    reply.drop = true;
    return reply;
  }
  reply = stripeError(f.status, f.errorType, f.errorCode, f.message);
  if (!f.shouldRetry.empty()) reply.headers["Stripe-Should-Retry"] = f.shouldRetry;
  if (!f.retryAfter.empty()) reply.headers["Retry-After"] = f.retryAfter;
  reply.headers["Request-Id"] = requestId;
  return reply;
}

FakeStripeServer::Reply FakeStripeServer::handle(RecordedRequest request) {
  std::lock_guard lock(mutex_);
  requests_.push_back(request);
  std::string requestId = "req_" + std::to_string(++counter_);
  Reply reply;
  if (!failures_.empty()) {
    ScriptedFailure f = failures_.front();
    failures_.erase(failures_.begin());
    return scriptedFailure(f, requestId);
  }
  const std::string subsPrefix = "/v1/subscriptions/";
  if (request.path.rfind(subsPrefix, 0) == 0) {
    auto it = subscriptionFailures_.find(request.path.substr(subsPrefix.size()));
    if (it != subscriptionFailures_.end() && !it->second.empty()) {
      ScriptedFailure f = it->second.front();
      it->second.erase(it->second.begin());
      return scriptedFailure(f, requestId);
    }
  }
  // Stripe replays the first answer to a repeated Idempotency-Key instead of acting twice.
  std::string key = request.header("Idempotency-Key");
  if (!key.empty()) {
    auto it = idempotentReplies_.find(key);
    if (it != idempotentReplies_.end()) {
      Reply replay = it->second;
      replay.headers["Idempotent-Replayed"] = "true";
      replay.headers["Request-Id"] = requestId;
      return replay;
    }
  }
  reply = route(request);
  reply.headers["Request-Id"] = requestId;
  if (!key.empty()) idempotentReplies_[key] = reply;
  return reply;
}

Poco::JSON::Object::Ptr FakeStripeServer::newSubscription(const RecordedRequest& r) {
  std::string n = std::to_string(++counter_);
  std::string price = r.field("items[0][price]");
  long long now = static_cast<long long>(std::time(nullptr));
  long long end = now + (price.find("annual") != std::string::npos ? 365LL : 30LL) * 86400;

  Object::Ptr priceObj = new Object;
  priceObj->set("id", price);
  priceObj->set("object", "price");
  Object::Ptr item = new Object;
  item->set("id", "si_" + n);
  item->set("object", "subscription_item");
  item->set("price", priceObj);
  item->set("current_period_start", now);  // basil layout: the period lives on the item
  item->set("current_period_end", end);
  Poco::JSON::Array::Ptr data = new Poco::JSON::Array;
  data->add(item);
  Object::Ptr items = new Object;
  items->set("object", "list");
  items->set("data", data);

  Object::Ptr metadata = new Object;
  for (auto& [k, v] : r.form)
    if (k.rfind("metadata[", 0) == 0 && k.back() == ']') metadata->set(k.substr(9, k.size() - 10), v);

  Object::Ptr sub = new Object;
  sub->set("id", "sub_" + n);
  sub->set("object", "subscription");
  sub->set("customer", r.field("customer"));
  sub->set("status", newSubscriptionStatus_);
  sub->set("trial_end", Poco::Dynamic::Var());
  if (r.hasField("trial_period_days")) {
    // As at Stripe: trialing at once, the first period is the trial.
    long long trialEnd = now + std::stoll(r.field("trial_period_days")) * 86400;
    sub->set("status", "trialing");
    sub->set("trial_start", now);
    sub->set("trial_end", trialEnd);
    item->set("current_period_end", trialEnd);
  }
  sub->set("cancel_at_period_end", false);
  sub->set("canceled_at", Poco::Dynamic::Var());
  sub->set("created", now);
  sub->set("items", items);
  sub->set("metadata", metadata);
  return sub;
}

FakeStripeServer::Reply FakeStripeServer::portalSession(const RecordedRequest& r) {
  std::string customer = r.field("customer");
  if (customer.empty())
    return stripeError(400, "invalid_request_error", "parameter_missing", "Missing required param: customer.", "customer");
  if (!customers_.count(customer))
    return stripeError(400, "invalid_request_error", "resource_missing", "No such customer: '" + customer + "'",
                       "customer");
  std::string n = std::to_string(++counter_);
  Object::Ptr s = new Object;
  s->set("id", "bps_" + n);
  s->set("object", "billing_portal.session");
  s->set("customer", customer);
  if (r.hasField("return_url")) s->set("return_url", r.field("return_url"));
  else s->set("return_url", Poco::Dynamic::Var());
  s->set("livemode", false);
  s->set("created", static_cast<long long>(std::time(nullptr)));
  s->set("url", "https://billing.stripe.com/p/session/test_" + n);
  return {200, stringify(s), {}, false};
}

FakeStripeServer::Reply FakeStripeServer::listPromotionCodes(const RecordedRequest& r) {
  Poco::JSON::Array::Ptr data = new Poco::JSON::Array;
  std::string code = lower(r.field("code"));
  for (auto& promo : promotionCodes_) {
    if (r.hasField("code") && lower(promo->getValue<std::string>("code")) != code) continue;
    if (r.hasField("active") && promo->getValue<bool>("active") != (r.field("active") == "true")) continue;
    data->add(promo);
  }
  Object::Ptr list = new Object;
  list->set("object", "list");
  list->set("data", data);
  list->set("has_more", false);
  list->set("url", "/v1/promotion_codes");
  return {200, stringify(list), {}, false};
}

std::optional<FakeStripeServer::Reply> FakeStripeServer::checkDiscount(const RecordedRequest& r) {
  const std::string key = "discounts[0][promotion_code]";
  if (!r.hasField(key)) return std::nullopt;
  for (auto& promo : promotionCodes_)
    if (promo->getValue<std::string>("id") == r.field(key)) {
      if (!promo->getValue<bool>("active"))
        return stripeError(400, "invalid_request_error", "", "This promotion code is not active.", key);
      // Stripe checks restrictions only when redeeming; every customer of the fake counts as
      // one with prior transactions.
      if (promo->getObject("restrictions")->optValue<bool>("first_time_transaction", false))
        return stripeError(400, "invalid_request_error", "",
                           "This promotion code cannot be redeemed because the associated customer has prior "
                           "transactions.",
                           key);
      return std::nullopt;
    }
  return stripeError(400, "invalid_request_error", "resource_missing",
                     "No such promotion code: '" + r.field(key) + "'", key);
}

FakeStripeServer::Reply FakeStripeServer::listInvoices(const RecordedRequest& r) {
  int limit = 10;
  if (r.hasField("limit")) {
    std::string l = r.field("limit");
    bool digits = !l.empty() && l.size() < 4 && l.find_first_not_of("0123456789") == std::string::npos;
    limit = digits ? std::stoi(l) : 0;
    if (limit < 1 || limit > 100)
      return stripeError(400, "invalid_request_error", "parameter_invalid_integer",
                         "This value must be greater than or equal to 1 and less than or equal to 100.", "limit");
  }
  std::string customer = invoiceListIgnoresCustomer_ ? "" : r.field("customer");
  std::vector<Object::Ptr> matching;
  for (auto& invoice : invoices_)
    if (customer.empty() || invoice->getValue<std::string>("customer") == customer) matching.push_back(invoice);
  // Newest first; of one second, the later added first (Stripe's order is stable the same way).
  std::stable_sort(matching.begin(), matching.end(), [](const Object::Ptr& a, const Object::Ptr& b) {
    return a->getValue<long long>("created") > b->getValue<long long>("created");
  });
  std::size_t begin = 0;
  if (r.hasField("starting_after")) {
    std::string after = r.field("starting_after");
    bool found = false;
    for (std::size_t i = 0; i < matching.size() && !found; ++i)
      if (matching[i]->getValue<std::string>("id") == after) {
        begin = i + 1;
        found = true;
      }
    if (!found)
      return stripeError(404, "invalid_request_error", "resource_missing", "No such invoice: '" + after + "'",
                         "starting_after");
  }
  Poco::JSON::Array::Ptr data = new Poco::JSON::Array;
  std::size_t end = std::min(matching.size(), begin + static_cast<std::size_t>(limit));
  for (std::size_t i = begin; i < end; ++i) data->add(matching[i]);
  Object::Ptr list = new Object;
  list->set("object", "list");
  list->set("data", data);
  list->set("has_more", end < matching.size());
  list->set("url", "/v1/invoices");
  return {200, stringify(list), {}, false};
}

FakeStripeServer::Reply FakeStripeServer::route(const RecordedRequest& r) {
  if (r.header("Authorization").rfind("Bearer sk_", 0) != 0)
    return stripeError(401, "invalid_request_error", "", "Invalid API Key provided");
  const std::string subsPrefix = "/v1/subscriptions/";

  if (r.method == "GET" && r.path == "/v1/account") {
    if (account_.empty())
      return stripeError(403, "invalid_request_error", "",
                         "The provided key does not have the required permissions for this endpoint");
    Object::Ptr a = new Object;
    a->set("id", account_);
    a->set("object", "account");
    a->set("type", "standard");
    a->set("charges_enabled", true);
    return {200, stringify(a), {}, false};
  }
  if (r.method == "POST" && r.path == "/v1/customers") {
    Object::Ptr c = new Object;
    c->set("id", "cus_" + std::to_string(++counter_));
    c->set("object", "customer");
    c->set("email", r.field("email"));
    Object::Ptr metadata = new Object;
    metadata->set("user_id", r.field("metadata[user_id]"));
    c->set("metadata", metadata);
    customers_.insert(c->getValue<std::string>("id"));
    return {200, stringify(c), {}, false};
  }
  if (r.method == "POST" && r.path == "/v1/billing_portal/sessions") return portalSession(r);
  if (r.method == "GET" && r.path == "/v1/invoices") return listInvoices(r);
  if (r.method == "POST" && r.path == "/v1/invoices/create_preview") return createPreview(r);
  if (r.method == "POST" && r.path == "/v1/subscriptions") {
    if (r.field("customer").empty()) return stripeError(400, "invalid_request_error", "parameter_missing", "Missing required param: customer.", "customer");
    if (auto refused = checkDiscount(r)) return *refused;
    Object::Ptr sub = newSubscription(r);
    subscriptions_[sub->getValue<std::string>("id")] = sub;
    // The answer expands latest_invoice.confirmation_secret, as requested by `expand[]`.
    Object::Ptr secret = new Object;
    std::string n = std::to_string(++counter_);
    secret->set("client_secret", "pi_" + n + "_secret_fake");
    secret->set("type", "payment_intent");
    Object::Ptr invoice = new Object;
    invoice->set("id", "in_" + n);
    invoice->set("object", "invoice");
    invoice->set("confirmation_secret", secret);
    Object::Ptr answer = new Object(*sub);
    if (sub->getValue<std::string>("status") == "trialing") {
      // A trial's first invoice is $0 and paid: no payment to confirm, a SetupIntent for the card.
      invoice->set("confirmation_secret", Poco::Dynamic::Var());
      Object::Ptr setup = new Object;
      setup->set("id", "seti_" + n);
      setup->set("object", "setup_intent");
      setup->set("client_secret", "seti_" + n + "_secret_fake");
      bool expanded = false;
      for (auto& [k, v] : r.form) expanded = expanded || (k.rfind("expand[", 0) == 0 && v == "pending_setup_intent");
      answer->set("pending_setup_intent", expanded ? Poco::Dynamic::Var(setup) : Poco::Dynamic::Var("seti_" + n));
    }
    answer->set("latest_invoice", invoice);
    return {200, stringify(answer), {}, false};
  }
  if (r.method == "GET" && r.path == "/v1/promotion_codes") return listPromotionCodes(r);
  if (r.method == "POST" && r.path == "/v1/checkout/sessions") {
    if (auto refused = checkDiscount(r)) return *refused;
    std::string id = "cs_test_" + std::to_string(++counter_);
    Object::Ptr s = new Object;
    s->set("id", id);
    s->set("object", "checkout.session");
    s->set("mode", r.field("mode"));
    s->set("customer", r.field("customer"));
    s->set("url", "https://checkout.stripe.com/c/pay/" + id);
    return {200, stringify(s), {}, false};
  }
  if (r.path.rfind(subsPrefix, 0) == 0) {
    std::string id = r.path.substr(subsPrefix.size());
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end())
      return stripeError(404, "invalid_request_error", "resource_missing", "No such subscription: '" + id + "'", "id");
    Object::Ptr sub = it->second;
    if (r.method == "GET") {
      // Stripe answers with objects of the key's mode; a stored livemode (set by a test) wins.
      Object::Ptr answer = new Object(*sub);
      if (!answer->has("livemode")) answer->set("livemode", r.header("Authorization").rfind("Bearer sk_live_", 0) == 0);
      return {200, stringify(answer), {}, false};
    }
    if (r.method == "DELETE") {
      sub->set("status", "canceled");
      sub->set("canceled_at", static_cast<long long>(std::time(nullptr)));
      return {200, stringify(sub), {}, false};
    }
    if (r.method == "POST") {
      if (r.hasField("cancel_at_period_end")) sub->set("cancel_at_period_end", r.field("cancel_at_period_end") == "true");
      if (r.hasField("items[0][price]")) {
        auto item = sub->getObject("items")->getArray("data")->getObject(0);
        if (r.field("items[0][id]") != item->getValue<std::string>("id"))
          return stripeError(400, "invalid_request_error", "resource_missing", "No such subscription item", "items[0][id]");
        std::string newPrice = r.field("items[0][price]");
        if (!prices_.count(newPrice))
          return stripeError(400, "invalid_request_error", "resource_missing", "No such price: '" + newPrice + "'",
                             "items[0][price]");
        long long start = item->getValue<long long>("current_period_start");
        long long end = item->getValue<long long>("current_period_end");
        long long at = static_cast<long long>(std::time(nullptr));
        if (r.hasField("proration_date")) {
          std::string d = r.field("proration_date");
          at = !d.empty() && d.size() < 12 && d.find_first_not_of("0123456789") == std::string::npos ? std::stoll(d) : -1;
          if (at < start || at >= end)
            return stripeError(400, "invalid_request_error", "", "proration_date must be within the current period.",
                               "proration_date");
        }
        std::string behavior = r.hasField("proration_behavior") ? r.field("proration_behavior") : "create_prorations";
        std::string oldPrice = item->getObject("price")->getValue<std::string>("id");
        bool newPeriod = prices_.count(oldPrice) && prices_.at(oldPrice).interval != prices_.at(newPrice).interval;
        auto lines = prices_.count(oldPrice) ? prorationLinesFor(sub, newPrice, at, newPeriod ? "always_invoice" : behavior)
                                             : std::vector<Object::Ptr>{};
        if (newPeriod) {  // Stripe restarts the period and invoices at once
          item->set("current_period_start", at);
          item->set("current_period_end", at + intervalSeconds(prices_.at(newPrice).interval));
        }
        if (!lines.empty() && (behavior == "always_invoice" || newPeriod))
          invoices_.push_back(invoiceObject(sub, "in_" + std::to_string(++counter_), lines, "subscription_update"));
        else
          for (auto& line : lines) pendingProrations_[id].push_back(line);
        Object::Ptr price = new Object;
        price->set("id", r.field("items[0][price]"));
        price->set("object", "price");
        item->set("price", price);
      }
      return {200, stringify(sub), {}, false};
    }
  }
  return stripeError(404, "invalid_request_error", "resource_missing", "Unrecognized request URL (" + r.method + ": " + r.path + ")");
}

}  // namespace cc::billing::test
