#include "analysis_service.hpp"

#include <codecouncil/analysis/events.hpp>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>

namespace cc::analysis {
namespace {

// Thrown inside the reserving transaction so it rolls back the "Analysis" row too.
struct InsufficientCredits {};

std::string sha256Hex(const std::string& text) {
  Poco::SHA2Engine sha;  // SHA-256
  sha.update(text);
  return sha.digestToHex(sha.digest());
}

std::int64_t lineCount(const std::string& code) {
  auto n = static_cast<std::int64_t>(std::count(code.begin(), code.end(), '\n'));
  return code.empty() || code.back() == '\n' ? n : n + 1;
}

std::string credits(std::int64_t n) { return std::to_string(n) + (n == 1 ? " credit" : " credits"); }

std::string debitReference(const std::string& id) { return "analysis:" + id; }
std::string refundReference(const std::string& id) { return "analysis:" + id + ":refund"; }

}  // namespace

AnalysisService::AnalysisService(Database& db, std::shared_ptr<billing::CreditLedger> ledger,
                                 std::shared_ptr<Analyzer> analyzer, Events& events, Poco::Logger& log,
                                 AnalysisConfig config)
    : db_(db),
      ledger_(std::move(ledger)),
      analyzer_(std::move(analyzer)),
      events_(events),
      log_(log),
      config_(std::move(config)),
      store_(db) {}

AnalysisRecord AnalysisService::reserve(const User& user, const AnalysisInput& input) {
  AnalysisRecord r;
  r.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  r.userId = user.id;
  r.status = "running";
  r.analyzer = analyzer_->name();
  r.model = analyzer_->model();
  r.language = input.language;
  r.filename = input.filename;
  r.codeBytes = static_cast<std::int64_t>(input.code.size());
  r.codeLines = lineCount(input.code);
  r.codeSha256 = sha256Hex(input.code);
  r.credits = config_.costFor(input.code.size());
  r.tier = user.tier;
  try {
    db_.transaction([&](Poco::Data::Session& s) {
      store_.insertRunning(s, r);
      if (r.credits > 0 &&
          !ledger_->debit(s, r.userId, r.credits, debitReference(r.id), "analysis run " + r.id))
        throw InsufficientCredits{};
    });
  } catch (const InsufficientCredits&) {
    std::int64_t balance = ledger_->balance(user.id);
    throw HttpError(402, "insufficient credits: this analysis costs " + credits(r.credits) + " and your balance is " +
                             credits(balance) + "; buy a plan or more credits to continue");
  }
  return r;
}

RunOutcome AnalysisService::run(const User& user, const AnalysisInput& input, const Request& origin) {
  AnalysisRecord reserved = reserve(user, input);
  RunRef ref{reserved.id, reserved.userId, reserved.credits, reserved.tier};

  std::string error;
  AnalysisOutput output;
  try {
    output = analyzer_->analyze(input);
  } catch (const AnalyzerError& e) {
    error = e.what();
  } catch (const std::exception& e) {
    // Internal detail stays in the log; the user gets a plain statement.
    log_.error("analysis %s: analyzer %s threw: %s", reserved.id, analyzer_->name(), std::string(e.what()));
    error = "the analyzer failed unexpectedly";
  }

  if (error.empty()) {
    if (store_.complete(reserved.id, output)) {
      auto payload = json::object();
      payload->set("userId", ref.userId);
      payload->set("analysisId", ref.id);
      payload->set("tier", ref.tier);
      payload->set("credits", ref.credits);
      events_.publish(topics::kAnalysisCompleted, payload, origin);
    } else {
      log_.warning("analysis %s finished after it had been settled as failed; result discarded", reserved.id);
    }
  } else if (settleFailed(ref, error)) {
    log_.warning("analysis %s failed (%s); %s refunded", reserved.id, error, credits(ref.credits));
    publishFailed(ref, error, &origin);
  }

  RunOutcome outcome;
  auto stored = store_.find(user.id, reserved.id);
  outcome.record = stored ? *stored : reserved;
  outcome.balance = ledger_->balance(user.id);
  return outcome;
}

bool AnalysisService::settleFailed(const RunRef& run, const std::string& error) {
  return db_.transaction([&](Poco::Data::Session& s) {
    if (!store_.fail(s, run.id, error)) return false;
    if (run.credits > 0)
      ledger_->refund(s, run.userId, run.credits, refundReference(run.id), "refund for failed analysis " + run.id);
    return true;
  });
}

void AnalysisService::publishFailed(const RunRef& run, const std::string& error, const Request* origin) {
  auto payload = json::object();
  payload->set("userId", run.userId);
  payload->set("analysisId", run.id);
  payload->set("tier", run.tier);
  payload->set("error", error);
  if (origin) events_.publish(topics::kAnalysisFailed, payload, *origin);
  else events_.publish(topics::kAnalysisFailed, payload);
}

int AnalysisService::recoverStale() {
  int settled = 0;
  const std::string error = "the run did not finish (the server stopped or the analyzer hung); credits refunded";
  for (const RunRef& run : store_.staleRuns(config_.staleRunSeconds, 100)) {
    if (!settleFailed(run, error)) continue;
    ++settled;
    log_.warning("analysis %s was still running after %d s: failed, %s refunded", run.id, config_.staleRunSeconds,
                 credits(run.credits));
    publishFailed(run, error, nullptr);
  }
  return settled;
}

}  // namespace cc::analysis
