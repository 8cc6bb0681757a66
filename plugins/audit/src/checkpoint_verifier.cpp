#include "checkpoint_verifier.hpp"

namespace cc::audit {

namespace {

std::string label(const Checkpoint& c) {
  return "checkpoint #" + std::to_string(c.number) + " (row " + std::to_string(c.seq) + ", " + c.time + ")";
}

CheckpointVerdict fail(CheckpointVerdict v, std::int64_t id, std::string problem, std::string message) {
  v.ok = false;
  v.firstBadId = id;
  v.problem = std::move(problem);
  v.message = std::move(message);
  return v;
}

}  // namespace

CheckpointVerdict verifyCheckpoints(const std::vector<CheckpointFile>& files, const std::string& key,
                                    const ChainFacts& facts, const RowHashLookup& rowHash) {
  CheckpointVerdict v;
  if (files.empty()) return v;

  // A key that verifies nothing is a configuration problem, not a forgery of every file.
  bool anyValid = false;
  for (const auto& f : files)
    if (f.checkpoint && signatureValid(*f.checkpoint, key)) anyValid = true;
  if (!anyValid) {
    const auto& first = files.front();
    std::int64_t id = first.checkpoint ? first.checkpoint->seq : 0;
    return fail(v, id, "wrong key",
                "no checkpoint's signature matches AUDIT_CHECKPOINT_KEY: it is not the key that signed them "
                "(or every checkpoint file was replaced)");
  }

  const Checkpoint* previous = nullptr;
  for (const auto& f : files) {
    std::int64_t afterPrevious = previous ? previous->seq + 1 : facts.anchorId + 1;
    if (!f.checkpoint)
      return fail(v, afterPrevious, "forged", f.name + " " + f.problem);
    const Checkpoint& c = *f.checkpoint;
    if (!signatureValid(c, key))
      return fail(v, c.seq, "forged",
                  f.name + ": the signature does not match its fields: " + label(c) + " was edited or forged");
    std::int64_t expectedNumber = previous ? previous->number + 1 : 1;
    if (c.number != expectedNumber) {
      std::string gap = c.number - 1 == expectedNumber
                            ? "checkpoint #" + std::to_string(expectedNumber) + " is"
                            : "checkpoints #" + std::to_string(expectedNumber) + " to #" + std::to_string(c.number - 1) +
                                  " are";
      return fail(v, afterPrevious, "missing", gap + " missing (before " + f.name + ")");
    }
    std::string expectedLink = previous ? previous->signature : "";
    if (!constantTimeEquals(c.previousSignature, expectedLink))
      return fail(v, afterPrevious, "missing",
                  f.name + " does not chain onto the checkpoint before it: a checkpoint was replaced or removed");
    if (previous && c.seq < previous->seq)
      return fail(v, c.seq, "forged", label(c) + " goes back before " + label(*previous));
    previous = &c;
    ++v.checkpointsChecked;
    if (f.fromDatabase) ++v.onlyInDatabase;
  }
  const Checkpoint& newest = *previous;
  v.latest = newest;

  if (facts.lastId < newest.seq) {
    std::string from = std::to_string(facts.lastId + 1), to = std::to_string(newest.seq);
    return fail(v, facts.lastId + 1, "truncated",
                "the log ends at row " + std::to_string(facts.lastId) + " but " + label(newest) + " signed it up to row " +
                    to + ": " + (from == to ? "row " + from + " was" : "rows " + from + " to " + to + " were") +
                    " removed and the chain head moved back");
  }

  // Every checkpoint's row must still carry the hash it signed; the first that does not puts
  // the rows since the checkpoint before it in doubt.
  std::int64_t lastGood = 0;
  for (const auto& f : files) {
    const Checkpoint& c = *f.checkpoint;
    if (c.seq < facts.anchorId || c.seq == 0) {
      lastGood = c.seq;
      continue;  // purged by retention: nothing left to compare
    }
    std::optional<std::string> actual = c.seq == facts.anchorId ? std::optional<std::string>(facts.anchorHash)
                                                                : rowHash(c.seq);
    if (!actual || *actual != c.headHash) {
      std::int64_t firstDoubt = std::max(lastGood, facts.anchorId) + 1;
      return fail(v, firstDoubt, "rewritten",
                  "row " + std::to_string(c.seq) + (actual ? " does not have the hash " : " is gone, unlike the hash ") +
                      label(c) + " signed: rows " + std::to_string(firstDoubt) + " to " + std::to_string(c.seq) +
                      " were rewritten (the first changed row is one of them)");
    }
    lastGood = c.seq;
  }
  return v;
}

}  // namespace cc::audit
