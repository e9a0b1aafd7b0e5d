#pragma once
// Verification of what federated callers present (docs/FEDERATION.md):
//   - AssumeRoleWithWebIdentity: an OpenID Connect ID token (JWT) of an IAM OIDC provider of
//     the role's account: issuer, audience, times, and the signature against the provider's JWKS
//     (fetched over HTTPS trusted by the provider's thumbprints, cached per issuer);
//   - AssumeRoleWithSAML: a SAML 2.0 Response whose Response or Assertion carries an enveloped
//     XML signature by a signing certificate of the SAML provider's metadata: conditions,
//     audience, the Role attribute naming the role and provider, RoleSessionName.
// Both run twice per call (authorization step and handler); the JWKS cache makes the second
// run free of network traffic. Thread-safe.

#include <boost/json/object.hpp>
#include <string>

#include "common/result.h"
#include "services/identity/authorizer.h"
#include "services/sts/sts.h"

namespace rampart::services::sts {

struct WebIdentity {
  FederatedCaller caller;
  std::string subject;   // sub
  std::string audience;  // the aud value that matched a client id
  std::string issuer;    // iss, as in the token
};
Result<WebIdentity> VerifyWebIdentity(StsService& svc, const Call& call,
                                      const boost::json::object& in);

struct SamlIdentity {
  FederatedCaller caller;
  std::string subject, subject_type, issuer, audience, name_qualifier;
  std::string session_name, source_identity;
  std::string assertion_id;             // the assertion's ID (what CloudTrail logs of it)
  int64_t session_duration = 0;         // SessionDuration attribute (0: absent)
  int64_t session_not_on_or_after = 0;  // AuthnStatement SessionNotOnOrAfter (0: absent)
};
Result<SamlIdentity> VerifySaml(StsService& svc, const Call& call, const boost::json::object& in);

// The FederatedVerifier the authorizer uses (services/identity/authorizer.h).
Result<FederatedCaller> VerifyFederated(StsService& svc, const Call& call,
                                        std::string_view operation, const boost::json::object& in);

}  // namespace rampart::services::sts
