#pragma once
// `codecouncil audit export [--format ndjson|csv] [--user-id ID] [--action A] [--severity S]
// [--resource-type T] [--from TS] [--to TS] [--output FILE]`: the same export, and the same
// bytes, as GET /api/admin/audit-logs/export. To stdout, or to FILE: created 0600 under a
// temporary name beside it and renamed when complete, so a failed export leaves no half file.
// Exit codes: 0 written, 1 the database or the file failed, 2 bad usage or filter.
#include <codecouncil/sdk/database.hpp>

#include <string>
#include <vector>

namespace cc::audit {

int exportCommand(Database& db, const std::vector<std::string>& args);

}  // namespace cc::audit
