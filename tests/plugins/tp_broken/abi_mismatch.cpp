// Exports the entry point with a future ABI version: the host must say "expected 1, got 999".
#include <codecouncil/sdk/plugin.hpp>

extern "C" __attribute__((visibility("default"))) const cc::PluginEntry* codecouncil_plugin_entry() {
  static const cc::PluginEntry entry{999, "other-compiler", "9.9.9", nullptr, nullptr};
  return &entry;
}
