#include "core/plugins/plugin_manager.hpp"

#include <codecouncil/sdk/core_topics.hpp>

#include "core/plugins/fatal_signal_report.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace cc::core {

const char* toString(PluginStatus s) {
  switch (s) {
    case PluginStatus::Disabled: return "disabled";
    case PluginStatus::Loaded: return "loaded";
    case PluginStatus::Started: return "started";
    case PluginStatus::Failed: return "failed";
    case PluginStatus::Skipped: return "skipped";
    case PluginStatus::Stopped: return "stopped";
  }
  return "unknown";
}

struct PluginManager::State {
  PluginInfo info;
  const PluginEntryConfig* entry = nullptr;
  LoadedLibrary library;
  PluginPtr plugin;
  std::unique_ptr<PluginDeclarations> declarations;
  std::unique_ptr<PluginContext> context;
};

namespace {

// Libraries are never unloaded: handlers, services and exception types that came from a
// plugin may still be referenced by host-owned objects until the process exits.
void keepLoaded(const std::shared_ptr<boost::dll::shared_library>& lib) {
  static auto* libraries = new std::vector<std::shared_ptr<boost::dll::shared_library>>();
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  libraries->push_back(lib);
}

// Runs a call into plugin code; any exception becomes a message (copied into a host string).
std::string guard(const std::function<void()>& fn) {
  try {
    fn();
    return {};
  } catch (const std::exception& e) {
    return std::string(e.what());
  } catch (...) {
    return "non-standard exception";
  }
}

}  // namespace

PluginManager::PluginManager(const HostConfig& config, Poco::Logger& log) : config_(config), log_(log) {}

PluginManager::~PluginManager() { stop(); }

PluginManager::State* PluginManager::find(const std::string& name) {
  for (auto& s : states_)
    if (s->info.name == name) return s.get();
  return nullptr;
}
const PluginManager::State* PluginManager::find(const std::string& name) const {
  for (auto& s : states_)
    if (s->info.name == name) return s.get();
  return nullptr;
}

void PluginManager::fail(State& s, const std::string& error, std::vector<std::string>& fatal) {
  s.info.error = error;
  if (s.info.optional) {
    s.info.status = PluginStatus::Skipped;
    log_.warning("optional plugin %s skipped: %s", s.info.name, error);
  } else {
    s.info.status = PluginStatus::Failed;
    fatal.push_back(error);
  }
}

void PluginManager::load() {
  std::vector<std::string> fatal;
  loadLibraries(fatal);
  validateConfigs(fatal);
  resolveDependencies(fatal);
  computeOrder(fatal);
  if (!fatal.empty()) {
    std::string text = "cannot start plugins:";
    for (auto& f : fatal) text += "\n  " + f;
    throw PluginStartError(text);
  }
}

// A missing library is usually a plugin_dir that does not point at the build or install (the
// shipped configs take it from CODECOUNCIL_PLUGIN_DIR); say which setting chose the path.
std::string PluginManager::whereToFixPath(const PluginEntryConfig& entry) const {
  if (entry.node.has("path"))
    return "check the entry's path (" + entry.node.child("path").where() + "), relative to the config file's folder";
  const std::string setting = config_.root.has("plugin_dir") ? config_.root.child("plugin_dir").where()
                                                              : std::string("plugin_dir (not set: ../build/plugins)");
  return "it is looked up in plugin_dir, " + config_.pluginDir + " (" + setting +
         "; CODECOUNCIL_PLUGIN_DIR in the shipped configs): point plugin_dir at the folder holding libcc_" +
         entry.name + ".so (build/plugins after a build), or give the entry a path";
}

void PluginManager::loadLibraries(std::vector<std::string>& fatal) {
  for (const auto& entry : config_.plugins) {
    auto state = std::make_unique<State>();
    state->entry = &entry;
    state->info.name = entry.name;
    state->info.path = entry.path;
    state->info.optional = entry.optional;
    if (!entry.enabled) {
      state->info.status = PluginStatus::Disabled;
      states_.push_back(std::move(state));
      continue;
    }
    try {
      state->library = loadPluginLibrary(entry.name, entry.path, whereToFixPath(entry));
      keepLoaded(state->library.library);
      state->plugin = createPlugin(state->library, entry.name);
      std::string declared, version;
      std::vector<std::string> deps, optDeps;
      std::string err = guard([&] {
        declared = state->plugin->name();
        version = state->plugin->version();
        deps = state->plugin->dependencies();
        optDeps = state->plugin->optionalDependencies();
      });
      if (!err.empty()) throw PluginLoadError("plugin " + entry.name + " (" + entry.path + "): " + err);
      if (declared != entry.name)
        throw PluginLoadError("plugin " + entry.name + " (" + entry.path + "): the library is plugin '" + declared +
                              "', not '" + entry.name + "' (" + entry.node.location() + ")");
      state->info.version = version;
      state->info.dependencies = deps;
      state->info.optionalDependencies = optDeps;
      state->info.status = PluginStatus::Loaded;
    } catch (const std::exception& e) {
      state->plugin.reset();
      states_.push_back(std::move(state));
      fail(*states_.back(), e.what(), fatal);
      continue;
    }
    states_.push_back(std::move(state));
  }
}

void PluginManager::validateConfigs(std::vector<std::string>& fatal) {
  for (auto& s : states_) {
    if (s->info.status != PluginStatus::Loaded) continue;
    ConfigErrors errors;
    std::string err = guard([&] { s->plugin->validate(s->entry->config, errors); });
    if (!err.empty()) errors.addRaw(s->entry->config.where() + ": validation threw: " + err);
    if (!errors.empty()) fail(*s, "plugin " + s->info.name + " config:\n    " + errors.joined("\n    "), fatal);
  }
}

void PluginManager::failDependents(const std::string& name, std::vector<std::string>* fatal) {
  for (auto& s : states_) {
    if (s->info.status != PluginStatus::Loaded && s->info.status != PluginStatus::Started) continue;
    auto& deps = s->info.dependencies;
    if (std::find(deps.begin(), deps.end(), name) == deps.end()) continue;
    State* dep = find(name);
    std::string why = "plugin " + s->info.name + " requires plugin " + name + ", which is " +
                      (dep ? std::string(toString(dep->info.status)) : std::string("not listed in the config"));
    std::vector<std::string> sink;
    fail(*s, why, fatal ? *fatal : sink);
    failDependents(s->info.name, fatal);
  }
}

void PluginManager::resolveDependencies(std::vector<std::string>& fatal) {
  // Repeat until stable: a plugin that fails here can take its own dependents with it.
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto& s : states_) {
      if (s->info.status != PluginStatus::Loaded) continue;
      for (auto& dep : s->info.dependencies) {
        State* d = find(dep);
        if (!d || d->info.status != PluginStatus::Loaded) {
          std::string why = "plugin " + s->info.name + " requires plugin " + dep + ", which is " +
                            (d ? std::string(toString(d->info.status)) : std::string("not listed in the config"));
          fail(*s, why, fatal);
          changed = true;
          break;
        }
      }
    }
  }
  for (auto& s : states_) {
    if (s->info.status != PluginStatus::Loaded) continue;
    for (auto& dep : s->info.optionalDependencies) {
      State* d = find(dep);
      if (!d || d->info.status != PluginStatus::Loaded) reportMissingOptional(*s, dep, d);
    }
  }
}

// Says why an optional dependency is absent: an operator who disabled it needs no action, one
// whose plugin failed does (the failure itself was logged when it happened).
void PluginManager::reportMissingOptional(const State& s, const std::string& dep, const State* d) {
  if (!d) {
    log_.notice("plugin %s: optional plugin %s is not listed in the config; the features that use it are off",
                s.info.name, dep);
  } else if (d->info.status == PluginStatus::Disabled) {
    log_.notice("plugin %s: optional plugin %s is disabled (enabled: false); the features that use it are off",
                s.info.name, dep);
  } else {
    log_.warning("plugin %s: optional plugin %s failed and was %s (see its error above); the features that use it "
                 "are off until it is fixed",
                 s.info.name, dep, std::string(toString(d->info.status)));
  }
}

void PluginManager::computeOrder(std::vector<std::string>& fatal) {
  // Depth-first topological sort over required and (enabled) optional dependencies, in
  // config order, so the start order is stable and readable.
  std::map<std::string, int> mark;  // 0 new, 1 visiting, 2 done
  std::vector<std::string> stack;
  std::set<std::string> inCycle;
  std::function<void(State&)> visit = [&](State& s) {
    mark[s.info.name] = 1;
    stack.push_back(s.info.name);
    std::vector<std::string> deps = s.info.dependencies;
    deps.insert(deps.end(), s.info.optionalDependencies.begin(), s.info.optionalDependencies.end());
    for (auto& dep : deps) {
      State* d = find(dep);
      if (!d || d->info.status != PluginStatus::Loaded) continue;
      if (mark[dep] == 1) {
        auto from = std::find(stack.begin(), stack.end(), dep);
        std::string cycle;
        for (auto it = from; it != stack.end(); ++it) {
          cycle += *it + " -> ";
          inCycle.insert(*it);
        }
        fatal.push_back("plugin dependency cycle: " + cycle + dep);
      } else if (mark[dep] == 0) {
        visit(*d);
      }
    }
    stack.pop_back();
    mark[s.info.name] = 2;
    order_.push_back(s.info.name);
  };
  for (auto& s : states_)
    if (s->info.status == PluginStatus::Loaded && mark[s->info.name] == 0) visit(*s);
  for (auto& name : inCycle) {
    State* s = find(name);
    s->info.status = PluginStatus::Failed;
    s->info.error = "part of a dependency cycle";
  }
  if (!inCycle.empty())
    order_.erase(std::remove_if(order_.begin(), order_.end(), [&](auto& n) { return inCycle.count(n) > 0; }), order_.end());
}

std::vector<MigrationSource> PluginManager::migrationSources() const {
  std::vector<MigrationSource> out;
  for (auto& name : order_) {
    const State* s = find(name);
    if (s && s->info.status == PluginStatus::Loaded && !s->entry->migrationsDir.empty())
      out.push_back({name, s->entry->migrationsDir});
  }
  return out;
}

void PluginManager::declare(const HostInfo& info, const ConfigNode& hostConfig) {
  std::vector<std::string> fatal;
  for (auto& name : order_) {
    State& s = *find(name);
    if (s.info.status != PluginStatus::Loaded) continue;
    s.declarations = std::make_unique<PluginDeclarations>(name, s.entry->config, hostConfig, info);
    std::string err = guard([&] { s.plugin->declare(*s.declarations); });
    if (err.empty()) continue;
    s.declarations.reset();
    fail(s, "plugin " + name + " (" + s.info.path + "): declare failed: " + err, fatal);
    failDependents(name, &fatal);
  }
  if (!fatal.empty()) {
    std::string text = "cannot start plugins:";
    for (auto& f : fatal) text += "\n  " + f;
    throw PluginStartError(text);
  }
}

std::vector<std::string> PluginManager::installDeclarations(HostServices& host) {
  std::vector<std::string> problems;
  for (auto& name : order_) {
    State& s = *find(name);
    if (s.info.status != PluginStatus::Loaded || !s.declarations) continue;
    std::string err = guard([&] {
      s.declarations->installTopics(host);
      s.declarations->installHandlers(host);
    });
    if (!err.empty()) problems.push_back("plugin " + name + ": " + err);
  }
  return problems;
}

const PluginDeclarations* PluginManager::declarations(const std::string& name) const {
  const State* s = find(name);
  return s ? s->declarations.get() : nullptr;
}

void PluginManager::registerCommands(const std::string& pluginName, Commands& commands) {
  State* s = find(pluginName);
  if (!s || !s->plugin) return;
  std::string err = guard([&] {
    if (s->declarations) s->declarations->forwardCommands(commands);
    s->plugin->registerCommands(commands);
  });
  if (!err.empty()) log_.error("plugin %s: registering commands failed: %s", pluginName, err);
}

void PluginManager::start(HostServices& host) {
  FatalSignalReport crashReport;
  for (auto& name : order_) {
    State& s = *find(name);
    if (s.info.status != PluginStatus::Loaded) continue;  // failed with a dependency meanwhile
    // An optional dependency that failed in its own start() (it was in the start order, so it
    // started first) is gone too; one that failed earlier was reported by resolveDependencies().
    for (auto& dep : s.info.optionalDependencies) {
      const State* d = find(dep);
      bool wasStarting = std::find(order_.begin(), order_.end(), dep) != order_.end();
      if (d && wasStarting && d->info.status == PluginStatus::Skipped) reportMissingOptional(s, dep, d);
    }
    s.context = std::make_unique<PluginContext>(host, name, s.entry->config);
    // Logged before start() so the log says what was starting. A crash can outrun the
    // asynchronous log; then crashReport's line is the one that names the plugin.
    log_.information("starting plugin %s (%s)", name, s.info.path);
    crashReport.starting(name, s.info.path);
    // Topics before start(), so start() may publish; handlers only after it succeeded, so a
    // plugin that failed to start serves nothing it declared.
    const PluginDeclarations* declared = s.declarations.get();
    // What it declared is all it registers: ctx.http(), scheduler() and events() refuse more.
    if (declared && !declared->registersEverythingInStart()) s.context->closeRegistrations();
    std::string err = guard([&] {
      if (declared) declared->installTopics(host);
    });
    if (err.empty()) err = guard([&] { s.plugin->start(*s.context); });
    crashReport.finished();
    if (err.empty() && declared) {
      err = guard([&] {
        auto missing = declared->servicesNotProvided(*host.services);
        if (!missing.empty()) {
          std::string names;
          for (auto& m : missing) names += (names.empty() ? "" : ", ") + m;
          throw std::runtime_error("declared service(s) " + names + " not provided by start()");
        }
        declared->installHandlers(host);
      });
      // It did start: its runtime state goes the way a stop would take it.
      if (!err.empty()) {
        std::string stopErr = guard([&] { s.plugin->stop(); });
        if (!stopErr.empty()) log_.error("plugin %s: stop failed: %s", name, stopErr);
      }
    }
    if (err.empty()) {
      s.info.status = PluginStatus::Started;
      started_.push_back(name);
      log_.information("plugin %s %s started", name, s.info.version);
      continue;
    }
    // Roll back only this plugin's registrations; it never finished starting, so no stop().
    s.context->unregisterAll();
    std::string why = "plugin " + name + " (" + s.info.path + "): start failed: " + err;
    if (host.bus) {
      auto payload = json::object();
      payload->set("plugin", name);
      payload->set("error", err);
      host.bus->publish("core", topics::kPluginFailed.name, payload);
    }
    if (!s.info.optional) {
      s.info.status = PluginStatus::Failed;
      s.info.error = why;
      log_.error("%s", why);
      stop();
      throw PluginStartError(why);
    }
    s.info.status = PluginStatus::Skipped;
    s.info.error = why;
    log_.warning("optional %s; skipped", why);
    // Dependents that already started cannot exist (dependencies start first); the ones
    // still waiting are failed here, loudly.
    std::vector<std::string> fatal;
    failDependents(name, &fatal);
    if (!fatal.empty()) {
      stop();
      std::string text = "cannot start plugins:";
      for (auto& f : fatal) text += "\n  " + f;
      throw PluginStartError(text);
    }
  }
}

void PluginManager::stopOne(State& s) {
  // Its handlers go first: handlers capture the plugin and read state that stop() releases.
  // HTTP has drained and the scheduler stopped before plugins stop, so none is still running.
  if (s.context) s.context->removeHandlers();
  std::string err = guard([&] { s.plugin->stop(); });
  if (!err.empty()) log_.error("plugin %s: stop failed: %s", s.info.name, err);
  s.context->unregisterAll();
  s.info.status = PluginStatus::Stopped;
  log_.information("plugin %s stopped", s.info.name);
}

void PluginManager::stop() {
  while (!started_.empty()) {
    std::string name = started_.back();
    started_.pop_back();
    if (State* s = find(name)) stopOne(*s);
  }
}

std::vector<PluginInfo> PluginManager::plugins() const {
  std::vector<PluginInfo> out;
  for (auto& s : states_) out.push_back(s->info);
  return out;
}

bool PluginManager::active(const std::string& name) const {
  const State* s = find(name);
  return s && s->info.status == PluginStatus::Started;
}

std::unique_ptr<PluginContext> PluginManager::commandContext(const std::string& name, HostServices& host) const {
  const State* s = find(name);
  if (!s || !s->entry) return nullptr;
  return std::make_unique<PluginContext>(host, name, s->entry->config);
}

}  // namespace cc::core
