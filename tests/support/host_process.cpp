#include "support/host_process.hpp"

#include "support/pgbouncer.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/StringTokenizer.h>

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <csignal>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <fcntl.h>
#include <unistd.h>

extern char** environ;

namespace cc::test {
namespace {

std::vector<std::string> mergedEnvironment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

int spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, const std::string& logFile) {
  std::vector<std::string> argvStore{hostBinary()};
  argvStore.insert(argvStore.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argvStore) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto envStore = mergedEnvironment(env);
  std::vector<char*> envp;
  for (auto& e : envStore) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // The test runner may block signals; the host must start with a clean mask.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start " + hostBinary() + ": " + std::to_string(rc));
  return pid;
}

// Waits for pid up to timeout; returns exit code, or -1 on timeout.
int waitFor(int pid, int timeoutSeconds, bool* exited) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      *exited = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *exited = false;
  return -1;
}

}  // namespace

std::string HttpResult::header(const std::string& name) const {
  std::string key = name;
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(key);
  return it == headers.end() ? std::string() : it->second;
}

HttpResult http(int port, const std::string& method, const std::string& path, const std::string& body,
                const std::map<std::string, std::string>& headers) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    if (!req.has("Content-Type")) req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  std::ostream& out = session.sendRequest(req);
  out << body;
  Poco::Net::HTTPResponse res;
  std::istream& in = session.receiveResponse(res);
  HttpResult r;
  r.status = res.getStatus();
  Poco::StreamCopier::copyToString(in, r.body);
  for (auto& [k, v] : res) {
    std::string key = k;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[key] = v;
  }
  return r;
}

ProcessResult runHost(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                      int timeoutSeconds) {
  TempDir dir;
  std::string log = (dir.path() / "out.log").string();
  int pid = spawn(args, env, log);
  bool exited = false;
  ProcessResult r;
  r.exitCode = waitFor(pid, timeoutSeconds, &exited);
  if (!exited) {
    ::kill(pid, SIGKILL);
    waitFor(pid, 5, &exited);
    r.exitCode = -1;
  }
  r.output = readFile(log);
  return r;
}

namespace {

// Keys of `extra`'s top-level maps override the same keys of `defaults` (one level deep);
// other top-level keys are added.
void mergeSections(YAML::Node& defaults, const YAML::Node& extra) {
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    const std::string key = it->first.Scalar();
    YAML::Node mine = defaults[key];
    if (mine.IsMap() && it->second.IsMap()) {
      for (auto kv = it->second.begin(); kv != it->second.end(); ++kv) mine[kv->first.Scalar()] = kv->second;
    } else {
      defaults[key] = it->second;
    }
  }
}

}  // namespace

HostProcess::HostProcess(std::string pluginsYaml, std::string extraYaml, std::string databaseUrl)
    : port_(freePort()), databaseUrl_(std::move(databaseUrl)) {
  if (databaseUrl_.empty()) databaseUrl_ = "sqlite://" + (dir_.path() / "data" / "test.db").string();
  std::ostringstream yaml;
  yaml << "server:\n  host: 127.0.0.1\n  port: " << port_ << "\n  threads: 8\n  shutdown_grace_seconds: 5\n"
       << "database:\n  url: " << databaseUrl_ << "\n  migrations_dir: " << sourceDir() << "/migrations\n"
       << (throughTransactionPooling(databaseUrl_) ? "  transaction_pooling: true\n" : "")
       << "auth:\n  jwt_secret: test-secret-that-is-long-enough-0123456789\n"
       // Every test client is 127.0.0.1: suites that sign up or fail logins for many accounts
       // would otherwise meet the per-address throttles. Tests of the throttles set their own
       // values (extraYaml's auth keys replace these).
       << "  login_failures_per_address: 1000000\n  signups_per_address: 1000000\n"
       << "logging:\n  level: information\n"
       << "data_dir: " << (dir_.path() / "data").string() << "\n"
       << "plugin_dir: " << pluginDir() << "\n";
  // extraYaml may set keys of the sections above (server, database, auth, logging): they are
  // merged over the defaults, since a section may appear only once.
  YAML::Node defaults = YAML::Load(yaml.str());
  YAML::Node extra = extraYaml.empty() ? YAML::Node() : YAML::Load(extraYaml);
  bool overrides = false;
  const YAML::Node& sections = defaults;  // const: looking a key up must not add it
  if (extra.IsMap())
    for (auto it = extra.begin(); it != extra.end(); ++it) overrides = overrides || sections[it->first.Scalar()].IsDefined();
  std::string text;
  if (overrides) {
    mergeSections(defaults, extra);
    YAML::Emitter out;
    out << defaults;
    text = std::string(out.c_str()) + "\n";
  } else {
    text = yaml.str() + extraYaml;
  }
  writeFile(configPath(), text + "plugins:\n" + pluginsYaml + "\n");
}

HostProcess::~HostProcess() {
  if (pid_ > 0) kill9();
}

bool HostProcess::start(const std::map<std::string, std::string>& env) {
  for (int attempt = 1;; ++attempt) {
    const std::size_t logged = output().size();  // the log is appended to across starts
    if (startOnce(env)) return true;
    // Another test running beside this one may have bound the port between freePort() and the
    // host's bind. A config written here gets a new port; any other failure is the test's.
    const bool portTaken = output().find("Address already in use", logged) != std::string::npos;
    if (!configFile_.empty() || attempt == 3 || !portTaken) return false;
    kill9();  // reaps it when the wait for /healthz ended before the exit was seen
    movePort(freePort());
  }
}

void HostProcess::movePort(int port) {
  YAML::Node config = YAML::LoadFile(configPath());
  config["server"]["port"] = port;
  YAML::Emitter out;
  out << config;
  writeFile(configPath(), std::string(out.c_str()) + "\n");
  port_ = port;
}

bool HostProcess::startOnce(const std::map<std::string, std::string>& env) {
  const std::string config = configFile_.empty() ? configPath() : configFile_;
  pid_ = spawn({"serve", "--config", config}, env, (dir_.path() / "host.log").string());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    try {
      if (http(port_, "GET", "/healthz").status == 200) return true;
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int HostProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  bool exited = false;
  int rc = waitFor(pid_, 30, &exited);
  if (!exited) {
    ::kill(pid_, SIGKILL);
    waitFor(pid_, 5, &exited);
    rc = -1;
  }
  pid_ = -1;
  return rc;
}

void HostProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  bool exited = false;
  waitFor(pid_, 10, &exited);
  pid_ = -1;
}

std::string HostProcess::output() const { return readFile(dir_.path() / "host.log"); }

bool HostProcess::waitForOutput(const std::string& text, int timeoutMs) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (output().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

HttpResult HostProcess::get(const std::string& path, const std::string& token) const {
  std::map<std::string, std::string> h;
  if (!token.empty()) h["Authorization"] = "Bearer " + token;
  return http(port_, "GET", path, "", h);
}

HttpResult HostProcess::post(const std::string& path, const std::string& body, const std::string& token) const {
  std::map<std::string, std::string> h;
  if (!token.empty()) h["Authorization"] = "Bearer " + token;
  return http(port_, "POST", path, body, h);
}

std::string HostProcess::signup(const std::string& email, const std::string& password) {
  std::string body = "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}";
  auto r = post("/api/auth/signup", body);
  if (r.status == 409) r = post("/api/auth/login", body);
  if (r.status != 201 && r.status != 200) throw std::runtime_error("signup failed: " + r.body);
  return jsonField(r.body, "token");
}

std::string bundledPlugin(const std::string& name, const std::string& configYaml, const std::string& extraKeys) {
  return "  - name: " + name + "\n    config: " + configYaml + "\n" + extraKeys;
}

std::string jsonField(const std::string& body, const std::string& path) {
  Poco::JSON::Parser parser;
  Poco::Dynamic::Var v = parser.parse(body);
  Poco::StringTokenizer parts(path, ".");
  for (auto& p : parts) {
    auto obj = v.extract<Poco::JSON::Object::Ptr>();
    if (!obj->has(p)) throw std::runtime_error("no field " + path + " in " + body);
    v = obj->get(p);
  }
  return v.toString();
}

}  // namespace cc::test
