#include "credit_history.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <limits>

using namespace Poco::Data::Keywords;

namespace cc::billing {
namespace {

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string creditReason(const std::string& type, const std::string& reference) {
  if (type == "refund") return "refund";
  if (type == "debit") return startsWith(reference, "analysis:") ? "analysis" : "other";
  if (type == "grant") {
    if (startsWith(reference, "invoice:") || startsWith(reference, "annual:")) return "plan_grant";
    if (startsWith(reference, "upgrade:")) return "upgrade";
    if (startsWith(reference, "pack:")) return "pack";
    if (startsWith(reference, "grant:")) return "grant";
  }
  return "other";
}

CreditHistoryPage CreditHistory::page(const std::string& userId, std::optional<std::int64_t> beforeId, int limit) {
  CreditHistoryPage out;
  std::string u = userId;
  Poco::Int64 before = beforeId.value_or(std::numeric_limits<std::int64_t>::max());
  int fetch = limit + 1;  // one more than asked tells whether older rows exist
  auto s = db_.session();
  db_.beginSnapshot(s);
  try {
    std::vector<Poco::Int64> balance;
    s << db_.sql("SELECT balance FROM \"CreditBalance\" WHERE \"userId\" = ?"), use(u), into(balance), now;
    out.balance = balance.empty() ? 0 : balance.front();

    Poco::Data::Statement st(s);
    st << db_.sql("SELECT id, type, reference, amount, \"balanceAfter\", description, \"createdAt\""
                  " FROM \"Transaction\" WHERE \"userId\" = ? AND id < ? ORDER BY id DESC LIMIT ?"),
        use(u), use(before), use(fetch);
    st.execute();
    Poco::Data::RecordSet rs(st);
    for (std::size_t r = 0; r < rs.rowCount(); ++r) {
      if (static_cast<int>(r) == limit) {
        out.hasMore = true;
        break;
      }
      CreditHistoryRow row;
      row.id = rs.value(0, r).convert<Poco::Int64>();
      row.type = rs.value(1, r).convert<std::string>();
      row.reason = creditReason(row.type, rs.value(2, r).convert<std::string>());
      row.amount = rs.value(3, r).convert<Poco::Int64>();
      row.balanceAfter = rs.value(4, r).convert<Poco::Int64>();
      row.description = rs.value(5, r).convert<std::string>();
      row.createdAt = rs.value(6, r).convert<std::string>();
      out.rows.push_back(std::move(row));
    }
    db_.commit(s);
  } catch (...) {
    db_.rollback(s);
    throw;
  }
  return out;
}

}  // namespace cc::billing
