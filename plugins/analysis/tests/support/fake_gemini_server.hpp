#pragma once
// A fake Gemini generateContent server for tests: Poco HTTPServer on a free loopback port,
// speaking Gemini's wire format (candidates[0].content.parts[0].text). It records every
// request (path, x-goog-api-key, body) and answers from a script: the first N requests may
// fail with a chosen status, and replies may be delayed or trickled a byte at a time.
#include <Poco/Net/HTTPServer.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace analysistest {

struct RecordedRequest {
  std::string method;
  std::string uri;
  std::string apiKey;  ///< the x-goog-api-key header
  std::string body;
};

/// Gemini's 200 body carrying `text` as the model's answer.
std::string geminiReplyWithText(const std::string& text);

class FakeGeminiServer {
 public:
  FakeGeminiServer();
  ~FakeGeminiServer();

  int port() const { return port_; }
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// What a successful request gets (status 200 unless changed).
  void setReply(int status, std::string body);
  /// The next `count` requests get `status` with a Gemini-style error body (and Retry-After if >= 0).
  void failNext(int count, int status, int retryAfterSeconds = -1);
  void setDelayMs(int ms);
  /// Sends each reply's body (after the headers, with its full Content-Length) one byte every
  /// `ms` milliseconds: every read gets a byte long before any per-read timeout, while the
  /// whole reply takes body size x `ms`. 0 sends it at once. Stops when the client hangs up.
  void setTrickleMs(int ms);

  std::vector<RecordedRequest> requests() const;

  // Used by the request handler.
  struct Answer {
    int status;
    std::string body;
    int retryAfterSeconds;
    int delayMs;
    int trickleMs;
  };
  Answer next(RecordedRequest request);

 private:
  mutable std::mutex mutex_;
  int port_ = 0;
  int status_ = 200;
  std::string body_;
  int failCount_ = 0, failStatus_ = 503, failRetryAfter_ = -1, delayMs_ = 0, trickleMs_ = 0;
  std::vector<RecordedRequest> requests_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace analysistest
