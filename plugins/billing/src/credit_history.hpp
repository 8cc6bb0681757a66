#pragma once
// A user's credit ledger as pages, newest first, for GET /api/credits.
//
// Pages are keyed on "Transaction".id (the ledger's insertion order; the ("userId", id) index
// serves them): a page holds the rows with id below the previous page's last id. Unlike an
// offset, that does not move when rows are added while someone pages: a row committed
// meanwhile with a higher id shows on the next read of the first page, one with a lower id
// (a database that hands out ids before commit) on a later page; no row is listed twice or
// skipped. "createdAt" is no part of the key: a database may set it to the transaction's
// start time, which can disagree with the insertion order, and it would need another index.
#include <codecouncil/sdk/database.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cc::billing {

struct CreditHistoryRow {
  std::int64_t id = 0;
  std::string type;         ///< grant, debit or refund
  std::string reason;       ///< creditReason(type, reference)
  std::int64_t amount = 0;  ///< positive for grants and refunds, negative for debits
  std::int64_t balanceAfter = 0;
  std::string description;
  std::string createdAt;
};

struct CreditHistoryPage {
  std::int64_t balance = 0;
  std::vector<CreditHistoryRow> rows;
  bool hasMore = false;  ///< rows older than the last one exist
};

/// Why a ledger row exists, from its type and the reference its writer chose:
///   grant  invoice:..., annual:...  -> plan_grant (a plan's monthly credits)
///          upgrade:...              -> upgrade    (credits of a plan change)
///          pack:...                 -> pack       (a one-time credit pack)
///          grant:...                -> grant      (another plugin's grant, CreditLedger::grant)
///   debit  analysis:...             -> analysis
///   refund anything                 -> refund
/// Anything else is "other". docs/billing.md lists the same table.
std::string creditReason(const std::string& type, const std::string& reference);

class CreditHistory {
 public:
  explicit CreditHistory(Database& db) : db_(db) {}

  /// At most `limit` rows of `userId` with id below `beforeId` (all when nullopt), newest
  /// first, and the balance, read in one snapshot so the first page's newest balanceAfter is
  /// the balance.
  CreditHistoryPage page(const std::string& userId, std::optional<std::int64_t> beforeId, int limit);

 private:
  Database& db_;
};

}  // namespace cc::billing
