// SQLite-engine specifics the conformance suite cannot express through store/store.h:
// file modes, WAL, crash durability, migration history checks, multi-process locking.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include "store/sqlite/wal_sync.h"
#include "store/store.h"
#include "store_test_util.h"

namespace rampart::store {
namespace {

using testing::SampleAccount;
using testing::SampleKey;
using testing::TempDir;

// Runs `sql` on the file through a separate raw connection (what an operator's sqlite3 sees).
std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        if (!out.empty()) out += "\n";
        const unsigned char* t = sqlite3_column_text(st, 0);
        out += t ? reinterpret_cast<const char*>(t) : "";
      }
    } else {
      out = std::string("ERROR: ") + sqlite3_errmsg(db);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

std::vector<Migration> WithExtra(std::vector<Migration> extra) {
  std::vector<Migration> all = Migrations();
  for (Migration m : extra) {
    m.version = static_cast<int>(all.size()) + 1;
    all.push_back(m);
  }
  return all;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteOptions Options() const { return {.path = path_, .root_key = key_}; }

  TempDir dir_;
  std::string path_ = dir_.File("rampart.db");
  std::string key_ = crypto::RandomBytes(32);
};

// ---- Files --------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, UsesWalAndPrivateFileMode) {
  auto s = OpenSqliteStore(Options());
  ASSERT_OK(s);
  ASSERT_OK((*s)->PutSetting("k", "v"));
  EXPECT_EQ(RawQuery(path_, "PRAGMA journal_mode"), "wal");
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((path_ + "-wal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

TEST_F(SqliteStoreTest, SchemaHasExpectedTables) {
  ASSERT_OK(OpenSqliteStore(Options()));
  EXPECT_EQ(RawQuery(path_, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"),
            "access_keys\naccounts\nentities\nschema_migrations\nsettings\nstore_meta");
  EXPECT_EQ(RawQuery(path_, "SELECT group_concat(version) FROM schema_migrations"), "1,2,3");
}

TEST_F(SqliteStoreTest, UnopenablePathIsAnError) {
  SqliteOptions o = Options();
  o.path = dir_.File("no/such/dir/rampart.db");
  auto s = OpenSqliteStore(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("no/such/dir"), std::string::npos) << s.error().message;
  o.path = "";
  EXPECT_FALSE(OpenSqliteStore(o).ok());
}

// An acknowledged write survives kill -9 of the writing process.
TEST_F(SqliteStoreTest, AcknowledgedWriteSurvivesKill9) {
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    auto s = OpenSqliteStore(Options());
    char ok = '0';
    if (s.ok() && (*s)->accounts().CreateAccount(SampleAccount("123456789012")).ok() &&
        (*s)->accounts().PutAccessKey(SampleKey("AKIAEXAMPLE000000001", "123456789012")).ok()) {
      ok = '1';
    }
    if (::write(pipefd[1], &ok, 1) != 1) _exit(3);
    ::raise(SIGKILL);  // no destructors, no checkpoint, no close
    _exit(2);
  }
  ::close(pipefd[1]);
  char ack = 0;
  ASSERT_EQ(::read(pipefd[0], &ack, 1), 1);
  ::close(pipefd[0]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
  ASSERT_EQ(ack, '1');

  auto s = OpenSqliteStore(Options());
  ASSERT_OK(s);
  auto k = (*s)->accounts().GetAccessKey("AKIAEXAMPLE000000001");
  ASSERT_OK(k);
  ASSERT_TRUE(k->has_value());
  EXPECT_EQ((*k)->secret_access_key, SampleKey("AKIAEXAMPLE000000001", "").secret_access_key);
}

// ---- Group commit ---------------------------------------------------------------------------

TEST_F(SqliteStoreTest, DeferredCommitIsVisibleAtOnceAndAcknowledgedAfterSync) {
  auto s = OpenSqliteStore(Options());
  ASSERT_OK(s);
  uint64_t first = 0, second = 0;
  {
    DeferCommitSync defer;
    ASSERT_OK((*s)->PutSetting("a", "1"));
    first = TakePendingCommit();
    ASSERT_OK((*s)->PutSetting("b", "2"));
    auto read = (*s)->GetSetting("b");  // a read commits nothing
    ASSERT_OK(read);
    EXPECT_EQ(read->value_or(""), "2");
    second = TakePendingCommit();
    EXPECT_EQ(TakePendingCommit(), 0u);
  }
  EXPECT_GT(first, 0u);
  EXPECT_GT(second, first);
  std::promise<bool> synced;
  (*s)->AfterCommitSync(second, [&](bool ok) { synced.set_value(ok); });
  auto f = synced.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(f.get());
  // Outside a scope a write waits for the disk itself and leaves nothing to wait for.
  ASSERT_OK((*s)->PutSetting("c", "3"));
  EXPECT_EQ(TakePendingCommit(), 0u);
  EXPECT_EQ(RawQuery(path_, "SELECT group_concat(value) FROM settings ORDER BY key"), "1,2,3");
  EXPECT_EQ(RawQuery(path_, "PRAGMA synchronous"), "2");  // a fresh connection's default: FULL
}

TEST_F(SqliteStoreTest, NestedDeferScopeHandsItsCommitToTheOuterOne) {
  auto s = OpenSqliteStore(Options());
  ASSERT_OK(s);
  DeferCommitSync outer;
  {
    DeferCommitSync inner;
    ASSERT_OK((*s)->PutSetting("a", "1"));
  }
  EXPECT_GT(TakePendingCommit(), 0u);
}

TEST_F(SqliteStoreTest, ConcurrentDeferredWritersAllAcknowledgedDurable) {
  auto s = OpenSqliteStore(Options());
  ASSERT_OK(s);
  constexpr int kThreads = 8, kWrites = 40;
  std::atomic<int> acked{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        uint64_t seq = 0;
        {
          DeferCommitSync defer;
          if (!(*s)->PutSetting("k" + std::to_string(t) + "-" + std::to_string(i), "v").ok()) {
            ++failed;
            continue;
          }
          seq = TakePendingCommit();
        }
        std::promise<bool> p;
        (*s)->AfterCommitSync(seq, [&](bool ok) { p.set_value(ok); });
        (p.get_future().get() ? acked : failed)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(acked.load(), kThreads * kWrites);
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM settings"), std::to_string(kThreads * kWrites));
}

TEST(WalSyncerTest, UnsyncableLogFailsItsWaitersAndReportsTheFault) {
  std::atomic<uint64_t> committed{1};
  sqlite::WalSyncer syncer("/nonexistent-dir/rampart.db-wal", committed);
  std::promise<bool> p;
  syncer.AfterSync(1, [&](bool ok) { p.set_value(ok); });
  EXPECT_FALSE(p.get_future().get());
  EXPECT_NE(syncer.fault().find("/nonexistent-dir/rampart.db-wal"), std::string::npos)
      << syncer.fault();
  EXPECT_FALSE(syncer.SyncTo(1).ok());
  // Nothing past what was synced: at once.
  std::promise<bool> none;
  syncer.AfterSync(0, [&](bool ok) { none.set_value(ok); });
  EXPECT_TRUE(none.get_future().get());
}

// Two Store objects on one file stand in for two processes: the busy timeout serializes them.
TEST_F(SqliteStoreTest, TwoConnectionsOnOneFileBothWrite) {
  auto a = OpenSqliteStore(Options());
  auto b = OpenSqliteStore(Options());
  ASSERT_OK(a);
  ASSERT_OK(b);
  std::string fail_a, fail_b;
  auto writer = [](Store& s, char prefix, std::string& fail) {
    for (int i = 0; i < 30 && fail.empty(); ++i) {
      char id[13];
      std::snprintf(id, sizeof(id), "%c%011d", prefix, i);
      auto r = s.accounts().CreateAccount(SampleAccount(id));
      if (!r.ok()) fail = r.error().message;
    }
  };
  std::thread ta(writer, std::ref(**a), '1', std::ref(fail_a));
  std::thread tb(writer, std::ref(**b), '2', std::ref(fail_b));
  ta.join();
  tb.join();
  EXPECT_EQ(fail_a, "");
  EXPECT_EQ(fail_b, "");
  EXPECT_EQ((*a)->accounts().ListAccounts()->size(), 60u);
}

// ---- Secrets ------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, SecretMovedToAnotherRowDoesNotDecrypt) {
  {
    auto s = OpenSqliteStore(Options());
    ASSERT_OK(s);
    ASSERT_OK((*s)->accounts().CreateAccount(SampleAccount("123456789012")));
    ASSERT_OK((*s)->accounts().PutAccessKey(SampleKey("AKIAVICTIM0000000001", "123456789012")));
    ASSERT_OK((*s)->accounts().PutAccessKey(SampleKey("AKIAATTACKER00000001", "123456789012")));
  }
  RawQuery(path_,
           "UPDATE access_keys SET secret_sealed = (SELECT secret_sealed FROM access_keys WHERE "
           "access_key_id = 'AKIAVICTIM0000000001') WHERE access_key_id = "
           "'AKIAATTACKER00000001'");
  auto s = OpenSqliteStore(Options());
  ASSERT_OK(s);
  auto victim = (*s)->accounts().GetAccessKey("AKIAVICTIM0000000001");
  ASSERT_OK(victim);
  auto moved = (*s)->accounts().GetAccessKey("AKIAATTACKER00000001");
  ASSERT_FALSE(moved.ok());
  EXPECT_NE(moved.error().message.find("cannot decrypt secret of access key AKIAATTACKER"),
            std::string::npos)
      << moved.error().message;
  // The list fails as a whole rather than returning a key with a wrong secret.
  EXPECT_FALSE((*s)->accounts().ListAccessKeys("123456789012", "").ok());
}

// ---- Migrations ---------------------------------------------------------------------------

TEST_F(SqliteStoreTest, RegistryIsValid) {
  ASSERT_OK(ValidateMigrations(Migrations()));
  std::vector<Migration> gap = Migrations();
  gap.push_back({static_cast<int>(gap.size()) + 2, "gap", "SELECT 1"});
  EXPECT_FALSE(ValidateMigrations(gap).ok());
  std::vector<Migration> unnamed = Migrations();
  unnamed.push_back({static_cast<int>(unnamed.size()) + 1, "", "SELECT 1"});
  EXPECT_FALSE(ValidateMigrations(unnamed).ok());
}

TEST_F(SqliteStoreTest, NewMigrationAppliedOnceOnUpgrade) {
  ASSERT_OK(OpenSqliteStore(Options()));
  SqliteOptions upgraded = Options();
  upgraded.migrations = WithExtra({{0, "widgets",
                                    "CREATE TABLE test_widgets (id TEXT PRIMARY "
                                    "KEY, size BIGINT NOT NULL);"}});
  for (int i = 0; i < 2; ++i) {
    auto s = OpenSqliteStore(upgraded);
    ASSERT_OK(s);
    EXPECT_EQ((*s)->SchemaVersion(), static_cast<int>(Migrations().size()) + 1);
  }
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM schema_migrations"),
            std::to_string(Migrations().size() + 1));

  // WipeAll also empties tables that later migrations added.
  RawQuery(path_, "INSERT INTO test_widgets VALUES ('w', 3)");
  auto s = OpenSqliteStore(upgraded);
  ASSERT_OK(s);
  ASSERT_OK((*s)->WipeAll());
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM test_widgets"), "0");
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM schema_migrations"),
            std::to_string(Migrations().size() + 1));
}

TEST_F(SqliteStoreTest, OlderBinaryRefusesNewerSchema) {
  SqliteOptions upgraded = Options();
  upgraded.migrations = WithExtra({{0, "widgets", "CREATE TABLE test_widgets (id TEXT);"}});
  ASSERT_OK(OpenSqliteStore(upgraded));
  auto old = OpenSqliteStore(Options());
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("upgrade rampart"), std::string::npos) << old.error().message;
}

TEST_F(SqliteStoreTest, EditedMigrationIsRefused) {
  SqliteOptions v1 = Options();
  v1.migrations = WithExtra({{0, "widgets", "CREATE TABLE test_widgets (id TEXT);"}});
  ASSERT_OK(OpenSqliteStore(v1));
  SqliteOptions edited = Options();
  edited.migrations = WithExtra({{0, "widgets", "CREATE TABLE test_widgets (id INTEGER);"}});
  auto s = OpenSqliteStore(edited);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("must not be edited"), std::string::npos) << s.error().message;
}

TEST_F(SqliteStoreTest, FailedMigrationLeavesNoTrace) {
  ASSERT_OK(OpenSqliteStore(Options()));
  SqliteOptions broken = Options();
  broken.migrations = WithExtra({{0, "half broken",
                                  "CREATE TABLE test_half (id TEXT); "
                                  "CREATE TABLE this is not sql;"}});
  auto s = OpenSqliteStore(broken);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("half broken"), std::string::npos) << s.error().message;
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'test_half'"), "0");
  EXPECT_EQ(RawQuery(path_, "SELECT max(version) FROM schema_migrations"),
            std::to_string(Migrations().size()));
  // The database is still usable by the binary without the broken migration.
  ASSERT_OK(OpenSqliteStore(Options()));
}

// ---- Root key files -----------------------------------------------------------------------

TEST(RootKeyTest, CreatedOnceWithMode0600) {
  TempDir dir;
  std::string path = RootKeyPath(dir.path().string());
  EXPECT_EQ(path, dir.File("root.key"));
  auto k1 = LoadOrCreateRootKey(path);
  ASSERT_OK(k1);
  EXPECT_EQ(k1->size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k2 = LoadOrCreateRootKey(path);
  ASSERT_OK(k2);
  EXPECT_EQ(*k1, *k2);
  auto k3 = LoadRootKey(path);
  ASSERT_OK(k3);
  EXPECT_EQ(*k1, *k3);
  // No temporary files left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(RootKeyTest, ConcurrentCreatorsAgree) {
  TempDir dir;
  std::string path = dir.File("root.key");
  std::vector<std::string> keys(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto k = LoadOrCreateRootKey(path);
      if (k.ok()) keys[i] = *k;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& k : keys) EXPECT_EQ(k, keys[0]);
  EXPECT_EQ(keys[0].size(), 32u);
}

TEST(RootKeyTest, HexKeyFileAccepted) {
  TempDir dir;
  std::string path = dir.File("key.hex");
  std::string raw = crypto::RandomBytes(32);
  { std::ofstream(path) << crypto::HexEncode(raw) << "\n"; }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
  auto k = LoadRootKey(path);
  ASSERT_OK(k);
  EXPECT_EQ(*k, raw);
}

// A key that group or others can read (or that another user owns) is refused, with the fix.
TEST(RootKeyTest, KeyReadableByOthersRefused) {
  TempDir dir;
  std::string path = dir.File("open.key");
  { std::ofstream(path) << crypto::HexEncode(crypto::RandomBytes(32)) << "\n"; }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read);
  auto k = LoadRootKey(path);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.error().message.find("mode 0640"), std::string::npos) << k.error().message;
  EXPECT_NE(k.error().message.find("chmod 600"), std::string::npos);
}

TEST(RootKeyTest, BadFilesRejected) {
  TempDir dir;
  auto missing = LoadRootKey(dir.File("absent.key"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(IsNotFound(missing.error()));
  EXPECT_FALSE(std::filesystem::exists(dir.File("absent.key")));  // LoadRootKey never creates

  std::string short_key = dir.File("short.key");
  { std::ofstream(short_key) << "0123456789"; }
  std::filesystem::permissions(short_key, std::filesystem::perms::owner_read |
                                              std::filesystem::perms::owner_write);
  auto r = LoadOrCreateRootKey(short_key);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("32 raw bytes or 64 hex digits"), std::string::npos);

  auto nodir = LoadOrCreateRootKey(dir.File("no/such/dir/root.key"));
  EXPECT_FALSE(nodir.ok());
}

}  // namespace
}  // namespace rampart::store
