#pragma once
// Where trail files go. One interface so that Rampart's S3 can replace the directory sink
// without touching delivery or validation: objects are (bucket, key) -> bytes plus user
// metadata (S3's x-amz-meta-*; the digest signature lives there, as in AWS).
//
// DirectorySink stores `<root>/<bucket>/<key>` and the metadata of an object, when it has any, as
// `<root>/<bucket>/<key>.metadata.json` ({"signature": "...", "signature-algorithm": "..."}).
// Writes go to a temporary file that is fsync'd and renamed, so a reader never sees half a file.
//
// Thread-safety: DirectorySink is stateless beyond its root and safe to use from any thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rampart::spine {

using ObjectMetadata = std::map<std::string, std::string>;  // "signature" -> hex, ...

struct SinkObject {
  std::string bytes;
  ObjectMetadata metadata;
};

class TrailSink {
 public:
  virtual ~TrailSink() = default;
  virtual Status Put(std::string_view bucket, std::string_view key, std::string_view bytes,
                     const ObjectMetadata& metadata) = 0;
  // Put as CloudTrail's service principal writing for `trail_arn` of `account` (aws:SourceArn,
  // aws:SourceAccount): a sink that enforces bucket policies checks them. Default: Put.
  virtual Status PutForTrail(std::string_view trail_arn, std::string_view account,
                             std::string_view bucket, std::string_view key,
                             std::string_view bytes, const ObjectMetadata& metadata) {
    (void)trail_arn;
    (void)account;
    return Put(bucket, key, bytes, metadata);
  }
  // nullopt if there is no such object (S3's NoSuchKey).
  virtual Result<std::optional<SinkObject>> Get(std::string_view bucket, std::string_view key) = 0;
  // Keys under `prefix`, sorted (S3 ListObjects order).
  virtual Result<std::vector<std::string>> List(std::string_view bucket,
                                                std::string_view prefix) = 0;
};

class DirectorySink : public TrailSink {
 public:
  explicit DirectorySink(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  Status Put(std::string_view bucket, std::string_view key, std::string_view bytes,
             const ObjectMetadata& metadata) override;
  Result<std::optional<SinkObject>> Get(std::string_view bucket, std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view bucket, std::string_view prefix) override;

 private:
  // Rejects bucket/key forms that would escape the root ("..", absolute paths).
  Result<std::string> PathOf(std::string_view bucket, std::string_view key) const;
  std::string root_;
};

// gzip (RFC 1952) with zlib; Gunzip accepts concatenated members' first member only.
Result<std::string> Gzip(std::string_view data);
Result<std::string> Gunzip(std::string_view data);

}  // namespace rampart::spine
