#include "services/identity/credentials.h"

#include <boost/json.hpp>
#include <mutex>

#include "common/strings.h"
#include "services/identity/sessions.h"

namespace rampart::services {

Principal RootPrincipal(std::string_view account_id) {
  Principal p;
  p.type = Principal::Type::kRoot;
  p.account_id = std::string(account_id);
  p.arn = "arn:aws:iam::" + std::string(account_id) + ":root";
  p.user_id = std::string(account_id);
  return p;
}

Result<std::optional<ResolvedCredential>> CredentialResolver::Resolve(
    std::string_view access_key_id) {
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(std::string(access_key_id));
    if (it != cache_.end()) return std::optional<ResolvedCredential>(*it->second);
  }
  if (StartsWith(access_key_id, "ASIA")) {
    auto session = ResolveSession(store_, access_key_id);
    if (!session.ok()) return std::move(session).error();
    if (!session->has_value()) return std::optional<ResolvedCredential>();
    ResolvedCredential rc;
    rc.principal = std::move((*session)->principal);
    rc.secret_access_key = std::move((*session)->secret_access_key);
    auto shared = std::make_shared<const ResolvedCredential>(rc);
    std::unique_lock lock(mu_);
    if (cache_.size() > 100000) cache_.clear();
    cache_.emplace(std::string(access_key_id), shared);
    return std::optional<ResolvedCredential>(std::move(rc));
  }
  auto key = store_.accounts().GetAccessKey(access_key_id);
  if (!key.ok()) return std::move(key).error();
  if (!key->has_value()) return std::optional<ResolvedCredential>();
  const store::AccessKey& k = **key;
  ResolvedCredential rc;
  if (k.user_name.empty()) {
    rc.principal = RootPrincipal(k.account_id);
  } else {
    rc.principal.type = Principal::Type::kIamUser;
    rc.principal.account_id = k.account_id;
    rc.principal.arn = k.principal_arn;
    rc.principal.user_name = k.user_name;
    rc.principal.user_id = k.principal_arn;
    // The user's unique id (AIDA...), as GetCallerIdentity and CloudTrail report it. A key
    // whose user is gone authenticates nobody (keys and users change in one transaction, so
    // this only meets state written by older versions).
    bool user_exists = false;
    RAMPART_RETURN_IF_ERROR(store_.entities().Transact([&](store::EntityTx& tx) -> Status {
      RAMPART_ASSIGN_OR_RETURN(auto doc, tx.Get(k.account_id, "user", ToLower(k.user_name)));
      if (!doc) return {};
      boost::system::error_code ec;
      auto v = boost::json::parse(*doc, ec);
      if (ec || !v.is_object()) return {};
      const auto& user = v.as_object();
      auto* arn = user.if_contains("Arn");
      user_exists = arn && arn->is_string() && arn->as_string() == k.principal_arn;
      if (auto* id = user.if_contains("UserId"); id && id->is_string()) {
        rc.principal.user_id = std::string(id->as_string());
      }
      return {};
    }));
    if (!user_exists) return std::optional<ResolvedCredential>();
  }
  rc.principal.access_key_id = k.access_key_id;
  rc.secret_access_key = k.secret_access_key;
  rc.active = k.status == "Active";
  auto shared = std::make_shared<const ResolvedCredential>(rc);
  {
    std::unique_lock lock(mu_);
    if (cache_.size() > 100000) cache_.clear();  // bound memory under key-id spraying
    cache_.emplace(std::string(access_key_id), shared);
  }
  return std::optional<ResolvedCredential>(std::move(rc));
}

void KeyUsageRecorder::Note(std::string_view access_key_id, int64_t epoch,
                            std::string_view service, std::string_view region) {
  std::lock_guard lock(mu_);
  auto& use = pending_[std::string(access_key_id)];
  use.epoch = epoch;
  use.service = std::string(service);
  use.region = std::string(region);
}

Status KeyUsageRecorder::Flush() {
  std::unordered_map<std::string, Use> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  for (const auto& [id, use] : batch) {
    Status st = store_.accounts().RecordAccessKeyUse(id, use.epoch, use.service, use.region);
    // A key deleted since its use has nothing to record.
    if (!st.ok() && !store::IsNotFound(st.error())) return st;
  }
  return {};
}

void CredentialResolver::Invalidate() {
  std::unique_lock lock(mu_);
  cache_.clear();
}

}  // namespace rampart::services
