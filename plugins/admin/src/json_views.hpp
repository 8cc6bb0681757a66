#pragma once
// JSON shapes of the admin API (field names as in the enterprise guide and the billing
// service: camelCase, timestamps as ISO-8601 UTC text, null for absent values).
#include "user_directory.hpp"

#include <codecouncil/sdk/json.hpp>
#include <codecouncil/billing/contract.hpp>

namespace cc::admin {

json::ObjectPtr userJson(const UserRow& user);
json::ObjectPtr subscriptionJson(const billing::SubscriptionInfo& sub);
json::ObjectPtr ledgerEntryJson(const billing::LedgerEntry& entry);

}  // namespace cc::admin
