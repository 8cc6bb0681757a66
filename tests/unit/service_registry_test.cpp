// Services carry their contract version: a consumer compiled against another version of a
// provider's contract gets nullptr, never an object of another layout (the real-host case is
// plugins/billing/tests/contract_version_test.cpp).
#include "core/services/service_registry.hpp"

#include <gtest/gtest.h>

namespace {

struct Counter {
  static constexpr const char* kServiceName = "test.counter";
  static constexpr int kContractVersion = 3;
  virtual ~Counter() = default;
  virtual int next() = 0;
};
struct OneCounter : Counter {
  int next() override { return 1; }
};
/// The same service as a consumer built against the previous contract sees it.
struct OldCounter {
  static constexpr const char* kServiceName = "test.counter";
  static constexpr int kContractVersion = 2;
};
/// A service type that declares no version (version 0).
struct Plain {
  static constexpr const char* kServiceName = "test.plain";
  int value = 7;
};

}  // namespace

TEST(ServiceRegistry, ContractVersionIsTheTypesOrZero) {
  static_assert(cc::contractVersionOf<Counter>() == 3);
  static_assert(cc::contractVersionOf<Plain>() == 0);
}

TEST(ServiceRegistry, SameVersionGetsTheServiceAnotherGetsNullptr) {
  cc::core::ServiceRegistry registry;
  cc::core::PluginServices provider(registry, "provider"), current(registry, "current"), stale(registry, "stale");
  provider.provide<Counter>(std::make_shared<OneCounter>());
  auto counter = current.get<Counter>();
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(counter->next(), 1);
  EXPECT_EQ(stale.get<OldCounter>(), nullptr);
  EXPECT_EQ(stale.get<OldCounter>(), nullptr);  // asked again (logged once): still nullptr
  EXPECT_NE(current.get<Counter>(), nullptr);   // the mismatch of one consumer changes nothing for others
}

TEST(ServiceRegistry, UnversionedTypesStillMatch) {
  cc::core::ServiceRegistry registry;
  cc::core::PluginServices provider(registry, "provider"), consumer(registry, "consumer");
  provider.provide<Plain>(std::make_shared<Plain>());
  ASSERT_NE(consumer.get<Plain>(), nullptr);
  EXPECT_EQ(consumer.get<Plain>()->value, 7);
}
