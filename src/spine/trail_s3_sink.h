#pragma once
// Trail files into Rampart's own S3: a trail whose bucket is a Rampart bucket has its log and
// digest files written there as CloudTrail writes them (as cloudtrail.amazonaws.com, allowed only
// by the bucket policy AWS documents, with the digest signature in x-amz-meta-signature), so the
// stock `aws cloudtrail validate-logs` reads them through the S3 API. A bucket Rampart does not
// hold falls back to the data directory (DirectorySink).
//
// Thread-safety: as its parts (S3Service and DirectorySink are thread-safe).

#include <functional>

#include "services/s3/s3.h"
#include "spine/trail_sink.h"

namespace rampart::spine {

class S3TrailSink : public TrailSink {
 public:
  // `now` gives the objects' LastModified (epoch seconds).
  S3TrailSink(services::s3::S3Service& s3, DirectorySink& fallback, std::function<int64_t()> now)
      : s3_(s3), fallback_(fallback), now_(std::move(now)) {}
  Status Put(std::string_view bucket, std::string_view key, std::string_view bytes,
             const ObjectMetadata& metadata) override;
  Status PutForTrail(std::string_view trail_arn, std::string_view account, std::string_view bucket,
                     std::string_view key, std::string_view bytes,
                     const ObjectMetadata& metadata) override;
  Result<std::optional<SinkObject>> Get(std::string_view bucket, std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view bucket, std::string_view prefix) override;

 private:
  bool InS3(std::string_view bucket);
  services::s3::S3Service& s3_;
  DirectorySink& fallback_;
  std::function<int64_t()> now_;
};

}  // namespace rampart::spine
