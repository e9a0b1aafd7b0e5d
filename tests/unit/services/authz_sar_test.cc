// Each action is authorized against the resource AWS names for it: for every operation Rampart
// serves of IAM, STS, KMS, CloudTrail and S3, the (action, resource) pairs the authorizer
// evaluates are checked against the Service Authorization Reference's facts in
// tests/data/authz/service_authorization.json (resource types and their ARN formats).
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "policy/request.h"
#include "protocol/model.h"
#include "services/call.h"
#include "services/cloudtrail/authz.h"
#include "services/iam/common.h"
#include "services/identity/authorizer.h"
#include "services/kms/kms.h"
#include "services/s3/s3.h"
#include "services/sts/sts.h"
#include "store/store.h"

namespace rampart::services {
namespace {

namespace json = boost::json;
constexpr const char* kAccount = "111122223333";

json::object LoadSar() {
  std::ifstream f(std::string(RAMPART_SOURCE_DIR) + "/tests/data/authz/service_authorization.json");
  std::stringstream ss;
  ss << f.rdbuf();
  return json::parse(ss.str()).as_object();
}

// An ARN format of the reference as a regex: ${Partition} aws, ${Account} 12 digits, ${Region}
// a region or empty, any other variable one or more characters.
std::string ArnRegex(std::string_view format) {
  std::string out;
  for (size_t i = 0; i < format.size();) {
    if (format.substr(i, 2) == "${") {
      size_t end = format.find('}', i);
      std::string_view var = format.substr(i + 2, end - i - 2);
      out += var == "Partition" ? "aws" : var == "Account" ? "\\d{12}" : var == "Region" ? "[a-z0-9-]*" : ".+";
      i = end + 1;
    } else {
      out += RE2::QuoteMeta(std::string(1, format[i]));
      ++i;
    }
  }
  return out;
}

// Sample values for the members resolvers read.
const std::map<std::string, std::string>& Samples() {
  static const std::map<std::string, std::string> m = {
      {"UserName", "alice"},
      {"GroupName", "admins"},
      {"RoleName", "app-role"},
      {"InstanceProfileName", "web"},
      {"PolicyArn", "arn:aws:iam::111122223333:policy/p1"},
      {"PolicyName", "p1"},
      {"OpenIDConnectProviderArn", "arn:aws:iam::111122223333:oidc-provider/idp.example.com"},
      {"Url", "https://idp.example.com"},
      {"SAMLProviderArn", "arn:aws:iam::111122223333:saml-provider/corp"},
      {"Name", "corp"},
      {"ServerCertificateName", "web-cert"},
      {"SerialNumber", "arn:aws:iam::111122223333:mfa/dev1"},
      {"VirtualMFADeviceName", "dev1"},
      {"AWSServiceName", "elasticbeanstalk.amazonaws.com"},
      {"DeletionTaskId", "task/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk/1"},
      {"Arn", "arn:aws:iam::111122223333:user/alice"},
      {"PolicySourceArn", "arn:aws:iam::111122223333:user/alice"},
      {"EntityPath", "o-abc/r-root"},
      {"RoleArn", "arn:aws:iam::111122223333:role/app-role"},
      {"RoleSessionName", "s1"},
      {"TrailName", "main"},
      {"ResourceId", "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"},
      {"EventDataStore", "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/eds1"},
      {"AliasName", "alias/a1"},
      {"TargetKeyId", "KEY"},
      {"KeyId", "KEY"},
      {"SourceKeyId", "KEY"},
      {"DestinationKeyId", "KEY"},
      {"GrantId", "g1"},
      {"AccessKeyId", "AKEY"},
      {"Channel", "arn:aws:cloudtrail:us-east-1:111122223333:channel/ch1"},
      {"QueryStatement", "SELECT eventID FROM eds1 WHERE eventName = 'X'"},
  };
  return m;
}

class SarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto st = store::OpenSqliteStore({":memory:", crypto::RandomBytes(32)});
    ASSERT_TRUE(st.ok());
    store_ = std::move(*st);
    ASSERT_TRUE(store_->accounts().CreateAccount({kAccount, "test", "", 0}).ok());
    iam_ = std::make_unique<iam::IamService>(*store_);
    kms_ = std::make_unique<kms::KmsService>(*store_, kms::NewSoftwareKeyStore(*store_));
    authorizer_ = std::make_unique<Authorizer>(*iam_);
    authorizer_->RegisterResolver("kms", [this](const Call& c, const model::Operation& op,
                                                const json::object& in) {
      return kms::ResolveResource(*kms_, c, op, in);
    });
    authorizer_->RegisterResolver("cloudtrail", cloudtrail::ResolveResource);
    s3_dir_ = std::filesystem::temp_directory_path() /
              ("sar-s3-" + crypto::HexEncode(crypto::RandomBytes(6)));
    auto blobs = s3::BlobStore::Open(s3_dir_.string());
    ASSERT_TRUE(blobs.ok()) << blobs.error().message;
    s3_ = std::make_unique<s3::S3Service>(*store_, std::move(*blobs));
    authorizer_->RegisterResolver("s3", [this](const Call& c, const model::Operation& op,
                                               const json::object& in) {
      return s3::ResolveResource(*s3_, c, op, in);
    });
    authorizer_->SetObserver([this](const policy::Request& r) {
      seen_.push_back({r.action(), r.resource(), {}});
      for (const std::string& k : candidate_keys_) {
        if (r.Find(k)) seen_.back().keys.push_back(k);
      }
    });
    Principal root;
    root.type = Principal::Type::kRoot;
    root.account_id = kAccount;
    root.arn = std::string("arn:aws:iam::") + kAccount + ":root";
    Run(root, "iam", "CreateUser", {{"UserName", "tester"}});
    Run(root, "iam", "PutUserPolicy",
        {{"UserName", "tester"}, {"PolicyName", "all"},
         {"PolicyDocument", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})"}});
    Run(root, "iam", "CreateRole",
        {{"RoleName", "app-role"},
         {"AssumeRolePolicyDocument", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/tester"},"Action":"sts:AssumeRole"}]})"}});
    Run(root, "iam", "CreateUser", {{"UserName", "alice"}});
    auto ak = Run(root, "iam", "CreateAccessKey", {{"UserName", "alice"}});
    access_key_ = std::string(ak.at("AccessKey").at("AccessKeyId").as_string());
    auto key = Run(root, "kms", "CreateKey", {});
    key_id_ = std::string(key.at("KeyMetadata").at("KeyId").as_string());
    Run(root, "kms", "CreateAlias", {{"AliasName", "alias/a1"}, {"TargetKeyId", key_id_}});
    // S3: a versioned bucket with a tagged object of two versions (the older one is named).
    Run(root, "s3", "CreateBucket", {{"Bucket", "sar-bucket"}});
    Run(root, "s3", "PutBucketVersioning",
        {{"Bucket", "sar-bucket"}, {"VersioningConfiguration", {{"Status", "Enabled"}}}});
    auto v1 = Run(root, "s3", "PutObject", {{"Bucket", "sar-bucket"}, {"Key", "obj"}, {"Body", "one"}});
    version_id_ = std::string(v1.at("VersionId").as_string());
    Run(root, "s3", "PutObject", {{"Bucket", "sar-bucket"}, {"Key", "obj"}, {"Body", "two"}});
    Run(root, "s3", "PutObjectTagging",
        {{"Bucket", "sar-bucket"}, {"Key", "obj"},
         {"Tagging", {{"TagSet", json::array{json::object{{"Key", "env"}, {"Value", "dev"}}}}}}});
    tester_.type = Principal::Type::kIamUser;
    tester_.account_id = kAccount;
    tester_.arn = std::string("arn:aws:iam::") + kAccount + ":user/tester";
    tester_.user_name = "tester";
  }
  void TearDown() override { std::filesystem::remove_all(s3_dir_); }

  json::object Run(const Principal& p, std::string_view svc, std::string_view op,
                   json::object in) {
    const model::Service* s = model::FindService(svc);
    ServiceTable table = svc == "iam"   ? iam::Operations(*iam_)
                         : svc == "kms" ? kms::Operations(*kms_)
                         : svc == "s3"  ? s3::Operations(*s3_)
                                        : ServiceTable{};
    for (const auto& e : table.operations) {
      if (e.operation != op) continue;
      Call call{p, "req", "us-east-1", "127.0.0.1", 1800000000, 0, {}};
      auto out = e.fn(call, json::value(std::move(in)));
      EXPECT_TRUE(out.ok()) << op << ": " << (out.ok() ? "" : out.error().message);
      return out.ok() && out->is_object() ? out->as_object() : json::object();
    }
    ADD_FAILURE() << "no handler " << svc << ":" << op << " (" << (s ? "model ok" : "no model") << ")";
    return {};
  }

  // The (action, resource) pairs evaluated for `op` of `svc` called by the tester.
  struct Seen {
    std::string action, resource;
    std::vector<std::string> keys;  // lowercased service condition keys the request carries
  };
  std::vector<Seen> Evaluated(const model::Service& svc,
                                                             const model::Operation& op) {
    // The members the operation's input has (as a real request carries them), with samples.
    json::object in;
    if (op.input != model::kNoShape) {
      for (const model::Member& m : svc.StructMembers(svc.shape(op.input))) {
        auto it = Samples().find(std::string(m.name));
        if (it != Samples().end()) {
          in[m.name] = it->second == "KEY" ? key_id_ : it->second == "AKEY" ? access_key_ : it->second;
        }
        if (m.name == "ResourceIdList") in[m.name] = json::array{Samples().at("ResourceId")};
      }
    }
    if (op.name == "AssumeRole") in.erase("SerialNumber");  // no device: checked before
    return EvaluatedWith(svc, op, std::move(in));
  }
  std::vector<Seen> EvaluatedWith(const model::Service& svc, const model::Operation& op,
                                  json::object in) {
    seen_.clear();
    Call call{tester_, "req", "us-east-1", "127.0.0.1", 1800000000, 0, {}};
    AuthzRequest req{call, svc, op, json::value(in), true};
    (void)authorizer_->Authorize(req);
    return seen_;
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<iam::IamService> iam_;
  std::unique_ptr<kms::KmsService> kms_;
  std::filesystem::path s3_dir_;
  std::unique_ptr<s3::S3Service> s3_;
  std::string version_id_;  // the older version of sar-bucket/obj
  std::unique_ptr<Authorizer> authorizer_;
  std::vector<Seen> seen_;
  std::vector<std::string> candidate_keys_;  // every non-template service key, lowercased
  Principal tester_;
  std::string key_id_, access_key_;
};

// Operations the authorizer does not decide for a signed caller (AWS does not authorize them,
// or they are decided elsewhere: federated calls by the trust policy alone).
bool NotAuthorized(std::string_view svc, std::string_view op) {
  return svc == "sts" && (op == "GetCallerIdentity" || op == "GetSessionToken" ||
                          op == "AssumeRoleWithWebIdentity" || op == "AssumeRoleWithSAML");
}

TEST_F(SarTest, EveryActionIsAuthorizedOnTheResourceAwsNames) {
  json::object sar = LoadSar();
  for (const char* id : {"iam", "sts", "kms", "cloudtrail"}) {
    for (const auto& [op, a] : sar.at("services").at(id).at("actions").as_object()) {
      for (const auto& k : a.at("condition_keys").as_array()) {
        std::string key(k.as_string());
        if (key.find("${") != std::string::npos || key.rfind("aws:", 0) == 0) continue;
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        candidate_keys_.push_back(key);
      }
    }
  }
  for (std::string extra : {"kms:grantoperations", "iam:passedtoservice", "kms:keyspec",
                            "kms:encryptioncontextkeys", "sts:externalid"}) {
    candidate_keys_.push_back(extra);
  }
  std::sort(candidate_keys_.begin(), candidate_keys_.end());
  candidate_keys_.erase(std::unique(candidate_keys_.begin(), candidate_keys_.end()),
                        candidate_keys_.end());
  std::vector<std::string> mismatches;
  int checked = 0;
  for (const char* id : {"iam", "sts", "kms", "cloudtrail"}) {
    const model::Service* svc = model::FindService(id);
    ASSERT_NE(svc, nullptr);
    const json::object& facts = sar.at("services").at(id).as_object();
    const json::object& types = facts.at("resource_types").as_object();
    for (const model::Operation& op : svc->operations) {
      if (NotAuthorized(id, op.name)) continue;
      const json::value* entry = facts.at("actions").as_object().if_contains(op.name);
      if (!entry) continue;
      auto evaluated = Evaluated(*svc, op);
      if (evaluated.empty()) {
        mismatches.push_back(std::string(id) + ":" + std::string(op.name) + " evaluated nothing");
        continue;
      }
      ++checked;
      // The first evaluation is the operation's own action on its resource.
      const std::string& action = evaluated.front().action;
      const std::string& resource = evaluated.front().resource;
      const json::object& e = entry->as_object();
      // Service condition keys the request carries must be keys the action supports.
      std::set<std::string> supported;
      for (const auto& k : e.at("condition_keys").as_array()) {
        std::string key(k.as_string());
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        supported.insert(key);
      }
      for (const auto& seen : evaluated) {
        if (seen.action != action) continue;  // other actions (PassRole, ReEncryptTo) differ
        for (const std::string& k : seen.keys) {
          if (!supported.count(k)) {
            mismatches.push_back(std::string(id) + ":" + std::string(op.name) + " sets " + k +
                                 ", which the action does not support");
          }
        }
      }
      std::set<std::string> actions;
      for (const auto& a : e.at("actions").as_array()) actions.insert(std::string(a.as_string()));
      if (!actions.count(action)) {
        mismatches.push_back(std::string(op.name) + ": action " + action + ", SAR " +
                             std::string(e.at("action").as_string()));
      }
      const json::array& res = e.at("resources").as_array();
      bool required = false, matched = false;
      std::string wanted;
      for (const auto& r : res) {
        const json::object& ro = r.as_object();
        required = required || ro.at("required").as_bool();
        std::string type(ro.at("type").as_string());
        const json::value* fmt = types.if_contains(type);
        if (!fmt) continue;
        wanted += (wanted.empty() ? "" : " | ") + type;
        if (RE2::FullMatch(resource, ArnRegex(fmt->as_string()))) matched = true;
      }
      bool ok = res.empty() ? resource == "*" : matched || (!required && resource == "*");
      if (!ok) {
        mismatches.push_back(std::string(id) + ":" + std::string(op.name) + " on " + resource +
                             ", SAR: " + (res.empty() ? std::string("*") : wanted));
      }
      // KMS's alias operations act on an alias and a key together: each required resource type
      // is authorized (some evaluation of the action is on a resource of that type). (IAM's
      // access-report actions list several required types too, but take one ARN of any of
      // them.)
      int required_types = 0;
      for (const auto& r : res) required_types += r.as_object().at("required").as_bool() ? 1 : 0;
      for (const auto& r : res) {
        const json::object& ro = r.as_object();
        const json::value* fmt = types.if_contains(std::string(ro.at("type").as_string()));
        if (std::string_view(id) != "kms" || required_types < 2 || !ro.at("required").as_bool() ||
            !fmt) {
          continue;
        }
        bool covered = std::any_of(evaluated.begin(), evaluated.end(), [&](const Seen& s) {
          return s.action == action && RE2::FullMatch(s.resource, ArnRegex(fmt->as_string()));
        });
        if (!covered) {
          mismatches.push_back(std::string(id) + ":" + std::string(op.name) + " never authorized on its " +
                               std::string(ro.at("type").as_string()));
        }
      }
    }
  }
  std::string all;
  for (const auto& m : mismatches) all += "\n  " + m;
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " of " << checked << all;
  EXPECT_GT(checked, 200);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Whether `key` (lowercased, as the request carries it) is one of `supported`; a tag key
// (s3:ExistingObjectTag/env) matches the template the reference writes (…/<key>, …/${TagKey}).
bool Supports(const std::set<std::string>& supported, const std::string& key) {
  if (supported.count(key)) return true;
  std::string stem = key.substr(0, key.rfind('/') + 1);
  return !stem.empty() && (supported.count(stem + "<key>") || supported.count(stem + "${tagkey}"));
}

// The S3 request members behind the condition keys AWS derives from them: a key the action
// supports must be set when its member is in the request.
const std::map<std::string, std::string>& S3KeyMembers() {
  static const std::map<std::string, std::string> m = {
      {"s3:prefix", "Prefix"},
      {"s3:delimiter", "Delimiter"},
      {"s3:max-keys", "MaxKeys"},
      {"s3:x-amz-acl", "ACL"},
      {"s3:x-amz-server-side-encryption", "ServerSideEncryption"},
      {"s3:x-amz-server-side-encryption-aws-kms-key-id", "SSEKMSKeyId"},
      {"s3:x-amz-storage-class", "StorageClass"},
      {"s3:x-amz-copy-source", "CopySource"},
      {"s3:x-amz-metadata-directive", "MetadataDirective"},
      {"s3:versionid", "VersionId"},
      {"s3:locationconstraint", "CreateBucketConfiguration"},
      {"s3:requestobjecttagkeys", "Tagging"},
      {"s3:resourceaccount", "Bucket"},
  };
  return m;
}

// Every S3 operation Rampart serves is authorized with AWS's action (its version action when the
// request names a version; s3:GetObject / s3:GetObjectVersion on a copy source as well), on a
// resource of a type that action takes, with only condition keys the action supports, and with
// the request-derived keys it supports that the request carries.
TEST_F(SarTest, EveryS3OperationIsAuthorizedAsAwsDoes) {
  json::object sar = LoadSar();
  const json::object& facts = sar.at("services").at("s3").as_object();
  const json::object& types = facts.at("resource_types").as_object();
  // The facts of each IAM action: primary actions of the operations, and the version actions.
  std::map<std::string, const json::object*> by_action;
  for (const auto& [op, e] : facts.at("actions").as_object()) {
    by_action[std::string(e.at("action").as_string())] = &e.as_object();
  }
  for (const auto& [name, e] : facts.at("sar_actions_without_botocore_operation").as_object()) {
    by_action[std::string(e.at("action").as_string())] = &e.as_object();
  }
  for (const auto& [action, e] : by_action) {
    for (const auto& k : e->at("condition_keys").as_array()) {
      std::string key = Lower(std::string(k.as_string()));
      if (key.find("${") == std::string::npos && key.find('<') == std::string::npos &&
          key.rfind("s3:", 0) == 0) {
        candidate_keys_.push_back(key);
      }
    }
  }
  candidate_keys_.push_back("s3:existingobjecttag/env");
  candidate_keys_.push_back("s3:requestobjecttag/env");
  std::sort(candidate_keys_.begin(), candidate_keys_.end());
  candidate_keys_.erase(std::unique(candidate_keys_.begin(), candidate_keys_.end()),
                        candidate_keys_.end());

  const model::Service* svc = model::FindService("s3");
  ASSERT_NE(svc, nullptr);
  std::vector<std::string> mismatches;
  auto fail = [&](std::string_view op, const std::string& what) {
    mismatches.push_back("s3:" + std::string(op) + " " + what);
  };
  // Checks each evaluation of a request against the facts of its action.
  auto check = [&](std::string_view op, const json::object& in, const std::vector<Seen>& seen) {
    for (const Seen& s : seen) {
      auto it = by_action.find(s.action);
      if (it == by_action.end()) {
        fail(op, "authorizes " + s.action + ", which the reference has no facts for here");
        continue;
      }
      const json::object& e = *it->second;
      const json::array& res = e.at("resources").as_array();
      bool matched = res.empty() && (s.resource == "*" || s.resource.empty());
      std::string wanted;
      for (const auto& r : res) {
        std::string type(r.as_object().at("type").as_string());
        wanted += (wanted.empty() ? "" : " | ") + type;
        if (const json::value* fmt = types.if_contains(type)) {
          matched = matched || RE2::FullMatch(s.resource, ArnRegex(fmt->as_string()));
        }
      }
      if (!matched) fail(op, s.action + " on '" + s.resource + "', SAR: " + (res.empty() ? "*" : wanted));
      std::set<std::string> supported;
      for (const auto& k : e.at("condition_keys").as_array()) supported.insert(Lower(std::string(k.as_string())));
      for (const std::string& k : s.keys) {
        if (!Supports(supported, k)) fail(op, s.action + " sets " + k + ", which it does not support");
      }
      for (const auto& [key, member] : S3KeyMembers()) {
        bool carried = in.contains(member) && (member != "Tagging" || in.at(member).is_string());
        if (!carried || !supported.count(key)) continue;
        if (std::find(s.keys.begin(), s.keys.end(), key) == s.keys.end()) {
          fail(op, s.action + " lacks " + key + " although the request has " + member);
        }
      }
    }
  };
  auto first_action = [](const std::vector<Seen>& seen) {
    return seen.empty() ? std::string("(nothing)") : seen.front().action;
  };

  int checked = 0;
  std::vector<std::string> served;
  for (const auto& e : s3::Operations(*s3_).operations) served.emplace_back(e.operation);
  for (const std::string& name : served) {
    const model::Operation* op = nullptr;
    for (const model::Operation& o : svc->operations) {
      if (o.name == name) op = &o;
    }
    ASSERT_NE(op, nullptr) << name;
    const json::value* entry = facts.at("actions").as_object().if_contains(name);
    if (!entry) {
      fail(name, "is served but has no facts in service_authorization.json");
      continue;
    }
    const json::object& e = entry->as_object();
    // The members the operation's input has, with samples naming the fixture bucket and object.
    json::object in;
    bool has_version_member = false;
    auto members = op->input == model::kNoShape ? std::span<const model::Member>()
                                                : svc->StructMembers(svc->shape(op->input));
    for (const model::Member& m : members) {
      std::string_view n = m.name;
      bool is_string = svc->shape(m.shape).type == model::ShapeType::kString;
      if (n == "Bucket") in[n] = name == "CreateBucket" ? "sar-new-bucket" : "sar-bucket";
      if (n == "Key") in[n] = "obj";
      if (n == "UploadId") in[n] = "upload-1";
      if (n == "CopySource") in[n] = "sar-bucket/obj";
      if (n == "Prefix") in[n] = "o";
      if (n == "Delimiter") in[n] = "/";
      if (n == "MaxKeys") in[n] = 10;
      if (n == "ACL") in[n] = "private";
      if (n == "ServerSideEncryption") in[n] = "AES256";
      if (n == "StorageClass") in[n] = "STANDARD";
      if (n == "MetadataDirective") in[n] = "REPLACE";
      if (n == "Tagging" && is_string) in[n] = "env=test";
      if (n == "CreateBucketConfiguration") in[n] = json::object{{"LocationConstraint", "eu-west-1"}};
      if (n == "Delete") in[n] = json::object{{"Objects", json::array{json::object{{"Key", "obj"}}}}};
      has_version_member = has_version_member || n == "VersionId";
    }
    auto seen = EvaluatedWith(*svc, *op, in);
    ++checked;
    if (seen.empty()) {
      fail(name, "evaluated nothing");
      continue;
    }
    if (first_action(seen) != e.at("action").as_string()) {
      fail(name, "action " + first_action(seen) + ", SAR " + std::string(e.at("action").as_string()));
    }
    check(name, in, seen);
    // Naming a version authorizes the version's own action.
    if (const json::value* va = e.if_contains("version_action")) {
      json::object vin = in;
      if (name == "DeleteObjects") {
        vin["Delete"] = json::object{
            {"Objects", json::array{json::object{{"Key", "obj"}, {"VersionId", version_id_}}}}};
      } else {
        EXPECT_TRUE(has_version_member) << name;
        vin["VersionId"] = version_id_;
      }
      auto vseen = EvaluatedWith(*svc, *op, vin);
      if (first_action(vseen) != va->as_string()) {
        fail(name, "with a VersionId: action " + first_action(vseen) + ", SAR " +
                       std::string(va->as_string()));
      }
      check(name, vin, vseen);
    }
    // A copy reads its source: s3:GetObject on it, s3:GetObjectVersion when a version is named.
    if (const json::value* ca = e.if_contains("copy_source_action")) {
      std::string source_arn = "arn:aws:s3:::sar-bucket/obj";
      auto reads = [&](const std::vector<Seen>& v, std::string_view action) {
        return std::any_of(v.begin(), v.end(), [&](const Seen& s) {
          return s.action == action && s.resource == source_arn;
        });
      };
      if (!reads(seen, ca->as_string())) fail(name, "never authorizes " + std::string(ca->as_string()) + " on its source");
      json::object vin = in;
      vin["CopySource"] = "sar-bucket/obj?versionId=" + version_id_;
      auto vseen = EvaluatedWith(*svc, *op, vin);
      std::string_view cva = e.at("copy_source_version_action").as_string();
      if (!reads(vseen, cva)) fail(name, "with a source version never authorizes " + std::string(cva) + " on it");
      check(name, vin, vseen);
    }
  }
  std::string all;
  for (const auto& m : mismatches) all += "\n  " + m;
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " in " << checked << " operations" << all;
  EXPECT_GE(checked, 40);
}

}  // namespace
}  // namespace rampart::services
