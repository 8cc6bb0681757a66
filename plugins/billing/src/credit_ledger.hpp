#pragma once
// The credit ledger: "Transaction" rows (never edited) and "CreditBalance", their running
// sum, changed together in the caller's transaction.
//
// Exactness under concurrency comes from one conditional statement per debit:
//   UPDATE "CreditBalance" SET balance = balance - n WHERE "userId" = ? AND balance >= n
// The database re-checks the condition after waiting for a concurrent writer's row lock (or
// runs one writer at a time, Database::begin). A unique "reference" makes every
// grant and debit count once.
#include <codecouncil/sdk/database.hpp>
#include <codecouncil/billing/contract.hpp>

#include <cstdint>
#include <string>

namespace cc::billing {

class SqlCreditLedger : public CreditLedger {
 public:
  explicit SqlCreditLedger(Database& db) : db_(db) {}

  std::int64_t balance(const std::string& userId) override;
  /// A repeated reference is treated as the same debit: true, nothing written.
  bool debit(Poco::Data::Session& session, const std::string& userId, std::int64_t amount, const std::string& reference,
             const std::string& description) override;
  void refund(Poco::Data::Session& session, const std::string& userId, std::int64_t amount,
              const std::string& reference, const std::string& description) override;

  std::vector<LedgerEntry> entries(const std::string& userId, int limit, int offset) override;
  LedgerStats stats() override;
  std::vector<std::pair<std::string, std::int64_t>> topSpenders(int limit) override;

  /// Another plugin's grant (the contract): reference "grant:<idempotencyKey>".
  bool grant(Poco::Data::Session& session, const std::string& userId, std::int64_t amount,
             const std::string& idempotencyKey, const std::string& description) override;
  /// Billing's own grants (a plan's credits); false (nothing written) when `reference` was
  /// granted before.
  bool grant(Poco::Data::Session& session, const std::string& userId, std::int64_t amount, const std::string& reference,
             const std::string& description, const std::string& subscriptionId);

 private:
  static constexpr std::size_t kMaxIdempotencyKeyBytes = 200;

  bool credit(Poco::Data::Session& s, const std::string& type, const std::string& userId, std::int64_t amount,
              const std::string& reference, const std::string& description, const std::string& subscriptionId);
  /// Inserts the ledger row; 0 when the reference exists.
  Poco::Int64 insertRow(Poco::Data::Session& s, const std::string& type, const std::string& userId,
                        std::int64_t amount, const std::string& reference, const std::string& description,
                        const std::string& subscriptionId);
  void setBalanceAfter(Poco::Data::Session& s, Poco::Int64 rowId, Poco::Int64 balance);

  Database& db_;
};

}  // namespace cc::billing
