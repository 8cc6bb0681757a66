#pragma once
// One analysis run, end to end, with the money exact:
//   1. one transaction: the 'running' "Analysis" row + the ledger debit ("analysis:<id>");
//      not enough credits -> the transaction rolls back, nothing is written, 402
//   2. the analyzer runs outside any transaction (Gemini may take seconds; no lock is held)
//   3. success -> 'completed' with the findings, analysis_completed
//      failure -> one transaction: 'failed' + a compensating refund row
//      ("analysis:<id>:refund"), analysis_failed
// A run left 'running' by a crash is failed and refunded by recoverStale() (a scheduled job).
// The status guard running -> completed/failed makes every run settle exactly once.
#include "analysis_config.hpp"
#include "analysis_store.hpp"
#include "analyzer.hpp"

#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/events.hpp>
#include <codecouncil/sdk/http.hpp>
#include <codecouncil/billing/contract.hpp>

#include <Poco/Logger.h>

#include <memory>

namespace cc::analysis {

struct RunOutcome {
  AnalysisRecord record;          ///< as stored after the run
  std::int64_t balance = 0;       ///< the user's credits afterwards
};

class AnalysisService {
 public:
  AnalysisService(Database& db, std::shared_ptr<billing::CreditLedger> ledger, std::shared_ptr<Analyzer> analyzer,
                  Events& events, Poco::Logger& log, AnalysisConfig config);

  /// Throws HttpError(402) when the user cannot pay; otherwise the run is stored, and its
  /// record says whether it completed or failed (and was refunded).
  RunOutcome run(const User& user, const AnalysisInput& input, const Request& origin);

  /// Fails and refunds runs that stayed 'running' past stale_run_seconds. Returns how many.
  int recoverStale();

  AnalysisStore& store() { return store_; }

 private:
  AnalysisRecord reserve(const User& user, const AnalysisInput& input);
  /// 'failed' + refund in one transaction; false when the run had already been settled.
  bool settleFailed(const RunRef& run, const std::string& error);
  void publishFailed(const RunRef& run, const std::string& error, const Request* origin);

  Database& db_;
  std::shared_ptr<billing::CreditLedger> ledger_;
  std::shared_ptr<Analyzer> analyzer_;
  Events& events_;
  Poco::Logger& log_;
  AnalysisConfig config_;
  AnalysisStore store_;
};

}  // namespace cc::analysis
