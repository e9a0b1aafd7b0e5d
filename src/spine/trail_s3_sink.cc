#include "spine/trail_s3_sink.h"

namespace rampart::spine {

bool S3TrailSink::InS3(std::string_view bucket) { return s3_.GetBucket(bucket).ok(); }

Status S3TrailSink::Put(std::string_view bucket, std::string_view key, std::string_view bytes,
                        const ObjectMetadata& metadata) {
  return PutForTrail("", "", bucket, key, bytes, metadata);
}

Status S3TrailSink::PutForTrail(std::string_view trail_arn, std::string_view account,
                                std::string_view bucket, std::string_view key,
                                std::string_view bytes, const ObjectMetadata& metadata) {
  if (!InS3(bucket)) return fallback_.Put(bucket, key, bytes, metadata);
  services::s3::ServiceCaller caller{"cloudtrail.amazonaws.com", trail_arn, account};
  services::s3::ServiceObject o;
  o.bucket = bucket;
  o.key = key;
  o.bytes = bytes;
  o.metadata = metadata;
  o.content_type = "application/json";
  o.content_encoding = "gzip";
  o.now_epoch_seconds = now_();
  return services::s3::WriteAsService(s3_, caller, o);
}

Result<std::optional<SinkObject>> S3TrailSink::Get(std::string_view bucket, std::string_view key) {
  if (!InS3(bucket)) return fallback_.Get(bucket, key);
  SinkObject o;
  RAMPART_ASSIGN_OR_RETURN(auto bytes, services::s3::ReadObjectBytes(s3_, bucket, key, &o.metadata));
  if (!bytes) return std::optional<SinkObject>();
  o.bytes = std::move(*bytes);
  return std::optional<SinkObject>(std::move(o));
}

Result<std::vector<std::string>> S3TrailSink::List(std::string_view bucket,
                                                   std::string_view prefix) {
  if (!InS3(bucket)) return fallback_.List(bucket, prefix);
  return services::s3::ListKeys(s3_, bucket, prefix);
}

}  // namespace rampart::spine
