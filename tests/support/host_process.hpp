#pragma once
// Starts the real `codecouncil` binary on a free loopback port with a config written for
// the test, and talks HTTP to it.
#include "support/test_env.hpp"

#include <map>
#include <string>
#include <vector>

namespace cc::test {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const;
};

/// One HTTP request to 127.0.0.1:port (a new connection each time).
HttpResult http(int port, const std::string& method, const std::string& path, const std::string& body = "",
                const std::map<std::string, std::string>& headers = {});

struct ProcessResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr together
};

/// Runs the host binary to completion with extra environment variables.
ProcessResult runHost(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                      int timeoutSeconds = 60);

class HostProcess {
 public:
  /// `pluginsYaml` is the text of the `plugins:` list (already indented by two spaces),
  /// `extraYaml` more top-level YAML; its keys under server, database, auth or logging replace
  /// the defaults' ones. The database defaults to a SQLite file in the temp dir.
  HostProcess(std::string pluginsYaml = "  []", std::string extraYaml = "", std::string databaseUrl = "");
  ~HostProcess();

  /// Starts and waits for /healthz; false (with output()) when the host exited or timed out.
  /// A host that found its port taken is started again on another one (config written here).
  bool start(const std::map<std::string, std::string>& env = {});
  /// SIGTERM and wait; returns the exit code.
  int stop();
  void kill9();

  int port() const { return port_; }
  /// The running host's process id (-1 when not running), e.g. for /proc/<pid>/status.
  int pid() const { return pid_; }
  std::string output() const;
  /// Waits until the output contains `text`: the host logs through an asynchronous channel,
  /// so a line can arrive a moment after the request or start-up that caused it.
  bool waitForOutput(const std::string& text, int timeoutMs = 5000) const;
  const TempDir& dir() const { return dir_; }
  std::string configPath() const { return (dir_.path() / "codecouncil.yaml").string(); }
  /// Starts with this config file instead of the one written for the test (e.g. the shipped
  /// config/production.yaml, with its ${VAR}s given to start()).
  void useConfigFile(std::string path) { configFile_ = std::move(path); }
  std::string databaseUrl() const { return databaseUrl_; }

  HttpResult get(const std::string& path, const std::string& token = "") const;
  HttpResult post(const std::string& path, const std::string& body, const std::string& token = "") const;
  /// Signs up (or logs in) and returns the token.
  std::string signup(const std::string& email, const std::string& password = "correct horse battery");

 private:
  bool startOnce(const std::map<std::string, std::string>& env);
  /// Rewrites the config written for the test with server.port = port.
  void movePort(int port);

  TempDir dir_;
  int port_;
  std::string databaseUrl_;
  std::string configFile_;
  int pid_ = -1;
};

/// A `plugins:` entry for a bundled plugin (loaded from build/plugins, migrations from
/// migrations/<name>), with its config as inline YAML.
std::string bundledPlugin(const std::string& name, const std::string& configYaml = "{}",
                          const std::string& extraKeys = "");

/// Parses a JSON object body; throws on anything else.
std::string jsonField(const std::string& body, const std::string& path);

}  // namespace cc::test
