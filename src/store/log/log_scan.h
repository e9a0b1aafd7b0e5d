#pragma once
// Reading the event log's frames back (store/log/event_log.cc), damage included. Pure: works on
// the log's bytes, no I/O.
//
// A frame is [u32 kind << 28 | payload length][u32 CRC-32C of the payload][payload], integers
// little-endian. What a damaged frame does to the rest of the log:
//  - a frame whose checksum fails but whose header is intact (a flipped bit in the payload, the
//    common case) is one damaged frame of a known kind, and the next frame starts right after it;
//  - a frame whose header is damaged leaves the scan to look for the next place where whole,
//    checksummed frames resume (a frame that checks out and is followed by another or by the
//    end), with CRC-32C's 2^-32 chance per candidate of a false match, confirmed by the next;
//  - damage with no whole frame after it is a torn tail (a crash in the middle of a write) or
//    the preallocated zeros after the last frame: the log ends there.

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace rampart::store::logscan {

enum FrameKind : uint32_t {
  kRecordV1 = 0,  // the first record format: read, no longer written
  kRecord = 1,    // record_codec.h
  kContext = 2,   // [varint number][context bytes]
  kSeqMark = 3,   // [varint seq]: the seq of the record that follows (every 64 records, at close)
  kHole = 4,      // [varint records lost][zeros]: a damaged span, quarantined and acknowledged
};
constexpr uint32_t kNewestKind = kHole;
constexpr uint32_t kLengthMask = (1u << 28) - 1;
constexpr size_t kMaxPayload = 16 * 1024 * 1024;

uint32_t Get32(const char* p);
void Put32(char* p, uint32_t v);
// True when `stored` is the payload's CRC-32C (or, in logs written before it, zlib's CRC-32).
bool FrameOk(std::string_view payload, uint32_t stored);

struct Frame {
  uint64_t offset;
  uint32_t kind;
  std::string_view payload;
};

struct Damage {
  uint64_t offset, end;  // the damaged bytes [offset, end)
  int frame_kind;        // the kind of the one frame filling them (intact header), -1 unknown
};

// The payload length of a whole, checksummed frame of a known kind at `pos`; nullopt otherwise.
std::optional<uint32_t> WholeFrameAt(std::string_view data, uint64_t pos);

// Walks the frames of `data` from its start: on_frame for each whole frame, on_damage for each
// damaged span after which whole frames resume. Returns the end of the last whole frame (the
// log's end: what follows is a torn tail or preallocated zeros). Error: a whole frame of a kind
// newer than kNewestKind (written by a newer rampart; the log must be left as it is).
Result<uint64_t> Scan(std::string_view data, const std::function<void(const Frame&)>& on_frame,
                      const std::function<void(const Damage&)>& on_damage);

}  // namespace rampart::store::logscan
