// `codecouncil audit verify` walks the chain and names the first row that was edited,
// inserted or deleted with plain SQL; `audit purge` removes old rows and what remains still
// verifies. On SQLite and PostgreSQL.
#include "audit_test_support.hpp"

using namespace cc::audit::test;

class AuditVerify : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "postgresql") {
      if (postgresAdminUrl().empty()) GTEST_SKIP() << "CC_TEST_POSTGRES_URL is not set";
      url = createPostgresDatabase("audit_verify");
    }
    host_ = std::make_unique<HostProcess>(auditPlugins(), "", url);
    ASSERT_TRUE(host_->start()) << host_->output();
    // Two batches with distinct timestamps, so a purge can split them exactly.
    for (int i = 1; i <= 10; ++i) record(*host_, R"({"action":"first_batch","severity":"info","resourceType":"system","userId":"u)" + std::to_string(i) + R"("})");
    ASSERT_TRUE(waitForTotal(*host_, 10));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int i = 11; i <= 20; ++i) record(*host_, R"({"action":"second_batch","severity":"error","resourceType":"payment","metadata":"{\"n\":)" + std::to_string(i) + R"(}"})");
    ASSERT_TRUE(waitForTotal(*host_, 20));
  }
  void TearDown() override {
    if (host_) host_->stop();
  }
  void sql(const std::string& statement) { execute(host_->databaseUrl(), statement); }
  std::string one(const std::string& query) {
    auto rows = queryStrings(host_->databaseUrl(), query);
    return rows.empty() ? "<none>" : rows[0];
  }
  void expectTampered(const std::string& fragment) {
    auto r = auditCommand(*host_, {"verify"});
    EXPECT_EQ(r.exitCode, 1) << r.output;
    EXPECT_NE(r.output.find(fragment), std::string::npos) << "expected '" << fragment << "' in:\n" << r.output;
  }
  std::unique_ptr<HostProcess> host_;
};

TEST_P(AuditVerify, IntactChainPasses) {
  auto r = auditCommand(*host_, {"verify"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("OK, 20 rows checked"), std::string::npos) << r.output;
  EXPECT_EQ(one("SELECT COUNT(DISTINCT hash) FROM \"AuditLog\""), "20");
  EXPECT_EQ(one("SELECT \"lastId\" FROM \"AuditChain\""), "20");
}

TEST_P(AuditVerify, EditedRowIsCaught) {
  sql("UPDATE \"AuditLog\" SET severity = 'info' WHERE id = 13");
  expectTampered("TAMPERED at row 13 (edited)");
}

TEST_P(AuditVerify, EditedMetadataAndNulledColumnAreCaught) {
  sql("UPDATE \"AuditLog\" SET metadata = '{\"n\":99}' WHERE id = 15");
  expectTampered("TAMPERED at row 15 (edited)");
  sql("UPDATE \"AuditLog\" SET metadata = '{\"n\":15}' WHERE id = 15");  // put it back
  auto ok = auditCommand(*host_, {"verify"});
  EXPECT_EQ(ok.exitCode, 0) << ok.output;
  sql("UPDATE \"AuditLog\" SET \"userId\" = NULL WHERE id = 4");
  expectTampered("TAMPERED at row 4 (edited)");
}

TEST_P(AuditVerify, DeletedRowIsCaught) {
  sql("DELETE FROM \"AuditLog\" WHERE id = 5");
  expectTampered("TAMPERED at row 5 (deleted)");
}

TEST_P(AuditVerify, DeletedLastRowIsCaught) {
  sql("DELETE FROM \"AuditLog\" WHERE id = 20");
  expectTampered("TAMPERED at row 20 (deleted)");
}

TEST_P(AuditVerify, InsertedRowIsCaught) {
  sql("INSERT INTO \"AuditLog\" (id, action, severity, \"resourceType\", metadata, \"createdAt\", \"prevHash\", hash) "
      "SELECT 21, 'user_signup', 'info', 'user', '{}', \"createdAt\", hash, hash FROM \"AuditLog\" WHERE id = 20");
  expectTampered("TAMPERED at row 21 (inserted)");
}

TEST_P(AuditVerify, SwappedRowsAreCaught) {
  // Renumbering two rows keeps every hash "valid" on its own, but the links no longer hold.
  sql("UPDATE \"AuditLog\" SET id = 1000 WHERE id = 8");
  sql("UPDATE \"AuditLog\" SET id = 8 WHERE id = 9");
  sql("UPDATE \"AuditLog\" SET id = 9 WHERE id = 1000");
  expectTampered("TAMPERED at row 8");
}

TEST_P(AuditVerify, PurgeKeepsTheRestVerifiable) {
  std::string pivot = one("SELECT MIN(\"createdAt\") FROM \"AuditLog\" WHERE action = 'second_batch'");
  auto purge = auditCommand(*host_, {"purge", "--before", pivot});
  ASSERT_EQ(purge.exitCode, 0) << purge.output;
  EXPECT_NE(purge.output.find("10 rows"), std::string::npos) << purge.output;
  EXPECT_EQ(one("SELECT COUNT(*) FROM \"AuditLog\" WHERE action = 'first_batch'"), "0");
  EXPECT_EQ(one("SELECT COUNT(*) FROM \"AuditLog\" WHERE action = 'second_batch'"), "10");
  // The purge is itself audited, as row 21.
  EXPECT_EQ(one("SELECT severity FROM \"AuditLog\" WHERE action = 'audit_purged'"), "warning");
  EXPECT_EQ(one("SELECT id FROM \"AuditLog\" WHERE action = 'audit_purged'"), "21");
  // Totals (kept in "AuditLogCounts") follow the purge exactly.
  EXPECT_EQ(total(*host_), 11);
  EXPECT_EQ(total(*host_, "?action=first_batch"), 0);
  EXPECT_EQ(total(*host_, "?severity=error&resourceType=payment"), 10);
  auto ok = auditCommand(*host_, {"verify"});
  EXPECT_EQ(ok.exitCode, 0) << ok.output;
  EXPECT_NE(ok.output.find("OK, 11 rows checked"), std::string::npos) << ok.output;
  // New entries still chain on after a purge.
  record(*host_, R"({"action":"after_purge","severity":"info","resourceType":"system"})");
  ASSERT_TRUE(waitForTotal(*host_, 1, "?action=after_purge"));
  EXPECT_EQ(auditCommand(*host_, {"verify"}).exitCode, 0);
  // Removing the oldest remaining row is still noticed.
  sql("DELETE FROM \"AuditLog\" WHERE id = 11");
  expectTampered("TAMPERED at row 11 (deleted)");
}

TEST_P(AuditVerify, PurgeWithNothingOldDeletesNothing) {
  auto purge = auditCommand(*host_, {"purge", "--before=2000-01-01"});
  EXPECT_EQ(purge.exitCode, 0) << purge.output;
  EXPECT_NE(purge.output.find("0 rows"), std::string::npos) << purge.output;
  EXPECT_EQ(one("SELECT COUNT(*) FROM \"AuditLog\""), "20");
}

TEST_P(AuditVerify, BadUsageExitsWith2) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {}, {"bogus"}, {"verify", "extra"}, {"purge"}, {"purge", "--before", "yesterday"}}) {
    auto r = auditCommand(*host_, args);
    EXPECT_EQ(r.exitCode, 2) << r.output;
  }
  EXPECT_EQ(one("SELECT COUNT(*) FROM \"AuditLog\""), "20");
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditVerify, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
