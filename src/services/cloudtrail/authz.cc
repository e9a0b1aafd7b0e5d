#include "services/cloudtrail/authz.h"

#include <cctype>
#include <string>
#include <string_view>

#include "common/strings.h"

namespace rampart::services::cloudtrail {

namespace {

std::string_view Member(const boost::json::object& in, std::string_view name) {
  auto* v = in.if_contains(name);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

// `ref` as an ARN of `type`: an ARN passes through, a name or id is qualified.
std::string ArnOf(const Call& call, std::string_view type, std::string_view ref) {
  if (StartsWith(ref, "arn:")) return std::string(ref);
  return "arn:aws:cloudtrail:" + std::string(call.region) + ":" + call.principal.account_id +
         ":" + std::string(type) + "/" + std::string(ref);
}

}  // namespace

Result<ResourceContext> ResolveResource(const Call& call, const model::Operation& op,
                                        const boost::json::object& in) {
  ResourceContext rc;
  std::string_view name = op.name;
  auto set = [&](std::string_view type, std::string_view ref) {
    if (!ref.empty()) rc.resource = ArnOf(call, type, ref);
  };
  if (name == "AddTags" || name == "RemoveTags") {
    set("trail", Member(in, "ResourceId"));
  } else if (name == "ListTags") {
    if (auto* ids = in.if_contains("ResourceIdList"); ids && ids->is_array() &&
                                                     !ids->as_array().empty() &&
                                                     ids->as_array()[0].is_string()) {
      set("trail", ids->as_array()[0].as_string());
    }
  } else if (!Member(in, "EventDataStore").empty()) {
    set("eventdatastore", Member(in, "EventDataStore"));
  } else if (name == "GetChannel") {
    set("channel", Member(in, "Channel"));
  } else if (name == "CreateEventDataStore") {
    set("eventdatastore", Member(in, "Name"));
  } else if (name == "StartQuery") {
    // The event data store is the table of the query: SELECT ... FROM <id or ARN> ...
    std::string_view q = Member(in, "QueryStatement");
    std::string upper(q);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (size_t from = upper.find(" FROM "); from != std::string::npos) {
      std::string_view rest = Trim(q.substr(from + 6));
      set("eventdatastore", rest.substr(0, rest.find_first_of(" \t\r\n")));
    }
  } else if (!Member(in, "TrailName").empty()) {
    set("trail", Member(in, "TrailName"));
  } else if (name == "CreateTrail" || name == "DeleteTrail" || name == "GetTrail" ||
             name == "GetTrailStatus" || name == "StartLogging" || name == "StopLogging" ||
             name == "UpdateTrail") {
    set("trail", Member(in, "Name"));
  }
  return rc;
}

}  // namespace rampart::services::cloudtrail
