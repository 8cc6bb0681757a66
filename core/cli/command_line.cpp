#include "core/cli/command_line.hpp"

#include "core/cli/events_command.hpp"
#include "core/cli/jobs_command.hpp"
#include "core/config/host_config.hpp"
#include "core/host/host.hpp"
#include "core/plugins/plugin_manager.hpp"

#include <Poco/Logger.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace cc::core {

CommandLine parseCommandLine(const std::vector<std::string>& argv) {
  CommandLine cl;
  bool haveCommand = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    auto takeValue = [&](const std::string& name, std::string& into) {
      if (a == name) {
        if (i + 1 >= argv.size()) throw std::invalid_argument(name + " needs a value");
        into = argv[++i];
        return true;
      }
      if (a.rfind(name + "=", 0) == 0) {
        into = a.substr(name.size() + 1);
        return true;
      }
      return false;
    };
    if (takeValue("--config", cl.configFile) || takeValue("--env", cl.environment)) continue;
    if (a == "--help" || a == "-h") {
      cl.help = true;
      continue;
    }
    if (!haveCommand) {
      cl.command = a;
      haveCommand = true;
    } else {
      cl.args.push_back(a);
    }
  }
  return cl;
}

std::string optionValue(const std::vector<std::string>& args, const std::string& name) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind(name + "=", 0) == 0) return args[i].substr(name.size() + 1);
  }
  return {};
}

namespace {

void printUsage(std::ostream& out, Host* host) {
  out << "usage: codecouncil [--config FILE] [--env NAME] <command>\n\n"
         "commands:\n"
         "  serve                     run the HTTP host (default)\n"
         "  migrate                   apply database migrations and exit\n"
         "  plugins                   list the plugins that would load, with routes and jobs\n"
         "  jobs [list]               list the plugins' scheduled jobs and their schedules\n"
         "  jobs run NAME             run a scheduled job once, now (never alongside another run)\n"
         "  events                    list the event topics with their publisher, subscribers and fields\n"
         "  users promote --email E   make a user an admin\n"
         "  version                   print the version\n";
  if (host)
    for (auto& [name, summary] : host->pluginCommands()) out << "  " << name << "  " << summary << "\n";
  out << "\n--config defaults to config/codecouncil.yaml (config/<env>.yaml for --env NAME);\n"
         "an installed binary reads <prefix>/etc/codecouncil/ instead (/etc/codecouncil for /usr).\n"
         "--env defaults to $CODECOUNCIL_ENV, else development.\n";
}

// SIGTERM/SIGINT are blocked in every thread and taken by sigwait() in the main thread,
// so no library thread is interrupted by them.
void blockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

// Usage needs no configuration; only the commands plugins add do. Without a readable config
// the usage is still printed, followed by the reason those commands are missing.
int printHelp(const CommandLine& cl) {
  std::unique_ptr<Host> host;
  std::string problem;
  try {
    HostConfig config = loadHostConfig({cl.configFile, cl.environment});
    setupLogging(config.logging.level);
    host = std::make_unique<Host>(std::move(config));
    host->prepareCommands();  // declarations only: no database, no plugin started
  } catch (const std::exception& e) {
    problem = e.what();
  }
  flushLog();
  printUsage(std::cout, host.get());
  std::cout.flush();
  if (!problem.empty()) std::cerr << "\ncodecouncil: commands added by plugins are not listed: " << problem << "\n";
  return 0;
}

// A mistake in the host's sections must not hide the plugins' own: when the file could be
// read, the plugins still load and validate their config, so one run lists every error.
HostConfig loadConfigReportingPlugins(const LoadOptions& options) {
  try {
    return loadHostConfig(options);
  } catch (const ConfigLoadError& e) {
    if (!e.partial()) throw;
    std::string pluginProblems;
    try {
      PluginManager(*e.partial(), Poco::Logger::get("codecouncil.plugins")).load();
    } catch (const std::exception& p) {
      pluginProblems = p.what();
    }
    if (pluginProblems.empty()) throw;
    throw std::runtime_error(std::string(e.what()) + "\n" + pluginProblems);
  }
}

}  // namespace

int runArguments(const std::vector<std::string>& argv) {
  CommandLine cl;
  try {
    cl = parseCommandLine(argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "codecouncil: " << e.what() << "\n\n";
    printUsage(std::cerr, nullptr);
    return 2;
  }
  return runCommandLine(cl);
}

int runCommandLine(const CommandLine& cl) {
  if (cl.command == "version") {
    std::cout << "codecouncil " << CODECOUNCIL_VERSION << " (SDK " << kSdkVersion << ", ABI " << kSdkAbiVersion
              << ", " << kBuildSignature << ")\n";
    return 0;
  }
  if (cl.help || cl.command == "help") return printHelp(cl);
  if (cl.command == "serve") blockTerminationSignals();
  HostConfig config = loadConfigReportingPlugins({cl.configFile, cl.environment});
  setupLogging(config.logging.level);
  Host host(std::move(config));
  if (cl.command == "serve") {
    host.prepare(true);
    host.start();
    host.waitForTermination();
    host.shutdown();
    return 0;
  }
  if (cl.command == "migrate") return host.runMigrationsOnly();
  if (cl.command == "plugins") return host.listPlugins(std::cout);
  if (cl.command == "jobs") return runJobsCommand(host, cl.args, std::cout, std::cerr);
  if (cl.command == "events") return runEventsCommand(host, cl.args, std::cout, std::cerr);
  if (cl.command == "users") {
    if (cl.args.empty() || cl.args[0] != "promote") {
      flushLog();
      std::cerr << "usage: codecouncil users promote --email E\n";
      return 2;
    }
    std::string email = optionValue(cl.args, "--email");
    if (email.empty()) {
      flushLog();
      std::cerr << "usage: codecouncil users promote --email E\n";
      return 2;
    }
    return host.promoteUser(email, std::cout);
  }
  host.prepare(true);
  int rc = host.runPluginCommand(cl.command, cl.args);
  if (rc == -1) {
    flushLog();
    std::cerr << "codecouncil: unknown command '" << cl.command << "'\n\n";
    printUsage(std::cerr, &host);
    return 2;
  }
  return rc;
}

}  // namespace cc::core
