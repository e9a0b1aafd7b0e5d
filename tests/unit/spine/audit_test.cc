// AuditWriter's sync modes: when the event log is synced to disk relative to the replies.
#include "spine/audit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace rampart::spine {
namespace {

// An event store that counts appends and syncs.
class CountingStore final : public store::EventStore {
 public:
  Status Append(std::vector<store::EventRecord>& batch) override {
    appends += static_cast<int>(batch.size());
    return {};
  }
  Result<int64_t> AppendOne(const store::EventView&) override {
    // A sync must never be counted before the record it covers.
    synced_before_append = synced_before_append || syncs.load() > appends.load();
    return ++appends;
  }
  Result<std::vector<store::EventRecord>> Lookup(const store::EventQuery&) override { return std::vector<store::EventRecord>(); }
  Result<std::vector<store::EventRecord>> ReadAfter(int64_t, size_t) override { return std::vector<store::EventRecord>(); }
  Result<int64_t> LastSeq() override { return appends.load(); }
  Result<int64_t> Expire(int64_t) override { return 0; }
  Status WipeAll() override { return {}; }
  Status Sync() override {
    ++syncs;
    return fail_sync ? Status(Error::Internal("disk gone")) : Status();
  }
  std::atomic<int> appends{0}, syncs{0};
  bool synced_before_append = false;
  bool fail_sync = false;
};

store::EventView View() {
  store::EventView v;
  v.event_id = "e";
  v.account_id = "111111111111";
  return v;
}

TEST(AuditWriterTest, NoneNeverSyncs) {
  CountingStore s;
  {
    AuditWriter w(s, AuditSync::kNone);
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(w.Append(View()));
  }
  EXPECT_EQ(s.appends.load(), 10);
  EXPECT_EQ(s.syncs.load(), 0);
}

TEST(AuditWriterTest, AlwaysAnswersOnlyAfterASyncCoveringTheRecord) {
  CountingStore s;
  AuditWriter w(s, AuditSync::kAlways);
  ASSERT_TRUE(w.SyncsEachCall());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(w.Append(View()));
    int syncs_at_append = s.syncs.load();
    std::promise<std::pair<bool, int>> answered;
    w.AfterSync([&](bool ok) { answered.set_value({ok, s.syncs.load()}); });
    auto [ok, syncs] = answered.get_future().get();
    EXPECT_TRUE(ok);
    EXPECT_GT(syncs, syncs_at_append);  // a sync that started after the append
  }
  s.fail_sync = true;
  ASSERT_TRUE(w.Append(View()));
  std::promise<bool> answered;
  w.AfterSync([&](bool ok) { answered.set_value(ok); });
  EXPECT_FALSE(answered.get_future().get());  // not on disk: not acknowledged
}

TEST(AuditWriterTest, IntervalSyncsOnItsOwnThreadAndAtStop) {
  CountingStore s;
  {
    AuditWriter w(s, AuditSync::kInterval, 20);
    EXPECT_TRUE(w.Append(View()));
    EXPECT_EQ(s.syncs.load(), 0);  // the append does not wait
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (s.syncs.load() < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_GE(s.syncs.load(), 2);
    int before = s.syncs.load();
    w.Stop();
    EXPECT_GT(s.syncs.load(), before);  // a last sync at shutdown
    EXPECT_FALSE(w.Append(View()));
  }
}

}  // namespace
}  // namespace rampart::spine
