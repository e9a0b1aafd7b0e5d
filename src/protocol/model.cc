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

}  // namespace rampart::model
