#pragma once
// retention_days: rows older than this many days are purged by a daily job (0 = keep forever).
#include <string>

namespace cc::audit {

/// The ISO-8601 UTC instant `days` days before `slot` (a scheduler slot such as
/// "2025-01-15T03:30:00.000Z"). Throws std::invalid_argument when slot is not such a time.
std::string retentionCutoff(const std::string& slot, int days);

}  // namespace cc::audit
