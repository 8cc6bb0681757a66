#pragma once
// SQL for the "Analysis" table. The state changes are guarded by status ('running' -> one of
// 'completed' / 'failed'), so a late result and the recovery job can never both settle a run.
#include "finding.hpp"

#include <codecouncil/sdk/database.hpp>
#include <codecouncil/sdk/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cc::analysis {

struct AnalysisRecord {
  std::string id;
  std::string userId;
  std::string status;  ///< running | completed | failed
  std::string analyzer;
  std::string model;
  std::string language;
  std::string filename;
  std::int64_t codeBytes = 0;
  std::int64_t codeLines = 0;
  std::string codeSha256;
  std::int64_t credits = 0;
  std::string tier;
  std::string summary;
  std::string findingsJson = "[]";
  std::int64_t findingCount = 0;
  std::string error;
  std::string createdAt;
  std::string completedAt;
};

struct AnalysisPage {
  std::vector<AnalysisRecord> items;  ///< newest first
  std::int64_t total = 0;
  int limit = 0;
  int offset = 0;
};

/// A run to settle: who paid how much.
struct RunRef {
  std::string id;
  std::string userId;
  std::int64_t credits = 0;
  std::string tier;
};

class AnalysisStore {
 public:
  explicit AnalysisStore(Database& db) : db_(db) {}

  /// Writes the 'running' row inside the caller's transaction (the one that debits).
  void insertRunning(Poco::Data::Session& s, const AnalysisRecord& r);
  /// running -> completed; false when the run was already settled (e.g. failed by recovery).
  bool complete(const std::string& id, const AnalysisOutput& output);
  /// running -> failed, in the caller's transaction (the one that refunds); false when settled.
  bool fail(Poco::Data::Session& s, const std::string& id, const std::string& error);

  std::optional<AnalysisRecord> find(const std::string& userId, const std::string& id);
  AnalysisPage list(const std::string& userId, int limit, int offset);
  /// Runs still 'running' that started more than `seconds` ago by the database clock.
  std::vector<RunRef> staleRuns(int seconds, int limit);

 private:
  std::string agoSql(int seconds) const;
  Database& db_;
};

/// The API shape; findings only when `withFindings` (the list leaves them out).
json::ObjectPtr toJson(const AnalysisRecord& r, bool withFindings);

}  // namespace cc::analysis
