#include "store/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace rampart::store {

namespace {

namespace fs = std::filesystem;

Error DirError(std::string message) { return Error::Internal(std::move(message)); }

// Size of the file at `path`; -1 if it does not exist (or cannot be inspected).
int64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_size);
}

// True when `dir` exists and holds a file of at least one byte (at any depth).
bool HoldsData(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec) && it->file_size(ec) > 0) return true;
  }
  return false;
}

}  // namespace

long LockHolderPid(const std::string& lock_path) {
  int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return 0;
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  ::close(fd);
  if (n <= 0) return 0;
  char* end = nullptr;
  long pid = std::strtol(buf, &end, 10);
  return pid > 0 ? pid : 0;
}

Result<long> RunningServerPid(const std::string& data_dir) {
  std::string lock = data_dir + "/rampart.lock";
  int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return DirError("no rampart server has run on " + data_dir + " (no " + lock + ")");
  // Free to take: nobody holds it.
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  long pid = LockHolderPid(lock);
  if (!held || pid <= 0) return DirError("no rampart server is running on " + data_dir);
  return pid;
}

Result<std::unique_ptr<DataDir>> DataDir::Open(const Options& opts) {
  if (opts.path.empty()) return Error::Validation("the data directory path is empty");
  auto d = std::unique_ptr<DataDir>(new DataDir());
  d->path_ = opts.path;
  while (d->path_.size() > 1 && d->path_.back() == '/') d->path_.pop_back();
  // Created private from the start (mkdir's mode), not chmod'ed after: the directory holds the
  // root key and the root credentials.
  if (::mkdir(d->path_.c_str(), 0700) != 0 && errno != EEXIST) {
    std::error_code ec;
    fs::create_directories(fs::path(d->path_).parent_path(), ec);
    if (ec || (::mkdir(d->path_.c_str(), 0700) != 0 && errno != EEXIST)) {
      return DirError("cannot create data directory " + d->path_ + ": " + std::strerror(errno));
    }
  }
  std::error_code ec;
  if (!fs::is_directory(d->path_, ec)) {
    return DirError("data directory " + d->path_ + " is not a directory");
  }
  RAMPART_RETURN_IF_ERROR(d->Lock());
  RAMPART_RETURN_IF_ERROR(d->CheckState(opts));
  return d;
}

DataDir::~DataDir() {
  // The lock goes with the descriptor. The file stays: removing it would let a process that
  // opened the old file and a process that creates a new one both "hold" the lock.
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status DataDir::Lock() {
  std::string lock = LockPath();
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd_ < 0) return DirError("cannot open " + lock + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err != EWOULDBLOCK) return DirError("cannot lock " + lock + ": " + std::strerror(err));
    long pid = LockHolderPid(lock);
    return DirError("data directory " + path_ + " is in use by another rampart" +
                    (pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string()) +
                    "; one server per data directory: stop it, or give this one its own "
                    "--data-dir");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd_, 0) != 0 ||
      ::pwrite(lock_fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return DirError("cannot write " + lock + ": " + std::strerror(errno));
  }
  return {};
}

Status DataDir::CheckState(const Options& opts) {
  if (opts.database_in_memory) {
    fresh_ = true;
    return {};
  }
  std::string db = DatabasePath();
  bool default_key = opts.root_key_file.empty();
  std::string key = default_key ? path_ + "/root.key" : opts.root_key_file;
  if (FileSize(db) > 0) {
    if (FileSize(key) < 0) {
      return DirError(
          "data directory " + path_ + " holds a database (rampart.db) but its root key " + key +
          " is missing; without that key the secrets in the database cannot be opened, and a new "
          "key would not open them. Restore the root key from a backup" +
          (default_key ? std::string(" (or pass --root-key-file)") : std::string()));
    }
    return {};
  }
  std::vector<std::string> found;
  if (default_key && FileSize(key) >= 0) found.push_back("root.key");
  if (FileSize(CredentialsPath()) >= 0) found.push_back("root-credentials");
  if (FileSize(db + "-wal") > 0) found.push_back("rampart.db-wal");
  if (HoldsData(EventsDir())) found.push_back("events/");
  if (HoldsData(TrailsDir())) found.push_back("trails/");
  if (!found.empty()) {
    std::string list;
    for (const auto& f : found) list += (list.empty() ? "" : ", ") + f;
    return DirError("data directory " + path_ + " holds state (" + list +
                    ") but its database rampart.db is " +
                    (FileSize(db) < 0 ? "missing" : "empty") +
                    "; rampart will not start afresh over it. Restore rampart.db from a backup, "
                    "or move the directory aside to begin a new installation");
  }
  fresh_ = true;
  return {};
}

}  // namespace rampart::store
