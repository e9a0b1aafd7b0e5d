#pragma once
// The data directory of one `rampart serve`: its layout, its one owner, and the checks that keep
// an ordinary mistake (a second server on the same directory, a lost database file, a lost root
// key) from destroying the state in it.
//
// Layout (docs/OPERATIONS.md says what to back up):
//   rampart.lock      the owner's lock (flock) and pid
//   rampart.db        the SQLite store (with -wal/-shm while open)
//   root.key          the root key, unless --root-key-file names another
//   root-credentials  the default account's root key pair (AWS credentials-file format)
//   events/           the CloudTrail event log
//   trails/           delivered trail log and digest files
//   s3/               S3 object bytes (encrypted; metadata is in rampart.db)
//
// Thread-safety: a DataDir is immutable after Open; the lock is held until it is destroyed.

#include <memory>
#include <string>

#include "common/result.h"

namespace rampart::store {

class DataDir {
 public:
  struct Options {
    std::string path;
    // The database lives in memory (--dev): the directory holds only events and trails, so the
    // checks of the database against the rest of the state do not apply.
    bool database_in_memory = false;
    // The root key file when it is not <path>/root.key (--root-key-file).
    std::string root_key_file;
  };

  // Creates the directory (mode 0700) if it does not exist, then takes the exclusive lock on
  // <path>/rampart.lock before anything else in it is read or written, and checks that the
  // state in it is whole. Errors (all FailedPrecondition-style Internal errors naming the cause
  // and what to do):
  //  - another process holds the lock: "... is in use by another rampart (pid N) ...";
  //  - rampart.db is missing or empty next to other state (root.key, root-credentials,
  //    events/, trails/): a lost database is never silently replaced by a fresh install;
  //  - rampart.db exists but the root key file does not: a new key could not open its secrets.
  static Result<std::unique_ptr<DataDir>> Open(const Options& opts);
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::string& path() const { return path_; }
  // True when the directory held no database before this start (a first start).
  bool fresh() const { return fresh_; }

  std::string DatabasePath() const { return path_ + "/rampart.db"; }
  std::string EventsDir() const { return path_ + "/events"; }
  std::string TrailsDir() const { return path_ + "/trails"; }
  std::string S3Dir() const { return path_ + "/s3"; }
  std::string CredentialsPath() const { return path_ + "/root-credentials"; }
  std::string LockPath() const { return path_ + "/rampart.lock"; }

 private:
  DataDir() = default;
  Status Lock();
  Status CheckState(const Options& opts);

  std::string path_;
  int lock_fd_ = -1;
  bool fresh_ = false;
};

// The pid written in a lock file, or 0 if it holds none.
long LockHolderPid(const std::string& lock_path);

// The pid of the server that holds `data_dir`'s lock; an error if none does.
Result<long> RunningServerPid(const std::string& data_dir);

}  // namespace rampart::store
