#pragma once
// Rampart's persistence interfaces: narrow, engine-neutral, one transaction per mutation.
//
// Engines: SQLite in WAL mode (src/store/sqlite/, the embedded default) and later PostgreSQL.
// Both must pass the conformance suite in tests/unit/store/store_conformance_test.cc, which is
// written against these interfaces only. See docs/STORAGE.md for the schema and the rules.
//
// Contract shared by every method below:
//  - Thread-safe: callable from any thread without external synchronization.
//  - A mutation either commits completely or not at all. When it returns OK the change is
//    durable (survives kill -9 of the process and power loss), except inside a DeferCommitSync
//    scope (group commit, below): there it has survived kill -9 and reaches the disk with the
//    next shared sync, which the scope's owner waits for before acknowledging anything.
//  - Errors are values. "Already exists" and "not found" use the codes below so callers can
//    branch on them (IsAlreadyExists / IsNotFound); a malformed argument is a ValidationError
//    (400); another process holding the database past the busy timeout is ServiceUnavailable
//    (503, retryable); anything else is an InternalFailure (500) whose message names the cause.
//  - Times are epoch seconds supplied by the caller (the store never reads the clock for data).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/entities.h"
#include "store/migrations.h"

namespace rampart::store {

// Error codes the store returns for expected conditions (the IAM wire codes, so a service may
// pass them through unchanged).
inline constexpr std::string_view kAlreadyExistsCode = "EntityAlreadyExists";  // HTTP 409
inline constexpr std::string_view kNotFoundCode = "NoSuchEntity";              // HTTP 404

inline bool IsAlreadyExists(const Error& e) { return e.code == kAlreadyExistsCode; }
inline bool IsNotFound(const Error& e) { return e.code == kNotFoundCode; }

struct Account {
  std::string account_id;  // 12 digits
  std::string name;
  std::string email;
  int64_t created_epoch = 0;
};

struct AccessKey {
  std::string access_key_id;      // AKIA... (long-term) or ASIA... (temporary)
  std::string secret_access_key;  // plaintext in memory only; encrypted at rest under the root key
  std::string account_id;         // must name an existing Account
  std::string principal_arn;      // arn:aws:iam::123456789012:root or ...:user/alice
  std::string user_name;          // empty for root
  std::string status = "Active";  // Active | Inactive
  int64_t created_epoch = 0;
  int64_t last_used_epoch = 0;  // 0 = never used
  std::string last_used_service, last_used_region;
};

// Accounts and their access keys. Obtained from Store::accounts(); owned by the Store.
class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // Inserts `a`. EntityAlreadyExists if the account id is taken.
  virtual Result<Account> CreateAccount(const Account& a) = 0;
  virtual Result<std::optional<Account>> GetAccount(std::string_view id) = 0;
  // All accounts, ordered by account_id.
  virtual Result<std::vector<Account>> ListAccounts() = 0;

  // Inserts `k` (the secret is sealed with the root key, AAD = access key id).
  // EntityAlreadyExists if the key id is taken; NoSuchEntity if k.account_id does not exist;
  // ValidationError if k.status is not Active/Inactive or a required field is empty.
  virtual Status PutAccessKey(const AccessKey& k) = 0;
  // The key with its secret decrypted. InternalFailure if the secret cannot be decrypted (wrong
  // root key or a tampered row) -- never a garbage secret.
  virtual Result<std::optional<AccessKey>> GetAccessKey(std::string_view access_key_id) = 0;
  // Keys of exactly (account_id, user_name); user_name "" selects the account root's keys.
  // Ordered by created_epoch, then access_key_id.
  virtual Result<std::vector<AccessKey>> ListAccessKeys(std::string_view account_id,
                                                        std::string_view user_name) = 0;
  // status must be "Active" or "Inactive" (ValidationError otherwise); NoSuchEntity if missing.
  virtual Status UpdateAccessKeyStatus(std::string_view access_key_id, std::string_view status) = 0;
  // NoSuchEntity if missing.
  virtual Status DeleteAccessKey(std::string_view access_key_id) = 0;
  // Sets the last-used triple (IAM GetAccessKeyLastUsed). NoSuchEntity if missing.
  virtual Status RecordAccessKeyUse(std::string_view access_key_id, int64_t epoch,
                                    std::string_view service, std::string_view region) = 0;
};

// The root of the persistence layer: owns the connection(s) and every per-domain store.
// Thread-safe. Must outlive everything that uses it (stores returned by accessors are owned by
// the Store and valid for its whole lifetime).
// Group commit. A request handler opens a DeferCommitSync on its thread; the mutations made in
// it commit without waiting for the disk (they are visible at once and survive the process being
// killed), and the handler learns with TakePendingCommit() which commit it must wait for; it
// sends its reply from Store::AfterCommitSync, once that commit is on disk. Every commit that
// arrived during one disk sync shares the next one, and the handler's thread serves other
// requests meanwhile. Outside such a scope a mutation returns only once it is on disk.
class DeferCommitSync {
 public:
  DeferCommitSync();
  ~DeferCommitSync();
  DeferCommitSync(const DeferCommitSync&) = delete;
  DeferCommitSync& operator=(const DeferCommitSync&) = delete;

 private:
  bool outer_;
  uint64_t outer_pending_;
};
// True inside a DeferCommitSync scope on this thread.
bool CommitSyncDeferred();
// Engines: records that this thread's scope committed `seq` (an engine's commit number).
void NotePendingCommit(uint64_t seq);
// The latest commit this thread's scope made and has not yet taken (0 = none); resets it.
uint64_t TakePendingCommit();

class Store {
 public:
  virtual ~Store() = default;

  virtual AccountStore& accounts() = 0;
  // Service state as JSON documents (store/entities.h).
  virtual EntityStore& entities() = 0;
  // Seals/opens a secret under the server's root key; `aad` binds it to where it is stored.
  virtual Result<std::string> Seal(std::string_view aad, std::string_view plaintext) = 0;
  virtual Result<std::string> Open(std::string_view aad, std::string_view sealed,
                                   std::string_view what) = 0;

  // Small server settings (e.g. the default account id). nullopt if unset.
  virtual Result<std::optional<std::string>> GetSetting(std::string_view key) = 0;
  // Inserts or overwrites.
  virtual Status PutSetting(std::string_view key, std::string_view value) = 0;

  // Dev-mode reset: deletes every row of every table (including tables added by later
  // migrations and the settings), in one transaction. Keeps the schema and the migration
  // history. The root key stays valid for the database.
  virtual Status WipeAll() = 0;

  // OK when the database takes a write (a probe commit) and nothing since it was opened said
  // its file is damaged or unwritable; otherwise ServiceUnavailable naming the cause. `deep`
  // also checks every page (PRAGMA quick_check): slower, for occasional use.
  virtual Status Health(bool deep) = 0;

  // Number of the newest applied migration (== the last entry of the migration list used to
  // open the store).
  virtual int SchemaVersion() = 0;

  // Calls `done(true)` once commit `seq` (from TakePendingCommit) is on disk, or done(false) if
  // the disk sync failed; from the engine's sync thread, or at once when it already is. Engines
  // whose commits are durable when they return call done(true) at once.
  virtual void AfterCommitSync(uint64_t seq, std::function<void(bool)> done) {
    (void)seq;
    done(true);
  }
};

struct SqliteOptions {
  std::string path;      // file path, or ":memory:" (dev mode; private to this Store)
  std::string root_key;  // 32 bytes; encrypts secrets at rest (AES-256-GCM with the row id as AAD)
  // The schema history to apply; the default is the registry in store/migrations.cc. Tests
  // inject longer lists to exercise upgrades.
  std::vector<Migration> migrations = Migrations();
  // How long a writer waits for another process holding the database lock before failing.
  int busy_timeout_ms = 5000;
};

// Opens (creating if needed) the database, sets WAL + foreign keys + group commit (the WAL is
// fdatasync'd by a sync thread before any mutation is acknowledged: see DeferCommitSync), applies
// pending migrations, and checks the root key against the one the database was created with.
// Errors: ValidationError for bad options; InternalFailure naming the problem for an
// unreadable file, a schema newer than this binary, an edited migration, or a wrong root key.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& opts);  // src/store/sqlite/

// The conventional location of the root key inside a data directory: `<data_dir>/root.key`.
std::string RootKeyPath(const std::string& data_dir);

// Loads the 32-byte root key at `path`, creating it if missing (32 random bytes, mode 0600,
// written to a temporary file, fsynced, then linked into place so a crash never leaves a short
// key and two racing processes agree on one key). The parent directory must exist.
// A key file holds either 32 raw bytes or 64 hex digits (optionally followed by a newline).
Result<std::string> LoadOrCreateRootKey(const std::string& path);

// Loads an existing root key (for an explicitly configured --root-key-file); never creates.
Result<std::string> LoadRootKey(const std::string& path);

}  // namespace rampart::store
