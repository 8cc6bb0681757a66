#pragma once
// audit's checkpoint service: a signed checkpoint of the audit chain for another plugin to keep
// outside the database (the backup plugin's manifest, so every backup carries a copy that the
// database's administrators cannot rewrite). docs/audit-log.md "Signed checkpoints".
//
// Provider: the audit plugin, always (ctx.services().get<cc::audit::AuditCheckpoints>() in a
// plugin that lists "audit" in dependencies() or optionalDependencies()). Link
// CodeCouncil::audit_contract. Bump kContractVersion whenever this class changes.
#include <optional>
#include <string>

namespace cc::audit {

class AuditCheckpoints {
 public:
  static constexpr const char* kServiceName = "audit.checkpoints";
  static constexpr int kContractVersion = 1;
  virtual ~AuditCheckpoints() = default;
  /// Writes a new checkpoint covering every entry written so far (file in data_dir and the
  /// database's signed copy) and returns it as one JSON object, exactly as in its file:
  /// {"format","number","seq","count","headHash","time","previousSignature","signature"}.
  /// nullopt when checkpoints are off (no AUDIT_CHECKPOINT_KEY). Throws std::runtime_error when
  /// the database or data_dir refuses. Never returns or logs the key.
  virtual std::optional<std::string> checkpointNow() = 0;
};

}  // namespace cc::audit
