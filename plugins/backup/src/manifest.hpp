#pragma once
// The manifest written beside each backup: what was dumped, from which engine and version,
// and per-table row counts and checksums taken from the same snapshot as the dump.
#include <cstdint>
#include <string>
#include <vector>

namespace cc::backup {

struct TableStats {
  std::string name;
  std::int64_t rows = 0;
  std::string checksum;  ///< order-independent digest of the rows; see the engines
};

struct Manifest {
  int format = 1;
  std::string file;
  std::string environment;
  std::string engine;              ///< "sqlite" | "postgresql"
  std::string serverVersion;       ///< "3.40.1", "15.18"
  std::string dumpTool;            ///< "pg_dump (PostgreSQL) 15.18", "codecouncil sqlite dumper"
  std::string codecouncilVersion;
  std::string createdAt;           ///< ISO-8601 UTC
  double durationSeconds = 0;
  std::uint64_t bytes = 0;         ///< size of the file on disk (.sql.gz or .sql.gz.enc)
  std::uint64_t sqlBytes = 0;      ///< uncompressed size
  std::string sha256;              ///< of the file on disk, as it is (encrypted or not)
  bool encrypted = false;          ///< the file is AES-256-GCM encrypted (backup_encryption.hpp)
  std::string encryptionKeyId;     ///< the key's public id when encrypted; never the key
  /// The audit log's signed checkpoint taken just before the dump (a JSON object as text, see
  /// docs/audit-log.md "Signed checkpoints"); empty without the audit plugin or its key. A copy
  /// off the database host that whoever can write the database cannot rewrite.
  std::string auditCheckpoint;
  std::vector<TableStats> tables;

  std::string toJson() const;
  /// Throws std::runtime_error on malformed input.
  static Manifest fromJson(const std::string& text);
  static Manifest load(const std::string& path);
};

/// Differences between two sets of table statistics, one line each; empty when equal.
std::vector<std::string> compareTables(const std::vector<TableStats>& expected, const std::vector<TableStats>& actual);

}  // namespace cc::backup
