#include "core/config/host_config.hpp"

#include "core/config/dotenv.hpp"
#include "core/config/install_layout.hpp"
#include "core/db/database_impl.hpp"
#include "core/http/client_address.hpp"

#include <codecouncil/sdk/config_reader.hpp>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <utility>

namespace cc::core {
namespace {

namespace fs = std::filesystem;

const char* const kDefaultDataDir = "../data";
const char* const kDefaultPluginDir = "../build/plugins";
const char* const kDefaultMigrationsDir = "../migrations";

const std::set<std::string> kLogLevels = {"trace",   "debug", "information", "notice",
                                          "warning", "error", "critical",    "fatal"};
const std::set<std::string> kMailTlsModes = {"starttls_required", "starttls", "none"};

std::string childPath(const ConfigNode& parent, const std::string& key) {
  return parent.path().empty() ? key : parent.path() + "." + key;
}

/// The node's 1-based line, or its parent's when it is absent; -1 when unknown. Read from
/// location() because ConfigNode keeps the inherited line private.
int lineOf(const ConfigNode& node) {
  std::string location = node.location();
  auto colon = location.rfind(':');
  if (colon == std::string::npos || colon + 1 == location.size()) return -1;
  std::string digits = location.substr(colon + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(digits);
}

/// parent.child(key), but safe to query when the key is absent. ConfigNode::child() then
/// holds a yaml-cpp "zombie" node on which isMap(), has(), items() and keys() throw
/// YAML::InvalidNode; an explicitly undefined node answers "no" instead. Plugins receive
/// their `config:` node through here too, so an absent one is harmless to them.
ConfigNode childOf(const ConfigNode& parent, const std::string& key, const std::shared_ptr<const std::string>& file) {
  if (parent.defined() && parent.isMap() && parent.yaml()[key].IsDefined()) return parent.child(key);
  return ConfigNode(YAML::Node(YAML::NodeType::Undefined), childPath(parent, key), file, lineOf(parent));
}

/// Checks that a key read elsewhere (plugins, trusted_proxies) is a list.
void expectList(const ConfigNode& node, ConfigErrors&) {
  if (!node.isSequence()) throw ConfigError(node.where(), "expected a list");
}

// ---------------------------------------------------------------------------------------
// Choosing and reading the file
// ---------------------------------------------------------------------------------------

[[noreturn]] void fail(ConfigErrors& errors, std::string message) {
  errors.addRaw(std::move(message));
  throw ConfigLoadError(errors);
}

void loadDotenvReporting(const fs::path& file, ConfigErrors& errors) {
  for (auto& problem : loadDotenv(file).errors) errors.addRaw(problem);
}

std::string chooseEnvironment(const LoadOptions& options, ConfigErrors& errors) {
  std::string env = options.environment;
  if (env.empty())
    if (const char* fromEnv = std::getenv("CODECOUNCIL_ENV")) env = fromEnv;
  if (env.empty()) return "development";
  // The name becomes part of a path (config/<env>.yaml), so keep it to a plain word.
  static const std::regex plain("[A-Za-z0-9_-]+");
  if (!std::regex_match(env, plain))
    fail(errors, "environment name '" + env + "' may only contain letters, digits, '_' and '-'");
  return env;
}

fs::path chooseConfigFile(const LoadOptions& options, const std::string& environment) {
  if (!options.configFile.empty()) return options.configFile;
  const std::string name = environment == "development" ? "codecouncil.yaml" : environment + ".yaml";
  // An installed binary reads its own configuration, whatever folder it is started from.
  if (std::string installed = installedConfigDir(); !installed.empty()) return fs::path(installed) / name;
  return fs::path("config") / name;
}

void requireFile(const fs::path& file, const fs::path& absolute, const std::string& environment,
                 const LoadOptions& options, ConfigErrors& errors) {
  std::error_code ec;
  if (fs::is_regular_file(absolute, ec)) return;
  std::string why = fs::exists(absolute, ec) ? "is not a regular file" : "not found";
  std::string hint = options.configFile.empty() ? " (chosen for environment '" + environment + "')" : "";
  fail(errors, "config file " + file.string() + " " + why + ": " + absolute.string() + hint);
}

YAML::Node parseYaml(const fs::path& file, const fs::path& absolute, ConfigErrors& errors) {
  try {
    return YAML::LoadFile(absolute.string());
  } catch (const YAML::ParserException& e) {
    // yaml-cpp counts from 0; editors count from 1.
    fail(errors, file.string() + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                     ": " + e.msg);
  } catch (const YAML::Exception& e) {
    fail(errors, file.string() + ": cannot read: " + e.what());
  }
}

/// Absolute and lexically normal, relative paths taken from `base` (the config folder).
std::string resolvePath(const fs::path& base, const std::string& value) {
  fs::path p(value);
  if (p.is_relative()) p = base / p;
  p = p.lexically_normal();
  if (!p.has_filename() && p != p.root_path()) p = p.parent_path();  // drop a trailing '/'
  return p.string();
}

// ---------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------

struct Context {
  std::shared_ptr<const std::string> file;
  fs::path configDir;
  ConfigErrors& errors;
};

void loadTls(const ConfigNode& node, TlsConfig& tls, const Context& ctx) {
  if (node.defined() && !node.isMap()) {
    ctx.errors.add(node, "expected a map");
    return;
  }
  ConfigReader(node)
      .boolean("enabled", tls.enabled)
      .integer("port", 1, 65535, tls.port)
      .string("certificate", tls.certificateFile)
      .string("private_key", tls.privateKeyFile)
      .apply(ctx.errors);
  if (!tls.certificateFile.empty()) tls.certificateFile = resolvePath(ctx.configDir, tls.certificateFile);
  if (!tls.privateKeyFile.empty()) tls.privateKeyFile = resolvePath(ctx.configDir, tls.privateKeyFile);
  if (!tls.enabled) return;
  // Fail at load time with a location, not later inside the TLS context setup.
  if (tls.certificateFile.empty()) ctx.errors.add(childOf(node, "certificate", ctx.file), "is required when TLS is enabled");
  if (tls.privateKeyFile.empty()) ctx.errors.add(childOf(node, "private_key", ctx.file), "is required when TLS is enabled");
}

// Each entry must parse now, with its own file:line, rather than surprise at the first request.
void loadTrustedProxies(const ConfigNode& node, std::vector<std::string>& proxies, const Context& ctx) {
  for (const ConfigNode& item : node.items()) {  // not a list: reported by the section's schema
    if (!item.isScalar()) {
      ctx.errors.add(item, "expected an IP address or CIDR network");
      continue;
    }
    std::string text = item.asString(), error;
    if (IpNetwork::parse(text, error)) proxies.push_back(text);
    else ctx.errors.add(item, error);
  }
}

void loadServer(const ConfigNode& node, ServerConfig& server, const Context& ctx) {
  ConfigReader(node)
      .string("host", server.host)
      .integer("port", 1, 65535, server.port)
      .integer("threads", 1, 1024, server.threads)
      .integer("max_connections", 16, 1000000, server.maxConnections)
      .integer("header_timeout_seconds", 1, 3600, server.headerTimeoutSeconds)
      .integer("keep_alive_timeout_seconds", 1, 3600, server.keepAliveTimeoutSeconds)
      .integer("body_timeout_seconds", 1, 3600, server.bodyTimeoutSeconds)
      .integer("write_timeout_seconds", 1, 3600, server.writeTimeoutSeconds)
      .integer("max_header_bytes", 1024, 1048576, server.maxHeaderBytes)
      .boolean("keep_alive", server.keepAlive)
      .integer("max_body_bytes", 1, 1073741824, server.maxBodyBytes)
      .boolean("access_log", server.accessLog)
      .integer("shutdown_grace_seconds", 0, 3600, server.shutdownGraceSeconds)
      .known("tls")
      .value("trusted_proxies", expectList)
      .apply(ctx.errors);
  if (node.isMap()) loadTls(childOf(node, "tls", ctx.file), server.tls, ctx);
  if (node.isMap()) loadTrustedProxies(childOf(node, "trusted_proxies", ctx.file), server.trustedProxies, ctx);
  if (server.tls.enabled && server.tls.port == server.port)
    ctx.errors.add(childOf(childOf(node, "tls", ctx.file), "port", ctx.file), "must differ from server.port (" +
                                                        std::to_string(server.port) + ")");
}

bool hasKnownDatabaseScheme(const std::string& url) {
  for (const char* scheme : {"sqlite://", "postgresql://", "postgres://"})
    if (url.rfind(scheme, 0) == 0) return true;
  return false;
}

// Production must say which database it uses: a missing DATABASE_URL would otherwise start
// an empty SQLite file that serves, and is backed up and verified, as if it were the data.
void requireExplicitDatabase(const ConfigNode& node, const std::string& environment, const Context& ctx) {
  if (isLocalEnvironment(environment)) return;
  ctx.errors.add(childOf(node, "url", ctx.file),
                 "is empty in environment '" + environment +
                     "': set DATABASE_URL=postgresql://user:password@host:5432/dbname (or database.url); only "
                     "development and test fall back to SQLite in data_dir. To run on SQLite on purpose, name "
                     "the file: database.url: sqlite:///var/lib/codecouncil/codecouncil.db");
}

void loadDatabase(const ConfigNode& node, DatabaseConfig& db, const std::string& dataDir,
                  const std::string& environment, const Context& ctx) {
  std::string migrations;
  ConfigReader(node)
      .string("url", db.url)
      .integer("pool_min", 1, 1000, db.poolMin)
      .integer("pool_max", 1, 1000, db.poolMax)
      .integer("pool_timeout_ms", 0, 600000, db.poolTimeoutMs)
      .integer("busy_timeout_ms", 0, 600000, db.busyTimeoutMs)
      .string("migrations_dir", migrations)
      .boolean("transaction_pooling", db.transactionPooling)
      .string("direct_url", db.directUrl)
      .apply(ctx.errors);
  if (db.poolMax < db.poolMin) {
    ConfigNode at = childOf(node, node.has("pool_max") ? "pool_max" : "pool_min", ctx.file);
    ctx.errors.add(at, "pool_max (" + std::to_string(db.poolMax) + ") must not be below pool_min (" +
                           std::to_string(db.poolMin) + ")");
  }
  // Never echo the URL: it usually carries a password.
  if (!db.url.empty() && !hasKnownDatabaseScheme(db.url)) {
    ctx.errors.add(childOf(node, "url", ctx.file), "must start with sqlite://, postgresql:// or postgres://");
  } else if (!db.url.empty()) {
    // The whole URL is checked now, so a mistake (an unencoded '@', an unknown parameter) is
    // reported with the key's file:line and the other problems, not later at the first open.
    try {
      parseDatabaseUrl(db.url, ctx.configDir.string());
    } catch (const std::exception& e) {
      std::string why = e.what();
      if (why.rfind("database.url: ", 0) == 0) why.erase(0, std::string("database.url: ").size());
      ctx.errors.add(childOf(node, "url", ctx.file), why);
    }
  }
  if (db.url.empty()) {
    requireExplicitDatabase(node, environment, ctx);
    db.url = "sqlite://" + (fs::path(dataDir) / "codecouncil.db").string();
  }
  // Both only mean something for PostgreSQL; on SQLite they would be silently ignored.
  const bool postgres = db.url.rfind("postgresql://", 0) == 0 || db.url.rfind("postgres://", 0) == 0;
  if (db.transactionPooling && !postgres)
    ctx.errors.add(childOf(node, "transaction_pooling", ctx.file), "is only for a postgresql:// database.url");
  if (!db.directUrl.empty()) {
    if (!postgres || db.directUrl.rfind("sqlite://", 0) == 0 || !hasKnownDatabaseScheme(db.directUrl)) {
      ctx.errors.add(childOf(node, "direct_url", ctx.file),
                     "must be a postgresql:// URL, and database.url must be one too");
    } else {
      try {  // checked whole now, like database.url (and never echoed: it carries a password too)
        parseDatabaseUrl(db.directUrl, ctx.configDir.string());
      } catch (const std::exception& e) {
        std::string why = e.what();
        if (why.rfind("database.url: ", 0) == 0) why.erase(0, std::string("database.url: ").size());
        ctx.errors.add(childOf(node, "direct_url", ctx.file), why);
      }
    }
  }
  db.migrationsDir = resolvePath(ctx.configDir, migrations.empty() ? kDefaultMigrationsDir : migrations);
}

void loadAuth(const ConfigNode& node, AuthConfig& auth, const Context& ctx) {
  constexpr int kDay = 86400;
  ConfigReader(node)
      .string("jwt_secret", auth.jwtSecret)
      .integer("token_ttl_seconds", 60, 31536000, auth.tokenTtlSeconds)
      .string("issuer", auth.issuer)
      .integer("login_failures_per_account", 1, 1000000000, auth.loginPerAccount.limit)
      .integer("login_failures_per_address", 1, 1000000000, auth.loginPerAddress.limit)
      .integer("login_window_seconds", 1, kDay, auth.loginPerAccount.windowSeconds)
      .integer("login_lock_seconds", 1, kDay, auth.loginPerAccount.lockSeconds)
      .integer("signups_per_address", 1, 1000000000, auth.signupPerAddress.limit)
      .integer("signup_window_seconds", 1, kDay, auth.signupPerAddress.windowSeconds)
      .integer("password_hash_concurrency", 0, 1024, auth.passwordHashConcurrency)
      .integer("password_hash_wait_ms", 0, 10000, auth.passwordHashWaitMs)
      .apply(ctx.errors);
  // One window and one lock for both login throttles: an operator tunes "how long", and the
  // two limits say "how many" for a victim's account and for an attacker's address.
  auth.loginPerAddress.windowSeconds = auth.loginPerAccount.windowSeconds;
  auth.loginPerAddress.lockSeconds = auth.loginPerAccount.lockSeconds;
}

void loadMail(const ConfigNode& node, MailConfig& mail, const Context& ctx) {
  ConfigReader(node)
      .string("smtp_host", mail.smtpHost)
      .integer("smtp_port", 1, 65535, mail.smtpPort)
      .string("smtp_user", mail.smtpUser)
      .string("smtp_password", mail.smtpPassword)
      .string("from", mail.from)
      .oneOf("tls", kMailTlsModes, mail.tls)
      .string("ca_file", mail.caFile)
      .integer("retry_interval_seconds", 1, 86400, mail.retryIntervalSeconds)
      .integer("max_attempts", 1, 1000, mail.maxAttempts)
      .apply(ctx.errors);
  if (mail.caFile.empty()) return;
  mail.caFile = resolvePath(ctx.configDir, mail.caFile);
  // Found now, with its location, rather than at the first delivery hours later.
  std::error_code ec;
  if (!fs::is_regular_file(mail.caFile, ec))
    ctx.errors.add(childOf(node, "ca_file", ctx.file), "is not a readable file: " + mail.caFile);
}

void loadLogging(const ConfigNode& node, LoggingConfig& logging, const Context& ctx) {
  ConfigReader(node).oneOf("level", kLogLevels, logging.level).apply(ctx.errors);
}

// ---------------------------------------------------------------------------------------
// Plugins
// ---------------------------------------------------------------------------------------

bool isValidPluginName(const std::string& name) {
  static const std::regex pattern("[a-z0-9_]+");
  return std::regex_match(name, pattern);
}

/// Fills one entry; returns false when its name is unusable (so no defaults can be derived).
bool loadPluginEntry(const ConfigNode& node, PluginEntryConfig& entry, const HostConfig& host,
                     const Context& ctx) {
  std::string path, migrations;
  bool migrationsGiven = node.has("migrations");
  ConfigReader(node)
      .string("name", entry.name, /*required=*/true)
      .boolean("enabled", entry.enabled)
      .boolean("optional", entry.optional)
      .string("path", path)
      .string("migrations", migrations)
      .known("config")
      .apply(ctx.errors);
  entry.node = node;
  entry.config = childOf(node, "config", ctx.file);
  if (!node.has("name") || !node.child("name").isScalar()) return false;  // already reported
  if (!isValidPluginName(entry.name)) {
    ctx.errors.add(childOf(node, "name", ctx.file), "must match [a-z0-9_]+ (got '" + entry.name + "')");
    return false;
  }
  // The host keeps its own migrations in <migrations_dir>/core, where a plugin named
  // "core" would look for its own.
  if (entry.name == "core") {
    ctx.errors.add(childOf(node, "name", ctx.file), "'core' is reserved for the host");
    return false;
  }
  entry.path = path.empty() ? (fs::path(host.pluginDir) / ("libcc_" + entry.name + ".so")).string()
                            : resolvePath(ctx.configDir, path);
  if (!migrations.empty()) {
    entry.migrationsDir = resolvePath(ctx.configDir, migrations);
  } else if (!migrationsGiven) {
    // An explicit `migrations: ""` means "none"; otherwise use the conventional folder if any.
    fs::path conventional = fs::path(host.database.migrationsDir) / entry.name;
    std::error_code ec;
    if (fs::is_directory(conventional, ec)) entry.migrationsDir = conventional.string();
  }
  return true;
}

void loadPlugins(const ConfigNode& node, HostConfig& host, const Context& ctx) {
  std::map<std::string, ConfigNode> firstByName;
  for (const ConfigNode& item : node.items()) {
    PluginEntryConfig entry;
    if (loadPluginEntry(item, entry, host, ctx)) {
      auto [first, inserted] = firstByName.emplace(entry.name, item);
      if (!inserted)
        ctx.errors.add(childOf(item, "name", ctx.file),
                       "duplicate plugin name '" + entry.name + "' (first at " + first->second.where() + ")");
    }
    host.plugins.push_back(std::move(entry));
  }
}

// ---------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------

void loadDocument(HostConfig& config, const Context& ctx) {
  const ConfigNode& root = config.root;
  std::string dataDir, pluginDir;
  ConfigReader(root)
      .known("server")
      .known("database")
      .known("auth")
      .known("mail")
      .known("logging")
      .string("data_dir", dataDir)
      .string("plugin_dir", pluginDir)
      .value("plugins", expectList)
      .apply(ctx.errors);
  if (root.defined() && !root.isMap()) return;  // reported; nothing further to read

  // Empty (e.g. an unset ${VAR}) means "the default", like an absent key.
  config.dataDir = resolvePath(ctx.configDir, dataDir.empty() ? kDefaultDataDir : dataDir);
  config.pluginDir = resolvePath(ctx.configDir, pluginDir.empty() ? kDefaultPluginDir : pluginDir);
  auto section = [&](const char* key) { return childOf(root, key, ctx.file); };
  loadServer(section("server"), config.server, ctx);
  loadDatabase(section("database"), config.database, config.dataDir, config.environment, ctx);
  loadAuth(section("auth"), config.auth, ctx);
  // Production refuses to send SMTP credentials and mail in clear unless told otherwise: an
  // attacker on the path can strip the STARTTLS offer (RFC 3207, section 6).
  if (config.environment == "production") config.mail.tls = "starttls_required";
  loadMail(section("mail"), config.mail, ctx);
  loadLogging(section("logging"), config.logging, ctx);
  loadPlugins(section("plugins"), config, ctx);
}

}  // namespace

HostConfig loadHostConfig(const LoadOptions& options) {
  ConfigErrors errors;
  // The working directory's .env comes first: it may set CODECOUNCIL_ENV, which picks the file.
  const fs::path cwdEnv = fs::current_path() / ".env";
  loadDotenvReporting(cwdEnv, errors);

  HostConfig config;
  config.environment = chooseEnvironment(options, errors);
  const fs::path file = chooseConfigFile(options, config.environment);
  const fs::path absolute = fs::absolute(file).lexically_normal();
  requireFile(file, absolute, config.environment, options, errors);

  // The project's .env sits beside the config folder (config/../.env).
  const fs::path projectEnv = absolute.parent_path().parent_path() / ".env";
  if (projectEnv.lexically_normal() != cwdEnv.lexically_normal()) loadDotenvReporting(projectEnv, errors);

  YAML::Node document = parseYaml(file, absolute, errors);
  config.file = absolute.string();
  config.configDir = absolute.parent_path().string();
  // Messages name the file as the user gave it: shorter, and what they typed.
  auto displayName = std::make_shared<const std::string>(file.string());
  config.root = ConfigNode(document, "", displayName, 1);

  loadDocument(config, Context{displayName, absolute.parent_path(), errors});
  if (!errors.empty()) throw ConfigLoadError(errors, std::make_shared<const HostConfig>(std::move(config)));
  return config;
}

}  // namespace cc::core
