// KmsService: key lookup (ids, ARNs, aliases), the key cache, time-driven changes (scheduled
// deletion, automatic rotation, expiry of imported material), shared errors and helpers.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <mutex>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/kms/kms.h"

namespace rampart::services::kms {

Error NotFound(std::string m) { return {"NotFoundException", std::move(m), 400, true}; }
Error Disabled(std::string m) { return {"DisabledException", std::move(m), 400, true}; }
Error InvalidState(std::string m) { return {"KMSInvalidStateException", std::move(m), 400, true}; }
Error InvalidCiphertext(std::string m) {
  return {"InvalidCiphertextException", std::move(m), 400, true};
}
Error IncorrectKey(std::string m) { return {"IncorrectKeyException", std::move(m), 400, true}; }
Error InvalidKeyUsage(std::string m) {
  return {"InvalidKeyUsageException", std::move(m), 400, true};
}
Error Validation(std::string m) { return {"ValidationException", std::move(m), 400, true}; }
Error Unsupported(std::string m) {
  return {"UnsupportedOperationException", std::move(m), 400, true};
}

std::string_view Str(const json::object& in, std::string_view member) {
  auto* v = in.if_contains(member);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

std::string KeyArn(std::string_view region, std::string_view account, std::string_view key_id) {
  return "arn:aws:kms:" + std::string(region) + ":" + std::string(account) + ":key/" +
         std::string(key_id.substr(0, key_id.find('@')));
}

bool IsMultiRegionId(std::string_view id) { return StartsWith(id, "mrk-"); }

bool KeyIdShaped(std::string_view id) {
  if (id.size() != 36) return false;
  if (IsMultiRegionId(id)) return true;
  return id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-';
}

std::string StorageId(std::string_view id, std::string_view region) {
  if (!IsMultiRegionId(id) || id.find('@') != std::string_view::npos) return std::string(id);
  return std::string(id) + "@" + std::string(region);
}

std::string MaterialBinding(const json::object& md, int64_t version) {
  std::string_view id = Str(md, "KeyId");
  if (IsMultiRegionId(id)) {
    return "arn:aws:kms::" + std::string(Str(md, "AWSAccountId")) + ":key/" + std::string(id) +
           "#" + std::to_string(version);
  }
  return std::string(Str(md, "Arn")) + "#" + std::to_string(version);
}

std::string_view KeyEntry::state() const { return Str(metadata(), "KeyState"); }

KeySpec KeyEntry::spec() const {
  return ParseKeySpec(Str(metadata(), "KeySpec")).value_or(KeySpec::kSymmetricDefault);
}

Status CheckUsable(const KeyEntry& k) {
  std::string_view st = k.state();
  if (st == "Enabled") return {};
  if (st == "Disabled") return Disabled(k.arn + " is disabled.");
  // "PendingDeletion" -> "pending deletion" (AWS: "<arn> is pending deletion.").
  std::string words;
  for (char c : st) {
    if (std::isupper(static_cast<unsigned char>(c)) && !words.empty()) words += ' ';
    words += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return InvalidState(k.arn + " is " + words + ".");
}

std::string Binding(const KeyEntry& k, int64_t version) {
  return MaterialBinding(k.metadata(), version);
}

std::string DefaultKeyPolicy(std::string_view account) {
  return R"({
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::)" + std::string(account) + R"(:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
})";
}

Result<std::vector<std::pair<std::string, std::string>>> EncryptionContext(
    const json::object& in, std::string_view member) {
  std::vector<std::pair<std::string, std::string>> out;
  auto* v = in.if_contains(member);
  if (!v || v->is_null()) return out;
  if (!v->is_object()) return Validation(std::string(member) + " must be a map of strings.");
  for (const auto& [k, val] : v->as_object()) {
    if (!val.is_string()) return Validation(std::string(member) + " values must be strings.");
    out.emplace_back(std::string(k), std::string(val.as_string()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- KmsService ----------------------------------------------------------------------------

KmsService::KmsService(store::Store& store, std::unique_ptr<KeyStore> keys)
    : store_(store), keys_(std::move(keys)) {
  if (const char* d = std::getenv("RAMPART_KMS_DAY_SECONDS"); d && *d) {
    double v = std::atof(d);
    if (v > 0) day_seconds_ = v;
  }
}

namespace {

std::string CacheKey(const std::string& account, const std::string& key_id) {
  return account + "/" + key_id;
}

double Num(const json::object& o, std::string_view member) {
  auto* v = o.if_contains(member);
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return 0;
}

int64_t NextEvent(const json::object& doc) {
  const json::object& md = doc.at("Metadata").as_object();
  std::string_view state = Str(md, "KeyState");
  int64_t next = 0;
  auto consider = [&next](double t) {
    if (t <= 0) return;
    int64_t v = static_cast<int64_t>(std::ceil(t));
    if (next == 0 || v < next) next = v;
  };
  if (state == "PendingDeletion") consider(Num(md, "DeletionDate"));
  if (state != "PendingImport" && state != "PendingDeletion") consider(Num(md, "ValidTo"));
  if (auto* r = doc.if_contains("Rotation"); r && r->is_object()) {
    auto* en = r->as_object().if_contains("Enabled");
    if (en && en->is_bool() && en->as_bool()) consider(Num(r->as_object(), "Next"));
  }
  return next;
}

}  // namespace

namespace {

void MakeMaterialIds(KeyEntry& k) {
  k.material_ids.clear();
  auto* mats = k.doc.if_contains("Materials");
  if (!mats || !mats->is_array()) return;
  for (const auto& m : mats->as_array()) {
    if (!m.is_object() || !m.as_object().contains("Version")) continue;
    int64_t v = m.as_object().at("Version").to_number<int64_t>();
    k.material_ids.emplace_back(v, crypto::Sha256Hex(Binding(k, v) + "#material"));
  }
}

}  // namespace

Result<KeyRef> KmsService::Load(const std::string& account, const std::string& key_id) {
  auto entry = std::make_shared<KeyEntry>();
  bool found = false;
  RAMPART_RETURN_IF_ERROR(store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto raw, tx.Get(account, "kms-key", key_id));
    if (!raw) return {};
    boost::system::error_code ec;
    json::value v = json::parse(*raw, ec);
    if (ec || !v.is_object()) return Error::Internal("corrupt KMS key document " + key_id);
    entry->doc = std::move(v.as_object());
    found = true;
    RAMPART_ASSIGN_OR_RETURN(auto rows, tx.List(account, "kms-grant", key_id + "/", "", 100000));
    for (auto& row : rows) {
      json::value g = json::parse(row.doc, ec);
      if (!ec && g.is_object()) entry->grants.push_back(std::move(g.as_object()));
    }
    return {};
  }));
  if (!found) return KeyRef();
  entry->account = account;
  entry->key_id = key_id;
  entry->arn = std::string(Str(entry->metadata(), "Arn"));
  entry->id = std::string(Str(entry->metadata(), "KeyId"));
  MakeMaterialIds(*entry);
  auto pol = policy::ParsePolicy(Str(entry->doc, "Policy"), policy::PolicyType::kKeyPolicy,
                                 entry->arn);
  // A key policy that no longer parses denies everyone, the account root too.
  entry->policy = std::make_shared<const policy::Policy>(
      pol.ok() ? std::move(*pol) : policy::UnreadablePolicy(policy::PolicyType::kKeyPolicy, entry->arn));
  entry->next_event = NextEvent(entry->doc);
  KeyRef ref = entry;
  std::unique_lock lock(mu_);
  if (cache_.size() > 100000) cache_.clear();
  cache_[CacheKey(account, key_id)] = ref;
  return ref;
}

Result<KeyRef> KmsService::Get(const std::string& account, const std::string& key_id, int64_t now) {
  KeyRef ref;
  {
    std::shared_lock lock(mu_);
    if (auto it = cache_.find(CacheKey(account, key_id)); it != cache_.end()) ref = it->second;
  }
  if (!ref) {
    RAMPART_ASSIGN_OR_RETURN(ref, Load(account, key_id));
  }
  if (ref && ref->next_event != 0 && now >= ref->next_event) {
    RAMPART_RETURN_IF_ERROR(ApplyDue(account, key_id, now));
    RAMPART_ASSIGN_OR_RETURN(ref, Load(account, key_id));
  }
  if (ref) {
    if (auto* primary = ref->doc.if_contains("Primary"); primary && primary->is_string()) {
      return WithPrimaryMaterial(ref, std::string(primary->as_string()), now);
    }
  }
  return ref;
}

// A replica as the handlers use it: its own document with its primary's key material and
// rotation (the primary's due changes applied first).
Result<KeyRef> KmsService::WithPrimaryMaterial(const KeyRef& replica, const std::string& primary_id,
                                               int64_t now) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef primary, Get(replica->account, primary_id, now));
  if (!primary) return replica;
  auto merged = std::make_shared<KeyEntry>(*replica);
  for (const char* member : {"Materials", "Current", "Rotation"}) {
    if (auto* v = primary->doc.if_contains(member)) {
      merged->doc[member] = *v;
    } else {
      merged->doc.erase(member);
    }
  }
  merged->material_ids = primary->material_ids;  // bound without a Region: the same ids
  return KeyRef(merged);
}

void KmsService::Invalidate(const std::string& account, const std::string& key_id) {
  std::unique_lock lock(mu_);
  cache_.erase(CacheKey(account, key_id));
}

void KmsService::InvalidateAliases() {
  std::unique_lock lock(mu_);
  alias_cache_.clear();
}

void KmsService::ClearCaches() {
  std::unique_lock lock(mu_);
  cache_.clear();
  alias_cache_.clear();
}

Result<std::string> KmsService::AliasTarget(const std::string& account, const std::string& alias) {
  std::string ck = account + "/" + alias;
  {
    std::shared_lock lock(mu_);
    if (auto it = alias_cache_.find(ck); it != alias_cache_.end()) return it->second;
  }
  std::string target;
  RAMPART_RETURN_IF_ERROR(store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto raw, tx.Get(account, "kms-alias", alias));
    if (!raw) return {};
    boost::system::error_code ec;
    json::value v = json::parse(*raw, ec);
    if (!ec && v.is_object()) target = std::string(Str(v.as_object(), "TargetKeyId"));
    return {};
  }));
  std::unique_lock lock(mu_);
  if (alias_cache_.size() > 100000) alias_cache_.clear();
  alias_cache_[ck] = target;
  return target;
}

Result<KeyRef> KmsService::Find(const Call& call, std::string_view key_id) {
  Result<KeyRef> k = FindAuthorized(call, key_id);
  if (k.ok() && *k) NoteKey(call, **k);
  return k;
}

void NoteKey(const Call& call, const KeyEntry& k) {
  if (call.record) call.record->AddResource("AWS::KMS::Key", k.arn);
}

std::string MaterialId(const KeyEntry& k, int64_t version) {
  for (const auto& [v, id] : k.material_ids) {
    if (v == version) return id;
  }
  return crypto::Sha256Hex(Binding(k, version) + "#material");
}


void NoteMaterial(const Call& call, std::string_view member, const KeyEntry& k, int64_t version) {
  if (call.record) call.record->additional[member] = MaterialId(k, version);
}

void NoteAliasResources(const Call& call, std::string_view operation, std::string_view alias_arn,
                        std::string_view key_arn) {
  if (!call.record) return;
  call.record->resources.clear();
  // CreateAlias lists the key, then the alias; UpdateAlias and DeleteAlias the alias first (the
  // KMS Developer Guide's records of each).
  if (operation == "CreateAlias" && !key_arn.empty()) call.record->AddResource("AWS::KMS::Key", key_arn);
  call.record->AddResource("AWS::KMS::Key", alias_arn);
  if (operation != "CreateAlias" && !key_arn.empty()) call.record->AddResource("AWS::KMS::Key", key_arn);
}

Result<KeyRef> KmsService::FindAuthorized(const Call& call, std::string_view key_id) {
  // A reference the authorizer resolved names the same key here (or none), whatever an alias
  // says now: the call acts on the key whose policy decided it.
  for (const auto& [ref, resolved] : call.authorized_refs) {
    if (ref != key_id) continue;
    if (resolved.empty()) {
      auto now = FindUncached(call, key_id);
      if (!now.ok()) return now;
      return NotFound("Key '" + (*now)->arn + "' does not exist");
    }
    std::string account = call.principal.account_id;
    if (StartsWith(key_id, "arn:")) {
      auto parts = Split(key_id, ':');
      if (parts.size() == 6) account = std::string(parts[4]);
    }
    RAMPART_ASSIGN_OR_RETURN(KeyRef k, Get(account, resolved, call.now_epoch_seconds));
    if (!k) return NotFound("Key '" + KeyArn(std::string(call.region), account, resolved) +
                            "' does not exist");
    return k;
  }
  return FindUncached(call, key_id);
}

Result<KeyRef> KmsService::FindUncached(const Call& call, std::string_view key_id) {
  std::string account = call.principal.account_id;
  std::string region(call.region);
  std::string id;
  if (key_id.empty()) return Validation("KeyId is required.");
  if (StartsWith(key_id, "arn:")) {
    auto parts = Split(key_id, ':');
    if (parts.size() != 6 || parts[2] != "kms") {
      return Error{"InvalidArnException", "Invalid arn " + std::string(key_id), 400, true};
    }
    account = std::string(parts[4]);
    region = std::string(parts[3]);
    std::string_view res = parts[5];
    if (StartsWith(res, "alias/")) {
      RAMPART_ASSIGN_OR_RETURN(id, AliasTarget(account, std::string(res)));
      if (id.empty()) return NotFound("Alias " + std::string(key_id) + " is not found.");
    } else if (StartsWith(res, "key/")) {
      id = std::string(res.substr(4));
    } else {
      return Error{"InvalidArnException", "Invalid arn " + std::string(key_id), 400, true};
    }
  } else if (StartsWith(key_id, "alias/")) {
    RAMPART_ASSIGN_OR_RETURN(id, AliasTarget(account, std::string(key_id)));
    if (id.empty()) {
      return NotFound("Alias arn:aws:kms:" + region + ":" + account + ":" + std::string(key_id) +
                      " is not found.");
    }
  } else {
    id = std::string(key_id);
    if (!KeyIdShaped(id)) return NotFound("Invalid keyId " + id);
  }
  id = StorageId(id, region);
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, Get(account, id, call.now_epoch_seconds));
  if (!k) return NotFound("Key '" + KeyArn(region, account, id) + "' does not exist");
  return k;
}

Status KmsService::Mutate(const std::string& account, const std::string& key_id,
                          const std::function<Status(store::EntityTx&, json::object&)>& fn) {
  Status st = store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto raw, tx.Get(account, "kms-key", key_id));
    if (!raw) return NotFound("Key '" + key_id + "' does not exist");
    boost::system::error_code ec;
    json::value v = json::parse(*raw, ec);
    if (ec || !v.is_object()) return Error::Internal("corrupt KMS key document " + key_id);
    RAMPART_RETURN_IF_ERROR(fn(tx, v.as_object()));
    return tx.Put(account, "kms-key", key_id, json::serialize(v));
  });
  Invalidate(account, key_id);
  return st;
}

Status KmsService::ApplyDue(const std::string& account, const std::string& key_id, int64_t now) {
  bool deleted = false;
  std::vector<std::string> family;  // members of a multi-Region family rewritten meanwhile
  Status st = store_.entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto raw, tx.Get(account, "kms-key", key_id));
    if (!raw) return {};
    boost::system::error_code ec;
    json::value v = json::parse(*raw, ec);
    if (ec || !v.is_object()) return Error::Internal("corrupt KMS key document " + key_id);
    json::object& doc = v.as_object();
    json::object& md = doc["Metadata"].as_object();
    std::string_view state = Str(md, "KeyState");
    double t = static_cast<double>(now);
    // Scheduled deletion: the key, its grants and its aliases go; ciphertexts become garbage.
    if (state == "PendingDeletion" && Num(md, "DeletionDate") > 0 && t >= Num(md, "DeletionDate")) {
      RAMPART_RETURN_IF_ERROR(tx.Delete(account, "kms-key", key_id));
      RAMPART_ASSIGN_OR_RETURN(auto grants, tx.List(account, "kms-grant", key_id + "/", "", 100000));
      for (const auto& g : grants) RAMPART_RETURN_IF_ERROR(tx.Delete(account, "kms-grant", g.key));
      RAMPART_ASSIGN_OR_RETURN(auto aliases, tx.List(account, "kms-alias", "", "", 100000));
      for (const auto& a : aliases) {
        json::value av = json::parse(a.doc, ec);
        if (!ec && av.is_object() &&
            Str(av.as_object(), "TargetKeyId") == key_id.substr(0, key_id.find('@'))) {
          RAMPART_RETURN_IF_ERROR(tx.Delete(account, "kms-alias", a.key));
        }
      }
      deleted = true;
      if (doc.contains("Primary")) {
        RAMPART_RETURN_IF_ERROR(ForgetReplica(tx, account, doc, t, day_seconds_, family));
      }
      return {};
    }
    // Imported material past its ValidTo: deleted; the key waits for new material.
    if (state != "PendingImport" && state != "PendingDeletion" && Num(md, "ValidTo") > 0 &&
        t >= Num(md, "ValidTo")) {
      doc["Materials"] = json::array();
      md["KeyState"] = "PendingImport";
      md["Enabled"] = false;
      md.erase("ValidTo");
    }
    // Automatic rotation: new material becomes current; old versions stay for Decrypt.
    if (auto* r = doc.if_contains("Rotation"); r && r->is_object()) {
      json::object& rot = r->as_object();
      auto* en = rot.if_contains("Enabled");
      if (en && en->is_bool() && en->as_bool() && Num(rot, "Next") > 0 && t >= Num(rot, "Next")) {
        int64_t version = static_cast<int64_t>(Num(doc, "Current")) + 1;
        RAMPART_ASSIGN_OR_RETURN(std::string handle,
                                 keys_->Generate(KeySpec::kSymmetricDefault,
                                                 MaterialBinding(md, version)));
        doc["Materials"].as_array().push_back(
            json::object{{"Version", version}, {"Handle", handle}, {"Created", t}});
        doc["Current"] = version;
        rot["Next"] = t + std::ceil(Num(rot, "PeriodDays") * day_seconds_);
        rot["LastRotated"] = t;
      }
    }
    return tx.Put(account, "kms-key", key_id, json::serialize(v));
  });
  Invalidate(account, key_id);
  for (const std::string& member : family) Invalidate(account, member);
  if (deleted) InvalidateAliases();
  return st;
}

ServiceTable Operations(KmsService& svc) {
  ServiceTable table{"kms", {}};
  AddKeyOps(svc, table.operations);
  AddMultiRegionOps(svc, table.operations);
  AddCryptoOps(svc, table.operations);
  AddGrantOps(svc, table.operations);
  return table;
}

}  // namespace rampart::services::kms
