#pragma once
// `codecouncil [--config FILE] [--env NAME] <command> [args...]`; the global options may
// stand anywhere on the line.
#include <string>
#include <vector>

namespace cc::core {

struct CommandLine {
  std::string configFile;
  std::string environment;
  std::string command = "serve";
  std::vector<std::string> args;  // after the command, global options removed
  bool help = false;
};

/// Throws std::invalid_argument for an option missing its value.
CommandLine parseCommandLine(const std::vector<std::string>& argv);

/// The value of `--name VALUE` or `--name=VALUE` in args, or "" when absent.
std::string optionValue(const std::vector<std::string>& args, const std::string& name);

int runCommandLine(const CommandLine& cl);

/// Parses and runs; a malformed command line (an option without its value) is usage, exit 2.
int runArguments(const std::vector<std::string>& argv);

}  // namespace cc::core
