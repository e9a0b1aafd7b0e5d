// The conformance suite: every storage engine must pass these, written against store/store.h
// only. A new engine adds one INSTANTIATE_TEST_SUITE_P at the bottom with its BackendParam.

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "store/store.h"
#include "store_test_util.h"

namespace rampart::store {
namespace {

using testing::BackendParam;
using testing::SampleAccount;
using testing::SampleKey;
using testing::StoreBackend;

class StoreConformanceTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    root_key_ = crypto::RandomBytes(32);
    auto s = backend_->Open(root_key_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }

  // Closes the current Store and opens the same backend again.
  void Reopen() {
    store_.reset();
    auto s = backend_->Open(root_key_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }

  AccountStore& accounts() { return store_->accounts(); }

  std::unique_ptr<StoreBackend> backend_;
  std::string root_key_;
  std::unique_ptr<Store> store_;
};

// ---- Accounts -----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, CreateAndGetAccount) {
  Account a = SampleAccount("123456789012");
  auto created = accounts().CreateAccount(a);
  ASSERT_OK(created);
  EXPECT_EQ(created->account_id, a.account_id);

  auto got = accounts().GetAccount("123456789012");
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->account_id, a.account_id);
  EXPECT_EQ((*got)->name, a.name);
  EXPECT_EQ((*got)->email, a.email);
  EXPECT_EQ((*got)->created_epoch, a.created_epoch);
}

TEST_P(StoreConformanceTest, GetMissingAccountIsEmpty) {
  auto got = accounts().GetAccount("000000000000");
  ASSERT_OK(got);
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreConformanceTest, DuplicateAccountRejected) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  Account again = SampleAccount("123456789012");
  again.name = "other";
  auto r = accounts().CreateAccount(again);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsAlreadyExists(r.error())) << r.error().code;
  EXPECT_EQ(r.error().http_status, 409);
  auto got = accounts().GetAccount("123456789012");
  ASSERT_OK(got);
  EXPECT_EQ((*got)->name, "acct-123456789012");  // the original is untouched
}

TEST_P(StoreConformanceTest, EmptyAccountIdRejected) {
  auto r = accounts().CreateAccount(SampleAccount(""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ValidationError");
}

TEST_P(StoreConformanceTest, ListAccountsOrderedById) {
  for (const char* id : {"300000000000", "100000000000", "200000000000"}) {
    ASSERT_OK(accounts().CreateAccount(SampleAccount(id)));
  }
  auto list = accounts().ListAccounts();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].account_id, "100000000000");
  EXPECT_EQ((*list)[1].account_id, "200000000000");
  EXPECT_EQ((*list)[2].account_id, "300000000000");
}

// ---- Access keys --------------------------------------------------------------------------

TEST_P(StoreConformanceTest, AccessKeyRoundTrip) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  AccessKey k = SampleKey("AKIAEXAMPLE000000001", "123456789012", "alice");
  k.status = "Inactive";
  k.last_used_epoch = 1700000200;
  k.last_used_service = "sts";
  k.last_used_region = "us-east-1";
  ASSERT_OK(accounts().PutAccessKey(k));

  auto got = accounts().GetAccessKey(k.access_key_id);
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  const AccessKey& g = **got;
  EXPECT_EQ(g.access_key_id, k.access_key_id);
  EXPECT_EQ(g.secret_access_key, k.secret_access_key);
  EXPECT_EQ(g.account_id, k.account_id);
  EXPECT_EQ(g.principal_arn, "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(g.user_name, "alice");
  EXPECT_EQ(g.status, "Inactive");
  EXPECT_EQ(g.created_epoch, k.created_epoch);
  EXPECT_EQ(g.last_used_epoch, 1700000200);
  EXPECT_EQ(g.last_used_service, "sts");
  EXPECT_EQ(g.last_used_region, "us-east-1");
}

TEST_P(StoreConformanceTest, SecretWithArbitraryBytesRoundTrips) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  AccessKey k = SampleKey("AKIAEXAMPLE000000001", "123456789012");
  k.secret_access_key = std::string("a\0b\xff\n'\"", 7);
  ASSERT_OK(accounts().PutAccessKey(k));
  auto got = accounts().GetAccessKey(k.access_key_id);
  ASSERT_OK(got);
  EXPECT_EQ((*got)->secret_access_key, k.secret_access_key);
}

TEST_P(StoreConformanceTest, GetMissingAccessKeyIsEmpty) {
  auto got = accounts().GetAccessKey("AKIADOESNOTEXIST0000");
  ASSERT_OK(got);
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreConformanceTest, DuplicateAccessKeyRejected) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  AccessKey k = SampleKey("AKIAEXAMPLE000000001", "123456789012");
  ASSERT_OK(accounts().PutAccessKey(k));
  AccessKey again = k;
  again.secret_access_key = "different";
  Status st = accounts().PutAccessKey(again);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(IsAlreadyExists(st.error())) << st.error().code;
  auto got = accounts().GetAccessKey(k.access_key_id);
  ASSERT_OK(got);
  EXPECT_EQ((*got)->secret_access_key, k.secret_access_key);
}

TEST_P(StoreConformanceTest, AccessKeyRequiresExistingAccount) {
  Status st = accounts().PutAccessKey(SampleKey("AKIAEXAMPLE000000001", "999999999999"));
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(IsNotFound(st.error())) << st.error().code;
}

TEST_P(StoreConformanceTest, AccessKeyValidation) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  AccessKey bad_status = SampleKey("AKIAEXAMPLE000000001", "123456789012");
  bad_status.status = "Enabled";
  AccessKey no_id = SampleKey("", "123456789012");
  AccessKey no_secret = SampleKey("AKIAEXAMPLE000000002", "123456789012");
  no_secret.secret_access_key.clear();
  for (const AccessKey& k : {bad_status, no_id, no_secret}) {
    Status st = accounts().PutAccessKey(k);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "ValidationError") << k.access_key_id;
  }
  auto list = accounts().ListAccessKeys("123456789012", "");
  ASSERT_OK(list);
  EXPECT_TRUE(list->empty());
}

TEST_P(StoreConformanceTest, ListAccessKeysSelectsExactOwner) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("111111111111")));
  ASSERT_OK(accounts().CreateAccount(SampleAccount("222222222222")));
  AccessKey root2 = SampleKey("AKIAROOT1B0000000002", "111111111111");
  root2.created_epoch = 5;
  AccessKey root1 = SampleKey("AKIAROOT1A0000000001", "111111111111");
  root1.created_epoch = 10;
  ASSERT_OK(accounts().PutAccessKey(root1));
  ASSERT_OK(accounts().PutAccessKey(root2));
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIAALICE00000000001", "111111111111", "alice")));
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIABOB0000000000001", "111111111111", "bob")));
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIAROOT2A0000000001", "222222222222")));

  auto roots = accounts().ListAccessKeys("111111111111", "");
  ASSERT_OK(roots);
  ASSERT_EQ(roots->size(), 2u);
  EXPECT_EQ((*roots)[0].access_key_id, "AKIAROOT1B0000000002");  // older first
  EXPECT_EQ((*roots)[1].access_key_id, "AKIAROOT1A0000000001");
  EXPECT_EQ((*roots)[0].secret_access_key, root2.secret_access_key);

  auto alice = accounts().ListAccessKeys("111111111111", "alice");
  ASSERT_OK(alice);
  ASSERT_EQ(alice->size(), 1u);
  EXPECT_EQ((*alice)[0].access_key_id, "AKIAALICE00000000001");

  auto nobody = accounts().ListAccessKeys("222222222222", "alice");
  ASSERT_OK(nobody);
  EXPECT_TRUE(nobody->empty());
}

TEST_P(StoreConformanceTest, UpdateAccessKeyStatus) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIAEXAMPLE000000001", "123456789012")));

  ASSERT_OK(accounts().UpdateAccessKeyStatus("AKIAEXAMPLE000000001", "Inactive"));
  EXPECT_EQ((*accounts().GetAccessKey("AKIAEXAMPLE000000001"))->status, "Inactive");
  ASSERT_OK(accounts().UpdateAccessKeyStatus("AKIAEXAMPLE000000001", "Active"));
  EXPECT_EQ((*accounts().GetAccessKey("AKIAEXAMPLE000000001"))->status, "Active");

  Status bad = accounts().UpdateAccessKeyStatus("AKIAEXAMPLE000000001", "Deleted");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "ValidationError");

  Status missing = accounts().UpdateAccessKeyStatus("AKIADOESNOTEXIST0000", "Inactive");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(IsNotFound(missing.error())) << missing.error().code;
}

TEST_P(StoreConformanceTest, DeleteAccessKey) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIAEXAMPLE000000001", "123456789012")));
  ASSERT_OK(accounts().DeleteAccessKey("AKIAEXAMPLE000000001"));
  auto got = accounts().GetAccessKey("AKIAEXAMPLE000000001");
  ASSERT_OK(got);
  EXPECT_FALSE(got->has_value());

  Status again = accounts().DeleteAccessKey("AKIAEXAMPLE000000001");
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(IsNotFound(again.error())) << again.error().code;

  // The id can be reused after deletion.
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIAEXAMPLE000000001", "123456789012")));
}

TEST_P(StoreConformanceTest, RecordAccessKeyUse) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIAEXAMPLE000000001", "123456789012")));
  auto fresh = accounts().GetAccessKey("AKIAEXAMPLE000000001");
  ASSERT_OK(fresh);
  EXPECT_EQ((*fresh)->last_used_epoch, 0);
  EXPECT_EQ((*fresh)->last_used_service, "");

  ASSERT_OK(accounts().RecordAccessKeyUse("AKIAEXAMPLE000000001", 1700001000, "iam", "us-east-1"));
  ASSERT_OK(accounts().RecordAccessKeyUse("AKIAEXAMPLE000000001", 1700002000, "kms", "eu-west-1"));
  auto used = accounts().GetAccessKey("AKIAEXAMPLE000000001");
  ASSERT_OK(used);
  EXPECT_EQ((*used)->last_used_epoch, 1700002000);
  EXPECT_EQ((*used)->last_used_service, "kms");
  EXPECT_EQ((*used)->last_used_region, "eu-west-1");
  EXPECT_EQ((*used)->secret_access_key, SampleKey("AKIAEXAMPLE000000001", "").secret_access_key);

  Status missing = accounts().RecordAccessKeyUse("AKIADOESNOTEXIST0000", 1, "iam", "us-east-1");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(IsNotFound(missing.error())) << missing.error().code;
}

// ---- Settings -----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, Settings) {
  auto missing = store_->GetSetting("default_account_id");
  ASSERT_OK(missing);
  EXPECT_FALSE(missing->has_value());

  ASSERT_OK(store_->PutSetting("default_account_id", "123456789012"));
  auto got = store_->GetSetting("default_account_id");
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, "123456789012");

  ASSERT_OK(store_->PutSetting("default_account_id", "000000000000"));
  EXPECT_EQ(**store_->GetSetting("default_account_id"), "000000000000");
  ASSERT_OK(store_->PutSetting("other", ""));
  EXPECT_EQ(**store_->GetSetting("other"), "");
  EXPECT_EQ(**store_->GetSetting("default_account_id"), "000000000000");
}

// ---- Whole-store behaviour ----------------------------------------------------------------

TEST_P(StoreConformanceTest, SchemaVersionIsLatestMigration) {
  EXPECT_EQ(store_->SchemaVersion(), static_cast<int>(Migrations().size()));
  EXPECT_GE(store_->SchemaVersion(), 2);
}

TEST_P(StoreConformanceTest, WipeAllDeletesEveryRowAndKeepsSchema) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIAEXAMPLE000000001", "123456789012")));
  ASSERT_OK(store_->PutSetting("default_account_id", "123456789012"));
  int version = store_->SchemaVersion();

  ASSERT_OK(store_->WipeAll());
  EXPECT_TRUE(accounts().ListAccounts()->empty());
  EXPECT_FALSE(accounts().GetAccessKey("AKIAEXAMPLE000000001")->has_value());
  EXPECT_FALSE(store_->GetSetting("default_account_id")->has_value());
  EXPECT_EQ(store_->SchemaVersion(), version);

  // Still fully usable, including secrets, and wiping an empty store is fine.
  ASSERT_OK(store_->WipeAll());
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIAEXAMPLE000000001", "123456789012")));
  EXPECT_TRUE(accounts().GetAccessKey("AKIAEXAMPLE000000001")->has_value());
}

TEST_P(StoreConformanceTest, ReopenPersists) {
  if (!backend_->Persistent()) GTEST_SKIP() << "backend is not persistent";
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  AccessKey k = SampleKey("AKIAEXAMPLE000000001", "123456789012", "alice");
  ASSERT_OK(accounts().PutAccessKey(k));
  ASSERT_OK(accounts().RecordAccessKeyUse(k.access_key_id, 1700009999, "sts", "us-west-2"));
  ASSERT_OK(store_->PutSetting("default_account_id", "123456789012"));

  Reopen();
  auto acct = accounts().GetAccount("123456789012");
  ASSERT_OK(acct);
  ASSERT_TRUE(acct->has_value());
  EXPECT_EQ((*acct)->email, "owner-123456789012@example.com");
  auto got = accounts().GetAccessKey(k.access_key_id);
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->secret_access_key, k.secret_access_key);
  EXPECT_EQ((*got)->last_used_epoch, 1700009999);
  EXPECT_EQ(**store_->GetSetting("default_account_id"), "123456789012");
}

TEST_P(StoreConformanceTest, MigrationsIdempotentOnReopen) {
  if (!backend_->Persistent()) GTEST_SKIP() << "backend is not persistent";
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  int version = store_->SchemaVersion();
  for (int i = 0; i < 3; ++i) {
    Reopen();
    EXPECT_EQ(store_->SchemaVersion(), version);
  }
  EXPECT_EQ(accounts().ListAccounts()->size(), 1u);
}

TEST_P(StoreConformanceTest, WipeAllThenReopenKeepsRootKeyValid) {
  if (!backend_->Persistent()) GTEST_SKIP() << "backend is not persistent";
  ASSERT_OK(store_->WipeAll());
  Reopen();
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
}

TEST_P(StoreConformanceTest, SecretsEncryptedAtRest) {
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  AccessKey k = SampleKey("AKIAEXAMPLE000000001", "123456789012");
  k.secret_access_key = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYPLAINTEXTMARKER";
  ASSERT_OK(accounts().PutAccessKey(k));
  auto raw = backend_->RawBytes();
  if (!raw.has_value()) GTEST_SKIP() << "backend bytes are not inspectable";
  // Sanity: we are looking at the right bytes (the key id is stored in the clear).
  EXPECT_NE(raw->find(k.access_key_id), std::string::npos);
  EXPECT_EQ(raw->find(k.secret_access_key), std::string::npos);
  EXPECT_EQ(raw->find("PLAINTEXTMARKER"), std::string::npos);

  store_.reset();  // after the final checkpoint too
  raw = backend_->RawBytes();
  ASSERT_TRUE(raw.has_value());
  EXPECT_NE(raw->find(k.access_key_id), std::string::npos);
  EXPECT_EQ(raw->find("PLAINTEXTMARKER"), std::string::npos);
}

TEST_P(StoreConformanceTest, WrongRootKeyIsAClearError) {
  if (!backend_->Persistent()) GTEST_SKIP() << "backend is not persistent";
  ASSERT_OK(accounts().CreateAccount(SampleAccount("123456789012")));
  ASSERT_OK(accounts().PutAccessKey(SampleKey("AKIAEXAMPLE000000001", "123456789012")));
  store_.reset();

  auto wrong = backend_->Open(crypto::RandomBytes(32));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("wrong root key"), std::string::npos)
      << wrong.error().message;

  // The right key still works afterwards.
  Reopen();
  EXPECT_TRUE(accounts().GetAccessKey("AKIAEXAMPLE000000001")->has_value());
}

TEST_P(StoreConformanceTest, RootKeyMustBe32Bytes) {
  auto r = backend_->Open("too short");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ValidationError");
}

TEST_P(StoreConformanceTest, ConcurrentWritersFromFourThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  std::vector<std::string> failures(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread && failures[t].empty(); ++i) {
        char id[13];
        std::snprintf(id, sizeof(id), "%02d%010d", t, i);
        char key[21];
        std::snprintf(key, sizeof(key), "AKIA%02d%014d", t, i);
        auto a = accounts().CreateAccount(SampleAccount(id));
        if (!a.ok()) failures[t] = a.error().message;
        Status st = accounts().PutAccessKey(SampleKey(key, id));
        if (!st.ok()) failures[t] = st.error().message;
        st = accounts().RecordAccessKeyUse(key, i, "sts", "us-east-1");
        if (!st.ok()) failures[t] = st.error().message;
        st = store_->PutSetting("last_writer", std::to_string(t));
        if (!st.ok()) failures[t] = st.error().message;
        auto got = accounts().GetAccessKey(key);
        if (!got.ok() || !got->has_value())
          failures[t] = "read-back failed for " + std::string(key);
        // Every thread also races on one shared id: exactly one may win.
        auto dup = accounts().CreateAccount(SampleAccount("999999999999"));
        if (!dup.ok() && !IsAlreadyExists(dup.error())) failures[t] = dup.error().message;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;

  auto list = accounts().ListAccounts();
  ASSERT_OK(list);
  EXPECT_EQ(list->size(), static_cast<size_t>(kThreads * kPerThread + 1));
  std::set<std::string> ids;
  for (const Account& a : *list) ids.insert(a.account_id);
  EXPECT_EQ(ids.size(), list->size());
  for (int t = 0; t < kThreads; ++t) {
    char id[13];
    std::snprintf(id, sizeof(id), "%02d%010d", t, kPerThread - 1);
    auto keys = accounts().ListAccessKeys(id, "");
    ASSERT_OK(keys);
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ((*keys)[0].last_used_epoch, kPerThread - 1);
  }
}

// ---- Engines ------------------------------------------------------------------------------

class SqliteFileBackend : public StoreBackend {
 public:
  Result<std::unique_ptr<Store>> Open(const std::string& root_key) override {
    return OpenSqliteStore({.path = path_, .root_key = root_key});
  }
  bool Persistent() const override { return true; }
  std::optional<std::string> RawBytes() const override {
    std::string bytes = testing::ReadFileBytes(path_);
    bytes += testing::ReadFileBytes(path_ + "-wal");
    return bytes;
  }

 private:
  testing::TempDir dir_;
  std::string path_ = dir_.File("rampart.db");
};

class SqliteMemoryBackend : public StoreBackend {
 public:
  Result<std::unique_ptr<Store>> Open(const std::string& root_key) override {
    return OpenSqliteStore({.path = ":memory:", .root_key = root_key});
  }
  bool Persistent() const override { return false; }
  std::optional<std::string> RawBytes() const override { return std::nullopt; }
};

// ---- Entities -----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, EntityInsertGetPutDelete) {
  EntityStore& es = store_->entities();
  ASSERT_OK(es.Transact([](EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(tx.Insert("111122223333", "user", "alice", R"({"n":1})"));
    return tx.Insert("111122223333", "user", "bob", R"({"n":2})");
  }));
  Status dup = es.Transact(
      [](EntityTx& tx) { return tx.Insert("111122223333", "user", "alice", "{}"); });
  ASSERT_FALSE(dup.ok());
  EXPECT_TRUE(IsAlreadyExists(dup.error()));
  ASSERT_OK(es.Transact([](EntityTx& tx) -> Status {
    auto got = tx.Get("111122223333", "user", "alice");
    if (!got.ok()) return got.error();
    EXPECT_EQ(got->value_or(""), R"({"n":1})");
    auto other_account = tx.Get("999999999999", "user", "alice");
    EXPECT_FALSE(other_account->has_value());
    RAMPART_RETURN_IF_ERROR(tx.Put("111122223333", "user", "alice", R"({"n":3})"));
    RAMPART_RETURN_IF_ERROR(tx.Delete("111122223333", "user", "bob"));
    Status missing = tx.Delete("111122223333", "user", "bob");
    EXPECT_TRUE(!missing.ok() && IsNotFound(missing.error()));
    auto n = tx.Count("111122223333", "user", "");
    EXPECT_EQ(n.ok() ? *n : -1, 1);
    return {};
  }));
}

TEST_P(StoreConformanceTest, EntityTransactionRollsBackOnError) {
  EntityStore& es = store_->entities();
  Status st = es.Transact([](EntityTx& tx) -> Status {
    RAMPART_RETURN_IF_ERROR(tx.Insert("111122223333", "role", "r1", "{}"));
    return Error::Validation("abort");
  });
  EXPECT_FALSE(st.ok());
  ASSERT_OK(es.Transact([](EntityTx& tx) -> Status {
    auto got = tx.Get("111122223333", "role", "r1");
    EXPECT_TRUE(got.ok() && !got->has_value());
    return {};
  }));
}

TEST_P(StoreConformanceTest, EntityListIsOrderedPrefixScanWithPaging) {
  EntityStore& es = store_->entities();
  ASSERT_OK(es.Transact([](EntityTx& tx) -> Status {
    for (const char* k : {"/a/x", "/a/y", "/a/z", "/b/x", "/a"}) {
      RAMPART_RETURN_IF_ERROR(tx.Insert("111122223333", "p", k, k));
    }
    return {};
  }));
  ASSERT_OK(es.Transact([](EntityTx& tx) -> Status {
    auto page1 = tx.List("111122223333", "p", "/a/", "", 2);
    EXPECT_TRUE(page1.ok());
    EXPECT_EQ(page1->size(), 2u);
    EXPECT_EQ((*page1)[0].key, "/a/x");
    EXPECT_EQ((*page1)[1].doc, "/a/y");
    auto page2 = tx.List("111122223333", "p", "/a/", (*page1)[1].key, 10);
    EXPECT_EQ(page2->size(), 1u);
    EXPECT_EQ((*page2)[0].key, "/a/z");
    auto all = tx.List("111122223333", "p", "", "", 100);
    EXPECT_EQ(all->size(), 5u);
    EXPECT_EQ(*tx.Count("111122223333", "p", "/a/"), 3);
    return {};
  }));
}

TEST_P(StoreConformanceTest, SealAndOpenSecrets) {
  auto sealed = store_->Seal("mfa/alice", "seed-bytes");
  ASSERT_OK(sealed);
  EXPECT_EQ(sealed->find("seed-bytes"), std::string::npos);
  auto opened = store_->Open("mfa/alice", *sealed, "MFA seed");
  ASSERT_OK(opened);
  EXPECT_EQ(*opened, "seed-bytes");
  EXPECT_FALSE(store_->Open("mfa/bob", *sealed, "MFA seed").ok());
}

INSTANTIATE_TEST_SUITE_P(
    Engines, StoreConformanceTest,
    ::testing::Values(
        BackendParam{"SqliteFile", [] { return std::make_unique<SqliteFileBackend>(); }},
        BackendParam{"SqliteMemory", [] { return std::make_unique<SqliteMemoryBackend>(); }}),
    [](const ::testing::TestParamInfo<BackendParam>& info) { return info.param.name; });

}  // namespace
}  // namespace rampart::store
