// The verifier names the first edited, inserted or deleted row, and accepts a purged prefix.
#include "chain_verifier.hpp"

#include <gtest/gtest.h>

using namespace cc::audit;

namespace {

// A valid chain of `n` rows with ids from `firstId`, linked to `prev`.
std::vector<ChainRow> chain(int n, std::int64_t firstId = 1, std::string prev = kGenesisHash) {
  std::vector<ChainRow> rows;
  for (int i = 0; i < n; ++i) {
    AuditEntry e;
    e.action = "event_" + std::to_string(i);
    e.severity = "info";
    e.resourceType = "system";
    e.metadata = "{}";
    rows.push_back(chainRowFor(e, firstId + i, "2025-01-15T00:00:00.000Z", prev));
    prev = rows.back().hash;
  }
  return rows;
}

ChainHead headOf(const std::vector<ChainRow>& rows) {
  ChainHead h;
  h.lastId = rows.back().id;
  h.lastHash = rows.back().hash;
  return h;
}

VerifyResult verify(const ChainHead& head, const std::vector<ChainRow>& rows) {
  ChainVerifier v(head);
  for (auto& r : rows)
    if (!v.feed(r)) break;
  return v.finish();
}

}  // namespace

TEST(ChainVerifier, IntactChainPasses) {
  auto rows = chain(5);
  auto r = verify(headOf(rows), rows);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.rowsChecked, 5);
}

TEST(ChainVerifier, EmptyLogPasses) {
  auto r = verify(ChainHead{}, {});
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.rowsChecked, 0);
}

TEST(ChainVerifier, EditedRowIsNamed) {
  auto rows = chain(5);
  auto head = headOf(rows);
  rows[2].metadata = R"({"changed":true})";
  auto r = verify(head, rows);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.firstBadId, 3);
  EXPECT_EQ(r.problem, "edited");
  EXPECT_EQ(r.rowsChecked, 2);
}

TEST(ChainVerifier, EditedAndRehashedRowBreaksTheNextLink) {
  auto rows = chain(5);
  auto head = headOf(rows);
  rows[2].severity = "critical";
  rows[2].hash = computeRowHash(rows[2]);  // a careful forger
  auto r = verify(head, rows);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.firstBadId, 4);
  EXPECT_EQ(r.problem, "inserted");
}

TEST(ChainVerifier, DeletedRowIsNamed) {
  auto rows = chain(6);
  auto head = headOf(rows);
  rows.erase(rows.begin() + 2, rows.begin() + 4);  // ids 3 and 4
  auto r = verify(head, rows);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.firstBadId, 3);
  EXPECT_EQ(r.problem, "deleted");
  EXPECT_NE(r.message.find("rows 3 to 4"), std::string::npos) << r.message;
}

TEST(ChainVerifier, DeletedTailIsNamed) {
  auto rows = chain(4);
  auto head = headOf(rows);
  rows.pop_back();
  auto r = verify(head, rows);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.firstBadId, 4);
  EXPECT_EQ(r.problem, "deleted");
}

TEST(ChainVerifier, RowAppendedBehindTheWritersBackIsInserted) {
  auto rows = chain(4);
  auto head = headOf(rows);
  auto extra = chain(1, 5, rows.back().hash);
  rows.push_back(extra[0]);
  auto r = verify(head, rows);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.firstBadId, 5);
  EXPECT_EQ(r.problem, "inserted");
}

TEST(ChainVerifier, PurgedPrefixVerifiesFromTheAnchor) {
  auto rows = chain(6);
  ChainHead head = headOf(rows);
  head.anchorId = 2;
  head.anchorHash = rows[1].hash;
  std::vector<ChainRow> kept(rows.begin() + 2, rows.end());
  auto r = verify(head, kept);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.rowsChecked, 4);
  // Deleting the first remaining row is still caught.
  kept.erase(kept.begin());
  auto r2 = verify(head, kept);
  EXPECT_FALSE(r2.ok);
  EXPECT_EQ(r2.firstBadId, 3);
  EXPECT_EQ(r2.problem, "deleted");
}

TEST(ChainVerifier, EverythingPurgedIsStillIntact) {
  auto rows = chain(3);
  ChainHead head = headOf(rows);
  head.anchorId = 3;
  head.anchorHash = rows[2].hash;
  auto r = verify(head, {});
  EXPECT_TRUE(r.ok) << r.message;
}
