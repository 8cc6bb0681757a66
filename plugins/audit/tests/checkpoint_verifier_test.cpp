// The checkpoint rules without a host: the HMAC, the file format, every finding of
// verifyCheckpoints() with its first bad row, and checkProof() on every kind of tampering.
// (The real-host cases are in audit_checkpoint_test.cpp.)
#include "checkpoint_verifier.hpp"
#include "entry_proof.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace cc::audit;

namespace {

const std::string kKey = "unit-test-checkpoint-key-0123456789abcdef";

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  return text;
}

std::vector<ChainRow> chain(int n) {
  std::vector<ChainRow> rows;
  std::string prev = kGenesisHash;
  for (int i = 1; i <= n; ++i) {
    AuditEntry e;
    e.action = "event_" + std::to_string(i);
    e.severity = "info";
    e.resourceType = "system";
    e.userId = "u" + std::to_string(i);
    rows.push_back(chainRowFor(e, i, "2025-01-15T00:00:00.000Z", prev));
    prev = rows.back().hash;
  }
  return rows;
}

// Signed checkpoints at the given seqs, chained.
std::vector<CheckpointFile> checkpoints(const std::vector<ChainRow>& rows, std::vector<int> seqs,
                                        const std::string& key = kKey) {
  std::vector<CheckpointFile> files;
  std::string previous;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    Checkpoint c;
    c.number = static_cast<std::int64_t>(i + 1);
    c.seq = seqs[i];
    c.count = seqs[i];
    c.headHash = rows[seqs[i] - 1].hash;
    c.time = "2025-01-15T01:00:00.000Z";
    c.previousSignature = previous;
    sign(c, key);
    previous = c.signature;
    CheckpointFile f;
    f.name = "checkpoint-" + std::to_string(c.number) + ".json";
    f.numberInName = c.number;
    f.checkpoint = c;
    files.push_back(f);
  }
  return files;
}

struct Db {
  std::vector<ChainRow> rows;
  ChainFacts facts() const {
    ChainFacts f;
    f.lastId = rows.empty() ? 0 : rows.back().id;
    f.lastHash = rows.empty() ? kGenesisHash : rows.back().hash;
    f.anchorHash = kGenesisHash;
    return f;
  }
  RowHashLookup lookup() const {
    return [this](std::int64_t id) -> std::optional<std::string> {
      for (auto& r : rows)
        if (r.id == id) return r.hash;
      return std::nullopt;
    };
  }
};

CheckpointVerdict verify(const std::vector<CheckpointFile>& files, const Db& db, const std::string& key = kKey) {
  return verifyCheckpoints(files, key, db.facts(), db.lookup());
}

}  // namespace

TEST(Checkpoint, HmacMatchesRfc4231Case2) {
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Checkpoint, JsonRoundTripAndSignature) {
  auto rows = chain(3);
  Checkpoint c = *checkpoints(rows, {3})[0].checkpoint;
  Checkpoint back = checkpointFromJson(toJson(c));
  EXPECT_EQ(back.signature, c.signature);
  EXPECT_TRUE(signatureValid(back, kKey));
  EXPECT_FALSE(signatureValid(back, kKey + "x"));
  back.count = 2;
  EXPECT_FALSE(signatureValid(back, kKey));
  EXPECT_THROW(checkpointFromJson("[1]"), std::invalid_argument);
  EXPECT_THROW(checkpointFromJson("{\"number\":1}"), std::invalid_argument);
  EXPECT_THROW(checkpointFromJson(replaceAll(toJson(c), "\"seq\":3", "\"seq\":-3")), std::invalid_argument);
}

TEST(CheckpointVerifier, IntactPasses) {
  Db db{chain(20)};
  auto v = verify(checkpoints(db.rows, {10, 20}), db);
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.checkpointsChecked, 2);
  EXPECT_EQ(v.latest->number, 2);
}

TEST(CheckpointVerifier, TruncatedTailNamesTheFirstRemovedRow) {
  Db db{chain(20)};
  auto files = checkpoints(db.rows, {10, 20});
  db.rows.resize(15);
  auto v = verify(files, db);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.problem, "truncated");
  EXPECT_EQ(v.firstBadId, 16);
}

TEST(CheckpointVerifier, RewrittenRowAfterTheLastGoodCheckpoint) {
  Db db{chain(20)};
  auto files = checkpoints(db.rows, {10, 20});
  db.rows[19].hash = std::string(64, 'f');
  auto v = verify(files, db);
  EXPECT_EQ(v.problem, "rewritten");
  EXPECT_EQ(v.firstBadId, 11);
}

TEST(CheckpointVerifier, ForgedMissingAndWrongKey) {
  Db db{chain(20)};
  auto edited = checkpoints(db.rows, {10, 20});
  edited[1].checkpoint->headHash = db.rows[14].hash;
  auto v = verify(edited, db);
  EXPECT_EQ(v.problem, "forged");
  EXPECT_EQ(v.firstBadId, 20);

  auto gap = checkpoints(db.rows, {5, 10, 20});
  gap.erase(gap.begin() + 1);
  v = verify(gap, db);
  EXPECT_EQ(v.problem, "missing");
  EXPECT_EQ(v.firstBadId, 6);

  auto relinked = checkpoints(db.rows, {10, 20});
  relinked[1].checkpoint->previousSignature = std::string(64, '0');
  sign(*relinked[1].checkpoint, kKey);  // even re-signed (key holder), a broken link shows
  v = verify(relinked, db);
  EXPECT_EQ(v.problem, "missing");

  auto malformed = checkpoints(db.rows, {10, 20});
  malformed[1].checkpoint.reset();
  malformed[1].problem = "is not a valid checkpoint: not a JSON object";
  v = verify(malformed, db);
  EXPECT_EQ(v.problem, "forged");
  EXPECT_EQ(v.firstBadId, 11);

  v = verify(checkpoints(db.rows, {10, 20}), db, kKey + "-other");
  EXPECT_EQ(v.problem, "wrong key");
}

TEST(EntryProof, RoundTripAndEveryTampering) {
  auto rows = chain(10);
  Checkpoint cp = *checkpoints(rows, {10})[0].checkpoint;
  std::vector<ChainRow> following(rows.begin() + 4, rows.end());
  std::string proof = proofJson(rows[3], following, cp);
  auto ok = checkProof(proof, kKey);
  EXPECT_TRUE(ok.ok) << ok.message;
  EXPECT_EQ(ok.entryId, 4);

  EXPECT_EQ(checkProof(replaceAll(proof, "\"u4\"", "\"u40\""), kKey).problem, "tampered entry");
  EXPECT_EQ(checkProof(replaceAll(proof, "\"u7\"", "\"u70\""), kKey).problem, "broken link");
  EXPECT_EQ(checkProof(proof, kKey + "x").problem, "bad signature");
  EXPECT_EQ(checkProof("", kKey).problem, "malformed");
  EXPECT_EQ(checkProof("{\"format\":\"codecouncil-audit-proof/1\"}", kKey).problem, "malformed");
  // Dropping a middle row, or the rows that reach the checkpoint, breaks the links.
  std::vector<ChainRow> gap = following;
  gap.erase(gap.begin() + 2);
  EXPECT_EQ(checkProof(proofJson(rows[3], gap, cp), kKey).problem, "broken link");
  std::vector<ChainRow> shortened(following.begin(), following.end() - 1);
  EXPECT_EQ(checkProof(proofJson(rows[3], shortened, cp), kKey).problem, "broken link");
}
