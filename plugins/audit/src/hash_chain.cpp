#include "hash_chain.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

namespace cc::audit {

namespace {

// Fields as appendField writes them and "~;" for NULL, so NULL and '' differ.
void put(std::string& out, const std::string& value) { appendField(out, value); }
void put(std::string& out, const std::optional<std::string>& value) {
  if (value) put(out, *value);
  else out += "~;";
}
std::optional<std::string> nullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

void appendField(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ';';
}

std::string computeRowHash(const ChainRow& row) {
  std::string canonical = "audit-v1;";
  put(canonical, std::to_string(row.id));
  put(canonical, row.createdAt);
  put(canonical, row.userId);
  put(canonical, row.action);
  put(canonical, row.severity);
  put(canonical, row.resourceType);
  put(canonical, row.resourceId);
  put(canonical, row.metadata);
  put(canonical, row.ip);
  put(canonical, row.userAgent);
  put(canonical, row.requestId);
  put(canonical, row.prevHash);
  Poco::SHA2Engine sha;  // SHA-256
  sha.update(canonical);
  return sha.digestToHex(sha.digest());
}

ChainRow chainRowFor(const AuditEntry& entry, std::int64_t id, const std::string& createdAt,
                     const std::string& prevHash) {
  ChainRow row;
  row.id = id;
  row.createdAt = createdAt;
  row.userId = nullIfEmpty(entry.userId);
  row.action = entry.action;
  row.severity = entry.severity;
  row.resourceType = entry.resourceType;
  row.resourceId = nullIfEmpty(entry.resourceId);
  row.metadata = entry.metadata;
  row.ip = nullIfEmpty(entry.ip);
  row.userAgent = nullIfEmpty(entry.userAgent);
  row.requestId = nullIfEmpty(entry.requestId);
  row.prevHash = prevHash;
  row.hash = computeRowHash(row);
  return row;
}

}  // namespace cc::audit
