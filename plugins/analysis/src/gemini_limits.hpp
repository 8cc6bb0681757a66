#pragma once
// How long one Gemini run can take at most, and the numbers that bound it. The recovery job
// fails and refunds runs still 'running' after stale_run_seconds, so that setting must outlast
// the slowest live run (validateConfig refuses less); GeminiAnalyzer keeps to each term.
#include "analysis_config.hpp"

#include <algorithm>
#include <cstdint>

namespace cc::analysis {

/// A Retry-After is honoured up to this many seconds per wait.
inline constexpr int kGeminiMaxRetryAfterSeconds = 30;
/// Our own backoff starts at retry_backoff_ms and doubles up to this.
inline constexpr int kGeminiMaxBackoffMs = 8000;
/// Room for what a run does besides talking to Gemini: reserving and settling it in the
/// database, name resolution (the system resolver's own timeout), a busy machine.
inline constexpr int kStaleRunMarginSeconds = 60;

/// The longest single wait between two attempts, in milliseconds: a capped Retry-After, or
/// retry_backoff_ms when that is longer (the first wait is not capped).
inline std::int64_t geminiLongestWaitMs(const GeminiSettings& g) {
  return std::max<std::int64_t>({std::int64_t{kGeminiMaxRetryAfterSeconds} * 1000, kGeminiMaxBackoffMs,
                                 g.retryBackoffMs});
}

/// max_attempts x timeout_seconds (each attempt's deadline) + (max_attempts - 1) x the longest
/// wait + the margin, in whole seconds: the least stale_run_seconds may be.
inline std::int64_t geminiSlowestRunSeconds(const GeminiSettings& g) {
  std::int64_t waitsMs = std::int64_t{g.maxAttempts - 1} * geminiLongestWaitMs(g);
  return std::int64_t{g.maxAttempts} * g.timeoutSeconds + (waitsMs + 999) / 1000 + kStaleRunMarginSeconds;
}

}  // namespace cc::analysis
