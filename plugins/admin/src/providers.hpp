#pragma once
// The services of the optional audit and billing plugins, and the notes that tell the
// operator which figures are empty because a provider is missing or failing.
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/billing/contract.hpp>

#include <Poco/Logger.h>

#include <memory>
#include <string>
#include <vector>

namespace cc::admin {

struct Providers {
  std::shared_ptr<audit::AuditLog> audit;
  std::shared_ptr<billing::BillingService> billing;
  std::shared_ptr<billing::CreditLedger> credits;
};

inline constexpr const char* kNoAudit = "audit plugin is not running: audit figures are empty";
inline constexpr const char* kNoBilling =
    "billing plugin is not running: subscription and revenue figures are empty";
inline constexpr const char* kNoCredits =
    "billing credit ledger is not available: transaction and credit figures are empty";

/// Collects the notes of one response ("notes": [...] in the JSON), each once.
class Notes {
 public:
  void add(const std::string& note) {
    for (auto& n : notes_)
      if (n == note) return;
    notes_.push_back(note);
  }
  json::ArrayPtr toJson() const {
    auto a = json::array();
    for (auto& n : notes_) a->add(n);
    return a;
  }

 private:
  std::vector<std::string> notes_;
};

/// Runs `fn`, which asks a provider for figures. A provider that throws must not take the
/// whole page down: the section stays empty, the operator reads why, the log has details.
template <class F>
bool fromProvider(const char* provider, Notes& notes, Poco::Logger& log, F&& fn) {
  try {
    fn();
    return true;
  } catch (const std::exception& e) {
    log.warning("%s provider failed: %s", std::string(provider), std::string(e.what()));
    notes.add(std::string(provider) + " figures are unavailable right now (" + e.what() + ")");
    return false;
  }
}

}  // namespace cc::admin
