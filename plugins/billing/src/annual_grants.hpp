#pragma once
// Annual plans are invoiced once a year but promise credits every month. The invoice grants
// the first month; this job grants each later month of the paid year on its monthly
// anniversary, keyed "annual:<subscription>:<YYYY-MM>" so a month is granted once however
// often (or on however many hosts) the job runs, and a missed run catches up.
#include "billing_store.hpp"
#include "credit_ledger.hpp"
#include "plans.hpp"

#include <codecouncil/sdk/events.hpp>

#include <Poco/Logger.h>

#include <cstdint>

namespace cc::billing {

/// `unixSeconds` plus `months` calendar months, the day clamped to the month's length
/// (Jan 31 + 1 month = Feb 28/29), time of day kept.
std::int64_t addMonths(std::int64_t unixSeconds, int months);

class AnnualGrants {
 public:
  AnnualGrants(Database& db, BillingStore& store, SqlCreditLedger& ledger, const PlanCatalog& plans, Events* events,
               Poco::Logger& log)
      : db_(db), store_(store), ledger_(ledger), plans_(plans), events_(events), log_(log) {}

  /// Grants every month due by `nowUnix`; returns how many grants were written.
  int run(std::int64_t nowUnix);

 private:
  Database& db_;
  BillingStore& store_;
  SqlCreditLedger& ledger_;
  const PlanCatalog& plans_;
  Events* events_;
  Poco::Logger& log_;
};

}  // namespace cc::billing
