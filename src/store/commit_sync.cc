// The thread-local half of group commit (store.h, DeferCommitSync): which scope is open on this
// thread and which commit it must wait for.

#include <algorithm>
#include <cstdint>

#include "store/store.h"

namespace rampart::store {
namespace {

thread_local bool tl_deferred = false;
thread_local uint64_t tl_pending = 0;

}  // namespace

DeferCommitSync::DeferCommitSync() : outer_(tl_deferred), outer_pending_(tl_pending) {
  tl_deferred = true;
  tl_pending = 0;
}

DeferCommitSync::~DeferCommitSync() {
  // A nested scope's untaken commit still has to be waited for by the outer one.
  tl_pending = std::max(tl_pending, outer_pending_);
  tl_deferred = outer_;
  if (!outer_) tl_pending = 0;
}

bool CommitSyncDeferred() { return tl_deferred; }

void NotePendingCommit(uint64_t seq) { tl_pending = std::max(tl_pending, seq); }

uint64_t TakePendingCommit() {
  uint64_t seq = tl_pending;
  tl_pending = 0;
  return seq;
}

}  // namespace rampart::store
