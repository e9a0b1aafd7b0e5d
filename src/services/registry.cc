#include "services/call.h"

namespace rampart::services {

std::string_view PrincipalTypeName(Principal::Type t) {
  switch (t) {
    case Principal::Type::kRoot: return "Root";
    case Principal::Type::kIamUser: return "IAMUser";
    case Principal::Type::kAssumedRole: return "AssumedRole";
    case Principal::Type::kFederatedUser: return "FederatedUser";
    case Principal::Type::kAnonymous: return "Anonymous";
  }
  return "Unknown";
}

void RecordNotes::AddResource(std::string_view type, std::string_view arn) {
  for (const auto& [t, a] : resources) {
    if (t == type && a == arn) return;
  }
  resources.emplace_back(type, arn);
}

namespace {
std::string Key(std::string_view svc, std::string_view op) {
  std::string k(svc);
  k.push_back(':');
  k.append(op);
  return k;
}
}  // namespace

Dispatch::Dispatch(std::vector<ServiceTable> tables) {
  for (auto& t : tables) {
    for (auto& e : t.operations) fns_.emplace(Key(t.service_id, e.operation), std::move(e.fn));
  }
}

const OperationFn* Dispatch::Find(const model::Service& svc, const model::Operation& op) const {
  auto it = fns_.find(Key(svc.id, op.name));
  return it == fns_.end() ? nullptr : &it->second;
}

bool Dispatch::IsImplemented(std::string_view service_id, std::string_view operation) const {
  return fns_.count(Key(service_id, operation)) > 0;
}

size_t Dispatch::ImplementedCount(std::string_view service_id) const {
  const model::Service* svc = model::FindService(service_id);
  if (!svc) return 0;
  size_t n = 0;
  for (const auto& op : svc->operations) n += IsImplemented(service_id, op.name) ? 1 : 0;
  return n;
}

}  // namespace rampart::services
