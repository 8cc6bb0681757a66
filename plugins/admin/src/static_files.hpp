#pragma once
// Serves the dashboard's files from one folder. Every request path is checked before it
// touches the file system: no "..", no hidden files, nothing outside the folder even
// through a symlink.
#include <codecouncil/sdk/http.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace cc::admin {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  /// The file for `relative` (the part of the URL after /admin/, "" for the index), or
  /// nullopt when it is unsafe, missing or not a regular file.
  std::optional<std::filesystem::path> resolve(const std::string& relative) const;
  /// Writes the file (200) or a JSON 404 into `res`.
  void serve(const std::string& relative, Response& res) const;

  const std::filesystem::path& root() const { return root_; }
  bool rootExists() const;

  static std::string contentType(const std::filesystem::path& file);
  /// True when every segment is a plain name: not empty, not "." or "..", not hidden, no
  /// backslash or control character.
  static bool safeRelativePath(const std::string& relative);

 private:
  std::filesystem::path root_;
};

}  // namespace cc::admin
