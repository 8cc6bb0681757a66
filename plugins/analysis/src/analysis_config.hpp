#pragma once
// The analysis plugin's settings: which analyzer runs, what a run costs, input bounds, and
// the Gemini client's connection settings, declared once in describe() (cc::ConfigReader).
#include <codecouncil/sdk/config_reader.hpp>

#include <cstdint>
#include <string>

namespace cc::analysis {

struct GeminiSettings {
  static constexpr const char* kDefaultApiBase = "https://generativelanguage.googleapis.com";
  static constexpr const char* kDefaultModel = "gemini-2.0-flash";
  std::string apiKey;   ///< config gemini.api_key, else $GEMINI_API_KEY; never logged
  std::string apiBase = kDefaultApiBase;  ///< else $GEMINI_API_BASE
  std::string model = kDefaultModel;      ///< else $GEMINI_MODEL
  int timeoutSeconds = 60;      ///< one attempt's deadline: connecting to the last byte of the reply
  int maxAttempts = 3;          ///< 1 = no retry
  int retryBackoffMs = 500;     ///< first retry delay; doubles per attempt up to 8 s (gemini_limits.hpp)
  int maxOutputTokens = 8192;

  /// api_key, api_base and model read empty when absent: AnalysisConfig::finish() fills them
  /// from the environment, then the defaults above.
  static void describe(ConfigReader& r, GeminiSettings& g);
};

struct BuiltinSettings {
  int maxFunctionLines = 60;   ///< a function body longer than this is reported
  int maxNestingDepth = 4;     ///< blocks nested deeper than this are reported

  static void describe(ConfigReader& r, BuiltinSettings& b);
};

struct AnalysisConfig {
  std::string analyzer = "builtin";  ///< "builtin" or "gemini"
  std::int64_t creditsPerRun = 1;
  std::int64_t largeCodeBytes = 20000;     ///< code above this size costs creditsPerLargeRun
  std::int64_t creditsPerLargeRun = 3;
  std::size_t maxBodyBytes = 524288;       ///< the route's request body bound (413 above)
  std::size_t maxCodeBytes = 262144;       ///< the code field's bound after JSON decoding (413 above)
  int staleRunSeconds = 900;               ///< a run still "running" after this is failed and refunded
  int recoveryIntervalSeconds = 60;        ///< how often the recovery job looks for such runs
  GeminiSettings gemini;
  BuiltinSettings builtin;

  /// Credits charged for `codeBytes` of code.
  std::int64_t costFor(std::size_t codeBytes) const {
    return static_cast<std::int64_t>(codeBytes) > largeCodeBytes ? creditsPerLargeRun : creditsPerRun;
  }

  static void describe(ConfigReader& r, AnalysisConfig& c);
  static void finish(AnalysisConfig& c);
  static void check(const AnalysisConfig& c, const ConfigNode& config, ConfigErrors& errors);
};

void validateConfig(const ConfigNode& config, ConfigErrors& errors);
AnalysisConfig readConfig(const ConfigNode& config);

}  // namespace cc::analysis
