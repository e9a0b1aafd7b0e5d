#include "store/log/log_scan.h"

#include <zlib.h>

#include <cstring>

#include "common/crc32c.h"

namespace rampart::store::logscan {

namespace {

// Frames a resync may land on: large enough for any record Rampart writes in practice, small
// enough that scanning a damaged span costs little (each candidate checksums its payload).
constexpr uint32_t kMaxResyncPayload = 256 * 1024;
// Bytes of candidates a resync examines before it gives the rest up as a torn tail.
constexpr uint64_t kMaxResyncScan = 64ull << 20;

// The offset just after the last non-zero byte: what follows is preallocated, never written.
uint64_t LiveEnd(std::string_view data) {
  uint64_t end = data.size();
  while (end >= 8) {
    uint64_t word;
    std::memcpy(&word, data.data() + end - 8, 8);
    if (word != 0) break;
    end -= 8;
  }
  while (end > 0 && data[end - 1] == 0) --end;
  return end;
}

// True when whole frames resume at `pos` (or the live bytes end there).
bool ResumesAt(std::string_view data, uint64_t pos, uint64_t live_end) {
  return pos >= live_end || WholeFrameAt(data, pos).has_value();
}

// The first offset in [from, live_end) where a whole frame starts that is followed by another
// whole frame or by the end of the live bytes; nullopt if there is none (a torn tail).
std::optional<uint64_t> FindResume(std::string_view data, uint64_t from, uint64_t live_end) {
  uint64_t limit = live_end > from + kMaxResyncScan ? from + kMaxResyncScan : live_end;
  for (uint64_t p = from; p + 8 <= limit; ++p) {
    uint32_t word = Get32(data.data() + p);
    if (word == 0 || (word >> 28) > kNewestKind || (word & kLengthMask) > kMaxResyncPayload) {
      continue;
    }
    auto len = WholeFrameAt(data, p);
    if (len && ResumesAt(data, p + 8 + *len, live_end)) return p;
  }
  return std::nullopt;
}

}  // namespace

uint32_t Get32(const char* p) {
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[k])) << (8 * k);
  return v;
}

void Put32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

bool FrameOk(std::string_view payload, uint32_t stored) {
  if (Crc32c(payload) == stored) return true;
  return static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(payload.data()),
                                     static_cast<uInt>(payload.size()))) == stored;
}

std::optional<uint32_t> WholeFrameAt(std::string_view data, uint64_t pos) {
  if (pos + 8 > data.size()) return std::nullopt;
  uint32_t word = Get32(data.data() + pos);
  uint32_t len = word & kLengthMask;
  if (word == 0 || (word >> 28) > kNewestKind || len > kMaxPayload ||
      pos + 8 + len > data.size()) {
    return std::nullopt;
  }
  if (!FrameOk(data.substr(pos + 8, len), Get32(data.data() + pos + 4))) return std::nullopt;
  return len;
}

Result<uint64_t> Scan(std::string_view data, const std::function<void(const Frame&)>& on_frame,
                      const std::function<void(const Damage&)>& on_damage) {
  const uint64_t size = data.size();
  const uint64_t live_end = LiveEnd(data);
  uint64_t pos = 0, good = 0;
  while (pos + 8 <= size && pos < live_end) {
    uint32_t word = Get32(data.data() + pos);
    uint32_t kind = word >> 28, len = word & kLengthMask;
    bool fits = word != 0 && len <= kMaxPayload && pos + 8 + len <= size;
    if (fits) {
      std::string_view payload = data.substr(pos + 8, len);
      if (FrameOk(payload, Get32(data.data() + pos + 4))) {
        if (kind > kNewestKind) {
          return Error::Internal("the frame at offset " + std::to_string(pos) + " is of kind " +
                                 std::to_string(kind) +
                                 ", written by a newer rampart; upgrade rampart (the log is "
                                 "left as it is)");
        }
        on_frame({pos, kind, payload});
        pos += 8 + len;
        good = pos;
        continue;
      }
    }
    // Damage at pos. Its header intact and a whole frame right after it: one damaged frame.
    uint64_t next = pos + 8 + len;
    if (fits && kind <= kNewestKind && next < live_end && WholeFrameAt(data, next)) {
      on_damage({pos, next, static_cast<int>(kind)});
      pos = next;
      continue;
    }
    auto resume = FindResume(data, pos + 1, live_end);
    if (!resume) break;  // a torn tail: nothing whole follows
    on_damage({pos, *resume, -1});
    pos = *resume;
  }
  return good;
}

}  // namespace rampart::store::logscan
