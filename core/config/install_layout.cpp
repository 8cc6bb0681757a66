#include "core/config/install_layout.hpp"

#include <filesystem>

namespace cc::core {

namespace fs = std::filesystem;

std::string installedConfigDirFor(const std::string& executable) {
  const fs::path bin = fs::path(executable).lexically_normal().parent_path();
  if (bin.filename() != "bin") return {};
  const fs::path prefix = bin.parent_path();
  const fs::path dir = prefix == "/usr" ? fs::path("/etc/codecouncil") : prefix / "etc" / "codecouncil";
  std::error_code ec;
  return fs::is_directory(dir, ec) ? dir.string() : std::string();
}

std::string installedConfigDir() {
  std::error_code ec;
  // The binary itself, symbolic links resolved: a link in /usr/local/bin to an installed
  // binary still finds that install's configuration.
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : installedConfigDirFor(self.string());
}

}  // namespace cc::core
