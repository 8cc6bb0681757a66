#pragma once
// The host's typed configuration, built from YAML by loadHostConfig(). Plugins' own
// `config:` nodes stay as ConfigNode and are validated by each plugin.
#include <codecouncil/sdk/config.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cc::core {

struct TlsConfig {
  bool enabled = false;
  int port = 5443;
  std::string certificateFile;  // absolute after loading
  std::string privateKeyFile;   // absolute after loading
};

struct ServerConfig {
  std::string host = "0.0.0.0";
  int port = 5000;
  int threads = 64;              // threads that run requests; idle connections hold none
  int maxConnections = 10000;    // open connections at once; more are answered 503 and closed
  int headerTimeoutSeconds = 10;     // a new connection's request header must arrive whole within this
  int keepAliveTimeoutSeconds = 15;  // idle time allowed between requests on one connection
  int bodyTimeoutSeconds = 30;       // each read of a request body
  int writeTimeoutSeconds = 30;      // writing one answer
  int maxHeaderBytes = 16384;        // request line and header fields together
  bool keepAlive = true;
  std::int64_t maxBodyBytes = 1048576;
  bool accessLog = true;
  int shutdownGraceSeconds = 10;
  TlsConfig tls;
  /// Addresses and CIDR networks of reverse proxies whose X-Forwarded-For is believed
  /// (checked to parse; see core/http/client_address.hpp). Empty: the TCP peer is the client.
  std::vector<std::string> trustedProxies;
};

struct DatabaseConfig {
  std::string url;  // "sqlite:///abs/path.db" or "postgresql://user:pass@host:port/db"; never logged
  int poolMin = 1;
  int poolMax = 16;
  int poolTimeoutMs = 10000;  // how long a caller queues for a connection when all pool_max are lent
  int busyTimeoutMs = 5000;
  std::string migrationsDir;  // absolute after loading
  // PostgreSQL reached through a transaction-pooling proxy (PgBouncer pool_mode = transaction):
  // a server session is only ours inside a transaction, so nothing may outlive one (no named
  // prepared statements; docs/deployment.md "PgBouncer").
  bool transactionPooling = false;
  // Optional PostgreSQL URL that reaches the server directly (or through a session-mode pool),
  // for work that needs a server session of its own: backups (pg_dump, psql). Never logged.
  std::string directUrl;
};

/// One database-backed attempt limit: at most `limit` counted attempts per key within
/// `windowSeconds`; the attempt that reaches the limit locks the key for `lockSeconds`
/// (0: until the window ends).
struct ThrottleRule {
  std::int64_t limit = 0;
  int windowSeconds = 0;
  int lockSeconds = 0;
};

struct AuthConfig {
  std::string jwtSecret;  // empty: a development secret is generated under data_dir
  std::int64_t tokenTtlSeconds = 86400;
  std::string issuer = "codecouncil";
  // Password guessing (docs/configuration.md, "auth"). Failed logins per submitted email and
  // per client address; signups per client address.
  ThrottleRule loginPerAccount{10, 900, 900};
  ThrottleRule loginPerAddress{50, 900, 900};
  ThrottleRule signupPerAddress{20, 3600, 0};
  int passwordHashConcurrency = 0;  // argon2 runs at once; 0: one per CPU core
  int passwordHashWaitMs = 250;     // how long a request may wait for a free slot before 503
};

struct MailConfig {
  std::string smtpHost;  // empty: mail stays in the outbox and is logged
  int smtpPort = 587;
  std::string smtpUser;
  std::string smtpPassword;
  std::string from = "CodeCouncil <no-reply@codecouncil.local>";
  /// "starttls_required": nothing is sent unless STARTTLS succeeds (the production default);
  /// "starttls": upgrade when offered, else send in clear; "none": never upgrade.
  std::string tls = "starttls";
  std::string caFile;  // PEM CAs trusted for the SMTP server instead of the system store; absolute after loading
  int retryIntervalSeconds = 30;
  int maxAttempts = 10;
};

struct LoggingConfig {
  std::string level = "information";  // Poco priority names
};

struct PluginEntryConfig {
  std::string name;
  bool enabled = true;
  bool optional = false;
  std::string path;           // absolute .so path after loading
  std::string migrationsDir;  // absolute; empty when the plugin ships none
  ConfigNode config;          // the plugin's own node, validated by the plugin
  ConfigNode node;            // the whole entry, for error locations
};

struct HostConfig {
  std::string file;         // absolute path of the loaded YAML file
  std::string configDir;    // its folder
  std::string environment;  // "development" unless --env / CODECOUNCIL_ENV
  std::string dataDir;      // absolute
  std::string pluginDir;    // absolute
  ServerConfig server;
  DatabaseConfig database;
  AuthConfig auth;
  MailConfig mail;
  LoggingConfig logging;
  std::vector<PluginEntryConfig> plugins;
  ConfigNode root;          // the whole document
};

/// development and test: the environments that may run on generated defaults (a SQLite file in
/// data_dir, a generated JWT secret). Every other name is a real deployment.
inline bool isLocalEnvironment(const std::string& environment) {
  return environment == "development" || environment == "test";
}

struct LoadOptions {
  std::string configFile;   // empty: config/codecouncil.yaml, or config/<env>.yaml for another env
                            // (an installed binary: the same names in <prefix>/etc/codecouncil)
  std::string environment;  // empty: $CODECOUNCIL_ENV, else "development"
};

/// Reads .env (beside the config folder's parent and in the working directory; existing
/// variables win), picks the file for the environment, parses it and checks every key.
/// Throws ConfigLoadError listing every problem with its key path and file:line.
HostConfig loadHostConfig(const LoadOptions& options);

class ConfigLoadError : public std::runtime_error {
 public:
  explicit ConfigLoadError(const ConfigErrors& errors, std::shared_ptr<const HostConfig> partial = nullptr)
      : std::runtime_error("invalid configuration:\n  " + errors.joined("\n  ")), errors_(errors),
        partial_(std::move(partial)) {}
  const ConfigErrors& errors() const { return errors_; }
  /// The file was read and every section checked: what could be loaded, so the plugins'
  /// entries can still be validated (null when the file itself was unusable).
  const std::shared_ptr<const HostConfig>& partial() const { return partial_; }

 private:
  ConfigErrors errors_;
  std::shared_ptr<const HostConfig> partial_;
};

}  // namespace cc::core
