#pragma once
// Shared building blocks of the IAM service: the service object, entity storage conventions,
// ids and ARNs, AWS's IAM errors, pagination, tags and policy-document encoding.
//
// Storage: every IAM entity is a JSON document in the entity store (store/entities.h), in the
// caller's account. Names are unique case-insensitively, so keys are lowercased names; the
// document keeps the name as written. Documents are shaped like the model's output structures
// (User, Group, Role, Policy, ...) so handlers can return them as they are.
//
// Kinds (key in brackets):
//   user [name]  group [name]  role [name]  policy [name]  policy-version [name/vN]
//   instance-profile [name]  id [unique id -> {"kind","key"}]
//   member [group/user]  member-of [user/group]
//   attached [principal-kind:name/policyArn]  attached-to [policyArn/principal-kind:name]
//   inline [principal-kind:name/policyName] -> {"PolicyName","PolicyDocument"}
//   profile-role [profile/role]  role-profile [role/profile]
// Every mutation bumps the account's "iam-version" so caches of compiled principals refresh.

#include <boost/json.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "services/call.h"
#include "services/iam/mfa.h"
#include "store/store.h"

namespace rampart::services::iam {

namespace json = boost::json;

class IamService;
using Handler = Result<json::value> (*)(IamService&, const Call&, const json::object&);

// One IAM operation's handler, registered by an area file (users.cc, groups.cc, ...).
struct IamOp {
  std::string_view name;
  Handler fn;
};

// The IAM service: owns nothing but references; thread-safe (all state is in the store).
class IamService {
 public:
  explicit IamService(store::Store& store) : store_(store) {}
  store::Store& store() { return store_; }
  // MFA brute-force limits (mfa.h). Set before serving.
  const MfaLimits& mfa_limits() const { return mfa_limits_; }
  void set_mfa_limits(MfaLimits limits) { mfa_limits_ = limits; }

  // Runs `body` in one transaction; bumps the account's IAM version if `mutates`.
  Status Transact(const Call& call, bool mutates,
                  const std::function<Status(store::EntityTx&)>& body);
  // Monotonic change counter of an account's IAM state (0 if never changed).
  int64_t Version(std::string_view account);

  // Called after every committed mutation (e.g. to drop credential caches). Register before
  // serving; not synchronized.
  void OnChange(std::function<void()> fn) { on_change_.push_back(std::move(fn)); }
  // Process-wide count of committed IAM mutations: caches of compiled principals compare it.
  uint64_t Generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  store::Store& store_;
  MfaLimits mfa_limits_;
  std::atomic<uint64_t> generation_{0};
  std::vector<std::function<void()>> on_change_;
};

// ---- Errors (IAM's codes and HTTP statuses) ----
Error NoSuchEntity(std::string message);         // 404
Error EntityAlreadyExists(std::string message);  // 409
Error LimitExceeded(std::string message);        // 409
Error DeleteConflict(std::string message);       // 409
Error InvalidInput(std::string message);         // 400
Error MalformedPolicyDocument(std::string message);  // 400

// ---- Names, ids, ARNs ----
std::string Key(std::string_view name);  // lowercased
// AWS unique ids: a 4-letter prefix (AIDA user, AGPA group, AROA role, ANPA policy, AIPA instance
// profile, ...) and 17 characters of [A-Z2-7].
std::string NewUniqueId(std::string_view prefix);
// arn:aws:iam::<account>:<type><path><name>; path must start and end with '/'.
std::string IamArn(std::string_view account, std::string_view type, std::string_view path,
                   std::string_view name);
std::string_view PathOr(const json::object& in, std::string_view member = "Path");
Status CheckPath(std::string_view path);

// ---- Input helpers ----
std::string_view Str(const json::object& in, std::string_view member);  // "" if absent
std::optional<int64_t> Int(const json::object& in, std::string_view member);
bool Bool(const json::object& in, std::string_view member, bool dflt = false);

// ---- Documents ----
Result<std::optional<json::object>> Load(store::EntityTx& tx, std::string_view account,
                                         std::string_view kind, std::string_view key);
// Load, or NoSuchEntity with `missing` as the message.
Result<json::object> Require(store::EntityTx& tx, std::string_view account, std::string_view kind,
                             std::string_view key, const std::string& missing);
// Require in a read-only transaction of its own, in the caller's account.
Result<json::object> ReadRequired(IamService& svc, const Call& call, std::string_view kind,
                                  std::string_view key, const std::string& missing);
// Service-linked roles are changed by AWS alone (trust, policies, boundary, instance profiles,
// session duration, deletion outside DeleteServiceLinkedRole): AWS's UnmodifiableEntity.
Error ProtectedRole(std::string_view role_name);
// The role exists (NoSuchEntity with `missing` otherwise) and is not service-linked.
Status RoleModifiable(store::EntityTx& tx, std::string_view account, std::string_view role_name,
                      const std::string& missing);

Status MustExist(store::EntityTx& tx, std::string_view account, std::string_view kind,
                 std::string_view key, const std::string& missing);
Status Save(store::EntityTx& tx, std::string_view account, std::string_view kind,
            std::string_view key, const json::object& doc);
Status Create(store::EntityTx& tx, std::string_view account, std::string_view kind,
              std::string_view key, const json::object& doc, const std::string& exists);

// ---- Relations ----
// NoSuchEntity "Policy <arn> does not exist or is not attachable." unless `arn` names an
// AWS-managed policy or a customer-managed policy of `account`.
Status RequirePolicyExists(store::EntityTx& tx, std::string_view account, std::string_view arn);
// Sets (arn non-empty) or clears the PermissionsBoundary of a user/role document and keeps the
// policy's "boundary-of" usage rows right. principal_ref is "user:<key>" / "role:<key>".
Status SetBoundary(store::EntityTx& tx, std::string_view account, const std::string& principal_ref,
                   json::object& doc, std::string_view arn);
// DeleteConflict if the user still has inline or attached policies, groups, a login profile,
// MFA devices, SSH keys, signing certificates or service-specific credentials.
Status UserHasNoDependents(store::EntityTx& tx, std::string_view account, std::string_view user);
// Moves a user's own rows (MFA device assignments, SSH keys, signing certificates,
// service-specific credentials) to its new name after a rename, with UserName updated.
Status MoveUserRows(store::EntityTx& tx, std::string_view account, std::string_view old_name,
                    std::string_view new_name);
// Re-keys a principal's relation rows after a rename (principal_kind "user"/"group"/"role").
Status RenamePrincipal(store::EntityTx& tx, std::string_view account,
                       std::string_view principal_kind, const std::string& old_key,
                       const std::string& new_key);
// A Tags/IsTruncated/Marker page over an entity's tags (List*Tags).
json::object TagsPage(const json::object& doc, const json::object& in);

// ---- Pagination (Marker / MaxItems / IsTruncated) ----
struct Page {
  std::vector<store::EntityRow> rows;
  bool truncated = false;
  std::string marker;  // set when truncated
};
// Reads up to MaxItems (default 100, 1..1000) rows of `kind` under `prefix`, after the request's
// Marker, keeping rows for which `keep` (if given) returns true.
Result<Page> ListPage(store::EntityTx& tx, std::string_view account, std::string_view kind,
                      std::string_view prefix, const json::object& in,
                      const std::function<bool(const json::object&)>& keep = nullptr);
// The `keep` of a PathPrefix listing: null (keep everything, no parsing) for "/".
std::function<bool(const json::object&)> PathFilter(std::string_view prefix);
// Adds IsTruncated/Marker to an output object.
void SetPaging(json::object& out, const Page& page);

// ---- Tags ----
// Validates a Tags list (max 50 per entity, AWS's character rules) and merges it into `doc`.
// Managed policies compare tag keys case-sensitively (AWS keeps "a" and "A" apart there).
Status MergeTags(json::object& doc, const json::value* tags, bool case_sensitive_keys = false);
Status RemoveTags(json::object& doc, const json::value* keys);

// ---- Policy documents ----
// IAM returns policy documents URL-encoded (RFC 3986), as AWS does; clients decode them.
std::string EncodePolicyDocument(std::string_view doc);

double Now(const Call& call);
bool EndsWithAmazonaws(std::string_view s);
// Service-linked roles: AWSServiceRoleFor<Service>[_<suffix>] under /aws-service-role/<service>/.
std::string ServiceLinkedRoleName(std::string_view service, std::string_view suffix);
std::string ServiceLinkedRoleArn(std::string_view account, std::string_view service,
                                 std::string_view suffix);

// Area registrations (each in its own file).
void AddUserOps(std::vector<IamOp>& ops);
void AddGroupOps(std::vector<IamOp>& ops);
void AddRoleOps(std::vector<IamOp>& ops);
void AddPolicyOps(std::vector<IamOp>& ops);
void AddSimulateOps(std::vector<IamOp>& ops);

// Areas added for the remaining operations (access_keys.cc, login_profiles.cc, ...).
void AddAccessKeyOps(std::vector<IamOp>& ops);
void AddLoginProfileOps(std::vector<IamOp>& ops);
void AddPasswordPolicyOps(std::vector<IamOp>& ops);
void AddMfaOps(std::vector<IamOp>& ops);
void AddAccountOps(std::vector<IamOp>& ops);
void AddCertsKeysOps(std::vector<IamOp>& ops);
void AddProviderOps(std::vector<IamOp>& ops);
void AddInstanceProfileOps(std::vector<IamOp>& ops);
void AddServiceCredentialOps(std::vector<IamOp>& ops);
void AddAccessAdvisorOps(std::vector<IamOp>& ops);

// Long-term (AKIA...) access keys of `user` ("" = the account root), for reports and summaries.
Result<std::vector<store::AccessKey>> UserAccessKeys(IamService& svc, std::string_view account,
                                                     std::string_view user);
// The model's InstanceProfile for a stored profile document, with its role(s) read live.
Result<json::object> InstanceProfileView(store::EntityTx& tx, std::string_view account,
                                         json::object profile);

ServiceTable Operations(IamService& svc);

}  // namespace rampart::services::iam
