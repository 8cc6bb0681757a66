// The SQLite dumper and loader: every storage class survives a round trip, checksums see a
// single changed value, and a cut-off file is refused before anything is touched.
#include "atomic_file.hpp"
#include "backup_files.hpp"
#include "digest.hpp"
#include "gzip_io.hpp"
#include "manifest.hpp"
#include "restore_runner.hpp"
#include "sqlite_engine.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

using namespace cc::backup;

namespace {

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string why = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << why;
}

// A database with awkward values in every storage class.
std::string seed(const cc::test::TempDir& dir) {
  std::string path = (dir.path() / "live.db").string();
  exec(path,
       "PRAGMA journal_mode=WAL;"
       "CREATE TABLE \"User\" (id TEXT PRIMARY KEY, email TEXT NOT NULL, \"isAdmin\" BOOLEAN NOT NULL DEFAULT false);"
       "CREATE TABLE mixed (id INTEGER PRIMARY KEY AUTOINCREMENT, r REAL, b BLOB, t TEXT, n, \"quoted\"\"col\" TEXT);"
       "CREATE INDEX mixed_t ON mixed (t);"
       "CREATE VIEW admins AS SELECT id FROM \"User\" WHERE \"isAdmin\";"
       "INSERT INTO \"User\" VALUES ('u1', 'a@example.com', 1), ('u2', 'o''brien@example.com', 0);"
       "INSERT INTO mixed (r, b, t, n, \"quoted\"\"col\") VALUES (1.0, X'00ff10', 'line1\nline2; DROP TABLE x;', NULL, 'q'),"
       " (0.1, X'', '', 42, NULL), (-1e300, NULL, 'tab\there', 3.5, 'é'), (2.5e-10, X'41', CAST(X'610062' AS TEXT), 'x', '');");
  return path;
}

std::string dumpTo(const cc::test::TempDir& dir, const std::string& db, DumpResult* result = nullptr) {
  std::string gz = (dir.path() / "dump.sql.gz").string();
  GzipWriter out(gz, 9);
  auto r = dumpSqlite(db, dir.str(), out);
  out.finish();
  if (result) *result = r;
  return gz;
}

}  // namespace

TEST(SqliteDump, RoundTripKeepsEveryValueAndSchemaObject) {
  cc::test::TempDir dir;
  std::string live = seed(dir);
  DumpResult dumped;
  std::string gz = dumpTo(dir, live, &dumped);
  ASSERT_EQ(dumped.tables.size(), 2u);
  EXPECT_EQ(dumped.tables[0].name, "User");
  EXPECT_EQ(dumped.tables[0].rows, 2);
  EXPECT_EQ(dumped.tables[1].rows, 4);

  std::string copy = (dir.path() / "copy.db").string();
  restoreSqlite(gz, copy);
  EXPECT_TRUE(compareTables(dumped.tables, sqliteTableStats(copy)).empty());
  EXPECT_TRUE(compareTables(sqliteTableStats(live), sqliteTableStats(copy)).empty());
  // The view, the index and the AUTOINCREMENT counter came back too.
  exec(copy, "SELECT * FROM admins; INSERT INTO mixed (t) VALUES ('next');");
  auto stats = sqliteTableStats(copy);
  EXPECT_EQ(stats[1].rows, 5);
}

TEST(SqliteDump, ChecksumNoticesOneChangedValue) {
  cc::test::TempDir dir;
  std::string live = seed(dir);
  auto before = sqliteTableStats(live);
  exec(live, "UPDATE mixed SET r = 0.30000000000000004 WHERE r = 0.1;");
  auto after = sqliteTableStats(live);
  EXPECT_EQ(before[1].rows, after[1].rows);
  EXPECT_NE(before[1].checksum, after[1].checksum);
  EXPECT_EQ(compareTables(before, after).size(), 1u);
}

TEST(SqliteDump, RestoreReplacesExistingTablesAtomically) {
  cc::test::TempDir dir;
  std::string live = seed(dir);
  std::string gz = dumpTo(dir, live);
  std::string target = (dir.path() / "target.db").string();
  exec(target, "CREATE TABLE leftover (x); INSERT INTO leftover VALUES (1); CREATE TABLE \"User\" (id TEXT);");
  restoreSqlite(gz, target);
  auto stats = sqliteTableStats(target);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "User");
  EXPECT_EQ(stats[0].rows, 2);
}

TEST(SqliteDump, TruncatedDumpIsRefusedAndTheTargetStaysUnchanged) {
  cc::test::TempDir dir;
  std::string live = seed(dir);
  std::string gz = dumpTo(dir, live);
  auto size = std::filesystem::file_size(gz);
  std::filesystem::resize_file(gz, size - 12);  // cuts the gzip trailer and some data

  EXPECT_THROW(gunzipFile(gz, [](const char*, std::size_t) {}), std::runtime_error);
  std::string target = (dir.path() / "target.db").string();
  exec(target, "CREATE TABLE keep (x); INSERT INTO keep VALUES (7);");
  EXPECT_THROW(restoreSqlite(gz, target), std::runtime_error);
  auto stats = sqliteTableStats(target);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].name, "keep");
}

TEST(SqliteDump, CheckBackupFileFindsChecksumAndTruncationProblems) {
  cc::test::TempDir dir;
  std::string live = seed(dir);
  std::string gz = dumpTo(dir, live);
  Manifest m;
  m.engine = "sqlite";
  m.sha256 = sha256FileHex(gz);
  m.tables = sqliteTableStats(live);
  writeFileAtomically(manifestPath(gz), m.toJson());
  writeFileAtomically(checksumPath(gz), m.sha256 + "  dump.sql.gz\n");
  EXPECT_NO_THROW(checkBackupFile(gz));

  std::filesystem::resize_file(gz, std::filesystem::file_size(gz) - 30);
  try {
    checkBackupFile(gz);
    FAIL() << "a truncated file passed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
  }
  // Even with a matching .sha256 (e.g. truncated before the checksum was written), the gzip
  // check refuses it.
  writeFileAtomically(checksumPath(gz), sha256FileHex(gz) + "  dump.sql.gz\n");
  m.sha256.clear();
  writeFileAtomically(manifestPath(gz), m.toJson());
  try {
    checkBackupFile(gz);
    FAIL() << "a truncated file passed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

// A dump only creates and fills schema objects: statements that reach outside the target
// file, change the connection or end the restore's transaction are refused, and the target
// is left as it was.
TEST(SqliteDump, RestoreRefusesStatementsThatReachOutsideTheTarget) {
  cc::test::TempDir dir;
  std::string outside = (dir.path() / "outside.db").string();
  std::string target = (dir.path() / "target.db").string();
  exec(target, "CREATE TABLE keep (x); INSERT INTO keep VALUES (7);");
  for (const std::string& statement : std::vector<std::string>{"ATTACH DATABASE '" + outside + "' AS evil;\nCREATE TABLE evil.t (x);",
                                "VACUUM INTO '" + outside + "';", "PRAGMA writable_schema = 1;",
                                "COMMIT;\nCREATE TABLE after_commit (x);", "SELECT load_extension('/tmp/x.so');"}) {
    std::string gz = (dir.path() / "evil.sql.gz").string();
    std::filesystem::remove(gz);
    {
      GzipWriter out(gz, 6);
      out.write("CREATE TABLE t (x);\n" + statement + "\n" + std::string(kSqliteDumpComplete) + "\n");
      out.finish();
    }
    try {
      restoreSqlite(gz, target);
      ADD_FAILURE() << "restored: " << statement;
    } catch (const std::runtime_error& e) {
      // VACUUM INTO already fails inside the restore's transaction (and could not attach).
      std::string why = e.what();
      EXPECT_TRUE(why.find("which a restore never runs") != std::string::npos ||
                  (statement.rfind("VACUUM", 0) == 0 && why.find("cannot VACUUM") != std::string::npos))
          << statement << ": " << why;
    }
    EXPECT_FALSE(std::filesystem::exists(outside)) << statement;
    auto stats = sqliteTableStats(target);
    ASSERT_EQ(stats.size(), 1u) << statement;
    EXPECT_EQ(stats[0].name, "keep");
  }
}
