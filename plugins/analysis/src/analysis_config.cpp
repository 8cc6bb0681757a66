#include "analysis_config.hpp"

#include "gemini_limits.hpp"

#include <cstdlib>

namespace cc::analysis {
namespace {

std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// A config value wins; an empty or absent one falls back to the environment, then the default.
std::string settingOrEnv(const ConfigNode& node, const std::string& key, const char* env, const std::string& fallback) {
  std::string v = node.getString(key, "");
  return v.empty() ? envOr(env, fallback) : v;
}

void checkGemini(const ConfigNode& config, const ConfigNode& gemini, ConfigErrors& errors) {
  ConfigSchema()
      .string("api_key")
      .string("api_base")
      .string("model")
      .integer("timeout_seconds", 1, 600)
      .integer("max_attempts", 1, 10)
      .integer("retry_backoff_ms", 0, 60000)
      .integer("max_output_tokens", 256, 65536)
      .check(gemini, errors);
  try {
    std::string base = settingOrEnv(gemini, "api_base", "GEMINI_API_BASE", GeminiSettings{}.apiBase);
    if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0)
      errors.add(gemini.child("api_base"), "must start with http:// or https:// (got '" + base + "')");
    std::string model = settingOrEnv(gemini, "model", "GEMINI_MODEL", GeminiSettings{}.model);
    if (model.empty() || model.find_first_of("/?#: ") != std::string::npos)
      errors.add(gemini.child("model"), "must be a model name such as gemini-2.0-flash (got '" + model + "')");
    bool geminiChosen = config.getString("analyzer", "builtin") == "gemini";
    if (geminiChosen && settingOrEnv(gemini, "api_key", "GEMINI_API_KEY", "").empty())
      errors.add(gemini.child("api_key"), "is required when analyzer is gemini (set GEMINI_API_KEY)");
  } catch (const ConfigError& e) {
    errors.add(e);  // wrong types were already reported by the schema
  }
}

}  // namespace

void validateConfig(const ConfigNode& config, ConfigErrors& errors) {
  ConfigSchema()
      .oneOf("analyzer", {"builtin", "gemini"})
      .integer("credits_per_run", 0, 1000000)
      .integer("large_code_bytes", 1, 1073741824)
      .integer("credits_per_large_run", 0, 1000000)
      .integer("max_body_bytes", 1024, 1073741824)
      .integer("max_code_bytes", 1, 1073741824)
      .integer("stale_run_seconds", 60, 604800)
      .integer("recovery_interval_seconds", 1, 3600)
      .map("gemini")
      .map("builtin")
      .check(config, errors);
  if (!errors.empty()) return;
  ConfigSchema()
      .integer("max_function_lines", 5, 100000)
      .integer("max_nesting_depth", 1, 100)
      .check(config.child("builtin"), errors);
  checkGemini(config, config.child("gemini"), errors);
  if (!errors.empty()) return;

  AnalysisConfig c = readConfig(config);
  if (c.creditsPerLargeRun < c.creditsPerRun)
    errors.add(config.child("credits_per_large_run"),
               "must not be below credits_per_run (" + std::to_string(c.creditsPerRun) + ")");
  if (c.maxCodeBytes > c.maxBodyBytes)
    errors.add(config.child("max_code_bytes"),
               "must not exceed max_body_bytes (" + std::to_string(c.maxBodyBytes) + ")");
  // A run that is still going must never be taken for an abandoned one: the recovery job would
  // refund it and its late result would be thrown away.
  if (c.analyzer == "gemini" && c.staleRunSeconds < geminiSlowestRunSeconds(c.gemini)) {
    const GeminiSettings& g = c.gemini;
    errors.add(config.child("stale_run_seconds"),
               "must be at least " + std::to_string(geminiSlowestRunSeconds(g)) + " with analyzer gemini (got " +
                   std::to_string(c.staleRunSeconds) + "): the slowest run is " + std::to_string(g.maxAttempts) +
                   " attempt(s) x " + std::to_string(g.timeoutSeconds) + " s (gemini.max_attempts x "
                   "gemini.timeout_seconds) + " + std::to_string(g.maxAttempts - 1) + " wait(s) x " +
                   std::to_string((geminiLongestWaitMs(g) + 999) / 1000) +
                   " s (a Retry-After is honoured up to " + std::to_string(kGeminiMaxRetryAfterSeconds) +
                   " s, gemini.retry_backoff_ms if longer) + " + std::to_string(kStaleRunMarginSeconds) +
                   " s margin; a shorter stale_run_seconds would fail and refund runs still waiting for Gemini");
  }
}

AnalysisConfig readConfig(const ConfigNode& config) {
  AnalysisConfig c;
  c.analyzer = config.getString("analyzer", c.analyzer);
  c.creditsPerRun = config.getInt("credits_per_run", c.creditsPerRun);
  c.largeCodeBytes = config.getInt("large_code_bytes", c.largeCodeBytes);
  c.creditsPerLargeRun = config.getInt("credits_per_large_run", c.creditsPerLargeRun);
  c.maxBodyBytes = static_cast<std::size_t>(config.getInt("max_body_bytes", static_cast<std::int64_t>(c.maxBodyBytes)));
  c.maxCodeBytes = static_cast<std::size_t>(config.getInt("max_code_bytes", static_cast<std::int64_t>(c.maxCodeBytes)));
  c.staleRunSeconds = static_cast<int>(config.getInt("stale_run_seconds", c.staleRunSeconds));
  c.recoveryIntervalSeconds =
      static_cast<int>(config.getInt("recovery_interval_seconds", c.recoveryIntervalSeconds));

  ConfigNode g = config.child("gemini");
  c.gemini.apiKey = settingOrEnv(g, "api_key", "GEMINI_API_KEY", "");
  c.gemini.apiBase = settingOrEnv(g, "api_base", "GEMINI_API_BASE", c.gemini.apiBase);
  while (!c.gemini.apiBase.empty() && c.gemini.apiBase.back() == '/') c.gemini.apiBase.pop_back();
  c.gemini.model = settingOrEnv(g, "model", "GEMINI_MODEL", c.gemini.model);
  c.gemini.timeoutSeconds = static_cast<int>(g.getInt("timeout_seconds", c.gemini.timeoutSeconds));
  c.gemini.maxAttempts = static_cast<int>(g.getInt("max_attempts", c.gemini.maxAttempts));
  c.gemini.retryBackoffMs = static_cast<int>(g.getInt("retry_backoff_ms", c.gemini.retryBackoffMs));
  c.gemini.maxOutputTokens = static_cast<int>(g.getInt("max_output_tokens", c.gemini.maxOutputTokens));

  ConfigNode b = config.child("builtin");
  c.builtin.maxFunctionLines = static_cast<int>(b.getInt("max_function_lines", c.builtin.maxFunctionLines));
  c.builtin.maxNestingDepth = static_cast<int>(b.getInt("max_nesting_depth", c.builtin.maxNestingDepth));
  return c;
}

}  // namespace cc::analysis
