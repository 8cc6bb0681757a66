#pragma once
// Backups fetched back from the S3 copy (backup_runner.cpp uploads the dump, its manifest and
// its .sig under s3.prefix + the file name). A fetched backup is laid out exactly like a local
// one, so the restore and the drill check it exactly like one: .sha256, gzip stream, manifest,
// signature, decryption. Nothing here trusts what it downloaded.
#include "backup_settings.hpp"

#include <ctime>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace cc::backup {

/// The files of one backup fetched into a folder; removed when this goes out of scope unless
/// keep() was called (a download that fails its checks leaves nothing behind).
class FetchedBackup {
 public:
  explicit FetchedBackup(std::string path) : path_(std::move(path)) {}
  FetchedBackup(FetchedBackup&& other) noexcept;
  FetchedBackup& operator=(FetchedBackup&&) = delete;
  FetchedBackup(const FetchedBackup&) = delete;
  ~FetchedBackup();

  /// Records a file written for this backup (removed with it unless kept).
  void add(const std::string& file) { written_.push_back(file); }
  const std::string& path() const { return path_; }
  void keep() { written_.clear(); }

 private:
  std::string path_;
  std::vector<std::string> written_;
};

/// Downloads backup `name` (a backup file name, see isBackupFileName) from S3 into `dir`: its
/// .manifest.json and .sig (when S3 has one), then the dump, each complete or absent, and
/// writes its .sha256 from the manifest's sha256 (the signature covers the manifest, and the
/// check compares that sha256 with the downloaded bytes; the upload does not send a .sha256).
/// Refuses when a file of that backup already exists in `dir`, so a local copy is never
/// replaced. Throws std::runtime_error naming the object URL; nothing stays behind then.
FetchedBackup fetchBackupFromS3(const S3Settings& s3, const std::string& name, const std::string& dir);

struct RemoteBackup {
  std::string name;     ///< the backup file name
  std::string url;      ///< the object's URL, for messages
  std::time_t createdAt = 0;
};

/// The newest backup of `environment` in S3 (ListObjectsV2 on s3.prefix + the environment's
/// file name prefix); nullopt when S3 has none. Throws when S3 cannot be listed.
std::optional<RemoteBackup> newestBackupInS3(const S3Settings& s3, const std::string& environment);

}  // namespace cc::backup
