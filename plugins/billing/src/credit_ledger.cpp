#include "credit_ledger.hpp"

#include <stdexcept>
#include <vector>

using namespace Poco::Data::Keywords;

namespace cc::billing {

std::int64_t SqlCreditLedger::balance(const std::string& userId) {
  auto s = db_.session();
  std::string u = userId;
  std::vector<Poco::Int64> out;
  s << db_.sql("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = ?"), use(u), into(out), now;
  return out.empty() ? 0 : out.front();
}

Poco::Int64 SqlCreditLedger::insertRow(Poco::Data::Session& s, const std::string& type, const std::string& userId,
                                       std::int64_t amount, const std::string& reference,
                                       const std::string& description, const std::string& subscriptionId) {
  std::string t = type, u = userId, ref = reference, d = description, sub = subscriptionId;
  Poco::Int64 a = amount;
  std::vector<Poco::Int64> ids;
  s << db_.sql("INSERT INTO \"Transaction\" (\"userId\", type, amount, \"balanceAfter\", reference, description,"
               " \"subscriptionId\", \"createdAt\") VALUES (?, ?, ?, 0, ?, ?, NULLIF(?, ''), " +
               db_.nowSql() + ") ON CONFLICT (reference) DO NOTHING RETURNING id"),
      use(u), use(t), use(a), use(ref), use(d), use(sub), into(ids), now;
  return ids.empty() ? 0 : ids.front();
}

void SqlCreditLedger::setBalanceAfter(Poco::Data::Session& s, Poco::Int64 rowId, Poco::Int64 balance) {
  s << db_.sql("UPDATE \"Transaction\" SET \"balanceAfter\" = ? WHERE id = ?"), use(balance), use(rowId), now;
}

bool SqlCreditLedger::credit(Poco::Data::Session& s, const std::string& type, const std::string& userId,
                             std::int64_t amount, const std::string& reference, const std::string& description,
                             const std::string& subscriptionId) {
  if (amount <= 0) throw std::invalid_argument("credit amount must be positive");
  if (reference.empty()) throw std::invalid_argument("credit reference is required");
  Poco::Int64 rowId = insertRow(s, type, userId, amount, reference, description, subscriptionId);
  if (rowId == 0) return false;
  std::string u = userId;
  Poco::Int64 a = amount;
  std::vector<Poco::Int64> balance;
  s << db_.sql("INSERT INTO \"CreditBalance\" (\"userId\", balance, \"updatedAt\") VALUES (?, ?, " + db_.nowSql() +
               ") ON CONFLICT (\"userId\") DO UPDATE SET balance = \"CreditBalance\".balance + excluded.balance,"
               " \"updatedAt\" = excluded.\"updatedAt\" RETURNING balance"),
      use(u), use(a), into(balance), now;
  setBalanceAfter(s, rowId, balance.empty() ? 0 : balance.front());
  return true;
}

bool SqlCreditLedger::grant(Poco::Data::Session& session, const std::string& userId, std::int64_t amount,
                            const std::string& reference, const std::string& description,
                            const std::string& subscriptionId) {
  return credit(session, "grant", userId, amount, reference, description, subscriptionId);
}

void SqlCreditLedger::refund(Poco::Data::Session& session, const std::string& userId, std::int64_t amount,
                             const std::string& reference, const std::string& description) {
  credit(session, "refund", userId, amount, reference, description, "");
}

bool SqlCreditLedger::debit(Poco::Data::Session& s, const std::string& userId, std::int64_t amount,
                            const std::string& reference, const std::string& description) {
  if (amount <= 0) throw std::invalid_argument("debit amount must be positive");
  if (reference.empty()) throw std::invalid_argument("debit reference is required");
  // The row first: its unique reference is what a concurrent retry of the same debit waits on.
  Poco::Int64 rowId = insertRow(s, "debit", userId, -amount, reference, description, "");
  if (rowId == 0) return true;
  std::string u = userId;
  Poco::Int64 a = amount;
  std::vector<Poco::Int64> balance;
  s << db_.sql("UPDATE \"CreditBalance\" SET balance = balance - ?, \"updatedAt\" = " + db_.nowSql() +
               " WHERE \"userId\" = ? AND balance >= ? RETURNING balance"),
      use(a), use(u), use(a), into(balance), now;
  if (balance.empty()) {
    // Not enough credits: take the row back, so the caller's transaction writes nothing.
    s << db_.sql("DELETE FROM \"Transaction\" WHERE id = ?"), use(rowId), now;
    return false;
  }
  setBalanceAfter(s, rowId, balance.front());
  return true;
}

}  // namespace cc::billing
