#pragma once
// psql runs backslash meta-commands from its input (`\! cmd` runs a shell command as this
// service's user). A restore therefore feeds psql its own `\restrict <random key>` first:
// psql (15.14+, 16.10+, 17.6+) then refuses every meta-command but `\unrestrict <that key>`,
// which the dump cannot know, and -v ON_ERROR_STOP=1 turns the refusal into a rolled-back,
// failed restore. pg_dump 15.14+ writes its own `\restrict <key>` header and
// `\unrestrict <key>` trailer (CVE-2025-8714); psql refuses a second \restrict, so the
// filter drops exactly that pair and passes every other byte through unchanged.
#include <functional>
#include <string>

namespace cc::backup {

/// 64 random alphanumeric characters for `\restrict`.
std::string randomRestrictKey();

/// Streams a dump, dropping pg_dump's own `\restrict K` (only as the first line that is not
/// a comment or blank) and the matching `\unrestrict K` (anywhere later: K is random per
/// dump, so legitimate data cannot contain it). Dropping them never lets anything run:
/// psql stays restricted under the restorer's key either way.
class DumpRestrictFilter {
 public:
  using Sink = std::function<void(const char*, std::size_t)>;
  explicit DumpRestrictFilter(Sink sink) : sink_(std::move(sink)) {}
  void feed(const char* data, std::size_t size);
  /// Passes on a last line without a newline.
  void finish();

 private:
  void line(const std::string& text);  ///< one line, with its '\n' when it had one
  Sink sink_;
  std::string partial_;
  bool partialIsContinuation_ = false;  ///< the current line's start was already passed on
  bool inHeader_ = true;
  std::string dumpKey_;
};

}  // namespace cc::backup
