#pragma once
// Loading one plugin library with Boost.DLL and checking it is binary compatible.
//
// Boost.DLL's rule: objects made by a library must die before it is unloaded. The plugin
// object's deleter holds the library, and the host keeps every library until exit anyway
// (std::function targets, exception types and shared_ptr control blocks from a plugin may
// outlive the plugin object in host-owned containers).
#include <codecouncil/sdk/plugin.hpp>

#include <boost/dll/shared_library.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace cc::core {

class PluginLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedLibrary {
  std::shared_ptr<boost::dll::shared_library> library;
  const PluginEntry* entry = nullptr;
  std::string path;
};

/// Opens `path`, finds codecouncil_plugin_entry, checks ABI version and build signature.
/// Throws PluginLoadError: "plugin billing (/x/libcc_billing.so): <what is wrong>".
/// `whereToFix` ends the "library not found" message: which setting chose the path.
LoadedLibrary loadPluginLibrary(const std::string& pluginName, const std::string& path,
                                const std::string& whereToFix = "build it, or set `path:` in the plugin entry");

using PluginPtr = std::unique_ptr<Plugin, std::function<void(Plugin*)>>;

/// Creates the plugin object through the library's factory; the deleter keeps the library alive.
PluginPtr createPlugin(const LoadedLibrary& lib, const std::string& pluginName);

}  // namespace cc::core
