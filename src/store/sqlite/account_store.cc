#include "store/sqlite/account_store.h"

#include "store/secrets.h"

namespace rampart::store::sqlite {
namespace {

constexpr std::string_view kKeyColumns =
    "access_key_id, secret_sealed, account_id, principal_arn, user_name, status, "
    "created_epoch, last_used_epoch, last_used_service, last_used_region";

Error AlreadyExists(std::string message) {
  return {std::string(kAlreadyExistsCode), std::move(message), 409, true};
}
Error NotFound(std::string message) {
  return {std::string(kNotFoundCode), std::move(message), 404, true};
}

Status ValidateStatus(std::string_view status) {
  if (status == "Active" || status == "Inactive") return {};
  return Error::Validation("access key status must be Active or Inactive, not '" +
                           std::string(status) + "'");
}

Account ReadAccount(const Stmt& s) { return Account{s.Text(0), s.Text(1), s.Text(2), s.Int(3)}; }

std::string KeyWhat(std::string_view access_key_id) {
  return "secret of access key " + std::string(access_key_id);
}

}  // namespace

Result<Account> SqliteAccountStore::CreateAccount(const Account& a) {
  if (a.account_id.empty()) return Error::Validation("account id is empty");
  Guard lock(ctx_);
  Database& db = *ctx_.db;
  RAMPART_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    {
      RAMPART_ASSIGN_OR_RETURN(Stmt q, db.Prepare("SELECT 1 FROM accounts WHERE account_id = ?"));
      q.Bind(1, a.account_id);
      RAMPART_ASSIGN_OR_RETURN(bool exists, q.Step());
      if (exists) return AlreadyExists("account " + a.account_id + " already exists");
    }
    RAMPART_ASSIGN_OR_RETURN(
        Stmt ins, db.Prepare("INSERT INTO accounts (account_id, name, email, created_epoch) "
                             "VALUES (?, ?, ?, ?)"));
    ins.Bind(1, a.account_id).Bind(2, a.name).Bind(3, a.email).Bind(4, a.created_epoch);
    return ins.Run();
  }));
  return a;
}

Result<std::optional<Account>> SqliteAccountStore::GetAccount(std::string_view id) {
  Guard lock(ctx_);
  RAMPART_ASSIGN_OR_RETURN(
      Stmt q, ctx_.db->Prepare("SELECT account_id, name, email, created_epoch FROM accounts "
                               "WHERE account_id = ?"));
  q.Bind(1, id);
  RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<Account>();
  return std::optional<Account>(ReadAccount(q));
}

Result<std::vector<Account>> SqliteAccountStore::ListAccounts() {
  Guard lock(ctx_);
  RAMPART_ASSIGN_OR_RETURN(
      Stmt q, ctx_.db->Prepare("SELECT account_id, name, email, created_epoch FROM accounts "
                               "ORDER BY account_id"));
  std::vector<Account> out;
  for (;;) {
    RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadAccount(q));
  }
  return out;
}

Status InsertAccessKeyRow(Database& db, const std::string& root_key, const AccessKey& k) {
  if (k.access_key_id.empty()) return Error::Validation("access key id is empty");
  if (k.secret_access_key.empty()) return Error::Validation("secret access key is empty");
  if (k.account_id.empty()) return Error::Validation("access key has no account id");
  RAMPART_RETURN_IF_ERROR(ValidateStatus(k.status));
  RAMPART_ASSIGN_OR_RETURN(std::string sealed,
                           SealSecret(root_key, k.access_key_id, k.secret_access_key));
  {
    RAMPART_ASSIGN_OR_RETURN(Stmt q, db.Prepare("SELECT 1 FROM access_keys WHERE access_key_id = ?"));
    q.Bind(1, k.access_key_id);
    RAMPART_ASSIGN_OR_RETURN(bool exists, q.Step());
    if (exists) return AlreadyExists("access key " + k.access_key_id + " already exists");
  }
  {
    RAMPART_ASSIGN_OR_RETURN(Stmt q, db.Prepare("SELECT 1 FROM accounts WHERE account_id = ?"));
    q.Bind(1, k.account_id);
    RAMPART_ASSIGN_OR_RETURN(bool exists, q.Step());
    if (!exists) return NotFound("account " + k.account_id + " does not exist");
  }
  RAMPART_ASSIGN_OR_RETURN(Stmt ins,
                           db.Prepare("INSERT INTO access_keys (" + std::string(kKeyColumns) +
                                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ins.Bind(1, k.access_key_id)
      .Bind(2, sealed)
      .Bind(3, k.account_id)
      .Bind(4, k.principal_arn)
      .Bind(5, k.user_name)
      .Bind(6, k.status)
      .Bind(7, k.created_epoch)
      .Bind(8, k.last_used_epoch)
      .Bind(9, k.last_used_service)
      .Bind(10, k.last_used_region);
  return ins.Run();
}

Status SqliteAccountStore::PutAccessKey(const AccessKey& k) {
  Guard lock(ctx_);
  Database& db = *ctx_.db;
  return db.Transaction([&]() -> Status { return InsertAccessKeyRow(db, ctx_.root_key, k); });
}

Result<AccessKey> SqliteAccountStore::ReadAccessKey(const Stmt& s) const {
  AccessKey k;
  k.access_key_id = s.Text(0);
  RAMPART_ASSIGN_OR_RETURN(k.secret_access_key, OpenSecret(ctx_.root_key, k.access_key_id,
                                                           s.Text(1), KeyWhat(k.access_key_id)));
  k.account_id = s.Text(2);
  k.principal_arn = s.Text(3);
  k.user_name = s.Text(4);
  k.status = s.Text(5);
  k.created_epoch = s.Int(6);
  k.last_used_epoch = s.Int(7);
  k.last_used_service = s.Text(8);
  k.last_used_region = s.Text(9);
  return k;
}

Result<std::optional<AccessKey>> SqliteAccountStore::GetAccessKey(std::string_view access_key_id) {
  Guard lock(ctx_);
  RAMPART_ASSIGN_OR_RETURN(Stmt q, ctx_.db->Prepare("SELECT " + std::string(kKeyColumns) +
                                                    " FROM access_keys WHERE access_key_id = ?"));
  q.Bind(1, access_key_id);
  RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<AccessKey>();
  RAMPART_ASSIGN_OR_RETURN(AccessKey k, ReadAccessKey(q));
  return std::optional<AccessKey>(std::move(k));
}

Result<std::vector<AccessKey>> SqliteAccountStore::ListAccessKeys(std::string_view account_id,
                                                                  std::string_view user_name) {
  Guard lock(ctx_);
  RAMPART_ASSIGN_OR_RETURN(
      Stmt q, ctx_.db->Prepare("SELECT " + std::string(kKeyColumns) +
                               " FROM access_keys WHERE account_id = ? AND user_name = ? "
                               "ORDER BY created_epoch, access_key_id"));
  q.Bind(1, account_id).Bind(2, user_name);
  std::vector<AccessKey> out;
  for (;;) {
    RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    RAMPART_ASSIGN_OR_RETURN(AccessKey k, ReadAccessKey(q));
    out.push_back(std::move(k));
  }
  return out;
}

Status SqliteAccountStore::UpdateAccessKeyStatus(std::string_view access_key_id,
                                                 std::string_view status) {
  RAMPART_RETURN_IF_ERROR(ValidateStatus(status));
  Guard lock(ctx_);
  Database& db = *ctx_.db;
  return db.Transaction([&]() -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        Stmt u, db.Prepare("UPDATE access_keys SET status = ? WHERE access_key_id = ?"));
    u.Bind(1, status).Bind(2, access_key_id);
    RAMPART_RETURN_IF_ERROR(u.Run());
    if (u.Changes() == 0) {
      return NotFound("access key " + std::string(access_key_id) + " does not exist");
    }
    return {};
  });
}

Status SqliteAccountStore::DeleteAccessKey(std::string_view access_key_id) {
  Guard lock(ctx_);
  Database& db = *ctx_.db;
  return db.Transaction([&]() -> Status {
    RAMPART_ASSIGN_OR_RETURN(Stmt d, db.Prepare("DELETE FROM access_keys WHERE access_key_id = ?"));
    d.Bind(1, access_key_id);
    RAMPART_RETURN_IF_ERROR(d.Run());
    if (d.Changes() == 0) {
      return NotFound("access key " + std::string(access_key_id) + " does not exist");
    }
    return {};
  });
}

Status SqliteAccountStore::RecordAccessKeyUse(std::string_view access_key_id, int64_t epoch,
                                              std::string_view service, std::string_view region) {
  Guard lock(ctx_);
  Database& db = *ctx_.db;
  return db.Transaction([&]() -> Status {
    RAMPART_ASSIGN_OR_RETURN(
        Stmt u, db.Prepare("UPDATE access_keys SET last_used_epoch = ?, last_used_service = ?, "
                           "last_used_region = ? WHERE access_key_id = ?"));
    u.Bind(1, epoch).Bind(2, service).Bind(3, region).Bind(4, access_key_id);
    RAMPART_RETURN_IF_ERROR(u.Run());
    if (u.Changes() == 0) {
      return NotFound("access key " + std::string(access_key_id) + " does not exist");
    }
    return {};
  });
}

}  // namespace rampart::store::sqlite
