#include "core/plugins/plugin_file_check.hpp"

#include <cstdio>
#include <filesystem>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace cc::core {
namespace {

namespace fs = std::filesystem;

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string userName(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  return (pw ? std::string(pw->pw_name) + " " : std::string()) + "(uid " + std::to_string(uid) + ")";
}

// "" when `path` (followed through links) is owned by us or root and not writable by group or others.
std::string checkOne(const fs::path& path, const char* kind) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";  // a missing file is reported by the loader
  const std::string what = std::string(kind) + " " + path.string();
  const uid_t self = ::geteuid();
  if (st.st_uid != self && st.st_uid != 0)
    return what + " belongs to " + userName(st.st_uid) + ", not to the host's user " + userName(self) +
           " or root; run chown " + std::to_string(self) + " " + path.string();
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    const bool group = st.st_mode & S_IWGRP, others = st.st_mode & S_IWOTH;
    return what + " is writable by " + (group && others ? "its group and others" : group ? "its group" : "others") +
           " (mode " + octal(st.st_mode) + "); run chmod " + (group && others ? "go-w " : group ? "g-w " : "o-w ") +
           path.string();
  }
  return "";
}

}  // namespace

std::string unsafePluginFileReason(const std::string& configured) {
  const fs::path path = fs::absolute(configured);
  std::error_code ec;
  const fs::path target = fs::canonical(path, ec);
  std::vector<std::pair<fs::path, const char*>> checks{{path.parent_path(), "folder"}};
  if (!ec) {
    checks.emplace_back(target, "library");
    if (target.parent_path() != path.parent_path()) checks.emplace_back(target.parent_path(), "folder");
  }
  for (auto& [p, kind] : checks)
    if (std::string reason = checkOne(p, kind); !reason.empty()) return reason;
  return "";
}

}  // namespace cc::core
