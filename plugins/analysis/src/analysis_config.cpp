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
std::string orEnv(const std::string& configured, const char* env, const std::string& fallback) {
  return configured.empty() ? envOr(env, fallback) : configured;
}

void checkGemini(const AnalysisConfig& c, const ConfigNode& config, ConfigErrors& errors) {
  const GeminiSettings& g = c.gemini;
  ConfigNode gemini = config["gemini"];
  if (g.apiBase.rfind("http://", 0) != 0 && g.apiBase.rfind("https://", 0) != 0)
    errors.add(gemini["api_base"], "must start with http:// or https:// (got '" + g.apiBase + "')");
  if (g.model.empty() || g.model.find_first_of("/?#: ") != std::string::npos)
    errors.add(gemini["model"], "must be a model name such as gemini-2.0-flash (got '" + g.model + "')");
  if (c.analyzer == "gemini" && g.apiKey.empty())
    errors.add(gemini["api_key"], "is required when analyzer is gemini (set GEMINI_API_KEY)");
}

}  // namespace

void GeminiSettings::describe(ConfigReader& r, GeminiSettings& g) {
  g.apiBase.clear();
  g.model.clear();
  r.string("api_key", g.apiKey)
      .string("api_base", g.apiBase)
      .string("model", g.model)
      .integer("timeout_seconds", 1, 600, g.timeoutSeconds)
      .integer("max_attempts", 1, 10, g.maxAttempts)
      .integer("retry_backoff_ms", 0, 60000, g.retryBackoffMs)
      .integer("max_output_tokens", 256, 65536, g.maxOutputTokens);
}

void BuiltinSettings::describe(ConfigReader& r, BuiltinSettings& b) {
  r.integer("max_function_lines", 5, 100000, b.maxFunctionLines).integer("max_nesting_depth", 1, 100, b.maxNestingDepth);
}

void AnalysisConfig::describe(ConfigReader& r, AnalysisConfig& c) {
  r.oneOf("analyzer", {"builtin", "gemini"}, c.analyzer)
      .integer("credits_per_run", 0, 1000000, c.creditsPerRun)
      .integer("large_code_bytes", 1, 1073741824, c.largeCodeBytes)
      .integer("credits_per_large_run", 0, 1000000, c.creditsPerLargeRun)
      .integer("max_body_bytes", 1024, 1073741824, c.maxBodyBytes)
      .integer("max_code_bytes", 1, 1073741824, c.maxCodeBytes)
      .integer("stale_run_seconds", 60, 604800, c.staleRunSeconds)
      .integer("recovery_interval_seconds", 1, 3600, c.recoveryIntervalSeconds)
      .section("gemini", c.gemini)
      .section("builtin", c.builtin);
}

void AnalysisConfig::finish(AnalysisConfig& c) {
  c.gemini.apiKey = orEnv(c.gemini.apiKey, "GEMINI_API_KEY", "");
  c.gemini.apiBase = orEnv(c.gemini.apiBase, "GEMINI_API_BASE", GeminiSettings::kDefaultApiBase);
  while (!c.gemini.apiBase.empty() && c.gemini.apiBase.back() == '/') c.gemini.apiBase.pop_back();
  c.gemini.model = orEnv(c.gemini.model, "GEMINI_MODEL", GeminiSettings::kDefaultModel);
}

void AnalysisConfig::check(const AnalysisConfig& c, const ConfigNode& config, ConfigErrors& errors) {
  checkGemini(c, config, errors);
  // Checks across keys only mean something once every key is valid (errors holds this
  // config's problems only: the host validates each plugin on its own).
  if (!errors.empty()) return;
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

void validateConfig(const ConfigNode& config, ConfigErrors& errors) { loadConfig<AnalysisConfig>(config, errors); }

AnalysisConfig readConfig(const ConfigNode& config) { return loadConfig<AnalysisConfig>(config); }

}  // namespace cc::analysis
