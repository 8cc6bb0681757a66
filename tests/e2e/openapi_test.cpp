// docs/openapi.yaml against the real host: it is served byte for byte from the binary, it
// describes exactly the routes `codecouncil plugins` lists (core and all seven bundled
// plugins), every operation states responses, security and body, path parameters match
// the routes, the security it states is what the host enforces, and live answers use the
// field names it documents.
#include "support/host_process.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using cc::test::HostProcess;
using cc::test::HttpResult;

const std::vector<std::string> kHttpMethods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"};

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string documentPath() { return cc::test::sourceDir() + "/docs/openapi.yaml"; }

/// All seven bundled plugins. Billing gets keys so it is configured, but it never calls
/// Stripe here (api_base points at the discard port).
std::string allBundledPlugins() {
  using cc::test::bundledPlugin;
  return bundledPlugin("audit") + bundledPlugin("metrics") + bundledPlugin("ratelimit") +
         bundledPlugin("billing",
                       "{ secret_key: sk_test_openapi, webhook_secret: whsec_openapi, api_base: 'http://127.0.0.1:9' }") +
         bundledPlugin("analysis", "{ analyzer: builtin }") +
         bundledPlugin("admin", "{ web_root: '" + cc::test::sourceDir() + "/plugins/admin/web' }") +
         bundledPlugin("backup", "{ schedule: 'off' }");
}

struct RegisteredRoute {
  std::string method;   // GET, POST, ...
  std::string pattern;  // as registered: /api/analyses/:id
  std::string owner;
};

/// The `routes:` section of `codecouncil plugins`: "  GET /api/x/:id  (owner)" lines.
std::vector<RegisteredRoute> parseRouteListing(const std::string& output) {
  std::vector<RegisteredRoute> routes;
  std::istringstream in(output);
  std::string line;
  bool inRoutes = false;
  static const std::regex row(R"(^  ([A-Z]+) (\S+)  \((\S+)\)$)");
  while (std::getline(in, line)) {
    if (line == "routes:") inRoutes = true;
    else if (line == "jobs:") inRoutes = false;
    else if (std::smatch m; inRoutes && std::regex_match(line, m, row)) routes.push_back({m[1], m[2], m[3]});
  }
  return routes;
}

/// "/api/users/:userId/x" -> "/api/users/{userId}/x"; "/admin/*path" -> "/admin/{path}".
std::string openApiPath(const std::string& pattern) {
  static const std::regex param(R"(/[:*]([A-Za-z0-9_]+))");
  return std::regex_replace(pattern, param, "/{$1}");
}

/// The parameter names of a route pattern, in order.
std::vector<std::string> routeParams(const std::string& pattern) {
  std::vector<std::string> names;
  static const std::regex param(R"(/[:*]([A-Za-z0-9_]+))");
  for (std::sregex_iterator it(pattern.begin(), pattern.end(), param), end; it != end; ++it) names.push_back((*it)[1]);
  return names;
}

std::string describe(const std::set<std::string>& items) {
  std::string out;
  for (auto& i : items) out += "\n  " + i;
  return out.empty() ? " (none)" : out;
}

/// The one host and the route listing all tests here read; started once, since a host
/// with seven plugins is the slow part.
class OpenApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_ = std::make_unique<HostProcess>(allBundledPlugins());
    if (!host_->start()) {
      startError_ = "host did not start:\n" + host_->output();
      return;
    }
    auto listing = cc::test::runHost({"plugins", "--config", host_->configPath()});
    if (listing.exitCode != 0) {
      startError_ = "codecouncil plugins failed:\n" + listing.output;
      return;
    }
    routes_ = parseRouteListing(listing.output);
    doc_ = YAML::LoadFile(documentPath());
  }
  static void TearDownTestSuite() {
    if (host_) host_->stop();
    host_.reset();
  }
  void SetUp() override {
    if (!startError_.empty()) FAIL() << startError_;
  }

  /// Follows a local "$ref: '#/a/b'" (repeatedly); other nodes come back as they are.
  static YAML::Node resolve(YAML::Node node) {
    for (int depth = 0; node.IsMap() && node["$ref"] && depth < 16; ++depth) {
      std::string ref = node["$ref"].as<std::string>();
      if (ref.rfind("#/", 0) != 0) throw std::runtime_error("not a local $ref: " + ref);
      // reset() rebinds a handle; operator= would overwrite the node it points at.
      YAML::Node target;
      target.reset(doc_);
      std::istringstream parts(ref.substr(2));
      std::string part;
      while (std::getline(parts, part, '/')) {
        if (!target.IsMap() || !target[part]) throw std::runtime_error("$ref does not resolve: " + ref);
        target.reset(target[part]);
      }
      node.reset(target);
    }
    return node;
  }

  /// Every documented operation as "METHOD /path" -> its node.
  static std::map<std::string, YAML::Node> operations() {
    std::map<std::string, YAML::Node> ops;
    for (auto path : doc_["paths"])
      for (auto& m : kHttpMethods)
        if (path.second[m]) ops.emplace(upper(m) + " " + path.first.as<std::string>(), path.second[m]);
    return ops;
  }

  static YAML::Node operation(const std::string& method, const std::string& path) {
    auto ops = operations();
    auto it = ops.find(method + " " + path);
    if (it == ops.end()) throw std::runtime_error("not documented: " + method + " " + path);
    return it->second;
  }

  static bool requiresBearerToken(const YAML::Node& op) {
    for (auto requirement : op["security"])
      if (requirement["bearerAuth"]) return true;
    return false;
  }
  static bool adminOnly(const YAML::Node& op) { return op["x-access"] && op["x-access"].as<std::string>() == "admin"; }

  static std::unique_ptr<HostProcess> host_;
  static std::string startError_;
  static std::vector<RegisteredRoute> routes_;
  static YAML::Node doc_;
};

std::unique_ptr<HostProcess> OpenApi::host_;
std::string OpenApi::startError_;
std::vector<RegisteredRoute> OpenApi::routes_;
YAML::Node OpenApi::doc_;

// ---- (a) the document is served from the binary ------------------------------------------

TEST_F(OpenApi, HostServesTheDocumentBuiltIntoItsBinary) {
  HttpResult r = host_->get("/api/openapi.yaml");  // no token: the route is public
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/yaml; charset=utf-8");
  std::string source = cc::test::readFile(documentPath());
  // Compared by size first so a mismatch does not print 50 KB twice.
  ASSERT_EQ(r.body.size(), source.size()) << "the binary holds another version of docs/openapi.yaml: rebuild";
  EXPECT_TRUE(r.body == source) << "served bytes differ from docs/openapi.yaml";
}

// ---- (b) documented routes == registered routes ------------------------------------------

TEST_F(OpenApi, PluginsCommandListsTheCoreRoutesToo) {
  std::set<std::string> core, owners;
  for (auto& r : routes_) {
    owners.insert(r.owner);
    if (r.owner == "core") core.insert(r.method + " " + r.pattern);
  }
  std::set<std::string> expected = {"GET /healthz",          "GET /readyz",         "GET /api/openapi.yaml",
                                    "POST /api/auth/signup", "POST /api/auth/login", "GET /api/auth/me"};
  EXPECT_EQ(core, expected) << "core routes listed:" << describe(core);
  // Audit and backup add no HTTP routes; every other bundled plugin does.
  for (const char* plugin : {"admin", "analysis", "billing", "metrics", "ratelimit"})
    EXPECT_TRUE(owners.count(plugin)) << plugin << " routes are missing from the listing";
}

TEST_F(OpenApi, DocumentedRoutesAreExactlyTheRegisteredRoutes) {
  std::set<std::string> registered;
  for (auto& r : routes_) registered.insert(r.method + " " + openApiPath(r.pattern));
  std::set<std::string> documented;
  for (auto& [key, op] : operations()) documented.insert(key);
  ASSERT_GT(registered.size(), 20u) << "the route listing looks truncated";

  std::set<std::string> undocumented, unknown;
  for (auto& r : registered)
    if (!documented.count(r)) undocumented.insert(r);
  for (auto& d : documented)
    if (!registered.count(d)) unknown.insert(d);
  EXPECT_TRUE(undocumented.empty()) << "registered but not in docs/openapi.yaml:" << describe(undocumented);
  EXPECT_TRUE(unknown.empty()) << "in docs/openapi.yaml but not registered:" << describe(unknown);
}

// ---- (c) every operation is complete -------------------------------------------------------

TEST_F(OpenApi, DocumentIsStructurallyAnOpenApi3Document) {
  ASSERT_TRUE(doc_.IsMap());
  EXPECT_EQ(doc_["openapi"].as<std::string>().rfind("3.0.", 0), 0u);
  EXPECT_FALSE(doc_["info"]["title"].as<std::string>("").empty());
  EXPECT_FALSE(doc_["info"]["version"].as<std::string>("").empty());
  ASSERT_TRUE(doc_["paths"].IsMap());
  auto bearer = doc_["components"]["securitySchemes"]["bearerAuth"];
  ASSERT_TRUE(bearer.IsMap());
  EXPECT_EQ(bearer["type"].as<std::string>(), "http");
  EXPECT_EQ(bearer["scheme"].as<std::string>(), "bearer");
  EXPECT_EQ(bearer["bearerFormat"].as<std::string>(), "JWT");
  ASSERT_TRUE(doc_["components"]["schemas"]["Error"]["properties"]["error"].IsMap());

  // Every $ref anywhere resolves, and operation ids are unique.
  std::function<void(const YAML::Node&)> checkRefs = [&](const YAML::Node& n) {
    if (n.IsMap()) {
      if (n["$ref"]) EXPECT_NO_THROW(resolve(n)) << n["$ref"].as<std::string>();
      for (auto kv : n) checkRefs(kv.second);
    } else if (n.IsSequence()) {
      for (auto item : n) checkRefs(item);
    }
  };
  checkRefs(doc_);
  std::set<std::string> ids;
  for (auto& [key, op] : operations()) {
    ASSERT_TRUE(op["operationId"]) << key;
    EXPECT_TRUE(ids.insert(op["operationId"].as<std::string>()).second) << "duplicate operationId in " << key;
  }
}

TEST_F(OpenApi, EveryOperationHasResponsesSecurityAndItsBody) {
  for (auto& [key, op] : operations()) {
    SCOPED_TRACE(key);
    EXPECT_FALSE(op["summary"].as<std::string>("").empty());
    ASSERT_TRUE(op["responses"].IsMap() && op["responses"].size() > 0) << "no responses";
    bool success = false;
    for (auto response : op["responses"]) {
      std::string code = response.first.as<std::string>();
      YAML::Node r = resolve(response.second);
      EXPECT_TRUE(r["description"]) << code << " has no description";
      if (code[0] == '2') success = true;
      // Errors are the shared {error: string} shape (or a superset of it). /readyz is the
      // exception by design: its 503 is the readiness report itself.
      if ((code[0] == '4' || code[0] == '5') && key != "GET /readyz") {
        YAML::Node schema = resolve(r["content"]["application/json"]["schema"]);
        EXPECT_TRUE(schema["properties"]["error"] && schema["required"]) << code << " is not an Error body";
      }
    }
    EXPECT_TRUE(success) << "no success response";
    // A security decision on every operation: [] (public) or a list of requirements.
    ASSERT_TRUE(op["security"] && op["security"].IsSequence()) << "no security decision";
    if (key.rfind("POST ", 0) == 0) {
      YAML::Node body = resolve(op["requestBody"]);
      ASSERT_TRUE(body.IsMap()) << "POST without requestBody";
      YAML::Node schema = resolve(body["content"]["application/json"]["schema"]);
      ASSERT_TRUE(schema.IsMap()) << "requestBody without a JSON schema";
      EXPECT_EQ(schema["type"].as<std::string>(""), "object");
      for (auto field : schema["required"])
        EXPECT_TRUE(schema["properties"][field.as<std::string>()]) << "required field not described: " << field;
    }
    // Authenticated routes: 401, 403, and (counted by the rate limiter) 429 with the headers.
    // An admin's calls to the admin API are not counted (docs/rate-limiting.md), so an admin
    // route's success documents no X-RateLimit-* headers; a non-admin's call there is counted,
    // so its 403 documents them, and a non-admin over their limit gets the 429.
    if (requiresBearerToken(op)) {
      EXPECT_TRUE(op["responses"]["401"]) << "authenticated route without 401";
      EXPECT_TRUE(op["responses"]["403"]) << "authenticated route without 403";
      if (key != "GET /api/rate-limit/usage" && key.find(" /api/") != std::string::npos) {
        EXPECT_TRUE(op["responses"]["429"]) << "rate-limited route without 429";
        YAML::Node ok = op["responses"]["200"] ? op["responses"]["200"] : op["responses"]["201"];
        for (const char* h : {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Resource"}) {
          if (adminOnly(op)) {
            EXPECT_FALSE(resolve(ok)["headers"][h]) << "an admin's call to the admin API is not counted, yet " << h
                                                    << " is documented on its success";
            EXPECT_TRUE(resolve(op["responses"]["403"])["headers"][h]) << "a non-admin's 403 is counted: document " << h;
          } else {
            EXPECT_TRUE(resolve(ok)["headers"][h]) << "success response does not document " << h;
          }
        }
        EXPECT_TRUE(resolve(op["responses"]["429"])["headers"]["Retry-After"]) << "429 without Retry-After";
      }
    }
  }
  // The webhook is authenticated by Stripe's signature header instead of a token.
  YAML::Node webhook = operation("POST", "/api/billing/stripe/webhook");
  bool signature = false;
  for (auto p : webhook["parameters"]) {
    YAML::Node param = resolve(p);
    if (param["name"].as<std::string>() == "Stripe-Signature" && param["in"].as<std::string>() == "header")
      signature = param["required"].as<bool>(false);
  }
  EXPECT_TRUE(signature) << "the webhook must document a required Stripe-Signature header";
}

// ---- (d) path parameters -------------------------------------------------------------------

TEST_F(OpenApi, DocumentedPathParametersAreTheRouteParameters) {
  auto ops = operations();
  for (auto& route : routes_) {
    std::string key = route.method + " " + openApiPath(route.pattern);
    auto it = ops.find(key);
    if (it == ops.end()) continue;  // reported by DocumentedRoutesAreExactlyTheRegisteredRoutes
    SCOPED_TRACE(key);
    std::vector<std::string> documented;
    // Path-level parameters apply to every operation of the path.
    std::vector<YAML::Node> lists = {doc_["paths"][openApiPath(route.pattern)]["parameters"], it->second["parameters"]};
    for (auto& list : lists)
      for (auto p : list) {
        YAML::Node param = resolve(p);
        if (param["in"].as<std::string>() != "path") continue;
        documented.push_back(param["name"].as<std::string>());
        EXPECT_TRUE(param["required"].as<bool>(false)) << param["name"] << " must be required";
      }
    EXPECT_EQ(documented, routeParams(route.pattern));
  }
}

// ---- the security the document states is the security the host enforces -------------------

/// A concrete path for a documented one: every {param} becomes "x".
std::string samplePath(const std::string& documentedPath) {
  return std::regex_replace(documentedPath, std::regex(R"(\{[A-Za-z0-9_]+\})"), "x");
}

TEST_F(OpenApi, StatedSecurityIsWhatTheHostEnforces) {
  std::string userToken = host_->signup("security-probe@example.com");
  for (auto& [key, op] : operations()) {
    SCOPED_TRACE(key);
    std::string method = key.substr(0, key.find(' '));
    std::string path = samplePath(key.substr(key.find(' ') + 1));
    std::string body = method == "POST" ? "{}" : "";
    HttpResult anonymous = cc::test::http(host_->port(), method, path, body);
    if (requiresBearerToken(op)) {
      EXPECT_EQ(anonymous.status, 401) << "documented as needing a token, answered without one: " << anonymous.body;
      HttpResult asUser = cc::test::http(host_->port(), method, path, body, {{"Authorization", "Bearer " + userToken}});
      if (adminOnly(op))
        EXPECT_EQ(asUser.status, 403) << "documented as admin only, answered a plain user: " << asUser.body;
      else
        EXPECT_TRUE(asUser.status != 401 && asUser.status != 403) << asUser.status << " " << asUser.body;
    } else {
      EXPECT_NE(anonymous.status, 401) << "documented as public, asked for a token: " << anonymous.body;
    }
  }
}

// ---- live answers use the documented field names ------------------------------------------

/// Checks a parsed JSON value against a documented schema: every field the answer has is
/// documented, every documented required field is there, and the basic types agree.
class SchemaCheck {
 public:
  explicit SchemaCheck(std::function<YAML::Node(YAML::Node)> resolve) : resolve_(std::move(resolve)) {}
  std::vector<std::string> errors;

  void check(const Poco::Dynamic::Var& value, YAML::Node schema, const std::string& where) {
    schema.reset(resolve_(schema));
    if (value.isEmpty()) {
      if (!schema["nullable"].as<bool>(false)) errors.push_back(where + " is null but not nullable");
      return;
    }
    if (schema["oneOf"]) {
      for (auto alternative : schema["oneOf"]) {
        SchemaCheck trial(resolve_);
        trial.check(value, alternative, where);
        if (trial.errors.empty()) return;
      }
      errors.push_back(where + " matches none of its oneOf schemas");
      return;
    }
    std::map<std::string, YAML::Node> properties;
    std::set<std::string> required;
    std::string type;
    bool openObject = false;
    collect(schema, properties, required, type, openObject);
    if (type == "object" || !properties.empty()) {
      if (value.type() != typeid(Poco::JSON::Object::Ptr)) return errors.push_back(where + " is not an object");
      auto object = value.extract<Poco::JSON::Object::Ptr>();
      for (auto& name : required)
        if (!object->has(name)) errors.push_back(where + "." + name + " is documented as required but missing");
      for (auto& [name, field] : *object) {
        auto it = properties.find(name);
        if (it != properties.end()) check(field, it->second, where + "." + name);
        else if (!openObject) errors.push_back(where + "." + name + " is not documented");
      }
    } else if (type == "array") {
      if (value.type() != typeid(Poco::JSON::Array::Ptr)) return errors.push_back(where + " is not an array");
      auto array = value.extract<Poco::JSON::Array::Ptr>();
      for (std::size_t i = 0; i < array->size() && i < 5; ++i)
        check(array->get(static_cast<unsigned>(i)), schema["items"], where + "[" + std::to_string(i) + "]");
    } else if (type == "string" && !value.isString()) {
      errors.push_back(where + " is not a string");
    } else if (type == "integer" && !value.isInteger()) {
      errors.push_back(where + " is not an integer");
    } else if (type == "number" && !value.isNumeric()) {
      errors.push_back(where + " is not a number");
    } else if (type == "boolean" && !value.isBoolean()) {
      errors.push_back(where + " is not a boolean");
    }
  }

 private:
  // Merges properties and required fields through allOf.
  void collect(YAML::Node schema, std::map<std::string, YAML::Node>& properties, std::set<std::string>& required,
               std::string& type, bool& openObject) {
    schema.reset(resolve_(schema));
    if (schema["type"]) type = schema["type"].as<std::string>();
    if (schema["additionalProperties"] && schema["additionalProperties"].IsScalar())
      openObject = schema["additionalProperties"].as<bool>();
    for (auto p : schema["properties"]) properties.emplace(p.first.as<std::string>(), p.second);
    for (auto r : schema["required"]) required.insert(r.as<std::string>());
    for (auto part : schema["allOf"]) collect(part, properties, required, type, openObject);
  }

  std::function<YAML::Node(YAML::Node)> resolve_;
};

class OpenApiLiveAnswers : public OpenApi {
 protected:
  /// Asserts the status is documented for the operation and the body has its schema.
  void expectDocumented(const std::string& method, const std::string& documentedPath, const HttpResult& r,
                        int expectedStatus) {
    SCOPED_TRACE(method + " " + documentedPath);
    ASSERT_EQ(r.status, expectedStatus) << r.body;
    YAML::Node op = operation(method, documentedPath);
    YAML::Node response = resolve(op["responses"][std::to_string(r.status)]);
    ASSERT_TRUE(response.IsMap()) << "status " << r.status << " is not documented";
    // Headers the rate limiter adds on counted requests; the others are situational. A
    // success, and any answer of an admin route, carries them exactly when documented: an
    // admin's calls to the admin API are not counted, a non-admin's (403) are.
    const bool exact = r.status / 100 == 2 || adminOnly(op);
    for (const char* name : {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Resource"}) {
      if (response["headers"][name])
        EXPECT_FALSE(r.header(name).empty()) << name << " is documented";
      else if (exact)
        EXPECT_TRUE(r.header(name).empty()) << name << " is not documented for " << r.status << " but was sent";
    }
    YAML::Node schema = response["content"]["application/json"]["schema"];
    ASSERT_TRUE(schema) << "no JSON schema for " << r.status;
    SchemaCheck check([](YAML::Node n) { return resolve(n); });
    check.check(Poco::JSON::Parser().parse(r.body), schema, "body");
    std::string all;
    for (auto& e : check.errors) all += "\n  " + e;
    EXPECT_TRUE(check.errors.empty()) << "answer differs from the document:" << all << "\nbody: " << r.body;
  }
  static std::map<std::string, std::string> bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  HttpResult call(const std::string& method, const std::string& path, const std::string& token = "",
                  const std::string& body = "") {
    return cc::test::http(host_->port(), method, path, body, token.empty() ? std::map<std::string, std::string>{}
                                                                           : bearer(token));
  }
};

TEST_F(OpenApiLiveAnswers, CoreAndUserRoutesAnswerWithTheDocumentedFields) {
  expectDocumented("GET", "/healthz", call("GET", "/healthz"), 200);
  expectDocumented("GET", "/readyz", call("GET", "/readyz"), 200);
  std::string credentials = R"({"email":"fields@example.com","password":"correct horse battery"})";
  expectDocumented("POST", "/api/auth/signup", call("POST", "/api/auth/signup", "", credentials), 201);
  expectDocumented("POST", "/api/auth/signup", call("POST", "/api/auth/signup", "", credentials), 409);
  HttpResult login = call("POST", "/api/auth/login", "", credentials);
  expectDocumented("POST", "/api/auth/login", login, 200);
  expectDocumented("POST", "/api/auth/login",
                   call("POST", "/api/auth/login", "", R"({"email":"fields@example.com","password":"wrong password"})"),
                   401);
  std::string token = cc::test::jsonField(login.body, "token");
  expectDocumented("GET", "/api/auth/me", call("GET", "/api/auth/me", token), 200);
  expectDocumented("GET", "/api/auth/me", call("GET", "/api/auth/me"), 401);
  expectDocumented("GET", "/api/subscriptions/plans", call("GET", "/api/subscriptions/plans"), 200);
  expectDocumented("GET", "/api/subscriptions/current", call("GET", "/api/subscriptions/current", token), 200);
  expectDocumented("POST", "/api/subscriptions/create",
                   call("POST", "/api/subscriptions/create", token, R"({"planId":"no_such_plan"})"), 400);
  expectDocumented("POST", "/api/subscriptions/cancel",
                   call("POST", "/api/subscriptions/cancel", token, R"({"atPeriodEnd":true})"), 404);
  // A user who never subscribed: no Stripe customer, so none of these reaches Stripe.
  expectDocumented("POST", "/api/subscriptions/portal", call("POST", "/api/subscriptions/portal", token, "{}"), 409);
  expectDocumented("GET", "/api/subscriptions/invoices", call("GET", "/api/subscriptions/invoices", token), 200);
  expectDocumented("GET", "/api/subscriptions/invoices",
                   call("GET", "/api/subscriptions/invoices?limit=500", token), 400);
  expectDocumented("GET", "/api/credits", call("GET", "/api/credits", token), 200);
  expectDocumented("GET", "/api/credits", call("GET", "/api/credits?cursor=nope", token), 400);
  expectDocumented("GET", "/api/rate-limit/usage", call("GET", "/api/rate-limit/usage", token), 200);
  expectDocumented("GET", "/api/analyses", call("GET", "/api/analyses?limit=5", token), 200);
  expectDocumented("GET", "/api/analyses", call("GET", "/api/analyses?limit=0", token), 400);
  expectDocumented("GET", "/api/analyses/{id}", call("GET", "/api/analyses/no-such-id", token), 404);
  expectDocumented("POST", "/api/billing/stripe/webhook", call("POST", "/api/billing/stripe/webhook", "", "{}"), 400);
}

TEST_F(OpenApiLiveAnswers, ThrottledLoginAnswersWithTheDocumentedFields) {
  // The shared host keeps the default per-account limit (10 failed logins).
  const std::string wrong = R"({"email":"throttled@example.com","password":"wrong password"})";
  for (int i = 0; i < 10; ++i) ASSERT_EQ(call("POST", "/api/auth/login", "", wrong).status, 401) << i;
  HttpResult throttled = call("POST", "/api/auth/login", "", wrong);
  expectDocumented("POST", "/api/auth/login", throttled, 429);
  EXPECT_FALSE(throttled.header("Retry-After").empty());
  std::string tooLong = "{\"email\":\"" + std::string(250, 'a') + "@x.co\",\"password\":\"whatever pw\"}";
  expectDocumented("POST", "/api/auth/login", call("POST", "/api/auth/login", "", tooLong), 400);
}

TEST_F(OpenApiLiveAnswers, AdminRoutesAnswerWithTheDocumentedFields) {
  std::string adminEmail = "fields-admin@example.com";
  std::string adminToken = host_->signup(adminEmail);
  auto promoted = cc::test::runHost({"users", "promote", "--email", adminEmail, "--config", host_->configPath()});
  ASSERT_EQ(promoted.exitCode, 0) << promoted.output;
  HttpResult target = call("POST", "/api/auth/signup", "",
                           R"({"email":"fields-target@example.com","password":"correct horse battery"})");
  ASSERT_EQ(target.status, 201) << target.body;
  std::string targetId = cc::test::jsonField(target.body, "user.id");
  std::string targetToken = cc::test::jsonField(target.body, "token");
  std::string userPath = "/api/admin/users/" + targetId;
  auto requestsToday = [&](const std::string& token) {
    return cc::test::jsonField(call("GET", "/api/rate-limit/usage", token).body, "used.requestsToday");
  };
  ASSERT_EQ(requestsToday(adminToken), "0");
  ASSERT_EQ(requestsToday(targetToken), "0");

  expectDocumented("GET", "/api/admin/stats", call("GET", "/api/admin/stats", adminToken), 200);
  expectDocumented("GET", "/api/admin/stats", call("GET", "/api/admin/stats", targetToken), 403);
  EXPECT_EQ(requestsToday(targetToken), "1") << "a non-admin's call to the admin API is counted";
  expectDocumented("GET", "/api/admin/analytics", call("GET", "/api/admin/analytics?days=3", adminToken), 200);
  expectDocumented("GET", "/api/admin/analytics", call("GET", "/api/admin/analytics?days=0", adminToken), 400);
  expectDocumented("GET", "/api/admin/users", call("GET", "/api/admin/users?limit=5&suspended=false", adminToken), 200);
  expectDocumented("GET", "/api/admin/users/{userId}", call("GET", userPath, adminToken), 200);
  expectDocumented("GET", "/api/admin/users/{userId}", call("GET", "/api/admin/users/no-such-user", adminToken), 404);
  expectDocumented("GET", "/api/admin/audit-logs", call("GET", "/api/admin/audit-logs?limit=5", adminToken), 200);
  expectDocumented("GET", "/api/admin/audit-logs",
                   call("GET", "/api/admin/audit-logs?severity=loud", adminToken), 400);
  expectDocumented("POST", "/api/admin/users/{userId}/suspend",
                   call("POST", userPath + "/suspend", adminToken, R"({"reason":"openapi field check"})"), 200);
  expectDocumented("POST", "/api/admin/users/{userId}/suspend",
                   call("POST", userPath + "/suspend", adminToken, R"({"reason":"again"})"), 409);
  expectDocumented("POST", "/api/admin/users/{userId}/reactivate", call("POST", userPath + "/reactivate", adminToken),
                   200);
  expectDocumented("POST", "/api/admin/users/{userId}/reactivate", call("POST", userPath + "/reactivate", adminToken),
                   409);
  EXPECT_EQ(requestsToday(adminToken), "0") << "an admin's calls to the admin API are not counted";
  // The admin's other use of the API is counted like anyone's.
  expectDocumented("GET", "/api/auth/me", call("GET", "/api/auth/me", adminToken), 200);
  EXPECT_EQ(requestsToday(adminToken), "1");
}

}  // namespace
