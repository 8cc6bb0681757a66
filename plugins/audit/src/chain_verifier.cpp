#include "chain_verifier.hpp"

namespace cc::audit {

ChainVerifier::ChainVerifier(ChainHead head)
    : head_(std::move(head)), expectedId_(head_.anchorId + 1), expectedPrev_(head_.anchorHash) {}

bool ChainVerifier::fail(std::int64_t id, std::string problem, std::string message) {
  result_.ok = false;
  result_.firstBadId = id;
  result_.problem = std::move(problem);
  result_.message = std::move(message);
  return false;
}

bool ChainVerifier::feed(const ChainRow& row) {
  if (!result_.ok) return false;
  const std::string id = std::to_string(row.id);
  if (row.id > head_.lastId)
    return fail(row.id, "inserted",
                "row " + id + " was inserted: the chain ends at row " + std::to_string(head_.lastId));
  if (row.id < expectedId_)
    return fail(row.id, "inserted", "row " + id + " was inserted: rows up to " +
                                        std::to_string(expectedId_ - 1) + " were already checked or purged");
  if (row.id > expectedId_) {
    std::string missing = row.id - 1 == expectedId_ ? "row " + std::to_string(expectedId_)
                                                    : "rows " + std::to_string(expectedId_) + " to " +
                                                          std::to_string(row.id - 1);
    return fail(expectedId_, "deleted", missing + " deleted (before row " + id + ")");
  }
  if (row.prevHash != expectedPrev_)
    return fail(row.id, "inserted",
                "row " + id + " does not link to the row before it (inserted or replaced)");
  if (computeRowHash(row) != row.hash)
    return fail(row.id, "edited", "row " + id + " was edited: its content does not match its hash");
  ++result_.rowsChecked;
  ++expectedId_;
  expectedPrev_ = row.hash;
  return true;
}

VerifyResult ChainVerifier::finish() {
  if (!result_.ok) return result_;
  std::int64_t lastSeen = expectedId_ - 1;
  if (lastSeen < head_.lastId) {
    std::string from = std::to_string(lastSeen + 1), to = std::to_string(head_.lastId);
    fail(lastSeen + 1, "deleted",
         (from == to ? "row " + from : "rows " + from + " to " + to) + " deleted (at the end of the log)");
  } else if (lastSeen > head_.anchorId && expectedPrev_ != head_.lastHash) {
    fail(lastSeen, "edited", "row " + std::to_string(lastSeen) + " does not match the chain head");
  }
  return result_;
}

}  // namespace cc::audit
