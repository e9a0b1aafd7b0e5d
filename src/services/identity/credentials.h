#pragma once
// Resolves an access key id to its principal and secret, with a cache in front of the store.
// Thread-safe. Invalidate() after any change to keys or principals (IAM mutations).

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "common/result.h"
#include "services/call.h"
#include "store/store.h"

namespace rampart::services {

struct ResolvedCredential {
  Principal principal;
  std::string secret_access_key;
  bool active = true;
};

class CredentialResolver {
 public:
  explicit CredentialResolver(store::Store& store) : store_(store) {}

  // nullopt if the key does not exist.
  Result<std::optional<ResolvedCredential>> Resolve(std::string_view access_key_id);
  void Invalidate();

 private:
  store::Store& store_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const ResolvedCredential>> cache_;  // GUARDED_BY(mu_)
};

// Remembers when each long-term access key was last used (GetAccessKeyLastUsed) without a store
// write on the request path: Note() updates memory, Flush() (called periodically and at
// shutdown by server/) writes the latest use of each key. Thread-safe.
class KeyUsageRecorder {
 public:
  explicit KeyUsageRecorder(store::Store& store) : store_(store) {}
  void Note(std::string_view access_key_id, int64_t epoch, std::string_view service,
            std::string_view region);
  Status Flush();

 private:
  struct Use {
    int64_t epoch;
    std::string service, region;
  };
  store::Store& store_;
  std::mutex mu_;
  std::unordered_map<std::string, Use> pending_;  // GUARDED_BY(mu_)
};

// Principal of an account's root user.
Principal RootPrincipal(std::string_view account_id);

}  // namespace rampart::services
