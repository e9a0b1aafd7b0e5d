// The SQLite engine: Store on one WAL-mode database file.

#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/secrets.h"
#include "store/sqlite/account_store.h"
#include "store/sqlite/context.h"
#include "store/sqlite/database.h"
#include "store/sqlite/entity_store.h"
#include "store/sqlite/wal_sync.h"
#include "store/store.h"

namespace rampart::store {
namespace sqlite {
namespace {

// Engine-internal tables: outside the numbered migrations, and kept by WipeAll.
constexpr std::string_view kSchemaMigrationsTable = "schema_migrations";
constexpr std::string_view kStoreMetaTable = "store_meta";

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Database> db, std::string root_key, int schema_version)
      : accounts_(ctx_), entities_(ctx_), schema_version_(schema_version) {
    ctx_.db = std::move(db);
    ctx_.root_key = std::move(root_key);
    if (ctx_.db->path() != ":memory:") {
      ctx_.syncer = std::make_unique<WalSyncer>(ctx_.db->path() + "-wal", ctx_.commit_seq);
      // What opening wrote (the root key check, migrations) is on disk before anything else.
      if (ctx_.db->TakeCommitted()) (void)ctx_.syncer->SyncTo(++ctx_.commit_seq);
    }
  }

  void AfterCommitSync(uint64_t seq, std::function<void(bool)> done) override {
    if (seq == 0 || !ctx_.syncer) return done(true);
    ctx_.syncer->AfterSync(seq, std::move(done));
  }

  AccountStore& accounts() override { return accounts_; }
  EntityStore& entities() override { return entities_; }
  Result<std::string> Seal(std::string_view aad, std::string_view plaintext) override {
    return SealSecret(ctx_.root_key, aad, plaintext);
  }
  Result<std::string> Open(std::string_view aad, std::string_view sealed,
                           std::string_view what) override {
    return OpenSecret(ctx_.root_key, aad, sealed, what);
  }

  Result<std::optional<std::string>> GetSetting(std::string_view key) override {
    Guard lock(ctx_);
    RAMPART_ASSIGN_OR_RETURN(Stmt q, ctx_.db->Prepare("SELECT value FROM settings WHERE key = ?"));
    q.Bind(1, key);
    RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(q.Text(0));
  }

  Status PutSetting(std::string_view key, std::string_view value) override {
    if (key.empty()) return Error::Validation("setting key is empty");
    Guard lock(ctx_);
    Database& db = *ctx_.db;
    return db.Transaction([&]() -> Status {
      // ON CONFLICT ... DO UPDATE is spelled the same in PostgreSQL.
      RAMPART_ASSIGN_OR_RETURN(
          Stmt u, db.Prepare("INSERT INTO settings (key, value) VALUES (?, ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
      u.Bind(1, key).Bind(2, value);
      return u.Run();
    });
  }

  Status WipeAll() override {
    Guard lock(ctx_);
    Database& db = *ctx_.db;
    return db.Transaction([&]() -> Status {
      // Foreign keys are checked at COMMIT instead of per DELETE, so table order is irrelevant.
      RAMPART_RETURN_IF_ERROR(db.Exec("PRAGMA defer_foreign_keys = ON"));
      std::vector<std::string> tables;
      {
        RAMPART_ASSIGN_OR_RETURN(
            Stmt q, db.Prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                               "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"));
        for (;;) {
          RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
          if (!row) break;
          std::string name = q.Text(0);
          if (name != kSchemaMigrationsTable && name != kStoreMetaTable) {
            tables.push_back(std::move(name));
          }
        }
      }
      for (const std::string& t : tables) {
        RAMPART_RETURN_IF_ERROR(db.Exec("DELETE FROM " + QuoteIdentifier(t)));
      }
      return {};
    });
  }

  int SchemaVersion() override { return schema_version_; }

  Status Health(bool deep) override {
    Guard lock(ctx_);
    Database& db = *ctx_.db;
    // A probe commit: a full disk, a read-only file or a failing device shows here.
    Status probe = db.Transaction([&]() -> Status {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt u, db.Prepare("INSERT INTO store_meta (key, value) VALUES ('health_probe', ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
      u.Bind(1, std::to_string(std::time(nullptr)));
      return u.Run();
    });
    if (probe.ok() && ctx_.syncer) {
      // The probe's own commit is synced when `lock` goes; a sync that failed before shows here.
      if (std::string f = ctx_.syncer->fault(); !f.empty()) {
        probe = Error::Unavailable("the write-ahead log cannot be synced: " + f);
      }
    }
    if (probe.ok()) db.ClearWriteFault();
    if (deep && db.fault().empty()) {
      // Reads every page: for an operator's or a monitor's occasional deep check.
      RAMPART_ASSIGN_OR_RETURN(Stmt q, db.Prepare("PRAGMA quick_check(5)"));
      std::string problems;
      for (;;) {
        auto row = q.Step();
        if (!row.ok() || !*row) break;
        std::string line = q.Text(0);
        if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
      }
      if (!problems.empty()) db.MarkDamaged("integrity check failed: " + problems);
    }
    if (!db.fault().empty()) return Error::Unavailable("database " + db.path() + ": " + db.fault());
    if (!probe.ok()) return Error::Unavailable("database " + db.path() + ": " + probe.error().message);
    return {};
  }

 private:
  Context ctx_;
  SqliteAccountStore accounts_;
  SqliteEntityStore entities_;
  const int schema_version_;
};

// Creates store_meta and checks (or, on a new database, records) the root key check value.
Status CheckRootKey(Database& db, const std::string& root_key) {
  RAMPART_RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"));
  return db.Transaction([&]() -> Status {
    {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt q, db.Prepare("SELECT value FROM store_meta WHERE key = 'root_key_check'"));
      RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
      if (row) return VerifyRootKeyCheck(root_key, q.Text(0), db.path());
    }
    RAMPART_ASSIGN_OR_RETURN(std::string sealed,
                             SealSecret(root_key, kRootKeyCheckAad, kRootKeyCheckPlaintext));
    RAMPART_ASSIGN_OR_RETURN(
        Stmt ins, db.Prepare("INSERT INTO store_meta (key, value) VALUES ('root_key_check', ?)"));
    ins.Bind(1, sealed);
    return ins.Run();
  });
}

}  // namespace
}  // namespace sqlite

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& opts) {
  if (opts.root_key.size() != 32) {
    return Error::Validation("root key must be 32 bytes, got " +
                             std::to_string(opts.root_key.size()));
  }
  RAMPART_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Database> db,
                           sqlite::Database::Open({opts.path, opts.busy_timeout_ms,
                                                    /*fsync_each_commit=*/false}));
  RAMPART_RETURN_IF_ERROR(sqlite::CheckRootKey(*db, opts.root_key));
  RAMPART_ASSIGN_OR_RETURN(int version, db->Migrate(opts.migrations));
  return std::unique_ptr<Store>(
      std::make_unique<sqlite::SqliteStore>(std::move(db), opts.root_key, version));
}

}  // namespace rampart::store
