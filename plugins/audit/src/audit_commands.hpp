#pragma once
// `codecouncil audit verify | prove <id> | check-proof FILE` (purge stays in audit_plugin.cpp).
// Output goes to stdout, problems with the command line to stderr; exit codes: 0 fine,
// 1 tampered or not proven, 2 bad usage.
#include <codecouncil/sdk/context.hpp>

#include <string>

namespace cc::audit {

class AuditStore;

/// The hash chain walk, then (with a checkpoint key) the signed checkpoints.
int verifyCommand(Context& ctx, AuditStore& store, const std::string& checkpointKey);

/// Prints the proof of entry `idText` as of the earliest checkpoint covering it.
int proveCommand(Context& ctx, const std::string& idText, const std::string& checkpointKey);

/// Checks a proof file offline: reads nothing from the database.
int checkProofCommand(const std::string& path, const std::string& checkpointKey);

}  // namespace cc::audit
