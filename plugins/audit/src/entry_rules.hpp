#pragma once
// What makes an entry storable: known severity and resource type, a JSON-object metadata
// without secrets, bounded field sizes. Applied to every entry, from events or direct calls,
// so a careless caller can neither lose its entry nor store a password.
#include <codecouncil/sdk/json.hpp>
#include <codecouncil/audit/contract.hpp>

#include <string>

namespace cc::audit {

bool isSeverity(const std::string& s);
bool isResourceType(const std::string& s);

/// Metadata for an event: the payload without the request context (stored in their own
/// columns), plus "source" (the publishing plugin), with secret-looking keys redacted.
std::string metadataFromPayload(const json::ObjectPtr& payload, const std::string& source);

/// Makes an entry storable without dropping it: an unknown severity becomes "warning" and an
/// unknown resource type "system" (the given values are kept in metadata under "invalid"),
/// metadata that is not a JSON object is wrapped as {"raw": text}, secrets are redacted,
/// over-long fields are cut. Every field becomes storable text: ill-formed UTF-8 in metadata
/// becomes U+FFFD (control characters are JSON-escaped there), and the one-line fields
/// (userId, action, resourceId, ip, userAgent, requestId) get control characters and
/// ill-formed bytes escaped as \xNN, \r, \n, \t. Never throws.
AuditEntry normalizeEntry(AuditEntry entry);

}  // namespace cc::audit
