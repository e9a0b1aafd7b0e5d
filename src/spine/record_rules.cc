#include "spine/record_rules.h"

#include "common/strings.h"

namespace rampart::spine {

namespace json = boost::json;

namespace {

// KMS operations whose records carry the key ARN in responseElements.keyId although the API
// does not return it (KMS Developer Guide: "entries recorded on or after December 2022").
bool EchoesKeyArn(std::string_view op) {
  static constexpr std::string_view kOps[] = {
      "CreateAlias", "UpdateAlias", "CreateGrant", "DisableKey", "EnableKey", "EnableKeyRotation",
      "ImportKeyMaterial", "DeleteImportedKeyMaterial"};
  for (std::string_view o : kOps) {
    if (o == op) return true;
  }
  return false;
}

json::object& AsObject(json::value& v) {
  if (!v.is_object()) v = json::object(v.storage());
  return v.as_object();
}

// S3 names the bucket bucketName and adds the Host the request was sent to; a data event tells
// how many bytes it moved.
void S3(const RecordShape& in, json::value& params, json::value& elements,
        json::object& additional) {
  json::object& p = AsObject(params);
  if (auto* b = p.if_contains("bucket")) {
    json::value name = *b;
    p.erase("bucket");
    p["bucketName"] = std::move(name);
  }
  if (!in.host.empty()) p["Host"] = in.host;
  if (in.data_event && elements.is_object()) {
    // A data event's responseElements are the response's encryption and version headers, by
    // their header names, as S3 writes them.
    static constexpr std::pair<std::string_view, std::string_view> kHeaders[] = {
        {"serverSideEncryption", "x-amz-server-side-encryption"},
        {"sSEKMSKeyId", "x-amz-server-side-encryption-aws-kms-key-id"},
        {"sSECustomerAlgorithm", "x-amz-server-side-encryption-customer-algorithm"},
        {"versionId", "x-amz-version-id"}};
    json::object out(elements.storage());
    for (const auto& [member, header] : kHeaders) {
      if (auto* v = elements.as_object().if_contains(member)) out[header] = *v;
    }
    elements = out.empty() ? json::value(elements.storage()) : json::value(std::move(out));
  }
  if (in.data_event) {
    additional["SignatureVersion"] = "SigV4";
    additional["bytesTransferredIn"] = in.bytes_in;
    additional["bytesTransferredOut"] = in.bytes_out;
  }
}

void Kms(const RecordShape& in, json::value& params, json::value& elements) {
  std::string_view op = in.operation;
  if (op == "GenerateRandom") params = nullptr;  // logged without parameters (its page)
  if (params.is_object()) {
    // Grant tokens stand for permissions: not logged (RetireGrant by token logs no parameters).
    params.as_object().erase("grantTokens");
    params.as_object().erase("grantToken");
    // The algorithm is logged even when the request left it to its default (Decrypt's page).
    auto fill = [&](std::string_view member) {
      if (!params.as_object().contains(member)) params.as_object()[member] = "SYMMETRIC_DEFAULT";
    };
    if (op == "Encrypt" || op == "Decrypt") fill("encryptionAlgorithm");
    // Decrypt names the key it used even when the ciphertext named it (Decrypt's page).
    if (op == "Decrypt" && !params.as_object().contains("keyId") && in.resources &&
        !in.resources->empty()) {
      params.as_object()["keyId"] = in.resources->front().name;
    }
    if (op == "ReEncrypt") {
      fill("sourceEncryptionAlgorithm");
      fill("destinationEncryptionAlgorithm");
    }
  }
  if (!in.ok || !elements.is_object()) {
    if (!in.ok) return;
  } else {
    // CreateGrant's token is a credential; ScheduleKeyDeletion's record names the key, its
    // state and the date, not the window.
    elements.as_object().erase("grantToken");
    if (op == "ScheduleKeyDeletion") elements.as_object().erase("pendingWindowInDays");
  }
  if (EchoesKeyArn(op) && in.resources) {
    for (const store::EventResource& r : *in.resources) {
      if (r.name.find(":key/") == std::string::npos) continue;
      AsObject(elements)["keyId"] = r.name;
      break;
    }
  }
}

// IAM's CreateRole record echoes the role as AWS's CreateRole answers it: path, name, id, ARN,
// date and trust policy (the IAM example: no description or maximum session duration).
void Iam(const RecordShape& in, json::value& elements) {
  if (in.operation != "CreateRole" || !elements.is_object()) return;
  if (auto* role = elements.as_object().if_contains("role"); role && role->is_object()) {
    role->as_object().erase("description");
    role->as_object().erase("maxSessionDuration");
  }
}

void Sts(const RecordShape& in, json::value& params, json::object& additional) {
  if (!StartsWith(in.operation, "AssumeRole")) return;
  // Where the request was served: the global endpoint (sts.amazonaws.com) or a regional one.
  bool global = StartsWith(in.host, "sts.amazonaws.com");
  additional["RequestDetails"] = json::object(
      {{"awsServingRegion", in.region}, {"endpointType", global ? "global" : "regional"}},
      additional.storage());
  // A role session's transitive tags pass on to the session it assumes.
  const services::Principal* p = in.principal;
  if (in.operation == "AssumeRole" && p && p->session && !p->session->transitive_tag_keys.empty()) {
    json::object incoming(params.storage());
    for (const std::string& k : p->session->transitive_tag_keys) {
      auto it = p->session->tags.find(k);
      if (it != p->session->tags.end()) incoming[it->first] = it->second;
    }
    if (!incoming.empty()) AsObject(params)["incomingTransitiveTags"] = std::move(incoming);
  }
}

}  // namespace

bool IsReadOnly(std::string_view op) {
  if (op == "GetSessionToken" || op == "GetFederationToken") return false;
  static constexpr std::string_view kPrefixes[] = {
      "Get", "List", "Describe", "Lookup", "Head", "Simulate", "Search", "Select", "Decrypt",
      "Encrypt", "Verify", "Test", "Validate", "Check", "BatchGet", "Filter", "Query",
      "AssumeRole"};
  for (std::string_view p : kPrefixes) {
    if (StartsWith(op, p)) return true;
  }
  return op == "GenerateDataKey" || op == "GenerateDataKeyWithoutPlaintext" ||
         op == "GenerateRandom" || op == "GenerateMac" || op == "Sign" ||
         op == "GenerateDataKeyPair" || op == "GenerateDataKeyPairWithoutPlaintext" ||
         op == "ReEncrypt";
}

bool LogsResponse(std::string_view op, bool read_only) {
  return !read_only || StartsWith(op, "AssumeRole");
}

bool HasRules(std::string_view service, std::string_view op) {
  return service == "kms" || service == "s3" || (service == "sts" && StartsWith(op, "AssumeRole")) ||
         (service == "iam" && op == "CreateRole");
}

void ShapeRecord(const RecordShape& in, json::value& params, json::value& elements,
                 json::object& additional) {
  if (const services::RecordNotes* n = in.notes) {
    for (const auto& kv : n->request) AsObject(params)[kv.key()] = kv.value();
    if (in.ok) {
      for (const auto& kv : n->response) AsObject(elements)[kv.key()] = kv.value();
    }
    for (const auto& kv : n->additional) additional[kv.key()] = kv.value();
  }
  if (in.service == "kms") Kms(in, params, elements);
  if (in.service == "s3") S3(in, params, elements, additional);
  if (in.service == "iam") Iam(in, elements);
  if (in.service == "sts") Sts(in, params, additional);
}

void RecordResources(std::string_view svc, std::string_view op, const json::value* input,
                     const services::RecordNotes* notes, std::vector<store::EventResource>& out) {
  if (svc == "kms") {  // the keys and aliases the handler found, by ARN
    if (!notes) return;
    for (const auto& [type, arn] : notes->resources) out.push_back({type, arn});
    return;
  }
  if (!input || !input->is_object() || input->as_object().empty()) return;
  const json::object& in = input->as_object();
  struct Named {
    std::string_view service, member, type;
  };
  static constexpr Named kNamed[] = {
      {"iam", "UserName", "AWS::IAM::User"},
      {"iam", "GroupName", "AWS::IAM::Group"},
      {"iam", "RoleName", "AWS::IAM::Role"},
      {"iam", "PolicyArn", "AWS::IAM::Policy"},
      {"iam", "InstanceProfileName", "AWS::IAM::InstanceProfile"},
      {"iam", "AccessKeyId", "AWS::IAM::AccessKey"},
      {"sts", "RoleArn", "AWS::IAM::Role"},
      {"sts", "PrincipalArn", "AWS::IAM::SAMLProvider"},
      {"cloudtrail", "Name", "AWS::CloudTrail::Trail"},
      {"s3", "Bucket", "AWS::S3::Bucket"},
      {"sns", "TopicArn", "AWS::SNS::Topic"},
      {"logs", "logGroupName", "AWS::Logs::LogGroup"},
      {"cloudwatch", "AlarmName", "AWS::CloudWatch::Alarm"},
  };
  for (const Named& n : kNamed) {
    if (n.service != svc) continue;
    if (n.service == "sts" && !StartsWith(op, "AssumeRole")) continue;
    auto* v = in.if_contains(n.member);
    if (v && v->is_string() && !v->as_string().empty()) {
      out.push_back({std::string(n.type), std::string(v->as_string())});
    }
  }
}

void DataEventResources(std::string_view service, const json::value* input,
                        std::vector<store::EventResource>& out) {
  if (service != "s3" || !input || !input->is_object()) return;
  const json::object& in = input->as_object();
  auto str = [&](std::string_view k) -> std::string_view {
    auto* v = in.if_contains(k);
    return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
  };
  std::string bucket = "arn:aws:s3:::" + std::string(str("Bucket"));
  if (!str("Key").empty()) out.push_back({"AWS::S3::Object", bucket + "/" + std::string(str("Key"))});
  out.push_back({"AWS::S3::Bucket", std::move(bucket)});
}

bool IsDataEvent(std::string_view service, std::string_view operation) {
  if (service != "s3") return false;
  static constexpr std::string_view kData[] = {
      "AbortMultipartUpload", "CompleteMultipartUpload", "CopyObject", "CreateMultipartUpload",
      "DeleteObject", "DeleteObjectTagging", "DeleteObjects", "GetObject", "GetObjectAcl",
      "GetObjectAttributes", "GetObjectTagging", "HeadObject", "ListMultipartUploads",
      "ListObjectVersions", "ListObjects", "ListObjectsV2", "ListParts", "PutObject",
      "PutObjectAcl", "PutObjectTagging", "UploadPart", "UploadPartCopy"};
  for (std::string_view op : kData) {
    if (op == operation) return true;
  }
  return false;
}

}  // namespace rampart::spine
