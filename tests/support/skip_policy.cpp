#include "support/skip_policy.hpp"

#include "support/test_env.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cc::test {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

/// One line of the log: tabs and line breaks in a skip message would split its fields.
std::string oneLine(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return trim(s);
}

const SkipAllowlist& loadedAllowlist() {
  static const SkipAllowlist list = [] {
    std::string path = skipAllowlistPath();
    std::ifstream in(path);
    if (!in) {
      SkipAllowlist missing;
      missing.error = path + ": cannot read the skip allow-list";
      return missing;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parseSkipAllowlist(text.str(), path);
  }();
  return list;
}

/// Appends one line with a single write(2) on an O_APPEND file, so the lines of test
/// programs that ctest runs in parallel do not interleave.
void logSkip(const std::string& testName, const std::string& verdict, const std::string& reason) {
  const char* dir = std::getenv("CC_TEST_SKIP_LOG");
  if (!dir || !*dir) return;
  std::string line = oneLine(testName) + "\t" + verdict + "\t" + oneLine(reason) + "\n";
  int fd = ::open((std::string(dir) + "/skips.tsv").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t written = ::write(fd, line.data(), line.size());
  (void)written;  // the log feeds a summary; the verdict itself does not depend on it
  ::close(fd);
}

}  // namespace

SkipAllowlist parseSkipAllowlist(const std::string& text, const std::string& fileName) {
  SkipAllowlist list;
  std::istringstream in(text);
  std::string raw;
  for (int lineNo = 1; std::getline(in, raw); ++lineNo) {
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    auto gap = line.find_first_of(" \t");
    std::string reason = gap == std::string::npos ? "" : trim(line.substr(gap));
    if (reason.empty()) {
      list.error = fileName + ":" + std::to_string(lineNo) + ": '" + line +
                   "' has no reason; an entry is '<test name pattern> <why it may not run>'";
      list.entries.clear();
      return list;
    }
    list.entries.push_back({line.substr(0, gap), reason, lineNo});
  }
  return list;
}

const SkipAllowEntry* findSkipAllowance(const SkipAllowlist& list, const std::string& testName) {
  for (const auto& e : list.entries)
    if (::fnmatch(e.pattern.c_str(), testName.c_str(), 0) == 0) return &e;
  return nullptr;
}

bool strictSkips() {
  const char* v = std::getenv("CC_TEST_STRICT_SKIPS");
  return v && std::string(v) == "1";
}

std::string skipAllowlistPath() {
  const char* v = std::getenv("CC_TEST_SKIP_ALLOWLIST");
  return v && *v ? v : sourceDir() + "/tests/skip-allowlist.txt";
}

SkipDecision decideSkip(const std::string& testName, const std::string& reason) {
  const SkipAllowlist& list = loadedAllowlist();
  SkipDecision d;
  if (findSkipAllowance(list, testName)) {
    logSkip(testName, "allowed", reason);
    return d;
  }
  if (!strictSkips()) {
    logSkip(testName, "unlisted", reason);
    return d;
  }
  logSkip(testName, "refused", reason);
  d.allowed = false;
  d.explanation = "skipped, and the test command (CC_TEST_STRICT_SKIPS=1) counts a skip as a failure: " +
                  (reason.empty() ? std::string("(no reason given)") : reason) +
                  "\nMake the test run under ./scripts/test, or add '" + testName +
                  " <why it may not run>' to " + skipAllowlistPath() + " (docs/testing.md, \"Skips\").";
  if (!list.error.empty()) d.explanation += "\n" + list.error;
  return d;
}

int exitCodeForSkip(const std::string& testName, const std::string& reason) {
  SkipDecision d = decideSkip(testName, reason);
  if (d.allowed) {
    std::printf("SKIPPED %s: %s\n", testName.c_str(), reason.c_str());
    return 77;
  }
  std::printf("FAILED %s: %s\n", testName.c_str(), d.explanation.c_str());
  return 1;
}

}  // namespace cc::test
