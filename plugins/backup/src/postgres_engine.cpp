#include "postgres_engine.hpp"

#include "child_process.hpp"
#include "psql_guard.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <cerrno>
#include <random>
#include <unistd.h>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace cc::backup {
namespace {

// Settings that change how rows print as text; fixed so the checksum of a table is the same
// in the source and in a restored copy.
void fixTextOutput(Poco::Data::Session& s, bool local) {
  std::string set = local ? "SET LOCAL " : "SET ";
  for (const char* kv : {"TIME ZONE 'UTC'", "DateStyle = 'ISO, YMD'", "IntervalStyle = 'postgres'",
                         "extra_float_digits = 1", "bytea_output = 'hex'"})
    s << set + kv, now;
}

// Order-independent checksum: the sum of the first 60 bits of md5(row as text) over all rows.
std::vector<TableStats> collectStats(Poco::Data::Session& s) {
  auto tables = queryRows(s,
                      "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                      "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2");
  std::vector<TableStats> out;
  for (auto& row : tables) {
    std::string qualified = quoteIdentifier(row[0]) + "." + quoteIdentifier(row[1]);
    auto r = queryRows(s, "SELECT count(*)::text, coalesce(sum(('x' || substr(md5(cc_backup_row::text), 1, 15))::bit(60)"
                      "::bigint), 0)::text FROM " + qualified + " AS cc_backup_row");
    TableStats t;
    t.name = row[0] == "public" ? row[1] : row[0] + "." + row[1];
    t.rows = std::stoll(r.at(0).at(0));
    t.checksum = r.at(0).at(1);
    out.push_back(t);
  }
  return out;
}

std::string toolVersion(const std::string& tool) {
  try {
    ChildProcess p({{tool, "--version"}, {}, false, false});
    if (p.wait() == 0) return p.output();
  } catch (const std::exception&) {
  }
  return tool;
}

}  // namespace

Poco::Data::Session openPostgres(const DatabaseTarget& db) {
  try {
    return Poco::Data::Session("PostgreSQL", db.connectionString());
  } catch (const std::exception& e) {
    // Poco's message may quote the connection string; keep only what cannot hold the password.
    throw std::runtime_error("cannot connect to " + db.describe() + ": " +
                             (db.password.empty() || std::string(e.what()).find(db.password) == std::string::npos
                                  ? std::string(e.what())
                                  : std::string("connection failed")));
  }
}

std::vector<std::vector<std::string>> queryRows(Poco::Data::Session& s, const std::string& sql) {
  Poco::Data::Statement st(s);
  st << sql;
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::vector<std::vector<std::string>> rows;
  for (std::size_t r = 0; r < rs.rowCount(); ++r) {
    std::vector<std::string> row;
    for (std::size_t c = 0; c < rs.columnCount(); ++c)
      row.push_back(rs.value(c, r).isEmpty() ? std::string() : rs.value(c, r).toString());
    rows.push_back(row);
  }
  return rows;
}

std::vector<DropStatement> dropStatements(Poco::Data::Session& s, bool keepScratchMarker) {
  // Everything a previous schema left behind, skipping objects that belong to extensions.
  std::string sql = R"SQL(
      SELECT format('schema %I', n.nspname), format('DROP SCHEMA IF EXISTS %I CASCADE;', n.nspname) FROM pg_namespace n
       WHERE n.nspname NOT IN ('public', 'pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
      UNION ALL
      SELECT format('%s public.%I', CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                    WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'table' END, c.relname),
             format('DROP %s IF EXISTS public.%I CASCADE;',
                    CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                                   WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
         AND NOT (KEEP_MARKER AND c.relname = 'codecouncil_verify_scratch' AND c.relkind = 'r')
      UNION ALL
      SELECT format('routine %s', p.oid::regprocedure), format('DROP ROUTINE IF EXISTS %s CASCADE;', p.oid::regprocedure)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public'
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
      UNION ALL
      SELECT format('type public.%I', t.typname), format('DROP TYPE IF EXISTS public.%I CASCADE;', t.typname)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r', 'm')
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    )SQL";
  sql.replace(sql.find("KEEP_MARKER"), 11, keepScratchMarker ? "true" : "false");
  std::vector<DropStatement> out;
  for (auto& row : queryRows(s, sql)) out.push_back({row.at(0), row.at(1)});
  return out;
}

DumpResult dumpPostgres(const DatabaseTarget& db, const std::string& pgDump, GzipWriter& out) {
  auto s = openPostgres(db);
  s << "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", now;
  try {
    std::string snapshot = queryRows(s, "SELECT pg_export_snapshot()").at(0).at(0);
    fixTextOutput(s, true);
    DumpResult result;
    result.serverVersion = queryRows(s, "SHOW server_version").at(0).at(0);
    result.dumpTool = toolVersion(pgDump);
    result.completionMarker = kPostgresDumpComplete;
    result.tables = collectStats(s);

    // The snapshot stays valid while this transaction is open, so pg_dump sees exactly the
    // rows counted above.
    ChildProcess dump({{pgDump, "--format=plain", "--no-owner", "--no-privileges", "--no-password",
                        "--snapshot=" + snapshot},
                       db.libpqEnvironment(), false, true});
    char buffer[1 << 16];
    for (;;) {
      ssize_t n = ::read(dump.stdoutFd(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.write(buffer, static_cast<std::size_t>(n));
    }
    int rc = dump.wait();
    if (rc != 0) throw std::runtime_error("pg_dump failed (exit " + std::to_string(rc) + "): " + dump.output());
    s << "ROLLBACK", now;
    return result;
  } catch (...) {
    try {
      s << "ROLLBACK", now;
    } catch (...) {
    }
    throw;
  }
}

void restorePostgres(const std::string& gzPath, const DatabaseTarget& db, const std::string& psql,
                     const PostgresRestoreOptions& options) {
  std::string prelude;
  {
    auto s = openPostgres(db);
    for (auto& drop : dropStatements(s, options.keepScratchMarker)) prelude += drop.statement + "\n";
  }

  // -X: no psqlrc; ON_ERROR_STOP: the first error ends the run, and --single-transaction
  // then commits nothing. The \restrict line comes first: see psql_guard.hpp.
  std::string head = "\\restrict " + randomRestrictKey() + "\n" + prelude;
  ChildProcess load({{psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--no-password", "-f", "-"},
                     db.libpqEnvironment(), true, false});
  bool open = load.writeStdin(head.data(), head.size());
  DumpRestrictFilter filter([&](const char* data, std::size_t size) {
    if (open) open = load.writeStdin(data, size);
  });
  bool sawEnd = false;
  std::string tail;
  std::string readError;
  try {
    gunzipFile(gzPath, [&](const char* data, std::size_t size) {
      tail.append(data, size);
      if (tail.size() > 8192) tail.erase(0, tail.size() - 4096);
      filter.feed(data, size);
    });
    filter.finish();
    sawEnd = tail.find(kPostgresDumpComplete) != std::string::npos;
  } catch (const std::exception& e) {
    readError = e.what();
  }
  if (!readError.empty() || !sawEnd) {
    // psql would COMMIT at end of input: kill it, so the server rolls the transaction back.
    load.kill();
    throw std::runtime_error(readError.empty() ? "the dump has no completion line (cut off?)" : readError);
  }
  int rc = load.wait();
  if (rc == 0) return;
  std::string output = load.output();
  if (output.find("invalid command \\restrict") != std::string::npos)
    throw std::runtime_error(psql + " does not know \\restrict (PostgreSQL 15.14, 16.10, 17.6 or newer needed), so it "
                             "would run meta-commands from the dump; nothing was restored. Install a current psql or "
                             "set the plugin's psql key");
  if (output.find("backslash commands are restricted") != std::string::npos ||
      output.find("\\unrestrict: wrong key") != std::string::npos)
    throw std::runtime_error("the dump contains a psql meta-command (a backslash command such as \\!), which a "
                             "restore never runs; nothing was restored: " + output);
  throw std::runtime_error("psql failed (exit " + std::to_string(rc) + "): " + output);
}

std::uint64_t postgresDatabaseBytes(const DatabaseTarget& db) {
  auto s = openPostgres(db);
  return std::stoull(queryRows(s, "SELECT pg_database_size(current_database())::text").at(0).at(0));
}

std::vector<TableStats> postgresTableStats(const DatabaseTarget& db) {
  auto s = openPostgres(db);
  fixTextOutput(s, false);
  s << "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", now;
  auto stats = collectStats(s);
  s << "ROLLBACK", now;
  return stats;
}

DatabaseTarget createScratchDatabase(const DatabaseTarget& server) {
  std::random_device rd;
  std::string name = "cc_backup_verify_" + std::to_string(rd() % 1000000000u);
  auto s = openPostgres(server);
  s << "CREATE DATABASE " + quoteIdentifier(name) + " TEMPLATE template0", now;
  return server.withDatabase(name);
}

void dropDatabase(const DatabaseTarget& server, const std::string& name) {
  auto s = openPostgres(server);
  s << "DROP DATABASE IF EXISTS " + quoteIdentifier(name) + " WITH (FORCE)", now;
}

}  // namespace cc::backup
