#include "support/fake_gemini_server.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <sstream>
#include <thread>

namespace analysistest {
namespace {

std::string stringify(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  return out.str();
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(FakeGeminiServer& server) : server_(server) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override {
    RecordedRequest r;
    r.method = req.getMethod();
    r.uri = req.getURI();
    r.apiKey = req.get("x-goog-api-key", "");
    Poco::StreamCopier::copyToString(req.stream(), r.body);
    auto answer = server_.next(std::move(r));
    if (answer.delayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(answer.delayMs));
    res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    res.setContentType("application/json");
    if (answer.retryAfterSeconds >= 0) res.set("Retry-After", std::to_string(answer.retryAfterSeconds));
    res.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    std::ostream& out = res.send();
    if (answer.trickleMs <= 0) {
      out << answer.body;
      return;
    }
    for (char c : answer.body) {
      out.put(c).flush();
      if (!out) return;  // the client hung up
      std::this_thread::sleep_for(std::chrono::milliseconds(answer.trickleMs));
    }
  }

 private:
  FakeGeminiServer& server_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(FakeGeminiServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(server_);
  }

 private:
  FakeGeminiServer& server_;
};

}  // namespace

std::string geminiReplyWithText(const std::string& text) {
  Poco::JSON::Object::Ptr part = new Poco::JSON::Object;
  part->set("text", text);
  Poco::JSON::Array::Ptr parts = new Poco::JSON::Array;
  parts->add(part);
  Poco::JSON::Object::Ptr content = new Poco::JSON::Object;
  content->set("parts", parts);
  content->set("role", "model");
  Poco::JSON::Object::Ptr candidate = new Poco::JSON::Object;
  candidate->set("content", content);
  candidate->set("finishReason", "STOP");
  candidate->set("index", 0);
  Poco::JSON::Array::Ptr candidates = new Poco::JSON::Array;
  candidates->add(candidate);
  Poco::JSON::Object::Ptr usage = new Poco::JSON::Object;
  usage->set("promptTokenCount", 120);
  usage->set("candidatesTokenCount", 40);
  usage->set("totalTokenCount", 160);
  Poco::JSON::Object::Ptr reply = new Poco::JSON::Object;
  reply->set("candidates", candidates);
  reply->set("usageMetadata", usage);
  reply->set("modelVersion", "gemini-2.0-flash");
  return stringify(reply);
}

FakeGeminiServer::FakeGeminiServer()
    : body_(geminiReplyWithText(R"({"summary":"one issue","findings":[{"line":1,"severity":"high","rule":"sql-injection","message":"query built from user input"}]})")) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  port_ = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(16);
  params->setMaxQueued(256);
  params->setKeepAlive(false);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  server_->start();
  // A trickled reply is cut by the client mid-way: writing on must fail, not kill the test.
  std::signal(SIGPIPE, SIG_IGN);
}

FakeGeminiServer::~FakeGeminiServer() { server_->stopAll(true); }

void FakeGeminiServer::setReply(int status, std::string body) {
  std::lock_guard<std::mutex> lock(mutex_);
  status_ = status;
  body_ = std::move(body);
}

void FakeGeminiServer::failNext(int count, int status, int retryAfterSeconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  failCount_ = count;
  failStatus_ = status;
  failRetryAfter_ = retryAfterSeconds;
}

void FakeGeminiServer::setDelayMs(int ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  delayMs_ = ms;
}

void FakeGeminiServer::setTrickleMs(int ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  trickleMs_ = ms;
}

std::vector<RecordedRequest> FakeGeminiServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

FakeGeminiServer::Answer FakeGeminiServer::next(RecordedRequest request) {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.push_back(std::move(request));
  if (failCount_ > 0) {
    --failCount_;
    std::string body = R"({"error":{"code":)" + std::to_string(failStatus_) +
                       R"(,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}})";
    return {failStatus_, body, failRetryAfter_, delayMs_, trickleMs_};
  }
  return {status_, body_, -1, delayMs_, trickleMs_};
}

}  // namespace analysistest
