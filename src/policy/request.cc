#include "policy/request.h"

#include <algorithm>

namespace rampart::policy {
namespace {

// Splits "arn:partition:service:region:account:resource" into its six parts.
bool SplitArn(std::string_view arn, std::string_view (&parts)[6]) {
  for (int i = 0; i < 5; ++i) {
    std::size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return false;
    parts[i] = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  parts[5] = arn;
  return parts[0] == "arn";
}

bool IsAccountId(std::string_view s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view LastSegment(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<Principal> ParsePrincipal(std::string_view arn) {
  Principal p;
  p.arn = std::string(arn);
  if (arn == "anonymous" || arn == "*") {
    p.kind = PrincipalKind::kAnonymous;
    return p;
  }
  if (arn.starts_with("service:")) {
    p.kind = PrincipalKind::kService;
    p.service = std::string(arn.substr(8));
    if (p.service.empty()) return Error::Validation("principal \"service:\" names no service");
    return p;
  }
  if (arn.starts_with("federated:")) {
    p.kind = PrincipalKind::kWebIdentity;
    p.service = std::string(arn.substr(10));
    if (p.service.empty()) return Error::Validation("principal \"federated:\" names no provider");
    return p;
  }
  std::string_view parts[6];
  if (!SplitArn(arn, parts)) {
    return Error::Validation("principal \"" + std::string(arn) +
                             "\" is not an ARN, \"anonymous\", \"service:NAME\" or "
                             "\"federated:PROVIDER\"");
  }
  p.partition = std::string(parts[1]);
  p.account = std::string(parts[4]);
  std::string_view service = parts[2], res = parts[5];
  auto bad = [&](std::string_view why) {
    return Error::Validation("principal \"" + std::string(arn) + "\": " + std::string(why));
  };
  if (!IsAccountId(parts[4])) return bad("the account must be a 12-digit account id");
  if (service == "iam") {
    if (res == "root") {
      p.kind = PrincipalKind::kAccountRoot;
    } else if (res.starts_with("user/")) {
      p.kind = PrincipalKind::kUser;
      p.name = std::string(LastSegment(res));
    } else if (res.starts_with("role/")) {
      p.kind = PrincipalKind::kRole;
      p.name = std::string(LastSegment(res));
      p.service_linked = res.starts_with("role/aws-service-role/");
    } else {
      return bad("an IAM caller is root, user/NAME or role/NAME");
    }
  } else if (service == "sts") {
    if (res.starts_with("assumed-role/")) {
      std::string_view rest = res.substr(13);
      std::size_t slash = rest.find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
        return bad("expected assumed-role/ROLE/SESSION");
      }
      p.kind = PrincipalKind::kRoleSession;
      p.name = std::string(rest.substr(0, slash));
      p.session = std::string(rest.substr(slash + 1));
    } else if (res.starts_with("federated-user/")) {
      p.kind = PrincipalKind::kFederatedUser;
      p.name = std::string(res.substr(15));
    } else {
      return bad("an STS caller is assumed-role/ROLE/SESSION or federated-user/NAME");
    }
  } else {
    return bad("callers are iam or sts ARNs");
  }
  if (p.name.empty() && p.kind != PrincipalKind::kAccountRoot) return bad("the name is empty");
  if (p.kind == PrincipalKind::kRoleSession && p.name.starts_with("AWSServiceRoleFor")) {
    p.service_linked = true;
  }
  if (p.kind == PrincipalKind::kRole && p.name.starts_with("AWSServiceRoleFor")) {
    p.service_linked = true;
  }
  return p;
}

void AddPrincipalKeys(const Principal& p, ContextLayer& layer) {
  switch (p.kind) {
    case PrincipalKind::kAccountRoot:
      layer.Set("aws:PrincipalType", "Account");
      break;
    case PrincipalKind::kUser:
      layer.Set("aws:PrincipalType", "User");
      layer.Set("aws:username", p.name);
      break;
    case PrincipalKind::kRole:
    case PrincipalKind::kRoleSession:
      layer.Set("aws:PrincipalType", "AssumedRole");
      break;
    case PrincipalKind::kFederatedUser:
      layer.Set("aws:PrincipalType", "FederatedUser");
      break;
    case PrincipalKind::kService:
    case PrincipalKind::kWebIdentity:
    case PrincipalKind::kAnonymous:
      break;
  }
  if (p.is_iam()) {
    std::string principal_arn_key = p.arn;
    if (p.kind == PrincipalKind::kRoleSession) {
      principal_arn_key = "arn:" + p.partition + ":iam::" + p.account + ":role/" + p.name;
    }
    layer.Set("aws:PrincipalArn", principal_arn_key);
    layer.Set("aws:PrincipalAccount", p.account);
  }
  layer.Set("aws:PrincipalIsAWSService", p.kind == PrincipalKind::kService ? "true" : "false");
}

Status Request::SetAction(std::string_view action, std::string_view resource) {
  if (action.empty()) return Error::Validation("the request has no action");
  std::size_t colon = action.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == action.size()) {
    return Error::Validation("action \"" + std::string(action) + "\" is not service:Action");
  }
  action_ = std::string(action);
  action_lower_ = ToLower(action);
  service_len_ = colon;
  action_hash_ = HashKey(action_lower_);
  service_hash_ = HashKey(service_lower());
  if (resource.empty()) return Error::Validation("the request has no resource (use \"*\")");
  resource_ = std::string(resource);
  return {};
}

Result<Request> Request::Create(std::string_view principal_arn, std::string_view action,
                                std::string_view resource, std::string_view resource_account) {
  RAMPART_ASSIGN_OR_RETURN(Principal parsed, ParsePrincipal(principal_arn));
  auto principal = std::make_shared<const Principal>(std::move(parsed));
  auto base = std::make_shared<ContextLayer>();
  AddPrincipalKeys(*principal, *base);
  return Create(std::move(principal), std::move(base), action, resource, resource_account);
}

Result<Request> Request::Create(std::shared_ptr<const Principal> principal,
                                std::shared_ptr<const ContextLayer> base, std::string_view action,
                                std::string_view resource, std::string_view resource_account) {
  Request r;
  r.own_.Reserve(16);
  r.principal_ = std::move(principal);
  r.base_ = std::move(base);
  RAMPART_RETURN_IF_ERROR(r.SetAction(action, resource));
  r.resource_account_ =
      resource_account.empty() ? r.principal_->account : std::string(resource_account);
  if (!r.resource_account_.empty()) r.SetContext("aws:ResourceAccount", r.resource_account_);
  return r;
}

namespace {
// A key lowercased into a caller's buffer when it fits (condition keys are short), else into
// `heap`: no allocation to look a key up.
std::string_view LowerInto(std::string_view key, char (&buf)[128], std::string& heap) {
  if (key.size() > sizeof buf) {
    heap = ToLower(key);
    return heap;
  }
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  return std::string_view(buf, key.size());
}
}  // namespace

ContextEntry* ContextLayer::FindOrAdd(std::string_view lower, bool multivalued) {
  for (ContextEntry& e : entries_) {
    if (e.key_lower == lower) return &e;
  }
  entries_.push_back(ContextEntry{std::string(lower), {}, multivalued});
  return &entries_.back();
}

void ContextLayer::SetValues(std::string_view key, std::vector<std::string> values) {
  char buf[128];
  std::string heap;
  ContextEntry* e = FindOrAdd(LowerInto(key, buf, heap), true);
  e->values.assign(std::make_move_iterator(values.begin()), std::make_move_iterator(values.end()));
  e->multivalued = true;
}

// The hot path: no intermediate vector, and a replaced key keeps its strings.
void ContextLayer::Set(std::string_view key, std::string_view value) {
  char buf[128];
  std::string heap;
  ContextEntry* e = FindOrAdd(LowerInto(key, buf, heap), false);
  e->values.resize(1);
  e->values[0].assign(value);
  e->multivalued = false;
}

const ContextEntry* ContextLayer::Find(std::string_view key_lower) const {
  for (const ContextEntry& e : entries_) {
    if (e.key_lower == key_lower) return &e;
  }
  return nullptr;
}

void Request::SetContext(std::string_view key, std::string_view value) { own_.Set(key, value); }

void Request::SetContextValues(std::string_view key, std::vector<std::string> values) {
  own_.SetValues(key, std::move(values));
}

const ContextEntry* Request::Find(std::string_view key_lower) const {
  if (const ContextEntry* e = own_.Find(key_lower)) return e;
  return base_ ? base_->Find(key_lower) : nullptr;
}

std::optional<std::string_view> Request::SingleValue(std::string_view key_lower) const {
  const ContextEntry* e = Find(key_lower);
  // Multivalued keys cannot be used as variables (IAM User Guide, single vs multivalued keys).
  if (e == nullptr || e->multivalued || e->values.size() != 1) return std::nullopt;
  return std::string_view(e->values[0]);
}

}  // namespace rampart::policy
