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

  pipeline.router().add(Route{"GET", "/readyz", "core", [&db, &plugins](Request&, Response& res) {
    bool ready = db.ping();
    auto list = json::array();
    for (auto& p : plugins.plugins()) {
      auto o = json::object();
      o->set("name", p.name);
      o->set("version", p.version);
      o->set("status", toString(p.status));
      o->set("optional", p.optional);
      if (!p.error.empty()) o->set("error", p.error);
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
