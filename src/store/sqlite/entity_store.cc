#include "store/sqlite/entity_store.h"

#include "store/sqlite/account_store.h"
#include "store/store.h"

namespace rampart::store::sqlite {

namespace {

// The smallest string greater than every string starting with `prefix` ("" if none exists).
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char c = static_cast<unsigned char>(end.back());
    if (c < 0xff) {
      end.back() = static_cast<char>(c + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

class Tx final : public EntityTx {
 public:
  Tx(Database& db, const std::string& root_key) : db_(db), root_key_(root_key) {}

  Result<std::optional<std::string>> Get(std::string_view account, std::string_view kind,
                                         std::string_view key) override {
    RAMPART_ASSIGN_OR_RETURN(
        Stmt q, db_.Prepare("SELECT doc FROM entities WHERE account_id = ? AND kind = ? AND "
                            "key = ?"));
    q.Bind(1, account).Bind(2, kind).Bind(3, key);
    RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(q.Text(0));
  }

  Status Insert(std::string_view account, std::string_view kind, std::string_view key,
                std::string_view doc) override {
    RAMPART_ASSIGN_OR_RETURN(
        Stmt q, db_.Prepare("INSERT INTO entities (account_id, kind, key, doc) VALUES (?, ?, ?, "
                            "?) ON CONFLICT DO NOTHING"));
    q.Bind(1, account).Bind(2, kind).Bind(3, key).Bind(4, doc);
    RAMPART_RETURN_IF_ERROR(q.Run());
    if (q.Changes() == 0) {
      return Error{std::string(kAlreadyExistsCode),
                   std::string(kind) + " " + std::string(key) + " already exists", 409, true};
    }
    return {};
  }

  Status Put(std::string_view account, std::string_view kind, std::string_view key,
             std::string_view doc) override {
    RAMPART_ASSIGN_OR_RETURN(
        Stmt q, db_.Prepare("INSERT INTO entities (account_id, kind, key, doc) VALUES (?, ?, ?, "
                            "?) ON CONFLICT (account_id, kind, key) DO UPDATE SET doc = "
                            "excluded.doc"));
    q.Bind(1, account).Bind(2, kind).Bind(3, key).Bind(4, doc);
    return q.Run();
  }

  Status Delete(std::string_view account, std::string_view kind, std::string_view key) override {
    RAMPART_ASSIGN_OR_RETURN(
        Stmt q, db_.Prepare("DELETE FROM entities WHERE account_id = ? AND kind = ? AND key = ?"));
    q.Bind(1, account).Bind(2, kind).Bind(3, key);
    RAMPART_RETURN_IF_ERROR(q.Run());
    if (q.Changes() == 0) {
      return Error{std::string(kNotFoundCode),
                   std::string(kind) + " " + std::string(key) + " does not exist", 404, true};
    }
    return {};
  }

  Result<std::vector<EntityRow>> List(std::string_view account, std::string_view kind,
                                      std::string_view prefix, std::string_view after,
                                      size_t limit) override {
    std::string lower = std::string(after) > std::string(prefix) ? std::string(after)
                                                                 : std::string(prefix);
    bool exclusive = !after.empty() && after >= prefix;
    std::string upper = PrefixEnd(prefix);
    std::string sql = "SELECT key, doc FROM entities WHERE account_id = ? AND kind = ? AND key ";
    sql += exclusive ? "> ?" : ">= ?";
    if (!upper.empty()) sql += " AND key < ?";
    sql += " ORDER BY key LIMIT ?";
    RAMPART_ASSIGN_OR_RETURN(Stmt q, db_.Prepare(sql));
    q.Bind(1, account).Bind(2, kind).Bind(3, lower);
    int next = 4;
    if (!upper.empty()) q.Bind(next++, upper);
    q.Bind(next, static_cast<int64_t>(limit));
    std::vector<EntityRow> out;
    for (;;) {
      RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      out.push_back({q.Text(0), q.Text(1)});
    }
    return out;
  }

  Result<int64_t> Count(std::string_view account, std::string_view kind,
                        std::string_view prefix) override {
    std::string upper = PrefixEnd(prefix);
    std::string sql =
        "SELECT count(*) FROM entities WHERE account_id = ? AND kind = ? AND key >= ?";
    if (!upper.empty()) sql += " AND key < ?";
    RAMPART_ASSIGN_OR_RETURN(Stmt q, db_.Prepare(sql));
    q.Bind(1, account).Bind(2, kind).Bind(3, prefix);
    if (!upper.empty()) q.Bind(4, upper);
    RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? q.Int(0) : 0;
  }

  Result<int64_t> CountAccessKeys(std::string_view account, std::string_view user_name) override {
    RAMPART_ASSIGN_OR_RETURN(
        Stmt q, db_.Prepare("SELECT count(*) FROM access_keys WHERE account_id = ? AND "
                            "user_name = ?"));
    q.Bind(1, account).Bind(2, user_name);
    RAMPART_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? q.Int(0) : 0;
  }

  Status InsertAccessKey(const AccessKey& key) override {
    return InsertAccessKeyRow(db_, root_key_, key);
  }

  Status MoveAccessKeys(std::string_view account, std::string_view from, std::string_view to,
                        std::string_view arn) override {
    RAMPART_ASSIGN_OR_RETURN(
        Stmt q, db_.Prepare("UPDATE access_keys SET user_name = ?, principal_arn = ? WHERE "
                            "account_id = ? AND user_name = ?"));
    q.Bind(1, to).Bind(2, arn).Bind(3, account).Bind(4, from);
    return q.Run();
  }

 private:
  Database& db_;
  const std::string& root_key_;
};

}  // namespace

Status SqliteEntityStore::Transact(const std::function<Status(EntityTx&)>& body) {
  Guard lock(ctx_);
  Database& db = *ctx_.db;
  Tx tx(db, ctx_.root_key);
  return db.Transaction([&]() -> Status { return body(tx); });
}

}  // namespace rampart::store::sqlite
