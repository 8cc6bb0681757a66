// Pure pieces of the timeline: cursors, the merge of a source (CSV cells: tests/unit/csv_test.cpp).
#include "timeline.hpp"

#include <codecouncil/sdk/http_error.hpp>

#include <gtest/gtest.h>

using namespace cc::admin;

TEST(TimelineCursor, RoundTripsAndRefusesAnythingElse) {
  TimelineKey key{"2025-01-15T10:00:00.123Z", "payment", 42};
  std::string cursor = encodeCursor("user-1", key);
  EXPECT_EQ(cursor.find_first_of("+/="), std::string::npos) << "base64url without padding";
  TimelineKey back = decodeCursor("user-1", cursor);
  EXPECT_EQ(back.time, key.time);
  EXPECT_EQ(back.kind, key.kind);
  EXPECT_EQ(back.id, key.id);
  EXPECT_THROW(decodeCursor("user-2", cursor), cc::HttpError);
  EXPECT_THROW(decodeCursor("user-1", cursor + "!"), cc::HttpError);
  EXPECT_THROW(decodeCursor("user-1", ""), cc::HttpError);
  EXPECT_THROW(decodeCursor("user-1", encodeCursor("user-1", {"2025-13-01T00:00:00.000Z", "audit", 1})), cc::HttpError);
  EXPECT_THROW(decodeCursor("user-1", encodeCursor("user-1", {"2025-01-01T00:00:00.000Z", "other", 1})), cc::HttpError);
}

TEST(TimelineKinds, ComeFromTheAuditAction) {
  EXPECT_EQ(kindOfAction("subscription_canceled"), "subscription");
  EXPECT_EQ(kindOfAction("billing.subscription_lapsed"), "subscription");
  EXPECT_EQ(kindOfAction("payment_failed"), "payment");
  EXPECT_EQ(kindOfAction("billing.payment_action_required"), "payment");
  EXPECT_EQ(kindOfAction("rate_limit_exceeded"), "rate_limit");
  EXPECT_EQ(kindOfAction("user_suspended"), "audit");
  EXPECT_EQ(canonicalTime("2025-01-15T10:00:00Z"), "2025-01-15T10:00:00.000Z");
  EXPECT_EQ(canonicalTime("garbage"), "");
  EXPECT_EQ(shiftedTime("2025-01-15T23:59:59.999Z", 1), "2025-01-16T00:00:00.000Z");
}

TEST(TimelineCollect, KeepsTimelineOrderWhenTheSourceOrderDiffersWithinTheSlack) {
  // Source order (id descending) puts id 5 first although id 4 is newer by 200 ms.
  std::vector<TimelineItem> source;
  auto item = [](const char* time, std::int64_t id) { return TimelineItem{{time, "credit", id}, "", nullptr}; };
  source.push_back(item("2025-01-01T00:00:01.000Z", 5));
  source.push_back(item("2025-01-01T00:00:01.200Z", 4));
  source.push_back(item("2025-01-01T00:00:00.500Z", 3));
  source.push_back(item("2025-01-01T00:00:00.400Z", 2));
  source.push_back(item("2024-01-01T00:00:00.000Z", 1));
  int reads = 0;
  FetchBatch fetch = [&](int offset, int count) {
    ++reads;
    SourceBatch b;
    for (int i = offset; i < offset + count && i < static_cast<int>(source.size()); ++i) b.items.push_back(source[i]);
    b.end = offset + count >= static_cast<int>(source.size());
    return b;
  };
  auto got = collectItems(fetch, 0, 1, std::nullopt, 2, 1000);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].key.id, 4);
  EXPECT_EQ(got[1].key.id, 5);
  EXPECT_LT(reads, 6) << "stops once the source is a second past the page";

  auto next = collectItems(fetch, 0, 2, got.back().key, 2, 1000);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].key.id, 3);
  EXPECT_EQ(next[1].key.id, 2);

  // A source that returns fewer rows than asked (a capped page size) is read on from where
  // it stopped, not from offset + batch.
  FetchBatch capped = [&](int offset, int count) { return fetch(offset, std::min(count, 2)); };
  auto all = collectItems(capped, 0, 10, std::nullopt, 10, 1000);
  EXPECT_EQ(all.size(), 5u);

  std::vector<std::string> times = {"2025-05", "2025-04", "2025-03", "2025-02", "2025-01"};
  auto timeAt = [&](int offset) -> std::optional<std::string> {
    if (offset >= static_cast<int>(times.size())) return std::nullopt;
    return times[offset];
  };
  EXPECT_EQ(firstOffsetAtOrBefore(timeAt, "2025-06"), 0);
  EXPECT_EQ(firstOffsetAtOrBefore(timeAt, "2025-03"), 2);
  EXPECT_EQ(firstOffsetAtOrBefore(timeAt, "2025-02x"), 3);
  EXPECT_EQ(firstOffsetAtOrBefore(timeAt, "2024"), 5);
}
