// Signed checkpoints against the real binary, on SQLite and PostgreSQL: written on schedule
// and at shutdown; `audit verify` catches a cut tail, a rewritten entry, an edited or removed
// checkpoint and a wrong key, each with the first bad row; `audit prove` / `check-proof`
// round-trip offline and refuse a tampered proof; two hosts on one PostgreSQL keep one chain.
#include "audit_test_support.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace cc::audit::test;
namespace fs = std::filesystem;

namespace {

const std::string kKey = "test-checkpoint-key-0123456789abcdef0123456789";
const std::string kOtherKey = "another-checkpoint-key-0123456789abcdef01234";

std::string checkpointConfig(int intervalSeconds) {
  return "{checkpoint_key: \"${AUDIT_CHECKPOINT_KEY:-}\", checkpoint_interval_seconds: " +
         std::to_string(intervalSeconds) + "}";
}

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

fs::path checkpointDir(const HostProcess& host) { return host.dir().path() / "data" / "audit-checkpoints"; }

fs::path checkpointFile(const HostProcess& host, int number) {
  char name[64];
  std::snprintf(name, sizeof name, "checkpoint-%010d.json", number);
  return checkpointDir(host) / name;
}

int fileCount(const HostProcess& host) {
  int n = 0;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(checkpointDir(host), ec))
    if (f.path().extension() == ".json") ++n;
  return n;
}

/// `codecouncil --config <host's> audit <args...>` with AUDIT_CHECKPOINT_KEY = key.
ProcessResult audit(const HostProcess& host, std::vector<std::string> args, const std::string& key = kKey) {
  std::vector<std::string> full = {"--config", host.configPath(), "audit"};
  full.insert(full.end(), args.begin(), args.end());
  return runHost(full, {{"AUDIT_CHECKPOINT_KEY", key}});
}

std::string replaceOnce(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' not in " << text;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

}  // namespace

// Checkpoint #1 covers rows 1-10, checkpoint #2 rows 1-20 (each written at a shutdown).
class AuditCheckpoints : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "postgresql") {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = createPostgresDatabase("audit_checkpoint");
    }
    host_ = std::make_unique<HostProcess>(auditPlugins(checkpointConfig(86400)), "", url);
    for (int round = 0; round < 2; ++round) {
      ASSERT_TRUE(host_->start(env())) << host_->output();
      for (int i = 1; i <= 10; ++i)
        record(*host_, R"({"action":"round_)" + std::to_string(round) + R"(","severity":"info","resourceType":"system","userId":"u)" +
                           std::to_string(i) + R"(","metadata":"{\"n\":)" + std::to_string(i) + R"(}"})");
      ASSERT_TRUE(waitForTotal(*host_, 10 * (round + 1)));
      ASSERT_EQ(host_->stop(), 0) << host_->output();
    }
    ASSERT_EQ(one("SELECT COUNT(*) FROM \"AuditCheckpoint\""), "2");
    ASSERT_EQ(one("SELECT seq FROM \"AuditCheckpoint\" WHERE number = 2"), "20");
    ASSERT_TRUE(fs::exists(checkpointFile(*host_, 2)));
  }
  void TearDown() override {
    if (host_) host_->stop();
  }
  static std::map<std::string, std::string> env() { return {{"AUDIT_CHECKPOINT_KEY", kKey}}; }
  void sql(const std::string& statement) { execute(host_->databaseUrl(), statement); }
  std::string one(const std::string& query) {
    auto rows = queryStrings(host_->databaseUrl(), query);
    return rows.empty() ? "<none>" : rows[0];
  }
  // Deletes rows after `keep` and moves the chain head back onto row `keep`, as someone with
  // write access to the database would to hide the newest entries.
  void truncateTo(int keep) {
    std::string k = std::to_string(keep);
    sql("DELETE FROM \"AuditLog\" WHERE id > " + k);
    sql("UPDATE \"AuditChain\" SET \"lastId\" = " + k + ", \"lastHash\" = (SELECT hash FROM \"AuditLog\" WHERE id = " +
        k + ") WHERE id = 1");
  }
  void expectTampered(const std::string& fragment, const std::string& key = kKey) {
    auto r = audit(*host_, {"verify"}, key);
    EXPECT_EQ(r.exitCode, 1) << r.output;
    EXPECT_NE(r.output.find(fragment), std::string::npos) << "expected '" << fragment << "' in:\n" << r.output;
  }
  std::unique_ptr<HostProcess> host_;
};

TEST_P(AuditCheckpoints, CheckpointFilesAreSignedAndVerifyPasses) {
  auto file = parse(readText(checkpointFile(*host_, 2)));
  EXPECT_EQ(file->getValue<std::int64_t>("seq"), 20);
  EXPECT_EQ(file->getValue<std::int64_t>("count"), 20);
  EXPECT_EQ(file->getValue<std::string>("headHash"), one("SELECT hash FROM \"AuditLog\" WHERE id = 20"));
  EXPECT_EQ(file->getValue<std::string>("previousSignature"),
            parse(readText(checkpointFile(*host_, 1)))->getValue<std::string>("signature"));
  EXPECT_EQ(fs::status(checkpointFile(*host_, 2)).permissions() & fs::perms::others_all, fs::perms::none);
  auto r = audit(*host_, {"verify"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("OK, 20 rows checked"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OK, 2 signed checkpoints chain together; the log matches checkpoint #2 (row 20"),
            std::string::npos)
      << r.output;
  // The key reaches neither the log nor the files.
  EXPECT_EQ(host_->output().find(kKey), std::string::npos);
  EXPECT_EQ(readText(checkpointFile(*host_, 2)).find(kKey), std::string::npos);
}

TEST_P(AuditCheckpoints, TruncatedTailIsCaught) {
  truncateTo(15);
  // The plain hash chain sees nothing wrong: the head was moved with the rows.
  expectTampered("TAMPERED at row 16 (truncated)");
  expectTampered("rows 16 to 20 were removed");
}

TEST_P(AuditCheckpoints, RewrittenEntryIsCaught) {
  sql("UPDATE \"AuditLog\" SET metadata = '{\"n\":99}' WHERE id = 13");
  expectTampered("TAMPERED at row 13 (edited)");
}

TEST_P(AuditCheckpoints, RewrittenTailWithValidHashesIsCaught) {
  // Cut rows 16-20 and let the real writer append five new, correctly chained rows 16-20.
  truncateTo(15);
  ASSERT_TRUE(host_->start(env())) << host_->output();
  for (int i = 0; i < 5; ++i) record(*host_, R"({"action":"forged","severity":"info","resourceType":"system"})");
  ASSERT_TRUE(waitForTotal(*host_, 5, "?action=forged"));
  host_->stop();
  // Checkpoint #1 (row 10) still holds; #2 signed another row 20: rows 11-20 are in doubt.
  expectTampered("TAMPERED at row 11 (rewritten)");
}

TEST_P(AuditCheckpoints, EditedCheckpointHeadHashIsCaught) {
  fs::path f = checkpointFile(*host_, 2);
  std::string text = readText(f);
  std::string head = parse(text)->getValue<std::string>("headHash");
  std::string forged = head;
  forged[0] = forged[0] == 'a' ? 'b' : 'a';
  writeText(f, replaceOnce(text, head, forged));
  expectTampered("TAMPERED at row 20 (forged)");
}

TEST_P(AuditCheckpoints, EditedCheckpointSeqIsCaught) {
  // Truncate to row 15 and claim checkpoint #2 covered only 15 rows: the signature says no.
  truncateTo(15);
  fs::path f = checkpointFile(*host_, 2);
  std::string text = replaceOnce(readText(f), "\"seq\":20", "\"seq\":15");
  writeText(f, replaceOnce(text, parse(text)->getValue<std::string>("headHash"),
                           one("SELECT hash FROM \"AuditLog\" WHERE id = 15")));
  expectTampered("TAMPERED at row 15 (forged)");
}

TEST_P(AuditCheckpoints, DeletedNewestCheckpointFileIsStillCheckedFromItsSignedCopy) {
  fs::remove(checkpointFile(*host_, 2));
  auto ok = audit(*host_, {"verify"});
  EXPECT_EQ(ok.exitCode, 0) << ok.output;
  EXPECT_NE(ok.output.find("the newest 1 checkpoint(s) have no file"), std::string::npos) << ok.output;
  // Deleting the file bought nothing: a cut tail is still measured against checkpoint #2.
  truncateTo(15);
  expectTampered("TAMPERED at row 16 (truncated)");
}

TEST_P(AuditCheckpoints, DeletedMiddleCheckpointIsCaught) {
  fs::remove(checkpointFile(*host_, 1));
  sql("DELETE FROM \"AuditCheckpoint\" WHERE number = 1");
  expectTampered("TAMPERED at row 1 (missing): checkpoint #1 is missing");
}

TEST_P(AuditCheckpoints, DeletedNewestCheckpointFileAndRowStillLeaveTheOlderOne) {
  // Removing the newest checkpoint everywhere cannot be seen (nothing signs it yet); what the
  // older one covers stays protected.
  fs::remove(checkpointFile(*host_, 2));
  sql("DELETE FROM \"AuditCheckpoint\" WHERE number = 2");
  truncateTo(8);
  expectTampered("TAMPERED at row 9 (truncated)");
}

TEST_P(AuditCheckpoints, ForgedCheckpointRowInTheDatabaseIsCaught) {
  sql("INSERT INTO \"AuditCheckpoint\" (number, seq, \"count\", \"headHash\", \"time\", \"previousSignature\", signature) "
      "SELECT 3, 15, 15, \"headHash\", \"time\", signature, signature FROM \"AuditCheckpoint\" WHERE number = 2");
  expectTampered("TAMPERED at row 15 (forged)");
}

TEST_P(AuditCheckpoints, RetentionPurgeKeepsCheckpointsVerifiable) {
  std::string pivot = one("SELECT MIN(\"createdAt\") FROM \"AuditLog\" WHERE action = 'round_1'");
  auto purge = audit(*host_, {"purge", "--before", pivot});
  ASSERT_EQ(purge.exitCode, 0) << purge.output;
  ASSERT_EQ(one("SELECT \"anchorId\" FROM \"AuditChain\""), "10");
  // Checkpoint #1 covered exactly the purged rows: it is checked against the anchor.
  auto r = audit(*host_, {"verify"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("OK, 2 signed checkpoints chain together"), std::string::npos) << r.output;
  auto gone = audit(*host_, {"prove", "5"});
  EXPECT_EQ(gone.exitCode, 1) << gone.output;
  EXPECT_NE(gone.output.find("purged by retention"), std::string::npos) << gone.output;
  EXPECT_EQ(audit(*host_, {"prove", "15"}).exitCode, 0);
  // A cut tail is still caught after a purge.
  truncateTo(17);
  expectTampered("TAMPERED at row 18 (truncated)");
}

TEST_P(AuditCheckpoints, WrongKeyIsNamed) {
  expectTampered("(wrong key): no checkpoint's signature matches AUDIT_CHECKPOINT_KEY", kOtherKey);
}

TEST_P(AuditCheckpoints, ProveAndCheckProofRoundTripOffline) {
  auto proof = audit(*host_, {"prove", "5"});
  ASSERT_EQ(proof.exitCode, 0) << proof.output;
  auto json = parse(proof.output.substr(proof.output.find('{')));
  EXPECT_EQ(json->getObject("entry")->getValue<std::int64_t>("id"), 5);
  EXPECT_EQ(json->getObject("entry")->getValue<std::string>("hash"), one("SELECT hash FROM \"AuditLog\" WHERE id = 5"));
  // The earliest checkpoint covering row 5 is #1 (row 10): rows 6-10 link it there.
  EXPECT_EQ(json->getObject("checkpoint")->getValue<std::int64_t>("number"), 1);
  EXPECT_EQ(json->getArray("following")->size(), 5u);
  fs::path file = host_->dir().path() / "proof.json";
  writeText(file, proof.output.substr(proof.output.find('{')));

  // Offline: another machine's config with an empty database of its own, the original gone.
  if (GetParam() == "sqlite") fs::remove(host_->dir().path() / "data" / "test.db");
  else sql("DELETE FROM \"AuditLog\"");
  HostProcess elsewhere(auditPlugins(checkpointConfig(86400)));
  auto check = audit(elsewhere, {"check-proof", file.string()});
  EXPECT_EQ(check.exitCode, 0) << check.output;
  EXPECT_NE(check.output.find("OK, entry 5 is in the audit log as of checkpoint #1 (row 10"), std::string::npos)
      << check.output;

  std::string text = readText(file);
  auto refused = [&](const std::string& edited, const std::string& fragment, const std::string& key = kKey) {
    fs::path bad = host_->dir().path() / "bad-proof.json";
    writeText(bad, edited);
    auto r = audit(elsewhere, {"check-proof", bad.string()}, key);
    EXPECT_EQ(r.exitCode, 1) << r.output;
    EXPECT_NE(r.output.find(fragment), std::string::npos) << "expected '" << fragment << "' in:\n" << r.output;
  };
  refused(replaceOnce(text, "\"userId\": \"u5\"", "\"userId\": \"u6\""),
          "REFUSED (tampered entry): entry 5 was tampered with");
  refused(replaceOnce(text, "{\\\"n\\\":8}", "{\\\"n\\\":80}"), "REFUSED (broken link): broken link at row 8");
  refused(replaceOnce(text, "\"seq\": 10", "\"seq\": 9"), "REFUSED (bad signature)");
  refused(text, "REFUSED (bad signature)", kOtherKey);
  refused("{\"format\": 1}", "REFUSED (malformed)");
  refused("\xff\xfe not json", "REFUSED (malformed)");
  auto missing = audit(elsewhere, {"check-proof", (host_->dir().path() / "nope.json").string()});
  EXPECT_EQ(missing.exitCode, 2) << missing.output;
}

TEST_P(AuditCheckpoints, ProveRefusesWhatNoCheckpointCovers) {
  ASSERT_TRUE(host_->start(env())) << host_->output();
  record(*host_, R"({"action":"late","severity":"info","resourceType":"system"})");
  ASSERT_TRUE(waitForTotal(*host_, 21));
  auto r = audit(*host_, {"prove", "21"});
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("no checkpoint"), std::string::npos) << r.output;
  for (std::string bad : {"0", "-1", "abc", "5x", "99999999999999999999999"})
    EXPECT_EQ(audit(*host_, {"prove", bad}).exitCode, 2) << bad;
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditCheckpoints, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

class AuditCheckpointSchedule : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql" && postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  }
  std::string url() {
    if (GetParam() == "postgresql") return createPostgresDatabase("audit_checkpoint_schedule");
    return "";
  }
};

TEST_P(AuditCheckpointSchedule, WrittenOnScheduleAndAtShutdown) {
  HostProcess host(auditPlugins(checkpointConfig(1)), "", url());
  ASSERT_TRUE(host.start({{"AUDIT_CHECKPOINT_KEY", kKey}})) << host.output();
  record(host, R"({"action":"scheduled","severity":"info","resourceType":"system"})");
  ASSERT_TRUE(waitForTotal(host, 1));
  ASSERT_TRUE(host.waitForOutput("(scheduled): row 1,", 10000)) << host.output();
  int scheduled = fileCount(host);
  EXPECT_GE(scheduled, 1);
  EXPECT_EQ(host.stop(), 0);
  EXPECT_NE(host.output().find("(shutdown): row 1,"), std::string::npos) << host.output();
  EXPECT_GT(fileCount(host), scheduled);
  auto r = audit(host, {"verify"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("signed checkpoints chain together"), std::string::npos) << r.output;
}

// `codecouncil jobs run audit.checkpoint` writes one now (and, as the plugins stop, one more).
TEST_P(AuditCheckpointSchedule, JobsRunWritesOneNow) {
  HostProcess host(auditPlugins(checkpointConfig(86400)), "", url());
  auto listed = runHost({"--config", host.configPath(), "jobs"}, {{"AUDIT_CHECKPOINT_KEY", kKey}});
  EXPECT_NE(listed.output.find("audit.checkpoint"), std::string::npos) << listed.output;
  auto r = runHost({"--config", host.configPath(), "jobs", "run", "audit.checkpoint"}, {{"AUDIT_CHECKPOINT_KEY", kKey}});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("audit checkpoint #1 (scheduled)"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(kKey), std::string::npos);
  EXPECT_EQ(fileCount(host), 2);
  EXPECT_EQ(audit(host, {"verify"}).exitCode, 0);
  // Without a key there is no such job.
  auto none = runHost({"--config", host.configPath(), "jobs"}, {{"AUDIT_CHECKPOINT_KEY", ""}});
  EXPECT_EQ(none.output.find("audit.checkpoint"), std::string::npos) << none.output;
}

// What the backup plugin calls to put a checkpoint into its manifest (a declared service).
TEST_P(AuditCheckpointSchedule, ServiceWritesACheckpointForAnotherPlugin) {
  HostProcess host(auditPlugins(checkpointConfig(86400)), "", url());
  ASSERT_TRUE(host.start({{"AUDIT_CHECKPOINT_KEY", kKey}})) << host.output();
  for (int i = 0; i < 3; ++i) record(host, R"({"action":"for_backup","severity":"info","resourceType":"system"})");
  ASSERT_TRUE(waitForTotal(host, 3));
  auto r = host.post("/api/test/audit/checkpoint", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  auto checkpoint = parse(r.body);
  EXPECT_EQ(checkpoint->getValue<std::int64_t>("number"), 1);
  EXPECT_EQ(checkpoint->getValue<std::int64_t>("seq"), 3);
  EXPECT_EQ(r.body.find(kKey), std::string::npos);
  EXPECT_EQ(readText(checkpointFile(host, 1)), r.body + "\n");
  host.stop();
  auto verify = audit(host, {"verify"});
  EXPECT_EQ(verify.exitCode, 0) << verify.output;
  EXPECT_NE(verify.output.find("OK, 2 signed checkpoints chain together"), std::string::npos) << verify.output;
}

TEST_P(AuditCheckpointSchedule, OffWithoutAKeySaidOnce) {
  HostProcess host(auditPlugins(checkpointConfig(1)), "", url());
  ASSERT_TRUE(host.start({{"AUDIT_CHECKPOINT_KEY", ""}})) << host.output();
  ASSERT_TRUE(host.waitForOutput("audit checkpoints off: checkpoint_key is empty"));
  EXPECT_EQ(host.post("/api/test/audit/checkpoint", "{}").status, 204);
  host.stop();
  EXPECT_FALSE(fs::exists(checkpointDir(host)));
  auto r = audit(host, {"verify"}, "");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("checkpoints not checked"), std::string::npos) << r.output;
}

TEST_P(AuditCheckpointSchedule, ShortKeyIsRefusedWithoutEchoingIt) {
  HostProcess host(auditPlugins(checkpointConfig(1)), "", url());
  EXPECT_FALSE(host.start({{"AUDIT_CHECKPOINT_KEY", "short-secret-value"}}));
  EXPECT_NE(host.output().find("checkpoint_key"), std::string::npos) << host.output();
  EXPECT_NE(host.output().find("at least 32 characters"), std::string::npos) << host.output();
  EXPECT_EQ(host.output().find("short-secret-value"), std::string::npos) << host.output();
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditCheckpointSchedule, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// Two hosts on one PostgreSQL: one checkpoint per interval between them, one unforked chain.
TEST(AuditCheckpointTwoHosts, OneChainAcrossHosts) {
  if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
  std::string url = createPostgresDatabase("audit_checkpoint_hosts");
  HostProcess a(auditPlugins(checkpointConfig(1)), "", url), b(auditPlugins(checkpointConfig(1)), "", url);
  ASSERT_TRUE(a.start({{"AUDIT_CHECKPOINT_KEY", kKey}})) << a.output();
  ASSERT_TRUE(b.start({{"AUDIT_CHECKPOINT_KEY", kKey}})) << b.output();
  for (int i = 0; i < 20; ++i) record(i % 2 ? a : b, R"({"action":"two_hosts","severity":"info","resourceType":"system"})");
  ASSERT_TRUE(waitForTotal(a, 20));
  // Wait for a few scheduled checkpoints after the last row.
  for (int n = 0; n < 50 && std::stoi(queryStrings(url, "SELECT COUNT(*) FROM \"AuditCheckpoint\" WHERE seq = 20")[0]) < 3; ++n)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
  auto count = [](const std::string& log, const std::string& what) {
    int n = 0;
    for (std::size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  int scheduled = count(a.output(), "(scheduled)") + count(b.output(), "(scheduled)");
  int shutdown = count(a.output(), "(shutdown)") + count(b.output(), "(shutdown)");
  EXPECT_EQ(shutdown, 2);
  EXPECT_GE(scheduled, 3);
  // One per slot: as many checkpoints as the scheduler's claimed slots, none twice.
  auto slots = queryStrings(url, "SELECT COUNT(*) FROM scheduled_job_runs WHERE job = 'audit.checkpoint' AND status = 'succeeded'");
  EXPECT_EQ(std::to_string(scheduled), slots[0]);
  auto rows = queryStrings(url, "SELECT COUNT(*) || ' ' || MIN(number) || ' ' || MAX(number) FROM \"AuditCheckpoint\"");
  EXPECT_EQ(rows[0], std::to_string(scheduled + shutdown) + " 1 " + std::to_string(scheduled + shutdown));
  // Each links to the one before it: no two checkpoints share a predecessor.
  auto links = queryStrings(url, "SELECT COUNT(*) FROM \"AuditCheckpoint\" c JOIN \"AuditCheckpoint\" p "
                                 "ON p.number = c.number - 1 AND p.signature = c.\"previousSignature\"");
  EXPECT_EQ(links[0], std::to_string(scheduled + shutdown - 1));
  // Verify passes from both hosts' data dirs (the later writer copied the other's files).
  for (HostProcess* h : {&a, &b}) {
    auto r = audit(*h, {"verify"});
    EXPECT_EQ(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("signed checkpoints chain together"), std::string::npos) << r.output;
  }
}
