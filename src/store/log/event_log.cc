// EventStore as an append-only log with an in-memory index.
//
// Why not SQLite: every API call appends one record, and the reply waits for it. With SQLite
// and the nine B-tree indexes LookupEvents needs, one record cost ~80 us of CPU and page writes,
// capping a 2-core server near 10k calls/s (measured: 43k/s without recording, 10k/s with).
// Here a record costs a memcpy into a mapped window of the file plus a few index appends.
//
// File: <dir>/events.log, a sequence of frames [u32 kind << 28 | payload length][u32 crc32c]
// [payload]. A record frame's payload is the record in the format of record_codec.h: what
// repeats from call to call (account, identity, user agent, ...) is a context, written once in
// a context frame ([varint number][context]) and referred to by number; the record itself
// carries only what is new (52 bytes a GetCallerIdentity, 429 in the first format, whose
// frames, kind 0, still load). Context numbers are kept per writing thread in a small cache, so
// a call whose context that thread has seen finds its number without a lock.
// Frames are copied into a shared mapping of the file (windows of 64 MiB, preallocated): a
// frame is complete once the copy returns; it is in the OS page cache and survives the process
// being killed (not a power cut: no fsync). On open, frames are read back and checked; a torn or
// corrupt tail (a crash in the middle of a copy) and the preallocated zeros are cut off.
//
// Index (rebuilt on open: ~0.6 s for 909k records): per record its file offset and a monotonic time
// (the record time, never earlier than the previous record's); posting lists of record numbers
// per (category, account, attribute, value). Lookups walk a posting list newest first after a
// binary search on time. Expire() hides records older than a time (the space is reclaimed when
// the log is compacted, which is not implemented yet).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "common/adaptive_mutex.h"
#include "common/crc32c.h"
#include "common/crypto.h"
#include "store/events.h"
#include "store/log/log_scan.h"
#include "store/log/mapping_guard.h"
#include "store/log/record_codec.h"

namespace rampart::store {

namespace {

using logscan::FrameKind;
using logscan::Get32;
using logscan::kContext;
using logscan::kHole;
using logscan::kLengthMask;
using logscan::kMaxPayload;
using logscan::kRecord;
using logscan::kRecordV1;
using logscan::kSeqMark;
using logscan::Put32;

// A seq mark frame every this many records (and one at a clean close): after damage whose
// extent is unknown, the next mark says how many records were lost, so the records after it
// keep their seq (trail delivery's cursors are seqs).
constexpr int64_t kMarkEvery = 64;
// The index entry of a record that was lost to damage: it keeps its seq, and readers skip it.
constexpr uint64_t kTombstone = ~0ull;

// Contexts larger than this are carried inline by their record, not numbered; past
// kMaxContextBytes of numbered contexts (kept in memory), new ones are too.
constexpr size_t kMaxContext = 4096;
constexpr size_t kMaxContextBytes = 64u << 20;

// Store generations: a new one at every open and wipe, so a writer's cached context numbers
// (ContextCache) are never used with another store's (or a wiped store's) contexts.
std::atomic<uint64_t> g_generations{0};
uint64_t NextGeneration() { return g_generations.fetch_add(1) + 1; }

// A writing thread's cache of context numbers: direct-mapped by the context's CRC.
struct ContextCache {
  struct Slot {
    uint64_t generation = 0;  // 0: empty
    uint32_t hash = 0;
    uint32_t number = 0;
    std::string bytes;
  };
  std::array<Slot, 16> slots;
  std::string context, frame;  // the thread's scratch for encoding
};

class Reader {
 public:
  explicit Reader(std::string_view data) : d_(data) {}
  bool U32(uint32_t* v) {
    if (d_.size() < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) *v |= static_cast<uint32_t>(static_cast<uint8_t>(d_[i])) << (8 * i);
    d_.remove_prefix(4);
    return true;
  }
  bool I64(int64_t* v) {
    if (d_.size() < 8) return false;
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u |= static_cast<uint64_t>(static_cast<uint8_t>(d_[i])) << (8 * i);
    *v = static_cast<int64_t>(u);
    d_.remove_prefix(8);
    return true;
  }
  bool empty() const { return d_.empty(); }
  bool Str(std::string* s) {
    uint32_t n;
    if (!U32(&n) || d_.size() < n) return false;
    s->assign(d_.substr(0, n));
    d_.remove_prefix(n);
    return true;
  }

 private:
  std::string_view d_;
};

// memcpy with non-temporal stores for the whole 64-byte cache lines of the destination: the
// log's pages are written once and never read by the writer, so they should not take the place
// of the request path's data in the CPU caches. Measured at 64 connections (GetCallerIdentity,
// perf samples per request): plain memcpy into the mapping made the whole call ~20 % costlier
// with recording on, far above the ~4 % of instructions recording adds. The partial lines at
// either end (shared with the neighbouring frames) are copied normally: a line written partly
// by non-temporal stores is flushed piecemeal, and one also written normally is evicted. Ends
// with a store fence, so the bytes are visible before the record is indexed.
void StreamCopy(char* dst, const char* src, size_t n) {
#if defined(__SSE2__)
  size_t head = (64 - (reinterpret_cast<uintptr_t>(dst) & 63)) & 63;
  if (n < head + 64) {
    std::memcpy(dst, src, n);
    return;
  }
  std::memcpy(dst, src, head);
  size_t i = head;
  for (; i + 64 <= n; i += 64) {
    for (size_t k = 0; k < 64; k += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + k));
      _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + k), v);
    }
  }
  std::memcpy(dst + i, src + i, n - i);
  _mm_sfence();
#else
  std::memcpy(dst, src, n);
#endif
}

// A record frame of the first format (kRecordV1): seq, time, read-only, then 4-byte
// length-prefixed strings, resources, JSON and (later) the facts blob.
bool DecodeV1(std::string_view payload, EventRecord* r) {
  Reader in(payload);
  uint32_t ro, n;
  if (!in.I64(&r->seq) || !in.I64(&r->event_time_ms) || !in.U32(&ro)) return false;
  r->read_only = ro != 0;
  for (std::string* s : {&r->event_id, &r->account_id, &r->event_name, &r->event_source,
                         &r->username, &r->access_key_id, &r->category, &r->region,
                         &r->error_code, &r->principal_arn, &r->user_agent}) {
    if (!in.Str(s)) return false;
  }
  if (!in.U32(&n) || n > 10000) return false;
  r->resources.resize(n);
  for (auto& res : r->resources) {
    if (!in.Str(&res.type) || !in.Str(&res.name)) return false;
  }
  if (!in.Str(&r->json)) return false;
  return in.empty() || in.Str(&r->facts);  // records written before facts existed end here
}

// Frames are checked with CRC-32C (hardware instruction); logs written before it used zlib's
// CRC-32, which a frame may still carry (logscan::FrameOk).
uint32_t Crc(std::string_view s) { return Crc32c(s); }

Error IoError(const std::string& what) {
  return Error::Internal(what + ": " + std::strerror(errno));
}

class LogEventStore final : public EventStore {
 public:
  ~LogEventStore() override {
    // A clean close ends with a seq mark, so damage found in the last records at the next open
    // still knows how many records there were.
    if (fd_ >= 0 && loaded_ && broken_.empty() && next_seq_ > 1) {
      std::string mark(8 + logfmt::VarintSize(static_cast<uint64_t>(next_seq_)), '\0');
      logfmt::PutVarint(mark.data() + 8, static_cast<uint64_t>(next_seq_));
      size_t len = mark.size() - 8;
      Put32(mark.data(), static_cast<uint32_t>(len) | (static_cast<uint32_t>(kSeqMark) << 28));
      Put32(mark.data() + 4, Crc(std::string_view(mark.data() + 8, len)));
      if (::pwrite(fd_, mark.data(), mark.size(), static_cast<off_t>(end_)) ==
          static_cast<ssize_t>(mark.size())) {
        end_ += mark.size();
      }
    }
    Unmap();
    // A clean close drops the preallocated, still-zero space after the last frame. Only once
    // the log was read: a store whose open failed knows no end, and must leave the file alone.
    // Nor when the file was cut under us: it is no longer the file we knew.
    if (fd_ >= 0 && loaded_ && broken_.empty() &&
        ::ftruncate(fd_, static_cast<off_t>(end_)) != 0) {
      // Harmless: the next open stops at the first empty frame and cuts the rest.
    }
    if (fd_ >= 0) ::close(fd_);
  }

  static Result<std::unique_ptr<LogEventStore>> Open(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error::Internal("cannot create " + dir + ": " + ec.message());
    auto s = std::unique_ptr<LogEventStore>(new LogEventStore());
    s->path_ = dir + "/events.log";
    s->fd_ = ::open(s->path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->fd_ < 0) return IoError("cannot open " + s->path_);
    // One writer per log: a second would interleave frames with ours, and cut the file to the
    // end it knows when it closes. (The data directory's lock keeps a second server out; this
    // keeps out anything else that opens the log through this code.)
    if (::flock(s->fd_, LOCK_EX | LOCK_NB) != 0) {
      Error e = errno == EWOULDBLOCK
                    ? Error::Internal(s->path_ + " is open in another process; one server per "
                                                 "data directory")
                    : IoError("cannot lock " + s->path_);
      ::close(s->fd_);
      s->fd_ = -1;
      return e;
    }
    RAMPART_RETURN_IF_ERROR(s->Load());
    return s;
  }

  Status Append(std::vector<EventRecord>& batch) override {
    std::vector<int64_t> full;
    {
      std::lock_guard lock(mu_);
      // Sizes and room for the whole batch first: a record too large or a full disk then fails
      // the batch before any of its records is written. (Room for each record's context frame
      // too, though most will be known already.)
      std::string context, frame;
      size_t total = 0;
      for (const EventRecord& r : batch) {
        EventView v = ViewOf(r);
        logfmt::EncodeContext(v, context);
        size_t len = logfmt::RecordSize(v, logfmt::kInlineContext, context);
        if (len > kMaxPayload) return Error::Validation("event record too large");
        total += len + 8 + context.size() + 16 + kMarkFrameMax;
      }
      RAMPART_RETURN_IF_ERROR(MapFor(total));
      for (EventRecord& r : batch) {
        EventView v = ViewOf(r);
        logfmt::EncodeContext(v, context);
        RAMPART_ASSIGN_OR_RETURN(uint32_t number, ContextNumberLocked(context));
        RAMPART_RETURN_IF_ERROR(EncodeFrame(v, number, context, frame));
        RAMPART_ASSIGN_OR_RETURN(r.seq, AppendFrameLocked(frame, v, number, IdHash(v)));
        if (int64_t b = TakeFullBlock(); b >= 0) full.push_back(b);
      }
    }
    for (int64_t b : full) BuildIdTable(b);
    return {};
  }

  Result<int64_t> AppendOne(const EventView& r) override {
    // Encoded outside the lock in a per-thread buffer that stays in cache; only the CRC, the
    // copy and the index update are serialized.
    thread_local ContextCache cache;
    while (true) {
      uint64_t generation = generation_.load(std::memory_order_acquire);
      RAMPART_ASSIGN_OR_RETURN(uint32_t number, ContextNumber(r, generation, cache));
      RAMPART_RETURN_IF_ERROR(EncodeFrame(r, number, cache.context, cache.frame));
      uint64_t id_hash = IdHash(r);
      int64_t seq, full;
      {
        std::lock_guard lock(mu_);
        // Wiped since the context number was found: it may name another context now.
        if (generation_.load(std::memory_order_relaxed) != generation) continue;
        RAMPART_ASSIGN_OR_RETURN(seq, AppendFrameLocked(cache.frame, r, number, id_hash));
        full = TakeFullBlock();
      }
      BuildIdTable(full);  // once per 65,536 records, by the caller that filled the block
      return seq;
    }
  }

  // The context of `r` in cache.context, and its number (kInlineContext: the record carries
  // it): from the thread's cache when it has it for this generation, else from the store,
  // which writes a context frame the first time it sees a context.
  Result<uint32_t> ContextNumber(const EventView& r, uint64_t generation, ContextCache& cache) {
    logfmt::EncodeContext(r, cache.context);
    if (cache.context.size() > kMaxContext) return logfmt::kInlineContext;
    // The slot, by the context's first 64 bytes (account, event name and source, user): the
    // whole context is compared below anyway.
    uint32_t hash = Crc32c(std::string_view(cache.context).substr(0, 64));
    ContextCache::Slot& slot = cache.slots[hash % cache.slots.size()];
    if (slot.generation == generation && slot.hash == hash && slot.bytes == cache.context) {
      return slot.number;
    }
    std::lock_guard lock(mu_);
    RAMPART_ASSIGN_OR_RETURN(uint32_t number, ContextNumberLocked(cache.context));
    if (number != logfmt::kInlineContext) {
      slot.generation = generation_.load(std::memory_order_relaxed);
      slot.hash = hash;
      slot.number = number;
      slot.bytes = cache.context;
    }
    return number;
  }

  // REQUIRES: mu_ held. The number of `context`, writing its frame if it is new.
  Result<uint32_t> ContextNumberLocked(std::string_view context) {
    if (context.size() > kMaxContext) return logfmt::kInlineContext;
    auto it = context_numbers_.find(context);
    if (it != context_numbers_.end()) return it->second;
    if (context_bytes_ + context.size() > kMaxContextBytes) return logfmt::kInlineContext;
    uint32_t number = static_cast<uint32_t>(contexts_.size());
    std::string frame(8 + logfmt::VarintSize(number) + context.size(), '\0');
    char* p = logfmt::PutVarint(frame.data() + 8, number);
    std::memcpy(p, context.data(), context.size());
    RAMPART_RETURN_IF_ERROR(MapFor(frame.size()));
    RAMPART_RETURN_IF_ERROR(WriteFrameLocked(frame, kContext));
    AddContext(context);
    return number;
  }

  // REQUIRES: mu_ held, or no other thread (Load).
  void AddContext(std::string_view context) {
    contexts_.emplace_back(context);
    context_lists_.emplace_back();
    context_numbers_.emplace(contexts_.back(), static_cast<uint32_t>(contexts_.size() - 1));
    context_bytes_ += context.size();
  }

  // The record frame of `r`, length and CRC still to be filled in (WriteFrameLocked).
  static Status EncodeFrame(const EventView& r, uint32_t context, std::string_view context_bytes,
                            std::string& frame) {
    frame.resize(8);
    size_t len = logfmt::EncodeRecord(frame, r, context, context_bytes);
    if (len > kMaxPayload) return Error::Validation("event record too large");
    return {};
  }

  // REQUIRES: mu_ held, and MapFor(frame.size()) done. Fills in the frame's header and
  // copies it to the end of the log; returns its offset.
  // The frame is copied into a shared mapping of the file: once the copy is done the bytes are
  // in the page cache and survive the process being killed, with no system call per record (a
  // pwrite per group commit cost ~2 us of kernel time a call at 64 connections). A crash in the
  // middle of the copy leaves a torn frame that the next open cuts off. The copy bypasses the
  // CPU caches where it can (StreamCopy): the log is written once and not read back, and
  // caching it evicted the request path's own data.
  // A copy into a page of the file that is no longer there (the file was cut short under us)
  // lands in a private page instead (MappingGuard) and fails here: the caller answers 503, and
  // every later append fails too (Health() says why) until the log is reopened.
  Result<uint64_t> WriteFrameLocked(std::string& frame, FrameKind kind) {
    if (!broken_.empty()) return Error::Unavailable(broken_);
    size_t len = frame.size() - 8;
    Put32(frame.data(), static_cast<uint32_t>(len) | (static_cast<uint32_t>(kind) << 28));
    Put32(frame.data() + 4, Crc(std::string_view(frame.data() + 8, len)));
    uint64_t offset = end_;
    char* dst = map_ + (end_ - map_at_);
    // Once a page: is the file still as long as the window we write through? (A cut that
    // leaves the current page in the file would not fault.) One fstat per ~80 records.
    uint64_t page_mask = page_size_ - 1;
    if ((offset & page_mask) == 0 || ((offset + frame.size()) & ~page_mask) != (offset & ~page_mask)) {
      RAMPART_RETURN_IF_ERROR(CheckLengthLocked());
    }
    StreamCopy(dst, frame.data(), frame.size());
    if (guard_.lost()) {
      return MarkBrokenLocked(path_ + " was cut short or replaced by another process while "
                              "this server wrote it; records may have been lost. Stop the other "
                              "writer and restart rampart");
    }
    end_ += frame.size();
    return offset;
  }

  // REQUIRES: mu_ held, MapFor done for kMarkFrameMax more bytes. A seq mark: the seq of the
  // next record.
  static constexpr size_t kMarkFrameMax = 8 + 10;
  Status WriteMarkLocked() {
    std::string mark(8 + logfmt::VarintSize(static_cast<uint64_t>(next_seq_)), '\0');
    logfmt::PutVarint(mark.data() + 8, static_cast<uint64_t>(next_seq_));
    RAMPART_RETURN_IF_ERROR(WriteFrameLocked(mark, kSeqMark));
    return {};
  }

  // REQUIRES: mu_ held. Fails (and breaks the log) if the file is shorter than the window.
  Status CheckLengthLocked() {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return MarkBrokenLocked(IoError("cannot stat " + path_).message);
    if (static_cast<uint64_t>(st.st_size) < map_at_ + map_len_) {
      return MarkBrokenLocked(path_ + " is " + std::to_string(st.st_size) +
                              " bytes but this server wrote up to byte " + std::to_string(end_) +
                              ": another process cut it short; records may have been lost. Stop "
                              "the other writer and restart rampart");
    }
    return {};
  }

  // REQUIRES: mu_ held. Every later append fails with `why`; Health() reports it.
  Error MarkBrokenLocked(std::string why) {
    broken_ = std::move(why);
    broken_flag_.store(true, std::memory_order_release);
    return Error::Unavailable(broken_);
  }

 public:
  Status Sync() override {
    uint64_t target;
    {
      std::lock_guard lock(mu_);
      target = end_;
    }
    if (synced_.load(std::memory_order_acquire) >= target) return {};
    std::lock_guard sync_lock(sync_mu_);
    // A sync that started after our record was appended covers it: one fdatasync for all the
    // callers that waited on this lock meanwhile.
    if (synced_.load(std::memory_order_acquire) >= target) return {};
    uint64_t covered;
    {
      std::lock_guard lock(mu_);
      covered = end_;
    }
    if (::fdatasync(fd_) != 0) return IoError("cannot sync " + path_);
    synced_.store(covered, std::memory_order_release);
    return {};
  }

  Status Health() override {
    std::lock_guard lock(mu_);
    if (broken_.empty() && map_ != nullptr) (void)CheckLengthLocked();
    if (!broken_.empty()) return Error::Unavailable(broken_);
    return {};
  }

 private:

  // REQUIRES: mu_ held. Appends the record frame of `r` (of context number `context`) and
  // indexes it.
  Result<int64_t> AppendFrameLocked(std::string& frame, const EventView& r, uint32_t context,
                                    uint64_t id_hash) {
    RAMPART_RETURN_IF_ERROR(MapFor(frame.size() + kMarkFrameMax));
    if ((next_seq_ - 1) % kMarkEvery == 0) RAMPART_RETURN_IF_ERROR(WriteMarkLocked());
    RAMPART_ASSIGN_OR_RETURN(uint64_t offset, WriteFrameLocked(frame, kRecord));
    Index(r, offset, context, id_hash);
    return next_seq_++;
  }

  Result<std::vector<EventRecord>> Lookup(const EventQuery& q) override {
    std::vector<uint64_t> picked;  // record numbers, newest first
    bool by_id = false;
    {
      std::lock_guard lock(mu_);
      IndexPendingLocked();
      uint64_t key = LookupKey(q);
      if (q.attribute_key == "EventId") {
        // Candidates by hash (IdBlocks); the record read below confirms the id.
        uint64_t h = IdHash(q.attribute_value);
        uint32_t account = Intern(accounts_ids_, q.account_id, /*add=*/false);
        uint32_t category = Intern(category_ids_, q.category, /*add=*/false);
        ForEachIdCandidate(h, [&](uint32_t i) {
          const Entry& e = entries_[i];
          if (i >= first_live_ && e.offset != kTombstone && e.account == account &&
              e.category == category &&
              e.time >= q.start_ms && e.time <= q.end_ms) {
            picked.push_back(i);
          }
        });
        by_id = true;
      } else {
        auto it = key == kNoKey ? postings_.end() : postings_.find(key);
        if (it != postings_.end()) {
          const Postings& list = it->second;
          // Newest first: the last entry with time <= end (and before `after`), backwards.
          auto upper = std::upper_bound(list.begin(), list.end(), q.end_ms,
                                        [&](int64_t t, uint32_t i) { return t < entries_[i].time; });
          if (q.after) {
            // Continue strictly before the last record returned (record number seq - 1).
            uint32_t last = static_cast<uint32_t>(std::max<int64_t>(q.after->second - 1, 0));
            upper = std::min(upper, std::lower_bound(list.begin(), list.end(), last));
          }
          for (auto i = upper; i != list.begin() && picked.size() < q.limit;) {
            --i;
            const Entry& e = entries_[*i];
            if (*i < first_live_ || e.time < q.start_ms) break;
            picked.push_back(*i);
          }
        }
      }
    }
    std::vector<EventRecord> out;
    out.reserve(picked.size());
    for (uint64_t i : picked) {
      RAMPART_ASSIGN_OR_RETURN(EventRecord r, ReadRecord(i));
      if (by_id && r.event_id != q.attribute_value) continue;  // a hash collision
      out.push_back(std::move(r));
    }
    return out;
  }

  Result<std::vector<EventRecord>> ReadAfter(int64_t after_seq, size_t limit) override {
    std::vector<uint64_t> picked;
    {
      std::lock_guard lock(mu_);
      IndexPendingLocked();
      uint64_t start = static_cast<uint64_t>(std::max<int64_t>(after_seq, 0));
      start = std::max<uint64_t>(start, first_live_);
      for (uint64_t i = start; i < entries_.size() && picked.size() < limit; ++i) {
        if (entries_[i].offset != kTombstone) picked.push_back(i);  // lost records: skipped
      }
    }
    std::vector<EventRecord> out;
    for (uint64_t i : picked) {
      RAMPART_ASSIGN_OR_RETURN(EventRecord r, ReadRecord(i));
      out.push_back(std::move(r));
    }
    return out;
  }

  Result<int64_t> LastSeq() override {
    std::lock_guard lock(mu_);
    IndexPendingLocked();
    return static_cast<int64_t>(entries_.size());
  }

  Result<int64_t> Expire(int64_t before_ms) override {
    std::lock_guard lock(mu_);
    IndexPendingLocked();
    uint64_t old = first_live_;
    while (first_live_ < entries_.size() && entries_[first_live_].time < before_ms) ++first_live_;
    return static_cast<int64_t>(first_live_ - old);
  }

  Status WipeAll() override {
    std::lock_guard lock(mu_);
    Unmap();
    if (::ftruncate(fd_, 0) != 0) return IoError("cannot truncate " + path_);
    damage_.clear();
    pending_n_ = 0;
    entries_.clear();
    postings_.clear();
    values_.clear();
    id_blocks_.clear();
    full_block_ = -1;
    for (auto& m : recent_) m = Recent{};
    recent_account_ = {};
    accounts_ids_.clear();
    category_ids_.clear();
    contexts_.clear();
    context_lists_.clear();
    context_numbers_.clear();
    context_bytes_ = 0;
    generation_.store(NextGeneration(), std::memory_order_release);
    management_id_ = Intern(category_ids_, "Management", true);
    end_ = 0;
    first_live_ = 0;
    next_seq_ = 1;
    last_time_ = 0;
    return {};
  }

 private:
  // 24 bytes a record: account and category are interned (a record used to carry two strings,
  // ~100 bytes of heap, and the event-id map a 36-character key).
  struct Entry {
    uint64_t offset;
    int64_t time;  // monotonic index time
    uint32_t account;
    uint32_t category;
  };

  using Postings = std::deque<uint32_t>;  // record numbers, ascending

  // Heterogeneous lookup: interning a string_view allocates nothing when the value is known.
  struct SvHash {
    using is_transparent = void;
    size_t operator()(std::string_view v) const { return std::hash<std::string_view>()(v); }
  };
  using Dictionary = std::unordered_map<std::string, uint32_t, SvHash, std::equal_to<>>;

  // REQUIRES: mu_ held. ~0u when absent and !add.
  static uint32_t Intern(Dictionary& ids, std::string_view v, bool add) {
    auto it = ids.find(v);
    if (it != ids.end()) return it->second;
    if (!add) return ~0u;
    uint32_t id = static_cast<uint32_t>(ids.size());
    ids.emplace(std::string(v), id);
    return id;
  }

  LogEventStore() { management_id_ = Intern(category_ids_, "Management", true); }

  // The lookup attributes; a posting list is keyed by (account, category, attribute, value),
  // all interned, packed into 64 bits: no string is built or hashed per record.
  enum Attr : uint32_t { kAll, kEventName, kEventSource, kReadOnly, kUsername, kAccessKeyId,
                         kResourceName, kResourceType };
  static constexpr uint64_t kNoKey = ~0ull;
  static uint64_t PackKey(uint32_t account, uint32_t category, Attr attr, uint32_t value) {
    return (static_cast<uint64_t>(account & 0xffffff) << 40) |
           (static_cast<uint64_t>(category & 0xf) << 36) | (static_cast<uint64_t>(attr) << 32) |
           value;
  }

  // REQUIRES: mu_ held. kNoKey when the query can match nothing.
  uint64_t LookupKey(const EventQuery& q) {
    static const std::pair<std::string_view, Attr> kAttrs[] = {
        {"", kAll}, {"EventName", kEventName}, {"EventSource", kEventSource},
        {"ReadOnly", kReadOnly}, {"Username", kUsername}, {"AccessKeyId", kAccessKeyId},
        {"ResourceName", kResourceName}, {"ResourceType", kResourceType}};
    uint32_t account = Intern(accounts_ids_, q.account_id, false);
    uint32_t category = Intern(category_ids_, q.category, false);
    if (account == ~0u || category == ~0u) return kNoKey;
    for (const auto& [name, attr] : kAttrs) {
      if (name != q.attribute_key) continue;
      if (attr == kAll) return PackKey(account, category, kAll, 0);
      uint32_t value = Intern(values_, q.attribute_value, false);
      return value == ~0u ? kNoKey : PackKey(account, category, attr, value);
    }
    return kNoKey;
  }

  // REQUIRES: mu_ held; records are indexed in seq order.
  // Consecutive records mostly share their account, event name, source, user and key: each
  // attribute remembers the posting list its last value went to, so a repeat costs a string
  // compare instead of two hash lookups (lists are map nodes: their addresses are stable).
  struct Recent {
    std::string value;
    uint32_t account = ~0u, category = ~0u;
    Postings* list = nullptr;
  };

  // Per numbered context (parallel to contexts_): the account, category and posting lists its
  // records go to, found by its first record. The next records of the context skip the string
  // compares and lookups: a record costs a push onto each list.
  struct ContextLists {
    uint32_t account = ~0u, category = 0;
    Postings* lists[kResourceName] = {};  // by Attr; kReadOnly unused; null: no such attribute
    Postings* read_only[2] = {};          // false, true
    bool ready = false;
  };

  // REQUIRES: mu_ held; records are indexed in seq order. `context`: the record's context
  // number, or kInlineContext. Records whose context's lists are known wait in pending_ and are
  // indexed 64 at a time (IndexPendingLocked): indexing a record writes ~10 cache lines (the
  // entry, the id hash, the tail of each posting list) that the other core wrote for the record
  // before, so one at a time each call waited for ~10 lines to move between cores.
  void Index(const EventView& r, uint64_t offset, uint32_t context, uint64_t id_hash) {
    ContextLists* known = context < context_lists_.size() ? &context_lists_[context] : nullptr;
    if (known && known->ready && !r.resources && pending_n_ < kPending) {
      pending_[pending_n_++] = {offset, r.event_time_ms, id_hash, context, r.read_only};
      if (pending_n_ == kPending) IndexPendingLocked();
      return;
    }
    IndexPendingLocked();  // records are indexed in order
    uint32_t account, category;
    if (known && known->ready) {
      account = known->account;
      category = known->category;
    } else {
      if (recent_account_.account == ~0u || recent_account_.value != r.account_id) {
        recent_account_ =
            Recent{std::string(r.account_id), Intern(accounts_ids_, r.account_id, true)};
      }
      account = recent_account_.account;
      category = r.category == "Management" ? management_id_
                                            : Intern(category_ids_, r.category, true);
    }
    uint32_t idx = AddEntry(offset, r.event_time_ms, account, category, id_hash);
    auto add = [&](Attr attr, std::string_view value) {
      return AddPosting(idx, account, category, attr, value);
    };
    if (known && known->ready) {
      AddKnown(idx, *known, r.read_only);
    } else {
      Postings* lists[kResourceName] = {};
      lists[kAll] = add(kAll, "");
      lists[kEventName] = add(kEventName, r.event_name);
      lists[kEventSource] = add(kEventSource, r.event_source);
      if (!r.username.empty()) lists[kUsername] = add(kUsername, r.username);
      if (!r.access_key_id.empty()) lists[kAccessKeyId] = add(kAccessKeyId, r.access_key_id);
      Postings* read_only = add(kReadOnly, r.read_only ? "true" : "false");
      if (known) {
        std::copy(std::begin(lists), std::end(lists), known->lists);
        known->read_only[r.read_only] = read_only;
        known->account = account;
        known->category = category;
        known->ready = true;
      }
    }
    if (r.resources) {
      for (const auto& res : *r.resources) {
        add(kResourceName, res.name);
        add(kResourceType, res.type);
      }
    }
  }

  // REQUIRES: mu_ held. Indexes the records waiting in pending_.
  void IndexPendingLocked() {
    for (size_t k = 0; k < pending_n_; ++k) {
      const Pending& p = pending_[k];
      ContextLists& known = context_lists_[p.context];
      AddKnown(AddEntry(p.offset, p.time, known.account, known.category, p.id_hash), known,
               p.read_only);
    }
    pending_n_ = 0;
  }

  // REQUIRES: mu_ held. Record idx of a context whose lists are known goes onto them.
  void AddKnown(uint32_t idx, ContextLists& known, bool read_only) {
    for (Postings* list : known.lists) {
      if (list) list->push_back(idx);
    }
    Postings*& ro = known.read_only[read_only];
    if (ro) {
      ro->push_back(idx);
    } else {
      ro = AddPosting(idx, known.account, known.category, kReadOnly, read_only ? "true" : "false");
    }
  }

  // REQUIRES: mu_ held. The next record's entry and id hash; returns its record number.
  uint32_t AddEntry(uint64_t offset, int64_t time, uint32_t account, uint32_t category,
                    uint64_t id_hash) {
    last_time_ = std::max(last_time_, time);
    uint32_t idx = static_cast<uint32_t>(entries_.size());
    entries_.push_back({offset, last_time_, account, category});
    if (idx % kIdBlock == 0) {
      id_blocks_.emplace_back();
      id_blocks_.back().hashes = std::make_shared<std::vector<uint64_t>>();
      id_blocks_.back().hashes->reserve(kIdBlock);  // never reallocates: BuildIdTable reads it
    }
    id_blocks_.back().hashes->push_back(id_hash);
    if ((idx + 1) % kIdBlock == 0) full_block_ = idx / kIdBlock;
    return idx;
  }

  // REQUIRES: mu_ held. Adds record idx to the list of (account, category, attr, value).
  Postings* AddPosting(uint32_t idx, uint32_t account, uint32_t category, Attr attr,
                       std::string_view value) {
    Recent* m = attr < kResourceName ? &recent_[attr] : nullptr;
    if (m && m->list && m->account == account && m->category == category && m->value == value) {
      m->list->push_back(idx);
      return m->list;
    }
    uint32_t v = attr == kAll ? 0 : Intern(values_, value, true);
    Postings& list = postings_[PackKey(account, category, attr, v)];
    list.push_back(idx);
    if (m) *m = Recent{std::string(value), account, category, &list};
    return &list;
  }

  // Event ids are hashed as 16 bytes when they are UUIDs (the gateway hands them so: no text
  // to hash or make), else as text.
  static uint64_t IdHash(std::string_view event_id) {
    uint8_t b[16];
    if (crypto::ParseUuid(event_id, b)) return UuidHash(b);
    return std::hash<std::string_view>()(event_id);
  }
  static uint64_t IdHash(const EventView& r) {
    return r.event_uuid ? UuidHash(r.event_uuid) : IdHash(r.event_id);
  }
  static uint64_t UuidHash(const uint8_t* b) {
    uint64_t x, y;
    std::memcpy(&x, b, 8);
    std::memcpy(&y, b + 8, 8);
    uint64_t h = (x ^ (y * 0x9e3779b97f4a7c15ull)) * 0xbf58476d1ce4e5b9ull;  // ids are random
    return h ^ (h >> 31);
  }

  Result<EventRecord> ReadRecord(uint64_t i) {
    uint64_t offset;
    {
      std::lock_guard lock(mu_);
      if (i >= entries_.size()) return Error::Internal("event record out of range");
      offset = entries_[i].offset;
      if (offset == kTombstone) return Error::Internal("event record " + std::to_string(i + 1) +
                                                       " was lost to damage");
    }
    char header[8];
    if (::pread(fd_, header, 8, static_cast<off_t>(offset)) != 8) {
      return IoError("cannot read " + path_);
    }
    uint32_t word = Get32(header);
    uint32_t len = word & kLengthMask;
    std::string payload(len, '\0');
    if (::pread(fd_, payload.data(), len, static_cast<off_t>(offset + 8)) !=
        static_cast<ssize_t>(len)) {
      return IoError("cannot read " + path_);
    }
    EventRecord r;
    if (!DecodeFrame(word >> 28, payload, &r)) {
      return Error::Internal("corrupt event record in " + path_);
    }
    r.seq = static_cast<int64_t>(i) + 1;
    return r;
  }

  // The file is written through a window of it mapped shared; windows are preallocated with
  // posix_fallocate so a full disk is an error here, never a SIGBUS on the copy.
  static constexpr uint64_t kWindow = 64ull << 20;

  // REQUIRES: mu_ held. Maps a window covering [end_, end_ + n).
  Status MapFor(size_t n) {
    if (map_ != nullptr && end_ + n <= map_at_ + map_len_) return {};
    Unmap();
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    uint64_t at = end_ & ~(page - 1);
    uint64_t len = std::max<uint64_t>(kWindow, (end_ + n - at + page - 1) & ~(page - 1));
    if (int err = ::posix_fallocate(fd_, static_cast<off_t>(at), static_cast<off_t>(len))) {
      errno = err;
      return IoError("cannot extend " + path_);
    }
    void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(at));
    if (m == MAP_FAILED) return IoError("cannot map " + path_);
    map_ = static_cast<char*>(m);
    map_at_ = at;
    map_len_ = len;
    guard_.Watch(map_, map_len_);
    return {};
  }

  void Unmap() {
    guard_.Unwatch();
    if (map_ != nullptr) ::munmap(map_, map_len_);
    map_ = nullptr;
    map_at_ = map_len_ = 0;
  }

  // Reads the log back, checking every frame (store/log/log_scan.h): indexes its records,
  // quarantines damaged spans (their records keep their seqs as tombstones; Damage() reports
  // them) and cuts a torn tail.
  Status Load() {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return IoError("cannot stat " + path_);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    uint64_t good = 0;
    if (size > 0) {
      void* m = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd_, 0);
      if (m == MAP_FAILED) return IoError("cannot map " + path_ + " to read it");
      ::madvise(m, size, MADV_SEQUENTIAL);
      std::string_view data(static_cast<const char*>(m), size);
      auto scanned = logscan::Scan(
          data, [&](const logscan::Frame& f) { LoadFrame(data, f); },
          [&](const logscan::Damage& d) { LoadDamage(data, d); });
      ReleaseHeld(0);
      ::munmap(m, size);
      if (!scanned.ok()) return Error::Internal(path_ + ": " + scanned.error().message);
      good = *scanned;
    }
    if (good < size && ::ftruncate(fd_, static_cast<off_t>(good)) != 0) {
      return IoError("cannot cut the torn tail of " + path_);
    }
    end_ = good;
    loaded_ = true;
    return {};
  }

  // Load: one whole frame.
  void LoadFrame(std::string_view data, const logscan::Frame& f) {
    std::string_view payload = f.payload;
    uint64_t v = 0;
    switch (f.kind) {
      case kContext:
        if (!logfmt::GetVarint(payload, &v) || v < contexts_.size()) return;
        // Contexts lost to damage before this one stand in as empty placeholders: records
        // naming them cannot be read and become tombstones.
        while (contexts_.size() < v) AddContext({});
        AddContext(payload);
        return;
      case kSeqMark:
        if (!logfmt::GetVarint(payload, &v)) return;
        if (holding_) {
          ReleaseHeld(static_cast<int64_t>(v));
        } else if (static_cast<int64_t>(v) > next_seq_) {
          AddTombstones(static_cast<int64_t>(v) - next_seq_);
        }
        return;
      case kHole:
        if (logfmt::GetVarint(payload, &v)) AddTombstones(static_cast<int64_t>(v));
        return;
      default: break;
    }
    EventRecord r;
    uint32_t context = logfmt::kInlineContext;
    bool ok = DecodeFrame(f.kind, payload, &r, &context);
    if (ok && f.kind == kRecordV1 && !holding_ && r.seq != next_seq_) {
      // The first format numbers its records: a gap in the numbers is records lost.
      if (r.seq > next_seq_) AddTombstones(r.seq - next_seq_);
      ok = r.seq == next_seq_;
    }
    if (!ok) {
      // Checksummed but unreadable (its context was lost): a lost record, reported.
      LoadDamage(data, {f.offset, f.offset + 8 + f.payload.size(), static_cast<int>(kRecord)});
      return;
    }
    if (holding_) {
      held_.push_back({std::move(r), f.offset, context});
      return;
    }
    IndexLoaded(r, f.offset, context);
  }

  // Load: a damaged span. Its bytes go to events/quarantine/; what it held is accounted for.
  void LoadDamage(std::string_view data, const logscan::Damage& d) {
    DamageReport report;
    report.offset = d.offset;
    report.bytes = d.end - d.offset;
    report.quarantine_path = Quarantine(data.substr(d.offset, d.end - d.offset), d.offset);
    if (d.frame_kind == kRecord || d.frame_kind == kRecordV1) {
      report.lost_records = 1;
      if (holding_) {
        held_.push_back({EventRecord{}, kTombstone, 0});
      } else {
        AddTombstones(1);
      }
    } else if (d.frame_kind == kContext) {
      AddContext({});  // the context it held: records naming it become tombstones
    } else if (d.frame_kind < 0) {
      // Unknown extent: the records after it wait for the next seq mark, which says how many
      // were lost (ReleaseHeld).
      ReleaseHeld(0);
      holding_ = true;
      holding_report_ = damage_.size();
    }
    damage_.push_back(std::move(report));
  }

  // Load: records held since damage of unknown extent, indexed once `next_mark` (the seq of
  // the record after them; 0 = unknown, at the end of the log) says how many were lost.
  void ReleaseHeld(int64_t next_mark) {
    if (!holding_) return;
    holding_ = false;
    int64_t lost = next_mark > 0 ? next_mark - next_seq_ - static_cast<int64_t>(held_.size()) : 0;
    if (lost > 0) {
      AddTombstones(lost);
      damage_[holding_report_].lost_records += lost;
    }
    for (auto& h : held_) {
      if (h.offset == kTombstone) {
        AddTombstones(1);
      } else {
        IndexLoaded(h.record, h.offset, h.context);
      }
    }
    held_.clear();
  }

  // REQUIRES: no other thread (Load).
  void IndexLoaded(const EventRecord& r, uint64_t offset, uint32_t context) {
    EventView v = ViewOf(r);
    Index(v, offset, context, IdHash(v));
    BuildIdTable(TakeFullBlock());
    ++next_seq_;
  }

  // REQUIRES: no other thread (Load). `n` records lost: entries that keep their seqs.
  void AddTombstones(int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      IndexPendingLocked();
      AddEntry(kTombstone, last_time_, ~0u, ~0u, 0);
      BuildIdTable(TakeFullBlock());
      ++next_seq_;
    }
  }

  // Copies damaged bytes to <dir>/quarantine/ (created 0700); returns the file's path, "" if
  // it could not be written (the damage is reported all the same).
  std::string Quarantine(std::string_view bytes, uint64_t offset) {
    std::string dir = path_.substr(0, path_.rfind('/')) + "/quarantine";
    ::mkdir(dir.c_str(), 0700);
    std::string path = dir + "/events.log." + std::to_string(offset) + "." +
                       std::to_string(static_cast<int64_t>(std::time(nullptr))) + ".bin";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return {};
    bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    return ok ? path : std::string();
  }

 public:
  std::vector<DamageReport> Damage() override {
    std::lock_guard lock(mu_);
    std::vector<DamageReport> out;
    for (const auto& d : damage_) {
      if (!d.acknowledged) out.push_back(d);
    }
    return out;
  }

  // Overwrites each reported span with a hole frame (the number of records it held), so the
  // next open reads it as an accounted-for gap instead of reporting it again.
  Status AcknowledgeDamage() override {
    std::lock_guard lock(mu_);
    bool wrote = false;
    for (auto& d : damage_) {
      if (d.acknowledged) continue;
      d.acknowledged = true;
      if (d.bytes < 8 + logfmt::VarintSize(static_cast<uint64_t>(d.lost_records))) continue;
      std::string frame(d.bytes, '\0');
      logfmt::PutVarint(frame.data() + 8, static_cast<uint64_t>(d.lost_records));
      size_t len = frame.size() - 8;
      Put32(frame.data(), static_cast<uint32_t>(len) | (static_cast<uint32_t>(kHole) << 28));
      Put32(frame.data() + 4, Crc(std::string_view(frame.data() + 8, len)));
      if (::pwrite(fd_, frame.data(), frame.size(), static_cast<off_t>(d.offset)) !=
          static_cast<ssize_t>(frame.size())) {
        return IoError("cannot mark the damaged span at offset " + std::to_string(d.offset) +
                       " of " + path_);
      }
      wrote = true;
    }
    if (wrote && ::fdatasync(fd_) != 0) return IoError("cannot sync " + path_);
    return {};
  }

 private:
  // A record frame's payload (kind kRecordV1 or kRecord) as a record, seq aside; `context`
  // (if given) gets its context number (kInlineContext if none).
  bool DecodeFrame(uint32_t kind, std::string_view payload, EventRecord* r,
                   uint32_t* context = nullptr) {
    if (context) *context = logfmt::kInlineContext;
    if (kind == kRecordV1) return DecodeV1(payload, r);
    if (kind != kRecord) return false;
    if (context && !logfmt::PeekContextNumber(payload, context)) return false;
    std::lock_guard lock(mu_);
    return logfmt::DecodeRecord(
        payload,
        [&](uint32_t n) { return n < contexts_.size() ? &contexts_[n] : nullptr; }, r);
  }

  std::string path_;
  int fd_ = -1;
  bool loaded_ = false;  // Load succeeded: end_ is the end of the last frame
  // Guards everything below. One lock for appends and reads: appends are short (spins briefly
  // before sleeping) and reads rare; two (a mutex for appenders and a reader-writer lock for
  // the index) cost each call a second lock and one more cache line moving between cores.
  AdaptiveMutex mu_;
  // Chunked (deques), not vectors: these grow by one element a call, and a vector doubling
  // copied up to tens of MB under the lock, stalling every caller for milliseconds
  // (the p99 of GetCallerIdentity at 64 connections).
  std::deque<Entry> entries_;  // record number i has seq i + 1
  std::unordered_map<uint64_t, Postings> postings_;
  Dictionary values_;  // attribute values (event names, user names, key ids, resources)
  // Event id -> record number, per block of kIdBlock records: the hashes of the block's ids in
  // record order, and once the block is full, a fixed-size open-addressing table over them
  // (slots hold the record's offset in its block + 1; 0 is empty; half full at most). The table
  // is built by the appender that fills the block, outside the locks (BuildIdTable); until it
  // is installed, lookups scan the block's hashes (at most 512 KB). Building tables per call
  // cost a random write into a 512 KB table per record, a cache miss on every call; a table
  // that grew by rehashing stalled every caller for tens of ms.
  static constexpr uint32_t kIdBlock = 1u << 16;
  static constexpr uint32_t kIdSlots = 2 * kIdBlock;
  struct IdBlock {
    std::shared_ptr<std::vector<uint64_t>> hashes;  // capacity kIdBlock; shared with a builder
    std::vector<uint32_t> slots;                     // empty until built
  };
  std::deque<IdBlock> id_blocks_;
  // GUARDED_BY(mu_) (Index runs under it, or alone in Load): a block just filled, whose
  // table is to be built.
  int64_t full_block_ = -1;

  // Takes the block Index just filled (if any). REQUIRES: mu_ held, or no other thread.
  int64_t TakeFullBlock() {
    int64_t b = full_block_;
    full_block_ = -1;
    return b;
  }

  // Builds block b's table from its hashes and installs it. REQUIRES: no lock held.
  void BuildIdTable(int64_t b) {
    if (b < 0) return;
    std::shared_ptr<const std::vector<uint64_t>> hashes;
    {
      std::lock_guard lock(mu_);
      if (static_cast<size_t>(b) >= id_blocks_.size()) return;  // wiped meanwhile
      hashes = id_blocks_[b].hashes;
    }
    std::vector<uint32_t> slots(kIdSlots, 0u);
    for (uint32_t k = 0; k < hashes->size(); ++k) {
      uint32_t pos = static_cast<uint32_t>((*hashes)[k]) & (kIdSlots - 1);
      while (slots[pos] != 0) pos = (pos + 1) & (kIdSlots - 1);
      slots[pos] = k + 1;
    }
    std::lock_guard lock(mu_);
    if (static_cast<size_t>(b) < id_blocks_.size() && id_blocks_[b].hashes == hashes) {
      id_blocks_[b].slots = std::move(slots);
    }
  }

  // REQUIRES: mu_ held. Calls fn(record number) for every record whose id hash is h.
  template <typename Fn>
  void ForEachIdCandidate(uint64_t h, Fn fn) const {
    uint32_t first_block = static_cast<uint32_t>(first_live_ / kIdBlock);
    for (uint32_t b = static_cast<uint32_t>(id_blocks_.size()); b-- > first_block;) {
      const IdBlock& block = id_blocks_[b];
      const std::vector<uint64_t>& hashes = *block.hashes;
      if (block.slots.empty()) {
        for (uint32_t k = static_cast<uint32_t>(hashes.size()); k-- > 0;) {
          if (hashes[k] == h) fn(b * kIdBlock + k);
        }
        continue;
      }
      for (uint32_t pos = static_cast<uint32_t>(h) & (kIdSlots - 1); block.slots[pos] != 0;
           pos = (pos + 1) & (kIdSlots - 1)) {
        uint32_t k = block.slots[pos] - 1;
        if (hashes[k] == h) fn(b * kIdBlock + k);
      }
    }
  }
  Recent recent_[kResourceName];      // per attribute below kResourceName: its last value
  Recent recent_account_;             // the last account id and its interned id
  uint32_t management_id_ = 0;        // category_ids_ interns "Management" first
  Dictionary accounts_ids_, category_ids_;
  // Contexts by number (record_codec.h); a deque, so their bytes never move.
  std::deque<std::string> contexts_;
  std::deque<ContextLists> context_lists_;
  // Records appended but not yet indexed (Index); every reader indexes them first.
  struct Pending {
    uint64_t offset;
    int64_t time;
    uint64_t id_hash;
    uint32_t context;
    bool read_only;
  };
  static constexpr size_t kPending = 64;
  std::array<Pending, kPending> pending_;
  size_t pending_n_ = 0;
  // GUARDED_BY(mu_): the number of each context, keyed by views of contexts_.
  std::unordered_map<std::string_view, uint32_t> context_numbers_;
  size_t context_bytes_ = 0;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> generation_{NextGeneration()};
  // Load only (one thread): records read after damage of unknown extent, until a seq mark
  // says how many were lost (ReleaseHeld).
  struct Held {
    EventRecord record;
    uint64_t offset;  // kTombstone: a record lost to damage found while holding
    uint32_t context;
  };
  bool holding_ = false;
  size_t holding_report_ = 0;  // the damage_ entry the held records follow
  std::vector<Held> held_;
  std::vector<DamageReport> damage_;  // GUARDED_BY(mu_) after Load
  std::mutex sync_mu_;                 // one fdatasync at a time (Sync)
  std::atomic<uint64_t> synced_{0};    // the log is on disk up to here
  uint64_t end_ = 0;
  // GUARDED_BY(mu_): why the log accepts no more appends (the file was cut under us); "" if fine.
  std::string broken_;
  std::atomic<bool> broken_flag_{false};
  MappingGuard guard_;  // watches the window below
  const uint64_t page_size_ = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  char* map_ = nullptr;      // GUARDED_BY(mu_): file bytes [map_at_, map_at_ + map_len_)
  uint64_t map_at_ = 0, map_len_ = 0;
  uint64_t first_live_ = 0;
  int64_t next_seq_ = 1;
  int64_t last_time_ = 0;
};

}  // namespace

Result<std::unique_ptr<EventStore>> OpenLogEventStore(const std::string& dir) {
  auto s = LogEventStore::Open(dir);
  if (!s.ok()) return std::move(s).error();
  return std::unique_ptr<EventStore>(std::move(s).value());
}

}  // namespace rampart::store
