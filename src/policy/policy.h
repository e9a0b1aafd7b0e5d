#pragma once
// Policy: a parsed, validated and compiled AWS policy document (IAM User Guide, "IAM JSON policy
// element reference"). Immutable after ParsePolicy; share it freely (e.g. in a shared_ptr) across
// threads. Evaluate (evaluate.h) reads it without allocating.
//
// Grammar accepted: Version ("2012-10-17" | "2008-10-17" | absent, which means 2008-10-17), Id,
// Statement (one object or a list). Each statement: Sid, Effect, Principal | NotPrincipal,
// Action | NotAction, Resource | NotResource, Condition. Policy variables are substituted only
// under Version 2012-10-17 (elsewhere `${...}` is literal text), and only in Resource and in
// string and ARN condition values.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "policy/condition.h"
#include "policy/pattern.h"

namespace rampart::policy {

// Where a policy document is used; decides which elements are required or prohibited and the
// size limit (IAM and STS quotas; Organizations quotas; per-service resource policy limits).
enum class PolicyType : std::uint8_t {
  kManaged,      // customer managed policy, also used as a permissions boundary: 6,144
  kUserInline,   // inline user policy: 2,048
  kGroupInline,  // inline group policy: 5,120
  kRoleInline,   // inline role policy: 10,240
  kTrust,        // role trust policy: 2,048 (Principal required, no Resource)
  kResource,     // resource-based policy (S3 bucket policy, SNS/SQS/Secrets...): 20,480
  kKeyPolicy,    // KMS key policy: 32,768
  kSession,      // STS session policy: 2,048
  kScp,          // service control policy: 5,120 (no Principal)
  kRcp,          // resource control policy: 5,120 (Principal must be "*")
};

struct PolicySizeLimit {
  std::size_t max_chars;
  bool ignores_whitespace;  // IAM counts non-whitespace characters
  std::string_view quota_name;
};
PolicySizeLimit SizeLimitFor(PolicyType type);

// How IAM reads the characters of a document of `type`: their number as its size quota counts
// them (code points; whitespace left out where IAM leaves it out), and whether each is one it
// accepts (valid UTF-8 and, for IAM's and STS's types, tab, LF, CR and U+0020..U+00FF only).
struct PolicyTextScan {
  bool text_ok = true;
  std::size_t bad_offset = 0;        // byte offset of the first refused character
  std::uint32_t bad_code_point = 0;  // 0xFFFFFFFF when the bytes are not UTF-8
  std::size_t count = 0;
};
PolicyTextScan ScanPolicyText(std::string_view text, PolicyType type);

enum class Effect : std::uint8_t { kAllow, kDeny };

// One entry of a Principal / NotPrincipal element.
struct PrincipalEntry {
  enum class Kind : std::uint8_t {
    kAny,            // "*" or {"AWS": "*"}
    kAccount,        // "111122223333" or "arn:aws:iam::111122223333:root"
    kExactArn,       // a user, role-session or federated-user ARN: names the caller itself
    kRole,           // arn:aws:iam::A:role/path/NAME: the role and its sessions
    kService,        // {"Service": "s3.amazonaws.com"}
    kFederated,      // {"Federated": "cognito-identity.amazonaws.com" | SAML/OIDC provider ARN}
    kCanonicalUser,  // {"CanonicalUser": "79a5..."}
    kOther,          // another IAM ARN (group, ...): matches no caller
  };
  Kind kind = Kind::kAny;
  std::string value;    // as written
  std::string account;  // kAccount, kExactArn, kRole
  std::string name;     // kRole: role name (last path segment)
};

struct Statement {
  std::string sid;
  Effect effect = Effect::kAllow;
  bool not_action = false;
  std::vector<Pattern> actions;  // lowercased, wildcards; "*" for all
  bool has_resource = false;     // trust policies have none
  bool not_resource = false;
  std::vector<Pattern> resources;
  bool has_principal = false;
  bool not_principal = false;
  std::vector<PrincipalEntry> principals;
  std::vector<ConditionClause> conditions;  // ANDed
};

class Policy {
 public:
  Policy() = default;

  const std::string& id() const { return id_; }
  PolicyType type() const { return type_; }
  const std::string& version() const { return version_; }  // "" when absent
  const std::string& policy_id_element() const { return id_element_; }  // the "Id" element
  const std::vector<Statement>& statements() const { return statements_; }

  // Calls fn(statement_index) in ascending order for every statement whose Action/NotAction
  // could match key.action ("service:action", lowercased), using the action index (exact
  // actions, per-service wildcards, NotAction and cross-service wildcards). Allocates nothing.
  template <typename Fn>
  void ForEachCandidate(const ActionKey& key, Fn&& fn) const;

 private:
  friend Result<Policy> ParsePolicy(std::string_view, PolicyType, std::string);
  using Postings = std::vector<std::uint32_t>;
  struct IndexEntry {
    std::uint64_t hash;
    std::string key;
    Postings postings;
  };
  void BuildIndex();
  static const Postings* Lookup(const std::vector<IndexEntry>& table, std::uint64_t hash,
                                std::string_view key);

  std::string id_;
  std::string id_element_;
  std::string version_;
  PolicyType type_ = PolicyType::kManaged;
  std::vector<Statement> statements_;
  std::vector<IndexEntry> by_action_;   // sorted by hash; exact "svc:action"
  std::vector<IndexEntry> by_service_;  // sorted by hash; "svc:Get*"-style, keyed by "svc"
  Postings any_service_;  // NotAction, "*", "*:..." or a wildcard in the service prefix
};

// Parses, validates and compiles a policy document of the given type. `id` names the policy in
// results and messages (an ARN, a name, or an index); it is not part of the document.
// Errors: MalformedPolicyDocument with a message naming the statement (index and Sid), the
// element and what is wrong; LimitExceeded when the document is over its type's size quota.
// Never crashes on any input (fuzzed: fuzz/policy_parse_fuzz.cc).
Result<Policy> ParsePolicy(std::string_view json, PolicyType type, std::string id = {});

// A policy of `type` that denies every action on every resource (to every principal, for the
// types that name principals): what a stored policy stands for once it no longer parses (a
// policy written by an older, looser version, or damaged), so authorization fails closed
// instead of silently dropping the policy and its Deny statements.
Policy UnreadablePolicy(PolicyType type, std::string id);

// ---- implementation of the template ----
template <typename Fn>
void Policy::ForEachCandidate(const ActionKey& key, Fn&& fn) const {
  const Postings* a = by_action_.empty() ? nullptr : Lookup(by_action_, key.action_hash, key.action);
  const Postings* b =
      by_service_.empty() ? nullptr : Lookup(by_service_, key.service_hash, key.service);
  std::span<const std::uint32_t> x, y, z(any_service_);
  if (a != nullptr) x = *a;
  if (b != nullptr) y = *b;
  std::size_t i = 0, j = 0, k = 0;
  constexpr std::uint32_t kEnd = ~0u;
  while (true) {
    std::uint32_t vx = i < x.size() ? x[i] : kEnd;
    std::uint32_t vy = j < y.size() ? y[j] : kEnd;
    std::uint32_t vz = k < z.size() ? z[k] : kEnd;
    std::uint32_t m = vx < vy ? vx : vy;
    m = m < vz ? m : vz;
    if (m == kEnd) return;
    fn(m);
    if (vx == m) ++i;
    if (vy == m) ++j;
    if (vz == m) ++k;
  }
}

}  // namespace rampart::policy
