// Key lifecycle and administration: CreateKey, DescribeKey, ListKeys, Enable/DisableKey,
// Schedule/CancelKeyDeletion, UpdateKeyDescription, aliases, tags, key policies, rotation and
// imported key material.
#include <algorithm>
#include <cctype>
#include <openssl/crypto.h>

#include <cmath>

#include "common/crypto.h"
#include "common/strings.h"
#include "policy/aws_validate.h"
#include "policy/evaluate.h"
#include "services/kms/kms.h"

namespace rampart::services::kms {

namespace {

using Handler = Result<json::value> (*)(KmsService&, const Call&, const json::object&);

// "mrk-" and 32 hex digits: a multi-Region key's id, the same in every Region.
std::string NewMultiRegionKeyId() { return "mrk-" + crypto::HexEncode(crypto::RandomBytes(16)); }

std::string NewKeyId() {
  std::string b = crypto::RandomBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  std::string hex = crypto::HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

double Now(const Call& c) { return static_cast<double>(c.now_epoch_seconds); }

Error Malformed(std::string m) {
  return {"MalformedPolicyDocumentException", std::move(m), 400, true};
}
Error TagError(std::string m) { return {"TagException", std::move(m), 400, true}; }

// Parses a key policy and applies AWS's lockout safety check: unless bypassed, the caller must
// still be allowed kms:PutKeyPolicy by the new policy (its identity policies are assumed to
// allow: they were just checked for this very call).
}  // namespace

Status CheckPolicy(const Call& call, std::string_view doc, std::string_view key_arn, bool bypass) {
  RAMPART_RETURN_IF_ERROR(policy::CheckAsAws(doc, policy::PolicyType::kKeyPolicy));
  auto pol = policy::ParsePolicy(doc, policy::PolicyType::kKeyPolicy, std::string(key_arn));
  if (!pol.ok()) return Malformed(pol.error().message);
  if (bypass) return {};
  auto req = policy::Request::Create(call.principal.arn, "kms:PutKeyPolicy", key_arn,
                                     call.principal.account_id);
  if (!req.ok()) return Malformed(req.error().message);
  static const policy::Policy kAll = *policy::ParsePolicy(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})",
      policy::PolicyType::kManaged, "caller");
  const policy::Policy* identity[] = {&kAll};
  policy::PolicySet set;
  set.identity = identity;
  set.resource = &*pol;
  if (policy::Evaluate(*req, set).decision != policy::Decision::kAllow) {
    return Malformed(
        "The new key policy will not allow you to update the key policy in the future.");
  }
  return {};
}

Status MergeTags(json::object& doc, const json::value* tags) {
  if (!tags || !tags->is_array()) return {};
  json::array& cur = doc["Tags"].is_array() ? doc["Tags"].as_array()
                                              : (doc["Tags"] = json::array()).as_array();
  for (const auto& t : tags->as_array()) {
    if (!t.is_object()) continue;
    std::string_view k = Str(t.as_object(), "TagKey");
    std::string_view v = Str(t.as_object(), "TagValue");
    if (StartsWith(ToLower(k), "aws:")) return TagError("Tags beginning with aws: are reserved");
    auto it = std::find_if(cur.begin(), cur.end(),
                           [&](const json::value& e) { return Str(e.as_object(), "TagKey") == k; });
    if (it != cur.end()) {
      it->as_object()["TagValue"] = v;
    } else {
      cur.push_back(json::object{{"TagKey", k}, {"TagValue", v}});
    }
  }
  if (cur.size() > 50) return TagError("Too many tags: a KMS key has at most 50.");
  return {};
}

namespace {

json::object Metadata(const KeyEntry& k) { return k.metadata(); }


// Who may not administer a key in this state (AWS: PendingDeletion refuses most changes).
Status NotPendingDeletion(const KeyEntry& k) {
  if (k.state() == "PendingDeletion") return InvalidState(k.arn + " is pending deletion.");
  if (k.state() == "PendingReplicaDeletion") {
    return InvalidState(k.arn + " is pending replica deletion.");
  }
  return {};
}

// ---- Keys -----------------------------------------------------------------------------------

Result<json::value> CreateKey(KmsService& svc, const Call& call, const json::object& in) {
  std::string spec_name(Str(in, "KeySpec"));
  if (spec_name.empty()) spec_name = std::string(Str(in, "CustomerMasterKeySpec"));
  if (spec_name.empty()) spec_name = "SYMMETRIC_DEFAULT";
  auto spec = ParseKeySpec(spec_name);
  if (!spec) return Unsupported("KeySpec " + spec_name + " is not supported.");
  std::string usage(Str(in, "KeyUsage"));
  if (usage.empty()) usage = IsHmac(*spec) ? "GENERATE_VERIFY_MAC" : "ENCRYPT_DECRYPT";
  bool ok_usage = (*spec == KeySpec::kSymmetricDefault && usage == "ENCRYPT_DECRYPT") ||
                  (IsRsa(*spec) && (usage == "ENCRYPT_DECRYPT" || usage == "SIGN_VERIFY")) ||
                  (IsEcc(*spec) && usage == "SIGN_VERIFY") ||
                  (IsHmac(*spec) && usage == "GENERATE_VERIFY_MAC");
  if (!ok_usage) {
    return Validation("KeyUsage " + usage + " is not compatible with KeySpec " + spec_name + ".");
  }
  std::string origin(Str(in, "Origin"));
  if (origin.empty()) origin = "AWS_KMS";
  if (origin != "AWS_KMS" && origin != "EXTERNAL") {
    return Unsupported("Origin " + origin + " is not supported by this server.");
  }
  if (origin == "EXTERNAL" && *spec != KeySpec::kSymmetricDefault) {
    return Unsupported("Imported key material is supported for SYMMETRIC_DEFAULT keys only.");
  }
  bool multi_region = false;
  if (auto* m = in.if_contains("MultiRegion"); m && m->is_bool()) multi_region = m->as_bool();
  if (multi_region && origin != "AWS_KMS") {
    return Unsupported("Multi-Region keys with imported key material are not supported by this "
                       "server.");
  }
  if (!Str(in, "CustomKeyStoreId").empty()) {
    return Unsupported("Custom key stores are not supported by this server.");
  }
  const std::string& account = call.principal.account_id;
  std::string key_id = multi_region ? NewMultiRegionKeyId() : NewKeyId();
  std::string arn = KeyArn(call.region, account, key_id);
  std::string pol(Str(in, "Policy"));
  if (pol.empty()) {
    pol = DefaultKeyPolicy(account);
  } else {
    auto* b = in.if_contains("BypassPolicyLockoutSafetyCheck");
    RAMPART_RETURN_IF_ERROR(CheckPolicy(call, pol, arn, b && b->is_bool() && b->as_bool()));
  }
  json::object md{{"AWSAccountId", account},
                  {"KeyId", key_id},
                  {"Arn", arn},
                  {"CreationDate", Now(call)},
                  {"Enabled", origin == "AWS_KMS"},
                  {"Description", Str(in, "Description")},
                  {"KeyUsage", usage},
                  {"KeyState", origin == "AWS_KMS" ? "Enabled" : "PendingImport"},
                  {"Origin", origin},
                  {"KeyManager", "CUSTOMER"},
                  {"CustomerMasterKeySpec", spec_name},
                  {"KeySpec", spec_name},
                  {"MultiRegion", multi_region}};
  if (multi_region) {
    md["MultiRegionConfiguration"] = MultiRegionConfiguration(call.region, account, key_id,
                                                              call.region, {});
  }
  if (usage == "ENCRYPT_DECRYPT") {
    md["EncryptionAlgorithms"] = *spec == KeySpec::kSymmetricDefault
                                     ? json::array{"SYMMETRIC_DEFAULT"}
                                     : json::array{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"};
  } else if (usage == "SIGN_VERIFY") {
    if (IsRsa(*spec)) {
      md["SigningAlgorithms"] = json::array{"RSASSA_PSS_SHA_256",        "RSASSA_PSS_SHA_384",
                                            "RSASSA_PSS_SHA_512",        "RSASSA_PKCS1_V1_5_SHA_256",
                                            "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"};
    } else {
      md["SigningAlgorithms"] = json::array{*spec == KeySpec::kEccNistP384   ? "ECDSA_SHA_384"
                                            : *spec == KeySpec::kEccNistP521 ? "ECDSA_SHA_512"
                                                                             : "ECDSA_SHA_256"};
    }
  } else {
    md["MacAlgorithms"] = json::array{"HMAC_SHA_" + spec_name.substr(5)};
  }
  json::object doc{{"Metadata", md}, {"Policy", pol}, {"Tags", json::array()},
                   {"Materials", json::array()}, {"Current", 0}};
  RAMPART_RETURN_IF_ERROR(MergeTags(doc, in.if_contains("Tags")));
  if (origin == "AWS_KMS") {
    RAMPART_ASSIGN_OR_RETURN(std::string handle, svc.keys().Generate(*spec, MaterialBinding(md, 1)));
    doc["Materials"].as_array().push_back(
        json::object{{"Version", 1}, {"Handle", handle}, {"Created", Now(call)}});
    doc["Current"] = 1;
  }
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) {
    return tx.Insert(account, "kms-key", StorageId(key_id, call.region), json::serialize(doc));
  }));
  if (call.record) call.record->AddResource("AWS::KMS::Key", arn);
  return json::value(json::object{{"KeyMetadata", md}});
}

Result<json::value> DescribeKey(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  return json::value(json::object{{"KeyMetadata", Metadata(*k)}});
}

Result<json::value> ListKeys(KmsService& svc, const Call& call, const json::object& in) {
  const std::string& account = call.principal.account_id;
  int64_t limit = 100;
  if (auto* l = in.if_contains("Limit"); l && l->is_int64()) limit = l->as_int64();
  if (limit < 1 || limit > 1000) return Validation("Limit must be between 1 and 1000.");
  std::string marker(Str(in, "Marker"));
  std::vector<store::EntityRow> rows;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(rows, tx.List(account, "kms-key", "", marker,
                                           static_cast<size_t>(limit) + 1));
    return {};
  }));
  bool truncated = rows.size() > static_cast<size_t>(limit);
  if (truncated) rows.resize(static_cast<size_t>(limit));
  json::array keys;
  for (const auto& r : rows) {
    // Multi-Region keys are listed in their Region; other keys wherever they are asked for.
    if (r.key.find('@') != std::string::npos && r.key != StorageId(r.key.substr(0, r.key.find('@')),
                                                                   call.region)) {
      continue;
    }
    RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Get(account, r.key, call.now_epoch_seconds));
    if (!k) continue;  // deleted just now (its window ended)
    keys.push_back(json::object{{"KeyId", k->id}, {"KeyArn", k->arn}});
  }
  json::object out{{"Keys", std::move(keys)}, {"Truncated", truncated}};
  if (truncated) out["NextMarker"] = rows.back().key;
  return json::value(std::move(out));
}

Result<json::value> SetEnabled(KmsService& svc, const Call& call, const json::object& in,
                               bool enable) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  if (k->state() == "PendingImport") return InvalidState(k->arn + " is pending import.");
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    json::object& md = d["Metadata"].as_object();
    md["Enabled"] = enable;
    md["KeyState"] = enable ? "Enabled" : "Disabled";
    return Status{};
  }));
  return json::value(json::object{});
}
Result<json::value> EnableKey(KmsService& s, const Call& c, const json::object& in) {
  return SetEnabled(s, c, in, true);
}
Result<json::value> DisableKey(KmsService& s, const Call& c, const json::object& in) {
  return SetEnabled(s, c, in, false);
}

Result<json::value> ScheduleKeyDeletion(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  int64_t days = 30;
  if (auto* d = in.if_contains("PendingWindowInDays"); d && d->is_int64()) days = d->as_int64();
  if (days < 7 || days > 30) {
    return Validation("PendingWindowInDays must be between 7 and 30");
  }
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  // A multi-Region primary key with replicas waits for them (PendingReplicaDeletion); its
  // window starts when the last one is deleted.
  bool waits = HasReplicas(*k);
  double when = Now(call) + std::ceil(static_cast<double>(days) * svc.day_seconds());
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    json::object& md = d["Metadata"].as_object();
    md["KeyState"] = waits ? "PendingReplicaDeletion" : "PendingDeletion";
    md["Enabled"] = false;
    if (!waits) md["DeletionDate"] = when;
    md["PendingDeletionWindowInDays"] = days;
    return Status{};
  }));
  json::object out{{"KeyId", k->arn},
                   {"KeyState", waits ? "PendingReplicaDeletion" : "PendingDeletion"},
                   {"PendingWindowInDays", days}};
  if (!waits) out["DeletionDate"] = when;
  return json::value(std::move(out));
}

Result<json::value> CancelKeyDeletion(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  if (k->state() != "PendingDeletion" && k->state() != "PendingReplicaDeletion") {
    return InvalidState(k->arn + " is not pending deletion.");
  }
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    json::object& md = d["Metadata"].as_object();
    bool has_material = d["Materials"].is_array() && !d["Materials"].as_array().empty();
    md["KeyState"] = has_material ? "Disabled" : "PendingImport";
    md["Enabled"] = false;
    md.erase("DeletionDate");
    md.erase("PendingDeletionWindowInDays");
    return Status{};
  }));
  return json::value(json::object{{"KeyId", k->arn}});
}

Result<json::value> UpdateKeyDescription(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    d["Metadata"].as_object()["Description"] = Str(in, "Description");
    return Status{};
  }));
  return json::value(json::object{});
}

// ---- Aliases --------------------------------------------------------------------------------

Status CheckAliasName(std::string_view name, bool creating) {
  if (!StartsWith(name, "alias/") || name.size() <= 6) {
    return Validation("Alias must start with the prefix \"alias/\". Please see "
                      "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
  }
  // Letters, digits, '/', '_' and '-' after the prefix (AWS refuses ':' too).
  if (!std::all_of(name.begin() + 6, name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-';
      })) {
    return Validation(std::string(name) + " contains invalid characters for an alias");
  }
  if (creating && StartsWith(name, "alias/aws/")) {
    return Error{"InvalidAliasNameException",
                 "Alias names beginning with alias/aws/ are reserved for AWS managed keys.", 400,
                 true};
  }
  return {};
}

// The key an alias may point to: named by key id or key ARN (not by another alias).
Result<KeyRef> AliasTargetKey(KmsService& svc, const Call& call, std::string_view target) {
  if (StartsWith(target, "alias/") || target.find(":alias/") != std::string_view::npos) {
    return Validation("An alias must point to a key id or key ARN, not to another alias.");
  }
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, target));
  if (k->account != call.principal.account_id) {
    return Validation("An alias must point to a key in the caller's account.");
  }
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  return k;
}

std::string AliasArn(const Call& call, std::string_view name) {
  return "arn:aws:kms:" + std::string(call.region) + ":" + call.principal.account_id + ":" +
         std::string(name);
}

Result<json::value> CreateAlias(KmsService& svc, const Call& call, const json::object& in) {
  std::string name(Str(in, "AliasName"));
  RAMPART_RETURN_IF_ERROR(CheckAliasName(name, true));
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, AliasTargetKey(svc, call, Str(in, "TargetKeyId")));
  NoteAliasResources(call, "CreateAlias", AliasArn(call, name), k->arn);
  json::object entry{{"AliasName", name},
                     {"AliasArn", AliasArn(call, name)},
                     {"TargetKeyId", k->id},
                     {"CreationDate", Now(call)},
                     {"LastUpdatedDate", Now(call)}};
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) {
    return tx.Insert(call.principal.account_id, "kms-alias", name, json::serialize(entry));
  });
  svc.InvalidateAliases();
  if (!st.ok() && store::IsAlreadyExists(st.error())) {
    return Error{"AlreadyExistsException",
                 "An alias with the name " + AliasArn(call, name) + " already exists", 400, true};
  }
  RAMPART_RETURN_IF_ERROR(st);
  return json::value(json::object{});
}

Result<json::value> UpdateAlias(KmsService& svc, const Call& call, const json::object& in) {
  std::string name(Str(in, "AliasName"));
  RAMPART_RETURN_IF_ERROR(CheckAliasName(name, true));
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, AliasTargetKey(svc, call, Str(in, "TargetKeyId")));
  NoteAliasResources(call, "UpdateAlias", AliasArn(call, name), k->arn);
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto raw, tx.Get(call.principal.account_id, "kms-alias", name));
    if (!raw) return NotFound("Alias " + AliasArn(call, name) + " is not found.");
    json::object entry = json::parse(*raw).as_object();
    RAMPART_ASSIGN_OR_RETURN(KeyRef old, svc.Get(call.principal.account_id,
                                                 StorageId(Str(entry, "TargetKeyId"), call.region),
                                                 call.now_epoch_seconds));
    if (old && (Str(old->metadata(), "KeySpec") != Str(k->metadata(), "KeySpec") ||
                Str(old->metadata(), "KeyUsage") != Str(k->metadata(), "KeyUsage"))) {
      return Validation("The new target key must have the same key spec and key usage.");
    }
    entry["TargetKeyId"] = k->id;
    entry["LastUpdatedDate"] = Now(call);
    return tx.Put(call.principal.account_id, "kms-alias", name, json::serialize(entry));
  });
  svc.InvalidateAliases();
  RAMPART_RETURN_IF_ERROR(st);
  return json::value(json::object{});
}

Result<json::value> DeleteAlias(KmsService& svc, const Call& call, const json::object& in) {
  std::string name(Str(in, "AliasName"));
  RAMPART_RETURN_IF_ERROR(CheckAliasName(name, false));
  RAMPART_ASSIGN_OR_RETURN(std::string target, svc.AliasTarget(call.principal.account_id, name));
  NoteAliasResources(call, "DeleteAlias", AliasArn(call, name),
                     target.empty() ? std::string()
                                    : KeyArn(call.region, call.principal.account_id, target));
  Status st = svc.store().entities().Transact([&](store::EntityTx& tx) {
    return tx.Delete(call.principal.account_id, "kms-alias", name);
  });
  svc.InvalidateAliases();
  if (!st.ok() && store::IsNotFound(st.error())) {
    return NotFound("Alias " + AliasArn(call, name) + " is not found.");
  }
  RAMPART_RETURN_IF_ERROR(st);
  return json::value(json::object{});
}

// The AWS managed aliases every account lists before any AWS service has made their keys: name
// and ARN, no target (AWS creates the key the first time the service uses it).
constexpr std::string_view kAwsManagedAliases[] = {
    "alias/aws/acm", "alias/aws/dynamodb", "alias/aws/ebs", "alias/aws/elasticfilesystem",
    "alias/aws/es", "alias/aws/glue", "alias/aws/kinesisvideo", "alias/aws/lambda",
    "alias/aws/rds", "alias/aws/redshift", "alias/aws/s3", "alias/aws/secretsmanager",
    "alias/aws/ssm", "alias/aws/xray"};

Result<json::value> ListAliases(KmsService& svc, const Call& call, const json::object& in) {
  std::string filter;
  if (!Str(in, "KeyId").empty()) {
    RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
    filter = k->id;
  }
  int64_t limit = 100;
  if (auto* l = in.if_contains("Limit"); l && l->is_int64()) limit = l->as_int64();
  if (limit < 1 || limit > 100) return Validation("Limit must be between 1 and 100.");
  std::string marker(Str(in, "Marker"));
  std::vector<store::EntityRow> rows;
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(rows, tx.List(call.principal.account_id, "kms-alias", "", marker,
                                           100000));
    return {};
  }));
  // The account's aliases and the AWS managed ones, in name order, after the marker.
  std::vector<std::pair<std::string, json::object>> all;
  for (const auto& r : rows) {
    json::object a = json::parse(r.doc).as_object();
    if (!filter.empty() && Str(a, "TargetKeyId") != filter) continue;
    all.emplace_back(r.key, std::move(a));
  }
  if (filter.empty()) {
    for (std::string_view name : kAwsManagedAliases) {
      if (name <= marker) continue;
      bool made = std::any_of(all.begin(), all.end(), [&](const auto& a) { return a.first == name; });
      if (made) continue;  // the service has made its key: the alias has a target
      all.emplace_back(std::string(name), json::object{{"AliasName", name},
                                                       {"AliasArn", AliasArn(call, name)}});
    }
  }
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  json::array out;
  bool truncated = static_cast<int64_t>(all.size()) > limit;
  if (truncated) all.resize(static_cast<size_t>(limit));
  for (auto& [name, a] : all) out.push_back(std::move(a));
  json::object res{{"Aliases", std::move(out)}, {"Truncated", truncated}};
  if (truncated) res["NextMarker"] = all.back().first;
  return json::value(std::move(res));
}

// ---- Tags -----------------------------------------------------------------------------------

Result<json::value> TagResource(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    return MergeTags(d, in.if_contains("Tags"));
  }));
  return json::value(json::object{});
}

Result<json::value> UntagResource(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    json::array kept;
    auto* keys = in.if_contains("TagKeys");
    for (const auto& t : d["Tags"].as_array()) {
      bool drop = false;
      if (keys && keys->is_array()) {
        for (const auto& key : keys->as_array()) {
          if (key.is_string() && key.as_string() == Str(t.as_object(), "TagKey")) drop = true;
        }
      }
      if (!drop) kept.push_back(t);
    }
    d["Tags"] = std::move(kept);
    return Status{};
  }));
  return json::value(json::object{});
}

Result<json::value> ListResourceTags(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  auto* t = k->doc.if_contains("Tags");
  return json::value(json::object{{"Tags", t ? *t : json::array()}, {"Truncated", false}});
}

// ---- Key policies ---------------------------------------------------------------------------

Status CheckPolicyName(std::string_view name) {
  if (!name.empty() && name != "default") return NotFound("No such policy: " + std::string(name));
  return {};
}

Result<json::value> GetKeyPolicy(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(CheckPolicyName(Str(in, "PolicyName")));
  return json::value(json::object{{"Policy", Str(k->doc, "Policy")}});
}

Result<json::value> PutKeyPolicy(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(CheckPolicyName(Str(in, "PolicyName")));
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  std::string_view doc = Str(in, "Policy");
  auto* b = in.if_contains("BypassPolicyLockoutSafetyCheck");
  RAMPART_RETURN_IF_ERROR(CheckPolicy(call, doc, k->arn, b && b->is_bool() && b->as_bool()));
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    d["Policy"] = doc;
    return Status{};
  }));
  return json::value(json::object{});
}

Result<json::value> ListKeyPolicies(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  return json::value(json::object{{"PolicyNames", json::array{"default"}}, {"Truncated", false}});
}

// ---- Rotation -------------------------------------------------------------------------------

Status CheckRotatable(const KeyEntry& k) {
  if (k.spec() != KeySpec::kSymmetricDefault || Str(k.metadata(), "Origin") != "AWS_KMS") {
    return Unsupported(k.arn + " key type does not support automatic key rotation.");
  }
  return {};
}

Result<json::value> SetRotation(KmsService& svc, const Call& call, const json::object& in,
                                bool enable) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  if (k->state() == "Disabled") return Disabled(k->arn + " is disabled.");
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  RAMPART_RETURN_IF_ERROR(CheckRotatable(*k));
  if (IsReplica(*k)) {
    return Unsupported(k->arn + " is a multi-Region replica key: automatic rotation is managed on "
                                "its primary key.");
  }
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    json::object rot = d["Rotation"].is_object() ? d["Rotation"].as_object() : json::object{};
    bool was = rot["Enabled"].is_bool() && rot["Enabled"].as_bool();
    rot["Enabled"] = enable;
    rot["PeriodDays"] = 365;
    if (enable && !was) rot["Next"] = Now(call) + std::ceil(365 * svc.day_seconds());
    d["Rotation"] = std::move(rot);
    return Status{};
  }));
  return json::value(json::object{});
}
Result<json::value> EnableKeyRotation(KmsService& s, const Call& c, const json::object& in) {
  // A key id or key ARN only (the API reference's KeyId); an alias is not found as a key.
  std::string_view id = Str(in, "KeyId");
  if (StartsWith(id, "alias/") || id.find(":alias/") != std::string_view::npos) {
    return NotFound("Invalid keyId " + std::string(id));
  }
  return SetRotation(s, c, in, true);
}
Result<json::value> DisableKeyRotation(KmsService& s, const Call& c, const json::object& in) {
  return SetRotation(s, c, in, false);
}

Result<json::value> GetKeyRotationStatus(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  RAMPART_RETURN_IF_ERROR(CheckRotatable(*k));
  bool on = false;
  if (auto* r = k->doc.if_contains("Rotation"); r && r->is_object()) {
    auto* e = r->as_object().if_contains("Enabled");
    on = e && e->is_bool() && e->as_bool();
  }
  return json::value(json::object{{"KeyRotationEnabled", on}});
}

// ---- Imported key material ------------------------------------------------------------------

Status CheckExternal(const KeyEntry& k) {
  if (Str(k.metadata(), "Origin") != "EXTERNAL") {
    return Unsupported(k.arn + " origin is " + std::string(Str(k.metadata(), "Origin")) +
                       " which is not valid for this operation.");
  }
  return {};
}

constexpr double kImportTokenSeconds = 24 * 3600;

Result<json::value> GetParametersForImport(KmsService& svc, const Call& call,
                                           const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(CheckExternal(*k));
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  std::string_view alg = Str(in, "WrappingAlgorithm");
  // RSAES_PKCS1_V1_5 is refused as AWS has since October 10, 2023: an unwrap that tells a bad
  // padding from bad key material is a padding oracle (Bleichenbacher); OAEP is not one.
  if (alg == "RSAES_PKCS1_V1_5") {
    return Unsupported("WrappingAlgorithm RSAES_PKCS1_V1_5 is not supported: KMS no longer "
                       "supports it (deprecated since October 10, 2023). Use RSAES_OAEP_SHA_256.");
  }
  if (alg != "RSAES_OAEP_SHA_1" && alg != "RSAES_OAEP_SHA_256") {
    return Unsupported("WrappingAlgorithm " + std::string(alg) + " is not supported.");
  }
  std::string_view wks = Str(in, "WrappingKeySpec");
  auto spec = ParseKeySpec(wks);
  if (!spec || !IsRsa(*spec)) {
    return Unsupported("WrappingKeySpec " + std::string(wks) + " is not supported.");
  }
  RAMPART_ASSIGN_OR_RETURN(KeyPair kp, GenerateKeyPair(*spec));
  std::string token = crypto::RandomBytes(32);
  std::string token_hash = crypto::Sha256Hex(token);
  RAMPART_ASSIGN_OR_RETURN(std::string sealed,
                           svc.store().Seal("kms/import/" + k->arn + "/" + token_hash,
                                            kp.private_der));
  double expires = Now(call) + kImportTokenSeconds;
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    d["Import"] = json::object{{"TokenHash", token_hash},
                               {"WrappingKey", sealed},
                               {"Algorithm", alg},
                               {"Expires", expires}};
    return Status{};
  }));
  return json::value(json::object{{"KeyId", k->arn},
                                  {"ImportToken", token},
                                  {"PublicKey", kp.public_der},
                                  {"ParametersValidTo", expires}});
}

Result<json::value> ImportKeyMaterial(KmsService& svc, const Call& call, const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(CheckExternal(*k));
  RAMPART_RETURN_IF_ERROR(NotPendingDeletion(*k));
  auto* imp = k->doc.if_contains("Import");
  std::string token_hash = crypto::Sha256Hex(Str(in, "ImportToken"));
  if (!imp || !imp->is_object() ||
      !crypto::ConstantTimeEquals(Str(imp->as_object(), "TokenHash"), token_hash)) {
    return Error{"InvalidImportTokenException",
                 "The import token is invalid or does not belong to this key.", 400, true};
  }
  const json::object& im = imp->as_object();
  double expires = im.at("Expires").is_double() ? im.at("Expires").as_double() : 0;
  if (Now(call) >= expires) {
    return Error{"ExpiredImportTokenException", "The import token has expired.", 400, true};
  }
  std::string model(Str(in, "ExpirationModel"));
  if (model.empty()) model = "KEY_MATERIAL_EXPIRES";
  double valid_to = 0;
  if (auto* v = in.if_contains("ValidTo"); v && v->is_number()) valid_to = v->to_number<double>();
  if (model == "KEY_MATERIAL_EXPIRES" && valid_to <= 0) {
    return Validation("ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.");
  }
  if (model == "KEY_MATERIAL_DOES_NOT_EXPIRE" && valid_to > 0) {
    return Validation("ValidTo must not be set when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.");
  }
  if (valid_to > 0 && valid_to <= Now(call)) return Validation("ValidTo must be in the future.");
  RAMPART_ASSIGN_OR_RETURN(std::string wrapping,
                           svc.store().Open("kms/import/" + k->arn + "/" + token_hash,
                                            Str(im, "WrappingKey"), "KMS import wrapping key"));
  if (Str(im, "Algorithm") == "RSAES_PKCS1_V1_5") {  // a token issued by an older version
    return Unsupported("WrappingAlgorithm RSAES_PKCS1_V1_5 is not supported: get new import "
                       "parameters with RSAES_OAEP_SHA_256.");
  }
  auto raw = UnwrapImport(wrapping, Str(im, "Algorithm"), Str(in, "EncryptedKeyMaterial"));
  if (!raw.ok()) {
    return InvalidCiphertext("The EncryptedKeyMaterial does not decrypt with the wrapping key.");
  }
  // Re-imports must bring back the same material (old ciphertexts depend on it).
  std::string check = crypto::HexEncode(crypto::HmacSha256(*raw, "rampart kms key check v1"));
  if (auto* prev = k->doc.if_contains("MaterialCheck"); prev && prev->is_string() &&
                                                        prev->as_string() != check) {
    return Error{"IncorrectKeyMaterialException",
                 "The key material is not the material previously imported into this KMS key.",
                 400, true};
  }
  RAMPART_ASSIGN_OR_RETURN(std::string handle,
                           svc.keys().Import(KeySpec::kSymmetricDefault, *raw, Binding(*k, 1)));
  OPENSSL_cleanse(raw->data(), raw->size());
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    d["Materials"] = json::array{json::object{{"Version", 1}, {"Handle", handle}, {"Created", Now(call)}}};
    d["Current"] = 1;
    d["MaterialCheck"] = check;
    d.erase("Import");
    json::object& md = d["Metadata"].as_object();
    md["KeyState"] = "Enabled";
    md["Enabled"] = true;
    md["ExpirationModel"] = model;
    if (valid_to > 0) {
      md["ValidTo"] = valid_to;
    } else {
      md.erase("ValidTo");
    }
    return Status{};
  }));
  if (call.record) call.record->response["keyMaterialId"] = MaterialId(*k, 1);
  return json::value(json::object{});
}

Result<json::value> DeleteImportedKeyMaterial(KmsService& svc, const Call& call,
                                              const json::object& in) {
  RAMPART_ASSIGN_OR_RETURN(KeyRef k, svc.Find(call, Str(in, "KeyId")));
  RAMPART_RETURN_IF_ERROR(CheckExternal(*k));
  RAMPART_RETURN_IF_ERROR(svc.Mutate(k->account, k->key_id, [&](store::EntityTx&, json::object& d) {
    d["Materials"] = json::array();
    json::object& md = d["Metadata"].as_object();
    if (Str(md, "KeyState") != "PendingDeletion") {
      md["KeyState"] = "PendingImport";
      md["Enabled"] = false;
    }
    md.erase("ValidTo");
    md.erase("ExpirationModel");
    return Status{};
  }));
  if (call.record) call.record->response["keyMaterialId"] = MaterialId(*k, 1);
  return json::value(json::object{});
}

std::string AwsManagedKeyPolicy(std::string_view account, std::string_view service,
                                std::string_view region) {
  std::string acct(account), via = std::string(service) + "." + std::string(region) + ".amazonaws.com";
  json::object policy{
      {"Version", "2012-10-17"},
      {"Id", "auto-" + std::string(service) + "-2"},
      {"Statement",
       json::array{
           json::object{{"Sid", "Allow access through " + std::string(service) +
                                     " for all principals in the account that are authorized to "
                                     "use " + std::string(service)},
                        {"Effect", "Allow"},
                        {"Principal", json::object{{"AWS", "*"}}},
                        {"Action", json::array{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*",
                                               "kms:GenerateDataKey*", "kms:DescribeKey"}},
                        {"Resource", "*"},
                        {"Condition",
                         json::object{{"StringEquals", json::object{{"kms:CallerAccount", acct},
                                                                    {"kms:ViaService", via}}}}}},
           json::object{{"Sid", "Allow direct access to key metadata to the account"},
                        {"Effect", "Allow"},
                        {"Principal", json::object{{"AWS", "arn:aws:iam::" + acct + ":root"}}},
                        {"Action", json::array{"kms:Describe*", "kms:Get*", "kms:List*"}},
                        {"Resource", "*"}}}}};
  return json::serialize(policy);
}

}  // namespace

Result<std::string> AwsManagedKey(KmsService& svc, const Call& call, std::string_view service) {
  std::string alias = "alias/aws/" + std::string(service);
  const std::string& account = call.principal.account_id;
  if (auto target = svc.AliasTarget(account, alias); target.ok() && !target->empty()) {
    return *target;
  }
  std::string key_id = NewKeyId();
  std::string arn = KeyArn(call.region, account, key_id);
  json::object md{{"AWSAccountId", account},
                  {"KeyId", key_id},
                  {"Arn", arn},
                  {"CreationDate", Now(call)},
                  {"Enabled", true},
                  {"Description", "Default key that protects my " + std::string(service) +
                                      " objects when no other key is defined"},
                  {"KeyUsage", "ENCRYPT_DECRYPT"},
                  {"KeyState", "Enabled"},
                  {"Origin", "AWS_KMS"},
                  {"KeyManager", "AWS"},
                  {"CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"},
                  {"KeySpec", "SYMMETRIC_DEFAULT"},
                  {"MultiRegion", false},
                  {"EncryptionAlgorithms", json::array{"SYMMETRIC_DEFAULT"}}};
  RAMPART_ASSIGN_OR_RETURN(std::string handle,
                           svc.keys().Generate(KeySpec::kSymmetricDefault, MaterialBinding(md, 1)));
  json::object doc{{"Metadata", md},
                   {"Policy", AwsManagedKeyPolicy(account, service, call.region)},
                   {"Tags", json::array()},
                   {"Materials", json::array{json::object{
                                     {"Version", 1}, {"Handle", handle}, {"Created", Now(call)}}}},
                   {"Current", 1},
                   // AWS rotates AWS managed keys every year.
                   {"Rotation", json::object{{"Enabled", true}, {"PeriodDays", 365},
                                             {"Next", Now(call) + std::ceil(365 * svc.day_seconds())}}}};
  json::object entry{{"AliasName", alias},
                     {"AliasArn", AliasArn(call, alias)},
                     {"TargetKeyId", key_id},
                     {"CreationDate", Now(call)},
                     {"LastUpdatedDate", Now(call)}};
  std::string made = key_id;
  // One transaction: two first uses at once make one key (the second finds the alias).
  RAMPART_RETURN_IF_ERROR(svc.store().entities().Transact([&](store::EntityTx& tx) -> Status {
    RAMPART_ASSIGN_OR_RETURN(auto existing, tx.Get(account, "kms-alias", alias));
    if (existing) {
      json::value v = json::parse(*existing);
      made = v.is_object() ? std::string(Str(v.as_object(), "TargetKeyId")) : "";
      return {};
    }
    RAMPART_RETURN_IF_ERROR(tx.Insert(account, "kms-key", key_id, json::serialize(doc)));
    return tx.Insert(account, "kms-alias", alias, json::serialize(entry));
  }));
  svc.InvalidateAliases();
  if (made.empty()) return Error::Internal("the alias " + alias + " is damaged");
  return made;
}


void AddKeyOps(KmsService& svc, std::vector<OperationEntry>& ops) {
  static constexpr std::pair<std::string_view, Handler> kOps[] = {
      {"CreateKey", CreateKey},
      {"DescribeKey", DescribeKey},
      {"ListKeys", ListKeys},
      {"EnableKey", EnableKey},
      {"DisableKey", DisableKey},
      {"ScheduleKeyDeletion", ScheduleKeyDeletion},
      {"CancelKeyDeletion", CancelKeyDeletion},
      {"UpdateKeyDescription", UpdateKeyDescription},
      {"CreateAlias", CreateAlias},
      {"UpdateAlias", UpdateAlias},
      {"DeleteAlias", DeleteAlias},
      {"ListAliases", ListAliases},
      {"TagResource", TagResource},
      {"UntagResource", UntagResource},
      {"ListResourceTags", ListResourceTags},
      {"GetKeyPolicy", GetKeyPolicy},
      {"PutKeyPolicy", PutKeyPolicy},
      {"ListKeyPolicies", ListKeyPolicies},
      {"EnableKeyRotation", EnableKeyRotation},
      {"DisableKeyRotation", DisableKeyRotation},
      {"GetKeyRotationStatus", GetKeyRotationStatus},
      {"GetParametersForImport", GetParametersForImport},
      {"ImportKeyMaterial", ImportKeyMaterial},
      {"DeleteImportedKeyMaterial", DeleteImportedKeyMaterial},
  };
  AddOperations(ops, svc, kOps);
}

}  // namespace rampart::services::kms
