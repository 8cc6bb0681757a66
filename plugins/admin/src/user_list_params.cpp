#include "user_list_params.hpp"

#include <codecouncil/sdk/query_params.hpp>

namespace cc::admin {

namespace {

std::string trimmedSearch(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

UserFilter userFilterFromRequest(const Request& req) {
  UserFilter filter;
  filter.search = textQueryParam(req, "search", 254);
  if (filter.search) filter.search = trimmedSearch(*filter.search);
  if (filter.search && filter.search->empty()) filter.search.reset();
  filter.tier = textQueryParam(req, "tier", 32);
  if (filter.tier && filter.tier->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
    throw HttpError(400, "tier may contain only a-z, 0-9 and _");
  if (auto status = choiceQueryParam(req, "status", {"active", "none"}))
    filter.plan = *status == "active" ? PlanFilter::Paid : PlanFilter::Free;
  filter.suspended = boolQueryParam(req, "suspended");
  filter.admin = boolQueryParam(req, "admin");
  return filter;
}

}  // namespace cc::admin
