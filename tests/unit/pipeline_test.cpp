#include "core/http/pipeline.hpp"

#include <gtest/gtest.h>

using namespace cc;
using namespace cc::core;

namespace {

struct Fixture {
  Pipeline p{Poco::Logger::get("test")};
  Response run(const std::string& method, const std::string& path, const std::string& token = "") {
    Request req;
    req.method = method;
    req.path = path;
    req.requestId = "rid";
    if (!token.empty()) req.headers["authorization"] = "Bearer " + token;
    Response res;
    p.handle(req, res);
    return res;
  }
};

std::string errorOf(const Response& r) { return json::parseObject(r.body)->getValue<std::string>("error"); }

}  // namespace

TEST(Pipeline, MiddlewareRunsByPriorityThenNameAndSeesFinalStatus) {
  Fixture f;
  std::vector<std::string> order;
  f.p.router().add(Route{"GET", "/x", "t", [&](Request&, Response& res) { order.push_back("handler"); res.text(201, "ok"); }, {Access::Public}});
  auto mw = [&](std::string name) {
    return [&order, name](Request&, Response& res, const Next& next) {
      order.push_back(name + ">");
      next();
      order.push_back("<" + name + std::to_string(res.status));
    };
  };
  f.p.addMiddleware({"b", "t", 10, mw("b")});
  f.p.addMiddleware({"a", "t", 10, mw("a")});
  f.p.addMiddleware({"first", "t", 1, mw("first")});
  f.run("GET", "/x");
  EXPECT_EQ(order, (std::vector<std::string>{"first>", "a>", "b>", "handler", "<b201", "<a201", "<first201"}));
}

TEST(Pipeline, MiddlewareCanAnswerEarlyWithHttpError) {
  Fixture f;
  bool handled = false;
  int seenByOuter = 0;
  f.p.router().add(Route{"GET", "/x", "t", [&](Request&, Response&) { handled = true; }, {Access::Public}});
  f.p.addMiddleware({"outer", "t", 1, [&](Request&, Response& res, const Next& next) { next(); seenByOuter = res.status; }});
  f.p.addMiddleware({"limit", "t", 5, [](Request&, Response&, const Next&) {
                       throw HttpError(429, "slow down").header("Retry-After", "7");
                     }});
  auto res = f.run("GET", "/x");
  EXPECT_FALSE(handled);
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(res.header("Retry-After"), "7");
  EXPECT_EQ(seenByOuter, 429);
  EXPECT_EQ(errorOf(res), "slow down");
}

TEST(Pipeline, AccessLevels) {
  Fixture f;
  f.p.setAuthenticator([](const std::string& token, std::string& reason) -> std::optional<User> {
    if (token == "user") return User{"u1", "u@x.io", false, false, "free"};
    if (token == "admin") return User{"a1", "a@x.io", true, false, "free"};
    if (token == "suspended") return User{"s1", "s@x.io", false, true, "free"};
    reason = "bad signature";
    return std::nullopt;
  });
  f.p.router().add(Route{"GET", "/u", "t", [](Request&, Response& res) { res.text(200, "u"); }, {Access::User}});
  f.p.router().add(Route{"GET", "/a", "t", [](Request&, Response& res) { res.text(200, "a"); }, {Access::Admin}});
  f.p.router().add(Route{"GET", "/p", "t", [](Request& req, Response& res) { res.text(200, req.user ? req.user->id : "anon"); }, {Access::Public}});
  EXPECT_EQ(f.run("GET", "/u").status, 401);
  EXPECT_EQ(f.run("GET", "/u", "user").status, 200);
  auto bad = f.run("GET", "/u", "forged");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(errorOf(bad), "authentication failed: bad signature");
  EXPECT_EQ(f.run("GET", "/u", "suspended").status, 403);
  EXPECT_EQ(f.run("GET", "/a", "user").status, 403);
  EXPECT_EQ(f.run("GET", "/a", "admin").status, 200);
  EXPECT_EQ(f.run("GET", "/p").body, "anon");
  EXPECT_EQ(f.run("GET", "/p", "user").body, "u1");
}

TEST(Pipeline, HandlerExceptionsBecomeJsonWithoutDetails) {
  Fixture f;
  f.p.router().add(Route{"GET", "/boom", "t", [](Request&, Response&) { throw std::runtime_error("secret detail"); }, {Access::Public}});
  auto res = f.run("GET", "/boom");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body.find("secret detail"), std::string::npos);
  EXPECT_NE(errorOf(res).find("rid"), std::string::npos);
}

TEST(Pipeline, RouteBodyLimit) {
  Fixture f;
  f.p.router().add(Route{"POST", "/small", "t", [](Request&, Response& res) { res.text(200, "ok"); }, {Access::Public, 4}});
  Request req;
  req.method = "POST";
  req.path = "/small";
  req.body = "12345";
  Response res;
  f.p.handle(req, res);
  EXPECT_EQ(res.status, 413);
}

TEST(Pipeline, DuplicateMiddlewareNameIsAnError) {
  Fixture f;
  f.p.addMiddleware({"m", "one", 1, [](Request&, Response&, const Next& n) { n(); }});
  EXPECT_THROW(f.p.addMiddleware({"m", "two", 2, [](Request&, Response&, const Next& n) { n(); }}), std::invalid_argument);
}

TEST(Pipeline, AuthenticatorFailureIs503NotAnonymous) {
  Fixture f;
  f.p.setAuthenticator([](const std::string&, std::string&) -> std::optional<User> {
    throw std::runtime_error("database is down");
  });
  f.p.router().add(Route{"GET", "/u", "t", [](Request&, Response& res) { res.text(200, "u"); }, {Access::User}});
  f.p.router().add(Route{"GET", "/p", "t", [](Request&, Response& res) { res.text(200, "p"); }, {Access::Public}});
  EXPECT_EQ(f.run("GET", "/u", "token").status, 503);
  EXPECT_EQ(f.run("GET", "/p", "token").status, 503);
  EXPECT_EQ(f.run("GET", "/p").status, 200);  // no token, no lookup
}

TEST(Pipeline, RejectedRequestsStillPassThroughMiddleware) {
  Fixture f;
  int seen = 0;
  f.p.addMiddleware({"count", "t", 1, [&](Request&, Response& res, const Next& next) { next(); seen = res.status; }});
  Request req;
  req.method = "POST";
  req.path = "/x";
  Response res;
  res.setHeader("Connection", "close");
  f.p.reject(req, res, 413, "too large");
  EXPECT_EQ(seen, 413);
  EXPECT_EQ(res.header("Connection"), "close");
  EXPECT_EQ(errorOf(res), "too large");
}

TEST(Pipeline, BearerSchemeIsCaseInsensitive) {
  Fixture f;
  f.p.setAuthenticator([](const std::string& token, std::string&) -> std::optional<User> {
    if (token == "t") return User{"u1", "u@x.io", false, false, "free"};
    return std::nullopt;
  });
  f.p.router().add(Route{"GET", "/u", "t", [](Request&, Response& res) { res.text(200, "u"); }, {Access::User}});
  Request req;
  req.method = "GET";
  req.path = "/u";
  req.headers["authorization"] = "BEARER t";
  Response res;
  f.p.handle(req, res);
  EXPECT_EQ(res.status, 200);
}
