#pragma once
// Checkpoints of a SQLite database's write-ahead log, off the commit path.
//
// Why: SQLite's automatic checkpoint runs inside the COMMIT that pushed the log past 1,000
// pages, on the committing thread. With synchronous = NORMAL a checkpoint syncs the log and
// the database file (two fdatasync calls: 5 ms each at the median, 12 ms at p90 on the
// benchmark machine), and the committing thread holds what every writer of the host waits
// for meanwhile: the host's SQLite writer lock and, in the batched writer, the batch whose
// requests wait for their answer. Counted requests commit several times a second past the
// threshold, so every few hundred milliseconds every counted request stalled for 10–25 ms
// (docs/performance.md, "Throughput as shipped").
//
// Here the pool's connections report each commit's log size (sqlite3_wal_hook, which replaces
// their automatic checkpoint) and, past the same 1,000 pages, wake one thread that runs a
// PASSIVE checkpoint on its own connection: it takes no write lock, so writers go on while it
// copies and syncs. Durability is unchanged: a commit with synchronous = NORMAL never waited
// for a sync in WAL mode, and the checkpoint syncs exactly as the automatic one did.
// Connections opened outside the pool (migrations, the CLI) keep the automatic checkpoint.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace cc::core {

class WalCheckpointer {
 public:
  /// SQLite's own default threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT).
  static constexpr int kPages = 1000;

  /// Opens its own connection to the file at `path` when the first checkpoint is due. Its
  /// thread starts with the first watched connection: a pool that never opens one (the
  /// listings' never-opened database) starts none.
  WalCheckpointer(std::string path, int busyTimeoutMs);
  ~WalCheckpointer();  // stops the thread; a checkpoint under way finishes first
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  /// Makes `db` (a pooled connection in WAL mode) report its commits here instead of
  /// checkpointing itself. This object must outlive `db`.
  void watch(sqlite3* db);

 private:
  static int onCommit(void* self, sqlite3* db, const char* schema, int pages);
  void run();
  bool checkpoint();

  const std::string path_;
  const int busyTimeoutMs_;
  sqlite3* db_ = nullptr;  // the thread's own
  std::atomic<bool> due_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::once_flag started_;
  std::thread thread_;
};

}  // namespace cc::core
