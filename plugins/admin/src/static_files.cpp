#include "static_files.hpp"

#include <fstream>
#include <map>
#include <sstream>

namespace cc::admin {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxFileBytes = 8 * 1024 * 1024;

bool isInside(const fs::path& file, const fs::path& root) {
  auto f = file.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++f)
    if (f == file.end() || *f != *r) return false;
  return true;
}

}  // namespace

StaticFiles::StaticFiles(fs::path root) : root_(std::move(root)) {}

bool StaticFiles::rootExists() const {
  std::error_code ec;
  return fs::is_directory(root_, ec);
}

bool StaticFiles::safeRelativePath(const std::string& relative) {
  if (relative.size() > 512) return false;
  std::size_t start = 0;
  while (start <= relative.size()) {
    std::size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    std::string segment = relative.substr(start, end - start);
    // Empty segments only happen at the very start (the index) or from "//", which the
    // router already drops; a leading dot covers ".", ".." and hidden files.
    if (segment.empty() && !relative.empty()) return false;
    if (!segment.empty() && segment[0] == '.') return false;
    for (unsigned char c : segment)
      if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') return false;
    start = end + 1;
  }
  return true;
}

std::optional<fs::path> StaticFiles::resolve(const std::string& relative) const {
  if (!safeRelativePath(relative)) return std::nullopt;
  std::error_code ec;
  fs::path root = fs::canonical(root_, ec);
  if (ec) return std::nullopt;
  fs::path candidate = relative.empty() ? root / "index.html" : root / relative;
  // canonical() follows symlinks, so a link pointing outside the folder is refused too.
  fs::path real = fs::canonical(candidate, ec);
  if (ec || !isInside(real, root) || !fs::is_regular_file(real, ec)) return std::nullopt;
  return real;
}

std::string StaticFiles::contentType(const fs::path& file) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".json", "application/json"},
      {".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
      {".md", "text/plain; charset=utf-8"}, {".txt", "text/plain; charset=utf-8"}};
  auto it = types.find(file.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

void StaticFiles::serve(const std::string& relative, Response& res) const {
  auto file = resolve(relative);
  std::error_code ec;
  if (!file || fs::file_size(*file, ec) > kMaxFileBytes || ec) {
    res.error(404, "no such dashboard file: /admin/" + relative);
    return;
  }
  std::ifstream in(*file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in && !in.eof()) {
    res.error(404, "no such dashboard file: /admin/" + relative);
    return;
  }
  res.text(200, content.str(), contentType(*file));
  // The page talks only to this origin; no inline script, no framing, no sniffing.
  res.setHeader("Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("X-Frame-Options", "DENY");
  // The files change with each deployment and are small: revalidate every time.
  res.setHeader("Cache-Control", "no-cache");
}

}  // namespace cc::admin
