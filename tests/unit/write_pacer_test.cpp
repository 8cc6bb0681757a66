// The log writer's pacing rule (core/host/write_pacer.hpp) with made-up times: a quiet log is
// written at once, a busy one in batches per gather window.
#include "core/host/write_pacer.hpp"

#include <gtest/gtest.h>

using cc::core::WritePacer;
using namespace std::chrono_literals;

namespace {
const WritePacer::Clock::time_point t0 = WritePacer::Clock::time_point{} + 1h;
}

TEST(WritePacer, AQuietLogIsWrittenAtOnce) {
  WritePacer pacer(10ms, 4);
  // One line now and then (each more than a window apart): every one goes out immediately.
  for (int i = 0; i < 20; ++i) {
    const auto now = t0 + i * 25ms;
    EXPECT_EQ(pacer.writeAt(now), now) << "line " << i;
    pacer.wrote(now);
  }
}

TEST(WritePacer, TheFirstWritesOfAWindowGoOutAtOnceThenLinesGatherUntilItEnds) {
  WritePacer pacer(10ms, 4);
  for (int i = 0; i < 4; ++i) {
    const auto now = t0 + i * 1ms;
    EXPECT_EQ(pacer.writeAt(now), now) << "write " << i;
    pacer.wrote(now);
  }
  // The fifth batch within the window waits for the window's end.
  EXPECT_EQ(pacer.writeAt(t0 + 5ms), t0 + 10ms);
  pacer.wrote(t0 + 10ms);
  // That gathered write opened a new window at 10 ms, which already holds one write: three more
  // go out at once, then the next waits for 20 ms.
  for (int i = 0; i < 3; ++i) {
    const auto now = t0 + 11ms + i * 1ms;
    EXPECT_EQ(pacer.writeAt(now), now) << "write " << i << " of the second window";
    pacer.wrote(now);
  }
  EXPECT_EQ(pacer.writeAt(t0 + 15ms), t0 + 20ms);
}

TEST(WritePacer, AWriteCutShortByAFlushStillOpensANewWindow) {
  WritePacer pacer(10ms, 2);
  for (auto now : {t0, t0 + 1ms}) {
    ASSERT_EQ(pacer.writeAt(now), now);
    pacer.wrote(now);
  }
  ASSERT_EQ(pacer.writeAt(t0 + 2ms), t0 + 10ms);
  pacer.wrote(t0 + 3ms);  // a flush woke the writer early
  EXPECT_EQ(pacer.writeAt(t0 + 4ms), t0 + 4ms);  // the new window (from 3 ms) has room for one more
  pacer.wrote(t0 + 4ms);
  EXPECT_EQ(pacer.writeAt(t0 + 5ms), t0 + 13ms);
}

TEST(WritePacer, AfterABusySpellTheLogIsQuietAgainOnceAWindowPassesWithoutWrites) {
  WritePacer pacer(10ms, 4);
  for (int i = 0; i < 50; ++i) {
    const auto at = pacer.writeAt(t0 + i * 1ms);
    pacer.wrote(std::max(at, t0 + i * 1ms));
  }
  const auto later = t0 + 200ms;
  EXPECT_EQ(pacer.writeAt(later), later);
}
