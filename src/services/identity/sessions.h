#pragma once
// Temporary credentials (STS): ASIA... access key ids, secrets and session tokens, persisted so
// they survive restarts, with the session's principal and context.
//
// Storage: entity kind "sts-session" in the global scope (account ""), keyed by access key id;
// the secret is sealed under the root key, the token is kept only as a SHA-256 hash.

#include <optional>
#include <string>

#include "common/result.h"
#include "services/call.h"
#include "store/store.h"

namespace rampart::services {

struct IssuedCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  int64_t expires_epoch = 0;
};

// Issues credentials for `principal` (type, account, arn, user_id, user_name set) with `info`
// (expires_epoch, issued_epoch and the session context set; token_hash is filled in here).
Result<IssuedCredentials> IssueSession(store::Store& store, const Principal& principal,
                                       SessionInfo info);

struct ResolvedSession {
  Principal principal;  // principal.session set
  std::string secret_access_key;
};
// nullopt if no such session exists (never issued, or purged after expiry).
Result<std::optional<ResolvedSession>> ResolveSession(store::Store& store,
                                                      std::string_view access_key_id);

}  // namespace rampart::services
