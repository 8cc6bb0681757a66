// The plugin's config: defaults, costs, every problem reported with its key.
#include "analysis_config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace cc::analysis;

namespace {

cc::ConfigNode node(const std::string& yaml) {
  return cc::ConfigNode(YAML::Load(yaml), "plugins[0].config", std::make_shared<const std::string>("test.yaml"));
}

std::string errorsOf(const std::string& yaml) {
  cc::ConfigErrors errors;
  validateConfig(node(yaml), errors);
  return errors.joined();
}

}  // namespace

TEST(AnalysisConfig, DefaultsAreBuiltinAndOneCreditPerRun) {
  EXPECT_EQ(errorsOf("{}"), "");
  auto c = readConfig(node("{}"));
  EXPECT_EQ(c.analyzer, "builtin");
  EXPECT_EQ(c.costFor(100), 1);
  EXPECT_EQ(c.costFor(20000), 1);
  EXPECT_EQ(c.costFor(20001), 3);
}

TEST(AnalysisConfig, ReportsEveryProblem) {
  std::string errors = errorsOf("{ analyzer: magic, credits_per_run: -1, bogus: 1 }");
  EXPECT_NE(errors.find("plugins[0].config.analyzer"), std::string::npos) << errors;
  EXPECT_NE(errors.find("must be one of: builtin, gemini"), std::string::npos) << errors;
  EXPECT_NE(errors.find("credits_per_run"), std::string::npos) << errors;
  EXPECT_NE(errors.find("unknown key 'bogus'"), std::string::npos) << errors;
  EXPECT_NE(errorsOf("{ credits_per_run: 5, credits_per_large_run: 2 }").find("must not be below"), std::string::npos);
  EXPECT_NE(errorsOf("{ max_body_bytes: 2048, max_code_bytes: 4096 }").find("must not exceed"), std::string::npos);
  EXPECT_NE(errorsOf("{ gemini: { api_base: ftp://x } }").find("http:// or https://"), std::string::npos);
  EXPECT_NE(errorsOf("{ builtin: { max_nesting_depth: 0 } }").find("max_nesting_depth"), std::string::npos);
}

TEST(AnalysisConfig, GeminiNeedsAKeyFromConfigOrEnvironment) {
  ::unsetenv("GEMINI_API_KEY");
  EXPECT_NE(errorsOf("{ analyzer: gemini }").find("GEMINI_API_KEY"), std::string::npos);
  EXPECT_EQ(errorsOf("{ analyzer: gemini, gemini: { api_key: k } }"), "");
  ::setenv("GEMINI_API_KEY", "from-env", 1);
  ::setenv("GEMINI_API_BASE", "http://127.0.0.1:9/", 1);
  EXPECT_EQ(errorsOf("{ analyzer: gemini }"), "");
  auto c = readConfig(node("{ analyzer: gemini, gemini: { model: gemini-test } }"));
  EXPECT_EQ(c.gemini.apiKey, "from-env");
  EXPECT_EQ(c.gemini.apiBase, "http://127.0.0.1:9") << "a trailing slash is dropped";
  EXPECT_EQ(c.gemini.model, "gemini-test") << "config wins over the environment";
  ::unsetenv("GEMINI_API_KEY");
  ::unsetenv("GEMINI_API_BASE");
}

TEST(AnalysisConfig, StaleRunsMustOutliveTheSlowestGeminiRun) {
  std::string errors =
      errorsOf("{ analyzer: gemini, stale_run_seconds: 60, gemini: { api_key: k, timeout_seconds: 30 } }");
  EXPECT_NE(errors.find("stale_run_seconds"), std::string::npos) << errors;
}

// attempts x timeout_seconds + (attempts - 1) x the longest wait + 60 s, the longest wait being
// a Retry-After capped at 30 s, or retry_backoff_ms when that is longer.
TEST(AnalysisConfig, StaleRunsMustOutliveTheSlowestGeminiRunWithItsWaits) {
  const std::string gemini = "gemini: { api_key: k, timeout_seconds: 30, max_attempts: 3";
  // 3 x 30 + 2 x 30 + 60 = 210
  std::string errors = errorsOf("{ analyzer: gemini, stale_run_seconds: 209, " + gemini + " } }");
  EXPECT_NE(errors.find("plugins[0].config.stale_run_seconds (test.yaml:1): must be at least 210 with analyzer gemini "
                        "(got 209)"),
            std::string::npos)
      << errors;
  EXPECT_EQ(errorsOf("{ analyzer: gemini, stale_run_seconds: 210, " + gemini + " } }"), "");
  // A first backoff of 45 s is the longest wait: 3 x 30 + 2 x 45 + 60 = 240
  EXPECT_NE(errorsOf("{ analyzer: gemini, stale_run_seconds: 239, " + gemini + ", retry_backoff_ms: 45000 } }")
                .find("must be at least 240"),
            std::string::npos);
  EXPECT_EQ(errorsOf("{ analyzer: gemini, stale_run_seconds: 240, " + gemini + ", retry_backoff_ms: 45000 } }"), "");
  // Waits dominate: 10 x 1 + 9 x 30 + 60 = 340
  EXPECT_NE(errorsOf("{ analyzer: gemini, stale_run_seconds: 339, gemini: { api_key: k, timeout_seconds: 1,"
                     " max_attempts: 10 } }")
                .find("must be at least 340"),
            std::string::npos);
  // The defaults (60 s, 3 attempts, 500 ms) and the default stale_run_seconds (900) agree.
  EXPECT_EQ(errorsOf("{ analyzer: gemini, gemini: { api_key: k } }"), "");
  // The builtin analyzer has no such bound.
  EXPECT_EQ(errorsOf("{ stale_run_seconds: 60, gemini: { timeout_seconds: 600, max_attempts: 10 } }"), "");
}
