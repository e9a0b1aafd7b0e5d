#include "store/log/mapping_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace rampart::store {

namespace {

constexpr int kSlots = 64;

struct Slot {
  std::atomic<bool> used{false};
  std::atomic<uintptr_t> begin{0}, end{0};  // 0, 0: watching nothing
  std::atomic<bool> lost{false};
};

Slot g_slots[kSlots];
uintptr_t g_page = 4096;
struct sigaction g_previous;
std::once_flag g_installed;

// Async-signal-safe: atomics, mmap and sigaction only.
void OnSigbus(int sig, siginfo_t* info, void* context) {
  uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Slot& s : g_slots) {
    uintptr_t b = s.begin.load(std::memory_order_acquire);
    uintptr_t e = s.end.load(std::memory_order_acquire);
    if (b == 0 || addr < b || addr >= e) continue;
    void* page = reinterpret_cast<void*>(addr & ~(g_page - 1));
    if (::mmap(page, g_page, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
               0) != MAP_FAILED) {
      s.lost.store(true, std::memory_order_release);
      return;  // the faulting store runs again, into the zero page
    }
  }
  // Not ours: whoever handled SIGBUS before us, or the default action (the fault repeats on
  // return and kills the process as it would have).
  if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction) {
    g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGBUS, &dfl, nullptr);
}

void Install() {
  g_page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  struct sigaction sa = {};
  sa.sa_sigaction = OnSigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGBUS, &sa, &g_previous);
}

}  // namespace

MappingGuard::MappingGuard() {
  std::call_once(g_installed, Install);
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_slots[i].used.compare_exchange_strong(expected, true)) {
      slot_ = i;
      g_slots[i].lost.store(false);
      return;
    }
  }
}

MappingGuard::~MappingGuard() {
  if (slot_ < 0) return;
  Unwatch();
  g_slots[slot_].used.store(false);
}

void MappingGuard::Watch(const void* begin, size_t len) {
  if (slot_ < 0) return;
  Slot& s = g_slots[slot_];
  uintptr_t b = reinterpret_cast<uintptr_t>(begin);
  s.begin.store(0, std::memory_order_release);  // never a window made of two ranges
  s.end.store(b + len, std::memory_order_release);
  s.begin.store(b, std::memory_order_release);
}

void MappingGuard::Unwatch() {
  if (slot_ < 0) return;
  g_slots[slot_].begin.store(0, std::memory_order_release);
  g_slots[slot_].end.store(0, std::memory_order_release);
}

bool MappingGuard::lost() const {
  return slot_ >= 0 && g_slots[slot_].lost.load(std::memory_order_acquire);
}

void MappingGuard::Reset() {
  if (slot_ >= 0) g_slots[slot_].lost.store(false);
}

}  // namespace rampart::store
