#include "core/plugins/plugin_library.hpp"

#include "core/plugins/plugin_file_check.hpp"

#include <boost/dll/import.hpp>

#include <dlfcn.h>
#include <filesystem>

namespace cc::core {
namespace {

std::string where(const std::string& name, const std::string& path) { return "plugin " + name + " (" + path + "): "; }

}  // namespace

LoadedLibrary loadPluginLibrary(const std::string& pluginName, const std::string& path, const std::string& whereToFix) {
  if (!std::filesystem::exists(path)) throw PluginLoadError(where(pluginName, path) + "library not found; " + whereToFix);
  // Before dlopen: loading runs the library's constructors, so a file others could have
  // changed must not be opened at all.
  if (std::string unsafe = unsafePluginFileReason(path); !unsafe.empty())
    throw PluginLoadError(where(pluginName, path) + "refused: " + unsafe);
  LoadedLibrary lib;
  lib.path = path;
  // dlopen's own message (missing dependency, undefined symbol) is the useful part; Boost's
  // exception text drops it, so ask dlerror() directly first.
  void* probe = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!probe) {
    const char* err = ::dlerror();
    throw PluginLoadError(where(pluginName, path) + "cannot load library: " + (err ? err : "unknown dlopen error"));
  }
  try {
    lib.library = std::make_shared<boost::dll::shared_library>(
        path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    ::dlclose(probe);
    throw PluginLoadError(where(pluginName, path) + "cannot load library: " + e.what());
  }
  ::dlclose(probe);  // Boost's handle keeps the library loaded (dlopen is reference counted)

  if (!lib.library->has("codecouncil_plugin_entry"))
    throw PluginLoadError(where(pluginName, path) +
                          "missing symbol codecouncil_plugin_entry (was it built with CODECOUNCIL_PLUGIN(...)?)");
  auto entryFn = lib.library->get<const PluginEntry*()>("codecouncil_plugin_entry");
  lib.entry = entryFn();
  if (!lib.entry) throw PluginLoadError(where(pluginName, path) + "codecouncil_plugin_entry returned null");
  if (lib.entry->abiVersion != kSdkAbiVersion)
    throw PluginLoadError(where(pluginName, path) + "SDK ABI version mismatch: expected " +
                          std::to_string(kSdkAbiVersion) + ", got " + std::to_string(lib.entry->abiVersion));
  std::string signature = lib.entry->buildSignature ? lib.entry->buildSignature : "";
  if (signature != kBuildSignature)
    throw PluginLoadError(where(pluginName, path) + "not binary compatible: build signature expected " +
                          std::string(kBuildSignature) + ", got " + signature);
  return lib;
}

PluginPtr createPlugin(const LoadedLibrary& lib, const std::string& pluginName) {
  Plugin* raw = nullptr;
  try {
    raw = lib.entry->create();
  } catch (const std::exception& e) {
    throw PluginLoadError(where(pluginName, lib.path) + "constructor threw: " + e.what());
  } catch (...) {
    throw PluginLoadError(where(pluginName, lib.path) + "constructor threw a non-standard exception");
  }
  if (!raw) throw PluginLoadError(where(pluginName, lib.path) + "factory returned null");
  auto library = lib.library;
  auto destroy = lib.entry->destroy;
  return PluginPtr(raw, [library, destroy](Plugin* p) { destroy(p); });
}

}  // namespace cc::core
