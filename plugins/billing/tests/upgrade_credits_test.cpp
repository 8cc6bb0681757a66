// The upgrade-credit computation (src/upgrade_credits.hpp) on invoices in both of Stripe's
// layouts: the figures the preview shows and the paid invoice grants. The real-host tests are
// in change_preview_test.cpp.
#include "src/upgrade_credits.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace cc::billing;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kJan15 = 1736899200;  // 2025-01-15T00:00:00Z
constexpr std::int64_t kFeb15 = 1739577600;  // 2025-02-15T00:00:00Z (31 days later)

struct Line {
  std::string price;
  std::int64_t amount, start, end;
  bool proration = true;
};

/// An invoice with these lines, in the basil layout or the one before it.
cc::json::ObjectPtr invoice(const std::vector<Line>& lines, bool legacy) {
  std::string data;
  for (const auto& l : lines) {
    if (!data.empty()) data += ",";
    std::string period = R"("period":{"start":)" + std::to_string(l.start) + R"(,"end":)" + std::to_string(l.end) + "}";
    std::string flag = l.proration ? "true" : "false";
    if (legacy)
      data += R"({"object":"line_item","amount":)" + std::to_string(l.amount) + R"(,"proration":)" + flag +
              R"(,"price":{"id":")" + l.price + R"(","object":"price"},)" + period + "}";
    else
      data += R"({"object":"line_item","amount":)" + std::to_string(l.amount) +
              R"(,"parent":{"type":"subscription_item_details","subscription_item_details":{"proration":)" + flag +
              R"(}},"pricing":{"type":"price_details","price_details":{"price":")" + l.price + R"("}},)" + period + "}";
  }
  return cc::json::parseObject(R"({"id":"in_1","object":"invoice","lines":{"object":"list","data":[)" + data + "]}}");
}

std::int64_t creditsOf(const std::vector<Line>& lines, bool legacy, KnownPeriod period = {kJan15, kFeb15}) {
  static const PlanCatalog plans(defaultPlans());
  return upgradeCredits(prorationLines(invoice(lines, legacy)), plans, period).credits;
}

}  // namespace

TEST(UpgradeCredits, MonthlyUpgradeIsTheDifferenceScaledByTheUnusedTimeRoundedDown) {
  const std::int64_t at = kJan15 + 10 * kDay;  // 21 of 31 days unused
  std::vector<Line> lines{{"price_startup_monthly", -3319, at, kFeb15}, {"price_enterprise_monthly", 10093, at, kFeb15}};
  // (1000 - 300) * 21 / 31 = 474.19...
  EXPECT_EQ(creditsOf(lines, false), 474);
  EXPECT_EQ(creditsOf(lines, true), 474);
  EXPECT_EQ(upgradeCredits(prorationLines(invoice(lines, false)), PlanCatalog(defaultPlans()), {kJan15, kFeb15}).effectiveAt, at);
}

TEST(UpgradeCredits, WithoutAKnownPeriodTheMonthEndingAtTheLinesEndIsUsed) {
  const std::int64_t at = kJan15 + 10 * kDay;
  std::vector<Line> lines{{"price_startup_monthly", -1, at, kFeb15}, {"price_enterprise_monthly", 1, at, kFeb15}};
  EXPECT_EQ(creditsOf(lines, false, {}), 474);
  // A stored period of another cycle (the row is behind) is not used either.
  EXPECT_EQ(creditsOf(lines, false, {kJan15 - 31 * kDay, kJan15}), 474);
}

TEST(UpgradeCredits, DowngradeAndEqualCreditsGrantNothing) {
  const std::int64_t at = kJan15 + 3 * kDay;
  EXPECT_EQ(creditsOf({{"price_enterprise_monthly", -9000, at, kFeb15}, {"price_startup_monthly", 3000, at, kFeb15}}, false), 0);
  EXPECT_EQ(creditsOf({{"price_enterprise_monthly", -9000, at, kFeb15}, {"price_startup_monthly", 3000, at, kFeb15}}, true), 0);
  EXPECT_EQ(creditsOf({{"price_startup_monthly", -9000, at, kFeb15}, {"price_startup_monthly", 9000, at, kFeb15}}, false), 0);
}

TEST(UpgradeCredits, AnnualUpgradeCountsTheUnusedPartOfTheCurrentCreditMonth) {
  const std::int64_t yearEnd = kJan15 + 365 * kDay;                // 2026-01-15
  const std::int64_t mar15 = 1741996800, apr15 = 1744675200;       // the credit month of the change
  const std::int64_t at = mar15 + 5 * kDay;                         // 26 of its 31 days unused
  std::vector<Line> lines{{"price_startup_annual", -1, at, yearEnd}, {"price_enterprise_annual", 1, at, yearEnd}};
  // (1200 - 350) * 26 / 31 = 712.9...; the months after it come from the annual schedule.
  EXPECT_EQ(creditsOf(lines, false, {kJan15, yearEnd}), 712);
  EXPECT_EQ(creditsOf(lines, true, {}), 712);
  EXPECT_EQ(apr15 - mar15, 31 * kDay);
}

TEST(UpgradeCredits, AnIntervalChangeStartsANewPeriodAndCountsNothingHere) {
  const std::int64_t at = kJan15 + 10 * kDay;
  // Stripe credits the unused month and bills the new year in full (no proration line for it).
  EXPECT_EQ(creditsOf({{"price_startup_monthly", -3319, at, kFeb15},
                       {"price_enterprise_annual", 149900, at, at + 365 * kDay, false}}, false), 0);
}

TEST(UpgradeCredits, ACycleInvoiceCountsItsProrationsOnlyAndEachChangeOnItsOwn) {
  const std::int64_t up = kJan15 + 10 * kDay, down = kJan15 + 20 * kDay;
  std::vector<Line> lines{{"price_startup_monthly", -1, up, kFeb15},      {"price_enterprise_monthly", 1, up, kFeb15},
                          {"price_enterprise_monthly", -1, down, kFeb15}, {"price_startup_monthly", 1, down, kFeb15},
                          {"price_startup_monthly", 4900, kFeb15, kFeb15 + 28 * kDay, false}};
  // The upgrade's 474; the downgrade after it takes nothing back.
  EXPECT_EQ(creditsOf(lines, false), 474);
  EXPECT_EQ(creditsOf(lines, true), 474);
}

TEST(UpgradeCredits, HostileOrIncompleteLinesCountNothing) {
  const std::int64_t at = kJan15 + 10 * kDay;
  EXPECT_EQ(creditsOf({}, false), 0);
  EXPECT_EQ(creditsOf({{"price_unknown", -1, at, kFeb15}, {"price_enterprise_monthly", 1, at, kFeb15}}, false), 0);
  EXPECT_EQ(creditsOf({{"price_startup_monthly", -1, at, at}, {"price_enterprise_monthly", 1, at, at}}, false), 0);
  EXPECT_EQ(creditsOf({{"price_startup_monthly", -1, kFeb15 - 1, kFeb15}, {"price_enterprise_monthly", 1, kFeb15 - 1, kFeb15}}, false), 0);
  EXPECT_EQ(creditsOf({{"price_enterprise_monthly", 1, at, kFeb15}}, false), 0);  // no old price: not a plan change
  const PlanCatalog plans(defaultPlans());
  for (const char* text : {R"({"id":"in_1"})", R"({"id":"in_1","lines":null})", R"({"id":"in_1","lines":{"data":"x"}})",
                           R"({"id":"in_1","lines":{"data":[1,"a",null,{"proration":true}]}})",
                           R"({"id":"in_1","lines":{"data":[{"proration":true,"price":"price_startup_monthly","amount":-5,"period":{"start":"x","end":9}}]}})"})
    EXPECT_EQ(upgradeCredits(prorationLines(cc::json::parseObject(text)), plans, {}).credits, 0) << text;
}
