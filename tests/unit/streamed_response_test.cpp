// cc::Response::stream in the pipeline and the exchange, without sockets: a stream survives the
// middleware untouched, an error after it replaces it, HEAD drops its writer uncalled, the
// access log marks its size unknown, and drainBody() yields the bytes a client would get.
#include "core/http/drain_body.hpp"
#include "core/http/exchange.hpp"
#include "core/http/pipeline.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

using namespace cc;
using namespace cc::core;

namespace {

// Counts calls of the writers made by `streamingWriter` and their destruction.
struct WriterProbe {
  int calls = 0;
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  bool destroyed() const { return alive.use_count() == 1; }
};

// Three pieces: "a", "" (skipped by the server, harmless here) and "bc" (the last).
BodyWriter streamingWriter(WriterProbe& probe) {
  return [&probe, keep = probe.alive, step = 0](std::string& piece) mutable {
    ++probe.calls;
    ++step;
    if (step == 1) piece += "a";
    if (step == 3) piece += "bc";
    return step < 3;
  };
}

struct Fixture {
  Pipeline pipeline{Poco::Logger::get("test.stream")};
  WriterProbe probe;
  Fixture() {
    pipeline.router().add(Route{"GET", "/s", "t", [this](Request&, Response& res) {
      res.setHeader("X-Before", "1");
      res.stream(202, "text/csv", streamingWriter(probe));
    }, {Access::Public}});
  }
};

IncomingRequest incoming(const std::string& method, const std::string& target) {
  IncomingRequest in;
  in.method = method;
  in.target = target;
  in.peerAddress = "127.0.0.1";
  return in;
}

// The access log lines `run` wrote, through an Exchange logging to a temporary file.
std::string accessLogOf(Fixture& f, IncomingRequest in, Response& res) {
  std::FILE* file = std::tmpfile();
  std::string text;
  {
    LogSink sink(::fileno(file));
    Exchange exchange(f.pipeline, Poco::Logger::get("test.stream.access"), true, sink);
    std::string requestId;
    res = exchange.run(in, requestId);
    sink.flush();
  }
  std::rewind(file);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
  std::fclose(file);
  return text;
}

}  // namespace

TEST(ResponseStream, StreamSetsStatusTypeAndWriterAndClearsTheBody) {
  WriterProbe probe;
  Response res;
  res.text(200, "old body");
  res.stream(206, "application/x-ndjson", streamingWriter(probe));
  EXPECT_EQ(res.status, 206);
  EXPECT_EQ(res.contentType, "application/x-ndjson");
  EXPECT_EQ(res.body, "");
  ASSERT_TRUE(res.bodyWriter);
  EXPECT_EQ(probe.calls, 0);
  EXPECT_EQ(drainBody(res), "abc");
  EXPECT_EQ(probe.calls, 3);
  EXPECT_FALSE(res.bodyWriter);
  EXPECT_TRUE(probe.destroyed());
}

TEST(ResponseStream, JsonOrTextAfterAStreamReplacesIt) {
  WriterProbe probe;
  Response res;
  res.stream(200, "text/plain", streamingWriter(probe));
  res.json(409, json::object());
  EXPECT_FALSE(res.bodyWriter);
  EXPECT_TRUE(probe.destroyed());
  res.stream(200, "text/plain", streamingWriter(probe));
  res.text(200, "plain");
  EXPECT_FALSE(res.bodyWriter);
  EXPECT_EQ(drainBody(res), "plain");
  EXPECT_EQ(probe.calls, 0);
}

TEST(ResponseStream, MiddlewareSeesTheStreamAndAnErrorAfterItReplacesIt) {
  Fixture f;
  bool sawWriter = false;
  f.pipeline.addMiddleware({"observe", "t", 10, [&](Request&, Response& res, const Next& next) {
    next();
    sawWriter = static_cast<bool>(res.bodyWriter);
  }});
  Request req;
  req.method = "GET";
  req.path = "/s";
  req.requestId = "rid";
  Response res;
  f.pipeline.handle(req, res);
  EXPECT_TRUE(sawWriter);
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.header("X-Before"), "1");
  EXPECT_EQ(f.probe.calls, 0) << "the pipeline must not run the writer: the server does, piece by piece";

  f.pipeline.addMiddleware({"fail-after", "t", 20, [](Request&, Response&, const Next& next) {
    next();
    throw std::runtime_error("after the handler");
  }});
  Response failed;
  f.pipeline.handle(req, failed);
  EXPECT_EQ(failed.status, 500);
  EXPECT_FALSE(failed.bodyWriter) << "an error answer must not carry the handler's stream";
  EXPECT_NE(drainBody(failed).find("internal server error"), std::string::npos);
  EXPECT_EQ(f.probe.calls, 0);
}

TEST(ResponseStream, HeadDropsTheWriterUncalledAndTheAccessLogMarksAStreamsSize) {
  Fixture f;
  Response head;
  std::string log = accessLogOf(f, incoming("HEAD", "/s"), head);
  EXPECT_FALSE(head.bodyWriter);
  EXPECT_EQ(head.status, 202);
  EXPECT_EQ(f.probe.calls, 0);
  EXPECT_TRUE(f.probe.destroyed());
  EXPECT_NE(log.find("HEAD /s 202 0 "), std::string::npos) << log;

  Response get;
  log = accessLogOf(f, incoming("GET", "/s"), get);
  ASSERT_TRUE(get.bodyWriter);
  EXPECT_EQ(f.probe.calls, 0);
  EXPECT_NE(log.find("GET /s 202 - "), std::string::npos) << log;
  EXPECT_EQ(drainBody(get), "abc");
}
