// Multi-Region keys: ReplicateKey, UpdatePrimaryRegion, and the configuration every member of a
// key family carries (KMS Developer Guide, "Multi-Region keys in AWS KMS").
//
// A family is one key id ("mrk-...") stored once per Region ("<id>@<region>", kms.h). Its primary
// holds the key material; a replica names it ("Primary") and uses its material, so ciphertext
// made in any Region decrypts in every other. Each member has its own metadata, key policy,
// tags, grants, aliases and state; every member's MultiRegionConfiguration lists the primary and
// all replicas, rewritten in one transaction whenever the family changes.
#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "protocol/model.h"
#include "services/kms/kms.h"

namespace rampart::services::kms {

namespace {

Error AlreadyExists(std::string m) { return {"AlreadyExistsException", std::move(m), 400, true}; }

// The family of a multi-Region key, from any member's metadata: the primary's Region and the
// replicas' Regions.
struct Family {
  std::string id, primary_region;
  std::vector<std::string> replica_regions;
};

Family FamilyOf(const json::object& md) {
  Family f;
  f.id = std::string(Str(md, "KeyId"));
  auto* mrc = md.if_contains("MultiRegionConfiguration");
  if (!mrc || !mrc->is_object()) return f;
  if (auto* p = mrc->as_object().if_contains("PrimaryKey"); p && p->is_object()) {
    f.primary_region = std::string(Str(p->as_object(), "Region"));
  }
  if (auto* r = mrc->as_object().if_contains("ReplicaKeys"); r && r->is_array()) {
    for (const auto& e : r->as_array()) {
      if (e.is_object()) f.replica_regions.emplace_back(Str(e.as_object(), "Region"));
    }
  }
  return f;
}

// Rewrites every member's configuration (and each replica's pointer to its primary) in `tx`;
// `changed` gets the storage ids to drop from the cache afterwards.
Status WriteFamily(store::EntityTx& tx, const std::string& account, const Family& f,
                   std::vector<std::string>& changed) {
  std::vector<std::string> regions = f.replica_regions;
  regions.push_back(f.primary_region);
  for (const std::string& region : regions) {
    std::string sid = StorageId(f.id, region);
    RAMPART_ASSIGN_OR_RETURN(auto raw, tx.Get(account, "kms-key", sid));
    if (!raw) continue;
    boost::system::error_code ec;
    json::value v = json::parse(*raw, ec);
    if (ec || !v.is_object()) return Error::Internal("corrupt KMS key document " + sid);
    json::object& doc = v.as_object();
    doc["Metadata"].as_object()["MultiRegionConfiguration"] =
        MultiRegionConfiguration(region, account, f.id, f.primary_region, f.replica_regions);
    if (region == f.primary_region) {
      doc.erase("Primary");
    } else {
      doc["Primary"] = StorageId(f.id, f.primary_region);
    }
    RAMPART_RETURN_IF_ERROR(tx.Put(account, "kms-key", sid, json::serialize(v)));
    changed.push_back(sid);
  }
  return {};
}

// The primary key a family operation names, in the caller's Region.
Result<KeyRef> PrimaryKey(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  if (!IsMultiRegionId(k->id)) {
    return Unsupported(k->arn + " is not a multi-Region key.");
  }
  if (IsReplica(*k)) {
    return Unsupported(k->arn + " is not a multi-Region primary key.");
  }
  std::string_view st = k->state();
  if (st == "PendingDeletion" || st == "PendingReplicaDeletion" || st == "PendingImport") {
    return InvalidState(k->arn + " is pending deletion.");
  }
  return k;
}

Result<json::value> ReplicateKey(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, PrimaryKey(svc, call, in));
  // The model's pattern (^([a-z]+-){2,3}\d+$) was checked with the input; the Region must be
  // one KMS is in (model::KnownRegions, the Regions a request may be signed for).
  std::string region(Str(in, "ReplicaRegion"));
  if (!model::IsKnownRegion(region)) {
    return Unsupported("KMS is not available in the Region " + region + ".");
  }
  Family f = FamilyOf(k->metadata());
  if (region == f.primary_region ||
      std::find(f.replica_regions.begin(), f.replica_regions.end(), region) !=
          f.replica_regions.end()) {
    return AlreadyExists("Key '" + KeyArn(region, k->account, k->id) + "' already exists");
  }
  std::string arn = KeyArn(region, k->account, k->id);
  std::string pol(Str(in, "Policy"));
  if (pol.empty()) {
    pol = DefaultKeyPolicy(k->account);
  } else {
    auto* b = in.if_contains("BypassPolicyLockoutSafetyCheck");
    RAMPART_RETURN_IF_ERROR(CheckPolicy(call, pol, arn, b && b->is_bool() && b->as_bool()));
  }
  json::object md = k->metadata();
  md["Arn"] = arn;
  md["CreationDate"] = static_cast<double>(call.now_epoch_seconds);
  md["Description"] = Str(in, "Description");
  md["Enabled"] = true;
  md["KeyState"] = "Enabled";
  for (const char* gone : {"DeletionDate", "PendingDeletionWindowInDays"}) md.erase(gone);
  json::object doc{{"Metadata", md}, {"Policy", pol}, {"Tags", json::array()},
                   {"Materials", json::array()}, {"Current", 0},
                   {"Primary", StorageId(k->id, f.primary_region)}};
  RAMPART_RETURN_IF_ERROR(MergeTags(doc, in.if_contains("Tags")));
  f.replica_regions.push_back(region);
  std::vector<std::string> changed;
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(tx.Insert(k->account, "kms-key", StorageId(k->id, region),
                                      json::serialize(doc)));
    return WriteFamily(tx, k->account, f, changed);
  });
  for (const std::string& sid : changed) svc.Invalidate(k->account, sid);
  if (!st.ok() && store::IsAlreadyExists(st.error())) {
    return AlreadyExists("Key '" + arn + "' already exists");
  }
  RAMPART_RETURN_IF_ERROR(st);
  md["MultiRegionConfiguration"] =
      MultiRegionConfiguration(region, k->account, k->id, f.primary_region, f.replica_regions);
  return json::value(json::object{
      {"ReplicaKeyMetadata", md}, {"ReplicaPolicy", pol}, {"ReplicaTags", doc["Tags"]}});
}

// The replica in PrimaryRegion becomes the primary (with the family's key material and rotation);
// the old primary becomes a replica.
Result<json::value> UpdatePrimaryRegion(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, PrimaryKey(svc, call, in));
  std::string region(Str(in, "PrimaryRegion"));
  Family f = FamilyOf(k->metadata());
  auto it = std::find(f.replica_regions.begin(), f.replica_regions.end(), region);
  if (region == f.primary_region) return json::value(json::object{});
  if (it == f.replica_regions.end()) {
    return NotFound("Key '" + KeyArn(region, k->account, k->id) + "' does not exist");
  }
  std::string new_sid = StorageId(k->id, region);
  *it = f.primary_region;
  f.primary_region = region;
  std::vector<std::string> changed;
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto raw, tx.Get(k->account, "kms-key", new_sid));
    if (!raw) return NotFound("Key '" + KeyArn(region, k->account, k->id) + "' does not exist");
    json::value v = json::parse(*raw);
    for (const char* member : {"Materials", "Current", "Rotation"}) {
      if (auto* m = k->doc.if_contains(member)) v.as_object()[member] = *m;
    }
    RAMPART_RETURN_IF_ERROR(tx.Put(k->account, "kms-key", new_sid, json::serialize(v)));
    return WriteFamily(tx, k->account, f, changed);
  });
  for (const std::string& sid : changed) svc.Invalidate(k->account, sid);
  RAMPART_RETURN_IF_ERROR(st);
  return json::value(json::object{});
}

}  // namespace

json::object MultiRegionConfiguration(std::string_view region, std::string_view account,
                                      std::string_view id, std::string_view primary_region,
                                      const std::vector<std::string>& replica_regions) {
  json::array replicas;
  for (const std::string& r : replica_regions) {
    replicas.push_back(json::object{{"Arn", KeyArn(r, account, id)}, {"Region", r}});
  }
  return json::object{
      {"MultiRegionKeyType", region == primary_region ? "PRIMARY" : "REPLICA"},
      {"PrimaryKey", json::object{{"Arn", KeyArn(primary_region, account, id)},
                                  {"Region", primary_region}}},
      {"ReplicaKeys", std::move(replicas)}};
}

bool IsReplica(const KeyEntry& k) { return k.doc.contains("Primary"); }

bool HasReplicas(const KeyEntry& k) {
  return !IsReplica(k) && !FamilyOf(k.metadata()).replica_regions.empty();
}

Status ForgetReplica(store::EntityTx& tx, const std::string& account, const json::object& replica,
                     double now, double day_seconds, std::vector<std::string>& changed) {
  const json::object& md = replica.at("Metadata").as_object();
  Family f = FamilyOf(md);
  std::string gone = std::string(Split(Str(md, "Arn"), ':')[3]);
  f.replica_regions.erase(std::remove(f.replica_regions.begin(), f.replica_regions.end(), gone),
                          f.replica_regions.end());
  RAMPART_RETURN_IF_ERROR(WriteFamily(tx, account, f, changed));
  if (!f.replica_regions.empty()) return {};
  std::string primary = StorageId(f.id, f.primary_region);
  RAMPART_ASSIGN_OR_RETURN(auto raw, tx.Get(account, "kms-key", primary));
  if (!raw) return {};
  json::value v = json::parse(*raw);
  json::object& pmd = v.as_object()["Metadata"].as_object();
  if (Str(pmd, "KeyState") != "PendingReplicaDeletion") return {};
  double days = pmd.contains("PendingDeletionWindowInDays")
                    ? pmd.at("PendingDeletionWindowInDays").to_number<double>()
                    : 30;
  pmd["KeyState"] = "PendingDeletion";
  pmd["DeletionDate"] = now + std::ceil(days * day_seconds);
  return tx.Put(account, "kms-key", primary, json::serialize(v));
}

void AddMultiRegionOps(KmsService& svc, std::vector<OperationEntry>& ops) {
  static constexpr std::pair<std::string_view, ObjectHandler<KmsService>> kOps[] = {
      {"ReplicateKey", ReplicateKey}, {"UpdatePrimaryRegion", UpdatePrimaryRegion}};
  AddOperations(ops, svc, kOps);
}

}  // namespace rampart::services::kms
