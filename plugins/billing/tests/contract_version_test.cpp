// billing's contract carries a version per service (kContractVersion). A consumer built
// against another version must fail loudly at start-up, never call through a stale vtable:
// the real host hands it nullptr and logs both versions and what to rebuild.
#include "support/billing_host.hpp"

#include <codecouncil/billing/contract.hpp>

#include <gtest/gtest.h>

using namespace cc::billing::test;

namespace {

std::string staleConsumer(bool required) {
  return "  - name: billing_stale_consumer\n    path: " + cc::test::testPluginDir() +
         "/libcc_billing_stale_consumer.so\n    migrations: \"\"\n    config: { required: " +
         (required ? "true" : "false") + " }\n";
}

std::string mismatchLine() {
  int ours = cc::billing::CreditLedger::kContractVersion;
  return "plugin billing_stale_consumer: service 'billing.credits' has contract version " + std::to_string(ours) +
         " (provided by billing), but billing_stale_consumer was built against version " + std::to_string(ours + 1) +
         "; it gets no service. Rebuild billing_stale_consumer against billing's current contract header";
}

}  // namespace

TEST(ContractVersion, StaleConsumerGetsNoServiceAndTheLogSaysWhy) {
  FakeStripeServer stripe;
  BillingHost b(billingConfig(stripe), nullptr, "", staleConsumer(false));
  ASSERT_TRUE(b.host.start()) << b.host.output();
  auto r = b.host.get("/api/test/stale/ledger");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(cc::test::jsonField(r.body, "present"), "false") << r.body;
  EXPECT_TRUE(b.host.waitForOutput(mismatchLine())) << b.host.output();
  // The consumer built against the current contract (billing_probe) still gets the ledger.
  std::string token = b.host.signup("contract-version@example.com");
  auto debit = b.host.post("/api/test/billing/debit", R"({"amount":10,"reference":"contract-version"})", token);
  EXPECT_EQ(debit.status, 402) << debit.body;  // a real ledger call: no credits yet
  EXPECT_EQ(cc::test::jsonField(debit.body, "balance"), "0") << debit.body;
}

TEST(ContractVersion, RequiredStaleConsumerStopsTheHostWithTheReason) {
  FakeStripeServer stripe;
  BillingHost b(billingConfig(stripe), nullptr, "", staleConsumer(true));
  EXPECT_FALSE(b.host.start()) << "the host started with a consumer of another contract version";
  EXPECT_NE(b.host.output().find(mismatchLine()), std::string::npos) << b.host.output();
  EXPECT_NE(b.host.output().find("billing_stale_consumer"), std::string::npos) << b.host.output();
}
