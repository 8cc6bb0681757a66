#pragma once
// cc::ConfigReader: one declaration per config key gives both the check and the binding.
//
//   struct Settings {
//     std::string apiBase = "https://example.com";   // the default is the member's initial value
//     int timeoutSeconds = 30;
//     static void describe(cc::ConfigReader& r, Settings& s) {
//       r.string("api_base", s.apiBase).integer("timeout_seconds", 1, 300, s.timeoutSeconds);
//     }
//   };
//
// apply(errors) reports every problem, each as "path (file:line): message": a wrong type, a
// value out of range or not in its list, a missing required key, an unknown key (with the
// nearest known one as a hint), a key given twice, and the same inside nested sections, maps
// of sections and lists. Only valid values are stored: an invalid one leaves its target at
// the default, so it cannot cause follow-up errors. Unknown and repeated keys are located on
// the key's own line (a nested map's value starts on the next one).
#include <codecouncil/sdk/config.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace cc {

class ConfigReader {
 public:
  explicit ConfigReader(ConfigNode node) : node_(std::move(node)) {}

  /// The section being read (for locating an error in a check()).
  const ConfigNode& node() const { return node_; }

  ConfigReader& string(const std::string& key, std::string& target, bool required = false) {
    return bind(key, required, [&target](const ConfigNode& n, ConfigErrors&) { target = n.asString(); });
  }
  /// An integer in [min, max]; T is any integer type.
  template <class T>
  ConfigReader& integer(const std::string& key, std::int64_t min, std::int64_t max, T& target, bool required = false) {
    return bind(key, required, [min, max, &target](const ConfigNode& n, ConfigErrors& errors) {
      std::int64_t v = n.asInt();
      if (v < min || v > max)
        errors.add(n, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      else
        target = static_cast<T>(v);
    });
  }
  ConfigReader& number(const std::string& key, double& target, bool required = false) {
    return bind(key, required, [&target](const ConfigNode& n, ConfigErrors&) { target = n.asDouble(); });
  }
  /// A number in [min, max].
  ConfigReader& number(const std::string& key, double min, double max, double& target, bool required = false) {
    return bind(key, required, [min, max, &target](const ConfigNode& n, ConfigErrors& errors) {
      double v = n.asDouble();
      if (!(v >= min && v <= max)) errors.add(n, "must be between " + show(min) + " and " + show(max));
      else target = v;
    });
  }
  ConfigReader& boolean(const std::string& key, bool& target, bool required = false) {
    return bind(key, required, [&target](const ConfigNode& n, ConfigErrors&) { target = n.asBool(); });
  }
  /// A string that must be one of `allowed`.
  ConfigReader& oneOf(const std::string& key, std::set<std::string> allowed, std::string& target,
                      bool required = false) {
    return bind(key, required, [allowed = std::move(allowed), &target](const ConfigNode& n, ConfigErrors& errors) {
      std::string v = n.asString();
      if (allowed.count(v)) {
        target = v;
        return;
      }
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      errors.add(n, "must be one of: " + list + " (got '" + v + "')");
    });
  }

  /// A list; `readItem` turns one item into a T or throws ConfigError. When the key is given,
  /// the list replaces the default, and only when every item was valid.
  template <class T>
  ConfigReader& list(const std::string& key, std::vector<T>& target, std::function<T(const ConfigNode&)> readItem,
                     bool required = false) {
    return bind(key, required, [&target, readItem = std::move(readItem)](const ConfigNode& n, ConfigErrors& errors) {
      if (!n.isSequence()) throw ConfigError(n.where(), "expected a list");
      std::vector<T> items;
      bool valid = true;
      for (const ConfigNode& item : n.items()) {
        try {
          items.push_back(readItem(item));
        } catch (const ConfigError& e) {
          errors.add(e);
          valid = false;
        }
      }
      if (valid) target = std::move(items);
    });
  }
  ConfigReader& stringList(const std::string& key, std::vector<std::string>& target, bool required = false) {
    return list<std::string>(key, target, [](const ConfigNode& item) { return item.asString(); }, required);
  }
  ConfigReader& numberList(const std::string& key, std::vector<double>& target, bool required = false) {
    return list<double>(key, target, [](const ConfigNode& item) { return item.asDouble(); }, required);
  }

  /// A nested map with keys of its own, declared by `describe` on a reader of its own.
  ConfigReader& section(const std::string& key, std::function<void(ConfigReader&)> describe, bool required = false) {
    known_.insert(key);
    sections_.push_back({key, required, std::move(describe)});
    return *this;
  }
  /// A nested map bound into `target`, whose type declares its keys with static describe().
  template <class S>
  ConfigReader& section(const std::string& key, S& target, bool required = false) {
    return section(key, [&target](ConfigReader& r) { S::describe(r, target); }, required);
  }

  /// A map of names the user chooses to sections of one shape, e.g. tiers: {free: {...}}. Each
  /// entry is read into target[name] (so an entry already there keeps its other values as
  /// defaults) by `describe(reader, name, entry)`.
  template <class S>
  ConfigReader& mapOf(const std::string& key, std::map<std::string, S>& target,
                      std::function<void(ConfigReader&, const std::string&, S&)> describe, bool required = false) {
    return bind(key, required, [&target, describe = std::move(describe)](const ConfigNode& n, ConfigErrors& errors) {
      if (!n.isMap()) throw ConfigError(n.where(), "expected a map");
      std::set<std::string> seen;
      for (auto it = n.yaml().begin(); it != n.yaml().end(); ++it) {
        std::string name = it->first.Scalar();
        if (!seen.insert(name).second) {
          errors.add(n.keyNode(it->first, name), "is defined more than once");
          continue;
        }
        ConfigNode entry = n.child(name);
        if (!entry.isMap()) {
          errors.add(entry, "expected a map");
          continue;
        }
        S value = target.count(name) ? target.at(name) : S{};
        ConfigReader reader(entry);
        describe(reader, name, value);
        if (reader.apply(errors)) target[name] = std::move(value);
      }
    });
  }
  /// A list of sections of one shape, each bound by describe(reader, item) into a new S.
  template <class S>
  ConfigReader& listOf(const std::string& key, std::vector<S>& target,
                       std::function<void(ConfigReader&, S&)> describe, bool required = false) {
    return bind(key, required, [&target, describe = std::move(describe)](const ConfigNode& n, ConfigErrors& errors) {
      if (!n.isSequence()) throw ConfigError(n.where(), "expected a list");
      std::vector<S> items;
      bool valid = true;
      for (const ConfigNode& item : n.items()) {
        if (!item.isMap()) {
          errors.add(item, "expected a map");
          valid = false;
          continue;
        }
        S value{};
        ConfigReader reader(item);
        describe(reader, value);
        valid = reader.apply(errors) && valid;
        items.push_back(std::move(value));
      }
      if (valid) target = std::move(items);
    });
  }

  /// A key with a shape of its own: `read` checks and stores it, reporting to errors or
  /// throwing ConfigError. Called only when the key is present.
  ConfigReader& value(const std::string& key, std::function<void(const ConfigNode&, ConfigErrors&)> read,
                      bool required = false) {
    return bind(key, required, std::move(read));
  }
  /// A key that is allowed here but read by someone else (e.g. a plugin's own `config:`).
  ConfigReader& known(const std::string& key) {
    known_.insert(key);
    return *this;
  }

  /// Runs after this section's keys are bound, with the section's node for locating errors
  /// (node["key"]): a check across several keys, or a value derived from them (a default
  /// that depends on whether another key was given).
  ConfigReader& check(std::function<void(const ConfigNode&, ConfigErrors&)> fn) {
    checks_.push_back(std::move(fn));
    return *this;
  }

  /// Reports every problem, stores every valid value and runs the checks. Returns false when
  /// this section (nested ones included) reported anything.
  bool apply(ConfigErrors& errors) const {
    const std::size_t before = errors.list().size();
    if (node_.defined() && !node_.isMap()) {
      errors.add(node_, "expected a map");
      return false;
    }
    if (node_.defined()) checkKeyNames(errors);
    for (const auto& f : fields_) {
      ConfigNode c = node_.child(f.key);
      if (!c.defined()) {
        if (f.required) errors.add(c, "is required");
        continue;
      }
      try {
        f.read(c, errors);
      } catch (const ConfigError& e) {
        errors.add(e);
      }
    }
    for (const auto& s : sections_) {
      ConfigNode c = node_.child(s.key);
      if (!c.defined() && s.required) {
        errors.add(c, "is required");
        continue;
      }
      ConfigReader nested(c);
      s.describe(nested);
      nested.apply(errors);  // absent: only its required keys matter
    }
    for (const auto& fn : checks_) fn(node_, errors);
    return errors.list().size() == before;
  }

 private:
  using Read = std::function<void(const ConfigNode&, ConfigErrors&)>;
  struct Field {
    std::string key;
    bool required;
    Read read;
  };
  struct Section {
    std::string key;
    bool required;
    std::function<void(ConfigReader&)> describe;
  };

  ConfigReader& bind(const std::string& key, bool required, Read read) {
    known_.insert(key);
    fields_.push_back({key, required, std::move(read)});
    return *this;
  }

  // yaml-cpp keeps only the first of two equal keys, so repeats are found by walking the pairs.
  void checkKeyNames(ConfigErrors& errors) const {
    std::set<std::string> seen;
    for (auto it = node_.yaml().begin(); it != node_.yaml().end(); ++it) {
      std::string key = it->first.Scalar();
      ConfigNode at = node_.keyNode(it->first, key);
      if (!known_.count(key)) errors.add(at, unknownKeyMessage(key, known_));
      else if (!seen.insert(key).second) errors.add(at, "is defined more than once");
    }
  }

  static std::string show(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  }

  ConfigNode node_;
  std::set<std::string> known_;
  std::vector<Field> fields_;
  std::vector<Section> sections_;
  std::vector<std::function<void(const ConfigNode&, ConfigErrors&)>> checks_;
};

namespace config_detail {
template <class S>
concept HasFinish = requires(S& s) { S::finish(s); };
template <class S>
concept HasCheck = requires(const S& s, const ConfigNode& n, ConfigErrors& e) { S::check(s, n, e); };
}  // namespace config_detail

/// Binds `node` into a new S (S::describe declares its keys), reporting every problem to
/// `errors`. Then S::finish(s) fills derived values and S::check(s, node, errors) checks
/// across keys, each when S declares it.
template <class S>
S loadConfig(const ConfigNode& node, ConfigErrors& errors) {
  S settings{};
  ConfigReader reader(node);
  S::describe(reader, settings);
  reader.apply(errors);
  if constexpr (config_detail::HasFinish<S>) S::finish(settings);
  if constexpr (config_detail::HasCheck<S>) S::check(settings, node, errors);
  return settings;
}

/// As above for a config that was validated already; throws ConfigError (every problem,
/// one per line) if it has problems after all.
template <class S>
S loadConfig(const ConfigNode& node) {
  ConfigErrors errors;
  S settings = loadConfig<S>(node, errors);
  if (!errors.empty()) throw ConfigError(node.where(), "invalid config:\n" + errors.joined());
  return settings;
}

}  // namespace cc
