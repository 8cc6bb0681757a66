#include "core/host/core_routes.hpp"

#include "core/host/openapi_document.hpp"

namespace cc::core {

void registerHealthRoutes(Pipeline& pipeline, PooledDatabase& db, const PluginManager& plugins) {
  RouteOptions open{Access::Public};
  pipeline.router().add(Route{"GET", "/healthz", "core", [](Request&, Response& res) {
    auto o = json::object();
    o->set("status", "ok");
    res.json(200, o);
  }, open});

  // Public: the status, the database's state and each plugin's name and status. Why a plugin
  // failed (paths, dlopen messages, exception text) is in the log, and shown here only to an
  // admin's token (with versions): a probe needs none of it, an attacker would use all of it.
  pipeline.router().add(Route{"GET", "/readyz", "core", [&db, &plugins](Request& req, Response& res) {
    const bool detailed = req.user && req.user->isAdmin && !req.user->suspended;
    bool ready = db.ping();
    auto list = json::array();
    for (auto& p : plugins.plugins()) {
      auto o = json::object();
      o->set("name", p.name);
      o->set("status", toString(p.status));
      o->set("optional", p.optional);
      if (detailed) {
        o->set("version", p.version);
        if (!p.error.empty()) o->set("error", p.error);
      }
      list->add(o);
      if (!p.optional && p.status != PluginStatus::Started && p.status != PluginStatus::Disabled) ready = false;
    }
    auto o = json::object();
    o->set("status", ready ? "ready" : "not ready");
    o->set("database", db.ping() ? "ok" : "unreachable");
    o->set("plugins", list);
    res.json(ready ? 200 : 503, o);
  }, open});
}

void registerOpenApiRoute(Pipeline& pipeline) {
  pipeline.router().add(Route{"GET", "/api/openapi.yaml", "core", [](Request&, Response& res) {
    res.text(200, std::string(openApiDocument()), "application/yaml; charset=utf-8");
  }, RouteOptions{Access::Public}});
}

}  // namespace cc::core
