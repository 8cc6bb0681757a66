#include "core/host/host.hpp"

#include <codecouncil/sdk/core_topics.hpp>

#include "core/auth/auth_routes.hpp"
#include "core/auth/password.hpp"
#include "core/files/private_files.hpp"
#include "core/host/core_routes.hpp"
#include "core/host/escaping_formatter.hpp"
#include "core/host/log_sink.hpp"
#include "core/host/start_banner.hpp"
#include "core/plugins/plugin_declarations.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/FormattingChannel.h>
#include <Poco/PatternFormatter.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace cc::core {

void setupLogging(const std::string& level) {
  // Control characters in messages are escaped (\r, \n, \x1b): one line per message.
  Poco::AutoPtr<Poco::PatternFormatter> formatter(new EscapingPatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t"));
  formatter->setProperty("times", "UTC");
  // Lines are formatted on the logging thread and written by the one log writer
  // (core/host/log_sink.hpp), which the access log shares.
  Poco::AutoPtr<Poco::FormattingChannel> sink(
      new Poco::FormattingChannel(formatter, new LogSinkChannel(LogSink::standardError())));
  Poco::Logger::root().setChannel(sink);
  Poco::Logger::root().setLevel(level);
  // Loggers created before this point keep their old settings; align them.
  Poco::Logger::setChannel("", sink);
  Poco::Logger::setLevel("", Poco::Logger::parseLevel(level));
}

void flushLog() { LogSink::standardError().flush(); }

Host::Host(HostConfig config) : config_(std::move(config)), log_(Poco::Logger::get("codecouncil")) {}

Host::~Host() { shutdown(); }

namespace {

constexpr std::size_t kMinJwtSecretBytes = 32;
// The example line of .env.example: long enough, and public.
constexpr const char* kExampleJwtSecret = "at-least-32-random-bytes-for-production";

// Only these generate a secret of their own; anything else (staging, production, a name of
// the operator's) is a real deployment and must be given one.
bool generatesJwtSecret(const std::string& environment) {
  return environment == "development" || environment == "test";
}

/// One line: libpq's messages span several ("...failed: Connection refused\n\tIs the server
/// running...?").
std::string oneLine(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

/// ping() only says yes or no. An operator needs the driver's own reason (refused, timed out,
/// password rejected, no such database) and the setting to fix. Poco's what() is only the
/// exception's class name, so the reason is its displayText(). libpq never puts the password
/// in its messages.
void requireReachable(PooledDatabase& db, const std::string& urlKey) {
  std::string reason;
  try {
    auto session = db.session();
    int one = 0;
    session << "SELECT 1", Poco::Data::Keywords::into(one), Poco::Data::Keywords::now;
    if (one == 1) return;
    reason = "SELECT 1 did not answer 1";
  } catch (const Poco::Exception& e) {
    reason = e.displayText();
  } catch (const std::exception& e) {
    reason = e.what();
  }
  throw std::runtime_error("cannot reach the database at " + db.url().describe() + ": " + oneLine(reason) +
                           " (check " + urlKey + ", DATABASE_URL in the shipped configs, and that the server " +
                           "accepts connections from this machine)");
}

}  // namespace

void Host::setupJwt() {
  std::string secret = config_.auth.jwtSecret;
  const std::string where = config_.root.child("auth").child("jwt_secret").where();
  if (!generatesJwtSecret(config_.environment)) {
    if (secret.empty())
      throw std::runtime_error(where + ": is empty: set JWT_SECRET (at least 32 random bytes) in environment '" +
                               config_.environment + "'; only development and test generate one");
    if (secret == kExampleJwtSecret)
      throw std::runtime_error(where + ": is the example value from .env.example: set JWT_SECRET to 32 random bytes "
                               "of your own (openssl rand -hex 32)");
  }
  if (secret.empty()) {
    // Development convenience: one generated secret kept under data/, so tokens survive a
    // restart. Created complete and 0600 in one step (never readable by others, never seen
    // half-written by a host starting at the same time).
    auto file = std::filesystem::path(config_.dataDir) / "jwt-secret";
    bool tightened = false;
    secret = readOrCreateSecretFile(file, kMinJwtSecretBytes, [] { return randomHex(32); }, &tightened);
    if (tightened) log_.warning("%s was readable by other users: made it 0600", file.string());
    log_.warning("JWT_SECRET is not set: using a generated development secret kept in %s", file.string());
  }
  // The shipped configs read the key from JWT_SECRET: name the variable, never the value.
  if (secret.size() < kMinJwtSecretBytes)
    throw std::runtime_error(where + ": is shorter than 32 bytes: set JWT_SECRET to at least 32 random bytes "
                                     "(openssl rand -hex 32)");
  jwt_ = std::make_unique<JwtService>(secret, config_.auth.issuer, config_.auth.tokenTtlSeconds);
}

HostInfo Host::hostInfo(const std::string& instanceId) const {
  HostInfo info;
  info.version = CODECOUNCIL_VERSION;
  info.environment = config_.environment;
  info.instanceId = instanceId;
  info.configDir = config_.configDir;
  info.dataDir = config_.dataDir;
  info.configFile = config_.file;
  return info;
}

// Envoy's rule: validate everything before creating anything. Plugins load, validate their
// config and declare what they will register before the database is touched.
void Host::loadAndDeclare(const HostInfo& info) {
  plugins_ = std::make_unique<PluginManager>(config_, Poco::Logger::get("codecouncil.plugins"));
  plugins_->load();
  plugins_->declare(info, config_.root);
}

void Host::prepare(bool applyMigrations) {
  HostInfo info = hostInfo(randomHex(8));
  loadAndDeclare(info);

  try {
    db_ = openDatabase(config_.database, config_.configDir);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot open the database: ") + e.what());
  }
  log_.information("database: %s", db_->url().describe());
  // Allowed because the URL asked for it (an empty one is refused outside development and
  // test), but worth a line: one SQLite file does not serve several machines.
  if (db_->engine() == Engine::SQLite && !isLocalEnvironment(config_.environment))
    log_.warning("database: SQLite in environment '%s', as database.url (%s) says: fine for one machine, not for "
                 "several hosts; production normally sets DATABASE_URL=postgresql://...",
                 config_.environment, config_.root.child("database").child("url").location());
  requireReachable(*db_, config_.root.child("database").child("url").where());
  checkServerSessions();

  if (applyMigrations) {
    std::string coreDir = config_.database.migrationsDir + "/core";
    if (!std::filesystem::is_directory(coreDir))
      throw std::runtime_error("database.migrations_dir: " + coreDir + " does not exist (" +
                               config_.root.child("database").child("migrations_dir").where() + ")");
    std::vector<MigrationSource> sources{{"core", coreDir}};
    for (auto& s : plugins_->migrationSources()) sources.push_back(s);
    auto report = cc::core::applyMigrations(*db_, sources, Poco::Logger::get("codecouncil.migrations"));
    log_.information("migrations: %d applied, %d already there", report.applied, report.alreadyApplied);
  }

  createServices(info);
  collectPluginCommands();
}

// Behind PgBouncer's transaction mode, named prepared statements and session-level state break
// at random under load; find out at start instead, and say which setting fixes it.
void Host::checkServerSessions() {
  if (db_->engine() != Engine::PostgreSQL) return;
  if (db_->transactionPooling()) {
    log_.information("database.transaction_pooling: statements leave nothing on the server session");
    return;
  }
  ServerSessions sessions = ServerSessions::Unknown;
  try {
    sessions = db_->probeServerSessions();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot use the database: ") + e.what());
  }
  if (sessions == ServerSessions::Swapped)
    throw std::runtime_error(
        config_.root.child("database").child("url").where() + ": reaches PostgreSQL through a "
        "transaction-pooling proxy (one connection was served by two server sessions; PgBouncer with "
        "pool_mode = transaction?), where named prepared statements and session state break. Set "
        "database.transaction_pooling: true (docs/deployment.md, \"PgBouncer\")");
}

void Host::createServices(const HostInfo& info) {
  pipeline_ = std::make_unique<Pipeline>(Poco::Logger::get("codecouncil.http"));
  pipeline_->setMaxBodyBytes(static_cast<std::size_t>(config_.server.maxBodyBytes));
  pipeline_->setTrustedProxies(TrustedProxies::fromStrings(config_.server.trustedProxies));
  bus_ = std::make_unique<EventBus>(Poco::Logger::get("codecouncil.events"));
  for (auto& topic : topics::coreTopics()) bus_->declare("core", topic);
  registry_ = std::make_unique<ServiceRegistry>();
  scheduler_ = std::make_unique<JobScheduler>(*db_, info.instanceId, Poco::Logger::get("codecouncil.scheduler"));
  mailer_ = std::make_unique<OutboxMailer>(*db_, config_.mail, Poco::Logger::get("codecouncil.mail"));
  metrics_ = std::make_shared<prometheus::Registry>();
  users_ = std::make_unique<UserStore>(*db_);
  userDirectory_ = std::make_unique<UserDirectory>(*db_);
  authGuards_ = std::make_unique<AuthGuards>(*db_, config_.auth, Poco::Logger::get("codecouncil.auth"));

  services_ = HostServices{};
  services_.info = info;
  services_.hostConfig = config_.root;
  services_.db = db_.get();
  services_.pipeline = pipeline_.get();
  services_.scheduler = scheduler_.get();
  services_.bus = bus_.get();
  services_.services = registry_.get();
  services_.mailer = mailer_.get();
  services_.users = userDirectory_.get();
  services_.metrics = metrics_.get();
  services_.pluginActive = [this](const std::string& name) { return plugins_->active(name); };
}

void Host::start() {
  started_ = true;  // from here on, shutdown() has something to undo even if start throws
  setupJwt();
  pipeline_->setAuthenticator(makeAuthenticator(*users_, *jwt_));
  registerAuthRoutes(*pipeline_, *users_, *jwt_, *bus_, *authGuards_);
  registerCoreRoutes();
  plugins_->start(services_);
  scheduler_->start();
  dispatcher_ = std::make_unique<OutboxDispatcher>(*db_, config_.mail, Poco::Logger::get("codecouncil.mail"));
  dispatcher_->start();
  mailer_->onQueued([d = dispatcher_.get()] { d->notify(); });
  server_ = std::make_unique<HttpServer>(config_.server, *pipeline_, Poco::Logger::get("codecouncil.access"), log_);
  server_->start();
  std::string base = "http://localhost:" + std::to_string(server_->port());
  log_.information("codecouncil %s (%s) listening on %s:%d", std::string(CODECOUNCIL_VERSION), config_.environment,
                   config_.server.host, server_->port());
  log_.information("password hashes: at most %d at once; trusted proxies: %z", authGuards_->hashes.slots(),
                   config_.server.trustedProxies.size());
  log_.information(startBanner(base, pipeline_->router()));
}

void Host::waitForTermination() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  log_.information("received %s, shutting down", std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT"));
}

void Host::shutdown() {
  if (!started_) {
    if (plugins_) plugins_->stop();
    return;
  }
  started_ = false;
  if (mailer_) mailer_->onQueued(nullptr);
  if (server_) server_->stop();          // stop accepting, drain in-flight requests
  if (scheduler_) scheduler_->stop();    // no new job runs; wait for running ones
  if (dispatcher_) dispatcher_->stop();
  if (plugins_) plugins_->stop();        // reverse start order
  log_.information("shutdown complete");
}

JobScheduler& Host::startPluginsForCommand() {
  // The same routes and secret as serve(): a plugin's start() may rely on them.
  setupJwt();
  pipeline_->setAuthenticator(makeAuthenticator(*users_, *jwt_));
  registerAuthRoutes(*pipeline_, *users_, *jwt_, *bus_, *authGuards_);
  registerCoreRoutes();
  plugins_->start(services_);
  return *scheduler_;
}

int Host::runMigrationsOnly() {
  prepare(true);
  return 0;
}

std::vector<std::string> Host::prepareListing() {
  loadAndDeclare(hostInfo(""));  // a listing is no instance: no instance id
  return installListing();
}

std::vector<std::string> Host::installListing() {
  HostInfo info = hostInfo("");
  // The same host objects a served host builds, over a database that is never opened: they
  // only hold what the plugins declared. Nothing here serves, runs a job or connects.
  db_ = std::make_unique<PooledDatabase>(DatabaseUrl{}, config_.database);
  createServices(info);
  // The host's own routes are listed too. This JWT key only satisfies the auth routes'
  // constructor: the listing never serves, so nothing is ever signed with it.
  jwt_ = std::make_unique<JwtService>(randomHex(32), config_.auth.issuer, config_.auth.tokenTtlSeconds);
  registerAuthRoutes(*pipeline_, *users_, *jwt_, *bus_, *authGuards_);
  registerCoreRoutes();
  return plugins_->installDeclarations(services_);
}

void Host::prepareCommands() {
  loadAndDeclare(hostInfo(""));
  collectPluginCommands();
}

std::vector<std::string> Host::pluginsRegisteringInStart() const {
  std::vector<std::string> names;
  if (!plugins_) return names;
  for (auto& p : plugins_->plugins()) {
    const PluginDeclarations* d = plugins_->declarations(p.name);
    if (d && d->registersEverythingInStart()) names.push_back(p.name);
  }
  return names;
}

int Host::listPlugins(std::ostream& out) {
  int rc = 0;
  try {
    loadAndDeclare(hostInfo(""));
  } catch (const std::exception& e) {
    out << e.what() << "\n\n";
    rc = 1;
  }
  for (auto& p : plugins_->plugins()) {
    out << p.name << " " << (p.version.empty() ? "-" : p.version) << " [" << toString(p.status) << "]"
        << (p.optional ? " optional" : "") << "\n";
    out << "  path: " << p.path << "\n";
    std::string deps;
    for (auto& d : p.dependencies) deps += (deps.empty() ? "" : ", ") + d;
    for (auto& d : p.optionalDependencies) deps += (deps.empty() ? "" : ", ") + d + " (optional)";
    out << "  dependencies: " << (deps.empty() ? "none" : deps) << "\n";
    if (const PluginDeclarations* d = plugins_->declarations(p.name)) {
      std::string provided;
      for (auto& svc : d->providedServices())
        provided += (provided.empty() ? "" : ", ") + svc.name + " (v" + std::to_string(svc.contractVersion) + ")";
      if (!provided.empty()) out << "  provides: " << provided << "\n";
      if (d->registersEverythingInStart())
        out << "  registers in start(): its routes, jobs and topics are not listed without starting it\n";
    }
    if (!p.error.empty()) out << "  error: " << p.error << "\n";
  }
  if (rc != 0) return rc;
  std::vector<std::string> problems;
  try {
    problems = installListing();
  } catch (const std::exception& e) {
    out << "\n(routes and jobs unknown: " << e.what() << ")\n";
    return 1;
  }
  out << "\nroutes:\n";
  for (auto& r : pipeline_->router().routes()) out << "  " << r.method << " " << r.pattern << "  (" << r.owner << ")\n";
  out << "jobs:\n";
  for (auto& j : scheduler_->jobs()) out << "  " << j.name << "  " << j.schedule << "\n";
  out << "topics:\n";
  for (auto& t : bus_->declarations()) out << "  " << t.spec.name << "  (" << t.publisher << ")\n";
  for (auto& p : problems) out << "error: " << p << "\n";
  return problems.empty() ? 0 : 1;
}

int Host::promoteUser(const std::string& email, std::ostream& out) {
  prepare(true);
  if (!users_->promote(email)) {
    out << "no user with email " << email << "\n";
    return 1;
  }
  out << email << " is now an admin\n";
  return 0;
}

namespace {
class CommandCollector : public Commands {
 public:
  CommandCollector(std::string plugin, std::function<void(std::string, std::string, std::string, Command)> sink)
      : plugin_(std::move(plugin)), sink_(std::move(sink)) {}
  void add(const std::string& name, const std::string& summary, Command command) override {
    sink_(plugin_, name, summary, std::move(command));
  }

 private:
  std::string plugin_;
  std::function<void(std::string, std::string, std::string, Command)> sink_;
};
}  // namespace

void Host::collectPluginCommands() {
  for (auto& p : plugins_->plugins()) {
    if (p.status != PluginStatus::Loaded) continue;
    CommandCollector collector(p.name, [this](std::string plugin, std::string name, std::string summary, Command c) {
      if (commands_.count(name))
        throw std::runtime_error("command '" + name + "' is provided by both " + commands_[name].plugin + " and " + plugin);
      commands_[name] = {plugin, summary, std::move(c)};
    });
    plugins_->registerCommands(p.name, collector);
  }
}

std::vector<std::pair<std::string, std::string>> Host::pluginCommands() {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [name, c] : commands_) out.emplace_back(name, c.summary + " (" + c.plugin + ")");
  return out;
}

int Host::runPluginCommand(const std::string& name, const std::vector<std::string>& args) {
  auto it = commands_.find(name);
  if (it == commands_.end()) return -1;
  auto ctx = plugins_->commandContext(it->second.plugin, services_);
  try {
    return it->second.command(*ctx, args);
  } catch (const std::exception& e) {
    std::cerr << "codecouncil " << name << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace cc::core

namespace cc::core {
void Host::registerCoreRoutes() {
  registerHealthRoutes(*pipeline_, *db_, *plugins_);
  registerOpenApiRoute(*pipeline_);
}
}  // namespace cc::core
