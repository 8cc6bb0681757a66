#include "export_command.hpp"

#include "audit_export.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <optional>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace cc::audit {

namespace {

constexpr const char* kCommand = "codecouncil audit export";

struct ExportArgs {
  ExportFormat format = ExportFormat::Ndjson;
  AuditQuery filters;
  std::optional<std::string> output;
};

// --name value or --name=value; throws std::invalid_argument for anything else.
ExportArgs parseArgs(const std::vector<std::string>& args) {
  std::map<std::string, std::optional<std::string>*> options;
  ExportArgs parsed;
  std::optional<std::string> format;
  options["--format"] = &format;
  options["--user-id"] = &parsed.filters.userId;
  options["--action"] = &parsed.filters.action;
  options["--severity"] = &parsed.filters.severity;
  options["--resource-type"] = &parsed.filters.resourceType;
  options["--from"] = &parsed.filters.from;
  options["--to"] = &parsed.filters.to;
  options["--output"] = &parsed.output;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], value;
    std::size_t eq = name.find('=');
    bool inline_value = name.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto it = options.find(name);
    if (it == options.end()) throw std::invalid_argument("unknown argument " + name);
    if (!inline_value) {
      if (i + 1 >= args.size()) throw std::invalid_argument(name + " needs a value");
      value = args[++i];
    }
    if (*it->second) throw std::invalid_argument(name + " is given twice");
    *it->second = value;
  }
  if (format) {
    auto named = exportFormatNamed(*format);
    if (!named) throw std::invalid_argument("--format must be ndjson or csv");
    parsed.format = *named;
  }
  if (parsed.output && parsed.output->empty()) throw std::invalid_argument("--output must name a file");
  return parsed;
}

bool writeBytes(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Writes every piece to `fd`; false (errno set) when a write fails.
bool drain(AuditExport& out, int fd) {
  std::string piece;
  for (bool more = true; more;) {
    piece.clear();
    more = out.next(piece);
    if (!writeBytes(fd, piece)) return false;
  }
  return true;
}

int toFile(AuditExport& out, const std::string& path) {
  std::string temp = path + ".partial-XXXXXX";
  int fd = ::mkstemp(temp.data());  // 0600, a fresh name: never an existing file or link
  if (fd < 0) {
    std::fprintf(stderr, "%s: cannot create a file beside %s: %s\n", kCommand, path.c_str(), std::strerror(errno));
    return 1;
  }
  auto fail = [&](const std::string& what) {
    std::fprintf(stderr, "%s: %s; nothing was written to %s\n", kCommand, what.c_str(), path.c_str());
    ::close(fd);
    ::unlink(temp.c_str());
    return 1;
  };
  try {
    if (!drain(out, fd)) return fail(std::string("writing failed: ") + std::strerror(errno));
  } catch (const std::exception& e) {
    return fail(std::string("the export failed: ") + e.what());
  }
  if (::fsync(fd) != 0) return fail(std::string("writing failed: ") + std::strerror(errno));
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    std::fprintf(stderr, "%s: cannot rename the export to %s: %s\n", kCommand, path.c_str(), std::strerror(err));
    return 1;
  }
  std::fprintf(stderr, "audit export: %lld rows written to %s\n", static_cast<long long>(out.rows()), path.c_str());
  return 0;
}

}  // namespace

int exportCommand(Database& db, const std::vector<std::string>& args) {
  ExportArgs parsed;
  std::unique_ptr<AuditExport> out;
  try {
    parsed = parseArgs(args);
    out = openExport(db, parsed.filters, parsed.format);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr,
                 "%s: %s\nusage: %s [--format ndjson|csv] [--user-id ID] [--action A] [--severity S] "
                 "[--resource-type T] [--from TIME] [--to TIME] [--output FILE]\n",
                 kCommand, e.what(), kCommand);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: the audit log cannot be read: %s\n", kCommand, e.what());
    return 1;
  }
  if (parsed.output) return toFile(*out, *parsed.output);
  try {
    std::fflush(stdout);
    if (!drain(*out, STDOUT_FILENO)) {
      std::fprintf(stderr, "%s: writing to stdout failed: %s\n", kCommand, std::strerror(errno));
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: the export failed after %lld rows: %s\n", kCommand, static_cast<long long>(out->rows()),
                 e.what());
    return 1;
  }
  return 0;
}

}  // namespace cc::audit
