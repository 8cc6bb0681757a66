#include "checkpoint_store.hpp"

#include "chain_rows.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::audit {

namespace {

constexpr const char* kCheckpointColumns =
    "number, seq, \"count\", \"headHash\", \"time\", \"previousSignature\", signature";

Checkpoint checkpointAt(const Poco::Data::RecordSet& rs, std::size_t i) {
  Checkpoint c;
  c.number = rs.value(0, i).convert<std::int64_t>();
  c.seq = rs.value(1, i).convert<std::int64_t>();
  c.count = rs.value(2, i).convert<std::int64_t>();
  c.headHash = rs.value(3, i).toString();
  c.time = rs.value(4, i).toString();
  c.previousSignature = rs.value(5, i).toString();
  c.signature = rs.value(6, i).toString();
  return c;
}

}  // namespace

Checkpoint CheckpointStore::writeNext(const std::string& key) {
  return db_.transaction([&](Poco::Data::Session& s) {
    Poco::Data::Statement head(s);
    head << "SELECT \"lastId\", \"lastHash\", \"anchorId\", " + db_.nowSql() + " FROM \"AuditChain\" WHERE id = 1" +
                db_.lockRowsSql();
    head.execute();
    Poco::Data::RecordSet hs(head);
    if (hs.rowCount() != 1) throw std::runtime_error("the audit chain head row (\"AuditChain\" id 1) is missing");
    Checkpoint c;
    c.seq = hs.value(0, 0).convert<std::int64_t>();
    c.headHash = hs.value(1, 0).toString();
    c.count = c.seq - hs.value(2, 0).convert<std::int64_t>();
    c.time = hs.value(3, 0).toString();

    Poco::Data::Statement latest(s);
    latest << "SELECT number, signature FROM \"AuditCheckpoint\" ORDER BY number DESC LIMIT 1";
    latest.execute();
    Poco::Data::RecordSet ls(latest);
    c.number = 1;
    if (ls.rowCount() == 1) {
      c.number = ls.value(0, 0).convert<std::int64_t>() + 1;
      c.previousSignature = ls.value(1, 0).toString();
    }
    sign(c, key);
    s << db_.sql(std::string("INSERT INTO \"AuditCheckpoint\" (") + kCheckpointColumns +
                 ") VALUES (?, ?, ?, ?, ?, ?, ?)"),
        use(c.number), use(c.seq), use(c.count), use(c.headHash), use(c.time), use(c.previousSignature),
        use(c.signature), now;
    return c;
  });
}

std::vector<Checkpoint> CheckpointStore::recordedAfter(std::int64_t after) {
  Poco::Data::Session s = db_.session();
  Poco::Data::Statement st(s);
  st << db_.sql(std::string("SELECT ") + kCheckpointColumns +
                " FROM \"AuditCheckpoint\" WHERE number > ? ORDER BY number LIMIT 10000"),
      use(after);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<Checkpoint> out;
  for (std::size_t i = 0; i < rs.rowCount(); ++i) out.push_back(checkpointAt(rs, i));
  return out;
}

ChainFacts CheckpointStore::facts() {
  Poco::Data::Session s = db_.session();
  Poco::Data::Statement st(s);
  st << "SELECT \"lastId\", \"lastHash\", \"anchorId\", \"anchorHash\" FROM \"AuditChain\" WHERE id = 1";
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (rs.rowCount() != 1) throw std::runtime_error("the audit chain head row (\"AuditChain\" id 1) is missing");
  ChainFacts f;
  f.lastId = rs.value(0, 0).convert<std::int64_t>();
  f.lastHash = rs.value(1, 0).toString();
  f.anchorId = rs.value(2, 0).convert<std::int64_t>();
  f.anchorHash = rs.value(3, 0).toString();
  return f;
}

std::optional<std::string> CheckpointStore::rowHash(std::int64_t id) {
  Poco::Data::Session s = db_.session();
  std::vector<std::string> hashes;
  s << db_.sql("SELECT hash FROM \"AuditLog\" WHERE id = ?"), use(id), into(hashes), now;
  if (hashes.empty()) return std::nullopt;
  return hashes[0];
}

std::vector<ChainRow> CheckpointStore::rows(std::int64_t from, std::int64_t to) {
  Poco::Data::Session s = db_.session();
  Poco::Data::Statement st(s);
  st << db_.sql(
            std::string("SELECT ") + kChainColumns + " FROM \"AuditLog\" WHERE id >= ? AND id <= ? ORDER BY id"),
      use(from), use(to);
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<ChainRow> out;
  for (std::size_t i = 0; i < rs.rowCount(); ++i) out.push_back(chainRowAt(rs, i));
  return out;
}

}  // namespace cc::audit
