#pragma once
// The service models as compact, immutable tables.
//
// A build-time generator (tools/gen/gen_models.py) reads botocore's service-2.json models from
// Debian's python3-botocore and emits these tables into the build folder; nothing from the models
// is committed. All data is static and read-only: safe to share across threads.

#include <cstdint>
#include <span>
#include <string_view>

namespace rampart::model {

enum class Protocol : uint8_t { kQuery, kJson, kRestJson, kRestXml };

enum class ShapeType : uint8_t {
  kStructure, kList, kMap, kString, kInteger, kLong, kFloat, kDouble, kBoolean, kTimestamp, kBlob,
};

enum class Location : uint8_t { kBody, kUri, kQueryString, kHeader, kHeaders, kStatusCode };

// Member flags.
inline constexpr uint8_t kMemberRequired = 1 << 0;
inline constexpr uint8_t kMemberFlattened = 1 << 1;
inline constexpr uint8_t kMemberXmlAttribute = 1 << 2;
inline constexpr uint8_t kMemberIdempotencyToken = 1 << 3;
inline constexpr uint8_t kMemberJsonValue = 1 << 4;
inline constexpr uint8_t kMemberHostLabel = 1 << 5;
inline constexpr uint8_t kMemberStreaming = 1 << 6;

// Shape flags.
inline constexpr uint16_t kShapeFlattened = 1 << 0;
inline constexpr uint16_t kShapeException = 1 << 1;
inline constexpr uint16_t kShapeSensitive = 1 << 2;
inline constexpr uint16_t kShapeStreaming = 1 << 3;
inline constexpr uint16_t kShapeHasMin = 1 << 4;
inline constexpr uint16_t kShapeHasMax = 1 << 5;
inline constexpr uint16_t kShapeSenderFault = 1 << 6;
inline constexpr uint16_t kShapeUnion = 1 << 7;
inline constexpr uint16_t kShapeEvent = 1 << 8;

inline constexpr uint32_t kNoShape = 0xffffffffu;

// A reference from a structure (or list/map) to a shape, with its wire binding.
struct Member {
  std::string_view name;           // member name as in the model ("UserName")
  uint32_t shape;                  // index into Service::shapes
  Location location;
  uint8_t flags;
  std::string_view location_name;  // wire name if different (query/xml element, header, uri label)
  std::string_view xml_namespace;  // rest-xml only
};

struct Shape {
  std::string_view name;
  ShapeType type;
  uint16_t flags;
  // Structure: members [first_member, first_member + member_count) in Service::members.
  // List: member at first_member. Map: key at first_member, value at first_member + 1.
  uint32_t first_member;
  uint32_t member_count;
  double min;  // valid if kShapeHasMin (length for strings/blobs/lists/maps, value for numbers)
  double max;  // valid if kShapeHasMax
  std::string_view pattern;
  uint32_t first_enum;  // enum values [first_enum, first_enum + enum_count) in Service::enums
  uint32_t enum_count;
  std::string_view payload;           // structure: member name bound to the whole body
  std::string_view error_code;        // exception: wire code (error.code or the shape name)
  uint16_t error_http_status;         // exception: 0 if unspecified
  std::string_view timestamp_format;  // "", "iso8601", "unixTimestamp", "rfc822"
  std::string_view location_name;     // e.g. rest-xml top-level element name
};

inline constexpr uint8_t kOpUnsigned = 1 << 0;  // authtype "none" (e.g. AssumeRoleWithWebIdentity)

struct Operation {
  std::string_view name;
  std::string_view http_method;
  std::string_view request_uri;
  uint32_t input;   // kNoShape if none
  uint32_t output;  // kNoShape if none
  std::string_view result_wrapper;
  std::string_view input_location_name;  // rest-xml: root element of the input payload
  uint32_t first_error;                  // into Service::error_refs
  uint32_t error_count;
  uint16_t success_code;
  uint8_t flags;
};

struct Service {
  std::string_view id;             // model folder name: "iam", "cloudwatch"
  std::string_view api_version;
  std::string_view endpoint_prefix;
  std::string_view signing_name;
  std::string_view target_prefix;  // json protocol only
  std::string_view json_version;   // "1.0" / "1.1" / ""
  std::string_view xml_namespace;  // query/rest-xml responses
  std::string_view global_region;  // credential-scope region for global services, else ""
  Protocol protocol;
  std::span<const Operation> operations;
  std::span<const Shape> shapes;
  std::span<const Member> members;
  std::span<const std::string_view> enums;
  std::span<const uint32_t> error_refs;

  const Shape& shape(uint32_t i) const { return shapes[i]; }
  std::span<const Member> StructMembers(const Shape& s) const {
    return members.subspan(s.first_member, s.member_count);
  }
  std::span<const std::string_view> EnumValues(const Shape& s) const {
    return enums.subspan(s.first_enum, s.enum_count);
  }
  // Operations are sorted by name: binary search. Returns nullptr if absent.
  const Operation* FindOperation(std::string_view name) const;
};

// Every served service's model, sorted by id.
std::span<const Service* const> AllServices();
const Service* FindService(std::string_view id);

// The AWS regions a request may be signed for (every partition of botocore's endpoints.json and
// the regions opened since), sorted.
std::span<const std::string_view> KnownRegions();
bool IsKnownRegion(std::string_view region);
// Whether a request to `service` may be signed for `region`: a known region, and the pinned one
// for global services (IAM, Organizations: us-east-1).
bool ValidSigningRegion(const Service& service, std::string_view region);

}  // namespace rampart::model
