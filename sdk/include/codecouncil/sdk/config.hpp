#pragma once
// Read-only view of a YAML config node that remembers where it came from, so every
// error can say "plugins[2].config.port (config/codecouncil.yaml:14): ...".
//
// Scalars are expanded on read: ${VAR} is the environment variable (empty when unset),
// ${VAR:-default} falls back to `default` when VAR is unset or empty. Expansion happens
// at read time so the YAML tree keeps its line numbers.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cc {

/// Expands ${VAR} and ${VAR:-default} in `text` from the process environment.
inline std::string expandEnv(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      std::size_t close = text.find('}', i + 2);
      if (close != std::string::npos) {
        std::string inner = text.substr(i + 2, close - i - 2);
        std::string name = inner, fallback;
        bool hasDefault = false;
        if (auto p = inner.find(":-"); p != std::string::npos) {
          name = inner.substr(0, p);
          fallback = inner.substr(p + 2);
          hasDefault = true;
        }
        const char* value = std::getenv(name.c_str());
        if (value && *value) out += value;
        else if (hasDefault) out += fallback;
        i = close + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

/// A config problem, located. what() is "location: message".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string where, std::string message)
      : std::runtime_error(where + ": " + message), where_(std::move(where)), message_(std::move(message)) {}
  const std::string& where() const { return where_; }
  const std::string& message() const { return message_; }

 private:
  std::string where_, message_;
};

class ConfigNode {
 public:
  ConfigNode() = default;
  ConfigNode(YAML::Node node, std::string keyPath, std::shared_ptr<const std::string> file, int line = -1)
      : node_(std::move(node)), path_(std::move(keyPath)), file_(std::move(file)), line_(line) {}

  bool defined() const { return node_.IsDefined() && !node_.IsNull(); }
  bool isMap() const { return node_.IsDefined() && node_.IsMap(); }
  bool isSequence() const { return node_.IsDefined() && node_.IsSequence(); }
  bool isScalar() const { return node_.IsDefined() && node_.IsScalar(); }
  const YAML::Node& yaml() const { return node_; }

  /// Key path from the root, e.g. "plugins[1].config.tiers".
  const std::string& path() const { return path_; }
  /// "file:line" of this node (or of its parent when the key is absent).
  std::string location() const {
    int line = line_;
    if (node_.IsDefined() && node_.Mark().line >= 0) line = node_.Mark().line + 1;
    std::string f = file_ ? *file_ : std::string("<config>");
    return line > 0 ? f + ":" + std::to_string(line) : f;
  }
  /// "path (file:line)", the prefix of every error about this node.
  std::string where() const { return (path_.empty() ? std::string("<root>") : path_) + " (" + location() + ")"; }

  bool has(const std::string& key) const { return child(key).defined(); }

  ConfigNode child(const std::string& key) const {
    // A missing key yields yaml-cpp's "zombie" node, on which most calls throw; replace it
    // with a plain undefined node so absent keys simply read as absent.
    YAML::Node n(YAML::NodeType::Undefined);
    if (node_.IsDefined() && node_.IsMap()) {
      YAML::Node found = static_cast<const YAML::Node&>(node_)[key];
      if (found.IsDefined()) n = found;
    }
    return ConfigNode(n, path_.empty() ? key : path_ + "." + key, file_, currentLine());
  }
  ConfigNode operator[](const std::string& key) const { return child(key); }
  /// The key `keyYaml` (a key of this map, not its value) as a node of its own, so an error
  /// about the key itself points at the key's line.
  ConfigNode keyNode(const YAML::Node& keyYaml, const std::string& key) const {
    return ConfigNode(keyYaml, path_.empty() ? key : path_ + "." + key, file_, currentLine());
  }

  std::vector<ConfigNode> items() const {
    std::vector<ConfigNode> out;
    if (!isSequence()) return out;
    for (std::size_t i = 0; i < node_.size(); ++i)
      out.emplace_back(node_[i], path_ + "[" + std::to_string(i) + "]", file_, currentLine());
    return out;
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    if (!isMap()) return out;
    for (auto it = node_.begin(); it != node_.end(); ++it) out.push_back(it->first.as<std::string>());
    return out;
  }

  /// This node as an env-expanded string; throws ConfigError when it is not a scalar.
  std::string asString() const {
    if (!isScalar()) throw ConfigError(where(), defined() ? "expected a string" : "is missing");
    return expandEnv(node_.Scalar());
  }
  std::int64_t asInt() const {
    std::string s = asString();
    try {
      std::size_t used = 0;
      long long v = std::stoll(s, &used, 10);
      if (used != s.size()) throw std::invalid_argument(s);
      return v;
    } catch (const std::exception&) {
      throw ConfigError(where(), "expected an integer, got '" + s + "'");
    }
  }
  double asDouble() const {
    std::string s = asString();
    try {
      std::size_t used = 0;
      double v = std::stod(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
      return v;
    } catch (const std::exception&) {
      throw ConfigError(where(), "expected a number, got '" + s + "'");
    }
  }
  bool asBool() const {
    std::string s = asString();
    if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
    if (s == "false" || s == "no" || s == "off" || s == "0") return false;
    throw ConfigError(where(), "expected true or false, got '" + s + "'");
  }
  std::vector<std::string> asStringList() const {
    std::vector<std::string> out;
    if (!defined()) return out;
    if (!isSequence()) throw ConfigError(where(), "expected a list");
    for (auto& item : items()) out.push_back(item.asString());
    return out;
  }

  std::string getString(const std::string& key, const std::string& fallback = "") const {
    return has(key) ? child(key).asString() : fallback;
  }
  std::int64_t getInt(const std::string& key, std::int64_t fallback) const {
    return has(key) ? child(key).asInt() : fallback;
  }
  double getDouble(const std::string& key, double fallback) const {
    return has(key) ? child(key).asDouble() : fallback;
  }
  bool getBool(const std::string& key, bool fallback) const {
    return has(key) ? child(key).asBool() : fallback;
  }

 private:
  int currentLine() const { return node_.IsDefined() && node_.Mark().line >= 0 ? node_.Mark().line + 1 : line_; }

  YAML::Node node_{YAML::NodeType::Undefined};
  std::string path_;
  std::shared_ptr<const std::string> file_;
  int line_ = -1;
};

/// Edit distance with adjacent transpositions counted as one edit ("thraeds" -> "threads" is 1),
/// the usual shape of a typo in a key.
inline std::size_t keyDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

/// "unknown key 'thraeds' (did you mean 'threads'?)". The suggestion is the known key nearest
/// to `key`, offered only when it is near enough to be a typo (at most a third of the key's
/// length in edits, at least one), so an unrelated key gets no misleading hint.
inline std::string unknownKeyMessage(const std::string& key, const std::set<std::string>& known) {
  std::string best;
  std::size_t bestDistance = 0;
  for (const auto& candidate : known) {
    std::size_t distance = keyDistance(key, candidate);
    if (best.empty() || distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  std::string message = "unknown key '" + key + "'";
  if (!best.empty() && bestDistance <= std::max<std::size_t>(1, key.size() / 3))
    message += " (did you mean '" + best + "'?)";
  return message;
}

/// Collects every config problem so they can be reported together (Envoy/Kong style).
class ConfigErrors {
 public:
  void add(const ConfigNode& at, const std::string& message) { errors_.push_back(at.where() + ": " + message); }
  void add(const ConfigError& e) { errors_.push_back(e.what()); }
  void addRaw(std::string message) { errors_.push_back(std::move(message)); }
  bool empty() const { return errors_.empty(); }
  const std::vector<std::string>& list() const { return errors_; }
  std::string joined(const std::string& sep = "\n") const {
    std::string out;
    for (std::size_t i = 0; i < errors_.size(); ++i) out += (i ? sep : "") + errors_[i];
    return out;
  }

 private:
  std::vector<std::string> errors_;
};

}  // namespace cc
