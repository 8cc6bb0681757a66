#include "gemini_analyzer.hpp"

#include "attempt_deadline.hpp"
#include "gemini_limits.hpp"
#include "gemini_protocol.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

namespace cc::analysis {
namespace {

constexpr std::size_t kMaxReplyBytes = 8 * 1024 * 1024;

bool retryable(int status) { return status == 429 || status == 500 || status == 502 || status == 503 || status == 504; }

int countLines(const std::string& code) {
  return static_cast<int>(std::count(code.begin(), code.end(), '\n')) + (code.empty() || code.back() == '\n' ? 0 : 1);
}

}  // namespace

GeminiAnalyzer::Reply GeminiAnalyzer::post(const std::string& body) const {
  Poco::URI uri(settings_.apiBase);
  std::string path = uri.getPath();
  while (!path.empty() && path.back() == '/') path.pop_back();
  path += "/v1beta/models/" + settings_.model + ":generateContent";

  // timeout_seconds bounds the whole attempt, not only each read: declared before the session,
  // so the watchdog outlives every use of the connection.
  AttemptDeadline deadline(std::chrono::seconds(settings_.timeoutSeconds));
  auto session = openSessionWithDeadline(uri, deadline);
  Poco::Timespan timeout(settings_.timeoutSeconds, 0);
  session->setTimeout(timeout, timeout, timeout);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.set("x-goog-api-key", settings_.apiKey);
  request.setContentLength(static_cast<std::streamsize>(body.size()));

  Poco::Net::HTTPResponse response;
  Reply reply;
  try {
    session->sendRequest(request) << body;
    std::istream& in = session->receiveResponse(response);
    reply.status = static_cast<int>(response.getStatus());
    char buffer[8192];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
      reply.body.append(buffer, static_cast<std::size_t>(in.gcount()));
      if (reply.body.size() > kMaxReplyBytes) throw AnalyzerError("Gemini's reply was too large");
    }
  } catch (const Poco::Exception&) {
    if (deadline.expired()) throw Poco::TimeoutException("the attempt's deadline passed");
    throw;
  }
  // A cut connection can also just end the body early: whatever was read is not the answer.
  if (deadline.expired()) throw Poco::TimeoutException("the attempt's deadline passed");
  if (response.has("Retry-After")) {
    try {
      reply.retryAfterSeconds = std::stoi(response.get("Retry-After"));
    } catch (const std::exception&) {
      // an HTTP date instead of seconds: fall back to our own backoff
    }
  }
  return reply;
}

AnalysisOutput GeminiAnalyzer::analyze(const AnalysisInput& input) {
  const std::string body = geminiRequestBody(input, settings_.maxOutputTokens);
  std::string lastProblem = "Gemini could not be reached";
  int backoffMs = settings_.retryBackoffMs;
  for (int attempt = 1; attempt <= settings_.maxAttempts; ++attempt) {
    int waitMs = backoffMs;
    try {
      Reply reply = post(body);
      if (reply.status == 200) return parseGeminiReply(reply.body, countLines(input.code));
      std::string detail = geminiErrorMessage(reply.body);
      lastProblem = "Gemini answered " + std::to_string(reply.status) + (detail.empty() ? "" : ": " + detail);
      if (!retryable(reply.status)) throw AnalyzerError(lastProblem);
      if (reply.retryAfterSeconds >= 0) waitMs = std::min(reply.retryAfterSeconds, kGeminiMaxRetryAfterSeconds) * 1000;
    } catch (const AnalyzerError&) {
      throw;
    } catch (const Poco::TimeoutException&) {
      lastProblem = "Gemini did not answer within " + std::to_string(settings_.timeoutSeconds) + " s";
    } catch (const Poco::Exception& e) {
      // Poco's text names the host and the socket error, never the key (it is not in the URL).
      lastProblem = "Gemini could not be reached (" + e.displayText() + ")";
    } catch (const std::exception& e) {
      lastProblem = std::string("Gemini could not be reached (") + e.what() + ")";
    }
    log_.warning("gemini attempt %d/%d failed: %s", attempt, settings_.maxAttempts, lastProblem);
    if (attempt < settings_.maxAttempts) {
      std::this_thread::sleep_for(std::chrono::milliseconds(waitMs));
      backoffMs = std::min(backoffMs * 2, kGeminiMaxBackoffMs);
    }
  }
  throw AnalyzerError(lastProblem + " (after " + std::to_string(settings_.maxAttempts) +
                      (settings_.maxAttempts == 1 ? " attempt)" : " attempts)"));
}

}  // namespace cc::analysis
