#include "credit_ledger.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <algorithm>
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

bool SqlCreditLedger::grant(Poco::Data::Session& session, const std::string& userId, std::int64_t amount,
                            const std::string& idempotencyKey, const std::string& description) {
  if (idempotencyKey.empty() || idempotencyKey.size() > kMaxIdempotencyKeyBytes)
    throw std::invalid_argument("grant idempotency key must be 1-" + std::to_string(kMaxIdempotencyKeyBytes) +
                                " characters");
  for (unsigned char c : idempotencyKey)
    if (c < 0x21 || c > 0x7e)
      throw std::invalid_argument("grant idempotency key must be printable ASCII without spaces");
  if (userId.empty()) throw std::invalid_argument("grant userId is required");
  return credit(session, "grant", userId, amount, "grant:" + idempotencyKey, description, "");
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

std::vector<LedgerEntry> SqlCreditLedger::entries(const std::string& userId, int limit, int offset) {
  std::string u = userId;
  int l = std::clamp(limit, 1, 500), o = std::max(offset, 0);
  auto s = db_.session();
  Poco::Data::Statement st(s);
  st << db_.sql("SELECT id, \"userId\", amount, type, reference, description, \"createdAt\" FROM \"Transaction\""
                " WHERE \"userId\" = ? ORDER BY id DESC LIMIT ? OFFSET ?"),
      use(u), use(l), use(o);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<LedgerEntry> out;
  for (std::size_t r = 0; r < rs.rowCount(); ++r) {
    LedgerEntry e;
    e.id = rs.value(0, r).convert<Poco::Int64>();
    e.userId = rs.value(1, r).convert<std::string>();
    e.amount = rs.value(2, r).convert<Poco::Int64>();
    e.type = rs.value(3, r).convert<std::string>();
    e.reference = rs.value(4, r).convert<std::string>();
    e.description = rs.value(5, r).convert<std::string>();
    e.createdAt = rs.value(6, r).convert<std::string>();
    out.push_back(std::move(e));
  }
  return out;
}

LedgerStats SqlCreditLedger::stats() {
  auto s = db_.session();
  Poco::Int64 total = 0, granted = 0, spent = 0;
  // SUM of BIGINT may be NUMERIC: cast back so every engine hand over an integer.
  s << "SELECT COUNT(*),"
       " CAST(COALESCE(SUM(CASE WHEN type = 'grant' THEN amount ELSE 0 END), 0) AS BIGINT),"
       " CAST(COALESCE(SUM(CASE WHEN type IN ('debit', 'refund') THEN -amount ELSE 0 END), 0) AS BIGINT)"
       " FROM \"Transaction\"",
      into(total), into(granted), into(spent), now;
  return {total, granted, spent};
}

std::vector<std::pair<std::string, std::int64_t>> SqlCreditLedger::topSpenders(int limit) {
  int l = std::clamp(limit, 1, 500);
  auto s = db_.session();
  std::vector<std::string> users;
  std::vector<Poco::Int64> spent;
  s << db_.sql("SELECT \"userId\", CAST(SUM(-amount) AS BIGINT) AS spent FROM \"Transaction\""
               " WHERE type IN ('debit', 'refund') GROUP BY \"userId\" HAVING SUM(-amount) > 0"
               " ORDER BY spent DESC, \"userId\" LIMIT ?"),
      use(l), into(users), into(spent), now;
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (std::size_t i = 0; i < users.size(); ++i) out.emplace_back(users[i], spent[i]);
  return out;
}

}  // namespace cc::billing
