#pragma once
// Walks rows in id order and names the first one that breaks the chain. Pure logic: the
// database walk (audit_store.cpp) feeds it, and unit tests feed it rows directly.
//
// What it relies on: ids are gap-free (the writer assigns lastId + 1 under the chain lock),
// retention only removes a prefix and records it as the anchor, and the chain head remembers
// the last id and hash. So a missing id is a deletion, an id past the head is an insertion,
// a row whose prevHash is not its predecessor's hash was inserted or replaced, and a row whose
// content does not match its own hash was edited.
#include "hash_chain.hpp"

#include <cstdint>
#include <string>

namespace cc::audit {

struct ChainHead {
  std::int64_t anchorId = 0;       ///< last row removed by retention (0: none)
  std::string anchorHash = kGenesisHash;
  std::int64_t lastId = 0;         ///< last row appended
  std::string lastHash = kGenesisHash;
};

struct VerifyResult {
  bool ok = true;
  std::int64_t rowsChecked = 0;
  std::int64_t firstBadId = 0;  ///< the row where the chain breaks (0 when ok)
  std::string problem;          ///< "edited", "inserted", "deleted"
  std::string message;          ///< one line for the operator
};

class ChainVerifier {
 public:
  explicit ChainVerifier(ChainHead head);
  /// Feed rows in ascending id order. Returns false once a problem was found (stop feeding).
  bool feed(const ChainRow& row);
  /// Call after the last row: checks that nothing is missing at the end.
  VerifyResult finish();

 private:
  bool fail(std::int64_t id, std::string problem, std::string message);

  ChainHead head_;
  std::int64_t expectedId_;
  std::string expectedPrev_;
  VerifyResult result_;
};

}  // namespace cc::audit
