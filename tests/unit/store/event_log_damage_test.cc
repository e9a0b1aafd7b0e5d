// The event log's recovery from damage: one bad frame in the middle costs that frame, not every
// record after it; the damage is quarantined, reported once, and the records keep their seqs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/events.h"
#include "store/log/log_scan.h"

namespace rampart::store {
namespace {

struct Dir {
  Dir() {
    char tmpl[] = "/tmp/rampart-log-damage-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path = tmpl;
  }
  ~Dir() { std::filesystem::remove_all(path); }
  std::string path;
  std::string log() const { return path + "/events.log"; }
};

EventRecord Rec(int i) {
  EventRecord r;
  r.event_id = "e" + std::to_string(i);
  r.account_id = "111111111111";
  r.event_time_ms = 1000 + i;
  r.event_name = "GetCallerIdentity";
  r.event_source = "sts.amazonaws.com";
  r.json = "{\"i\":" + std::to_string(i) + "}";
  return r;
}

void Write(const std::string& dir, int n) {
  auto s = OpenLogEventStore(dir);
  ASSERT_TRUE(s.ok()) << s.error().message;
  for (int i = 0; i < n; ++i) {
    std::vector<EventRecord> one{Rec(i)};
    ASSERT_TRUE((*s)->Append(one).ok());
  }
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The offsets of the record frames of a log, in order.
std::vector<uint64_t> RecordFrames(const std::string& bytes) {
  std::vector<uint64_t> out;
  uint64_t pos = 0;
  while (pos + 8 <= bytes.size()) {
    uint32_t word = logscan::Get32(bytes.data() + pos);
    if (word == 0) break;
    if ((word >> 28) == logscan::kRecord) out.push_back(pos);
    pos += 8 + (word & logscan::kLengthMask);
  }
  return out;
}

std::vector<EventRecord> All(EventStore& s) {
  auto all = s.ReadAfter(0, 100000);
  EXPECT_TRUE(all.ok());
  return all.ok() ? *all : std::vector<EventRecord>{};
}

TEST(EventLogDamage, AFlippedByteInFrame10Of1000CostsOneRecord) {
  Dir d;
  Write(d.path, 1000);
  std::string bytes = ReadAll(d.log());
  auto frames = RecordFrames(bytes);
  ASSERT_EQ(frames.size(), 1000u);
  bytes[frames[9] + 8 + 3] ^= 0x20;  // the payload of record 10
  WriteAll(d.log(), bytes);

  auto s = OpenLogEventStore(d.path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto all = All(**s);
  ASSERT_EQ(all.size(), 999u);
  EXPECT_EQ(all[8].seq, 9);
  EXPECT_EQ(all[9].seq, 11);  // seq 10 was lost; the others keep theirs
  EXPECT_EQ(all[9].event_id, "e10");
  EXPECT_EQ(all.back().seq, 1000);
  EXPECT_EQ(*(*s)->LastSeq(), 1000);
  auto damage = (*s)->Damage();
  ASSERT_EQ(damage.size(), 1u);
  EXPECT_EQ(damage[0].offset, frames[9]);
  EXPECT_EQ(damage[0].lost_records, 1);
  ASSERT_FALSE(damage[0].quarantine_path.empty());
  EXPECT_EQ(ReadAll(damage[0].quarantine_path), bytes.substr(frames[9], frames[10] - frames[9]));
  // New records follow the old ones.
  std::vector<EventRecord> more{Rec(1000)};
  ASSERT_TRUE((*s)->Append(more).ok());
  EXPECT_EQ(more[0].seq, 1001);

  // Acknowledged, the span is an accounted-for gap: not reported again, seqs unchanged.
  ASSERT_TRUE((*s)->AcknowledgeDamage().ok());
  EXPECT_TRUE((*s)->Damage().empty());
  s->reset();
  auto again = OpenLogEventStore(d.path);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE((*again)->Damage().empty());
  auto all2 = All(**again);
  ASSERT_EQ(all2.size(), 1000u);
  EXPECT_EQ(all2[9].seq, 11);
  EXPECT_EQ(all2.back().seq, 1001);
}

TEST(EventLogDamage, ADamagedHeaderIsResyncedAndTheLossCountedByTheNextMark) {
  Dir d;
  Write(d.path, 300);
  std::string bytes = ReadAll(d.log());
  auto frames = RecordFrames(bytes);
  // Corrupt the length of record 100's frame: its extent is unknown.
  bytes[frames[99] + 1] = static_cast<char>(0x7f);
  bytes[frames[99] + 2] = static_cast<char>(0x33);
  WriteAll(d.log(), bytes);

  auto s = OpenLogEventStore(d.path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto all = All(**s);
  ASSERT_GE(all.size(), 298u);
  ASSERT_LT(all.size(), 300u);
  for (const auto& r : all) {
    EXPECT_EQ(r.event_id, "e" + std::to_string(r.seq - 1)) << "seq " << r.seq;
  }
  EXPECT_EQ(all.back().seq, 300);
  auto damage = (*s)->Damage();
  ASSERT_EQ(damage.size(), 1u);
  EXPECT_EQ(damage[0].lost_records, static_cast<int64_t>(300 - all.size()));
}

TEST(EventLogDamage, DamageInTheLastFrameIsATornTail) {
  Dir d;
  Write(d.path, 50);
  std::string bytes = ReadAll(d.log());
  auto frames = RecordFrames(bytes);
  // Drop the close's mark and damage the last record: as a crash in the middle of a copy.
  bytes.resize(frames[49] + 8 + (logscan::Get32(bytes.data() + frames[49]) & logscan::kLengthMask));
  bytes[frames[49] + 9] ^= 1;
  WriteAll(d.log(), bytes);
  auto s = OpenLogEventStore(d.path);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(All(**s).size(), 49u);
  EXPECT_TRUE((*s)->Damage().empty());
}

TEST(EventLogDamage, FramesWithoutValidChecksumsAreATornTail) {
  std::string log;
  for (std::string payload : {std::string("abcdef"), std::string("ghij")}) {
    char h[8] = {};
    logscan::Put32(h, static_cast<uint32_t>(payload.size()) | (logscan::kContext << 28));
    log += std::string(h, 8) + payload;  // checksums left 0: wrong
  }
  int frames = 0, damaged = 0;
  auto end = logscan::Scan(
      log, [&](const logscan::Frame&) { ++frames; }, [&](const logscan::Damage&) { ++damaged; });
  ASSERT_TRUE(end.ok());
  // Neither frame has a valid checksum: nothing whole, nothing resumes: a torn tail at 0.
  EXPECT_EQ(*end, 0u);
  EXPECT_EQ(frames, 0);
  EXPECT_EQ(damaged, 0);
}

}  // namespace
}  // namespace rampart::store
