#pragma once
// A proof that one audit entry is in the log as of a signed checkpoint, checkable offline:
//   {"format": "codecouncil-audit-proof/1",
//    "entry": {row fields, prevHash, hash},
//    "following": [the rows after it up to the checkpoint's seq, same shape],
//    "checkpoint": {the signed checkpoint}}
// The checker recomputes each row's hash from its fields (hash_chain.cpp), follows the
// prevHash links to the checkpoint's headHash, and checks the checkpoint's HMAC. Each hash
// covers its row's content, so the rows between the entry and the checkpoint travel with the
// proof: the earliest checkpoint at or after the entry is used, which keeps them few.
#include "checkpoint.hpp"
#include "hash_chain.hpp"

#include <string>
#include <vector>

namespace cc::audit {

std::string proofJson(const ChainRow& entry, const std::vector<ChainRow>& following, const Checkpoint& checkpoint);

struct ProofCheck {
  bool ok = false;
  std::int64_t entryId = 0;
  Checkpoint checkpoint;
  std::string problem;  ///< "malformed", "bad signature", "tampered entry", "broken link"
  std::string message;
};

/// Checks a proof's text with `key`; never throws on hostile input.
ProofCheck checkProof(const std::string& text, const std::string& key);

}  // namespace cc::audit
