#pragma once
// The host's own routes: /healthz (alive) and /readyz (database reachable, plugins started).
#include "core/db/database_impl.hpp"
#include "core/http/pipeline.hpp"
#include "core/plugins/plugin_manager.hpp"

namespace cc::core {

void registerHealthRoutes(Pipeline& pipeline, PooledDatabase& db, const PluginManager& plugins);

}  // namespace cc::core
