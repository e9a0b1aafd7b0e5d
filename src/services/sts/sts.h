#pragma once
// STS: temporary credentials. Authorization (the caller's policies and, for AssumeRole, the
// role's trust policy, sts:TagSession and sts:SetSourceIdentity) happens in the request
// lifecycle before these handlers run; they check the limits and issue the credentials.
// AssumeRoleWithWebIdentity / AssumeRoleWithSAML verify the presented token (federation.h) both
// for the authorization step (Authorizer::AuthorizeFederated) and again in the handler.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>

#include "services/call.h"
#include "services/sts/jwks.h"
#include "services/iam/common.h"
#include "store/store.h"

namespace rampart::services::sts {

// HTTPS GET trusted by SHA-1 certificate thumbprints (http::FetchHttps; injected by server/
// because services/ may not use Beast). Errors: "ThumbprintMismatch" or "FetchFailed".
using ThumbprintFetch = std::function<Result<std::string>(
    std::string_view url, const std::vector<std::string>& thumbprints)>;

// SAML assertion IDs seen, until their SubjectConfirmationData NotOnOrAfter (plus skew): an
// assertion is accepted once. In memory, per process. Thread-safe.
class SamlReplayCache {
 public:
  // True if `assertion_id` was not used by another call (request id) before `until` ran out;
  // records it for `request_id`.
  bool Use(const std::string& assertion_id, int64_t until, std::string_view request_id,
           int64_t now);

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<int64_t, std::string>> seen_;  // GUARDED_BY(mu_)
};

class StsService {
 public:
  StsService(store::Store& store, iam::IamService& iam) : store_(store), iam_(iam) {}
  store::Store& store() { return store_; }
  iam::IamService& iam() { return iam_; }
  // REQUIRES: set before serving (AssumeRoleWithWebIdentity answers IDPCommunicationError
  // without it).
  void set_fetch(ThumbprintFetch f) { fetch_ = std::move(f); }
  const ThumbprintFetch& fetch() const { return fetch_; }
  JwksCache& jwks() { return jwks_; }
  SamlReplayCache& saml_replay() { return saml_replay_; }

 private:
  store::Store& store_;
  iam::IamService& iam_;
  ThumbprintFetch fetch_;
  JwksCache jwks_;
  SamlReplayCache saml_replay_;
};

ServiceTable Operations(StsService& svc);

}  // namespace rampart::services::sts
