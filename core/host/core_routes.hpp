#pragma once
// The host's own routes: /healthz (alive), /readyz (database reachable, plugins started) and
// /api/openapi.yaml (the API description built into the binary).
#include "core/db/database_impl.hpp"
#include "core/http/pipeline.hpp"
#include "core/plugins/plugin_manager.hpp"

namespace cc::core {

void registerHealthRoutes(Pipeline& pipeline, PooledDatabase& db, const PluginManager& plugins);
/// GET /api/openapi.yaml: public, the bytes of docs/openapi.yaml as built.
void registerOpenApiRoute(Pipeline& pipeline);

}  // namespace cc::core
