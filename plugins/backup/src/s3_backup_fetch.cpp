#include "s3_backup_fetch.hpp"

#include "atomic_file.hpp"
#include "backup_files.hpp"
#include "manifest.hpp"
#include "s3_client.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cc::backup {
namespace {

std::string readDownloaded(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

FetchedBackup::FetchedBackup(FetchedBackup&& other) noexcept
    : path_(std::move(other.path_)), written_(std::move(other.written_)) {
  other.written_.clear();
}

FetchedBackup::~FetchedBackup() {
  std::error_code ec;
  // The dump first: a name that lists as a backup never stands without its sidecars.
  for (auto it = written_.rbegin(); it != written_.rend(); ++it) std::filesystem::remove(*it, ec);
}

FetchedBackup fetchBackupFromS3(const S3Settings& s3, const std::string& name, const std::string& dir) {
  if (!isBackupFileName(name))
    throw std::runtime_error("'" + name + "' is not a backup file name (codecouncil-ai_<environment>_<YYYYMMDD_HHMMSS>"
                             ".sql.gz[.enc]): only backups are fetched from S3");
  const std::string path = (std::filesystem::path(dir) / name).string();
  for (const auto& file : {path, manifestPath(path), signaturePath(path), checksumPath(path)})
    if (std::filesystem::exists(std::filesystem::symlink_status(file)))
      throw std::runtime_error(file + " already exists: restore the local copy (without --from-s3), or move it away "
                               "to fetch the one in S3");

  S3Client client(s3, credentialsFromEnvironment());
  const std::string key = s3.prefix + name;
  // Written in the order a backup run writes them (sidecars, then the dump), removed in the
  // reverse order on failure.
  // The dump first: "no such backup in S3" names the dump, not one of its sidecars.
  client.head(key);
  FetchedBackup fetched(path);
  client.download(key + ".manifest.json", manifestPath(path));
  fetched.add(manifestPath(path));
  try {
    client.download(key + ".sig", signaturePath(path));
    fetched.add(signaturePath(path));
  } catch (const S3NoSuchObject&) {
    // An unsigned upload: the signature check refuses it unless --force-unsigned.
  }
  Manifest manifest = Manifest::fromJson(readDownloaded(manifestPath(path)));
  if (manifest.sha256.empty())
    throw std::runtime_error("the manifest of " + client.objectUrl(key) + " has no sha256: the download cannot be checked");
  writeFileAtomically(checksumPath(path), manifest.sha256 + "  " + name + "\n");
  fetched.add(checksumPath(path));
  client.download(key, path);
  fetched.add(path);
  return fetched;
}

std::optional<RemoteBackup> newestBackupInS3(const S3Settings& s3, const std::string& environment) {
  S3Client client(s3, credentialsFromEnvironment());
  std::optional<RemoteBackup> newest;
  for (const auto& key : client.listKeys(s3.prefix + backupNamePrefix(environment))) {
    std::string name = key.substr(s3.prefix.size());
    auto when = backupTimeFromName(name, environment);  // sidecars and other objects are not backups
    if (!when) continue;
    if (!newest || *when > newest->createdAt || (*when == newest->createdAt && name > newest->name))
      newest = RemoteBackup{name, client.objectUrl(key), *when};
  }
  return newest;
}

}  // namespace cc::backup
