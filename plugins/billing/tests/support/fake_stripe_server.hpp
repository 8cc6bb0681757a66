#pragma once
// A fake Stripe API on 127.0.0.1 for tests: Stripe's wire format (form-encoded requests,
// Stripe-shaped JSON objects and errors, Request-Id headers, idempotent replays), a record
// of every request, and switches to fail the next requests with a status, a
// Stripe-Should-Retry header or a dropped connection.
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServer.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cc::billing::test {

struct RecordedRequest {
  std::string method;
  std::string path;   ///< without the query string
  std::string query;
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
  std::vector<std::pair<std::string, std::string>> form;  ///< decoded form fields, in order

  std::string header(const std::string& name) const;
  /// The first value of a form field ("" when absent).
  std::string field(const std::string& key) const;
  bool hasField(const std::string& key) const;
};

struct ScriptedFailure {
  int status = 500;
  std::string errorType = "api_error";
  std::string errorCode;
  std::string message = "An unknown error occurred";
  std::string shouldRetry;     ///< value of Stripe-Should-Retry; "" sends none
  std::string retryAfter;      ///< value of Retry-After; "" sends none
  bool dropConnection = false; ///< close the socket without answering
};

class FakeStripeServer {
 public:
  FakeStripeServer();
  ~FakeStripeServer();
  FakeStripeServer(const FakeStripeServer&) = delete;
  FakeStripeServer& operator=(const FakeStripeServer&) = delete;

  int port() const { return port_; }
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// The next `times` requests fail this way (before any state change, as at Stripe).
  void failNext(const ScriptedFailure& failure, int times = 1);
  /// Status the next created subscriptions start with (default "incomplete").
  void setNewSubscriptionStatus(const std::string& status);

  /// The account GET /v1/account answers (default kDefaultAccount). Empty: it answers 403, as
  /// Stripe does for a restricted key without read access to the account.
  void setAccount(const std::string& accountId);
  static constexpr const char* kDefaultAccount = "acct_1FakePlatform";

  /// Stores (or replaces) a subscription as Stripe would answer it to GET /v1/subscriptions/:id
  /// (the JSON text of a Stripe subscription object with this id).
  void setSubscription(const std::string& id, const std::string& objectJson);
  /// The next `times` requests for this subscription fail this way; other requests are unaffected
  /// (a background job may be fetching other subscriptions meanwhile).
  void failNextFor(const std::string& subscriptionId, const ScriptedFailure& failure, int times = 1);

  /// Adds an invoice (the JSON text of a Stripe invoice object with `id`, `customer` and
  /// `created`); GET /v1/invoices lists a customer's invoices newest `created` first, with
  /// Stripe's `limit` (1-100, default 10), `starting_after` and `has_more`.
  void addInvoice(const std::string& objectJson);
  /// Makes a customer known, as if created in the dashboard (POST /v1/customers does it too);
  /// calls naming an unknown customer get Stripe's 404 resource_missing.
  void addCustomer(const std::string& customerId);
  /// GET /v1/invoices ignores its `customer` filter and lists everyone's invoices, as a wrong
  /// proxy or a broken upstream might: our side must still show a user only their own.
  void setInvoiceListIgnoresCustomer(bool ignore);

  /// Plan changes and their invoices, priced from a price table (the guide's four prices by
  /// default; setPrice adds or changes one, amount in cents per interval "month" or "year").
  /// POST /v1/invoices/create_preview answers the invoice a change would make, in the basil
  /// layout: per change a negative proration line (unused time on the old price) and a positive
  /// one (the same time on the new price), period [proration_date, period end]. A change itself
  /// (POST /v1/subscriptions/:id with items[0][price]) makes the same lines: with
  /// proration_behavior=always_invoice at once, as a paid invoice (billing_reason
  /// subscription_update); with create_prorations they wait for the next cycle invoice, which
  /// renew() makes; with none there are none.
  void setPrice(const std::string& priceId, long long unitAmount, const std::string& interval);
  /// Moves a subscription's current period (both layouts' fields: the item's).
  void setSubscriptionPeriod(const std::string& subscriptionId, long long start, long long end);
  /// Ends the subscription's period as Stripe would: the cycle invoice (pending prorations and
  /// the next period at the current price) is made, paid and returned (JSON text); the
  /// subscription moves to the next period.
  std::string renew(const std::string& subscriptionId);
  /// The JSON text of the newest invoice made for a subscription ("" when none).
  std::string lastInvoiceOf(const std::string& subscriptionId) const;
  /// Makes a promotion code known (GET /v1/promotion_codes?code= lists it, case-insensitively
  /// as Stripe does; discounts[0][promotion_code]=<id> is accepted). `extraJson` holds more
  /// fields of the promotion_code object ("\"expires_at\":1,...") or is empty.
  void addPromotionCode(const std::string& id, const std::string& code, bool active, const std::string& extraJson = "");

  std::vector<RecordedRequest> requests() const;
  std::vector<RecordedRequest> requests(const std::string& method, const std::string& path) const;
  /// A subscription as the fake holds it (null when unknown).
  Poco::JSON::Object::Ptr subscription(const std::string& id) const;

  struct Reply {
    int status = 200;
    std::string body;
    std::map<std::string, std::string> headers;
    bool drop = false;
  };
  /// Used by the request handler.
  Reply handle(RecordedRequest request);

 private:
  Reply route(const RecordedRequest& r);
  Reply scriptedFailure(const ScriptedFailure& f, const std::string& requestId);
  Reply stripeError(int status, const std::string& type, const std::string& code, const std::string& message,
                    const std::string& param = "");
  Poco::JSON::Object::Ptr newSubscription(const RecordedRequest& r);
  Reply listInvoices(const RecordedRequest& r);
  Reply portalSession(const RecordedRequest& r);
  Reply createPreview(const RecordedRequest& r);
  struct PriceInfo {
    long long unitAmount = 0;
    std::string interval;
  };
  /// The lines a change of `sub` to `newPrice` as of `prorationDate` makes (empty for "none").
  std::vector<Poco::JSON::Object::Ptr> prorationLinesFor(const Poco::JSON::Object::Ptr& sub, const std::string& newPrice,
                                                         long long prorationDate, const std::string& behavior);
  Poco::JSON::Object::Ptr invoiceObject(const Poco::JSON::Object::Ptr& sub, const std::string& id,
                                        const std::vector<Poco::JSON::Object::Ptr>& lines,
                                        const std::string& billingReason);
  Reply listPromotionCodes(const RecordedRequest& r);
  /// Stripe's 400 for a discounts[0][promotion_code] it does not know; null reply when fine.
  std::optional<Reply> checkDiscount(const RecordedRequest& r);

  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;

  mutable std::mutex mutex_;  // guards everything below
  std::vector<RecordedRequest> requests_;
  std::vector<ScriptedFailure> failures_;
  std::map<std::string, Reply> idempotentReplies_;
  std::map<std::string, Poco::JSON::Object::Ptr> subscriptions_;
  std::vector<Poco::JSON::Object::Ptr> invoices_;  ///< in the order added
  std::map<std::string, PriceInfo> prices_;
  /// Proration lines waiting for a subscription's next cycle invoice (create_prorations).
  std::map<std::string, std::vector<Poco::JSON::Object::Ptr>> pendingProrations_;
  std::set<std::string> customers_;
  std::vector<Poco::JSON::Object::Ptr> promotionCodes_;  ///< in the order added
  bool invoiceListIgnoresCustomer_ = false;
  std::map<std::string, std::vector<ScriptedFailure>> subscriptionFailures_;
  std::string newSubscriptionStatus_ = "incomplete";
  std::string account_ = kDefaultAccount;
  int counter_ = 0;
};

}  // namespace cc::billing::test
