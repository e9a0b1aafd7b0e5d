#pragma once
// AccountStore on SQLite: tables `accounts` and `access_keys` (migration 2).

#include "store/sqlite/context.h"
#include "store/store.h"

namespace rampart::store::sqlite {

// Inserts `k` into access_keys with its secret sealed under `root_key`. REQUIRES: the context's
// mutex held and a transaction open (shared by PutAccessKey and EntityTx::InsertAccessKey).
Status InsertAccessKeyRow(Database& db, const std::string& root_key, const AccessKey& k);

class SqliteAccountStore final : public AccountStore {
 public:
  // `ctx` must outlive this object (both are owned by SqliteStore).
  explicit SqliteAccountStore(Context& ctx) : ctx_(ctx) {}

  Result<Account> CreateAccount(const Account& a) override;
  Result<std::optional<Account>> GetAccount(std::string_view id) override;
  Result<std::vector<Account>> ListAccounts() override;
  Status PutAccessKey(const AccessKey& k) override;
  Result<std::optional<AccessKey>> GetAccessKey(std::string_view access_key_id) override;
  Result<std::vector<AccessKey>> ListAccessKeys(std::string_view account_id,
                                                std::string_view user_name) override;
  Status UpdateAccessKeyStatus(std::string_view access_key_id, std::string_view status) override;
  Status DeleteAccessKey(std::string_view access_key_id) override;
  Status RecordAccessKeyUse(std::string_view access_key_id, int64_t epoch, std::string_view service,
                            std::string_view region) override;

 private:
  Result<AccessKey> ReadAccessKey(const Stmt& row) const;

  Context& ctx_;
};

}  // namespace rampart::store::sqlite
