// The SQLite engine's group commit: see wal_sync.h.

#include "store/sqlite/wal_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rampart::store::sqlite {
namespace {

Status SyncDirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::Internal("cannot open " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Error::Internal("cannot sync " + dir + ": " + std::strerror(err));
  return {};
}

}  // namespace

WalSyncer::WalSyncer(std::string wal_path, const std::atomic<uint64_t>& committed)
    : wal_path_(std::move(wal_path)), committed_(committed) {
  thread_ = std::thread([this] { Loop(); });
}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

Status WalSyncer::SyncOnce() {
  if (fd_ < 0) {
    // The WAL lives as long as the connection (SQLite truncates or rewrites it in place, and
    // deletes it only when the last connection closes), so one descriptor serves throughout.
    int fd = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error::Internal("cannot open " + wal_path_ + ": " + std::strerror(errno));
    // A new WAL's directory entry must be on disk too, or a power cut could lose the file.
    if (Status st = SyncDirectoryOf(wal_path_); !st.ok()) {
      ::close(fd);
      return st;
    }
    fd_ = fd;
  }
  if (::fdatasync(fd_) != 0) {
    return Error::Internal("cannot sync " + wal_path_ + ": " + std::strerror(errno));
  }
  return {};
}

void WalSyncer::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || wanted_ > synced_; });
    uint64_t target = committed_.load(std::memory_order_acquire);
    if (stop_ && target <= synced_) break;
    lock.unlock();
    Status st = SyncOnce();
    lock.lock();
    std::vector<std::function<void(bool)>> ready;
    auto due = [&](const auto& w) { return w.first <= target; };
    for (auto& w : waiting_) {
      if (due(w)) ready.push_back(std::move(w.second));
    }
    waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(), due), waiting_.end());
    if (st.ok()) {
      synced_ = std::max(synced_, target);
      fault_.clear();
    } else {
      fault_ = st.error().message;
      wanted_ = synced_;  // the failed waiters are answered; later ones ask again
      for (auto& w : waiting_) wanted_ = std::max(wanted_, w.first);
    }
    lock.unlock();
    for (auto& done : ready) done(st.ok());
    lock.lock();
    if (stop_ && !st.ok()) break;  // the store reports the fault; nothing more can be done here
  }
}

void WalSyncer::AfterSync(uint64_t seq, std::function<void(bool)> done) {
  {
    std::lock_guard lock(mu_);
    if (stop_) {
      done(seq <= synced_);  // at shutdown: no thread left to wait for
      return;
    }
    if (seq > synced_) {
      waiting_.emplace_back(seq, std::move(done));
      wanted_ = std::max(wanted_, seq);
      cv_.notify_one();
      return;
    }
  }
  done(true);
}

Status WalSyncer::SyncTo(uint64_t seq) {
  std::mutex m;
  std::condition_variable cv;
  bool finished = false, ok = false;
  AfterSync(seq, [&](bool r) {
    std::lock_guard lock(m);
    ok = r;
    finished = true;
    cv.notify_one();
  });
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return finished; });
  if (!ok) return Error::Internal("cannot sync " + wal_path_ + ": " + fault());
  return {};
}

std::string WalSyncer::fault() const {
  std::lock_guard lock(mu_);
  return fault_;
}

}  // namespace rampart::store::sqlite
