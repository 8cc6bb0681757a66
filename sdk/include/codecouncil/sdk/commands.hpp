#pragma once
// Subcommands a plugin adds to the `codecouncil` binary (e.g. `codecouncil <plugin> verify`).
#include <functional>
#include <string>
#include <vector>

namespace cc {

class Context;

/// args are what follows the command name (global options already removed). Returns the exit code.
using Command = std::function<int(Context& ctx, const std::vector<std::string>& args)>;

class Commands {
 public:
  virtual ~Commands() = default;
  virtual void add(const std::string& name, const std::string& summary, Command command) = 0;
};

}  // namespace cc
