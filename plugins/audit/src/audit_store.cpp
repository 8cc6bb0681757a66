#include "audit_store.hpp"

#include "chain_rows.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

#include <limits>
#include <map>
#include <tuple>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::audit {

namespace {

using NullableText = Poco::Nullable<std::string>;

NullableText nullable(const std::optional<std::string>& v) { return v ? NullableText(*v) : NullableText(); }

struct LockedHead {
  std::int64_t lastId = 0;
  std::string lastHash;
  std::string lastCreatedAt;
  std::int64_t anchorId = 0;
  std::string now;
};

// Reads the chain head and locks its row until the transaction ends (Database::lockRowsSql).
LockedHead lockHead(Database& db, Poco::Data::Session& s) {
  std::string sql = "SELECT \"lastId\", \"lastHash\", \"lastCreatedAt\", \"anchorId\", " + db.nowSql() +
                    " FROM \"AuditChain\" WHERE id = 1" + db.lockRowsSql();
  Poco::Data::Statement st(s);
  st << sql;
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (rs.rowCount() != 1) throw std::runtime_error("the audit chain head row (\"AuditChain\" id 1) is missing");
  LockedHead head;
  head.lastId = rs.value(0, 0).convert<std::int64_t>();
  head.lastHash = rs.value(1, 0).toString();
  head.lastCreatedAt = rs.value(2, 0).toString();
  head.anchorId = rs.value(3, 0).convert<std::int64_t>();
  head.now = rs.value(4, 0).toString();
  return head;
}

using CountKey = std::tuple<std::string, std::string, std::string>;  // action, severity, resourceType

void changeCount(Database& db, Poco::Data::Session& s, const CountKey& key, std::int64_t delta) {
  std::string action = std::get<0>(key), severity = std::get<1>(key), resourceType = std::get<2>(key);
  s << db.sql("INSERT INTO \"AuditLogCounts\" (action, severity, \"resourceType\", n) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (action, severity, \"resourceType\") DO UPDATE SET n = \"AuditLogCounts\".n + excluded.n"),
      use(action), use(severity), use(resourceType), use(delta), now;
}

// "AuditLogCounts" moves in the same transaction as the rows it counts.
void addToCounts(Database& db, Poco::Data::Session& s, const std::vector<AuditEntry>& entries) {
  std::map<CountKey, std::int64_t> added;
  for (auto& e : entries) ++added[{e.action, e.severity, e.resourceType}];
  for (auto& [key, n] : added) changeCount(db, s, key, n);
}

}  // namespace

void AuditStore::append(const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return;
  std::vector<ChainRow> written;
  db_.transaction([&](Poco::Data::Session& s) {
    written.clear();  // in case the transaction is run again
    LockedHead head = lockHead(db_, s);
    // Never go back in time, even if the database clock does: id order stays createdAt order,
    // which is what "newest first" and prefix-only retention rely on.
    std::string createdAt = head.now < head.lastCreatedAt ? head.lastCreatedAt : head.now;
    std::int64_t id = head.lastId;
    std::string prev = head.lastHash;
    const std::string insert = db_.sql(
        "INSERT INTO \"AuditLog\" (id, \"createdAt\", \"userId\", action, severity, \"resourceType\", "
        "\"resourceId\", metadata, ip, \"userAgent\", \"requestId\", \"prevHash\", hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const AuditEntry& entry : entries) {
      ChainRow row = chainRowFor(entry, ++id, createdAt, prev);
      NullableText userId = nullable(row.userId), resourceId = nullable(row.resourceId), ip = nullable(row.ip),
                   userAgent = nullable(row.userAgent), requestId = nullable(row.requestId);
      s << insert, use(row.id), use(row.createdAt), use(userId), use(row.action), use(row.severity),
          use(row.resourceType), use(resourceId), use(row.metadata), use(ip), use(userAgent), use(requestId),
          use(row.prevHash), use(row.hash), now;
      prev = row.hash;
      if (committed_) written.push_back(std::move(row));
    }
    s << db_.sql("UPDATE \"AuditChain\" SET \"lastId\" = ?, \"lastHash\" = ?, \"lastCreatedAt\" = ? WHERE id = 1"),
        use(id), use(prev), use(createdAt), now;
    addToCounts(db_, s, entries);
  });
  if (!committed_) return;
  // The rows are committed: an exception from here would make the writer append them again.
  try {
    committed_(written);
  } catch (...) {
  }
}

void AuditStore::probe() {
  db_.transaction([&](Poco::Data::Session& s) { lockHead(db_, s); });
}

VerifyResult AuditStore::verify() {
  Poco::Data::Session s = db_.session();
  // One read snapshot for the whole walk, so appends running meanwhile are not half-seen.
  // A read transaction: verify must not hold a write lock.
  db_.beginSnapshot(s);
  try {
    ChainHead head;
    {
      Poco::Data::Statement st(s);
      st << "SELECT \"anchorId\", \"anchorHash\", \"lastId\", \"lastHash\" FROM \"AuditChain\" WHERE id = 1";
      st.execute();
      Poco::Data::RecordSet rs(st);
      if (rs.rowCount() != 1) throw std::runtime_error("the audit chain head row (\"AuditChain\" id 1) is missing");
      head.anchorId = rs.value(0, 0).convert<std::int64_t>();
      head.anchorHash = rs.value(1, 0).toString();
      head.lastId = rs.value(2, 0).convert<std::int64_t>();
      head.lastHash = rs.value(3, 0).toString();
    }
    ChainVerifier verifier(head);
    // Pages by id, not one huge result: a million rows would not fit comfortably in memory.
    std::int64_t after = std::numeric_limits<std::int64_t>::min();
    const std::string page = db_.sql(std::string("SELECT ") + kChainColumns +
                                     " FROM \"AuditLog\" WHERE id > ? ORDER BY id LIMIT 5000");
    for (bool more = true; more;) {
      Poco::Data::Statement st(s);
      st << page, use(after);
      st.execute();
      Poco::Data::RecordSet rs(st);
      more = rs.rowCount() > 0;
      for (std::size_t i = 0; i < rs.rowCount() && more; ++i) {
        ChainRow row = chainRowAt(rs, i);
        after = row.id;
        if (!verifier.feed(row)) more = false;
      }
    }
    s << "COMMIT", now;
    return verifier.finish();
  } catch (...) {
    try {
      s << "ROLLBACK", now;
    } catch (...) {
    }
    throw;
  }
}

PurgeResult AuditStore::purgeBefore(const std::string& cutoff) {
  return db_.transaction([&](Poco::Data::Session& s) {
    LockedHead head = lockHead(db_, s);
    PurgeResult result;
    result.anchorId = head.anchorId;
    Poco::Nullable<std::int64_t> firstKept;
    std::string bound = cutoff;
    s << db_.sql("SELECT MIN(id) FROM \"AuditLog\" WHERE \"createdAt\" >= ?"), use(bound), into(firstKept), now;
    // createdAt never decreases with id, so everything before the first kept row is old.
    std::int64_t lastPurged = firstKept.isNull() ? head.lastId : firstKept.value() - 1;
    if (lastPurged <= head.anchorId) return result;
    std::vector<std::string> hashes;
    s << db_.sql("SELECT hash FROM \"AuditLog\" WHERE id = ?"), use(lastPurged), into(hashes), now;
    if (hashes.size() != 1)
      throw std::runtime_error("retention stopped: row " + std::to_string(lastPurged) +
                               " is missing; run `codecouncil audit verify`");
    std::int64_t anchorId = head.anchorId;
    {
      Poco::Data::Statement groups(s);
      groups << db_.sql("SELECT action, severity, \"resourceType\", COUNT(*) FROM \"AuditLog\" "
                        "WHERE id > ? AND id <= ? GROUP BY action, severity, \"resourceType\""),
          use(anchorId), use(lastPurged);
      groups.execute();
      Poco::Data::RecordSet rs(groups);
      for (std::size_t i = 0; i < rs.rowCount(); ++i)
        changeCount(db_, s, {rs.value(0, i).toString(), rs.value(1, i).toString(), rs.value(2, i).toString()},
                    -rs.value(3, i).convert<std::int64_t>());
      s << "DELETE FROM \"AuditLogCounts\" WHERE n <= 0", now;
    }
    Poco::Data::Statement del(s);
    del << db_.sql("DELETE FROM \"AuditLog\" WHERE id > ? AND id <= ?"), use(anchorId), use(lastPurged);
    result.deleted = static_cast<std::int64_t>(del.execute());
    s << db_.sql("UPDATE \"AuditChain\" SET \"anchorId\" = ?, \"anchorHash\" = ? WHERE id = 1"), use(lastPurged),
        use(hashes[0]), now;
    result.anchorId = lastPurged;
    return result;
  });
}

}  // namespace cc::audit
