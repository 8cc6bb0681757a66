#include "core/cli/events_command.hpp"

namespace cc::core {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

int runEventsCommand(Host& host, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && !(args.size() == 1 && args[0] == "list")) {
    err << "usage: codecouncil events [list]\n";
    return 2;
  }
  // From the declarations alone: no database, no plugin started (Host::prepareListing).
  std::vector<std::string> problems = host.prepareListing();
  struct Row {
    TopicDeclaration declaration;
    std::vector<std::string> subscribers;
  };
  std::vector<Row> rows;
  for (auto& d : host.eventBus().declarations()) rows.push_back({d, host.eventBus().subscribers(d.spec.name)});
  flushLog();
  out << "events:\n";
  for (auto& r : rows) {
    const TopicSpec& spec = r.declaration.spec;
    out << "  " << spec.name << "\n";
    if (!spec.description.empty()) out << "    " << spec.description << "\n";
    out << "    publisher: " << r.declaration.publisher << "\n";
    out << "    subscribers: " << joined(r.subscribers) << "\n";
    if (spec.severity) out << "    severity: " << severityName(*spec.severity) << "\n";
    if (spec.resource)
      out << "    resource: " << spec.resource->type
          << (spec.resource->idField.empty() ? "" : " (id: " + spec.resource->idField + ")") << "\n";
    out << "    fields:";
    if (spec.fields.empty()) out << " none";
    out << "\n";
    for (auto& f : spec.fields)
      out << "      " << f.name << "  " << fieldTypeName(f.type) << (f.required ? "  required" : "") << "\n";
  }
  if (rows.empty()) out << "  (no topics declared)\n";
  for (auto& name : host.pluginsRegisteringInStart())
    out << "  (plugin " << name << " registers in start(): its topics and subscriptions are not listed)\n";
  for (auto& p : problems) err << "codecouncil events: " << p << "\n";
  return problems.empty() ? 0 : 1;
}

}  // namespace cc::core
