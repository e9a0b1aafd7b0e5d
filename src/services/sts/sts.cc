#include "services/sts/sts.h"

#include <boost/json.hpp>

namespace rampart::services::sts {

namespace json = boost::json;

namespace {
Result<json::value> GetCallerIdentity(const Call& call, const json::value&) {
  json::object out;
  out["UserId"] = call.principal.user_id;
  out["Account"] = call.principal.account_id;
  out["Arn"] = call.principal.arn;
  return json::value(std::move(out));
}
}  // namespace

ServiceTable Operations() {
  return ServiceTable{"sts", {{"GetCallerIdentity", GetCallerIdentity}}};
}

}  // namespace rampart::services::sts
