#pragma once
// retention_days: rows older than this many days are purged by a daily job (0 = keep forever).
// `codecouncil audit purge --before <time>` does the same by hand.
#include "audit_store.hpp"

#include <string>

namespace cc::audit {

/// The ISO-8601 UTC instant `days` days before `slot` (a scheduler slot such as
/// "2025-01-15T03:30:00.000Z"). Throws std::invalid_argument when slot is not such a time.
std::string retentionCutoff(const std::string& slot, int days);

/// Purges rows created before `cutoff` and, when any were removed, appends an
/// "audit_purged" entry (warning, system) saying how many, up to which row and why: a
/// purge is itself an auditable action.
PurgeResult purgeAndRecord(AuditStore& store, const std::string& cutoff, const std::string& trigger);

}  // namespace cc::audit
