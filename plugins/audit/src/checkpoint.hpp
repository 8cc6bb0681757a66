#pragma once
// A signed checkpoint of the audit chain: "as of `time`, the log ended at row `seq` whose hash
// is `headHash`", signed with HMAC-SHA-256 under a key that is not in the database
// (AUDIT_CHECKPOINT_KEY). Each checkpoint also signs the previous one's signature, so the
// checkpoints form a chain of their own (as CloudTrail's digest files do): removing or editing
// one breaks the link of the next.
#include <cstdint>
#include <string>

namespace cc::audit {

struct Checkpoint {
  std::int64_t number = 0;        ///< 1, 2, 3, ... (no gaps)
  std::int64_t seq = 0;           ///< id of the last row covered (0: empty log)
  std::int64_t count = 0;         ///< rows in the log then (seq minus the rows retention removed)
  std::string headHash;           ///< hash of row `seq` (64 zeros for an empty log)
  std::string time;               ///< ISO-8601 UTC, the database clock
  std::string previousSignature;  ///< signature of checkpoint number - 1 ("" for the first)
  std::string signature;          ///< lower-case hex HMAC-SHA-256 of signedText()
};

/// The exact bytes the signature covers: length-prefixed fields after "audit-checkpoint-v1;".
std::string signedText(const Checkpoint& c);

/// Lower-case hex HMAC-SHA-256 of `data` under `key`.
std::string hmacSha256Hex(const std::string& key, const std::string& data);

/// Fills c.signature.
void sign(Checkpoint& c, const std::string& key);

/// Whether c.signature is the one `key` gives (constant-time comparison).
bool signatureValid(const Checkpoint& c, const std::string& key);

/// Compares without an early exit, so timing says nothing about where two values differ.
bool constantTimeEquals(const std::string& a, const std::string& b);

/// The checkpoint as one JSON object (the file format and the proof's "checkpoint").
std::string toJson(const Checkpoint& c);

/// Parses toJson()'s format. Throws std::invalid_argument naming the bad field.
Checkpoint checkpointFromJson(const std::string& json);

}  // namespace cc::audit
