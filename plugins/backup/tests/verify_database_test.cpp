// Verification drops everything in `verify_database_url`: the real binary refuses a URL that
// names the live database (at start, as a located config error), leaves a database it did
// not prepare (no codecouncil_verify_scratch marker) untouched, and serialises hosts that
// verify into one scratch database at the same time. PostgreSQL only: SQLite verifies into a
// temp file.
#include "backup_test_support.hpp"
#include "database_target.hpp"
#include "live_database_guard.hpp"
#include "verify_scratch.hpp"

#include <future>
#include <thread>

using namespace backup_test;
using cc::backup::parseDatabaseUrl;

namespace {

/// `url` (postgresql://user@127.0.0.1:port/db) spelled another way: localhost, a password.
std::string respelled(const std::string& url, const std::string& password) {
  auto scheme = url.find("://") + 3;
  auto at = url.find('@', scheme);
  std::string user = url.substr(scheme, at - scheme);
  std::string rest = url.substr(at + 1);
  auto colon = rest.find(':');
  return "postgresql://" + user + ":" + password + "@localhost" + rest.substr(colon);
}

std::string verifyYaml(const std::string& url) { return "verify_database_url: \"" + url + "\""; }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST(VerifyDatabase, UrlNamingTheLiveDatabaseIsRefusedAtStartWithoutItsPassword) {
  SKIP_WITHOUT_POSTGRES(std::string("postgresql"));
  cc::test::TempDir backups;
  std::string live = cc::test::createPostgresDatabase("bk_vlive");
  std::string verify = respelled(live, "pw-never-logged-4242");
  cc::test::HostProcess host(pluginYaml(backups.str(), verifyYaml(verify)), "", live);
  EXPECT_FALSE(host.start()) << host.output();
  std::string where = "plugins[0].config.verify_database_url (" + host.configPath() + ":";
  EXPECT_TRUE(contains(host.output(), where)) << host.output();
  EXPECT_TRUE(contains(host.output(), "names the live database")) << host.output();
  EXPECT_FALSE(contains(host.output(), "pw-never-logged-4242")) << host.output();

  // The CLI refuses before anything runs too; the live data stays.
  cc::test::HostProcess plain(pluginYaml(backups.str()), "", live);
  ASSERT_TRUE(plain.start()) << plain.output();
  plain.signup("live@example.com");
  plain.stop();
  auto r = run(host.configPath(), {"backup", "--verify"});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, where)) << r.output;
  EXPECT_FALSE(contains(r.output, "pw-never-logged-4242")) << r.output;
  EXPECT_TRUE(filesEndingWith(backups.str(), ".sql.gz").empty());
  EXPECT_EQ(cc::test::queryStrings(live, "SELECT email FROM \"User\""), std::vector<std::string>{"live@example.com"});
}

TEST(VerifyDatabase, DatabaseWithoutTheScratchMarkerIsLeftUntouchedAndTheRunFails) {
  SKIP_WITHOUT_POSTGRES(std::string("postgresql"));
  cc::test::TempDir backups;
  std::string foreign = cc::test::createPostgresDatabase("bk_vforeign");
  cc::test::execute(foreign, "CREATE TABLE precious (id INTEGER PRIMARY KEY, note TEXT)");
  cc::test::execute(foreign, "INSERT INTO precious VALUES (1, 'keep me'), (2, 'me too')");
  cc::test::HostProcess host(pluginYaml(backups.str(), verifyYaml(foreign)), "",
                             cc::test::createPostgresDatabase("bk_vsrc"));
  ASSERT_TRUE(host.start()) << host.output();
  host.signup("source@example.com");

  auto r = run(host.configPath(), {"backup", "--verify"});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "holds 1 object(s) of its own (first: table public.precious) and no "
                                 "codecouncil_verify_scratch table"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "nothing in it was changed")) << r.output;
  EXPECT_EQ(cc::test::queryStrings(foreign, "SELECT note FROM precious ORDER BY id"),
            (std::vector<std::string>{"keep me", "me too"}));
  EXPECT_EQ(cc::test::queryStrings(foreign, "SELECT COUNT(*) FROM pg_class WHERE relname = 'codecouncil_verify_scratch'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(cc::test::queryStrings(host.databaseUrl(), "SELECT status FROM backup_runs"),
            std::vector<std::string>{"failed"});
}

TEST(VerifyDatabase, AnEmptyDatabaseIsMarkedOnceAndServesEveryLaterVerification) {
  SKIP_WITHOUT_POSTGRES(std::string("postgresql"));
  cc::test::TempDir backups;
  std::string scratch = cc::test::createPostgresDatabase("bk_vscratch");
  cc::test::HostProcess host(pluginYaml(backups.str(), verifyYaml(scratch)), "",
                             cc::test::createPostgresDatabase("bk_vsrc2"));
  ASSERT_TRUE(host.start()) << host.output();
  host.signup("first@example.com");
  auto first = run(host.configPath(), {"backup", "--verify"});
  ASSERT_EQ(first.exitCode, 0) << first.output;
  EXPECT_EQ(cc::test::queryStrings(scratch, "SELECT COUNT(*) FROM codecouncil_verify_scratch"),
            std::vector<std::string>{"1"});

  host.signup("second@example.com");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // next file name (one per second)
  auto second = run(host.configPath(), {"backup", "--verify"});
  ASSERT_EQ(second.exitCode, 0) << second.output;
  EXPECT_EQ(cc::test::queryStrings(scratch, "SELECT COUNT(*) FROM \"User\""), std::vector<std::string>{"2"});
  EXPECT_EQ(cc::test::queryStrings(scratch, "SELECT COUNT(*) FROM codecouncil_verify_scratch"),
            std::vector<std::string>{"1"});
}

TEST(VerifyDatabase, TwoHostsVerifyingIntoOneScratchDatabaseAtOnceBothSucceed) {
  SKIP_WITHOUT_POSTGRES(std::string("postgresql"));
  std::string scratch = cc::test::createPostgresDatabase("bk_vshared");
  std::string source = cc::test::createPostgresDatabase("bk_vsrc3");
  constexpr int kHosts = 4;
  std::vector<std::unique_ptr<cc::test::TempDir>> dirs;
  std::vector<std::unique_ptr<cc::test::HostProcess>> hosts;
  for (int i = 0; i < kHosts; ++i) {
    dirs.push_back(std::make_unique<cc::test::TempDir>());
    hosts.push_back(std::make_unique<cc::test::HostProcess>(pluginYaml(dirs.back()->str(), verifyYaml(scratch)), "",
                                                            source));
  }
  ASSERT_TRUE(hosts[0]->start()) << hosts[0]->output();
  for (int i = 0; i < 20; ++i) hosts[0]->signup("u" + std::to_string(i) + "@example.com");
  hosts[0]->stop();  // nothing writes while they run: every run verifies the same content

  std::vector<std::future<cc::test::ProcessResult>> runs;
  for (auto& h : hosts)
    runs.push_back(std::async(std::launch::async, [&h] { return run(h->configPath(), {"backup", "--verify"}); }));
  for (auto& f : runs) {
    auto r = f.get();
    EXPECT_EQ(r.exitCode, 0) << r.output;
  }
  EXPECT_EQ(cc::test::queryStrings(scratch, "SELECT COUNT(*) FROM codecouncil_verify_scratch"),
            std::vector<std::string>{"1"});
}

// The server-side check behind the URL comparison: whatever name led there (a DNS alias the
// comparison cannot see through), the same postmaster and database oid is refused.
TEST(VerifyDatabase, LeaseRefusesTheLiveDatabaseWhateverNameLedThere) {
  SKIP_WITHOUT_POSTGRES(std::string("postgresql"));
  std::string live = cc::test::createPostgresDatabase("bk_vlease");
  cc::test::execute(live, "CREATE TABLE precious (id INTEGER)");
  auto liveTarget = parseDatabaseUrl(live, "/");
  auto otherName = liveTarget;
  otherName.host = "localhost";
  try {
    cc::backup::VerifyScratchLease lease(otherName, liveTarget);
    FAIL() << "the live database was accepted as a scratch database";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "reaches the live database")) << e.what();
  }
  EXPECT_EQ(cc::test::queryStrings(live, "SELECT COUNT(*) FROM pg_class WHERE relname IN ('precious', "
                                         "'codecouncil_verify_scratch')"),
            std::vector<std::string>{"1"});
}

TEST(VerifyDatabase, UrlComparisonSeesThroughSpellingsOfThisMachine) {
  auto t = [](const std::string& url) { return parseDatabaseUrl(url, "/srv/app"); };
  using cc::backup::namesSameDatabase;
  auto live = t("postgresql://app:secret@127.0.0.1:5432/cc");
  EXPECT_TRUE(namesSameDatabase(live, t("postgresql://other@localhost/cc")));
  EXPECT_TRUE(namesSameDatabase(live, t("postgresql://other@[::1]:5432/cc?sslmode=disable")));
  EXPECT_TRUE(namesSameDatabase(live, t("postgres://x@127.0.0.2/cc")));
  EXPECT_TRUE(namesSameDatabase(live, t("postgresql://x@LOCALHOST./cc")));
  auto socket = live;
  socket.host = "/var/run/postgresql";
  EXPECT_TRUE(namesSameDatabase(live, socket));
  EXPECT_FALSE(namesSameDatabase(live, t("postgresql://app@127.0.0.1:5433/cc")));
  EXPECT_FALSE(namesSameDatabase(live, t("postgresql://app@127.0.0.1:5432/cc_verify")));
  EXPECT_FALSE(namesSameDatabase(live, t("postgresql://app@127.0.0.1:5432/CC")));
  EXPECT_FALSE(namesSameDatabase(live, t("postgresql://app@db.internal:5432/cc")));
  EXPECT_TRUE(namesSameDatabase(t("postgresql://a@db.internal/cc"), t("postgresql://b@DB.internal:5432/cc")));
  EXPECT_TRUE(namesSameDatabase(t("sqlite://data/cc.db"), t("sqlite:///srv/app/data/../data/cc.db")));
  EXPECT_FALSE(namesSameDatabase(t("sqlite://data/cc.db"), t("sqlite://data/verify.db")));
}
