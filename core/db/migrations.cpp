#include "core/db/migrations.hpp"

#include "core/db/sql_script.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

using namespace Poco::Data::Keywords;
namespace fs = std::filesystem;

namespace cc::core {
namespace {

// Any constant works; it only has to be the same for every host sharing the database.
constexpr long long kMigrationLockKey = 0x636f756e63696cLL;  // "council"

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MigrationError("cannot read migration " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sha256Hex(const std::string& data) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(data);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

// Serialises hosts that start together on one PostgreSQL. Transaction-level: taken inside each
// file's transaction (after begin()) and released by its commit or rollback, so it works
// through a transaction-pooling proxy too, where a session-level lock would stay behind on a
// server connection somebody else then uses (and the unlock would reach another one).
void lockMigrations(Database& db, Poco::Data::Session& s) {
  if (db.engine() != Engine::PostgreSQL) return;  // SQLite: BEGIN IMMEDIATE serialises already
  int one = 0;
  s << "SELECT 1 FROM (SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")) AS l", into(one), now;
}

void ensureLedger(Database& db, Poco::Data::Session& s) {
  // Under the lock: two hosts creating the table at once would collide in the catalog.
  db.begin(s);
  try {
    lockMigrations(db, s);
    s << "CREATE TABLE IF NOT EXISTS schema_migrations ("
         " component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
         " checksum TEXT NOT NULL, \"appliedAt\" TEXT NOT NULL, PRIMARY KEY (component, version))",
        now;
    db.commit(s);
  } catch (...) {
    db.rollback(s);
    throw;
  }
}

// Returns the recorded checksum, or "" when the migration was never applied.
std::string recordedChecksum(Database& db, Poco::Data::Session& s, const MigrationFile& m) {
  std::vector<std::string> sums;
  std::string component = m.component;
  int version = m.version;
  s << db.sql("SELECT checksum FROM schema_migrations WHERE component = ? AND version = ?"), into(sums),
      use(component), use(version), now;
  return sums.empty() ? std::string() : sums.front();
}

void requireUnchanged(const MigrationFile& m, const std::string& recorded) {
  if (recorded != m.checksum)
    throw MigrationError("migration " + m.path + " was changed after it was applied (recorded checksum " +
                         recorded.substr(0, 12) + "..., file now " + m.checksum.substr(0, 12) +
                         "...); add a new migration instead of editing an applied one");
}

using RecordedChecksums = std::map<std::pair<std::string, int>, std::string>;

// The ledger as it is now, read without a lock; nullopt when it cannot be read (no ledger yet,
// or a database that fails: ensureLedger() then creates it or reports the real error).
std::optional<RecordedChecksums> readLedger(Poco::Data::Session& s) {
  std::vector<std::string> components, checksums;
  std::vector<int> versions;
  try {
    s << "SELECT component, version, checksum FROM schema_migrations", into(components), into(versions),
        into(checksums), now;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
  RecordedChecksums out;
  for (std::size_t i = 0; i < components.size(); ++i) out[{components[i], versions[i]}] = checksums[i];
  return out;
}

// True when it ran, false when another host (or an earlier start) applied it.
bool applyOne(Database& db, Poco::Data::Session& s, const MigrationFile& m) {
  db.begin(s);
  try {
    lockMigrations(db, s);  // before looking: another host may be applying this very file
    std::string recorded = recordedChecksum(db, s, m);
    if (!recorded.empty()) {
      db.rollback(s);
      requireUnchanged(m, recorded);
      return false;
    }
    for (const auto& statement : splitSqlScript(readFile(m.path))) {
      try {
        s << statement, now;
      } catch (const Poco::Exception& e) {
        throw MigrationError("migration " + m.path + " failed: " + e.displayText());
      }
    }
    std::string component = m.component, name = m.name, checksum = m.checksum;
    int version = m.version;
    s << db.sql("INSERT INTO schema_migrations (component, version, name, checksum, \"appliedAt\") VALUES (?, ?, ?, ?, " +
                db.nowSql() + ")"),
        use(component), use(version), use(name), use(checksum), now;
    db.commit(s);
    return true;
  } catch (...) {
    db.rollback(s);
    throw;
  }
}

}  // namespace

std::vector<MigrationFile> listMigrations(const MigrationSource& source, Engine engine) {
  std::vector<MigrationFile> out;
  fs::path dir = fs::path(source.directory) / (engine == Engine::SQLite ? "sqlite" : "postgresql");
  if (!fs::is_directory(dir)) return out;
  static const std::regex kName(R"(^(\d{4})_([a-z0-9_]+)\.sql$)");
  std::map<int, std::string> seen;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string file = entry.path().filename().string();
    std::smatch m;
    if (!std::regex_match(file, m, kName))
      throw MigrationError("migration file name " + entry.path().string() +
                           " must look like 0001_create_things.sql (four digits, lower-case name)");
    MigrationFile mf;
    mf.component = source.component;
    mf.version = std::stoi(m[1]);
    mf.name = m[2];
    mf.path = entry.path().string();
    mf.checksum = sha256Hex(readFile(mf.path));
    if (seen.count(mf.version))
      throw MigrationError("migrations " + seen[mf.version] + " and " + mf.path + " share version " + std::string(m[1]));
    seen[mf.version] = mf.path;
    out.push_back(std::move(mf));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
  return out;
}

MigrationReport applyMigrations(Database& db, const std::vector<MigrationSource>& sources, Poco::Logger& log) {
  MigrationReport report;
  Poco::Data::Session s = db.session();
  // Read first, lock only for what is missing. Every start and every CLI command (backup,
  // restore, ...) runs this against a database that is usually up to date and often busy: on
  // SQLite each locked check is a write lock (BEGIN IMMEDIATE), and a process that needs one
  // per migration file loses to a host writing without pause (SQLite's busy wait is not fair).
  std::optional<RecordedChecksums> recorded = readLedger(s);
  if (!recorded) ensureLedger(db, s);
  for (const auto& source : sources) {
    for (const auto& m : listMigrations(source, db.engine())) {
      if (recorded) {
        auto it = recorded->find({m.component, m.version});
        if (it != recorded->end()) {
          requireUnchanged(m, it->second);
          ++report.alreadyApplied;
          continue;
        }
      }
      if (applyOne(db, s, m)) {
        ++report.applied;
        log.information("applied migration %s/%04d_%s", m.component, m.version, m.name);
      } else {
        ++report.alreadyApplied;
      }
    }
  }
  return report;
}

}  // namespace cc::core
