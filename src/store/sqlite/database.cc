#include "store/sqlite/database.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace rampart::store::sqlite {

Error SqliteError(sqlite3* db, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : "out of memory";
  if (db) msg += " (sqlite code " + std::to_string(sqlite3_extended_errcode(db)) + ")";
  Error e = Error::Internal(std::move(msg));
  if (db && (sqlite3_errcode(db) == SQLITE_BUSY || sqlite3_errcode(db) == SQLITE_LOCKED)) {
    // Another process held the write lock past the busy timeout: retryable.
    e.code = "ServiceUnavailable";
    e.http_status = 503;
  }
  return e;
}

namespace {
bool IsDamage(int primary) { return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB; }
bool IsWriteFault(int primary) {
  return primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_READONLY ||
         primary == SQLITE_CANTOPEN;
}
}  // namespace

void Database::NoteFault(const Error& e) {
  int primary = sqlite3_errcode(db_) & 0xff;
  if (IsDamage(primary)) {
    fault_ = e.message;
    fault_is_damage_ = true;
  } else if (IsWriteFault(primary) && !fault_is_damage_) {
    fault_ = e.message;
  }
}

// ---- Stmt -------------------------------------------------------------------------------

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::Bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_.empty()) bind_error_ = sqlite3_errmsg(db_);
  return *this;
}

Stmt& Stmt::BindBlob(int index, std::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_.empty()) bind_error_ = sqlite3_errmsg(db_);
  return *this;
}

Stmt& Stmt::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_.empty()) bind_error_ = sqlite3_errmsg(db_);
  return *this;
}

Result<bool> Stmt::Step() {
  if (!bind_error_.empty()) return Error::Internal("sqlite bind failed: " + bind_error_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = SqliteError(db_, "sqlite step failed");
  if (owner_) owner_->NoteFault(e);
  return e;
}

Status Stmt::Run() {
  for (;;) {
    RAMPART_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return {};
  }
}

std::string Stmt::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

std::string Stmt::Blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

// ---- Database ---------------------------------------------------------------------------

namespace {

// Pre-creates a missing database file with mode 0600: the file holds account data, and SQLite
// would otherwise create it with 0644 & ~umask.
Status CreatePrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  if (errno == EEXIST) return {};
  return Error::Internal("cannot create database file " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const Options& opts) {
  if (opts.path.empty()) return Error::Validation("sqlite path is empty");
  const bool in_memory = opts.path == ":memory:";
  if (!in_memory) RAMPART_RETURN_IF_ERROR(CreatePrivateFile(opts.path));

  sqlite3* raw = nullptr;
  // NOMUTEX: the owner serializes all use of the connection, so SQLite's own mutex is redundant.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(opts.path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = SqliteError(raw, "cannot open database " + opts.path);
    sqlite3_close_v2(raw);
    return e;
  }
  std::unique_ptr<Database> db(new Database(raw, opts.path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, opts.busy_timeout_ms);
  sqlite3_commit_hook(
      raw,
      [](void* self) {
        static_cast<Database*>(self)->committed_ = true;
        return 0;  // 0: let the commit proceed
      },
      db.get());

  // WAL: readers never block the writer and a commit is one append to the log.
  {
    RAMPART_ASSIGN_OR_RETURN(Stmt s, db->Prepare("PRAGMA journal_mode=WAL"));
    RAMPART_ASSIGN_OR_RETURN(bool row, s.Step());
    std::string mode = row ? s.Text(0) : "";
    // An in-memory database reports "memory"; it has no log to speak of.
    if (!in_memory && mode != "wal") {
      return Error::Internal("cannot enable WAL on " + opts.path + " (journal_mode=" + mode +
                             "); is the file on a network filesystem?");
    }
  }
  // FULL: the WAL is fsynced at every commit, so an acknowledged write survives power loss,
  // not just a process crash (NORMAL would only sync at checkpoints).
  RAMPART_RETURN_IF_ERROR(db->Exec(opts.fsync_each_commit
                                       ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                       : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  {
    RAMPART_ASSIGN_OR_RETURN(Stmt s, db->Prepare("PRAGMA foreign_keys"));
    RAMPART_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row || s.Int(0) != 1) return Error::Internal("SQLite was built without foreign keys");
  }
  return db;
}

Database::~Database() {
  for (auto& [sql, stmt] : stmt_cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Error Database::LastError(std::string_view what) {
  Error e = SqliteError(db_, what);
  NoteFault(e);
  return e;
}

Result<Stmt> Database::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = stmt_cache_.find(key);
  if (it == stmt_cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return LastError("cannot prepare `" + key + "`");
    it = stmt_cache_.emplace(std::move(key), stmt).first;
  }
  return Stmt(db_, it->second, this);
}

Status Database::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Error e = SqliteError(db_, "sqlite exec failed");
    e.message = "sqlite exec failed: " + msg;
    NoteFault(e);
    return e;
  }
  return {};
}

Status Database::Transaction(const std::function<Status()>& body) {
  RAMPART_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status st = body();
  if (st.ok()) st = Exec("COMMIT");
  if (!st.ok()) {
    // After a failed COMMIT SQLite may already have rolled back; that ROLLBACK error is moot.
    if (!sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
  }
  return st;
}

Result<int> Database::Migrate(const std::vector<Migration>& migrations) {
  RAMPART_RETURN_IF_ERROR(ValidateMigrations(migrations));
  // The history table is the one piece of schema outside the numbered list.
  RAMPART_RETURN_IF_ERROR(Exec(R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version       INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  checksum      TEXT NOT NULL,
  applied_epoch BIGINT NOT NULL
);)sql"));

  // Compare what the database has applied with what this binary knows.
  int applied = 0;
  {
    RAMPART_ASSIGN_OR_RETURN(
        Stmt s, Prepare("SELECT version, checksum FROM schema_migrations ORDER BY version"));
    for (;;) {
      RAMPART_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      int version = static_cast<int>(s.Int(0));
      if (version != applied + 1) {
        return Error::Internal("schema_migrations in " + path_ + " has a gap before version " +
                               std::to_string(version));
      }
      if (version > static_cast<int>(migrations.size())) {
        return Error::Internal("database " + path_ + " has schema version " +
                               std::to_string(version) + " but this binary knows only up to " +
                               std::to_string(migrations.size()) + "; upgrade rampart");
      }
      const Migration& m = migrations[static_cast<size_t>(version - 1)];
      if (s.Text(1) != MigrationChecksum(m)) {
        return Error::Internal("migration " + std::to_string(version) + " (" + std::string(m.name) +
                               ") differs from the one applied to " + path_ +
                               "; released migrations must not be edited");
      }
      applied = version;
    }
  }

  for (size_t i = static_cast<size_t>(applied); i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    Status st = Transaction([&]() -> Status {
      // Another process opening the same file may have applied it since we looked; under the
      // write lock this check is authoritative.
      {
        RAMPART_ASSIGN_OR_RETURN(Stmt q,
                                 Prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
        q.Bind(1, static_cast<int64_t>(m.version));
        RAMPART_ASSIGN_OR_RETURN(bool done, q.Step());
        if (done) return {};
      }
      RAMPART_RETURN_IF_ERROR(Exec(m.sql));
      RAMPART_ASSIGN_OR_RETURN(Stmt ins,
                               Prepare("INSERT INTO schema_migrations (version, name, checksum, "
                                       "applied_epoch) VALUES (?, ?, ?, ?)"));
      ins.Bind(1, static_cast<int64_t>(m.version))
          .Bind(2, m.name)
          .Bind(3, MigrationChecksum(m))
          .Bind(4, static_cast<int64_t>(std::time(nullptr)));
      return ins.Run();
    });
    if (!st.ok()) {
      Error e = std::move(st).error();
      e.message = "migration " + std::to_string(m.version) + " (" + std::string(m.name) +
                  ") failed: " + e.message;
      return e;
    }
  }
  return static_cast<int>(migrations.size());
}

}  // namespace rampart::store::sqlite
