#include "secret_rules.hpp"

#include "bounded_regex.hpp"

namespace cc::analysis {
namespace {

struct TokenShape {
  const char* what;
  const char* severity;
  std::regex pattern;
};

const std::vector<TokenShape>& tokenShapes() {
  static const std::vector<TokenShape> shapes = [] {
    std::vector<TokenShape> s;
    auto add = [&](const char* what, const char* severity, const char* re) {
      s.push_back({what, severity, std::regex(re, std::regex::ECMAScript | std::regex::optimize)});
    };
    add("private key", "critical", R"(-----BEGIN ((RSA|EC|DSA|OPENSSH|PGP|ENCRYPTED) )?PRIVATE KEY( BLOCK)?-----)");
    add("AWS access key id", "critical", R"(\b(AKIA|ASIA)[0-9A-Z]{16}\b)");
    add("GitHub token", "critical", R"(\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b)");
    add("Stripe live secret key", "critical", R"(\b(sk|rk)_live_[0-9A-Za-z]{16,}\b)");
    add("Stripe test secret key", "high", R"(\b(sk|rk)_test_[0-9A-Za-z]{16,}\b)");
    add("Stripe webhook secret", "high", R"(\bwhsec_[0-9A-Za-z]{16,}\b)");
    add("Google API key", "high", R"(\bAIza[0-9A-Za-z_\-]{35}\b)");
    add("Slack token", "high", R"(\bxox[abposr]-[0-9A-Za-z-]{10,}\b)");
    add("credentials in a URL", "high", R"([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@'"]+:[^\s@/'"]{3,}@[^\s'"]+)");
    return s;
  }();
  return shapes;
}

// name = "literal" / name: 'literal' / "name": "literal" / name := "literal", for secret-ish names.
const std::regex& assignment() {
  static const std::regex re(
      R"re((?:^|[^A-Za-z0-9_])([A-Za-z0-9_]*(?:passw(?:or)?d|passwd|pwd|secret|api_?key|apikey|access_?key|auth_?token|access_?token|private_?key|client_?secret|token)[A-Za-z0-9_]*)["']?\s*(?::=|=|:|=>)\s*[bru]?(["'])([^"']*)\2)re",
      std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  return re;
}

// Values that are obviously not secrets: empty, templated, read from elsewhere, or dummies.
bool looksLikePlaceholder(const std::string& value) {
  if (value.size() < 6) return true;
  if (value.find("${") != std::string::npos || value.find("{{") != std::string::npos ||
      value.find('%') != std::string::npos || value.find('<') != std::string::npos)
    return true;
  std::string lower = value;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* dummy : {"xxx", "changeme", "change_me", "example", "placeholder", "your_", "your-", "dummy",
                            "redacted", "********", "todo", "process.env", "getenv"})
    if (lower.find(dummy) != std::string::npos) return true;
  return false;
}

}  // namespace

std::vector<Finding> findSecrets(const std::vector<ScannedLine>& lines) {
  std::vector<Finding> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& raw = lines[i].raw;
    int lineNo = static_cast<int>(i) + 1;
    bool found = false;
    for (const auto& shape : tokenShapes()) {
      if (boundedSearch(raw, shape.pattern)) {
        out.push_back({lineNo, lineNo, shape.severity, "hardcoded-secret",
                       std::string("hard-coded ") + shape.what + ": move it to the environment or a secret store"});
        found = true;
        break;  // one finding per line is enough to act on
      }
    }
    if (found) continue;
    std::smatch m;
    if (boundedSearch(raw, assignment(), &m) && !looksLikePlaceholder(m[3].str())) {
      out.push_back({lineNo, lineNo, "high", "hardcoded-secret",
                     "hard-coded value assigned to '" + m[1].str() +
                         "': read secrets from the environment or a secret store"});
    }
  }
  return out;
}

}  // namespace cc::analysis
