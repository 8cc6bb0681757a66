#include "verify_scratch.hpp"

#include "postgres_engine.hpp"

#include <algorithm>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::backup {
namespace {

// pg_advisory_lock key of "a verification runs in this database" ('ccbv').
constexpr const char* kLockKey = "1667457654";

// Who answers: the same postmaster (start time) and the same database (oid) is the same
// database, whatever host name, address or socket led there.
std::vector<std::string> identityOf(Poco::Data::Session& s) {
  return queryRows(s, "SELECT pg_postmaster_start_time()::text, d.oid::text FROM pg_database d "
                      "WHERE d.datname = current_database()")
      .at(0);
}

bool hasMarker(Poco::Data::Session& s) {
  return !queryRows(s, std::string("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = '") +
                           kVerifyScratchMarker + "'")
              .empty();
}

}  // namespace

VerifyScratchLease::VerifyScratchLease(const DatabaseTarget& scratch, const DatabaseTarget& live)
    : session_(openPostgres(scratch)) {
  // Two hosts verifying into one database at once would drop each other's tables mid-restore.
  session_ << std::string("SELECT pg_advisory_lock(") + kLockKey + ")", now;
  {
    auto liveSession = openPostgres(live);
    if (identityOf(liveSession) == identityOf(session_))
      throw std::runtime_error("verify_database_url (" + scratch.describe() + ") reaches the live database " +
                               live.describe() + " on the same server; refusing to drop anything in it");
  }
  if (hasMarker(session_)) return;
  auto objects = dropStatements(session_, true);
  if (!objects.empty())
    throw std::runtime_error("verify_database_url (" + scratch.describe() + ") holds " +
                             std::to_string(objects.size()) + " object(s) of its own (first: " + objects[0].object +
                             ") and no " + kVerifyScratchMarker +
                             " table, so this plugin did not prepare it as a scratch database; nothing in it was "
                             "changed. Point verify_database_url at an empty database");
  session_ << std::string("CREATE TABLE public.") + kVerifyScratchMarker +
                  " (\"createdAt\" timestamptz NOT NULL DEFAULT now(), note text NOT NULL)",
      now;
  session_ << std::string("INSERT INTO public.") + kVerifyScratchMarker +
                  " (note) VALUES ('scratch database of the codecouncil backup plugin: every verification replaces "
                  "its content')",
      now;
}

VerifyScratchLease::~VerifyScratchLease() {
  try {
    session_ << std::string("SELECT pg_advisory_unlock(") + kLockKey + ")", now;
  } catch (...) {
    // closing the session releases it anyway
  }
}

void emptyScratchDatabase(const DatabaseTarget& scratch) {
  auto s = openPostgres(scratch);
  s.begin();
  for (auto& d : dropStatements(s, true)) s << d.statement, now;
  s.commit();
}

std::vector<TableStats> withoutScratchMarker(std::vector<TableStats> stats) {
  stats.erase(std::remove_if(stats.begin(), stats.end(), [](const TableStats& t) { return t.name == kVerifyScratchMarker; }),
              stats.end());
  return stats;
}

}  // namespace cc::backup
