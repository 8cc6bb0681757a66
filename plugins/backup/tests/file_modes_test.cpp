// Backups hold password hashes: every file the real binary and scripts/backup-db.sh create
// for a backup is 0600 and every folder they create 0700, even when started with umask 022.
// The SQLite snapshot and verify copy live only during a run, so an inotify watcher opens
// each file as it appears and records the mode it was created with.
#include "backup_test_support.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

using namespace backup_test;

namespace {

/// Sets the test process's umask (inherited by the binary and the scripts) for one test.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(previous_); }

 private:
  mode_t previous_;
};

unsigned modeOf(const std::filesystem::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return 0xFFFF;
  return st.st_mode & 07777;
}

std::string octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

/// Every regular file directly in `dir` with a mode other than 0600, as "name 0644" lines.
std::string filesNotPrivate(const std::string& dir) {
  std::string bad;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (modeOf(e.path()) != 0600) bad += e.path().filename().string() + " " + octal(modeOf(e.path())) + "\n";
  return bad;
}

/// Records the creation mode of every file created in a folder while it watches.
class CreatedFileModes {
 public:
  explicit CreatedFileModes(const std::string& dir) : dir_(dir), fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (fd_ < 0 || ::inotify_add_watch(fd_, dir.c_str(), IN_CREATE) < 0) throw std::runtime_error("inotify failed");
    thread_ = std::thread([this] { loop(); });
  }
  ~CreatedFileModes() { finish(); }

  /// name -> mode (0xFFFF when the file was gone before it could be opened).
  std::map<std::string, unsigned> finish() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
      ::close(fd_);
    }
    return seen_;
  }

 private:
  void loop() {
    alignas(inotify_event) char buffer[1 << 14];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      ssize_t n = ::read(fd_, buffer, sizeof buffer);
      for (ssize_t off = 0; off < n;) {
        auto* ev = reinterpret_cast<inotify_event*>(buffer + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        if (ev->len == 0) continue;
        std::string name = ev->name;
        // Holding the file open keeps its inode (and mode) even if the run deletes it.
        int f = ::open((dir_ + "/" + name).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat st {};
        seen_[name] = f >= 0 && ::fstat(f, &st) == 0 ? (st.st_mode & 07777) : 0xFFFF;
        if (f >= 0) ::close(f);
      }
    }
  }

  std::string dir_;
  int fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::map<std::string, unsigned> seen_;
};

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

class BackupFileModes : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Engines, BackupFileModes, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(BackupFileModes, BackupFilesAndTheFoldersMadeForThemArePrivateUnderUmask022) {
  SKIP_WITHOUT_POSTGRES(GetParam());
  ScopedUmask umask022(022);
  cc::test::TempDir root;
  std::string backups = (root.path() / "made" / "backups").string();  // neither folder exists yet
  cc::test::HostProcess host(pluginYaml(backups), "", databaseFor(GetParam(), "bk_modes"));
  ASSERT_TRUE(host.start()) << host.output();
  host.signup("modes@example.com");

  auto r = run(host.configPath(), {"backup", "--verify"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(octal(modeOf(root.path() / "made")), "0700") << "a parent folder the run created";
  EXPECT_EQ(octal(modeOf(backups)), "0700");
  for (const char* suffix : {".sql.gz", ".sql.gz.sha256", ".sql.gz.manifest.json", ".sql.gz.verified"})
    EXPECT_EQ(filesEndingWith(backups, suffix).size(), 1u) << suffix << "\n" << r.output;
  EXPECT_EQ(filesNotPrivate(backups), "");
}

TEST(BackupFileModes, SqliteSnapshotAndVerifyCopyAreCreatedPrivateAndALooseFolderIsReported) {
  ScopedUmask umask022(022);
  cc::test::TempDir backups;
  ASSERT_EQ(::chmod(backups.str().c_str(), 0755), 0);  // e.g. made by hand with the default umask
  cc::test::HostProcess host(pluginYaml(backups.str()));
  ASSERT_TRUE(host.start()) << host.output();
  // A few MB, so the snapshot and the verify copy live for a while (the watcher opens each
  // file as it appears; a file that vanished first fails the test rather than passing it).
  cc::test::execute(host.databaseUrl(), "CREATE TABLE bulk (id INTEGER PRIMARY KEY, payload BLOB)");
  cc::test::execute(host.databaseUrl(),
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
                    "INSERT INTO bulk SELECT i, randomblob(2000) FROM n");

  CreatedFileModes watcher(backups.str());
  auto r = run(host.configPath(), {"backup", "--verify"});
  auto seen = watcher.finish();
  ASSERT_EQ(r.exitCode, 0) << r.output;

  bool sawSnapshot = false, sawVerifyCopy = false;
  std::string report;
  for (auto& [name, mode] : seen) {
    report += name + " " + (mode == 0xFFFF ? std::string("gone") : octal(mode)) + "\n";
    sawSnapshot = sawSnapshot || (startsWith(name, ".snapshot.db.tmp-") && mode != 0xFFFF);
    sawVerifyCopy = sawVerifyCopy || (startsWith(name, ".verify.db.tmp-") && mode != 0xFFFF);
    if (mode != 0xFFFF) EXPECT_EQ(octal(mode), "0600") << name;
  }
  EXPECT_TRUE(sawSnapshot) << report;
  EXPECT_TRUE(sawVerifyCopy) << report;
  EXPECT_EQ(filesNotPrivate(backups.str()), "");
  EXPECT_EQ(octal(modeOf(backups.path())), "0755") << "a folder the operator made is not changed";
  EXPECT_NE(r.output.find("has mode 0755: other accounts can list it"), std::string::npos) << r.output;
}

TEST(BackupFileModes, BackupScriptKeepsEverythingPrivateUnderUmask022) {
  ScopedUmask umask022(022);
  cc::test::TempDir root;
  std::string backups = (root.path() / "made" / "backups").string();
  // Not started: the script's run creates the data folder and the SQLite database too.
  cc::test::HostProcess host(pluginYaml(backups));
  std::string log = (root.path() / "script.log").string();
  std::string cmd = "CODECOUNCIL_BIN='" + cc::test::hostBinary() + "' CODECOUNCIL_CONFIG='" + host.configPath() +
                    "' BACKUP_MIN_FREE_BYTES=0 bash " + cc::test::sourceDir() +
                    "/scripts/backup-db.sh development --verify > '" + log + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cc::test::readFile(log);
  std::filesystem::remove(log);

  EXPECT_EQ(octal(modeOf(root.path() / "made")), "0700");
  EXPECT_EQ(octal(modeOf(backups)), "0700");
  EXPECT_EQ(filesEndingWith(backups, ".sql.gz.verified").size(), 1u);
  EXPECT_EQ(filesNotPrivate(backups), "");
  // What the binary creates without setting a mode itself follows the script's umask 077.
  std::string db = host.databaseUrl().substr(std::string("sqlite://").size());
  EXPECT_EQ(octal(modeOf(db)), "0600") << db;
}
