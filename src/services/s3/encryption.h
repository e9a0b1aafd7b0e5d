#pragma once
// How an object's bytes are encrypted at rest, and the request headers that choose it.
//
//   SSE-S3 (the default): under the bucket's key (S3Service::BucketKey); nothing in the object's
//     metadata says so.
//   SSE-C: under the 256-bit key the caller sends with every write and read of the object
//     (x-amz-server-side-encryption-customer-{algorithm,key,key-MD5}; the copy source's as
//     x-amz-copy-source-server-side-encryption-customer-*). Rampart keeps only what AWS keeps: a
//     salted HMAC of the key, to tell a wrong key from the right one, and the key's MD5 to echo
//     it. The key travels in the request, so it must come over TLS (AWS's rule), or from this
//     machine (a loopback peer). Metadata: "SSEC": {"KeyMD5", "Salt", "Check"}.
//   SSE-KMS: under a data key from Rampart KMS (GenerateDataKey on the caller's behalf, through
//     S3: the caller needs kms:GenerateDataKey to write and kms:Decrypt to read, under the key
//     policy and its IAM policies, with kms:ViaService s3.<region>.amazonaws.com). The object
//     keeps the encrypted data key and the encryption context ({"aws:s3:arn": object ARN, or the
//     bucket ARN with BucketKeyEnabled} plus the caller's x-amz-server-side-encryption-context);
//     every read asks KMS to decrypt it. Without a key id: the caller's AWS managed key
//     alias/aws/s3. Metadata: "SSEKMS": {"KeyId" (ARN), "Blob", "Context", "BucketKey"}.
//   The bucket's default encryption (PutBucketEncryption: AES256 or aws:kms with a key id)
//   applies to writes that name no mode.

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "services/call.h"
#include "services/s3/s3.h"

namespace rampart::services::s3 {

// The key an object's bytes are (to be) encrypted under, and what the object keeps about it.
struct DataKey {
  std::string key;          // 32 bytes
  json::object stored;      // the metadata member ("SSEC": {...}); empty for SSE-S3
};

// The customer key a request presents (`copy_source`: the CopySourceSSECustomer* members),
// checked as S3 checks it; nullopt if it presents none.
Result<std::optional<std::string>> PresentedCustomerKey(const Call& call, const json::object& in,
                                                        bool copy_source = false);

// The key for the new object `object_key` (PutObject, CopyObject's destination,
// CreateMultipartUpload), from the request's headers, else the bucket's default encryption.
Result<DataKey> NewDataKey(S3Service& s3, const Call& call, const Bucket& b,
                           const json::object& in, std::string_view object_key);
// The key `obj` (an object version or a multipart upload) was encrypted under, given the
// request's headers (`copy_source`: as the source of a copy). SSE-C objects need the right key
// presented; others refuse one.
Result<std::string> ExistingDataKey(S3Service& s3, const Call& call, const Bucket& b,
                                    const json::object& obj, const json::object& in,
                                    bool copy_source = false);
// The encryption members of a response about `obj` (ServerSideEncryption with SSEKMSKeyId and
// BucketKeyEnabled, or SSECustomerAlgorithm and SSECustomerKeyMD5), added to `out`.
void AddEncryptionHeaders(const json::object& obj, json::object& out);
// The ETag of `data` stored under `dk`: its MD5, except under SSE-C, whose ETag must not let
// anyone without the key test a guess at the contents (AWS's is not the MD5 either).
std::string EtagOf(const DataKey& dk, std::string_view data);

}  // namespace rampart::services::s3
