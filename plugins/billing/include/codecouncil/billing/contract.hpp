#pragma once
// billing's contract: the services the billing plugin provides to other plugins, which list
// "billing" in dependencies() (or optionalDependencies() and check get<...>() for nullptr).
//
// Owned by the billing plugin, not the SDK: link CodeCouncil::billing_contract and include
// <codecouncil/billing/contract.hpp>. Changing this file rebuilds its consumers only (it is no
// input of the SDK build signature). Bump a class's kContractVersion whenever its layout or
// virtual functions change: a consumer built against another version then gets nullptr from
// ctx.services().get<...>() and the host logs why, instead of calling through a stale vtable.
#include <Poco/Data/Session.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cc::billing {

struct Plan {
  std::string id;               ///< "startup_monthly", ...
  std::string name;             ///< "Startup Audit - Monthly"
  std::string priceId;          ///< Stripe price id
  std::string tier;             ///< rate-limit tier: "startup" or "enterprise"
  std::int64_t amountCents = 0; ///< price per interval, in cents
  std::string currency = "usd";
  std::string interval;         ///< "month" or "year"
  std::int64_t creditsPerMonth = 0;
};

struct SubscriptionStats {
  std::int64_t active = 0;                       ///< subscriptions giving access (active, trialing)
  std::int64_t mrrCents = 0;                     ///< monthly recurring revenue (annual plans / 12)
  std::map<std::string, std::int64_t> byPlan;    ///< active subscriptions per plan id
};

/// A user's subscription as the admin API shows it.
struct SubscriptionInfo {
  std::string id;      ///< Stripe subscription id
  std::string userId;
  std::string plan;    ///< plan id
  std::string status;  ///< Stripe status: active, trialing, past_due, canceled, ...
  std::string currentPeriodStart, currentPeriodEnd;  ///< ISO-8601 UTC
  bool cancelAtPeriodEnd = false;
  std::string createdAt;
};

/// Plans and subscription figures (for admin and metrics).
class BillingService {
 public:
  static constexpr const char* kServiceName = "billing";
  static constexpr int kContractVersion = 1;
  virtual ~BillingService() = default;
  virtual std::vector<Plan> plans() const = 0;
  virtual SubscriptionStats stats() = 0;
  /// The user's current (most recent) subscription, if any.
  virtual std::optional<SubscriptionInfo> subscriptionOf(const std::string& userId) = 0;
  /// Subscriptions created per UTC day ("YYYY-MM-DD" -> count) over the last `days` days.
  virtual std::map<std::string, std::int64_t> subscriptionsCreatedPerDay(int days) = 0;
};

struct LedgerEntry {
  std::int64_t id = 0;
  std::string userId;
  std::int64_t amount = 0;   ///< positive for grants and refunds, negative for debits
  std::string type;          ///< "grant", "debit" or "refund"
  std::string reference;     ///< unique: "invoice:in_123", "analysis:<id>", ...
  std::string description;
  std::string createdAt;
};

struct LedgerStats {
  std::int64_t totalTransactions = 0;  ///< rows in "Transaction"
  std::int64_t creditsGranted = 0;
  std::int64_t creditsSpent = 0;       ///< debits minus refunds, as a positive number
};

/// The credit ledger ("Transaction" rows). Every change is a row; the balance is their sum.
class CreditLedger {
 public:
  static constexpr const char* kServiceName = "billing.credits";
  static constexpr int kContractVersion = 1;
  virtual ~CreditLedger() = default;
  virtual std::int64_t balance(const std::string& userId) = 0;
  /// Debits inside the caller's transaction. Returns false, writing nothing, when the balance
  /// is lower than `amount`. `reference` is unique per debit (e.g. "analysis:<id>").
  virtual bool debit(Poco::Data::Session& session, const std::string& userId, std::int64_t amount,
                     const std::string& reference, const std::string& description) = 0;
  /// A compensating credit for an earlier debit (never an edit of it), in the caller's transaction.
  virtual void refund(Poco::Data::Session& session, const std::string& userId, std::int64_t amount,
                      const std::string& reference, const std::string& description) = 0;
  /// The user's ledger, newest first.
  virtual std::vector<LedgerEntry> entries(const std::string& userId, int limit, int offset) = 0;
  virtual LedgerStats stats() = 0;
  /// Users who spent the most credits: (userId, credits spent), highest first.
  virtual std::vector<std::pair<std::string, std::int64_t>> topSpenders(int limit) = 0;

  /// Gives `amount` (> 0) credits to an existing user in the caller's transaction, for plugins
  /// that give credits away (referrals, promotions). Exactly once per `idempotencyKey`: a key
  /// used before returns false and writes nothing, so a retried, repeated or concurrent call
  /// (on any host) grants once. Keys have their own namespace in the ledger (stored as the
  /// reference "grant:<key>"), so no key can block or repeat billing's own grants or anyone's
  /// debits. A key is 1-200 printable ASCII characters; choose it from what makes the grant
  /// unique ("referral:<inviteId>"). Bad arguments throw std::invalid_argument.
  /// No event is published (the grant commits or rolls back with the caller's transaction):
  /// publish your own topic after commit if subscribers should hear of it.
  virtual bool grant(Poco::Data::Session& session, const std::string& userId, std::int64_t amount,
                     const std::string& idempotencyKey, const std::string& description) = 0;
};

}  // namespace cc::billing
