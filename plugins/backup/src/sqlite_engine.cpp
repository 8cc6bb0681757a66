#include "sqlite_engine.hpp"

#include "atomic_file.hpp"
#include "digest.hpp"
#include "private_files.hpp"

#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace cc::backup {
namespace {

struct Db {
  sqlite3* handle = nullptr;
  explicit Db(const std::string& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &handle, flags, nullptr) != SQLITE_OK) {
      std::string why = handle ? sqlite3_errmsg(handle) : "out of memory";
      sqlite3_close(handle);
      throw std::runtime_error("cannot open SQLite database " + path + ": " + why);
    }
    sqlite3_busy_timeout(handle, 30000);
  }
  ~Db() { sqlite3_close(handle); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : sqlite3_errmsg(handle);
      sqlite3_free(err);
      throw std::runtime_error("SQLite: " + why);
    }
  }
};

struct Stmt {
  sqlite3_stmt* handle = nullptr;
  Stmt(Db& db, const std::string& sql) {
    if (sqlite3_prepare_v2(db.handle, sql.c_str(), -1, &handle, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("SQLite: ") + sqlite3_errmsg(db.handle));
  }
  ~Stmt() { sqlite3_finalize(handle); }
  bool step() {
    int rc = sqlite3_step(handle);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("SQLite: ") + sqlite3_errmsg(sqlite3_db_handle(handle)));
  }
  std::string text(int col) {
    auto p = sqlite3_column_text(handle, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
};

std::string quoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string hexOf(const void* data, int size) {
  return toHex(std::string(static_cast<const char*>(data), static_cast<std::size_t>(size)));
}

std::string formatReal(double v) {
  if (std::isnan(v)) return "NULL";
  if (std::isinf(v)) return v > 0 ? "9.0e999" : "-9.0e999";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  // Keep it a REAL literal: "1" would come back as an INTEGER in a column without affinity.
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

// One value as an SQL literal that reads back as the same type and bytes.
std::string literal(sqlite3_stmt* st, int col) {
  switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER: return std::to_string(sqlite3_column_int64(st, col));
    case SQLITE_FLOAT: return formatReal(sqlite3_column_double(st, col));
    case SQLITE_TEXT: {
      const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
      int n = sqlite3_column_bytes(st, col);
      std::string v(p, static_cast<std::size_t>(n));
      if (v.find('\0') != std::string::npos) return "CAST(X'" + hexOf(p, n) + "' AS TEXT)";
      std::string out = "'";
      for (char c : v) out += c == '\'' ? std::string("''") : std::string(1, c);
      return out + "'";
    }
    case SQLITE_BLOB: return "X'" + hexOf(sqlite3_column_blob(st, col), sqlite3_column_bytes(st, col)) + "'";
    default: return "NULL";
  }
}

std::vector<std::string> userTables(Db& db) {
  std::vector<std::string> names;
  Stmt st(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  while (st.step()) names.push_back(st.text(0));
  return names;
}

// Order-independent digest: the sum (mod 2^64) of the first 8 bytes of each row's SHA-256,
// over a typed serialisation of its values. Equal tables give equal sums whatever the row order.
TableStats statsOf(Db& db, const std::string& table) {
  TableStats t;
  t.name = table;
  Stmt st(db, "SELECT * FROM " + quoteIdent(table));
  std::uint64_t sum = 0;
  int cols = sqlite3_column_count(st.handle);
  std::string row;
  while (st.step()) {
    row.clear();
    for (int c = 0; c < cols; ++c) {
      int type = sqlite3_column_type(st.handle, c);
      row += static_cast<char>('0' + type);
      if (type == SQLITE_INTEGER) row += std::to_string(sqlite3_column_int64(st.handle, c));
      else if (type == SQLITE_FLOAT) row += formatReal(sqlite3_column_double(st.handle, c));
      else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
        const void* p = type == SQLITE_TEXT ? static_cast<const void*>(sqlite3_column_text(st.handle, c))
                                            : sqlite3_column_blob(st.handle, c);
        int n = sqlite3_column_bytes(st.handle, c);
        row += std::to_string(n) + ":";
        if (n > 0) row.append(static_cast<const char*>(p), static_cast<std::size_t>(n));
      }
      row += '|';
    }
    std::string digest = sha256(row);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(digest[static_cast<std::size_t>(i)]);
    sum += v;
    ++t.rows;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(sum));
  t.checksum = buf;
  return t;
}

std::vector<TableStats> allStats(Db& db) {
  std::vector<TableStats> out;
  for (auto& name : userTables(db)) out.push_back(statsOf(db, name));
  return out;
}

void removeDatabaseFiles(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
}

// What a dump may do while it is restored: create and fill schema objects. Everything that
// reaches outside the target file or ends the restore's transaction is refused: ATTACH (and
// VACUUM INTO) would write any file this account can, PRAGMA changes the connection, COMMIT
// or ROLLBACK would end the all-or-nothing restore half-way, load_extension runs code.
struct DumpSandbox {
  sqlite3* db;
  std::string refused;  ///< the first statement kind refused, for the message

  explicit DumpSandbox(sqlite3* handle) : db(handle) {
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_set_authorizer(db, &DumpSandbox::authorize, this);
  }
  ~DumpSandbox() { sqlite3_set_authorizer(db, nullptr, nullptr); }  // the restorer's own COMMIT/ROLLBACK
  DumpSandbox(const DumpSandbox&) = delete;
  DumpSandbox& operator=(const DumpSandbox&) = delete;

  static int authorize(void* self, int action, const char* arg1, const char* arg2, const char*, const char*) {
    const char* kind = nullptr;
    switch (action) {
      case SQLITE_ATTACH: kind = "ATTACH"; break;
      case SQLITE_DETACH: kind = "DETACH"; break;
      case SQLITE_PRAGMA: kind = "PRAGMA"; break;
      case SQLITE_TRANSACTION: kind = "transaction control"; break;
      case SQLITE_SAVEPOINT: kind = "SAVEPOINT"; break;
      case SQLITE_FUNCTION:
        if (arg2 && sqlite3_stricmp(arg2, "load_extension") == 0) kind = "load_extension()";
        break;
      default: break;
    }
    (void)arg1;
    if (!kind) return SQLITE_OK;
    auto* box = static_cast<DumpSandbox*>(self);
    if (box->refused.empty()) box->refused = kind;
    return SQLITE_DENY;
  }
};

void writeDump(Db& db, GzipWriter& out) {
  out.write("-- codecouncil sqlite dump (SQLite " + std::string(sqlite3_libversion()) + ")\n");
  bool hasSequence = false;
  {
    Stmt st(db, "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY "
                "CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid");
    std::vector<std::pair<std::string, std::string>> later;  // indexes, views, triggers after the data
    while (st.step()) {
      std::string type = st.text(0), name = st.text(1), sql = st.text(2);
      if (name == "sqlite_sequence") {
        hasSequence = true;
        continue;
      }
      if (name.rfind("sqlite_", 0) == 0) continue;
      if (type != "table") {
        later.emplace_back(name, sql);
        continue;
      }
      out.write(sql + ";\n");
      Stmt rows(db, "SELECT * FROM " + quoteIdent(name));
      int cols = sqlite3_column_count(rows.handle);
      std::string prefix = "INSERT INTO " + quoteIdent(name) + " VALUES(";
      while (rows.step()) {
        std::string line = prefix;
        for (int c = 0; c < cols; ++c) line += (c ? "," : "") + literal(rows.handle, c);
        out.write(line + ");\n");
      }
    }
    if (hasSequence) {
      out.write("DELETE FROM sqlite_sequence;\n");
      Stmt seq(db, "SELECT name, seq FROM sqlite_sequence");
      while (seq.step())
        out.write("INSERT INTO sqlite_sequence VALUES(" + literal(seq.handle, 0) + "," + literal(seq.handle, 1) + ");\n");
    }
    for (auto& [name, sql] : later) out.write(sql + ";\n");
  }
  out.write(std::string(kSqliteDumpComplete) + "\n");
}

// Runs the dump's statements one by one as they complete (a large dump is never held in
// memory), inside the sandbox.
void loadDump(Db& db, const std::string& gzPath) {
  DumpSandbox sandbox(db.handle);
  std::string pending;
  auto runComplete = [&] {
    if (!pending.empty() && sqlite3_complete(pending.c_str())) {
      try {
        db.exec(pending);
      } catch (const std::exception& e) {
        if (sandbox.refused.empty()) throw;
        throw std::runtime_error("the dump contains " + sandbox.refused +
                                 ", which a restore never runs; nothing was restored (" + e.what() + ")");
      }
      pending.clear();
    }
  };
  bool sawEnd = false;
  std::string partialLine;
  gunzipFile(gzPath, [&](const char* data, std::size_t size) {
    partialLine.append(data, size);
    std::size_t start = 0, nl;
    while ((nl = partialLine.find('\n', start)) != std::string::npos) {
      std::string line = partialLine.substr(start, nl - start + 1);
      start = nl + 1;
      if (pending.empty() && line.rfind("--", 0) == 0) {
        if (line.rfind(kSqliteDumpComplete, 0) == 0) sawEnd = true;
        continue;
      }
      pending += line;
      runComplete();
    }
    partialLine.erase(0, start);
  });
  pending += partialLine;
  if (!pending.empty() && pending.find_first_not_of(" \n\r\t") != std::string::npos)
    throw std::runtime_error("the dump ends inside a statement");
  if (!sawEnd) throw std::runtime_error("the dump has no completion line (cut off?)");
}

}  // namespace

DumpResult dumpSqlite(const std::string& dbPath, const std::string& scratchDir, GzipWriter& out) {
  if (!std::filesystem::exists(dbPath)) throw std::runtime_error("SQLite database " + dbPath + " does not exist");
  std::string snapshot = temporaryPathFor(scratchDir, "snapshot.db");
  struct Cleanup {
    std::string path;
    ~Cleanup() { removeDatabaseFiles(path); }
  } cleanup{snapshot};
  // VACUUM INTO accepts an existing empty file: created here with 0600, the copy of every
  // user's data never exists with SQLite's default 0644.
  createPrivateFile(snapshot);
  {
    // VACUUM INTO reads the live database in one read transaction: a consistent copy while
    // the host keeps writing (WAL readers do not block writers).
    Db live(dbPath, SQLITE_OPEN_READWRITE);
    std::string quoted = "'";
    for (char c : snapshot) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    live.exec("VACUUM INTO " + quoted + "'");
  }
  Db copy(snapshot, SQLITE_OPEN_READONLY);
  DumpResult result;
  result.serverVersion = sqlite3_libversion();
  result.dumpTool = "codecouncil sqlite dumper";
  result.completionMarker = kSqliteDumpComplete;
  result.tables = allStats(copy);
  writeDump(copy, out);
  return result;
}

void restoreSqlite(const std::string& gzPath, const std::string& dbPath) {
  createPrivateFile(dbPath);  // a new target (the verify copy) is 0600, not SQLite's 0644
  Db db(dbPath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  db.exec("PRAGMA foreign_keys = OFF");  // only outside a transaction; dump order need not respect them
  db.exec("BEGIN IMMEDIATE");
  try {
    std::vector<std::pair<std::string, std::string>> objects;
    {
      Stmt st(db, "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
      while (st.step()) objects.emplace_back(st.text(0), st.text(1));
    }
    for (auto& [type, name] : objects)
      db.exec(std::string(type == "view" ? "DROP VIEW IF EXISTS " : "DROP TABLE IF EXISTS ") + quoteIdent(name));
    {
      Stmt st(db, "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'");
      if (st.step()) db.exec("DELETE FROM sqlite_sequence");
    }
    loadDump(db, gzPath);  // inside the sandbox; the COMMIT below is the restorer's own
    db.exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db.handle, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  db.exec("PRAGMA foreign_keys = ON");
}

std::vector<TableStats> sqliteTableStats(const std::string& dbPath) {
  Db db(dbPath, SQLITE_OPEN_READWRITE);
  db.exec("BEGIN");  // one snapshot for every table
  auto stats = allStats(db);
  db.exec("COMMIT");
  return stats;
}

std::uint64_t sqliteDatabaseBytes(const std::string& dbPath) {
  if (!std::filesystem::exists(dbPath)) throw std::runtime_error("SQLite database " + dbPath + " does not exist");
  Db db(dbPath, SQLITE_OPEN_READONLY);
  // page_count as this connection sees it includes pages still only in the WAL.
  auto pragma = [&](const char* sql) {
    Stmt st(db, sql);
    return st.step() ? static_cast<std::uint64_t>(sqlite3_column_int64(st.handle, 0)) : 0;
  };
  return pragma("PRAGMA page_count") * pragma("PRAGMA page_size");
}

}  // namespace cc::backup
