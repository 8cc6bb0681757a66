#pragma once
// The tamper-evidence rule: each row's hash is SHA-256 over its content and the previous
// row's hash. Changing, inserting or removing a row breaks the link at that point.
#include <codecouncil/audit/contract.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cc::audit {

/// prevHash of the very first row (and anchorHash of a table nothing was purged from).
inline const std::string kGenesisHash(64, '0');

/// One stored row as the chain sees it. Optional text columns are NULL in the database when
/// empty, and std::nullopt here, so NULL and '' hash differently and an edit between them shows.
struct ChainRow {
  std::int64_t id = 0;
  std::string createdAt;
  std::optional<std::string> userId;
  std::string action;
  std::string severity;
  std::string resourceType;
  std::optional<std::string> resourceId;
  std::string metadata;
  std::optional<std::string> ip;
  std::optional<std::string> userAgent;
  std::optional<std::string> requestId;
  std::string prevHash;
  std::string hash;
};

/// Appends `value` as one length-prefixed field ("5:hello;"): no two different lists of fields
/// serialise to the same bytes, whatever the values contain. Rows and checkpoints both hash
/// and sign this encoding.
void appendField(std::string& out, const std::string& value);

/// Lower-case hex SHA-256 of the row's fields (everything except `hash` itself).
std::string computeRowHash(const ChainRow& row);

/// The row an entry becomes once it has an id, a time and a predecessor (hash filled in).
ChainRow chainRowFor(const AuditEntry& entry, std::int64_t id, const std::string& createdAt,
                     const std::string& prevHash);

}  // namespace cc::audit
