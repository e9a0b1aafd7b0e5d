#pragma once
// A transactional document store for service state: each entity is a JSON document addressed by
// (account id, kind, key). Services keep their own secondary indexes as further kinds written in
// the same transaction (e.g. IAM's "user-id" -> user name). Narrow enough for SQLite and
// PostgreSQL alike: point reads, ordered prefix scans, upserts, deletes.
//
// Thread-safety: EntityStore is thread-safe; Transact() serializes transactions. An EntityTx is
// valid only inside the body it was passed to, on that thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace rampart::store {

struct AccessKey;  // store.h

struct EntityRow {
  std::string key;
  std::string doc;
};

class EntityTx {
 public:
  virtual ~EntityTx() = default;
  virtual Result<std::optional<std::string>> Get(std::string_view account, std::string_view kind,
                                                 std::string_view key) = 0;
  // Inserts; EntityAlreadyExists if the key is taken.
  virtual Status Insert(std::string_view account, std::string_view kind, std::string_view key,
                        std::string_view doc) = 0;
  // Inserts or replaces.
  virtual Status Put(std::string_view account, std::string_view kind, std::string_view key,
                     std::string_view doc) = 0;
  // NoSuchEntity if absent.
  virtual Status Delete(std::string_view account, std::string_view kind,
                        std::string_view key) = 0;
  // Rows whose key starts with `prefix` and sorts after `after` (exclusive; "" = from the start),
  // in key order, at most `limit`.
  virtual Result<std::vector<EntityRow>> List(std::string_view account, std::string_view kind,
                                              std::string_view prefix, std::string_view after,
                                              size_t limit) = 0;
  virtual Result<int64_t> Count(std::string_view account, std::string_view kind,
                                std::string_view prefix) = 0;

  // Access keys (the AccountStore's table) inside this transaction, so that a user and its keys
  // change together: no key is created for a user that a concurrent DeleteUser removes, none is
  // left behind for a later user of the same name, and a rename carries them along.
  // Number of keys of (account, user_name); "" is the account root.
  virtual Result<int64_t> CountAccessKeys(std::string_view account,
                                          std::string_view user_name) = 0;
  // Inserts `key` (its secret sealed by the engine); errors as AccountStore::PutAccessKey.
  virtual Status InsertAccessKey(const AccessKey& key) = 0;
  // Gives every key of user `from` to user `to` with principal ARN `arn` (UpdateUser's rename).
  virtual Status MoveAccessKeys(std::string_view account, std::string_view from,
                                std::string_view to, std::string_view arn) = 0;
};

class EntityStore {
 public:
  virtual ~EntityStore() = default;
  // Runs `body` in one serializable transaction; any error rolls everything back.
  virtual Status Transact(const std::function<Status(EntityTx&)>& body) = 0;
};

}  // namespace rampart::store
