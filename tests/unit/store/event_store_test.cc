// The CloudTrail event store: batch appends, lookups by attribute and time, paging, ReadAfter.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <set>
#include <string>
#include <thread>

#include <zlib.h>

#include "common/crc32c.h"
#include "common/crypto.h"
#include "store/event_json.h"
#include "store/events.h"
#include "event_test_util.h"

namespace rampart::store {
namespace {

// A fresh directory under /tmp, removed with everything in it at the end of the scope.
struct ScratchDir {
  ScratchDir() {
    char tmpl[] = "/tmp/rampart-events-log-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path = tmpl;
  }
  ~ScratchDir() {
    if (!path.empty()) std::filesystem::remove_all(path);
  }
  std::string path;
};

// Appends v as 4 little-endian bytes (frame headers written by hand).
void PutU32(std::string& o, uint32_t v) {
  for (int i = 0; i < 4; ++i) o.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// LookupEvents by EventId in one account.
EventQuery ById(std::string id, std::string account = "111111111111") {
  EventQuery q;
  q.account_id = std::move(account);
  q.attribute_key = "EventId";
  q.attribute_value = std::move(id);
  return q;
}

// A call record (EventView::call) of caller `who` (0..3: root, user, assumed role with MFA,
// federated user), number i. `b` holds what the view points to.
struct CallRecord {
  EventFacts call;
  std::string event_id, request_id, params, issuer_arn, principal_id, key;
  uint8_t event_uuid[16];
  std::vector<EventResource> resources;
  EventView view;
};
void MakeCall(CallRecord& b, int who, int i) {
  b.event_id = "00000000-0000-4000-8000-" + std::string(12 - std::to_string(i).size(), '0') +
               std::to_string(i);
  b.request_id = "req-" + std::to_string(i);
  b.params = "{\"n\":" + std::to_string(i) + "}";
  b.call = EventFacts();
  b.call.kind = who == 0 ? IdentityKind::kRoot
                : who == 1 ? IdentityKind::kIamUser
                : who == 2 ? IdentityKind::kAssumedRole
                           : IdentityKind::kFederatedUser;
  static const char* kArns[] = {"arn:aws:iam::111111111111:root",
                                "arn:aws:iam::111111111111:user/alice",
                                "arn:aws:sts::111111111111:assumed-role/r/s",
                                "arn:aws:sts::111111111111:federated-user/f"};
  b.call.arn = kArns[who];
  b.principal_id = "PID" + std::to_string(who);
  b.key = "AKIA" + std::to_string(who);
  b.call.principal_id = b.principal_id;
  b.call.principal_account = "111111111111";
  b.call.access_key_id = b.key;
  if (who == 1) b.call.user_name = "alice";
  if (who >= 2) {
    b.call.session = true;
    b.issuer_arn = "arn:aws:iam::111111111111:role/r" + std::to_string(who);
    b.call.issuer_arn = b.issuer_arn;
    b.call.issuer_name = "r";
    b.call.session_created = 1700000000 + who;
    b.call.mfa = who == 2;
  }
  b.call.request_id = b.request_id;
  b.call.source_ip = "127.0.0.1";
  b.call.request_params = b.params;
  b.call.tls = who == 3;
  if (b.call.tls) b.call.tls_version = "TLSv1.3";
  b.resources.clear();
  if (i % 3 == 0) b.resources.push_back({"AWS::IAM::User", "u" + std::to_string(i)});
  b.view = EventView();
  b.view.event_time_ms = 1000000 + i;
  b.view.read_only = i % 5 < 2;  // not tied to the context: a caller mixes both
  b.view.event_id = b.event_id;
  if (i % 2) {  // as the gateway hands them: the id as bytes only
    ASSERT_TRUE(crypto::ParseUuid(b.event_id, b.event_uuid));
    b.view.event_id = {};
    b.view.event_uuid = b.event_uuid;
  }
  b.view.account_id = "111111111111";
  b.view.event_name = i % 2 ? "GetUser" : "CreateUser";
  b.view.event_source = "iam.amazonaws.com";
  b.view.username = who == 1 ? "alice" : "";
  b.view.access_key_id = b.call.access_key_id;
  b.view.region = "us-east-1";
  b.view.principal_arn = b.call.arn;
  b.view.user_agent = "test/1";
  b.view.resources = b.resources.empty() ? nullptr : &b.resources;
  b.view.call = &b.call;
}

// Every engine passes the same tests: the append-only log (the default) and SQLite.
enum class Engine { kLog, kSqlite };

class EventStoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rampart-events-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Open();
  }
  void Open() {
    store_.reset();
    auto s = GetParam() == Engine::kLog ? OpenLogEventStore(dir_)
                                        : OpenSqliteEventStore(dir_ + "/events.db");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static EventRecord Make(int i) {
    EventRecord r;
    r.event_id = "id-" + std::to_string(i);
    r.account_id = i % 2 ? "111111111111" : "222222222222";
    r.event_time_ms = 1000000 + i * 1000;
    r.event_name = i % 3 ? "GetUser" : "CreateUser";
    r.event_source = "iam.amazonaws.com";
    r.read_only = i % 3 != 0;
    r.username = "user" + std::to_string(i % 5);
    r.access_key_id = "AKIA" + std::to_string(i % 7);
    r.region = "us-east-1";
    r.resources.push_back({"AWS::IAM::User", "name" + std::to_string(i % 4)});
    r.json = "{\"i\":" + std::to_string(i) + "}";
    r.facts = std::string("\x01\x00" "facts" "\xff", 8) + std::to_string(i);  // opaque bytes, NULs too
    return r;
  }

  std::string dir_;
  std::unique_ptr<EventStore> store_;
};

TEST_P(EventStoreTest, BatchAppendAssignsIncreasingSeqs) {
  std::vector<EventRecord> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(Make(i));
  ASSERT_TRUE(store_->Append(batch).ok());
  for (size_t i = 1; i < batch.size(); ++i) EXPECT_EQ(batch[i].seq, batch[i - 1].seq + 1);
  auto last = store_->LastSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, batch.back().seq);
  auto after = store_->ReadAfter(batch[49].seq, 1000);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 50u);
  EXPECT_EQ((*after)[0].event_id, "id-50");
  EXPECT_EQ((*after)[0].json, "{\"i\":50}");
}

// AppendOne (the per-call path, records as views) writes what a batch append writes.
TEST_P(EventStoreTest, AppendOneOfViewsRoundTripsEveryField) {
  std::vector<EventRecord> made;
  for (int i = 0; i < 40; ++i) made.push_back(Make(i));
  made[3].error_code = "AccessDenied";
  made[3].principal_arn = "arn:aws:iam::111111111111:user/u";
  made[3].user_agent = "aws-cli/2";
  made[4].resources.clear();
  made[5].facts = std::string(70000, 'f');  // larger than any small-write path
  std::vector<int64_t> seqs;
  for (const EventRecord& r : made) {
    auto seq = store_->AppendOne(ViewOf(r));
    ASSERT_TRUE(seq.ok()) << seq.error().message;
    seqs.push_back(*seq);
  }
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], seqs[i - 1] + 1);
  auto back = store_->ReadAfter(seqs[0] - 1, 1000);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), made.size());
  for (size_t i = 0; i < made.size(); ++i) {
    const EventRecord& a = made[i];
    const EventRecord& b = (*back)[i];
    EXPECT_EQ(b.seq, seqs[i]);
    testing::ExpectSameRecord(b, a);
  }
  Open();  // and again after a reopen
  auto again = store_->ReadAfter(seqs[0] - 1, 1000);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), made.size());
  EXPECT_EQ((*again)[5].facts, made[5].facts);
}

// Call records appended with their facts structured (the gateway's path) read back with the
// facts blob AppendEventFacts makes of them, and render, before and after a reopen.
TEST_P(EventStoreTest, CallRecordsRoundTripWithTheirFacts) {
  std::vector<EventRecord> want;
  for (int i = 0; i < 200; ++i) {
    CallRecord b;
    MakeCall(b, i % 4, i);
    want.push_back(ToRecord(b.view));
    ASSERT_TRUE(store_->AppendOne(b.view).ok());
  }
  auto check = [&] {
    auto back = store_->ReadAfter(0, 1000);
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(back->size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const EventRecord& got = (*back)[i];
      EXPECT_EQ(got.event_id, want[i].event_id);
      EXPECT_EQ(got.event_name, want[i].event_name);
      EXPECT_EQ(got.read_only, want[i].read_only);
      EXPECT_EQ(got.principal_arn, want[i].principal_arn);
      EXPECT_EQ(got.resources.size(), want[i].resources.size());
      ASSERT_EQ(got.facts, want[i].facts) << i;
      EXPECT_EQ(EventJson(got), EventJson(want[i]));
    }
    EXPECT_NE(EventJson((*back)[2]).find("\"mfaAuthenticated\":\"true\""), std::string::npos);
    auto rows = store_->Lookup(ById("00000000-0000-4000-8000-000000000199"));
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].facts, want[199].facts);
    // Each attribute finds exactly its records (records of one caller share their context).
    auto count = [&](std::string key, std::string value) {
      EventQuery q;
      q.account_id = "111111111111";
      q.attribute_key = std::move(key);
      q.attribute_value = std::move(value);
      q.limit = 1000;
      auto r = store_->Lookup(q);
      EXPECT_TRUE(r.ok());
      return r.ok() ? r->size() : 0;
    };
    EXPECT_EQ(count("", ""), 200u);
    EXPECT_EQ(count("Username", "alice"), 50u);
    EXPECT_EQ(count("AccessKeyId", "AKIA2"), 50u);
    EXPECT_EQ(count("ReadOnly", "true"), 80u);
    EXPECT_EQ(count("ReadOnly", "false"), 120u);
    EXPECT_EQ(count("EventName", "GetUser"), 100u);
    EXPECT_EQ(count("EventSource", "iam.amazonaws.com"), 200u);
    EXPECT_EQ(count("ResourceName", "u3"), 1u);
    EXPECT_EQ(count("ResourceType", "AWS::IAM::User"), 67u);
    // Pages of 7 walk a caller's records newest first, each once (lists stay in order when
    // records of known callers are indexed in batches between the others).
    EventQuery q;
    q.account_id = "111111111111";
    q.attribute_key = "AccessKeyId";
    q.attribute_value = "AKIA1";
    q.limit = 7;
    std::vector<int64_t> seqs;
    for (int page = 0; page < 20; ++page) {
      auto r = store_->Lookup(q);
      ASSERT_TRUE(r.ok());
      for (const EventRecord& e : *r) seqs.push_back(e.seq);
      if (r->size() < q.limit) break;
      q.after = std::make_pair(r->back().event_time_ms, r->back().seq);
    }
    ASSERT_EQ(seqs.size(), 50u);
    for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], 198 - 4 * static_cast<int64_t>(i));
  };
  check();
  Open();
  check();
}

// Callers on several threads: every record lands once, seqs are gap-free, each is found.
TEST_P(EventStoreTest, ConcurrentAppendOneIsGapFree) {
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> seqs(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        EventRecord r = Make(t * kEach + i);
        auto seq = store_->AppendOne(ViewOf(r));
        if (seq.ok()) seqs[t].push_back(*seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<int64_t> all;
  for (auto& v : seqs) all.insert(all.end(), v.begin(), v.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  std::sort(all.begin(), all.end());
  for (size_t i = 1; i < all.size(); ++i) ASSERT_EQ(all[i], all[i - 1] + 1);
  auto rows = store_->ReadAfter(all.front() - 1, 10000);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), all.size());
  std::set<std::string> ids;
  for (const EventRecord& r : *rows) ids.insert(r.event_id);
  EXPECT_EQ(ids.size(), all.size());
  auto hit = store_->Lookup(ById("id-1999"));
  ASSERT_TRUE(hit.ok());
  ASSERT_EQ(hit->size(), 1u);
}

TEST_P(EventStoreTest, LookupByEachAttributeNewestFirstWithPaging) {
  std::vector<EventRecord> batch;
  for (int i = 0; i < 60; ++i) batch.push_back(Make(i));
  ASSERT_TRUE(store_->Append(batch).ok());
  struct Case {
    const char* key;
    const char* value;
    int expected;  // in account 111111111111 (odd i)
  };
  const Case cases[] = {{"", "", 30},
                        {"EventName", "CreateUser", 10},
                        {"Username", "user1", 6},
                        {"AccessKeyId", "AKIA3", 5},
                        {"EventSource", "iam.amazonaws.com", 30},
                        {"ReadOnly", "false", 10},
                        {"ResourceName", "name1", 15},
                        {"ResourceType", "AWS::IAM::User", 30},
                        {"EventId", "id-7", 1}};
  for (const Case& c : cases) {
    EventQuery q;
    q.account_id = "111111111111";
    q.attribute_key = c.key;
    q.attribute_value = c.value;
    q.limit = 4;
    int total = 0;
    int64_t prev_time = INT64_MAX;
    for (;;) {
      auto rows = store_->Lookup(q);
      ASSERT_TRUE(rows.ok()) << rows.error().message;
      for (const auto& r : *rows) {
        EXPECT_LT(r.event_time_ms, prev_time) << c.key;
        prev_time = r.event_time_ms;
        EXPECT_EQ(r.account_id, "111111111111");
      }
      total += static_cast<int>(rows->size());
      if (rows->size() < q.limit) break;
      q.after = std::make_pair(rows->back().event_time_ms, rows->back().seq);
    }
    EXPECT_EQ(total, c.expected) << c.key << "=" << c.value;
  }
}

TEST_P(EventStoreTest, TimeRangeAndExpiry) {
  std::vector<EventRecord> batch;
  for (int i = 0; i < 20; ++i) batch.push_back(Make(i));
  ASSERT_TRUE(store_->Append(batch).ok());
  EventQuery q;
  q.account_id = "111111111111";
  q.start_ms = 1000000 + 5 * 1000;
  q.end_ms = 1000000 + 9 * 1000;
  auto rows = store_->Lookup(q);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 3u);  // i = 5, 7, 9
  auto expired = store_->Expire(1000000 + 10 * 1000);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 10);
  q.start_ms = 0;
  q.end_ms = INT64_MAX;
  q.attribute_key = "ResourceName";
  q.attribute_value = "name1";
  rows = store_->Lookup(q);
  ASSERT_TRUE(rows.ok());
  for (const auto& r : *rows) EXPECT_GE(r.event_time_ms, 1000000 + 10 * 1000);
}

TEST_P(EventStoreTest, SurvivesReopen) {
  std::vector<EventRecord> batch;
  for (int i = 0; i < 30; ++i) batch.push_back(Make(i));
  ASSERT_TRUE(store_->Append(batch).ok());
  Open();
  auto last = store_->LastSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 30);
  auto rows = store_->Lookup(ById("id-29"));
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].json, "{\"i\":29}");
  EXPECT_EQ((*rows)[0].facts, Make(29).facts);
  std::vector<EventRecord> more{Make(30)};
  ASSERT_TRUE(store_->Append(more).ok());
  EXPECT_EQ(more[0].seq, 31);
}

// A crash in the middle of a write leaves a torn frame: it is cut off, nothing before is lost.
TEST(EventLogTest, TornTailIsCutOnOpen) {
  ScratchDir scratch;  // declared first: removed after the store closes
  const std::string& dir = scratch.path;
  {
    auto s = OpenLogEventStore(dir);
    ASSERT_TRUE(s.ok());
    std::vector<EventRecord> batch;
    for (int i = 0; i < 5; ++i) {
      EventRecord r;
      r.event_id = "e" + std::to_string(i);
      r.account_id = "111111111111";
      r.event_time_ms = 1000 + i;
      r.json = "{}";
      batch.push_back(r);
    }
    ASSERT_TRUE((*s)->Append(batch).ok());
  }
  {
    std::ofstream f(dir + "/events.log", std::ios::app | std::ios::binary);
    f.write("\x40\x00\x00\x00garbage", 11);  // a frame header promising 64 bytes, then EOF
  }
  auto s = OpenLogEventStore(dir);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*(*s)->LastSeq(), 5);
  EXPECT_EQ(std::filesystem::file_size(dir + "/events.log") > 0, true);
  std::vector<EventRecord> more(1);
  more[0].event_id = "e5";
  more[0].account_id = "111111111111";
  more[0].json = "{}";
  ASSERT_TRUE((*s)->Append(more).ok());
  auto all = (*s)->ReadAfter(0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 6u);
  EXPECT_EQ((*all)[5].event_id, "e5");
  s->reset();
}

// Event ids are indexed in fixed tables of 65,536 records each: ids on both sides of a table
// boundary, and after expiry, are found exactly once.
TEST(EventLogTest, EventIdLookupAcrossIdTables) {
  ScratchDir scratch;  // declared first: removed after the store closes
  const std::string& dir = scratch.path;
  auto s = OpenLogEventStore(dir);
  ASSERT_TRUE(s.ok());
  const int n = 70000;
  std::vector<EventRecord> batch;
  for (int i = 0; i < n; ++i) {
    EventRecord r;
    r.event_id = "id-" + std::to_string(i);
    r.account_id = "111111111111";
    r.event_time_ms = 1000 + i;
    batch.push_back(std::move(r));
    if (batch.size() == 5000) {
      ASSERT_TRUE((*s)->Append(batch).ok());
      batch.clear();
    }
  }
  // Block 0 is full (its table is built), block 1 is not (its hashes are scanned); the same
  // after a reopen, which rebuilds both.
  auto find_each = [&] {
    for (int i : {0, 1, 65535, 65536, 65537, n - 1}) {
      EventQuery q = ById("id-" + std::to_string(i));
      auto rows = (*s)->Lookup(q);
      ASSERT_TRUE(rows.ok());
      ASSERT_EQ(rows->size(), 1u) << i;
      EXPECT_EQ((*rows)[0].event_id, q.attribute_value);
    }
    EXPECT_EQ((*s)->Lookup(ById("id-" + std::to_string(n)))->size(), 0u);
  };
  find_each();
  s->reset();
  s = OpenLogEventStore(dir);
  ASSERT_TRUE(s.ok());
  find_each();
  ASSERT_TRUE((*s)->Expire(1000 + 65536).ok());  // hides ids 0..65535
  EXPECT_EQ((*s)->Lookup(ById("id-100"))->size(), 0u);
  EXPECT_EQ((*s)->Lookup(ById("id-65536"))->size(), 1u);
  s->reset();
}

// The log is written through a preallocated mapping: a copy taken while the store is open (as
// after kill -9) holds zeros after the last frame; opening it keeps every record and cuts them.
TEST(EventLogTest, CopyOfALiveLogOpensWithEveryRecord) {
  ScratchDir scratch;  // declared first: removed after the store closes
  const std::string& dir = scratch.path;
  auto s = OpenLogEventStore(dir + "/a");
  ASSERT_TRUE(s.ok());
  std::vector<EventRecord> batch(3);
  for (int i = 0; i < 3; ++i) {
    batch[i].event_id = "e" + std::to_string(i);
    batch[i].account_id = "111111111111";
    batch[i].facts = "f" + std::to_string(i);
    std::vector<EventRecord> one{batch[i]};
    ASSERT_TRUE((*s)->Append(one).ok());
  }
  std::filesystem::create_directories(dir + "/b");
  std::filesystem::copy_file(dir + "/a/events.log", dir + "/b/events.log");
  EXPECT_GE(std::filesystem::file_size(dir + "/b/events.log"), 1u << 20);  // preallocated
  auto copy = OpenLogEventStore(dir + "/b");
  ASSERT_TRUE(copy.ok());
  auto all = (*copy)->ReadAfter(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].facts, "f2");
  copy->reset();
  uint64_t cut = std::filesystem::file_size(dir + "/b/events.log");
  EXPECT_LT(cut, 4096u);  // the zeros were cut
  s->reset();  // a clean close drops the preallocation too
  EXPECT_EQ(std::filesystem::file_size(dir + "/a/events.log"), cut);
}

// Logs written before CRC-32C and facts (zlib CRC-32, payload ending with the JSON) still load.
TEST(EventLogTest, FramesOfTheFirstFormatStillLoad) {
  ScratchDir scratch;  // declared first: removed after the store closes
  const std::string& dir = scratch.path;
  auto i64 = [](std::string& o, int64_t v) {
    for (int i = 0; i < 8; ++i) o.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
  };
  std::string payload;
  i64(payload, 1);     // seq
  i64(payload, 5000);  // time
  PutU32(payload, 1);     // read-only
  for (std::string_view f : {"old-1", "111111111111", "GetUser", "iam.amazonaws.com", "bob",
                             "AKIAOLD", "Management", "us-east-1", "", "", "ua"}) {
    PutU32(payload, static_cast<uint32_t>(f.size()));
    payload.append(f);
  }
  PutU32(payload, 0);  // no resources
  std::string json = "{\"old\":true}";
  PutU32(payload, static_cast<uint32_t>(json.size()));
  payload += json;
  std::string frame;
  PutU32(frame, static_cast<uint32_t>(payload.size()));
  PutU32(frame, static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(payload.data()),
                                         static_cast<uInt>(payload.size()))));
  frame += payload;
  {
    std::ofstream f(dir + "/events.log", std::ios::binary);
    f.write(frame.data(), static_cast<std::streamsize>(frame.size()));
  }
  auto s = OpenLogEventStore(dir);
  ASSERT_TRUE(s.ok());
  EventQuery q;
  q.account_id = "111111111111";
  q.attribute_key = "Username";
  q.attribute_value = "bob";
  auto rows = (*s)->Lookup(q);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].json, json);
  EXPECT_EQ((*rows)[0].facts, "");
  std::vector<EventRecord> more(1);
  more[0].event_id = "new-2";
  more[0].account_id = "111111111111";
  ASSERT_TRUE((*s)->Append(more).ok());
  EXPECT_EQ(more[0].seq, 2);
  // Both formats in one log: reopened, each record reads back.
  s->reset();
  s = OpenLogEventStore(dir);
  ASSERT_TRUE(s.ok());
  auto all = (*s)->ReadAfter(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].json, json);
  EXPECT_EQ((*all)[0].username, "bob");
  EXPECT_EQ((*all)[1].event_id, "new-2");
  EXPECT_EQ((*all)[1].seq, 2);
  s->reset();
}

// A caller's context (identity, user agent, ...) is written once, not with every record.
TEST(EventLogTest, RepeatedContextsAreWrittenOnce) {
  ScratchDir scratch;  // declared first: removed after the store closes
  auto s = OpenLogEventStore(scratch.path);
  ASSERT_TRUE(s.ok());
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    CallRecord b;
    MakeCall(b, i % 2, i);
    ASSERT_TRUE((*s)->AppendOne(b.view).ok());
  }
  s->reset();  // a clean close cuts the preallocated space
  uint64_t size = std::filesystem::file_size(scratch.path + "/events.log");
  EXPECT_LT(size, static_cast<uint64_t>(n) * 64) << size;  // the first format: ~300 a record
  s = OpenLogEventStore(scratch.path);
  ASSERT_TRUE(s.ok());
  auto all = (*s)->ReadAfter(0, n);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), static_cast<size_t>(n));
  CallRecord last;
  MakeCall(last, 1, n - 1);
  EXPECT_EQ(all->back().facts, ToRecord(last.view).facts);
  s->reset();
}

// Writers cache context numbers per thread; after a wipe the numbers start again, so a cached
// number must not be used: here it would name the other caller's context.
TEST(EventLogTest, WipeForgetsContextNumbersCachedByWriters) {
  ScratchDir scratch;  // declared first: removed after the store closes
  auto s = OpenLogEventStore(scratch.path);
  ASSERT_TRUE(s.ok());
  CallRecord root, user;
  MakeCall(root, 0, 1);
  MakeCall(user, 1, 2);
  ASSERT_TRUE((*s)->AppendOne(root.view).ok());  // root's context is number 0
  ASSERT_TRUE((*s)->WipeAll().ok());
  ASSERT_TRUE((*s)->AppendOne(user.view).ok());  // now the user's is
  ASSERT_TRUE((*s)->AppendOne(root.view).ok());
  auto all = (*s)->ReadAfter(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].principal_arn, user.call.arn);
  EXPECT_EQ((*all)[1].principal_arn, root.call.arn);
  EXPECT_EQ((*all)[1].facts, ToRecord(root.view).facts);
  s->reset();
}

// Two stores written from one thread: the thread's cached numbers belong to one store each.
TEST(EventLogTest, StoresWrittenFromOneThreadKeepTheirContexts) {
  ScratchDir scratch;  // declared first: removed after the stores close
  auto a = OpenLogEventStore(scratch.path + "/a");
  auto b = OpenLogEventStore(scratch.path + "/b");
  ASSERT_TRUE(a.ok() && b.ok());
  CallRecord root, user;
  MakeCall(root, 0, 1);
  MakeCall(user, 1, 2);
  ASSERT_TRUE((*a)->AppendOne(root.view).ok());
  ASSERT_TRUE((*b)->AppendOne(user.view).ok());
  ASSERT_TRUE((*b)->AppendOne(root.view).ok());
  ASSERT_TRUE((*a)->AppendOne(user.view).ok());
  for (auto* s : {&a, &b}) {
    auto all = (**s)->ReadAfter(0, 10);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    bool first_is_root = s == &a;
    EXPECT_EQ((*all)[0].principal_arn, first_is_root ? root.call.arn : user.call.arn);
    EXPECT_EQ((*all)[1].principal_arn, first_is_root ? user.call.arn : root.call.arn);
  }
  a->reset();
  b->reset();
}

// Records whose context is too large to number carry it themselves.
TEST(EventLogTest, LargeContextsTravelWithTheirRecord) {
  ScratchDir scratch;  // declared first: removed after the store closes
  auto s = OpenLogEventStore(scratch.path);
  ASSERT_TRUE(s.ok());
  std::string agent(5000, 'a');
  for (int i = 0; i < 3; ++i) {
    CallRecord b;
    MakeCall(b, 1, i);
    b.view.user_agent = agent;
    ASSERT_TRUE((*s)->AppendOne(b.view).ok());
  }
  s->reset();
  s = OpenLogEventStore(scratch.path);
  ASSERT_TRUE(s.ok());
  auto all = (*s)->ReadAfter(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].user_agent, agent);
  s->reset();
}

// A whole, checksummed frame of a kind this binary does not know was written by a newer one:
// opening fails with a clear error and leaves the log as it is (cutting it there would lose
// every record after it).
TEST(EventLogTest, FramesOfALaterFormatAreRefusedNotCut) {
  ScratchDir scratch;  // declared first: removed after the store closes
  const std::string& dir = scratch.path;
  {
    auto s = OpenLogEventStore(dir);
    ASSERT_TRUE(s.ok());
    CallRecord b;
    MakeCall(b, 1, 1);
    ASSERT_TRUE((*s)->AppendOne(b.view).ok());
  }
  std::string payload = "from the future";
  std::string frame;
  PutU32(frame, static_cast<uint32_t>(payload.size()) | (7u << 28));
  PutU32(frame, Crc32c(payload));
  frame += payload;
  {
    std::ofstream f(dir + "/events.log", std::ios::app | std::ios::binary);
    f.write(frame.data(), static_cast<std::streamsize>(frame.size()));
  }
  uint64_t size = std::filesystem::file_size(dir + "/events.log");
  auto s = OpenLogEventStore(dir);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("newer rampart"), std::string::npos) << s.error().message;
  EXPECT_EQ(std::filesystem::file_size(dir + "/events.log"), size);
}

INSTANTIATE_TEST_SUITE_P(Engines, EventStoreTest, ::testing::Values(Engine::kLog, Engine::kSqlite),
                         [](const auto& info) {
                           return std::string(info.param == Engine::kLog ? "Log" : "Sqlite");
                         });


// One writer per log: a second open of the same directory is refused and, when it goes away,
// leaves the first store's file as it was (it once cut it to the end it knew: 0 bytes).
TEST(EventLogTest, SecondOpenIsRefusedAndTouchesNothing) {
  ScratchDir scratch;
  auto first = OpenLogEventStore(scratch.path);
  ASSERT_TRUE(first.ok());
  std::vector<EventRecord> batch(3);
  for (int i = 0; i < 3; ++i) {
    batch[i].event_id = "e" + std::to_string(i);
    batch[i].account_id = "111111111111";
    batch[i].json = "{}";
  }
  ASSERT_TRUE((*first)->Append(batch).ok());
  auto size_before = std::filesystem::file_size(scratch.path + "/events.log");
  {
    auto second = OpenLogEventStore(scratch.path);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("open in another process"), std::string::npos)
        << second.error().message;
  }
  EXPECT_EQ(std::filesystem::file_size(scratch.path + "/events.log"), size_before);
  std::vector<EventRecord> more(1);
  more[0].event_id = "e3";
  more[0].account_id = "111111111111";
  more[0].json = "{}";
  ASSERT_TRUE((*first)->Append(more).ok());
  EXPECT_EQ(*(*first)->LastSeq(), 4);
}

// The file cut short under a running store (truncate(1), a restore over a live server): the
// next appends fail with a reason instead of a SIGBUS killing the process, and Health() says why.
TEST(EventLogTest, FileCutUnderTheStoreIsAnErrorNotASigbus) {
  ScratchDir scratch;
  auto s = OpenLogEventStore(scratch.path);
  ASSERT_TRUE(s.ok());
  auto append = [&](int i) {
    std::vector<EventRecord> one(1);
    one[0].event_id = "e" + std::to_string(i);
    one[0].account_id = "111111111111";
    one[0].json = "{}";
    return (*s)->Append(one);
  };
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(append(i).ok());
  ASSERT_TRUE((*s)->Health().ok());
  ASSERT_EQ(::truncate((scratch.path + "/events.log").c_str(), 0), 0);
  Status after = append(10);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().http_status, 503);
  Status health = (*s)->Health();
  ASSERT_FALSE(health.ok());
  EXPECT_NE(health.error().message.find("another process"), std::string::npos)
      << health.error().message;
  EXPECT_FALSE(append(11).ok());  // stays failed: nothing is acknowledged into a lost file
}

// A cut far past the current page: the copy itself would fault (SIGBUS) without the guard.
TEST(EventLogTest, CopyIntoALostPageIsAbsorbed) {
  ScratchDir scratch;
  auto s = OpenLogEventStore(scratch.path);
  ASSERT_TRUE(s.ok());
  std::vector<EventRecord> batch(200);
  for (int i = 0; i < 200; ++i) {
    batch[i].event_id = "e" + std::to_string(i);
    batch[i].account_id = "111111111111";
    batch[i].json = std::string(100, 'x');
  }
  ASSERT_TRUE((*s)->Append(batch).ok());
  // Cut to a page boundary before the current end: the page being written is gone.
  auto size_used = 200 * 100;  // at least this much was written
  ASSERT_EQ(::truncate((scratch.path + "/events.log").c_str(), (size_used / 4096) * 4096 - 4096), 0);
  bool failed = false;
  for (int i = 0; i < 100 && !failed; ++i) {
    std::vector<EventRecord> one(1);
    one[0].event_id = "f" + std::to_string(i);
    one[0].account_id = "111111111111";
    one[0].json = std::string(100, 'y');
    failed = !(*s)->Append(one).ok();
  }
  EXPECT_TRUE(failed);
  EXPECT_FALSE((*s)->Health().ok());
}

}  // namespace
}  // namespace rampart::store
