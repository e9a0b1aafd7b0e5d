#pragma once
// KMS: customer managed keys with real cryptography (symmetric AES-256-GCM, RSA, ECC, HMAC),
// aliases, tags, key policies, grants, rotation, imported material and scheduled deletion.
// docs/KMS.md describes the behaviour, the ciphertext blob format and the deviations.
//
// Authorization happens before the handlers run: ResolveResource (registered with the
// Authorizer for "kms") names the key, hands over its compiled key policy, tags, kms:* condition
// keys and whether a grant covers the call. Handlers check key state, usage and algorithms.
//
// Storage (entity store, in the key's account):
//   kms-key [key id, or "mrk-...@<region>" for a multi-Region key]
//                             {"Metadata": KeyMetadata, "Policy", "Tags", "Materials": [{"Version",
//                              "Handle", "Created"}], "Current", "Rotation", "Import"}
//   kms-alias [alias name]    AliasListEntry
//   kms-grant [key id/grant id]  GrantListEntry + "TokenHash"
// Key material is only ever in "Handle"s of the KeyStore (keystore.h).
//
// Thread-safe: state is in the store; KmsService caches parsed keys (document, compiled policy,
// grants) and aliases, and every mutation made through it drops the affected entries.

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/policy.h"
#include "services/call.h"
#include "services/identity/authorizer.h"
#include "services/kms/keystore.h"
#include "store/store.h"

namespace rampart::services::kms {

namespace json = boost::json;

// One key as the handlers and the resolver see it. Immutable once cached.
//
// Multi-Region keys ("mrk-" ids) exist once per Region: each is stored under "<id>@<region>"
// (key_id below), and a reference to "mrk-..." names the one in the call's Region (or the ARN's).
// A replica keeps its own metadata, policy, tags and grants; its key material is its primary's
// ("Primary": the primary's storage id), bound to the key id without a Region so every Region
// decrypts what another encrypted.
struct KeyEntry {
  std::string account, key_id, arn;
  std::string id;  // the key id callers see (key_id without "@<region>")
  // MaterialId of each material version, made once when the key is loaded (a SHA-256 per call
  // cost ~8k instructions).
  std::vector<std::pair<int64_t, std::string>> material_ids;
  json::object doc;
  std::shared_ptr<const policy::Policy> policy;  // compiled key policy (denies all if it does not parse)
  std::vector<json::object> grants;
  int64_t next_event = 0;  // earliest time-driven change (deletion, rotation, expiry); 0 = none

  const json::object& metadata() const { return doc.at("Metadata").as_object(); }
  std::string_view state() const;
  KeySpec spec() const;
};
using KeyRef = std::shared_ptr<const KeyEntry>;

class KmsService {
 public:
  KmsService(store::Store& store, std::unique_ptr<KeyStore> keys);
  store::Store& store() { return store_; }
  KeyStore& keys() { return *keys_; }
  // Seconds in a KMS "day" (deletion windows, rotation periods). 86400 unless the environment
  // variable RAMPART_KMS_DAY_SECONDS shortens it for tests.
  double day_seconds() const { return day_seconds_; }

  // The key named by a KeyId input (key id, key ARN, alias name or alias ARN), as seen by a
  // caller of `account`. NotFoundException if there is none (or it has been deleted).
  Result<KeyRef> Find(const Call& call, std::string_view key_id);
  // Find, ignoring what the authorizer resolved (Call::authorized_refs).
  Result<KeyRef> FindUncached(const Call& call, std::string_view key_id);
  // The key (account, id), applying due time-driven changes first; null if absent.
  Result<KeyRef> Get(const std::string& account, const std::string& key_id, int64_t now);
  // Loads the key document in a transaction, lets `fn` change it, saves it and drops the cache.
  Status Mutate(const std::string& account, const std::string& key_id,
                const std::function<Status(store::EntityTx&, json::object&)>& fn);
  void Invalidate(const std::string& account, const std::string& key_id);
  void InvalidateAliases();
  // Drops every cached key and alias (after a dev-mode reset wiped the store).
  void ClearCaches();
  // Alias name -> key id (in `account`); "" if no such alias.
  Result<std::string> AliasTarget(const std::string& account, const std::string& alias);

 private:
  Result<KeyRef> WithPrimaryMaterial(const KeyRef& replica, const std::string& primary_id,
                                     int64_t now);
  Result<KeyRef> FindAuthorized(const Call& call, std::string_view key_id);
  Result<KeyRef> Load(const std::string& account, const std::string& key_id);
  Status ApplyDue(const std::string& account, const std::string& key_id, int64_t now);

  store::Store& store_;
  std::unique_ptr<KeyStore> keys_;
  double day_seconds_ = 86400;
  std::shared_mutex mu_;
  std::unordered_map<std::string, KeyRef> cache_;               // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::string> alias_cache_;    // GUARDED_BY(mu_)
};

ServiceTable Operations(KmsService& svc);

// The Authorizer's view of a KMS call (register with Authorizer::RegisterResolver("kms", ...)).
Result<ResourceContext> ResolveResource(KmsService& svc, const Call& call,
                                        const model::Operation& op, const json::object& in);

// ---- Shared by the handler files ----
Error NotFound(std::string m);
Error Disabled(std::string m);
Error InvalidState(std::string m);
Error InvalidCiphertext(std::string m = "");
Error IncorrectKey(std::string m);
Error InvalidKeyUsage(std::string m);
Error Validation(std::string m);
Error Unsupported(std::string m);
std::string_view Str(const json::object& in, std::string_view member);
// The key's ARN; `key_id` may be a storage id ("mrk-...@<region>": the suffix is dropped).
std::string KeyArn(std::string_view region, std::string_view account, std::string_view key_id);
// Where a key id is stored: "mrk-..." ids in `region` ("<id>@<region>"), others as they are.
std::string StorageId(std::string_view id, std::string_view region);
bool IsMultiRegionId(std::string_view id);
// A key id as KMS writes one: a UUID, or "mrk-" and 32 hex digits.
bool KeyIdShaped(std::string_view id);
// The binding of material `version` for a key with this metadata (KeyStore): "<ARN>#<version>",
// for multi-Region keys "arn:aws:kms::<account>:key/<id>#<version>" (the same in every Region).
std::string MaterialBinding(const json::object& metadata, int64_t version);
// AWS's checks that a key can be used for a cryptographic operation (Enabled and not pending
// import; DisabledException / KMSInvalidStateException otherwise).
Status CheckUsable(const KeyEntry& k);
// "<key ARN>#<version>": the binding of a material version in the KeyStore.
std::string Binding(const KeyEntry& k, int64_t version);
std::string DefaultKeyPolicy(std::string_view account);
// The request's encryption context as sorted pairs; ValidationException if malformed.
Result<std::vector<std::pair<std::string, std::string>>> EncryptionContext(
    const json::object& in, std::string_view member = "EncryptionContext");

// The call's CloudTrail record (Call::record): `k` among its resources (Find notes the keys it
// finds); the key material a cryptographic operation used, as additionalEventData `member`
// (keyMaterialId, sourceKeyMaterialId, destinationKeyMaterialId: a SHA-256 of the key ARN and the
// material version, stable for the material and revealing nothing of it).
void NoteKey(const Call& call, const KeyEntry& k);
std::string MaterialId(const KeyEntry& k, int64_t version);
void NoteMaterial(const Call& call, std::string_view member, const KeyEntry& k, int64_t version);
// The resources of an alias operation, in AWS's order: replaces what Find noted.
void NoteAliasResources(const Call& call, std::string_view operation, std::string_view alias_arn,
                        std::string_view key_arn);
// The key a symmetric ciphertext blob names: (account, key id as callers see it: StorageId
// places a multi-Region one in a Region); nullopt if it is not one of ours.
std::optional<std::pair<std::string, std::string>> BlobKey(std::string_view blob);
// InvalidGrantTokenException unless every GrantTokens entry is a token this server issued.
Status CheckGrantTokens(const json::object& in);

// keys.cc: a key policy checked as PutKeyPolicy does; Tags merged into a key document.
Status CheckPolicy(const Call& call, std::string_view doc, std::string_view key_arn, bool bypass);
Status MergeTags(json::object& doc, const json::value* tags);

// multi_region.cc
// MultiRegionConfiguration of the key `id` whose primary is in `primary_region` and replicas in
// `replica_regions`, as seen from `region`.
json::object MultiRegionConfiguration(std::string_view region, std::string_view account,
                                      std::string_view id, std::string_view primary_region,
                                      const std::vector<std::string>& replica_regions);
bool IsReplica(const KeyEntry& k);    // a multi-Region replica key
bool HasReplicas(const KeyEntry& k);  // a multi-Region primary key with replicas
// After a replica was deleted (in `tx`): the family forgets it, and a primary waiting in
// PendingReplicaDeletion for its last replica starts its deletion window.
Status ForgetReplica(store::EntityTx& tx, const std::string& account, const json::object& replica,
                     double now, double day_seconds, std::vector<std::string>& changed);
void AddMultiRegionOps(KmsService& svc, std::vector<OperationEntry>& ops);

void AddKeyOps(KmsService& svc, std::vector<OperationEntry>& ops);     // keys.cc
// The id of the AWS managed key of `service` ("s3": alias/aws/s3) in the caller's account and
// Region, created the first time a service uses it, as AWS does: KeyManager AWS, AWS's policy for
// it (any principal of the account, through the service only; key metadata to the account).
Result<std::string> AwsManagedKey(KmsService& svc, const Call& call, std::string_view service);
void AddCryptoOps(KmsService& svc, std::vector<OperationEntry>& ops);  // crypto_ops.cc
void AddGrantOps(KmsService& svc, std::vector<OperationEntry>& ops);   // grants.cc

}  // namespace rampart::services::kms
