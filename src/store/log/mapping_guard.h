#pragma once
// Turns a lost file mapping into an error instead of a SIGBUS.
//
// The event log is written through a shared mapping of its file. If the file is cut short under
// it (an operator's `truncate`, a restore over a running server, another process that ignored
// the data directory's lock), the next store into a page past the new end raises SIGBUS, which
// kills the process. A MappingGuard registers the mapped range with a process-wide SIGBUS
// handler: a fault inside a watched range is answered by mapping a private zero page over the
// faulting page (so the store completes, into memory that is not the file) and marking the
// guard lost. The writer checks lost() after each copy and fails the append, so no call is
// acknowledged without its record. Faults outside every watched range go to the handler that
// was installed before (or the default action).
//
// Thread-safety: Watch/Unwatch/lost may be called from any thread; one writer per guard.

#include <cstddef>

namespace rampart::store {

class MappingGuard {
 public:
  MappingGuard();  // takes a slot (up to 64 guards at once; beyond that, guards watch nothing)
  ~MappingGuard();
  MappingGuard(const MappingGuard&) = delete;
  MappingGuard& operator=(const MappingGuard&) = delete;

  // Watches [begin, begin + len) (page-aligned, as mmap returns it); replaces the previous range.
  void Watch(const void* begin, size_t len);
  void Unwatch();
  // True once a fault in a watched range was absorbed. Stays true until Reset().
  bool lost() const;
  void Reset();

 private:
  int slot_ = -1;
};

}  // namespace rampart::store
