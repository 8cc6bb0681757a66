// Test-only plugin for the audit tests. It stands in for the plugins that publish events
// (billing, ratelimit, admin, backup...) and for the admin plugin's audit-log route:
//   POST /api/test/audit/publish  {"topic": "...", "payload": {...}, "audit": {hint}}
//        -> declares the topic (first time, with the optional hint {severity, resourceType,
//           resourceIdField} as the declaration's severity and resource), then
//           events.publish(topic, payload, req)
//   POST /api/test/audit/record   {AuditEntry fields}                 -> AuditLog::record
//        (+ "hex": {"userAgent": "ff41", ...}: fields given as hex bytes, for bytes JSON cannot carry)
//   GET  /api/test/audit/logs?... (the admin route's parameters)      -> AuditLog::query as JSON
//        (through the admin plugin's own view, audit_views.hpp, so these tests cover what admin serves)
//   POST /api/test/audit/checkpoint                                   -> AuditCheckpoints::checkpointNow
//        (200 with the checkpoint's JSON, 204 when checkpoints are off), as the backup plugin would call it
//   GET  /api/test/audit/metrics                                      -> the shared registry, Prometheus text
#include "audit_views.hpp"

#include <codecouncil/audit/checkpoints.hpp>
#include <codecouncil/audit/contract.hpp>
#include <codecouncil/sdk/sdk.hpp>

#include <prometheus/text_serializer.h>

namespace {

class AuditPublisherPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "tp_audit_publisher"; }
  std::string version() const override { return "0.1.0"; }
  std::vector<std::string> dependencies() const override { return {"audit"}; }

  void start(cc::Context& ctx) override {
    auto audit = ctx.services().get<cc::audit::AuditLog>();
    if (!audit) throw std::runtime_error("the audit service is missing");
    cc::Events* events = &ctx.events();

    ctx.http().add("POST", "/api/test/audit/publish", [events](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      std::string topic = cc::json::requireString(body, "topic");
      cc::json::ObjectPtr payload = cc::json::object();
      if (body->has("payload")) payload = body->getObject("payload");
      if (!payload) throw cc::HttpError(400, "payload must be an object");
      // Stands in for the topic's real publisher: the first publish declares the topic (with
      // the hint the test gives, as the real declaration would); a topic declared by someone
      // else (core's) is refused, answered 403.
      cc::TopicSpec spec{topic, {}, "tp_audit_publisher stand-in"};
      if (body->has("audit")) {
        auto hint = body->getObject("audit");
        if (!hint) throw cc::HttpError(400, "audit must be an object");
        // Either may be absent, as in a real declaration.
        if (auto severity = cc::json::optionalString(hint, "severity")) {
          spec.severity = cc::severityNamed(*severity);
          if (!spec.severity) throw cc::HttpError(400, "audit.severity must be info, warning, error or critical");
        }
        if (auto type = cc::json::optionalString(hint, "resourceType"))
          spec.resource = cc::EventResource{*type, cc::json::optionalString(hint, "resourceIdField").value_or("")};
      }
      try {
        if (!events->declaration(topic)) events->declare(spec);
        events->publish(topic, payload, req);
      } catch (const std::logic_error& e) {
        throw cc::HttpError(403, e.what());
      }
      res.json(202, cc::json::object());
    }, {cc::Access::Public});

    ctx.http().add("POST", "/api/test/audit/record", [audit](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      cc::audit::AuditEntry e;
      auto text = [&](const char* key, std::string& field) {
        if (auto v = cc::json::optionalString(body, key)) field = *v;
      };
      text("userId", e.userId);
      text("action", e.action);
      text("severity", e.severity);
      text("resourceType", e.resourceType);
      text("resourceId", e.resourceId);
      text("metadata", e.metadata);
      text("ip", e.ip);
      text("userAgent", e.userAgent);
      text("requestId", e.requestId);
      // JSON text is valid UTF-8 by definition; a plugin calling record() may pass anything.
      if (body->has("hex")) {
        auto hex = body->getObject("hex");
        if (!hex) throw cc::HttpError(400, "hex must be an object");
        for (auto& key : hex->getNames()) {
          std::string digits = hex->getValue<std::string>(key), bytes;
          for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
            bytes += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
          std::string* fields[] = {&e.userId, &e.action, &e.resourceId, &e.metadata, &e.ip, &e.userAgent, &e.requestId};
          const char* names[] = {"userId", "action", "resourceId", "metadata", "ip", "userAgent", "requestId"};
          for (std::size_t k = 0; k < 7; ++k)
            if (key == names[k]) *fields[k] = bytes;
        }
      }
      audit->record(e);
      res.json(202, cc::json::object());
    }, {cc::Access::Public});

    ctx.http().add("GET", "/api/test/audit/logs", [audit](cc::Request& req, cc::Response& res) {
      cc::audit::AuditQuery query = cc::admin::auditQueryFromRequest(req);
      try {
        res.json(200, cc::admin::auditPageJson(audit->query(query)));
      } catch (const std::invalid_argument& e) {
        throw cc::HttpError(400, e.what());
      }
    }, {cc::Access::Public});

    auto checkpoints = ctx.services().get<cc::audit::AuditCheckpoints>();
    if (!checkpoints) throw std::runtime_error("the audit checkpoint service is missing");
    ctx.http().add("POST", "/api/test/audit/checkpoint", [checkpoints](cc::Request&, cc::Response& res) {
      std::optional<std::string> json = checkpoints->checkpointNow();
      if (!json) {
        res.text(204, "");
        return;
      }
      res.text(200, *json, "application/json");
    }, {cc::Access::Public});

    prometheus::Registry* registry = &ctx.metrics();
    ctx.http().add("GET", "/api/test/audit/metrics", [registry](cc::Request&, cc::Response& res) {
      res.text(200, prometheus::TextSerializer().Serialize(registry->Collect()), "text/plain; version=0.0.4");
    }, {cc::Access::Public});
  }
};

}  // namespace

CODECOUNCIL_PLUGIN(AuditPublisherPlugin)
