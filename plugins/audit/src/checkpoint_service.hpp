#pragma once
// The AuditCheckpoints service (contract: <codecouncil/audit/checkpoints.hpp>) over the
// plugin's Checkpointer; without a key there is no Checkpointer and it answers nullopt.
#include "checkpointer.hpp"

#include <codecouncil/audit/checkpoints.hpp>

namespace cc::audit {

class CheckpointService : public AuditCheckpoints {
 public:
  /// `checkpointer` may be null (checkpoints off); it outlives the service (audit_plugin.cpp).
  explicit CheckpointService(Checkpointer* checkpointer) : checkpointer_(checkpointer) {}
  std::optional<std::string> checkpointNow() override {
    if (!checkpointer_) return std::nullopt;
    return toJson(checkpointer_->write("requested"));
  }

 private:
  Checkpointer* checkpointer_;
};

}  // namespace cc::audit
