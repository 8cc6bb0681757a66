// The row hash: deterministic, covers every field, tells NULL from empty, chains.
#include "hash_chain.hpp"

#include <gtest/gtest.h>

#include <functional>

using namespace cc::audit;

namespace {

ChainRow sampleRow() {
  AuditEntry e;
  e.userId = "user_1";
  e.action = "payment_failed";
  e.severity = "error";
  e.resourceType = "payment";
  e.resourceId = "in_1";
  e.metadata = R"({"amount":4900})";
  e.ip = "10.0.0.1";
  e.userAgent = "curl/8";
  e.requestId = "req1";
  return chainRowFor(e, 7, "2025-01-15T00:00:00.000Z", kGenesisHash);
}

}  // namespace

TEST(HashChain, HashIsHexSha256AndDeterministic) {
  ChainRow row = sampleRow();
  EXPECT_EQ(row.hash.size(), 64u);
  EXPECT_EQ(row.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(computeRowHash(row), row.hash);
  EXPECT_EQ(sampleRow().hash, row.hash);
}

TEST(HashChain, EveryFieldChangesTheHash) {
  const ChainRow base = sampleRow();
  std::vector<std::function<void(ChainRow&)>> edits = {
      [](ChainRow& r) { r.id = 8; },
      [](ChainRow& r) { r.createdAt = "2025-01-15T00:00:00.001Z"; },
      [](ChainRow& r) { r.userId = "user_2"; },
      [](ChainRow& r) { r.action = "payment_succeeded"; },
      [](ChainRow& r) { r.severity = "info"; },
      [](ChainRow& r) { r.resourceType = "user"; },
      [](ChainRow& r) { r.resourceId = "in_2"; },
      [](ChainRow& r) { r.metadata = R"({"amount":4901})"; },
      [](ChainRow& r) { r.ip = "10.0.0.2"; },
      [](ChainRow& r) { r.userAgent = "curl/9"; },
      [](ChainRow& r) { r.requestId = "req2"; },
      [](ChainRow& r) { r.prevHash = std::string(64, '1'); },
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    ChainRow edited = base;
    edits[i](edited);
    EXPECT_NE(computeRowHash(edited), base.hash) << "edit " << i << " was not noticed";
  }
}

TEST(HashChain, NullAndEmptyAndShiftedFieldsDiffer) {
  ChainRow a = sampleRow();
  ChainRow b = a;
  b.userId = std::string();
  a.userId = std::nullopt;
  EXPECT_NE(computeRowHash(a), computeRowHash(b));
  // Moving text from one field to the next must not give the same bytes.
  ChainRow c = sampleRow(), d = sampleRow();
  c.ip = "1";
  c.userAgent = "2";
  d.ip = "12";
  d.userAgent = "";
  EXPECT_NE(computeRowHash(c), computeRowHash(d));
}

TEST(HashChain, EmptyEntryFieldsAreStoredAsNull) {
  AuditEntry e;
  e.action = "x";
  e.severity = "info";
  e.resourceType = "system";
  ChainRow row = chainRowFor(e, 1, "t", kGenesisHash);
  EXPECT_FALSE(row.userId.has_value());
  EXPECT_FALSE(row.resourceId.has_value());
  EXPECT_FALSE(row.ip.has_value());
  EXPECT_EQ(row.prevHash, kGenesisHash);
  ChainRow next = chainRowFor(e, 2, "t", row.hash);
  EXPECT_EQ(next.prevHash, row.hash);
  EXPECT_NE(next.hash, row.hash);
}
