#pragma once
// STS: temporary credentials. Authorization (the caller's policies and, for AssumeRole, the
// role's trust policy, sts:TagSession and sts:SetSourceIdentity) happens in the request
// lifecycle before these handlers run; they check the limits and issue the credentials.

#include "services/call.h"
#include "services/iam/common.h"
#include "store/store.h"

namespace rampart::services::sts {

class StsService {
 public:
  StsService(store::Store& store, iam::IamService& iam) : store_(store), iam_(iam) {}
  store::Store& store() { return store_; }
  iam::IamService& iam() { return iam_; }

 private:
  store::Store& store_;
  iam::IamService& iam_;
};

ServiceTable Operations(StsService& svc);

}  // namespace rampart::services::sts
