// libFuzzer target: the event log's recovery path (store/log/log_scan.h and LogEventStore's open)
// on a damaged file. Whatever the bytes of events.log: the open never crashes, reads out of
// bounds or hangs; it either refuses the file (a frame of a later kind) or yields a store whose
// every record reads back in seq order and whose damage reports lie within the file. (Appending
// is left out: it preallocates a 64 MiB window, which would make each run take milliseconds.)
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/events.h"
#include "store/log/log_scan.h"

using namespace rampart::store;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The scanner alone: frames and damage lie within the input, in order.
  uint64_t last = 0;
  auto end = logscan::Scan(
      bytes,
      [&](const logscan::Frame& f) {
        if (f.offset < last || f.offset + 8 + f.payload.size() > size) std::abort();
        last = f.offset + 8 + f.payload.size();
      },
      [&](const logscan::Damage& d) {
        if (d.offset < last || d.end <= d.offset || d.end > size) std::abort();
        last = d.end;
      });
  if (end.ok() && *end > size) std::abort();

  // The store: open the bytes as events.log.
  // On tmpfs where there is one: the open fsyncs, and a disk's fsync made this target run at
  // ~60 inputs a second.
  static const std::string dir = [] {
    std::string tmpl = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    tmpl += "/rampart-logscan-fuzz-XXXXXX";
    return std::string(mkdtemp(tmpl.data()));
  }();
  std::filesystem::remove_all(dir + "/quarantine");
  { std::ofstream(dir + "/events.log", std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size()); }
  auto store = OpenLogEventStore(dir);
  if (!store.ok()) return 0;
  auto records = (*store)->ReadAfter(0, 1000000);
  if (!records.ok()) std::abort();
  for (const auto& d : (*store)->Damage()) {
    if (d.offset + d.bytes > size) std::abort();
  }
  // Every record the index holds reads back; seqs are increasing.
  int64_t prev = 0;
  for (const auto& r : *records) {
    if (r.seq <= prev) std::abort();
    prev = r.seq;
  }
  auto last_seq = (*store)->LastSeq();
  if (!last_seq.ok() || *last_seq < prev) std::abort();
  return 0;
}
