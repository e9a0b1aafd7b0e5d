#include "protocol/model.h"

#include <algorithm>

namespace rampart::model {

const Operation* Service::FindOperation(std::string_view name) const {
  auto it = std::lower_bound(operations.begin(), operations.end(), name,
                             [](const Operation& op, std::string_view n) { return op.name < n; });
  if (it == operations.end() || it->name != name) return nullptr;
  return &*it;
}

const Service* FindService(std::string_view id) {
  for (const Service* s : AllServices()) {
    if (s->id == id) return s;
  }
  return nullptr;
}

bool IsKnownRegion(std::string_view region) {
  auto regions = KnownRegions();
  return std::binary_search(regions.begin(), regions.end(), region);
}

bool ValidSigningRegion(const Service& service, std::string_view region) {
  if (!service.global_region.empty()) return region == service.global_region;
  return IsKnownRegion(region);
}

}  // namespace rampart::model
