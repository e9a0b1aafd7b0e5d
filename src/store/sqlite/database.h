#pragma once
// A thin, Result-returning wrapper over one sqlite3 connection: pragmas, a prepared-statement
// cache, transactions and the migration runner. Engine-private; nothing outside
// src/store/sqlite/ includes this.
//
// NOT thread-safe: the owner (SqliteStore) serializes every call with its mutex.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "store/migrations.h"

namespace rampart::store::sqlite {

// A cached prepared statement borrowed for one use. Bind, then Step()/Run(); the destructor
// resets the statement and clears its bindings so the cache can hand it out again.
class Stmt {
 public:
  // `owner` (may be null) is told of errors that mean the file is damaged or unwritable
  // (Database::fault()).
  Stmt(sqlite3* db, sqlite3_stmt* stmt, class Database* owner = nullptr)
      : db_(db), stmt_(stmt), owner_(owner) {}
  Stmt(Stmt&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), owner_(other.owner_),
        bind_error_(std::move(other.bind_error_)) {
    other.stmt_ = nullptr;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  // Parameters are 1-based, in the order of the `?` in the SQL.
  Stmt& Bind(int index, std::string_view text);
  Stmt& Bind(int index, int64_t value);
  Stmt& BindBlob(int index, std::string_view bytes);

  // true: a row is available (read it with Text/Int); false: done.
  Result<bool> Step();
  // Steps to completion; for statements that return no rows.
  Status Run();
  // Rows changed by the last Run() of an INSERT/UPDATE/DELETE.
  int Changes() const { return sqlite3_changes(db_); }

  std::string Text(int column) const;
  std::string Blob(int column) const;
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  class Database* owner_;
  std::string bind_error_;
};

class Database {
 public:
  struct Options {
    std::string path;  // file or ":memory:"
    int busy_timeout_ms = 5000;
    // FULL: every commit is fsync'd (survives power loss). NORMAL (WAL): commits reach the OS
    // without fsync, so they survive a killed process but not a power cut; used for the audit
    // log, whose group commits would otherwise wait on the disk for every read-only call, and
    // for the main store, whose group commit syncs the WAL itself (wal_sync.h).
    bool fsync_each_commit = true;
  };
  // Opens the connection and sets journal_mode=WAL, synchronous=FULL, foreign_keys=ON and the
  // busy timeout. A new database file is created with mode 0600 (SQLite gives its -wal and -shm
  // files the same mode).
  static Result<std::unique_ptr<Database>> Open(const Options& opts);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Returns the cached statement for `sql`, preparing it on first use.
  Result<Stmt> Prepare(std::string_view sql);
  // Runs one or more statements without caching (DDL, pragmas, one-off deletes).
  Status Exec(std::string_view sql);

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back if `body` or COMMIT fails.
  // IMMEDIATE takes the write lock up front, so a transaction never fails half-way with BUSY
  // because a reader upgraded (and the busy timeout applies at BEGIN).
  Status Transaction(const std::function<Status()>& body);

  // Applies the missing tail of `migrations` (each in its own transaction with its
  // schema_migrations row) after checking that the applied history matches the list.
  // Returns the resulting schema version.
  Result<int> Migrate(const std::vector<Migration>& migrations);

  const std::string& path() const { return path_; }

  // True if a transaction (or an autocommit statement) committed since the last call; resets.
  // Group commit (wal_sync.h) numbers commits with it.
  bool TakeCommitted() {
    bool c = committed_;
    committed_ = false;
    return c;
  }

  // The last error that said the database file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB) or
  // cannot be written (SQLITE_IOERR, SQLITE_FULL, SQLITE_READONLY); "" if none. Damage stays
  // reported until the database is reopened; a write error until a later write succeeds
  // (ClearWriteFault).
  const std::string& fault() const { return fault_; }
  void ClearWriteFault() {
    if (!fault_is_damage_) fault_.clear();
  }
  // Records `e` as the fault when SQLite's last result code means damage or a failed write.
  void NoteFault(const Error& e);
  void MarkDamaged(std::string message) {
    fault_ = std::move(message);
    fault_is_damage_ = true;
  }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Error LastError(std::string_view what);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> stmt_cache_;
  std::string fault_;
  bool fault_is_damage_ = false;
  bool committed_ = false;  // set by the commit hook
};

// An InternalFailure carrying SQLite's message and extended result code.
Error SqliteError(sqlite3* db, std::string_view what);

}  // namespace rampart::store::sqlite
